"""Configured endpoint URLs as botocore (>= 1.31) reads them: the profile's
``endpoint_url``, a ``[services name]`` section's per-service ``endpoint_url``, and
``ignore_configured_endpoint_urls`` from ``Config``, the environment and the profile;
compared with the URL botocore's client sends its request to, for both services."""

from __future__ import annotations

from typing import Any

import botocore.config
import botocore.exceptions
import pytest

import awsmith
from tests.config.helpers import SERVICES, AwsFiles, awsmith_sends, botocore_sends

SERVICES_SECTION = """\
[default]
region = us-east-1
services = local
{default}
[services local]
support =
  endpoint_url = http://127.0.0.1:7001
codeguruprofiler =
  endpoint_url = http://127.0.0.1:7002
"""


def _origin(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def assert_same_url(
    service: str,
    *,
    ours: dict[str, Any] | None = None,
    theirs: dict[str, Any] | None = None,
    **both: Any,
) -> str:
    """The origin awsmith sends to, checked against botocore's, and returned."""
    sent = awsmith_sends(service, **both, **(ours or {}))
    boto_kwargs = {"region_name" if k == "region" else k: v for k, v in both.items()}
    boto = botocore_sends(service, **boto_kwargs, **(theirs or {}))
    assert _origin(str(sent.first.url)) == _origin(boto.url)
    return _origin(str(sent.first.url))


@pytest.mark.parametrize("service", SERVICES)
def test_profile_endpoint_url_with_every_other_setting_given(service: str, aws: AwsFiles) -> None:
    """The region and both flags given: nothing else is read from the profile, and its
    ``endpoint_url`` still is, as botocore reads it."""
    aws.write("[default]\nendpoint_url = http://127.0.0.1:7777\n")
    url = assert_same_url(
        service,
        region="eu-west-1",
        ours={"config": awsmith.Config(use_fips=False, use_dualstack=False)},
        theirs={
            "config": botocore.config.Config(use_fips_endpoint=False, use_dualstack_endpoint=False)
        },
    )
    assert url == "http://127.0.0.1:7777"


@pytest.mark.parametrize("service", SERVICES)
def test_services_section_endpoint_url(service: str, aws: AwsFiles) -> None:
    aws.write(SERVICES_SECTION.format(default="endpoint_url = http://127.0.0.1:7999"))
    url = assert_same_url(service)
    assert (
        url
        == {"support": "http://127.0.0.1:7001", "codeguruprofiler": "http://127.0.0.1:7002"}[
            service
        ]
    )


@pytest.mark.parametrize("service", SERVICES)
def test_services_section_without_this_service_falls_back_to_endpoint_url(
    service: str, aws: AwsFiles
) -> None:
    aws.write(
        "[default]\nregion = us-east-1\nservices = other\nendpoint_url = http://127.0.0.1:7999\n"
        "[services other]\nsts =\n  endpoint_url = http://127.0.0.1:7003\n"
    )
    assert assert_same_url(service) == "http://127.0.0.1:7999"


@pytest.mark.parametrize("service", SERVICES)
def test_environment_beats_the_services_section(
    service: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.write(SERVICES_SECTION.format(default=""))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7010")
    assert assert_same_url(service) == "http://127.0.0.1:7010"


@pytest.mark.parametrize("service", SERVICES)
def test_endpoint_url_argument_beats_the_services_section(service: str, aws: AwsFiles) -> None:
    aws.write(SERVICES_SECTION.format(default=""))
    assert assert_same_url(service, endpoint_url="http://127.0.0.1:7020") == (
        "http://127.0.0.1:7020"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_services_section_of_a_named_profile(service: str, aws: AwsFiles) -> None:
    aws.write(SERVICES_SECTION.format(default="").replace("[default]", "[profile dev]"))
    assert assert_same_url(service, profile="dev").startswith("http://127.0.0.1:700")


def test_a_missing_services_section_is_refused_as_botocore_refuses_it(aws: AwsFiles) -> None:
    aws.write("[default]\nregion = us-east-1\nservices = nowhere\n")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends()
    assert str(raised.value) == (
        "the profile's services = nowhere names no [services nowhere] section in the config file"
    )
    with pytest.raises(botocore.exceptions.InvalidConfigError):
        botocore_sends()


#: How ignore_configured_endpoint_urls is set: (environment, profile key, awsmith's
#: Config, botocore's Config).
IGNORE_CASES: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any]]] = {
    "profile": ({}, "ignore_configured_endpoint_urls = true", {}, {}),
    "profile, any case": ({}, "ignore_configured_endpoint_urls = TRUE", {}, {}),
    "Config": (
        {},
        "",
        {"ignore_configured_endpoint_urls": True},
        {"ignore_configured_endpoint_urls": True},
    ),
    "Config False beats the environment": (
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        "",
        {"ignore_configured_endpoint_urls": False},
        {"ignore_configured_endpoint_urls": False},
    ),
    "environment false beats the profile": (
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
        "ignore_configured_endpoint_urls = true",
        {},
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(IGNORE_CASES))
@pytest.mark.parametrize("service", SERVICES)
def test_ignore_configured_endpoint_urls_everywhere(
    service: str, case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ, key, ours, theirs = IGNORE_CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7030")
    aws.write(SERVICES_SECTION.format(default=key))
    assert_same_url(
        service,
        ours={"config": awsmith.Config(**ours)},
        theirs={"config": botocore.config.Config(**theirs)},
    )


@pytest.mark.parametrize(
    "environ",
    [
        {"AWS_USE_FIPS_ENDPOINT": " true"},
        {"AWS_USE_FIPS_ENDPOINT": "TRUE"},
        {"AWS_USE_FIPS_ENDPOINT": "1"},
        {"AWS_USE_DUALSTACK_ENDPOINT": "true "},
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": " true"},
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "yes"},
    ],
    ids=lambda environ: ",".join(f"{k}={v!r}" for k, v in environ.items()),
)
def test_an_environment_flag_is_read_unstripped_as_botocore_reads_it(
    environ: dict[str, str], aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``true`` in any case is true; anything else, even ``" true"`` with a space or
    ``1``, is false (botocore compares the text as it is)."""
    [(name, value)] = environ.items()
    monkeypatch.setenv(name, value)
    configured = name == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
    if configured:
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7031")
    url = assert_same_url("codeguruprofiler", region="us-east-1")
    expected = {
        "AWS_USE_FIPS_ENDPOINT": "https://codeguru-profiler-fips.us-east-1.amazonaws.com",
        "AWS_USE_DUALSTACK_ENDPOINT": "https://codeguru-profiler.us-east-1.api.aws",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "https://codeguru-profiler.us-east-1.amazonaws.com",
    }[name]
    if value.lower() != "true":
        expected = "http://127.0.0.1:7031" if configured else "https://codeguru-profiler.us-east-1.amazonaws.com"
    assert url == expected


@pytest.mark.parametrize("value", ["yes", "1", "on"])
def test_a_bad_ignore_configured_endpoint_urls_names_the_profile_key(
    value: str, aws: AwsFiles
) -> None:
    """Where awsmith differs: botocore reads anything but ``true`` as false (the
    services section's URL is used); awsmith refuses it, naming the profile key."""
    aws.write(SERVICES_SECTION.format(default=f"ignore_configured_endpoint_urls = {value}"))
    assert _origin(botocore_sends().url) == "http://127.0.0.1:7001"
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends()
    assert str(raised.value) == (
        f"the profile's ignore_configured_endpoint_urls must be 'true' or 'false', got {value!r}"
    )


def test_config_ignore_configured_endpoint_urls_is_checked() -> None:
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith.Config(ignore_configured_endpoint_urls="true")  # type: ignore[arg-type]
    assert str(raised.value) == "Config.ignore_configured_endpoint_urls must be a bool, got 'true'"


#: A region that is not one, set each way a user sets it: (environment, profile text,
#: awsmith's arguments, botocore's arguments, where awsmith's message says it came
#: from). botocore takes no region from AWS_REGION (see the table), so that row has no
#: botocore side.
BAD_REGIONS: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any] | None, str]] = {
    "argument": ({}, "", {"region": "us east 1"}, {"region_name": "us east 1"}, "region"),
    "AWS_REGION": ({"AWS_REGION": "us east 1"}, "", {}, None, "AWS_REGION"),
    "AWS_DEFAULT_REGION": (
        {"AWS_DEFAULT_REGION": "us east 1"},
        "",
        {},
        {},
        "AWS_DEFAULT_REGION",
    ),
    "profile": ({}, "[default]\nregion = us east 1\n", {}, {}, "the profile's region"),
    "a named profile": (
        {"AWS_PROFILE": "dev"},
        "[profile dev]\nregion = us east 1\n",
        {},
        {},
        "the profile's region",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REGIONS))
@pytest.mark.parametrize("service", SERVICES)
def test_a_bad_region_names_where_it_came_from(
    service: str, case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before any request, as botocore refuses it (``InvalidRegionError``), but
    naming where it was set; the error is both a ``ConfigurationError`` (a bad
    setting) and an ``EndpointResolutionError`` (what a bad region raised before)."""
    environ, profile, ours, theirs, source = BAD_REGIONS[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile)
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(service, **ours)
    assert str(raised.value) == (
        f"{source} 'us east 1' is not a valid region name (expected something like 'us-east-1')"
    )
    assert isinstance(raised.value, awsmith.ConfigurationError)
    assert isinstance(raised.value, awsmith.EndpointResolutionError)
    if theirs is not None:
        with pytest.raises(botocore.exceptions.InvalidRegionError):
            botocore_sends(service, **theirs)


#: An endpoint URL that is not one, set each way a user sets it: (environment, profile
#: text, awsmith's arguments, botocore's arguments, where awsmith's message says it
#: came from; {service} is the service's ID in upper or snake case).
BAD_URLS: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any], str]] = {
    "argument": (
        {},
        "",
        {"endpoint_url": "not a url"},
        {"endpoint_url": "not a url"},
        "endpoint_url",
    ),
    "AWS_ENDPOINT_URL_<SERVICE>": (
        {"AWS_ENDPOINT_URL_{SERVICE}": "not a url"},
        "",
        {},
        {},
        "AWS_ENDPOINT_URL_{SERVICE}",
    ),
    "AWS_ENDPOINT_URL": ({"AWS_ENDPOINT_URL": "not a url"}, "", {}, {}, "AWS_ENDPOINT_URL"),
    "services section": (
        {},
        "services = s\n[services s]\n{service} =\n  endpoint_url = not a url\n",
        {},
        {},
        "the endpoint_url of {service} in the profile's services section",
    ),
    "profile": ({}, "endpoint_url = not a url\n", {}, {}, "the profile's endpoint_url"),
}


@pytest.mark.parametrize("case", sorted(BAD_URLS))
@pytest.mark.parametrize("service", SERVICES)
def test_a_bad_endpoint_url_names_where_it_came_from(
    service: str, case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before any request, as botocore refuses it (``ValueError: Invalid
    endpoint``), naming where it was set."""
    environ, profile, ours, theirs, source = BAD_URLS[case]
    upper = {"support": "SUPPORT", "codeguruprofiler": "CODEGURUPROFILER"}[service]
    for name, value in environ.items():
        monkeypatch.setenv(name.format(SERVICE=upper), value)
    aws.write("[default]\nregion = us-east-1\n" + profile.format(service=service))
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends(service, **ours)
    where = source.format(SERVICE=upper, service=service)
    assert str(raised.value) == f"{where} 'not a url' must be an absolute http:// or https:// URL"
    assert isinstance(raised.value, awsmith.ConfigurationError)
    with pytest.raises(ValueError) as botocore_raised:
        botocore_sends(service, **theirs)
    assert str(botocore_raised.value) == "Invalid endpoint: not a url"


def test_a_nested_endpoint_url_in_the_profile_is_refused(aws: AwsFiles) -> None:
    """A profile's ``endpoint_url`` written as a section (its lines indented) is no
    URL: refused naming the key, not read as one."""
    aws.write("[default]\nregion = us-east-1\nendpoint_url =\n  url = http://127.0.0.1:7040\n")
    with pytest.raises(awsmith.EndpointSettingError) as raised:
        awsmith_sends()
    assert str(raised.value) == (
        "the profile's endpoint_url must be a URL, got {'url': 'http://127.0.0.1:7040'}"
    )
