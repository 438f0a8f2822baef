"""The HTTP/1.1 wire as the request side sees it: where a URL's requests go (its origin,
parsed once, and the proxy in between, if any) and the request head written for it.

The response side (llhttp's callbacks, the body) is :mod:`.connection`'s.
"""

from __future__ import annotations

from collections.abc import Mapping

from awsmith._core.errors import ConnectionFailedError
from awsmith._core.transport.http import authority
from awsmith._core.transport.proxy import NO_PROXIES, Proxy, ProxySettings


class Origin:
    """Where a URL's requests go, parsed once per scheme://authority: the origin, and
    the proxy they go through, if any."""

    __slots__ = ("forward", "host", "host_header", "key", "name", "port", "proxy", "tls")

    def __init__(self, url_origin: str, proxies: ProxySettings = NO_PROXIES) -> None:
        scheme, _, authority = url_origin.partition("://")
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            raise ConnectionFailedError(f"unsupported URL scheme {scheme!r} in {url_origin!r}")
        self.tls = scheme == "https"
        default_port = 443 if self.tls else 80
        host, port = authority, default_port
        if authority.startswith("["):  # IPv6 literal: [::1]:8080
            end = authority.find("]")
            host = authority[1:end]
            if authority[end + 1 : end + 2] == ":":
                port = _port(authority[end + 2 :], url_origin)
        elif ":" in authority:
            host, _, text = authority.rpartition(":")
            port = _port(text, url_origin)
        if not host:
            raise ConnectionFailedError(f"no host in {url_origin!r}")
        if not authority.isascii():
            raise ConnectionFailedError(
                f"invalid host in {url_origin!r}: use the ASCII (punycode, xn--) form"
            )
        self.host = host
        self.port = port
        self.proxy: Proxy | None = proxies.for_origin(scheme, host, port) if proxies.any else None
        #: Sent to the proxy in absolute form (plain http through a proxy).
        self.forward = self.proxy is not None and not self.tls
        self.key = (scheme, host, port, self.proxy)
        self.name = url_origin
        #: Exactly as in the URL, which is what the client signed.
        self.host_header = authority

    @property
    def authority(self) -> str:
        """``host:port``, the port always given (a CONNECT target)."""
        return authority(self.host, self.port)


def _port(text: str, url: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConnectionFailedError(f"invalid port in {url!r}")
    return int(text)


def request_head(
    method: str, origin: Origin, target: str, headers: Mapping[str, str], length: int | None
) -> bytes:
    """The request line and header fields: ``Host`` first, then ``headers`` in their
    order, then ``Content-Length`` (if ``length`` is not None). A line break in any
    of them is refused: it would end the head early (request smuggling)."""
    if origin.forward:
        assert origin.proxy is not None
        lines = [f"{method} {origin.name}{target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
        if origin.proxy.authorization:
            lines.append(f"Proxy-Authorization: {origin.proxy.authorization}\r\n")
    else:
        lines = [f"{method} {target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
    for name, value in headers.items():
        lines.append(f"{name}: {value}\r\n")
    if length is not None:
        lines.append(f"Content-Length: {length}\r\n")
    lines.append("\r\n")
    count = len(lines) + 1  # the first holds the request line and Host
    text = "".join(lines)
    if text.count("\n") != count or text.count("\r") != count:
        raise ConnectionFailedError(
            f"refusing to send a request to {origin.name}: a header or the path holds a line break"
        )
    return text.encode("utf-8")
