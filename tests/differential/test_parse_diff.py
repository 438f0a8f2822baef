"""Differential: awsmith's response parsers and error mapping against botocore's.

The same status, headers and body bytes go to awsmith's generated ``parse_<op>`` and to
botocore's parser (bundled model). awsmith's attrs result, normalised to botocore's dict
form (model member names, ``None`` dropped, enums as ``str``), must equal botocore's
output; timestamps compare as instants and awsmith's must be aware UTC.

Error responses of every modeled error of every operation, with the code in ``__type``
(namespaced) or in ``x-amzn-ErrorType`` (with a URI suffix), must map to the modeled
exception class with botocore's code, message, status and request id, and the modeled
fields botocore parses.

What an older botocore cannot do is stated where it matters, never skipped: its model
lacks some of Support's operations, errors and members (strategies.Lacking; botocore
1.29.61, the lowest awsmith supports, lacks six operations, three errors and twelve
members: test_botocore_versions.py), so only what both models have is compared; and
its parsers changed in 1.36.22 (PARSERS_OF_1_36_22).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from typing import Any

import botocore.parsers
import httpx
import pytest
from botocore.awsrequest import HeadersDict
from botocore.response import StreamingBody
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import awsmith
from awsmith._core.errors import ServiceError
from awsmith._core.errors_wire import build_error
from awsmith._core.transport.http import TransportResponse
from tests.differential import strategies as S

SETTINGS = settings(
    max_examples=S.EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def botocore_parse(
    service: str, op: str, wire: S.WireResponse, shape: Any = None, model: Any = None
) -> dict[str, Any]:
    """botocore's parse, fed as botocore's endpoint feeds it: a case-insensitive header
    dict, and a StreamingBody for operations with a blob payload. ``model``: botocore's
    ServiceModel to read it with (default: botocore's own bundled model)."""
    model = model if model is not None else S.botocore_model(service)
    operation = model.operation_model(op)
    body: Any = wire.body
    if wire.status < 300 and operation.has_streaming_output:
        body = StreamingBody(io.BytesIO(wire.body), len(wire.body))
    response = {"status_code": wire.status, "headers": HeadersDict(wire.headers), "body": body}
    parser = botocore.parsers.create_parser(model.protocol)
    parsed: dict[str, Any] = parser.parse(
        response, shape if shape is not None else operation.output_shape
    )
    return parsed


def awsmith_response(wire: S.WireResponse) -> TransportResponse:
    return TransportResponse(wire.status, httpx.Headers(wire.headers), wire.body)


def ops_with_output() -> list[tuple[str, str]]:
    return [(s, op) for s, op in S.all_operations() if "output" in S.op_spec(s, op)]


#: botocore 1.36.22 (boto/botocore#3247) began to strip a URI suffix from an awsJson
#: ``__type`` ("Code:http://...") and to read a rest-json double sent as "NaN" or
#: "Infinity" as a float; an older botocore hands both on as they came.
PARSERS_OF_1_36_22 = S.BOTOCORE >= (1, 36, 22)


@pytest.mark.parametrize(
    ("service", "op"), [case for case in ops_with_output() if case in S.compared_operations()]
)
@SETTINGS
@given(data=st.data())
def test_parser_matches_botocore(service: str, op: str, data: st.DataObject) -> None:
    wire = data.draw(S.responses(service, op), label="response")
    operation = getattr(S.serde_module(service), S.snake(op).upper())
    ours = S.to_botocore_form(
        service, S.op_spec(service, op)["output"]["shape"], operation.parse(awsmith_response(wire))
    )
    theirs = botocore_parse(service, op, wire)
    metadata = theirs.pop("ResponseMetadata")
    assert metadata["HTTPStatusCode"] == wire.status
    for name, value in theirs.items():
        if isinstance(value, StreamingBody):
            theirs[name] = value.read()  # a blob payload: what the caller reads
    assert ours == theirs


# ------------------------------------------------------------------ the oracle
#
# awsmith reads every response botocore's parser reads, to equal values. Both parsers
# read OUR model (botocore builds its ServiceModel from models/<service>.json), so a
# difference is the parsers'. The responses are hostile (strategies.hostile_responses):
# nulls and absences everywhere, unknown members at every level, empty structures and
# lists, huge numbers, every timestamp form. Where botocore refuses a response, awsmith
# may refuse it too, but only with a ResponseParseError. Deterministic (derandomize), a
# bounded number of examples per operation: it runs on every `make test`.
#
# AWSMITH_ORACLE_EXAMPLES=N runs the oracles with N random examples per operation
# instead: a new seed every run and hypothesis' example database on, so a failure found
# is tried first the next time (docs/testing.md, "The response oracles"). Opt-in, for a
# deeper search than CI's.

ORACLE_EXAMPLES = int(os.environ.get("AWSMITH_ORACLE_EXAMPLES") or 0)
ORACLE = settings(
    max_examples=ORACLE_EXAMPLES or S.EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    **({} if ORACLE_EXAMPLES else {"derandomize": True, "database": None}),
)


@pytest.mark.parametrize(("service", "op"), ops_with_output())
@ORACLE
@given(data=st.data())
def test_awsmith_reads_what_botocore_reads(service: str, op: str, data: st.DataObject) -> None:
    wire = data.draw(S.hostile_responses(service, op), label="response")
    operation = getattr(S.serde_module(service), S.snake(op).upper())
    try:
        theirs = botocore_parse(service, op, wire, model=S.botocore_model_of_ours(service))
    except Exception as exc:  # botocore cannot read it: awsmith may refuse it too, cleanly
        event(f"botocore refused: {type(exc).__name__}")
        with contextlib.suppress(awsmith.ResponseParseError):
            operation.parse(awsmith_response(wire))
        return
    ours = awsmith.to_dict(operation.parse(awsmith_response(wire)), names="wire")
    theirs.pop("ResponseMetadata")
    out_shape = S.op_spec(service, op)["output"]["shape"]
    assert ours == S.expected_wire(service, out_shape, theirs)


@pytest.mark.parametrize(("service", "op"), ops_with_output())
@ORACLE
@given(data=st.data())
def test_from_dict_reads_what_boto3_returns_as_awsmith_parses_the_bytes(
    service: str, op: str, data: st.DataObject
) -> None:
    """The promise of ``from_dict(..., names="wire")`` (its docstring, docs/migrating.md):
    a boto3 or aiobotocore response, ResponseMetadata and all, reads as awsmith's own
    parser reads the response itself. The response is a hostile one, botocore parses it
    with its bundled model as boto3 does (a StreamingBody for a blob payload, epoch
    seconds in the local zone, ISO 8601 without an offset naive, a null payload as
    None, required members left out), and from_dict of that dict must equal awsmith's
    parse of the same bytes: equal values, equal in form (``repr``: types, enum members,
    time zones) and the same to_dict."""
    wire = data.draw(S.hostile_responses(service, op), label="response")
    operation = getattr(S.serde_module(service), S.snake(op).upper())
    try:
        theirs = botocore_parse(service, op, wire)
    except Exception as exc:  # botocore cannot read it: nothing for from_dict to read
        event(f"botocore refused: {type(exc).__name__}")
        return
    ours = operation.parse(awsmith_response(wire))
    read = awsmith.from_dict(type(ours), theirs, names="wire")
    lacking = S.botocore_lacks(service).members
    if not lacking:
        assert repr(read) == repr(ours)
        assert awsmith.to_dict(read, names="wire") == awsmith.to_dict(ours, names="wire")
        return
    # An older botocore's model lacks members ours has (1.29.61: Communication's
    # attachments): boto3 drops them, so compare only what both models have.
    output = S.our_model(service)["operations"][op]["output"]["shape"]
    assert _without(lacking, service, output, awsmith.to_dict(read, names="wire")) == (
        _without(lacking, service, output, awsmith.to_dict(ours, names="wire"))
    )


def _without(lacking: frozenset[str], service: str, shape: str, value: Any) -> Any:
    """``value`` (a to_dict of ``shape``, wire names) without the members in
    ``lacking`` ("Shape.member"), at every level."""
    spec = S.our_model(service)["shapes"][shape]
    kind = spec["type"]
    if kind == "structure" and isinstance(value, dict):
        members = spec.get("members", {})
        return {
            key: _without(lacking, service, members[key]["shape"], item)
            if key in members else item
            for key, item in value.items()
            if f"{shape}.{key}" not in lacking
        }
    if kind == "list" and isinstance(value, list):
        return [_without(lacking, service, spec["member"]["shape"], item) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _without(lacking, service, spec["value"]["shape"], v) for k, v in value.items()}
    return value


def _errors_with_fields() -> list[tuple[str, str]]:
    return [(s, name) for s in S.SERVICES for name in S.errors_with_fields(s)]


@pytest.mark.parametrize(("service", "error"), _errors_with_fields())
@ORACLE
@given(data=st.data())
def test_awsmith_reads_the_error_fields_botocore_reads(
    service: str, error: str, data: st.DataObject
) -> None:
    """The same oracle for the modeled fields of an error (Support's
    ThrottlingException.throttlingReasons), read by botocore with the error shape."""
    wire = data.draw(S.hostile_error_responses(service, error), label="response")
    errors = S.errors_module(service)
    ours = build_error(
        awsmith_response(wire),
        S.serde_module(service).ERRORS,
        getattr(errors, S.base_error_name(service)),
    )
    assert type(ours) is getattr(errors, error)
    model = S.botocore_model_of_ours(service)
    op = next(o for o in S.operations(service) if error in S.error_shapes(service, o))
    theirs = botocore_parse(service, op, wire, model.shape_for(error), model=model)
    theirs.pop("ResponseMetadata", None)
    theirs.pop("message", None)
    fields = awsmith.to_dict(ours, names="wire")
    fields.pop("message", None)
    expected = S.expected_wire(service, error, theirs)
    expected.pop("message", None)
    assert fields == expected


def test_the_error_oracle_has_its_errors() -> None:
    assert _errors_with_fields() == [("support", "ThrottlingException")]


def test_every_operation_has_an_output() -> None:
    assert len(ops_with_output()) == 43


def _error_cases() -> list[tuple[str, str, str, str]]:
    return [
        (service, op, error, form)
        for service, op in S.compared_operations()
        for error in S.error_shapes(service, op)
        for form in ("type", "header", "both")
    ]


@pytest.mark.parametrize(("service", "op", "error", "form"), _error_cases())
@settings(max_examples=max(3, S.EXAMPLES // 6), deadline=None)
@given(data=st.data())
def test_errors_match_botocore(
    service: str, op: str, error: str, form: str, data: st.DataObject
) -> None:
    wire = data.draw(S.error_responses(service, error, form), label="response")
    errors = S.errors_module(service)
    base = getattr(errors, S.base_error_name(service))
    ours = build_error(awsmith_response(wire), S.serde_module(service).ERRORS, base)
    theirs = botocore_parse(service, op, wire)
    code = S.error_code(service, error)
    if form == "header" and S.protocol(service) == "json":
        # Intended difference: botocore's awsJson parser ignores x-amzn-ErrorType and
        # falls back to the status code; awsmith reads it, as the awsJson1_1 protocol
        # specifies (the header takes precedence over __type).
        assert theirs["Error"]["Code"] == str(wire.status)
    else:
        assert theirs["Error"]["Code"] == code
    assert type(ours) is getattr(errors, error)
    assert isinstance(ours, ServiceError)
    assert ours.code == code
    assert ours.message == theirs["Error"]["Message"]
    assert ours.status_code == wire.status == theirs["ResponseMetadata"]["HTTPStatusCode"]
    assert ours.request_id == theirs["ResponseMetadata"]["RequestId"]
    assert ours.raw == json.loads(wire.body)
    # Modeled fields besides the message: botocore parses them with the error shape
    # (what botocore's client does for a known code), where its model has the shape and
    # the member (botocore 1.29.61 has neither DryRunOperationException nor
    # ThrottlingException; the responses carry only the members both models have).
    lacking = S.botocore_lacks(service)
    if error in lacking.errors:
        return
    modeled = botocore_parse(service, op, wire, S.botocore_model(service).shape_for(error))
    modeled.pop("ResponseMetadata", None)
    for name, member in S.shape(service, error).get("members", {}).items():
        if name == "message" or f"{error}.{name}" in lacking.members:
            continue
        value = getattr(ours, S.snake(name))
        ours_value = None if value is None else S.to_botocore_form(service, member["shape"], value)
        assert ours_value == modeled.get(name), name


# ------------------------------------------------------------------ intended differences


def _summaries_body(savings: Any) -> bytes:
    summary = {
        "checkId": "c",
        "status": "ok",
        "timestamp": "t",
        "categorySpecificSummary": {
            "costOptimizing": {
                "estimatedMonthlySavings": savings,
                "estimatedPercentMonthlySavings": 5,
            }
        },
        "resourcesSummary": {
            "resourcesFlagged": 1,
            "resourcesIgnored": 2,
            "resourcesProcessed": 3,
            "resourcesSuppressed": 4,
        },
    }
    return json.dumps({"summaries": [summary]}).encode()


@pytest.mark.parametrize(
    ("wire", "expected"), [("NaN", math.nan), ("Infinity", math.inf), ("-Infinity", -math.inf)]
)
def test_non_finite_doubles(wire: str, expected: float) -> None:
    """Intended difference on the awsJson protocol: botocore's JSON parser hands the
    strings "NaN"/"Infinity" through unchanged; awsmith returns the float the model
    promises (as botocore itself does on rest-json, checked below)."""
    response = S.WireResponse(200, {"x-amzn-RequestId": "r"}, _summaries_body(wire))
    theirs = botocore_parse("support", "DescribeTrustedAdvisorCheckSummaries", response)
    cost = theirs["summaries"][0]["categorySpecificSummary"]["costOptimizing"]
    assert cost["estimatedMonthlySavings"] == wire
    assert cost["estimatedPercentMonthlySavings"] == 5  # botocore: int; awsmith: 5.0
    parsed = S.serde_module("support").DESCRIBE_TRUSTED_ADVISOR_CHECK_SUMMARIES.parse(
        awsmith_response(response)
    )
    ours = parsed.summaries[0].category_specific_summary.cost_optimizing
    assert type(ours.estimated_monthly_savings) is float
    assert math.isnan(expected) == math.isnan(ours.estimated_monthly_savings)
    if not math.isnan(expected):
        assert ours.estimated_monthly_savings == expected
    assert ours.estimated_percent_monthly_savings == 5.0
    assert type(ours.estimated_percent_monthly_savings) is float

    # rest-json: botocore converts too (from 1.36.22), so both sides give the same float.
    body = {
        "startTime": 0,
        "endTime": 0,
        "endTimes": [],
        "resolution": "P1D",
        "unprocessedEndTimes": {},
        "frameMetricData": [
            {"frameMetric": {"frameName": "f", "threadStates": [], "type": "t"}, "values": [wire]}
        ],
    }
    rest = S.WireResponse(200, {"x-amzn-RequestId": "r"}, json.dumps(body).encode())
    theirs_value = botocore_parse("codeguruprofiler", "BatchGetFrameMetricData", rest)[
        "frameMetricData"
    ][0]["values"][0]
    ours_value = (
        S.serde_module("codeguruprofiler")
        .BATCH_GET_FRAME_METRIC_DATA.parse(awsmith_response(rest))
        .frame_metric_data[0]
        .values[0]
    )
    assert type(ours_value) is float
    assert math.isnan(ours_value) == math.isnan(expected)
    if not math.isnan(expected):
        assert ours_value == expected
    if not PARSERS_OF_1_36_22:  # older botocore hands the string on here too
        assert theirs_value == wire
        return
    assert type(theirs_value) is float
    assert math.isnan(theirs_value) == math.isnan(expected)
    if not math.isnan(expected):
        assert theirs_value == expected


def test_error_without_message() -> None:
    """Intended difference: with no message in the body botocore reports "", awsmith
    ``None`` (absent is not the same as empty)."""
    wire = S.WireResponse(
        404,
        {
            "x-amzn-RequestId": "r",
            "x-amzn-ErrorType": "ResourceNotFoundException:http://internal.amazon.com/coral/x/",
        },
        b"{}",
    )
    theirs = botocore_parse("codeguruprofiler", "GetPolicy", wire)
    assert theirs["Error"] == {"Code": "ResourceNotFoundException", "Message": ""}
    errors = S.errors_module("codeguruprofiler")
    ours = build_error(
        awsmith_response(wire),
        S.serde_module("codeguruprofiler").ERRORS,
        errors.CodeGuruProfilerError,
    )
    assert type(ours) is errors.ResourceNotFoundException
    assert ours.code == "ResourceNotFoundException"
    assert ours.message is None
    assert ours.request_id == "r"


@pytest.mark.parametrize(
    "raw_code",
    ["CaseIdNotFound", "com.amazonaws.support#CaseIdNotFound", "CaseIdNotFound:http://x/y"],
)
def test_support_error_code_forms(raw_code: str) -> None:
    """All three wire forms of a code in ``__type`` reduce to the same code on both sides
    (the URI suffix, for botocore, from 1.36.22 on: an older one keeps it)."""
    wire = S.WireResponse(
        400, {"x-amzn-RequestId": "r"}, json.dumps({"__type": raw_code, "message": "m"}).encode()
    )
    theirs = botocore_parse("support", "DescribeCases", wire)
    errors = S.errors_module("support")
    ours = build_error(
        awsmith_response(wire), S.serde_module("support").ERRORS, errors.SupportError
    )
    assert ours.code == "CaseIdNotFound"
    kept = ":" in raw_code and not PARSERS_OF_1_36_22
    assert theirs["Error"]["Code"] == (raw_code if kept else "CaseIdNotFound")
    assert type(ours) is errors.CaseIdNotFound
    assert ours.message == theirs["Error"]["Message"] == "m"
