"""``ConnectionPool``'s ``CONNECT`` tunnel (https origins through a forward proxy), against
a scripted proxy and a TLS origin on 127.0.0.1, both in the test's event loop: the exact
bytes of the ``CONNECT`` request, the proxy's refusals and garbled answers (the exact
error class and message), TLS with the origin through the tunnel (and with the proxy
itself for an ``https://`` proxy URL), and ``_TunnelReader`` fed by hand, one read at a
time.

``tests/transport/test_proxies.py`` runs the same paths against a real proxy
(tinyproxy); this file needs nothing installed, so mutation testing reaches the tunnel.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from awsmith._core.errors import ConnectionFailedError, ConnectTimeoutError
from awsmith._core.settings import proxy_settings
from awsmith._core.transport.http import Timeouts
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.transport.http1.connect import _TunnelReader
from awsmith._core.transport.proxy import Proxy
from tests.certs import make_ca_and_server, server_context
from tests.runtime.test_http1 import (
    HANG,
    Conn,
    Handler,
    Server,
    T,
    closed_by_client,
    keep_alive,
    reply,
    serving,
)

pytestmark = pytest.mark.anyio

ESTABLISHED = b"HTTP/1.1 200 Connection established\r\n\r\n"
#: ``alice:s3cret`` in Basic form.
ALICE = "Basic YWxpY2U6czNjcmV0"


class Pki:
    """A CA, and a server context with a certificate it signed (127.0.0.1, localhost)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.ca_file, cert, key = make_ca_and_server(folder)
        self.server = server_context(cert, key)

    def client(self) -> ssl.SSLContext:
        """A client context that trusts this CA only."""
        return ssl.create_default_context(cafile=str(self.ca_file))


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path / "origin")


@pytest.fixture
def proxy_pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path / "proxy")


@asynccontextmanager
async def sender_via(
    proxy: str, tls: ssl.SSLContext, proxy_tls: ssl.SSLContext | None = None
) -> AsyncIterator[ConnectionPool]:
    """A sender whose https requests go through the proxy at URL ``proxy``."""
    sender = ConnectionPool(
        max_connections=1,
        tls=tls,
        proxies=proxy_settings({"https": proxy}, trust_env=False),
        proxy_tls=proxy_tls,
    )
    try:
        yield sender
    finally:
        await sender.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def tunnel_to(origin: Server, *answer: bytes) -> Handler:
    """A proxy that reads ``CONNECT``, sends ``answer`` (``ESTABLISHED`` if not given; in
    pieces if given in pieces) and then relays bytes to and from ``origin``, whatever the
    target named."""

    async def handler(conn: Conn) -> None:
        if await conn.read_request() is None:
            return
        await conn.send_slowly(*(answer or [ESTABLISHED]))
        reader, writer = await asyncio.open_connection("127.0.0.1", origin.port)
        async with asyncio.TaskGroup() as group:
            group.create_task(_pipe(conn.reader, writer))
            group.create_task(_pipe(reader, conn.writer))

    return handler


def answering(answer: bytes) -> Handler:
    """A proxy that reads ``CONNECT``, sends ``answer`` and waits for the client to go."""

    async def handler(conn: Conn) -> None:
        if await conn.read_request() is None:
            return
        conn.send(answer)
        await conn.read_to_eof()

    return handler


def proxy_url(proxy: Server, credentials: str = "") -> str:
    return proxy.url.replace("://", f"://{credentials}@" if credentials else "://")


def http_url(proxy: Server) -> str:
    """How messages name the proxy (no credentials)."""
    return f"http://127.0.0.1:{proxy.port}"


# ---------------------------------------------------------------- through the tunnel


async def test_connect_request_then_tls_with_the_origin(pki: Pki) -> None:
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin)) as proxy,
        sender_via(proxy_url(proxy), pki.client()) as sender,
    ):
        first = await sender.send("GET", f"{origin.url}/a", {"X-One": "1"}, b"", T)
        second = await sender.send("PUT", f"{origin.url}/b", {}, b"body", T)
    target = f"127.0.0.1:{origin.port}"
    assert proxy.requests == [f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()]
    assert origin.requests == [
        f"GET /a HTTP/1.1\r\nHost: {target}\r\nX-One: 1\r\n\r\n".encode(),
        f"PUT /b HTTP/1.1\r\nHost: {target}\r\nContent-Length: 4\r\n\r\nbody".encode(),
    ]
    assert (first.status, first.body, second.status, second.body) == (200, b"ok", 200, b"ok")
    assert (proxy.accepts, origin.accepts) == (1, 1)  # one tunnel, kept alive


async def test_credentials_go_to_the_proxy_only(pki: Pki) -> None:
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin)) as proxy,
        sender_via(proxy_url(proxy, "alice:s3cret"), pki.client()) as sender,
    ):
        response = await sender.send("GET", f"{origin.url}/", {}, b"", T)
    target = f"127.0.0.1:{origin.port}"
    assert proxy.requests == [
        f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
        f"Proxy-Authorization: {ALICE}\r\n\r\n".encode()
    ]
    assert origin.requests == [f"GET / HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()]
    assert response.status == 200


async def test_the_connect_target_has_the_default_port_and_the_origin_its_name(
    pki: Pki,
) -> None:
    """``https://localhost/``: ``CONNECT localhost:443``, TLS checked against the name
    ``localhost`` (the proxy relays to the test origin, whatever the port)."""
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin)) as proxy,
        sender_via(proxy_url(proxy), pki.client()) as sender,
    ):
        response = await sender.send("GET", "https://localhost/x", {}, b"", T)
    assert proxy.requests == [b"CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n"]
    assert origin.requests == [b"GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"]
    assert response.body == b"ok"


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 Connection established\r\n\r\n",
        b"HTTP/1.0 200\r\n\r\n",
        b"HTTP/1.1 299 Fine\r\nVia: 1.1 proxy\r\n\r\n",
    ],
    ids=["200", "200-no-reason", "299"],
)
async def test_any_2xx_answer_opens_the_tunnel(pki: Pki, answer: bytes) -> None:
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin, answer)) as proxy,
        sender_via(proxy_url(proxy), pki.client()) as sender,
    ):
        response = await sender.send("GET", f"{origin.url}/", {}, b"", T)
    assert (response.status, response.body) == (200, b"ok")


async def test_the_answer_may_arrive_in_pieces(pki: Pki) -> None:
    pieces = (b"HTTP/1.1 200 Connection", b" established\r\nVia: x\r\n\r", b"\n")
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin, *pieces)) as proxy,
        sender_via(proxy_url(proxy), pki.client()) as sender,
    ):
        response = await sender.send("GET", f"{origin.url}/", {}, b"", T)
    assert response.body == b"ok"


async def test_the_origin_name_is_checked_through_the_tunnel(pki: Pki) -> None:
    """The proxy relays to the test origin, whose certificate names 127.0.0.1 and
    localhost, not example.test: refused, as without a proxy."""
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin)) as proxy,
        sender_via(proxy_url(proxy), pki.client()) as sender,
    ):
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", f"https://example.test:{origin.port}/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    message = str(info.value)
    assert message.startswith(
        f"request to https://example.test:{origin.port} failed: SSLCertVerificationError("
    )
    assert "Hostname mismatch, certificate is not valid for 'example.test'" in message
    assert origin.requests == []


async def test_an_https_proxy_is_spoken_to_over_tls_with_its_own_context(
    pki: Pki, proxy_pki: Pki
) -> None:
    """TLS with the proxy (checked with ``proxy_tls``, which trusts the proxy's CA only),
    then TLS with the origin inside it (checked with ``tls``, the origin's CA only)."""
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin), tls=proxy_pki.server) as proxy,
        sender_via(proxy_url(proxy), pki.client(), proxy_pki.client()) as sender,
    ):
        response = await sender.send("GET", f"{origin.url}/", {}, b"", T)
    target = f"127.0.0.1:{origin.port}"
    assert proxy.url.startswith("https://")
    assert proxy.requests == [f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()]
    assert origin.requests == [f"GET / HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()]
    assert response.body == b"ok"


async def test_without_proxy_tls_an_https_proxy_is_checked_with_the_origin_context(
    pki: Pki, proxy_pki: Pki
) -> None:
    async with (
        serving(keep_alive(), tls=pki.server) as origin,
        serving(tunnel_to(origin), tls=proxy_pki.server) as proxy,
        sender_via(proxy_url(proxy), pki.client()) as sender,
    ):
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", f"{origin.url}/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value).startswith(
        f"cannot connect to the proxy https://127.0.0.1:{proxy.port}: SSLCertVerificationError("
    )
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert proxy.requests == []


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("answer", "refusal"),
    [
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n",
            "407 Proxy Authentication Required",
        ),
        (b"HTTP/1.1 403 Forbidden\r\n\r\n", "403 Forbidden"),
        (b"HTTP/1.0 502\r\n\r\n", "502"),
        (b"HTTP/1.1 300 Multiple Choices\r\n\r\n", "300 Multiple Choices"),
        (b"HTTP/1.1 199 Early\r\n\r\n", "199 Early"),
    ],
    ids=["407", "403", "502-no-reason", "300", "199"],
)
async def test_a_non_2xx_answer_is_a_refusal_naming_the_proxy_not_its_password(
    answer: bytes, refusal: str
) -> None:
    async with (
        serving(answering(answer)) as proxy,
        sender_via(proxy_url(proxy, "alice:s3cret"), ssl.create_default_context()) as sender,
    ):
        for _ in range(2):  # the slot (max_connections=1) was given back
            with pytest.raises(ConnectionFailedError) as info:
                await sender.send("GET", "https://example.com/", {}, b"", T)
            assert type(info.value) is ConnectionFailedError
            assert str(info.value) == (
                f"the proxy {http_url(proxy)} refused to connect to example.com:443: {refusal}"
            )
            assert "s3cret" not in repr(info.value)
        assert await closed_by_client(proxy.conns[0])
        assert await closed_by_client(proxy.conns[1])
    assert proxy.accepts == 2


async def refused(answer: bytes) -> tuple[str, str]:
    """(the proxy's URL, the message) of the ConnectionFailedError a proxy answering
    ``answer`` to CONNECT ends the call with; the client has closed the connection."""
    async with (
        serving(answering(answer)) as proxy,
        sender_via(proxy_url(proxy), ssl.create_default_context()) as sender,
    ):
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", "https://example.com/", {}, b"", T)
        assert await closed_by_client(proxy.conns[0])
    assert type(info.value) is ConnectionFailedError
    return http_url(proxy), str(info.value)


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (b"HTTP/2 200 OK\r\n\r\n", "HTTP/2 200 OK"),
        (b"HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 2x0 OK"),
        (b"HTTP/1.1\r\n\r\n", "HTTP/1.1"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "SSH-2.0-OpenSSH_9.6"),
        (b"\r\n\r\n", ""),
        (b"HTTP/1.1 2" + b"\xe9" * 200 + b"\r\nVia: x\r\n\r\n", "HTTP/1.1 2" + "\xe9" * 200),
    ],
    ids=["version", "status", "no-status", "not-http", "empty", "long-latin-1"],
)
async def test_a_malformed_answer(answer: bytes, shown: str) -> None:
    url, message = await refused(answer)
    assert message == f"the proxy {url} sent a malformed answer to CONNECT: {shown[:100]!r}"


async def test_bytes_in_the_tunnel_before_the_tls_hello_refuse_it() -> None:
    """After a 2xx the connection is the tunnel, and a TLS origin says nothing before
    the client's hello: bytes that came with the answer are refused, never dropped
    unseen. (Bytes that come once TLS has started fail its handshake; the reader's
    count of bytes after the answer is tested below.)"""
    url, message = await refused(ESTABLISHED + b"hello")
    assert message == (
        f"the proxy {url} sent 5 bytes after its 200 answer to CONNECT example.com:443, "
        "before the TLS handshake: not a tunnel awsmith can use"
    )


@pytest.mark.parametrize("size", [64 * 1024 + 1, 200 * 1024])
async def test_an_answer_over_64_kib_is_refused(size: int) -> None:
    url, message = await refused(b"HTTP/1.1 200 OK\r\nX: " + b"x" * (size - 20))
    assert message == f"the proxy {url} sent an answer to CONNECT over 64 KiB"


def closing_after(answer: bytes, *, half: bool = False) -> Handler:
    """A proxy that reads ``CONNECT``, sends ``answer``, then closes (``half``: only its
    sending side, and goes on reading)."""

    async def handler(conn: Conn) -> None:
        await conn.read_request()
        conn.send(answer)
        if half:
            conn.writer.write_eof()
            await conn.read_to_eof()

    return handler


@pytest.mark.parametrize(
    ("answer", "half"),
    [
        (b"", False),
        (b"", True),
        (b"HTTP/1.1 200 OK\r\n", False),
        (b"HTTP/1.1 200 OK\r\n" + b"x" * (64 * 1024 - 17), True),  # 64 KiB: not over it
    ],
    ids=["nothing", "nothing-half-close", "part", "64-kib"],
)
async def test_a_proxy_that_closes_before_answering(answer: bytes, half: bool) -> None:
    async with (
        serving(closing_after(answer, half=half)) as proxy,
        sender_via(proxy_url(proxy), ssl.create_default_context()) as sender,
    ):
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", "https://example.com/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == (
        f"the proxy {http_url(proxy)} closed the connection before it answered CONNECT"
    )
    assert len(proxy.requests) == 1


async def test_a_proxy_that_never_answers_is_a_connect_timeout() -> None:
    async def handler(conn: Conn) -> None:
        await conn.read_request()
        await conn.read_to_eof()

    async with (
        serving(handler) as proxy,
        sender_via(proxy_url(proxy), ssl.create_default_context()) as sender,
    ):
        for _ in range(2):  # the slot (max_connections=1) was given back
            with pytest.raises(ConnectTimeoutError) as info:
                await sender.send("GET", "https://example.com/", {}, b"", Timeouts(0.2, HANG, 10))
            assert str(info.value) == (
                f"connecting to https://example.com through the proxy {http_url(proxy)} timed out"
            )
        assert await closed_by_client(proxy.conns[0])
    assert proxy.accepts == 2


async def test_a_proxy_nobody_listens_on() -> None:
    async with serving(keep_alive()) as gone:
        port = gone.port
    async with sender_via(f"http://127.0.0.1:{port}", ssl.create_default_context()) as sender:
        with pytest.raises(ConnectionFailedError) as info:
            await sender.send("GET", "https://example.com/", {}, b"", T)
    assert type(info.value) is ConnectionFailedError
    refused = ConnectionRefusedError(errno.ECONNREFUSED, f"Connect call failed ('127.0.0.1', {port})")
    assert str(info.value) == f"cannot connect to the proxy http://127.0.0.1:{port}: {refused!r}"
    assert isinstance(info.value.__cause__, ConnectionRefusedError)


# ---------------------------------------------------------------- plain http: absolute form


async def test_plain_http_goes_to_the_proxy_in_absolute_form() -> None:
    async with serving(keep_alive()) as proxy:
        sender = ConnectionPool(
            max_connections=1,
            proxies=proxy_settings(
                {"http": proxy_url(proxy, "alice:s3cret")}, trust_env=False
            ),
        )
        try:
            response = await sender.send("GET", "http://example.com:8080/a?b=c", {}, b"", T)
        finally:
            await sender.close()
    assert proxy.requests == [
        b"GET http://example.com:8080/a?b=c HTTP/1.1\r\nHost: example.com:8080\r\n"
        + f"Proxy-Authorization: {ALICE}\r\n\r\n".encode()
    ]
    assert (response.status, response.body) == (200, b"ok")


async def test_a_407_from_a_forward_proxy_is_a_refusal() -> None:
    answer = reply(b"no", "Proxy-Authenticate: Basic", status="407 Proxy Authentication Required")
    async with serving(keep_alive(answer)) as proxy:
        sender = ConnectionPool(
            max_connections=1, proxies=proxy_settings({"http": proxy.url}, trust_env=False)
        )
        try:
            with pytest.raises(ConnectionFailedError) as info:
                await sender.send("GET", "http://example.com/", {}, b"", T)
        finally:
            await sender.close()
    assert type(info.value) is ConnectionFailedError
    assert str(info.value) == (
        f"the proxy {http_url(proxy)} refused the request to http://example.com:80: "
        "407 Proxy Authentication Required"
    )


# ---------------------------------------------------------------- _TunnelReader by hand

PROXY = Proxy("http", "proxy.test", 3128)


async def _reader() -> _TunnelReader:
    return _TunnelReader(asyncio.get_running_loop(), PROXY)


def _error(reader: _TunnelReader) -> str:
    error = reader.head.exception()
    assert type(error) is ConnectionFailedError
    return str(error)


@pytest.mark.parametrize(
    "pieces",
    [
        [b"HTTP/1.1 200 Connection established\r\n\r\n"],
        [b"HTTP/1.1 200 Connection", b" established\r\n", b"\r\n"],
        [b"HTTP/1.1 200 Connection established\r\n\r", b"\n"],
        [b"H", b"TTP/1.1 200 Connection established\r\nVia: 1.1 p\r\n\r\n"],
    ],
)
async def test_reader_takes_the_head_in_any_pieces(pieces: list[bytes]) -> None:
    reader = await _reader()
    for piece in pieces[:-1]:
        reader.data_received(piece)
        assert not reader.head.done()
    reader.data_received(pieces[-1])
    assert reader.head.result() == (200, "Connection established")


async def test_reader_counts_what_follows_its_answer() -> None:
    reader = await _reader()
    reader.data_received(b"HTTP/1.1 200 OK\r\n\r\nextra")
    assert (reader.head.result(), reader.extra) == ((200, "OK"), 5)
    reader.data_received(b"HTTP/1.1 500 No\r\n\r\n")
    reader.data_received(b"x" * (65 * 1024))
    reader.connection_lost(None)
    assert reader.head.result() == (200, "OK")
    assert reader.extra == 5 + 19 + 65 * 1024


async def test_reader_counts_what_follows_an_answer_it_gave_up_on() -> None:
    reader = await _reader()
    reader.data_received(b"x" * (64 * 1024 + 1))
    assert _error(reader) == "the proxy http://proxy.test:3128 sent an answer to CONNECT over 64 KiB"
    reader.data_received(b"more")  # the connection is being closed: counted, no error
    assert reader.extra == 4


@pytest.mark.parametrize(
    ("read", "extra"),
    [(b"HTTP/1.1 200 OK\r\n\r\n", 0), (b"HTTP/1.1 200 OK\r\n\r\nx\r\n\r\n", 5)],
    ids=["nothing-after", "a-blank-line-after"],
)
async def test_reader_counts_from_the_first_blank_line(read: bytes, extra: int) -> None:
    """The answer ends at the first blank line: one in the bytes after it is theirs."""
    reader = await _reader()
    reader.data_received(read)
    assert (reader.head.result(), reader.extra) == ((200, "OK"), extra)


async def test_reader_status_without_reason() -> None:
    reader = await _reader()
    reader.data_received(b"HTTP/1.0 407\r\n\r\n")
    assert reader.head.result() == (407, "")


async def test_reader_keeps_the_reason_whole() -> None:
    reader = await _reader()
    reader.data_received(b"HTTP/1.1 407 Proxy  Authentication Required \r\n\r\n")
    assert reader.head.result() == (407, "Proxy  Authentication Required ")


async def test_reader_bounds_an_unfinished_answer_at_64_kib() -> None:
    reader = await _reader()
    reader.data_received(b"x" * (32 * 1024))
    reader.data_received(b"x" * (32 * 1024))  # 64 KiB: not over
    assert not reader.head.done()
    reader.data_received(b"x")
    assert _error(reader) == "the proxy http://proxy.test:3128 sent an answer to CONNECT over 64 KiB"


async def test_reader_fails_when_the_connection_ends_first() -> None:
    reader = await _reader()
    reader.data_received(b"HTTP/1.1 200 OK\r\n")
    assert reader.eof_received() is False  # the transport closes; connection_lost follows
    reader.connection_lost(ConnectionResetError())
    assert _error(reader) == (
        "the proxy http://proxy.test:3128 closed the connection before it answered CONNECT"
    )


async def test_reader_malformed_answer_is_shown_cut_at_100_characters() -> None:
    reader = await _reader()
    reader.data_received(b"HTTP/1.1 " + b"9" * 200 + b"x\r\n\r\n")
    assert _error(reader) == (
        "the proxy http://proxy.test:3128 sent a malformed answer to CONNECT: "
        f"{('HTTP/1.1 ' + '9' * 91)!r}"
    )


@pytest.mark.parametrize(
    "status_line", [b"HTTP/1.1  200 OK", b"HTTP/1.1\t200 OK", b" HTTP/1.1 200 OK"]
)
async def test_reader_status_line_parts_are_split_at_single_spaces(status_line: bytes) -> None:
    reader = await _reader()
    reader.data_received(status_line + b"\r\n\r\n")
    assert _error(reader) == (
        "the proxy http://proxy.test:3128 sent a malformed answer to CONNECT: "
        f"{status_line.decode()!r}"
    )
