"""Differential: awsmith's SigV4 signatures against botocore's ``SigV4Auth``.

Every operation, generated inputs, with and without a session token, at generated
fixed times: awsmith's ``SigV4Signer`` over the serialized request and botocore's
signer over the same request (the URL botocore itself builds for those parameters,
the same headers, the same body) must give the same Authorization and X-Amz-Date.
A second test drives the real client through ``httpx.MockTransport`` and checks the
request that actually goes out verifies under botocore's signer. Every operation the
installed botocore's model has, that is: botocore 1.29.61 lacks six of Support's
(test_botocore_versions.py), whose requests it cannot build.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import anyio
import botocore.auth
import botocore.credentials
import botocore.session
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import awsmith
from awsmith._core import signing
from awsmith._core.signing import SigV4Signer
from tests.differential import strategies as S
from tests.differential.test_serialize_diff import awsmith_serialize, botocore_serialize

REGION = "eu-west-3"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SETTINGS = settings(
    max_examples=S.EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

_TOKENS = st.one_of(
    st.none(),
    st.text(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=1, max_size=40
    ),
)
_TIMES = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)


@contextlib.contextmanager
def awsmith_clock(now: datetime, fraction: float = 0.0) -> Iterator[None]:
    """Freezes the clock awsmith's signer reads (``time.time()``, ``fraction`` of a second
    after ``now``) and empties its once-a-second cache of the formatted date."""
    fake = mock.Mock(wraps=time)
    fake.time.return_value = now.timestamp() + fraction
    with (
        mock.patch.object(signing, "time", fake),
        mock.patch.object(signing, "_clock_cache", (0, "")),
    ):
        yield


@contextlib.contextmanager
def local_zone(name: str) -> Iterator[None]:
    """The process's local time zone set to ``name`` (TZ and tzset), then restored."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@contextlib.contextmanager
def botocore_clock(now: datetime) -> Iterator[None]:
    """Freezes the clock botocore's signer reads (naive UTC, as botocore uses it)."""
    naive = now.astimezone(UTC).replace(tzinfo=None)
    if hasattr(botocore.auth, "get_current_datetime"):
        with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
            yield
    else:  # older botocore: datetime.datetime.utcnow()
        fake = mock.Mock(wraps=botocore.auth.datetime)
        fake.datetime.utcnow.return_value = naive
        with mock.patch("botocore.auth.datetime", fake):
            yield


def signing_name(service: str) -> str:
    metadata = S.our_model(service)["metadata"]
    return str(metadata.get("signingName") or metadata["endpointPrefix"])


def host_of(service: str, region: str = REGION) -> str:
    return f"{S.our_model(service)['metadata']['endpointPrefix']}.{region}.amazonaws.com"


def botocore_sign(
    service: str,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    token: str | None,
    now: datetime,
    region: str = REGION,
    secret: str = SECRET_KEY,
) -> AWSRequest:
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    credentials = botocore.credentials.Credentials(ACCESS_KEY, secret, token)
    with botocore_clock(now):
        botocore.auth.SigV4Auth(credentials, signing_name(service), region).add_auth(request)
    return request


def assert_same_signature(
    service: str, op: str, params: dict[str, Any], token: str | None, now: datetime
) -> None:
    ours_request = awsmith_serialize(service, op, params)
    credentials = awsmith.Credentials(
        access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=token
    )
    ours = SigV4Signer(signing_name(service), REGION).sign(
        method=ours_request.method,
        host=host_of(service),
        path=ours_request.path,
        query=ours_request.query,
        headers=ours_request.headers,
        body=ours_request.body,
        credentials=credentials,
        now=now,
    )
    # The URL botocore itself builds for these parameters (its encoding of path and query).
    url = botocore_serialize(service, op, params, endpoint=f"https://{host_of(service)}")["url"]
    theirs = botocore_sign(
        service, ours_request.method, url, ours_request.headers, ours_request.body, token, now
    )
    assert ours["X-Amz-Date"] == theirs.headers["X-Amz-Date"] == now.strftime("%Y%m%dT%H%M%SZ")
    assert ours["Authorization"] == theirs.headers["Authorization"]
    if token is None:
        assert "X-Amz-Security-Token" not in ours
        assert "X-Amz-Security-Token" not in theirs.headers
    else:
        assert ours["X-Amz-Security-Token"] == theirs.headers["X-Amz-Security-Token"] == token
    assert set(ours) == {"X-Amz-Date", "Authorization"} | (
        {"X-Amz-Security-Token"} if token else set()
    )


@pytest.mark.parametrize(("service", "op"), S.compared_operations())
@SETTINGS
@given(data=st.data())
def test_signature_matches_botocore(service: str, op: str, data: st.DataObject) -> None:
    params = data.draw(S.input_params(service, op), label="params")
    token = data.draw(_TOKENS, label="token")
    now = data.draw(_TIMES, label="now")
    assert_same_signature(service, op, params, token, now)


_NOW = datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC)


@pytest.mark.parametrize("token", [None, "FQoGZXIvYXdzE//////////wEaD+token=="])
@pytest.mark.parametrize(
    ("service", "op", "params"),
    [
        # labels with "/", "%", spaces, unicode; ".." and "//" inside one label
        ("codeguruprofiler", "ListTagsForResource", {"resourceArn": "arn:aws:x/a b%20c/ü/😀"}),
        ("codeguruprofiler", "ListTagsForResource", {"resourceArn": "../a//b/./c"}),
        ("codeguruprofiler", "ListTagsForResource", {"resourceArn": "%2F%25"}),
        # query values with "+", "&", "=", "~" and repeated keys
        (
            "codeguruprofiler",
            "UntagResource",
            {"resourceArn": "r", "tagKeys": ["a+b", "c&d", "e=f", "~g", "~g", " ", "ü"]},
        ),
        (
            "codeguruprofiler",
            "GetRecommendations",
            {
                "profilingGroupName": "pg",
                "startTime": _NOW,
                "endTime": _NOW,
                "locale": "a+b&c=d~e f",
            },
        ),
        (
            "codeguruprofiler",
            "PostAgentProfile",
            {
                "profilingGroupName": "pg",
                "contentType": "application/json",
                "agentProfile": b"",
                "profileToken": "t",
            },
        ),
        (
            "codeguruprofiler",
            "PostAgentProfile",
            {
                "profilingGroupName": "pg",
                "contentType": "  application/x-amzn-ion   x ",
                "agentProfile": bytes(range(256)),
            },
        ),
        ("support", "DescribeCases", {"caseIdList": ["a/b?c&d=e+f~g%h#i ü"]}),
        ("support", "DescribeServices", {}),
    ],
)
def test_fixed_signatures(service: str, op: str, params: dict[str, Any], token: str | None) -> None:
    assert_same_signature(service, op, params, token, _NOW)


def test_known_signature() -> None:
    """Anchors both signers to a fixed value, so a shared mistake cannot pass unseen."""
    ours = SigV4Signer("codeguru-profiler", REGION).sign(
        method="GET",
        host="codeguru-profiler.eu-west-3.amazonaws.com",
        path="/tags/a%2Fb",
        query=[("tagKeys", "a b"), ("tagKeys", "+")],
        headers={},
        body=b"",
        credentials=awsmith.Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
        now=_NOW,
    )
    theirs = botocore_sign(
        "codeguruprofiler",
        "GET",
        "https://codeguru-profiler.eu-west-3.amazonaws.com/tags/a%2Fb?tagKeys=a%20b&tagKeys=%2B",
        {},
        b"",
        None,
        _NOW,
    )
    assert ours["Authorization"] == theirs.headers["Authorization"]
    # Computed by hand: canonical path /tags/a%252Fb (encoded once more), query
    # tagKeys=%2B&tagKeys=a%20b (sorted by encoded value).
    assert ours["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-3/codeguru-profiler/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=ea87206526e8c7f179d4383d8f6c7194e1c9a186c747505d2dc27fc817e09a04"
    )


# ------------------------------------------------------------------ one signer, many requests

#: The secret after a rotation (same access key id, as a refreshed role session keeps it).
ROTATED_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
_MIDNIGHT = datetime(2024, 2, 29, tzinfo=UTC)
_SECRETS = (SECRET_KEY, ROTATED_SECRET)


def _sign_both(
    signer: SigV4Signer, now: datetime, secret: str, token: str | None
) -> tuple[str, str]:
    """One request signed by ``signer`` and by botocore (a fresh signer, the secret and
    time given): both Authorization headers."""
    ours = signer.sign(
        method="GET",
        host="codeguru-profiler.eu-west-3.amazonaws.com",
        path="/tags/a%2Fb",
        query=[("tagKeys", "a b")],
        headers={},
        body=b"",
        credentials=awsmith.Credentials(
            access_key_id=ACCESS_KEY, secret_access_key=secret, session_token=token
        ),
        now=now,
    )
    theirs = botocore_sign(
        "codeguruprofiler",
        "GET",
        "https://codeguru-profiler.eu-west-3.amazonaws.com/tags/a%2Fb?tagKeys=a%20b",
        {},
        b"",
        token,
        now,
        secret=secret,
    )
    assert ours["X-Amz-Date"] == now.strftime("%Y%m%dT%H%M%SZ")
    return ours["Authorization"], theirs.headers["Authorization"]


def test_one_signer_across_midnight_and_a_secret_rotation() -> None:
    """A client keeps one signer for its life, and the signer caches the derived key:
    the key must change with the UTC day and with the secret, and come back with them."""
    signer = SigV4Signer("codeguru-profiler", REGION)
    steps = [
        (_MIDNIGHT - timedelta(seconds=1), SECRET_KEY, None),  # 2024-02-28
        (_MIDNIGHT, SECRET_KEY, None),  # a new UTC day, the same secret
        (_MIDNIGHT + timedelta(seconds=1), ROTATED_SECRET, "token-2"),  # same day, new secret
        (_MIDNIGHT + timedelta(seconds=2), SECRET_KEY, None),  # the old secret again
        (_MIDNIGHT - timedelta(seconds=1), SECRET_KEY, None),  # the day before again
    ]
    signatures = []
    for now, secret, token in steps:
        ours, theirs = _sign_both(signer, now, secret, token)
        assert ours == theirs
        assert f"Credential={ACCESS_KEY}/{now:%Y%m%d}/{REGION}/codeguru-profiler/" in ours
        signatures.append(ours.rpartition("Signature=")[2])
    # The first four differ from one another; the last repeats the first exactly.
    assert len(set(signatures[:4])) == 4
    assert signatures[4] == signatures[0]


@SETTINGS
@given(
    steps=st.lists(
        st.tuples(
            st.one_of(
                _TIMES,  # anywhere, and near one midnight (many day changes back and forth)
                st.integers(-3, 3).map(lambda s: _MIDNIGHT + timedelta(seconds=s)),
            ),
            st.sampled_from(_SECRETS),
            _TOKENS,
        ),
        min_size=2,
        max_size=8,
    )
)
def test_one_signer_over_any_sequence_of_days_and_secrets(
    steps: list[tuple[datetime, str, str | None]],
) -> None:
    signer = SigV4Signer("codeguru-profiler", REGION)
    for now, secret, token in steps:
        ours, theirs = _sign_both(signer, now, secret, token)
        assert ours == theirs


# ------------------------------------------------------------------ the date, in UTC

#: 23:36 UTC: 19:36 the same day in New York, 05:06 the next day in Kolkata.
_LATE = datetime(2015, 8, 30, 23, 36, 0, tzinfo=UTC)
_ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"]


@pytest.mark.parametrize("zone", _ZONES)
def test_explicit_time_in_any_zone_is_dated_in_utc(zone: str) -> None:
    signer = SigV4Signer("codeguru-profiler", REGION)
    with local_zone(zone):
        ours = signer.sign(
            method="GET",
            host="codeguru-profiler.eu-west-3.amazonaws.com",
            path="/",
            query=[],
            headers={},
            body=b"",
            credentials=awsmith.Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
            now=_LATE.astimezone(ZoneInfo(zone)),
        )
    assert ours["X-Amz-Date"] == "20150830T233600Z"
    assert f"Credential={ACCESS_KEY}/20150830/{REGION}/" in ours["Authorization"]


@pytest.mark.parametrize("zone", _ZONES)
def test_client_dates_its_requests_in_utc_whatever_the_local_zone(zone: str) -> None:
    """The client's own clock (time.time(), frozen 0.999 s past _LATE) is formatted in
    UTC and truncated to the second, whatever TZ the process runs in; the signature is
    botocore's for that UTC time over the headers botocore's rules sign."""
    with local_zone(zone), awsmith_clock(_LATE, fraction=0.999):
        sent = anyio.run(_send, "support", "DescribeServices", {}, None)
    assert sent.headers["X-Amz-Date"] == "20150830T233600Z"
    signed = {
        "host",
        "x-amz-date",
        "content-type",
        "x-amz-target",
        "amz-sdk-invocation-id",
        "amz-sdk-request",
    }
    headers = {k: v for k, v in sent.headers.items() if k.lower() in signed - {"host", "x-amz-date"}}
    theirs = botocore_sign(
        "support", "POST", str(sent.url), headers, sent.content, None, _LATE, CLIENT_REGION
    )
    assert sent.headers["Authorization"] == theirs.headers["Authorization"]
    assert (
        f"Credential={ACCESS_KEY}/20150830/{CLIENT_REGION}/support/aws4_request, "
        f"SignedHeaders={';'.join(sorted(signed))}, " in sent.headers["Authorization"]
    )


# ------------------------------------------------------------------ through the client

_SIGNED = re.compile(r"SignedHeaders=([^,]+),")
# A region where both services have a regional endpoint (Support's endpoint is global,
# us-east-1, in the aws partition; endpoint resolution has its own tests).
CLIENT_REGION = "us-east-1"


@functools.cache
def botocore_endpoint(service: str) -> str:
    """The endpoint botocore's own client resolves for CLIENT_REGION."""
    session = botocore.session.get_session()
    client = session.create_client(
        service,
        region_name=CLIENT_REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    url: str = client.meta.endpoint_url
    client.close()
    return url


def _client(service: str, transport: httpx.MockTransport, token: str | None) -> Any:
    module = __import__(f"awsmith.{service}", fromlist=["x"])
    cls = next(
        getattr(module, n) for n in dir(module) if n.endswith("Client") and n != "BaseClient"
    )
    return cls(
        region=CLIENT_REGION,
        credentials=awsmith.Credentials(
            access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=token
        ),
        http_client=httpx.AsyncClient(transport=transport),
        config=awsmith.Config(max_attempts=1),
    )


def _kwargs(service: str, op: str, params: dict[str, Any]) -> dict[str, Any]:
    members = S.shape(service, S.op_spec(service, op)["input"]["shape"])["members"]
    return {S.snake(k): S.to_awsmith(service, members[k]["shape"], v) for k, v in params.items()}


async def _send(service: str, op: str, params: dict[str, Any], token: str | None) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"__type": "Unmodeled", "message": "stop"})

    client = _client(service, httpx.MockTransport(handler), token)
    async with client:
        with pytest.raises(awsmith.ServiceError) as info:
            await getattr(client, S.snake(op))(**_kwargs(service, op, params))
    assert info.value.code == "Unmodeled"
    assert len(seen) == 1
    return seen[0]


@pytest.mark.parametrize(("service", "op"), S.compared_operations())
@settings(
    max_examples=max(3, S.EXAMPLES // 5),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_sent_request_verifies_under_botocore(service: str, op: str, data: st.DataObject) -> None:
    """The request the client really sends (URL, headers, body) carries the signature
    botocore computes for it, over the headers that matter, at the time the client's
    clock (frozen) says: date and signed headers come from the test, not the request."""
    params = data.draw(S.input_params(service, op), label="params")
    token = data.draw(_TOKENS, label="token")
    now = data.draw(_TIMES, label="now")
    with awsmith_clock(now):
        sent = anyio.run(_send, service, op, params, token)
    assert sent.headers["X-Amz-Date"] == now.strftime("%Y%m%dT%H%M%SZ")
    authorization = sent.headers["Authorization"]
    match = _SIGNED.search(authorization)
    assert match is not None
    signed = match.group(1).split(";")
    modeled = {k.lower() for k in awsmith_serialize(service, op, params).headers}
    # botocore signs its invocation headers too (they are set before signing).
    invocation = {"amz-sdk-invocation-id", "amz-sdk-request"}
    token_header = {"x-amz-security-token"} if token else set()
    expected = {"host", "x-amz-date"} | modeled | invocation | token_header
    assert set(signed) == expected
    assert f"{sent.url.scheme}://{sent.url.host}" == botocore_endpoint(service)
    assert f"/{CLIENT_REGION}/{signing_name(service)}/aws4_request," in authorization
    headers = {
        k: v
        for k, v in sent.headers.items()
        if k.lower() in expected - {"host", "x-amz-date", "x-amz-security-token"}
    }
    theirs = botocore_sign(
        service, sent.method, str(sent.url), headers, sent.content, token, now, CLIENT_REGION
    )
    assert theirs.headers["Authorization"] == authorization
    # The URL the client sends is the one botocore builds for the same parameters.
    url = botocore_serialize(
        service,
        op,
        S.plain(params) | _filled_tokens(service, op, sent),
        endpoint=botocore_endpoint(service),
    )["url"]
    assert _same_url(str(sent.url), url)


def _filled_tokens(service: str, op: str, sent: httpx.Request) -> dict[str, Any]:
    """The idempotency tokens the client filled in (read back from the request)."""
    out: dict[str, Any] = {}
    for name, member in S.shape(service, S.op_spec(service, op)["input"]["shape"])[
        "members"
    ].items():
        if member.get("idempotencyToken") and member.get("location") == "querystring":
            out[name] = sent.url.params[member.get("locationName", name)]
    return out


def _same_url(a: str, b: str) -> bool:
    """Same scheme, host and path bytes, and the same multiset of encoded query pairs."""
    a_base, _, a_query = a.partition("?")
    b_base, _, b_query = b.partition("?")
    return a_base == b_base and sorted(a_query.split("&")) == sorted(b_query.split("&"))


_CODEGURU_HOST = "codeguru-profiler.eu-west-3.amazonaws.com"


@pytest.mark.parametrize(
    "path",
    [
        "/a/../b", "/a/./b", "/a//b", "/a/b/", "/a/b/../", "/a/b/..", "/../a", "/./",
        "/a/.../b", "/..", "//", "/a/%2E%2E/b", "/tags/a%2Fb/",
    ],
)
@pytest.mark.parametrize(
    "query",
    [
        [],
        [("flag", None)],
        [("tagKeys", "a b"), ("flag", None), ("x/y", "~z")],
    ],
    ids=["no-query", "bare-key", "mixed"],
)
def test_dot_segments_and_bare_query_keys_sign_as_botocore(
    path: str, query: list[tuple[str, str | None]]
) -> None:
    """Paths with dot and empty segments and a trailing slash, and query keys sent
    without ``=``: the query string awsmith sends (``render_query``) and the signature
    over it, against botocore signing the URL so built."""
    signing.canonical_path.cache_clear()  # computed here, not remembered from another test
    now = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    rendered = signing.render_query(signing.encode_query(query))
    url = f"https://{_CODEGURU_HOST}{path}" + (f"?{rendered}" if rendered else "")
    ours = SigV4Signer("codeguru-profiler", REGION).sign(
        method="GET", host=_CODEGURU_HOST, path=path, query=query, headers={}, body=b"",
        credentials=awsmith.Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
        now=now,
    )
    theirs = botocore_sign("codeguruprofiler", "GET", url, {}, b"", None, now)
    assert ours["Authorization"] == theirs.headers["Authorization"]


def test_rendered_query() -> None:
    query = [("tagKeys", "a b"), ("flag", None), ("x/y", "~z"), ("k", "")]
    assert signing.render_query(signing.encode_query(query)) == "tagKeys=a%20b&flag&x%2Fy=~z&k="


@pytest.mark.parametrize("path", ["a/b/", "a/../b", "./a/", "a//b", "../a/.", "a/b/c/../.."])
def test_canonical_path_of_a_relative_path_is_botocores(path: str) -> None:
    """Not reachable from ``sign`` (the client's paths begin with ``/``), but
    ``canonical_path`` is SigV4's canonical URI for any path, as botocore's."""
    signing.canonical_path.cache_clear()
    botocore_signer = botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s", REGION
    )
    assert signing.canonical_path(path) == botocore_signer._normalize_url_path(path)
