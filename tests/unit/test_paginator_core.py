"""awsmith._core.paginator on its own: the resume-token format, which starting tokens
are resume tokens, the exact error messages, and pages with several result lists (one of
them the items, every one cut alike; some found by `make mutation`: docs/testing.md)."""

from __future__ import annotations

import base64
import json

import attrs
import pytest

import awsmith
from awsmith._core.paginator import Paginator, _decode_start, _encode_resume


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


#: Tests of the repeated-token guard: without it they loop, recording every request, and
#: a short limit fails them before they fill the memory (they take a second).
LOOPS_IF_THE_GUARD_BREAKS = pytest.mark.timeout(30)


@attrs.frozen
class Page:
    first: list[int] | None
    second: list[int] | None
    next_token: str | None = None


def paginator(
    pages: dict[str | None, Page],
    *,
    max_items: int | None = None,
    starting_token: str | None = None,
    item_key: str | None = None,
) -> tuple[Paginator[Page, int], list[str | None]]:
    asked: list[str | None] = []

    async def fetch(token: str | None) -> Page:
        asked.append(token)
        return pages[token]

    return (
        Paginator(
            fetch,
            next_token=lambda page: page.next_token,
            result_keys=("first", "second"),
            item_key=item_key,
            max_items=max_items,
            starting_token=starting_token,
        ),
        asked,
    )


def test_a_resume_token_is_compact_json_in_urlsafe_base64() -> None:
    assert _encode_resume("tok", 2) == b64('{"nextToken":"tok","skip":2}')
    assert _encode_resume(None, 0) == b64('{"nextToken":null,"skip":0}')


@pytest.mark.parametrize(
    ("token", "skip"), [("tok", 0), ("tok", 3), (None, 0), (None, 5)]
)
def test_resume_tokens_decode_to_where_they_point(token: str | None, skip: int) -> None:
    assert _decode_start(_encode_resume(token, skip)) == (token, skip)


@pytest.mark.parametrize(
    "text",
    [
        '{"nextToken":null,"skip":-1}',  # negative skip
        '{"nextToken":"t","skip":"1"}',  # skip not an int
        '{"nextToken":3,"skip":1}',  # token neither null nor a string
        '{"nextToken":null,"other":1}',  # other keys
        '{"nextToken":null,"skip":1,"more":2}',
        '"just a string"',
        "[1, 2]",
        "17",
    ],
)
def test_other_decodable_tokens_are_service_tokens_from_the_start(text: str) -> None:
    token = b64(text)
    assert _decode_start(token) == (token, 0)


def test_a_token_that_is_not_base64_is_a_service_token() -> None:
    assert _decode_start("opaque-service-token!") == ("opaque-service-token!", 0)


def test_bad_starting_token_message() -> None:
    with pytest.raises(awsmith.ParamValidationError) as info:
        paginator({}, starting_token="")
    assert (info.value.field, info.value.rule) == ("starting_token", "type")
    assert info.value.detail == "must be a non-empty str, got ''"


@pytest.mark.anyio
async def test_iterating_twice_raises_with_its_message() -> None:
    pages, _ = paginator({None: Page([1], None)})
    assert [page async for page in pages] == [Page([1], None)]
    with pytest.raises(awsmith.PaginationError) as info:
        pages.__aiter__()
    assert str(info.value) == "a paginator can be iterated only once; create a new one"


@LOOPS_IF_THE_GUARD_BREAKS
@pytest.mark.anyio
async def test_a_token_returned_again_later_names_its_first_40_characters() -> None:
    long = "t" * 39 + "0123456789"
    pages, asked = paginator(
        {None: Page([1], None, long), long: Page([2], None, "other"), "other": Page([3], None, long)}
    )
    with pytest.raises(awsmith.PaginationError) as info:
        async for _ in pages:
            pass
    assert asked == [None, long, "other"]
    assert str(info.value) == (
        f"the service returned the token {long[:40]!r} again after it was followed; "
        "stopping instead of looping"
    )


@LOOPS_IF_THE_GUARD_BREAKS
@pytest.mark.anyio
async def test_a_starting_token_sent_straight_back_says_so() -> None:
    """moto echoes the token it is sent: the first page names the starting_token as the
    next one. The message says what happened, not that a token came "twice"."""
    pages, asked = paginator({"start": Page([1], None, "start")}, starting_token="start")
    got = []
    with pytest.raises(awsmith.PaginationError) as info:
        async for page in pages:
            got.append(page)
    assert (asked, got) == (["start"], [Page([1], None, "start")])
    assert str(info.value) == (
        "the service returned the token it was given ('start') as the next token; "
        "stopping instead of requesting the same page again"
    )


@LOOPS_IF_THE_GUARD_BREAKS
@pytest.mark.anyio
async def test_a_next_token_equal_to_the_one_sent_says_so() -> None:
    pages, asked = paginator({None: Page([1], None, "n"), "n": Page([2], None, "n")})
    with pytest.raises(awsmith.PaginationError) as info:
        async for _ in pages:
            pass
    assert asked == [None, "n"]
    assert str(info.value).startswith("the service returned the token it was given ('n') ")


@pytest.mark.anyio
async def test_items_are_the_first_result_list_by_default() -> None:
    """Several result lists: ``.items()`` yields one of them (botocore's primary result
    key, the first), never their concatenation."""
    pages, _ = paginator({None: Page([1, 2], [10, 20], "n"), "n": Page([3], [30])})
    assert [item async for item in pages.items()] == [1, 2, 3]


@pytest.mark.anyio
async def test_the_item_key_chooses_the_items() -> None:
    pages, _ = paginator({None: Page([1, 2], [10, 20], "n"), "n": Page([3], [30])}, item_key="second")
    assert [item async for item in pages.items()] == [10, 20, 30]


def test_an_item_key_outside_the_result_keys_is_refused() -> None:
    with pytest.raises(ValueError) as info:
        paginator({}, item_key="third")
    assert str(info.value) == "item_key 'third' is not one of the result keys ('first', 'second')"


@pytest.mark.anyio
async def test_max_items_counts_the_item_list_and_cuts_every_list_alike() -> None:
    pages, _ = paginator(
        {None: Page([1, 2, 3], [10, 20, 30], "n"), "n": Page([4], [40])},
        max_items=2,
        item_key="second",
    )
    assert [page async for page in pages] == [Page([1, 2], [10, 20], "n")]
    assert pages.resume_token == _encode_resume(None, 2)


@pytest.mark.anyio
async def test_a_missing_item_list_counts_as_empty() -> None:
    """The page without the item list (None) gives no items; the other list is cut at
    the same positions (none of it is kept while a cap is counting)."""
    pages, asked = paginator(
        {None: Page(None, [1, 2, 3], "n"), "n": Page([4, 5], [6])}, max_items=1
    )
    assert [page async for page in pages] == [Page(None, [], "n"), Page([4], [6], None)]
    assert asked == [None, "n"]
    assert pages.resume_token == _encode_resume("n", 1)


@pytest.mark.anyio
async def test_resuming_skips_in_every_result_list() -> None:
    pages, asked = paginator(
        {"n": Page([1, 2, 3], [4, 5, 6], None)}, starting_token=_encode_resume("n", 2)
    )
    assert [page async for page in pages] == [Page([3], [6], None)]
    assert asked == ["n"]
    assert json.loads(base64.urlsafe_b64decode(_encode_resume("n", 3))) == {
        "nextToken": "n",
        "skip": 3,
    }
