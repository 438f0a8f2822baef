"""Which proxy a request goes through, decided the way botocore decides it.

* ``Config(proxies={...})`` wins: keys ``"http"`` / ``"https"`` (the request's scheme)
  or ``"http://host"`` / ``"https://host"`` (one host, which beats the scheme's
  entry), each a proxy URL. ``NO_PROXY`` does not apply to them (as in botocore).
* Otherwise, unless ``Config(trust_env=False)``, the environment: ``https_proxy`` /
  ``HTTPS_PROXY`` for https endpoints, ``http_proxy`` / ``HTTP_PROXY`` for http ones
  (the lower-case name first, as urllib and requests read them), minus the hosts of
  ``no_proxy`` / ``NO_PROXY``: host names, domains (``example.com`` and
  ``.example.com`` both match ``a.example.com``), IP addresses, CIDR ranges
  (``10.0.0.0/8``), any of them with ``:port``, and ``*`` for everything.

A proxy URL is ``http://[user:password@]host[:port]`` (``https://`` for a proxy spoken
to over TLS, checked against ``Config.proxy_ca_bundle``); without a scheme ``http://``
is assumed, as urllib does. Its user and password (percent-decoded) become a
``Proxy-Authorization: Basic`` header, and are never shown: every message names the
proxy by :attr:`Proxy.display`.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, quote, unquote, urlsplit

from awsmith._core.errors import ConfigurationError
from awsmith._core.lazyclass import prebuilt
from awsmith._core.transport.http import authority

if TYPE_CHECKING:
    from attrs import field, frozen
else:
    from awsmith._core.lazyclass import field, frozen

_DEFAULT_PORTS = {"http": 80, "https": 443}


@frozen
class Proxy:
    """A forward proxy; its credentials never show in ``repr``."""

    scheme: str
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str = field(default="", repr=False)

    @property
    def display(self) -> str:
        """The proxy's URL without credentials, for messages."""
        return f"{self.scheme}://{authority(self.host, self.port)}"

    @property
    def authorization(self) -> str | None:
        """The ``Proxy-Authorization`` value, if the URL had credentials."""
        if self.username is None:
            return None
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    @property
    def url(self) -> str:
        """The URL with its credentials (handed to httpx): never for messages."""
        if self.username is None:
            return self.display
        userinfo = f"{quote(self.username, safe='')}:{quote(self.password, safe='')}@"
        return self.display.replace("://", "://" + userinfo, 1)


def parse_proxy_url(text: str, source: str) -> Proxy:
    """A proxy URL from ``source`` (a Config key or an environment variable), with a
    ``ConfigurationError`` that names the source. The message never repeats the URL:
    a password with an unencoded ``/``, ``?`` or ``#`` in it would be split into the
    host, port or path, and shown."""
    if not isinstance(text, str) or not text.strip():  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(f"{source} must be a proxy URL such as http://proxy:3128")
    text = text.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    hint = " (percent-encode '/', '?', '#' and '@' in a user name or password)"
    if scheme not in _DEFAULT_PORTS:
        raise ConfigurationError(
            f"{source}: unsupported proxy scheme {scheme!r} "
            "(awsmith speaks to http:// and https:// proxies)"
        )
    if not parts.hostname:
        raise ConfigurationError(f"{source}: the proxy URL has no host{hint}")
    if not _port_ok(parts):
        raise ConfigurationError(f"{source}: the proxy URL has an invalid port{hint}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(f"{source}: a proxy URL has no path or query{hint}")
    if not parts.hostname.isascii():
        raise ConfigurationError(
            f"{source}: give the proxy's host in its ASCII (punycode, xn--) form"
        )
    username = unquote(parts.username) if parts.username is not None else None
    return Proxy(
        scheme,
        parts.hostname,
        parts.port or _DEFAULT_PORTS[scheme],
        username,
        unquote(parts.password or ""),
    )


def masked(url: object) -> str:
    """A proxy URL for display: its whole user-info (everything before the last ``@``
    of the authority) replaced by ``***``. The user name too: proxies that take a token
    as the user name (``https://ghp_...@proxy``) are common."""
    text = str(url)
    scheme, sep, rest = text.partition("://") if "://" in text else ("", "", text)
    if "@" not in rest:
        return text
    host = rest.rpartition("@")[2]
    return f"{scheme}{sep}***@{host}"


def _port_ok(parts: SplitResult) -> bool:
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        return False
    return port is None or port > 0


class NoProxy:
    """The hosts of a ``NO_PROXY`` value, matched as curl, requests and httpx do."""

    def __init__(self, value: str) -> None:
        self.everything = False
        self._names: list[tuple[str, int | None]] = []
        self._networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]] = []
        for raw in value.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            if entry == "*":
                self.everything = True
                continue
            host, port = _split_host_port(entry)
            try:
                self._networks.append((ipaddress.ip_network(host, strict=False), port))
            except ValueError:
                self._names.append((host.removeprefix("*").lstrip("."), port))

    def bypasses(self, host: str, port: int) -> bool:
        if self.everything:
            return True
        host = host.lower().strip("[]").rstrip(".")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is not None:
            return any(
                address in network and (want is None or want == port)
                for network, want in self._networks
            )
        return any(
            (host == name or host.endswith("." + name)) and (want is None or want == port)
            for name, want in self._names
        )


def _split_host_port(entry: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]:port``, ``10.0.0.0/8``; a bare IPv6 address is
    not split."""
    if entry.startswith("["):
        end = entry.find("]")
        rest = entry[end + 1 :]
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
        return entry[1:end], port
    if entry.count(":") == 1:
        host, _, text = entry.partition(":")
        if text.isdigit():
            return host, int(text)
    return entry, None


@frozen
class ProxySettings:
    """A client's proxies, resolved once from its Config and the environment."""

    #: "http"/"https" or "http://host"/"https://host" -> proxy (Config.proxies).
    explicit: Mapping[str, Proxy] = field(factory=dict[str, Proxy])
    #: "http"/"https" -> proxy, from the environment.
    environment: Mapping[str, Proxy] = field(factory=dict[str, Proxy])
    no_proxy: NoProxy | None = None

    def for_origin(self, scheme: str, host: str, port: int) -> Proxy | None:
        """The proxy for ``scheme://host:port``, or None to connect directly."""
        if self.explicit:
            bare = host.strip("[]").lower()
            return self.explicit.get(f"{scheme}://{bare}") or self.explicit.get(scheme)
        proxy = self.environment.get(scheme)
        if proxy is None or (self.no_proxy is not None and self.no_proxy.bypasses(host, port)):
            return None
        return proxy

    @property
    def any(self) -> bool:
        return bool(self.explicit or self.environment)

    @property
    def uses_tls(self) -> bool:
        """Whether some proxy is spoken to over TLS (an https:// proxy URL)."""
        proxies = [*self.explicit.values(), *self.environment.values()]
        return any(proxy.scheme == "https" for proxy in proxies)


NO_PROXIES: ProxySettings = prebuilt(ProxySettings)


def explicit_proxies(proxies: Mapping[str, str]) -> ProxySettings:
    """``Config.proxies`` read: every key and URL checked, with a ``ConfigurationError``
    naming the bad one."""
    explicit: dict[str, Proxy] = {}
    for key, value in proxies.items():
        normal = str(key).lower()
        scheme, sep, host = normal.partition("://")
        if scheme not in _DEFAULT_PORTS or (sep and not host):
            raise ConfigurationError(
                f"Config.proxies: unsupported key {key!r} (use 'http', 'https', "
                "'http://host' or 'https://host')"
            )
        explicit[normal] = parse_proxy_url(value, f"Config.proxies[{key!r}]")
    return ProxySettings(explicit=explicit)


def environment_proxies(environ: Mapping[str, str]) -> ProxySettings | None:
    """The proxies the environment sets (see the module's docstring), or None if it
    sets none. A bad URL raises ``ConfigurationError`` naming its variable."""
    environment: dict[str, Proxy] = {}
    for scheme in ("http", "https"):
        lower, upper = f"{scheme}_proxy", f"{scheme.upper()}_PROXY"
        if lower in environ:  # set, even to "": it decides (as urllib reads it)
            name = lower
        elif scheme == "http" and "REQUEST_METHOD" in environ:
            # In a CGI script HTTP_PROXY is a request header (httpoxy, CVE-2016-5385).
            continue
        else:
            name = upper
        found = environ.get(name)
        if found and found.strip():
            environment[scheme] = parse_proxy_url(found, name)
    if not environment:
        return None
    bypass = environ.get("no_proxy") or environ.get("NO_PROXY")
    return ProxySettings(environment=environment, no_proxy=NoProxy(bypass) if bypass else None)
