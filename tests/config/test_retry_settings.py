"""``max_attempts`` and ``retry_mode`` (``AWS_MAX_ATTEMPTS``, ``AWS_RETRY_MODE``, the
profile's keys, ``Config``) resolved as botocore's client resolves them: the attempts on
the wire (``amz-sdk-request: attempt=1; max=N``, which both send from the first
attempt) and the mode, for the same settings; and every value text read as botocore
reads it (``int()`` for the attempts, an exact name for the mode), a bad one refused
with an error naming where it came from."""

from __future__ import annotations

import os
import re
from typing import Any
from unittest import mock

import botocore.config
import botocore.exceptions
import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import awsmith
from awsmith._core.settings import retry_settings
from tests.config.helpers import AwsFiles, awsmith_sends, botocore_client, botocore_sends

#: (environment, profile text, awsmith Config kwargs, botocore Config retries, profile=)
ATTEMPTS_CASES: dict[
    str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any] | None, str | None]
] = {
    "default": ({}, "", {}, None, None),
    "argument": ({}, "", {"max_attempts": 5}, {"total_max_attempts": 5}, None),
    "environment": ({"AWS_MAX_ATTEMPTS": "7"}, "", {}, None, None),
    "profile": ({}, "[default]\nmax_attempts = 2\n", {}, None, None),
    "environment beats profile": (
        {"AWS_MAX_ATTEMPTS": "4"},
        "[default]\nmax_attempts = 2\n",
        {},
        None,
        None,
    ),
    "argument beats environment": (
        {"AWS_MAX_ATTEMPTS": "4"},
        "[default]\nmax_attempts = 2\n",
        {"max_attempts": 6},
        {"total_max_attempts": 6},
        None,
    ),
    "named profile": ({}, "[profile ci]\nmax_attempts = 9\n", {}, None, "ci"),
    "AWS_PROFILE": ({"AWS_PROFILE": "ci"}, "[profile ci]\nmax_attempts = 8\n", {}, None, None),
    "AWS_DEFAULT_PROFILE": (
        {"AWS_DEFAULT_PROFILE": "ci"},
        "[profile ci]\nmax_attempts = 8\n",
        {},
        None,
        None,
    ),
    "environment text as int() reads it": ({"AWS_MAX_ATTEMPTS": " +5 "}, "", {}, None, None),
}


def _max_on_the_wire(header: str | None) -> int:
    assert header is not None
    found = re.fullmatch(r"attempt=1; max=(\d+)", header)
    assert found, header
    return int(found[1])


@pytest.mark.parametrize("case", sorted(ATTEMPTS_CASES))
def test_max_attempts_on_the_wire_as_botocore_resolves_it(
    case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ, profile_text, ours, theirs, profile = ATTEMPTS_CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile_text)
    sent = awsmith_sends(region="us-east-1", profile=profile, config=awsmith.Config(**ours))
    boto = botocore_sends(
        region_name="us-east-1",
        profile=profile,
        config=botocore.config.Config(retries=theirs) if theirs else None,
    )
    assert _max_on_the_wire(sent.first.headers.get("amz-sdk-request")) == _max_on_the_wire(
        boto.header("amz-sdk-request")
    )


#: (environment, profile text, awsmith Config retry_mode, botocore's retries)
MODE_CASES: dict[str, tuple[dict[str, str], str, str | None, dict[str, Any] | None]] = {
    "default": ({}, "", None, None),
    "argument": ({}, "", "adaptive", {"mode": "adaptive"}),
    "environment": ({"AWS_RETRY_MODE": "adaptive"}, "", None, None),
    "profile": ({}, "[default]\nretry_mode = adaptive\n", None, None),
    "environment beats profile": (
        {"AWS_RETRY_MODE": "standard"},
        "[default]\nretry_mode = adaptive\n",
        None,
        None,
    ),
    "argument beats environment": (
        {"AWS_RETRY_MODE": "adaptive"},
        "",
        "standard",
        {"mode": "standard"},
    ),
}


@pytest.mark.parametrize("case", sorted(MODE_CASES))
def test_retry_mode_as_botocore_resolves_it(
    case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mode does not show on awsmith's wire: the client's rate limiter (adaptive
    mode's) is compared with the mode botocore's client resolves."""
    environ, profile_text, ours, theirs = MODE_CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile_text)
    sent = awsmith_sends(region="us-east-1", config=awsmith.Config(retry_mode=ours))  # type: ignore[arg-type]
    client = botocore_client(
        region_name="us-east-1",
        config=botocore.config.Config(retries=theirs) if theirs else None,
    )
    mode = client.meta.config.retries["mode"]
    assert (sent.client._limiter is not None) == (mode == "adaptive")


# ------------------------------------------------------------- the value texts, fuzzed


def _botocore_attempts(environ: dict[str, str]) -> int | Exception | None:
    """What botocore's client makes of ``environ`` (the variables and nothing else):
    its total attempts (None: not set), or the error it raises."""
    with mock.patch.dict(os.environ, environ):
        try:
            value = botocore.session.Session().get_config_variable("max_attempts")
            if value is not None:
                botocore.config.Config(retries={"total_max_attempts": value})
        except (ValueError, botocore.exceptions.InvalidMaxRetryAttemptsError) as exc:
            return exc
    return value  # type: ignore[no-any-return]


def _botocore_mode(environ: dict[str, str]) -> str | Exception:
    with mock.patch.dict(os.environ, environ):
        try:
            value = botocore.session.Session().get_config_variable("retry_mode")
            botocore.config.Config(retries={"mode": value})
        except botocore.exceptions.InvalidRetryModeError as exc:
            return exc
    return value  # type: ignore[no-any-return]


def _no_profile() -> dict[str, Any]:
    return {}


ENV_TEXT = st.one_of(
    st.sampled_from(["", " ", "0", "1", "+5", " 5 ", "05", "-1", "5.0", "1e3", "²", "٣", "1_0"]),
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",), blacklist_characters="\x00", max_codepoint=0x1000
        ),
        max_size=5,
    ),
)


@settings(max_examples=300, deadline=None)
@given(ENV_TEXT)
def test_every_max_attempts_text_is_read_as_botocore_reads_it(text: str) -> None:
    """Where awsmith differs: an empty or blank value is unset, as for every setting
    (botocore's ``int()`` refuses it)."""
    expected = _botocore_attempts({"AWS_MAX_ATTEMPTS": text})
    if not text.strip():
        assert isinstance(expected, ValueError)
        expected = 3
    if isinstance(expected, Exception):
        with pytest.raises(awsmith.ConfigurationError) as raised:
            retry_settings(None, None, {"AWS_MAX_ATTEMPTS": text}, _no_profile)
        assert str(raised.value) == f"AWS_MAX_ATTEMPTS must be a whole number >= 1, got {text!r}"
    else:
        attempts, _ = retry_settings(None, None, {"AWS_MAX_ATTEMPTS": text}, _no_profile)
        assert attempts == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(["", "ADAPTIVE", " adaptive", "Standard", "legacy"]), ENV_TEXT))
def test_every_retry_mode_text_is_read_as_botocore_reads_it(text: str) -> None:
    """Where awsmith differs: an empty or blank value is unset, as for every setting
    (botocore refuses it)."""
    expected = _botocore_mode({"AWS_RETRY_MODE": text})
    if not text.strip():
        assert isinstance(expected, botocore.exceptions.InvalidRetryModeError)
        expected = "standard"
    if isinstance(expected, Exception):
        with pytest.raises(awsmith.ConfigurationError) as raised:
            retry_settings(None, None, {"AWS_RETRY_MODE": text}, _no_profile)
        assert str(raised.value) == (
            f"AWS_RETRY_MODE must be 'standard', 'adaptive' or 'legacy', got {text!r}"
        )
    else:
        _, mode = retry_settings(None, None, {"AWS_RETRY_MODE": text}, _no_profile)
        assert mode == ("standard" if expected == "legacy" else expected)


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("max_attempts", "²", "the profile's max_attempts must be a whole number >= 1, got '²'"),
        ("max_attempts", "0", "the profile's max_attempts must be a whole number >= 1, got '0'"),
        (
            "retry_mode",
            "Adaptive",
            "the profile's retry_mode must be 'standard', 'adaptive' or 'legacy', got 'Adaptive'",
        ),
    ],
)
def test_a_bad_profile_value_names_the_profile_key(
    key: str, text: str, message: str, aws: AwsFiles
) -> None:
    aws.write(f"[default]\n{key} = {text}\n")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == message
    with pytest.raises((ValueError, botocore.exceptions.BotoCoreError)):
        botocore_client(region_name="us-east-1")
