"""Planted mistakes: strings that are not values of the enum a parameter is typed with
(``Enum | EnumLiteral``). Checked by test_typing.py, never run."""

from __future__ import annotations

from datetime import UTC, datetime

from awsmith.codeguruprofiler import CodeGuruProfilerClient


async def wrong_literals(profiler: CodeGuruProfilerClient) -> None:
    now = datetime.now(UTC)
    await profiler.list_profile_times(profiling_group_name="g", start_time=now, end_time=now, period="P2D")  # expect: mypy=arg-type pyright=reportArgumentType
    await profiler.create_profiling_group(profiling_group_name="g", compute_platform="lambda")  # expect: mypy=arg-type pyright=reportArgumentType
    await profiler.submit_feedback(profiling_group_name="g", anomaly_instance_id="a", type="positive")  # expect: mypy=arg-type pyright=reportArgumentType
