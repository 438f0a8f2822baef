"""A scripted HTTP/1.1 server on 127.0.0.1 for fault-injection tests.

It speaks HTTP over raw asyncio streams (in a background thread with its own event
loop), because the faults it plays cannot be produced by a well-behaved web framework:
connections closed or reset without an answer, bodies cut short, stalls before the
headers or in the middle of the body, bodies larger than announced limits.

A test gives it a script of actions (``server.play(Reply.json(503), Reply.json({}))``):
the n-th request gets the n-th action and the last action repeats. An action can also be
a function of the request (:class:`Dynamic`), which is how the clock-skew check and the
soak test's random faults are written.

Every request is recorded as it arrived (method, target, headers, body, arrival time on
``time.monotonic()``, connection number) together with the action that answered it, so
tests can count attempts, compare idempotency tokens and X-Amz-Date values, and measure
the spacing of attempts. Connections are counted too (opened, still open), so a test
can check that a client released every socket it used.

With an ``ssl_context`` it serves HTTPS (the TLS verification tests).

Usage (synchronous or from async code, any event loop)::

    with FaultServer() as server:
        server.play(Reply.json({"message": "busy"}, status=503), Reply.json({"cases": []}))
        ... client(endpoint_url=server.url) ...
        assert server.attempts == 2
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
_MAX_HEADER_BYTES = 64 * 1024


# ---------------------------------------------------------------- requests


@dataclass
class Request:
    """One request as the server received it. Header names are lower-cased."""

    index: int
    connection: int
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    #: The action that answered it (set once it was chosen).
    action: Action | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    @property
    def amz_date(self) -> datetime:
        """The request's X-Amz-Date as an aware UTC datetime."""
        return datetime.strptime(self.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=UTC
        )

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


# ---------------------------------------------------------------- actions


@dataclass(frozen=True)
class Reply:
    """A complete response.

    ``request_id`` adds ``x-amzn-RequestId: fault-<n>`` (n = the request's index).
    ``close`` closes the connection afterwards (``Connection: close``). Without
    ``content_length`` the body is framed by ``Content-Length`` unless ``unframed``,
    in which case it is delimited by closing the connection (HTTP/1.0 style).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    request_id: bool = True
    close: bool = False
    unframed: bool = False

    @classmethod
    def json(
        cls,
        body: Any,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        request_id: bool = True,
    ) -> Reply:
        all_headers = {"Content-Type": "application/x-amz-json-1.1", **(headers or {})}
        return cls(
            status=status,
            body=json.dumps(body).encode(),
            headers=tuple(all_headers.items()),
            request_id=request_id,
        )

    @classmethod
    def error(
        cls,
        code: str,
        message: str = "injected fault",
        *,
        status: int = 400,
        in_header: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An awsJson/restJson error: the code in ``__type`` (or ``x-amzn-ErrorType``)."""
        extra = dict(headers or {})
        body: dict[str, Any] = {"message": message}
        if in_header:
            extra["x-amzn-ErrorType"] = code
        else:
            body["__type"] = code
        return cls.json(body, status=status, headers=extra)

    @classmethod
    def html(cls, status: int = 502, text: str = "Bad Gateway") -> Reply:
        """A proxy's HTML error page: no request id, no JSON."""
        page = (
            f"<html><head><title>{status} {text}</title></head><body>"
            f"<center><h1>{status} {text}</h1></center><hr><center>nginx</center>"
            "</body></html>"
        ).encode()
        return cls(
            status=status,
            body=page,
            headers=(("Content-Type", "text/html"),),
            request_id=False,
        )


@dataclass(frozen=True)
class Reset:
    """Reads the request, then closes the connection without a byte of response.
    ``rst`` sends a TCP RST (SO_LINGER 0) instead of an orderly FIN."""

    rst: bool = False


@dataclass(frozen=True)
class Truncate:
    """Sends the status line, headers announcing ``declared`` body bytes and only
    ``body``, then closes the connection."""

    declared: int
    body: bytes = b""
    status: int = 200


@dataclass(frozen=True)
class Stall:
    """Reads the request and never answers; with ``headers_first`` it sends the
    status line, headers (announcing ``declared`` bytes) and ``body`` first, then
    stalls in the middle of the body. Ends when the client closes the connection."""

    headers_first: bool = False
    declared: int = 100
    body: bytes = b""


@dataclass(frozen=True)
class Raw:
    """Sends ``data`` as is (a broken status line, bad headers, ...), then closes."""

    data: bytes


@dataclass(frozen=True)
class Dynamic:
    """An action chosen per request by ``choose(request)``; runs in the server thread."""

    choose: Callable[[Request], Action]
    label: str = "dynamic"


@dataclass(frozen=True)
class Hold:
    """Answers nothing until ``release`` is set, then plays ``then`` (the request's
    recorded action). A client that gives up meanwhile (closes the connection) ends
    the hold: the request is no longer in flight. The event belongs to the server's
    loop: set it from the server's thread (a :class:`Dynamic`'s ``choose``), say once
    :attr:`FaultServer.in_flight` is high enough."""

    release: asyncio.Event
    then: Action


Action = Reply | Reset | Truncate | Stall | Raw | Dynamic | Hold


def clock_skew(
    offset: timedelta,
    ok: Action,
    *,
    tolerance: timedelta = timedelta(minutes=5),
    code: str = "InvalidSignatureException",
) -> Dynamic:
    """A server whose clock is ``offset`` ahead of ours: a request whose X-Amz-Date
    is more than ``tolerance`` away from the server's time is refused (400 ``code``,
    the server's time in the Date header), one within it gets ``ok``."""

    def choose(request: Request) -> Action:
        server_now = datetime.now(UTC) + offset
        if abs(request.amz_date - server_now) <= tolerance:
            return ok
        message = (
            f"Signature expired: {request.headers['x-amz-date']} is now earlier than "
            f"{(server_now - tolerance).strftime('%Y%m%dT%H%M%SZ')}"
        )
        return Reply.error(
            code, message, headers={"Date": format_datetime(server_now, usegmt=True)}
        )

    return Dynamic(choose, label="clock_skew")


# ---------------------------------------------------------------- the server


@dataclass
class _State:
    script: list[Action] = field(default_factory=lambda: [Reply.json({})])
    requests: list[Request] = field(default_factory=list)
    connections_opened: int = 0
    open_connections: int = 0
    #: Requests received and not yet answered (or closed on), now and at the most.
    in_flight: int = 0
    peak_in_flight: int = 0


class FaultServer:
    """The scripted server. Start it with ``with FaultServer() as server`` (or
    :meth:`start`/:meth:`stop`); ``url`` is its ``http://127.0.0.1:<port>``."""

    def __init__(
        self, *, ssl_context: ssl.SSLContext | None = None, key_id: str | None = None
    ) -> None:
        self._ssl = ssl_context
        self._key_id = key_id
        #: Requests not signed with ``key_id`` (closed unanswered, never recorded).
        self.strays = 0
        self._state = _State()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: The socket transport of every connection accepted: aborted at shutdown if
        #: still open (a TLS connection's close waits for the peer's close_notify).
        self._transports: set[asyncio.WriteTransport] = set()
        self.port = 0

    # -------------------------------------------------------------- control

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{HOST}:{self.port}"

    def play(self, *actions: Action) -> None:
        """Sets the script and forgets the requests recorded so far."""
        if not actions:
            raise ValueError("play() needs at least one action")
        with self._lock:
            self._state.script = list(actions)
            self._state.requests = []

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._state.requests)

    @property
    def attempts(self) -> int:
        """How many requests arrived since the last :meth:`play`."""
        with self._lock:
            return len(self._state.requests)

    @property
    def connections_opened(self) -> int:
        return self._state.connections_opened

    @property
    def in_flight(self) -> int:
        """Requests received and not yet answered (nor given up on by the client)."""
        with self._lock:
            return self._state.in_flight

    @property
    def peak_in_flight(self) -> int:
        """The most requests the server held at once (received, not yet answered),
        since it started: the concurrency a client really achieved."""
        with self._lock:
            return self._state.peak_in_flight

    @property
    def open_connections(self) -> int:
        """Connections the server still has open (a client that closed everything
        leaves 0 once the server saw the FINs)."""
        return self._state.open_connections

    def start(self) -> FaultServer:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    # TLS is started by each connection's handler (_serve), not by the
                    # server: a handshake in progress then belongs to a task that
                    # shutdown cancels, and whose cancellation closes the socket (a
                    # server-side handshake outlives asyncio's server.close() and its
                    # socket was found unclosed by a later test).
                    asyncio.start_server(self._serve, HOST, 0, limit=_MAX_HEADER_BYTES)
                )
            except BaseException as exc:  # pragma: no cover - reported to start()
                errors.append(exc)
                ready.set()
                loop.close()
                return
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=run, name="fault-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None
        if thread.is_alive():
            raise RuntimeError("the fault server did not stop within 10 s")

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        # The handler of a connection accepted just now has not run yet: it must start
        # (and register) before it is cancelled, or its finally never closes the socket.
        for _ in range(10):  # accept task, transport, connection_made, handler task
            await asyncio.sleep(0)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # A TLS connection closed by its handler is still shutting down TLS, waiting
        # for the peer's close_notify (which a proxy tunnel may never pass on), and its
        # socket stays open until then: the loop is about to close, so close it now.
        # Before wait_closed(), which since Python 3.12 waits for every connection to
        # be lost, so for that close_notify too (3.11's returns at once).
        for transport in self._transports:
            transport.abort()
        if self._server is not None:
            await self._server.wait_closed()
        # A few turns of the loop (each polls the sockets without blocking): a TLS
        # handshake the client just broke off, or a transport just closed, finishes
        # closing its socket before the loop is closed (else: ResourceWarning later).
        for _ in range(5):
            await asyncio.sleep(0)

    # -------------------------------------------------------------- serving

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._transports.add(writer.transport)  # the socket's (start_tls wraps it)
        try:
            if self._ssl is not None:
                await writer.start_tls(self._ssl)  # a failed handshake closes the socket
        except (ConnectionError, ssl.SSLError, OSError):
            writer.close()
            self._tasks.discard(task)
            return
        except asyncio.CancelledError:
            writer.close()
            self._tasks.discard(task)
            raise
        with self._lock:
            self._state.connections_opened += 1
            self._state.open_connections += 1
            connection = self._state.connections_opened
        try:
            while True:
                request = await self._read_request(reader, connection)
                if request is None:
                    break
                with self._lock:
                    self._state.in_flight += 1
                    self._state.peak_in_flight = max(
                        self._state.peak_in_flight, self._state.in_flight
                    )
                try:
                    action = self._choose(request)
                    reuse = await self._perform(action, request, reader, writer)
                finally:
                    with self._lock:
                        self._state.in_flight -= 1
                if not reuse:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping
        finally:
            if not writer.transport.is_closing():
                writer.close()
            with self._lock:
                self._state.open_connections -= 1
            self._tasks.discard(task)

    async def _read_request(
        self, reader: asyncio.StreamReader, connection: int
    ) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # the client closed an idle keep-alive connection
        received_at = time.monotonic()
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        if self._key_id is not None and (
            f"Credential={self._key_id}/" not in headers.get("authorization", "")
        ):
            # Another process's probe that found this port (say, a helper whose
            # "free port" was taken by this server meanwhile): not part of the script.
            self.strays += 1
            return None
        with self._lock:
            request = Request(
                index=len(self._state.requests),
                connection=connection,
                method=method,
                target=target,
                headers=headers,
                body=body,
                received_at=received_at,
            )
            self._state.requests.append(request)
            script = self._state.script
        request.action = script[min(request.index, len(script) - 1)]
        return request

    def _choose(self, request: Request) -> Action:
        assert request.action is not None
        request.action = self._choose_from(request.action, request)
        return request.action

    @staticmethod
    def _choose_from(action: Action, request: Request) -> Action:
        while isinstance(action, Dynamic):
            action = action.choose(request)
        return action

    async def _perform(
        self,
        action: Action,
        request: Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Plays ``action``; False when the connection must not be reused."""
        if isinstance(action, Hold):
            released = asyncio.ensure_future(action.release.wait())
            # A waiting client sends nothing: a read that ends means it gave up.
            gone = asyncio.ensure_future(reader.read(1))
            await asyncio.wait((released, gone), return_when=asyncio.FIRST_COMPLETED)
            if gone.done():  # the client closed (or spoke out of turn): drop it
                released.cancel()
                return False
            # The read must have ended before the next readuntil() on this reader:
            # cancel() only asks, and a read still waiting makes that readuntil() raise
            # ("called while another coroutine is already waiting"), so the server
            # dropped the connection of the client's next request, unrecorded.
            gone.cancel()
            await asyncio.wait((gone,))  # (a cancellation of this task still propagates)
            request.action = self._choose_from(action.then, request)
            return await self._perform(request.action, request, reader, writer)
        if isinstance(action, Reply):
            headers = list(action.headers)
            if action.request_id:
                headers.append(("x-amzn-RequestId", request_id(request.index)))
            if not action.unframed:
                headers.append(("Content-Length", str(len(action.body))))
            close = action.close or action.unframed
            if close:
                headers.append(("Connection", "close"))
            writer.write(_head(action.status, headers) + action.body)
            await writer.drain()
            return not close
        if isinstance(action, Reset):
            if action.rst:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            return False
        if isinstance(action, Truncate):
            head = _head(action.status, [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-RequestId", request_id(request.index)),
                ("Content-Length", str(action.declared)),
            ])
            writer.write(head + action.body)
            await writer.drain()
            return False
        if isinstance(action, Raw):
            writer.write(action.data)
            await writer.drain()
            return False
        if isinstance(action, Stall):
            if action.headers_first:
                head = _head(200, [
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("x-amzn-RequestId", request_id(request.index)),
                    ("Content-Length", str(action.declared)),
                ])
                writer.write(head + action.body)
                await writer.drain()
            await reader.read()  # until the client gives up and closes
            return False
        raise TypeError(f"not an action: {action!r}")


def request_id(index: int) -> str:
    """The ``x-amzn-RequestId`` the server sends for its ``index``-th request."""
    return f"fault-{index:04d}"


def _head(status: int, headers: list[tuple[str, str]]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


@contextmanager
def fault_server(
    *, ssl_context: ssl.SSLContext | None = None, key_id: str | None = None
) -> Iterator[FaultServer]:
    """``with fault_server() as server:`` a started :class:`FaultServer`, stopped after.
    With ``ssl_context`` it speaks HTTPS; with ``key_id`` it only serves (and records)
    requests signed with that access key id, and closes any other connection."""
    server = FaultServer(ssl_context=ssl_context, key_id=key_id).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def blackhole() -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a listening socket whose accept queue is full:
    a new connection attempt gets no SYN-ACK, so connecting hangs until the client's
    connect timeout (loopback only; no unroutable address needed)."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind((HOST, 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        while True:  # fill the accept queue (Linux queues backlog + 1 connections)
            filler = socket.socket()
            filler.settimeout(0.2)
            fillers.append(filler)
            try:
                filler.connect((HOST, port))
            except TimeoutError:
                break
            if len(fillers) > 16:
                raise RuntimeError("the accept queue never filled up")
        yield f"http://{HOST}:{port}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()
