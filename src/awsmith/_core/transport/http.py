"""The HTTP layer's interface: what a sender takes and gives back.

Two senders implement it. ``ConnectionPool`` (:mod:`awsmith._core.transport.http1`) is the default
under asyncio: the benchmarks chose it over aiohttp and httpx by client CPU per call
(see docs/performance.md). ``HttpxSender`` (:mod:`awsmith._core.transport.httpx_sender`) wraps an
``httpx.AsyncClient``: the one a caller passes in (respx, MockTransport, proxies,
HTTP/2 all keep working) or, under trio, one awsmith creates; httpx is imported only
then.

Both read the body raw (no content decoding: a gzip profile stays gzip) and map every
failure to an awsmith :class:`~awsmith._core.errors.TransportError`.

Two ways to send:

* ``send()``: an API call. The whole response comes back as :class:`TransportResponse`,
  its body bounded by ``Config.max_response_bytes`` (``Timeouts.max_body``).
* ``stream()``: a transfer to or from a URL awsmith was given (a presigned S3 URL for
  an attachment part or download), through the same pool, proxies and TLS settings::

      body = StreamBody(chunks_of(part), length=part_size)  # Content-Length, no chunking
      async with sender.stream("PUT", url, {"Content-MD5": md5}, body, timeouts) as response:
          if response.status != 200:
              error = await response.aread(64 * 1024)  # an S3 error document
          etag = response.headers["ETag"]

      async with sender.stream("GET", url, {}, b"", timeouts) as response:
          async for chunk in response.aiter_bytes():  # each wait bounded by timeouts.read
              file.write(chunk)

  The URL is sent exactly as given (the query byte for byte: a presigned signature
  covers it), with only ``Host``, the caller's headers and ``Content-Length``: no
  SigV4, no User-Agent, nothing else (:func:`check_stream_url` says which URLs are
  accepted). The request body is a :class:`StreamBody`, never held whole, or bytes.
  ``Timeouts.max_body`` does not apply to a streamed response body (it bounds the
  parsed API responses ``send()`` returns; a download is as large as the attachment);
  the head limits do. The connection goes back to the pool only once the body has
  been read to its end; a body left unread (the block exits early, an error, a
  cancellation) closes it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

from awsmith._core.errors import RequestBodyLengthError, ResponseTooLargeError, URLRefusedError

if TYPE_CHECKING:
    from attrs import define, frozen
else:
    from awsmith._core.lazyclass import define, frozen


@define
class TransportResponse:
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


class StreamBody:
    """A request body sent while it is produced, never held whole: ``chunks`` yields
    exactly ``length`` bytes, announced as ``Content-Length`` (presigned S3 uploads
    need it up front, and refuse chunked transfer encoding).

    A body that yields more bytes than ``length`` is stopped before the excess is sent,
    one that ends short is found at its end: both raise
    :class:`~awsmith._core.errors.RequestBodyLengthError` and close the connection.
    Chunks are ``bytes`` (a ``bytearray`` or ``memoryview`` is copied, since a transport
    may keep a reference to what it was given after ``write`` returns, and the caller
    may reuse its buffer). A body is sent once: a retry needs a new one, reading its
    source again.
    """

    __slots__ = ("_taken", "chunks", "length")

    def __init__(self, chunks: AsyncIterable[bytes], length: int) -> None:
        if type(length) is not int or length < 0:
            raise ValueError(f"StreamBody length must be an int >= 0, got {length!r}")
        self.chunks = chunks
        self.length = length
        self._taken = False

    def __repr__(self) -> str:
        return f"StreamBody(length={self.length})"

    def counted(self, where: str) -> CountedChunks:
        """The chunks, checked against ``length`` (``where`` names the request in the
        errors: method and URL without its query). Callable once."""
        if self._taken:
            raise RuntimeError(
                "this StreamBody was sent already: make a new one (its source read again) "
                "for another request"
            )
        self._taken = True
        return CountedChunks(self.chunks, self.length, where)


class CountedChunks:
    """A :class:`StreamBody`'s chunks as a sender sends them: each one checked (bytes,
    not past the declared length), empty ones skipped, and the end checked (not short).
    ``started`` says whether a chunk was asked for: a request whose body was touched
    cannot be sent again on another connection."""

    __slots__ = ("_iterator", "_left", "_length", "_where", "sent", "started")

    def __init__(self, chunks: AsyncIterable[bytes], length: int, where: str) -> None:
        self._iterator = aiter(chunks)
        self._length = length
        self._left = length
        self._where = where
        self.sent = 0
        self.started = False

    def __aiter__(self) -> CountedChunks:
        return self

    async def __anext__(self) -> bytes:
        self.started = True
        while True:
            try:
                chunk = await anext(self._iterator)
            except StopAsyncIteration:
                if self._left:
                    raise RequestBodyLengthError(
                        f"the request body of {self._where} ended after {self.sent} of its "
                        f"declared {self._length} bytes (Content-Length)"
                    ) from None
                raise
            if type(chunk) is not bytes:
                if not isinstance(chunk, (bytearray, memoryview)):
                    raise TypeError(
                        f"a request body chunk must be bytes, not {type(chunk).__name__}"
                    )
                chunk = bytes(chunk)
            size = len(chunk)
            if not size:
                continue
            if size > self._left:
                raise RequestBodyLengthError(
                    f"the request body of {self._where} yielded more than its declared "
                    f"{self._length} bytes (Content-Length): {self.sent + size} so far"
                )
            self._left -= size
            self.sent += size
            return chunk

    async def aclose(self) -> None:
        """Finalizes the source now (an async generator's ``finally``), whether or not
        it was read to its end: one stopped early would otherwise be finalized by the
        garbage collector, on whatever loop runs then."""
        close = getattr(self._iterator, "aclose", None)
        if close is not None:
            await close()


class StreamedResponse(Protocol):
    """A response whose body is read as it arrives (``HttpSender.stream``)."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Looked up case-insensitively, names as sent."""
        ...

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body's chunks as they arrive, raw (never decoded); each wait for the next
        one is bounded by ``Timeouts.read``. Iterable once, inside the ``async with``."""
        ...

    async def aread(self, limit: int) -> bytes:
        """The rest of the body at once, for a short one (an S3 error document):
        :class:`~awsmith._core.errors.ResponseTooLargeError` past ``limit`` bytes."""
        ...


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
    ) -> TransportResponse:
        """``resend``: the request is safe to repeat, so the sender may send it once
        more on its own after finding a kept-alive connection closed before any byte
        of the response (no sender repeats any other request by itself). ``written``
        is called when the request is written to a connection (connected, through a
        proxy's tunnel and TLS), so that an attempt cut short later counts as sent."""
        ...

    def stream(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | StreamBody,
        timeouts: Timeouts,
        *,
        resend: bool = False,
        written: Callable[[], None] | None = None,
    ) -> AbstractAsyncContextManager[StreamedResponse]:
        """Sends ``method url`` exactly as given (see :func:`check_stream_url`) with
        ``Host``, ``headers`` and ``Content-Length``, and yields the response once its
        head has arrived (the request body has been sent by then, unless the server
        answered first). ``resend`` as for :meth:`send`, for a :class:`StreamBody` only
        while none of it was taken; ``written`` as for :meth:`send`. Failures are
        :class:`~awsmith._core.errors.TransportError` s, on entering and while reading."""
        ...

    async def close(self) -> None: ...


#: Methods that carry no body unless one is given (no ``Content-Length: 0``).
BODYLESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE"})

#: Reading a streamed response's body after its ``async with`` was left.
STREAM_CLOSED = "the response stream is closed: read its body inside the async with block"

#: What a URL may carry unencoded (RFC 3986: unreserved, sub-delims, gen-delims but
#: "#", and "%" for escapes, checked apart).
_URL_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:/?@[]%"
)
_HEX = frozenset("0123456789abcdefABCDEF")


def display_url(url: str) -> str:
    """A URL for messages: without its query, which for a presigned URL holds a
    signature that grants access until it expires."""
    return url.split("?", 1)[0]


def check_stream_url(url: str) -> None:
    """Refuses (:class:`~awsmith._core.errors.URLRefusedError`) a URL that
    ``HttpSender.stream`` cannot send exactly as given, or should not send at all: not
    absolute ``http(s)://host``, user info in it, a ``#fragment``, a character outside
    RFC 3986's (a space, non-ASCII: it would need encoding, which changes what was
    signed), a ``%`` not followed by two hex digits, or plain ``http://`` to a host
    that is not a loopback address (127.0.0.0/8, ``::1``, ``localhost``): a part of an
    attachment travels over TLS, except to a local test server."""
    shown = display_url(url)
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        raise URLRefusedError(f"refusing to send to {shown[:200]!r}: not an http(s):// URL")
    for index, character in enumerate(url):
        if character not in _URL_CHARACTERS:
            what = "a fragment (#)" if character == "#" else f"the character {character!r}"
            raise URLRefusedError(
                f"refusing to send to {shown[:200]!r}: the URL holds {what}, which it cannot "
                "carry as given (it is sent exactly as given, never re-encoded)"
            )
        if character == "%" and not (
            url[index + 1 : index + 2] in _HEX and url[index + 2 : index + 3] in _HEX
        ):
            raise URLRefusedError(
                f"refusing to send to {shown[:200]!r}: a '%' not followed by two hex digits"
            )
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority_part = rest[:end]
    if "@" in authority_part:
        raise URLRefusedError(f"refusing to send to {shown[:200]!r}: user info in the URL")
    host = _host_of(authority_part)
    if not host:
        raise URLRefusedError(f"refusing to send to {shown[:200]!r}: no host")
    if scheme == "http" and not _is_loopback(host):
        raise URLRefusedError(
            f"refusing to send to {shown[:200]!r}: plain http:// only to a loopback address "
            "(127.0.0.0/8, ::1, localhost); anything else must be https://"
        )


def _host_of(authority_part: str) -> str:
    if authority_part.startswith("["):
        return authority_part[1 : authority_part.find("]")]
    return authority_part.rpartition(":")[0] if ":" in authority_part else authority_part


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
