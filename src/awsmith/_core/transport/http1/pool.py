"""The connection pool (:class:`ConnectionPool`, awsmith's default sender): which
connection, or slot for a new one, each request gets, and the request sent on it.

A caller first takes an idle connection to its origin (nobody else can want it).
Every other decision (a slot for a new connection or a place in line, who gets a
connection or slot that comes free, an idle connection closed to make room) is
:meth:`ConnectionPool._assign`'s, the only place the count of slots in use changes.
A kept-alive connection found closed before any byte of its response is resent once
on a new connection, only if the caller says the request is safe to repeat.
Connections are opened by :mod:`.connect` and speak HTTP/1.1 in :mod:`.connection`;
the package's docstring says what the sender does, and where.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping

from awsmith._core.errors import ConnectionFailedError, ConnectTimeoutError
from awsmith._core.transport.http import (
    BODYLESS,
    STREAM_CLOSED,
    CountedChunks,
    StreamBody,
    Timeouts,
    TransportResponse,
    check_stream_url,
    display_url,
    split_url,
    too_large,
)
from awsmith._core.transport.http1.connect import connect
from awsmith._core.transport.http1.connection import Connection, StaleConnection
from awsmith._core.transport.http1.wire import Origin, request_head
from awsmith._core.transport.proxy import NO_PROXIES, Proxy, ProxySettings
from awsmith._core.transport.tls import tls_context


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
        self._origins: dict[str, Origin] = {}
        self._idle: dict[tuple[str, str, int, Proxy | None], list[Connection]] = {}
        #: Connections open or being opened; never more than the limit.
        self._open = 0
        #: Callers waiting for a connection, first come first served. A waiter's future
        #: gets a connection to its origin, or None: a slot was reserved for it.
        self._waiters: deque[tuple[Origin, asyncio.Future[Connection | None]]] = deque()
        self._closed = False
        self._all: set[Connection] = set()

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
        head = request_head(method, origin, target, headers, length)
        connection, response = await self._exchange(
            origin, head, body, timeouts, method == "HEAD", resend, False, written
        )
        self.release(connection)
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
        head = request_head(method, origin, target, headers, length)
        connection, response = await self._exchange(
            origin, head, sent, timeouts, method == "HEAD", resend, True, written
        )
        streamed = _StreamedResponse(self, connection, response)
        try:
            yield streamed
        finally:
            streamed.close()

    def _origin_of(self, url: str) -> tuple[Origin, str]:
        """The origin of ``url`` (parsed once per origin) and its request target."""
        origin_text, target = split_url(url)
        origin = self._origins.get(origin_text)
        if origin is None:
            origin = self._origins[origin_text] = Origin(origin_text, self._proxies)
        return origin, target

    async def _exchange(
        self,
        origin: Origin,
        head: bytes,
        body: bytes | CountedChunks,
        timeouts: Timeouts,
        head_only: bool,
        resend: bool,
        stream: bool,
        written: Callable[[], None] | None,
    ) -> tuple[Connection, TransportResponse]:
        """One request on a pooled connection: the connection (still held: the caller
        releases it) and the response, whole or (``stream``) its head. ``written`` as
        for :meth:`send`: called on each connection the request is written to."""
        for attempt in (1, 2):
            connection = await self._acquire(origin, timeouts)
            try:
                response = await connection.exchange(
                    head, body, timeouts, head_only=head_only, stream=stream, written=written
                )
            except StaleConnection as exc:
                self.release(connection)
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
                connection.end_stream()
                self.release(connection)
                raise
            if response.status == 407 and origin.forward:
                if stream:  # its body unread
                    connection.end_stream()
                    connection.reusable = False
                self.release(connection)
                assert origin.proxy is not None
                raise ConnectionFailedError(
                    f"the proxy {origin.proxy.display} refused the request to "
                    f"http://{origin.authority}: 407 Proxy Authentication Required"
                )
            return connection, response
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------- the pool

    async def _acquire(self, origin: Origin, timeouts: Timeouts) -> Connection:
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
        if self._assign(None, origin):
            return await self._connect_reserved(origin, timeouts)
        waiter: asyncio.Future[Connection | None] = self.loop.create_future()
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

    def _idle_connection(self, origin: Origin) -> Connection | None:
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

    async def _connect_reserved(self, origin: Origin, timeouts: Timeouts) -> Connection:
        """Connects in a slot already counted in ``_open``; gives the slot back on failure."""
        try:
            return await self._connect(origin, timeouts)
        except BaseException:
            self._pass_on(None)
            raise

    async def _connect(self, origin: Origin, timeouts: Timeouts) -> Connection:
        """A new connection to ``origin`` (see :mod:`.connect`) within the connect
        timeout; every failure a :class:`TransportError` naming the origin."""
        connection = Connection(self, origin)
        try:
            async with asyncio.timeout(timeouts.connect):
                await connect(
                    self.loop, origin, connection, self._tls_context, self._proxy_tls_context
                )
        except BaseException as exc:
            connection.close()  # if it was made just as the timeout struck
            if isinstance(exc, TimeoutError):
                proxy = origin.proxy
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

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = tls_context(self._verify, self._ca_file)
        return self._tls

    def _proxy_tls_context(self) -> ssl.SSLContext:
        return self._proxy_tls or self._tls_context()

    def release(self, connection: Connection) -> None:
        """A connection back from an exchange (for a streamed response, once its body
        is read or abandoned): kept for the next request if it can be, else closed."""
        if connection.reusable and not connection.closed and not self._closed:
            self._pass_on(connection)
        else:
            connection.close()  # connection_lost then frees its slot

    def _pass_on(self, given: Connection | None) -> None:
        """A connection back from use, or (None) a slot that came free: a connection
        closed, a connect failed, a slot reserved for a waiter went unused."""
        if given is None:
            self._assign(None, None, 1)
        else:
            self._assign(given)

    def _assign(
        self, given: Connection | None, wanted: Origin | None = None, freed: int = 0
    ) -> bool:
        """Every decision on who gets a connection or a slot for a new one, and the only
        place ``_open`` (slots in use: connections open or being opened, and slots
        reserved for a waiter) changes. One event per call (positional: this runs for
        every request); True when ``wanted`` got its slot.

        * ``wanted``, a caller with no idle connection to that origin, asks for a slot.
          It gets one below the limit if nobody is in line; else it joins the line,
          and at the limit an idle connection to another origin is closed first (its
          ``connection_lost`` frees the slot, which goes to the first in line).
        * ``given``, a connection back from use, goes to the first in line if it wants
          the connection's origin; if it wants another, the connection is closed (its
          slot is worth more to that waiter than the connection to anyone else);
          with nobody in line it goes idle. A closed or closing one is closed.
        * Else ``freed`` slots came free (a connection closed, a connect failed, a slot
          reserved for a waiter went unused): one goes to the first in line still
          waiting, reserved for it (its future gets None and it connects).
        * Once the pool is closed, each waiter is woken with a slot, sees the pool
          closed and gives the slot back; a connection back is closed.
        """
        waiters = self._waiters
        self._open -= freed
        if self._closed:
            if given is not None:
                given.close()  # its connection_lost frees the slot
            while waiters:
                _, waiter = waiters.popleft()
                if not waiter.done():
                    self._open += 1
                    waiter.set_result(None)
            return False
        if wanted is not None:
            if not waiters and self._open < self._limit:
                self._open += 1
                return True
            if self._open >= self._limit:
                self._drop_one_idle()
            return False
        if given is not None:
            transport = given.transport
            if given.closed or transport is None or transport.is_closing():
                given.close()  # its connection_lost frees the slot, for the first in line
                return False
            while waiters:
                origin, waiter = waiters[0]
                if waiter.done():  # cancelled or timed out: it removes itself; skip it here
                    waiters.popleft()
                    continue
                if origin.key == given.origin.key:
                    waiters.popleft()
                    waiter.set_result(given)
                else:
                    # The first in line wants another origin: the slot is worth more.
                    given.close()
                return False
            given.idle_since = self.loop.time()
            self._idle.setdefault(given.origin.key, []).append(given)
            return False
        while waiters and self._open < self._limit:
            _, waiter = waiters.popleft()
            if not waiter.done():
                self._open += 1
                waiter.set_result(None)
                break
        return False

    def forget(self, connection: Connection) -> None:
        """Frees a closed connection's slot (from its ``connection_lost``)."""
        idle = self._idle.get(connection.origin.key)
        if idle is not None and connection in idle:
            idle.remove(connection)
        if connection in self._all:
            self._all.discard(connection)
            self._pass_on(None)

    def abandon(self) -> None:
        """Drops the pool of a closed event loop without using it (see
        :meth:`Connection.abandon`); the client makes a new one on the running loop."""
        self._closed = True
        self._idle.clear()
        self._waiters.clear()  # their loop can run nothing: not woken
        for connection in list(self._all):
            connection.abandon()
        self._all.clear()
        self._assign(None, None, self._open)

    async def close(self) -> None:
        if self.loop.is_closed() or self.loop is not asyncio.get_running_loop():
            self.abandon()  # the loop its connections belong to can run nothing more
            return
        self._closed = True
        self._idle.clear()
        for connection in list(self._all):
            connection.close()
        self._assign(None)  # wakes the waiters: they see the pool closed
        # Let the transports' connection_lost run, so sockets are closed on return.
        await asyncio.sleep(0)


class _StreamedResponse:
    """What ``ConnectionPool.stream`` yields: the head, and the body as it arrives. Holds
    its connection until the body has been read to its end (then it goes back to the
    pool, if the response lets it be reused) or the ``async with`` exits (then it is
    closed, unless it went back already)."""

    def __init__(
        self, sender: ConnectionPool, connection: Connection, head: TransportResponse
    ) -> None:
        assert connection.body is not None
        self._sender = sender
        self._connection: Connection | None = connection
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
            connection.end_stream()
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
            connection.end_stream()
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
