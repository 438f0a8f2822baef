"""Planted mistakes: arguments of the wrong type. Checked by test_typing.py, never run."""

from __future__ import annotations

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient


async def wrong_argument_types(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    await support.describe_cases(max_results="10")  # expect: mypy=arg-type pyright=reportArgumentType
    await support.describe_cases(include_communications="yes")  # expect: mypy=arg-type pyright=reportArgumentType
    await profiler.post_agent_profile(profiling_group_name="g", content_type="application/json", agent_profile="{}")  # expect: mypy=arg-type pyright=reportArgumentType
    await profiler.get_profile(profiling_group_name="g", start_time="2024-01-01T00:00:00Z")  # expect: mypy=arg-type pyright=reportArgumentType


async def wrong_helper_arguments(support: SupportClient) -> None:
    await support.upload_attachment(42)  # expect: mypy=arg-type pyright=reportArgumentType
    await support.upload_attachment(b"x", concurrency="4")  # expect: mypy=arg-type pyright=reportArgumentType
    await support.download_attachment("a-1", 3.5)  # expect: mypy=arg-type pyright=reportArgumentType
