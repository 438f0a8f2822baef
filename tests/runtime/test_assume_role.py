"""``awsmith.assume_role``: the provider, its STS calls and its failures, on mocks.

STS is answered by one ``httpx.MockTransport`` (passed as ``assume_role(http_client=)``)
and Support by another, so both wire sides can be asserted exactly: the AssumeRole
request's bytes and signature (checked with botocore's signer), and which credentials
the Support call was then signed with. The same flows run against moto's real STS in
``tests/integration/test_assume_role_moto.py``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import awsmith
from awsmith._core.sts import StsError
from tests.runtime.test_credential_provider import calls, keys

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credentials import Capture, aws_env, settled  # noqa: F401
from tests.unit.mockaws import AKID, SECRET, Script, check_signature, credentials

pytestmark = pytest.mark.anyio

ROLE = "arn:aws:iam::123456789012:role/Auditor"
HUB = "arn:aws:iam::111122223333:role/Hub"
NAME = f"assume_role(role_arn={ROLE!r}, session_name='sweep')"
STS_REQUEST_ID = "c6104cbe-af31-11e0-8154-cbc7ccf896c7"


def sts_reply(n: int = 1, lifetime: timedelta = timedelta(hours=1)) -> httpx.Response:
    expiry = (datetime.now(UTC) + lifetime).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/Auditor/sweep</Arn>
      <AssumedRoleId>AROA123EXAMPLE:sweep</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAROLE{n}</AccessKeyId>
      <SecretAccessKey>role-secret-{n}</SecretAccessKey>
      <SessionToken>role-token-{n}</SessionToken>
      <Expiration>{expiry}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>{STS_REQUEST_ID}</RequestId></ResponseMetadata>
</AssumeRoleResponse>"""
    return httpx.Response(
        200, headers={"x-amzn-RequestId": STS_REQUEST_ID, "Content-Type": "text/xml"}, content=body
    )


def sts_error(code: str, message: str, status: int = 403) -> httpx.Response:
    body = f"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>err-{code}</RequestId>
</ErrorResponse>"""
    return httpx.Response(status, headers={"Content-Type": "text/xml"}, content=body)


def numbered(lifetime: timedelta = timedelta(hours=1)) -> Callable[[httpx.Request], httpx.Response]:
    """An STS handler whose n-th answer carries ASIAROLE<n>."""
    count = [0]

    def reply(_: httpx.Request) -> httpx.Response:
        count[0] += 1
        return sts_reply(count[0], lifetime)

    return reply


@asynccontextmanager
async def sts_http(script: Script) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        yield http


def role(http: httpx.AsyncClient, **kwargs: Any) -> awsmith.CredentialProvider:
    options: dict[str, Any] = {
        "role_arn": ROLE,
        "session_name": "sweep",
        "source": credentials(),
        "region": "us-west-2",
        "http_client": http,
    }
    options.update(kwargs)
    return awsmith.assume_role(**options)


# ---------------------------------------------------------------- the happy path


async def test_support_call_signed_with_the_assumed_role() -> None:
    script = Script(sts_reply())
    async with sts_http(script) as http:
        capture = await calls(role(http, duration_seconds=900, external_id="ext-1"), 2)
    sts = script.request
    assert (sts.method, str(sts.url)) == ("POST", "https://sts.us-west-2.amazonaws.com/")
    assert sts.content == (
        b"Action=AssumeRole&Version=2011-06-15"
        b"&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAuditor&RoleSessionName=sweep"
        b"&DurationSeconds=900&ExternalId=ext-1"
    )
    assert sts.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
    check_signature(sts, region="us-west-2", service="sts", must_sign=["content-type"])
    assert keys(capture) == ["ASIAROLE1", "ASIAROLE1"]
    assert [capture.token(0), capture.token(1)] == ["role-token-1"] * 2


async def test_the_provider_names_the_role_and_gives_credentials_with_expiry() -> None:
    script = Script(sts_reply(lifetime=timedelta(hours=1)))
    async with sts_http(script) as http:
        provider = role(http)
        assert repr(provider) == NAME
        got = await provider()
    assert got.access_key_id == "ASIAROLE1"
    assert got.expiry is not None
    left = got.expiry - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)


async def test_concurrent_calls_and_clients_share_one_assume_role() -> None:
    script = Script(numbered())
    async with sts_http(script) as http:
        provider = role(http)
        first = await calls(provider, 20, concurrent=True)
        second = await calls(provider, 3)  # another client, the same provider
    assert len(script.requests) == 1
    assert keys(first) == ["ASIAROLE1"] * 20
    assert keys(second) == ["ASIAROLE1"] * 3


async def test_credentials_near_expiry_are_assumed_again() -> None:
    # 50 seconds of validity: inside the last minute, where every call waits for a
    # new AssumeRole.
    script = Script(numbered(lifetime=timedelta(seconds=50)))
    async with sts_http(script) as http:
        capture = await calls(role(http), 3)
    assert len(script.requests) == 3
    assert keys(capture) == ["ASIAROLE1", "ASIAROLE2", "ASIAROLE3"]


async def test_credentials_within_5_minutes_of_expiry_are_assumed_again_behind() -> None:
    script = Script(numbered(lifetime=timedelta(minutes=4)))
    async with sts_http(script) as http:
        provider = role(http)
        assert isinstance(provider, awsmith.CachingProvider)
        capture = await calls(provider, 2)
        await settled(provider)
        await calls(provider, 1, capture)
    assert len(script.requests) == 2
    assert keys(capture) == ["ASIAROLE1", "ASIAROLE1", "ASIAROLE2"]


async def test_throttling_by_sts_is_retried_by_awsmiths_retry_loop() -> None:
    script = Script(sts_error("Throttling", "Rate exceeded", 400), sts_reply())
    async with sts_http(script) as http:
        config = awsmith.Config(base_backoff=0.001)
        capture = await calls(role(http, config=config))
    assert len(script.requests) == 2
    assert keys(capture) == ["ASIAROLE1"]


async def test_every_parameter_reaches_sts() -> None:
    script = Script(sts_reply())
    async with sts_http(script) as http:
        await role(
            http,
            duration_seconds=3600,
            external_id="ext",
            policy='{"Version":"2012-10-17"}',
            policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            tags={"team": "sec"},
            transitive_tag_keys=["team"],
            source_identity="alice",
        )()
    assert script.request.content == (
        b"Action=AssumeRole&Version=2011-06-15"
        b"&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAuditor&RoleSessionName=sweep"
        b"&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess"
        b"&Policy=%7B%22Version%22%3A%222012-10-17%22%7D&DurationSeconds=3600"
        b"&Tags.member.1.Key=team&Tags.member.1.Value=sec&TransitiveTagKeys.member.1=team"
        b"&ExternalId=ext&SourceIdentity=alice"
    )


# ---------------------------------------------------------------- sources


async def test_source_none_is_the_standard_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    script = Script(numbered(lifetime=timedelta(seconds=50)))  # assumed again each call
    async with sts_http(script) as http:
        await calls(role(http, source=None), 2)
    assert len(script.requests) == 2
    for request in script.requests:
        check_signature(
            request,
            region="us-west-2",
            service="sts",
            session_token="env-token",
            must_sign=["content-type"],
        )


async def test_source_none_with_a_profile_skips_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 22, item 1: assume_role(profile="prod") signs STS with the profile's keys,
    not AWS_ACCESS_KEY_ID's (before, the role was assumed as the environment's
    principal). botocore's Session(profile="prod") drops its EnvProvider, and so
    does a client given profile=; AWS_PROFILE does not (the environment's keys win)."""
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(f"[prod]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    script = Script(sts_reply())
    async with sts_http(script) as http:
        await role(http, source=None, profile="prod")()
    check_signature(script.request, region="us-west-2", service="sts", must_sign=["content-type"])
    monkeypatch.setenv("AWS_PROFILE", "prod")
    script = Script(sts_reply())
    async with sts_http(script) as http:
        await role(http, source=None)()
    assert script.request.headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDFROMENV/"
    )


async def test_source_none_with_nothing_found_names_the_role() -> None:
    script = Script(sts_reply())
    async with sts_http(script) as http:
        with pytest.raises(awsmith.CredentialsError) as info:
            await calls(role(http, source=None))
    assert str(info.value).startswith(f"credential provider {NAME} failed: Unable to locate AWS credentials")
    assert isinstance(info.value.__cause__, awsmith.NoCredentialsError)
    assert script.requests == []


async def test_role_chaining_signs_with_the_first_roles_credentials() -> None:
    hub_script = Script(sts_reply(7))
    role_script = Script(sts_reply(8))
    async with sts_http(hub_script) as hub_http, sts_http(role_script) as role_http:
        hub = role(hub_http, role_arn=HUB, session_name="hub")
        target = role(role_http, source=hub)
        capture = await calls(target)
    assert "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FHub" in hub_script.request.content.decode()
    check_signature(hub_script.request, region="us-west-2", service="sts", must_sign=["content-type"])
    chained = role_script.request
    assert chained.headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=ASIAROLE7/"
    )
    assert chained.headers["X-Amz-Security-Token"] == "role-token-7"
    assert keys(capture) == ["ASIAROLE8"]


async def test_a_plain_async_function_is_a_source() -> None:
    async def vault() -> awsmith.Credentials:
        return awsmith.Credentials(access_key_id=AKID, secret_access_key=SECRET, session_token="v")

    script = Script(sts_reply())
    async with sts_http(script) as http:
        await calls(role(http, source=vault))
    check_signature(script.request, region="us-west-2", service="sts", session_token="v", must_sign=["content-type"])


# ---------------------------------------------------------------- failures


async def test_access_denied_names_the_role_and_chains_the_sts_error() -> None:
    message = f"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
    script = Script(sts_error("AccessDenied", message), sts_reply())
    async with sts_http(script) as http:
        provider = role(http)
        capture = Capture()
        with pytest.raises(awsmith.CredentialsError) as info:
            await calls(provider, 1, capture)
        assert str(info.value) == (
            f"credential provider {NAME} failed: AccessDenied (HTTP 403) when calling the "
            f"AssumeRole operation: {message} [request id err-AccessDenied] (when calling the "
            "DescribeServices operation)"
        )
        cause = info.value.__cause__
        assert isinstance(cause, StsError) and isinstance(cause, awsmith.ServiceError)
        assert (cause.code, cause.status_code, cause.request_id) == (
            "AccessDenied", 403, "err-AccessDenied"
        )
        assert cause.attempts == 1  # not retried: a 403 is final
        assert capture.requests == []
        # Not wedged: the next call assumes the role again, and succeeds.
        await calls(provider, 1, capture)
    assert len(script.requests) == 2
    assert keys(capture) == ["ASIAROLE1"]


async def test_a_failing_first_role_is_named_inside_the_chained_roles_error() -> None:
    hub_script = Script(sts_error("AccessDenied", "no", 403))
    role_script = Script(sts_reply())
    async with sts_http(hub_script) as hub_http, sts_http(role_script) as role_http:
        hub = role(hub_http, role_arn=HUB, session_name="hub")
        with pytest.raises(awsmith.CredentialsError) as info:
            await calls(role(role_http, source=hub))
    assert str(info.value) == (
        f"credential provider {NAME} failed: credential provider "
        f"assume_role(role_arn={HUB!r}, session_name='hub') failed: "
        "AccessDenied (HTTP 403) when calling the AssumeRole operation: no "
        "[request id err-AccessDenied] (when calling the DescribeServices operation)"
    )
    assert role_script.requests == []


async def test_a_transport_failure_reaching_sts_names_the_role() -> None:
    script = Script(httpx.ConnectError("connection refused"))
    async with sts_http(script) as http:
        with pytest.raises(awsmith.CredentialsError) as info:
            await calls(role(http, config=awsmith.Config(max_attempts=2, base_backoff=0.001)))
    assert str(info.value).startswith(f"credential provider {NAME} failed: ")
    assert isinstance(info.value.__cause__, awsmith.ConnectionFailedError)
    assert info.value.__cause__.attempts == 2
    assert len(script.requests) == 2


async def test_no_region_for_sts_is_named() -> None:
    with pytest.raises(awsmith.CredentialsError) as info:
        await calls(role(None, region=None))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert str(info.value) == (
        f"credential provider {NAME} failed: no region: pass region=..., set AWS_REGION, or "
        "configure a region in the AWS config file (when calling the DescribeServices "
        "operation)"
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"session_name": "my session"}, "session_name", "pattern"),
        ({"session_name": "x"}, "session_name", "min"),
        ({"role_arn": "arn:short"}, "role_arn", "min"),
        ({"duration_seconds": 60}, "duration_seconds", "min"),
        ({"external_id": "a" * 1225}, "external_id", "max"),
        ({"policy_arns": "arn:aws:iam::aws:policy/X"}, "policy_arns", "type"),
    ],
)
def test_bad_parameters_fail_at_once(kwargs: dict[str, Any], field: str, rule: str) -> None:
    options: dict[str, Any] = {"role_arn": ROLE, "session_name": "sweep", **kwargs}
    with pytest.raises(awsmith.ParamValidationError) as info:
        awsmith.assume_role(**options)
    assert (info.value.field, info.value.rule) == (field, rule)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"source": "AKID:secret"},
            "source must be a Credentials, an async callable returning Credentials (a "
            "CredentialProvider) or None, got str",
        ),
        ({"region": 5}, "region must be a str or None, got int"),
        ({"config": {}}, "config must be a Config or None, got dict"),
    ],
)
def test_wrong_types_fail_at_once(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.assume_role(role_arn=ROLE, session_name="sweep", **kwargs)
    assert str(info.value) == message


def test_the_public_names() -> None:
    assert {"assume_role", "CredentialProvider"} <= set(awsmith.__all__)
    provider: awsmith.CredentialProvider = awsmith.assume_role(role_arn=ROLE, session_name="s1")
    assert callable(provider)


async def test_a_response_that_does_not_parse_is_never_quoted_it_holds_the_secret() -> None:
    good = sts_reply()
    body = good.content.replace(
        b"</Credentials>", b"</Credentials><PackedPolicySize>6.5</PackedPolicySize>"
    )
    script = Script(httpx.Response(200, headers=dict(good.headers), content=body))
    async with sts_http(script) as http:
        with pytest.raises(awsmith.CredentialsError) as info:
            await calls(role(http), 1)
    cause = info.value.__cause__
    assert isinstance(cause, awsmith.ResponseParseError)
    assert cause.detail == "PackedPolicySize '6.5' is not an integer"
    assert cause.body_excerpt == b""
    for text in (str(info.value), repr(cause), str(cause)):
        assert "role-secret-1" not in text and "role-token-1" not in text
