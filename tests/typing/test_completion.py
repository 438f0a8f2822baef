"""Completion in jedi-based tools (IPython, Jupyter, jedi-language-server) on the
README's patterns, for both services.

jedi reads annotations its own way, and some shapes that mypy and pyright accept give it
nothing: ``typing.Self`` on a base class method resolves to the base class (so the
client of ``async with SupportClient() as support:`` offered no operation), and an
``async def`` generator's return annotation is not read (so ``async for x in
paginator.items():`` gave ``x`` no type unless the generator's body happened to tell).
Each case is a source string whose end is where the user asks for completion; the
names that must be offered are listed with it.

Run in-process (jedi's InterpreterEnvironment): the awsmith it completes is the one the
environment running the tests imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from textwrap import dedent

import jedi
import pytest
from jedi.api.environment import InterpreterEnvironment

SUPPORT = """\
from awsmith.support import SupportClient
from awsmith.support.errors import ThrottlingException


async def main() -> None:
    async with SupportClient(region="us-east-1") as support:
"""

PROFILER = """\
from datetime import UTC, datetime

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler.errors import ResourceNotFoundException


async def main() -> None:
    async with CodeGuruProfilerClient(region="eu-west-1") as profiler:
"""

#: (id, source after the header, names that must be offered at its end)
CASES: list[tuple[str, str, str, set[str]]] = [
    # ------------------------------------------------------------------- Support
    (
        "support-async-with-target",
        SUPPORT,
        "support.",
        {"describe_cases", "create_case", "paginate_describe_cases", "with_options", "close"},
    ),
    (
        "support-with-options",
        SUPPORT,
        "support.with_options(max_attempts=1).",
        {"describe_cases", "resolve_case", "paginate_describe_communications"},
    ),
    (
        "support-keyword-arguments",
        SUPPORT,
        "await support.describe_cases(include_",
        {"include_resolved_cases=", "include_communications="},
    ),
    (
        "support-response-fields",
        SUPPORT,
        """\
        resp = await support.describe_cases(include_resolved_cases=True)
        resp.""",
        {"cases", "next_token", "response_metadata"},
    ),
    (
        "support-list-items",
        SUPPORT,
        """\
        resp = await support.describe_cases()
        for case in resp.cases:
            case.""",
        {"case_id", "subject", "status", "recent_communications"},
    ),
    (
        "support-paginator-pages",
        SUPPORT,
        """\
        async for page in support.paginate_describe_cases(page_size=20):
            page.""",
        {"cases", "next_token"},
    ),
    (
        # the README's first example
        "support-paginator-items",
        SUPPORT,
        """\
        async for case in support.paginate_describe_cases(include_resolved_cases=True).items():
            case.""",
        {"case_id", "status", "subject"},
    ),
    (
        # a client not from ``async with``: only the shape of items() is at stake
        "support-paginator-items-of-constructed-client",
        SUPPORT,
        """\
        client = SupportClient()
        async for message in client.paginate_describe_communications(case_id="c").items():
            message.""",
        {"body", "submitted_by", "time_created"},
    ),
    (
        "support-error-attributes",
        SUPPORT,
        """\
        try:
            await support.resolve_case(case_id="case-1")
        except ThrottlingException as e:
            e.""",
        {"code", "status_code", "request_id", "message", "throttling_reasons"},
    ),
    # ------------------------------------------------------------ CodeGuru Profiler
    (
        "profiler-async-with-target",
        PROFILER,
        "profiler.",
        {
            "list_profiling_groups",
            "create_profiling_group",
            "get_profile",
            "paginate_list_profiling_groups",
            "with_options",
        },
    ),
    (
        "profiler-with-options",
        PROFILER,
        "profiler.with_options(call_timeout=5).",
        {"describe_profiling_group", "post_agent_profile"},
    ),
    (
        "profiler-keyword-arguments",
        PROFILER,
        "await profiler.describe_profiling_group(prof",
        {"profiling_group_name="},
    ),
    (
        "profiler-response-fields",
        PROFILER,
        """\
        group = await profiler.describe_profiling_group(profiling_group_name="checkout")
        group.profiling_group.""",
        {"name", "arn", "compute_platform", "profiling_status"},
    ),
    (
        "profiler-list-items",
        PROFILER,
        """\
        start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)
        resp = await profiler.get_recommendations(
            profiling_group_name="checkout", start_time=start, end_time=end
        )
        for rec in resp.recommendations:
            rec.""",
        {"all_matches_count", "pattern", "start_time"},
    ),
    (
        "profiler-paginator-pages",
        PROFILER,
        """\
        async for page in profiler.paginate_list_profiling_groups():
            page.""",
        {"profiling_group_names", "profiling_groups", "next_token"},
    ),
    (
        "profiler-paginator-items",
        PROFILER,
        """\
        paginator = profiler.paginate_list_profiling_groups(include_description=True)
        async for description in paginator.items():
            description.""",
        {"name", "arn", "compute_platform"},
    ),
    (
        "profiler-paginator-item-names",
        PROFILER,
        """\
        async for name in profiler.paginate_list_profiling_groups().items():
            name.""",
        {"startswith", "upper"},
    ),
    (
        "profiler-error-attributes",
        PROFILER,
        """\
        try:
            await profiler.describe_profiling_group(profiling_group_name="missing")
        except ResourceNotFoundException as e:
            e.""",
        {"code", "status_code", "request_id"},
    ),
]


@pytest.fixture(scope="module", autouse=True)
def jedi_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """jedi keeps its parse cache in a directory of the test run, not the user's home."""
    saved = jedi.settings.cache_directory
    jedi.settings.cache_directory = str(tmp_path_factory.mktemp("jedi-cache"))
    yield
    jedi.settings.cache_directory = saved


def completions(source: str) -> set[str]:
    """The names jedi offers at the end of ``source``."""
    lines = source.splitlines()
    script = jedi.Script(source, environment=InterpreterEnvironment())
    return {c.name for c in script.complete(len(lines), len(lines[-1]))}


def _source(header: str, body: str) -> str:
    """The header's ``async with`` block, continued by ``body`` (indented inside it)."""
    return header + "\n".join("        " + line for line in dedent(body).splitlines())


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_completion_offers(header: str, body: str, expected: set[str]) -> None:
    offered = completions(_source(header, body))
    missing = expected - offered
    assert not missing, f"jedi did not offer {sorted(missing)}; it offered {sorted(offered)}"


def test_completion_point_is_the_end() -> None:
    """The helper asks where the user's cursor would be: after ``case.``, in the
    ``async for`` block, not at some line of the header."""
    source = _source(SUPPORT, "async for case in support.paginate_describe_cases().items():\n    case.")
    assert source.endswith("\n            case.")
    assert completions("x = 'text'\nx.up") == {"upper"}


@pytest.mark.parametrize("method", ["items", "__aiter__"])
def test_paginator_iterators_are_their_declared_type(method: str) -> None:
    """jedi types ``items()`` by its annotation, as ``__aiter__``: an ``async def``
    generator would be an ``AsyncGenerator`` whose items jedi guesses from the body,
    which gave nothing until the body happened to name a typed helper."""
    source = f"""\
from awsmith.support import SupportClient
it = SupportClient().paginate_describe_cases().{method}()
it"""
    script = jedi.Script(source, environment=InterpreterEnvironment())
    assert [d.full_name for d in script.infer(3, 1)] == ["typing.AsyncIterator"]
