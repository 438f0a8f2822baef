"""The HTTP layer's interface: what a sender takes and gives back.

Two senders implement it. ``Http1Sender`` (:mod:`awsmith._core.transport.http1`) is the default
under asyncio: the benchmarks chose it over aiohttp and httpx by client CPU per call
(see docs/performance.md). ``HttpxSender`` (:mod:`awsmith._core.transport.httpx_sender`) wraps an
``httpx.AsyncClient``: the one a caller passes in (respx, MockTransport, proxies,
HTTP/2 all keep working) or, under trio, one awsmith creates; httpx is imported only
then.

Both read the body raw (no content decoding: a gzip profile stays gzip) and map every
failure to an awsmith :class:`~awsmith._core.errors.TransportError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from awsmith._core.errors import ResponseTooLargeError

if TYPE_CHECKING:
    from attrs import define, frozen
else:
    from awsmith._core.lazyclass import define, frozen


@define
class HttpResponse:
    """A complete HTTP response. ``headers`` looks names up case-insensitively."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@frozen
class Timeouts:
    """Time and size limits of one exchange (``Config``'s, gathered once per client)."""

    connect: float
    read: float
    max_body: int
    #: The response head (status line and header fields): bytes in all, fields, and
    #: bytes in one field. http.client allows 64 KiB a line and 100 fields.
    max_head: int = 256 * 1024
    max_fields: int = 100
    max_field: int = 64 * 1024


class HttpSender(Protocol):
    async def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        timeouts: Timeouts,
        *,
        resend: bool = False,
        written: Callable[[], None] | None = None,
    ) -> HttpResponse:
        """``resend``: the request is safe to repeat, so the sender may send it once
        more on its own after finding a kept-alive connection closed before any byte
        of the response (no sender repeats any other request by itself). ``written``
        is called when the request is written to a connection (connected, through a
        proxy's tunnel and TLS), so that an attempt cut short later counts as sent."""
        ...

    async def close(self) -> None: ...


def split_url(url: str) -> tuple[str, str]:
    """``https://host:8443/a?b`` -> (``https://host:8443``, ``/a?b``); a URL with no path
    gets ``/`` (``http://host?q`` -> (``http://host``, ``/?q``))."""
    authority = url.find("://") + 3
    end = url.find("/", authority)
    if end >= 0:
        return url[:end], url[end:]
    query = url.find("?", authority)
    end = len(url) if query < 0 else query
    return url[:end], "/" + url[end:]


def authority(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets (``[::1]:443``)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The request id AWS gives a response (``x-amzn-RequestId``, or S3-style)."""
    return headers.get("x-amzn-RequestId") or headers.get("x-amz-request-id")


def head_field_problem(
    name: bytes, size: int, head_bytes: int, fields_before: int, limits: Timeouts
) -> tuple[str, int] | None:
    """The limit a response head breaks with one more header field (``name``, ``size``
    bytes with its value; ``head_bytes`` of fields so far, this one included), as
    (what, limit), or None. One rule for both senders: awsmith's checks each field as
    llhttp parses it, the httpx one the whole head at once."""
    if size > limits.max_field:
        return f"the header field {name[:64].decode('latin-1')!r}", limits.max_field
    if head_bytes > limits.max_head:
        return "its size", limits.max_head
    if fields_before >= limits.max_fields:
        return "the number of header fields", limits.max_fields
    return None


def head_too_large(what: str, limit: int, status: int | None) -> ResponseTooLargeError:
    """The error for a response head over one of the limits (both senders)."""
    return ResponseTooLargeError(
        f"response head refused: {what} exceeds the limit of {limit}", status_code=status
    )


def too_large(
    size: int, limit: int, status: int, headers: Mapping[str, str]
) -> ResponseTooLargeError:
    """The error for a body over ``Config.max_response_bytes`` (both senders)."""
    return ResponseTooLargeError(
        f"response body of {size} bytes exceeds the {limit} byte limit",
        status_code=status,
        request_id=request_id_of(headers),
    )
