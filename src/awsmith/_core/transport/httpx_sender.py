"""``HttpxSender``: awsmith's sender over an ``httpx.AsyncClient``.

Used for a caller's client (respx, MockTransport, proxies, HTTP/2 all keep working) and
under trio. Imported only then, so that ``import awsmith`` does not pay for httpx.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
from multidict import CIMultiDict

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
)
from awsmith._core.transport.http import (
    HttpResponse,
    Timeouts,
    authority,
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
) -> httpx.AsyncClient:
    """The httpx client awsmith makes for itself (under trio): the same TLS and the
    same proxy choice per origin as awsmith's own sender. httpx's own reading of the
    environment is off (``trust_env=False``): awsmith read it already."""
    limits = httpx.Limits(max_connections=max_connections)
    if not proxies.any:
        return httpx.AsyncClient(verify=verify, limits=limits, trust_env=False)
    return httpx.AsyncClient(
        transport=_ProxyRouter(verify, limits, proxies, proxy_tls), trust_env=False
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
    ) -> None:
        self._verify = verify
        self._limits = limits
        self._proxies = proxies
        self._proxy_tls = proxy_tls
        self._direct = httpx.AsyncHTTPTransport(verify=verify, limits=limits)
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
    ) -> HttpResponse:
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
        except httpx.ConnectTimeout as exc:
            raise ConnectTimeoutError(f"connecting to {split_url(url)[0]} timed out: {exc}") from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
            raise ReadTimeoutError(f"no response from {split_url(url)[0]} in time: {exc!r}") from exc
        except httpx.RemoteProtocolError as exc:
            if "Receive buffer too long" in str(exc):
                # h11 refuses a response head over 16 KiB before httpx sees it.
                raise head_too_large("its size", 16 * 1024, None) from exc
            raise ConnectionFailedError(f"request to {split_url(url)[0]} failed: {exc!r}") from exc
        except httpx.ProxyError as exc:
            raise ConnectionFailedError(str(exc)) from None
        except httpx.HTTPError as exc:
            # A TLS failure reads as on awsmith's own sender (httpcore's ConnectError
            # around it has no message).
            cause = _ssl_error_in(exc) or exc
            raise ConnectionFailedError(f"request to {split_url(url)[0]} failed: {cause!r}") from exc
        return HttpResponse(response.status_code, _headers_of(response), b"".join(chunks))

    async def close(self) -> None:
        if self._owned:
            await self._client.aclose()


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

