"""User-style code that must type-check clean under mypy --strict and pyright strict.

Never executed (the functions are not called); tests/typing/test_typing.py imports it
and runs both checkers over it. ``assert_type`` pins the types users rely on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, assert_type

import awsmith
from awsmith import Paginator, ServiceError
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler import errors as cgp_errors
from awsmith.codeguruprofiler.shapes import (
    AggregationPeriod,
    Anomaly,
    ComputePlatform,
    GetProfileResponse,
    ListProfilingGroupsResponse,
    OrderBy,
    ProfilingGroupDescription,
    ProfilingStatus,
    Recommendation,
)
from awsmith.support import SupportClient
from awsmith.support.errors import CaseIdNotFound, SupportError, ThrottlingException
from awsmith.support.shapes import (
    Attachment,
    CaseDetails,
    CaseStatus,
    Communication,
    CreateCaseResponse,
    DescribeCasesResponse,
    RecentCaseCommunications,
    SeverityLevelCode,
    ThrottlingReason,
)


class TraceHeader(awsmith.Interceptor):
    """An interceptor as users write them: adds a header, reads the response."""

    def modify_before_signing(
        self, context: awsmith.InterceptorContext
    ) -> awsmith.TransportRequest:
        request = super().modify_before_signing(context)
        request.headers["x-trace"] = context.operation_name
        return request

    def read_after_transmit(self, context: awsmith.InterceptorContext) -> None:
        response = context.transport_response
        if response is not None:
            assert_type(response, awsmith.TransportResponse)
            assert_type(response.status, int)


async def support_operations() -> None:
    creds = awsmith.Credentials(access_key_id="AKID", secret_access_key="secret")
    config = awsmith.Config(max_attempts=3)
    async with SupportClient(
        region="us-east-1", credentials=creds, config=config, interceptors=[TraceHeader()]
    ) as client:
        assert_type(client, SupportClient)

        # a per-call view is a client of the same type
        once = client.with_options(max_attempts=1, call_timeout=None, retry_mode="standard")
        assert_type(once, SupportClient)
        assert_type(await once.describe_cases(), DescribeCasesResponse)

        # required arguments only, then with optional ones
        created = await client.create_case(subject="disk full", communication_body="help")
        assert_type(created, CreateCaseResponse)
        assert_type(created.case_id, str | None)
        created = await client.create_case(
            subject="disk full",
            communication_body="help",
            severity_code="low",
            cc_email_addresses=["ops@example.com"],
            language="en",
        )

        # a nested shape, optional all the way down
        page = await client.describe_cases(include_resolved_cases=True, max_results=10)
        assert_type(page, DescribeCasesResponse)
        assert_type(page.cases, list[CaseDetails] | None)
        for case in page.cases or []:
            assert_type(case, CaseDetails)
            assert_type(case.status, CaseStatus | None)
            assert_type(case.time_created, str | None)
            recent = case.recent_communications
            assert_type(recent, RecentCaseCommunications | None)
            if recent is not None and recent.communications:
                first = recent.communications[0]
                assert_type(first, Communication)
                body: str | None = first.body
                print(body)
            if case.status is CaseStatus.RESOLVED:
                print(case.case_id)

        # bytes blobs in a request
        added = await client.add_attachments_to_set(
            attachments=[Attachment(file_name="log.txt", data=b"line 1\n")]
        )
        set_id: str | None = added.attachment_set_id
        if set_id is not None:
            await client.add_communication_to_case(
                case_id=created.case_id, communication_body="log attached", attachment_set_id=set_id
            )

        # required (non-optional) response members
        checks = await client.describe_trusted_advisor_checks(language="en")
        names: list[str] = [check.name for check in checks.checks]
        print(names)

        levels = await client.describe_severity_levels()
        for level in levels.severity_levels or []:
            code = level.code
            assert_type(code, SeverityLevelCode | None)


async def support_pagination(client: SupportClient) -> None:
    paginator = client.paginate_describe_cases(include_resolved_cases=True, page_size=20)
    assert_type(paginator, Paginator[DescribeCasesResponse, CaseDetails])
    async for page in paginator:
        assert_type(page, DescribeCasesResponse)
        assert_type(page.next_token, str | None)
    assert_type(paginator.resume_token, str | None)

    assert_type(paginator.items(), AsyncIterator[CaseDetails])
    async for case in client.paginate_describe_cases(max_items=50).items():
        assert_type(case, CaseDetails)
        subject: str | None = case.subject
        print(subject)

    async for message in client.paginate_describe_communications(case_id="case-1").items():
        assert_type(message, Communication)


async def support_errors(client: SupportClient) -> None:
    try:
        await client.resolve_case(case_id="case-1")
    except ThrottlingException as e:
        assert_type(e.throttling_reasons, list[ThrottlingReason] | None)
        for reason in e.throttling_reasons or []:
            assert_type(reason.reason, str | None)
        assert_type(e.status_code, int)
        assert_type(e.request_id, str | None)
        assert_type(e.code, str)
        assert_type(e.message, str | None)
    except CaseIdNotFound as e:
        assert_type(e, CaseIdNotFound)
    except SupportError as e:
        assert_type(e.status_code, int)
    except ServiceError as e:
        assert_type(e.raw, dict[str, Any])
    except awsmith.TransportError:
        pass


async def profiler_operations() -> None:
    async with CodeGuruProfilerClient(region="eu-west-1") as client:
        assert_type(client, CodeGuruProfilerClient)
        assert_type(client.with_options(call_timeout=5), CodeGuruProfilerClient)
        # enum-typed arguments accept the enum member or its string value
        group = await client.create_profiling_group(
            profiling_group_name="checkout", compute_platform=ComputePlatform.AWSLAMBDA
        )
        group = await client.create_profiling_group(
            profiling_group_name="checkout", compute_platform="Default", client_token="t-1"
        )
        description = group.profiling_group
        assert_type(description, ProfilingGroupDescription)
        assert_type(description.compute_platform, ComputePlatform | None)
        assert_type(description.created_at, datetime | None)
        assert_type(description.tags, dict[str, str] | None)
        status = description.profiling_status
        assert_type(status, ProfilingStatus | None)
        if status is not None and status.latest_aggregated_profile is not None:
            assert_type(status.latest_aggregated_profile.period, AggregationPeriod | None)
            assert_type(status.latest_aggregated_profile.start, datetime | None)

        # bytes in and out
        await client.post_agent_profile(
            profiling_group_name="checkout",
            agent_profile=b"{}",
            content_type="application/json",
        )
        profile = await client.get_profile(
            profiling_group_name="checkout", max_depth=5, accept="application/json"
        )
        assert_type(profile, GetProfileResponse)
        assert_type(profile.profile, bytes)
        assert_type(profile.content_type, str)
        assert_type(profile.content_encoding, str | None)
        raw: bytes = profile.profile
        print(len(raw))

        # datetimes in and out, required response members
        start = datetime(2024, 1, 1, tzinfo=UTC)
        end = datetime(2024, 1, 2, tzinfo=UTC)
        recommendations = await client.get_recommendations(
            profiling_group_name="checkout", start_time=start, end_time=end
        )
        assert_type(recommendations.profile_start_time, datetime)
        assert_type(recommendations.recommendations, list[Recommendation])
        assert_type(recommendations.anomalies, list[Anomaly])
        for rec in recommendations.recommendations:
            assert_type(rec.all_matches_count, int)
            assert_type(rec.pattern.name, str | None)
            assert_type(rec.start_time, datetime)

        times = await client.list_profile_times(
            profiling_group_name="checkout",
            start_time=start,
            end_time=end,
            period=AggregationPeriod.PT5_M,
            order_by="TimestampDescending",
        )
        times = await client.list_profile_times(
            profiling_group_name="checkout",
            start_time=start,
            end_time=end,
            period="P1D",
            order_by=OrderBy.TIMESTAMP_ASCENDING,
        )
        for t in times.profile_times:
            assert_type(t.start, datetime | None)

        await client.put_permission(
            profiling_group_name="checkout",
            action_group="agentPermissions",
            principals=["arn:aws:iam::123456789012:root"],
        )
        await client.submit_feedback(
            profiling_group_name="checkout", anomaly_instance_id="a-1", type="Positive"
        )


async def profiler_pagination_and_errors(client: CodeGuruProfilerClient) -> None:
    # The item type follows include_description: descriptions when asked for, else names.
    paginator = client.paginate_list_profiling_groups(include_description=True)
    assert_type(paginator, Paginator[ListProfilingGroupsResponse, ProfilingGroupDescription])
    async for page in paginator:
        assert_type(page.profiling_group_names, list[str])
        assert_type(page.profiling_groups, list[ProfilingGroupDescription] | None)
    async for description in paginator.items():
        assert_type(description, ProfilingGroupDescription)
        assert_type(description.name, str | None)
    async for name in client.paginate_list_profiling_groups().items():
        assert_type(name, str)
    async for name in client.paginate_list_profiling_groups(include_description=False).items():
        assert_type(name, str)
    async for name in client.paginate_list_profiling_groups(include_description=None).items():
        assert_type(name, str)
    async for name in client.paginate_list_profiling_groups(page_size=10, max_items=5).items():
        assert_type(name, str)
    # a bool whose value the checker does not know: either
    for flag in (True, False):
        async for item in client.paginate_list_profiling_groups(include_description=flag).items():
            assert_type(item, str | ProfilingGroupDescription)

    try:
        await client.describe_profiling_group(profiling_group_name="missing")
    except cgp_errors.ResourceNotFoundException as e:
        assert_type(e.status_code, int)
        assert_type(e.request_id, str | None)
    except cgp_errors.CodeGuruProfilerError as e:
        assert_type(e.code, str)


async def pluggable_credentials() -> None:
    async def from_vault() -> awsmith.Credentials:
        return awsmith.Credentials(
            access_key_id="ASIA...",
            secret_access_key="secret",
            session_token="token",
            expiry=datetime.now(UTC),
        )

    provider: awsmith.CredentialProvider = from_vault
    role = awsmith.assume_role(
        role_arn="arn:aws:iam::123456789012:role/Auditor",
        session_name="sweep",
        source=provider,
        region="us-east-1",
        duration_seconds=900,
    )
    assert_type(role, awsmith.CredentialProvider)
    assert_type(await role(), awsmith.Credentials)
    async with SupportClient(credentials=role) as client:
        await client.describe_services()
    async with CodeGuruProfilerClient(credentials=from_vault) as profiler:
        await profiler.list_profiling_groups()


def shapes_are_attrs_classes(case: CaseDetails) -> None:
    """attrs' own functions take the shapes (mypy's attrs plugin and pyright both see
    ``attrs.define(kw_only=True)``)."""
    import attrs

    assert_type(attrs.evolve(case, status=CaseStatus.RESOLVED), CaseDetails)
    assert next(field.name for field in attrs.fields(CaseDetails)) == "case_id"
    assert_type(attrs.asdict(case), dict[str, Any])
    assert attrs.has(CaseDetails)


async def attachment_helpers(client: SupportClient) -> None:
    """The hand-written helpers, typed as the generated methods are."""
    import io
    from pathlib import Path

    def progress(done: int, total: int) -> None:
        print(f"{done}/{total}")

    upload_id = await client.upload_attachment(Path("dump.log"), concurrency=2, progress=progress)
    assert_type(upload_id, str)
    for source in ("dump.log", b"data", bytearray(b"data"), io.BytesIO(b"data")):
        await client.upload_attachment(source, file_name="dump.log")
    with open("dump.log", "rb") as file:
        await client.upload_attachment(file)
    await client.create_case(subject="s", communication_body="b", upload_ids=[upload_id])
    assert_type(await client.download_attachment("attachment-1", Path("out.log")), int)
    with open("out.log", "wb") as out:
        await client.download_attachment("attachment-1", out)
    try:
        await client.upload_attachment(b"x", file_name="x")
    except awsmith.AttachmentUploadError as error:
        assert_type(error.part_index, int | None)
        assert_type(error.upload_id, str | None)
    except awsmith.AttachmentError as error:
        assert_type(error.file_name, str | None)


def the_helpers_seam(client: SupportClient) -> None:
    """What the helpers' implementation takes the client as (AttachmentApi, a protocol
    of the four operations it calls) is what the generated client is: a model change
    that breaks it fails here."""
    from awsmith.support._attachments import AttachmentApi

    api: AttachmentApi = client
    assert api is client
