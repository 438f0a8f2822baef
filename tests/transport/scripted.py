"""A scripted HTTP/1.1 server on 127.0.0.1 in a background thread, for the streaming
tests: each accepted connection runs the test's handler coroutine (in the server's own
event loop), which reads and writes raw bytes. Being in its own thread, it serves a
test on asyncio and one on trio alike.

The test and the handler meet through ``threading.Event`` s: the handler waits with
:func:`wait_event` (a worker thread of the server's loop), the test with
:func:`awaited` (anyio's worker thread). Every request read with
:meth:`Conn.read_request` is recorded as raw bytes, head and body.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

import anyio.to_thread

from devservers.listener import Listener

#: The upper bound of a wait: only a hang takes this long.
HANG = 10.0


class Conn:
    """One accepted connection, as the handler sees it."""

    def __init__(
        self, server: ScriptedServer, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.index = index
        self.reader = reader
        self.writer = writer
        #: Set when the client closed its side (or reset the connection).
        self.eof = threading.Event()
        #: Set when the handler returned and the connection was closed.
        self.done = threading.Event()

    async def read_head(self) -> bytes:
        return await self.reader.readuntil(b"\r\n\r\n")

    async def read_request(self) -> bytes | None:
        """The next request, head and ``Content-Length`` body, or None at EOF."""
        try:
            head = await self.read_head()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.eof.set()
            return None
        length = content_length(head)
        request = head + (await self.reader.readexactly(length) if length else b"")
        self.server.record(request)
        return request

    async def read_to_eof(self) -> bytes:
        try:
            data = await self.reader.read()
        except ConnectionError:
            data = b""
        self.eof.set()
        return data

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


Handler = Callable[[Conn], Awaitable[None]]


class ScriptedServer:
    def __init__(
        self, handler: Handler, tls: ssl.SSLContext | None = None, rcvbuf: int | None = None
    ) -> None:
        self._handler = handler
        self._tls = tls
        self._rcvbuf = rcvbuf
        self._lock = threading.Lock()
        self._accepted = threading.Condition(self._lock)
        self.conns: list[Conn] = []
        self.requests: list[bytes] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def accepts(self) -> int:
        with self._lock:
            return len(self.conns)

    async def conn(self, index: int) -> Conn:
        """The ``index``-th connection accepted, once it is (from a test, any loop)."""

        def accepted() -> Conn:
            with self._accepted:
                if not self._accepted.wait_for(lambda: len(self.conns) > index, HANG):
                    raise AssertionError(f"connection {index} was never accepted")
                return self.conns[index]

        return await anyio.to_thread.run_sync(accepted)

    def record(self, request: bytes) -> None:
        with self._lock:
            self.requests.append(request)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._accepted:
            conn = Conn(self, len(self.conns), reader, writer)
            self.conns.append(conn)
            self._accepted.notify_all()
        try:
            await self._handler(conn)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            conn.eof.set()
        finally:
            conn.done.set()

    def start(self) -> ScriptedServer:
        ready = threading.Event()
        # Bound here, so that the port is known at once; it closes every socket it
        # accepted when it closes (see devservers.listener).
        listener = Listener(self._serve, tls=self._tls, rcvbuf=self._rcvbuf)
        self.port = listener.port

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stop = asyncio.Event()

            async def main() -> None:
                listener.start()
                ready.set()
                assert self._stop is not None
                await self._stop.wait()
                await listener.close()

            try:
                loop.run_until_complete(main())
            finally:
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()

        self._thread = threading.Thread(target=run, name="scripted-server", daemon=True)
        self._thread.start()
        if not ready.wait(HANG):
            raise RuntimeError("the scripted server did not start")
        return self

    def stop(self) -> None:
        loop, thread, stop = self._loop, self._thread, self._stop
        if loop is None or thread is None or stop is None:
            return
        loop.call_soon_threadsafe(stop.set)
        thread.join(HANG)
        self._loop = self._thread = None


@contextmanager
def scripted(
    handler: Handler, tls: ssl.SSLContext | None = None, rcvbuf: int | None = None
) -> Iterator[ScriptedServer]:
    server = ScriptedServer(handler, tls, rcvbuf).start()
    try:
        yield server
    finally:
        server.stop()


async def wait_event(event: threading.Event) -> None:
    """In a handler: waits for the test to set ``event`` (fails after :data:`HANG`)."""
    if not await asyncio.to_thread(event.wait, HANG):
        raise AssertionError("the test never set the event the server waits for")


async def awaited(event: threading.Event) -> None:
    """In a test (asyncio or trio): waits for the server to set ``event``."""
    if not await anyio.to_thread.run_sync(event.wait, HANG):
        raise AssertionError("the server never set the event the test waits for")


def response(body: bytes = b"", *fields: str, status: str = "200 OK") -> bytes:
    """A whole response with ``Content-Length``."""
    head = "".join(f"{field}\r\n" for field in fields)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def keep_alive(answer: bytes = b"") -> Handler:
    """Answers every request of a connection with ``answer`` (default: 200, empty)."""

    async def handler(conn: Conn) -> None:
        while await conn.read_request() is not None:
            await conn.send(answer or response())

    return handler
