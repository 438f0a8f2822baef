"""Helpers of the unit tests: a scripted ``httpx.MockTransport`` and client factories.

Every client built here gets explicit credentials, region ``us-west-2`` and a caller-owned
``httpx.AsyncClient`` on a :class:`Script` transport, so nothing is read from the
environment and nothing leaves the process.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import anyio
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

import awsmith
from awsmith._core.client import BaseClient
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN//////////wEaDEXAMPLE"
REGION = "us-west-2"
REQUEST_ID = "11111111-2222-3333-4444-555555555555"

SUPPORT_HOST = "support.us-east-1.amazonaws.com"  # Support's rules: one endpoint in aws
CODEGURU_HOST = "codeguru-profiler.us-west-2.amazonaws.com"

#: The headers every awsJson1.1 request (Support) signs besides Host, X-Amz-Date and the
#: invocation headers.
AWS_JSON_SIGNED = ("content-type", "x-amz-target")

#: The interceptor hooks, in the order a call reaches them.
HOOKS = (
    "read_before_execution",
    "modify_before_signing",
    "read_before_transmit",
    "read_after_transmit",
    "read_after_attempt",
    "modify_before_completion",
    "read_after_execution",
)

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
C = TypeVar("C", bound=BaseClient)

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<akid>[^/]+)/(?P<day>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class Script:
    """A MockTransport handler that answers with scripted replies and records requests.

    Replies are used in order; the last one repeats. A reply that is an exception is
    raised (as a transport failure would be); a callable is called with the request.
    """

    def __init__(self, *replies: Reply) -> None:
        if not replies:
            raise ValueError("a Script needs at least one reply")
        self._replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        index = min(len(self.requests), len(self._replies) - 1)
        self.requests.append(request)
        reply = self._replies[index]
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(request)

    @property
    def request(self) -> httpx.Request:
        """The only request sent (fails if there was not exactly one)."""
        assert len(self.requests) == 1, f"expected one request, got {len(self.requests)}"
        return self.requests[0]


def json_reply(
    body: Any = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> httpx.Response:
    """A response with a JSON body (or ``raw`` bytes) and the usual AWS headers."""
    content = raw if raw is not None else json.dumps(body).encode() if body is not None else b""
    all_headers = {"x-amzn-RequestId": REQUEST_ID, "Content-Type": content_type}
    all_headers.update(headers or {})
    return httpx.Response(status, headers=all_headers, content=content)


def error_reply(
    code: str | None,
    message: str = "something failed",
    *,
    status: int = 400,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An error response in the awsJson1.1/restJson1 form, ``__type`` in the body."""
    body: dict[str, Any] = {"message": message}
    if code is not None:
        body["__type"] = code
    body.update(extra or {})
    return json_reply(body, status=status, headers=headers)


def json_forms(body: bytes) -> set[bytes]:
    """The two exact encodings of a compact JSON body: non-ASCII characters escaped
    (``\\u00e9``, as the standard library and botocore write them) or raw UTF-8 (as
    orjson writes them). Everything else (key order, separators, escapes) is fixed."""
    if not body:
        return {body}
    utf8 = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
    return {body, utf8.encode("utf-8")}


def credentials(session_token: str | None = None) -> awsmith.Credentials:
    return awsmith.Credentials(
        access_key_id=AKID, secret_access_key=SECRET, session_token=session_token
    )


@asynccontextmanager
async def open_client(
    cls: type[C],
    script: Script,
    *,
    config: awsmith.Config | None = None,
    session_token: str | None = None,
) -> AsyncIterator[C]:
    """A client of ``cls`` on a MockTransport running ``script``; closed afterwards."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        client = cls(
            region=REGION,
            credentials=credentials(session_token),
            http_client=http,
            config=config,
        )
        try:
            yield client
        finally:
            await client.close()


def support(script: Script, **kwargs: Any) -> Any:
    """``open_client(SupportClient, script, ...)`` (an async context manager)."""
    return open_client(SupportClient, script, **kwargs)


def codeguru(script: Script, **kwargs: Any) -> Any:
    """``open_client(CodeGuruProfilerClient, script, ...)`` (an async context manager)."""
    return open_client(CodeGuruProfilerClient, script, **kwargs)


def check_signature(
    request: httpx.Request,
    *,
    region: str,
    service: str,
    session_token: str | None = None,
    must_sign: Sequence[str] = (),
) -> dict[str, str]:
    """Asserts the Authorization header's format and recomputes its signature with
    botocore's SigV4 signer. Returns the parsed header.

    What is checked is not taken from the request: the signed headers must be exactly
    Host, X-Amz-Date, the invocation headers, the session token's and ``must_sign``
    (the operation's serialized headers), and X-Amz-Date must be the UTC time of the
    test's own clock (within 10 minutes: a date in local time is hours off).
    """
    auth = request.headers["Authorization"]
    match = _AUTH.match(auth)
    assert match, f"malformed Authorization header: {auth!r}"
    parts = match.groupdict()
    amz_date = request.headers["X-Amz-Date"]
    assert re.fullmatch(r"\d{8}T\d{6}Z", amz_date), amz_date
    dated = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - dated) < timedelta(minutes=10), (amz_date, datetime.now(UTC))
    assert parts["akid"] == AKID
    assert parts["day"] == amz_date[:8]
    assert parts["region"] == region
    assert parts["service"] == service
    signed = parts["signed"].split(";")
    assert signed == sorted(signed)
    expected_signed = {
        "host",
        "x-amz-date",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        *(h.lower() for h in must_sign),
    }
    if session_token is not None:
        expected_signed.add("x-amz-security-token")
        assert request.headers["X-Amz-Security-Token"] == session_token
    else:
        assert "X-Amz-Security-Token" not in request.headers
    assert set(signed) == expected_signed, (expected_signed, signed)

    headers = {name: request.headers[name] for name in signed if name != "host"}
    boto_request = AWSRequest(
        method=request.method, url=str(request.url), headers=headers, data=request.content
    )
    boto_request.context["timestamp"] = amz_date
    signer = SigV4Auth(BotoCredentials(AKID, SECRET, session_token), service, region)
    canonical = signer.canonical_request(boto_request)
    assert canonical.split("\n")[-2] == parts["signed"]
    string_to_sign = signer.string_to_sign(boto_request, canonical)
    assert signer.signature(string_to_sign, boto_request) == parts["signature"]
    return parts


class Hang(httpx.AsyncBaseTransport):
    """A transport that never answers: the call waits until it is cancelled.
    ``arrived`` is set when it has the request (made inside a running event loop)."""

    def __init__(self) -> None:
        self.arrived = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.arrived.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


@asynccontextmanager
async def intercepted_support(
    script: Script | httpx.AsyncBaseTransport,
    *interceptors: awsmith.Interceptor,
    config: awsmith.Config | None = None,
) -> AsyncIterator[SupportClient]:
    """A SupportClient with ``interceptors`` on a MockTransport running ``script`` (or
    on the transport given), fast backoff unless ``config`` says otherwise; closed
    afterwards."""
    fast = awsmith.Config(base_backoff=0.001, max_backoff=0.002, use_fips=False, use_dualstack=False)
    transport = httpx.MockTransport(script) if isinstance(script, Script) else script
    async with httpx.AsyncClient(transport=transport) as http:
        client = SupportClient(
            region=REGION,
            credentials=credentials(),
            http_client=http,
            config=config or fast,
            interceptors=interceptors,
        )
        try:
            yield client
        finally:
            await client.close()
