"""awsmith.testing.codeguruprofiler: every operation of the model, through the generated
client (happy path and modeled errors), and the same wire read and written by botocore.

Oracles not written here: botocore's own CodeGuru Profiler model (which operations
exist, which errors each may raise) and botocore's client, whose serializer's requests
the server must accept and whose parser must read every answer the server gives. The
tests use the pytest plugin's fixtures (``codeguruprofiler_server``,
``codeguruprofiler_client``), so the plugin is exercised by this run as well.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.config import Config as BotocoreConfig
from botocore.exceptions import ClientError

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler import errors as cg_errors
from awsmith.codeguruprofiler.shapes import (
    ActionGroup,
    AgentOrchestrationConfig,
    Channel,
    EventPublisher,
    FeedbackType,
    FrameMetric,
    MetricType,
)
from awsmith.testing.codeguruprofiler import (
    ERROR_STATUS,
    ERRORS_OF,
    FAKE_ACCESS_KEY_ID,
    OPERATIONS,
    CodeGuruProfilerServer,
    codeguruprofiler_server,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

JSON = "application/json"
ONE_ATTEMPT = awsmith.Config(max_attempts=1)
ROLE = "arn:aws:iam::123456789012:role/agent"
ROLE2 = "arn:aws:iam::123456789012:role/other"
UUID_RE = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")


def botocore_model() -> Any:
    return botocore.session.get_session().get_service_model("codeguruprofiler")


def modeled_errors() -> list[tuple[str, str]]:
    """(operation, error code) for every error botocore's model lists per operation."""
    model = botocore_model()
    return [
        (name, error.name)
        for name in model.operation_names
        for error in model.operation_model(name).error_shapes
    ]


def test_the_server_serves_exactly_the_models_operations() -> None:
    model_path = Path(__file__).parents[2] / "models/codeguruprofiler.json"
    ours = set(json.loads(model_path.read_text())["operations"])
    assert len(OPERATIONS) == 23
    assert OPERATIONS == ours == set(botocore_model().operation_names)


# -- every operation through the generated client -------------------------------------------


async def test_profiling_group_lifecycle(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    created = await client.create_profiling_group(
        profiling_group_name="orders",
        compute_platform="AWSLambda",
        agent_orchestration_config=AgentOrchestrationConfig(profiling_enabled=False),
        tags={"team": "checkout"},
    )
    group = created.profiling_group
    assert (group.name, group.compute_platform, group.tags) == (
        "orders",
        "AWSLambda",
        {"team": "checkout"},
    )
    assert group.arn == codeguruprofiler_server.arn_of("orders")
    assert group.agent_orchestration_config is not None
    assert group.agent_orchestration_config.profiling_enabled is False

    described = await client.describe_profiling_group(profiling_group_name="orders")
    assert described.profiling_group == group

    updated = await client.update_profiling_group(
        profiling_group_name="orders",
        agent_orchestration_config=AgentOrchestrationConfig(profiling_enabled=True),
    )
    assert updated.profiling_group.agent_orchestration_config is not None
    assert updated.profiling_group.agent_orchestration_config.profiling_enabled is True
    assert updated.profiling_group.updated_at is not None and group.updated_at is not None
    assert updated.profiling_group.updated_at >= group.updated_at

    for name in ("alpha", "beta"):
        await client.create_profiling_group(profiling_group_name=name)
    first = await client.list_profiling_groups(max_results=2, include_description=True)
    assert first.profiling_group_names == ["alpha", "beta"]
    assert [g.name for g in first.profiling_groups or []] == ["alpha", "beta"]
    assert first.next_token is not None
    second = await client.list_profiling_groups(max_results=2, next_token=first.next_token)
    assert (second.profiling_group_names, second.profiling_groups, second.next_token) == (
        ["orders"],
        None,
        None,
    )
    names = [n async for n in client.paginate_list_profiling_groups(page_size=1).items()]
    assert names == ["alpha", "beta", "orders"]

    await client.delete_profiling_group(profiling_group_name="orders")
    with pytest.raises(cg_errors.ResourceNotFoundException) as caught:
        await client.describe_profiling_group(profiling_group_name="orders")
    assert caught.value.message == "Profiling group 'orders' does not exist."
    assert caught.value.status_code == 404
    assert [r.operation for r in codeguruprofiler_server.requests][-2:] == [
        "DeleteProfilingGroup",
        "DescribeProfilingGroup",
    ]
    assert [r.status for r in codeguruprofiler_server.requests][-2:] == [204, 404]


async def test_create_conflict_and_idempotent_retry(
    codeguruprofiler_client: CodeGuruProfilerClient,
) -> None:
    client = codeguruprofiler_client
    first = await client.create_profiling_group(profiling_group_name="dup", client_token="t-1")
    again = await client.create_profiling_group(profiling_group_name="dup", client_token="t-1")
    assert again.profiling_group == first.profiling_group
    with pytest.raises(cg_errors.ConflictException) as caught:
        await client.create_profiling_group(profiling_group_name="dup", client_token="t-2")
    assert (caught.value.message, caught.value.status_code) == (
        "A profiling group named 'dup' already exists.",
        409,
    )


async def test_agent_configuration_profiles_and_profile_times(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    await client.create_profiling_group(profiling_group_name="svc")
    configured = await client.configure_agent(
        profiling_group_name="svc",
        fleet_instance_id="i-0123",
        metadata={"ComputePlatform": "Default", "AgentId": "a-1"},
    )
    assert configured.configuration.should_profile is True
    assert configured.configuration.period_in_seconds == 300
    assert configured.configuration.agent_parameters is not None
    assert configured.configuration.agent_parameters["MaxStackDepth"] == "1000"
    described = await client.describe_profiling_group(profiling_group_name="svc")
    assert described.profiling_group.profiling_status is not None
    assert described.profiling_group.profiling_status.latest_agent_orchestrated_at is not None

    payload = gzip.compress(b'{"frames": ["java.util.logging.Logger.log"]}')
    await client.post_agent_profile(
        profiling_group_name="svc", content_type=JSON, agent_profile=payload
    )
    profile = await client.get_profile(profiling_group_name="svc")
    assert (profile.profile, profile.content_type, profile.content_encoding) == (
        payload,
        JSON,
        "gzip",
    )
    with pytest.raises(cg_errors.ValidationException) as caught:
        await client.post_agent_profile(
            profiling_group_name="svc", content_type="text/plain", agent_profile=b"x"
        )
    assert caught.value.message == (
        "Content-Type 'text/plain' is not one of application/json, application/x-amzn-ion."
    )

    base = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    for minutes in (0, 7, 64):
        codeguruprofiler_server.add_agent_profile(
            "svc", b"{}", received_at=base + timedelta(minutes=minutes)
        )
    times = await client.list_profile_times(
        profiling_group_name="svc",
        start_time=base,
        end_time=base + timedelta(hours=2),
        period="PT5M",
        order_by="TimestampAscending",
    )
    assert [t.start for t in times.profile_times] == [
        base,
        base + timedelta(minutes=5),
        base + timedelta(minutes=60),
    ]
    with pytest.raises(cg_errors.ValidationException) as caught:
        await client.list_profile_times(
            profiling_group_name="svc", start_time=base, end_time=base, period="PT1H"
        )
    assert caught.value.message == "startTime must be before endTime."


async def test_recommendations_anomalies_and_feedback(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    await client.create_profiling_group(profiling_group_name="rec")
    start = datetime(2026, 2, 1, tzinfo=UTC)
    codeguruprofiler_server.add_agent_profile(
        "rec", b"java.util.regex.Pattern.compile x2 java.util.regex.Pattern.compile",
        received_at=start + timedelta(hours=1),
    )
    instance = codeguruprofiler_server.add_anomaly(
        "rec", frame_name="com.example.Hot.loop", start=start + timedelta(hours=2)
    )
    got = await client.get_recommendations(
        profiling_group_name="rec", start_time=start, end_time=start + timedelta(days=1)
    )
    assert [r.pattern.id for r in got.recommendations if r.pattern] == ["stub-pattern-regex"]
    assert got.recommendations[0].all_matches_count == 2
    (anomaly,) = got.anomalies
    assert anomaly.metric.frame_name == "com.example.Hot.loop"
    assert [(i.id, i.user_feedback) for i in anomaly.instances] == [(instance, None)]

    await client.submit_feedback(
        profiling_group_name="rec",
        anomaly_instance_id=instance,
        type=FeedbackType.POSITIVE,
        comment="useful",
    )
    assert codeguruprofiler_server.anomaly("rec", instance).feedback == "Positive"
    again = await client.get_recommendations(
        profiling_group_name="rec", start_time=start, end_time=start + timedelta(days=1)
    )
    feedback = again.anomalies[0].instances[0].user_feedback
    assert feedback is not None and feedback.type == "Positive"

    unknown = str(uuid.UUID(int=7))
    with pytest.raises(cg_errors.ResourceNotFoundException) as caught:
        await client.submit_feedback(
            profiling_group_name="rec", anomaly_instance_id=unknown, type="Negative"
        )
    assert caught.value.message == (
        f"No anomaly instance {unknown!r} in profiling group 'rec'."
    )


async def test_findings_reports(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    day = datetime(2026, 3, 1, tzinfo=UTC)
    for name in ("a", "b"):
        await client.create_profiling_group(profiling_group_name=name)
    for offset in range(3):
        codeguruprofiler_server.add_agent_profile(
            "a", b"java.util.logging.Logger.log", received_at=day + timedelta(days=offset, hours=3)
        )
    codeguruprofiler_server.add_agent_profile("b", b"{}", received_at=day + timedelta(hours=1))

    page = await client.list_findings_reports(
        profiling_group_name="a", start_time=day, end_time=day + timedelta(days=3), max_results=2
    )
    assert [r.profile_start_time for r in page.findings_report_summaries] == [
        day,
        day + timedelta(days=1),
    ]
    assert all(r.total_number_of_findings == 1 for r in page.findings_report_summaries)
    assert all(r.profiling_group_name == "a" for r in page.findings_report_summaries)
    assert all(UUID_RE.fullmatch(r.id or "") for r in page.findings_report_summaries)
    assert page.next_token is not None
    every = [
        r.profile_end_time
        async for r in client.paginate_list_findings_reports(
            profiling_group_name="a", start_time=day, end_time=day + timedelta(days=3), page_size=1
        ).items()
    ]
    assert every == [day + timedelta(days=n) for n in (1, 2, 3)]

    summary = await client.get_findings_report_account_summary(daily_reports_only=True)
    assert [(r.profiling_group_name, r.profile_start_time, r.total_number_of_findings)
            for r in summary.report_summaries] == [
        ("a", day + timedelta(days=2), 1),
        ("b", day, 0),
    ]
    paged = [
        r.profiling_group_name
        async for r in client.paginate_get_findings_report_account_summary(page_size=1).items()
    ]
    assert paged == ["a", "b"]


async def test_batch_get_frame_metric_data(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    await client.create_profiling_group(profiling_group_name="frames")
    start = datetime(2026, 4, 1, 12, tzinfo=UTC)
    codeguruprofiler_server.add_agent_profile(
        "frames", b"hot.Frame", received_at=start + timedelta(minutes=10)
    )
    codeguruprofiler_server.add_agent_profile(
        "frames", b"cold", received_at=start + timedelta(minutes=20)
    )
    metric = FrameMetric(
        frame_name="hot.Frame", thread_states=["RUNNABLE"], type=MetricType.AGGREGATED_RELATIVE_TOTAL_TIME
    )
    got = await client.batch_get_frame_metric_data(
        profiling_group_name="frames",
        start_time=start,
        end_time=start + timedelta(hours=2),
        target_resolution="PT1H",
        frame_metrics=[metric],
    )
    assert (got.start_time, got.end_time, got.resolution) == (
        start,
        start + timedelta(hours=2),
        "PT1H",
    )
    assert [t.value for t in got.end_times] == [start + timedelta(hours=1), start + timedelta(hours=2)]
    (datum,) = got.frame_metric_data
    assert datum.frame_metric == metric
    assert list(datum.values) == [0.5, 0.0]
    assert got.unprocessed_end_times == {}


async def test_notification_channels(codeguruprofiler_client: CodeGuruProfilerClient) -> None:
    client = codeguruprofiler_client
    await client.create_profiling_group(profiling_group_name="notify")
    empty = await client.get_notification_configuration(profiling_group_name="notify")
    assert empty.notification_configuration.channels is None

    topic = "arn:aws:sns:us-east-1:123456789012:anomalies"
    added = await client.add_notification_channels(
        profiling_group_name="notify",
        channels=[Channel(uri=topic, event_publishers=[EventPublisher.ANOMALY_DETECTION])],
    )
    assert added.notification_configuration is not None
    (channel,) = added.notification_configuration.channels or []
    assert channel.uri == topic and UUID_RE.fullmatch(channel.id or "")
    got = await client.get_notification_configuration(profiling_group_name="notify")
    assert got.notification_configuration.channels == [channel]

    with pytest.raises(cg_errors.ConflictException) as conflict:
        await client.add_notification_channels(
            profiling_group_name="notify",
            channels=[Channel(uri=topic, event_publishers=["AnomalyDetection"])],
        )
    assert conflict.value.message == f"A channel with URI {topic!r} is already configured."
    with pytest.raises(cg_errors.ConflictException) as same_id:
        await client.add_notification_channels(
            profiling_group_name="notify",
            channels=[Channel(id=channel.id, uri="other", event_publishers=["AnomalyDetection"])],
        )
    assert same_id.value.message == f"A channel with id {channel.id!r} is already configured."
    with pytest.raises(cg_errors.ServiceQuotaExceededException) as quota:
        await client.add_notification_channels(
            profiling_group_name="notify",
            channels=[
                Channel(uri=f"{topic}-{n}", event_publishers=["AnomalyDetection"]) for n in (2, 3)
            ],
        )
    assert (quota.value.status_code, quota.value.message) == (
        402,
        "A profiling group has at most 2 notification channels; 'notify' has 1.",
    )

    removed = await client.remove_notification_channel(
        profiling_group_name="notify", channel_id=channel.id or ""
    )
    assert removed.notification_configuration is not None
    assert removed.notification_configuration.channels is None
    with pytest.raises(cg_errors.ResourceNotFoundException) as missing:
        await client.remove_notification_channel(
            profiling_group_name="notify", channel_id=channel.id or ""
        )
    assert missing.value.message == (
        f"No notification channel {channel.id!r} in profiling group 'notify'."
    )


async def test_policy_revisions(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    await client.create_profiling_group(profiling_group_name="pol")
    with pytest.raises(cg_errors.ResourceNotFoundException) as none_yet:
        await client.get_policy(profiling_group_name="pol")
    assert none_yet.value.message == "Profiling group 'pol' has no policy."

    put = await client.put_permission(
        profiling_group_name="pol", action_group=ActionGroup.AGENT_PERMISSIONS, principals=[ROLE]
    )
    assert UUID_RE.fullmatch(put.revision_id)
    assert json.loads(put.policy) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "agentPermissions",
                "Effect": "Allow",
                "Principal": {"AWS": [ROLE]},
                "Action": [
                    "codeguru-profiler:ConfigureAgent",
                    "codeguru-profiler:PostAgentProfile",
                ],
                "Resource": codeguruprofiler_server.arn_of("pol"),
            }
        ],
    }
    got = await client.get_policy(profiling_group_name="pol")
    assert (got.policy, got.revision_id) == (put.policy, put.revision_id)

    # A change must name the current revision: none, or an old one, is a conflict.
    for stale in (None, str(uuid.UUID(int=1))):
        with pytest.raises(cg_errors.ConflictException) as conflict:
            await client.put_permission(
                profiling_group_name="pol",
                action_group="agentPermissions",
                principals=[ROLE2],
                revision_id=stale,
            )
        assert conflict.value.message == (
            "The policy of 'pol' exists: give its current revisionId to change it."
            if stale is None
            else f"The revision id {stale!r} is not the current revision of the policy of 'pol'."
        )
    second = await client.put_permission(
        profiling_group_name="pol",
        action_group="agentPermissions",
        principals=[ROLE2],
        revision_id=put.revision_id,
    )
    assert second.revision_id != put.revision_id
    assert json.loads(second.policy)["Statement"][0]["Principal"] == {"AWS": [ROLE2]}

    with pytest.raises(cg_errors.ConflictException):
        await client.remove_permission(
            profiling_group_name="pol", action_group="agentPermissions", revision_id=put.revision_id
        )
    removed = await client.remove_permission(
        profiling_group_name="pol", action_group="agentPermissions", revision_id=second.revision_id
    )
    assert json.loads(removed.policy)["Statement"] == []
    assert removed.revision_id not in (put.revision_id, second.revision_id)


async def test_tags(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_client: CodeGuruProfilerClient
) -> None:
    client = codeguruprofiler_client
    arn = (await client.create_profiling_group(profiling_group_name="tg")).profiling_group.arn
    assert arn is not None
    await client.tag_resource(resource_arn=arn, tags={"a": "1", "b": "2"})
    await client.untag_resource(resource_arn=arn, tag_keys=["a"])
    assert (await client.list_tags_for_resource(resource_arn=arn)).tags == {"b": "2"}
    unknown = codeguruprofiler_server.arn_of("nope")
    for call in (
        client.tag_resource(resource_arn=unknown, tags={"a": "1"}),
        client.untag_resource(resource_arn=unknown, tag_keys=["a"]),
        client.list_tags_for_resource(resource_arn=unknown),
    ):
        with pytest.raises(cg_errors.ResourceNotFoundException) as caught:
            await call
        assert caught.value.message == f"No resource with ARN {unknown!r}."


# -- every modeled error of every operation ------------------------------------------------

NOW = datetime(2026, 5, 1, tzinfo=UTC)
SOME_UUID = str(uuid.UUID(int=5))
Call = Callable[[CodeGuruProfilerClient], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "AddNotificationChannels": lambda c: c.add_notification_channels(
        profiling_group_name="g", channels=[Channel(uri="u", event_publishers=["AnomalyDetection"])]
    ),
    "BatchGetFrameMetricData": lambda c: c.batch_get_frame_metric_data(profiling_group_name="g"),
    "ConfigureAgent": lambda c: c.configure_agent(profiling_group_name="g"),
    "CreateProfilingGroup": lambda c: c.create_profiling_group(profiling_group_name="g"),
    "DeleteProfilingGroup": lambda c: c.delete_profiling_group(profiling_group_name="g"),
    "DescribeProfilingGroup": lambda c: c.describe_profiling_group(profiling_group_name="g"),
    "GetFindingsReportAccountSummary": lambda c: c.get_findings_report_account_summary(),
    "GetNotificationConfiguration": lambda c: c.get_notification_configuration(
        profiling_group_name="g"
    ),
    "GetPolicy": lambda c: c.get_policy(profiling_group_name="g"),
    "GetProfile": lambda c: c.get_profile(profiling_group_name="g"),
    "GetRecommendations": lambda c: c.get_recommendations(
        profiling_group_name="g", start_time=NOW - timedelta(hours=1), end_time=NOW
    ),
    "ListFindingsReports": lambda c: c.list_findings_reports(
        profiling_group_name="g", start_time=NOW - timedelta(hours=1), end_time=NOW
    ),
    "ListProfileTimes": lambda c: c.list_profile_times(
        profiling_group_name="g", start_time=NOW - timedelta(hours=1), end_time=NOW, period="PT5M"
    ),
    "ListProfilingGroups": lambda c: c.list_profiling_groups(),
    "ListTagsForResource": lambda c: c.list_tags_for_resource(resource_arn="arn:x"),
    "PostAgentProfile": lambda c: c.post_agent_profile(
        profiling_group_name="g", content_type=JSON, agent_profile=b"{}"
    ),
    "PutPermission": lambda c: c.put_permission(
        profiling_group_name="g", action_group="agentPermissions", principals=[ROLE]
    ),
    "RemoveNotificationChannel": lambda c: c.remove_notification_channel(
        profiling_group_name="g", channel_id=SOME_UUID
    ),
    "RemovePermission": lambda c: c.remove_permission(
        profiling_group_name="g", action_group="agentPermissions", revision_id=SOME_UUID
    ),
    "SubmitFeedback": lambda c: c.submit_feedback(
        profiling_group_name="g", anomaly_instance_id=SOME_UUID, type="Positive"
    ),
    "TagResource": lambda c: c.tag_resource(resource_arn="arn:x", tags={"a": "b"}),
    "UntagResource": lambda c: c.untag_resource(resource_arn="arn:x", tag_keys=["a"]),
    "UpdateProfilingGroup": lambda c: c.update_profiling_group(
        profiling_group_name="g",
        agent_orchestration_config=AgentOrchestrationConfig(profiling_enabled=True),
    ),
}


def test_a_call_for_every_operation() -> None:
    assert set(CALLS) == OPERATIONS


@pytest.fixture
async def one_attempt_client(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_credentials: awsmith.Credentials
) -> Any:
    async with CodeGuruProfilerClient(
        region="us-east-1",
        endpoint_url=codeguruprofiler_server.endpoint_url,
        credentials=codeguruprofiler_credentials,
        config=ONE_ATTEMPT,
    ) as client:
        yield client


@pytest.mark.parametrize(("operation", "code"), modeled_errors())
async def test_every_modeled_error_reaches_the_client_typed(
    codeguruprofiler_server: CodeGuruProfilerServer,
    one_attempt_client: CodeGuruProfilerClient,
    operation: str,
    code: str,
) -> None:
    """The wire shape of each error the model lists for each operation (injected: most
    cannot be provoked), read by the generated client as the modeled class."""
    codeguruprofiler_server.inject_error(operation, code, message=f"{code} now")
    with pytest.raises(getattr(cg_errors, code)) as caught:
        await CALLS[operation](one_attempt_client)
    assert (caught.value.code, caught.value.status_code, caught.value.message) == (
        code,
        ERROR_STATUS[code],
        f"{code} now",
    )
    (seen,) = codeguruprofiler_server.requests
    assert (seen.operation, seen.status) == (operation, ERROR_STATUS[code])
    assert caught.value.request_id == seen.request_id


@pytest.mark.parametrize(
    "operation",
    sorted(
        op for op, code in modeled_errors()
        if code == "ResourceNotFoundException" and op not in {"TagResource", "UntagResource", "ListTagsForResource", "CreateProfilingGroup"}
    ),
)
async def test_missing_profiling_group_is_resource_not_found(
    one_attempt_client: CodeGuruProfilerClient, operation: str
) -> None:
    with pytest.raises(cg_errors.ResourceNotFoundException) as caught:
        await CALLS[operation](one_attempt_client)
    assert caught.value.message == "Profiling group 'g' does not exist."
    assert caught.value.status_code == 404


async def test_injected_errors_are_used_up_in_order(
    codeguruprofiler_server: CodeGuruProfilerServer, one_attempt_client: CodeGuruProfilerClient
) -> None:
    codeguruprofiler_server.inject_error("ListProfilingGroups", "ThrottlingException", times=2)
    codeguruprofiler_server.inject_error("ListProfilingGroups", "InternalServerException")
    raised = []
    for _ in range(3):
        with pytest.raises(cg_errors.CodeGuruProfilerError) as caught:
            await one_attempt_client.list_profiling_groups()
        raised.append(caught.value.code)
    assert raised == ["ThrottlingException", "ThrottlingException", "InternalServerException"]
    assert (await one_attempt_client.list_profiling_groups()).profiling_group_names == []


def test_each_operations_errors_are_botocores_models() -> None:
    model = botocore_model()
    assert {
        name: frozenset(e.name for e in model.operation_model(name).error_shapes)
        for name in model.operation_names
    } == ERRORS_OF


def test_inject_error_refuses_what_the_model_does_not_have() -> None:
    server = CodeGuruProfilerServer()
    with pytest.raises(ValueError, match=r"^'GetProfiles' is not a CodeGuru Profiler operation$"):
        server.inject_error("GetProfiles", "ThrottlingException")
    with pytest.raises(ValueError) as caught:
        server.inject_error("GetProfile", "Throttled")
    assert str(caught.value) == (
        "GetProfile does not model 'Throttled': its errors are InternalServerException, "
        "ResourceNotFoundException, ThrottlingException, ValidationException"
    )
    with pytest.raises(ValueError) as caught:
        server.inject_error("GetPolicy", "ConflictException")  # another operation's error
    assert str(caught.value) == (
        "GetPolicy does not model 'ConflictException': its errors are "
        "InternalServerException, ResourceNotFoundException, ThrottlingException"
    )
    with pytest.raises(ValueError, match=r"^times must be at least 1, got 0$"):
        server.inject_error("GetProfile", "ThrottlingException", times=0)


# -- SigV4, as the service checks it ----------------------------------------------------------


async def test_wrong_signatures_are_refused_with_the_services_errors(
    codeguruprofiler_server: CodeGuruProfilerServer,
) -> None:
    async def call(credentials: awsmith.Credentials) -> awsmith.ServiceError:
        async with CodeGuruProfilerClient(
            region="us-east-1",
            endpoint_url=codeguruprofiler_server.endpoint_url,
            credentials=credentials,
            config=ONE_ATTEMPT,
        ) as client:
            with pytest.raises(awsmith.ServiceError) as caught:
                await client.list_profiling_groups()
        return caught.value

    wrong_secret = await call(
        awsmith.Credentials(access_key_id=FAKE_ACCESS_KEY_ID, secret_access_key="not-it")
    )
    assert (wrong_secret.code, wrong_secret.status_code) == ("InvalidSignatureException", 403)
    assert (wrong_secret.message or "").startswith(
        "The request signature we calculated does not match the signature you provided."
        " The Canonical String for this request should have been\nGET\n/profilingGroups\n"
    )
    unknown_key = await call(
        awsmith.Credentials(access_key_id="AKIAUNKNOWN000000000", secret_access_key="x")
    )
    assert (unknown_key.code, unknown_key.status_code, unknown_key.message) == (
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )
    async with httpx.AsyncClient() as http:
        unsigned = await http.get(f"{codeguruprofiler_server.endpoint_url}/profilingGroups")
    assert unsigned.status_code == 403
    assert unsigned.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert unsigned.json() == {"message": "Missing Authentication Token"}
    assert [r.status for r in codeguruprofiler_server.requests] == [403, 403, 403]


def signed_by_botocore(
    server: CodeGuruProfilerServer,
    body: bytes,
    *,
    region: str = "us-east-1",
    service: str = "codeguru-profiler",
    headers: dict[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """A CreateProfilingGroup request signed by botocore's SigV4 signer (the oracle)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    request = AWSRequest(
        method="POST",
        url=f"{server.endpoint_url}/profilingGroups?clientToken=t1",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    keys = BotocoreCredentials(server.access_key_id, server.secret_access_key)
    SigV4Auth(keys, service, region).add_auth(request)
    return request.url, dict(request.headers.items())


SIGNED_BODY = b'{"profilingGroupName": "signed"}'


@pytest.mark.parametrize(
    ("scope", "extra", "sent", "message"),
    [
        (
            {"region": "eu-west-1"},
            {},
            SIGNED_BODY,
            "Credential should be scoped to a valid region, not 'eu-west-1'.",
        ),
        (
            {"service": "support"},
            {},
            SIGNED_BODY,
            "Credential should be scoped to correct service: 'codeguru-profiler'.",
        ),
        (
            {},
            {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
            SIGNED_BODY,
            "The X-Amz-Content-SHA256 header must be the SHA-256 of the request body (this "
            "service does not take 'UNSIGNED-PAYLOAD'; only S3 takes UNSIGNED-PAYLOAD).",
        ),
        (
            {},
            {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
            b'{"profilingGroupName": "swapped"}',
            "The X-Amz-Content-SHA256 header must be the SHA-256 of the request body (this "
            "service does not take 'UNSIGNED-PAYLOAD'; only S3 takes UNSIGNED-PAYLOAD).",
        ),
        (
            {},
            {"X-Amz-Content-SHA256": hashlib.sha256(SIGNED_BODY).hexdigest()},
            b'{"profilingGroupName": "swapped"}',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ),
    ],
    ids=["other-region", "other-service", "unsigned-payload", "unsigned-swapped", "hash-swapped"],
)
def test_signatures_the_service_refuses(
    codeguruprofiler_server: CodeGuruProfilerServer,
    scope: dict[str, str],
    extra: dict[str, str],
    sent: bytes,
    message: str,
    boto: Any,
) -> None:
    """A signature valid in itself (botocore's) but for another region or service, or
    over a payload hash that is not the body's, is refused: nothing is created."""
    url, headers = signed_by_botocore(codeguruprofiler_server, SIGNED_BODY, headers=extra, **scope)
    answer = httpx.post(url, content=sent, headers=headers)
    assert answer.status_code == 403
    assert answer.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    assert answer.json() == {"message": message}
    assert boto.list_profiling_groups()["profilingGroupNames"] == []


def test_a_payload_hash_that_is_the_bodys_is_accepted(
    codeguruprofiler_server: CodeGuruProfilerServer, boto: Any
) -> None:
    sha = hashlib.sha256(SIGNED_BODY).hexdigest()
    url, headers = signed_by_botocore(
        codeguruprofiler_server, SIGNED_BODY, headers={"X-Amz-Content-SHA256": sha}
    )
    assert httpx.post(url, content=SIGNED_BODY, headers=headers).status_code == 201
    assert boto.list_profiling_groups()["profilingGroupNames"] == ["signed"]


# -- botocore as the oracle of the wire ---------------------------------------------------------


@pytest.fixture
def boto(codeguruprofiler_server: CodeGuruProfilerServer) -> Iterator[Any]:
    """botocore's client for the server, its parameter validation off (so the server's
    own validation is what answers a bad input)."""
    client = botocore.session.get_session().create_client(
        "codeguruprofiler",
        region_name="us-east-1",
        endpoint_url=codeguruprofiler_server.endpoint_url,
        aws_access_key_id=codeguruprofiler_server.access_key_id,
        aws_secret_access_key=codeguruprofiler_server.secret_access_key,
        config=BotocoreConfig(parameter_validation=False, retries={"max_attempts": 0}),
    )
    yield client
    client.close()


def conformance(shape: Any, value: Any, path: str) -> list[str]:
    """Where ``value`` (decoded JSON) breaks ``shape`` of botocore's model: a missing
    required member, a member the model does not have, a wrong type, a length, range,
    pattern or enum violated."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        problems = [f"{path}.{n}: required, missing" for n in shape.required_members if n not in value]
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key}: not a member of {shape.name}")
            else:
                problems += conformance(shape.members[key], item, f"{path}.{key}")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        problems = sized(meta, len(value), path)
        for i, item in enumerate(value):
            if not (item is None and meta.get("sparse")):
                problems += conformance(shape.member, item, f"{path}[{i}]")
        return problems
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        problems = []
        for key, item in value.items():
            problems += conformance(shape.key, key, f"{path} key")
            problems += conformance(shape.value, item, f"{path}[{key!r}]")
        return problems
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: {value!r} is not a string"]
        problems = sized(meta, len(value), path)
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} not in {shape.enum}")
        pattern = meta.get("pattern")
        if pattern and not re.search(pattern.replace("$", r"\Z"), value, re.ASCII):
            problems.append(f"{path}: {value!r} does not match {pattern}")
        return problems
    if kind in ("integer", "long"):
        if type(value) is not int:
            return [f"{path}: {value!r} is not an integer"]
        low, high = meta.get("min"), meta.get("max")
        out_of_range = (low is not None and value < low) or (high is not None and value > high)
        return [f"{path}: {value} out of [{low}, {high}]"] if out_of_range else []
    if kind in ("double", "float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: {value!r} is not a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if kind == "timestamp":
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return [f"{path}: {value!r} is not an ISO-8601 timestamp"]
        return [] if parsed.tzinfo is not None else [f"{path}: {value!r} has no time zone"]
    return [f"{path}: no check for {kind}"]


def sized(meta: dict[str, Any], size: int, path: str) -> list[str]:
    low, high = meta.get("min"), meta.get("max")
    if (low is not None and size < low) or (high is not None and size > high):
        return [f"{path}: length {size} out of [{low}, {high}]"]
    return []


def body_problems(operation: Any, status: int, body: bytes) -> list[str]:
    """The answer's JSON body checked against the operation's output shape in
    botocore's model (an error answer is a problem of its own here)."""
    if status >= 300:
        return [f"{operation.name}: HTTP {status} {body!r}"]
    output = operation.output_shape
    if output is None:
        return [] if body == b"" else [f"{operation.name}: a body where the model has none"]
    payload = output.serialization.get("payload")
    if payload is not None:
        shape = output.members[payload]
        if shape.type_name == "blob":
            return []
        return conformance(shape, json.loads(body), operation.name)
    in_body = {n: m for n, m in output.members.items() if "location" not in m.serialization}
    if not in_body:
        return [] if body in (b"", b"{}") else [f"{operation.name}: unexpected body {body!r}"]
    return conformance(output, json.loads(body or b"{}"), operation.name)


def test_the_conformance_check_can_fail() -> None:
    shapes = botocore_model()
    assert conformance(
        shapes.shape_for("GetNotificationConfigurationResponse"),
        {"notificationConfiguration": {"channels": []}, "extra": 1},
        "R",
    ) == [
        "R.notificationConfiguration.channels: length 0 out of [1, 2]",
        "R.extra: not a member of GetNotificationConfigurationResponse",
    ]
    assert conformance(
        shapes.shape_for("ListProfileTimesResponse"),
        {"profileTimes": [{"start": "2026-01-01T00:00:00"}], "nextToken": "a b"},
        "R",
    ) == [
        "R.profileTimes[0].start: '2026-01-01T00:00:00' has no time zone",
        "R.nextToken: 'a b' does not match ^[\\w-]+$",
    ]
    assert conformance(shapes.shape_for("GetPolicyResponse"), {"policy": 1}, "R") == [
        "R.revisionId: required, missing",
        "R.policy: 1 is not a string",
    ]


def test_botocore_calls_every_operation(
    codeguruprofiler_server: CodeGuruProfilerServer, boto: Any
) -> None:
    """botocore's serializer writes each request (the server must accept it) and its
    parser reads each answer (it must find what the model says); every answer's body
    conforms to the output shape of botocore's model (required members, no others,
    types, lengths, ranges, patterns, enums)."""
    problems: list[str] = []
    checked: list[str] = []

    def check(response_dict: dict[str, Any], event_name: str, **_: Any) -> None:
        operation = boto.meta.service_model.operation_model(event_name.rpartition(".")[2])
        if operation.has_streaming_output:
            checked.append(operation.name)
            return
        problems.extend(body_problems(operation, response_dict["status_code"], response_dict["body"]))
        checked.append(operation.name)

    boto.meta.events.register("response-received.codeguruprofiler", check)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    group = boto.create_profiling_group(profilingGroupName="b", clientToken="tok")
    assert group["profilingGroup"]["name"] == "b"
    assert group["ResponseMetadata"]["HTTPStatusCode"] == 201
    arn = group["profilingGroup"]["arn"]
    assert boto.describe_profiling_group(profilingGroupName="b")["profilingGroup"]["arn"] == arn
    updated = boto.update_profiling_group(
        profilingGroupName="b", agentOrchestrationConfig={"profilingEnabled": False}
    )
    assert updated["profilingGroup"]["agentOrchestrationConfig"] == {"profilingEnabled": False}
    assert boto.list_profiling_groups(includeDescription=True)["profilingGroupNames"] == ["b"]
    config = boto.configure_agent(profilingGroupName="b", fleetInstanceId="i-1")
    assert config["configuration"]["shouldProfile"] is False
    boto.post_agent_profile(profilingGroupName="b", contentType=JSON, agentProfile=b"x.Frame")
    profile = boto.get_profile(profilingGroupName="b", accept=JSON)
    assert (profile["profile"].read(), profile["contentType"]) == (b"x.Frame", JSON)
    codeguruprofiler_server.add_agent_profile("b", b"java.util.logging.Logger.log", received_at=start)
    times = boto.list_profile_times(
        profilingGroupName="b", startTime=start, endTime=start + timedelta(hours=1), period="PT1H"
    )
    assert [t["start"] for t in times["profileTimes"]] == [start]
    frames = boto.batch_get_frame_metric_data(
        profilingGroupName="b",
        startTime=start,
        endTime=start + timedelta(minutes=10),
        frameMetrics=[
            {"frameName": "java.util.logging.Logger.log", "threadStates": [], "type": "AggregatedRelativeTotalTime"}
        ],
    )
    assert frames["frameMetricData"][0]["values"] == [1.0, 0.0]
    instance = codeguruprofiler_server.add_anomaly("b", frame_name="f", start=start)
    recs = boto.get_recommendations(
        profilingGroupName="b", startTime=start, endTime=start + timedelta(hours=1)
    )
    assert recs["recommendations"][0]["pattern"]["id"] == "stub-pattern-logging"
    assert recs["anomalies"][0]["instances"][0]["id"] == instance
    boto.submit_feedback(profilingGroupName="b", anomalyInstanceId=instance, type="Negative")
    reports = boto.list_findings_reports(
        profilingGroupName="b", startTime=start, endTime=start + timedelta(days=1)
    )
    assert reports["findingsReportSummaries"][0]["profileStartTime"] == start
    summary = boto.get_findings_report_account_summary()
    assert summary["reportSummaries"][-1]["profilingGroupName"] == "b"
    added = boto.add_notification_channels(
        profilingGroupName="b", channels=[{"uri": "sns", "eventPublishers": ["AnomalyDetection"]}]
    )
    channel_id = added["notificationConfiguration"]["channels"][0]["id"]
    got = boto.get_notification_configuration(profilingGroupName="b")
    assert got["notificationConfiguration"]["channels"][0]["id"] == channel_id
    removed = boto.remove_notification_channel(profilingGroupName="b", channelId=channel_id)
    assert removed["notificationConfiguration"] == {}
    put = boto.put_permission(
        profilingGroupName="b", actionGroup="agentPermissions", principals=[ROLE]
    )
    assert boto.get_policy(profilingGroupName="b")["revisionId"] == put["revisionId"]
    boto.remove_permission(
        profilingGroupName="b", actionGroup="agentPermissions", revisionId=put["revisionId"]
    )
    boto.tag_resource(resourceArn=arn, tags={"k": "v"})
    assert boto.list_tags_for_resource(resourceArn=arn)["tags"] == {"k": "v"}
    boto.untag_resource(resourceArn=arn, tagKeys=["k"])
    boto.delete_profiling_group(profilingGroupName="b")
    seen = {r.operation for r in codeguruprofiler_server.requests}
    assert seen == OPERATIONS == set(checked)
    assert problems == []
    assert {r.status for r in codeguruprofiler_server.requests} <= {200, 201, 204}


BAD_INPUTS = [
    (
        "create_profiling_group",
        {"profilingGroupName": "has space", "clientToken": "t"},
        "1 validation error detected: Value 'has space' at 'profilingGroupName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: ^[\\w-]+$",
    ),
    (
        "create_profiling_group",
        {"profilingGroupName": "x" * 256, "clientToken": "t"},
        f"1 validation error detected: Value '{'x' * 256}' at 'profilingGroupName' failed to "
        "satisfy constraint: Member must have length less than or equal to 255",
    ),
    (
        "create_profiling_group",
        {"profilingGroupName": "ok", "clientToken": "t", "computePlatform": "Mainframe"},
        "1 validation error detected: Value 'Mainframe' at 'computePlatform' failed to "
        "satisfy constraint: Member must satisfy enum value set: [AWSLambda, Default]",
    ),
    (
        "list_profiling_groups",
        {"maxResults": 1001},
        "1 validation error detected: Value 1001 at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000",
    ),
    (
        "list_profiling_groups",
        {"maxResults": 0},
        "1 validation error detected: Value 0 at 'maxResults' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
    ),
    (
        "list_profiling_groups",
        {"nextToken": "not a token"},
        "1 validation error detected: Value 'not a token' at 'nextToken' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[\\w-]+$",
    ),
    (
        "list_profiling_groups",
        {"nextToken": "unknown-token"},
        "The nextToken 'unknown-token' is invalid.",
    ),
    (
        "update_profiling_group",
        {"profilingGroupName": "v"},
        "1 validation error detected: Value null at 'agentOrchestrationConfig' failed to "
        "satisfy constraint: Member must not be null",
    ),
    (
        "add_notification_channels",
        {"profilingGroupName": "v", "channels": []},
        "1 validation error detected: Value [] at 'channels' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    ),
    (
        "add_notification_channels",
        {"profilingGroupName": "v", "channels": [{"uri": "u", "eventPublishers": ["Email"]}]},
        "1 validation error detected: Value 'Email' at 'channels.1.member.eventPublishers."
        "member' failed to satisfy constraint: Member must satisfy enum value set: "
        "[AnomalyDetection]",
    ),
    (
        "remove_notification_channel",
        {"profilingGroupName": "v", "channelId": "not-a-uuid"},
        "1 validation error detected: Value 'not-a-uuid' at 'channelId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
    ),
    (
        "put_permission",
        {"profilingGroupName": "v", "actionGroup": "adminPermissions", "principals": [ROLE]},
        "1 validation error detected: Value 'adminPermissions' at 'actionGroup' failed to "
        "satisfy constraint: Member must satisfy enum value set: [agentPermissions]",
    ),
    (
        "put_permission",
        {"profilingGroupName": "v", "actionGroup": "agentPermissions", "principals": ["bob"]},
        "Principal 'bob' is not an account id or an IAM role or user ARN.",
    ),
    (
        "submit_feedback",
        {"profilingGroupName": "v", "anomalyInstanceId": SOME_UUID, "type": "Meh"},
        "1 validation error detected: Value 'Meh' at 'type' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Negative, Positive]",
    ),
    (
        "configure_agent",
        {"profilingGroupName": "v", "metadata": {"Colour": "blue"}},
        "1 validation error detected: Value 'Colour' at 'metadata.key' failed to satisfy "
        "constraint: Member must satisfy enum value set: [AgentId, AwsRequestId, "
        "ComputePlatform, ExecutionEnvironment, LambdaFunctionArn, LambdaMemoryLimitInMB, "
        "LambdaPreviousExecutionTimeInMilliseconds, LambdaRemainingTimeInMilliseconds, "
        "LambdaTimeGapBetweenInvokesInMilliseconds]",
    ),
    (
        "get_profile",
        {"profilingGroupName": "v", "maxDepth": 10001},
        "1 validation error detected: Value 10001 at 'maxDepth' failed to satisfy "
        "constraint: Member must have value less than or equal to 10000",
    ),
    (
        "get_profile",
        {"profilingGroupName": "v", "period": "soon"},
        "period 'soon' is not an ISO-8601 duration such as PT5M, PT1H or P1D.",
    ),
    (
        "list_profile_times",
        {"profilingGroupName": "v", "startTime": NOW, "endTime": NOW + timedelta(hours=1), "period": "PT2H"},
        "1 validation error detected: Value 'PT2H' at 'period' failed to satisfy constraint: "
        "Member must satisfy enum value set: [P1D, PT1H, PT5M]",
    ),
    (
        "list_findings_reports",
        {"profilingGroupName": "v", "endTime": NOW},
        "1 validation error detected: Value null at 'startTime' failed to satisfy "
        "constraint: Member must not be null",
    ),
    (
        "batch_get_frame_metric_data",
        {"profilingGroupName": "v", "targetResolution": "PT1M"},
        "1 validation error detected: Value 'PT1M' at 'targetResolution' failed to satisfy "
        "constraint: Member must satisfy enum value set: [P1D, PT1H, PT5M]",
    ),
    (
        "batch_get_frame_metric_data",
        {"profilingGroupName": "v", "period": "P30D"},
        "period 'P30D' is longer than the maximum of one day (P1D).",
    ),
    (
        "batch_get_frame_metric_data",
        {"profilingGroupName": "v", "period": "PT24H1S"},
        "period 'PT24H1S' is longer than the maximum of one day (P1D).",
    ),
]


@pytest.mark.parametrize(("method", "params", "message"), BAD_INPUTS)
def test_inputs_are_validated_as_the_model_says(
    codeguruprofiler_server: CodeGuruProfilerServer,
    boto: Any,
    method: str,
    params: dict[str, Any],
    message: str,
) -> None:
    boto.create_profiling_group(profilingGroupName="v", clientToken="v")
    with pytest.raises(ClientError) as caught:
        getattr(boto, method)(**params)
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationException", message)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_retried_post_is_stored_once(
    codeguruprofiler_server: CodeGuruProfilerServer, boto: Any
) -> None:
    """PostAgentProfile's profileToken is its idempotency token: the same token twice
    stores one profile, another token another."""
    boto.create_profiling_group(profilingGroupName="g", clientToken="g")
    post = {"profilingGroupName": "g", "contentType": JSON}
    boto.post_agent_profile(agentProfile=b'{"n": 1}', profileToken="t1", **post)
    boto.post_agent_profile(agentProfile=b'{"n": 1}', profileToken="t1", **post)
    boto.post_agent_profile(agentProfile=b'{"n": 2}', profileToken="t2", **post)
    assert [p.body for p in codeguruprofiler_server.stored_profiles("g")] == [
        b'{"n": 1}',
        b'{"n": 2}',
    ]
    assert [r.status for r in codeguruprofiler_server.requests[-3:]] == [204, 204, 204]


# -- pagination tokens --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("delete a seen one", ["a3", "a4"]),  # an offset would skip a3
        ("add one before", ["a3", "a4"]),  # an offset would repeat a2
    ],
)
def test_a_token_resumes_after_the_last_item_returned(
    boto: Any, change: str, expected: list[str]
) -> None:
    """Changing the listing before the position between pages neither skips nor repeats
    an item: the token holds the last key returned, not an offset."""
    for name in ("a1", "a2", "a3", "a4", "a5"):
        boto.create_profiling_group(profilingGroupName=name, clientToken=name)
    first = boto.list_profiling_groups(maxResults=2)
    assert first["profilingGroupNames"] == ["a1", "a2"]
    if change == "delete a seen one":
        boto.delete_profiling_group(profilingGroupName="a1")
    else:
        boto.create_profiling_group(profilingGroupName="a0", clientToken="a0")
    second = boto.list_profiling_groups(maxResults=2, nextToken=first["nextToken"])
    assert second["profilingGroupNames"] == expected
    again = boto.list_profiling_groups(maxResults=2, nextToken=first["nextToken"])
    assert again["profilingGroupNames"] == expected  # a retried page is the same page
    last = boto.list_profiling_groups(maxResults=2, nextToken=second["nextToken"])
    assert (last["profilingGroupNames"], "nextToken" in last) == (["a5"], False)


def test_descending_profile_times_resume_after_the_last_one(
    codeguruprofiler_server: CodeGuruProfilerServer, boto: Any
) -> None:
    boto.create_profiling_group(profilingGroupName="g", clientToken="g")
    hour = datetime(2026, 12, 1, 12, tzinfo=UTC)
    for hours in (1, 2, 3):
        codeguruprofiler_server.add_agent_profile("g", b"{}", received_at=hour - timedelta(hours=hours))
    window = {"startTime": hour - timedelta(days=1), "endTime": hour, "period": "PT1H"}
    first = boto.list_profile_times(profilingGroupName="g", maxResults=1, **window)
    rest = boto.list_profile_times(
        profilingGroupName="g", maxResults=5, nextToken=first["nextToken"], **window
    )
    starts = [t["start"].hour for t in first["profileTimes"] + rest["profileTimes"]]
    assert starts == [11, 10, 9]


@pytest.mark.parametrize(
    "other",
    [
        {"profilingGroupName": "g2"},
        {"period": "P1D"},
        {"orderBy": "TimestampAscending"},
        {"endTime": datetime(2026, 12, 1, 11, tzinfo=UTC)},
    ],
    ids=["other-group", "other-period", "other-order", "other-window"],
)
def test_a_token_is_refused_by_any_other_listing(
    codeguruprofiler_server: CodeGuruProfilerServer, boto: Any, other: dict[str, Any]
) -> None:
    hour = datetime(2026, 12, 1, 12, tzinfo=UTC)
    for name in ("g1", "g2"):
        boto.create_profiling_group(profilingGroupName=name, clientToken=name)
        for hours in (1, 2, 3):
            codeguruprofiler_server.add_agent_profile(name, b"{}", received_at=hour - timedelta(hours=hours))
    listing = {
        "profilingGroupName": "g1",
        "startTime": hour - timedelta(days=1),
        "endTime": hour,
        "period": "PT1H",
    }
    token = boto.list_profile_times(maxResults=1, **listing)["nextToken"]
    with pytest.raises(ClientError) as caught:
        boto.list_profile_times(maxResults=1, nextToken=token, **{**listing, **other})
    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        f"The nextToken {token!r} is invalid.",
    )
    with pytest.raises(ClientError) as caught:
        boto.list_profiling_groups(nextToken=token)
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_tokens_are_kept_once_per_position(
    codeguruprofiler_server: CodeGuruProfilerServer, boto: Any
) -> None:
    """Paging the same listing again reuses its tokens: the server's memory does not grow
    with the number of requests."""
    for name in ("a", "b", "c"):
        boto.create_profiling_group(profilingGroupName=name, clientToken=name)
    tokens = {boto.list_profiling_groups(maxResults=1)["nextToken"] for _ in range(5)}
    assert len(tokens) == 1
    assert len(codeguruprofiler_server._tokens) == 1


# -- lifecycle --------------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "url_host"), [("0.0.0.0", "127.0.0.1"), ("::", "[::1]")])
def test_a_wildcard_bind_gives_a_loopback_endpoint(host: str, url_host: str) -> None:
    server = CodeGuruProfilerServer(host=host, port=8123)
    assert server.endpoint_url == f"http://{url_host}:8123"


def test_two_servers_on_their_own_ports_and_state() -> None:
    with codeguruprofiler_server() as one, codeguruprofiler_server(region="eu-west-1") as two:
        assert one.port != two.port and one.port > 0
        assert two.arn_of("x") == "arn:aws:codeguru-profiler:eu-west-1:123456789012:profilingGroup/x"


def test_a_taken_port_is_a_clear_error() -> None:
    with codeguruprofiler_server() as taken:
        server = CodeGuruProfilerServer(port=taken.port)
        with pytest.raises(RuntimeError, match=rf"^the CodeGuru Profiler server did not start on 127\.0\.0\.1:{taken.port}: "):
            server.start()


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_fixtures_on_both_backends(
    codeguruprofiler_client: CodeGuruProfilerClient, anyio_backend: str
) -> None:
    created = await codeguruprofiler_client.create_profiling_group(profiling_group_name=anyio_backend)
    assert created.profiling_group.name == anyio_backend

