"""codegen.transcribe extracts what the reference text says."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from codegen.transcribe import build, clean, correct, parse, write
from codegen.transcribe.services import FIXES, SERVICES

README = Path(__file__).resolve().parents[2] / "models" / "README.md"


def _seed(service: str) -> str:
    path = build.seed_path(service)
    if not path.exists():
        pytest.skip(build.missing_seed_message(path))
    text: str = path.read_text(encoding="utf-8")
    return text


@cache
def _ref(service: str) -> Any:
    return parse.parse_reference(_seed(service), SERVICES[service].protocol)


@cache
def _draft(service: str) -> Any:
    return build.build_model(_seed(service), service, corrected=False)


def _op(service: str, name: str) -> Any:
    return next(op for op in _ref(service).operations if op.name == name)


def _field(fields: Any, name: str) -> Any:
    return next(f for f in fields if f.name == name)


# ---- text cleaning -------------------------------------------------------------------


def test_clean_lines_drops_page_furniture() -> None:
    text = (
        "The limits are three attachments\n"
        "\n"
        "Errors API Version 2013-04-15 6\n"
        " HTTP Status Code: 400\n"
        "\n"
        "AWS Support API Reference\n"
        "https://docs.aws.eu/goto/boto3/support-2013-04-15/CreateCase\n"
        "• AWS SDK for Python\n"
    )
    lines = [x for x in clean.clean_lines(text) if x]
    assert lines == ["The limits are three attachments", "HTTP Status Code: 400"]


def test_clean_lines_splits_a_block_at_a_page_break() -> None:
    text = "An internal server error occurred.\nErrors API Version 2013-04-15 9\n message\n"
    blocks = clean.blocks_of(clean.clean_lines(text))
    assert [b.text for b in blocks] == ["An internal server error occurred.", "message"]


def test_markdown_is_removed() -> None:
    line = "[endTime \\(p. 7\\)](#) and [Channel](#) (p. 71) objects, *User Guide*"
    assert clean._md_clean(line) == "endTime and Channel objects, User Guide"


def test_render_doc_paragraphs_and_bullets() -> None:
    blocks = clean.blocks_of(
        ["First line", "wraps here.", "", "• one", "• two", "continues", "", "- `P1D` — 1 day"]
    )
    assert clean.render_doc(blocks) == (
        "First line wraps here.\n\n- one\n- two continues\n- P1D — 1 day"
    )


# ---- Support (awsJson1.1) -------------------------------------------------------------


def test_support_lists_all_actions_and_data_types() -> None:
    ref = _ref("support")
    assert len(ref.operations) == 16
    assert len(ref.data_types) == 21
    assert ref.operations[0].name == "AddAttachmentsToSet"
    assert "CaseDetails" in {t.name for t in ref.data_types}


def test_support_request_members_and_constraints() -> None:
    op = _op("support", "DescribeCases")
    names = [f.name for f in op.inputs]
    assert names == [
        "afterTime",
        "beforeTime",
        "caseIdList",
        "displayId",
        "includeCommunications",
        "includeResolvedCases",
        "language",
        "maxResults",
        "nextToken",
    ]
    assert _field(op.inputs, "maxResults").attrs == {
        "Type": "Integer",
        "Valid Range": "Minimum value of 10. Maximum value of 100.",
    }
    assert _field(op.inputs, "caseIdList").attrs["Array Members"].startswith("Minimum number of 0")
    # The reference never says which Support members are required.
    assert not any(f.required for f in op.inputs)


def test_support_errors_with_status_and_message() -> None:
    op = _op("support", "AddAttachmentsToSet")
    assert [(e.name, e.status) for e in op.errors] == [
        ("AttachmentLimitExceeded", 400),
        ("AttachmentSetExpired", 400),
        ("AttachmentSetIdNotFound", 400),
        ("AttachmentSetSizeLimitExceeded", 400),
        ("InternalServerError", 500),
    ]
    assert op.errors[0].message_doc is not None
    throttled = _op("support", "DescribeTrustedAdvisorChecks").errors[-1]
    assert (throttled.name, throttled.status, throttled.message_doc) == (
        "ThrottlingException",
        400,
        None,
    )


def test_support_common_errors() -> None:
    common = {e.name: e.status for e in _ref("support").common_errors}
    assert common["InvalidClientTokenId"] == 403
    assert common["ServiceUnavailable"] == 503
    assert len(common) == 11


def test_support_draft_types_and_enums() -> None:
    shapes = _draft("support")["shapes"]
    assert shapes["Attachment"]["members"]["data"]["shape"] == "Data"
    assert shapes["Data"]["type"] == "blob"
    assert shapes["MillisUntilNextRefreshable"]["type"] == "long"
    assert shapes["CommunicationBody"] == {
        "type": "string",
        "min": 1,
        "max": 8000,
        "documentation": shapes["CommunicationBody"]["documentation"],
    }
    # "Valid values: low | normal | ..." inside the description becomes an enum (the
    # draft names the shape "Code" and clashes with Category.code; SHAPE_NAMES fixes it).
    severity = _ref("support").data_types[9]
    assert severity.name == "SeverityLevel"
    assert write._doc_enum(severity.members[0].doc) == [
        "low",
        "normal",
        "high",
        "urgent",
        "critical",
    ]
    assert shapes["DescribeCreateCaseOptionsResponse"]["members"]["communicationTypes"]
    assert shapes["CommunicationTypes"]["min"] == 1 and shapes["CommunicationTypes"]["max"] == 100


# ---- CodeGuru Profiler (restJson1) ---------------------------------------------------


def test_codeguru_lists_all_actions_and_data_types() -> None:
    ref = _ref("codeguruprofiler")
    assert len(ref.operations) == 23
    assert len(ref.data_types) == 19


def test_codeguru_http_bindings_from_request_syntax() -> None:
    op = _op("codeguruprofiler", "ListProfileTimes")
    assert (op.method, op.uri, op.status) == (
        "GET",
        "/profilingGroups/{profilingGroupName}/profileTimes",
        200,
    )
    locations = {f.name: (f.location, f.location_name) for f in op.inputs}
    assert locations["profilingGroupName"] == ("uri", "profilingGroupName")
    # the syntax block is cut ("startTime=start"); the key still binds the member
    assert locations["startTime"] == ("querystring", "startTime")
    assert locations["orderBy"] == ("querystring", "orderBy")
    submit = _op("codeguruprofiler", "SubmitFeedback")
    assert submit.uri == (
        "/internal/profilingGroups/{profilingGroupName}/anomalies/{anomalyInstanceId}/feedback"
    )
    assert submit.status == 204
    assert _op("codeguruprofiler", "CreateProfilingGroup").status == 201


def test_codeguru_headers_and_binary_payloads() -> None:
    get = _op("codeguruprofiler", "GetProfile")
    assert {f.name: (f.location, f.location_name) for f in get.outputs} == {
        "contentEncoding": ("header", "Content-Encoding"),
        "contentType": ("header", "Content-Type"),
        "profile": ("payload", None),
    }
    accept = _field(get.inputs, "accept")
    assert (accept.location, accept.location_name) == ("header", "Accept")
    post = _op("codeguruprofiler", "PostAgentProfile")
    assert _field(post.inputs, "agentProfile").location == "payload"
    assert _field(post.inputs, "contentType").location_name == "Content-Type"


def test_codeguru_constraints_and_required() -> None:
    op = _op("codeguruprofiler", "AddNotificationChannels")
    channels = _field(op.inputs, "channels")
    assert channels.required
    assert channels.attrs["Type"] == "Array of Channel objects"
    name = _field(op.inputs, "profilingGroupName")
    assert name.attrs["Pattern"] == "^[\\w-]+$"
    assert name.attrs["Length Constraints"] == "Minimum length of 1. Maximum length of 255."
    channel = next(t for t in _ref("codeguruprofiler").data_types if t.name == "Channel")
    publishers = _field(channel.members, "eventPublishers")
    assert publishers.attrs["Array Members"] == "Fixed number of 1 item."
    assert publishers.attrs["Valid Values"] == "AnomalyDetection"


def test_codeguru_draft_keeps_the_text_slips() -> None:
    """The draft is the reference as written; the corrections are applied afterwards."""
    draft = _draft("codeguruprofiler")
    errors = {e["shape"] for e in draft["operations"]["GetPolicy"]["errors"]}
    assert "InternalServerErrorException" in errors
    assert draft["shapes"]["ClientToken"]["pattern"] == "^\\[\\w-\\]+"
    channels = draft["shapes"]["EventPublishers"]
    assert (channels["min"], channels["max"]) == (1, 1)


def test_corrections_reach_the_model() -> None:
    model = build.build_model(_seed("codeguruprofiler"), "codeguruprofiler")
    shapes = model["shapes"]
    assert "InternalServerErrorException" not in shapes
    assert shapes["InternalServerException"]["error"] == {"httpStatusCode": 500}
    assert shapes["ClientToken"]["pattern"] == "^[\\w-]+$"
    assert shapes["Timestamp"]["timestampFormat"] == "iso8601"
    assert shapes["CreateProfilingGroupResponse"]["payload"] == "profilingGroup"
    token = shapes["CreateProfilingGroupRequest"]["members"]["clientToken"]
    assert token["idempotencyToken"] is True


def test_every_fix_has_a_reason_and_the_readme_has_the_table() -> None:
    for _, fix in FIXES:
        assert fix.reason and fix.reference and fix.model, fix
    table = correct.decision_table()
    assert README.read_text(encoding="utf-8").count(table) == 1, (
        "models/README.md must contain `python -m codegen.transcribe --decisions` verbatim"
    )
