"""Fault injection against a scripted server on 127.0.0.1 (devservers/fault_server.py).

Every test runs on awsmith's default transport (awsmith._core.transport.http1) and on a caller's
``httpx.AsyncClient``, and asserts the exact number of attempts the server saw, the
error class and its fields, and bounds on elapsed time. Backoff is made fast through
``Config(base_backoff=..., max_backoff=...)``; nothing inside awsmith is patched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import ipaddress
import re
import ssl
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

import awsmith
from awsmith.codeguruprofiler import errors as cerr
from awsmith.codeguruprofiler import shapes as c
from awsmith.support import SupportClient
from awsmith.support import errors as serr
from awsmith.support import shapes as s
from devservers.fault_server import (
    FaultServer,
    Raw,
    Reply,
    Reset,
    Stall,
    Truncate,
    blackhole,
    clock_skew,
    fault_server,
    request_id,
)
from tests.resilience.helpers import (
    AKID,
    SECRET,
    TOKEN,
    TRANSPORTS,
    assert_no_secrets,
    codeguru,
    fast,
    open_fds,
    support,
    wait_until,
)

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("transport", TRANSPORTS)]

CASES_OK = Reply.json({"cases": [{"caseId": "case-1", "subject": "hello"}]})
POLICY_OK = Reply.json({"policy": "{}", "revisionId": "rev-1"})
GROUP_OK = Reply.json({"name": "g", "arn": "arn:aws:codeguru-profiler:::profilingGroup/g"})
UNAVAILABLE = Reply.json({"message": "Service Unavailable"}, status=503)
SUPPORT_THROTTLE = Reply.error("ThrottlingException", "Rate exceeded")
CODEGURU_THROTTLE = Reply.error(
    "ThrottlingException", "slow down", status=429, in_header=True
)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server(key_id=AKID) as srv:
        yield srv


def expected_cases() -> s.DescribeCasesResponse:
    return s.DescribeCasesResponse(cases=[s.CaseDetails(case_id="case-1", subject="hello")])


# ---------------------------------------------------------------- retried, then OK


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_transient_statuses_then_ok(
    server: FaultServer, transport: str, status: int
) -> None:
    failing = Reply.json({"message": "try again"}, status=status)
    server.play(failing, failing, CASES_OK)
    # A base of 1000 s capped at max_backoff=0.01 s: the retries come at once only if the
    # cap holds (uncapped, a full-jitter delay is at most 10 s in 1 of 100 to 200 draws),
    # so fail_after(10) is a hang bound that also catches a dropped cap.
    async with support(server.url, transport, fast(base_backoff=1000.0)) as client:
        with anyio.fail_after(10):
            result = await client.describe_cases()
    assert result == expected_cases()
    assert server.attempts == 3
    bodies = {r.body for r in server.requests}
    assert bodies == {b"{}"}


async def test_support_throttling_then_ok(server: FaultServer, transport: str) -> None:
    server.play(SUPPORT_THROTTLE, SUPPORT_THROTTLE, CASES_OK)
    async with support(server.url, transport) as client:
        assert await client.describe_cases() == expected_cases()
    assert server.attempts == 3
    assert [r.headers["x-amz-target"] for r in server.requests] == [
        "AWSSupport_20130415.DescribeCases"
    ] * 3


async def test_codeguru_429_throttling_then_ok(server: FaultServer, transport: str) -> None:
    server.play(CODEGURU_THROTTLE, POLICY_OK)
    async with codeguru(server.url, transport) as client:
        result = await client.get_policy(profiling_group_name="g")
    assert result == c.GetPolicyResponse(policy="{}", revision_id="rev-1")
    assert server.attempts == 2
    assert [r.target for r in server.requests] == ["/profilingGroups/g/policy"] * 2


@pytest.mark.parametrize("reset", [Reset(), Reset(rst=True)], ids=["fin", "rst"])
async def test_connection_closed_without_response_then_ok(
    server: FaultServer, transport: str, reset: Reset
) -> None:
    server.play(reset, CASES_OK)
    async with support(server.url, transport) as client:
        assert await client.describe_cases() == expected_cases()
    assert server.attempts == 2
    assert server.requests[0].connection != server.requests[1].connection


CREATED = Reply.json({"caseId": "case-created"})


def targets(server: FaultServer) -> list[str]:
    return [r.headers["x-amz-target"].rpartition(".")[2] for r in server.requests]


async def test_create_case_on_a_dropped_kept_alive_connection_is_sent_once(
    server: FaultServer, transport: str
) -> None:
    """The server reads CreateCase on a kept-alive connection and closes it unanswered
    (it may have created the case). With max_attempts=1 nothing sends it again: the
    caller gets a ConnectionFailedError and the server saw CreateCase exactly once."""
    server.play(CASES_OK, Reset(), CREATED)
    async with support(server.url, transport, fast(max_attempts=1)) as client:
        await client.describe_cases()
        with pytest.raises(awsmith.ConnectionFailedError):
            await client.create_case(subject="s", communication_body="b")
        assert targets(server) == ["DescribeCases", "CreateCase"]
        assert server.requests[0].connection == server.requests[1].connection
        # The client goes on working, on a new connection.
        created = await client.create_case(subject="s2", communication_body="b")
    assert created.case_id == "case-created"
    assert targets(server) == ["DescribeCases", "CreateCase", "CreateCase"]
    assert [r.json()["subject"] for r in server.requests[1:]] == ["s", "s2"]


async def test_a_dropped_create_case_is_retried_by_the_policy_as_an_attempt(
    server: FaultServer, transport: str
) -> None:
    """With retries on, the retry policy (not the transport) sends it again, once per
    attempt: the duplicate-case risk docs/resilience.md describes."""
    server.play(CASES_OK, Reset(), CREATED)
    async with support(server.url, transport, fast(max_attempts=2)) as client:
        await client.describe_cases()
        created = await client.create_case(subject="s", communication_body="b")
    assert created.case_id == "case-created"
    assert targets(server) == ["DescribeCases", "CreateCase", "CreateCase"]


def _many_fields(count: int) -> Raw:
    fields = "".join(f"X-F{i}: v\r\n" for i in range(count))
    body = b'{"cases": []}'
    return Raw(
        f"HTTP/1.1 200 OK\r\n{fields}Content-Length: {len(body)}\r\n\r\n".encode() + body
    )


async def test_too_many_header_fields_is_refused_on_both_transports(
    server: FaultServer, transport: str
) -> None:
    server.play(_many_fields(100))
    async with support(server.url, transport, fast(max_attempts=3)) as client:
        with pytest.raises(awsmith.ResponseTooLargeError) as info:
            await client.describe_cases()
    assert str(info.value) == (
        "response head refused: the number of header fields exceeds the limit of 100 "
        "(HTTP 200, request id None) (when calling the DescribeCases operation)"
    )
    assert server.attempts == 1  # not retried: the same server would send the same


async def test_the_header_field_limit_can_be_raised(server: FaultServer, transport: str) -> None:
    server.play(_many_fields(150))
    config = fast(max_response_header_fields=200)
    async with support(server.url, transport, config) as client:
        assert (await client.describe_cases()).cases == []


async def test_every_request_asks_for_an_unencoded_body(
    server: FaultServer, transport: str
) -> None:
    """Bodies are read raw: without Accept-Encoding any coding would be acceptable
    (RFC 9110 12.5.3) and a compressing proxy's gzip unparseable."""
    server.play(CASES_OK, Reply.json({"caseId": "c"}))
    async with support(server.url, transport) as client:
        await client.describe_cases()
        await client.create_case(subject="s", communication_body="b")
    assert [r.headers.get("accept-encoding") for r in server.requests] == ["identity"] * 2


async def test_closing_the_client_during_a_backoff_ends_the_call(
    server: FaultServer, transport: str
) -> None:
    """No attempt after close(): the call ends with ClientClosedError (it used to spend
    every remaining attempt on a closed pool and end with ConnectionFailedError).
    Backoff is full jitter over up to 1 s (a 503's scale is a twentieth of base_backoff),
    so the close lands in a backoff (or, rarely, an attempt, which then fails and ends
    the call the same way)."""
    server.play(UNAVAILABLE)
    config = fast(max_attempts=5, base_backoff=20.0, max_backoff=1.0)
    at_close: list[int] = []
    async with support(server.url, transport, config) as client:

        async def close_after_the_first_attempt() -> None:
            assert await wait_until(lambda: server.attempts >= 1)
            await client.close()
            at_close.append(server.attempts)

        async with anyio.create_task_group() as group:
            group.start_soon(close_after_the_first_attempt)
            with pytest.raises(awsmith.ClientClosedError):
                await client.describe_cases()
    # One attempt at most was already on its way when the client closed.
    assert server.attempts <= at_close[0] + 1
    assert server.attempts < 5


async def test_reset_mid_body_then_ok(server: FaultServer, transport: str) -> None:
    server.play(Truncate(declared=500, body=b'{"cases": [{"caseId"'), CASES_OK)
    async with support(server.url, transport) as client:
        assert await client.describe_cases() == expected_cases()
    assert server.attempts == 2


# ---------------------------------------------------------------- retries exhausted


async def test_always_500_raises_the_modeled_error_after_max_attempts(
    server: FaultServer, transport: str
) -> None:
    server.play(Reply.error("InternalServerError", "boom", status=500))
    async with support(server.url, transport, fast(max_attempts=4)) as client:
        with pytest.raises(serr.InternalServerError) as info:
            await client.describe_cases()
    assert server.attempts == 4
    err = info.value
    assert (err.code, err.status_code, err.request_id, err.message) == (
        "InternalServerError", 500, request_id(3), "boom"
    )
    assert str(err) == (
        "InternalServerError (HTTP 500) when calling the DescribeCases operation: boom "
        f"[request id {request_id(3)}]"
    )
    assert_no_secrets(err)


async def test_proxy_html_502_is_retried_then_raised_with_its_status(
    server: FaultServer, transport: str
) -> None:
    server.play(Reply.html(502))
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    assert server.attempts == 3
    err = info.value
    assert type(err) is serr.SupportError
    assert (err.code, err.status_code, err.request_id, err.raw) == ("502", 502, None, {})
    assert err.message is not None
    assert err.message.startswith("non-JSON error body: '<html><head><title>502 Bad Gateway")


async def test_proxy_html_403_is_not_retried(server: FaultServer, transport: str) -> None:
    server.play(Reply.html(403, "Forbidden"))
    async with support(server.url, transport) as client:
        with pytest.raises(serr.SupportError) as info:
            await client.describe_cases()
    assert server.attempts == 1
    assert (info.value.code, info.value.status_code) == ("403", 403)


async def test_always_throttled_raises_throttling_after_max_attempts(
    server: FaultServer, transport: str
) -> None:
    server.play(CODEGURU_THROTTLE)
    async with codeguru(server.url, transport) as client:
        with pytest.raises(cerr.ThrottlingException) as info:
            await client.get_policy(profiling_group_name="g")
    assert server.attempts == 3
    assert (info.value.status_code, info.value.request_id) == (429, request_id(2))


@pytest.mark.parametrize("reset", [Reset(), Reset(rst=True)], ids=["fin", "rst"])
async def test_always_reset_raises_connection_failed(
    server: FaultServer, transport: str, reset: Reset
) -> None:
    server.play(reset)
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ConnectionFailedError) as info:
            await client.describe_cases()
    assert server.attempts == 3
    assert str(info.value).startswith(f"request to {server.url} failed: ")
    assert_no_secrets(info.value)


async def test_always_truncated_raises_connection_failed(
    server: FaultServer, transport: str
) -> None:
    server.play(Truncate(declared=100, body=b'{"cases"'))
    async with support(server.url, transport, fast(max_attempts=2)) as client:
        with pytest.raises(awsmith.ConnectionFailedError):
            await client.describe_cases()
    assert server.attempts == 2


@pytest.mark.parametrize(
    "data",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 99999 Nope\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"\x00\xff" * 10,
    ],
    ids=["garbage", "bad-status", "bad-length", "bad-header", "bad-chunk", "two-lengths", "binary"],
)
async def test_broken_http_raises_connection_failed_without_secrets(
    server: FaultServer, transport: str, data: bytes
) -> None:
    """A malformed response is a ConnectionFailedError, retried; no secret of the
    request (session token, signature) reaches the error or its chain (aiohttp's error
    held the request headers in its repr, so this stays checked on every sender)."""
    server.play(Raw(data))
    async with support(server.url, transport, fast(max_attempts=2)) as client:
        with pytest.raises(awsmith.ConnectionFailedError) as info:
            await client.describe_cases()
    assert server.attempts == 2
    assert str(info.value).startswith(f"request to {server.url} failed: ")
    assert_no_secrets(info.value)


# ---------------------------------------------------------------- never retried


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"cases": [{"caseId": "x"', "the body is not valid JSON"),
        (b"<html>OK</html>", "the body is not valid JSON"),
        (b'{"cases": "nope"}', "expected a JSON array at cases, got str 'nope'"),
        (b'{"cases": [{"caseId": 7}]}', "expected a string at cases[0].caseId, got int 7"),
        (b"[1, 2]", "expected a JSON object at <root>, got list [1, 2]"),
    ],
    ids=["truncated", "html", "wrong-type", "wrong-nested-type", "array"],
)
async def test_malformed_200_raises_parse_error_with_status_and_request_id(
    server: FaultServer, transport: str, body: bytes, detail: str
) -> None:
    server.play(Reply(body=body, headers=(("Content-Type", "application/x-amz-json-1.1"),)))
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ResponseParseError) as info:
            await client.describe_cases()
    assert server.attempts == 1
    err = info.value
    assert (err.status_code, err.request_id, err.body_excerpt) == (200, request_id(0), body)
    assert err.detail.startswith(detail)
    assert str(err).startswith(
        f"Unable to parse the service response (HTTP 200, request id {request_id(0)}): {detail}"
    )


async def test_missing_required_header_gets_its_default(
    server: FaultServer, transport: str
) -> None:
    """GetProfile's Content-Type is required; a response without it is read, the member
    filled with Smithy's default "" (models/README.md, "Required members a response
    leaves out"), as botocore reads it. It raised ResponseParseError before issue 22."""
    server.play(Reply(body=b"profile-bytes"))
    async with codeguru(server.url, transport) as client:
        response = await client.get_profile(profiling_group_name="g")
    assert server.attempts == 1
    assert (response.content_type, response.profile) == ("", b"profile-bytes")
    assert response.response_metadata.request_id == request_id(0)


@pytest.mark.parametrize("unframed", [False, True], ids=["content-length", "until-close"])
async def test_oversized_body_raises_too_large_with_status_and_request_id(
    server: FaultServer, transport: str, unframed: bool
) -> None:
    server.play(Reply(body=b"x" * 5000, unframed=unframed))
    async with support(server.url, transport, fast(max_response_bytes=1000)) as client:
        with pytest.raises(awsmith.ResponseTooLargeError) as info:
            await client.describe_cases()
        server.play(CASES_OK)
        assert await client.describe_cases() == expected_cases()  # still usable
    err = info.value
    assert (err.status_code, err.request_id) == (200, request_id(0))
    assert re.fullmatch(
        rf"response body of \d+ bytes exceeds the 1000 byte limit "
        rf"\(HTTP 200, request id {request_id(0)}\) "
        r"\(when calling the DescribeCases operation\)",
        str(err),
    )


async def test_redirects_are_not_followed(server: FaultServer, transport: str) -> None:
    """A 3xx must not carry the signed headers (session token) to another host."""
    with fault_server(key_id=AKID) as elsewhere:
        server.play(Reply(status=307, headers=(("Location", elsewhere.url + "/steal"),)))
        async with support(
            server.url, transport, follow_redirects=True  # even if the caller's client would
        ) as client:
            with pytest.raises(serr.SupportError) as info:
                await client.describe_cases()
        assert elsewhere.attempts == 0
    assert server.attempts == 1
    assert (info.value.code, info.value.status_code) == ("307", 307)


# ---------------------------------------------------------------- timeouts and deadline


@pytest.mark.parametrize("stall", [Stall(), Stall(headers_first=True, body=b'{"ca')],
                         ids=["before-headers", "mid-body"])
async def test_stalled_server_raises_read_timeout_per_attempt(
    server: FaultServer, transport: str, stall: Stall
) -> None:
    server.play(stall)
    async with support(server.url, transport, fast(read_timeout=0.2, max_attempts=2)) as client:
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(awsmith.ReadTimeoutError) as info:
            await client.describe_cases()
        elapsed = time.monotonic() - started
    assert server.attempts == 2
    assert str(info.value).startswith(f"no response from {server.url} in time")
    assert elapsed >= 0.35  # two 0.2 s timeouts; fail_after(10) above is the hang bound


async def test_connect_timeout_on_a_full_accept_queue(transport: str) -> None:
    with blackhole() as url:
        async with support(url, transport, fast(connect_timeout=0.2, max_attempts=2)) as client:
            started = time.monotonic()
            with anyio.fail_after(10), pytest.raises(awsmith.ConnectTimeoutError) as info:
                await client.describe_cases()
            elapsed = time.monotonic() - started
    assert str(info.value).startswith(f"connecting to {url} timed out")
    assert elapsed >= 0.35  # two 0.2 s timeouts; fail_after(10) above is the hang bound


async def test_call_timeout_bounds_a_stalled_call(server: FaultServer, transport: str) -> None:
    server.play(Stall(), CASES_OK)
    cfg = fast(read_timeout=30, call_timeout=0.3)
    async with support(server.url, transport, cfg) as client:
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(awsmith.DeadlineExceededError) as info:
            await client.describe_cases()
        elapsed = time.monotonic() - started
        assert str(info.value) == "DescribeCases did not complete within call_timeout=0.3s"
        assert not info.value.retryable
        assert elapsed >= 0.3  # fail_after(10) above is the hang bound
        assert await client.describe_cases() == expected_cases()  # the client still works
    assert server.attempts == 2


async def test_call_timeout_covers_retries_and_backoff(
    server: FaultServer, transport: str
) -> None:
    server.play(UNAVAILABLE)
    cfg = fast(max_attempts=50, base_backoff=0.1, max_backoff=0.1, call_timeout=0.5)
    async with support(server.url, transport, cfg) as client:
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(awsmith.DeadlineExceededError):
            await client.describe_cases()
        elapsed = time.monotonic() - started
    assert 1 <= server.attempts < 50
    assert elapsed >= 0.5  # fail_after(10) above is the hang bound; attempts < 50 the rest


# ---------------------------------------------------------------- adaptive mode


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
async def test_adaptive_mode_rate_limits_after_throttling(
    server: FaultServer, transport: str, mode: str
) -> None:
    server.play(SUPPORT_THROTTLE, CASES_OK)
    async with support(server.url, transport, fast(retry_mode=mode)) as client:
        with anyio.fail_after(10):
            assert await client.describe_cases() == expected_cases()
        limiter = client._limiter
    assert server.attempts == 2
    first, second = server.requests
    gap = second.received_at - first.received_at
    if mode == "adaptive":
        # After the throttle the fill rate becomes 0.7 x the measured send rate, which
        # for a first request is at most 1.6/s (else the 0.5/s minimum): the retry waits
        # for a token at least 1/1.12 s, far longer than the 10 ms max backoff.
        assert gap >= 0.85
        assert limiter is not None and limiter.enabled
    else:
        # Standard mode has no rate limiter at all, so nothing can make the retry wait
        # beyond its (10 ms) backoff; a wall-clock upper bound on the gap would only
        # measure the machine's load.
        assert limiter is None


async def test_adaptive_mode_never_hangs_when_always_throttled(
    server: FaultServer, transport: str
) -> None:
    server.play(SUPPORT_THROTTLE)
    async with support(server.url, transport, fast(retry_mode="adaptive", max_attempts=2)) as client:
        with anyio.fail_after(10), pytest.raises(serr.ThrottlingException) as info:
            await client.describe_cases()
    assert server.attempts == 2
    assert info.value.request_id == request_id(1)


# ---------------------------------------------------------------- clock skew


async def test_clock_skew_is_corrected_once_then_remembered(
    server: FaultServer, transport: str
) -> None:
    server.play(clock_skew(dt.timedelta(hours=1), CASES_OK))
    async with support(server.url, transport) as client:
        assert await client.describe_cases() == expected_cases()
        assert server.attempts == 2
        assert await client.describe_cases() == expected_cases()
    assert server.attempts == 3  # the second call was signed with the server's clock
    now = dt.datetime.now(dt.UTC)
    first, retried, later = (r.amz_date for r in server.requests)
    assert abs(first - now) < dt.timedelta(minutes=2)
    for date in (retried, later):
        assert abs(date - (now + dt.timedelta(hours=1))) < dt.timedelta(minutes=2)


async def test_clock_skew_retry_happens_only_once(server: FaultServer, transport: str) -> None:
    date = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    server.play(Reply.error("InvalidSignatureException", "Signature expired", headers={"Date": date}))
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    assert server.attempts == 2
    assert (info.value.code, info.value.status_code, info.value.request_id) == (
        "InvalidSignatureException", 400, request_id(1)
    )


async def test_skew_error_without_a_usable_date_is_not_retried(
    server: FaultServer, transport: str
) -> None:
    server.play(Reply.error("InvalidSignatureException", "bad", headers={"Date": "not a date"}))
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ServiceError):
            await client.describe_cases()
    assert server.attempts == 1


# ---------------------------------------------------------------- idempotency tokens


async def test_idempotency_token_is_identical_on_every_attempt(
    server: FaultServer, transport: str
) -> None:
    server.play(UNAVAILABLE, Reset(), Reply.json({"name": "g"}, status=201))
    async with codeguru(server.url, transport) as client:
        result = await client.create_profiling_group(profiling_group_name="g")
        assert result == c.CreateProfilingGroupResponse(
            profiling_group=c.ProfilingGroupDescription(name="g")
        )
        first_call = server.requests
        server.play(Reply.json({"name": "g"}, status=201))
        await client.create_profiling_group(profiling_group_name="g")
        second_call = server.requests
    assert len(first_call) == 3
    tokens = {r.query["clientToken"][0] for r in first_call}
    assert len(tokens) == 1
    token = tokens.pop()
    assert uuid.UUID(token).version == 4
    assert {r.body for r in first_call} == {b'{"profilingGroupName":"g"}'}
    assert second_call[0].query["clientToken"] != [token]  # a new call, a new token


async def test_callers_idempotency_token_is_sent_as_given(
    server: FaultServer, transport: str
) -> None:
    server.play(UNAVAILABLE, Reply.json({"name": "g"}, status=201))
    async with codeguru(server.url, transport) as client:
        await client.create_profiling_group(profiling_group_name="g", client_token="my-token-1")
    assert [r.query["clientToken"] for r in server.requests] == [["my-token-1"]] * 2


# ---------------------------------------------------------------- cancellation


@pytest.mark.parametrize("deadline", [None, 120.0], ids=["no-deadline", "call-timeout"])
@pytest.mark.parametrize("how", ["task-cancel", "asyncio-timeout", "anyio-fail-after"])
async def test_cancelling_a_stalled_call_leaves_the_client_usable(
    server: FaultServer, transport: str, how: str, deadline: float | None
) -> None:
    """The caller's cancellation propagates as such (never swallowed by the
    call_timeout scope, never turned into an awsmith error)."""
    server.play(Stall(), CASES_OK)
    # The read timeout and the call deadline are far beyond the hang bound below
    # (fail_after(10)): the call can end within it only through the caller's
    # cancellation, never by timing out on its own.
    async with support(
        server.url, transport, fast(read_timeout=120, call_timeout=deadline)
    ) as client:
        with anyio.fail_after(10):
            if how == "task-cancel":
                task = asyncio.ensure_future(client.describe_cases())
                assert await wait_until(lambda: server.attempts == 1)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            elif how == "asyncio-timeout":
                # The timeout fires once the server has the request (a fixed 0.2 s
                # could run out first on a loaded machine: the server then saw no call).
                timeouts: list[asyncio.Timeout] = []

                async def under_timeout() -> None:
                    async with asyncio.timeout(None) as timeout:
                        timeouts.append(timeout)
                        await client.describe_cases()

                task = asyncio.ensure_future(under_timeout())
                assert await wait_until(lambda: server.attempts == 1)
                timeouts[0].reschedule(asyncio.get_running_loop().time())
                with pytest.raises(TimeoutError):
                    await task
            else:
                await cancel_by_anyio_deadline_once_sent(client, server)
        with anyio.fail_after(30):  # a hang bound only
            assert await client.describe_cases() == expected_cases()
    assert server.attempts == 2
    # the stalled connection was dropped, not put back in the pool and reused
    assert server.requests[0].connection != server.requests[1].connection
    assert await wait_until(lambda: server.open_connections == 0)


async def cancel_by_anyio_deadline_once_sent(client: SupportClient, server: FaultServer) -> None:
    """A DescribeCases ended by an anyio deadline (``fail_after``) that expires once
    the server has the request: a fixed 0.2 s could run out first on a loaded machine,
    and the server then saw no call."""
    scopes: list[anyio.CancelScope] = []

    async def under_deadline() -> None:
        with pytest.raises(TimeoutError):
            with anyio.fail_after(None) as scope:
                scopes.append(scope)
                await client.describe_cases()

    async with anyio.create_task_group() as group:
        group.start_soon(under_deadline)
        assert await wait_until(lambda: server.attempts == 1)
        scopes[0].deadline = anyio.current_time()


# ---------------------------------------------------------------- many clients


async def test_many_clients_opened_and_closed_leak_nothing(
    server: FaultServer, transport: str
) -> None:
    server.play(CASES_OK)
    loop = asyncio.get_running_loop()
    loop_errors: list[dict[str, Any]] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: loop_errors.append(context))
    try:
        async with support(server.url, transport) as warm_up:  # first-use imports
            await warm_up.describe_cases()
        assert await wait_until(lambda: server.open_connections == 0)
        gc.collect()
        tls_context = ssl.create_default_context()
        fds_before = open_fds()
        tasks_before = asyncio.all_tasks()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(200):
                # a shared SSL context: building one per httpx client costs 40 ms
                options: dict[str, Any] = {"verify": tls_context} if transport == "httpx" else {}
                async with support(server.url, transport, **options) as client:
                    assert await client.describe_cases() == expected_cases()
            gc.collect()
            await asyncio.sleep(0)
        assert await wait_until(lambda: server.open_connections == 0)
        assert await wait_until(lambda: open_fds() <= fds_before)
        assert asyncio.all_tasks() == tasks_before
    finally:
        loop.set_exception_handler(previous_handler)
    assert server.attempts == 201
    assert [str(w.message) for w in caught] == []
    assert loop_errors == []


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_under_trio_cancelled_calls_and_many_clients_leak_nothing(
    server: FaultServer, transport: str, anyio_backend: str
) -> None:
    """Under trio awsmith sends through its own httpx client (or the caller's)."""
    server.play(Stall(), CASES_OK)
    async with support(server.url, transport, fast(read_timeout=30)) as client:
        with anyio.fail_after(30):  # a hang bound only
            await cancel_by_anyio_deadline_once_sent(client, server)
        with anyio.fail_after(30):  # a hang bound only
            assert await client.describe_cases() == expected_cases()
    assert server.attempts == 2
    assert await wait_until(lambda: server.open_connections == 0)
    server.play(CASES_OK)
    fds_before = open_fds()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(30):
            async with support(server.url, transport) as client:
                assert await client.describe_cases() == expected_cases()
        gc.collect()
    assert server.attempts == 30
    assert await wait_until(lambda: server.open_connections == 0)
    assert await wait_until(lambda: open_fds() <= fds_before)
    assert [str(w.message) for w in caught] == []


# ---------------------------------------------------------------- security


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    crypto = pytest.importorskip(
        "cryptography", reason="needs the cryptography package (pip install cryptography)"
    )
    del crypto
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_tls_certificates_are_verified_by_default(
    tmp_path: Path, transport: str, anyio_backend: str
) -> None:
    """An untrusted certificate fails the call (on the default sender, on awsmith's own httpx
    client under trio, and on a default caller httpx client); only an explicit
    ``verify_tls=False`` lets it through, which shows the server itself works."""
    with fault_server(ssl_context=_self_signed(tmp_path), key_id=AKID) as tls:
        tls.play(CASES_OK)
        async with support(tls.url, transport) as client:
            with pytest.raises(awsmith.ConnectionFailedError) as info:
                await client.describe_cases()
        assert isinstance(_root_cause(info.value), ssl.SSLCertVerificationError)
        assert tls.attempts == 0  # no request left the client
        if transport == "httpx":
            options: dict[str, Any] = {"verify": False}  # the caller's own choice
            cfg = fast()
        else:
            options, cfg = {}, fast(verify_tls=False)
        async with support(tls.url, transport, cfg, **options) as client:
            assert await client.describe_cases() == expected_cases()
        assert tls.attempts == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_aws_ca_bundle_is_the_trust_store_of_awsmiths_own_connections(
    tmp_path: Path, transport: str, anyio_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``AWS_CA_BUNDLE`` naming the server's certificate, verification succeeds
    (as with botocore) on awsmith's own sender and its httpx client under trio; a
    caller's httpx client keeps its own trust store and still refuses it."""
    with fault_server(ssl_context=_self_signed(tmp_path), key_id=AKID) as tls:
        tls.play(CASES_OK)
        monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "cert.pem"))
        async with support(tls.url, transport) as client:
            if transport == "httpx":
                with pytest.raises(awsmith.ConnectionFailedError):
                    await client.describe_cases()
                assert tls.attempts == 0
            else:
                assert await client.describe_cases() == expected_cases()
                assert tls.attempts == 1


async def test_aws_ca_bundle_naming_no_file_is_a_configuration_error(
    tmp_path: Path, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-bundle.pem"
    monkeypatch.setenv("AWS_CA_BUNDLE", str(missing))
    async with support("https://127.0.0.1:9", transport) as client:
        if transport == "httpx":  # a caller's client: its own trust store, never read
            with pytest.raises(awsmith.ConnectionFailedError):
                await client.describe_cases()
            return
        with pytest.raises(awsmith.ConfigurationError) as info:
            await client.describe_cases()
    assert str(info.value) == (
        f"AWS_CA_BUNDLE names no file: {str(missing)!r} (when calling the DescribeCases operation)"
    )


async def test_aws_ca_bundle_is_not_read_for_a_plain_http_endpoint(
    server: FaultServer, tmp_path: Path, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "no-such-bundle.pem"))
    server.play(CASES_OK)
    async with support(server.url, transport) as client:
        assert await client.describe_cases() == expected_cases()


def _root_cause(error: BaseException) -> BaseException:
    while (cause := error.__cause__ or error.__context__) is not None:
        error = cause
    return error


async def test_repr_of_clients_config_and_errors_shows_no_secret(
    server: FaultServer, transport: str
) -> None:
    server.play(Reply.error("AccessDeniedException", "denied"))
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
        texts = [repr(client), str(client), repr(client.config), repr(vars(client))]
        texts += [repr(client.endpoint), repr(info.value), str(info.value)]
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text
    assert_no_secrets(info.value)
