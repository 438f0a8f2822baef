"""Hostile responses, fuzzed: every operation's parser and ``build_error`` get random
bytes, random JSON (wrong types, huge numbers, NaN, deep nesting, unicode, nulls) and
model-shaped JSON with random mutations, plus random values for rest-json header
members. The only acceptable outcomes are a typed result of the operation's output
class or an awsmith error; a ``KeyError``, ``TypeError``, ``RecursionError``,
``OverflowError``, ... escaping from inside is a bug.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

import awsmith
from awsmith._core.errors_wire import build_error
from awsmith._core.operation import Operation
from awsmith._core.serde import p_timestamp
from awsmith._core.transport.http import TransportResponse
from awsmith.codeguruprofiler import _serde as codeguru_serde
from awsmith.support import _serde as support_serde

MODELS = Path(__file__).resolve().parents[2] / "models"
SERDES = {"support": support_serde, "codeguruprofiler": codeguru_serde}

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),  # generation speed under load is not the point
)


@cache
def model(service: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MODELS / f"{service}.json").read_text())
    return data


def operations() -> list[tuple[str, Operation[Any, Any]]]:
    found = []
    for service, serde in SERDES.items():
        for value in vars(serde).values():
            if isinstance(value, Operation):
                found.append((service, value))
    return sorted(found, key=lambda item: (item[0], item[1].name))


OPERATIONS = operations()


def test_every_operation_of_both_models_is_fuzzed() -> None:
    for service in SERDES:
        names = {op.name for svc, op in OPERATIONS if svc == service}
        assert names == set(model(service)["operations"])
    assert len(OPERATIONS) == 20 + 23


# ---------------------------------------------------------------- strategies

HUGE_INTS = st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, -(10**400), 10**400])
WILD_NUMBERS = st.one_of(
    st.integers(),
    HUGE_INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324]),
)
WILD_TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        ["", " ", "NaN", "Infinity", "-Infinity", "\x00", "\ud800", "é", "🦀" * 3, "null",
         "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1e400", "-1e400",
         "Mon, 31 Dec 9999 23:59:59 -0100", "2024-02-30T00:00:00Z", "12:00", "1" * 50]
    ),
)
SCALARS = st.one_of(st.none(), st.booleans(), WILD_NUMBERS, WILD_TEXT)
WILD_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(WILD_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


def nested(depth: int, opener: str, closer: str) -> bytes:
    return (opener * depth + closer * depth).encode()


_HOSTILE = (
    b"",
    b" ",
    b"null",
    b"[]",
    b"0",
    b'"text"',
    b"{",
    b'{"a": NaN, "b": Infinity, "c": -Infinity}',
    b"\xff\xfe\x00{",
    b'{"a": "\\ud800"}',
    b'{"a": 1' + b"0" * 5000 + b"}",
    b'{"a": 1e999999}',
    nested(100_000, "[", "]"),
    nested(3_000, "[", "]"),
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b"<html><body>502 Bad Gateway</body></html>",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
)
# by index: the repr of a strategy holding 100 kB bodies would be 100 kB too
HOSTILE_BODIES = st.sampled_from(range(len(_HOSTILE))).map(_HOSTILE.__getitem__)


@st.composite
def sometimes(
    draw: Callable[..., Any],
    usual: st.SearchStrategy[Any],
    rare: st.SearchStrategy[Any],
    one_in: int,
) -> Any:
    """``rare`` once in ``one_in`` draws, else ``usual`` (a ``one_of`` listing
    ``usual`` n times would make nested strategies' reprs grow exponentially)."""
    return draw(rare if draw(st.integers(1, one_in)) == 1 else usual)


def dump(value: Any) -> bytes:
    """JSON text of any generated value (NaN literals and lone surrogates included)."""
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


VALID_TIMESTAMPS = st.one_of(
    st.integers(0, 4_000_000_000),
    st.floats(0, 4e9),
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
)


def shaped(
    service: str, shape_name: str, depth: int = 0, *, wild: bool = True
) -> st.SearchStrategy[Any]:
    """Values of ``shape_name``: valid ones (``wild=False``: required members present,
    every value of its type) or ones where any member may be wrong or missing."""
    shape = model(service)["shapes"][shape_name]
    kind = shape["type"]
    if depth > 12:  # no recursive shapes in these models; a guard all the same
        return WILD_JSON if wild else st.nothing()
    right: st.SearchStrategy[Any]
    if kind == "structure":
        members = {
            member.get("locationName", name): shaped(
                service, member["shape"], depth + 1, wild=wild
            )
            for name, member in shape["members"].items()
            if "location" not in member
        }
        required = set(shape.get("required", ())) & set(members)
        right = st.fixed_dictionaries(
            {k: v for k, v in members.items() if k in required},
            optional={k: v for k, v in members.items() if k not in required},
        )
        if wild:  # now and then a required member is missing
            right = sometimes(right, st.fixed_dictionaries({}, optional=members), 4)
    elif kind == "list":
        item = shaped(service, shape["member"]["shape"], depth + 1, wild=wild)
        right = st.lists(item, max_size=3)
    elif kind == "map":
        value = shaped(service, shape["value"]["shape"], depth + 1, wild=wild)
        right = st.dictionaries(st.text(max_size=8), value, max_size=3)
    elif kind == "string":
        right = st.sampled_from(shape["enum"]) if "enum" in shape else st.text(max_size=10)
    elif kind in ("integer", "long"):
        right = st.one_of(st.integers(), HUGE_INTS) if wild else st.integers()
    elif kind in ("double", "float"):
        right = st.floats(allow_nan=True, allow_infinity=True)
        if wild:
            right = st.one_of(right, HUGE_INTS)
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "timestamp":
        right = st.one_of(VALID_TIMESTAMPS, WILD_NUMBERS, WILD_TEXT) if wild else VALID_TIMESTAMPS
    elif kind == "blob":
        right = st.binary(max_size=10).map(_b64)
        if wild:
            right = st.one_of(right, st.text(max_size=8))
    else:  # pragma: no cover - a shape type these models do not use
        right = WILD_JSON
    if not wild:
        return right
    return sometimes(right, SCALARS, 20)  # one value in twenty has a wrong type


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def output_info(service: str, op: Operation[Any, Any]) -> tuple[str | None, dict[str, Any]]:
    """The body shape of the operation's output (its payload member's shape for
    rest-json payloads, None for a blob payload) and its header members."""
    spec = model(service)["operations"][op.name].get("output")
    if spec is None:
        return None, {}
    shape = model(service)["shapes"][spec["shape"]]
    headers = {
        m["locationName"]: m for m in shape["members"].values() if m.get("location") == "header"
    }
    payload = shape.get("payload")
    if payload is None:
        return spec["shape"], headers
    target = shape["members"][payload]["shape"]
    if model(service)["shapes"][target]["type"] == "structure":
        return target, headers
    return None, headers


def bodies(service: str, op: Operation[Any, Any]) -> st.SearchStrategy[bytes]:
    body_shape, _ = output_info(service, op)
    choices = [st.binary(max_size=64), HOSTILE_BODIES, WILD_JSON.map(dump)]
    if body_shape is not None:
        return sometimes(shaped(service, body_shape).map(dump), st.one_of(*choices), 3)
    return st.one_of(*choices)


def valid_bodies(service: str, op: Operation[Any, Any]) -> st.SearchStrategy[bytes]:
    body_shape, _ = output_info(service, op)
    if body_shape is None:
        return st.binary(max_size=64)
    return shaped(service, body_shape, wild=False).map(dump)


def header_sets(service: str, op: Operation[Any, Any]) -> st.SearchStrategy[CIMultiDict[str]]:
    _, members = output_info(service, op)
    values = st.one_of(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
        WILD_TEXT,
    )
    optional = {name: values for name in members}
    optional["x-amzn-RequestId"] = values
    return st.fixed_dictionaries({}, optional=optional).map(CIMultiDict)


def result_class(op: Operation[Any, Any]) -> type:
    hints = typing.get_type_hints(op.parse)
    cls: type = hints["return"]
    return cls


# ---------------------------------------------------------------- parsers


def check_parse(op: Operation[Any, Any], response: TransportResponse) -> None:
    try:
        result = op.parse(response)
    except awsmith.AwsmithError as exc:
        assert isinstance(exc, awsmith.ResponseParseError), repr(exc)
        str(exc)
        return
    assert type(result) is result_class(op)
    repr(result)


IDS = [f"{svc}.{op.name}" for svc, op in OPERATIONS]


@pytest.mark.parametrize(("service", "op"), OPERATIONS, ids=IDS)
def test_parsers_raise_only_awsmith_errors(service: str, op: Operation[Any, Any]) -> None:
    @FUZZ
    @given(
        body=bodies(service, op),
        headers=header_sets(service, op),
        status=st.sampled_from([200, 201, 202, 204]),
    )
    def run(body: bytes, headers: CIMultiDict[str], status: int) -> None:
        check_parse(op, TransportResponse(status, headers, body))

    run()


@pytest.mark.parametrize(("service", "op"), OPERATIONS, ids=IDS)
def test_parsers_accept_every_valid_body(service: str, op: Operation[Any, Any]) -> None:
    """The other half: hostility checks must not refuse what the model allows."""
    _, header_members = output_info(service, op)
    headers = CIMultiDict({name: "text/plain" for name in header_members})

    @settings(FUZZ, max_examples=40)
    @given(body=valid_bodies(service, op))
    def run(body: bytes) -> None:
        result = op.parse(TransportResponse(200, headers, body))
        assert type(result) is result_class(op)

    run()


def test_double_beyond_float_range_reads_as_infinity() -> None:
    """An integer literal too large for a double escaped as OverflowError, then was
    refused; it is the double it rounds to, infinity, as the literal 1e400 is (botocore's
    awsJson parser reads the response too, handing the integer through)."""
    body = b'{"summaries": [{"checkId": "c", "timestamp": "t", "status": "ok", '
    body += b'"resourcesSummary": {"resourcesProcessed": 1, "resourcesFlagged": 0, '
    body += b'"resourcesIgnored": 0, "resourcesSuppressed": 0}, "categorySpecificSummary": '
    body += b'{"costOptimizing": {"estimatedMonthlySavings": 1' + b"0" * 400
    body += b', "estimatedPercentMonthlySavings": -1' + b"0" * 400 + b"}}}]}"
    op = support_serde.DESCRIBE_TRUSTED_ADVISOR_CHECK_SUMMARIES
    parsed = op.parse(TransportResponse(200, CIMultiDict(), body))
    cost = parsed.summaries[0].category_specific_summary.cost_optimizing
    assert cost is not None
    assert cost.estimated_monthly_savings == math.inf
    assert cost.estimated_percent_monthly_savings == -math.inf


def test_timestamp_edge_values_raise_parse_errors() -> None:
    """These escaped as OverflowError (from math.isfinite and datetime.astimezone)
    before serde.py caught them; the fuzz above can reach them too, rarely."""
    for value in (10**400, -(10**400), "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                  "0001-01-01 00:00:00+01:00 ", math.inf, "1e400"):
        with pytest.raises(awsmith.ResponseParseError) as info:
            p_timestamp(value, "profile", "endTime")
        assert info.value.detail.startswith("expected a ")
        assert " at profile.endTime, got " in info.value.detail


# ---------------------------------------------------------------- build_error


def error_bodies(service: str) -> st.SearchStrategy[bytes]:
    codes = sorted(SERDES[service].ERRORS)
    code_forms = st.one_of(
        st.sampled_from(codes),
        st.sampled_from(codes).map(lambda c: f"com.amazonaws.x#{c}:http://internal/"),
        WILD_TEXT,
    )

    @st.composite
    def modeled(draw: Callable[..., Any]) -> bytes:
        code = draw(st.sampled_from(codes))
        fields = draw(shaped(service, code))
        body = fields if isinstance(fields, dict) else {"value": fields}
        body["__type"] = draw(st.one_of(st.just(code), code_forms, SCALARS))
        return dump(body)

    loose = st.fixed_dictionaries(
        {}, optional={k: st.one_of(code_forms, SCALARS) for k in ("__type", "code", "Code")}
        | {k: SCALARS for k in ("message", "Message", "errorMessage")},
    ).map(dump)
    return st.one_of(modeled(), loose, WILD_JSON.map(dump), st.binary(max_size=64), HOSTILE_BODIES)


@pytest.mark.parametrize("service", sorted(SERDES))
def test_build_error_always_returns_a_service_error(service: str) -> None:
    serde = SERDES[service]
    base = serde.SERVICE.base_error
    codes = sorted(serde.ERRORS)
    header_values = st.one_of(st.sampled_from(codes), WILD_TEXT)

    @settings(FUZZ, max_examples=400)
    @given(
        status=st.integers(300, 599),
        body=error_bodies(service),
        error_type=st.none() | header_values,
        request_id=st.none() | st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E)),
    )
    @example(status=400, body=nested(100_000, "[", "]"), error_type=None, request_id=None)
    @example(status=500, body=b'{"__type": 5, "message": ["x"]}', error_type=None, request_id="r")
    def run(status: int, body: bytes, error_type: str | None, request_id: str | None) -> None:
        headers: CIMultiDict[str] = CIMultiDict()
        if error_type is not None:
            headers["x-amzn-ErrorType"] = error_type
        if request_id is not None:
            headers["x-amzn-RequestId"] = request_id
        err = build_error(TransportResponse(status, headers, body), serde.ERRORS, base)
        assert isinstance(err, base)
        assert err.status_code == status
        assert err.request_id == (request_id or None)
        assert isinstance(err.code, str) and isinstance(err.raw, dict)
        assert err.message is None or isinstance(err.message, str)
        entry = serde.ERRORS.get(err.code)
        assert type(err) is (entry[0] if entry else base)
        text = str(err)
        assert text.startswith(f"{err.code} (HTTP {status})")
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and str(copy) == text

    run()
