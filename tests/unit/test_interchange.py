"""awsmith.to_dict / awsmith.from_dict: exact output, round trips over every generated
shape and modeled error of both services, and every failure path."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import awsmith
from awsmith import ParamValidationError, from_dict, to_dict
from awsmith._core.metadata import ResponseMetadata
from awsmith.codeguruprofiler.shapes import (
    AggregationPeriod,
    BatchGetFrameMetricDataResponse,
    ListProfileTimesResponse,
    ListTagsForResourceResponse,
    PostAgentProfileRequest,
    ProfileTime,
)
from awsmith.support import errors as support_errors
from awsmith.support.shapes import (
    CaseDetails,
    CaseStatus,
    Communication,
    DescribeCasesRequest,
    DescribeCasesResponse,
    RecentCaseCommunications,
    ThrottlingReason,
    TrustedAdvisorCategorySpecificSummary,
    TrustedAdvisorCheckResult,
    TrustedAdvisorCostOptimizingSummary,
    TrustedAdvisorResourceDetail,
    TrustedAdvisorResourcesSummary,
)
from codegen.emit_shapes import error_fields
from tests.unit.shape_values import (
    SERVICES,
    model,
    modeled_errors,
    shapes_module,
    structures,
    values,
)

# ---------------------------------------------------------------- exact output


def a_case() -> CaseDetails:
    return CaseDetails(
        case_id="case-1",
        status=CaseStatus.OPENED,
        recent_communications=RecentCaseCommunications(
            communications=[Communication(body="hello", time_created="2024-05-01T10:00:00Z")],
            next_token="t2",
        ),
    )


def test_to_dict_python_names_leaves_out_none_and_metadata() -> None:
    response = DescribeCasesResponse(
        cases=[a_case()],
        response_metadata=ResponseMetadata(
            request_id="req-1", status_code=200, headers={}, attempts=1
        ),
    )
    assert to_dict(response) == {
        "cases": [
            {
                "case_id": "case-1",
                "status": "opened",
                "recent_communications": {
                    "communications": [{"body": "hello", "time_created": "2024-05-01T10:00:00Z"}],
                    "next_token": "t2",
                },
            }
        ]
    }


def test_to_dict_wire_names_are_the_models_member_names() -> None:
    assert to_dict(a_case(), names="wire") == {
        "caseId": "case-1",
        "status": "opened",
        "recentCommunications": {
            "communications": [{"body": "hello", "timeCreated": "2024-05-01T10:00:00Z"}],
            "nextToken": "t2",
        },
    }


def test_to_dict_keeps_none_when_asked() -> None:
    assert to_dict(ProfileTime(), omit_none=False) == {"start": None}
    assert to_dict(ListProfileTimesResponse(profile_times=[]), omit_none=False, names="wire") == {
        "nextToken": None,
        "profileTimes": [],
    }


def test_to_dict_scalars_are_json_ready() -> None:
    plus2 = timezone(timedelta(hours=2))
    times = ListProfileTimesResponse(
        profile_times=[
            ProfileTime(start=datetime(2024, 5, 1, 12, 0, 0, tzinfo=plus2)),
            ProfileTime(start=datetime(999, 1, 2, 3, 4, 5, 600, tzinfo=UTC)),
        ]
    )
    assert to_dict(times) == {
        "profile_times": [
            {"start": "2024-05-01T10:00:00Z"},
            {"start": "0999-01-02T03:04:05.000600Z"},
        ]
    }
    request = PostAgentProfileRequest(
        agent_profile=b"\x00\xffprofile", content_type="application/json", profiling_group_name="g"
    )
    out = to_dict(request, names="wire")
    assert out == {
        "agentProfile": "AP9wcm9maWxl",
        "contentType": "application/json",
        "profilingGroupName": "g",
    }
    assert json.loads(json.dumps(out)) == out


def test_to_dict_keeps_unknown_enum_values_as_plain_strings() -> None:
    out = to_dict(CaseDetails(status=CaseStatus("escalated")))
    assert out == {"status": "escalated"}
    assert type(out["status"]) is str


def test_to_dict_writes_an_unknown_enum_value_of_a_str_subclass_as_a_plain_str() -> None:
    """to_dict reads an enum member's text without a call (``_value_``): the
    pseudo-member of a ``str`` subclass must hold a plain ``str`` too."""

    class Text(str):
        pass

    status = CaseStatus(Text("escalated"))
    assert (type(status.value), type(to_dict(CaseDetails(status=status))["status"])) == (str, str)


def test_to_dict_of_a_modeled_error() -> None:
    error = support_errors.ThrottlingException(
        "slow down", throttling_reasons=[ThrottlingReason(reason="rate")]
    )
    assert to_dict(error) == {"message": "slow down", "throttling_reasons": [{"reason": "rate"}]}
    assert to_dict(error, names="wire") == {
        "message": "slow down",
        "throttlingReasons": [{"reason": "rate"}],
    }
    assert to_dict(support_errors.CaseIdNotFound("no such case")) == {"message": "no such case"}
    back = from_dict(support_errors.ThrottlingException, to_dict(error))
    assert type(back) is support_errors.ThrottlingException
    assert (back.message, back.throttling_reasons) == (
        "slow down",
        [ThrottlingReason(reason="rate")],
    )
    assert back.code == "ThrottlingException"


# ---------------------------------------------------------------- from_dict conversions


def test_from_dict_reads_every_wire_form_of_a_timestamp() -> None:
    expected = datetime(2020, 6, 1, 13, 15, 2, 1000, tzinfo=UTC)
    for value in (
        "2020-06-01T13:15:02.001Z",
        "2020-06-01T15:15:02.001+02:00",
        1591017302.001,
        "1591017302.001",
        datetime(2020, 6, 1, 15, 15, 2, 1000, tzinfo=timezone(timedelta(hours=2))),
    ):
        assert from_dict(ProfileTime, {"start": value}).start == expected, value
    assert from_dict(ProfileTime, {"start": 0}).start == datetime(1970, 1, 1, tzinfo=UTC)


def test_from_dict_reads_base64_text_and_bytes() -> None:
    data = {"agentProfile": "AP9wcm9maWxl", "contentType": "c", "profilingGroupName": "g"}
    assert (
        from_dict(PostAgentProfileRequest, data, names="wire").agent_profile == b"\x00\xffprofile"
    )
    data["agentProfile"] = b"raw"  # type: ignore[assignment]  # a botocore fixture holds bytes
    assert from_dict(PostAgentProfileRequest, data, names="wire").agent_profile == b"raw"


def test_from_dict_keeps_unknown_enum_values() -> None:
    case = from_dict(CaseDetails, {"status": "escalated"})
    assert case.status == "escalated"
    assert isinstance(case.status, CaseStatus)
    assert from_dict(CaseDetails, {"status": "opened"}).status is CaseStatus.OPENED


# ---------------------------------------------------------------- failures


def error_of(
    cls: type[Any], data: Any, names: Any = "python", strict: bool | None = None
) -> ParamValidationError:
    with pytest.raises(ParamValidationError) as info:
        from_dict(cls, data, names=names, strict=strict)
    return info.value


def four_cases(last: dict[str, Any]) -> dict[str, Any]:
    return {"cases": [{}, {}, {}, {"recent_communications": {"communications": [last]}}]}


def test_a_wrong_type_names_the_full_path() -> None:
    error = error_of(DescribeCasesResponse, four_cases({"time_created": 5}))
    assert error.field == "cases[3].recent_communications.communications[0].time_created"
    assert error.rule == "type"
    assert str(error) == (
        "Invalid value for 'cases[3].recent_communications.communications[0].time_created': "
        "expected a string, got int 5"
    )


def test_the_path_uses_the_names_of_the_data() -> None:
    data = {"cases": [{}, {"recentCommunications": {"communications": [{"timeCreated": 5}]}}]}
    error = error_of(DescribeCasesResponse, data, names="wire")
    assert error.field == "cases[1].recentCommunications.communications[0].timeCreated"


def test_an_unknown_key_is_rejected_with_its_path() -> None:
    error = error_of(DescribeCasesResponse, four_cases({"time_created": "t", "sent_by": "me"}))
    assert error.field == "cases[3].recent_communications.communications[0].sent_by"
    assert error.rule == "unknown"
    assert error.detail == (
        "unknown key 'sent_by'; expected one of attachment_set, attachments, body, case_id, "
        "submitted_by, time_created"
    )
    # a wire name is an unknown key in Python names, and the other way round (wire names
    # are strict only when asked: see test_wire_names_ignore_unknown_members_by_default)
    assert error_of(CaseDetails, {"caseId": "c"}).field == "caseId"
    assert error_of(CaseDetails, {"case_id": "c"}, names="wire", strict=True).field == "case_id"


@pytest.mark.parametrize(
    ("data", "field", "detail"),
    [
        ({"start": "yesterday"}, "profile_times[0].start", "expected a timestamp (ISO 8601 or epoch seconds), got str 'yesterday'"),
        ({"start": True}, "profile_times[0].start", "expected a timestamp, got bool True"),
        ({"start": datetime(2024, 1, 1)}, "profile_times[0].start", "expected an aware datetime (naive datetimes are ambiguous), got datetime datetime.datetime(2024, 1, 1, 0, 0)"),
        ("2024", "profile_times[0]", "expected a dict, got str '2024'"),
    ],
)  # fmt: skip
def test_bad_timestamps_and_structures(data: Any, field: str, detail: str) -> None:
    error = error_of(ListProfileTimesResponse, {"profile_times": [data]})
    assert (error.field, error.rule, error.detail) == (field, "type", detail)


def test_bad_base64_and_wrong_scalars() -> None:
    data: dict[str, Any] = {
        "agent_profile": "not base64!",
        "content_type": "c",
        "profiling_group_name": "g",
    }
    error = error_of(PostAgentProfileRequest, data)
    assert (error.field, error.detail) == (
        "agent_profile",
        "expected base64 text, got str 'not base64!'",
    )
    data["agent_profile"] = 7
    assert (
        error_of(PostAgentProfileRequest, data).detail == "expected base64 text or bytes, got int 7"
    )
    assert (
        error_of(ListProfileTimesResponse, {"profile_times": {}}).detail
        == "expected a list, got dict {}"
    )
    assert error_of(CaseDetails, {"status": 3}).detail == "expected a string, got int 3"


def test_a_missing_required_member() -> None:
    """Refused when strict (Python names by default, wire names on request); read
    leniently (wire names by default) it gets the parser's default, as a response
    leaving it out does (issue 22 item 1; at 5147b1e both ways refused it)."""
    wire = {"agentProfile": "", "contentType": "c"}
    error = error_of(PostAgentProfileRequest, wire, names="wire", strict=True)
    assert (error.field, error.rule, error.detail) == (
        "profilingGroupName",
        "required",
        "a value is required",
    )
    error = error_of(PostAgentProfileRequest, {"agent_profile": "", "content_type": "c"})
    assert (error.field, error.rule) == ("profiling_group_name", "required")
    assert from_dict(PostAgentProfileRequest, wire, names="wire") == PostAgentProfileRequest(
        agent_profile=b"", content_type="c", profiling_group_name=""
    )
    none = {**wire, "profilingGroupName": None}
    assert from_dict(PostAgentProfileRequest, none, names="wire").profiling_group_name == ""


def test_the_root_must_be_a_dict() -> None:
    error = error_of(CaseDetails, ["case"])
    assert (error.field, error.detail) == ("<root>", "expected a dict, got list ['case']")


def test_to_dict_rejects_a_naive_datetime_with_its_path() -> None:
    times = ListProfileTimesResponse(
        profile_times=[
            ProfileTime(start=datetime(2024, 1, 1, tzinfo=UTC)),
            ProfileTime(start=datetime(2024, 1, 1)),
        ]
    )
    with pytest.raises(ParamValidationError) as info:
        to_dict(times)
    assert info.value.field == "profile_times[1].start"
    assert info.value.detail == "expected an aware datetime (naive datetimes are ambiguous)"


# ---------------------------------------------------------------- values set in code


def _y1_east() -> datetime:
    return datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))  # before 0001-01-01 UTC


def _times(*starts: Any) -> ListProfileTimesResponse:
    return ListProfileTimesResponse(profile_times=[ProfileTime(start=t) for t in starts])


_NOW = datetime(2024, 1, 1, tzinfo=UTC)

UNCONVERTIBLE: list[tuple[str, Any, str, str]] = [
    ("text-for-datetime", _times(_NOW, "2024-01-01T00:00:00Z"), "profile_times[1].start",
     "expected an aware datetime, got str '2024-01-01T00:00:00Z'"),
    ("int-for-datetime", _times(1700000000), "profile_times[0].start",
     "expected an aware datetime, got int 1700000000"),
    ("str-for-bytes",
     PostAgentProfileRequest(agent_profile="{}", content_type="c", profiling_group_name="g"),  # type: ignore[arg-type]
     "agent_profile", "expected bytes, got str '{}'"),
    ("str-for-float",
     TrustedAdvisorCostOptimizingSummary(estimated_monthly_savings="12", estimated_percent_monthly_savings=1.0),  # type: ignore[arg-type]
     "estimated_monthly_savings", "expected a float, got str '12'"),
    ("dict-for-shape", DescribeCasesResponse(cases=[{"case_id": "c"}]),  # type: ignore[list-item]
     "cases[0]", "expected a CaseDetails, got dict {'case_id': 'c'}"),
    ("none-in-a-dense-list", DescribeCasesResponse(cases=[a_case(), None]),  # type: ignore[list-item]
     "cases[1]", "expected a CaseDetails, got NoneType None"),
    ("naive-datetime", _times(datetime(2024, 1, 1)), "profile_times[0].start",
     "expected an aware datetime (naive datetimes are ambiguous)"),
    ("int-for-list", ListProfileTimesResponse(profile_times=5),  # type: ignore[arg-type]
     "profile_times", "expected a list, got int 5"),
    ("list-for-map", ListTagsForResourceResponse(tags=[("k", "v", "x")]),  # type: ignore[arg-type]
     "tags", "expected a dict, got list [('k', 'v', 'x')]"),
    ("error-field", support_errors.ThrottlingException("m", throttling_reasons=[{"reason": "r"}]),  # type: ignore[list-item]
     "throttling_reasons[0]", "expected a ThrottlingReason, got dict {'reason': 'r'}"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obj", "field", "detail"),
    [case[1:] for case in UNCONVERTIBLE],
    ids=[case[0] for case in UNCONVERTIBLE],
)
@pytest.mark.parametrize("names", ["python", "wire"])
def test_to_dict_names_a_value_of_the_wrong_type(
    obj: Any, field: str, detail: str, names: Any
) -> None:
    """At e82cd98 these escaped as AttributeError, TypeError or OverflowError."""
    with pytest.raises(ParamValidationError) as info:
        to_dict(obj, names=names)
    error = info.value
    assert (error.field, error.rule, error.detail) == (field, "type", detail)
    assert str(error) == f"Invalid value for {field!r}: {detail}"
    assert error.__cause__ is None and error.__suppress_context__


def _summary(**members: Any) -> TrustedAdvisorResourcesSummary:
    counts = {"resources_processed": 3, "resources_flagged": 1, "resources_ignored": 0}
    return TrustedAdvisorResourcesSummary(**{"resources_suppressed": 0, **counts, **members})


def _check_result(**members: Any) -> TrustedAdvisorCheckResult:
    base: dict[str, Any] = {
        "check_id": "c",
        "status": "ok",
        "timestamp": "t",
        "resources_summary": _summary(),
        "category_specific_summary": TrustedAdvisorCategorySpecificSummary(),
        "flagged_resources": [],
    }
    return TrustedAdvisorCheckResult(**{**base, **members})


def _frame_data(**members: Any) -> BatchGetFrameMetricDataResponse:
    base: dict[str, Any] = {
        "start_time": _NOW,
        "end_time": _NOW,
        "end_times": [],
        "resolution": AggregationPeriod.PT5_M,
        "frame_metric_data": [],
        "unprocessed_end_times": {},
    }
    return BatchGetFrameMetricDataResponse(**{**base, **members})


#: Values of the wrong type that to_dict wrote at 5147b1e, output that from_dict then
#: refused or read as something else (issue 22, review of item 15): the rule is
#: validation's, for every member.
WRONG_TYPES: list[tuple[str, Any, str, str, str]] = [
    ("str-for-list", TrustedAdvisorResourceDetail(status="ok", resource_id="r", metadata="us-east-1"),  # type: ignore[arg-type]
     "metadata", "type", "expected a list, got str 'us-east-1'"),
    ("str-for-request-list", DescribeCasesRequest(case_id_list="case-1"),  # type: ignore[arg-type]
     "case_id_list", "type", "expected a list, got str 'case-1'"),
    ("none-for-required-str", _check_result(check_id=None),
     "check_id", "required", "a value is required"),
    ("none-for-required-int", _check_result(resources_summary=_summary(resources_processed=None)),
     "resources_summary.resources_processed", "required", "a value is required"),
    ("none-for-required-enum", _frame_data(resolution=None),
     "resolution", "required", "a value is required"),
    ("none-for-required-datetime", _frame_data(end_time=None),
     "end_time", "required", "a value is required"),
    ("none-for-required-list", _check_result(flagged_resources=None),
     "flagged_resources", "required", "a value is required"),
    ("none-for-required-shape", _check_result(resources_summary=None),
     "resources_summary", "required", "a value is required"),
    ("int-for-enum", CaseDetails(status=3),  # type: ignore[arg-type]
     "status", "type", "expected a str or CaseStatus, got int 3"),
    ("decimal-for-double", TrustedAdvisorCostOptimizingSummary(estimated_monthly_savings=Decimal("1.5"), estimated_percent_monthly_savings=1.0),
     "estimated_monthly_savings", "type", "expected a float, got Decimal Decimal('1.5')"),
    ("bool-for-double", TrustedAdvisorCostOptimizingSummary(estimated_monthly_savings=True, estimated_percent_monthly_savings=1.0),
     "estimated_monthly_savings", "type", "expected a float, got bool True"),
    ("none-in-a-dense-str-list", CaseDetails(cc_email_addresses=["a@example.com", None]),  # type: ignore[list-item]
     "cc_email_addresses[1]", "type", "expected a str, got NoneType None"),
    ("none-in-a-dense-map", ListTagsForResourceResponse(tags={"k": None}),  # type: ignore[dict-item]
     "tags['k']", "type", "expected a str, got NoneType None"),
    ("int-map-key", ListTagsForResourceResponse(tags={1: "v"}),  # type: ignore[dict-item]
     "tags[1]", "type", "keys: expected a str, got int 1"),
    ("str-for-int", _check_result(resources_summary=_summary(resources_processed="3")),
     "resources_summary.resources_processed", "type", "expected an int, got str '3'"),
    ("bool-for-int", _check_result(resources_summary=_summary(resources_flagged=True)),
     "resources_summary.resources_flagged", "type", "expected an int, got bool True"),
    ("float-for-int", _check_result(resources_summary=_summary(resources_ignored=1.0)),
     "resources_summary.resources_ignored", "type", "expected an int, got float 1.0"),
    ("str-for-bool", TrustedAdvisorResourceDetail(status="ok", resource_id="r", metadata=[], is_suppressed="yes"),  # type: ignore[arg-type]
     "is_suppressed", "type", "expected a bool, got str 'yes'"),
    ("int-for-str", CaseDetails(case_id=5),  # type: ignore[arg-type]
     "case_id", "type", "expected a str, got int 5"),
    ("int-for-message", support_errors.CaseIdNotFound(5),  # type: ignore[arg-type]
     "message", "type", "expected a str, got int 5"),
    ("wrong-shape-class", DescribeCasesResponse(cases=[Communication()]),  # type: ignore[list-item]
     "cases[0]", "type", "expected a CaseDetails, got Communication Communication(attachment_set=None, attachments=None, body..."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obj", "field", "rule", "detail"),
    [case[1:] for case in WRONG_TYPES],
    ids=[case[0] for case in WRONG_TYPES],
)
@pytest.mark.parametrize("omit_none", [True, False])
def test_to_dict_refuses_what_would_not_read_back(
    obj: Any, field: str, rule: str, detail: str, omit_none: bool
) -> None:
    """Every member is checked as validation checks a request: a ParamValidationError
    naming the path, with the rule validation would name."""
    with pytest.raises(ParamValidationError) as info:
        to_dict(obj, omit_none=omit_none)
    error = info.value
    assert (error.field, error.rule, error.detail) == (field, rule, detail)
    assert str(error) == f"Invalid value for {field!r}: {detail}"


def test_to_dict_takes_what_validation_takes() -> None:
    """The values of the right type besides the exact ones: an int for a double, any
    sequence for a list, bytes-likes for a blob, a literal for an enum, a sparse
    list's None. Each reads back to an equal object."""
    cost = TrustedAdvisorCostOptimizingSummary(
        estimated_monthly_savings=12, estimated_percent_monthly_savings=float("nan")
    )
    assert to_dict(cost) == {
        "estimated_monthly_savings": 12,
        "estimated_percent_monthly_savings": "NaN",
    }
    request = DescribeCasesRequest(case_id_list=("a", "b"), language="en")
    assert to_dict(request) == {"case_id_list": ["a", "b"], "language": "en"}
    assert from_dict(DescribeCasesRequest, to_dict(request)) == DescribeCasesRequest(
        case_id_list=["a", "b"], language="en"
    )
    profile = PostAgentProfileRequest(
        agent_profile=memoryview(b"ab"), content_type="c", profiling_group_name="g"
    )
    assert to_dict(profile)["agent_profile"] == "YWI="
    detail = TrustedAdvisorResourceDetail(status="ok", resource_id="r", metadata=["a", None])
    assert to_dict(detail)["metadata"] == ["a", None]
    assert to_dict(CaseDetails(status="opened")) == {"status": "opened"}  # the literal


# ---------------------------------------------------------------- reading the wire's JSON


def test_wire_names_ignore_unknown_members_by_default() -> None:
    """AWS CLI output with members newer than the model, at every level. At e82cd98
    ``names="wire"`` refused it ("unknown key 'newMember'")."""
    cli = {
        "cases": [{"caseId": "c-1", "newMember": {"x": 1}, "recentCommunications": {"brandNew": []}}],
        "nextToken": "t",
        "servedBy": "2027 model",
    }
    read = from_dict(DescribeCasesResponse, cli, names="wire")
    assert read == DescribeCasesResponse(
        cases=[CaseDetails(case_id="c-1", recent_communications=RecentCaseCommunications())],
        next_token="t",
    )
    # strict on request: the same input refused, naming an unknown key (the outer first)
    error = error_of(DescribeCasesResponse, cli, names="wire", strict=True)
    assert (error.field, error.rule) == ("servedBy", "unknown")
    del cli["servedBy"]
    error = error_of(DescribeCasesResponse, cli, names="wire", strict=True)
    assert (error.field, error.rule) == ("cases[0].newMember", "unknown")
    # Python names stay strict by default (a misspelt name is a mistake), lax on request
    python = {"cases": [{"case_id": "c-1", "case_idd": "x"}]}
    assert error_of(DescribeCasesResponse, python).field == "cases[0].case_idd"
    lax = from_dict(DescribeCasesResponse, python, strict=False)
    assert lax == DescribeCasesResponse(cases=[CaseDetails(case_id="c-1")])


def test_a_botocore_response_reads_back_as_awsmith_parses_it() -> None:
    """A boto3/aiobotocore response: botocore's parser output, ResponseMetadata,
    datetimes and all."""
    import botocore.loaders
    import botocore.model
    import botocore.parsers
    import httpx
    from botocore.awsrequest import HeadersDict

    from awsmith._core.transport.http import TransportResponse
    from awsmith.codeguruprofiler import _serde

    body = json.dumps(
        {
            "profileTimes": [{"start": "2026-12-01T10:00:00.250Z"}, {"start": "2026-12-01T11:00:00Z"}],
            "nextToken": "n",
        }
    ).encode()
    headers = {"x-amzn-RequestId": "req-1", "Content-Type": "application/json"}
    loader = botocore.loaders.create_loader()
    model = botocore.model.ServiceModel(
        loader.load_service_model("codeguruprofiler", "service-2"), "codeguruprofiler"
    )
    parsed = botocore.parsers.create_parser("rest-json").parse(
        {"status_code": 200, "headers": HeadersDict(headers), "body": body},
        model.operation_model("ListProfileTimes").output_shape,
    )
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    ours = _serde.LIST_PROFILE_TIMES.parse(TransportResponse(200, httpx.Headers(headers), body))
    assert from_dict(ListProfileTimesResponse, parsed, names="wire") == ours


def test_strict_must_be_a_bool_or_none() -> None:
    with pytest.raises(TypeError, match="strict must be True, False or None, got 'yes'"):
        from_dict(CaseDetails, {}, strict="yes")  # type: ignore[arg-type]


def test_arguments_that_are_not_shapes_or_name_styles() -> None:
    with pytest.raises(TypeError, match="to_dict takes a generated shape or error, got dict"):
        to_dict({"case_id": "c"})
    with pytest.raises(TypeError, match="from_dict takes a generated shape or error class"):
        from_dict(dict, {})
    with pytest.raises(ValueError, match="names must be 'python' or 'wire', got 'camel'"):
        to_dict(a_case(), names="camel")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="names must be 'python' or 'wire', got 'camel'"):
        from_dict(CaseDetails, {}, names="camel")  # type: ignore[arg-type]


# ---------------------------------------------------------------- round trips


def test_the_round_trips_cover_every_generated_class() -> None:
    for service in SERVICES:
        hooks = importlib.import_module(f"awsmith.{service}._interchange").CONVERSIONS
        shapes = {
            getattr(shapes_module(service), model(service).shapes[n].class_name)
            for s, n in structures()
            if s == service
        }
        errors = importlib.import_module(f"awsmith.{service}.errors")
        error_classes = {
            getattr(errors, model(service).shapes[n].class_name)
            for s, n in modeled_errors()
            if s == service
        }
        base = getattr(errors, model(service).base_error_name)  # codes the model lacks
        assert set(hooks) == shapes | error_classes | {base}
    assert len(structures()) == 66 + 65  # Support: 53 from the reference, 13 supplemented
    assert len(modeled_errors()) == 23 + 21  # Support: + DryRunOperationException, UploadIdNotFound


@pytest.mark.parametrize(("service", "name"), structures())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_shape_round_trips_in_both_name_styles(
    service: str, name: str, data: st.DataObject
) -> None:
    shape = model(service).shapes[name]
    obj = data.draw(values(service, shape))
    cls = type(obj)
    for names in ("python", "wire"):
        out = to_dict(obj, names=names)
        assert from_dict(cls, out, names=names) == obj
        # JSON-ready: through JSON text and back gives the same object
        assert from_dict(cls, json.loads(json.dumps(out)), names=names) == obj
        assert from_dict(cls, to_dict(obj, names=names, omit_none=False), names=names) == obj


@pytest.mark.parametrize(("service", "name"), modeled_errors())
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_modeled_error_round_trips(service: str, name: str, data: st.DataObject) -> None:
    shape = model(service).shapes[name]
    cls = getattr(importlib.import_module(f"awsmith.{service}.errors"), shape.class_name)
    fields = {
        m.py_name: data.draw(st.none() | values(service, m.shape)) for m in error_fields(shape)
    }
    error = cls(data.draw(st.none() | st.text(max_size=5)), **fields)
    for names in ("python", "wire"):
        back = from_dict(cls, json.loads(json.dumps(to_dict(error, names=names))), names=names)
        assert type(back) is cls
        assert back.message == error.message
        assert {k: getattr(back, k) for k in fields} == fields
        assert to_dict(back, names=names) == to_dict(error, names=names)


def test_public_names() -> None:
    assert awsmith.to_dict is to_dict and awsmith.from_dict is from_dict
    assert {"to_dict", "from_dict"} <= set(awsmith.__all__)


def test_the_service_base_error_of_an_unlisted_code_converts_as_its_message() -> None:
    from awsmith.support.errors import SupportError

    error = SupportError("the service said no", code="BrandNewCode", status_code=400)
    assert to_dict(error) == {"message": "the service said no"}
    assert to_dict(error, names="wire") == {"message": "the service said no"}
    back = from_dict(SupportError, {"message": "the service said no"})
    assert type(back) is SupportError and back.message == "the service said no"


# ---------------------------------------------------------------- what boto3 returns


def _botocore(service: str, op: str, body: bytes, headers: dict[str, str] | None = None) -> Any:
    """botocore's parse of a response to ``op``, as boto3 returns it (its bundled
    model; a StreamingBody for a blob payload, as botocore's endpoint hands it)."""
    import io

    import botocore.parsers
    import botocore.session
    from botocore.awsrequest import HeadersDict
    from botocore.response import StreamingBody

    model = botocore.session.get_session().get_service_model(service)
    operation = model.operation_model(op)
    wire: Any = StreamingBody(io.BytesIO(body), len(body)) if operation.has_streaming_output else body
    return botocore.parsers.create_parser(model.protocol).parse(
        {"status_code": 200, "headers": HeadersDict(headers or {}), "body": wire},
        operation.output_shape,
    )


def _awsmith(service: str, op: str, body: bytes, headers: dict[str, str] | None = None) -> Any:
    import httpx

    from awsmith._core.transport.http import TransportResponse

    serde = importlib.import_module(f"awsmith.{service}._serde")
    operation = getattr(serde, "".join("_" + c.lower() if c.isupper() else c for c in op)[1:].upper())
    return operation.parse(TransportResponse(200, httpx.Headers(headers or {}), body))


def assert_same(read: Any, parsed: Any) -> None:
    """Equal, and equal in form: types, enum members, time zones (``repr``)."""
    assert read == parsed
    assert repr(read) == repr(parsed)
    assert to_dict(read, names="wire") == to_dict(parsed, names="wire")


def test_from_dict_reads_a_trusted_advisor_result_the_plan_does_not_include() -> None:
    """Issue 22 item 1: the result of a check the support plan does not include leaves
    out four required members; botocore's dict lacks them, the parser gives them their
    defaults, and from_dict of the boto3 response gives the same (at 5147b1e:
    "Invalid value for 'result.categorySpecificSummary': a value is required")."""
    from awsmith.support.shapes import DescribeTrustedAdvisorCheckResultResponse

    body = json.dumps({"result": {"checkId": "Hs4Ma3G127", "status": "not_available"}}).encode()
    boto3 = _botocore("support", "DescribeTrustedAdvisorCheckResult", body, {"x-amzn-RequestId": "r"})
    assert set(boto3["result"]) == {"checkId", "status"}
    parsed = _awsmith("support", "DescribeTrustedAdvisorCheckResult", body)
    read = from_dict(DescribeTrustedAdvisorCheckResultResponse, boto3, names="wire")
    assert_same(read, parsed)
    assert read.result.flagged_resources == [] and read.result.timestamp == ""
    assert read.result.resources_summary == _summary(
        resources_processed=0, resources_flagged=0, resources_suppressed=0
    )


@pytest.mark.parametrize(
    ("op", "member"), [("DescribeProfilingGroup", "profilingGroup"), ("ConfigureAgent", "configuration")]
)
def test_a_payload_sent_as_null_reads_as_its_default(op: str, member: str) -> None:
    """Issue 22 item 2: a restJson1 structure payload sent as JSON null. botocore reads
    it as None; the member is required, so awsmith gives it its default, the structure
    read from {} (at 5147b1e: "expected a JSON object at <root>, got NoneType None")."""
    boto3 = _botocore("codeguruprofiler", op, b"null")
    assert boto3[member] is None
    parsed = _awsmith("codeguruprofiler", op, b"null")
    assert_same(parsed, _awsmith("codeguruprofiler", op, b"{}"))
    assert_same(from_dict(type(parsed), boto3, names="wire"), parsed)
    if op == "ConfigureAgent":
        # a default cannot be told from a value the service sent (docs/errors.md)
        configuration = parsed.configuration
        assert (configuration.period_in_seconds, configuration.should_profile) == (0, False)


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"3"])
def test_a_payload_that_is_no_object_is_refused(body: bytes) -> None:
    with pytest.raises(awsmith.ResponseParseError) as info:
        _awsmith("codeguruprofiler", "DescribeProfilingGroup", body)
    assert str(info.value).startswith(
        "Unable to parse the service response: expected a JSON object or null at <root>, got "
    )


def test_from_dict_reads_the_streaming_body_of_a_blob_payload() -> None:
    """Issue 22 item 1: boto3's GetProfile holds ``profile`` as a botocore
    StreamingBody; with wire names from_dict reads it to its end (once)."""
    from awsmith.codeguruprofiler.shapes import GetProfileResponse

    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    boto3 = _botocore("codeguruprofiler", "GetProfile", b"\x00profile\xff", headers)
    stream = boto3["profile"]
    read = from_dict(GetProfileResponse, boto3, names="wire")
    assert_same(read, _awsmith("codeguruprofiler", "GetProfile", b"\x00profile\xff", headers))
    assert read.profile == b"\x00profile\xff"
    assert stream.read() == b""  # used up: documented
    for blob in (bytearray(b"ab"), memoryview(b"ab")):
        data = {"profile": blob, "contentType": "c"}
        assert from_dict(GetProfileResponse, data, names="wire").profile == b"ab"


def test_a_stream_is_read_only_with_wire_names_and_must_give_bytes() -> None:
    import io

    from awsmith.codeguruprofiler.shapes import GetProfileResponse

    error = error_of(GetProfileResponse, {"profile": io.BytesIO(b"x"), "content_type": "c"})
    assert (error.field, error.rule) == ("profile", "type")
    assert error.detail.startswith("expected base64 text or bytes, got BytesIO <_io.BytesIO object at")
    text = io.StringIO("text")
    error = error_of(GetProfileResponse, {"profile": text, "contentType": "c"}, names="wire")
    assert error.detail.startswith(
        "expected a binary stream (its read() returned text), got StringIO <_io.StringIO object"
    )


@pytest.mark.parametrize(
    "start", [1704110400, 1704110400.25, "1704110400", "2024-01-01T12:00:00", "2024-01-01T13:00:00+01:00"]
)
def test_from_dict_reads_botocores_timestamps_as_the_parser_reads_the_text(start: Any) -> None:
    """Issue 22 item 1: botocore gives epoch seconds as a datetime in the local zone
    (tzlocal()), ISO 8601 without an offset as a naive datetime, with one at that
    offset; from_dict gives what the parser gives: the same instant, in UTC (at
    5147b1e: tzlocal() kept, and the naive one refused)."""
    body = json.dumps({"profileTimes": [{"start": start}]}).encode()
    boto3 = _botocore("codeguruprofiler", "ListProfileTimes", body)
    parsed = _awsmith("codeguruprofiler", "ListProfileTimes", body)
    read = from_dict(ListProfileTimesResponse, boto3, names="wire")
    assert_same(read, parsed)
    assert read.profile_times[0].start.tzinfo is UTC


def test_a_local_zone_datetime_reads_in_utc_whatever_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from dateutil.tz import tzlocal

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        local = datetime(2024, 1, 1, 4, 0, tzinfo=tzlocal())
        assert local.utcoffset() == timedelta(hours=-8)
        read = from_dict(ProfileTime, {"start": local}, names="wire").start
        assert repr(read) == "datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_naive_datetime_is_utc_only_with_wire_names() -> None:
    naive = datetime(2024, 1, 1, 12, 0)
    assert from_dict(ProfileTime, {"start": naive}, names="wire").start == naive.replace(tzinfo=UTC)
    error = error_of(ProfileTime, {"start": naive})
    assert error.detail == (
        "expected an aware datetime (naive datetimes are ambiguous), got datetime "
        "datetime.datetime(2024, 1, 1, 12, 0)"
    )


def test_an_instant_utc_cannot_hold_round_trips_at_its_offset() -> None:
    """The parser keeps such a timestamp at its own offset (botocore reads it); to_dict
    writes it so, and from_dict reads it back (at 5147b1e to_dict refused it)."""
    y1 = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    y9999 = datetime(9999, 12, 31, 23, 59, 59, 500, tzinfo=timezone(timedelta(hours=-8)))
    times = _times(y1, y9999)
    out = to_dict(times)
    assert out == {
        "profile_times": [
            {"start": "0001-01-01T00:00:00+01:00"},
            {"start": "9999-12-31T23:59:59.000500-08:00"},
        ]
    }
    back = from_dict(ListProfileTimesResponse, out)
    assert repr(back) == repr(times)


# ---------------------------------------------------------------- the other name style


def test_python_names_read_as_wire_names_are_refused_with_a_hint() -> None:
    """Issue 22 item 4: at 5147b1e a dict in Python names read with names="wire" came
    back with every member None, silently."""
    data = {"cases": [{"case_id": "case-1", "display_id": "1"}], "next_token": "tok"}
    error = error_of(DescribeCasesResponse, data, names="wire")
    assert (error.field, error.rule) == ("next_token", "unknown")
    assert error.detail == (
        "'next_token' is a Python name, not a wire name: the dict looks like Python names; "
        "pass names='python'"
    )
    error = error_of(DescribeCasesResponse, {"cases": [{"case_id": "c", "display_id": "1"}]}, names="wire")
    assert (error.field, error.detail) == (
        "cases[0].case_id",
        "'case_id', 'display_id' are Python names, not wire names: the dict looks like "
        "Python names; pass names='python'",
    )
    error = error_of(CaseDetails, {"caseId": "c"}, strict=False)
    assert (error.field, error.detail) == (
        "caseId",
        "'caseId' is a wire name, not a Python name: the dict looks like wire names; "
        "pass names='wire'",
    )
    # a name both styles share is no hint; unknown keys stay ignored when lenient
    assert from_dict(CaseDetails, {"status": "opened", "brandNew": 1}, names="wire") == CaseDetails(
        status=CaseStatus.OPENED
    )


def test_one_converter_per_direction_and_options() -> None:
    """to_dict and from_dict each build their converter once per option set: at 5147b1e
    ``converter(wire, omit)`` and ``converter(wire, omit, True)`` were two entries."""
    from awsmith._core import interchange

    interchange.dumper.cache_clear()
    interchange.loader.cache_clear()
    for _ in range(2):
        to_dict(a_case())
        to_dict(a_case(), names="python", omit_none=True)
        from_dict(CaseDetails, {})
        from_dict(CaseDetails, {}, strict=True)
    assert interchange.dumper.cache_info().currsize == 1
    assert interchange.loader.cache_info().currsize == 1


# ---------------------------------------------------------------- wrong types, fuzzed

_INT_TYPES = ("integer", "long", "short", "byte", "bigInteger")
_FLOAT_TYPES = ("float", "double", "bigDecimal")
#: Values of every kind, most of them wrong for any one member.
_ANY_VALUE = st.sampled_from(
    [
        None, "", "text", 0, 7, True, 2.5, float("nan"), Decimal("1.5"), b"x",
        bytearray(b"x"), ["a"], ["a", None], [None], ("a",), [], {}, {"k": "v"},
        {"k": None}, {1: "v"}, datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=UTC),
        CaseStatus.OPENED, AggregationPeriod.P1_D, object(),
    ]
)  # fmt: skip


def fits(shape: Any, value: Any, *, required: bool) -> bool:
    """Whether ``value`` has ``shape``'s type as validation defines it (the test's own
    reading of the rule, from the model: not awsmith's code)."""
    if value is None:
        return not required
    t = shape.type
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return type(value) is bool
    if t in _INT_TYPES:
        return isinstance(value, int) and not isinstance(value, bool)
    if t in _FLOAT_TYPES:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if t == "timestamp":
        return isinstance(value, datetime) and value.utcoffset() is not None
    if t == "blob":
        return isinstance(value, bytes | bytearray | memoryview)
    if t == "list":
        if isinstance(value, str | bytes | bytearray) or not isinstance(value, list | tuple):
            return False
        return all(fits(shape.member, item, required=not shape.sparse) for item in value)
    if t == "map":
        if not isinstance(value, dict):
            return False
        return all(
            fits(shape.key, k, required=True) and fits(shape.value, v, required=not shape.sparse)
            for k, v in value.items()
        )
    if shape.is_document:
        return True
    service = next(s for s in SERVICES if shape.name in model(s).shapes)
    return isinstance(value, getattr(shapes_module(service), shape.class_name))


@pytest.mark.parametrize(("service", "name"), structures())
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_to_dict_writes_only_what_reads_back(service: str, name: str, data: st.DataObject) -> None:
    """Issue 22 (review of item 15): any member of any shape set to a value of any
    type. to_dict refuses it, naming the member, exactly when it is not of the
    member's type; what it writes, from_dict reads back to an object that writes the
    same dict."""
    import attrs

    shape = model(service).shapes[name]
    valid = data.draw(values(service, shape), label="valid")
    if not shape.members:
        return
    member = data.draw(st.sampled_from(shape.members), label="member")
    value = data.draw(st.one_of(_ANY_VALUE, values(service, member.shape)), label="value")
    obj = attrs.evolve(valid, **{member.py_name: value})
    required = member.required and not shape.is_union
    names = data.draw(st.sampled_from(["python", "wire"]), label="names")
    try:
        out = to_dict(obj, names=names)
    except ParamValidationError as exc:
        assert not fits(member.shape, value, required=required), exc
        assert exc.field.split("[")[0].split(".")[0] == member.py_name
        assert exc.rule == ("required" if value is None else "type")
    else:
        assert fits(member.shape, value, required=required), out
        assert to_dict(from_dict(type(obj), out, names=names), names=names) == out


_ZONES = st.one_of(
    st.just(UTC),
    st.timedeltas(-timedelta(hours=24) + timedelta.resolution, timedelta(hours=24)).filter(
        lambda offset: abs(offset) < timedelta(hours=24)
    ).map(timezone),
    st.timezones(),
)


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999), timezones=_ZONES))
def test_every_timestamp_round_trips_through_to_dict(moment: datetime) -> None:
    """Years 1 to 9999 at any offset, microseconds: to_dict writes what from_dict reads
    back to the same value (a year before 1000 with four digits, where the wire writes
    botocore's ``strftime`` text; tests/differential/test_serialize_diff.py)."""
    from awsmith._core.serde import in_utc

    times = _times(in_utc(moment))  # as the parser gives it: in UTC where UTC holds it
    out = to_dict(times)
    assert out["profile_times"][0]["start"][:4].isdigit()
    back = from_dict(ListProfileTimesResponse, out)
    assert back == times  # the same instant, and at the same offset:
    read = [t.start.utcoffset() for t in back.profile_times or [] if t.start is not None]
    assert read == [in_utc(moment).utcoffset()]
