"""Planted mistakes: paginator items used as the wrong type. Checked by test_typing.py,
never run."""

from __future__ import annotations

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from awsmith.support.shapes import Communication


async def wrong_item_types(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    async for case in support.paginate_describe_cases().items():
        message: Communication = case  # expect: mypy=assignment pyright=reportAssignmentType
        print(message)
    async for item in profiler.paginate_list_profiling_groups().items():
        name: str = item  # expect: mypy=assignment pyright=reportAssignmentType
        print(name)
