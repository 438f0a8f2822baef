"""Planted mistakes: paginator items used as the wrong type (the item type of
``paginate_list_profiling_groups`` follows ``include_description``). Checked by test_typing.py,
never run."""

from __future__ import annotations

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler.shapes import ProfilingGroupDescription
from awsmith.support import SupportClient
from awsmith.support.shapes import Communication


async def wrong_item_types(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    async for case in support.paginate_describe_cases().items():
        message: Communication = case  # expect: mypy=assignment pyright=reportAssignmentType
        print(message)
    async for item in profiler.paginate_list_profiling_groups(include_description=True).items():
        name: str = item  # expect: mypy=assignment pyright=reportAssignmentType
        print(name)
    async for group in profiler.paginate_list_profiling_groups().items():
        described: ProfilingGroupDescription = group  # expect: mypy=assignment pyright=reportAssignmentType
        print(described)
    flag = bool(len("x"))
    async for either in profiler.paginate_list_profiling_groups(include_description=flag).items():
        text: str = either  # expect: mypy=assignment pyright=reportAssignmentType
        print(text)
