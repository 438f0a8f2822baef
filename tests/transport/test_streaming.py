"""Streamed request and response bodies (``HttpSender.stream``) on both senders:
awsmith's own HTTP/1.1 pool (asyncio) and the httpx one (asyncio, and trio, where it is
the default), against a scripted server in a thread that reads and writes raw bytes.

What a presigned S3 transfer relies on: the exact bytes of the request (the URL as
given, ``Host``, the caller's headers, ``Content-Length``, no chunking and nothing
else), a body sent as its source yields it and never held whole, a source that yields
more or fewer bytes than declared refused, a response body handed over as it arrives,
each wait for it bounded by the read timeout, ``max_response_bytes`` not applying, and
the connection back in the pool only when the body was read to its end (closed when
the reader stops early, fails or is cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

import awsmith
from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    RequestBodyLengthError,
    ResponseTooLargeError,
    URLRefusedError,
)
from awsmith._core.settings import proxy_settings
from awsmith._core.transport.http import (
    HttpSender,
    StreamBody,
    StreamedResponse,
    Timeouts,
    check_stream_url,
)
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.transport.http1.body import _STREAM_HIGH_WATER
from awsmith._core.transport.httpx_sender import HttpxSender, owned_client
from awsmith._core.transport.proxy import NO_PROXIES, ProxySettings
from awsmith._core.transport.tls import tls_context
from devservers import forward_proxy as fp
from tests.certs import make_ca_and_server, server_context
from tests.transport.scripted import (
    HANG,
    Conn,
    Handler,
    awaited,
    keep_alive,
    response,
    scripted,
    wait_event,
)

pytestmark = pytest.mark.anyio

#: Generous limits for the tests that are not about them; a small max_body, which a
#: streamed body must not meet.
T = Timeouts(connect=HANG, read=HANG, max_body=16)


@pytest.fixture(
    params=[("http1", "asyncio"), ("httpx", "asyncio"), ("httpx", "trio")],
    ids=["http1", "httpx-asyncio", "httpx-trio"],
)
def kind(request: pytest.FixtureRequest) -> tuple[str, str]:
    value: tuple[str, str] = request.param
    return value


@pytest.fixture
def anyio_backend(kind: tuple[str, str]) -> str:
    return kind[1]


@asynccontextmanager
async def sender_of(
    kind: tuple[str, str],
    *,
    max_connections: int = 10,
    ca_file: Path | None = None,
    proxies: ProxySettings = NO_PROXIES,
) -> AsyncIterator[HttpSender]:
    """The sender under test, as the client makes it (``_make_sender``)."""
    tls = tls_context(True, str(ca_file)) if ca_file is not None else None
    sender: HttpSender
    if kind[0] == "http1":
        sender = ConnectionPool(
            max_connections=max_connections, tls=tls, proxies=proxies, ca_file=str(ca_file or "")
        )
    else:
        client = owned_client(
            verify=tls if tls is not None else True,
            max_connections=max_connections,
            proxies=proxies,
            proxy_tls=None,
        )
        sender = HttpxSender(client, owned=True)
    try:
        yield sender
    finally:
        await sender.close()


class Source:
    """A body source: yields ``pieces`` (waiting for ``gates[i]``, if given, before the
    i-th), counting what was taken, and noting that it was finalized."""

    def __init__(self, *pieces: bytes, gates: dict[int, threading.Event] | None = None) -> None:
        self.pieces = pieces
        self.gates = gates or {}
        self.taken = 0
        self.finalized = False

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            for index, piece in enumerate(self.pieces):
                if index in self.gates:
                    await awaited(self.gates[index])
                self.taken += 1
                yield piece
        finally:
            self.finalized = True

    def body(self, length: int | None = None) -> StreamBody:
        size = sum(map(len, self.pieces))
        return StreamBody(self.chunks(), size if length is None else length)


async def read_all(response: StreamedResponse) -> list[bytes]:
    return [chunk async for chunk in response.aiter_bytes()]


async def put(sender: HttpSender, url: str, body: StreamBody | bytes, **headers: str) -> tuple[int, bytes]:
    async with sender.stream("PUT", url, headers, body, T) as answer:
        return answer.status, b"".join(await read_all(answer))


def request_target(request: bytes) -> bytes:
    return request.split(b" ", 2)[1]


# ---------------------------------------------------------------- the request


#: A presigned URL's query, with every character a query may carry unencoded, and
#: escapes that must stay escapes (a re-encoding client would turn %2F into / or
#: %252F, ' into %27, and the signature would no longer match).
QUERY = (
    "uploadId=a%2Fb%3D%3D&partNumber=7&X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
    "&odd=!$'()*+,;=:@/?~&empty=&X-Amz-SignedHeaders=host&X-Amz-Signature=00ff"
)


async def test_the_request_is_sent_exactly_as_given(kind: tuple[str, str]) -> None:
    """Request line with the URL's path and query byte for byte, Host as in the URL,
    the caller's headers in order, Content-Length from the StreamBody, the body as
    the source yielded it: nothing else (no User-Agent, no Authorization, no chunked
    encoding), and the same bytes from both senders."""
    with scripted(keep_alive(response(b"", 'ETag: "abc"'))) as server:
        url = f"{server.url}/bucket/a%20key/x~y?{QUERY}"
        source = Source(b"hello ", b"", b"wor", b"ld")
        async with sender_of(kind) as sender, sender.stream(
            "PUT", url, {"Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww=="}, source.body(), T
        ) as answer:
            assert (answer.status, answer.headers["etag"]) == (200, '"abc"')
            assert await read_all(answer) == []
    assert server.requests == [
        f"PUT /bucket/a%20key/x~y?{QUERY} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Content-MD5: XrY7u+Ae7tCTyyK7j1rNww==\r\n"
        "Content-Length: 11\r\n"
        "\r\n"
        "hello world".encode()
    ]
    assert source.finalized


async def test_a_get_has_no_content_length_and_bytes_bodies_are_sent_too(
    kind: tuple[str, str],
) -> None:
    with scripted(keep_alive(response(b"data"))) as server:
        async with sender_of(kind) as sender:
            async with sender.stream("GET", f"{server.url}/o?a=1", {}, b"", T) as answer:
                assert b"".join(await read_all(answer)) == b"data"
            assert await put(sender, f"{server.url}/o", b"abc") == (200, b"data")
            assert await put(sender, f"{server.url}/o", StreamBody(Source().chunks(), 0)) == (
                200,
                b"data",
            )
    host = f"Host: 127.0.0.1:{server.port}\r\n"
    assert server.requests == [
        f"GET /o?a=1 HTTP/1.1\r\n{host}\r\n".encode(),
        f"PUT /o HTTP/1.1\r\n{host}Content-Length: 3\r\n\r\nabc".encode(),
        f"PUT /o HTTP/1.1\r\n{host}Content-Length: 0\r\n\r\n".encode(),
    ]
    assert server.accepts == 1  # one kept-alive connection for all three


async def test_each_chunk_is_sent_before_the_next_is_taken(kind: tuple[str, str]) -> None:
    """The source's second chunk is asked for only after the server has received the
    first: the body goes out as it is produced, never gathered first."""
    first_arrived = threading.Event()

    async def handler(conn: Conn) -> None:
        head = await conn.read_head()
        assert await conn.reader.readexactly(5) == b"first"
        first_arrived.set()
        rest = await conn.reader.readexactly(6)
        conn.server.record(head + b"first" + rest)
        await conn.send(response())
        await keep_alive()(conn)

    source = Source(b"first", b"second", gates={1: first_arrived})
    with scripted(handler) as server:
        async with sender_of(kind) as sender:
            assert await put(sender, f"{server.url}/p", source.body()) == (200, b"")
    assert server.requests[0].endswith(b"\r\n\r\nfirstsecond")
    assert (source.taken, source.finalized) == (2, True)


@pytest.mark.parametrize(
    ("pieces", "declared", "message"),
    [
        (
            (b"abc", b"defg"),
            5,
            "the request body of PUT {url}/p yielded more than its declared 5 bytes "
            "(Content-Length): 7 so far",
        ),
        (
            (b"abc",),
            5,
            "the request body of PUT {url}/p ended after 3 of its declared 5 bytes "
            "(Content-Length)",
        ),
    ],
    ids=["more", "fewer"],
)
async def test_a_body_of_another_length_than_declared_is_refused(
    kind: tuple[str, str], pieces: tuple[bytes, ...], declared: int, message: str
) -> None:
    """More: stopped before the excess goes out. Fewer: found at its end. Either way
    the connection is closed (the server sees it end mid-body) and the next request
    goes on a new one."""
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            head = await conn.read_head()
            conn.server.record(head + await conn.read_to_eof())
            return
        await keep_alive()(conn)

    source = Source(*pieces)
    with scripted(handler) as server:
        async with sender_of(kind, max_connections=1) as sender:
            with pytest.raises(RequestBodyLengthError) as info:
                await put(sender, f"{server.url}/p?X-Amz-Signature=secret", source.body(declared))
            assert str(info.value) == message.format(url=server.url)
            assert "secret" not in str(info.value)
            await awaited((await server.conn(0)).eof)
            assert await put(sender, f"{server.url}/q", b"") == (200, b"")
    assert server.requests[0].endswith(f"Content-Length: {declared}\r\n\r\nabc".encode())
    assert server.accepts == 2
    assert source.finalized


async def test_a_source_that_fails_fails_the_request_as_it_is(kind: tuple[str, str]) -> None:
    """The source's own error (a file that cannot be read) comes through unchanged;
    the half-sent request's connection is closed."""

    async def failing() -> AsyncIterator[bytes]:
        yield b"abc"
        raise OSError("disk on fire")

    with scripted(keep_alive()) as server:
        async with sender_of(kind, max_connections=1) as sender:
            with pytest.raises(OSError, match=r"^disk on fire$"):
                await put(sender, f"{server.url}/p", StreamBody(failing(), 10))
            await awaited((await server.conn(0)).eof)
            assert await put(sender, f"{server.url}/q", b"") == (200, b"")
    assert server.accepts == 2


@pytest.mark.parametrize(
    ("chunk", "error", "message"),
    [
        ("text", TypeError, "a request body chunk must be bytes, not str"),
        (bytearray(b"abc"), None, None),
        (memoryview(b"abc"), None, None),
    ],
    ids=["str", "bytearray", "memoryview"],
)
async def test_chunks_must_be_bytes_like(
    kind: tuple[str, str], chunk: Any, error: type[Exception] | None, message: str | None
) -> None:
    async def source() -> AsyncIterator[Any]:
        yield chunk

    with scripted(keep_alive()) as server:
        async with sender_of(kind) as sender:
            if error is None:
                assert await put(sender, f"{server.url}/p", StreamBody(source(), 3)) == (200, b"")
                assert server.requests[0].endswith(b"\r\n\r\nabc")
            else:
                with pytest.raises(error) as info:
                    await put(sender, f"{server.url}/p", StreamBody(source(), 4))
                assert str(info.value) == message


def test_a_stream_body_is_checked_and_sent_once() -> None:
    with pytest.raises(ValueError, match=r"^StreamBody length must be an int >= 0, got -1$"):
        StreamBody(Source().chunks(), -1)
    with pytest.raises(ValueError, match=r"^StreamBody length must be an int >= 0, got True$"):
        StreamBody(Source().chunks(), True)
    body = StreamBody(Source().chunks(), 0)
    assert repr(body) == "StreamBody(length=0)"
    body.counted("PUT x")
    with pytest.raises(RuntimeError, match=r"^this StreamBody was sent already: make a new one"):
        body.counted("PUT x")


async def test_an_answer_before_the_body_is_sent_stops_the_upload(kind: tuple[str, str]) -> None:
    """S3 refusing a part (403) as soon as it read the head: the rest of the source is
    never read, the source is finalized, the answer is handed back, and the connection
    (its request cut short) is not reused."""
    answered = threading.Event()

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_head()
            await conn.send(
                response(b"<Error>AccessDenied</Error>", "Connection: close", status="403 Forbidden")
            )
            answered.set()
            # A lingering close, as S3's: reading on until the client closes (a close
            # with the request unread would reset the connection, and the answer with it).
            conn.writer.write_eof()
            await conn.read_to_eof()
            return
        await keep_alive()(conn)

    source = Source(b"a" * 1000, b"b" * 1000, b"c", gates={1: answered})
    with scripted(handler) as server:
        async with sender_of(kind, max_connections=1) as sender:
            status, body = await put(sender, f"{server.url}/p", source.body())
            assert (status, body) == (403, b"<Error>AccessDenied</Error>")
            assert await put(sender, f"{server.url}/q", b"") == (200, b"")
    if kind[0] == "http1":
        # httpcore sends a body to its end (or until a write fails), then reads.
        assert source.taken < 3
    assert source.finalized
    assert server.accepts == 2


async def test_cancelled_mid_upload_closes_the_connection_and_finalizes_the_source(
    kind: tuple[str, str],
) -> None:
    """The task is cancelled while the source waits for its next chunk: the source is
    finalized, the half-sent request's connection closed (the server sees it end), its
    pool slot free for the next request, and no task left behind."""
    head_read = threading.Event()
    finalized: list[bool] = []

    async def source() -> AsyncIterator[bytes]:
        try:
            yield b"x" * 1000
            await anyio.sleep_forever()
            yield b"never"
        finally:
            finalized.append(True)

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_head()
            head_read.set()
            await conn.read_to_eof()
            return
        await keep_alive()(conn)

    with scripted(handler) as server:
        async with sender_of(kind, max_connections=1) as sender:
            tasks_before = _tasks(kind)
            with anyio.move_on_after(HANG) as scope:
                async with anyio.create_task_group() as group:

                    async def upload() -> None:
                        await put(sender, f"{server.url}/p", StreamBody(source(), 2000))

                    group.start_soon(upload)
                    await awaited(head_read)
                    group.cancel_scope.cancel()
            assert not scope.cancelled_caught
            await awaited((await server.conn(0)).eof)
            assert _tasks(kind) == tasks_before
            assert await put(sender, f"{server.url}/q", b"") == (200, b"")
    assert finalized == [True]
    assert server.accepts == 2


async def test_an_upload_the_server_stops_reading_times_out(kind: tuple[str, str]) -> None:
    """No progress for the read timeout while the body backs up (the server reads
    nothing more): a ReadTimeoutError, the connection closed."""
    read = 0.5

    async def endless() -> AsyncIterator[bytes]:
        chunk = bytes(256 * 1024)
        for _ in range(256):  # 64 MiB: more than loopback's buffers take
            yield chunk

    timed_out = threading.Event()

    async def handler(conn: Conn) -> None:
        await conn.read_head()
        await wait_event(timed_out)  # reading nothing meanwhile
        await conn.read_to_eof()  # what was sent, then the client's close

    with scripted(handler, rcvbuf=64 * 1024) as server:
        async with sender_of(kind) as sender:
            timeouts = Timeouts(connect=HANG, read=read, max_body=16)
            body = StreamBody(endless(), 64 * 1024 * 1024)
            started = anyio.current_time()
            with pytest.raises(ReadTimeoutError) as info:
                async with sender.stream("PUT", f"{server.url}/p", {}, body, timeouts):
                    pass
            assert anyio.current_time() - started >= read * 0.99
            timed_out.set()
            await awaited((await server.conn(0)).eof)
    assert str(info.value).startswith(f"no response from {server.url} in time")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_stale_kept_alive_connection_is_resent_unless_the_body_was_taken() -> None:
    """awsmith's sender: with ``resend``, a request that met a kept-alive connection the
    server closed before answering goes once more on a new one, if its body can be
    sent again: bytes, or a StreamBody none of which was taken. One whose chunks were
    taken fails (retryable) instead."""

    async def drops_the_second(conn: Conn) -> None:
        if conn.index % 2 == 0:
            await conn.read_request()
            await conn.send(response(b"first"))
            await conn.read_head()  # read, never answered: the server closes
            return
        await keep_alive(response(b"again"))(conn)

    with scripted(drops_the_second) as server:
        async with sender_of(("http1", "asyncio")) as sender:
            assert await put(sender, f"{server.url}/a", b"") == (200, b"first")
            async with sender.stream("GET", f"{server.url}/b", {}, b"", T, resend=True) as answer:
                assert await answer.aread(100) == b"again"
            # the first connection is gone; a new pair: answered, then dropped
            await sender.close()
        async with sender_of(("http1", "asyncio")) as sender:
            assert await put(sender, f"{server.url}/c", b"") == (200, b"first")
            taken = Source(b"abc")
            with pytest.raises(ConnectionFailedError) as info:
                async with sender.stream("PUT", f"{server.url}/d", {}, taken.body(), T, resend=True):
                    pass
    assert str(info.value) == (
        f"request to {server.url} failed: the server closed the kept-alive connection "
        "before responding"
    )
    assert taken.finalized


# ---------------------------------------------------------------- the response


async def test_the_body_is_handed_over_as_it_arrives(kind: tuple[str, str]) -> None:
    """The server sends the second part of the body only after the reader got the
    first: nothing waits for the whole body. Read to its end, the connection goes back
    to the pool (the next request reuses it)."""
    got_first = threading.Event()

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst")
        await wait_event(got_first)
        await conn.send(b"later")
        await keep_alive(response(b"again"))(conn)

    with scripted(handler) as server:
        async with sender_of(kind) as sender:
            async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                chunks = answer.aiter_bytes()
                assert await anext(chunks) == b"first"
                got_first.set()
                assert [chunk async for chunk in chunks] == [b"later"]
            async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                assert await answer.aread(100) == b"again"
    assert server.accepts == 1


async def test_max_response_bytes_does_not_apply_to_a_streamed_body(kind: tuple[str, str]) -> None:
    """``Timeouts.max_body`` (16 bytes here) bounds parsed API responses; a download is
    as large as the file. ``aread`` has a limit of its own."""
    body = bytes(range(256)) * 4096  # 1 MiB, announced by Content-Length
    with scripted(keep_alive(response(body))) as server:
        async with sender_of(kind) as sender:
            async with sender.stream("GET", f"{server.url}/big", {}, b"", T) as answer:
                assert b"".join(await read_all(answer)) == body
            async with sender.stream("GET", f"{server.url}/big", {}, b"", T) as answer:
                with pytest.raises(ResponseTooLargeError) as info:
                    await answer.aread(1000)
            assert str(info.value).startswith("response body of ")
            assert str(info.value).endswith(" bytes exceeds the 1000 byte limit (HTTP 200, request id None)")


@pytest.mark.parametrize("how", ["break", "exception", "unread"])
async def test_a_body_not_read_to_its_end_closes_the_connection(
    kind: tuple[str, str], how: str
) -> None:
    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
            await conn.read_to_eof()
            return
        await keep_alive()(conn)

    with scripted(handler) as server:
        async with sender_of(kind, max_connections=1) as sender:
            with pytest.raises(LookupError) if how == "exception" else contextlib.nullcontext():
                async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                    if how != "unread":
                        async for _chunk in answer.aiter_bytes():
                            if how == "exception":
                                raise LookupError("the reader failed")
                            break
            await awaited((await server.conn(0)).eof)
            async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                assert answer.status == 200
            with pytest.raises(RuntimeError) as info:
                answer.aiter_bytes()
            assert str(info.value) == (
                "the response stream is closed: read its body inside the async with block"
            )
            assert await put(sender, f"{server.url}/o", b"") == (200, b"")  # reused
    assert server.accepts == 2


async def test_cancelled_mid_body_closes_the_connection_and_leaves_nothing(
    kind: tuple[str, str],
) -> None:
    """A reader cancelled while it waits for the next chunk: the connection is closed
    at once (the server sees it), its pool slot is free (one slot, and the next request
    gets it), and the reader's task is the only one that existed."""
    sent = threading.Event()

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.read_request()
            await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            sent.set()
            await conn.read_to_eof()
            return
        await keep_alive()(conn)

    got: list[bytes] = []
    with scripted(handler) as server:
        async with sender_of(kind, max_connections=1) as sender:

            async def download(scope: anyio.CancelScope) -> None:
                with scope:
                    async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                        async for chunk in answer.aiter_bytes():
                            got.append(chunk)
                            scope.cancel()  # cancelled at its next wait for a chunk

            scope = anyio.CancelScope()
            tasks_before = _tasks(kind)
            async with anyio.create_task_group() as group:
                group.start_soon(download, scope)
            assert scope.cancelled_caught
            await awaited((await server.conn(0)).eof)
            assert _tasks(kind) == tasks_before
            assert await put(sender, f"{server.url}/q", b"") == (200, b"")
    assert got == [b"0123456789"]
    assert server.accepts == 2


def _tasks(kind: tuple[str, str]) -> set[object]:
    """The tasks of the running loop (trio: of the test's nursery tree)."""
    if kind[1] == "asyncio":
        return set(asyncio.all_tasks())
    import trio

    root = trio.lowlevel.current_root_task()
    assert root is not None
    found: set[object] = set()
    pending = [root]
    while pending:
        task = pending.pop()
        found.add(task)
        for nursery in task.child_nurseries:
            pending.extend(nursery.child_tasks)
    return found


async def test_the_read_timeout_applies_to_each_wait_for_a_chunk(kind: tuple[str, str]) -> None:
    """Chunks 0.4 read timeouts apart: the whole body takes longer than the read
    timeout and arrives; a stall longer than it fails the read, naming the origin."""
    read = 1.0
    timeouts = Timeouts(connect=HANG, read=read, max_body=16)

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for piece in (b"a", b"b", b"c"):
            await asyncio.sleep(read * 0.4)
            await conn.send(piece)
        await conn.read_to_eof()  # and then nothing more

    with scripted(handler) as server:
        async with sender_of(kind) as sender:
            async with sender.stream("GET", f"{server.url}/o", {}, b"", timeouts) as answer:
                chunks = answer.aiter_bytes()
                assert [await anext(chunks) for _ in range(3)] == [b"a", b"b", b"c"]
                started = anyio.current_time()
                with pytest.raises(ReadTimeoutError) as info:
                    await anext(chunks)
                assert anyio.current_time() - started >= read * 0.99
            await awaited((await server.conn(0)).eof)
    assert f"from {server.url} in time" in str(info.value)


async def test_a_body_cut_short_fails_the_read(kind: tuple[str, str]) -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")

    with scripted(handler) as server:
        async with (
            sender_of(kind) as sender,
            sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer,
        ):
            chunks = answer.aiter_bytes()
            assert await anext(chunks) == b"0123456789"
            with pytest.raises(ConnectionFailedError) as info:
                await anext(chunks)
    assert str(info.value).startswith(f"request to {server.url} failed: ")


async def test_a_close_delimited_body_ends_at_the_close(kind: tuple[str, str]) -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")

    with scripted(handler) as server:
        async with (
            sender_of(kind) as sender,
            sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer,
        ):
            assert b"".join(await read_all(answer)) == b"all of it"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_slow_reader_holds_a_bounded_buffer() -> None:
    """awsmith's sender pauses reading from the socket while more than the high-water
    mark waits unread: the rest of the body stays with the kernel and the server (whose
    writes back up once the socket buffers are full: loopback's may take all 32 MiB)
    instead of in the client's memory. The body arrives whole once read on. (httpx
    reads from the socket only when asked.)"""
    size = 32 * 1024 * 1024
    body = bytes(range(256)) * (size // 256)

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode() + body)
        await conn.read_to_eof()

    with scripted(handler) as server:
        async with sender_of(("http1", "asyncio")) as sender:
            assert isinstance(sender, ConnectionPool)
            async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                chunks = answer.aiter_bytes()
                received = [await anext(chunks)]
                (connection,) = sender._all
                queued = connection.body
                assert queued is not None
                deadline = anyio.current_time() + HANG
                while not queued._paused:
                    assert anyio.current_time() < deadline, "reading never paused"
                    await anyio.sleep(0.005)
                assert queued._buffered <= _STREAM_HIGH_WATER + 256 * 1024
                received += [chunk async for chunk in chunks]
            assert hashlib.sha256(b"".join(received)).digest() == hashlib.sha256(body).digest()


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_whole_body_left_unread_in_a_paused_connection_frees_it_for_the_next() -> None:
    """A body that arrived whole while reading was paused (the reader took none of
    it): the connection goes back to the pool reading again, and serves the next
    response. The server sends the body up to the pause mark, waits until the client
    holds all of it, then the last kilobyte in one write: the read that crosses the
    mark, and pauses reading, is the one that completes the body, however the loopback
    cut the first part (a 612 KiB body sent at once could pause with its end still in
    the kernel: a flake under load)."""
    body = b"z" * (_STREAM_HIGH_WATER + 1024)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    at_the_mark = threading.Event()

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.send(head + body[:_STREAM_HIGH_WATER])
        await wait_event(at_the_mark)
        await conn.send(body[_STREAM_HIGH_WATER:])
        while await conn.read_request() is not None:
            await conn.send(head + body)

    with scripted(handler) as server:
        async with sender_of(("http1", "asyncio")) as sender:
            assert isinstance(sender, ConnectionPool)
            async with sender.stream("GET", f"{server.url}/o", {}, b"", T) as answer:
                (connection,) = sender._all
                queued = connection.body
                assert queued is not None
                deadline = anyio.current_time() + HANG
                while queued._buffered < _STREAM_HIGH_WATER:
                    assert anyio.current_time() < deadline, "the first part never arrived"
                    await anyio.sleep(0.005)
                assert not queued._paused  # at the mark, not over it
                at_the_mark.set()
                while not queued.complete:
                    assert anyio.current_time() < deadline, "the body never arrived"
                    await anyio.sleep(0.005)
                assert queued._paused
            timeouts = Timeouts(connect=HANG, read=2.0, max_body=16)
            async with sender.stream("GET", f"{server.url}/o", {}, b"", timeouts) as answer:
                assert len(await answer.aread(len(body))) == len(body)
    assert server.accepts == 1


# ---------------------------------------------------------------- the URL


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://127.0.0.1/x", "not an http(s):// URL"),
        ("127.0.0.1/x", "not an http(s):// URL"),
        ("http://example.com/x?a=1", "plain http:// only to a loopback address (127.0.0.0/8, ::1, localhost); anything else must be https://"),
        ("http://10.0.0.1/x", "plain http:// only to a loopback address (127.0.0.0/8, ::1, localhost); anything else must be https://"),
        ("https://h.example/a b", "the URL holds the character ' ', which it cannot carry as given (it is sent exactly as given, never re-encoded)"),
        ("https://h.example/x#frag", "the URL holds a fragment (#), which it cannot carry as given (it is sent exactly as given, never re-encoded)"),
        ("https://h.example/x?a=\u00e9", "the URL holds the character '\u00e9', which it cannot carry as given (it is sent exactly as given, never re-encoded)"),
        ("https://h.example/x?a=%zz", "a '%' not followed by two hex digits"),
        ("https://h.example/x?a=%2", "a '%' not followed by two hex digits"),
        ("https://user:pw@h.example/x", "user info in the URL"),
        ("https:///x", "no host"),
    ],
)
def test_urls_that_cannot_be_sent_as_given_are_refused(url: str, problem: str) -> None:
    with pytest.raises(URLRefusedError) as info:
        check_stream_url(url)
    shown = url.split("?")[0][:200]
    assert str(info.value) == f"refusing to send to {shown!r}: {problem}"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/x",
        "http://127.9.9.9/x",
        "http://localhost/x",
        "http://[::1]:9000/x?a=%2F",
        "HTTPS://bucket.s3.us-east-1.amazonaws.com/k?X-Amz-Credential=A%2Fb&x=!$'()*+,;=:@/?",
    ],
)
def test_https_and_loopback_http_urls_are_accepted(url: str) -> None:
    check_stream_url(url)


async def test_a_refused_url_sends_nothing(kind: tuple[str, str]) -> None:
    with scripted(keep_alive()) as server:
        async with sender_of(kind) as sender:
            with pytest.raises(URLRefusedError):
                async with sender.stream("GET", f"{server.url}/a b", {}, b"", T):
                    pass
    assert server.accepts == 0


# ---------------------------------------------------------------- written


@pytest.mark.parametrize("body", ["none", "bytes", "stream"])
async def test_written_is_called_as_the_request_goes_to_the_connection(
    kind: tuple[str, str], body: str
) -> None:
    """``written``, as ``send()`` takes it (issue 22 D8: an attempt cut short counts
    only once its request was written), is called once, before the response: the
    server answers only after the test's callback ran."""
    called = threading.Event()
    calls: list[str] = []

    def written() -> None:
        calls.append("written")
        called.set()

    async def answers_once_written(conn: Conn) -> None:
        while await conn.read_request() is not None:
            await wait_event(called)
            await conn.send(response(b"ok"))

    sent: bytes | StreamBody = {
        "none": b"", "bytes": b"abc", "stream": Source(b"ab", b"c").body()
    }[body]
    method = "GET" if body == "none" else "PUT"
    with scripted(answers_once_written) as server:
        async with sender_of(kind) as sender, sender.stream(
            method, f"{server.url}/o", {}, sent, T, written=written
        ) as answer:
            assert (answer.status, await answer.aread(100)) == (200, b"ok")
    assert calls == ["written"]
    assert len(server.requests) == 1


async def test_written_is_not_called_for_a_request_never_written(kind: tuple[str, str]) -> None:
    """A TLS handshake that never completes (the kernel accepts, nobody answers): the
    connect timeout ends the request before any of it was written, and ``written`` was
    not called (an attempt ended so counts by its own error, not by being written)."""
    calls: list[str] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/p"
        limits = Timeouts(connect=0.2, read=HANG, max_body=16)
        async with sender_of(kind) as sender:
            with anyio.fail_after(HANG), pytest.raises(ConnectTimeoutError):
                async with sender.stream(
                    "PUT", url, {}, b"abc", limits, written=lambda: calls.append("written")
                ):
                    pass
    assert calls == []


# ---------------------------------------------------------------- TLS and proxies


@pytest.fixture
def certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    return make_ca_and_server(tmp_path)


async def test_https_with_the_clients_ca_bundle(
    kind: tuple[str, str], certificates: tuple[Path, Path, Path]
) -> None:
    ca_file, cert, key = certificates
    source = Source(b"x" * 70_000, b"y" * 70_000)
    with scripted(keep_alive(response(b"ok")), tls=server_context(cert, key)) as server:
        async with sender_of(kind, ca_file=ca_file) as sender:
            assert await put(sender, f"{server.url}/p?X-Amz-Signature=1", source.body()) == (200, b"ok")
        async with sender_of(kind) as sender:  # certifi's bundle: the test CA is unknown
            with pytest.raises(ConnectionFailedError, match="CERTIFICATE_VERIFY_FAILED"):
                await put(sender, f"{server.url}/p", b"")
    assert server.requests[0].endswith(b"\r\n\r\n" + b"x" * 70_000 + b"y" * 70_000)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[fp.ForwardProxy]:
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    if not fp.available():
        pytest.skip(f"needs a real forward proxy: {fp.INSTALL_HINT}")
    with fp.forward_proxy() as started:
        yield started


def _upload_and_download(part: bytes) -> Handler:
    """Stores the body of a PUT (answering with its MD5 as the ETag), serves it back
    to a GET, on any number of kept-alive connections."""
    stored: list[bytes] = []

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            head, _, body = request.partition(b"\r\n\r\n")
            if head.startswith(b"PUT "):
                stored.append(body)
                await conn.send(response(b"", f'ETag: "{hashlib.md5(body).hexdigest()}"'))
            else:
                await conn.send(response(stored[-1]))

    return handler


async def _round_trip(sender: HttpSender, url: str, part: bytes) -> bytes:
    halves = Source(part[: len(part) // 2], part[len(part) // 2 :])
    async with sender.stream("PUT", url, {}, halves.body(), T) as answer:
        assert answer.headers["ETag"] == f'"{hashlib.md5(part).hexdigest()}"'
    async with sender.stream("GET", url, {}, b"", T) as answer:
        return b"".join(await read_all(answer))


async def test_through_a_forward_proxy_in_absolute_form(
    kind: tuple[str, str], proxy: fp.ForwardProxy
) -> None:
    """An http:// (loopback) URL through tinyproxy: the request line names the URL
    exactly as given, and the origin gets its path and query untouched; the
    connection to the proxy is kept alive for the next request."""
    part = bytes(range(256)) * 1000
    with scripted(_upload_and_download(part)) as origin:
        url = f"{origin.url}/bucket/key?{QUERY}"
        proxies = proxy_settings({"http": proxy.url}, trust_env=False)
        async with sender_of(kind, proxies=proxies) as sender:
            assert await _round_trip(sender, url, part) == part
    # tinyproxy reads the first request of a kept-alive connection (and rewrites it to
    # origin form), then relays the connection as it is: the second arrives as sent.
    assert proxy.requests() == [f"PUT {url} HTTP/1.1"]
    assert [request_target(request) for request in origin.requests] == [
        f"/bucket/key?{QUERY}".encode(),
        url.encode(),
    ]


async def test_through_a_connect_tunnel(
    kind: tuple[str, str], proxy: fp.ForwardProxy, certificates: tuple[Path, Path, Path]
) -> None:
    """An https:// URL through a CONNECT tunnel, TLS with the origin (its certificate
    checked against the client's CA bundle): the origin sees the exact bytes."""
    ca_file, cert, key = certificates
    part = bytes(range(256)) * 1000
    with scripted(_upload_and_download(part), tls=server_context(cert, key)) as origin:
        url = f"{origin.url}/bucket/key?{QUERY}"
        proxies = proxy_settings({"https": proxy.url}, trust_env=False)
        async with sender_of(kind, proxies=proxies, ca_file=ca_file) as sender:
            assert await _round_trip(sender, url, part) == part
    assert proxy.requests() == [f"CONNECT 127.0.0.1:{origin.port} HTTP/1.1"]
    host = f"Host: 127.0.0.1:{origin.port}\r\n"
    assert origin.requests == [
        f"PUT /bucket/key?{QUERY} HTTP/1.1\r\n{host}Content-Length: {len(part)}\r\n\r\n".encode()
        + part,
        f"GET /bucket/key?{QUERY} HTTP/1.1\r\n{host}\r\n".encode(),
    ]


# ---------------------------------------------------------------- from a client


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_client_streams_through_its_own_sender_and_settings(
    anyio_backend: str, proxy: fp.ForwardProxy
) -> None:
    """``BaseClient._transfer()`` (what the attachment helpers use): the client's own
    sender (awsmith's on asyncio, httpx on trio), so its Config's proxies apply, and
    its timeouts; the sender it gives is the one its calls use."""
    from awsmith.support import SupportClient

    part = b"p" * 70_000
    with scripted(_upload_and_download(part)) as origin:
        client = SupportClient(
            region="us-east-1",
            endpoint_url=origin.url,
            credentials=awsmith.Credentials(access_key_id="AKID", secret_access_key="secret"),
            config=awsmith.Config(proxies={"http": proxy.url}, read_timeout=7.0),
        )
        async with client:
            sender, timeouts = await client._transfer()
            assert isinstance(sender, ConnectionPool if anyio_backend == "asyncio" else HttpxSender)
            # the Config gives no connect_timeout: the default defaults mode's, 60 s
            assert (timeouts.read, timeouts.connect) == (7.0, 60.0)
            assert sender is (await client._transfer())[0]
            assert await _round_trip(sender, f"{origin.url}/k?X-Amz-Signature=1", part) == part
    assert proxy.requests()[0] == f"PUT {origin.url}/k?X-Amz-Signature=1 HTTP/1.1"


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_callers_httpx_client_adds_nothing_to_a_stream() -> None:
    """A caller's ``httpx.AsyncClient`` with default params, headers, cookies and auth
    (all of which would change a presigned URL or add headers it was not signed
    with): the streamed request carries none of them. Its transport (here a
    MockTransport, whose responses are read already) is used."""
    import httpx

    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"mocked", headers={"ETag": '"e"'})

    client = httpx.AsyncClient(
        transport=httpx.MockTransport(answer),
        params={"extra": "1"},
        headers={"X-Default": "1"},
        cookies={"session": "s"},
        auth=("user", "password"),
        base_url="https://elsewhere.example",
    )
    sender = HttpxSender(client, owned=False)
    url = f"https://bucket.s3.amazonaws.com/k?{QUERY}"
    async with sender.stream("GET", url, {"Range": "bytes=0-9"}, b"", T) as streamed:
        assert (streamed.status, streamed.headers["etag"]) == (200, '"e"')
        assert b"".join(await read_all(streamed)) == b"mocked"
    await client.aclose()
    (request,) = seen
    assert str(request.url) == url
    assert request.url.raw_path == f"/k?{QUERY}".encode()
    assert request.headers.raw == [(b"Host", b"bucket.s3.amazonaws.com"), (b"Range", b"bytes=0-9")]
