"""``sts_regional_endpoints`` (``AWS_STS_REGIONAL_ENDPOINTS``, the profile's key): which
STS endpoint AssumeRole goes to, and the region it is signed for, against botocore.

For ``awsmith.assume_role`` (awsmith's own STS client) the oracle is botocore's STS
client for the same region and setting, whose request is taken at ``before-send`` and
answered there, so nothing leaves the machine; awsmith's is taken by an
``httpx.MockTransport``. For a profile's ``role_arn`` (botocore's AssumeRoleProvider,
which awsmith's chain runs) both sides' STS requests are taken the same way, from
every botocore session made during the test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import botocore.session
import httpx
import pytest
from botocore.awsrequest import AWSResponse

import awsmith
from awsmith.support import SupportClient

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credentials import aws_env  # noqa: F401

ROLE = "arn:aws:iam::123456789012:role/Auditor"
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/sts/aws4_request")
EXPIRY = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
ANSWER = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>{ROLE}/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAROLEKEY</AccessKeyId>
      <SecretAccessKey>role-secret</SecretAccessKey>
      <SessionToken>role-token</SessionToken>
      <Expiration>{EXPIRY}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>sts-request</RequestId></ResponseMetadata>
</AssumeRoleResponse>""".encode()

#: (endpoint URL, signing region) of an STS request.
Seen = tuple[str, str]


def seen_of(url: str, authorization: str) -> Seen:
    match = SCOPE.search(authorization)
    assert match is not None, authorization
    return url.split("?")[0].rstrip("/"), match["region"]


class _Raw:
    """The body of a canned botocore response."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@pytest.fixture
def botocore_sts(monkeypatch: pytest.MonkeyPatch) -> list[Seen]:
    """Every STS request a botocore session makes during the test (botocore's own,
    and the one awsmith's credential chain makes), answered at ``before-send``."""
    seen: list[Seen] = []

    def before_send(request: Any, **_: Any) -> AWSResponse:
        seen.append(seen_of(request.url, request.headers["Authorization"].decode()))
        return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, _Raw(ANSWER))

    original = botocore.session.Session.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.register("before-send.sts", before_send)

    monkeypatch.setattr(botocore.session.Session, "__init__", init)
    return seen


def botocore_assume_role(region: str, seen: list[Seen]) -> Seen | str:
    """botocore's STS client's AssumeRole: where it went, or botocore's error."""
    try:
        client = botocore.session.Session().create_client(
            "sts", region_name=region, aws_access_key_id="AKIDSOURCE", aws_secret_access_key="s"
        )
        client.assume_role(RoleArn=ROLE, RoleSessionName="sweep")
    except Exception as exc:  # botocore's own classes, named for the comparison
        return f"error: {type(exc).__name__}: {exc}"
    return seen[-1]


def awsmith_assume_role(region: str) -> Seen:
    requests: list[httpx.Request] = []

    def sts(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=ANSWER, headers={"Content-Type": "text/xml"})

    async def call() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(sts)) as http:
            provider = awsmith.assume_role(
                role_arn=ROLE,
                session_name="sweep",
                source=awsmith.Credentials(access_key_id="AKIDSOURCE", secret_access_key="s"),
                region=region,
                http_client=http,
            )
            await provider()

    anyio.run(call)
    [request] = requests
    return seen_of(str(request.url), request.headers["Authorization"])


SETTINGS = [
    {},
    {"env": "legacy"},
    {"env": "regional"},
    {"profile": "legacy"},
    {"profile": "regional"},
    {"env": "regional", "profile": "legacy"},
    {"env": "legacy", "profile": "regional"},
    # Set but empty, the variable decides (regional), as botocore reads it.
    {"env": "", "profile": "legacy"},
]
REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "ap-east-1", "cn-north-1"]


def apply(
    setting: dict[str, str], files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    if "env" in setting:
        monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", setting["env"])
    if "profile" in setting:
        files[0].write_text(f"[default]\nsts_regional_endpoints = {setting['profile']}\n")


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize(
    "setting", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "unset"
)
def test_assume_role_calls_the_sts_endpoint_botocore_calls(
    aws_env: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    botocore_sts: list[Seen],
    setting: dict[str, str],
    region: str,
) -> None:
    apply(setting, aws_env, monkeypatch)
    expected = botocore_assume_role(region, botocore_sts)
    assert awsmith_assume_role(region) == expected
    legacy = setting.get("env", setting.get("profile")) == "legacy"
    if legacy and region in ("us-east-1", "us-west-2", "eu-central-1"):
        assert expected == ("https://sts.amazonaws.com", "us-east-1")
    else:
        assert expected[1] == region


@pytest.mark.parametrize(
    ("where", "source"),
    [("env", "AWS_STS_REGIONAL_ENDPOINTS"), ("profile", "the profile's sts_regional_endpoints")],
)
@pytest.mark.parametrize("value", ["global", "Legacy"])
def test_a_bad_value_is_refused_by_both_naming_where_it_came_from(
    aws_env: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    botocore_sts: list[Seen],
    where: str,
    source: str,
    value: str,
) -> None:
    apply({where: value}, aws_env, monkeypatch)
    assert botocore_assume_role("us-west-2", botocore_sts) == (
        "error: InvalidSTSRegionalEndpointsConfigError: STS regional endpoints option "
        f'{value} is invalid. Valid options are: "legacy", "regional"'
    )
    with pytest.raises(awsmith.CredentialsError) as info:
        awsmith_assume_role("us-west-2")
    cause = info.value.__cause__
    assert isinstance(cause, awsmith.ConfigurationError)
    assert str(cause) == f"{source} must be 'legacy' or 'regional', got {value!r}"


@pytest.mark.parametrize(
    "setting", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "unset"
)
def test_a_role_profiles_sts_endpoint_is_botocores(
    aws_env: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    botocore_sts: list[Seen],
    setting: dict[str, str],
) -> None:
    """A profile's ``role_arn``: botocore's AssumeRoleProvider calls STS, in botocore's
    session and in the one awsmith's chain makes, at the same endpoint."""
    apply(setting, aws_env, monkeypatch)
    profile = aws_env[0].read_text() or "[default]\n"
    aws_env[0].write_text(
        profile + f"region = us-west-2\nrole_arn = {ROLE}\nsource_profile = base\n\n"
        "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n"
    )
    botocore.session.Session().get_credentials().get_frozen_credentials()
    [expected] = botocore_sts
    requests: list[httpx.Request] = []

    def support(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"services": []})

    async def call() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(support))
        async with http, SupportClient(http_client=http) as client:
            await client.describe_services()

    anyio.run(call)
    assert botocore_sts == [expected, expected]
    assert "Credential=ASIAROLEKEY/" in requests[0].headers["Authorization"]
    legacy = setting.get("env", setting.get("profile")) == "legacy"
    assert expected == (
        ("https://sts.amazonaws.com", "us-east-1")
        if legacy
        else ("https://sts.us-west-2.amazonaws.com", "us-west-2")
    )
