"""Differential: awsmith's paginators against botocore's ``PageIterator``, over the same
pages.

botocore has no ``.items()``; ``search(result_key)`` flattens a result key over the
pages, and ``MaxItems`` / ``StartingToken`` cut the run into batches. For an operation
with one result list awsmith must give the same items and the same batches (its resume
tokens have another form: each SDK resumes from its own). For ListProfilingGroups'
two lists (botocore ships no paginator for it; it is built here from the model's
pagination entry) the differences docs/pagination.md describes are asserted as such, and
so are those in how each stops at a repeated token (the tokens each requests).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.exceptions import PaginationError as BotoPaginationError
from botocore.paginate import Paginator as BotoPaginator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsmith import PaginationError
from tests.unit.mockaws import REQUEST_ID, codeguru, support
from tests.unit.mockaws import Script as _Script

SESSION = botocore.session.get_session()
CODEGURU_MODEL = json.loads(
    (Path(__file__).resolve().parents[2] / "models" / "codeguruprofiler.json").read_text()
)

Pages = dict[str | None, dict[str, Any]]


def served(pages: Pages) -> tuple[_Script, list[str | None]]:
    """A fake service answering each request with the page its nextToken names."""
    tokens: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            token = json.loads(request.content).get("nextToken")
        else:
            token = request.url.params.get("nextToken")
        tokens.append(token)
        return httpx.Response(200, headers={"x-amzn-RequestId": REQUEST_ID}, json=pages[token])

    return _Script(answer), tokens


def boto_batches(config: dict[str, Any], pages: Pages, key: str, max_items: int | None) -> list[list[Any]]:
    """botocore's batches of ``key``: MaxItems at a time, each resumed from the last's
    NextToken (one batch without MaxItems)."""

    def method(**kwargs: Any) -> dict[str, Any]:
        return json.loads(json.dumps(pages[kwargs.get("nextToken")]))

    batches: list[list[Any]] = []
    start: str | None = None
    for _ in range(50):
        pagination: dict[str, Any] = {"StartingToken": start} if start else {}
        if max_items is not None:
            pagination["MaxItems"] = max_items
        result = BotoPaginator(method, config, None).paginate(PaginationConfig=pagination).build_full_result()
        batches.append(result.get(key, []))
        start = result.get("NextToken")
        if start is None:
            return batches
    raise AssertionError("botocore did not finish")


def case_pages(sizes: list[int]) -> Pages:
    pages: Pages = {}
    n = 0
    for index, size in enumerate(sizes):
        token = None if index == 0 else f"t{index}"
        page: dict[str, Any] = {"cases": [{"caseId": f"c{n + i}"} for i in range(size)]}
        n += size
        if index + 1 < len(sizes):
            page["nextToken"] = f"t{index + 1}"
        pages[token] = page
    return pages


SIZES = st.lists(st.integers(0, 4), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=SIZES, max_items=st.none() | st.integers(1, 6))
@pytest.mark.anyio
async def test_describe_cases_batches_are_botocores(sizes: list[int], max_items: int | None) -> None:
    config = SESSION.get_paginator_model("support").get_paginator("DescribeCases")
    pages = case_pages(sizes)
    theirs = [[case["caseId"] for case in batch] for batch in boto_batches(config, pages, "cases", max_items)]
    ours: list[list[str | None]] = []
    script, _ = served(pages)
    async with support(script) as client:
        start: str | None = None
        for _ in range(50):
            paginator = client.paginate_describe_cases(max_items=max_items, starting_token=start)
            ours.append([case.case_id async for case in paginator.items()])
            start = paginator.resume_token
            if start is None:
                break
    assert ours == theirs


def group_pages(names_per_page: list[list[str]], *, names_too: bool) -> Pages:
    pages: Pages = {}
    for index, names in enumerate(names_per_page):
        token = None if index == 0 else f"t{index}"
        page: dict[str, Any] = {
            "profilingGroupNames": names if names_too else [],
            "profilingGroups": [{"name": name} for name in names],
        }
        if index + 1 < len(names_per_page):
            page["nextToken"] = f"t{index + 1}"
        pages[token] = page
    return pages


LPG_CONFIG = {
    k: v for k, v in CODEGURU_MODEL["pagination"]["ListProfilingGroups"].items() if k != "items_when"
}
GROUPS = [["a", "b", "c"], ["d"]]


@pytest.mark.anyio
@pytest.mark.parametrize("names_too", [True, False])
async def test_list_profiling_groups_descriptions_without_max_items_are_botocores(names_too: bool) -> None:
    """Without MaxItems botocore's profilingGroups list is awsmith's items."""
    pages = group_pages(GROUPS, names_too=names_too)
    [theirs] = boto_batches(LPG_CONFIG, pages, "profilingGroups", None)
    script, _ = served(pages)
    async with codeguru(script) as client:
        paginator = client.paginate_list_profiling_groups(include_description=True)
        ours = [group.name async for group in paginator.items()]
    assert ours == [group["name"] for group in theirs] == ["a", "b", "c", "d"]


@pytest.mark.anyio
async def test_list_profiling_groups_max_items_where_botocore_differs() -> None:
    """The differences docs/pagination.md states: botocore counts and cuts only the
    names (its primary key), so with the names and descriptions of the same groups its
    first batch has three descriptions for two names, and the service's documented
    answer (descriptions without names) is not cut at all; awsmith gives two groups per
    batch either way."""
    both = group_pages(GROUPS, names_too=True)
    first = boto_batches(LPG_CONFIG, both, "profilingGroups", 2)[0]
    assert [group["name"] for group in first] == ["a", "b", "c"]
    assert boto_batches(LPG_CONFIG, both, "profilingGroupNames", 2)[0] == ["a", "b"]
    only = group_pages(GROUPS, names_too=False)
    assert [[g["name"] for g in b] for b in boto_batches(LPG_CONFIG, only, "profilingGroups", 2)] == [
        ["a", "b", "c", "d"]
    ]
    for pages in (both, only):
        script, _ = served(pages)
        batches: list[list[str | None]] = []
        async with codeguru(script) as client:
            start: str | None = None
            while True:
                paginator = client.paginate_list_profiling_groups(
                    include_description=True, max_items=2, starting_token=start
                )
                batches.append([group.name async for group in paginator.items()])
                start = paginator.resume_token
                if start is None:
                    break
        assert batches == [["a", "b"], ["c", "d"]]


def boto_repeated(pages: Pages, start: str | None) -> tuple[list[str | None], int, str]:
    """botocore over ``pages`` from ``start``: the tokens it requested, the pages it
    yielded, and how it stopped (its PaginationError's message, or "still going" after
    eight pages)."""
    config = SESSION.get_paginator_model("support").get_paginator("DescribeCases")
    requested: list[str | None] = []

    def method(**kwargs: Any) -> dict[str, Any]:
        requested.append(kwargs.get("nextToken"))
        return json.loads(json.dumps(pages[kwargs.get("nextToken")]))

    pagination = {"StartingToken": start} if start else {}
    yielded = 0
    try:
        for _ in BotoPaginator(method, config, None).paginate(PaginationConfig=pagination):
            yielded += 1
            if yielded == 8:
                return requested, yielded, "still going"
    except BotoPaginationError as err:
        return requested, yielded, str(err)
    raise AssertionError("botocore finished")


async def ours_repeated(pages: Pages, start: str | None) -> tuple[list[str | None], int, str]:
    script, requested = served(pages)
    yielded = 0
    async with support(script) as client:
        with pytest.raises(PaginationError) as raised:
            async for _ in client.paginate_describe_cases(starting_token=start):
                yielded += 1
    return requested, yielded, str(raised.value)


ECHOED = {None: {"cases": [], "nextToken": "A"}, "A": {"cases": [], "nextToken": "A"}}
CYCLE = {
    None: {"cases": [], "nextToken": "A"},
    "A": {"cases": [], "nextToken": "B"},
    "B": {"cases": [], "nextToken": "A"},
}


@pytest.mark.anyio
async def test_a_token_echoed_mid_run_stops_both_after_the_same_requests() -> None:
    """docs/pagination.md, "Repeated tokens": the page that sends back the token it was
    sent is requested once and yielded by both; then both raise."""
    assert boto_repeated(ECHOED, None) == (
        [None, "A"], 2, "Error during pagination: The same next token was received twice: {'nextToken': 'A'}"
    )
    requested, yielded, message = await ours_repeated(ECHOED, None)
    assert (requested, yielded) == ([None, "A"], 2)
    assert "the service returned the token it was given ('A') as the next token" in message


@pytest.mark.anyio
async def test_an_echoed_starting_token_is_requested_twice_by_botocore_once_by_awsmith() -> None:
    """botocore compares a next token with the previous next token only, and a
    starting token is not one: it requests (and yields) the echoed page twice."""
    assert boto_repeated(ECHOED, "A") == (
        ["A", "A"], 2, "Error during pagination: The same next token was received twice: {'nextToken': 'A'}"
    )
    requested, yielded, message = await ours_repeated(ECHOED, "A")
    assert (requested, yielded) == (["A"], 1)
    assert "the service returned the token it was given ('A') as the next token" in message


@pytest.mark.anyio
async def test_a_cycle_is_followed_forever_by_botocore_once_by_awsmith() -> None:
    assert boto_repeated(CYCLE, None) == (
        [None, "A", "B", "A", "B", "A", "B", "A"], 8, "still going"
    )
    requested, yielded, message = await ours_repeated(CYCLE, None)
    assert (requested, yielded) == ([None, "A", "B"], 3)
    assert "the service returned the token 'A' again after it was followed" in message
