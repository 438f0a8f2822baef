"""JSON nulls and missing members in responses (models/README.md, "Nulls in lists and
maps" and "Required members a response leaves out"), through a client as a user calls
it, with botocore's parser as the oracle where it has an answer.

- a null item of a sparse list keeps its place (Trusted Advisor's columns);
- a null item of a dense list, or value of a dense map, is dropped, by the parser and by
  ``from_dict`` alike; validation refuses one in a request;
- a required member the response leaves out gets Smithy's default; the rest of the
  response is read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import botocore.loaders
import botocore.model
import botocore.parsers
import pytest
from botocore.awsrequest import HeadersDict

import awsmith
from awsmith.codeguruprofiler import shapes as c
from awsmith.support import shapes as s
from tests.unit.mockaws import REQUEST_ID, Script, codeguru, json_reply, support

CHECK_ID = "Hs4Ma3G127"


def botocore_parse(service: str, op: str, body: dict[str, Any]) -> dict[str, Any]:
    """botocore's parse of a 200 response with this JSON body (its bundled model)."""
    loader = botocore.loaders.create_loader()
    model = botocore.model.ServiceModel(loader.load_service_model(service, "service-2"), service)
    response = {
        "status_code": 200,
        "headers": HeadersDict({"x-amzn-RequestId": REQUEST_ID}),
        "body": json.dumps(body).encode(),
    }
    parser = botocore.parsers.create_parser(model.protocol)
    parsed: dict[str, Any] = parser.parse(response, model.operation_model(op).output_shape)
    return parsed


def flagged(metadata: list[str | None]) -> dict[str, Any]:
    return {
        "status": "warning",
        "region": "us-east-1",
        "resourceId": "r-1",
        "isSuppressed": False,
        "metadata": metadata,
    }


def check_result(resources: list[Any]) -> dict[str, Any]:
    return {
        "result": {
            "checkId": CHECK_ID,
            "timestamp": "2026-12-01T10:00:00Z",
            "status": "warning",
            "resourcesSummary": {
                "resourcesProcessed": 3,
                "resourcesFlagged": 1,
                "resourcesIgnored": 0,
                "resourcesSuppressed": 0,
            },
            "categorySpecificSummary": {},
            "flaggedResources": resources,
        }
    }


@pytest.mark.anyio
async def test_a_null_column_of_a_trusted_advisor_resource_keeps_its_place() -> None:
    """Empty columns come back as null; botocore keeps them. At e82cd98 the whole
    response failed ("expected a string at result.flaggedResources[0].metadata[1]")."""
    columns = ["us-east-1", None, "i-0abc", None, "Yellow"]
    body = check_result([flagged(columns), flagged(["eu-west-1", "x", None, "y", None])])
    async with support(Script(json_reply(body))) as client:
        response = await client.describe_trusted_advisor_check_result(check_id=CHECK_ID)
    assert response.result is not None
    rows = [resource.metadata for resource in response.result.flagged_resources]
    assert rows == [columns, ["eu-west-1", "x", None, "y", None]]
    theirs = botocore_parse("support", "DescribeTrustedAdvisorCheckResult", body)
    assert rows == [r["metadata"] for r in theirs["result"]["flaggedResources"]]
    # and the response botocore/boto3 gave reads back to the same object
    assert awsmith.from_dict(type(response), theirs, names="wire") == response


@pytest.mark.anyio
async def test_a_null_heading_keeps_its_place() -> None:
    check = {"id": CHECK_ID, "name": "n", "description": "d", "category": "security"}
    body = {"checks": [{**check, "metadata": ["Region", None, "Status"]}]}
    async with support(Script(json_reply(body))) as client:
        response = await client.describe_trusted_advisor_checks(language="en")
    assert response.checks[0].metadata == ["Region", None, "Status"]


@pytest.mark.anyio
async def test_a_null_frame_metric_value_keeps_its_place() -> None:
    metric = {"frameName": "f", "threadStates": ["RUNNABLE"], "type": "AggregatedRelativeTotalTime"}
    body = {
        "startTime": "2026-12-01T00:00:00Z",
        "endTime": "2026-12-01T03:00:00Z",
        "resolution": "PT1H",
        "endTimes": [{"value": f"2026-12-01T0{h}:00:00Z"} for h in (1, 2, 3)],
        "unprocessedEndTimes": {},
        "frameMetricData": [{"frameMetric": metric, "values": [0.5, None, 0.25]}],
    }
    async with codeguru(Script(json_reply(body))) as client:
        response = await client.batch_get_frame_metric_data(profiling_group_name="g")
    assert response.frame_metric_data[0].values == [0.5, None, 0.25]


@pytest.mark.anyio
async def test_a_null_end_time_keeps_its_place() -> None:
    """Issue 22 item 5: endTimes and every frame metric's values line up by position.
    At 5147b1e endTimes was dense: a null time step was dropped and every later value
    matched with the wrong time (botocore keeps it as None)."""
    metric = {"frameName": "f", "threadStates": ["RUNNABLE"], "type": "AggregatedRelativeTotalTime"}
    body = {
        "startTime": "2026-12-01T00:00:00Z",
        "endTime": "2026-12-01T03:00:00Z",
        "resolution": "PT1H",
        "endTimes": [{"value": "2026-12-01T01:00:00Z"}, None, {"value": "2026-12-01T03:00:00Z"}],
        "unprocessedEndTimes": {"f": [None, {"value": "2026-12-01T02:00:00Z"}]},
        "frameMetricData": [{"frameMetric": metric, "values": [0.5, 0.75, 0.25]}],
    }
    async with codeguru(Script(json_reply(body))) as client:
        response = await client.batch_get_frame_metric_data(profiling_group_name="g")
    hour = [datetime(2026, 12, 1, h, tzinfo=UTC) for h in range(4)]
    assert response.end_times == [
        c.TimestampStructure(value=hour[1]),
        None,
        c.TimestampStructure(value=hour[3]),
    ]
    steps = list(zip(response.end_times, response.frame_metric_data[0].values, strict=True))
    assert steps[1] == (None, 0.75) and steps[2] == (c.TimestampStructure(value=hour[3]), 0.25)
    # the times the service could not process are a set: a null there is dropped
    assert response.unprocessed_end_times == {"f": [c.TimestampStructure(value=hour[2])]}
    theirs = botocore_parse("codeguruprofiler", "BatchGetFrameMetricData", body)
    assert theirs["endTimes"][1] is None
    assert awsmith.from_dict(type(response), theirs, names="wire") == response
    assert c.BatchGetFrameMetricDataResponse.__annotations__["end_times"] == (
        "list[TimestampStructure | None]"
    )


@pytest.mark.anyio
async def test_a_null_in_a_dense_list_or_map_is_dropped() -> None:
    """Smithy: a client tolerates a null in a dense collection and drops it. At e82cd98
    the null case failed the whole response."""
    cases = {"cases": [None, {"caseId": "c-1", "ccEmailAddresses": ["a@x", None, "b@x"]}]}
    async with support(Script(json_reply(cases))) as client:
        described = await client.describe_cases()
    assert described.cases == [s.CaseDetails(case_id="c-1", cc_email_addresses=["a@x", "b@x"])]
    tags = {"tags": {"team": "core", "gone": None}}
    async with codeguru(Script(json_reply(tags))) as client:
        listed = await client.list_tags_for_resource(resource_arn="arn:aws:x")
    assert listed.tags == {"team": "core"}


def test_from_dict_reads_nulls_as_the_parser_does() -> None:
    wire = {"cases": [None, {"caseId": "c-1", "ccEmailAddresses": [None, "a@x"]}]}
    for names, data in (("wire", wire), ("python", {"cases": [None, {"case_id": "c-1"}]})):
        read = awsmith.from_dict(s.DescribeCasesResponse, data, names=names)  # type: ignore[arg-type]
        assert read.cases is not None and [x.case_id for x in read.cases] == ["c-1"]
    detail = awsmith.from_dict(
        s.TrustedAdvisorResourceDetail,
        {"resourceId": "r", "status": "ok", "metadata": [None, "x", None]},
        names="wire",
    )
    assert detail.metadata == [None, "x", None]
    assert awsmith.to_dict(detail, names="wire")["metadata"] == [None, "x", None]
    tags = awsmith.from_dict(c.ListTagsForResourceResponse, {"tags": {"a": None, "b": "v"}})
    assert tags.tags == {"b": "v"}


@pytest.mark.anyio
async def test_a_request_with_none_in_a_dense_list_is_refused() -> None:
    script = Script(json_reply({}))
    async with support(script) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            await client.describe_cases(case_id_list=["c-1", None])  # type: ignore[list-item]
    assert (info.value.field, info.value.rule) == ("case_id_list[1]", "type")
    assert info.value.detail == "list items cannot be None"
    assert script.requests == []


def test_sparse_lists_are_typed_with_none() -> None:
    assert s.TrustedAdvisorResourceDetail.__annotations__["metadata"] == "list[str | None]"
    assert s.TrustedAdvisorCheckDescription.__annotations__["metadata"] == "list[str | None]"
    assert c.FrameMetricDatum.__annotations__["values"] == "list[float | None]"
    assert s.CaseDetails.__annotations__["cc_email_addresses"] == "list[str] | None"


@pytest.mark.anyio
async def test_a_check_result_without_its_required_members_is_read() -> None:
    """A check the support plan does not include comes back without timestamp,
    resourcesSummary, categorySpecificSummary and flaggedResources, all required
    (pplu/aws-sdk-perl#338). botocore reads it; at e82cd98 awsmith refused all of it."""
    body = {"result": {"checkId": CHECK_ID, "status": "not_available"}}
    async with support(Script(json_reply(body))) as client:
        response = await client.describe_trusted_advisor_check_result(check_id=CHECK_ID)
    assert response.result == s.TrustedAdvisorCheckResult(
        check_id=CHECK_ID,
        status="not_available",
        timestamp="",
        resources_summary=s.TrustedAdvisorResourcesSummary(
            resources_processed=0, resources_flagged=0, resources_ignored=0, resources_suppressed=0
        ),
        category_specific_summary=s.TrustedAdvisorCategorySpecificSummary(),
        flagged_resources=[],
    )
    theirs = botocore_parse("support", "DescribeTrustedAdvisorCheckResult", body)
    assert theirs["result"] == {"checkId": CHECK_ID, "status": "not_available"}


@pytest.mark.anyio
async def test_every_kind_of_required_member_gets_its_smithy_default() -> None:
    """Null or absent, nested or not: string, enum, integer, boolean, timestamp, list,
    structure (its own required members filled too)."""
    body = {"anomalies": [{"metric": None, "instances": None}], "profileEndTime": None}
    async with codeguru(Script(json_reply(body))) as client:
        response = await client.get_recommendations(
            profiling_group_name="g",
            start_time=datetime(2026, 1, 1, tzinfo=UTC),
            end_time=datetime(2026, 1, 2, tzinfo=UTC),
        )
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert (response.profile_start_time, response.profile_end_time) == (epoch, epoch)
    assert (response.profiling_group_name, response.recommendations) == ("", [])
    anomaly = response.anomalies[0]
    assert (anomaly.reason, anomaly.instances) == ("", [])
    assert anomaly.metric == c.Metric(frame_name="", thread_states=[], type=c.MetricType(""))
    assert anomaly.metric.type == "" and type(anomaly.metric.type) is c.MetricType
