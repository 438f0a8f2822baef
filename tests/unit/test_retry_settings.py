"""Attempts and retry mode come from Config, then AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, then
the profile's max_attempts / retry_mode, then 3 / "standard", as botocore reads them; and
every attempt carries botocore's invocation headers."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

import awsmith
import awsmith._core.settings as settings_module
from awsmith._core.operation import new_idempotency_token, uuid4_text
from awsmith._core.settings import retry_settings
from tests.unit.mockaws import AWS_JSON_SIGNED, Script, check_signature, json_reply, support

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("config", "environ", "profile", "expected"),
    [
        ((None, None), {}, {}, (3, "standard")),
        ((None, None), {"AWS_MAX_ATTEMPTS": "5", "AWS_RETRY_MODE": "adaptive"}, {}, (5, "adaptive")),
        ((None, None), {}, {"max_attempts": "7", "retry_mode": "adaptive"}, (7, "adaptive")),
        ((None, None), {"AWS_MAX_ATTEMPTS": "2"}, {"max_attempts": "7", "retry_mode": "adaptive"}, (2, "adaptive")),
        ((4, "standard"), {"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "adaptive"}, {}, (4, "standard")),
        ((None, None), {"AWS_RETRY_MODE": "legacy"}, {}, (3, "standard")),
        ((None, None), {"AWS_MAX_ATTEMPTS": " 1 ", "AWS_RETRY_MODE": "adaptive"}, {}, (1, "adaptive")),
        ((None, None), {"AWS_MAX_ATTEMPTS": "+6"}, {"max_attempts": "7"}, (6, "standard")),
    ],
)
def test_the_order_of_sources(
    config: tuple[int | None, str | None],
    environ: dict[str, str],
    profile: dict[str, str],
    expected: tuple[int, str],
) -> None:
    assert retry_settings(*config, environ, lambda: profile) == expected


@pytest.mark.parametrize(
    ("environ", "profile", "message"),
    [
        ({"AWS_MAX_ATTEMPTS": "zero"}, {}, "AWS_MAX_ATTEMPTS must be a whole number >= 1, got 'zero'"),
        ({"AWS_MAX_ATTEMPTS": "0"}, {}, "AWS_MAX_ATTEMPTS must be a whole number >= 1, got '0'"),
        ({"AWS_RETRY_MODE": "fast"}, {}, "AWS_RETRY_MODE must be 'standard', 'adaptive' or 'legacy', got 'fast'"),
        ({}, {"max_attempts": "-1"}, "the profile's max_attempts must be a whole number >= 1, got '-1'"),
        ({}, {"retry_mode": "x"}, "the profile's retry_mode must be 'standard', 'adaptive' or 'legacy', got 'x'"),
    ],
)
def test_bad_values_name_their_source(
    environ: dict[str, str], profile: dict[str, str], message: str
) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        retry_settings(None, None, environ, lambda: profile)
    assert str(info.value) == message


async def attempts_until_503_is_raised() -> int:
    """Calls DescribeCases against a service that always answers 503; how many
    requests it sent (also the error's attempts)."""
    script = Script(json_reply({"message": "busy"}, status=503))
    async with support(script, config=awsmith.Config(base_backoff=0.001)) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    assert info.value.attempts == len(script.requests)
    return len(script.requests)


async def test_aws_max_attempts_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert await attempts_until_503_is_raised() == 1


async def test_the_profiles_max_attempts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[default]\nmax_attempts = 2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setattr(settings_module, "SCOPED_CONFIG", {})
    assert await attempts_until_503_is_raised() == 2


async def test_a_bad_environment_value_fails_the_first_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "turbo")
    script = Script(json_reply({}))
    async with support(script) as client:
        with pytest.raises(awsmith.ConfigurationError) as info:
            await client.describe_cases()
    assert str(info.value) == (
        "AWS_RETRY_MODE must be 'standard', 'adaptive' or 'legacy', got 'turbo' "
        "(when calling the DescribeCases operation)"
    )
    assert script.requests == []


async def test_invocation_headers_are_sent_and_signed_on_every_attempt() -> None:
    script = Script(json_reply({"message": "busy"}, status=503), json_reply({"cases": []}))
    config = awsmith.Config(max_attempts=4, base_backoff=0.001)
    async with support(script, config=config) as client:
        response = await client.describe_cases()
    assert response.response_metadata.attempts == 2
    ids = {r.headers["amz-sdk-invocation-id"] for r in script.requests}
    assert len(ids) == 1
    assert uuid.UUID(ids.pop()).version == 4
    assert [r.headers["amz-sdk-request"] for r in script.requests] == [
        "attempt=1; max=4",
        "attempt=2; max=4",
    ]
    for request in script.requests:
        auth = check_signature(
            request,
            region="us-east-1",
            service="support",
            must_sign=AWS_JSON_SIGNED,
        )
        assert auth["signed"]


async def test_each_call_has_its_own_invocation_id() -> None:
    script = Script(json_reply({"cases": []}))
    async with support(script) as client:
        for _ in range(3):
            await client.describe_cases()
    assert len({r.headers["amz-sdk-invocation-id"] for r in script.requests}) == 3
    assert {r.headers["amz-sdk-request"] for r in script.requests} == {"attempt=1; max=3"}




def test_the_profile_is_read_only_when_needed() -> None:
    def unread() -> dict[str, str]:
        raise AssertionError("the profile was read")

    assert retry_settings(4, "adaptive", {}, unread) == (4, "adaptive")
    environ = {"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}
    assert retry_settings(None, None, environ, unread) == (2, "standard")


@pytest.mark.parametrize("bits", [0, 2**128 - 1, 0x0123456789ABCDEF0123456789ABCDEF])
def test_uuid4_text_is_what_uuid_makes_of_the_bits(bits: int) -> None:
    assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


def test_idempotency_tokens_come_from_urandom(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []

    def urandom(size: int) -> bytes:
        asked.append(size)
        return bytes(range(size))

    monkeypatch.setattr(os, "urandom", urandom)
    assert new_idempotency_token() == str(uuid.UUID(bytes=bytes(range(16)), version=4))
    assert asked == [16]
