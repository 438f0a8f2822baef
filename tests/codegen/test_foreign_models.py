"""The generator on models the repo does not ship: botocore's bundled json/rest-json models.

At test time a few botocore models are written to a temporary folder (service-2 plus
the ``pagination`` of paginators-1), generated with ``python -m codegen --model ...``,
imported, and exercised:

- every operation's generated serializer is called with an input that sets every member
  (nested to a small depth) and compared with botocore's serializer: method, path, query,
  headers, body and host prefix;
- a JSON response built from a generated output value is parsed by the generated parser
  and by botocore's parser, and the results compared;
- one call per operation goes through the generated client and an
  ``httpx.MockTransport`` (validation, signing, URL, host prefix, parsing);
- modeled errors arrive in the three wire forms of the error code.

The models are chosen so that together they use the protocol features our two services
do not; ``model_features`` (run ``python tests/codegen/test_foreign_models.py`` to see
which botocore models have which feature) and ``test_chosen_models_cover_every_feature``
keep that choice justified.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import importlib
import io
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import botocore.exceptions
import botocore.loaders
import botocore.model
import botocore.parsers
import botocore.serialize
import httpx
import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.response import StreamingBody
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st

import awsmith
import awsmith._core.transport.http
import codegen.__main__ as codegen_main
from codegen.generate import generate_package
from codegen.model import Member, ModelError, ServiceModel, Shape, load

UTC = dt.UTC
_LOADER = botocore.loaders.Loader()

# ----------------------------------------------------------------- feature scan


def model_features(raw: dict[str, Any]) -> set[str]:
    """The protocol features a botocore-format model uses."""
    shapes: dict[str, Any] = raw["shapes"]
    out = {"protocol:" + str(raw["metadata"].get("protocol"))}
    for spec in shapes.values():
        if spec.get("document"):
            out.add("document")
        if spec.get("union"):
            out.add("union")
        if spec["type"] in ("float", "double"):
            out.add("float")
        if spec.get("timestampFormat"):
            out.add("timestamp:" + spec["timestampFormat"])
        if spec.get("payload"):
            target = shapes[spec["members"][spec["payload"]]["shape"]]
            out.add("payload:" + target["type"])
        if spec.get("exception") and spec.get("members"):
            out.add("error-fields")
        if spec.get("sparse"):
            out.add("sparse:" + spec["type"])
        for member in spec.get("members", {}).values():
            target = shapes[member["shape"]]
            loc = member.get("location")
            if loc == "headers":
                out.add("prefix-headers")
            elif loc == "querystring":
                out.add("query:" + target["type"])
            elif loc == "header":
                out.add("header:" + target["type"])
            elif loc == "statusCode":
                out.add("status-code")
            if member.get("jsonvalue"):
                out.add("json-header")
            if member.get("hostLabel"):
                out.add("host-label")
            if member.get("idempotencyToken"):
                out.add("idempotency-token")
            if member.get("timestampFormat"):
                out.add("timestamp:" + member["timestampFormat"])
    for op in raw["operations"].values():
        uri = op.get("http", {}).get("requestUri", "/")
        if "+}" in uri:
            out.add("greedy-label")
        if "?" in uri:
            out.add("static-query")
        if op.get("endpoint", {}).get("hostPrefix"):
            out.add("host-prefix")
    return out


def find_models(feature: str) -> list[tuple[int, str]]:
    """(operation count, name) of every bundled json/rest-json model with ``feature``."""
    found = []
    for name in _LOADER.list_available_services("service-2"):
        raw = _LOADER.load_service_model(name, "service-2")
        if raw["metadata"].get("protocol") in ("json", "rest-json") and feature in model_features(
            raw
        ):
            found.append((len(raw["operations"]), name))
    return sorted(found)


#: Feature -> a small bundled model that has it (the smallest one find_models lists,
#: or one that also has other features).
REQUIRED = {
    "protocol:json": "freetier",
    "protocol:rest-json": "mediastore-data",
    "document": "inspector-scan",
    "union": "freetier",
    "float": "forecastquery",
    "greedy-label": "mediastore-data",
    "prefix-headers": "dataexchange",
    "json-header": "lex-runtime",
    "host-prefix": "neptune-graph",
    "host-label": "neptune-graph",
    "idempotency-token": "meteringmarketplace",
    "payload:blob": "mediastore-data",
    "payload:string": "dataexchange",
    "payload:structure": "polly",
    "query:list": "geo-maps",
    "query:map": "dataexchange",
    "query:float": "geo-maps",
    "query:boolean": "geo-maps",
    "query:timestamp": "signer-data",
    "header:timestamp": "mediastore-data",
    "header:long": "mediastore-data",
    "header:list": "polly",
    "timestamp:unixTimestamp": "braket",
    "timestamp:iso8601": "freetier",
    "status-code": "mediastore-data",
    "static-query": "cloudsearchdomain",
    "error-fields": "neptune-graph",
    "sparse:list": "rds-data",
}
MODELS = sorted(set(REQUIRED.values()))


def test_chosen_models_cover_every_feature() -> None:
    for feature, name in REQUIRED.items():
        raw = _LOADER.load_service_model(name, "service-2")
        assert feature in model_features(raw), (feature, name)


# ----------------------------------------------------------------- generation


def write_model(name: str, folder: Path) -> Path:
    raw = _LOADER.load_service_model(name, "service-2")
    with contextlib.suppress(botocore.exceptions.DataNotFoundError):
        raw["pagination"] = _LOADER.load_service_model(name, "paginators-1")["pagination"]
    path = folder / f"{name}.json"
    path.write_text(json.dumps(raw, indent=1, sort_keys=True), encoding="utf-8")
    return path


def pkg_name(name: str) -> str:
    return "foreign_" + re.sub(r"\W", "_", name)


class Generated:
    def __init__(self, name: str, model: ServiceModel, package: ModuleType) -> None:
        self.name = name
        self.model = model
        self.package = package
        self.shapes = importlib.import_module(package.__name__ + ".shapes")
        self.serde = importlib.import_module(package.__name__ + "._serde")
        self.errors = importlib.import_module(package.__name__ + ".errors")
        self.client_cls = getattr(package, model.client_name)
        raw = _LOADER.load_service_model(name, "service-2")
        self.boto = botocore.model.ServiceModel(raw, service_name=name)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Generated]]:
    root = tmp_path_factory.mktemp("foreign")
    models = root / "models"
    models.mkdir()
    out = root / "out"
    for name in MODELS:
        path = write_model(name, models)
        assert (
            codegen_main.main(
                ["--model", str(path), "--out", str(out), "--package", pkg_name(name)]
            )
            == 0
        )
    sys.path.insert(0, str(out))
    try:
        yield {
            name: Generated(
                name, load(models / f"{name}.json"), importlib.import_module(pkg_name(name))
            )
            for name in MODELS
        }
    finally:
        sys.path.remove(str(out))
        for mod in [m for m in sys.modules if m.startswith("foreign_")]:
            del sys.modules[mod]


# ----------------------------------------------------------------- values

_INT_TYPES = ("integer", "long", "short", "byte", "bigInteger")
_FLOAT_TYPES = ("float", "double", "bigDecimal")
TRICKY = "a b/c?d&e%f+g#h=ü~"
WHEN = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def _string_for(shape: Shape, member: Member | None, uri: str) -> str:
    if shape.enum:
        return shape.enum[0]
    loc = member.location if member else None
    if member is not None and loc == "uri" and "{" + member.location_name + "+}" in uri:
        candidates = ["dir/sub dir/file+ü.txt", "dir/file"]
    elif loc == "uri" or loc == "querystring":
        candidates = [TRICKY, "abc-123"]
    elif loc in ("header", "headers") or (member is not None and member.host_label):
        candidates = ["abc-123"]
    else:
        candidates = ["text ü/?&%+#", "abc-123"]
    candidates += ["a", "A1", "abc", "0", "arn:aws:service:us-east-1:123456789012:thing/abc"]
    lo = int(shape.min or 0)
    hi = int(shape.max) if shape.max is not None else None
    for text in candidates:
        if len(text) < lo:
            text = text + "x" * (lo - len(text))
        if hi is not None and len(text) > hi:
            text = text[:hi]
        if shape.pattern is None:
            return text
        try:
            if re.search(shape.pattern, text):
                return text
        except re.error:
            return text
    return _from_pattern(shape.pattern, lo, hi) or candidates[0]


_PATTERNS: dict[tuple[str, int, int | None], str | None] = {}


def _from_pattern(pattern: str, lo: int, hi: int | None) -> str | None:
    """The simplest string matching ``pattern`` within the length bounds (hypothesis)."""
    key = (pattern, lo, hi)
    if key not in _PATTERNS:
        try:
            _PATTERNS[key] = find(
                st.from_regex(pattern, fullmatch=True),
                lambda s: lo <= len(s) <= (hi if hi is not None else 1 << 30),
                settings=settings(
                    database=None,
                    derandomize=True,
                    max_examples=200,
                    phases=[Phase.generate],  # the first match, unshrunk: fast
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except Exception:  # an unsatisfiable or unsupported pattern
            _PATTERNS[key] = None
    return _PATTERNS[key]


def _flat(shape: Shape) -> bool:
    """A scalar, or a list of scalars: nothing in it can hold a structure."""
    if shape.type == "list":
        assert shape.member is not None
        return shape.member.type not in ("structure", "list", "map")
    return shape.type not in ("structure", "map")


class ValueMaker:
    """Builds the same input as a botocore params dict and as generated attrs objects."""

    def __init__(self, gen: Generated, uri: str) -> None:
        self.gen = gen
        self.uri = uri
        self.floats = 0

    def struct(self, shape: Shape, depth: int) -> tuple[dict[str, Any], Any]:
        if depth > 6:
            raise RecursionError(shape.name)
        boto: dict[str, Any] = {}
        ours: dict[str, Any] = {}
        members = shape.members
        if shape.is_union:
            # Deep down, a member that cannot lead back here (rds-data's ArrayValue holds
            # lists of ArrayValue): a scalar, or a list of scalars.
            flat = [m for m in members if _flat(m.shape)] if depth >= 3 else []
            members = (flat or members)[:1]
        elif depth >= 3:
            members = [m for m in members if m.required]
        for m in members:
            if m.location == "statusCode":
                boto[m.name] = ours[m.py_name] = 200
                continue
            b, o = self.value(m.shape, m, depth + 1)
            boto[m.name] = b
            ours[m.py_name] = o
        return boto, getattr(self.gen.shapes, shape.class_name)(**ours)

    def value(self, shape: Shape, member: Member | None, depth: int) -> tuple[Any, Any]:
        t = shape.type
        loc = member.location if member else None
        if member is not None and member.json_value:
            doc = {"a": 1, "b": [True, "ü"]}
            return doc, doc
        if t == "structure" and shape.is_document:
            doc = {"k": [1, "two", True, None, {"n": 1.5}]}
            return doc, doc
        if t == "structure":
            return self.struct(shape, depth)
        if t == "list":
            assert shape.member is not None
            count = min(max(int(shape.min or 0), 2), int(shape.max or 2))
            items = [self.value(shape.member, None, depth + 1) for _ in range(count)]
            if shape.sparse and loc is None:  # a null item keeps its place in the body
                items[0] = (None, None)
            return [b for b, _ in items], [o for _, o in items]
        if t == "map":
            assert shape.key is not None and shape.value is not None
            key = _string_for(shape.key, None, self.uri)
            if loc == "headers":
                # Lower case: httpx.Headers (the HttpxSender) lower-cases names while
                # the default sender keeps them, so the suffix's case depends on the
                # transport.
                key = "meta-key"
            b, o = self.value(shape.value, member if loc == "headers" else None, depth + 1)
            return {key: b}, {key: o}
        if t == "string":
            text = _string_for(shape, member, self.uri)
            return text, (getattr(self.gen.shapes, shape.class_name)(text) if shape.enum else text)
        if t == "boolean":
            return True, True
        if t in _INT_TYPES:
            lo = int(shape.min) if shape.min is not None else 0
            hi = int(shape.max) if shape.max is not None else 1 << 40
            n = max(lo, min(hi, 7))
            return n, n
        if t in _FLOAT_TYPES:
            unbounded = shape.min is None and shape.max is None and loc is None
            self.floats += 1
            if unbounded and self.floats % 2 == 0:
                special = [math.inf, -math.inf, math.nan][(self.floats // 2) % 3]
                return special, special
            lo = shape.min if shape.min is not None else 0.0
            hi = shape.max if shape.max is not None else 1e9
            f = max(lo, min(hi, 2.5))
            return f, f
        if t == "timestamp":
            return WHEN, WHEN
        if t == "blob":
            data = b"\x00\x01bin\xff payload"
            return data, data
        raise AssertionError(f"unexpected shape type {t}")


def _header_items(headers: Any) -> dict[str, str]:
    return {k.lower(): str(v) for k, v in dict(headers).items()}


def _body_value(body: Any) -> Any:
    if isinstance(body, str):
        body = body.encode()
    if not body:
        return b""
    try:
        return json.loads(body)
    except ValueError:
        return body


def _nan_safe(value: Any) -> Any:
    """NaN != NaN: compare floats by repr."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {k: _nan_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_safe(v) for v in value]
    return value


def _raw_payload_type(op: Any) -> str | None:
    """``blob`` or ``string`` when the operation's input payload is raw bytes or text."""
    shape = op.input
    if shape is None or shape.payload is None:
        return None
    kind = shape.member_by_name(shape.payload).shape.type
    return kind if kind in ("blob", "string") else None


def boto_request(gen: Generated, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
    op_model = gen.boto.operation_model(op_name)
    serializer = botocore.serialize.create_serializer(gen.boto.metadata["protocol"], True)
    request = serializer.serialize_to_request(params, op_model)
    prepare_request_dict(request, endpoint_url="https://host.example")
    return request


def compare_serializers(gen: Generated) -> int:
    compared = 0
    for op in gen.model.operations:
        maker = ValueMaker(gen, op.request_uri)
        if op.input is None:
            params: dict[str, Any] = {}
            ours_in: Any = None
        else:
            params, ours_in = maker.struct(op.input, 0)
        ours = getattr(gen.serde, f"serialize_{op.py_name}")(ours_in)
        theirs = boto_request(gen, op.name, params)
        where = f"{gen.name}.{op.name}"
        assert ours.method == theirs["method"], where
        url = urlsplit(theirs["url"])
        assert ours.path == url.path, where
        assert sorted(ours.query) == sorted(parse_qsl(url.query, keep_blank_values=True)), where
        assert ours.host_prefix == theirs.get("host_prefix", ""), where
        their_headers = _header_items(theirs["headers"])
        our_headers = _header_items(ours.headers)
        if not ours.body:
            # botocore sends an explicit Content-Type on empty rest-json bodies of some
            # operations; nothing reads it without a body.
            their_headers.pop("content-type", None)
            our_headers.pop("content-type", None)
        raw = _raw_payload_type(op)
        if raw is not None and ours.body and "content-type" not in their_headers:
            # botocore sends a raw (blob, string) payload without a Content-Type, and its
            # protocol-test runner ignores the header the AWS protocol tests expect;
            # awsmith sends the one they expect.
            want = "application/octet-stream" if raw == "blob" else "text/plain"
            assert our_headers.pop("content-type") == want, where
        assert our_headers == their_headers, where
        assert _nan_safe(_body_value(ours.body)) == _nan_safe(_body_value(theirs["body"])), where
        compared += 1
    return compared


@pytest.mark.parametrize("name", MODELS)
def test_serializers_match_botocore(generated: dict[str, Generated], name: str) -> None:
    gen = generated[name]
    assert compare_serializers(gen) == len(gen.model.operations) > 0


# ----------------------------------------------------------------- responses


def _wire_scalar(shape: Shape, member: Member | None, value: Any) -> Any:
    t = shape.type
    if t == "timestamp":
        fmt = (member.timestamp_format if member else None) or shape.timestamp_format
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if fmt == "iso8601" else value.timestamp()
    if t == "blob":
        return base64.b64encode(value).decode()
    if t in _FLOAT_TYPES and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def to_wire(shape: Shape, member: Member | None, value: Any) -> Any:
    """The JSON wire form of a botocore-style value (what a service would send)."""
    if shape.type == "structure" and not shape.is_document:
        return {
            m.location_name: to_wire(m.shape, m, value[m.name])
            for m in shape.members
            if m.name in value
        }
    if shape.type == "list":
        assert shape.member is not None
        return [to_wire(shape.member, None, v) for v in value]
    if shape.type == "map":
        assert shape.value is not None
        return {k: to_wire(shape.value, None, v) for k, v in value.items()}
    return _wire_scalar(shape, member, value)


def response_for(
    gen: Generated, op_name: str, output: Shape, value: dict[str, Any]
) -> tuple[dict[str, str], bytes]:
    headers: dict[str, str] = {}
    body_fields: dict[str, Any] = {}
    body = b""
    for m in output.members:
        if m.name not in value:
            continue
        v = value[m.name]
        if m.location == "header":
            if m.json_value:
                headers[m.location_name] = base64.b64encode(json.dumps(v).encode()).decode()
            elif m.shape.type == "timestamp":
                fmt = m.timestamp_format or "rfc822"
                headers[m.location_name] = (
                    v.strftime("%a, %d %b %Y %H:%M:%S GMT") if fmt == "rfc822" else v.isoformat()
                )
            elif m.shape.type == "list":
                headers[m.location_name] = ",".join(str(x) for x in v)
            elif m.shape.type == "boolean":
                headers[m.location_name] = "true" if v else "false"
            else:
                headers[m.location_name] = str(v)
        elif m.location == "headers":
            for k, item in v.items():
                headers[m.location_name + k] = item
        elif m.location == "statusCode":
            continue
        elif output.payload == m.name:
            if m.shape.type == "blob":
                body = v
            elif m.shape.type == "string":
                body = v.encode()
            else:
                body = json.dumps(to_wire(m.shape, m, v)).encode()
        else:
            body_fields[m.location_name] = to_wire(m.shape, m, v)
    if output.payload is None:
        body = json.dumps(body_fields).encode()
    return headers, body


def to_boto_style(shape: Shape, value: Any) -> Any:
    """A generated attrs value -> the dict botocore's parser returns."""
    if value is None:
        return None
    if shape.type == "structure" and not shape.is_document:
        out = {}
        for m in shape.members:
            v = getattr(value, m.py_name)
            if v is not None:
                out[m.name] = v if m.json_value else to_boto_style(m.shape, v)
        return out
    if shape.type == "list":
        assert shape.member is not None
        return [to_boto_style(shape.member, v) for v in value]
    if shape.type == "map":
        assert shape.value is not None
        return {str(k): to_boto_style(shape.value, v) for k, v in value.items()}
    if shape.enum:
        return str(value)
    return value


def _normalize_boto(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalize_boto(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_normalize_boto(v) for v in value]
    if hasattr(value, "read"):  # a StreamingBody
        return value.read()
    if value in ("NaN", "Infinity", "-Infinity"):  # botocore leaves these as strings
        return repr(float(value))
    return _nan_safe(value)


@pytest.mark.parametrize("name", MODELS)
def test_parsers_match_botocore(generated: dict[str, Generated], name: str) -> None:
    gen = generated[name]
    protocol = gen.boto.metadata["protocol"]
    parsed = 0
    for op in gen.model.operations:
        if op.output is None:
            continue
        op_model = gen.boto.operation_model(op.name)
        if op_model.has_event_stream_output:
            continue  # event streams are not part of the generated protocol support
        value, _ = ValueMaker(gen, "").struct(op.output, 0)
        headers, body = response_for(gen, op.name, op.output, value)
        their_body: Any = body
        if op.output.payload and op.output.member_by_name(op.output.payload).shape.type == "blob":
            their_body = StreamingBody(io.BytesIO(body), len(body))  # as botocore's endpoint
        theirs = botocore.parsers.create_parser(protocol).parse(
            {"status_code": op.response_code, "headers": headers, "body": their_body},
            op_model.output_shape,
        )
        ours = getattr(gen.serde, f"parse_{op.py_name}")(
            awsmith._core.transport.http.TransportResponse(op.response_code, httpx.Headers(headers), body)
        )
        assert _nan_safe(to_boto_style(op.output, ours)) == _normalize_boto(theirs), (
            f"{name}.{op.name}"
        )
        parsed += 1
    assert parsed > 0


# ----------------------------------------------------------------- calls


CREDS = awsmith.Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")


def _invalid(gen: Generated, op_name: str, request: Any) -> str | None:
    """Why the generated validator refuses ``request`` (None: it is valid)."""
    try:
        getattr(gen.serde, op_name.upper()).validate(request)
    except awsmith.ParamValidationError as exc:
        return str(exc)
    return None


#: Operations whose generated input the validator refuses, by model: the member whose
#: pattern no value can match. Anything else refused fails the test (it used to be
#: skipped silently, so a validator refusing valid input went unseen).
UNSATISFIABLE: dict[str, dict[str, str]] = {
    # ".*/^[\d]{12}$/.*": "^" after a "/" (and "$" before one) cannot match without
    # MULTILINE, in Python's re as in ECMAScript's: the pattern as the model has it.
    "dataexchange": {
        "CreateJob": "details.import_assets_from_lake_formation_tag_policy.catalog_id"
    },
}


@pytest.mark.parametrize("name", MODELS)
def test_calls_through_the_client(generated: dict[str, Generated], name: str) -> None:
    gen = generated[name]
    seen: list[httpx.Request] = []
    responses: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, headers, body = responses["next"]
        return httpx.Response(status, headers=headers, content=body)

    refused: dict[str, str] = {}

    async def main() -> int:
        calls = 0
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = gen.client_cls(
                region="us-west-2",
                endpoint_url="https://svc.example",
                credentials=CREDS,
                http_client=http,
            )
            async with client:
                for op in gen.model.operations:
                    if gen.boto.operation_model(op.name).has_event_stream_output:
                        continue
                    maker = ValueMaker(gen, op.request_uri)
                    request = maker.struct(op.input, 0)[1] if op.input else None
                    why = _invalid(gen, op.py_name, request) if request is not None else None
                    if why is not None:
                        refused[op.name] = why
                        continue
                    expected = getattr(gen.serde, f"serialize_{op.py_name}")(request)
                    if op.output is not None:
                        value, _ = ValueMaker(gen, "").struct(op.output, 0)
                        headers, body = response_for(gen, op.name, op.output, value)
                    else:
                        headers, body = {}, b""
                    responses["next"] = (op.response_code, headers, body)
                    kwargs = {
                        m.py_name: getattr(request, m.py_name)
                        for m in (op.input.members if op.input else [])
                    }
                    result = await getattr(client, op.py_name)(**kwargs)
                    sent = seen[-1]
                    assert sent.method == op.method, op.name
                    assert sent.url.host == expected.host_prefix + "svc.example", op.name
                    assert sent.url.raw_path.split(b"?")[0].decode() == expected.path, op.name
                    assert sent.content == expected.body, op.name
                    assert sent.headers["authorization"].startswith(
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
                    ), op.name
                    if op.output is None:
                        assert result is None
                    else:
                        assert type(result).__name__ == op.output.class_name
                    calls += 1
        return calls

    calls = anyio.run(main)
    unsatisfiable = UNSATISFIABLE.get(name, {})
    assert set(refused) == set(unsatisfiable)
    for op_name, member in unsatisfiable.items():
        assert refused[op_name].startswith(f"Invalid value for '{member}': "), refused[op_name]
        assert "does not match the pattern" in refused[op_name]
    assert calls + len(refused) == sum(
        1 for op in gen.model.operations if not gen.boto.operation_model(op.name).has_event_stream_output
    )


def _error_shape(generated: dict[str, Generated]) -> tuple[Generated, Shape, Member]:
    """A modeled error with a string field besides its message."""
    for name in MODELS:
        for shape in generated[name].model.shapes.values():
            for m in shape.members:
                if (
                    shape.is_exception
                    and m.location is None
                    and m.shape.type == "string"
                    and m.name.lower() != "message"
                ):
                    return generated[name], shape, m
    raise AssertionError("no error shape with a string field")


@pytest.mark.parametrize(
    ("where", "form"),
    [
        ("header", "{code}:http://internal.amazon.com/coral/com.amazonaws.x/"),
        ("__type", "com.amazonaws.service#{code}"),
        ("code", "{code}"),
    ],
)
def test_error_codes_in_every_wire_form(
    generated: dict[str, Generated], where: str, form: str
) -> None:
    gen, shape, field = _error_shape(generated)
    code = (shape.raw.get("error") or {}).get("code", shape.name)
    body: dict[str, Any] = {"message": "nope", field.location_name: "field-value"}
    headers = {"x-amzn-RequestId": "req-1"}
    if where == "header":
        headers["x-amzn-ErrorType"] = form.format(code=code)
    else:
        body[where] = form.format(code=code)
    op = gen.model.operations[0]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, headers=headers, content=json.dumps(body).encode())

    async def main() -> None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            gen.client_cls(
                region="us-east-1",
                endpoint_url="https://svc.example",
                credentials=CREDS,
                http_client=http,
            ) as client,
        ):
            request = ValueMaker(gen, op.request_uri).struct(op.input, 0)[1] if op.input else None
            kwargs = {
                m.py_name: getattr(request, m.py_name)
                for m in (op.input.members if op.input else [])
            }
            with pytest.raises(getattr(gen.errors, shape.class_name)) as info:
                await getattr(client, op.py_name)(**kwargs)
            err = info.value
            assert err.code == code
            assert err.message == "nope"
            assert err.status_code == 400
            assert err.request_id == "req-1"
            assert getattr(err, field.py_name) == "field-value"

    anyio.run(main)


# ----------------------------------------------------------------- generator properties


def test_generation_is_deterministic(tmp_path: Path) -> None:
    path = write_model("neptune-graph", tmp_path)
    first = generate_package(path, "det_pkg")
    second = generate_package(path, "det_pkg")
    assert first == second
    assert set(first) == {"__init__.py", "shapes.py", "errors.py", "_serde.py", "_interchange.py", "client.py"}


def test_check_mode_detects_stale_and_fresh_output(tmp_path: Path) -> None:
    path = write_model("meteringmarketplace", tmp_path)
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "codegen",
        "--model",
        str(path),
        "--out",
        str(out),
        "--package",
        "chk.pkg",
    ]
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    fresh = subprocess.run([*cmd, "--check"], cwd=root, capture_output=True, text=True, check=False)
    assert fresh.returncode == 0, fresh.stderr
    assert "1 package(s) up to date" in fresh.stdout
    client = out / "chk" / "pkg" / "client.py"
    client.write_text(client.read_text() + "# edited\n")
    stale = subprocess.run([*cmd, "--check"], cwd=root, capture_output=True, text=True, check=False)
    assert stale.returncode == 1
    assert "stale" in stale.stderr and str(client) in stale.stderr
    assert client.read_text().endswith("# edited\n")  # --check never writes


@pytest.mark.parametrize(
    ("name", "protocol"), [("sqs", "query"), ("route53", "rest-xml"), ("ec2", "ec2")]
)
def test_unsupported_protocol_is_a_clear_error(
    tmp_path: Path, name: str, protocol: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = copy.deepcopy(_LOADER.load_service_model(name, "service-2"))  # the loader caches it
    raw["metadata"]["protocol"] = protocol
    raw["metadata"].pop("protocols", None)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(
        ModelError, match=rf"protocol '{protocol}' is not supported \(supported: json, rest-json\)"
    ):
        load(path)
    assert codegen_main.main(["--model", str(path), "--out", str(tmp_path), "--package", "x"]) == 2
    assert f"protocol '{protocol}' is not supported" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_unknown_shape_reference_names_the_shape(tmp_path: Path) -> None:
    # a copy: the loader caches the model it returns, and other tests read it
    raw = copy.deepcopy(_LOADER.load_service_model("meteringmarketplace", "service-2"))
    raw["shapes"]["MeterUsageRequest"]["members"]["ProductCode"]["shape"] = "NoSuchShape"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ModelError) as info:
        load(path)
    assert str(info.value) == (
        f"{path}: shape MeterUsageRequest.ProductCode refers to the unknown shape 'NoSuchShape'"
    )


if __name__ == "__main__":  # prints the models having each feature
    for feature in sorted(REQUIRED):
        print(feature, find_models(feature)[:8])


def test_operation_endpoint_params_pick_the_endpoint(generated: dict[str, Generated]) -> None:
    """neptune-graph's rules need each operation's ``ApiType`` (staticContextParams): the
    client resolves per operation, to the hosts botocore's own rules give."""
    from botocore.endpoint_provider import EndpointProvider

    gen = generated["neptune-graph"]
    provider = EndpointProvider(
        _LOADER.load_service_model("neptune-graph", "endpoint-rule-set-1"),
        _LOADER.load_data("partitions"),
    )
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"graphs": []})

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = gen.client_cls(region="us-west-2", credentials=CREDS, http_client=http)
            async with client:
                assert client.endpoint is None  # the rules need an operation's ApiType
                await client.list_graphs()
                await client.list_graphs()

    anyio.run(main)
    want = provider.resolve_endpoint(Region="us-west-2", UseFIPS=False, UseDualStack=False, ApiType="ControlPlane")
    assert [str(r.url).split("?")[0] for r in seen] == [want.url + "/graphs"] * 2
