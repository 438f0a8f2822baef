"""``ConnectionPool`` (awsmith._core.transport.http1) driven directly against scripted servers on
127.0.0.1: the exact bytes a server receives, the exact response handed back, and the
exact error class and message of every failure.

Each test starts its own ``asyncio`` server in the test's event loop; its handler
scripts the raw bytes of every accepted connection. Everything (servers, senders,
sockets) is closed before a test returns: ResourceWarnings fail the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import random
import select
import socket
import ssl
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from unittest import mock

import pytest
from multidict import CIMultiDict

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ResponseTooLargeError,
)
from awsmith._core.transport.http import Timeouts
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.transport.http1.connection import Connection as _Connection

pytestmark = pytest.mark.anyio

#: The upper bound of a timed wait: only a hang takes this long, however loaded the
#: machine. What a timeout must not fire before is checked with exact lower bounds (the
#: loop's timers never fire early); what it must fire instead of, by a far longer one.
HANG = 10.0

#: Generous timeouts for the tests that are not about timing out.
T = Timeouts(connect=HANG, read=HANG, max_body=1_000_000)


# ---------------------------------------------------------------- scripted servers


class Conn:
    """One connection a scripted server accepted."""

    def __init__(
        self, server: Server, index: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.index = index
        self.reader = reader
        self.writer = writer
        #: Every whole request read on this connection, as received.
        self.requests: list[bytes] = []
        #: Whether the client's end of stream (or a reset) was read.
        self.saw_eof = False
        #: Set once the handler returned and the server's side was closed.
        self.done = asyncio.Event()

    async def read_request(self) -> bytes | None:
        """The next whole request (head and ``Content-Length`` body), or None at EOF."""
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.saw_eof = True
            return None
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        request = head + (await self.reader.readexactly(length) if length else b"")
        self.requests.append(request)
        self.server.requests.append(request)
        return request

    async def read_to_eof(self) -> bytes:
        """Everything the client still sends, until it closes its side."""
        try:
            data = await self.reader.read()
        except ConnectionError:
            data = b""
        self.saw_eof = True
        return data

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def send_slowly(self, *pieces: bytes, gap: float = 0.01) -> None:
        """Each piece in its own write, ``gap`` seconds apart."""
        for number, piece in enumerate(pieces):
            if number:
                await asyncio.sleep(gap)
            self.writer.write(piece)
            await self.writer.drain()


Handler = Callable[[Conn], Awaitable[None]]


class Server:
    """Counts connections (accepted, open at once) and records every request."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.conns: list[Conn] = []
        self.requests: list[bytes] = []
        self.open = 0
        self.max_open = 0
        self.port = 0
        self.url = ""
        self.tasks: set[asyncio.Task[Any]] = set()

    @property
    def accepts(self) -> int:
        return len(self.conns)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Conn(self, len(self.conns), reader, writer)
        self.conns.append(conn)
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            await self._handler(conn)
        except (ConnectionError, asyncio.IncompleteReadError):
            conn.saw_eof = True
        except asyncio.CancelledError:
            # Cancelled by serving() on exit: end quietly (Python 3.11's start_server
            # logs an error for a connection task that ends cancelled).
            pass
        finally:
            self.open -= 1
            writer.close()
            conn.done.set()


@asynccontextmanager
async def serving(
    handler: Handler,
    host: str = "127.0.0.1",
    rcvbuf: int | None = None,
    tls: ssl.SSLContext | None = None,
) -> AsyncIterator[Server]:
    """A scripted server; on exit every handler is cancelled and every socket closed.
    ``rcvbuf`` sets the accepted sockets' receive buffer (small: uploads back up);
    ``tls``, the server's context: it speaks TLS, and its ``url`` is https."""
    server = Server(handler)
    if rcvbuf is None:
        listener = await asyncio.start_server(server.serve, host, 0, ssl=tls)
    else:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.bind((host, 0))
        listener = await asyncio.start_server(server.serve, sock=sock, ssl=tls)
    server.port = listener.sockets[0].getsockname()[1]
    scheme = "https" if tls is not None else "http"
    server.url = f"{scheme}://{'[::1]' if host == '::1' else host}:{server.port}"
    try:
        yield server
    finally:
        listener.close()
        # A connection accepted just now reaches its handler only a few turns of the
        # loop later (accept task, transport, connection_made, handler task): a handler
        # cancelled before it ran never closes its socket (a ResourceWarning that a
        # later test, in a random order, reported).
        for _ in range(10):
            await asyncio.sleep(0)
        for task in server.tasks:
            task.cancel()
        await asyncio.gather(*server.tasks, return_exceptions=True)
        for conn in server.conns:
            conn.writer.transport.abort()  # even with unsent bytes buffered
        await listener.wait_closed()
        for _ in range(3):  # the transports' connection_lost closes their sockets
            await asyncio.sleep(0)


@asynccontextmanager
async def sending(
    max_connections: int = 10,
    verify_tls: bool = True,
    idle_timeout: float = 20.0,
    keepalive: bool = False,
) -> AsyncIterator[ConnectionPool]:
    sender = ConnectionPool(
        max_connections=max_connections,
        verify_tls=verify_tls,
        idle_timeout=idle_timeout,
        keepalive=keepalive,
    )
    try:
        yield sender
    finally:
        await sender.close()


def reply(body: bytes = b"ok", *headers: str, status: str = "200 OK") -> bytes:
    """A whole HTTP/1.1 response with ``Content-Length``."""
    head = "".join(f"{header}\r\n" for header in headers)
    return f"HTTP/1.1 {status}\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


#: The plain answer: 200 with the body "ok".
OK = reply()


def keep_alive(respond: bytes | Callable[[bytes], bytes] = OK) -> Handler:
    """Answers every request of a connection until the client closes it."""

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            conn.send(respond(request) if callable(respond) else respond)

    return handler


def target_of(request: bytes) -> str:
    return request.split(b" ", 2)[1].decode()


async def wait_until(condition: Callable[[], bool], timeout: float = HANG) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def closed_by_client(conn: Conn) -> bool:
    """Waits for the handler of ``conn`` to end; whether it read the client's EOF."""
    await asyncio.wait_for(conn.done.wait(), HANG)
    return conn.saw_eof


# ---------------------------------------------------------------- the request


async def test_request_bytes_are_exact() -> None:
    """Request line, Host as the URL's authority (port included), headers in the order
    given, Content-Length only when there is a body or the method takes one."""
    async with serving(keep_alive()) as server, sending() as sender:
        url = server.url
        headers = {"X-Amz-Target": "Svc.Op", "x-amz-date": "20240101T000000Z", "User-Agent": "ua/1"}
        await sender.send("GET", f"{url}/a%20b/c?x=1&y=%2F", headers, b"", T)
        await sender.send("POST", f"{url}/", {"Content-Type": "application/json"}, b"", T)
        await sender.send("PUT", f"{url}/obj", {}, b"line\r\nbreaks\x00in body", T)
        await sender.send("GET", f"{url}/g", {}, b"abc", T)
        await sender.send("DELETE", f"{url}/d", {}, b"", T)
        await sender.send("PATCH", f"{url}/p", {}, b"", T)
        await sender.send("OPTIONS", url, {}, b"", T)  # no path: "/"
        await sender.send("GET", f"{url}?list-type=2", {}, b"", T)  # a query, no path
    host = f"Host: 127.0.0.1:{server.port}\r\n"
    assert server.requests == [
        (
            f"GET /a%20b/c?x=1&y=%2F HTTP/1.1\r\n{host}X-Amz-Target: Svc.Op\r\n"
            "x-amz-date: 20240101T000000Z\r\nUser-Agent: ua/1\r\n\r\n"
        ).encode(),
        f"POST / HTTP/1.1\r\n{host}Content-Type: application/json\r\nContent-Length: 0\r\n\r\n".encode(),
        f"PUT /obj HTTP/1.1\r\n{host}Content-Length: 20\r\n\r\n".encode()
        + b"line\r\nbreaks\x00in body",
        f"GET /g HTTP/1.1\r\n{host}Content-Length: 3\r\n\r\nabc".encode(),
        f"DELETE /d HTTP/1.1\r\n{host}\r\n".encode(),
        f"PATCH /p HTTP/1.1\r\n{host}Content-Length: 0\r\n\r\n".encode(),
        f"OPTIONS / HTTP/1.1\r\n{host}\r\n".encode(),
        f"GET /?list-type=2 HTTP/1.1\r\n{host}\r\n".encode(),
    ]
    assert server.accepts == 1


@pytest.mark.parametrize(
    ("headers", "path"),
    [
        ({"X-A": "v\r\nInjected: 1"}, "/"),
        ({"X-A": "v\n"}, "/"),
        ({"X-A": "v\r"}, "/"),
        ({"X-A\r\nInjected": "v"}, "/"),
        ({}, "/a\r\nInjected: 1"),
        ({}, "/a?q=\n"),
    ],
    ids=["value-crlf", "value-lf", "value-cr", "name-crlf", "path-crlf", "query-lf"],
)
async def test_line_break_in_a_header_or_the_path_is_refused(
    headers: dict[str, str], path: str
) -> None:
    async with serving(keep_alive()) as server, sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("POST", server.url + path, headers, b"body", T)
        await asyncio.sleep(0.02)  # a connection, had one been made, is accepted by now
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == (
        f"refusing to send a request to {server.url}: a header or the path holds a line break"
    )
    assert server.accepts == 0


# ---------------------------------------------------------------- response forms


async def test_content_length_response() -> None:
    body = b'{"cases": []}'
    answer = reply(
        body,
        "Content-Type: application/x-amz-json-1.1",
        "x-amzn-RequestId: r-1",
        status="201 Created",
    )
    async with serving(keep_alive(answer)) as server, sending() as sender:
        response = await sender.send("POST", server.url + "/", {}, b"{}", T)
    assert response.status == 201
    assert list(response.headers.items()) == [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-RequestId", "r-1"),
        ("Content-Length", "13"),
    ]
    assert response.body == body


async def test_chunked_body_is_decoded_and_the_connection_reused() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send_slowly(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"4\r\nWiki\r\n",
            b"5;ext=1\r\npe",
            b"dia\r\n",
            b"0\r\n\r\n",
        )
        await keep_alive()(conn)

    async with serving(handler) as server, sending() as sender:
        response = await sender.send("GET", server.url + "/", {}, b"", T)
        again = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (response.status, response.body) == (200, b"Wikipedia")
    assert list(response.headers.items()) == [("Transfer-Encoding", "chunked")]
    assert (again.status, again.body) == (200, b"ok")
    assert server.accepts == 1


@pytest.mark.parametrize("version", ["HTTP/1.0", "HTTP/1.1"])
async def test_close_delimited_body_and_the_connection_is_not_reused(version: str) -> None:
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            await conn.send_slowly(
                f"{version} 200 OK\r\nX-A: 1\r\n\r\n".encode(), b"until ", b"close"
            )
            return  # closes the connection: the end of the body
        await keep_alive()(conn)

    async with serving(handler) as server, sending() as sender:
        response = await sender.send("GET", server.url + "/", {}, b"", T)
        again = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (response.status, list(response.headers.items()), response.body) == (
        200,
        [("X-A", "1")],
        b"until close",
    )
    assert again.body == b"ok"
    assert server.accepts == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nbye",
        reply(b"bye", "Connection: close"),
    ],
    ids=["http10-with-length", "connection-close"],
)
async def test_a_response_that_ends_the_connection_is_not_reused(answer: bytes) -> None:
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            conn.send(answer)
            await conn.read_to_eof()  # the client must close it
            return
        await keep_alive()(conn)

    async with serving(handler) as server, sending() as sender:
        first = await sender.send("GET", server.url + "/", {}, b"", T)
        assert await closed_by_client(server.conns[0])
        second = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (first.body, second.body) == (b"bye", b"ok")
    assert server.accepts == 2
    assert [len(conn.requests) for conn in server.conns] == [1, 1]


async def test_204_without_body_keeps_the_connection() -> None:
    async with (
        serving(
            keep_alive(b"HTTP/1.1 204 No Content\r\nx-amzn-RequestId: r-204\r\n\r\n")
        ) as server,
        sending() as sender,
    ):
        first = await sender.send("DELETE", server.url + "/x", {}, b"", T)
        second = await sender.send("DELETE", server.url + "/y", {}, b"", T)
    for response in (first, second):
        assert (response.status, list(response.headers.items()), response.body) == (
            204,
            [("x-amzn-RequestId", "r-204")],
            b"",
        )
    assert server.accepts == 1


async def test_interim_responses_are_skipped() -> None:
    async def handler(conn: Conn) -> None:
        while await conn.read_request() is not None:
            await conn.send_slowly(
                b"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n",
                b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + reply(b"final", "X-Final: yes")[:20],
                reply(b"final", "X-Final: yes")[20:],
            )

    async with serving(handler) as server, sending() as sender:
        response = await sender.send("PUT", server.url + "/", {}, b"data", T)
        again = await sender.send("PUT", server.url + "/", {}, b"data", T)
    for result in (response, again):
        assert result.status == 200
        assert list(result.headers.items()) == [("X-Final", "yes"), ("Content-Length", "5")]
        assert result.body == b"final"
    assert server.accepts == 1


async def test_head_returns_at_the_headers_and_drops_the_connection() -> None:
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            conn.send(b'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: "abc"\r\n\r\n')
            await conn.read_to_eof()  # no body follows; the client must close
            return
        await keep_alive()(conn)

    async with serving(handler) as server, sending() as sender:
        started = time.monotonic()
        response = await sender.send(
            "HEAD", server.url + "/obj", {}, b"", Timeouts(1.0, 3 * HANG, 10_000)
        )
        elapsed = time.monotonic() - started
        assert await closed_by_client(server.conns[0])
        again = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (response.status, response.body) == (200, b"")
    assert list(response.headers.items()) == [("Content-Length", "1234"), ("ETag", '"abc"')]
    assert elapsed < HANG  # not the read timeout (3 * HANG): nothing waited for the body
    assert (
        server.requests[0]
        == f"HEAD /obj HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    )
    assert again.body == b"ok"
    assert server.accepts == 2


@pytest.mark.parametrize(("method", "status"), [("HEAD", "200 OK"), ("GET", "304 Not Modified")])
async def test_announced_length_of_a_bodyless_response_is_not_checked_against_max_body(
    method: str, status: str
) -> None:
    """HEAD (S3 HeadObject) and 304 announce the size of a body they do not carry."""
    answer = (
        f"HTTP/1.1 {status}\r\nContent-Length: 5000000000\r\nx-amzn-RequestId: h-1\r\n\r\n".encode()
    )
    async with serving(keep_alive(answer)) as server, sending() as sender:
        response = await sender.send(method, server.url + "/big", {}, b"", Timeouts(1.0, 1.0, 100))
    assert (response.status, response.body) == (int(status[:3]), b"")
    assert response.headers["content-length"] == "5000000000"


async def test_duplicate_header_names_are_kept_with_their_case() -> None:
    answer = reply(
        b"", "X-Amz-Meta-Owner: Ann", "x-dup: one", "X-Dup: two", "x-amz-request-id: s3-1"
    )
    async with serving(keep_alive(answer)) as server, sending() as sender:
        response = await sender.send("GET", server.url + "/", {}, b"", T)
    headers = response.headers
    assert isinstance(headers, CIMultiDict)
    assert list(headers.items()) == [
        ("X-Amz-Meta-Owner", "Ann"),
        ("x-dup", "one"),
        ("X-Dup", "two"),
        ("x-amz-request-id", "s3-1"),
        ("Content-Length", "0"),
    ]
    assert headers.getall("X-DUP") == ["one", "two"]
    assert headers["x-amz-meta-owner"] == "Ann"
    assert headers.get("X-AMZ-REQUEST-ID") == "s3-1"


# ---------------------------------------------------------------- keep-alive and the pool


async def test_sequential_requests_share_one_connection() -> None:
    async with (
        serving(keep_alive(lambda request: reply(target_of(request).encode()))) as server,
        sending() as sender,
    ):
        bodies = [
            (await sender.send("GET", f"{server.url}/{n}", {}, b"", T)).body for n in range(3)
        ]
    assert bodies == [b"/0", b"/1", b"/2"]
    assert server.accepts == 1
    assert [target_of(r) for r in server.conns[0].requests] == ["/0", "/1", "/2"]


async def test_idle_connection_outlives_the_read_timeout() -> None:
    """The read timeout covers an exchange, not a connection waiting in the pool."""
    async with serving(keep_alive()) as server, sending() as sender:
        limits = Timeouts(1.0, 0.1, 1000)
        await sender.send("GET", server.url + "/", {}, b"", limits)
        await asyncio.sleep(0.2)
        await sender.send("GET", server.url + "/", {}, b"", limits)
    assert server.accepts == 1
    assert len(server.conns[0].requests) == 2


async def test_bytes_from_an_idle_connection_make_the_client_drop_it() -> None:
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            conn.send(OK)
            await asyncio.sleep(0.02)
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra")  # unasked
            await conn.read_to_eof()
            return
        await keep_alive(reply(b"fresh"))(conn)

    async with serving(handler) as server, sending() as sender:
        first = await sender.send("GET", server.url + "/", {}, b"", T)
        assert await closed_by_client(server.conns[0])
        second = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (first.body, second.body) == (b"ok", b"fresh")
    assert server.accepts == 2


async def test_bytes_after_the_response_make_the_connection_unusable() -> None:
    """A server that sends more than the response (here the start of another one):
    the connection must not be reused, or the next response is parsed after them."""

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        if conn.index == 0:
            conn.send(reply(b"first") + b"HTTP/1.1 200 OK\r\n")
        else:
            conn.send(reply(b"second"))
        await keep_alive(reply(b"second"))(conn)

    async with serving(handler) as server, sending() as sender:
        first = await sender.send("GET", server.url + "/", {}, b"", T)
        second = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (first.body, second.body) == (b"first", b"second")
    assert server.accepts == 2
    assert [len(conn.requests) for conn in server.conns] == [1, 1]


async def test_pool_limit_holds_under_concurrency() -> None:
    release = asyncio.Event()

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            await release.wait()
            conn.send(reply(target_of(request).encode()))

    async with serving(handler) as server, sending(max_connections=2) as sender:
        tasks = [
            asyncio.create_task(sender.send("GET", f"{server.url}/{n}", {}, b"", T))
            for n in range(5)
        ]
        await wait_until(lambda: len(server.requests) == 2)
        await asyncio.sleep(0.05)  # a third connection would have been accepted by now
        assert (server.accepts, len(server.requests)) == (2, 2)
        release.set()
        responses = await asyncio.wait_for(asyncio.gather(*tasks), 2.0)
    assert [r.body for r in responses] == [b"/0", b"/1", b"/2", b"/3", b"/4"]
    assert server.accepts == 2
    assert server.max_open == 2
    assert sorted(target_of(r) for r in server.requests) == ["/0", "/1", "/2", "/3", "/4"]


async def test_waiting_for_a_free_connection_is_bounded_by_the_connect_timeout() -> None:
    release = asyncio.Event()

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            await release.wait()
            conn.send(reply(target_of(request).encode()))

    # Only the wait for a free connection is timed (0.1 s); the connections themselves
    # get generous limits, so a loaded machine cannot time them out instead.
    quick = Timeouts(connect=0.1, read=5.0, max_body=1000)
    roomy = Timeouts(connect=5.0, read=5.0, max_body=1000)
    async with serving(handler) as server, sending(max_connections=1) as sender:
        first = asyncio.create_task(sender.send("GET", server.url + "/1", {}, b"", roomy))
        await wait_until(lambda: len(server.requests) == 1, timeout=5.0)
        started = time.monotonic()
        with pytest.raises(ConnectTimeoutError) as info:
            await sender.send("GET", server.url + "/2", {}, b"", quick)
        waited = time.monotonic() - started
        release.set()
        assert (await first).body == b"/1"
        # the slot the timed-out wait never took is still there for the next request
        assert (await sender.send("GET", server.url + "/3", {}, b"", roomy)).body == b"/3"
    assert 0.09 <= waited < HANG
    assert str(info.value) == (
        f"no connection to {server.url} came free within 0.1 s "
        "(max_pool_connections=1, all busy)"
    )
    assert server.accepts == 1
    assert [target_of(r) for r in server.requests] == ["/1", "/3"]


async def test_cancelled_wait_for_a_connection_frees_nothing_it_did_not_take() -> None:
    release = asyncio.Event()

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            await release.wait()
            conn.send(reply(target_of(request).encode()))

    async with serving(handler) as server, sending(max_connections=1) as sender:
        first = asyncio.create_task(sender.send("GET", server.url + "/1", {}, b"", T))
        await wait_until(lambda: len(server.requests) == 1)
        waiting = asyncio.create_task(sender.send("GET", server.url + "/2", {}, b"", T))
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()
        assert (await first).body == b"/1"
        assert (await sender.send("GET", server.url + "/3", {}, b"", T)).body == b"/3"
    assert server.accepts == 1
    assert [target_of(r) for r in server.requests] == ["/1", "/3"]


# ---------------------------------------------------------------- connections closed by the server


def _answers_once_then_drops_the_next_request(second: bytes = b"second") -> Handler:
    """The first connection answers one request, then reads the next and closes
    without answering (a server closing a kept-alive connection just as a request
    arrives: it may or may not have acted on it); later connections answer."""

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            conn.send(reply(b"first"))
            await conn.read_request()  # read, never answered: the server closes
            return
        await keep_alive(reply(second))(conn)

    return handler


async def test_stale_kept_alive_connection_is_resent_once_when_safe_to_repeat() -> None:
    async with serving(_answers_once_then_drops_the_next_request()) as server, sending() as sender:
        first = await sender.send("GET", server.url + "/a", {}, b"", T)
        second = await sender.send(
            "POST", server.url + "/b", {"X-N": "2"}, b"payload", T, resend=True
        )
    assert (first.body, second.body) == (b"first", b"second")
    assert server.accepts == 2
    resent = f"POST /b HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-N: 2\r\nContent-Length: 7\r\n\r\npayload".encode()
    assert server.conns[0].requests[1:] == [resent]
    assert server.conns[1].requests == [resent]


async def test_stale_kept_alive_connection_is_never_resent_unless_safe() -> None:
    """RFC 9112 section 9.3.1.1: a CreateCase the server may have acted on is not sent
    again by the transport. The caller gets a (retryable) ConnectionFailedError and the
    server saw the request exactly once."""
    async with serving(_answers_once_then_drops_the_next_request()) as server, sending() as sender:
        await sender.send("GET", server.url + "/a", {}, b"", T)
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("POST", server.url + "/create", {}, b"{}", T)
        assert type(info.value) is ConnectionFailedError
        assert str(info.value) == (
            f"request to {server.url} failed: the server closed the kept-alive connection "
            "before responding"
        )
        assert [target_of(r) for r in server.requests] == ["/a", "/create"]
        assert server.accepts == 1
        # The next request opens a new connection and is answered.
        assert (await sender.send("POST", server.url + "/next", {}, b"{}", T)).body == b"second"
    assert [target_of(r) for r in server.requests] == ["/a", "/create", "/next"]


async def test_resend_after_a_stale_connection_does_not_take_another_idle_one() -> None:
    """Two idle kept-alive connections, both dropped by the server when the next
    request arrives (a server shutting down): the resend goes on a new connection."""

    async def handler(conn: Conn) -> None:
        if conn.index < 2:
            await conn.read_request()
            conn.send(reply(b"warm"))
            await conn.read_request()  # read, never answered: the server closes
            return
        await keep_alive(reply(b"fresh"))(conn)

    async with serving(handler) as server, sending() as sender:
        warm = await asyncio.gather(
            sender.send("GET", server.url + "/", {}, b"", T),
            sender.send("GET", server.url + "/", {}, b"", T),
        )
        assert server.accepts == 2
        response = await sender.send("GET", server.url + "/x", {}, b"", T, resend=True)
    assert [r.body for r in warm] == [b"warm", b"warm"]
    assert response.body == b"fresh"
    assert server.accepts == 3
    assert sorted(len(conn.requests) for conn in server.conns[:2]) == [1, 2]
    assert [target_of(r) for r in server.conns[2].requests] == ["/x"]


async def test_new_connection_closed_without_response_is_not_resent() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()  # then closed, unanswered

    async with serving(handler) as server, sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == (
        f"request to {server.url} failed: the connection closed before the response was complete"
    )
    assert server.accepts == 1


@pytest.mark.parametrize(
    "partial",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Le",
    ],
    ids=["content-length", "chunked", "head"],
)
async def test_response_cut_short_by_close_fails(partial: bytes) -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(partial)
        await conn.writer.drain()

    async with serving(handler) as server, sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T)
    assert str(info.value) == (
        f"request to {server.url} failed: the connection closed before the response was complete"
    )
    assert server.accepts == 1


async def test_reset_during_close_delimited_body_fails() -> None:
    """A close-delimited body ends with a clean close, not with a reset."""

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send_slowly(b"HTTP/1.1 200 OK\r\n\r\n", b"partial")
        await asyncio.sleep(0.05)
        sock = conn.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.writer.transport.abort()  # closing with linger 0 sends RST

    async with serving(handler) as server, sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T)
    reset = ConnectionResetError(errno.ECONNRESET, os.strerror(errno.ECONNRESET))
    assert str(info.value) == (
        f"request to {server.url} failed: the connection closed before the response was "
        f"complete: {reset!r}"
    )


# ---------------------------------------------------------------- max_body


async def test_content_length_above_max_body_is_refused_at_the_headers() -> None:
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            conn.send(b"HTTP/1.1 200 OK\r\nx-amzn-RequestId: big-1\r\nContent-Length: 1001\r\n\r\n")
            await conn.read_to_eof()  # the body is never sent: the client closes
            return
        await keep_alive(reply(b"x" * 1000))(conn)

    async with serving(handler) as server, sending() as sender:
        limits = Timeouts(1.0, 1.0, 1000)
        with pytest.raises(ResponseTooLargeError) as info:
            await sender.send("GET", server.url + "/", {}, b"", limits)
        assert await closed_by_client(server.conns[0])
        at_limit = await sender.send("GET", server.url + "/", {}, b"", limits)
    assert str(info.value) == (
        "response body of 1001 bytes exceeds the 1000 byte limit (HTTP 200, request id big-1)"
    )
    assert (info.value.status_code, info.value.request_id) == (200, "big-1")
    assert at_limit.body == b"x" * 1000
    assert server.accepts == 2


async def test_chunked_body_growing_past_max_body_is_refused() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send_slowly(
            b"HTTP/1.1 500 Internal Server Error\r\nx-amz-request-id: s3-9\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            b"190\r\n" + b"a" * 400 + b"\r\n" + b"190\r\n" + b"b" * 400 + b"\r\n",
            b"c8\r\n" + b"c" * 200 + b"\r\n",  # 1000 bytes: exactly the limit
            b"1\r\nd\r\n",
        )
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        with pytest.raises(ResponseTooLargeError) as info:
            await sender.send("GET", server.url + "/", {}, b"", Timeouts(1.0, 1.0, 1000))
        assert await closed_by_client(server.conns[0])
    assert str(info.value) == (
        "response body of 1001 bytes exceeds the 1000 byte limit (HTTP 500, request id s3-9)"
    )
    assert (info.value.status_code, info.value.request_id) == (500, "s3-9")


# ---------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    "sent",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Le", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"],
    ids=["nothing", "part-of-head", "part-of-body"],
)
async def test_read_timeout_when_the_server_stops(sent: bytes) -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(sent)
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError) as info:
            await sender.send("GET", server.url + "/", {}, b"", Timeouts(1.0, 0.2, 1000))
        elapsed = time.monotonic() - started
        assert await closed_by_client(server.conns[0])
    assert str(info.value) == (
        f"no response from {server.url} in time (nothing sent or received for 0.2 s)"
    )
    assert 0.19 <= elapsed < HANG


async def test_read_timeout_is_per_inactivity_not_total() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send_slowly(
            b"HTTP/1.1 200 OK\r\n",
            b"Content-Length: 6\r\n\r\n",
            *(bytes([c]) for c in b"slowly"),
            gap=0.15,  # far inside the read timeout, even on a loaded machine
        )
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        started = time.monotonic()
        response = await sender.send("GET", server.url + "/", {}, b"", Timeouts(5.0, 1.0, 1000))
        elapsed = time.monotonic() - started
    assert (response.status, response.body) == (200, b"slowly")
    assert elapsed >= 7 * 0.15 > 1.0  # past the read timeout in total: 7 gaps at least


async def test_read_timeout_while_an_upload_is_stalled() -> None:
    """The server takes the head and then reads nothing: the upload stalls with the
    socket full. The read timeout still fires, and the connection's pool slot frees."""

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.reader.readuntil(b"\r\n\r\n")
            await asyncio.Event().wait()  # reads no more, until the test ends
        await keep_alive()(conn)

    body = bytes(16 * 1024 * 1024)  # far more than the socket buffers take
    async with serving(handler, rcvbuf=16 * 1024) as server, sending(max_connections=1) as sender:
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError) as info:
            await asyncio.wait_for(
                sender.send("PUT", server.url + "/", {}, body, Timeouts(1.0, 0.2, 1000)), HANG
            )
        elapsed = time.monotonic() - started
        again = await asyncio.wait_for(sender.send("GET", server.url + "/", {}, b"", T), HANG)
    assert str(info.value) == (
        f"no response from {server.url} in time (nothing sent or received for 0.2 s)"
    )
    assert 0.19 <= elapsed < HANG
    assert again.body == b"ok"
    assert server.accepts == 2


@pytest.mark.skipif(sys.platform != "linux", reason="Linux drops SYNs to a full accept queue")
async def test_connect_timeout() -> None:
    """A listener whose accept queue is full (backlog 0, never accepting): Linux drops
    further SYNs, so connecting hangs until the connect timeout."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(8):
            filler = socket.socket()
            fillers.append(filler)
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            _, writable, _ = select.select([], [filler], [], 0.2)
            if not writable:
                break  # this one's SYN was dropped: the queue is full
        else:
            pytest.skip("the accept queue did not fill up")
        url = f"http://127.0.0.1:{port}"
        async with sending(max_connections=1) as sender:
            for _ in range(2):  # the failed connect gave its pool slot back
                started = time.monotonic()
                with pytest.raises(ConnectTimeoutError) as info:
                    await sender.send("GET", url + "/", {}, b"", Timeouts(0.2, 1.0, 1000))
                elapsed = time.monotonic() - started
                assert str(info.value) == f"connecting to {url} timed out"
                assert 0.19 <= elapsed < HANG
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}"
    async with sending(max_connections=1) as sender:
        for _ in range(2):  # the failed connect gave its pool slot back
            with pytest.raises(ConnectionFailedError) as info:
                await sender.send("GET", url + "/", {}, b"", T)
            assert type(info.value) is ConnectionFailedError
            refused = ConnectionRefusedError(
                errno.ECONNREFUSED, f"Connect call failed ('127.0.0.1', {port})"
            )
            assert str(info.value) == f"request to {url} failed: {refused!r}"
            assert isinstance(info.value.__cause__, ConnectionRefusedError)


# ---------------------------------------------------------------- malformed responses


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"HTTP/1.1 abc OK\r\n\r\n", "malformed response: Invalid status code"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "malformed response: Expected HTTP/, RTSP/ or ICE/"),
        (b"HTTP/9.9 200 OK\r\n\r\n", "malformed response: Invalid HTTP version"),
        (b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", "malformed response: Invalid header token"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "malformed response: Invalid character in Content-Length",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "malformed response: Duplicate Content-Length",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "malformed response: Invalid character in chunk size",
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
            "the server switched protocols unasked",
        ),
    ],
    ids=[
        "status",
        "not-http",
        "version",
        "header",
        "length",
        "two-lengths",
        "chunk-size",
        "upgrade",
    ],
)
async def test_malformed_response(data: bytes, detail: str) -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(data)
        await conn.read_to_eof()  # the client closes the connection

    async with serving(handler) as server, sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T)
        assert await closed_by_client(server.conns[0])
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == f"request to {server.url} failed: {detail}"
    assert server.accepts == 1  # not resent


# ---------------------------------------------------------------- cancellation and close()


async def test_cancel_mid_response_drops_the_connection() -> None:
    sent = asyncio.Event()

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            await conn.writer.drain()
            sent.set()
            await conn.read_to_eof()
            return
        await keep_alive()(conn)

    async with serving(handler) as server, sending(max_connections=1) as sender:
        task = asyncio.create_task(sender.send("GET", server.url + "/", {}, b"", T))
        await sent.wait()
        await asyncio.sleep(0.02)  # the client reads the first bytes
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await closed_by_client(server.conns[0])
        again = await asyncio.wait_for(sender.send("GET", server.url + "/", {}, b"", T), HANG)
    assert again.body == b"ok"
    assert server.accepts == 2


async def test_cancel_mid_upload_frees_the_connection_even_if_the_server_reads_nothing() -> None:
    head_read = asyncio.Event()

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.reader.readuntil(b"\r\n\r\n")
            head_read.set()
            await asyncio.Event().wait()  # reads no more, until the test ends
        await keep_alive()(conn)

    body = bytes(16 * 1024 * 1024)  # far more than the socket buffers take
    async with serving(handler, rcvbuf=16 * 1024) as server, sending(max_connections=1) as sender:
        task = asyncio.create_task(sender.send("PUT", server.url + "/", {}, body, T))
        await head_read.wait()
        await asyncio.sleep(0.05)  # the upload fills the socket and stalls
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The only pool slot is free again at once, not when the server reads on.
        again = await asyncio.wait_for(sender.send("GET", server.url + "/", {}, b"", T), HANG)
    assert again.body == b"ok"
    assert server.accepts == 2


async def test_close_closes_idle_connections_and_refuses_later_sends() -> None:
    async with serving(keep_alive()) as server, sending() as sender:
        assert (await sender.send("GET", server.url + "/", {}, b"", T)).body == b"ok"
        await sender.close()
        assert await closed_by_client(server.conns[0])
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == "the HTTP connection pool is closed"
    assert server.accepts == 1


async def test_close_fails_the_request_in_flight_and_the_one_waiting() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.read_to_eof()  # never answers

    async with serving(handler) as server, sending(max_connections=1) as sender:
        in_flight = asyncio.create_task(sender.send("GET", server.url + "/1", {}, b"", T))
        await wait_until(lambda: len(server.requests) == 1)
        waiting = asyncio.create_task(sender.send("GET", server.url + "/2", {}, b"", T))
        await asyncio.sleep(0.02)
        await sender.close()
        results = await asyncio.wait_for(
            asyncio.gather(in_flight, waiting, return_exceptions=True), 1.0
        )
        assert await closed_by_client(server.conns[0])
    assert [type(r) for r in results] == [ConnectionFailedError, ConnectionFailedError]
    assert [str(r) for r in results] == [
        f"request to {server.url} failed: the connection closed before the response was complete",
        "the HTTP connection pool is closed",
    ]
    assert server.accepts == 1


# ---------------------------------------------------------------- URLs


async def test_https_goes_to_port_443_with_tls_and_the_host_as_written() -> None:
    """``create_connection`` is intercepted: it records what the sender asked for and
    connects to the plain local server instead (no TLS server needed)."""
    loop = asyncio.get_running_loop()
    real = loop.create_connection
    asked: list[tuple[str, int, Any, Any]] = []

    async def intercept(
        factory: Any,
        host: str,
        port: int,
        *,
        ssl: Any = None,
        server_hostname: Any = None,
        **kw: Any,
    ) -> Any:
        asked.append((host, port, ssl, server_hostname))
        return await real(factory, "127.0.0.1", server.port, **kw)

    async with serving(keep_alive()) as server, sending() as sender:
        with mock.patch.object(loop, "create_connection", intercept):
            await sender.send("GET", "https://example.com/a", {}, b"", T)
            await sender.send("GET", "https://example.com:8443/b", {}, b"", T)
            await sender.send("GET", "http://example.com/c", {}, b"", T)
    assert [(host, port, hostname) for host, port, _, hostname in asked] == [
        ("example.com", 443, "example.com"),
        ("example.com", 8443, "example.com"),
        ("example.com", 80, None),
    ]
    context = asked[0][2]
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert asked[2][2] is None
    assert server.requests == [
        b"GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n",
        b"GET /b HTTP/1.1\r\nHost: example.com:8443\r\n\r\n",
        b"GET /c HTTP/1.1\r\nHost: example.com\r\n\r\n",
    ]


async def test_verify_tls_false_turns_certificate_checks_off() -> None:
    loop = asyncio.get_running_loop()
    asked: list[Any] = []

    async def intercept(factory: Any, host: str, port: int, *, ssl: Any = None, **kw: Any) -> Any:
        asked.append(ssl)
        raise ConnectionRefusedError(errno.ECONNREFUSED, "intercepted")

    async with sending(verify_tls=False) as sender:
        with (
            mock.patch.object(loop, "create_connection", intercept),
            pytest.raises(ConnectionFailedError),
        ):
            await sender.send("GET", "https://example.com/", {}, b"", T)
    (context,) = asked
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback")
async def test_ipv6_literal() -> None:
    async with serving(keep_alive(), host="::1") as server, sending() as sender:
        response = await sender.send("GET", f"http://[::1]:{server.port}/v6", {}, b"", T)
    assert response.body == b"ok"
    assert server.requests == [f"GET /v6 HTTP/1.1\r\nHost: [::1]:{server.port}\r\n\r\n".encode()]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://127.0.0.1:21/x", "unsupported URL scheme 'ftp' in 'ftp://127.0.0.1:21'"),
        ("127.0.0.1:8080/x", "unsupported URL scheme '127.0.0.1:8080' in '127.0.0.1:8080'"),
        ("http://127.0.0.1:0/", "invalid port in 'http://127.0.0.1:0'"),
        ("http://127.0.0.1:65536/", "invalid port in 'http://127.0.0.1:65536'"),
        ("http://127.0.0.1:http/", "invalid port in 'http://127.0.0.1:http'"),
        ("http://[::1]:/", "invalid port in 'http://[::1]:'"),
        ("http://:8080/", "no host in 'http://:8080'"),
    ],
)
async def test_bad_url(url: str, message: str) -> None:
    async with sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", url, {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == message


# ---------------------------------------------------------------- uploads


async def test_large_upload_to_a_slow_reader_arrives_intact() -> None:
    """8 MiB, more than loopback's socket buffers take (4 MiB here): the sender's
    writes back up and wait for the slow reader (pause_writing/resume_writing)."""
    body = random.Random(1).randbytes(8 * 1024 * 1024)
    heads: list[bytes] = []

    async def handler(conn: Conn) -> None:
        heads.append(await conn.reader.readuntil(b"\r\n\r\n"))
        digest = hashlib.sha256()
        remaining = len(body)
        while remaining:
            piece = await conn.reader.read(min(remaining, 64 * 1024))
            if not piece:
                return
            digest.update(piece)
            remaining -= len(piece)
            await asyncio.sleep(0.001)
        conn.send(reply(digest.hexdigest().encode()))
        await keep_alive()(conn)

    # Every write on the client's socket, with the flow-control state it was made in:
    # (whether the protocol had been told to pause, bytes already buffered).
    writes: list[tuple[bool, int]] = []
    pauses: list[int] = []
    made = _Connection.connection_made
    pause = _Connection.pause_writing

    def spy(self: _Connection, transport: asyncio.BaseTransport) -> None:
        made(self, transport)
        assert isinstance(transport, asyncio.WriteTransport)
        write = transport.write

        def recording_write(data: bytes | bytearray | memoryview) -> None:
            writes.append((self._paused, transport.get_write_buffer_size()))
            write(data)

        transport.write = recording_write  # type: ignore[method-assign]

    def counting_pause(self: _Connection) -> None:
        pauses.append(len(writes))
        pause(self)  # the real one: what it does is under test

    with (
        mock.patch.object(_Connection, "connection_made", spy),
        mock.patch.object(_Connection, "pause_writing", counting_pause),
    ):
        async with serving(handler, rcvbuf=16 * 1024) as server, sending() as sender:
            response = await sender.send("PUT", server.url + "/up", {"X-A": "1"}, body, T)
            again = await sender.send("GET", server.url + "/", {}, b"", T)
    # The socket pushed back, and no chunk was written while it did: the buffer in
    # front of the socket never held more than asyncio's high-water mark (64 KiB), so
    # an upload costs one chunk of memory, not its whole size.
    assert pauses, "the upload never filled the socket: the test proves nothing"
    assert [w for w in writes if w[0]] == []
    assert max(buffered for _, buffered in writes) <= 64 * 1024
    assert heads == [
        f"PUT /up HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-A: 1\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
    ]
    assert response.body == hashlib.sha256(body).hexdigest().encode()
    assert (again.body, server.accepts) == (b"ok", 1)  # the connection stayed usable


# ---------------------------------------------------------------- a fair pool, idle expiry


def _echo_holding(target: str, release: asyncio.Event) -> Handler:
    """Answers each request with its target; ``target`` only once ``release`` is set."""

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            if target_of(request) == target:
                await release.wait()
            conn.send(reply(target_of(request).encode()))

    return handler


async def test_a_released_connection_goes_to_the_longest_waiter() -> None:
    """One connection, held; A, B and C queue in that order; D arrives while B waits:
    served A, B, C, D, never D before the callers already waiting."""
    release = asyncio.Event()
    async with serving(_echo_holding("/hold", release)) as server, sending(max_connections=1) as sender:
        hold = asyncio.create_task(sender.send("GET", server.url + "/hold", {}, b"", T))
        await wait_until(lambda: len(server.requests) == 1)
        queued = []
        for name in "ABC":
            queued.append(asyncio.create_task(sender.send("GET", f"{server.url}/{name}", {}, b"", T)))
            await asyncio.sleep(0.01)
        release.set()
        await wait_until(lambda: len(server.requests) >= 2)
        late = asyncio.create_task(sender.send("GET", server.url + "/D", {}, b"", T))
        results = await asyncio.gather(hold, *queued, late)
    assert [r.body for r in results] == [b"/hold", b"/A", b"/B", b"/C", b"/D"]
    assert [target_of(r) for r in server.requests] == ["/hold", "/A", "/B", "/C", "/D"]
    assert server.accepts == 1


async def test_no_caller_starves_when_more_callers_than_connections_loop() -> None:
    """Three tasks calling in a loop over two connections: each gets its turn. Before
    the pool handed released connections to the longest waiter this ended 371/370/1,
    with the third task failing with ConnectTimeoutError."""
    calls = 150
    done = [0, 0, 0]
    at_first_finish: list[list[int]] = []

    async def caller(index: int) -> None:
        for _ in range(calls):
            await sender.send("GET", server.url + "/", {}, b"", Timeouts(5.0, 5.0, 1000))
            done[index] += 1
        if not at_first_finish:
            at_first_finish.append(list(done))

    async with serving(keep_alive()) as server, sending(max_connections=2) as sender:
        await asyncio.gather(*(caller(i) for i in range(3)))
    assert done == [calls] * 3
    # Strict turns: when the first task finished, the others were at most a turn behind.
    assert min(at_first_finish[0]) >= calls - 2, at_first_finish
    assert server.accepts == 2


async def test_a_waiter_for_another_origin_gets_the_freed_slot() -> None:
    """The pool limit spans origins: a connection released to the pool while the
    first waiter wants another origin is closed, and its slot goes to that waiter."""
    release = asyncio.Event()

    async def slow(conn: Conn) -> None:
        await conn.read_request()
        await release.wait()
        conn.send(OK)
        await conn.read_request()

    async with serving(slow) as one, serving(keep_alive(reply(b"two"))) as two:
        async with sending(max_connections=1) as sender:
            first = asyncio.create_task(sender.send("GET", one.url + "/", {}, b"", T))
            await wait_until(lambda: len(one.requests) == 1)
            other = asyncio.create_task(sender.send("GET", two.url + "/", {}, b"", T))
            await asyncio.sleep(0.01)
            release.set()
            assert (await first).body == b"ok"
            assert (await other).body == b"two"
        await wait_until(lambda: one.conns[0].done.is_set())
    assert one.conns[0].saw_eof  # closed by the pool to make room


@pytest.mark.parametrize("closing", [False, True], ids=["open", "closing"])
async def test_a_caller_who_gives_up_waiting_passes_the_connection_on(closing: bool) -> None:
    """A waiter cancelled just as a connection is handed to it: the next waiter gets
    it; nothing leaks or hangs. Unless it is closing by then (the loop has seen the
    server's FIN, not yet run ``connection_lost``): the next waiter gets a new one."""
    release = asyncio.Event()
    async with serving(_echo_holding("/hold", release)) as server, sending(max_connections=1) as sender:
        hold = asyncio.create_task(sender.send("GET", server.url + "/hold", {}, b"", T))
        await wait_until(lambda: len(server.requests) == 1)
        quitter = asyncio.create_task(sender.send("GET", server.url + "/quit", {}, b"", T))
        await asyncio.sleep(0.01)
        patient = asyncio.create_task(sender.send("GET", server.url + "/stay", {}, b"", T))
        await asyncio.sleep(0.01)
        pass_on = sender._pass_on

        def hand_over_then_cancel(given: Any) -> None:
            pass_on(given)  # the connection goes to the quitter's future...
            if closing:
                given.transport.close()
            quitter.cancel()  # ...whose task is cancelled before it runs again
            sender._pass_on = pass_on  # type: ignore[method-assign]

        sender._pass_on = hand_over_then_cancel  # type: ignore[method-assign]
        release.set()
        await hold
        with pytest.raises(asyncio.CancelledError):
            await quitter
        assert (await patient).body == b"/stay"
    assert [target_of(r) for r in server.requests] == ["/hold", "/stay"]
    assert server.accepts == (2 if closing else 1)


async def test_idle_connections_expire() -> None:
    async with serving(keep_alive()) as server, sending(idle_timeout=0.5) as sender:
        await sender.send("GET", server.url + "/1", {}, b"", T)
        await sender.send("GET", server.url + "/2", {}, b"", T)  # reused: still fresh
        assert server.accepts == 1
        await asyncio.sleep(0.7)
        await sender.send("GET", server.url + "/3", {}, b"", T)
        await wait_until(lambda: server.conns[0].done.is_set())
    assert server.accepts == 2
    assert [len(conn.requests) for conn in server.conns] == [2, 1]
    assert server.conns[0].saw_eof  # the expired one was closed by the pool


async def test_a_connection_the_server_closed_while_idle_is_not_used() -> None:
    """The server answers and closes at once (keeping quiet about it: no
    ``Connection: close``). Whether or not the loop has seen the FIN yet when the
    next request is made, that request goes on a new connection, with no error even
    though it is not safe to resend."""

    async def answer_and_close(conn: Conn) -> None:
        await conn.read_request()
        conn.send(OK)
        await conn.writer.drain()

    async with serving(answer_and_close) as server, sending() as sender:
        await sender.send("POST", server.url + "/1", {}, b"{}", T)
        await wait_until(lambda: server.conns[0].done.is_set())
        response = await sender.send("POST", server.url + "/2", {}, b"{}", T)
    assert response.body == b"ok"
    assert server.accepts == 2
    assert [target_of(r) for r in server.requests] == ["/1", "/2"]


async def test_stray_bytes_on_an_idle_connection_make_it_unusable() -> None:
    async def chatty(conn: Conn) -> None:
        await conn.read_request()
        conn.send(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray")
        await conn.read_to_eof()

    async with serving(chatty) as server, sending() as sender:
        await sender.send("GET", server.url + "/1", {}, b"", T)
        await sender.send("GET", server.url + "/2", {}, b"", T)
    assert server.accepts == 2


@pytest.mark.parametrize("keepalive", [False, True])
async def test_tcp_keepalive_as_asked(keepalive: bool) -> None:
    """SO_KEEPALIVE only when asked (botocore's tcp_keepalive: off by default)."""
    async with serving(keep_alive()) as server, sending(keepalive=keepalive) as sender:
        await sender.send("GET", server.url + "/", {}, b"", T)
        (idle,) = [c for conns in sender._idle.values() for c in conns]
        assert idle.transport is not None
        sock = idle.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == int(keepalive)


# ---------------------------------------------------------------- response head limits


def _head(*fields: str) -> bytes:
    return ("HTTP/1.1 200 OK\r\n" + "".join(f"{f}\r\n" for f in fields) + "Content-Length: 2\r\n\r\nok").encode()


async def _send_head(data: bytes, timeouts: Timeouts = T) -> Any:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(data)
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        return await sender.send("GET", server.url + "/", {}, b"", timeouts)


async def test_head_within_the_limits_is_accepted() -> None:
    fields = [f"X-F{i}: {'v' * 10}" for i in range(99)]  # + Content-Length: 100 fields
    response = await _send_head(_head(*fields))
    assert response.body == b"ok"
    assert len(response.headers) == 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            _head(*[f"X-F{i}: v" for i in range(100)]),
            "the number of header fields exceeds the limit of 100",
        ),
        (
            _head("X-Big: " + "v" * (64 * 1024)),
            "the header field 'X-Big' exceeds the limit of 65536",
        ),
        (
            _head(*[f"X-F{i}: {'v' * 4000}" for i in range(70)]),
            "its size exceeds the limit of 262144",
        ),
        (
            b"HTTP/1.1 200 " + b"O" * (64 * 1024 + 1) + b"\r\nContent-Length: 0\r\n\r\n",
            "the status line exceeds the limit of 65536",
        ),
    ],
    ids=["fields", "field", "total", "status-line"],
)
async def test_head_over_a_limit_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ResponseTooLargeError) as info:
        await _send_head(data)
    assert str(info.value) == f"response head refused: {message} (HTTP 200, request id None)"


async def test_an_endless_header_is_refused_after_the_limit_not_buffered() -> None:
    """A server streaming one header value forever (32 MB were once accepted): refused
    once the head passes 256 KiB, long before the server is done."""
    sent = 0

    async def handler(conn: Conn) -> None:
        nonlocal sent
        await conn.read_request()
        conn.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        chunk = b"v" * 65536
        with contextlib.suppress(ConnectionError):
            for _ in range(512):  # 32 MiB at most
                if conn.writer.transport.is_closing():
                    break
                conn.send(chunk)
                await conn.writer.drain()
                sent += len(chunk)

    async with serving(handler) as server, sending() as sender:
        with pytest.raises(ResponseTooLargeError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T)
        sent_when_refused = sent
    assert str(info.value) == (
        "response head refused: its size exceeds the limit of 262144 (HTTP 200, request id None)"
    )
    # At most what the loopback's socket buffers hold (tcp_rmem + tcp_wmem maxima, about
    # 10 MiB on Linux) beyond the 256 KiB read: well short of the 32 MiB on offer.
    assert sent_when_refused < 16 * 1024 * 1024


async def test_head_limits_can_be_raised() -> None:
    roomy = Timeouts(1.0, 1.0, 1000, max_head=1 << 20, max_fields=300, max_field=200_000)
    fields = [f"X-F{i}: v" for i in range(250)] + ["X-Big: " + "v" * 150_000]
    response = await _send_head(_head(*fields), roomy)
    assert response.body == b"ok"
    assert len(response.headers["X-Big"]) == 150_000


# ---------------------------------------------------------------- found by review


async def test_a_dead_idle_connection_does_not_stall_the_pool() -> None:
    """Pool of 2: idle connections to A (closed by its server meanwhile), B and C. A
    request to D and one to B both go through at once (connect_timeout is 2 s): the
    least recently used live idle connection (B's) is closed to make room, as closing
    the dead one would free nothing. Before, both waited out connect_timeout."""

    def answering(close_after_first: bool) -> Handler:
        async def handler(conn: Conn) -> None:
            while await conn.read_request() is not None:
                conn.send(OK)
                if close_after_first:
                    await conn.writer.drain()
                    return

        return handler

    quick = Timeouts(connect=2.0, read=2.0, max_body=1000)
    async with (
        serving(answering(True)) as a,
        serving(answering(False)) as b,
        serving(answering(False)) as c,
        serving(answering(False)) as d,
        sending(max_connections=2) as sender,
    ):
        await sender.send("GET", a.url + "/", {}, b"", quick)
        await wait_until(lambda: a.conns[0].done.is_set())
        await sender.send("GET", b.url + "/", {}, b"", quick)
        await sender.send("GET", c.url + "/", {}, b"", quick)
        to_d, to_b = await asyncio.gather(
            sender.send("GET", d.url + "/", {}, b"", quick),
            sender.send("GET", b.url + "/", {}, b"", quick),
        )
    assert (to_d.body, to_b.body) == (b"ok", b"ok")
    assert (b.accepts, c.accepts, d.accepts) == (2, 1, 1)
    assert b.conns[0].saw_eof  # closed by the pool to make room


async def test_an_early_answer_to_an_upload_is_returned_at_once() -> None:
    """The server answers 400 after the head, never reads the body and keeps the
    connection open: the answer comes back at once, not after the read timeout the
    stalled upload would reach."""

    async def early(conn: Conn) -> None:
        await conn.reader.readuntil(b"\r\n\r\n")
        conn.send(reply(b"bad", status="400 Bad Request"))
        await conn.writer.drain()
        await asyncio.sleep(30)

    slow_read = Timeouts(connect=1.0, read=30.0, max_body=1000)
    async with serving(early, rcvbuf=4096) as server, sending() as sender:
        async with asyncio.timeout(5):
            response = await sender.send("PUT", server.url + "/", {}, b"x" * (32 << 20), slow_read)
    assert (response.status, response.body) == (400, b"bad")


async def test_a_connection_closed_before_its_exchange_fails_fast_as_stale() -> None:
    async with serving(keep_alive()) as server, sending() as sender:
        await sender.send("GET", server.url + "/", {}, b"", T)
        (connection,) = [c for conns in sender._idle.values() for c in conns]
        assert connection.transport is not None
        connection.transport.abort()  # closing; connection_lost not yet run
        with pytest.raises(ConnectionFailedError) as info:
            await connection.exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"", T)
    assert str(info.value).endswith("the connection closed before the request was sent")


@pytest.mark.parametrize(
    "url",
    ["http://" + "a" * 64 + ".example/", "http://foo..example/"],
    ids=["label-too-long", "empty-label"],
)
async def test_a_host_name_idna_cannot_encode_is_a_connection_error(url: str) -> None:
    async with sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", url, {}, b"", T)
    assert "invalid host name" in str(info.value)


async def test_a_non_ascii_host_is_refused() -> None:
    async with sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", "https://bücher.example/", {}, b"", T)
    assert str(info.value) == (
        "invalid host in 'https://bücher.example': use the ASCII (punycode, xn--) form"
    )
