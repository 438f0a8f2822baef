"""Planted mistakes: keywords the operations do not have. Checked by test_typing.py, never run."""

from __future__ import annotations

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient


async def unknown_keywords(support: SupportClient, profiler: CodeGuruProfilerClient) -> None:
    await support.describe_cases(include_closed_cases=True)  # expect: mypy=call-arg pyright=reportCallIssue
    await profiler.list_profiling_groups(maxResults=10)  # expect: mypy=call-arg pyright=reportCallIssue
    support.paginate_describe_cases(max_results=10)  # expect: mypy=call-arg pyright=reportCallIssue
    support.with_options(max_pool_connections=3)  # expect: mypy=call-arg pyright=reportCallIssue
    support.with_options(max_attempts="1")  # expect: mypy=arg-type pyright=reportArgumentType
    support.with_options(retry_mode="legacy")  # expect: mypy=arg-type pyright=reportArgumentType
