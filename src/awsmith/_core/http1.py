"""awsmith's own HTTP/1.1 client for asyncio: the default sender.

AWS endpoints speak HTTP/1.1 with keep-alive, and awsmith always reads whole bodies.
For exactly that, a protocol object per connection and a small pool cost about half
of aiohttp's client CPU per call (see docs/performance.md, "Choosing the transport"):
no per-request tracing hooks, cookie jar, stream reader or timer per read. Responses
are parsed by llhttp (Node.js's parser) through ``httptools``; TLS is asyncio's.

What it does, and no more:

* one request at a time per connection, connections kept alive and reused (newest
  first) up to ``max_connections`` per client, waiting for a free one beyond that;
* a connect timeout, and a read timeout measured from the last progress in either
  direction (a chunk handed to the socket or a byte read), so an upload the server
  reads slowly is not cut short while the socket keeps taking chunks (bytes the
  kernel has taken but not sent are not tracked, so a link that needs longer than the
  read timeout to drain the socket's send buffer can still time out an upload);
* content-length, chunked and close-delimited bodies, never decoded; interim 1xx
  responses skipped; a body larger than ``max_body`` refused while it arrives;
* a request that meets a kept-alive connection the server had already closed is sent
  once more on a new connection, before any byte of a response arrived (as urllib3);
* no redirects, no proxies, no cookies (a caller who needs them passes an
  ``httpx.AsyncClient``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque

import httptools
from multidict import CIMultiDict

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    TransportError,
)
from awsmith._core.http import HttpResponse, Timeouts, split_url, too_large
from awsmith._core.tls import tls_context

#: Methods that carry no body unless one is given (no ``Content-Length: 0``).
_BODYLESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE"})
#: Bodies up to this size go out in one write with the request head.
_ONE_WRITE = 64 * 1024
_CHUNK = 256 * 1024


class _StaleConnection(ConnectionFailedError):
    """A reused connection closed before any byte of the response: safe to resend."""


class _Origin:
    """Where a URL's requests go, parsed once per scheme://authority."""

    __slots__ = ("host", "host_header", "key", "name", "port", "tls")

    def __init__(self, url_origin: str) -> None:
        scheme, _, authority = url_origin.partition("://")
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise ConnectionFailedError(f"unsupported URL scheme {scheme!r} in {url_origin!r}")
        self.tls = scheme == "https"
        default_port = 443 if self.tls else 80
        host, port = authority, default_port
        if authority.startswith("["):  # IPv6 literal: [::1]:8080
            end = authority.find("]")
            host = authority[1:end]
            if authority[end + 1 : end + 2] == ":":
                port = _port(authority[end + 2 :], url_origin)
        elif ":" in authority:
            host, _, text = authority.rpartition(":")
            port = _port(text, url_origin)
        if not host:
            raise ConnectionFailedError(f"no host in {url_origin!r}")
        self.host = host
        self.port = port
        self.key = (scheme, host, port)
        self.name = url_origin
        #: Exactly as in the URL, which is what the client signed.
        self.host_header = authority


def _port(text: str, url: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConnectionFailedError(f"invalid port in {url!r}")
    return int(text)


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; at most one exchange in flight."""

    def __init__(self, pool: Http1Sender, origin: _Origin) -> None:
        self._pool = pool
        self._loop = pool.loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self.uses = 0
        # the exchange in flight
        self._future: asyncio.Future[HttpResponse] | None = None
        #: One parser for the connection's life: llhttp starts over after each response.
        self._parser = httptools.HttpResponseParser(self)
        self._headers: list[tuple[str, str]] = []
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = 0
        self._status = 0
        self._head_only = False
        self._headers_done = False
        self._interim = False
        self._received = False
        self._last = 0.0
        self._read_timeout = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._drain: asyncio.Future[None] | None = None

    # ---------------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._future is None:  # unsolicited bytes between exchanges: unusable
            self.close()
            return
        self._received = True
        self._last = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            # A callback below refused the response (too large); llhttp wraps it.
            raised = exc.__context__
            if isinstance(raised, TransportError):
                self._fail(raised)
            else:  # a bug in this module: fail the call with it rather than hang
                self._fail(ConnectionFailedError(f"request to {self.origin.name} failed: {raised!r}"))
        except httptools.HttpParserUpgrade:
            self._fail(
                ConnectionFailedError(
                    f"request to {self.origin.name} failed: the server switched protocols unasked"
                )
            )
        except httptools.HttpParserError as exc:
            self._fail(
                ConnectionFailedError(f"request to {self.origin.name} failed: malformed response: {exc}")
            )

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        self._pool.forget(self)
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        if self._future is None or self._future.done():
            return
        if self._headers_done and exc is None and self._close_delimited():
            self._finish()  # a clean close ends the body; a reset cuts it short
        elif not self._received and self.uses > 1:
            self._fail(
                _StaleConnection(
                    f"request to {self.origin.name} failed: the server closed the kept-alive "
                    "connection before responding"
                )
            )
        else:
            detail = f": {exc!r}" if exc is not None else ""
            self._fail(
                ConnectionFailedError(
                    f"request to {self.origin.name} failed: the connection closed before "
                    f"the response was complete{detail}"
                )
            )

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._last = self._loop.time()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    # ---------------------------------------------------------------- parser callbacks

    def on_message_begin(self) -> None:
        if self._future is None or self._future.done():
            # More bytes after the response (llhttp reads on past its end): the parser
            # is inside something else now, so the connection cannot be reused.
            self.reusable = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # 100 Continue, 103 Early Hints: not the response
            self._interim = True
            self._headers = []
            return
        self._status = status
        self._headers_done = True
        if self._head_only:
            self.reusable = False  # llhttp would wait for the announced body
            self._finish()
            return
        if status in (204, 304):  # no body, whatever Content-Length announces
            return
        headers = self._headers
        for name, value in headers:
            if len(name) == 14 and name.lower() == "content-length":
                if value.isdigit() and int(value) > self._limit:
                    raise too_large(int(value), self._limit, status, CIMultiDict(headers))
                break

    def on_body(self, body: bytes) -> None:
        if self._head_only:
            return
        self._size += len(body)
        if self._size > self._limit:
            raise too_large(self._size, self._limit, self._status, CIMultiDict(self._headers))
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        if self._future is not None and not self._future.done():
            self.reusable = bool(self._parser.should_keep_alive())
            self._finish()

    # ---------------------------------------------------------------- the exchange

    async def exchange(
        self, head: bytes, body: bytes, timeouts: Timeouts, *, head_only: bool = False
    ) -> HttpResponse:
        """Sends one request and returns its whole response. ``head_only`` is for HEAD,
        whose response announces a body it does not have."""
        transport = self.transport
        assert transport is not None
        loop = self._loop
        self.uses += 1
        self.reusable = False
        future: asyncio.Future[HttpResponse] = loop.create_future()
        self._future = future
        self._headers = []
        self._chunks = []
        self._size = 0
        self._limit = timeouts.max_body
        self._headers_done = False
        self._interim = False
        self._received = False
        self._head_only = head_only
        self._read_timeout = timeouts.read
        self._last = now = loop.time()
        self._timer = loop.call_at(now + timeouts.read, self._check_progress)
        try:
            if len(body) <= _ONE_WRITE:
                transport.write(head + body if body else head)
            else:
                transport.write(head)
                view = memoryview(body)
                for start in range(0, len(body), _CHUNK):
                    if self._paused:
                        self._drain = loop.create_future()
                        await self._drain
                        self._drain = None
                    if future.done() or self.closed:
                        # Answered early (an error) or gone: stop sending. The rest of
                        # the body was never sent, so the connection cannot be reused.
                        await future
                        self.reusable = False
                        break
                    transport.write(view[start : start + _CHUNK])
            return await future
        finally:
            self._timer.cancel()
            self._timer = None
            self._future = None
            if not future.done():  # cancelled mid-exchange: the connection is unusable
                future.cancel()
                self.reusable = False

    def _check_progress(self) -> None:
        idle = self._loop.time() - self._last
        if idle >= self._read_timeout:
            self._fail(
                ReadTimeoutError(
                    f"no response from {self.origin.name} in time "
                    f"(nothing sent or received for {self._read_timeout:g} s)"
                )
            )  # which closes the connection
        else:
            self._timer = self._loop.call_at(self._last + self._read_timeout, self._check_progress)

    def _close_delimited(self) -> bool:
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == "content-length" or (
                lowered == "transfer-encoding" and "chunked" in value.lower()
            ):
                return False
        return True

    def _finish(self) -> None:
        future = self._future
        if future is not None and not future.done():
            future.set_result(
                HttpResponse(self._status, CIMultiDict(self._headers), b"".join(self._chunks))
            )

    def _fail(self, exc: TransportError) -> None:
        self.reusable = False
        future = self._future
        if future is not None and not future.done():
            future.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            # abort(), not close(): close() would first send what is still buffered,
            # which never happens while a stalled server reads nothing (the read timeout
            # or a cancellation then left the exchange and its pool slot hanging).
            self.transport.abort()


class Http1Sender:
    """Sends over pooled HTTP/1.1 connections owned by one awsmith client (asyncio)."""

    def __init__(
        self, *, max_connections: int, verify_tls: bool = True, tls: ssl.SSLContext | None = None
    ) -> None:
        """``tls`` is the context for https origins; without one (a client made for a
        plain-http endpoint) it is made at the first https connection, if any."""
        self.loop = asyncio.get_running_loop()
        self._limit = max_connections
        self._verify = verify_tls
        self._tls = tls
        self._origins: dict[str, _Origin] = {}
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False
        self._all: set[_Connection] = set()

    async def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, timeouts: Timeouts
    ) -> HttpResponse:
        """Sends ``method url`` (path and query already percent-encoded, as signed) with
        ``headers`` as given plus ``Host`` and ``Content-Length``; returns the whole
        response. Every failure is a :class:`TransportError`."""
        origin_text, target = split_url(url)
        origin = self._origins.get(origin_text)
        if origin is None:
            origin = self._origins[origin_text] = _Origin(origin_text)
        lines = [f"{method} {target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
        for name, value in headers.items():
            lines.append(f"{name}: {value}\r\n")
        if body or method not in _BODYLESS:
            lines.append(f"Content-Length: {len(body)}\r\n")
        lines.append("\r\n")
        count = len(lines) + 1  # the first holds the request line and Host
        text = "".join(lines)
        if text.count("\n") != count or text.count("\r") != count:
            raise ConnectionFailedError(
                f"refusing to send a request to {origin.name}: a header or the path "
                "holds a line break"
            )
        head = text.encode("utf-8")
        for attempt in (1, 2):
            connection = await self._acquire(origin, timeouts)
            try:
                response = await connection.exchange(
                    head, body, timeouts, head_only=method == "HEAD"
                )
            except _StaleConnection:
                if attempt == 2:
                    raise
                # The connections idle beside it were most likely dropped too: close
                # them, so that the request goes once more on a new connection.
                for idle in self._idle.pop(origin.key, ()):
                    idle.close()
                continue
            finally:
                self._release(connection)
            return response
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------- the pool

    async def _acquire(self, origin: _Origin, timeouts: Timeouts) -> _Connection:
        """An idle connection to ``origin``, else a new one, else the first to come free
        within ``connect_timeout`` (then ``ConnectTimeoutError``)."""
        deadline: float | None = None
        while True:
            if self._closed:
                raise ConnectionFailedError("the HTTP connection pool is closed")
            idle = self._idle.get(origin.key)
            while idle:
                connection = idle.pop()
                if not connection.closed:
                    return connection
            if self._open < self._limit:
                self._open += 1
                try:
                    return await self._connect(origin, timeouts)
                except BaseException:
                    self._open -= 1
                    self._wake()
                    raise
            if deadline is None:
                deadline = self.loop.time() + timeouts.connect
            waiter = self.loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except BaseException as exc:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass our turn on
                else:
                    self._waiters.remove(waiter)
                if isinstance(exc, TimeoutError):
                    raise ConnectTimeoutError(
                        f"no connection to {origin.name} came free within "
                        f"{timeouts.connect:g} s (max_pool_connections={self._limit}, all busy)"
                    ) from None
                raise

    async def _connect(self, origin: _Origin, timeouts: Timeouts) -> _Connection:
        connection = _Connection(self, origin)
        try:
            async with asyncio.timeout(timeouts.connect):
                await self.loop.create_connection(
                    lambda: connection,
                    origin.host,
                    origin.port,
                    ssl=self._tls_context() if origin.tls else None,
                    server_hostname=origin.host if origin.tls else None,
                    happy_eyeballs_delay=0.25,
                )
        except BaseException as exc:
            connection.close()  # if it was made just as the timeout struck
            if isinstance(exc, TimeoutError):
                raise ConnectTimeoutError(f"connecting to {origin.name} timed out") from exc
            if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS (ssl.SSLError)
                raise ConnectionFailedError(f"request to {origin.name} failed: {exc!r}") from exc
            raise
        self._all.add(connection)
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = tls_context(self._verify)
        return self._tls

    def _release(self, connection: _Connection) -> None:
        if connection.reusable and not connection.closed and not self._closed:
            self._idle.setdefault(connection.origin.key, []).append(connection)
            self._wake()
        else:
            connection.close()  # connection_lost then frees its slot

    def forget(self, connection: _Connection) -> None:
        """Frees a closed connection's slot (from its ``connection_lost``)."""
        if connection in self._all:
            self._all.discard(connection)
            self._open -= 1
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        self._closed = True
        self._idle.clear()
        for connection in list(self._all):
            connection.close()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
        # Let the transports' connection_lost run, so sockets are closed on return.
        await asyncio.sleep(0)
