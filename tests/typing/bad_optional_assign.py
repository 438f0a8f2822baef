"""Planted mistakes: optional response members assigned to non-optional variables.
Checked by test_typing.py, never run."""

from __future__ import annotations

from datetime import datetime

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient


async def optional_to_required(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    created = await support.create_case(subject="s", communication_body="b")
    case_id: str = created.case_id  # expect: mypy=assignment pyright=reportAssignmentType
    print(case_id)
    group = await profiler.describe_profiling_group(profiling_group_name="g")
    created_at: datetime = group.profiling_group.created_at  # expect: mypy=assignment pyright=reportAssignmentType
    print(created_at)
    profile = await profiler.get_profile(profiling_group_name="g")
    encoding: str = profile.content_encoding  # expect: mypy=assignment pyright=reportAssignmentType
    print(encoding)
