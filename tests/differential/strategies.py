"""Hypothesis strategies built from models/*.json, for the differential tests.

Two kinds of data are generated, both walking our model and botocore's bundled model
side by side so that only members present in BOTH are generated (members only one
model has, e.g. ones AWS added that the model does not have yet, are never produced):

- request parameters in the model's own form (camelCase member names, ``str``, ``int``,
  ``float``, ``bool``, aware ``datetime``, ``bytes``, lists, dicts): botocore's
  serializer takes them as they are, :func:`to_awsmith` turns them into the generated
  attrs request objects;
- response data in wire form (JSON-ready values, timestamps in the several wire forms,
  base64 blobs), which both parsers receive byte for byte.

The walker reads the raw model JSON itself (not ``codegen.model``) so a bug in the
generator's model loader cannot hide in both sides of a comparison.
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
import keyword
import os
import re
import string
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import botocore
import botocore.loaders
import botocore.model
from botocore import xform_name
from hypothesis import strategies as st

from awsmith._core.validation import python_pattern
from codegen.services import SERVICES

JSON = dict[str, Any]
Strategy = st.SearchStrategy[Any]

MODELS = Path(__file__).resolve().parents[2] / "models"
#: Examples per operation and test; raise it locally for a deeper search.
EXAMPLES = int(os.environ.get("AWSMITH_DIFF_EXAMPLES", "30"))
NAMESPACES = {
    "support": "com.amazonaws.support",
    "codeguruprofiler": "com.amazonaws.codeguruprofiler",
}

#: Characters every generated free-text string draws from often: the URI/query
#: delimiters that must be percent-encoded, plus a few that must NOT be.
SPECIAL = "/?&%+#:= ~"
_TEXT_CHARS = st.one_of(
    st.sampled_from(SPECIAL + "aZ09-_.*'()!$,;@[]\"\\<>^`{|}\t"),
    st.characters(codec="utf-8"),  # any Unicode scalar value (no lone surrogates)
)
#: Header values: visible ASCII and spaces (HTTP cannot carry more).
_HEADER_CHARS = st.sampled_from(string.ascii_letters + string.digits + string.punctuation + " ")

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
_TIMEZONES = (
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(-timedelta(hours=8)),
    timezone(timedelta(hours=14)),
)
_TS_MIN = datetime(1970, 1, 2)
_TS_MAX = datetime(2200, 1, 1)


class AsEnum(str):
    """An enum value awsmith receives as its generated enum class (botocore: as str)."""


# ---------------------------------------------------------------- models


@functools.cache
def our_model(service: str) -> JSON:
    result: JSON = json.loads((MODELS / f"{service}.json").read_text(encoding="utf-8"))
    return result


@functools.cache
def botocore_model(service: str) -> Any:
    loader = botocore.loaders.create_loader()
    return botocore.model.ServiceModel(loader.load_service_model(service, "service-2"), service)


#: The installed botocore's version, as numbers.
BOTOCORE = tuple(int(part) for part in botocore.__version__.split(".")[:3])


@attrs.frozen
class Lacking:
    """What botocore's bundled model of a service lacks that ours has. The differential
    tests compare only what both have: an operation, an error shape our operations name,
    a member of a structure both models have. :func:`expected_lacking` says what the
    botocore of each version lacks (tests/differential/test_botocore_versions.py)."""

    operations: frozenset[str] = frozenset()
    errors: frozenset[str] = frozenset()
    members: frozenset[str] = frozenset()  # "Shape.member"


@functools.cache
def botocore_lacks(service: str) -> Lacking:
    """What the installed botocore's bundled model of ``service`` lacks."""
    ours, theirs = our_model(service), botocore_model(service)
    named = {e["shape"] for spec in ours["operations"].values() for e in spec.get("errors", [])}
    return Lacking(
        operations=frozenset(set(ours["operations"]) - set(theirs.operation_names)),
        errors=frozenset(named - set(theirs.shape_names)),
        members=frozenset(
            f"{name}.{member}"
            for name, spec in ours["shapes"].items()
            if spec["type"] == "structure" and name in theirs.shape_names
            for member in spec.get("members", {})
            if member not in theirs.shape_for(name).members
        ),
    )


#: AWS Support's model grew twice within the botocore versions awsmith supports
#: (pyproject's lower bound, 1.29.61, to the locked one). botocore 1.29.133 added
#: DescribeCreateCaseOptions, DescribeSupportedLanguages and ThrottlingException; a
#: release after 1.43.67 and no later than 1.43.127 added attachment uploads (four
#: operations, UploadIdNotFound), ``dryRun`` (DryRunOperationException) and
#: ThrottlingException's ``throttlingReasons``. CodeGuru Profiler's has not changed.
_DRY_RUN = frozenset(
    f"{request}.dryRun"
    for request in (
        "AddAttachmentsToSetRequest", "AddCommunicationToCaseRequest", "CreateCaseRequest",
        "DescribeAttachmentRequest", "DescribeCasesRequest", "DescribeCommunicationsRequest",
        "DescribeServicesRequest", "DescribeSeverityLevelsRequest", "ResolveCaseRequest",
    )
)
_UPLOADS = Lacking(
    operations=frozenset(
        {"CompleteAttachmentUpload", "DescribeAttachmentUploadStatus",
         "GetAttachmentDownloadLink", "GetAttachmentUploadLinks"}
    ),
    errors=frozenset({"DryRunOperationException", "UploadIdNotFound"}),
    members=_DRY_RUN
    | {
        "DescribeCreateCaseOptionsRequest.dryRun",
        "DescribeSupportedLanguagesRequest.dryRun",
        "AddCommunicationToCaseRequest.uploadIds",
        "CreateCaseRequest.uploadIds",
        "Communication.attachments",
        "ThrottlingException.throttlingReasons",
    },
)
_BEFORE_1_29_133 = Lacking(
    operations=_UPLOADS.operations | {"DescribeCreateCaseOptions", "DescribeSupportedLanguages"},
    errors=_UPLOADS.errors | {"ThrottlingException"},
    members=_DRY_RUN
    | {"AddCommunicationToCaseRequest.uploadIds", "CreateCaseRequest.uploadIds", "Communication.attachments"},
)


def expected_lacking(service: str, version: tuple[int, ...]) -> tuple[Lacking, ...]:
    """What the botocore of ``version`` may lack of ``service``: one answer, or two
    between 1.43.67 and 1.43.127, where it is not known which release added uploads."""
    if service != "support" or version >= (1, 43, 127):
        return (Lacking(),)
    if version < (1, 29, 133):
        return (_BEFORE_1_29_133,)
    if version <= (1, 43, 67):
        return (_UPLOADS,)
    return (_UPLOADS, Lacking())


def compared_operations() -> list[tuple[str, str]]:
    """(service, operation) of every operation both our model and botocore's have."""
    return [(s, op) for s, op in all_operations() if op not in botocore_lacks(s).operations]


def botocore_shape(service: str, name: str) -> Any:
    """botocore's shape ``name`` from its bundled model; from ours (botocore reads our
    model's format) where the installed botocore lacks it, for the generators only."""
    if name in botocore_model(service).shape_names:
        return botocore_model(service).shape_for(name)
    return botocore_model_of_ours(service).shape_for(name)


@functools.cache
def botocore_model_of_ours(service: str) -> Any:
    """botocore's ServiceModel of OUR models/<service>.json (they are in botocore's
    format): botocore's parser and awsmith's then read the same model, so any
    difference is the parsers'."""
    return botocore.model.ServiceModel(our_model(service), service)


def protocol(service: str) -> str:
    return str(our_model(service)["metadata"]["protocol"])


def operations(service: str) -> list[str]:
    return sorted(our_model(service)["operations"])


def all_operations() -> list[tuple[str, str]]:
    return [(s, op) for s in SERVICES for op in operations(s)]


def op_spec(service: str, op: str) -> JSON:
    result: JSON = our_model(service)["operations"][op]
    return result


def shape(service: str, name: str) -> JSON:
    result: JSON = our_model(service)["shapes"][name]
    return result


def snake(name: str) -> str:
    """The Python name of a member: botocore's xform_name, keywords get a ``_``."""
    out = str(xform_name(name)).replace("-", "_")
    return out + "_" if keyword.iskeyword(out) or out in ("self", "cls") else out


def base_error_name(service: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", our_model(service)["metadata"]["serviceId"]) + "Error"


def shapes_module(service: str) -> ModuleType:
    return importlib.import_module(f"awsmith.{service}.shapes")


def serde_module(service: str) -> ModuleType:
    return importlib.import_module(f"awsmith.{service}._serde")


def errors_module(service: str) -> ModuleType:
    return importlib.import_module(f"awsmith.{service}.errors")


def common_members(service: str, ours: JSON, theirs: Any) -> list[tuple[str, JSON]]:
    """(name, member spec) of the structure's members that both models have."""
    return [(n, m) for n, m in sorted(ours.get("members", {}).items()) if n in theirs.members]


# ---------------------------------------------------------------- scalars


def _length_bounds(spec: JSON, default_max: int) -> tuple[int, int]:
    lo = int(spec.get("min", 0))
    hi = int(spec["max"]) if "max" in spec else lo + default_max
    return lo, min(hi, lo + default_max)


def text(spec: JSON, *, header: bool = False, label: bool = False) -> Strategy:
    """A string obeying the shape's min/max/pattern; free text is full of SPECIAL chars."""
    lo, hi = _length_bounds(spec, 12)
    strategy: st.SearchStrategy[str]
    if "pattern" in spec:
        # The service's pattern semantics (ASCII \w, $ only at the very end), as
        # awsmith's validators compile them.
        compiled = re.compile(python_pattern(str(spec["pattern"])), re.ASCII)
        strategy = st.from_regex(compiled).filter(
            lambda s: lo <= len(s) <= int(spec.get("max", 10**9))
        )
    elif header:
        strategy = st.text(_HEADER_CHARS, min_size=max(lo, 1), max_size=max(hi, 1))
        # A header value with outer whitespace is not what a server would see.
        strategy = strategy.map(str.strip).filter(lambda s: lo <= len(s) and s != "")
    else:
        strategy = st.text(_TEXT_CHARS, min_size=lo, max_size=hi)
    if label:
        # "", "." and ".." would change the path: awsmith refuses them (see
        # test_serialize_diff.test_dot_labels_are_refused); they are not valid input.
        strategy = strategy.filter(lambda s: s not in ("", ".", ".."))
    return strategy


def input_timestamps() -> Strategy:
    return st.datetimes(_TS_MIN, _TS_MAX, timezones=st.sampled_from(_TIMEZONES))


def wire_timestamps() -> Strategy:
    """A timestamp in one of the forms services send in JSON bodies."""
    moments = st.datetimes(_TS_MIN, _TS_MAX, timezones=st.just(UTC))
    millis = moments.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
    return st.one_of(
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")),
        millis.map(lambda d: d.isoformat(timespec="milliseconds").replace("+00:00", "Z")),
        st.tuples(moments, st.sampled_from(_TIMEZONES)).map(
            lambda p: p[0].astimezone(p[1]).isoformat()
        ),
        moments.map(lambda d: int(d.timestamp())),
        millis.map(lambda d: round(d.timestamp(), 3)),
        st.floats(86400.0, 7e9),  # epoch seconds with any fraction
        moments.map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),  # HTTP date
    )


def _int_bounds(spec: JSON) -> tuple[int, int]:
    lo, hi = INT64 if spec["type"] == "long" else INT32
    return int(spec.get("min", lo)), int(spec.get("max", hi))


# ---------------------------------------------------------------- request params


def input_value(service: str, name: str, theirs: Any, *, location: str | None = None) -> Strategy:
    """Request parameter value (model form) for shape ``name``."""
    spec = shape(service, name)
    kind = spec["type"]
    if kind == "structure":
        required: dict[str, Strategy] = {}
        optional: dict[str, Strategy] = {}
        needed = set(spec.get("required", []))
        for mname, m in common_members(service, spec, theirs):
            value = input_value(
                service, m["shape"], theirs.members[mname], location=m.get("location")
            )
            (required if mname in needed else optional)[mname] = value
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        lo, hi = _length_bounds(spec, 3)
        item = input_value(service, spec["member"]["shape"], theirs.member)
        return st.lists(item, min_size=lo, max_size=hi)
    if kind == "map":
        lo, hi = _length_bounds(spec, 3)
        key = input_value(service, spec["key"]["shape"], theirs.key)
        value = input_value(service, spec["value"]["shape"], theirs.value)
        return st.dictionaries(key, value, min_size=lo, max_size=hi)
    if kind == "string":
        if "enum" in spec:
            return st.sampled_from(spec["enum"]).flatmap(lambda v: st.sampled_from([v, AsEnum(v)]))
        return text(spec, header=location == "header", label=location == "uri")
    if kind in ("integer", "long"):
        return st.integers(*_int_bounds(spec))
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(spec.get("min"), spec.get("max"), allow_nan=False, allow_infinity=False)
    if kind == "timestamp":
        return input_timestamps()
    if kind == "blob":
        return st.binary(max_size=48)
    raise NotImplementedError(f"{service}: shape {name} of type {kind}")


def input_params(service: str, op: str) -> Strategy:
    """Parameters of ``op``'s input (model form), only members both models have."""
    op_model = botocore_model(service).operation_model(op)
    return input_value(service, op_spec(service, op)["input"]["shape"], op_model.input_shape)


def plain(value: Any) -> Any:
    """Model-form params for botocore: AsEnum markers become plain str."""
    if isinstance(value, AsEnum):
        return str(value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def to_awsmith(service: str, name: str, value: Any) -> Any:
    """Model-form value -> the generated attrs objects / enum members awsmith takes."""
    spec = shape(service, name)
    kind = spec["type"]
    if kind == "structure":
        cls = getattr(shapes_module(service), name)
        members = spec["members"]
        return cls(
            **{snake(k): to_awsmith(service, members[k]["shape"], v) for k, v in value.items()}
        )
    if kind == "list":
        return [to_awsmith(service, spec["member"]["shape"], v) for v in value]
    if kind == "map":
        return {
            to_awsmith(service, spec["key"]["shape"], k): to_awsmith(
                service, spec["value"]["shape"], v
            )
            for k, v in value.items()
        }
    if isinstance(value, AsEnum):
        return getattr(shapes_module(service), name)(str(value))
    return value


# ---------------------------------------------------------------- response data


@attrs.frozen
class WireResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def output_value(service: str, name: str, theirs: Any, *, location: str | None = None) -> Strategy:
    """A wire (JSON-ready) value of shape ``name`` as a service would send it."""
    spec = shape(service, name)
    kind = spec["type"]
    if kind == "structure":
        required: dict[str, Strategy] = {}
        optional: dict[str, Strategy] = {}
        needed = set(spec.get("required", []))
        for mname, m in common_members(service, spec, theirs):
            if m.get("location"):
                continue  # header/status members are not in the body
            value = output_value(service, m["shape"], theirs.members[mname])
            wire = m.get("locationName", mname)
            if mname in needed:
                required[wire] = value
            else:
                # An optional member may also come as JSON null (= absent).
                optional[wire] = st.one_of(value, st.none())
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        return st.lists(output_value(service, spec["member"]["shape"], theirs.member), max_size=3)
    if kind == "map":
        key = output_value(service, spec["key"]["shape"], theirs.key)
        value = output_value(service, spec["value"]["shape"], theirs.value)
        return st.dictionaries(key, value, max_size=3)
    if kind == "string":
        if location == "header":
            return text({}, header=True)
        free = st.text(_TEXT_CHARS, max_size=12)
        if "enum" in spec:
            # Unknown values from the service are kept by awsmith, as by botocore.
            return st.one_of(st.sampled_from(spec["enum"]), free)
        return free
    if kind in ("integer", "long"):
        lo, hi = INT64 if kind == "long" else INT32
        return st.integers(lo, hi)
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.one_of(
            st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53)
        )
    if kind == "timestamp":
        return wire_timestamps()
    if kind == "blob":
        return st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode("ascii"))
    raise NotImplementedError(f"{service}: shape {name} of type {kind}")


def _json_body(value: Any) -> Strategy:
    """The JSON bytes of ``value``, ASCII-escaped or raw UTF-8, and for an object
    sometimes with a member neither model knows (services add members over time)."""
    noise = st.none()
    if isinstance(value, dict):
        noise = st.one_of(st.none(), st.tuples(st.just("unmodeledMemberé"), st.text(max_size=5)))
    return st.tuples(st.booleans(), noise).map(
        lambda p: json.dumps(
            value if p[1] is None else {**value, p[1][0]: p[1][1]}, ensure_ascii=p[0]
        ).encode()
    )


_REQUEST_IDS = st.uuids().map(str)


def _response_start(draw: st.DrawFn, service: str, op: str) -> tuple[int, dict[str, str], str]:
    """A successful response's status, its first headers, and the output shape's name."""
    spec = op_spec(service, op)
    headers = {"x-amzn-RequestId": draw(_REQUEST_IDS)}
    return int(spec["http"].get("responseCode", 200)), headers, spec["output"]["shape"]


@st.composite
def responses(draw: st.DrawFn, service: str, op: str) -> WireResponse:
    """A successful response of ``op`` on the wire."""
    status, headers, out_name = _response_start(draw, service, op)
    out = shape(service, out_name)
    theirs = botocore_model(service).operation_model(op).output_shape
    if protocol(service) == "json":
        headers["Content-Type"] = "application/x-amz-json-1.1"
        body = draw(output_value(service, out_name, theirs).flatmap(_json_body))
        return WireResponse(status, headers, body)
    payload = out.get("payload")
    body_members: dict[str, JSON] = {}
    needed = set(out.get("required", []))
    body = b""
    for mname, m in common_members(service, out, theirs):
        if m.get("location") == "header":
            if mname in needed or draw(st.booleans()):
                headers[m.get("locationName", mname)] = draw(
                    output_value(service, m["shape"], theirs.members[mname], location="header")
                )
        elif mname == payload:
            target = shape(service, m["shape"])
            if target["type"] == "blob":
                body = draw(st.binary(max_size=64))
            else:
                value = draw(output_value(service, m["shape"], theirs.members[mname]))
                body = draw(_json_body(value))
        elif m.get("location") is None:
            body_members[mname] = m
    if body_members:
        struct = {
            "type": "structure",
            "members": body_members,
            "required": sorted(needed & set(body_members)),
        }
        value = draw(_struct_value(service, struct, theirs))
        body = draw(_json_body(value))
    elif not body and draw(st.booleans()):
        body = b"{}"  # an empty structure may come as {} or as no body at all
    if body and "Content-Type" not in headers and payload is None:
        headers["Content-Type"] = "application/json"
    return WireResponse(status, headers, body)


def _struct_value(service: str, struct: JSON, theirs: Any) -> Strategy:
    required: dict[str, Strategy] = {}
    optional: dict[str, Strategy] = {}
    for mname, m in sorted(struct["members"].items()):
        value = output_value(service, m["shape"], theirs.members[mname])
        if mname in struct["required"]:
            required[m.get("locationName", mname)] = value
        else:
            optional[m.get("locationName", mname)] = st.one_of(value, st.none())
    return st.fixed_dictionaries(required, optional=optional)


def error_shapes(service: str, op: str) -> list[str]:
    return [e["shape"] for e in op_spec(service, op).get("errors", [])]


def error_code(service: str, name: str) -> str:
    return str((shape(service, name).get("error") or {}).get("code", name))


def error_status(service: str, name: str) -> int:
    return int((shape(service, name).get("error") or {}).get("httpStatusCode", 400))


@st.composite
def error_responses(draw: st.DrawFn, service: str, name: str, form: str) -> WireResponse:
    """An error response for error shape ``name``; ``form`` says where the code is:
    ``type`` (``__type`` with a namespace), ``header`` (x-amzn-ErrorType with a URI
    suffix), or ``both`` (header and ``__type``)."""
    code = error_code(service, name)
    status = error_status(service, name)
    spec = shape(service, name)
    theirs = botocore_shape(service, name)
    fields = {
        k: v for k, v in spec.get("members", {}).items() if k != "message" and k in theirs.members
    }
    body: JSON = {}
    if fields:
        struct = {
            "type": "structure",
            "members": fields,
            "required": sorted(set(spec.get("required", [])) & set(fields)),
        }
        body.update(draw(_struct_value(service, struct, theirs)))
        body = {k: v for k, v in body.items() if v is not None}
    body[draw(st.sampled_from(["message", "Message"]))] = draw(st.text(_TEXT_CHARS, max_size=20))
    headers = {"x-amzn-RequestId": draw(_REQUEST_IDS)}
    if form in ("type", "both"):
        body["__type"] = f"{NAMESPACES[service]}#{code}"
    if form in ("header", "both"):
        headers["x-amzn-ErrorType"] = (
            f"{code}:http://internal.amazon.com/coral/{NAMESPACES[service]}/"
        )
    headers["Content-Type"] = (
        "application/x-amz-json-1.1" if protocol(service) == "json" else "application/json"
    )
    return WireResponse(status, headers, draw(_json_body(body)))


# ---------------------------------------------------------------- normalising awsmith output


def to_botocore_form(service: str, name: str, value: Any, where: str = "") -> Any:
    """awsmith's parsed value -> the dict form botocore's parser returns.

    Checks the Python types the contract promises on the way: enums are ``str``
    enums, timestamps aware UTC, blobs ``bytes``, doubles ``float``.
    """
    spec = shape(service, name)
    kind = spec["type"]
    if kind == "structure":
        out: JSON = {}
        for mname, m in sorted(spec.get("members", {}).items()):
            item = getattr(value, snake(mname))
            if item is not None:
                out[mname] = to_botocore_form(service, m["shape"], item, f"{where}.{mname}")
        return out
    if kind == "list":
        assert isinstance(value, list), where
        return [to_botocore_form(service, spec["member"]["shape"], v, f"{where}[]") for v in value]
    if kind == "map":
        assert isinstance(value, dict), where
        return {
            to_botocore_form(service, spec["key"]["shape"], k, f"{where}.key"): to_botocore_form(
                service, spec["value"]["shape"], v, f"{where}[{k!r}]"
            )
            for k, v in value.items()
        }
    if kind == "string":
        assert isinstance(value, str), where
        if "enum" in spec:
            enum_cls = getattr(shapes_module(service), name)
            assert type(value) is enum_cls, (where, type(value))
            assert isinstance(value, Enum)
            return str(value.value)
        assert type(value) is str, where
        return value
    if kind in ("integer", "long"):
        assert type(value) is int, where
        return value
    if kind == "boolean":
        assert type(value) is bool, where
        return value
    if kind in ("double", "float"):
        assert type(value) is float, where
        return value
    if kind == "timestamp":
        assert isinstance(value, datetime), where
        assert value.utcoffset() == timedelta(0), (where, value)
        return value
    if kind == "blob":
        assert type(value) is bytes, where
        return value
    raise NotImplementedError(kind)


# ---------------------------------------------------------------- hostile response data
#
# Responses as a careless or newer service may send them, for the oracle of
# test_parse_diff.test_awsmith_reads_what_botocore_reads: every member (required ones
# too) may be absent or null, list items and map values may be null, every structure may
# carry members the model does not know (with any JSON in them), structures and lists
# are often empty, numbers run past 64 bits and past a double's range, and timestamps
# come in every form a JSON protocol may use. The data is typed as the model says
# otherwise: a value of the wrong JSON type is not something botocore "parses" either
# (it hands it through unchecked), so it is no test of reading what botocore reads.

#: Keys no model member has: what a service adds after the model was written.
_UNKNOWN_KEYS = st.text(max_size=6).map(lambda t: "unmodeled" + t)
_ANY_JSON: Strategy = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=4,
)
#: Integers past int64 (services send longs; JSON has no limit) and past a double.
_HUGE_INTS = st.one_of(
    st.integers(2**63, 2**80), st.integers(-(2**80), -(2**63) - 1), st.just(10**30)
)
_DOUBLES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**53), 2**53),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]),  # JSON's spelling of them
    st.sampled_from([10**400, -(10**400), 1.7976931348623157e308, 5e-324, -0.0]),
    _HUGE_INTS,
)


def every_timestamp_form() -> Strategy:
    """A timestamp in each form a JSON protocol body may carry: epoch seconds (integer,
    fraction, as a number or as text), RFC 3339 date-times (``Z``, lower-case ``z`` and
    ``t``, offsets, 1 to 9 fraction digits), IMF-fixdate (HTTP date), and the other ISO
    8601 spellings botocore's ``parse_timestamp`` reads (:func:`botocore_iso_forms`)."""
    moments = st.datetimes(_TS_MIN, _TS_MAX, timezones=st.just(UTC))

    def fraction(pair: tuple[datetime, int]) -> str:
        moment, digits = pair
        text = f"{moment.microsecond:06d}{moment.microsecond % 1000:03d}"[:digits]
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + text + "Z"

    return st.one_of(
        wire_timestamps(),
        st.tuples(moments, st.integers(1, 9)).map(fraction),
        moments.map(lambda d: d.strftime("%Y-%m-%dt%H:%M:%Sz")),
        moments.map(lambda d: d.isoformat()),  # "+00:00"
        moments.map(lambda d: str(int(d.timestamp()))),  # epoch seconds as text
        st.integers(0, 2**31).map(lambda n: f"{n}.5"),
        botocore_iso_forms(),
    )


#: Offsets a service could send: whole minutes up to 14 hours either way.
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
#: Every local time ``datetime`` can hold: with an offset, the ends of the range are
#: instants UTC cannot hold (``0001-01-01T00:00:00+01:00``, ``9999-12-31T23:59:59-08:00``).
_ANY_LOCAL = st.one_of(
    st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)),
    st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)]),
)


def _offset_text(offset: timedelta, form: str) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    hours, minutes = divmod(minutes, 60)
    if form == "compact":
        return f"{sign}{hours:02d}{minutes:02d}"
    if form == "hours" and minutes == 0:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{minutes:02d}"


def botocore_iso_forms() -> Strategy:
    """ISO 8601 date-times as botocore reads them (``botocore.utils.parse_timestamp``,
    dateutil underneath) beyond RFC 3339: any offset at either end of ``datetime``'s
    range (``9999-12-31T23:59:59-08:00``), offsets written ``+0100``, ``+01`` or apart
    from the time (``... +01:00``), a space for the ``T``, and ``UTC``, ``GMT`` or ``Z``
    as a zone name, with or without a space before it. Zone names dateutil does not
    know (``EST``: a naive time, the zone ignored) are not among them: awsmith refuses
    them rather than read the wrong instant."""
    offsets = st.tuples(
        _ANY_LOCAL,
        _OFFSETS,
        st.sampled_from(["T", " "]),
        st.sampled_from(["colon", "compact", "hours"]),
        st.sampled_from(["", " "]),
    ).map(
        lambda p: p[0].isoformat(p[2])
        + p[4]
        + _offset_text(p[1].utcoffset(None), p[3])
    )
    zones = st.tuples(
        st.datetimes(_TS_MIN, _TS_MAX),
        st.sampled_from(["T", " "]),
        st.sampled_from(["", " "]),
        st.sampled_from(["UTC", "GMT", "Z"]),
    ).map(lambda p: p[0].isoformat(p[1]) + p[2] + p[3])
    return st.one_of(offsets, zones)


def hostile_value(service: str, name: str, depth: int = 0) -> Strategy:
    """A JSON value of shape ``name`` of our model, as described above."""
    spec = shape(service, name)
    kind = spec["type"]
    if kind == "structure":
        if depth > 8:  # no recursive shapes in these models; a guard all the same
            return st.just({})
        return _hostile_object(service, spec.get("members", {}), depth)
    if kind == "list":
        item = hostile_value(service, spec["member"]["shape"], depth + 1)
        return st.lists(st.one_of(item, st.none()), max_size=3)
    if kind == "map":
        key = hostile_value(service, spec["key"]["shape"], depth + 1)
        value = hostile_value(service, spec["value"]["shape"], depth + 1)
        return st.dictionaries(key, st.one_of(value, st.none()), max_size=3)
    if kind == "string":
        free = st.text(_TEXT_CHARS, max_size=12)
        return st.one_of(st.sampled_from(spec["enum"]), free) if "enum" in spec else free
    if kind in ("integer", "long"):
        lo, hi = INT64 if kind == "long" else INT32
        return st.one_of(st.integers(lo, hi), _HUGE_INTS)
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return _DOUBLES
    if kind == "timestamp":
        return every_timestamp_form()
    if kind == "blob":
        return st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode("ascii"))
    raise NotImplementedError(f"{service}: shape {name} of type {kind}")


def _hostile_object(service: str, members: JSON, depth: int) -> Strategy:
    """A JSON object of the body ``members`` (each absent, null or a hostile value) and
    of up to two members no model knows."""
    known: dict[str, Strategy] = {}
    for mname, m in sorted(members.items()):
        if m.get("location"):
            continue  # header/status members are not in the body
        value = hostile_value(service, m["shape"], depth + 1)
        known[m.get("locationName", mname)] = st.one_of(value, st.none())
    unknown = st.dictionaries(_UNKNOWN_KEYS, _ANY_JSON, max_size=2)
    return st.tuples(st.fixed_dictionaries({}, optional=known), unknown).map(
        lambda p: {**p[1], **p[0]}
    )


def _hostile_header(service: str, name: str) -> Strategy:
    """A header value of shape ``name``: what a header can carry (visible ASCII)."""
    kind = shape(service, name)["type"]
    if kind == "string":
        return text({}, header=True)
    raise NotImplementedError(f"{service}: header shape {name} of type {kind}")


@st.composite
def hostile_responses(draw: st.DrawFn, service: str, op: str) -> WireResponse:
    """A successful response of ``op`` whose body (and headers) are hostile values."""
    status, headers, out_name = _response_start(draw, service, op)
    out = shape(service, out_name)
    dumps = st.booleans().map(lambda ascii_only: lambda v: json.dumps(v, ensure_ascii=ascii_only))
    if protocol(service) == "json":
        headers["Content-Type"] = "application/x-amz-json-1.1"
        value = draw(hostile_value(service, out_name))
        return WireResponse(status, headers, draw(dumps)(value).encode())
    payload = out.get("payload")
    body = b""
    body_members: dict[str, JSON] = {}
    for mname, m in sorted(out.get("members", {}).items()):
        if m.get("location") == "header":
            if draw(st.booleans()):  # required or not, a header may be missing
                headers[m.get("locationName", mname)] = draw(_hostile_header(service, m["shape"]))
        elif mname == payload:
            if shape(service, m["shape"])["type"] == "blob":
                body = draw(st.binary(max_size=64))
            elif draw(st.integers(0, 4)):  # now and then no body at all, or null
                value = draw(st.one_of(hostile_value(service, m["shape"]), st.none()))
                body = draw(dumps)(value).encode()
        elif m.get("location") is None:
            body_members[mname] = m
    if body_members:
        value = draw(_hostile_object(service, body_members, 0))
        body = draw(dumps)(value).encode() if value or draw(st.booleans()) else b""
    if body and payload is None:
        headers["Content-Type"] = "application/json"
    return WireResponse(status, headers, body)


# ---------------------------------------------------------------- botocore -> to_dict form
#
# The comparison of that oracle: awsmith's typed result as ``to_dict(names="wire")``
# writes it, against botocore's dict brought to the same form with awsmith's rules for
# what botocore leaves as it is (models/README.md): a null item of a dense list or map
# is dropped (botocore keeps it), and a required member botocore's dict lacks holds
# Smithy's default. Timestamps compare as ISO 8601 text in UTC, as to_dict documents
# it; blobs as base64 text; doubles as float, or "NaN"/"Infinity"/"-Infinity".


def iso_utc(moment: datetime) -> str:
    """to_dict's timestamp text, from its documentation: ISO 8601 in UTC with a ``Z``,
    microseconds only when there are some; an instant UTC cannot hold at its own offset
    (``+HH:MM``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # botocore's parser leaves some naive: UTC
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        utc, zone = moment, _offset_text(moment.utcoffset() or timedelta(0), "colon")
    else:
        zone = "Z"
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return f"{utc.year:04d}" + utc.strftime("-%m-%dT%H:%M:%S") + fraction + zone


def _double(value: Any) -> float | str:
    if isinstance(value, str):
        value = float(value)  # botocore's awsJson parser hands "NaN" etc. through
    try:
        number = float(value)
    except OverflowError:  # an integer literal past a double: what it rounds to
        number = float("inf") if value > 0 else float("-inf")
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def wire_default(service: str, name: str) -> Any:
    """The Smithy client-error-correction default of shape ``name``, in to_dict form."""
    kind = shape(service, name)["type"]
    defaults: dict[str, Any] = {
        "string": "", "boolean": False, "integer": 0, "long": 0, "double": 0.0,
        "float": 0.0, "blob": "", "timestamp": "1970-01-01T00:00:00Z", "list": [], "map": {},
    }  # fmt: skip
    if kind == "structure":
        return expected_wire(service, name, {})
    return defaults[kind]


def expected_wire(service: str, name: str, value: Any) -> Any:
    """botocore's parsed ``value`` of shape ``name`` in the form ``to_dict(names="wire")``
    gives, with the null rule applied."""
    spec = shape(service, name)
    kind = spec["type"]
    if kind == "structure":
        out: JSON = {}
        required = set(spec.get("required", []))
        for mname, m in spec.get("members", {}).items():
            item = value.get(mname)
            if item is not None:
                out[mname] = expected_wire(service, m["shape"], item)
            elif mname in required:
                out[mname] = wire_default(service, m["shape"])
        return out
    if kind == "list":
        member = spec["member"]["shape"]
        if spec.get("sparse"):
            return [None if v is None else expected_wire(service, member, v) for v in value]
        return [expected_wire(service, member, v) for v in value if v is not None]
    if kind == "map":
        target = spec["value"]["shape"]
        if spec.get("sparse"):
            return {k: None if v is None else expected_wire(service, target, v) for k, v in value.items()}
        return {k: expected_wire(service, target, v) for k, v in value.items() if v is not None}
    if kind == "timestamp":
        return iso_utc(value)
    if kind == "blob":
        data = value.read() if hasattr(value, "read") else value  # a streamed payload
        return base64.b64encode(data).decode("ascii")
    if kind in ("double", "float"):
        return _double(value)
    return value


@st.composite
def hostile_error_responses(draw: st.DrawFn, service: str, name: str) -> WireResponse:
    """An error response of error shape ``name`` (code in ``__type``) whose modeled
    fields are hostile values, as :func:`hostile_responses` makes them."""
    spec = shape(service, name)
    fields = {k: v for k, v in spec.get("members", {}).items() if k != "message"}
    body: JSON = draw(_hostile_object(service, fields, 0))
    body["message"] = draw(st.text(_TEXT_CHARS, max_size=20))
    body["__type"] = f"{NAMESPACES[service]}#{error_code(service, name)}"
    headers = {"x-amzn-RequestId": draw(_REQUEST_IDS), "Content-Type": "application/json"}
    return WireResponse(error_status(service, name), headers, json.dumps(body).encode())


def errors_with_fields(service: str) -> list[str]:
    """The error shapes of ``service`` with modeled fields besides their message."""
    return sorted(
        name
        for name, spec in our_model(service)["shapes"].items()
        if spec.get("exception") and set(spec.get("members", {})) - {"message"}
    )
