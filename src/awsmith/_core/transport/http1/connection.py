"""One HTTP/1.1 connection (an ``asyncio.Protocol``) and the exchange on it: the request
written (a small body with the head in one write, a large or streamed one as the socket
takes it), the response read by llhttp (through ``httptools``) with its limits checked
while it arrives, and the read timeout measured from the last progress either way.

The state of one request lives in a :class:`_Request` made for it, from the request's
first byte until its response is done with (a streamed body's reader may outlast
:meth:`Connection.exchange`); what outlives requests (the socket, the parser, whether
the connection can be reused) is the connection's. Which connection a request gets is
the pool's decision (:mod:`.pool`).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from awsmith._core.errors import ConnectionFailedError, ReadTimeoutError, TransportError
from awsmith._core.lazymodule import FirstUse
from awsmith._core.transport.http import (
    CountedChunks,
    Timeouts,
    TransportResponse,
    head_field_problem,
    head_too_large,
    too_large,
)
from awsmith._core.transport.http1.body import StreamedBody
from awsmith._core.transport.http1.wire import Origin

if TYPE_CHECKING:
    import httptools
    import multidict
else:
    httptools = FirstUse("httptools", globals())
    multidict = FirstUse("multidict", globals())

#: Bodies up to this size go out in one write with the request head.
_ONE_WRITE = 64 * 1024
_CHUNK = 256 * 1024
_HAS_POLL = hasattr(select, "poll")


class StaleConnection(ConnectionFailedError):
    """A reused connection closed before any byte of the response arrived. The server
    may still have read (and acted on) the request: resent only if safe to repeat."""


class _Owner(Protocol):
    """What a connection needs of its pool (:class:`.pool.ConnectionPool`)."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    @property
    def keepalive(self) -> bool: ...

    def forget(self, connection: Connection) -> None: ...


class _Request:
    """One request's exchange on a connection, made afresh for each: nothing of an
    earlier response can leak into this one, and a new field is never forgotten in a
    reset."""

    __slots__ = (
        "body",
        "chunks",
        "future",
        "head_only",
        "head_parsed",
        "head_read",
        "headers",
        "headers_done",
        "interim",
        "last",
        "limits",
        "received",
        "request_cut",
        "size",
        "status",
    )

    def __init__(
        self,
        future: asyncio.Future[TransportResponse],
        limits: Timeouts,
        head_only: bool,
        body: StreamedBody | None,
        now: float,
    ) -> None:
        #: The response (whole, or its head for a streamed one); done once it is
        #: decided (or the exchange was cancelled).
        self.future = future
        #: Body and head limits, and the read timeout.
        self.limits = limits
        #: HEAD: the response announces a body it does not have.
        self.head_only = head_only
        #: The body of a streamed response (``stream()``), from its head until the
        #: reader is done with it; None for a whole response.
        self.body = body
        #: loop.time() of the last progress either way (for the read timeout).
        self.last = now
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.size = 0
        self.status = 0
        #: Bytes of the response head so far: read while it was incomplete, and the
        #: header fields parsed.
        self.head_read = 0
        self.head_parsed = 0
        self.headers_done = False
        #: Inside an interim (1xx) response, which is not the response.
        self.interim = False
        #: A byte of the response arrived (else a closed kept-alive connection is stale).
        self.received = False
        #: The request body was not sent to its end (the server answered first): the
        #: connection cannot carry another exchange, whatever the response says.
        self.request_cut = False

    def close_delimited(self) -> bool:
        """The response's body ends where the connection does (no length, not chunked)."""
        for name, value in self.headers:
            lowered = name.lower()
            if lowered == "content-length" or (
                lowered == "transfer-encoding" and "chunked" in value.lower()
            ):
                return False
        return True


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; at most one exchange in flight."""

    def __init__(self, pool: _Owner, origin: Origin) -> None:
        self._pool = pool
        self._loop = pool.loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self.uses = 0
        #: loop.time() when it went back to the pool.
        self.idle_since = 0.0
        #: The exchange in flight, or whose streamed body is still being read; None
        #: between exchanges (bytes arriving then are unsolicited).
        self._request: _Request | None = None
        #: One parser for the connection's life: llhttp starts over after each response.
        self._parser = httptools.HttpResponseParser(self)
        #: The read timeout's check, while an exchange is in flight.
        self._timer: asyncio.TimerHandle | None = None
        #: The socket's send buffer is full (pause_writing): an upload waits on _drain.
        self._paused = False
        self._drain: asyncio.Future[None] | None = None
        #: Polls the socket for :meth:`usable` (made at its first check).
        self._poller: select.poll | None = None

    @property
    def body(self) -> StreamedBody | None:
        """The streamed response body arriving on this connection, if any."""
        request = self._request
        return request.body if request is not None else None

    def end_stream(self) -> None:
        """The streamed response is done with (read, abandoned, or its exchange failed):
        whatever arrives from now on is unsolicited."""
        self._request = None

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
        request = self._request
        if request is None:
            self.close()  # unsolicited bytes between exchanges: unusable
            return
        request.received = True
        request.last = self._loop.time()
        in_head = not request.headers_done
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            # A callback below refused the response (too large); llhttp wraps it.
            raised = exc.__context__
            if isinstance(raised, TransportError):
                self._fail(raised)
            else:  # a bug in this module: fail the call with it rather than hang
                self._fail(
                    ConnectionFailedError(f"request to {self.origin.name} failed: {raised!r}")
                )
        except httptools.HttpParserUpgrade:
            self._fail(
                ConnectionFailedError(
                    f"request to {self.origin.name} failed: the server switched protocols unasked"
                )
            )
        except httptools.HttpParserError as exc:
            self._fail(
                ConnectionFailedError(
                    f"request to {self.origin.name} failed: malformed response: {exc}"
                )
            )
        else:
            if in_head and not request.headers_done:
                # All of it was head (llhttp keeps a field it has not finished): bound
                # what it may buffer, before a field ever reaches on_header.
                request.head_read += len(data)
                if request.head_read > request.limits.max_head:
                    self._fail(self._head_too_large("its size", request.limits.max_head))

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        self._pool.forget(self)
        self._wake_writer()
        request = self._request
        if request is None:
            return
        body = request.body
        if body is not None and request.headers_done and not body.complete:
            if exc is None and request.close_delimited():
                body.end()  # a clean close ends the body; a reset cuts it short
            else:
                detail = f": {exc!r}" if exc is not None else ""
                body.fail(
                    ConnectionFailedError(
                        f"request to {self.origin.name} failed: the connection closed "
                        f"before the response body was complete{detail}"
                    )
                )
        if request.future.done():
            return
        if request.headers_done and exc is None and request.close_delimited():
            self._finish(request)  # a clean close ends the body; a reset cuts it short
        elif not request.received and self.uses > 1:
            self._fail(
                StaleConnection(
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
        if self._request is not None:
            self._request.last = self._loop.time()
        self._wake_writer()

    # ---------------------------------------------------------------- parser callbacks
    # Called by llhttp from feed_data in data_received, so with a request in flight.

    def on_message_begin(self) -> None:
        request = self._request
        if request is None or request.future.done():
            # More bytes after the response (llhttp reads on past its end): the parser
            # is inside something else now, so the connection cannot be reused.
            self.reusable = False

    def on_header(self, name: bytes, value: bytes) -> None:
        request = self._request
        assert request is not None
        size = len(name) + len(value)
        request.head_parsed += size
        limits = request.limits
        headers = request.headers
        if (
            size > limits.max_field
            or request.head_parsed > limits.max_head
            or len(headers) >= limits.max_fields
        ):  # within every limit (the common case) it costs no call per field
            problem = head_field_problem(name, size, request.head_parsed, len(headers), limits)
            if problem is not None:
                raise self._head_too_large(*problem)
        headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_status(self, status: bytes) -> None:
        request = self._request
        assert request is not None
        if len(status) > request.limits.max_field:
            raise self._head_too_large("the status line", request.limits.max_field)

    def _head_too_large(self, what: str, limit: int) -> TransportError:
        return head_too_large(what, limit, self._parser.get_status_code() or None)

    def on_headers_complete(self) -> None:
        request = self._request
        assert request is not None
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # 100 Continue, 103 Early Hints: not the response
            request.interim = True
            request.headers = []
            request.head_read = request.head_parsed = 0
            return
        request.status = status
        request.headers_done = True
        if request.head_only:
            self.reusable = False  # llhttp would wait for the announced body
            self._finish(request)
            if request.body is not None:
                request.body.end()
            return
        if request.body is not None:
            self._finish(request)  # the head is what the caller waits for: the body streams
            return
        if status in (204, 304):  # no body, whatever Content-Length announces
            return
        headers = request.headers
        for name, value in headers:
            if len(name) == 14 and name.lower() == "content-length":
                limit = request.limits.max_body
                if value.isdigit() and int(value) > limit:
                    raise too_large(int(value), limit, status, multidict.CIMultiDict(headers))
                break

    def on_body(self, body: bytes) -> None:
        request = self._request
        assert request is not None
        if request.head_only:
            return
        if request.body is not None:
            request.body.feed(body)
            return
        request.size += len(body)
        if request.size > request.limits.max_body:
            raise too_large(
                request.size,
                request.limits.max_body,
                request.status,
                multidict.CIMultiDict(request.headers),
            )
        request.chunks.append(body)

    def on_message_complete(self) -> None:
        request = self._request
        assert request is not None
        if request.interim:
            request.interim = False
            return
        body = request.body
        if body is not None:
            if not body.complete:
                self.reusable = bool(self._parser.should_keep_alive()) and not request.request_cut
                body.end()
            return
        if not request.future.done():
            self.reusable = bool(self._parser.should_keep_alive()) and not request.request_cut
            self._finish(request)

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
            raise StaleConnection(
                f"request to {self.origin.name} failed: the connection closed before the "
                "request was sent"
            )
        self.uses += 1
        self.reusable = False
        future: asyncio.Future[TransportResponse] = loop.create_future()
        now = loop.time()
        streamed = StreamedBody(self, timeouts.read) if stream else None
        request = self._request = _Request(future, timeouts, head_only, streamed, now)
        self._timer = loop.call_at(now + timeouts.read, self._check_progress)
        if written is not None:
            written()
        try:
            if isinstance(body, CountedChunks):
                await self._upload(transport, head, body, request)
            elif len(body) <= _ONE_WRITE:
                transport.write(head + body if body else head)
            else:
                transport.write(head)
                view = memoryview(body)
                for start in range(0, len(body), _CHUNK):
                    if not await self._room(request):
                        break
                    transport.write(view[start : start + _CHUNK])
            return await future
        finally:
            self._timer.cancel()
            self._timer = None
            if not future.done():  # cancelled mid-exchange: the connection is unusable
                future.cancel()
                self.reusable = False
            if streamed is None:
                self._request = None  # a streamed body's reader ends it (end_stream)

    async def _upload(
        self,
        transport: asyncio.Transport,
        head: bytes,
        chunks: CountedChunks,
        request: _Request,
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
                if not await self._room(request):
                    return
                transport.write(chunk)
                request.last = loop.time()  # the source's time is not the server's
        except BaseException:
            request.request_cut = True
            self.reusable = False
            raise
        finally:
            await chunks.aclose()

    async def _room(self, request: _Request) -> bool:
        """Waits until the socket takes more of an upload (pause_writing and
        resume_writing); False if the upload must stop: answered early (an error) or
        the connection gone. The rest of the body is then never sent, so the
        connection cannot be reused."""
        if self._paused:
            self._drain = self._loop.create_future()
            await self._drain
            self._drain = None
        if request.future.done() or self.closed:
            request.request_cut = True
            self.reusable = False
            return False
        return True

    def _check_progress(self) -> None:
        request = self._request
        assert request is not None
        read = request.limits.read
        idle = self._loop.time() - request.last
        if idle >= read:
            self._fail(
                ReadTimeoutError(
                    f"no response from {self.origin.name} in time "
                    f"(nothing sent or received for {read:g} s)"
                )
            )  # which closes the connection
        else:
            self._timer = self._loop.call_at(request.last + read, self._check_progress)

    def _wake_writer(self) -> None:
        """An upload waiting for the socket to drain stops waiting: the response is
        here (or the exchange failed), and the rest of the body is not sent."""
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def _finish(self, request: _Request) -> None:
        self._wake_writer()
        future = request.future
        if not future.done():
            future.set_result(
                TransportResponse(
                    request.status, multidict.CIMultiDict(request.headers), b"".join(request.chunks)
                )
            )

    def _fail(self, exc: TransportError) -> None:
        self._wake_writer()
        self.reusable = False
        request = self._request
        if request is not None:
            if not request.future.done():
                request.future.set_exception(exc)
            elif request.body is not None:
                request.body.fail(exc)
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
        while (
            layer := getattr(getattr(inner, "_ssl_protocol", None), "_transport", None)
        ) is not None:
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
