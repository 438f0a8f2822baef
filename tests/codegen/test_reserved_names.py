"""A model full of names that collide with Python or with what the generator writes:
keywords, builtins, the generated modules' own names and locals, the runtime's helpers,
attrs' and awsmith's attributes (``response_metadata``, ``ServiceError.attempts``), the
client's methods, and the client and base error classes themselves.

Each operation takes and returns one structure whose members have such names; the
mock service echoes the request (body and headers) back, so a value survives the round
trip only if every validator, serializer and parser names each member right. The error
echoes its fields the same way.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

import awsmith
import codegen.__main__ as codegen_main
from awsmith._core.client import BaseClient
from codegen.model import load, py_name

#: Member names (wire names; each becomes the snake_case attribute shown by py_name).
MEMBERS = [
    "float", "int", "str", "bool", "list", "dict", "len", "enumerate", "isinstance",
    "type", "class", "import", "None", "True", "lambda", "self", "cls",
    "path", "fields", "x", "data", "response", "value", "name", "item", "i", "key",
    "items", "named", "query", "headers", "body", "out", "prefix", "request", "resp",
    "response_metadata", "missing", "loads", "load_json", "p_str",
    "h_int", "fail", "new_idempotency_token", "_serde", "__init__", "3dModel",
    "attrs", "datetime", "Any", "errors", "shapes", "annotations", "service",
]
#: Members in headers (rest-json only): name -> header name.
HEADER_MEMBERS = {"path": "X-Path", "missing": "X-Missing", "type": "X-Type"}
#: Error fields besides the message: ServiceError's own attributes among them.
ERROR_MEMBERS = [
    "attempts", "code", "status_code", "request_id", "raw", "error_code", "default_status",
    "args", "with_traceback", "add_note", "modeled_retryable", "response_metadata", "float",
]
#: Operation names: the client's own methods and attributes, and the _serde constants.
OPERATIONS = ["Close", "Region", "Endpoint", "Config", "WithOptions", "Service", "Errors",
              "Class", "Import", "Print", "Float", "ParseFloat"]
#: Shape names that would shadow what generated modules import or define.
SHAPES = ["int", "str", "Any", "None", "class", "attrs", "datetime", "Literal", "OpenEnum",
          "NamesClient", "ERRORS", "SERVICE", "Operation", "Paginator",
          "Mapping", "Sequence", "ClassVar", "errors", "shapes", "annotations", "NO_METADATA",
          "ResponseMetadata", "QueryItem", "TransportResponse", "_serde", "shape", "TYPE_CHECKING"]


def build_model(protocol: str) -> dict[str, Any]:
    shapes: dict[str, Any] = {
        "float": {"type": "double"},
        "Color": {"type": "string", "enum": ["red", "green"]},
        "ColorLiteral": {"type": "structure", "members": {"a": {"shape": "str"}}},
        "str": {"type": "string"},
    }
    for name in SHAPES:
        shapes.setdefault(name, {"type": "structure", "members": {"int": {"shape": "str"}}})
    members: dict[str, Any] = {}
    for name in MEMBERS:
        target = {"float": "float", "type": "Color", "class": "ColorLiteral"}.get(name, "str")
        member: dict[str, Any] = {"shape": target}
        if protocol == "rest-json" and name in HEADER_MEMBERS:
            member.update(location="header", locationName=HEADER_MEMBERS[name])
        members[name] = member
    for name in SHAPES:  # a member of each odd shape, so that every class is used
        members.setdefault(f"of{name.strip('_').capitalize()}", {"shape": name})
    shapes["request"] = {"type": "structure", "members": members}
    # The error is named like the package's base error class.
    shapes["NamesError"] = {
        "type": "structure",
        "exception": True,
        "error": {"httpStatusCode": 400},
        "members": {"message": {"shape": "str"}, **{n: {"shape": "str"} for n in ERROR_MEMBERS}},
    }
    shapes["NamesError"]["members"]["float"] = {"shape": "float"}
    operations = {
        op: {
            "name": op,
            "http": {"method": "POST", "requestUri": f"/{op.lower()}"},
            "input": {"shape": "request"},
            "output": {"shape": "request"},
            "errors": [{"shape": "NamesError"}],
        }
        for op in OPERATIONS
    }
    metadata = {
        "protocol": protocol,
        "apiVersion": "2020-01-01",
        "endpointPrefix": "names",
        "serviceId": "Names",
        "jsonVersion": "1.1",
        "targetPrefix": "Names",
    }
    return {"metadata": metadata, "shapes": shapes, "operations": operations}


def _value(gen: Any, shape_name: str) -> Any:
    """A value of every member of the structure ``shape_name`` (by wire name)."""
    spec = gen["raw"]["shapes"][shape_name]
    out: dict[str, Any] = {}
    for i, (name, member) in enumerate(sorted(spec["members"].items())):
        target = gen["raw"]["shapes"][member["shape"]]
        if target["type"] == "double":
            out[py_name(name)] = 1.5 + i
        elif target.get("enum"):
            out[py_name(name)] = getattr(gen["shapes"], gen["classes"]["Color"])("green")
        elif target["type"] == "structure":
            out[py_name(name)] = _value(gen, member["shape"])
        else:
            out[py_name(name)] = f"v{i}-{name}"
    return getattr(gen["shapes"], gen["classes"][shape_name])(**out)


@pytest.fixture(scope="module", params=["json", "rest-json"])
def gen(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    protocol: str = request.param
    root = tmp_path_factory.mktemp("names")
    raw = build_model(protocol)
    model = root / "names.json"
    model.write_text(json.dumps(raw), encoding="utf-8")
    package = f"names_{protocol.replace('-', '_')}"
    assert codegen_main.main(["--model", str(model), "--out", str(root), "--package", package]) == 0
    sys.path.insert(0, str(root))
    try:
        built = load(model)
        return {
            "raw": raw,
            "protocol": protocol,
            "model": built,
            "classes": {s.name: s.class_name for s in built.shapes.values()},
            "shapes": importlib.import_module(f"{package}.shapes"),
            "errors": importlib.import_module(f"{package}.errors"),
            "client": importlib.import_module(f"{package}.client"),
        }
    finally:
        sys.path.remove(str(root))


def _echo(request: httpx.Request) -> httpx.Response:
    headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-")}
    if request.url.path.endswith("/errors") or request.headers.get("X-Amz-Target", "").endswith(".Errors"):
        fields = {n: f"e-{n}" for n in ERROR_MEMBERS} | {"float": 2.5, "message": "boom"}
        return httpx.Response(400, json={"__type": "NamesError", **fields})
    return httpx.Response(200, headers=headers, content=request.content)


def _run(gen: dict[str, Any], method: str, request: Any) -> Any:
    async def main() -> Any:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(_echo)) as http,
            getattr(gen["client"], gen["model"].client_name)(
                region="us-east-1",
                endpoint_url="https://names.example",
                credentials=awsmith.Credentials(access_key_id="AK", secret_access_key="SK"),
                http_client=http,
                config=awsmith.Config(max_attempts=1),
            ) as client,
        ):
            kwargs = {f.name: getattr(request, f.name) for f in attrs.fields(type(request))}
            kwargs.pop("response_metadata", None)
            try:
                return await getattr(client, method)(**kwargs)
            except awsmith.ServiceError as exc:
                return exc

    return asyncio.run(main())


def test_every_operation_round_trips_every_member(gen: dict[str, Any]) -> None:
    request = _value(gen, "request")
    for op in gen["model"].operations:
        if op.name == "Errors":
            continue
        result = _run(gen, op.py_name, request)
        assert result == request, op.name
        assert isinstance(result.response_metadata, awsmith.ResponseMetadata)
        assert result.response_metadata.status_code == 200


def test_error_fields_named_like_service_error_attributes_round_trip(gen: dict[str, Any]) -> None:
    request = _value(gen, "request")
    op = next(o for o in gen["model"].operations if o.name == "Errors")
    err = _run(gen, op.py_name, request)
    cls = getattr(gen["errors"], gen["classes"]["NamesError"])
    assert type(err) is cls
    assert issubclass(cls, getattr(gen["errors"], gen["model"].base_error_name))
    assert (err.code, err.message, err.status_code, err.attempts) == ("NamesError", "boom", 400, 1)
    shape = gen["model"].shapes["NamesError"]
    for m in shape.members:
        if m.name == "message":
            continue
        expected = 2.5 if m.name == "float" else f"e-{m.name}"
        assert getattr(err, m.py_name) == expected, m.name


def test_the_client_keeps_its_own_methods(gen: dict[str, Any]) -> None:
    cls = getattr(gen["client"], gen["model"].client_name)
    for name in ("close", "region", "endpoint"):
        assert getattr(cls, name) is getattr(BaseClient, name)
    py_names = {op.py_name for op in gen["model"].operations}
    assert not py_names & {"close", "region", "endpoint", "config", "with_options"}


def test_generated_names_are_distinct_from_each_other(gen: dict[str, Any]) -> None:
    classes = [s.class_name for s in gen["model"].shapes.values()]
    assert len(classes) == len(set(classes))
    reserved = {gen["model"].client_name, gen["model"].base_error_name}
    assert not reserved & set(classes)
    assert "ColorLiteral" not in classes  # the enum Color's alias keeps that name


def test_names_are_valid_python(gen: dict[str, Any]) -> None:
    for shape in gen["model"].shapes.values():
        for m in shape.members:
            assert m.py_name.isidentifier() and not m.py_name.startswith("_"), m.py_name
    assert Path(gen["shapes"].__file__).read_text(encoding="utf-8").isascii()
