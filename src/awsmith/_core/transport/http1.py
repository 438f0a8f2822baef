"""awsmith's own HTTP/1.1 client for asyncio: the default sender.

AWS endpoints speak HTTP/1.1 with keep-alive, and API calls read whole bodies. For
exactly that, a protocol object per connection and a small pool cost about half of
aiohttp's client CPU per call (see docs/performance.md, "Choosing the transport"): no
per-request tracing hooks, cookie jar, stream reader or timer per read. Responses are
parsed by llhttp (Node.js's parser) through ``httptools``; TLS is asyncio's. Transfers
to presigned URLs (``stream()``) use the same connections with their bodies streamed
both ways (see :mod:`awsmith._core.transport.http`).

What it does, and no more:

* one request at a time per connection, connections kept alive and reused (newest
  first) up to ``max_connections`` per client; beyond that callers wait in line, and a
  released connection (or a freed slot) goes to the longest waiter, never to a caller
  who came later;
* an idle connection is dropped after ``idle_timeout`` seconds, and checked for a
  close from the server (or stray bytes) before it is reused; TCP keepalive if asked;
* a connect timeout, and a read timeout measured from the last progress in either
  direction (a chunk handed to the socket or a byte read), so an upload the server
  reads slowly is not cut short while the socket keeps taking chunks (bytes the
  kernel has taken but not sent are not tracked, so a link that needs longer than the
  read timeout to drain the socket's send buffer can still time out an upload);
* a streamed request body (:class:`StreamBody`) written chunk by chunk as the socket
  takes it, and a streamed response body queued as it arrives, reading from the socket
  paused while more than ``_STREAM_HIGH_WATER`` bytes wait unread (so memory does not
  grow with the body, whichever side is slower); each wait for a chunk of it is
  bounded by the read timeout;
* content-length, chunked and close-delimited bodies, never decoded; interim 1xx
  responses skipped; a body larger than ``max_body`` refused while it arrives, and a
  response head past its limits (bytes in all, fields, bytes in one field) refused
  while it arrives too, before llhttp has buffered more than one read of it;
* a request that meets a kept-alive connection the server closed before any byte of a
  response arrived is sent once more on a new connection only when the caller says it
  is safe to repeat (``resend=True``: a safe method, or an idempotency token in the
  request; RFC 9112 section 9.3.1.1). Anything else fails with a retryable
  :class:`ConnectionFailedError`, and the retry policy decides, counting an attempt;
* forward proxies (:mod:`awsmith._core.transport.proxy` picks one per origin): an http origin is
  sent to the proxy in absolute form, an https one through a ``CONNECT`` tunnel and
  then TLS with the origin (its name checked as without a proxy); the proxy itself may
  be spoken to over TLS (``https://`` proxy URL). A proxy that refuses (a non-2xx
  answer to ``CONNECT``, or 407) is a :class:`ConnectionFailedError` naming it, never
  its password;
* no redirects, no cookies (a caller who needs them passes an ``httpx.AsyncClient``).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import select
import socket
import ssl
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    TransportError,
)
from awsmith._core.lazyclass import prebuilt
from awsmith._core.lazymodule import FirstUse
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
from awsmith._core.transport.proxy import NO_PROXIES, Proxy, ProxySettings
from awsmith._core.transport.tls import tls_context

if TYPE_CHECKING:
    import httptools
    import multidict
else:
    httptools = FirstUse("httptools", globals())
    multidict = FirstUse("multidict", globals())

#: Bodies up to this size go out in one write with the request head.
_ONE_WRITE = 64 * 1024
_CHUNK = 256 * 1024
#: A streamed response body: reading from the socket pauses while more than this
#: waits unread, and resumes once the reader has taken all of it. One read of the
#: socket (asyncio reads up to 256 KiB) may come on top.
_STREAM_HIGH_WATER = 512 * 1024


class _StaleConnection(ConnectionFailedError):
    """A reused connection closed before any byte of the response arrived. The server
    may still have read (and acted on) the request: resent only if safe to repeat."""


class _Origin:
    """Where a URL's requests go, parsed once per scheme://authority: the origin, and
    the proxy they go through, if any."""

    __slots__ = ("forward", "host", "host_header", "key", "name", "port", "proxy", "tls")

    def __init__(self, url_origin: str, proxies: ProxySettings = NO_PROXIES) -> None:
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
        if not authority.isascii():
            raise ConnectionFailedError(
                f"invalid host in {url_origin!r}: use the ASCII (punycode, xn--) form"
            )
        self.host = host
        self.port = port
        self.proxy: Proxy | None = proxies.for_origin(scheme, host, port) if proxies.any else None
        #: Sent to the proxy in absolute form (plain http through a proxy).
        self.forward = self.proxy is not None and not self.tls
        self.key = (scheme, host, port, self.proxy)
        self.name = url_origin
        #: Exactly as in the URL, which is what the client signed.
        self.host_header = authority

    @property
    def authority(self) -> str:
        """``host:port``, the port always given (a CONNECT target)."""
        return authority(self.host, self.port)


_NO_LIMITS: Timeouts = prebuilt(Timeouts, connect=0.0, read=0.0, max_body=0)
_HAS_POLL = hasattr(select, "poll")


def _port(text: str, url: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConnectionFailedError(f"invalid port in {url!r}")
    return int(text)


class _TunnelReader(asyncio.Protocol):
    """Reads the proxy's answer to ``CONNECT``: its status line and headers. ``extra``
    counts the bytes that came after them (a 2xx answer's tunnel must carry none before
    the client's TLS hello: they are not dropped unseen, the tunnel is refused)."""

    _LIMIT = 64 * 1024

    def __init__(self, loop: asyncio.AbstractEventLoop, proxy: Proxy) -> None:
        self.head: asyncio.Future[tuple[int, str]] = loop.create_future()
        self.extra = 0
        self._proxy = proxy
        self._buffer = b""

    def data_received(self, data: bytes) -> None:
        if self.head.done():
            self.extra += len(data)
            return
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > self._LIMIT:
                self._fail("sent an answer to CONNECT over 64 KiB")
            return
        self.extra = len(self._buffer) - end - 4
        status_line = self._buffer[: self._buffer.find(b"\r\n")].decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            self._fail(f"sent a malformed answer to CONNECT: {status_line[:100]!r}")
            return
        self.head.set_result((int(parts[1]), parts[2] if len(parts) > 2 else ""))

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail("closed the connection before it answered CONNECT")

    def _fail(self, what: str) -> None:
        if not self.head.done():
            self.head.set_exception(
                ConnectionFailedError(f"the proxy {self._proxy.display} {what}")
            )


class _StreamedBody:
    """The body of a streamed response as it arrives: chunks queued until read. Reading
    from the socket pauses while more than ``_STREAM_HIGH_WATER`` bytes wait, and
    resumes once the reader took them all; each wait for a chunk is bounded by the read
    timeout (a reader slower than the server never times out: it is not waiting)."""

    __slots__ = ("_buffered", "_chunks", "_connection", "_paused", "_read", "_waiter", "complete", "error")

    def __init__(self, connection: _Connection, read_timeout: float) -> None:
        self._connection = connection
        self._read = read_timeout
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        #: The whole body arrived (what is queued is all there is).
        self.complete = False
        #: Why it cannot arrive, raised once the queued chunks have been read.
        self.error: TransportError | None = None

    def feed(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > _STREAM_HIGH_WATER and not self._paused:
            transport = self._connection.transport
            if transport is not None and not transport.is_closing():
                transport.pause_reading()
                self._paused = True
        self._wake()

    def end(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, error: TransportError) -> None:
        if not self.complete and self.error is None:
            self.error = error
            self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def detach(self) -> None:
        """Reading from the socket resumes: what was queued has been read, or the
        connection goes back to the pool with its body all here, read or not (its next
        response must be read)."""
        if self._paused:
            self._paused = False
            transport = self._connection.transport
            if transport is not None and not transport.is_closing():
                transport.resume_reading()

    async def next(self) -> bytes | None:
        """The next chunk, or None at the end of the body."""
        if self._waiter is not None:
            raise RuntimeError("another task is reading this response body")
        while not self._chunks:
            if self.error is not None:
                raise self.error
            if self.complete:
                return None
            connection = self._connection
            self._waiter = connection.loop_future()
            try:
                async with asyncio.timeout(self._read):
                    await self._waiter
            except TimeoutError:
                self.fail(
                    ReadTimeoutError(
                        f"no data from {connection.origin.name} in time (nothing of the "
                        f"response body received for {self._read:g} s)"
                    )
                )
                connection.close()
            finally:
                self._waiter = None
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if not self._buffered:
            self.detach()
        return chunk


class _StreamedResponse:
    """What ``ConnectionPool.stream`` yields: the head, and the body as it arrives. Holds
    its connection until the body has been read to its end (then it goes back to the
    pool, if the response lets it be reused) or the ``async with`` exits (then it is
    closed, unless it went back already)."""

    def __init__(
        self, sender: ConnectionPool, connection: _Connection, head: TransportResponse
    ) -> None:
        assert connection.body is not None
        self._sender = sender
        self._connection: _Connection | None = connection
        self._body = connection.body
        self._iterated = False
        #: The ``async with`` was left.
        self._closed = False
        #: ... before the body had all arrived: the connection was closed.
        self._abandoned = False
        self.status = head.status
        self.headers: Mapping[str, str] = head.headers

    def __repr__(self) -> str:
        return f"<streamed response {self.status}>"

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        if self._closed:
            raise RuntimeError(STREAM_CLOSED)
        if self._iterated:
            raise RuntimeError("the response body is read once: aiter_bytes() was called already")
        self._iterated = True
        return _Chunks(self)

    async def aread(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in self.aiter_bytes():
            size += len(chunk)
            if size > limit:
                self.close()
                raise too_large(size, limit, self.status, self.headers)
            chunks.append(chunk)
        return b"".join(chunks)

    async def next_chunk(self) -> bytes | None:
        if self._abandoned:
            raise RuntimeError(STREAM_CLOSED)
        chunk = await self._body.next()
        if chunk is None:
            self._release()
        return chunk

    def _release(self) -> None:
        """The whole body was read: the connection goes back to the pool (or is closed,
        if the response or an unfinished request spoilt it)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._body.detach()
            connection.body = None
            self._sender.release(connection)

    def close(self) -> None:
        """Ends the exchange: a connection whose body has not all arrived is closed
        (what is left of it would come ahead of the next response); one whose body is
        all here (an empty one, say), read or not, goes back to the pool."""
        self._closed = True
        if self._body.complete:
            self._release()
            return
        connection, self._connection = self._connection, None
        if connection is not None:
            self._abandoned = True
            connection.reusable = False
            connection.body = None
            self._sender.release(connection)


class _Chunks:
    """``aiter_bytes()``: a plain async iterator, with nothing to finalize when a reader
    stops early (an async generator would be left for the garbage collector)."""

    __slots__ = ("_response",)

    def __init__(self, response: _StreamedResponse) -> None:
        self._response = response

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._response.next_chunk()
        if chunk is None:
            raise StopAsyncIteration
        return chunk


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; at most one exchange in flight."""

    def __init__(self, pool: ConnectionPool, origin: _Origin) -> None:
        self._pool = pool
        self._loop = pool.loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self.uses = 0
        #: loop.time() when it went back to the pool.
        self.idle_since = 0.0
        # the exchange in flight
        self._future: asyncio.Future[TransportResponse] | None = None
        #: One parser for the connection's life: llhttp starts over after each response.
        self._parser = httptools.HttpResponseParser(self)
        self._headers: list[tuple[str, str]] = []
        self._chunks: list[bytes] = []
        self._size = 0
        #: The exchange's Timeouts: body and head limits.
        self._limits = _NO_LIMITS
        #: Bytes of the response head so far: read while it was incomplete, and the
        #: header fields parsed.
        self._head_read = 0
        self._head_parsed = 0
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
        #: The body of a streamed response (``stream()``), from its head until it is
        #: released; None for a whole response.
        self.body: _StreamedBody | None = None
        #: The request body was not sent to its end (the server answered first): the
        #: connection cannot carry another exchange, whatever the response says.
        self._request_cut = False
        #: Polls the socket for :meth:`usable` (made at its first check).
        self._poller: select.poll | None = None

    # ---------------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if self._pool.keepalive:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # A peer (or a NAT) that vanished without a FIN is noticed by the kernel.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)

    def loop_future(self) -> asyncio.Future[None]:
        return self._loop.create_future()

    def usable(self) -> bool:
        """Whether an idle connection can take a request: not closed, and nothing
        waiting on its socket. A server's FIN (or stray bytes) may be in the socket
        before the loop has run ``eof_received``: polled for without blocking. Anything
        readable on an idle connection (a FIN, a TLS close_notify, an unsolicited
        response) means it cannot carry a new exchange. The poll object is made at the
        first check and kept: the check is then one system call, where making and
        registering one each time cost four Python-level calls more per request."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            return False
        poller = self._poller
        if poller is None:
            sock = transport.get_extra_info("socket")
            if sock is None:
                return True
            if not _HAS_POLL:
                readable, _, _ = select.select([sock.fileno()], [], [], 0)  # Windows: no poll
                return not readable
            poller = self._poller = select.poll()
            poller.register(sock.fileno(), select.POLLIN)
        return not poller.poll(0)

    def data_received(self, data: bytes) -> None:
        if self._future is None and self.body is None:
            self.close()  # unsolicited bytes between exchanges: unusable
            return
        self._received = True
        self._last = self._loop.time()
        in_head = not self._headers_done
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
        else:
            if in_head and not self._headers_done:
                # All of it was head (llhttp keeps a field it has not finished): bound
                # what it may buffer, before a field ever reaches on_header.
                self._head_read += len(data)
                if self._head_read > self._limits.max_head:
                    self._fail(self._head_too_large("its size", self._limits.max_head))

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        self._pool.forget(self)
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        body = self.body
        if body is not None and self._headers_done and not body.complete:
            if exc is None and self._close_delimited():
                body.end()  # a clean close ends the body; a reset cuts it short
            else:
                detail = f": {exc!r}" if exc is not None else ""
                body.fail(
                    ConnectionFailedError(
                        f"request to {self.origin.name} failed: the connection closed "
                        f"before the response body was complete{detail}"
                    )
                )
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
        size = len(name) + len(value)
        self._head_parsed += size
        limits = self._limits
        if (
            size > limits.max_field
            or self._head_parsed > limits.max_head
            or len(self._headers) >= limits.max_fields
        ):  # within every limit (the common case) it costs no call per field
            problem = head_field_problem(name, size, self._head_parsed, len(self._headers), limits)
            if problem is not None:
                raise self._head_too_large(*problem)
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_status(self, status: bytes) -> None:
        if len(status) > self._limits.max_field:
            raise self._head_too_large("the status line", self._limits.max_field)

    def _head_too_large(self, what: str, limit: int) -> TransportError:
        return head_too_large(what, limit, self._parser.get_status_code() or None)

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # 100 Continue, 103 Early Hints: not the response
            self._interim = True
            self._headers = []
            self._head_read = self._head_parsed = 0
            return
        self._status = status
        self._headers_done = True
        if self._head_only:
            self.reusable = False  # llhttp would wait for the announced body
            self._finish()
            if self.body is not None:
                self.body.end()
            return
        if self.body is not None:
            self._finish()  # the head is what the caller waits for: the body streams
            return
        if status in (204, 304):  # no body, whatever Content-Length announces
            return
        headers = self._headers
        for name, value in headers:
            if len(name) == 14 and name.lower() == "content-length":
                limit = self._limits.max_body
                if value.isdigit() and int(value) > limit:
                    raise too_large(int(value), limit, status, multidict.CIMultiDict(headers))
                break

    def on_body(self, body: bytes) -> None:
        if self._head_only:
            return
        if self.body is not None:
            self.body.feed(body)
            return
        self._size += len(body)
        if self._size > self._limits.max_body:
            raise too_large(
                self._size, self._limits.max_body, self._status, multidict.CIMultiDict(self._headers)
            )
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        body = self.body
        if body is not None:
            if not body.complete:
                self.reusable = bool(self._parser.should_keep_alive()) and not self._request_cut
                body.end()
            return
        if self._future is not None and not self._future.done():
            self.reusable = bool(self._parser.should_keep_alive()) and not self._request_cut
            self._finish()

    # ---------------------------------------------------------------- the exchange

    async def exchange(
        self,
        head: bytes,
        body: bytes | CountedChunks,
        timeouts: Timeouts,
        *,
        head_only: bool = False,
        stream: bool = False,
        written: Callable[[], None] | None = None,
    ) -> TransportResponse:
        """Sends one request and returns its whole response, or with ``stream`` its head
        (status and headers), the body then arriving in :attr:`body`. ``head_only`` is
        for HEAD, whose response announces a body it does not have; ``written`` is
        called as the request's first byte is handed to the connection."""
        transport = self.transport
        assert transport is not None
        loop = self._loop
        if self.closed or transport.is_closing():
            # Closed between the pool's check and now: nothing was sent on it.
            raise _StaleConnection(
                f"request to {self.origin.name} failed: the connection closed before the "
                "request was sent"
            )
        self.uses += 1
        self.reusable = False
        future: asyncio.Future[TransportResponse] = loop.create_future()
        self._future = future
        self._headers = []
        self._chunks = []
        self._size = 0
        self._limits = timeouts
        self._head_read = self._head_parsed = 0
        self._headers_done = False
        self._interim = False
        self._received = False
        self._head_only = head_only
        self._request_cut = False
        self.body = _StreamedBody(self, timeouts.read) if stream else None
        self._read_timeout = timeouts.read
        self._last = now = loop.time()
        self._timer = loop.call_at(now + timeouts.read, self._check_progress)
        if written is not None:
            written()
        try:
            if isinstance(body, CountedChunks):
                await self._upload(transport, head, body, future)
            elif len(body) <= _ONE_WRITE:
                transport.write(head + body if body else head)
            else:
                transport.write(head)
                view = memoryview(body)
                for start in range(0, len(body), _CHUNK):
                    if not await self._room(future):
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

    async def _upload(
        self,
        transport: asyncio.Transport,
        head: bytes,
        chunks: CountedChunks,
        future: asyncio.Future[TransportResponse],
    ) -> None:
        """Writes the head, then each chunk of a streamed body once the socket has room
        for it (pause_writing/resume_writing), so that no more than one chunk and
        asyncio's high-water mark are ever held. Stops early, the connection spoilt,
        when the server answers first or the connection goes. The source is finalized
        whatever happens."""
        transport.write(head)
        loop = self._loop
        try:
            async for chunk in chunks:
                if not await self._room(future):
                    return
                transport.write(chunk)
                self._last = loop.time()  # the source's time is not the server's
        except BaseException:
            self._request_cut = True
            self.reusable = False
            raise
        finally:
            await chunks.aclose()

    async def _room(self, future: asyncio.Future[TransportResponse]) -> bool:
        """Waits until the socket takes more of an upload (pause_writing and
        resume_writing); False if the upload must stop: answered early (an error) or
        the connection gone. The rest of the body is then never sent, so the
        connection cannot be reused."""
        if self._paused:
            self._drain = self._loop.create_future()
            await self._drain
            self._drain = None
        if future.done() or self.closed:
            self._request_cut = True
            self.reusable = False
            return False
        return True

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

    def _wake_writer(self) -> None:
        """An upload waiting for the socket to drain stops waiting: the response is
        here (or the exchange failed), and the rest of the body is not sent."""
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def _finish(self) -> None:
        self._wake_writer()
        future = self._future
        if future is not None and not future.done():
            future.set_result(
                TransportResponse(self._status, multidict.CIMultiDict(self._headers), b"".join(self._chunks))
            )

    def _fail(self, exc: TransportError) -> None:
        self._wake_writer()
        self.reusable = False
        future = self._future
        if future is not None and not future.done():
            future.set_exception(exc)
        elif self.body is not None:
            self.body.fail(exc)
        self.close()

    def abandon(self) -> None:
        """Closes the socket without the event loop it was opened on, which has been
        closed (a client used again from a second ``asyncio.run()``): that loop can run
        no callback, so ``abort()`` cannot. asyncio has no public way to do this; its
        transports' ``_call_connection_lost`` closes the socket first thing and needs
        no loop (stable since Python 3.4). Without it, the garbage collector closes the
        socket later."""
        self.closed = True
        self.reusable = False
        transport = self.transport
        if transport is None:
            return
        inner: object = transport
        # Down through the TLS layers (TLS, or TLS in a tunnel over TLS) to the socket's.
        while (layer := getattr(getattr(inner, "_ssl_protocol", None), "_transport", None)) is not None:
            inner = layer
        lost = getattr(inner, "_call_connection_lost", None)
        if lost is not None and getattr(inner, "_sock", None) is not None:
            with contextlib.suppress(RuntimeError):  # it tells the closed loop, too
                lost(None)

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None:
            # abort(), not close(): close() would first send what is still buffered,
            # which never happens while a stalled server reads nothing (the read timeout
            # or a cancellation then left the exchange and its pool slot hanging).
            self.transport.abort()


class ConnectionPool:
    """Sends over pooled HTTP/1.1 connections owned by one awsmith client (asyncio)."""

    def __init__(
        self,
        *,
        max_connections: int,
        verify_tls: bool = True,
        tls: ssl.SSLContext | None = None,
        idle_timeout: float = 20.0,
        ca_file: str = "",
        proxies: ProxySettings = NO_PROXIES,
        proxy_tls: ssl.SSLContext | None = None,
        keepalive: bool = False,
    ) -> None:
        """``tls`` is the context for https origins; without one (a client made for a
        plain-http endpoint) it is made from ``ca_file`` at the first https connection,
        if any. ``idle_timeout``: seconds an unused connection is kept for reuse.
        ``proxies``: the client's proxies; ``proxy_tls`` the context for ``https://``
        proxies (else ``tls``). ``keepalive``: TCP keepalive (``SO_KEEPALIVE``) on
        every connection, off by default as in botocore (its ``tcp_keepalive``)."""
        self.loop = asyncio.get_running_loop()
        self._limit = max_connections
        self._verify = verify_tls
        self._ca_file = ca_file
        self._tls = tls
        self._proxies = proxies
        self._proxy_tls = proxy_tls
        self.keepalive = keepalive
        self._idle_timeout = idle_timeout
        self._origins: dict[str, _Origin] = {}
        self._idle: dict[tuple[str, str, int, Proxy | None], list[_Connection]] = {}
        #: Connections open or being opened; never more than the limit.
        self._open = 0
        #: Callers waiting for a connection, first come first served. A waiter's future
        #: gets a connection to its origin, or None: a slot was reserved for it.
        self._waiters: deque[tuple[_Origin, asyncio.Future[_Connection | None]]] = deque()
        self._closed = False
        self._all: set[_Connection] = set()

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
        """Sends ``method url`` (path and query already percent-encoded, as signed) with
        ``headers`` as given plus ``Host`` and ``Content-Length``; returns the whole
        response. Every failure is a :class:`TransportError`. ``resend``: the request is
        safe to repeat, so a kept-alive connection found closed before any response
        byte is not an error, the request goes once more on a new connection.
        ``written`` is called as its first byte goes to a connection."""
        origin, target = self._origin_of(url)
        length = len(body) if body or method not in BODYLESS else None
        head = self._head(method, origin, target, headers, length)
        connection, response = await self._exchange(
            origin, head, body, timeouts, method == "HEAD", resend, False, written
        )
        self._release(connection)
        return response

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
        """``HttpSender.stream`` (see :mod:`awsmith._core.transport.http`): the
        response once its head is here, the body read from it as it arrives."""
        check_stream_url(url)
        origin, target = self._origin_of(url)
        sent: bytes | CountedChunks
        if isinstance(body, StreamBody):
            sent = body.counted(f"{method} {display_url(url)}")
            length: int | None = body.length
        else:
            sent = body
            length = len(body) if body or method not in BODYLESS else None
        head = self._head(method, origin, target, headers, length)
        connection, response = await self._exchange(
            origin, head, sent, timeouts, method == "HEAD", resend, True, written
        )
        streamed = _StreamedResponse(self, connection, response)
        try:
            yield streamed
        finally:
            streamed.close()

    def _origin_of(self, url: str) -> tuple[_Origin, str]:
        """The origin of ``url`` (parsed once per origin) and its request target."""
        origin_text, target = split_url(url)
        origin = self._origins.get(origin_text)
        if origin is None:
            origin = self._origins[origin_text] = _Origin(origin_text, self._proxies)
        return origin, target

    @staticmethod
    def _head(
        method: str, origin: _Origin, target: str, headers: Mapping[str, str], length: int | None
    ) -> bytes:
        """The request line and header fields: ``Host`` first, then ``headers`` in their
        order, then ``Content-Length`` (if ``length`` is not None). A line break in any
        of them is refused: it would end the head early (request smuggling)."""
        if origin.forward:
            assert origin.proxy is not None
            lines = [f"{method} {origin.name}{target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
            if origin.proxy.authorization:
                lines.append(f"Proxy-Authorization: {origin.proxy.authorization}\r\n")
        else:
            lines = [f"{method} {target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
        for name, value in headers.items():
            lines.append(f"{name}: {value}\r\n")
        if length is not None:
            lines.append(f"Content-Length: {length}\r\n")
        lines.append("\r\n")
        count = len(lines) + 1  # the first holds the request line and Host
        text = "".join(lines)
        if text.count("\n") != count or text.count("\r") != count:
            raise ConnectionFailedError(
                f"refusing to send a request to {origin.name}: a header or the path "
                "holds a line break"
            )
        return text.encode("utf-8")

    async def _exchange(
        self,
        origin: _Origin,
        head: bytes,
        body: bytes | CountedChunks,
        timeouts: Timeouts,
        head_only: bool,
        resend: bool,
        stream: bool,
        written: Callable[[], None] | None,
    ) -> tuple[_Connection, TransportResponse]:
        """One request on a pooled connection: the connection (still held: the caller
        releases it) and the response, whole or (``stream``) its head. ``written`` as
        for :meth:`send`: called on each connection the request is written to."""
        for attempt in (1, 2):
            connection = await self._acquire(origin, timeouts)
            try:
                response = await connection.exchange(
                    head, body, timeouts, head_only=head_only, stream=stream, written=written
                )
            except _StaleConnection as exc:
                self._release(connection)
                # The connections idle beside it were most likely dropped too: close
                # them, so that no later request meets them.
                for idle in self._idle.pop(origin.key, ()):
                    idle.close()
                taken = isinstance(body, CountedChunks) and body.started
                if attempt == 2 or not resend or taken:
                    # Not repeated on its own: the server may have acted on it (or a
                    # streamed body was taken, and cannot be sent again).
                    raise ConnectionFailedError(str(exc)) from None
                continue
            except BaseException:
                connection.body = None
                self._release(connection)
                raise
            if response.status == 407 and origin.forward:
                if stream:  # its body unread
                    connection.body = None
                    connection.reusable = False
                self._release(connection)
                assert origin.proxy is not None
                raise ConnectionFailedError(
                    f"the proxy {origin.proxy.display} refused the request to "
                    f"http://{origin.authority}: 407 Proxy Authentication Required"
                )
            return connection, response
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------- the pool

    async def _acquire(self, origin: _Origin, timeouts: Timeouts) -> _Connection:
        """An idle connection to ``origin``, else a new one, else a place in line for
        the first to come free within ``connect_timeout`` (then ``ConnectTimeoutError``).
        Nobody passes a caller already waiting."""
        if self._closed:
            raise ConnectionFailedError("the HTTP connection pool is closed")
        # An idle connection to this origin is nobody else's: a waiter for the same
        # origin would have been handed it when it came back.
        connection = self._idle_connection(origin)
        if connection is not None:
            return connection
        if not self._waiters and self._open < self._limit:
            self._open += 1
            return await self._connect_reserved(origin, timeouts)
        if self._open >= self._limit:
            # Idle connections to other origins hold slots the line needs: one is
            # closed, and its slot goes to the first in line (this caller, or earlier).
            self._drop_one_idle()
        waiter: asyncio.Future[_Connection | None] = self.loop.create_future()
        entry = (origin, waiter)
        self._waiters.append(entry)
        try:
            async with asyncio.timeout(timeouts.connect):
                given = await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self._pass_on(waiter.result())  # given just as we gave up: not lost
            else:
                with contextlib.suppress(ValueError):  # already skipped by _pass_on
                    self._waiters.remove(entry)
            if isinstance(exc, TimeoutError):
                raise ConnectTimeoutError(
                    f"no connection to {origin.name} came free within "
                    f"{timeouts.connect:g} s (max_pool_connections={self._limit}, all busy)"
                ) from None
            raise
        if self._closed:
            self._pass_on(given)
            raise ConnectionFailedError("the HTTP connection pool is closed")
        if given is not None:
            return given
        return await self._connect_reserved(origin, timeouts)

    def _idle_connection(self, origin: _Origin) -> _Connection | None:
        """The most recently used idle connection to ``origin`` that is still good;
        expired or closed ones met on the way are closed."""
        idle = self._idle.get(origin.key)
        oldest = self.loop.time() - self._idle_timeout
        while idle:
            connection = idle.pop()
            if connection.idle_since >= oldest and connection.usable():
                return connection
            connection.close()  # its connection_lost frees the slot
        return None

    def _drop_one_idle(self) -> None:
        """Closes the least recently used live idle connection (its slot is freed by its
        ``connection_lost``); dead ones met on the way are only pruned, since their
        slots are free already."""
        for key in list(self._idle):
            idle = self._idle[key]
            while idle:
                connection = idle.pop(0)
                if not connection.closed:
                    connection.close()
                    if not idle:
                        del self._idle[key]
                    return
            del self._idle[key]

    async def _connect_reserved(self, origin: _Origin, timeouts: Timeouts) -> _Connection:
        """Connects in a slot already counted in ``_open``; gives the slot back on failure."""
        try:
            return await self._connect(origin, timeouts)
        except BaseException:
            self._open -= 1
            self._slot_freed()
            raise

    async def _connect(self, origin: _Origin, timeouts: Timeouts) -> _Connection:
        connection = _Connection(self, origin)
        proxy = origin.proxy
        try:
            async with asyncio.timeout(timeouts.connect):
                if proxy is None:
                    await self.loop.create_connection(
                        lambda: connection,
                        origin.host,
                        origin.port,
                        ssl=self._tls_context() if origin.tls else None,
                        server_hostname=origin.host if origin.tls else None,
                        happy_eyeballs_delay=_happy_eyeballs_delay(origin.host),
                    )
                elif not origin.tls:
                    await self._to_proxy(proxy, lambda: connection)
                else:
                    await self._tunnel(origin, proxy, connection)
        except BaseException as exc:
            connection.close()  # if it was made just as the timeout struck
            if isinstance(exc, TimeoutError):
                via = f" through the proxy {proxy.display}" if proxy is not None else ""
                raise ConnectTimeoutError(f"connecting to {origin.name}{via} timed out") from exc
            if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS (ssl.SSLError)
                raise ConnectionFailedError(f"request to {origin.name} failed: {exc!r}") from exc
            if isinstance(exc, UnicodeError):  # a host name IDNA cannot encode
                raise ConnectionFailedError(
                    f"request to {origin.name} failed: invalid host name: {exc}"
                ) from exc
            raise
        self._all.add(connection)
        return connection

    async def _to_proxy(
        self, proxy: Proxy, factory: Callable[[], asyncio.Protocol]
    ) -> asyncio.Transport:
        """A connection to the proxy itself (TLS for an https:// proxy)."""
        try:
            transport, _ = await self.loop.create_connection(
                factory,
                proxy.host,
                proxy.port,
                ssl=self._proxy_tls_context() if proxy.scheme == "https" else None,
                server_hostname=proxy.host if proxy.scheme == "https" else None,
                happy_eyeballs_delay=_happy_eyeballs_delay(proxy.host),
            )
        except OSError as exc:
            raise ConnectionFailedError(
                f"cannot connect to the proxy {proxy.display}: {exc!r}"
            ) from exc
        return transport

    async def _tunnel(self, origin: _Origin, proxy: Proxy, connection: _Connection) -> None:
        """``CONNECT`` through the proxy, then TLS with the origin over the tunnel."""
        reader = _TunnelReader(self.loop, proxy)
        transport = await self._to_proxy(proxy, lambda: reader)
        try:
            request = f"CONNECT {origin.authority} HTTP/1.1\r\nHost: {origin.authority}\r\n"
            if proxy.authorization:
                request += f"Proxy-Authorization: {proxy.authorization}\r\n"
            transport.write((request + "\r\n").encode("ascii"))  # _Origin: ASCII hosts only
            status, reason = await reader.head
            if not 200 <= status < 300:
                raise ConnectionFailedError(
                    f"the proxy {proxy.display} refused to connect to {origin.authority}: "
                    f"{status} {reason}".rstrip()
                )
            if reader.extra:
                # RFC 9110 9.3.6: after a 2xx the connection is the tunnel, and a TLS
                # server speaks only after the client's hello.
                raise ConnectionFailedError(
                    f"the proxy {proxy.display} sent {reader.extra} bytes after its "
                    f"{status} answer to CONNECT {origin.authority}, before the TLS "
                    "handshake: not a tunnel awsmith can use"
                )
            tls = await self.loop.start_tls(
                transport, connection, self._tls_context(), server_hostname=origin.host
            )
        except BaseException:
            transport.abort()
            raise
        assert tls is not None
        connection.connection_made(tls)

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = tls_context(self._verify, self._ca_file)
        return self._tls

    def _proxy_tls_context(self) -> ssl.SSLContext:
        return self._proxy_tls or self._tls_context()

    def _release(self, connection: _Connection) -> None:
        if connection.reusable and not connection.closed and not self._closed:
            self._pass_on(connection)
        else:
            connection.close()  # connection_lost then frees its slot

    #: For a streamed response, once its body is read (or abandoned).
    release = _release

    def _pass_on(self, given: _Connection | None) -> None:
        """A connection back from use, or a reserved slot nobody took: to the longest
        waiter if it can use it, else idle (a connection) or freed (a slot)."""
        if given is None:
            self._open -= 1
            self._slot_freed()
            return
        transport = given.transport
        if self._closed or given.closed or transport is None or transport.is_closing():
            given.close()  # its connection_lost frees the slot, for the first in line
            return
        while self._waiters:
            origin, waiter = self._waiters[0]
            if waiter.done():  # cancelled or timed out: it removes itself; skip it here
                self._waiters.popleft()
                continue
            if origin.key == given.origin.key:
                self._waiters.popleft()
                waiter.set_result(given)
                return
            # The first in line wants another origin: this connection's slot is worth
            # more to it than the connection is to anyone else.
            given.close()
            return
        given.idle_since = self.loop.time()
        self._idle.setdefault(given.origin.key, []).append(given)

    def forget(self, connection: _Connection) -> None:
        """Frees a closed connection's slot (from its ``connection_lost``)."""
        idle = self._idle.get(connection.origin.key)
        if idle is not None and connection in idle:
            idle.remove(connection)
        if connection in self._all:
            self._all.discard(connection)
            self._open -= 1
            self._slot_freed()

    def _slot_freed(self) -> None:
        """A slot below the limit is free: reserved for the longest waiter, if any."""
        while self._waiters and self._open < self._limit:
            _, waiter = self._waiters.popleft()
            if not waiter.done():
                self._open += 1
                waiter.set_result(None)
                return

    def abandon(self) -> None:
        """Drops the pool of a closed event loop without using it (see
        :meth:`_Connection.abandon`); the client makes a new one on the running loop."""
        self._closed = True
        self._idle.clear()
        self._waiters.clear()
        for connection in list(self._all):
            connection.abandon()
        self._all.clear()
        self._open = 0

    async def close(self) -> None:
        if self.loop.is_closed() or self.loop is not asyncio.get_running_loop():
            self.abandon()  # the loop its connections belong to can run nothing more
            return
        self._closed = True
        self._idle.clear()
        for connection in list(self._all):
            connection.close()
        while self._waiters:
            _, waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # it sees the pool closed and gives the slot back
                self._open += 1
        # Let the transports' connection_lost run, so sockets are closed on return.
        await asyncio.sleep(0)


def _happy_eyeballs_delay(host: str) -> float | None:
    """Happy eyeballs (RFC 8305, 250 ms between attempts) for a host name, which may
    resolve to several addresses; none for an IP address, which is one: asyncio would
    still race it through ``staggered_race``, whose tasks CPython 3.11 cancels without
    waiting for them when the connect is cancelled (they outlive the cancelled call)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return 0.25
    return None
