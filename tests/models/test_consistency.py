"""Internal consistency of models/*.json (no reference to botocore here)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codegen.services import SERVICES

JSON = dict[str, Any]
MODELS = Path(__file__).resolve().parents[2] / "models"
SHAPE_TYPES = {
    "structure",
    "list",
    "map",
    "string",
    "integer",
    "long",
    "double",
    "float",
    "boolean",
    "timestamp",
    "blob",
}
LOCATIONS = {"uri", "querystring", "header", "headers", "statusCode"}


def load(service: str) -> JSON:
    data: JSON = json.loads((MODELS / f"{service}.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(params=SERVICES)
def model(request: pytest.FixtureRequest) -> JSON:
    return load(request.param)


def references(shape: JSON) -> Iterator[str]:
    for member in shape.get("members", {}).values():
        yield member["shape"]
    for key in ("member", "key", "value"):
        if key in shape:
            yield shape[key]["shape"]


def test_top_level_keys(model: JSON) -> None:
    assert {"version", "metadata", "operations", "shapes", "documentation", "pagination"} <= set(
        model
    )
    meta = model["metadata"]
    for key in (
        "apiVersion",
        "endpointPrefix",
        "signingName",
        "protocol",
        "jsonVersion",
        "serviceId",
        "serviceFullName",
        "uid",
        "signatureVersion",
    ):
        assert meta.get(key), key
    assert meta["protocol"] in {"json", "rest-json"}
    if meta["protocol"] == "json":
        assert meta["targetPrefix"]


def test_operation_counts() -> None:
    # Support: the reference's 16 and the 4 of models/supplements/support.json.
    assert len(load("support")["operations"]) == 20
    assert len(load("codeguruprofiler")["operations"]) == 23


def test_every_referenced_shape_exists(model: JSON) -> None:
    shapes = model["shapes"]
    missing = [
        (op_name, ref["shape"])
        for op_name, op in model["operations"].items()
        for ref in [op.get("input"), op.get("output"), *op.get("errors", [])]
        if ref and ref["shape"] not in shapes
    ]
    missing += [
        (name, target)
        for name, shape in shapes.items()
        for target in references(shape)
        if target not in shapes
    ]
    assert not missing


def test_no_orphan_shapes(model: JSON) -> None:
    shapes = model["shapes"]
    roots = [
        ref["shape"]
        for op in model["operations"].values()
        for ref in [op.get("input"), op.get("output"), *op.get("errors", [])]
        if ref
    ]
    roots += model.get("commonErrors", [])
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(references(shapes[name]))
    assert sorted(set(shapes) - seen) == []


def test_common_errors_are_exceptions(model: JSON) -> None:
    for name in model.get("commonErrors", []):
        shape = model["shapes"][name]
        assert shape.get("exception") is True, name
        assert shape["error"]["httpStatusCode"] >= 400, name


def test_everything_is_documented(model: JSON) -> None:
    undocumented = [] if model["documentation"].strip() else ["<service>"]
    for name, op in model["operations"].items():
        if not op.get("documentation", "").strip():
            undocumented.append(f"op:{name}")
    for name, shape in model["shapes"].items():
        if not shape.get("documentation", "").strip():
            undocumented.append(name)
        for mname, member in shape.get("members", {}).items():
            if not member.get("documentation", "").strip():
                undocumented.append(f"{name}.{mname}")
    assert not undocumented


def test_documentation_is_plain_text(model: JSON) -> None:
    noise = re.compile(
        r"</?(?:p|code|a|ul|li|b|i|note|important)\b[^>]*>|API Version \d{4}|See Also|\(p\. \d+\)|\]\(#\)|`|•"
    )
    docs = [model["documentation"]]
    docs += [op["documentation"] for op in model["operations"].values()]
    for shape in model["shapes"].values():
        docs.append(shape["documentation"])
        docs += [m["documentation"] for m in shape.get("members", {}).values()]
    bad = [d[:80] for d in docs if noise.search(d) or "\n\n\n" in d or d != d.strip()]
    assert not bad


def test_shapes_are_well_formed(model: JSON) -> None:
    for name, shape in model["shapes"].items():
        assert shape["type"] in SHAPE_TYPES, name
        if "enum" in shape:
            assert shape["type"] == "string", name
            assert shape["enum"], name
            assert len(set(shape["enum"])) == len(shape["enum"]), name
        if "min" in shape and "max" in shape:
            assert shape["min"] <= shape["max"], name
        if "pattern" in shape:
            re.compile(shape["pattern"])
        if shape["type"] == "structure":
            assert set(shape.get("required", [])) <= set(shape["members"]), name
            if "payload" in shape:
                assert shape["payload"] in shape["members"], name
        for mname, member in shape.get("members", {}).items():
            if "location" in member:
                assert member["location"] in LOCATIONS, f"{name}.{mname}"
                assert member.get("locationName"), f"{name}.{mname}"


def test_exceptions_have_status_codes(model: JSON) -> None:
    for name, shape in model["shapes"].items():
        if not shape.get("exception"):
            continue
        status = shape["error"]["httpStatusCode"]
        assert bool(shape.get("fault")) == (status >= 500), name
        assert bool(shape["error"].get("senderFault")) == (status < 500), name


def test_operations_are_well_formed(model: JSON) -> None:
    protocol = model["metadata"]["protocol"]
    for name, op in model["operations"].items():
        assert op["name"] == name
        http = op["http"]
        assert http["method"] in {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
        assert http["requestUri"].startswith("/")
        assert 200 <= http.get("responseCode", 200) < 300
        if protocol == "json":
            assert (http["method"], http["requestUri"]) == ("POST", "/")
        for err in op.get("errors", []):
            assert model["shapes"][err["shape"]].get("exception") is True, (name, err)
        members = model["shapes"][op["input"]["shape"]]["members"]
        for mname, member in members.items():
            if protocol == "json":
                assert "location" not in member, (name, mname)


def test_uri_labels_bind_required_uri_members(model: JSON) -> None:
    for name, op in model["operations"].items():
        shape = model["shapes"][op["input"]["shape"]]
        uri = op["http"]["requestUri"].split("?")[0]
        labels = {label.rstrip("+") for label in re.findall(r"\{([^}]+)\}", uri)}
        uri_members = {
            member["locationName"]: mname
            for mname, member in shape["members"].items()
            if member.get("location") == "uri"
        }
        assert set(uri_members) == labels, name
        for label in labels:
            assert uri_members[label] in shape.get("required", []), (name, label)


def test_payload_members_are_body_bound(model: JSON) -> None:
    for name, shape in model["shapes"].items():
        if "payload" in shape:
            member = shape["members"][shape["payload"]]
            assert "location" not in member, name
            target = model["shapes"][member["shape"]]
            assert target["type"] in {"blob", "structure", "string"}, name


def test_idempotency_tokens_are_strings(model: JSON) -> None:
    for name, shape in model["shapes"].items():
        for mname, member in shape.get("members", {}).items():
            if member.get("idempotencyToken"):
                assert model["shapes"][member["shape"]]["type"] == "string", f"{name}.{mname}"


def test_pagination_refers_to_real_members(model: JSON) -> None:
    pages = model["pagination"]
    assert pages
    for op_name, page in pages.items():
        op = model["operations"][op_name]
        inp = model["shapes"][op["input"]["shape"]]["members"]
        out = model["shapes"][op["output"]["shape"]]["members"]
        assert page["input_token"] in inp, op_name
        assert page["output_token"] in out, op_name
        assert page["limit_key"] in inp, op_name
        keys = page["result_key"] if isinstance(page["result_key"], list) else [page["result_key"]]
        for key in keys:
            assert key in out, (op_name, key)
            assert model["shapes"][out[key]["shape"]]["type"] == "list", (op_name, key)


def test_expected_paginators() -> None:
    assert {op: page["result_key"] for op, page in load("support")["pagination"].items()} == {
        "DescribeCases": "cases",
        "DescribeCommunications": "communications",
    }
    assert {
        op: page["result_key"] for op, page in load("codeguruprofiler")["pagination"].items()
    } == {
        "ListProfileTimes": "profileTimes",
        "ListProfilingGroups": ["profilingGroupNames", "profilingGroups"],
        "ListFindingsReports": "findingsReportSummaries",
        "GetFindingsReportAccountSummary": "reportSummaries",
    }


def test_models_are_reproducible_from_the_seeds() -> None:
    """The committed JSON is what `python -m codegen.transcribe --all` writes."""
    from codegen.transcribe import build

    for service in SERVICES:
        seed = build.seed_path(service)
        if not seed.exists():
            pytest.skip(build.missing_seed_message(seed))
        built = build.dump(build.build_model(seed.read_text(encoding="utf-8"), service))
        assert built == (MODELS / f"{service}.json").read_text(encoding="utf-8"), service
