"""awsmith._core.endpoints on its own: resolving with botocore's rule sets (STS, a model
generated without a rule set), the host-name pattern for a service botocore has no rule
set for, and how an operation's path is joined to an endpoint's base path (found by
`make mutation`: docs/testing.md).

botocore's data is replaced by the snapshot in models/endpoints/, so the figures do not
change with botocore's next release. The module's caches (rule-set providers,
partitions, resolved endpoints) are emptied around each test: a cached result would
hide the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

import awsmith
from awsmith._core import endpoints
from awsmith._core.endpoints import Endpoint, join_path, resolve_endpoint, rules_loaded

SNAPSHOT = Path(__file__).resolve().parents[2] / "models" / "endpoints"


class SnapshotLoader:
    """botocore's Loader as _load_provider and _partitions use it, reading the
    snapshot: a rule set for support and codeguruprofiler only, and the partitions."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        self.calls.append(("load_service_model", service_name, type_name))
        path = SNAPSHOT / f"{service_name}.json"
        if type_name != "endpoint-rule-set-1" or service_name == "partitions" or not path.is_file():
            raise botocore.exceptions.DataNotFoundError(data_path=f"{service_name}/{type_name}")
        return json.loads(path.read_text(encoding="utf-8"))

    def load_data(self, name: str) -> Any:
        self.calls.append(("load_data", name))
        if name != "partitions":
            raise botocore.exceptions.DataNotFoundError(data_path=name)
        return json.loads((SNAPSHOT / "partitions.json").read_text(encoding="utf-8"))


def _clear_caches() -> None:
    endpoints._PROVIDERS.clear()
    endpoints._partitions.cache_clear()
    resolve_endpoint.cache_clear()


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[SnapshotLoader]:
    snapshot = SnapshotLoader()
    monkeypatch.setattr(endpoints, "_loader", lambda: snapshot)
    _clear_caches()
    yield snapshot
    _clear_caches()  # nothing built from the snapshot loader outlives the test


def resolve(data_name: str, region: str | None, **kwargs: Any) -> Endpoint:
    settings: dict[str, Any] = {
        "endpoint_prefix": "prefix",
        "signing_name": "signer",
        "use_fips": False,
        "use_dualstack": False,
        "endpoint_url": None,
    } | kwargs
    return resolve_endpoint(data_name=data_name, region=region, **settings)


# ------------------------------------------------------- botocore's rule sets (rules=None)


def test_a_rule_set_is_loaded_once_and_resolves(loader: SnapshotLoader) -> None:
    assert not rules_loaded("codeguruprofiler")
    endpoint = resolve("codeguruprofiler", "eu-west-1")
    assert endpoint == Endpoint(
        "https://codeguru-profiler.eu-west-1.amazonaws.com",
        "codeguru-profiler.eu-west-1.amazonaws.com",
        "eu-west-1",
        "signer",
    )
    assert rules_loaded("codeguruprofiler")
    resolve("codeguruprofiler", "eu-west-2")
    assert loader.calls == [
        ("load_service_model", "codeguruprofiler", "endpoint-rule-set-1"),
        ("load_data", "partitions"),
    ]


def test_the_rule_sets_auth_scheme_gives_the_signing_region(loader: SnapshotLoader) -> None:
    """Support's rules send every aws-partition region to us-east-1 (a global service)."""
    endpoint = resolve("support", "eu-west-1")
    assert endpoint.url == "https://support.us-east-1.amazonaws.com"
    assert endpoint.signing_region == "us-east-1"


def test_a_rule_set_error_is_an_endpoint_resolution_error(loader: SnapshotLoader) -> None:
    with pytest.raises(awsmith.EndpointResolutionError) as info:
        resolve("codeguruprofiler", "eu-west-1", use_fips=True, endpoint_url="https://x.example")
    assert str(info.value) == (
        "cannot resolve the endpoint: Invalid Configuration: FIPS and custom endpoint are "
        "not supported"
    )


def test_rules_loaded() -> None:
    assert rules_loaded("no-such-service", compiled=object()) is True
    assert rules_loaded("no-such-service") is False
    endpoints._PROVIDERS["no-such-service"] = None  # looked up: no rule set, nothing to load
    try:
        assert rules_loaded("no-such-service") is True
    finally:
        del endpoints._PROVIDERS["no-such-service"]


# --------------------------------------- no rule set: https://<prefix>[-fips].<region>.<dns>


@pytest.mark.parametrize(
    ("region", "fips", "dualstack", "url"),
    [
        ("eu-west-1", False, False, "https://prefix.eu-west-1.amazonaws.com"),
        ("eu-west-1", True, False, "https://prefix-fips.eu-west-1.amazonaws.com"),
        ("eu-west-1", False, True, "https://prefix.eu-west-1.api.aws"),
        ("eu-west-1", True, True, "https://prefix-fips.eu-west-1.api.aws"),
        # Not listed in the aws partition: its regionRegex takes it.
        ("us-future-7", False, False, "https://prefix.us-future-7.amazonaws.com"),
        # Listed, and matching no partition's regionRegex.
        ("aws-cn-global", False, False, "https://prefix.aws-cn-global.amazonaws.com.cn"),
        ("cn-north-1", False, True, "https://prefix.cn-north-1.api.amazonwebservices.com.cn"),
        ("us-gov-west-1", True, False, "https://prefix-fips.us-gov-west-1.amazonaws.com"),
    ],
)
def test_without_a_rule_set_the_standard_host_name(
    loader: SnapshotLoader, region: str, fips: bool, dualstack: bool, url: str
) -> None:
    endpoint = resolve("no-such-service", region, use_fips=fips, use_dualstack=dualstack)
    assert endpoint == Endpoint(url, url.removeprefix("https://"), region, "signer")
    assert rules_loaded("no-such-service")  # looked up once: botocore has none
    assert endpoints._PROVIDERS == {"no-such-service": None}


def test_without_a_rule_set_an_endpoint_url_is_used_as_given(loader: SnapshotLoader) -> None:
    endpoint = resolve("no-such-service", "eu-west-1", endpoint_url="http://127.0.0.1:4566/")
    assert endpoint == Endpoint("http://127.0.0.1:4566", "127.0.0.1:4566", "eu-west-1", "signer")
    endpoint = resolve("no-such-service", None, endpoint_url="http://gw.example/base/")
    assert endpoint == Endpoint("http://gw.example/base/", "gw.example", "us-east-1", "signer")
    # Only the slash goes: a host ending in "X" keeps it.
    endpoint = resolve("no-such-service", "eu-west-1", endpoint_url="http://GW.BOX/")
    assert endpoint == Endpoint("http://GW.BOX", "GW.BOX", "eu-west-1", "signer")


def test_without_a_rule_set_an_unknown_partition_is_refused(loader: SnapshotLoader) -> None:
    with pytest.raises(awsmith.EndpointResolutionError) as info:
        resolve("no-such-service", "xx-nowhere-1")
    assert str(info.value) == "region 'xx-nowhere-1' is in no known partition"


# ----------------------------------------------------------------- base path and path


@pytest.mark.parametrize(
    ("base", "path", "joined"),
    [
        ("", "", "/"),
        ("", "/", "/"),
        ("", "/profilingGroups", "/profilingGroups"),
        ("/gw", "", "/gw"),
        ("/gw", "/", "/gw"),
        ("/gw/", "/", "/gw/"),
        ("/gw", "/profilingGroups", "/gw/profilingGroups"),
        ("/gw/", "/profilingGroups", "/gw/profilingGroups"),
        ("/gw/", "profilingGroups", "/gw/profilingGroups"),
        ("/gw", "profilingGroups", "/gwprofilingGroups"),  # as botocore's _urljoin
    ],
)
def test_join_path(base: str, path: str, joined: str) -> None:
    assert join_path(base, path) == joined
