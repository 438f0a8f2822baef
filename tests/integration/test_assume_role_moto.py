"""``awsmith.assume_role`` against moto's real STS (moto's server serves every service it
implements on one port, STS included), end to end: AssumeRole on awsmith's own default
transport (or httpx under trio), then a Support call that moto accepts, signed with the
role's temporary credentials. moto answers any well-formed AssumeRole (it checks no
trust policy), so the failure paths are tested on mocks in tests/runtime.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

import awsmith
from awsmith.support import SupportClient
from devservers.moto_server import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

SOURCE = awsmith.Credentials(
    access_key_id=FAKE_ACCESS_KEY_ID, secret_access_key=FAKE_SECRET_ACCESS_KEY
)


async def checks_signed_with(
    endpoint: str, provider: awsmith.CredentialProvider
) -> tuple[int, list[httpx.Request]]:
    """One DescribeTrustedAdvisorChecks on moto with ``provider``; the Support requests."""
    sent: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        sent.append(request)

    http = httpx.AsyncClient(event_hooks={"request": [hook]})
    client = SupportClient(
        region="us-east-1", endpoint_url=endpoint, credentials=provider, http_client=http
    )
    async with http, client:
        page = await client.describe_trusted_advisor_checks(language="en")
    return len(page.checks), sent


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_support_call_with_an_assumed_role(endpoint: str) -> None:
    provider = awsmith.assume_role(
        role_arn="arn:aws:iam::123456789012:role/Auditor",
        session_name="sweep",
        source=SOURCE,
        region="us-east-1",
        endpoint_url=endpoint,
        duration_seconds=900,
    )
    count, sent = await checks_signed_with(endpoint, provider)
    assert count > 0  # moto's catalogue of Trusted Advisor checks
    role = await provider()  # the same, cached credentials the call was signed with
    assert role.access_key_id.startswith("ASIA") and role.access_key_id != FAKE_ACCESS_KEY_ID
    assert role.session_token
    assert role.expiry is not None and role.expiry.tzinfo is not None
    assert role.expiry > datetime.now(UTC) + timedelta(minutes=5)
    [request] = sent
    assert f"Credential={role.access_key_id}/" in request.headers["Authorization"]
    assert request.headers["X-Amz-Security-Token"] == role.session_token


async def test_role_chaining_and_the_sts_endpoint_from_the_environment(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first hop finds its credentials, region and STS endpoint as a client would:
    # in the environment.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_ACCESS_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", endpoint)
    hub = awsmith.assume_role(role_arn="arn:aws:iam::111122223333:role/Hub", session_name="hub")
    target = awsmith.assume_role(
        role_arn="arn:aws:iam::123456789012:role/Auditor", session_name="sweep", source=hub
    )
    count, sent = await checks_signed_with(endpoint, target)
    assert count > 0
    hub_credentials, target_credentials = await hub(), await target()
    assert hub_credentials.access_key_id != target_credentials.access_key_id
    assert f"Credential={target_credentials.access_key_id}/" in sent[0].headers["Authorization"]
