"""Bad settings the outside review of issue 25 found let out as something other than an
``AwsmithError``, not naming where they were set, or silently replaced: each compared
with what botocore 1.44's own client does with the same setting (it refuses each)."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import awsmith
from tests.config.helpers import AwsFiles, awsmith_sends, botocore_sends

SERVICE = "codeguruprofiler"  # regional: the region shows in the URL


@pytest.mark.parametrize(
    "text",
    [b"[default\nregion = us-east-1\n", b"[default]\nregion = us-east-1\n# caf\xe9\n"],
    ids=["unclosed-section", "not-utf8"],
)
def test_an_unparsable_config_file_is_a_configuration_error(aws: AwsFiles, text: bytes) -> None:
    """botocore raises ConfigParseError naming the file; awsmith the same message as a
    ConfigurationError, botocore's error kept as its cause."""
    aws.config.write_bytes(text)
    with pytest.raises(botocore.exceptions.ConfigParseError) as botocore_raised:
        botocore_sends(SERVICE, region_name="us-east-1")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(SERVICE, region="us-east-1")
    assert str(raised.value) == str(botocore_raised.value) == (
        f"Unable to parse config file: {aws.config}"
    )
    assert isinstance(raised.value.__cause__, botocore.exceptions.ConfigParseError)


def test_an_unparsable_config_file_under_assume_role_is_named(aws: AwsFiles) -> None:
    """The same file, read by :func:`awsmith.assume_role` for its source credentials: a
    CredentialsError naming the role and the file."""
    import anyio

    aws.config.write_bytes(b"[default\nregion = us-east-1\n")

    async def main() -> None:
        provider = awsmith.assume_role(
            role_arn="arn:aws:iam::123456789012:role/r", session_name="review", region="us-east-1"
        )
        await provider()

    with pytest.raises(awsmith.CredentialsError) as raised:
        anyio.run(main)
    assert str(raised.value) == (
        "credential provider assume_role(role_arn='arn:aws:iam::123456789012:role/r', "
        "session_name='review') failed: Unable to load AWS credentials: Unable to parse "
        f"config file: {aws.config}"
    )


#: (where it is set, client arguments, environment) for one bad endpoint URL.
SOURCES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("endpoint_url", {"endpoint_url": "{url}"}, {}),
    ("AWS_ENDPOINT_URL", {}, {"AWS_ENDPOINT_URL": "{url}"}),
    (
        "AWS_ENDPOINT_URL_CODEGURUPROFILER",
        {},
        {"AWS_ENDPOINT_URL_CODEGURUPROFILER": "{url}"},
    ),
]


def _set(
    monkeypatch: pytest.MonkeyPatch, url: str, kwargs: dict[str, Any], env: dict[str, str]
) -> dict[str, Any]:
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(url=url))
    return {name: value.format(url=url) for name, value in kwargs.items()}


@pytest.mark.parametrize(("where", "kwargs", "env"), SOURCES)
def test_an_unclosed_ipv6_endpoint_url_names_where_it_was_set(
    monkeypatch: pytest.MonkeyPatch, where: str, kwargs: dict[str, Any], env: dict[str, str]
) -> None:
    """botocore: urlsplit's ValueError; awsmith: an EndpointSettingError naming where."""
    arguments = _set(monkeypatch, "http://[::1", kwargs, env)
    with pytest.raises(ValueError, match="Invalid IPv6 URL"):
        botocore_sends(SERVICE, region_name="us-east-1", **arguments)
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(SERVICE, region="us-east-1", **arguments)
    assert str(raised.value) == f"{where} 'http://[::1' is not a URL: Invalid IPv6 URL"


@pytest.mark.parametrize(("where", "kwargs", "env"), SOURCES)
@pytest.mark.parametrize(
    "url",
    [
        "http://:8000",
        "http://my_host:8000",
        "http://-foo.example",
        "http://foo..example",
        "http://*.example",
        "http://ho%20st",
        "http://host;x",
        "http://h@",
    ],
)
def test_an_endpoint_url_botocore_refuses_is_refused_naming_where_it_was_set(
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    kwargs: dict[str, Any],
    env: dict[str, str],
    url: str,
) -> None:
    """A URL whose host botocore's ``is_valid_endpoint_url`` refuses (no host, an
    underscore, an empty label, a wildcard): refused by both when the client is
    made, awsmith naming where it was set."""
    arguments = _set(monkeypatch, url, kwargs, env)
    with pytest.raises(ValueError) as botocore_raised:
        botocore_sends(SERVICE, region_name="us-east-1", **arguments)
    assert str(botocore_raised.value) == f"Invalid endpoint: {url}"
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(SERVICE, region="us-east-1", **arguments)
    assert str(raised.value) == (
        f"{where} {url!r} has no valid host name (labels of letters, digits and hyphens, "
        "or an IP address in brackets)"
    )


def test_a_profile_endpoint_url_botocore_refuses_is_refused(aws: AwsFiles) -> None:
    aws.write("[default]\nregion = us-east-1\nendpoint_url = http://my_host:8000\n")
    with pytest.raises(ValueError, match=r"^Invalid endpoint: http://my_host:8000$"):
        botocore_sends(SERVICE)
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(SERVICE)
    assert str(raised.value).startswith("the profile's endpoint_url 'http://my_host:8000' has")


@pytest.mark.parametrize("endpoint_url", ["", " "])
def test_a_blank_endpoint_url_argument_is_refused_not_replaced(
    monkeypatch: pytest.MonkeyPatch, endpoint_url: str
) -> None:
    """``endpoint_url=""`` decides, as botocore takes it (``Invalid endpoint: ``):
    refused, not replaced by ``AWS_ENDPOINT_URL``."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5")
    with pytest.raises(ValueError, match=r"^Invalid endpoint: "):
        botocore_sends(SERVICE, region_name="us-east-1", endpoint_url=endpoint_url)
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(SERVICE, region="us-east-1", endpoint_url=endpoint_url)
    assert str(raised.value) == (
        f"endpoint_url {endpoint_url!r} must be an absolute http:// or https:// URL"
    )


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CODEGURUPROFILER"])
def test_an_endpoint_url_variable_of_spaces_is_refused_and_an_empty_one_is_unset(
    aws: AwsFiles, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """As botocore reads them: ``""`` leaves the URL to the profile, ``" "`` decides
    (and is refused)."""
    aws.write("[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:7001\n")
    monkeypatch.setenv(variable, "")
    assert botocore_sends(SERVICE).url.startswith("http://127.0.0.1:7001/")
    assert str(awsmith_sends(SERVICE).first.url).startswith("http://127.0.0.1:7001/")
    monkeypatch.setenv(variable, " ")
    with pytest.raises(ValueError, match=r"^Invalid endpoint:  $"):
        botocore_sends(SERVICE)
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(SERVICE)
    assert str(raised.value) == f"{variable} ' ' must be an absolute http:// or https:// URL"


@pytest.mark.parametrize("value", ["", " "])
def test_a_blank_aws_default_region_is_refused_not_skipped(
    aws: AwsFiles, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """``AWS_DEFAULT_REGION=""`` decides, as botocore takes it (it refuses the empty
    region): not skipped for the profile's region. (``AWS_REGION``, which botocore does
    not read, leaves a blank to the next source.)"""
    aws.write("[default]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_DEFAULT_REGION", value)
    with pytest.raises(ValueError):  # Invalid endpoint, or InvalidRegionError
        botocore_sends(SERVICE)
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(SERVICE)
    assert str(raised.value) == (
        f"AWS_DEFAULT_REGION {value!r} is not a valid region name (expected something like "
        "'us-east-1')"
    )
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", value)
    assert "eu-west-1" in str(awsmith_sends(SERVICE).first.url)


_HOST_TEXT = st.text(alphabet="ab0-._*%:[]@;", min_size=0, max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https"]),
    host=st.one_of(
        _HOST_TEXT,
        st.sampled_from(["[::1]", "[fe80::1%25eth0]", "[::1", "127.0.0.1", "a" * 64, "x.y."]),
    ),
    port=st.sampled_from(["", ":80", ":8000"]),
    path=st.sampled_from(["", "/", "/stage/"]),
)
def test_every_endpoint_url_botocore_refuses_is_refused(
    scheme: str, host: str, port: str, path: str
) -> None:
    """Fuzzed against botocore's own checks (``is_valid_endpoint_url``,
    ``is_valid_ipv6_endpoint_url``, what its client runs): a URL botocore refuses,
    awsmith refuses too; one botocore takes, awsmith takes unless it carries what
    awsmith refuses on its own (a query or fragment, a port that is no number)."""
    from urllib.parse import urlsplit

    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    from awsmith._core.endpoints import check_endpoint_url

    url = f"{scheme}://{host}{port}{path}"
    try:
        botocore_takes = bool(is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url))
    except ValueError:  # urlsplit's, at client creation too
        botocore_takes = False
    try:
        check_endpoint_url(url, "endpoint_url")
        awsmith_takes = True
    except awsmith.EndpointSettingError as exc:
        awsmith_takes = False
        assert str(exc).startswith(f"endpoint_url {url!r} "), str(exc)
    if not botocore_takes:
        assert not awsmith_takes, url
    elif not awsmith_takes:
        parts = urlsplit(url)
        try:
            _ = parts.port
            bad_port = False
        except ValueError:  # botocore checks no port ("a::80"); the request would fail
            bad_port = True
        assert parts.query or parts.fragment or bad_port, url
