"""``HttpxSender``: awsmith's sender over an ``httpx.AsyncClient``.

Used for a caller's client (respx, MockTransport, proxies, HTTP/2 all keep working) and
under trio. Imported only then, so that ``import awsmith`` does not pay for httpx.

``stream()`` (see :mod:`awsmith._core.transport.http`) builds its ``httpx.Request``
itself rather than through the client: the client's ``params``, ``base_url``, default
headers, cookies and ``auth`` would change a presigned URL's query or add headers it
was not signed with. The request still goes through the client's ``send`` (its pool,
proxies, TLS, transport and event hooks), and its bytes are those of awsmith's own
sender: ``Host`` as in the URL, the caller's headers, ``Content-Length``.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping

import anyio
import httpx
from multidict import CIMultiDict

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    TransportError,
    URLRefusedError,
)
from awsmith._core.transport.http import (
    BODYLESS,
    STREAM_CLOSED,
    CountedChunks,
    StreamBody,
    Timeouts,
    TransportResponse,
    authority,
    check_stream_url,
    display_url,
    head_field_problem,
    head_too_large,
    split_url,
    too_large,
)
from awsmith._core.transport.proxy import Proxy, ProxySettings


def owned_client(
    *,
    verify: ssl.SSLContext | bool,
    max_connections: int,
    proxies: ProxySettings,
    proxy_tls: ssl.SSLContext | None,
    keepalive: bool = False,
) -> httpx.AsyncClient:
    """The httpx client awsmith makes for itself (under trio): the same TLS, the same
    proxy choice per origin and the same TCP keepalive as awsmith's own sender. httpx's
    own reading of the environment is off (``trust_env=False``): awsmith read it
    already."""
    limits = httpx.Limits(max_connections=max_connections)
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)] if keepalive else None
    if not proxies.any:
        return httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(
                verify=verify, limits=limits, socket_options=options
            ),
            trust_env=False,
        )
    return httpx.AsyncClient(
        transport=_ProxyRouter(verify, limits, proxies, proxy_tls, options), trust_env=False
    )


class _ProxyRouter(httpx.AsyncBaseTransport):
    """Sends each request directly or through the proxy :class:`ProxySettings` picks
    for its origin (httpx's own mounts match URL patterns, not NO_PROXY's rules)."""

    def __init__(
        self,
        verify: ssl.SSLContext | bool,
        limits: httpx.Limits,
        proxies: ProxySettings,
        proxy_tls: ssl.SSLContext | None,
        socket_options: list[tuple[int, int, int]] | None = None,
    ) -> None:
        self._verify = verify
        self._limits = limits
        self._proxies = proxies
        self._proxy_tls = proxy_tls
        self._socket_options = socket_options
        self._direct = httpx.AsyncHTTPTransport(
            verify=verify, limits=limits, socket_options=socket_options
        )
        self._via: dict[Proxy, httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        proxy = self._proxies.for_origin(url.scheme, url.host, port)
        if proxy is None:
            return await self._direct.handle_async_request(request)
        transport = self._via.get(proxy)
        if transport is None:
            transport = self._via[proxy] = httpx.AsyncHTTPTransport(
                verify=self._verify,
                limits=self._limits,
                socket_options=self._socket_options,
                proxy=httpx.Proxy(
                    proxy.url, ssl_context=self._proxy_tls if proxy.scheme == "https" else None
                ),
            )
        target = authority(url.host, port)
        try:
            response = await transport.handle_async_request(request)
        except httpx.ProxyError as exc:  # its answer to CONNECT
            raise httpx.ProxyError(
                f"the proxy {proxy.display} refused to connect to {target}: {exc}"
            ) from None
        except httpx.ConnectError as exc:
            if _ssl_error_in(exc) is not None:  # through the proxy; the origin's TLS failed
                raise
            raise httpx.ProxyError(
                f"cannot connect to the proxy {proxy.display}: {exc!r}"
            ) from None
        if response.status_code == 407 and url.scheme == "http":
            await response.aclose()
            raise httpx.ProxyError(
                f"the proxy {proxy.display} refused the request to {url.scheme}://{target}: "
                "407 Proxy Authentication Required"
            )
        return response

    async def aclose(self) -> None:
        await self._direct.aclose()
        for transport in self._via.values():
            await transport.aclose()


class _Body(httpx.AsyncByteStream, httpx.SyncByteStream):
    """A request body in one chunk, iterable again (for a retry by httpx's transport),
    with nothing to finalize. ``written`` is called when a transport starts sending it:
    httpcore does once the request's head is written (HTTP/1.1, and HTTP/2 when the
    request has a body). A transport that reads the request otherwise (MockTransport,
    respx) does not call it: the attempt counts when its answer arrives."""

    def __init__(self, body: bytes, written: Callable[[], None] | None) -> None:
        self._body = body
        self._written = written

    def __iter__(self) -> Iterator[bytes]:
        return iter((self._body,))

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._written is not None:
            self._written()
        return _OneChunk(self._body)


class _OneChunk:
    def __init__(self, chunk: bytes) -> None:
        self._chunk: bytes | None = chunk

    def __aiter__(self) -> _OneChunk:
        return self

    async def __anext__(self) -> bytes:
        chunk, self._chunk = self._chunk, None
        if chunk is None:
            raise StopAsyncIteration
        return chunk


class _Streamed(httpx.AsyncByteStream):
    """A :class:`StreamBody` as httpx sends it: chunk by chunk, counted; its source
    finalized once httpx is done with it (``aclose``), even if it stopped early.
    ``written`` as for :class:`_Body`."""

    def __init__(self, chunks: CountedChunks, written: Callable[[], None] | None) -> None:
        self._chunks = chunks
        self._written = written

    def __aiter__(self) -> AsyncIterator[bytes]:
        if self._written is not None:
            self._written()
        return self._chunks

    async def aclose(self) -> None:
        await self._chunks.aclose()


def _ssl_error_in(error: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class HttpxSender:
    """Sends through an ``httpx.AsyncClient``; closes it only if awsmith created it."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self._client = client
        self._owned = owned

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
        # ``resend`` is moot: httpcore checks a pooled connection before using it and
        # never sends a request twice by itself.
        del resend
        timeout = httpx.Timeout(timeouts.read, connect=timeouts.connect)
        request = self._client.build_request(
            method, url, headers=headers, content=body, timeout=timeout
        )
        # httpx's own body stream is an async generator: one a connection failure stops
        # early is left unfinished, and warns when collected (under trio). Ours also
        # says when httpcore starts sending it (the request's head is out).
        request.stream = _Body(body, written)
        if not any(name.lower() == "accept-encoding" for name in headers):
            # The body is read raw (never decoded): httpx's default "gzip, deflate"
            # would let the server compress JSON that is then unparseable.
            request.headers["Accept-Encoding"] = "identity"
        try:
            # Never follow redirects: the signed headers (X-Amz-Security-Token)
            # would go to whatever host a Location header names.
            response = await self._client.send(request, stream=True, follow_redirects=False)
            try:
                _check_head(response, timeouts)
                # HEAD, 204 and 304 responses announce a length they do not carry.
                announced = request.method != "HEAD" and response.status_code not in (204, 304)
                length = response.headers.get("content-length") if announced else None
                if length is not None and length.isdigit() and int(length) > timeouts.max_body:
                    raise too_large(
                        int(length), timeouts.max_body, response.status_code, response.headers
                    )
                # httpx.MockTransport and respx hand back responses whose body was read
                # when they were built: streaming it again raises StreamConsumed.
                stream = (
                    _already_read(response.content)
                    if response.is_stream_consumed
                    else response.aiter_raw()
                )
                chunks: list[bytes] = []
                size = 0
                async for chunk in stream:
                    size += len(chunk)
                    if size > timeouts.max_body:
                        raise too_large(
                            size, timeouts.max_body, response.status_code, response.headers
                        )
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise _transport_error(exc, url) from _cause(exc)
        return TransportResponse(response.status_code, _headers_of(response), b"".join(chunks))

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | StreamBody,
        timeouts: Timeouts,
        *,
        resend: bool = False,
        written: Callable[[], None] | None = None,
    ) -> AsyncGenerator[_StreamedResponse]:
        """``HttpSender.stream`` over the client's ``send``, with a request built here
        (see the module's docstring)."""
        del resend  # as for send(): httpcore checks a pooled connection before use
        check_stream_url(url)
        request = _stream_request(method, url, headers, body, timeouts, written)
        try:
            response = await self._client.send(
                request, stream=True, follow_redirects=False, auth=None
            )
        except httpx.HTTPError as exc:
            raise _transport_error(exc, url) from _cause(exc)
        finally:
            # httpx never closes a request's stream: the source is finalized here, read
            # to its end or not (a failure, a server that answered first).
            if isinstance(request.stream, _Streamed):
                await request.stream.aclose()
        streamed = _StreamedResponse(response, url)
        try:
            _check_head(response, timeouts)
            yield streamed
        finally:
            await streamed.aclose()

    async def close(self) -> None:
        if self._owned:
            await self._client.aclose()


def _stream_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | StreamBody,
    timeouts: Timeouts,
    written: Callable[[], None] | None,
) -> httpx.Request:
    """The request of ``stream()``, its target exactly the URL's (checked: httpx
    re-encodes nothing :func:`check_stream_url` lets through, and must not)."""
    origin, target = split_url(url)
    fields = [("Host", origin.partition("://")[2]), *headers.items()]
    stream: httpx.AsyncByteStream
    if isinstance(body, StreamBody):
        fields.append(("Content-Length", str(body.length)))
        stream = _Streamed(body.counted(f"{method} {display_url(url)}"), written)
    else:
        if body or method not in BODYLESS:
            fields.append(("Content-Length", str(len(body))))
        stream = _Body(body, written)
    timeout = httpx.Timeout(timeouts.read, connect=timeouts.connect)
    request = httpx.Request(
        method,
        url,
        headers=fields,
        stream=stream,
        extensions={"timeout": timeout.as_dict()},
    )
    if request.url.raw_path.decode("ascii") != target:
        raise URLRefusedError(
            f"refusing to send to {display_url(url)!r}: httpx would change its target "
            f"({request.url.raw_path[:200]!r})"
        )
    return request


class _StreamedResponse:
    """What ``HttpxSender.stream`` yields: httpx's response, read raw, its failures
    mapped to awsmith's errors as ``send`` maps them."""

    def __init__(self, response: httpx.Response, url: str) -> None:
        self._response = response
        self._url = url
        self._iterated = False
        self._closed = False
        self._chunks: _RawChunks | None = None
        self.status = response.status_code
        self.headers: Mapping[str, str] = _headers_of(response)

    def __repr__(self) -> str:
        return f"<streamed response {self.status}>"

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        if self._closed:
            raise RuntimeError(STREAM_CLOSED)
        if self._iterated:
            raise RuntimeError("the response body is read once: aiter_bytes() was called already")
        self._iterated = True
        if self._response.is_stream_consumed:  # MockTransport and respx read it already
            return _OneChunk(self._response.content)
        self._chunks = _RawChunks(self._response.aiter_raw(), self._url)
        return self._chunks

    async def aread(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.aiter_bytes():
            size += len(chunk)
            if size > limit:
                await self.aclose()
                raise too_large(size, limit, self.status, self.headers)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Ends the exchange: httpcore puts a connection whose body was read to its end
        back in the pool, and closes any other. Shielded: it runs when the reader was
        cancelled too."""
        self._closed = True
        with anyio.CancelScope(shield=True):
            if not self._iterated and self._response.headers.get("content-length") == "0":
                # Nothing to read, but httpcore reuses a connection only once it has
                # seen the end of the response: an empty body (an S3 part's answer) is
                # read, as awsmith's own sender would have.
                await self._read_empty_body()
            await self._response.aclose()
            if self._chunks is not None and self._response.http_version == "HTTP/1.1":
                await self._chunks.finish()

    async def _read_empty_body(self) -> None:
        self._iterated = True
        if not self._response.is_stream_consumed:
            self._chunks = _RawChunks(self._response.aiter_raw(), self._url)
            await self._chunks.finish()


class _RawChunks:
    """httpx's raw body iterator, with its errors as awsmith's; empty chunks skipped."""

    __slots__ = ("_chunks", "_url")

    def __init__(self, chunks: AsyncIterator[bytes], url: str) -> None:
        self._chunks = chunks
        self._url = url

    def __aiter__(self) -> _RawChunks:
        return self

    async def __anext__(self) -> bytes:
        while True:
            try:
                chunk = await anext(self._chunks)
            except httpx.StreamClosed:
                raise RuntimeError(STREAM_CLOSED) from None
            except httpx.HTTPError as exc:
                raise _transport_error(exc, self._url) from _cause(exc)
            if chunk:
                return chunk

    async def finish(self) -> None:
        """Ends httpx's body iterator, a body stopped early or not. It is async
        generators nested five deep (httpx's, then httpcore's), and closing the
        outermost leaves the others suspended, for the garbage collector (trio warns
        about each). Read on after the response was closed, each ends with the read
        error of the closed connection: at once, after at most what was buffered
        already (HTTP/1.1 only: an HTTP/2 connection stays open for other streams)."""
        try:
            async for _chunk in self._chunks:
                pass
        except httpx.HTTPError:
            pass


def _transport_error(exc: httpx.HTTPError, url: str) -> TransportError:
    """awsmith's error for an httpx failure (both ways of sending)."""
    origin = split_url(url)[0]
    if isinstance(exc, httpx.ConnectTimeout):
        return ConnectTimeoutError(f"connecting to {origin} timed out: {exc}")
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return ReadTimeoutError(f"no response from {origin} in time: {exc!r}")
    if isinstance(exc, httpx.RemoteProtocolError):
        if "Receive buffer too long" in str(exc):
            # h11 refuses a response head over 16 KiB before httpx sees it.
            return head_too_large("its size", 16 * 1024, None)
        return ConnectionFailedError(f"request to {origin} failed: {exc!r}")
    if isinstance(exc, httpx.ProxyError):
        return ConnectionFailedError(str(exc))
    # A TLS failure reads as on awsmith's own sender (httpcore's ConnectError around it
    # has no message).
    cause = _ssl_error_in(exc) or exc
    return ConnectionFailedError(f"request to {origin} failed: {cause!r}")


def _cause(exc: httpx.HTTPError) -> httpx.HTTPError | None:
    """The ``__cause__`` of the mapped error: the httpx one, but for a proxy's refusal,
    whose message says it all (and whose URL could hold the proxy's password)."""
    return None if isinstance(exc, httpx.ProxyError) else exc


def _check_head(response: httpx.Response, timeouts: Timeouts) -> None:
    """The same head limits as awsmith's own sender (h11 already caps the whole head
    at 16 KiB; a caller's transport, a mock included, may not)."""
    head_bytes = 0
    for fields_before, (name, value) in enumerate(response.headers.raw):
        size = len(name) + len(value)
        head_bytes += size
        problem = head_field_problem(name, size, head_bytes, fields_before, timeouts)
        if problem is not None:
            raise head_too_large(*problem, response.status_code)


async def _already_read(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _headers_of(response: httpx.Response) -> CIMultiDict[str]:
    """Response headers with their names as sent (httpx lower-cases them), looked up
    case-insensitively, as aiohttp gives them: prefix-header maps come out the same on
    both transports."""
    return CIMultiDict(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    )

