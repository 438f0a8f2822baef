"""Planted mistakes: required arguments left out. Checked by test_typing.py, never run."""

from __future__ import annotations

from datetime import UTC, datetime

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient


async def missing_required(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    await support.create_case(subject="disk full")  # expect: mypy=call-arg pyright=reportCallIssue
    await support.describe_communications()  # expect: mypy=call-arg pyright=reportCallIssue
    now = datetime.now(UTC)
    await profiler.list_profile_times(profiling_group_name="g", start_time=now, end_time=now)  # expect: mypy=call-arg pyright=reportCallIssue
