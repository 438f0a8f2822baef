"""AWS Signature Version 4 for request headers.

A lean re-implementation of botocore's ``SigV4Auth`` for the hot path: the derived
signing key is cached per (secret, date, region, service), and nothing is logged (the
canonical request contains the session token, which botocore logs at DEBUG). The tests
check every operation's signature against botocore's signer byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from awsmith._core.credentials import Credentials

_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_clock_cache: tuple[int, str] = (0, "")


def _amz_date_now() -> str:
    """The current X-Amz-Date, formatted once per second."""
    global _clock_cache
    second = int(time.time())
    if _clock_cache[0] != second:
        stamp = datetime.fromtimestamp(second, UTC).strftime(_AMZ_DATE)
        _clock_cache = (second, stamp)
    return _clock_cache[1]


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.digest(key, msg.encode("utf-8"), "sha256")


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 5.2.4, plus the removal of empty segments AWS requires (as botocore).
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and out else ""
    return first + "/".join(out) + last


@functools.lru_cache(maxsize=1024)
def canonical_path(path: str) -> str:
    """The canonical URI of SigV4 for non-S3 services: dot and empty segments removed,
    then percent-encoded once more (so ``%2F`` in a label becomes ``%252F``)."""
    if not path:
        return "/"
    return quote(_remove_dot_segments(path), safe="/~")


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*").fullmatch


def pct_encode(value: str) -> str:
    """RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4
    wants it. Most keys and values need none: a regex check (~0.1 us) spares them
    ``quote`` (~1 us)."""
    return value if _UNRESERVED(value) else quote(value, safe="-_.~")


#: A query parameter: a key and its value, or ``None`` for a key sent without ``=``
#: (a model's constant query ``?foo=bar&flag``).
QueryItem = tuple[str, str | None]


def encode_query(query: Sequence[QueryItem]) -> list[QueryItem]:
    """Percent-encodes each key and value (RFC 3986 unreserved characters kept)."""
    return [(pct_encode(k), None if v is None else pct_encode(v)) for k, v in query]


def render_query(encoded: Sequence[QueryItem]) -> str:
    """The query string sent: ``k=v`` items, and bare keys as they are."""
    return "&".join(k if v is None else f"{k}={v}" for k, v in encoded)


def canonical_query(query: Sequence[QueryItem], *, encoded: bool = False) -> str:
    """Sorted, percent-encoded ``key=value`` pairs joined with ``&`` (a bare key is
    signed with an empty value, as SigV4 says)."""
    if not query:
        return ""
    pairs = sorted((k, v or "") for k, v in (query if encoded else encode_query(query)))
    return "&".join(f"{k}={v}" for k, v in pairs)


def payload_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256


class SigV4Signer:
    """Signs requests for one service and region.

    ``sign`` returns the headers to add: ``X-Amz-Date``, ``Authorization`` and, for
    temporary credentials, ``X-Amz-Security-Token``.
    """

    __slots__ = ("_key_cache", "_region", "_service")

    def __init__(self, service: str, region: str) -> None:
        self._service = service
        self._region = region
        self._key_cache: tuple[str, str, bytes] | None = None

    def _signing_key(self, secret: str, day: str) -> bytes:
        cached = self._key_cache
        if cached is not None and cached[0] == secret and cached[1] == day:
            return cached[2]
        k_date = _hmac(f"AWS4{secret}".encode(), day)
        k_region = _hmac(k_date, self._region)
        k_service = _hmac(k_region, self._service)
        key = _hmac(k_service, "aws4_request")
        self._key_cache = (secret, day, key)
        return key

    def sign(
        self,
        *,
        method: str,
        host: str,
        path: str,
        query: Sequence[QueryItem],
        headers: Mapping[str, str],
        body: bytes,
        credentials: Credentials,
        now: datetime | None = None,
        encoded_query: Sequence[QueryItem] | None = None,
        payload_hash: str | None = None,
    ) -> dict[str, str]:
        """Returns the auth headers for a request whose other headers are ``headers``.

        ``headers`` must hold every header to be signed except Host, X-Amz-Date and
        X-Amz-Security-Token, which this adds. ``encoded_query``, when given, is
        ``encode_query(query)`` computed once by the caller, and ``payload_hash``,
        when given, ``payload_sha256(body)``, so retries do not hash the body again.
        """
        amz_date = _amz_date_now() if now is None else now.astimezone(UTC).strftime(_AMZ_DATE)
        day = amz_date[:8]
        signed: dict[str, str] = {"host": host, "x-amz-date": amz_date}
        added = {"X-Amz-Date": amz_date}
        if credentials.session_token:
            signed["x-amz-security-token"] = credentials.session_token
            added["X-Amz-Security-Token"] = credentials.session_token
        for name, value in headers.items():
            signed[name.lower()] = " ".join(value.split())
        names = sorted(signed)
        signed_headers = ";".join(names)
        canonical_headers = "".join(f"{n}:{signed[n]}\n" for n in names)
        if payload_hash is None:
            payload_hash = payload_sha256(body)
        canonical_request = "\n".join(
            (
                method,
                canonical_path(path),
                canonical_query(encoded_query, encoded=True)
                if encoded_query is not None
                else canonical_query(query),
                canonical_headers,
                signed_headers,
                payload_hash,
            )
        )
        scope = f"{day}/{self._region}/{self._service}/aws4_request"
        string_to_sign = (
            f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
            + hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
        )
        key = self._signing_key(credentials.secret_access_key, day)
        signature = hmac.digest(key, string_to_sign.encode("utf-8"), "sha256").hex()
        added["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed_headers}, Signature={signature}"
        )
        return added
