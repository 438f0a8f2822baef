"""``defaults_mode`` (``Config``, ``AWS_DEFAULTS_MODE``, the profile) as botocore's
client applies it: the connect timeout each mode gives when ``connect_timeout`` is not
set (the only one of its values awsmith's services use: retries are ``standard`` in
every mode, as awsmith's default, and STS is always regional), ``auto`` choosing
``in-region`` or ``cross-region`` from ``AWS_EXECUTION_ENV`` and the region as botocore
does, and a bad mode refused naming where it came from."""

from __future__ import annotations

from typing import Any

import anyio
import botocore.config
import botocore.exceptions
import pytest

import awsmith
from awsmith.support import SupportClient
from tests.config.helpers import CREDS, AwsFiles, awsmith_sends, botocore_client

#: (environment, profile text, awsmith Config, botocore Config)
CASES: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any]]] = {
    "unset (legacy)": ({}, "", {}, {}),
    "Config standard": ({}, "", {"defaults_mode": "standard"}, {"defaults_mode": "standard"}),
    "Config in-region": ({}, "", {"defaults_mode": "in-region"}, {"defaults_mode": "in-region"}),
    "Config cross-region": (
        {},
        "",
        {"defaults_mode": "cross-region"},
        {"defaults_mode": "cross-region"},
    ),
    "Config mobile": ({}, "", {"defaults_mode": "mobile"}, {"defaults_mode": "mobile"}),
    "Config legacy": ({}, "", {"defaults_mode": "legacy"}, {"defaults_mode": "legacy"}),
    "environment": ({"AWS_DEFAULTS_MODE": "in-region"}, "", {}, {}),
    "environment, any case": ({"AWS_DEFAULTS_MODE": "Mobile"}, "", {}, {}),
    "profile": ({}, "[default]\ndefaults_mode = standard\n", {}, {}),
    "environment beats profile": (
        {"AWS_DEFAULTS_MODE": "mobile"},
        "[default]\ndefaults_mode = standard\n",
        {},
        {},
    ),
    "Config beats environment": (
        {"AWS_DEFAULTS_MODE": "mobile"},
        "",
        {"defaults_mode": "in-region"},
        {"defaults_mode": "in-region"},
    ),
    "connect_timeout beats the mode": (
        {"AWS_DEFAULTS_MODE": "in-region"},
        "",
        {"connect_timeout": 9},
        {"connect_timeout": 9},
    ),
    "auto, in the region": (
        {
            "AWS_DEFAULTS_MODE": "auto",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_REGION": "us-east-1",
        },
        "",
        {},
        {},
    ),
    "auto, another region": (
        {
            "AWS_DEFAULTS_MODE": "auto",
            "AWS_EXECUTION_ENV": "AWS_ECS_EC2",
            "AWS_DEFAULT_REGION": "eu-west-1",
        },
        "",
        {},
        {},
    ),
    "auto, nothing known": ({"AWS_DEFAULTS_MODE": "auto"}, "", {}, {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_defaults_mode_connect_timeout_as_botocore_applies_it(
    case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ, profile_text, ours, theirs = CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile_text)
    sent = awsmith_sends(region="us-east-1", config=awsmith.Config(**ours))
    # botocore given no Config: a Config object without defaults_mode would set its
    # connect timeout to 60 s over the environment's or profile's mode (below)
    boto = botocore_client(
        region_name="us-east-1", config=botocore.config.Config(**theirs) if theirs else None
    )
    assert sent.client._timeouts.connect == boto.meta.config.connect_timeout
    assert boto.meta.config.retries["mode"] == "standard"


def test_a_config_does_not_undo_the_environments_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where awsmith differs: botocore's ``Config(read_timeout=5)`` (any Config without
    ``defaults_mode``) sets the connect timeout to 60 s, over the ``AWS_DEFAULTS_MODE``
    a user set for every client; awsmith keeps the mode's unless ``connect_timeout``
    itself is given."""
    monkeypatch.setenv("AWS_DEFAULTS_MODE", "in-region")
    sent = awsmith_sends(region="us-east-1", config=awsmith.Config(read_timeout=5))
    assert sent.client._timeouts.connect == 1.1
    boto = botocore_client(region_name="us-east-1", config=botocore.config.Config(read_timeout=5))
    assert boto.meta.config.connect_timeout == 60
    assert botocore_client(region_name="us-east-1").meta.config.connect_timeout == 1.1


def test_a_view_without_connect_timeout_keeps_the_modes(monkeypatch: pytest.MonkeyPatch) -> None:
    """``with_options`` made before the first call, or after it, without a
    ``connect_timeout``: the mode's, as its client's."""
    monkeypatch.setenv("AWS_DEFAULTS_MODE", "in-region")

    async def main() -> tuple[float, float, float]:
        client = SupportClient(region="us-east-1", credentials=CREDS)
        early = client.with_options(read_timeout=5)
        async with client:
            late = client.with_options(read_timeout=5)
            await early._prepare()
            return client._timeouts.connect, early._timeouts.connect, late._timeouts.connect

    assert anyio.run(main) == (1.1, 1.1, 1.1)


def test_a_bad_defaults_mode_names_where_it_came_from(
    aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.write("[default]\ndefaults_mode = fast\n")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == (
        "the profile's defaults_mode must be one of 'legacy', 'standard', 'in-region', "
        "'cross-region', 'mobile', 'auto', got 'fast'"
    )
    with pytest.raises(botocore.exceptions.InvalidDefaultsMode):
        botocore_client(region_name="us-east-1")
    monkeypatch.setenv("AWS_DEFAULTS_MODE", "fast")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == (
        "AWS_DEFAULTS_MODE must be one of 'legacy', 'standard', 'in-region', "
        "'cross-region', 'mobile', 'auto', got 'fast'"
    )


def test_an_empty_defaults_mode_is_refused_by_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """``AWS_DEFAULTS_MODE=`` set but empty decides, as in botocore: refused (botocore
    raises InvalidDefaultsMode), naming the variable; the profile's mode is not used."""
    monkeypatch.setenv("AWS_DEFAULTS_MODE", "")
    with pytest.raises(botocore.exceptions.InvalidDefaultsMode):
        botocore_client(region_name="us-east-1")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == (
        "AWS_DEFAULTS_MODE must be one of 'legacy', 'standard', 'in-region', "
        "'cross-region', 'mobile', 'auto', got ''"
    )


def test_config_defaults_mode_is_checked() -> None:
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith.Config(defaults_mode="fast")  # type: ignore[arg-type]
    assert str(raised.value) == (
        "Config.defaults_mode must be one of 'legacy', 'standard', 'in-region', "
        "'cross-region', 'mobile', 'auto', got 'fast'"
    )
