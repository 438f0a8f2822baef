"""awsmith.to_dict / awsmith.from_dict: exact output, round trips over every generated
shape and modeled error of both services, and every failure path."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import awsmith
from awsmith import ParamValidationError, from_dict, to_dict
from awsmith._core.metadata import ResponseMetadata
from awsmith.codeguruprofiler.shapes import (
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
    DescribeCasesResponse,
    RecentCaseCommunications,
    ThrottlingReason,
    TrustedAdvisorCostOptimizingSummary,
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
    error = error_of(
        PostAgentProfileRequest, {"agentProfile": "", "contentType": "c"}, names="wire"
    )
    assert (error.field, error.rule) == ("profilingGroupName", "required")


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
    ("year-1-east-of-utc", _times(_y1_east()), "profile_times[0].start",
     "expected a datetime that UTC can hold, got 0001-01-01T00:00:00+01:00"),
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


def test_to_dict_copies_str_int_and_bool_as_they_are() -> None:
    """What the conversion copies is not checked (no cost for correct objects), so a
    wrong type there is no error, and the check of the others never blames one."""
    summary = TrustedAdvisorResourcesSummary(
        resources_processed="3",  # type: ignore[arg-type]
        resources_flagged=1,
        resources_ignored=0,
        resources_suppressed=0,
    )
    assert to_dict(summary)["resources_processed"] == "3"


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
        hooks = importlib.import_module(f"awsmith.{service}._interchange").HOOKS
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
