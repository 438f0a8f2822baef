"""Endpoint resolution of both clients, compared with botocore's own clients.

Every resolved URL (and signing region) is checked against
``botocore.session.Session().create_client(...).meta.endpoint_url`` under the same
settings: arguments, environment variables and AWS config files (temporary ones).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import botocore
import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

import awsmith
import awsmith._core.settings as settings_module
from awsmith._core.endpoints import resolve_endpoint
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient

CREDS = awsmith.Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")
CLIENTS: dict[str, type[Any]] = {
    "support": SupportClient,
    "codeguruprofiler": CodeGuruProfilerClient,
}
SERVICES = sorted(CLIENTS)


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS settings from the machine: empty config files, no AWS_* variables."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_")):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text("")
    (tmp_path / "credentials").write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The client caches each profile's scoped config per process; these tests change
    # the files between clients.
    monkeypatch.setattr(settings_module, "SCOPED_CONFIG", {})
    return config


_SNAPSHOT = Path(__file__).resolve().parents[2] / "models" / "endpoints"


@pytest.fixture(autouse=True)
def botocore_reads_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's clients resolve with the rule sets and partitions awsmith's rules were
    compiled from (models/endpoints/, a snapshot of one botocore's data), whichever
    botocore is installed: what is compared is how each client reads its settings and
    applies the rules, not which release's rules each has (issue 15; the compiled rules
    themselves are compared with botocore's engine in test_compiled_endpoints.py)."""
    import json

    load_model = botocore.loaders.Loader.load_service_model
    load_data = botocore.loaders.Loader.load_data

    def service_model(self: Any, service_name: str, type_name: str, *args: Any, **kw: Any) -> Any:
        snapshot = _SNAPSHOT / f"{service_name}.json"
        if type_name == "endpoint-rule-set-1" and snapshot.is_file():
            return json.loads(snapshot.read_text(encoding="utf-8"))
        return load_model(self, service_name, type_name, *args, **kw)

    def data(self: Any, name: str) -> Any:
        if name == "partitions":
            return json.loads((_SNAPSHOT / "partitions.json").read_text(encoding="utf-8"))
        return load_data(self, name)

    monkeypatch.setattr(botocore.loaders.Loader, "load_service_model", service_model)
    monkeypatch.setattr(botocore.loaders.Loader, "load_data", data)


_PROBE = {"support": "describe_services", "codeguruprofiler": "list_profiling_groups"}


class _Raw:
    def stream(self, **_: Any) -> Any:
        return iter([b"{}"])


def botocore_endpoint(
    service: str, *, session: botocore.session.Session | None = None, **kwargs: Any
) -> tuple[str, str]:
    """(endpoint URL, signing region) of a request botocore's own client sends for
    ``service`` with the same settings. The request is caught before it is sent:
    ``meta.endpoint_url`` is not enough, the rules pick the URL per request (Support in
    the aws partition always goes to us-east-1)."""
    profile = kwargs.pop("profile", None)
    cfg = botocore.config.Config(
        use_fips_endpoint=kwargs.pop("use_fips", None),
        use_dualstack_endpoint=kwargs.pop("use_dualstack", None),
    )
    if session is None:
        session = botocore.session.Session(profile=profile)
    client = session.create_client(
        service,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=cfg,
        **kwargs,
    )
    seen: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen.append(request)
        return AWSResponse(request.url, 200, {}, _Raw())

    client.meta.events.register("before-send", capture)
    getattr(client, _PROBE[service])()
    request = seen[0]
    parts = urlsplit(request.url)
    scope = request.headers["Authorization"].decode().split("Credential=")[1].split("/")
    return f"{parts.scheme}://{parts.netloc}", scope[2]


def botocore_rules_endpoint(
    service: str, region: str, fips: bool, dualstack: bool
) -> tuple[str, str]:
    """(URL, signing region) from botocore's rules engine itself, without its client."""
    from botocore.endpoint_provider import EndpointProvider

    loader = botocore.loaders.Loader()
    provider = EndpointProvider(
        ruleset_data=loader.load_service_model(service, "endpoint-rule-set-1"),
        partition_data=loader.load_data("partitions"),
    )
    resolved = provider.resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dualstack)
    schemes = resolved.properties.get("authSchemes") or [{}]
    return resolved.url.rstrip("/"), schemes[0].get("signingRegion", region)


def ours(service: str, **kwargs: Any) -> awsmith.Endpoint:
    use_fips = kwargs.pop("use_fips", None)
    use_dualstack = kwargs.pop("use_dualstack", None)
    client = CLIENTS[service](
        credentials=CREDS,
        config=awsmith.Config(use_fips=use_fips, use_dualstack=use_dualstack),
        **kwargs,
    )

    async def main() -> awsmith.Endpoint:
        async with client:
            assert client.endpoint is not None
            return client.endpoint

    return anyio.run(main)


#: botocore reads AWS_ENDPOINT_URL[_<SERVICE>] and a profile's endpoint_url since 1.31.0;
#: awsmith reads them itself, so with an older botocore there is nothing to compare with.
BOTOCORE_CONFIGURED_ENDPOINTS = tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (
    1,
    31,
)


def assert_same(service: str, *, configured: bool = False, **kwargs: Any) -> awsmith.Endpoint:
    """Our endpoint, checked against botocore's. ``configured``: the settings include a
    configured endpoint URL (env or profile), which only botocore >= 1.31 knows."""
    endpoint = ours(service, **dict(kwargs))
    if configured and not BOTOCORE_CONFIGURED_ENDPOINTS:
        return endpoint
    boto_kwargs = dict(kwargs)
    if "region" in boto_kwargs:
        boto_kwargs["region_name"] = boto_kwargs.pop("region")
    url, region = botocore_endpoint(service, **boto_kwargs)
    assert endpoint.url == url.rstrip("/")
    assert endpoint.signing_region == region
    return endpoint


def plain_region(service: str, region: str) -> str:
    """The signing region of a plain (no FIPS, no dual-stack) endpoint: Support is a
    global service in the aws partition, always signed for and sent to us-east-1."""
    commercial = not region.startswith(("cn-", "us-gov-", "us-iso"))
    return "us-east-1" if service == "support" and commercial else region


def plain_url(service: str, region: str) -> str:
    prefix = {"support": "support", "codeguruprofiler": "codeguru-profiler"}[service]
    return f"https://{prefix}.{plain_region(service, region)}.amazonaws.com"


# What botocore owns (which host a FIPS or dual-stack endpoint of which region is, and
# the partitions themselves) changes from one botocore release to the next: Support's
# FIPS and dual-stack endpoints moved from the caller's region to us-east-1 between
# botocore 1.29 and 1.44. So
# the tests below state relations, checked against the installed botocore (the locked
# one, the lowest supported one and the newest: `make test`, `make test-latest`):
# awsmith resolves exactly what botocore resolves, and every URL has the shape AWS's
# endpoint rules give it, with the DNS suffixes of botocore's own partitions data.
# Only the plain endpoints that AWS documents (General Reference, "AWS Support
# endpoints" and "Amazon CodeGuru Profiler endpoints") are written out.

PREFIX = {"support": "support", "codeguruprofiler": "codeguru-profiler"}

DOCUMENTED_PLAIN: dict[tuple[str, str], str] = {
    # (service, region) -> URL with neither FIPS nor dual-stack; also compared with botocore.
    ("support", "us-east-1"): "https://support.us-east-1.amazonaws.com",
    ("support", "eu-west-1"): "https://support.us-east-1.amazonaws.com",
    ("support", "ap-southeast-2"): "https://support.us-east-1.amazonaws.com",
    ("support", "cn-north-1"): "https://support.cn-north-1.amazonaws.com.cn",
    ("support", "cn-northwest-1"): "https://support.cn-north-1.amazonaws.com.cn",
    ("support", "us-gov-west-1"): "https://support.us-gov-west-1.amazonaws.com",
    ("codeguruprofiler", "us-east-1"): "https://codeguru-profiler.us-east-1.amazonaws.com",
    ("codeguruprofiler", "eu-central-1"): "https://codeguru-profiler.eu-central-1.amazonaws.com",
    ("codeguruprofiler", "ap-southeast-2"): (
        "https://codeguru-profiler.ap-southeast-2.amazonaws.com"
    ),
}


@pytest.mark.parametrize(("service", "region"), sorted(DOCUMENTED_PLAIN))
def test_documented_plain_endpoints(service: str, region: str) -> None:
    endpoint = assert_same(service, region=region)
    assert endpoint.url == DOCUMENTED_PLAIN[(service, region)]
    assert endpoint.host == endpoint.url.removeprefix("https://")
    # Signed for the region in the host: Support is global, one region per partition.
    assert endpoint.signing_region == endpoint.host.split(".")[1]
    assert endpoint.signing_name == PREFIX[service]


def _partitions() -> list[dict[str, Any]]:
    partitions: list[dict[str, Any]] = botocore.loaders.Loader().load_data("partitions")[
        "partitions"
    ]
    return partitions


def partition_of(region: str) -> dict[str, Any]:
    """The partition botocore's rules put ``region`` in: listed, else matched by the
    partition's region pattern, else the ``aws`` partition (the rules' default)."""
    partitions = _partitions()
    for partition in partitions:
        if region in partition["regions"]:
            return partition
    for partition in partitions:
        if re.match(partition["regionRegex"], region):
            return partition
    return next(p for p in partitions if p["id"] == "aws")


#: Regions of every partition AWS documents, whether or not the installed botocore
#: knows them (an older one puts an unknown region in the aws partition), and every
#: concrete region of every partition the installed botocore has.
GRID_REGIONS = sorted(
    {
        "us-east-1",
        "us-east-2",
        "eu-west-1",
        "ca-central-1",
        "ap-southeast-2",
        "cn-north-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-gov-east-1",
        "us-iso-east-1",
        "us-isob-east-1",
        "eu-isoe-west-1",
        "us-isof-south-1",
        "eusc-de-east-1",
    }
    | {
        region
        for partition in _partitions()
        for region in partition["regions"]
        if re.match(partition["regionRegex"], region)
    }
)


@pytest.fixture(scope="module")
def grid_session() -> botocore.session.Session:
    """One botocore session for the whole grid (its loader caches the rule sets); the
    grid changes no settings, so one is enough."""
    return botocore.session.Session()


@pytest.mark.parametrize("dualstack", [False, True], ids=["", "dualstack"])
@pytest.mark.parametrize("fips", [False, True], ids=["", "fips"])
@pytest.mark.parametrize("region", GRID_REGIONS)
@pytest.mark.parametrize("service", SERVICES)
def test_every_partition_fips_and_dualstack(
    service: str, region: str, fips: bool, dualstack: bool, grid_session: Any
) -> None:
    settings = {"region": region, "use_fips": fips, "use_dualstack": dualstack}
    try:
        expected = botocore_endpoint(
            service,
            session=grid_session,
            region_name=region,
            use_fips=fips,
            use_dualstack=dualstack,
        )
    except botocore.exceptions.EndpointResolutionError as error:
        # The rules reject this combination (no FIPS or dual-stack in that partition):
        # so does awsmith, with its own error class.
        with pytest.raises(awsmith.EndpointResolutionError):
            ours(service, **settings)
        assert str(error)
        return
    except botocore.exceptions.EndpointVariantError:
        # botocore's client also checks the variant against its older endpoints.json,
        # which lists no dual-stack hosts for some partitions whose rules have them;
        # awsmith, like the Smithy SDKs, follows the rules alone.
        expected = botocore_rules_endpoint(service, region, fips, dualstack)
    endpoint = ours(service, **settings)
    assert (endpoint.url, endpoint.signing_region) == expected
    # The shape every endpoint rule gives: https://<prefix>[-fips].<region>.<suffix>,
    # with the DNS suffix of the signing region's partition, dual-stack or not.
    partition = partition_of(endpoint.signing_region)
    assert partition["id"] == partition_of(region)["id"]
    outputs = partition["outputs"]
    suffix = outputs["dualStackDnsSuffix"] if dualstack else outputs["dnsSuffix"]
    fips_part = "-fips" if fips else ""
    assert endpoint.url == (
        f"https://{PREFIX[service]}{fips_part}.{endpoint.signing_region}.{suffix}"
    )
    assert endpoint.host == endpoint.url.removeprefix("https://")
    assert endpoint.signing_name == PREFIX[service]
    if not (fips or dualstack) and service == "codeguruprofiler":
        assert endpoint.signing_region == region  # a regional service


@pytest.mark.parametrize("service", SERVICES)
def test_resolve_endpoint_function_matches_the_client(service: str) -> None:
    info = CLIENTS[service]._service
    endpoint = resolve_endpoint(
        data_name=info.data_name,
        endpoint_prefix=info.endpoint_prefix,
        signing_name=info.signing_name,
        region="cn-north-1",
        use_fips=False,
        use_dualstack=False,
        endpoint_url=None,
    )
    assert endpoint == ours(service, region="cn-north-1")
    assert endpoint.url.endswith(".cn-north-1.amazonaws.com.cn")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("region", ["us-east-1/../evil", "not a region", "us_east_1!", "a" * 64])
def test_invalid_region_is_a_clear_error(service: str, region: str) -> None:
    with pytest.raises(awsmith.EndpointSettingError) as info:
        ours(service, region=region)
    assert str(info.value) == (
        f"region {region!r} is not a valid region name (expected something like 'us-east-1')"
    )
    with pytest.raises(botocore.exceptions.InvalidRegionError):
        botocore_endpoint(service, region_name=region)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("region", ["", " "])
def test_a_blank_region_argument_is_refused_as_botocore_refuses_it(
    service: str, region: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``region=""`` decides, as botocore takes ``region_name=""``: refused (botocore's
    ``InvalidRegionError`` or ``Invalid endpoint``), not replaced by the environment's."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with pytest.raises(awsmith.EndpointSettingError) as info:
        ours(service, region=region)
    assert str(info.value) == (
        f"region {region!r} is not a valid region name (expected something like 'us-east-1')"
    )
    with pytest.raises(ValueError):  # InvalidRegionError is a ValueError too
        botocore_endpoint(service, region_name=region)


@pytest.mark.parametrize("service", SERVICES)
def test_no_region_anywhere_is_a_clear_error(service: str) -> None:
    with pytest.raises(awsmith.EndpointResolutionError) as info:
        ours(service, region=None)
    assert str(info.value) == (
        "no region: pass region=..., set AWS_REGION, or configure a region in the AWS config file"
    )
    if service == "codeguruprofiler":
        with pytest.raises(botocore.exceptions.NoRegionError):
            botocore_endpoint(service)
    else:
        # botocore sends Support (global) to us-east-1 without a region; awsmith asks
        # for one rather than guess the partition.
        assert botocore_endpoint(service) == (plain_url(service, "us-east-1"), "us-east-1")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:4566/my stage", "http://127.0.0.1:4566/ü", "https://bücher.example"],
)
def test_an_endpoint_url_with_characters_a_url_cannot_carry_is_refused(url: str) -> None:
    with pytest.raises(awsmith.EndpointResolutionError) as info:
        ours("support", region="us-east-1", endpoint_url=url)
    assert str(info.value) == (
        f"endpoint_url {url!r} has characters a URL cannot carry as they are (spaces, "
        "non-ASCII): percent-encode them in the path, and give a host name in its ASCII "
        "(punycode, xn--) form"
    )


@pytest.mark.parametrize("url", ["http://127.0.0.1:4566/?stage=1", "http://127.0.0.1:4566/p#x"])
def test_an_endpoint_url_with_a_query_or_fragment_is_refused(url: str) -> None:
    """Where awsmith differs: botocore keeps an endpoint URL's query string; awsmith
    would drop it, so it refuses the URL rather than call without it."""
    with pytest.raises(awsmith.EndpointResolutionError) as info:
        ours("support", region="us-east-1", endpoint_url=url)
    assert str(info.value) == (
        f"endpoint_url {url!r} has a query string or fragment, which awsmith does not "
        "send: give the URL without it"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_endpoint_url_argument(service: str) -> None:
    endpoint = assert_same(service, region="eu-west-1", endpoint_url="http://127.0.0.1:4566")
    assert endpoint.url == "http://127.0.0.1:4566"
    assert endpoint.host == "127.0.0.1:4566"
    # With a custom endpoint the rules keep the region for signing.
    assert endpoint.signing_region == "eu-west-1"


@pytest.mark.parametrize("service", SERVICES)
def test_endpoint_url_argument_beats_the_environment(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service.upper()}", "http://127.0.0.1:2222")
    endpoint = assert_same(service, region="us-east-1", endpoint_url="http://127.0.0.1:3333")
    assert endpoint.url == "http://127.0.0.1:3333"


@pytest.mark.parametrize("service", SERVICES)
def test_aws_endpoint_url_env(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    assert assert_same(service, configured=True, region="us-east-1").url == "http://127.0.0.1:1111"


@pytest.mark.parametrize(
    ("service", "variable"),
    [
        ("support", "AWS_ENDPOINT_URL_SUPPORT"),
        ("codeguruprofiler", "AWS_ENDPOINT_URL_CODEGURUPROFILER"),
    ],
)
def test_service_specific_endpoint_env_wins(
    service: str, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:2222")
    assert assert_same(service, configured=True, region="us-east-1").url == "http://127.0.0.1:2222"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    assert assert_same(service, configured=True, region="us-east-1").url == "http://127.0.0.1:2222"


def test_service_specific_env_of_the_other_service_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEGURUPROFILER", "http://127.0.0.1:2222")
    assert (
        assert_same("support", region="us-east-1").url == "https://support.us-east-1.amazonaws.com"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_ignore_configured_endpoint_urls(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service.upper()}", "http://127.0.0.1:2222")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert assert_same(service, region="us-west-2").url == plain_url(service, "us-west-2")
    # An explicit endpoint_url is not "configured": it still applies.
    assert assert_same(service, region="us-west-2", endpoint_url="http://127.0.0.1:3333").url == (
        "http://127.0.0.1:3333"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_region_from_aws_default_region(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    assert assert_same(service).url == plain_url(service, "ap-northeast-1")


@pytest.mark.parametrize("service", SERVICES)
def test_region_from_aws_region(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # AWS_REGION (read by the AWS CLI v2 and the other SDKs) wins over
    # AWS_DEFAULT_REGION; botocore itself reads only AWS_DEFAULT_REGION, so botocore
    # is given the region explicitly here.
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    endpoint = ours(service)
    url, region = botocore_endpoint(service, region_name="sa-east-1")
    assert (endpoint.url, endpoint.signing_region) == (url, region)
    assert url == plain_url(service, "sa-east-1")


@pytest.mark.parametrize("service", SERVICES)
def test_region_argument_beats_the_environment(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    assert assert_same(service, region="eu-north-1").url == plain_url(service, "eu-north-1")


@pytest.mark.parametrize("service", SERVICES)
def test_region_from_the_default_profile(service: str, aws_env: Path) -> None:
    aws_env.write_text("[default]\nregion = eu-west-3\n")
    assert assert_same(service).url == plain_url(service, "eu-west-3")


@pytest.mark.parametrize("service", SERVICES)
def test_region_and_fips_from_a_named_profile(service: str, aws_env: Path) -> None:
    aws_env.write_text(
        "[default]\nregion = eu-west-3\n\n"
        "[profile gov]\nregion = us-gov-east-1\nuse_fips_endpoint = true\n"
    )
    endpoint = assert_same(service, profile="gov")
    assert endpoint == ours(service, region="us-gov-east-1", use_fips=True)
    assert "-fips." in endpoint.url


@pytest.mark.parametrize("service", SERVICES)
def test_profile_from_aws_profile_env(
    service: str, aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env.write_text("[profile dual]\nregion = eu-central-1\nuse_dualstack_endpoint = true\n")
    monkeypatch.setenv("AWS_PROFILE", "dual")
    endpoint = assert_same(service)
    assert endpoint == ours(service, region="eu-central-1", use_dualstack=True)
    assert endpoint.url.endswith(".api.aws")


@pytest.mark.parametrize("service", SERVICES)
def test_use_fips_from_the_profile(service: str, aws_env: Path) -> None:
    aws_env.write_text("[default]\nregion = us-east-2\nuse_fips_endpoint = true\n")
    endpoint = assert_same(service)
    assert endpoint == ours(service, region="us-east-2", use_fips=True)
    assert endpoint.url.startswith(f"https://{PREFIX[service]}-fips.")


@pytest.mark.parametrize("service", SERVICES)
def test_fips_env_variable(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    monkeypatch.setenv("AWS_USE_DUALSTACK_ENDPOINT", "true")
    endpoint = assert_same(service, region="ca-central-1")
    assert endpoint == ours(service, region="ca-central-1", use_fips=True, use_dualstack=True)
    assert endpoint.url.startswith(f"https://{PREFIX[service]}-fips.")
    assert endpoint.url.endswith(".api.aws")


@pytest.mark.parametrize("service", SERVICES)
def test_endpoint_url_from_the_profile(service: str, aws_env: Path) -> None:
    aws_env.write_text("[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:7777\n")
    assert assert_same(service, configured=True).url == "http://127.0.0.1:7777"


@pytest.mark.parametrize("service", SERVICES)
def test_endpoint_url_from_the_profile_with_every_other_setting_given(
    service: str, aws_env: Path
) -> None:
    """The profile's endpoint_url applies even when the region, FIPS and dual-stack
    choices all come from the client (before issue 23's one precedence helper, the
    profile was read only for a setting the client left open, so this endpoint_url
    was skipped)."""
    aws_env.write_text("[default]\nendpoint_url = http://127.0.0.1:7777\n")
    endpoint = assert_same(
        service, configured=True, region="eu-west-1", use_fips=False, use_dualstack=False
    )
    assert endpoint.url == "http://127.0.0.1:7777"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("variable", ["AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"])
def test_an_empty_flag_variable_decides_over_the_profile(
    service: str, variable: str, aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flag variable set to "" is false, as botocore reads it: the profile's
    ``use_fips_endpoint`` / ``use_dualstack_endpoint`` is not consulted."""
    aws_env.write_text(
        "[default]\nregion = ca-central-1\nuse_fips_endpoint = true\n"
        "use_dualstack_endpoint = true\n"
    )
    monkeypatch.setenv(variable, "")
    url = assert_same(service).url
    fips_off = variable == "AWS_USE_FIPS_ENDPOINT"
    assert ("-fips." in url) is not fips_off  # the other flag still comes from the profile
    assert url.endswith(".api.aws") is fips_off


@pytest.mark.parametrize("service", SERVICES)
def test_ignore_configured_endpoint_urls_skips_the_profiles_too(
    service: str, aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` skips the profile's endpoint_url as
    well as the variables' (botocore's rule, and docs/configuration.md's); it used to
    skip only the variables."""
    aws_env.write_text("[default]\nregion = us-west-2\nendpoint_url = http://127.0.0.1:7777\n")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert assert_same(service, configured=True).url == plain_url(service, "us-west-2")


@pytest.mark.parametrize("service", SERVICES)
def test_unknown_profile_is_a_configuration_error(service: str) -> None:
    with pytest.raises(awsmith.ConfigurationError, match="nope"):
        ours(service, profile="nope")
