"""awsmith._core.paginator on its own: the resume-token format, which starting tokens
are resume tokens, the exact error messages, and pages with several result lists (found
by `make mutation`: docs/testing.md)."""

from __future__ import annotations

import base64
import json

import attrs
import pytest

import awsmith
from awsmith._core.paginator import Paginator, _decode_start, _encode_resume


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


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


@pytest.mark.anyio
async def test_a_repeated_token_names_its_first_40_characters() -> None:
    long = "t" * 39 + "0123456789"
    pages, asked = paginator({None: Page([1], None, long), long: Page([2], None, long)})
    with pytest.raises(awsmith.PaginationError) as info:
        async for _ in pages:
            pass
    assert asked == [None, long]
    assert str(info.value) == (
        f"the service returned the token {long[:40]!r} twice; stopping instead of looping"
    )


@pytest.mark.anyio
async def test_a_missing_first_list_does_not_hide_the_second() -> None:
    """max_items counts across the result lists; a list that is None is passed over."""
    pages, _ = paginator(
        {None: Page(None, [1, 2, 3], "n"), "n": Page([4], [5])}, max_items=2
    )
    assert [page async for page in pages] == [Page(None, [1, 2], "n")]
    assert pages.resume_token == _encode_resume(None, 2)


@pytest.mark.anyio
async def test_resuming_skips_across_the_result_lists() -> None:
    pages, asked = paginator(
        {"n": Page([1, 2], [3, 4], None)}, starting_token=_encode_resume("n", 3)
    )
    assert [page async for page in pages] == [Page([], [4], None)]
    assert asked == ["n"]
    assert json.loads(base64.urlsafe_b64decode(_encode_resume("n", 3))) == {
        "nextToken": "n",
        "skip": 3,
    }
