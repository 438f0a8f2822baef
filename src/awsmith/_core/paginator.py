"""Paginators: async iteration over the pages of a ``nextToken`` operation."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar, cast

from awsmith._core.errors import PaginationError, ParamValidationError, for_call

PageT = TypeVar("PageT")
#: Covariant: a paginator of one kind of item is a paginator of a union of kinds (the
#: overloads of a ``paginate_*`` method whose item type follows an argument rely on it).
ItemT = TypeVar("ItemT", covariant=True)


def _encode_resume(token: str | None, skip: int) -> str:
    payload = json.dumps({"nextToken": token, "skip": skip}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _decode_start(starting_token: str) -> tuple[str | None, int]:
    """A starting token is a service token, or a resume token of ``resume_token``."""
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(starting_token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return starting_token, 0
    if (
        isinstance(data, dict)
        and set(cast("dict[str, Any]", data)) == {"nextToken", "skip"}
        and (data["nextToken"] is None or isinstance(data["nextToken"], str))
        and isinstance(data["skip"], int)
        and data["skip"] >= 0
    ):
        return data["nextToken"], data["skip"]
    return starting_token, 0


class Paginator(Generic[PageT, ItemT]):
    """Iterates the pages of an operation, following ``nextToken``.

    ``async for page in paginator`` yields each response; ``paginator.items()`` yields
    the elements of the page's item list across pages. ``max_items`` caps the number of
    elements (the page that crosses the cap is cut); ``resume_token`` then tells where
    to continue with ``starting_token=``. A token the service repeats raises
    :class:`~awsmith.PaginationError` instead of looping forever.

    An operation with several result lists (``ListProfilingGroups``: the names, or the
    descriptions when ``include_description=True``) has one item list per call: the
    ``item_key`` its ``paginate_*`` method chose. ``max_items`` counts that list, and a
    cut page has each of its result lists cut at the same positions: the lists of one
    page describe the same elements.

    A paginator can be iterated once.
    """

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[PageT]],
        *,
        operation_name: str | None = None,
        next_token: Callable[[PageT], str | None],
        result_keys: Sequence[str],
        item_key: str | None = None,
        max_items: int | None,
        starting_token: str | None,
    ) -> None:
        """``operation_name``: the operation ``fetch`` calls, which its
        :class:`~awsmith.PaginationError` names (optional for a Paginator made by hand);
        ``result_keys``: the page's attributes that hold result lists; ``item_key``: the
        one ``items()`` yields and ``max_items`` counts (by default the first, as
        botocore's primary result key)."""
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 1  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        ):
            raise ParamValidationError("max_items", "min", f"must be an int >= 1, got {max_items!r}")
        if starting_token is not None and (not isinstance(starting_token, str) or not starting_token):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
            raise ParamValidationError(
                "starting_token", "type", f"must be a non-empty str, got {starting_token!r}"
            )
        keys = tuple(result_keys)
        if item_key is None and keys:
            item_key = keys[0]
        if item_key is not None and item_key not in keys:
            raise ValueError(f"item_key {item_key!r} is not one of the result keys {keys!r}")
        self._fetch = fetch
        #: The operation it calls: its PaginationError names it, as a call's errors do.
        self._operation_name = operation_name
        self._next_token = next_token
        self._result_keys = keys
        self._item_key = item_key
        self._max_items = max_items
        self._starting_token = starting_token
        self._started = False
        #: Where to resume after ``max_items`` stopped the iteration early, else None.
        self.resume_token: str | None = None

    def __aiter__(self) -> AsyncIterator[PageT]:
        if self._started:
            raise self._error("a paginator can be iterated only once; create a new one")
        self._started = True
        return self._pages()

    async def _pages(self) -> AsyncIterator[PageT]:
        token, skip = (None, 0)
        if self._starting_token is not None:
            token, skip = _decode_start(self._starting_token)
        seen: set[str] = set()
        sent: str | None = None
        remaining = self._max_items
        while True:
            if token is not None:
                if token in seen:
                    raise self._error(_repeated(token, echoed=token == sent))
                seen.add(token)
            sent = token
            page = await self._fetch(token)
            next_token = self._next_token(page)
            if skip or remaining is not None:
                page, taken, total = self._cut(page, skip, remaining)
                if remaining is not None:
                    remaining -= taken
                    if remaining <= 0:
                        consumed = skip + taken
                        if consumed < total:
                            self.resume_token = _encode_resume(token, consumed)
                        elif next_token:
                            self.resume_token = next_token
                        yield page
                        return
                skip = 0
            yield page
            if not next_token:
                return
            token = next_token

    def _error(self, message: str) -> PaginationError:
        """A PaginationError, named for the operation as a call's error is."""
        error = PaginationError(message)
        if self._operation_name is None:
            return error
        return for_call(error, self._operation_name)

    def _items_of(self, page: PageT) -> Sequence[ItemT]:
        if self._item_key is None:
            return ()
        values: Sequence[ItemT] | None = getattr(page, self._item_key)
        return values or ()

    def _cut(self, page: PageT, skip: int, limit: int | None) -> tuple[PageT, int, int]:
        """Drops the first ``skip`` items and keeps at most ``limit``, cutting every
        result list at those positions: (page, items kept, items the page had)."""
        total = len(self._items_of(page))
        start = min(skip, total)
        end = total if limit is None else min(total, start + limit)
        changes: dict[str, Any] = {}
        for key in self._result_keys:
            values = getattr(page, key)
            if values is not None:
                changes[key] = list(values[start:end])
        import attrs  # the page is an attrs object: attrs is imported already

        return attrs.evolve(page, **changes), end - start, total  # type: ignore[misc]

    def items(self) -> AsyncIterator[ItemT]:
        """Yields the elements of every page's item list, in order."""
        # A plain method returning the generator, like __aiter__: jedi (IPython,
        # Jupyter, jedi-language-server) does not read the return annotation of an
        # ``async def`` generator, so ``async for x in p.items(): x.`` completed nothing.
        return self._items()

    async def _items(self) -> AsyncIterator[ItemT]:
        async for page in self:
            for value in self._items_of(page):
                yield value


def _repeated(token: str, *, echoed: bool) -> str:
    """Why the paginator stops at a token it has followed already."""
    shown = repr(token[:40])
    if echoed:
        return (
            f"the service returned the token it was given ({shown}) as the next token; "
            "stopping instead of requesting the same page again"
        )
    return (
        f"the service returned the token {shown} again after it was followed; stopping "
        "instead of looping"
    )
