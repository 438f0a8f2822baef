"""A TCP listener on 127.0.0.1 that hands each connection to a stream handler, and at
shutdown closes every socket it ever accepted, however far that connection got.

Not ``asyncio.start_server``: a connection its Server accepted just before ``close()``
made a transport that failed half-way (``Server._attach`` asserts that it is still
serving, Python 3.11) and left its socket open, which a later test met as a
ResourceWarning. Nor ``loop.sock_accept()`` in a task: cancelling it can lose the
connection it had just accepted. Here the listening socket's readiness callback accepts
(no future, nothing to cancel), and every transport made is remembered.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable

StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Listener:
    """Serves ``handler`` (``asyncio.start_server``'s kind) on ``host``:``port`` (0: any
    free port) in the running loop, from :meth:`start` until :meth:`close`. With
    ``tls``, the handshake runs in the connection's own task, before ``handler``."""

    def __init__(
        self,
        handler: StreamHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        rcvbuf: int | None = None,
    ) -> None:
        """``rcvbuf``: the accepted sockets' receive buffer (small: a client's upload
        backs up as soon as the handler stops reading)."""
        self._handler = handler
        self._tls = tls
        self._socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        if rcvbuf is not None:  # set before listen(): accepted sockets inherit it
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self._socket.bind((host, port))
        self._socket.listen(128)
        self._socket.setblocking(False)
        self.port: int = self._socket.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Connections being given their transport, and handlers that started.
        self._adopting: set[asyncio.Task[None]] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._transports: list[asyncio.Transport] = []

    def start(self) -> None:
        """Starts accepting (call it in the loop that is to serve)."""
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._socket.fileno(), self._accept)

    def _accept(self) -> None:
        assert self._loop is not None
        while True:
            try:
                sock, _ = self._socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            task = self._loop.create_task(self._adopt(sock))
            self._adopting.add(task)
            task.add_done_callback(self._adopting.discard)

    async def _adopt(self, sock: socket.socket) -> None:
        assert self._loop is not None
        transports = self._transports
        serve = self._serve

        class Protocol(asyncio.StreamReaderProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                assert isinstance(transport, asyncio.Transport)
                transports.append(transport)  # aborted at close(), however it went
                super().connection_made(transport)

        try:
            await self._loop.connect_accepted_socket(
                lambda: Protocol(asyncio.StreamReader(limit=1 << 16), serve), sock
            )
        except BaseException:
            sock.close()
            raise

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            if self._tls is not None:
                await writer.start_tls(self._tls)
            await self._handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            pass  # the client went away, or never finished its handshake
        except asyncio.CancelledError:
            pass  # closing
        finally:
            writer.transport.abort()
            self._handlers.discard(task)

    async def close(self) -> None:
        """Stops accepting, lets every connection accepted so far reach its handler,
        cancels the handlers, and aborts every transport ever made: no socket stays
        open."""
        if self._loop is not None:
            self._loop.remove_reader(self._socket.fileno())
        self._socket.close()
        while pending := self._adopting | self._handlers:
            for task in self._handlers:
                task.cancel()
            await asyncio.wait(pending, timeout=0.05)
        for transport in self._transports:
            transport.abort()
        for _ in range(5):  # the transports' connection_lost closes their sockets
            await asyncio.sleep(0)
