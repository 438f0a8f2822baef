"""Opening a connection for the pool: straight to the origin, to a forward proxy (plain
http origins, sent to it in absolute form), or through a proxy's ``CONNECT`` tunnel and
then TLS with the origin (its name checked as without a proxy). The proxy itself may be
spoken to over TLS (an ``https://`` proxy URL).

A proxy that refuses (a non-2xx answer to ``CONNECT``), answers malformed, or sends bytes
before the client's TLS hello is a :class:`ConnectionFailedError` naming it, never its
password. Time limits and the mapping of other errors are the pool's
(:meth:`ConnectionPool._connect`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Callable

from awsmith._core.errors import ConnectionFailedError
from awsmith._core.transport.http1.wire import Origin
from awsmith._core.transport.proxy import Proxy


async def connect(
    loop: asyncio.AbstractEventLoop,
    origin: Origin,
    protocol: asyncio.Protocol,
    tls: Callable[[], ssl.SSLContext],
    proxy_tls: Callable[[], ssl.SSLContext],
) -> None:
    """Connects ``protocol`` to ``origin`` (through its proxy, if any). ``tls`` and
    ``proxy_tls`` give the contexts for the origin and for an ``https://`` proxy, made
    only when needed."""
    proxy = origin.proxy
    if proxy is None:
        await loop.create_connection(
            lambda: protocol,
            origin.host,
            origin.port,
            ssl=tls() if origin.tls else None,
            server_hostname=origin.host if origin.tls else None,
            happy_eyeballs_delay=_happy_eyeballs_delay(origin.host),
        )
    elif not origin.tls:
        await _to_proxy(loop, proxy, lambda: protocol, proxy_tls)
    else:
        await _tunnel(loop, origin, proxy, protocol, tls, proxy_tls)


async def _to_proxy(
    loop: asyncio.AbstractEventLoop,
    proxy: Proxy,
    factory: Callable[[], asyncio.Protocol],
    proxy_tls: Callable[[], ssl.SSLContext],
) -> asyncio.Transport:
    """A connection to the proxy itself (TLS for an https:// proxy)."""
    try:
        transport, _ = await loop.create_connection(
            factory,
            proxy.host,
            proxy.port,
            ssl=proxy_tls() if proxy.scheme == "https" else None,
            server_hostname=proxy.host if proxy.scheme == "https" else None,
            happy_eyeballs_delay=_happy_eyeballs_delay(proxy.host),
        )
    except OSError as exc:
        raise ConnectionFailedError(
            f"cannot connect to the proxy {proxy.display}: {exc!r}"
        ) from exc
    return transport


async def _tunnel(
    loop: asyncio.AbstractEventLoop,
    origin: Origin,
    proxy: Proxy,
    protocol: asyncio.Protocol,
    tls: Callable[[], ssl.SSLContext],
    proxy_tls: Callable[[], ssl.SSLContext],
) -> None:
    """``CONNECT`` through the proxy, then TLS with the origin over the tunnel."""
    reader = _TunnelReader(loop, proxy)
    transport = await _to_proxy(loop, proxy, lambda: reader, proxy_tls)
    try:
        request = f"CONNECT {origin.authority} HTTP/1.1\r\nHost: {origin.authority}\r\n"
        if proxy.authorization:
            request += f"Proxy-Authorization: {proxy.authorization}\r\n"
        transport.write((request + "\r\n").encode("ascii"))  # Origin: ASCII hosts only
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
        secured = await loop.start_tls(transport, protocol, tls(), server_hostname=origin.host)
    except BaseException:
        transport.abort()
        raise
    assert secured is not None
    protocol.connection_made(secured)


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
