"""Paginators over scripted pages: pages, items, page_size, max_items and resuming,
repeated tokens and misuse."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import shapes as c
from awsmith.support import shapes as s
from tests.unit.mockaws import REQUEST_ID, codeguru, support
from tests.unit.mockaws import Script as _Script

CASE_PAGES: dict[str | None, dict[str, Any]] = {
    None: {"cases": [{"caseId": "c1"}, {"caseId": "c2"}, {"caseId": "c3"}], "nextToken": "t1"},
    "t1": {"cases": [{"caseId": "c4"}, {"caseId": "c5"}, {"caseId": "c6"}], "nextToken": "t2"},
    "t2": {"cases": [{"caseId": "c7"}]},
}
ALL_CASES = [f"c{i}" for i in range(1, 8)]


#: Tests of the repeated-token guard: without it they loop, recording every request, and
#: a short limit fails them before they fill the memory (they take a second).
LOOPS_IF_THE_GUARD_BREAKS = pytest.mark.timeout(30)


class Pages:
    """Serves the page named by the request's nextToken (JSON body or query)."""

    def __init__(self, pages: dict[str | None, dict[str, Any]]) -> None:
        self.pages = pages
        self.tokens: list[str | None] = []
        self.script = _Script(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            token = json.loads(request.content).get("nextToken")
        else:
            token = request.url.params.get("nextToken")
        self.tokens.append(token)
        return httpx.Response(
            200, headers={"x-amzn-RequestId": REQUEST_ID}, json=self.pages[token]
        )


def case_ids(items: list[s.CaseDetails]) -> list[str | None]:
    return [case.case_id for case in items]


@pytest.mark.anyio
async def test_pages_follow_next_token_and_send_page_size_as_max_results() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        got = [
            page
            async for page in client.paginate_describe_cases(
                include_resolved_cases=True, page_size=10
            )
        ]
    assert [type(page) for page in got] == [s.DescribeCasesResponse] * 3
    assert [page.next_token for page in got] == ["t1", "t2", None]
    assert [r.content for r in pages.script.requests] == [
        b'{"includeResolvedCases":true,"maxResults":10}',
        b'{"includeResolvedCases":true,"maxResults":10,"nextToken":"t1"}',
        b'{"includeResolvedCases":true,"maxResults":10,"nextToken":"t2"}',
    ]


@pytest.mark.anyio
async def test_items_yield_every_element_across_pages() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        items = [item async for item in client.paginate_describe_cases().items()]
    assert all(type(item) is s.CaseDetails for item in items)
    assert case_ids(items) == ALL_CASES
    assert pages.tokens == [None, "t1", "t2"]
    assert all(b"maxResults" not in r.content for r in pages.script.requests)


@pytest.mark.anyio
async def test_max_items_cuts_mid_page_and_resume_continues_exactly() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        first = client.paginate_describe_cases(max_items=4)
        got = [item async for item in first.items()]
        assert case_ids(got) == ["c1", "c2", "c3", "c4"]
        assert pages.tokens == [None, "t1"]  # stopped without fetching t2
        assert first.resume_token is not None

        rest = client.paginate_describe_cases(starting_token=first.resume_token)
        got_rest = [item async for item in rest.items()]
        assert case_ids(got_rest) == ["c5", "c6", "c7"]
        assert rest.resume_token is None
    assert pages.tokens == [None, "t1", "t1", "t2"]  # resumed on the cut page


@pytest.mark.anyio
@pytest.mark.parametrize("step", [1, 2, 3, 4, 5, 7, 10])
async def test_resuming_in_steps_has_no_duplicates_or_gaps(step: int) -> None:
    pages = Pages(CASE_PAGES)
    seen: list[str | None] = []
    token: str | None = None
    rounds = 0
    async with support(pages.script) as client:
        while True:
            rounds += 1
            paginator = client.paginate_describe_cases(max_items=step, starting_token=token)
            chunk = case_ids([item async for item in paginator.items()])
            assert len(chunk) <= step
            seen.extend(chunk)
            token = paginator.resume_token
            if token is None:
                break
            assert rounds < 20
    assert seen == ALL_CASES
    assert rounds == -(-len(ALL_CASES) // step)  # no empty extra round at the end


@pytest.mark.anyio
async def test_max_items_at_a_page_boundary_resumes_with_the_service_token() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        paginator = client.paginate_describe_cases(max_items=3)
        got = [page async for page in paginator]
    assert [case_ids(page.cases or []) for page in got] == [["c1", "c2", "c3"]]
    assert paginator.resume_token == "t1"
    assert pages.tokens == [None]


@pytest.mark.anyio
async def test_max_items_beyond_the_end_leaves_no_resume_token() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        paginator = client.paginate_describe_cases(max_items=100)
        assert case_ids([item async for item in paginator.items()]) == ALL_CASES
    assert paginator.resume_token is None


@pytest.mark.anyio
async def test_pages_are_cut_when_max_items_stops_mid_page() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        got = [page async for page in client.paginate_describe_cases(max_items=5)]
    assert [case_ids(page.cases or []) for page in got] == [["c1", "c2", "c3"], ["c4", "c5"]]
    assert got[1].next_token == "t2"  # the page object is otherwise the service's


@pytest.mark.anyio
async def test_a_service_token_works_as_starting_token() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        got = [item async for item in client.paginate_describe_cases(starting_token="t2").items()]
    assert case_ids(got) == ["c7"]
    assert pages.tokens == ["t2"]


@LOOPS_IF_THE_GUARD_BREAKS
@pytest.mark.anyio
@pytest.mark.parametrize(
    ("pages", "requests", "message"),
    [
        (
            {None: {"cases": [], "nextToken": "t1"}, "t1": {"cases": [], "nextToken": "t1"}},
            2,
            "the service returned the token it was given ('t1') as the next token; stopping "
            "instead of requesting the same page again (when calling the DescribeCases "
            "operation)",
        ),
        (
            {
                None: {"nextToken": "a"},
                "a": {"nextToken": "b"},
                "b": {"nextToken": "a"},
            },
            3,
            "the service returned the token 'a' again after it was followed; stopping "
            "instead of looping (when calling the DescribeCases operation)",
        ),
    ],
    ids=["same-token", "cycle"],
)
async def test_a_repeated_token_raises_instead_of_looping(
    pages: dict[str | None, dict[str, Any]], requests: int, message: str
) -> None:
    served = Pages(pages)
    async with support(served.script) as client:
        with pytest.raises(awsmith.PaginationError) as info:
            async for _ in client.paginate_describe_cases():
                pass
    assert str(info.value) == message
    assert info.value.operation_name == "DescribeCases"
    assert len(served.script.requests) == requests


@LOOPS_IF_THE_GUARD_BREAKS
@pytest.mark.anyio
async def test_a_starting_token_the_service_echoes_is_reported_as_such() -> None:
    """moto's DescribeCases answers a token with the same token."""
    served = Pages({"mine": {"cases": [{"caseId": "c1"}], "nextToken": "mine"}})
    async with support(served.script) as client:
        paginator = client.paginate_describe_cases(starting_token="mine")
        got: list[str | None] = []
        with pytest.raises(awsmith.PaginationError) as info:
            async for case in paginator.items():
                got.append(case.case_id)
    assert str(info.value) == (
        "the service returned the token it was given ('mine') as the next token; stopping "
        "instead of requesting the same page again (when calling the DescribeCases operation)"
    )
    assert (got, served.tokens) == (["c1"], ["mine"])


@pytest.mark.anyio
async def test_a_paginator_can_be_iterated_only_once() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        paginator = client.paginate_describe_cases()
        assert len([page async for page in paginator]) == 3
        with pytest.raises(awsmith.PaginationError):
            async for _ in paginator:
                pass
        with pytest.raises(awsmith.PaginationError):
            async for _ in paginator.items():
                pass
    assert len(pages.script.requests) == 3


@pytest.mark.anyio
@pytest.mark.parametrize("max_items", [0, -1, "5", True, 2.5])
async def test_bad_max_items(max_items: Any) -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            client.paginate_describe_cases(max_items=max_items)
    assert (info.value.field, info.value.rule) == ("max_items", "min")
    assert str(info.value) == f"Invalid value for 'max_items': must be an int >= 1, got {max_items!r}"
    assert pages.script.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize("token", ["", 5])
async def test_bad_starting_token(token: Any) -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            client.paginate_describe_cases(starting_token=token)
    assert (info.value.field, info.value.rule) == ("starting_token", "type")
    assert pages.script.requests == []


@pytest.mark.anyio
async def test_bad_page_size_is_refused_before_the_first_request() -> None:
    pages = Pages(CASE_PAGES)
    async with support(pages.script) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            async for _ in client.paginate_describe_cases(page_size=5):
                pass
    assert (info.value.field, info.value.rule) == ("max_results", "min")
    assert pages.script.requests == []


T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 1, 2, tzinfo=UTC)
EPOCH0 = 1704067200


@pytest.mark.anyio
async def test_rest_json_paginator_sends_tokens_in_the_query() -> None:
    served = Pages(
        {
            None: {"profileTimes": [{"start": EPOCH0}, {"start": EPOCH0 + 60}], "nextToken": "n-1"},
            "n-1": {"profileTimes": [{"start": EPOCH0 + 120}]},
        }
    )
    async with codeguru(served.script) as client:
        paginator = client.paginate_list_profile_times(
            profiling_group_name="g", start_time=T0, end_time=T1, period="PT5M", page_size=2
        )
        got = [item async for item in paginator.items()]
    assert all(type(item) is c.ProfileTime for item in got)
    assert [item.start.timestamp() for item in got if item.start] == [EPOCH0, EPOCH0 + 60, EPOCH0 + 120]
    assert [r.url.query for r in served.script.requests] == [
        b"endTime=2024-01-02T00%3A00%3A00Z&maxResults=2&period=PT5M"
        b"&startTime=2024-01-01T00%3A00%3A00Z",
        b"endTime=2024-01-02T00%3A00%3A00Z&maxResults=2&nextToken=n-1&period=PT5M"
        b"&startTime=2024-01-01T00%3A00%3A00Z",
    ]


def _groups(names: list[str]) -> list[dict[str, Any]]:
    return [{"name": name} for name in names]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("include_description", "page_of", "name_of"),
    [
        (False, lambda names: {"profilingGroupNames": names}, lambda item: item),
        (
            True,
            lambda names: {"profilingGroupNames": [], "profilingGroups": _groups(names)},
            lambda item: item.name,
        ),
    ],
    ids=["names", "descriptions"],
)
async def test_list_profiling_groups_resume_with_either_result_key(
    include_description: bool,
    page_of: Callable[[list[str]], dict[str, Any]],
    name_of: Callable[[Any], str],
) -> None:
    served = Pages(
        {
            None: {**page_of(["a", "b", "c"]), "nextToken": "n-1"},
            "n-1": page_of(["d", "e"]),
        }
    )
    seen: list[str] = []
    token: str | None = None
    async with codeguru(served.script) as client:
        for _ in range(5):
            paginator = client.paginate_list_profiling_groups(
                include_description=include_description, max_items=2, starting_token=token
            )
            seen.extend([name_of(item) async for item in paginator.items()])
            token = paginator.resume_token
            if token is None:
                break
    assert seen == ["a", "b", "c", "d", "e"]


@pytest.mark.anyio
async def test_errors_inside_pagination_propagate_typed() -> None:
    script = _Script(
        httpx.Response(200, json=CASE_PAGES[None]),
        httpx.Response(
            400,
            headers={"x-amzn-RequestId": REQUEST_ID},
            json={"__type": "CaseIdNotFound", "message": "gone"},
        ),
    )
    got: list[str | None] = []
    async with support(script) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            async for item in client.paginate_describe_cases().items():
                got.append(item.case_id)
    assert got == ["c1", "c2", "c3"]
    assert info.value.code == "CaseIdNotFound"


GROUPS_BOTH = {
    None: {
        "profilingGroupNames": ["a", "b", "c"],
        "profilingGroups": _groups(["a", "b", "c"]),
        "nextToken": "n-1",
    },
    "n-1": {"profilingGroupNames": ["d"], "profilingGroups": _groups(["d"])},
}


@pytest.mark.anyio
@pytest.mark.parametrize("include_description", [True, False, None])
async def test_list_profiling_groups_items_are_one_per_group(
    include_description: bool | None,
) -> None:
    """The pages carry the names and, when asked for, the descriptions of the same groups
    (as the CodeGuru stub server answers): each group is one item, its description when
    ``include_description=True``, else its name. On e82cd98 ``.items()`` yielded every
    group twice, the names and then the descriptions."""
    served = Pages(GROUPS_BOTH)
    async with codeguru(served.script) as client:
        paginator = client.paginate_list_profiling_groups(include_description=include_description)
        items = [item async for item in paginator.items()]
    if include_description:
        assert items == [c.ProfilingGroupDescription(name=n) for n in "abcd"]
    else:
        assert items == ["a", "b", "c", "d"]
    assert served.tokens == [None, "n-1"]


@pytest.mark.anyio
async def test_list_profiling_groups_max_items_cuts_names_and_descriptions_alike() -> None:
    served = Pages(GROUPS_BOTH)
    async with codeguru(served.script) as client:
        first = client.paginate_list_profiling_groups(include_description=True, max_items=2)
        pages = [page async for page in first]
        rest = client.paginate_list_profiling_groups(
            include_description=True, starting_token=first.resume_token
        )
        later = [item.name async for item in rest.items()]
    assert [(p.profiling_group_names, p.profiling_groups) for p in pages] == [
        (["a", "b"], [c.ProfilingGroupDescription(name=n) for n in "ab"])
    ]
    assert later == ["c", "d"]
    assert served.tokens == [None, None, "n-1"]
