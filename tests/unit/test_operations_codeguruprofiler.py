"""Every Amazon CodeGuru Profiler operation: the exact wire request and the typed result.

restJson1: method and URI from the model with percent-encoded labels, query members,
header members, JSON bodies or a raw blob payload, signed for us-west-2 and
``codeguru-profiler``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler import shapes as c
from tests.unit.mockaws import (
    CODEGURU_HOST,
    REQUEST_ID,
    TOKEN,
    Script,
    check_signature,
    codeguru,
    json_forms,
    json_reply,
)

BASE = f"https://{CODEGURU_HOST}"
GROUP = "my-group_1"
ARN = "arn:aws:codeguru-profiler:us-west-2:123456789012:profilingGroup/my group"
ARN_PATH = "arn%3Aaws%3Acodeguru-profiler%3Aus-west-2%3A123456789012%3AprofilingGroup%2Fmy%20group"
UUID_A = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
UUID_B = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
# 05:04:05 at UTC+2 is 03:04:05 UTC: the wire always carries UTC.
START = datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2)))
END = datetime(2024, 1, 2, 4, 4, 5, 250000, tzinfo=UTC)
START_Q = "2024-01-02T03%3A04%3A05Z"
END_Q = "2024-01-02T04%3A04%3A05.250000Z"
T1 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
T1_EPOCH = 1704164645
T1_MS = datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC)

GROUP_JSON = {
    "name": GROUP,
    "arn": "arn:aws:codeguru-profiler:us-west-2:123456789012:profilingGroup/" + GROUP,
    "computePlatform": "Default",
    "createdAt": T1_EPOCH,
    "updatedAt": "2024-01-02T03:04:05.123Z",
    "agentOrchestrationConfig": {"profilingEnabled": True},
    "profilingStatus": {
        "latestAgentOrchestratedAt": T1_EPOCH + 0.5,
        "latestAggregatedProfile": {"period": "PT5M", "start": "2024-01-02T03:04:05Z"},
    },
    "tags": {"team": "perf"},
}
GROUP_TYPED = c.ProfilingGroupDescription(
    name=GROUP,
    arn="arn:aws:codeguru-profiler:us-west-2:123456789012:profilingGroup/" + GROUP,
    compute_platform=c.ComputePlatform.DEFAULT,
    created_at=T1,
    updated_at=T1_MS,
    agent_orchestration_config=c.AgentOrchestrationConfig(profiling_enabled=True),
    profiling_status=c.ProfilingStatus(
        latest_agent_orchestrated_at=T1 + timedelta(seconds=0.5),
        latest_aggregated_profile=c.AggregatedProfileTime(
            period=c.AggregationPeriod.PT5_M, start=T1
        ),
    ),
    tags={"team": "perf"},
)
CHANNEL_JSON = {
    "id": UUID_A,
    "uri": "arn:aws:sns:us-west-2:123456789012:topic",
    "eventPublishers": ["AnomalyDetection"],
}
CHANNEL_TYPED = c.Channel(
    id=UUID_A,
    uri="arn:aws:sns:us-west-2:123456789012:topic",
    event_publishers=[c.EventPublisher.ANOMALY_DETECTION],
)
POLICY = '{"Version":"2012-10-17","Statement":[]}'


@dataclass(frozen=True)
class Op:
    method: str
    kwargs: dict[str, Any]
    http_method: str
    url: str
    body: bytes
    reply: httpx.Response
    expected: Any
    headers: dict[str, str] = field(default_factory=dict)


def no_content() -> httpx.Response:
    return httpx.Response(204, headers={"x-amzn-RequestId": REQUEST_ID})


OPS = [
    Op(
        "add_notification_channels",
        {
            "profiling_group_name": GROUP,
            "channels": [
                c.Channel(
                    uri="arn:aws:sns:us-west-2:123456789012:topic",
                    event_publishers=[c.EventPublisher.ANOMALY_DETECTION],
                )
            ],
        },
        "POST",
        f"{BASE}/profilingGroups/{GROUP}/notificationConfiguration",
        b'{"channels":[{"eventPublishers":["AnomalyDetection"],'
        b'"uri":"arn:aws:sns:us-west-2:123456789012:topic"}]}',
        json_reply({"notificationConfiguration": {"channels": [CHANNEL_JSON]}}),
        c.AddNotificationChannelsResponse(
            notification_configuration=c.NotificationConfiguration(channels=[CHANNEL_TYPED])
        ),
        {"Content-Type": "application/json"},
    ),
    Op(
        "batch_get_frame_metric_data",
        {
            "profiling_group_name": GROUP,
            "start_time": START,
            "end_time": END,
            "period": "PT1H",
            "target_resolution": "PT5M",
            "frame_metrics": [
                c.FrameMetric(
                    frame_name="com.example.Main.run",
                    thread_states=["RUNNABLE"],
                    type="AggregatedRelativeTotalTime",
                )
            ],
        },
        "POST",
        f"{BASE}/profilingGroups/{GROUP}/frames/-/metrics"
        f"?endTime={END_Q}&period=PT1H&startTime={START_Q}&targetResolution=PT5M",
        b'{"frameMetrics":[{"frameName":"com.example.Main.run","threadStates":["RUNNABLE"],'
        b'"type":"AggregatedRelativeTotalTime"}]}',
        json_reply(
            {
                "startTime": "2024-01-02T03:04:05Z",
                "endTime": T1_EPOCH,
                "resolution": "PT5M",
                "endTimes": [{"value": "2024-01-02T03:04:05.123Z"}],
                "unprocessedEndTimes": {"other": [{"value": T1_EPOCH}]},
                "frameMetricData": [
                    {
                        "frameMetric": {
                            "frameName": "f",
                            "threadStates": ["RUNNABLE"],
                            "type": "AggregatedRelativeTotalTime",
                        },
                        "values": [0.5, 1, "NaN"],
                    }
                ],
            }
        ),
        None,  # checked separately: NaN != NaN
        {"Content-Type": "application/json"},
    ),
    Op(
        "configure_agent",
        {
            "profiling_group_name": GROUP,
            "fleet_instance_id": "i-0123",
            "metadata": {c.MetadataField.COMPUTE_PLATFORM: "AWSLambda", "AgentId": "a-1"},
        },
        "POST",
        f"{BASE}/profilingGroups/{GROUP}/configureAgent",
        b'{"fleetInstanceId":"i-0123","metadata":{"ComputePlatform":"AWSLambda","AgentId":"a-1"}}',
        json_reply(
            {
                "periodInSeconds": 300,
                "shouldProfile": True,
                "agentParameters": {"MaxStackDepth": "1000", "BrandNewKnob": "on"},
            }
        ),
        c.ConfigureAgentResponse(
            configuration=c.AgentConfiguration(
                period_in_seconds=300,
                should_profile=True,
                agent_parameters={
                    c.AgentParameterField.MAX_STACK_DEPTH: "1000",
                    c.AgentParameterField("BrandNewKnob"): "on",
                },
            )
        ),
        {"Content-Type": "application/json"},
    ),
    Op(
        "create_profiling_group",
        {
            "profiling_group_name": GROUP,
            "client_token": "my-token-1",
            "compute_platform": "AWSLambda",
            "agent_orchestration_config": c.AgentOrchestrationConfig(profiling_enabled=False),
            "tags": {"team": "perf", "k y": "v\u00e4l"},
        },
        "POST",
        f"{BASE}/profilingGroups?clientToken=my-token-1",
        b'{"agentOrchestrationConfig":{"profilingEnabled":false},"computePlatform":"AWSLambda",'
        b'"profilingGroupName":"my-group_1","tags":{"team":"perf","k y":"v\\u00e4l"}}',
        json_reply(GROUP_JSON, status=201),
        c.CreateProfilingGroupResponse(profiling_group=GROUP_TYPED),
        {"Content-Type": "application/json"},
    ),
    Op(
        "delete_profiling_group",
        {"profiling_group_name": GROUP},
        "DELETE",
        f"{BASE}/profilingGroups/{GROUP}",
        b"",
        no_content(),
        c.DeleteProfilingGroupResponse(),
    ),
    Op(
        "describe_profiling_group",
        {"profiling_group_name": GROUP},
        "GET",
        f"{BASE}/profilingGroups/{GROUP}",
        b"",
        json_reply(GROUP_JSON),
        c.DescribeProfilingGroupResponse(profiling_group=GROUP_TYPED),
    ),
    Op(
        "get_findings_report_account_summary",
        {"daily_reports_only": True, "max_results": 10, "next_token": "abc-1"},
        "GET",
        f"{BASE}/internal/findingsReports?dailyReportsOnly=true&maxResults=10&nextToken=abc-1",
        b"",
        json_reply(
            {
                "reportSummaries": [
                    {
                        "id": "r-1",
                        "profilingGroupName": GROUP,
                        "profileStartTime": "2024-01-02T03:04:05Z",
                        "profileEndTime": T1_EPOCH,
                        "totalNumberOfFindings": 3,
                    }
                ],
                "nextToken": "abc-2",
            }
        ),
        c.GetFindingsReportAccountSummaryResponse(
            report_summaries=[
                c.FindingsReportSummary(
                    id="r-1",
                    profiling_group_name=GROUP,
                    profile_start_time=T1,
                    profile_end_time=T1,
                    total_number_of_findings=3,
                )
            ],
            next_token="abc-2",
        ),
    ),
    Op(
        "get_notification_configuration",
        {"profiling_group_name": GROUP},
        "GET",
        f"{BASE}/profilingGroups/{GROUP}/notificationConfiguration",
        b"",
        json_reply({"notificationConfiguration": {}}),
        c.GetNotificationConfigurationResponse(
            notification_configuration=c.NotificationConfiguration(channels=None)
        ),
    ),
    Op(
        "get_policy",
        {"profiling_group_name": GROUP},
        "GET",
        f"{BASE}/profilingGroups/{GROUP}/policy",
        b"",
        json_reply({"policy": POLICY, "revisionId": UUID_B}),
        c.GetPolicyResponse(policy=POLICY, revision_id=UUID_B),
    ),
    Op(
        "get_profile",
        {
            "profiling_group_name": GROUP,
            "accept": "application/x-amzn-ion",
            "max_depth": 5,
            "period": "PT5M",
            "start_time": START,
        },
        "GET",
        f"{BASE}/profilingGroups/{GROUP}/profile?maxDepth=5&period=PT5M&startTime={START_Q}",
        b"",
        httpx.Response(
            200,
            headers={
                "Content-Type": "application/x-amzn-ion",
                "x-amzn-RequestId": REQUEST_ID,
            },
            content=b"\xe0\x01\x00\xea\x00\xffbinary",
        ),
        c.GetProfileResponse(
            profile=b"\xe0\x01\x00\xea\x00\xffbinary",
            content_type="application/x-amzn-ion",
            content_encoding=None,
        ),
        {"Accept": "application/x-amzn-ion"},
    ),
    Op(
        "get_recommendations",
        {"profiling_group_name": GROUP, "start_time": START, "end_time": END, "locale": "en-US"},
        "GET",
        f"{BASE}/internal/profilingGroups/{GROUP}/recommendations"
        f"?endTime={END_Q}&locale=en-US&startTime={START_Q}",
        b"",
        json_reply(
            {
                "profilingGroupName": GROUP,
                "profileStartTime": T1_EPOCH,
                "profileEndTime": "2024-01-02T03:04:05.123Z",
                "recommendations": [
                    {
                        "allMatchesCount": 2,
                        "allMatchesSum": 0.25,
                        "startTime": T1_EPOCH,
                        "endTime": T1_EPOCH,
                        "pattern": {
                            "id": "p-1",
                            "name": "Slow logging",
                            "thresholdPercent": 5,
                            "countersToAggregate": ["c"],
                            "targetFrames": [["a", "b"], ["c"]],
                        },
                        "topMatches": [
                            {"frameAddress": "a", "targetFramesIndex": 0, "thresholdBreachValue": 0.1}
                        ],
                    }
                ],
                "anomalies": [
                    {
                        "reason": "spike",
                        "metric": {
                            "frameName": "f",
                            "threadStates": ["BLOCKED"],
                            "type": "AggregatedRelativeTotalTime",
                        },
                        "instances": [
                            {
                                "id": UUID_A,
                                "startTime": T1_EPOCH,
                                "userFeedback": {"type": "Positive"},
                            }
                        ],
                    }
                ],
            }
        ),
        c.GetRecommendationsResponse(
            profiling_group_name=GROUP,
            profile_start_time=T1,
            profile_end_time=T1_MS,
            recommendations=[
                c.Recommendation(
                    all_matches_count=2,
                    all_matches_sum=0.25,
                    start_time=T1,
                    end_time=T1,
                    pattern=c.Pattern(
                        id="p-1",
                        name="Slow logging",
                        threshold_percent=5.0,
                        counters_to_aggregate=["c"],
                        target_frames=[["a", "b"], ["c"]],
                    ),
                    top_matches=[
                        c.Match(frame_address="a", target_frames_index=0, threshold_breach_value=0.1)
                    ],
                )
            ],
            anomalies=[
                c.Anomaly(
                    reason="spike",
                    metric=c.Metric(
                        frame_name="f",
                        thread_states=["BLOCKED"],
                        type=c.MetricType.AGGREGATED_RELATIVE_TOTAL_TIME,
                    ),
                    instances=[
                        c.AnomalyInstance(
                            id=UUID_A,
                            start_time=T1,
                            user_feedback=c.UserFeedback(type=c.FeedbackType.POSITIVE),
                        )
                    ],
                )
            ],
        ),
    ),
    Op(
        "list_findings_reports",
        {
            "profiling_group_name": GROUP,
            "start_time": START,
            "end_time": END,
            "daily_reports_only": False,
            "max_results": 1000,
            "next_token": "n-1",
        },
        "GET",
        f"{BASE}/internal/profilingGroups/{GROUP}/findingsReports"
        f"?dailyReportsOnly=false&endTime={END_Q}&maxResults=1000&nextToken=n-1&startTime={START_Q}",
        b"",
        json_reply({"findingsReportSummaries": [{"id": "r-9"}]}),
        c.ListFindingsReportsResponse(
            findings_report_summaries=[c.FindingsReportSummary(id="r-9")], next_token=None
        ),
    ),
    Op(
        "list_profile_times",
        {
            "profiling_group_name": GROUP,
            "start_time": START,
            "end_time": END,
            "period": c.AggregationPeriod.PT1_H,
            "order_by": "TimestampDescending",
            "max_results": 5,
            "next_token": "n-1",
        },
        "GET",
        f"{BASE}/profilingGroups/{GROUP}/profileTimes?endTime={END_Q}&maxResults=5"
        f"&nextToken=n-1&orderBy=TimestampDescending&period=PT1H&startTime={START_Q}",
        b"",
        json_reply({"profileTimes": [{"start": T1_EPOCH}, {"start": "2024-01-02T03:04:05.123Z"}]}),
        c.ListProfileTimesResponse(
            profile_times=[c.ProfileTime(start=T1), c.ProfileTime(start=T1_MS)]
        ),
    ),
    Op(
        "list_profiling_groups",
        {"include_description": True, "max_results": 5},
        "GET",
        f"{BASE}/profilingGroups?includeDescription=true&maxResults=5",
        b"",
        json_reply(
            {"profilingGroupNames": [GROUP], "profilingGroups": [GROUP_JSON], "nextToken": "n-2"}
        ),
        c.ListProfilingGroupsResponse(
            profiling_group_names=[GROUP], profiling_groups=[GROUP_TYPED], next_token="n-2"
        ),
    ),
    Op(
        "list_tags_for_resource",
        {"resource_arn": ARN},
        "GET",
        f"{BASE}/tags/{ARN_PATH}",
        b"",
        json_reply({"tags": {"team": "perf"}}),
        c.ListTagsForResourceResponse(tags={"team": "perf"}),
    ),
    Op(
        "post_agent_profile",
        {
            "profiling_group_name": GROUP,
            "agent_profile": b'\x1f\x8b\x08\x00{"not": "json"}\r\n',
            "content_type": "application/octet-stream",
            "profile_token": "tok-2",
        },
        "POST",
        f"{BASE}/profilingGroups/{GROUP}/agentProfile?profileToken=tok-2",
        b'\x1f\x8b\x08\x00{"not": "json"}\r\n',
        no_content(),
        c.PostAgentProfileResponse(),
        {"Content-Type": "application/octet-stream"},
    ),
    Op(
        "put_permission",
        {
            "profiling_group_name": GROUP,
            "action_group": c.ActionGroup.AGENT_PERMISSIONS,
            "principals": ["arn:aws:iam::123456789012:role/Agent"],
            "revision_id": UUID_B,
        },
        "PUT",
        f"{BASE}/profilingGroups/{GROUP}/policy/agentPermissions",
        b'{"principals":["arn:aws:iam::123456789012:role/Agent"],'
        b'"revisionId":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}',
        json_reply({"policy": POLICY, "revisionId": UUID_A}),
        c.PutPermissionResponse(policy=POLICY, revision_id=UUID_A),
        {"Content-Type": "application/json"},
    ),
    Op(
        "remove_notification_channel",
        {"profiling_group_name": GROUP, "channel_id": UUID_A},
        "DELETE",
        f"{BASE}/profilingGroups/{GROUP}/notificationConfiguration/{UUID_A}",
        b"",
        json_reply({"notificationConfiguration": {"channels": []}}),
        c.RemoveNotificationChannelResponse(
            notification_configuration=c.NotificationConfiguration(channels=[])
        ),
    ),
    Op(
        "remove_permission",
        {"profiling_group_name": GROUP, "action_group": "agentPermissions", "revision_id": UUID_B},
        "DELETE",
        f"{BASE}/profilingGroups/{GROUP}/policy/agentPermissions?revisionId={UUID_B}",
        b"",
        json_reply({"policy": POLICY, "revisionId": UUID_A}),
        c.RemovePermissionResponse(policy=POLICY, revision_id=UUID_A),
    ),
    Op(
        "submit_feedback",
        {
            "profiling_group_name": GROUP,
            "anomaly_instance_id": UUID_A,
            "type": "Negative",
            "comment": "not useful \u2014 sorry",
        },
        "POST",
        f"{BASE}/internal/profilingGroups/{GROUP}/anomalies/{UUID_A}/feedback",
        b'{"comment":"not useful \\u2014 sorry","type":"Negative"}',
        no_content(),
        c.SubmitFeedbackResponse(),
        {"Content-Type": "application/json"},
    ),
    Op(
        "tag_resource",
        {"resource_arn": ARN, "tags": {"team": "perf"}},
        "POST",
        f"{BASE}/tags/{ARN_PATH}",
        b'{"tags":{"team":"perf"}}',
        no_content(),
        c.TagResourceResponse(),
        {"Content-Type": "application/json"},
    ),
    Op(
        "untag_resource",
        {"resource_arn": ARN, "tag_keys": ["team", "a&b=c /d"]},
        "DELETE",
        f"{BASE}/tags/{ARN_PATH}?tagKeys=team&tagKeys=a%26b%3Dc%20%2Fd",
        b"",
        no_content(),
        c.UntagResourceResponse(),
    ),
    Op(
        "update_profiling_group",
        {
            "profiling_group_name": GROUP,
            "agent_orchestration_config": c.AgentOrchestrationConfig(profiling_enabled=True),
        },
        "PUT",
        f"{BASE}/profilingGroups/{GROUP}",
        b'{"agentOrchestrationConfig":{"profilingEnabled":true}}',
        json_reply(GROUP_JSON),
        c.UpdateProfilingGroupResponse(profiling_group=GROUP_TYPED),
        {"Content-Type": "application/json"},
    ),
]


def test_every_operation_has_a_case() -> None:
    methods = {
        name
        for name in vars(CodeGuruProfilerClient)
        if not name.startswith(("_", "paginate_"))
        and callable(getattr(CodeGuruProfilerClient, name))
    }
    assert methods == {op.method for op in OPS}
    assert len(OPS) == 23


@pytest.mark.anyio
@pytest.mark.parametrize("session_token", [None, TOKEN], ids=["long-term", "session"])
@pytest.mark.parametrize("op", OPS, ids=[op.method for op in OPS])
async def test_wire_request_and_typed_result(op: Op, session_token: str | None) -> None:
    script = Script(op.reply)
    async with codeguru(script, session_token=session_token) as client:
        result = await getattr(client, op.method)(**op.kwargs)

    request = script.request
    assert request.method == op.http_method
    assert str(request.url) == op.url
    assert request.url.raw_path.decode() == op.url[len(BASE) :]
    assert request.headers["Host"] == CODEGURU_HOST
    assert "X-Amz-Target" not in request.headers
    for name, value in op.headers.items():
        assert request.headers[name] == value
    if not op.body:
        assert "Content-Type" not in request.headers
    assert request.headers["User-Agent"].startswith(f"awsmith/{awsmith.__version__} ")
    if op.headers.get("Content-Type") == "application/json":
        assert request.content in json_forms(op.body)
    else:  # blob payloads and empty bodies: byte for byte
        assert request.content == op.body
    check_signature(
        request,
        region="us-west-2",
        service="codeguru-profiler",
        session_token=session_token,
        must_sign=[h for h in op.headers],
    )

    if op.expected is not None:
        assert type(result) is type(op.expected)
        assert result == op.expected


@pytest.mark.anyio
async def test_frame_metric_data_types() -> None:
    op = next(op for op in OPS if op.method == "batch_get_frame_metric_data")
    async with codeguru(Script(op.reply)) as client:
        result = await client.batch_get_frame_metric_data(profiling_group_name=GROUP)
    assert result.start_time == T1 and result.end_time == T1
    assert result.start_time.tzinfo is UTC and result.end_time.tzinfo is UTC
    assert result.resolution is c.AggregationPeriod.PT5_M
    assert result.end_times == [c.TimestampStructure(value=T1_MS)]
    assert result.unprocessed_end_times == {"other": [c.TimestampStructure(value=T1)]}
    (datum,) = result.frame_metric_data
    assert datum.frame_metric.type is c.MetricType.AGGREGATED_RELATIVE_TOTAL_TIME
    assert datum.values[:2] == [0.5, 1.0]
    assert [type(v) for v in datum.values] == [float, float, float]
    assert datum.values[2] != datum.values[2]  # "NaN" on the wire is float('nan')


@pytest.mark.anyio
async def test_timestamps_are_aware_utc_from_epoch_and_iso() -> None:
    op = next(op for op in OPS if op.method == "describe_profiling_group")
    async with codeguru(Script(op.reply)) as client:
        result = await client.describe_profiling_group(profiling_group_name=GROUP)
    group = result.profiling_group
    status = group.profiling_status
    assert status is not None and status.latest_aggregated_profile is not None
    stamps = [
        group.created_at,  # epoch int
        group.updated_at,  # ISO with milliseconds
        status.latest_agent_orchestrated_at,  # epoch float
        status.latest_aggregated_profile.start,  # ISO without fraction
    ]
    for stamp in stamps:
        assert type(stamp) is datetime
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
    assert stamps == [T1, T1_MS, T1 + timedelta(milliseconds=500), T1]
    assert status.latest_agent_profile_reported_at is None
    assert type(group.compute_platform) is c.ComputePlatform


@pytest.mark.anyio
async def test_unknown_enum_values_are_kept() -> None:
    body = dict(GROUP_JSON, computePlatform="Quantum")
    async with codeguru(Script(json_reply(body))) as client:
        result = await client.describe_profiling_group(profiling_group_name=GROUP)
    platform = result.profiling_group.compute_platform
    assert isinstance(platform, c.ComputePlatform)
    assert platform.value == "Quantum" and platform == "Quantum"
    assert platform not in list(c.ComputePlatform)


@pytest.mark.anyio
async def test_get_profile_returns_raw_bytes_and_content_encoding() -> None:
    payload = b"\x1f\x8b\x08\x00not-really-gzip"
    reply = httpx.Response(
        200,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        stream=httpx.ByteStream(payload),  # served as the network would: not decoded
    )
    async with codeguru(Script(reply)) as client:
        result = await client.get_profile(profiling_group_name=GROUP, accept="application/json")
    assert result == c.GetProfileResponse(
        profile=payload, content_type="application/json", content_encoding="gzip"
    )
    assert type(result.profile) is bytes


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "kwargs", "field_name"),
    [
        ("create_profiling_group", {"profiling_group_name": GROUP}, "clientToken"),
        (
            "post_agent_profile",
            {
                "profiling_group_name": GROUP,
                "agent_profile": b"{}",
                "content_type": "application/json",
            },
            "profileToken",
        ),
    ],
)
async def test_idempotency_token_is_filled_with_a_fresh_uuid4(
    method: str, kwargs: dict[str, Any], field_name: str
) -> None:
    script = Script(json_reply(GROUP_JSON, status=201))
    async with codeguru(script) as client:
        await getattr(client, method)(**kwargs)
        await getattr(client, method)(**kwargs)
        await getattr(client, method)(**kwargs, **{_snake(field_name): "caller-token_1"})
    tokens = [r.url.params[field_name] for r in script.requests]
    first, second, given = tokens
    for token in (first, second):
        parsed = uuid.UUID(token)
        assert parsed.version == 4 and str(parsed) == token
    assert first != second
    assert given == "caller-token_1"
    assert [list(r.url.params.keys()) for r in script.requests] == [[field_name]] * 3


def _snake(name: str) -> str:
    return {"clientToken": "client_token", "profileToken": "profile_token"}[name]
