"""The compiled endpoint rules (``awsmith.<service>._endpoints``) against botocore's
rules engine, fed the very rule set and partitions the rules were compiled from
(``models/endpoints/``): every region of every partition, and regions no partition
lists, x FIPS x dual-stack x ``endpoint_url``, and no region at all.

Both sides read the same committed copies, so this checks the compiler and its
runtime functions exactly, whatever botocore's own data says in a later release
(test_endpoints.py compares with botocore's clients and their own data).
"""

from __future__ import annotations

import importlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.endpoint_provider import EndpointProvider

from awsmith._core.endpoint_rules import RuleError
from codegen.services import SERVICES as ALL_SERVICES

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = ROOT / "models" / "endpoints"
SERVICES = sorted(p.stem for p in ENDPOINTS.glob("*.json") if p.stem != "partitions")


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ENDPOINTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _regions() -> list[str | None]:
    listed = sorted(
        {region for partition in _load("partitions")["partitions"] for region in partition["regions"]}
    )
    # Regions only a partition's regex (or no partition) claims, and no region.
    unlisted = ["us-east-99", "cn-south-7", "us-gov-east-9", "us-isob-north-3", "xx-nowhere-1"]
    return [*listed, *unlisted, None]


GRID = list(
    itertools.product(
        SERVICES, _regions(), [False, True], [False, True], [None, "https://example.com/base"]
    )
)


def _botocore(service: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | str:
    provider = EndpointProvider(ruleset_data=_load(service), partition_data=_load("partitions"))
    try:
        resolved = provider.resolve_endpoint(**params)
    except Exception as exc:  # botocore's EndpointResolutionError
        return str(exc)
    return resolved.url, resolved.properties


def _compiled(service: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | str:
    rules = importlib.import_module(f"awsmith.{service}._endpoints")
    try:
        url, properties = rules.resolve(params)
    except RuleError as exc:
        return str(exc)
    return url, properties


def test_the_grid_covers_every_partition() -> None:
    assert len(GRID) >= 2 * 40 * 8
    assert sorted(ALL_SERVICES) == SERVICES


@pytest.mark.parametrize(("service", "region", "fips", "dualstack", "url"), GRID)
def test_compiled_rules_match_botocores_engine(
    service: str, region: str | None, fips: bool, dualstack: bool, url: str | None
) -> None:
    params: dict[str, Any] = {"UseFIPS": fips, "UseDualStack": dualstack}
    if region is not None:
        params["Region"] = region
    if url is not None:
        params["Endpoint"] = url
    assert _compiled(service, dict(params)) == _botocore(service, dict(params))
