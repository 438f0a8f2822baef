"""Planted mistakes: attributes the responses and errors do not have. Checked by
test_typing.py, never run.

In strict mode pyright also reports the unknown type an unknown attribute has when it is
used (reportUnknownMemberType, reportUnknownArgumentType); those follow-on reports are
turned off here so each marked line carries the one error that matters.
"""
# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false

from __future__ import annotations

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from awsmith.support.errors import ThrottlingException


async def unknown_attributes(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    page = await support.describe_cases()
    print(page.nextToken)  # expect: mypy=attr-defined pyright=reportAttributeAccessIssue
    async for case in support.paginate_describe_cases().items():
        print(case.caseId)  # expect: mypy=attr-defined pyright=reportAttributeAccessIssue
    profile = await profiler.get_profile(profiling_group_name="g")
    print(profile.body)  # expect: mypy=attr-defined pyright=reportAttributeAccessIssue
    try:
        await support.resolve_case(case_id="c")
    except ThrottlingException as e:
        print(e.throttlingReasons)  # expect: mypy=attr-defined pyright=reportAttributeAccessIssue
