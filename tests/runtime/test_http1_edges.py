"""``ConnectionPool`` at the edges mutation testing found untested (docs/testing.md): limits
at exactly their value, URL forms, ``NO_PROXY`` with a port, the pool's count of slots
when a waiter gives up at the wrong moment, the ``select`` fallback of platforms without
``poll``, errors a parser callback did not expect, and a pool left behind by a closed
event loop. Scripted servers on 127.0.0.1, as in ``test_http1.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from awsmith._core.errors import ConnectionFailedError, ReadTimeoutError
from awsmith._core.settings import proxy_settings
from awsmith._core.transport.http import Timeouts
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.transport.http1 import connection as http1_connection
from awsmith._core.transport.http1.connection import Connection as _Connection
from awsmith._core.transport.http1.wire import Origin as _Origin
from tests.certs import make_ca_and_server, server_context
from tests.runtime.test_http1 import (
    HANG,
    OK,
    Conn,
    Handler,
    T,
    closed_by_client,
    keep_alive,
    reply,
    sending,
    serving,
    target_of,
    wait_until,
)

pytestmark = pytest.mark.anyio


def _loop_errors() -> list[dict[str, Any]]:
    """What the running loop reports to its exception handler from now on (an exception
    a protocol callback let out, say)."""
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: errors.append(context))
    return errors


# ---------------------------------------------------------------- URLs and proxies


@pytest.mark.parametrize(
    ("url", "line"),
    [
        ("http://example.com:1/", "GET http://example.com:1/ HTTP/1.1\r\nHost: example.com:1"),
        ("http://a:b:80/", "GET http://a:b:80/ HTTP/1.1\r\nHost: a:b:80"),
    ],
    ids=["port-1", "last-colon"],
)
async def test_url_forms_through_a_forward_proxy(url: str, line: str) -> None:
    """Port 1 is a port; the port is after the last colon (what comes before is the
    host, as written). Sent to a forward proxy, so that no name is resolved."""
    async with serving(keep_alive()) as proxy:
        sender = ConnectionPool(
            max_connections=1, proxies=proxy_settings({"http": proxy.url}, trust_env=False)
        )
        try:
            await sender.send("GET", url, {}, b"", T)
        finally:
            await sender.close()
    assert proxy.requests == [f"{line}\r\n\r\n".encode()]


async def test_a_bracketed_host_ends_at_its_first_bracket() -> None:
    async with sending() as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", "http://[::1]:80]/", {}, b"", T)
    assert str(info.value) == "invalid port in 'http://[::1]:80]'"


async def test_no_proxy_with_the_origins_port_bypasses_the_proxy() -> None:
    async with serving(keep_alive()) as origin, serving(keep_alive()) as proxy:
        environ = {"http_proxy": proxy.url, "no_proxy": f"127.0.0.1:{origin.port}"}
        sender = ConnectionPool(max_connections=1, proxies=proxy_settings(None, True, environ))
        try:
            await sender.send("GET", f"{origin.url}/", {}, b"", T)
        finally:
            await sender.close()
    assert (origin.accepts, proxy.accepts) == (1, 0)


async def test_create_connection_asks_for_happy_eyeballs() -> None:
    """RFC 8305's 250 ms between attempts, to the origin and to a proxy (whose host is
    connected to, TLS for an https:// proxy, checked against its name); none to an IP
    address (one address: nothing to race, and CPython 3.11's race leaves its tasks
    behind when the connect is cancelled)."""
    loop = asyncio.get_running_loop()
    real = loop.create_connection
    asked: list[tuple[Any, ...]] = []

    async def intercept(factory: Any, host: str, port: int, **kw: Any) -> Any:
        asked.append((host, port, kw["ssl"], kw["server_hostname"], kw["happy_eyeballs_delay"]))
        return await real(factory, "127.0.0.1", server.port)

    async with serving(keep_alive()) as server:
        direct = ConnectionPool(max_connections=1)
        proxied = ConnectionPool(
            max_connections=1,
            proxies=proxy_settings({"http": "http://proxy.test:3128"}, trust_env=False),
        )
        literal = ConnectionPool(max_connections=2)
        try:
            with mock.patch.object(loop, "create_connection", intercept):
                await direct.send("GET", "http://origin.test/", {}, b"", T)
                await proxied.send("GET", "http://origin.test/", {}, b"", T)
                await literal.send("GET", "http://192.0.2.1/", {}, b"", T)
                await literal.send("GET", "http://[2001:db8::1]:8080/", {}, b"", T)
        finally:
            await direct.close()
            await proxied.close()
            await literal.close()
    assert asked == [
        ("origin.test", 80, None, None, 0.25),
        ("proxy.test", 3128, None, None, 0.25),
        ("192.0.2.1", 80, None, None, None),
        ("2001:db8::1", 8080, None, None, None),
    ]


async def test_an_https_proxy_is_connected_to_by_name_over_tls() -> None:
    loop = asyncio.get_running_loop()
    asked: list[tuple[Any, ...]] = []
    context = ssl.create_default_context()

    async def intercept(factory: Any, host: str, port: int, **kw: Any) -> Any:
        asked.append((host, port, kw["ssl"], kw["server_hostname"], kw["happy_eyeballs_delay"]))
        raise ConnectionRefusedError(111, "intercepted")

    sender = ConnectionPool(
        max_connections=1,
        proxies=proxy_settings({"https": "https://proxy.test"}, trust_env=False),
        proxy_tls=context,
    )
    try:
        with (
            mock.patch.object(loop, "create_connection", intercept),
            pytest.raises(ConnectionFailedError) as info,
        ):
            await sender.send("GET", "https://origin.test/", {}, b"", T)
    finally:
        await sender.close()
    assert asked == [("proxy.test", 443, context, "proxy.test", 0.25)]
    assert str(info.value).startswith("cannot connect to the proxy https://proxy.test:443: ")


async def test_a_ca_file_given_without_a_context_is_used(tmp_path: Path) -> None:
    ca_file, cert, key = make_ca_and_server(tmp_path)
    async with serving(keep_alive(), tls=server_context(cert, key)) as server:
        sender = ConnectionPool(max_connections=1, ca_file=str(ca_file))
        try:
            response = await sender.send("GET", server.url + "/", {}, b"", T)
        finally:
            await sender.close()
    assert response.body == b"ok"


# ---------------------------------------------------------------- limits at their value


async def _answer(data: bytes | list[bytes], timeouts: Timeouts = T, method: str = "GET") -> Any:
    """The response to one request whose answer is ``data`` (a list: one write each,
    a little apart)."""

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        if isinstance(data, list):
            await conn.send_slowly(*data)
        else:
            conn.send(data)
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        return await sender.send(method, server.url + "/", {}, b"", timeouts)


async def test_header_fields_of_exactly_max_head_bytes_are_accepted() -> None:
    """Fields count name and value bytes: 1 + 84 + 14 + 1 = 100 here, the limit."""
    head = b"HTTP/1.1 200 OK\r\nX: " + b"v" * 84 + b"\r\nContent-Length: 2\r\n\r\nok"
    response = await _answer(head, Timeouts(HANG, HANG, 1000, max_head=100))
    assert response.body == b"ok"


async def test_the_fields_of_an_interim_response_do_not_count() -> None:
    head = b"HTTP/1.1 200 OK\r\nX: " + b"v" * 84 + b"\r\nContent-Length: 2\r\n\r\nok"
    interim = b"HTTP/1.1 100 Continue\r\nX-Interim: " + b"i" * 90 + b"\r\n\r\n"
    response = await _answer(interim + head, Timeouts(HANG, HANG, 1000, max_head=100))
    assert response.body == b"ok"


async def test_an_unfinished_head_of_exactly_max_head_bytes_is_not_refused() -> None:
    first = b"HTTP/1.1 200 OK\r\nX: " + b"v" * 100  # 120 bytes, the field not finished
    rest = b"\r\nContent-Length: 2\r\n\r\nok"
    response = await _answer([first, rest], Timeouts(HANG, HANG, 1000, max_head=120))
    assert response.body == b"ok"


async def test_body_bytes_read_with_the_head_do_not_count_as_head() -> None:
    """Counted, they would make the connection be dropped after the response."""
    body = b"b" * 4000
    limits = Timeouts(HANG, HANG, 10_000, max_head=1000)
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n" + body
    async with serving(keep_alive(answer)) as server, sending() as sender:
        for _ in range(2):
            response = await sender.send("GET", server.url + "/", {}, b"", limits)
            assert response.body == body
    assert server.accepts == 1


async def test_a_reason_phrase_of_exactly_max_field_bytes_is_accepted() -> None:
    data = b"HTTP/1.1 200 " + b"R" * 64 + b"\r\nContent-Length: 2\r\n\r\nok"
    response = await _answer(data, Timeouts(HANG, HANG, 1000, max_field=64))
    assert response.body == b"ok"


async def test_a_204_announcing_a_length_over_max_body_is_not_refused() -> None:
    data = b"HTTP/1.1 204 No Content\r\nContent-Length: 5000\r\n\r\n"
    response = await _answer(data, Timeouts(HANG, HANG, 10))
    assert (response.status, response.body) == (204, b"")


async def test_only_content_length_announces_the_body_size() -> None:
    """``X-Request-Size`` has the length of ``Content-Length`` (14) and a number."""
    data = b"HTTP/1.1 200 OK\r\nX-Request-Size: 99999\r\nContent-Length: 2\r\n\r\nok"
    response = await _answer(data, Timeouts(HANG, HANG, 10))
    assert response.headers["X-Request-Size"] == "99999"


async def test_a_close_delimited_body_with_chunked_in_another_header() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(b"HTTP/1.1 200 OK\r\nX-Mode: chunked\r\nConnection: close\r\n\r\nall of it")

    async with serving(handler) as server, sending() as sender:
        response = await sender.send("GET", server.url + "/", {}, b"", T)
    assert response.body == b"all of it"


# ---------------------------------------------------------------- failures


async def test_a_callback_error_that_is_not_a_transport_error_fails_the_call() -> None:
    """A bug in a parser callback fails the call with it, rather than hanging."""
    with mock.patch.object(http1_connection.Connection, "on_header", side_effect=RuntimeError("boom")):
        async with serving(keep_alive()) as server, sending() as sender:
            with pytest.raises(ConnectionFailedError) as info:
                await sender.send("GET", server.url + "/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == f"request to {server.url} failed: RuntimeError('boom')"


async def test_a_kept_alive_connection_cut_mid_response_is_not_resent() -> None:
    """Part of the response arrived: the server had the request, so even a request safe
    to repeat is not sent again on its own."""

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(OK)
        await conn.read_request()
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart")

    async with serving(handler) as server, sending() as sender:
        await sender.send("GET", server.url + "/", {}, b"", T)
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", server.url + "/", {}, b"", T, resend=True)
    assert str(info.value) == (
        f"request to {server.url} failed: the connection closed before the response was complete"
    )
    assert server.accepts == 1


async def test_garbage_after_a_response_closes_the_connection_quietly() -> None:
    errors = _loop_errors()

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(OK + b"garbage\r\n\r\n")
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        response = await sender.send("GET", server.url + "/", {}, b"", T)
        assert await closed_by_client(server.conns[0])
    assert response.body == b"ok"
    assert errors == []


async def test_the_read_timeout_counts_from_the_last_byte() -> None:
    """Bytes keep coming for longer than the read timeout, then stop: the timeout is
    measured from the last of them (the check is put off each time, not dropped)."""
    checks = 0
    check = _Connection._check_progress

    def counting(self: _Connection) -> None:
        nonlocal checks
        checks += 1
        check(self)

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        pieces = [b"HTTP/1.1 200 OK\r\n"] + [b"X: y\r\n"] * 6
        await conn.send_slowly(*pieces, gap=0.05)
        await conn.read_to_eof()

    async with serving(handler) as server, sending() as sender:
        with (
            mock.patch.object(_Connection, "_check_progress", counting),
            pytest.raises(ReadTimeoutError) as info,
        ):
            async with asyncio.timeout(HANG):
                await sender.send("GET", server.url + "/", {}, b"", Timeouts(HANG, 0.2, 1000))
    assert str(info.value) == (
        f"no response from {server.url} in time (nothing sent or received for 0.2 s)"
    )
    assert checks < 50  # once per timeout's worth of waiting, not at every turn of the loop


async def test_the_socket_draining_with_no_upload_waiting_changes_nothing() -> None:
    """asyncio calls ``resume_writing`` when the socket's buffer drains, also after the
    last chunk of an upload was written (nothing waits for it then)."""
    async with serving(keep_alive()) as server, sending() as sender:
        await sender.send("GET", server.url + "/", {}, b"", T)
        (idle,) = sender._idle[_Origin(server.url).key]
        idle.pause_writing()
        idle.resume_writing()
        await sender.send("GET", server.url + "/", {}, b"", T)
    assert server.accepts == 1


async def test_an_upload_stalled_after_draining_once_times_out() -> None:
    """The server reads part of the upload (the socket drains once), then nothing."""

    async def handler(conn: Conn) -> None:
        await conn.reader.readexactly(4 << 20)
        await conn.read_to_eof()

    async with serving(handler, rcvbuf=4096) as server, sending() as sender:
        with pytest.raises(ReadTimeoutError):
            async with asyncio.timeout(HANG):
                await sender.send(
                    "PUT", server.url + "/", {}, b"u" * (32 << 20), Timeouts(HANG, 0.5, 1000)
                )


async def test_after_an_early_answer_to_an_upload_the_connection_is_not_reused() -> None:
    """The rest of the body was never sent: the server still waits for it."""

    async def handler(conn: Conn) -> None:
        if conn.index == 0:
            await conn.reader.readuntil(b"\r\n\r\n")
            conn.send(reply(b"early", status="413 Content Too Large"))
            await conn.read_to_eof()
        else:
            await keep_alive()(conn)

    async with serving(handler, rcvbuf=4096) as server, sending() as sender:
        first = await sender.send("PUT", server.url + "/", {}, b"x" * (32 << 20), T)
        second = await sender.send("GET", server.url + "/", {}, b"", T)
    assert (first.status, second.body) == (413, b"ok")
    assert server.accepts == 2


# ---------------------------------------------------------------- the pool's slots


def _holding(release: asyncio.Event) -> Handler:
    """Answers every request of a connection once ``release`` is set."""

    async def handler(conn: Conn) -> None:
        while (request := await conn.read_request()) is not None:
            await release.wait()
            conn.send(reply(target_of(request).encode()))

    return handler


async def test_a_failed_connect_gives_back_exactly_its_slot() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    async with serving(keep_alive()) as server, sending(max_connections=1) as sender:
        with pytest.raises(ConnectionFailedError):
            await sender.send("GET", f"http://127.0.0.1:{dead}/", {}, b"", T)
        await asyncio.gather(
            *(sender.send("GET", f"{server.url}/{n}", {}, b"", T) for n in range(2))
        )
    assert server.accepts == 1  # one slot: the second waited for the first


async def _held_and_waiting(sender: ConnectionPool, url: str) -> tuple[_Connection, asyncio.Task[Any]]:
    """The only connection of a one-connection pool, and a task waiting for it."""
    origin = _Origin(url)
    held = await sender._acquire(origin, T)
    waiter = asyncio.create_task(sender._acquire(origin, T))
    await wait_until(lambda: len(sender._waiters) == 1)
    return held, waiter


async def test_a_waiter_cancelled_after_a_slot_was_reserved_for_it_gives_it_back() -> None:
    async with serving(keep_alive()) as server, sending(max_connections=1) as sender:
        held, waiter = await _held_and_waiting(sender, server.url)
        held.close()  # its connection_lost, next, frees the slot for the waiter...
        asyncio.get_running_loop().call_soon(waiter.cancel)  # ...cancelled right after
        with pytest.raises(asyncio.CancelledError):
            await waiter
        limits = Timeouts(2.0, HANG, 1000)
        await asyncio.gather(
            *(sender.send("GET", f"{server.url}/{n}", {}, b"", limits) for n in range(2))
        )
    assert server.accepts == 2  # held's, and one for both requests


async def test_a_cancelled_waiter_at_the_head_of_the_line_is_skipped() -> None:
    async with serving(keep_alive()) as server, sending(max_connections=1) as sender:
        origin = _Origin(server.url)
        held = await sender._acquire(origin, T)
        await held.exchange(f"GET / HTTP/1.1\r\nHost: {origin.host_header}\r\n\r\n".encode(), b"", T)
        first = asyncio.create_task(sender._acquire(origin, T))
        second = asyncio.create_task(sender._acquire(origin, T))
        await wait_until(lambda: len(sender._waiters) == 2)
        first.cancel()  # its waiter is cancelled now; its task has not run since
        sender.release(held)
        async with asyncio.timeout(HANG):
            assert await second is held
        with pytest.raises(asyncio.CancelledError):
            await first
        sender.release(held)


async def test_a_caller_cancelled_while_the_pool_closes_ends_cancelled() -> None:
    async with serving(keep_alive()) as server, sending(max_connections=1) as sender:
        held, waiter = await _held_and_waiting(sender, server.url)
        waiter.cancel()
        await sender.close()  # takes the (cancelled) waiter out of the line first
        with pytest.raises(asyncio.CancelledError):
            await waiter
        held.close()


async def test_slots_reserved_for_waiters_are_counted_once() -> None:
    """Two connections, both busy; a caller waits, and gets the slot of one the server
    closes; a caller arriving then waits too (two connections are open); once all is
    done every slot is back: two calls at once get two connections."""
    gate, release = asyncio.Event(), asyncio.Event()

    async def handler(conn: Conn) -> None:
        request = await conn.read_request()
        if request is None:
            return
        target = target_of(request)
        await (gate if target == "/gate" else release).wait()
        conn.send(reply(target.encode(), "Connection: close"))

    async with serving(handler) as server, sending(max_connections=2) as sender:

        def call(target: str) -> asyncio.Task[Any]:
            return asyncio.create_task(sender.send("GET", server.url + target, {}, b"", T))

        calls = [call("/hold"), call("/gate")]
        await wait_until(lambda: len(server.requests) == 2)
        calls.append(call("/waiter"))
        await wait_until(lambda: len(sender._waiters) == 1)
        gate.set()
        await wait_until(lambda: len(server.requests) == 3)
        calls.append(call("/late"))
        await wait_until(lambda: len(sender._waiters) == 1 or len(server.requests) == 4)
        assert [target_of(r) for r in server.requests] == ["/hold", "/gate", "/waiter"]
        release.set()
        results = await asyncio.gather(*calls)
        release.clear()
        again = [call("/a"), call("/b")]
        await wait_until(lambda: len(server.requests) == 6)
        release.set()
        await asyncio.gather(*again)
    assert [r.body for r in results] == [b"/hold", b"/gate", b"/waiter", b"/late"]
    assert server.max_open == 2


async def test_making_room_keeps_the_other_idle_connections_of_that_origin() -> None:
    """Two idle connections to one origin fill the pool; a call to another origin
    closes the older one; the next call to the first origin reuses the other one."""
    release = asyncio.Event()
    async with (
        serving(_holding(release)) as one,
        serving(keep_alive()) as two,
        sending(max_connections=2) as sender,
    ):
        pair = [asyncio.create_task(sender.send("GET", f"{one.url}/{n}", {}, b"", T)) for n in range(2)]
        await wait_until(lambda: len(one.requests) == 2)
        release.set()
        await asyncio.gather(*pair)
        await sender.send("GET", f"{two.url}/", {}, b"", T)
        await sender.send("GET", f"{one.url}/again", {}, b"", T)
    assert (one.accepts, two.accepts) == (2, 1)


# ---------------------------------------------------------------- select, without poll


async def test_without_poll_an_idle_connection_is_checked_with_select() -> None:
    async def answer_and_close(conn: Conn) -> None:
        await conn.read_request()
        conn.send(OK)
        if conn.index == 0:
            await keep_alive()(conn)

    with mock.patch.object(http1_connection, "_HAS_POLL", False):
        async with serving(answer_and_close) as server, sending() as sender:
            for _ in range(2):  # the first connection is reused
                await sender.send("GET", server.url + "/", {}, b"", T)
            assert server.accepts == 1
            (idle,) = sender._idle[_Origin(server.url).key]
            idle.close()
            await wait_until(lambda: server.conns[0].done.is_set())
            await sender.send("GET", server.url + "/", {}, b"", T)
            assert server.accepts == 2
            await wait_until(lambda: server.conns[1].done.is_set())  # closed by the server
            await sender.send("GET", server.url + "/", {}, b"", T)  # not on that one
    assert server.accepts == 3


async def test_a_connection_closed_by_the_client_while_idle_is_not_reused() -> None:
    """Closed (aborted) just now: its ``connection_lost`` has not run yet."""
    async with serving(keep_alive()) as server, sending() as sender:
        await sender.send("GET", server.url + "/", {}, b"", T)
        (idle,) = sender._idle[_Origin(server.url).key]
        idle.close()
        response = await sender.send("GET", server.url + "/", {}, b"", T)
    assert response.body == b"ok"
    assert server.accepts == 2


# ---------------------------------------------------------------- a closed loop's pool


@contextlib.contextmanager
def _threaded_server(
    tls: ssl.SSLContext | None = None, hang_up: threading.Event | None = None
) -> Iterator[int]:
    """A server in a thread, outside every event loop (its port): answers one request
    with ``OK`` and keeps the connection open until the block ends, or until
    ``hang_up`` is set (then it closes the socket, without a TLS close_notify)."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = hang_up or threading.Event()

    def serve() -> None:
        raw, _ = listener.accept()
        with tls.wrap_socket(raw, server_side=True) if tls is not None else raw as conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            conn.sendall(OK)
            done.wait(HANG)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(HANG)
        listener.close()


def test_a_pool_left_by_a_closed_loop_closes_its_tls_sockets(tmp_path: Path) -> None:
    """Used on one ``asyncio.run()``, closed from the next: the TLS connection's socket
    is closed at once, and the pool refuses further calls."""
    ca_file, cert, key = make_ca_and_server(tmp_path)
    kept: dict[str, Any] = {}
    url = ""

    async def first() -> None:
        sender = ConnectionPool(max_connections=1, tls=ssl.create_default_context(cafile=ca_file))
        await sender.send("GET", url, {}, b"", T)
        (connection,) = sender._all
        assert connection.transport is not None
        kept.update(sender=sender, socket=connection.transport.get_extra_info("socket"))

    async def second() -> None:
        sender: ConnectionPool = kept["sender"]
        await sender.close()
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", url, {}, b"", T)
        assert str(info.value) == "the HTTP connection pool is closed"

    with _threaded_server(server_context(cert, key)) as port:
        url = f"https://127.0.0.1:{port}/"
        asyncio.run(first())
        asyncio.run(second())
    assert kept["socket"].fileno() == -1


def test_a_pool_closed_from_another_loop_is_abandoned_even_if_its_loop_is_open() -> None:
    """Its loop is not running (nor closed): nothing it schedules would run, so the pool
    closes its sockets at once instead."""
    url = ""

    async def first() -> tuple[ConnectionPool, Any]:
        sender = ConnectionPool(max_connections=1)
        await sender.send("GET", url, {}, b"", T)
        (connection,) = sender._all
        assert connection.transport is not None
        return sender, connection.transport.get_extra_info("socket")

    loop = asyncio.new_event_loop()
    try:
        with _threaded_server() as port:
            url = f"http://127.0.0.1:{port}/"
            sender, sock = loop.run_until_complete(first())
            asyncio.run(sender.close())
        assert sock.fileno() == -1
    finally:
        loop.close()


def _step(loop: asyncio.AbstractEventLoop) -> None:
    """One turn of ``loop`` (not running): what its callbacks schedule runs in the next."""
    loop.call_soon(loop.stop)
    loop.run_forever()


def test_a_tls_connection_lost_as_its_loop_closed_is_abandoned_quietly(tmp_path: Path) -> None:
    """The server hung up: the TLS layer has closed the socket, let go of its transport
    and scheduled the connection's ``connection_lost``, which the loop, closed in that
    gap, never runs. Closed from the next loop, the pool finds no socket transport under
    the TLS one, and nothing left to close."""
    ca_file, cert, key = make_ca_and_server(tmp_path)
    hang_up = threading.Event()
    loop = asyncio.new_event_loop()
    try:
        with _threaded_server(server_context(cert, key), hang_up) as port:

            async def first() -> ConnectionPool:
                sender = ConnectionPool(
                    max_connections=1, tls=ssl.create_default_context(cafile=ca_file)
                )
                await sender.send("GET", f"https://127.0.0.1:{port}/", {}, b"", T)
                return sender

            sender = loop.run_until_complete(first())
            (connection,) = sender._all
            tls_transport: Any = connection.transport
            sock = tls_transport.get_extra_info("socket")
            hang_up.set()
            deadline = time.monotonic() + HANG
            while tls_transport._ssl_protocol._transport is not None:
                assert time.monotonic() < deadline, "the hang-up was not read in time"
                time.sleep(0.001)
                _step(loop)
            assert sock.fileno() == -1
            assert not connection.closed  # its connection_lost is still to run
            assert sender._all == {connection}
    finally:
        loop.close()
    asyncio.run(sender.close())
    assert connection.closed
    assert sender._all == set()


def test_a_connect_in_flight_when_its_pool_is_abandoned_still_fails_as_such() -> None:
    """Closed from another loop while a call on its own loop is connecting: the connect
    fails afterwards, and the call gives its slot back to the abandoned pool as usual."""
    loop = asyncio.new_event_loop()
    refused: asyncio.Future[None] = loop.create_future()
    asked: list[tuple[Any, ...]] = []

    async def intercept(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[1:])
        await refused

    async def start() -> tuple[ConnectionPool, asyncio.Task[Any]]:
        sender = ConnectionPool(max_connections=1)
        return sender, asyncio.create_task(sender.send("GET", "http://127.0.0.1:1/", {}, b"", T))

    try:
        with mock.patch.object(loop, "create_connection", intercept):
            sender, task = loop.run_until_complete(start())
            _step(loop)  # the call reserves its slot and asks for the connection
            assert asked == [("127.0.0.1", 1)]
            asyncio.run(sender.close())
            refused.set_exception(ConnectionRefusedError(111, "Connection refused"))
            with pytest.raises(ConnectionFailedError) as info:
                loop.run_until_complete(task)
    finally:
        loop.close()
    assert str(info.value) == (
        "request to http://127.0.0.1:1 failed: ConnectionRefusedError(111, 'Connection refused')"
    )


async def test_certificates_are_checked_by_default(tmp_path: Path) -> None:
    _, cert, key = make_ca_and_server(tmp_path)
    async with serving(keep_alive(), tls=server_context(cert, key)) as server:
        sender = ConnectionPool(max_connections=1)
        try:
            with pytest.raises(ConnectionFailedError) as info:
                await sender.send("GET", server.url + "/", {}, b"", T)
        finally:
            await sender.close()
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)


@pytest.mark.parametrize(("idle", "accepts"), [(19.5, 1), (20.5, 2)])
async def test_idle_connections_are_kept_20_s_by_default(idle: float, accepts: int) -> None:
    loop = asyncio.get_running_loop()
    real = loop.time
    async with serving(keep_alive()) as server:
        sender = ConnectionPool(max_connections=1)  # idle_timeout left out
        try:
            await sender.send("GET", server.url + "/", {}, b"", T)
            with mock.patch.object(loop, "time", lambda: real() + idle):
                await sender.send("GET", server.url + "/", {}, b"", T)
        finally:
            await sender.close()
    assert server.accepts == accepts


async def test_a_request_safe_to_repeat_is_sent_at_most_twice() -> None:
    """Stale on both attempts: the second failure is the caller's."""
    stale = http1_connection.StaleConnection("request to x failed: stale")
    async with serving(keep_alive()) as server, sending() as sender:
        with (
            mock.patch.object(_Connection, "exchange", side_effect=stale) as exchange,
            pytest.raises(ConnectionFailedError) as info,
        ):
            await sender.send("GET", server.url + "/", {}, b"", T, resend=True)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == "request to x failed: stale"
    assert exchange.call_count == 2


async def test_a_stale_connection_handed_straight_to_a_waiter() -> None:
    """The connection went from one caller to the next without ever being idle; the
    server closes it without answering the second: an error (not safe to repeat)."""
    release = asyncio.Event()

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await release.wait()
        conn.send(OK)
        await conn.read_request()  # and close without an answer

    async with serving(handler) as server, sending(max_connections=1) as sender:
        first = asyncio.create_task(sender.send("GET", server.url + "/1", {}, b"", T))
        await wait_until(lambda: len(server.requests) == 1)
        second = asyncio.create_task(sender.send("POST", server.url + "/2", {}, b"{}", T))
        await wait_until(lambda: len(sender._waiters) == 1)
        release.set()
        assert (await first).body == b"ok"
        with pytest.raises(ConnectionFailedError) as info:
            await second
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == (
        f"request to {server.url} failed: the server closed the kept-alive connection "
        "before responding"
    )


async def test_checking_an_idle_connection_never_waits() -> None:
    """``poll`` (or ``select``) with a timeout of 0: the loop is never blocked."""
    timeouts: list[Any] = []
    real_poll, real_select = http1_connection.select.poll, http1_connection.select.select

    made: list[Poll] = []

    class Poll:
        def __init__(self) -> None:
            self._poll = real_poll()
            made.append(self)

        def register(self, fd: int, events: int) -> None:
            self._poll.register(fd, events)

        def poll(self, timeout: Any) -> Any:
            timeouts.append(("poll", timeout))
            return self._poll.poll(timeout)

    def select(*args: Any) -> Any:
        timeouts.append(("select", args[3]))
        return real_select(*args)

    async with serving(keep_alive()) as server:
        async with sending() as sender:
            with mock.patch.object(http1_connection.select, "poll", Poll):
                for _ in range(3):  # the poll object made at the first check is kept
                    await sender.send("GET", server.url + "/", {}, b"", T)
        async with sending() as sender:
            with (
                mock.patch.object(http1_connection, "_HAS_POLL", False),
                mock.patch.object(http1_connection.select, "select", select),
            ):
                for _ in range(2):
                    await sender.send("GET", server.url + "/", {}, b"", T)
    assert timeouts == [("poll", 0), ("poll", 0), ("select", 0)]
    assert len(made) == 1  # one per connection, not one per check
    assert server.accepts == 2


async def test_an_idle_connection_is_reused_up_to_exactly_idle_timeout() -> None:
    """The clock stands still: released and wanted again at the same instant, with an
    idle timeout of 0, the connection is still young enough."""
    loop = asyncio.get_running_loop()
    now = loop.time()
    async with serving(keep_alive()) as server, sending(idle_timeout=0.0) as sender:
        with mock.patch.object(loop, "time", lambda: now):
            for _ in range(2):
                await sender.send("GET", server.url + "/", {}, b"", T)
    assert server.accepts == 1


async def test_connections_the_server_closes_leave_the_pool() -> None:
    async with (
        serving(keep_alive(reply(b"ok", "Connection: close"))) as server,
        sending() as sender,
    ):
        for _ in range(3):
            response = await sender.send("GET", server.url + "/", {}, b"", T)
            assert response.body == b"ok"
        await asyncio.sleep(0)  # the last one's connection_lost (abort() schedules it)
        assert sender._all == set()
        assert sender._open == 0
    assert server.accepts == 3


async def test_the_read_timeout_fires_at_exactly_read_seconds() -> None:
    """The clock stands still, then jumps to exactly ``read`` seconds after the request
    went out: the check then due fails the call (it does not put itself off to the same
    instant)."""

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(OK)
        await conn.read_request()  # and no answer
        await conn.read_to_eof()

    loop = asyncio.get_running_loop()
    timeouts = Timeouts(connect=HANG, read=1.0, max_body=1000)
    async with serving(handler) as server, sending() as sender:
        await sender.send("GET", server.url + "/", {}, b"", timeouts)  # kept alive
        (connection,) = sender._all
        # A whole number of seconds: now + 1.0 - now is exactly 1.0.
        now = float(math.ceil(loop.time()))
        with mock.patch.object(loop, "time", lambda: now):
            task = asyncio.create_task(sender.send("GET", server.url + "/", {}, b"", timeouts))
            try:
                await asyncio.sleep(0)  # sent on the idle connection; the check is set
                timer = connection._timer
                assert timer is not None
                assert timer.when() == now + 1.0
                now += 1.0
                for _ in range(5):  # the check, the call's wake-up, its end
                    await asyncio.sleep(0)
                assert task.done()
            finally:
                task.cancel()
        with pytest.raises(ReadTimeoutError) as info:
            task.result()
    assert str(info.value) == (
        f"no response from {server.url} in time (nothing sent or received for 1 s)"
    )


@pytest.mark.parametrize(("size", "one_write"), [(65_536, True), (65_537, False)])
async def test_a_body_up_to_64_kib_goes_in_one_write_with_the_head(
    size: int, one_write: bool
) -> None:
    """The documented rule (``_ONE_WRITE``): up to 64 KiB inclusive, head and body in
    one ``write``; above, the head, then the body (one chunk here)."""
    body = b"x" * size
    written: list[bytes] = []
    async with serving(keep_alive()) as server, sending() as sender:
        await sender.send("GET", server.url + "/", {}, b"", T)  # the connection, kept alive
        (connection,) = sender._all
        transport = connection.transport
        assert transport is not None
        write = transport.write

        def recording(data: bytes | bytearray | memoryview) -> None:
            written.append(bytes(data))
            write(data)

        with mock.patch.object(transport, "write", recording):
            await sender.send("PUT", server.url + "/", {}, body, T)
    head = (
        f"PUT / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    assert server.requests[-1] == head + body
    assert written == ([head + body] if one_write else [head, body])
