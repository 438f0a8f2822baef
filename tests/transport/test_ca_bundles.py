"""Which CAs awsmith's own connections trust, in botocore's order: Config(ca_bundle=...),
then AWS_CA_BUNDLE, then the profile's ca_bundle, then certifi. Against a TLS server
whose certificate a generated CA signed; on asyncio (awsmith's sender) and trio (httpx)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import awsmith
import awsmith._core.settings as settings_module
from devservers.fault_server import FaultServer, Reply, fault_server
from tests.certs import make_ca_and_server, server_context
from tests.resilience.helpers import AKID, describe_cases_once

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"]),
]


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[tuple[FaultServer, Path]]:
    ca, cert, key = make_ca_and_server(tmp_path)
    with fault_server(ssl_context=server_context(cert, key), key_id=AKID) as server:
        server.play(Reply.json({"cases": []}))
        yield server, ca


@pytest.fixture
def profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An AWS config file of our own, read afresh (not the machine's)."""
    for name in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "AWS_PROFILE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "aws-config"
    config.write_text("[default]\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setattr(settings_module, "SCOPED_CONFIG", {})
    return config


async def call(server: FaultServer, **config: Any) -> None:
    await describe_cases_once(server.url, **config)


async def test_certifi_alone_does_not_trust_the_test_ca(
    origin: tuple[FaultServer, Path], profile: Path
) -> None:
    with pytest.raises(awsmith.ConnectionFailedError, match="CERTIFICATE_VERIFY_FAILED"):
        await call(origin[0])


async def test_the_profiles_ca_bundle(origin: tuple[FaultServer, Path], profile: Path) -> None:
    server, ca = origin
    profile.write_text(f"[default]\nca_bundle = {ca}\n")
    await call(server)
    assert server.attempts == 1


async def test_aws_ca_bundle_beats_the_profile(
    origin: tuple[FaultServer, Path], profile: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, ca = origin
    profile.write_text(f"[default]\nca_bundle = {tmp_path / 'missing.pem'}\n")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca))
    await call(server)
    assert server.attempts == 1


async def test_config_ca_bundle_beats_the_environment(
    origin: tuple[FaultServer, Path], profile: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, ca = origin
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    await call(server, ca_bundle=str(ca))
    assert server.attempts == 1


@pytest.mark.parametrize(
    ("where", "source"),
    [("config", "Config.ca_bundle"), ("env", "AWS_CA_BUNDLE"), ("profile", "the profile's ca_bundle")],
)
async def test_a_bundle_that_names_no_file_says_where_it_came_from(
    origin: tuple[FaultServer, Path],
    profile: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    where: str,
    source: str,
) -> None:
    missing = str(tmp_path / "missing.pem")
    config: dict[str, Any] = {}
    if where == "config":
        config["ca_bundle"] = missing
    elif where == "env":
        monkeypatch.setenv("AWS_CA_BUNDLE", missing)
    else:
        profile.write_text(f"[default]\nca_bundle = {missing}\n")
    with pytest.raises(awsmith.ConfigurationError) as info:
        await call(origin[0], **config)
    assert str(info.value) == f"{source} names no file: {missing!r}"
    assert origin[0].attempts == 0


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("AWS_CA_BUNDLE", ""),
        ("AWS_CA_BUNDLE", "  "),
        ("the profile's ca_bundle", ""),
        ("REQUESTS_CA_BUNDLE", ""),
    ],
)
async def test_an_empty_ca_bundle_is_refused_by_both(
    origin: tuple[FaultServer, Path],
    profile: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    value: str,
) -> None:
    """``AWS_CA_BUNDLE`` or the profile's ``ca_bundle`` set but blank is refused, as
    botocore 1.44 refuses it (InvalidConfigError), naming where it was set: not read as
    unset (the profile's bundle or certifi's), nor as verification off."""
    import botocore.exceptions

    if where == "AWS_CA_BUNDLE":
        monkeypatch.setenv("AWS_CA_BUNDLE", value)
        profile.write_text(f"[default]\nca_bundle = {origin[1]}\n")
    elif where == "REQUESTS_CA_BUNDLE":
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", value)
    else:
        profile.write_text(f"[default]\nca_bundle ={value}\n")
    with pytest.raises(botocore.exceptions.InvalidConfigError, match="empty or whitespace-only"):
        botocore_outcome(origin[0], None)
    with pytest.raises(awsmith.ConfigurationError) as info:
        await call(origin[0])
    assert str(info.value) == (
        f"{where} is set but empty: give the path of a CA bundle file, or unset it"
    )
    assert origin[0].attempts == 0


async def test_a_bundle_rewritten_in_place_is_read_by_the_next_client(
    origin: tuple[FaultServer, Path], profile: Path, tmp_path: Path
) -> None:
    """A corporate bundle rewritten at the same path (a CA added): the next client made
    trusts it, as a new botocore client does; the process-wide context cache is keyed
    by the file's state, not only its path."""
    server, ca = origin
    (tmp_path / "other").mkdir()
    other = make_ca_and_server(tmp_path / "other")[0]
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_bytes(other.read_bytes())
    assert botocore_outcome(server, str(bundle)) == "certificate refused"
    with pytest.raises(awsmith.ConnectionFailedError, match="CERTIFICATE_VERIFY_FAILED"):
        await call(server, ca_bundle=str(bundle))

    bundle.write_bytes(other.read_bytes() + ca.read_bytes())  # same path and inode
    assert botocore_outcome(server, str(bundle)) == "ok"
    before = server.attempts
    await call(server, ca_bundle=str(bundle))
    assert server.attempts == before + 1


async def test_a_bundle_that_went_missing_after_use(
    origin: tuple[FaultServer, Path], profile: Path, tmp_path: Path
) -> None:
    server, ca = origin
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_bytes(ca.read_bytes())
    await call(server, ca_bundle=str(bundle))
    bundle.unlink()
    with pytest.raises(awsmith.ConfigurationError) as info:
        await call(server, ca_bundle=str(bundle))
    assert str(info.value) == f"Config.ca_bundle names no file: {str(bundle)!r}"


# ---------------------------------------------------------------- against botocore's client

#: Where a bundle is set, in botocore's order: verify= (Config(ca_bundle=)),
#: AWS_CA_BUNDLE, the profile's ca_bundle, REQUESTS_CA_BUNDLE.
PLACES = ("config", "env", "profile", "requests")


def botocore_outcome(server: FaultServer, verify: str | None) -> str:
    """What botocore's own Support client does with the same setting: ``verify=`` (what
    ``Config(ca_bundle=)`` is to awsmith), then AWS_CA_BUNDLE, then the profile's."""
    import botocore.config
    import botocore.exceptions
    import botocore.session

    client = botocore.session.Session().create_client(
        "support",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id=AKID,
        aws_secret_access_key="secret",
        verify=verify,
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )
    try:
        client.describe_cases()
    except botocore.exceptions.SSLError:
        return "certificate refused"
    finally:
        client.close()
    return "ok"


@pytest.mark.parametrize(
    "bundles",
    [
        dict(zip(PLACES, values, strict=True))
        for values in itertools.product((None, "right", "wrong"), repeat=len(PLACES))
    ],
    ids=lambda bundles: ",".join(f"{k}={v}" for k, v in bundles.items()),
)
async def test_the_bundle_botocore_trusts_is_the_one_awsmith_trusts(
    origin: tuple[FaultServer, Path],
    profile: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    bundles: dict[str, str | None],
) -> None:
    """Each of Config(ca_bundle=) / botocore's verify=, AWS_CA_BUNDLE, the profile's
    ca_bundle and REQUESTS_CA_BUNDLE unset, the server's CA, or another CA: awsmith's
    call succeeds exactly when botocore's does."""
    server, ca = origin
    (tmp_path / "other").mkdir()
    other = make_ca_and_server(tmp_path / "other")[0]  # a CA that signed nothing here
    paths = {"right": str(ca), "wrong": str(other)}
    chosen = {place: paths[value] if value else None for place, value in bundles.items()}
    if chosen["env"]:
        monkeypatch.setenv("AWS_CA_BUNDLE", chosen["env"])
    if chosen["profile"]:
        profile.write_text(f"[default]\nca_bundle = {chosen['profile']}\n")
    if chosen["requests"]:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", chosen["requests"])
    expected = botocore_outcome(server, chosen["config"])
    config = {"ca_bundle": chosen["config"]} if chosen["config"] else {}
    try:
        await call(server, **config)
        got = "ok"
    except awsmith.ConnectionFailedError as exc:
        assert "CERTIFICATE_VERIFY_FAILED" in str(exc)
        got = "certificate refused"
    assert got == expected
    first = next((value for value in bundles.values() if value), None)
    assert expected == ("ok" if first == "right" else "certificate refused")
