"""What an HTTP response said beside its body: :class:`ResponseMetadata`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from awsmith._core.lazyclass import prebuilt
from awsmith._core.lazymodule import FirstUse

if TYPE_CHECKING:
    import multidict
    from attrs import field, frozen
else:
    from awsmith._core.lazyclass import field, frozen

    multidict = FirstUse("multidict", globals())


@frozen(kw_only=True)
class ResponseMetadata:
    """The response of a successful call, beside its parsed body. Every generated
    response has one as ``response_metadata``, left out of ``==``, ``hash`` and
    ``repr``: two responses with equal bodies compare equal.

    Attributes:
        request_id: The id AWS gave the request (``x-amzn-RequestId``), which AWS
            Support asks for in every escalation; None if the response had none.
        status_code: The HTTP status.
        headers: The response headers, read-only, looked up case-insensitively.
        attempts: How many attempts the call took, this one included.
    """

    request_id: str | None
    status_code: int
    headers: Mapping[str, str] = field(repr=False)
    attempts: int

    def __reduce__(self) -> str | tuple[Any, ...]:
        """Pickling, ``copy.copy`` and ``copy.deepcopy``. The read-only header views
        (``CIMultiDictProxy``, ``MappingProxyType``) can be neither pickled nor copied:
        the headers travel as the mapping under the view (every pair, duplicates and
        order kept) and come back behind the same kind of view."""
        if self is NO_METADATA:
            return "NO_METADATA"  # the module's constant itself, as for any global
        headers: Mapping[str, str] = self.headers
        view = "plain"
        if isinstance(headers, multidict.CIMultiDictProxy):
            headers, view = multidict.CIMultiDict(headers), "multidict"
        elif isinstance(headers, MappingProxyType):
            headers, view = dict(headers), "proxy"
        return (_restore, (self.request_id, self.status_code, headers, view, self.attempts))


#: The metadata of a response built in code (not received): no request, no headers
#: (an empty read-only mapping: multidict is imported when a response arrives).
NO_METADATA: ResponseMetadata = prebuilt(
    ResponseMetadata,
    request_id=None,
    status_code=0,
    headers=MappingProxyType[str, str]({}),
    attempts=0,
)


def _restore(
    request_id: str | None,
    status_code: int,
    headers: Mapping[str, str],
    view: str,
    attempts: int,
) -> ResponseMetadata:
    """A :class:`ResponseMetadata` from what its ``__reduce__`` gave."""
    if view == "multidict":
        headers = multidict.CIMultiDictProxy[str](headers)  # type: ignore[arg-type]  # a CIMultiDict
    elif view == "proxy":
        headers = MappingProxyType(dict(headers))
    return ResponseMetadata(
        request_id=request_id, status_code=status_code, headers=headers, attempts=attempts
    )


def read_only(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only, case-insensitive view of response headers (both senders give a
    ``CIMultiDict``; anything else is copied into one)."""
    if isinstance(headers, multidict.CIMultiDict):
        return multidict.CIMultiDictProxy(headers)
    if isinstance(headers, multidict.CIMultiDictProxy):
        return headers
    return multidict.CIMultiDictProxy(multidict.CIMultiDict(headers))
