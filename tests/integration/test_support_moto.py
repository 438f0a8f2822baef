"""The Support client against moto's server on 127.0.0.1 (devservers.moto_server).

moto (5.x) implements CreateCase, DescribeCases, ResolveCase,
DescribeTrustedAdvisorChecks and RefreshTrustedAdvisorCheck; the other Support
operations answer HTTP 500 with an HTML page. Case communications are still covered:
moto returns them inside DescribeCases (``recentCommunications``). Some quirks of moto
the assertions rely on: every DescribeCases or ResolveCase call moves a case one step
through a fixed status cycle (opened -> pending-customer-action -> reopened -> ...),
DescribeCases moves the severity one step (low -> normal -> ...), it ignores
``maxResults`` and echoes the ``nextToken`` it was sent.

Most tests send through a caller-supplied ``httpx.AsyncClient`` with an event hook, so
the exact awsJson1.1 requests can be asserted too; the main flow also runs on the
default transport, and one test runs under trio.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest

import awsmith
from awsmith.support import SupportClient
from awsmith.support.errors import SupportError
from awsmith.support.shapes import (
    CaseDetails,
    CaseStatus,
    Communication,
    CreateCaseResponse,
    TrustedAdvisorCheckDescription,
)
from devservers.moto_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    async_moto_server,
    moto_server,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

TARGET_PREFIX = "AWSSupport_20130415."


class Wire:
    """The requests a client sent, captured by an httpx event hook."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def hook(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def operations(self) -> list[str]:
        return [r.headers["X-Amz-Target"].removeprefix(TARGET_PREFIX) for r in self.requests]

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


@asynccontextmanager
async def open_support(
    endpoint: str,
    transport: str = "httpx",
    *,
    wire: Wire | None = None,
    config: awsmith.Config | None = None,
) -> AsyncIterator[SupportClient]:
    credentials = awsmith.Credentials(
        access_key_id=FAKE_ACCESS_KEY_ID, secret_access_key=FAKE_SECRET_ACCESS_KEY
    )
    if transport == "httpx":
        hooks = {"request": [wire.hook]} if wire is not None else {}
        async with (
            httpx.AsyncClient(event_hooks=hooks) as http,
            SupportClient(
                region="us-east-1",
                endpoint_url=endpoint,
                credentials=credentials,
                http_client=http,
                config=config,
            ) as client,
        ):
            yield client
    else:
        assert wire is None, "the default transport has no request hook"
        async with SupportClient(
            region="us-east-1", endpoint_url=endpoint, credentials=credentials, config=config
        ) as client:
            yield client


async def create_case(client: SupportClient, subject: str, severity: str = "low") -> str:
    response = await client.create_case(
        subject=subject,
        communication_body=f"Body of {subject}",
        service_code="amazon-elastic-compute-cloud-linux",
        category_code="other",
        severity_code=severity,
        cc_email_addresses=["ops@example.com"],
        language="en",
        issue_type="technical",
    )
    assert isinstance(response, CreateCaseResponse)
    assert response.case_id is not None
    return response.case_id


@pytest.mark.parametrize("transport", ["default", "httpx"])
async def test_create_then_describe_case_typed(endpoint: str, transport: str) -> None:
    async with open_support(endpoint, transport) as client:
        case_id = await create_case(client, "Instance unreachable")
        described = await client.describe_cases(
            case_id_list=[case_id], include_communications=True, include_resolved_cases=True
        )
    assert case_id.startswith("case-12345678910-2020-")
    assert described.next_token is None
    (case,) = described.cases or []
    assert isinstance(case, CaseDetails)
    assert case.case_id == case_id
    assert case.subject == "Instance unreachable"
    assert case.service_code == "amazon-elastic-compute-cloud-linux"
    assert case.category_code == "other"
    assert case.severity_code == "normal"  # moto: one severity step per DescribeCases
    assert case.status is CaseStatus.PENDING_CUSTOMER_ACTION  # an enum member, not a str
    assert case.submitted_by == "moto@moto.com"
    assert case.cc_email_addresses == ["ops@example.com"]
    assert case.language == "en"
    assert case.display_id == "foo_display_id"
    # TimeCreated is a string in the Support model; moto writes ISO-8601 into it.
    assert isinstance(case.time_created, str)
    assert isinstance(datetime.fromisoformat(case.time_created), datetime)
    assert case.recent_communications is not None
    (communication,) = case.recent_communications.communications or []
    assert isinstance(communication, Communication)
    assert communication.body == "Body of Instance unreachable"
    assert communication.case_id == case_id
    assert communication.submitted_by == "moto@moto.com"
    (attachment,) = communication.attachment_set or []
    assert attachment.attachment_id is None  # JSON null -> None
    assert attachment.file_name == "support_file.txt"
    assert case.recent_communications.next_token == "foo_next_token"


async def test_create_case_wire(endpoint: str) -> None:
    wire = Wire()
    async with open_support(endpoint, wire=wire) as client:
        await create_case(client, "Ünïcode & spaces / ? % +", severity="urgent")
    (request,) = wire.requests
    assert request.method == "POST"
    assert request.url.path == "/"
    assert request.headers["X-Amz-Target"] == "AWSSupport_20130415.CreateCase"
    assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert request.headers["Authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={FAKE_ACCESS_KEY_ID}/"
    )
    assert "/us-east-1/support/aws4_request," in request.headers["Authorization"]
    assert json.loads(request.content) == {
        "subject": "Ünïcode & spaces / ? % +",
        "communicationBody": "Body of Ünïcode & spaces / ? % +",
        "serviceCode": "amazon-elastic-compute-cloud-linux",
        "categoryCode": "other",
        "severityCode": "urgent",
        "ccEmailAddresses": ["ops@example.com"],
        "language": "en",
        "issueType": "technical",
    }


async def test_describe_cases_paginator(endpoint: str) -> None:
    wire = Wire()
    async with open_support(endpoint, wire=wire) as client:
        ids = [await create_case(client, f"case {n}") for n in range(3)]
        wire.requests.clear()

        pages = [
            page
            async for page in client.paginate_describe_cases(
                include_resolved_cases=True, include_communications=False, page_size=10
            )
        ]

        capped = client.paginate_describe_cases(include_resolved_cases=True, max_items=2)
        first = [case async for case in capped.items()]
        resume = capped.resume_token
        assert resume is not None
        rest = [
            case
            async for case in client.paginate_describe_cases(
                include_resolved_cases=True, starting_token=resume
            ).items()
        ]
    # moto returns every case on one page, in creation order.
    assert len(pages) == 1
    assert [case.case_id for case in pages[0].cases or []] == ids
    assert pages[0].next_token is None
    assert all(case.recent_communications is None for case in pages[0].cases or [])
    assert all(isinstance(case.status, CaseStatus) for case in pages[0].cases or [])
    assert [case.case_id for case in first] == ids[:2]
    assert [case.case_id for case in rest] == ids[2:]
    assert all(isinstance(case, CaseDetails) for case in first + rest)
    # page_size went out as maxResults; the resumed listing re-read the first page.
    assert wire.operations() == ["DescribeCases"] * 3
    assert wire.bodies() == [
        {"includeResolvedCases": True, "includeCommunications": False, "maxResults": 10},
        {"includeResolvedCases": True},
        {"includeResolvedCases": True},
    ]


# Without the repeated-token guard this test loops; moto's start (a module fixture, maybe
# this test's setup) takes 10 s at most on a loaded machine.
@pytest.mark.timeout(60)
async def test_paginator_stops_when_moto_echoes_the_token(endpoint: str) -> None:
    wire = Wire()
    async with open_support(endpoint, wire=wire) as client:
        await create_case(client, "echo")
        wire.requests.clear()
        pages = []
        with pytest.raises(awsmith.PaginationError, match="moto-echoes-this"):
            async for page in client.paginate_describe_cases(
                include_resolved_cases=True, starting_token="moto-echoes-this"
            ):
                pages.append(page)
    assert [page.next_token for page in pages] == ["moto-echoes-this"]
    assert wire.bodies() == [{"includeResolvedCases": True, "nextToken": "moto-echoes-this"}]


async def test_page_size_is_validated_before_any_request(endpoint: str) -> None:
    wire = Wire()
    async with open_support(endpoint, wire=wire) as client:
        with pytest.raises(awsmith.ParamValidationError, match="max_results"):
            async for _ in client.paginate_describe_cases(page_size=5):
                pass
    assert wire.requests == []


@pytest.mark.parametrize("transport", ["default", "httpx"])
async def test_resolve_case(endpoint: str, transport: str) -> None:
    async with open_support(endpoint, transport) as client:
        case_id = await create_case(client, "to resolve")
        resolved = await client.resolve_case(case_id=case_id)
    assert resolved.final_case_status == "resolved"
    # moto reports the status after moving the case one step (opened -> this one).
    assert resolved.initial_case_status == "pending-customer-action"


async def test_resolve_unknown_case_surfaces_moto_500(endpoint: str) -> None:
    """moto has no CaseIdNotFound: an unknown id crashes its handler (HTTP 500, HTML).
    The client must raise the service's base error, never a decoding error."""
    wire = Wire()
    config = awsmith.Config(max_attempts=2, base_backoff=0.01, max_backoff=0.01)
    async with open_support(endpoint, wire=wire, config=config) as client:
        with pytest.raises(SupportError) as caught:
            await client.resolve_case(case_id="case-does-not-exist")
    error = caught.value
    assert type(error) is SupportError
    assert isinstance(error, awsmith.ServiceError)
    assert error.status_code == 500
    assert error.code == "500"
    assert error.message is not None
    assert error.message.startswith("non-JSON error body: '<!doctype html>")
    # A 500 is retryable: both attempts were made.
    assert wire.operations() == ["ResolveCase", "ResolveCase"]
    assert wire.bodies() == [{"caseId": "case-does-not-exist"}] * 2


@pytest.mark.parametrize(
    ("operation", "target"),
    [
        ("describe_communications", "DescribeCommunications"),
        ("add_communication_to_case", "AddCommunicationToCase"),
        ("describe_services", "DescribeServices"),
        ("describe_severity_levels", "DescribeSeverityLevels"),
    ],
)
async def test_operations_moto_lacks_raise_service_error(
    endpoint: str, operation: str, target: str
) -> None:
    """If this fails because moto started implementing the operation, turn it into a
    typed-result test like the ones above."""
    wire = Wire()
    kwargs: dict[str, dict[str, Any]] = {
        "describe_communications": {"case_id": "case-x"},
        "add_communication_to_case": {"case_id": "case-x", "communication_body": "hi"},
        "describe_services": {"language": "en"},
        "describe_severity_levels": {"language": "en"},
    }
    async with open_support(endpoint, wire=wire, config=awsmith.Config(max_attempts=1)) as client:
        with pytest.raises(SupportError) as caught:
            await getattr(client, operation)(**kwargs[operation])
    assert caught.value.status_code == 500
    assert wire.operations() == [target]


async def test_trusted_advisor_checks_and_refresh(endpoint: str) -> None:
    from moto.support.models import ADVISOR_CHECKS  # moto's static answer

    wire = Wire()
    async with open_support(endpoint, wire=wire) as client:
        described = await client.describe_trusted_advisor_checks(language="en")
        check_id = described.checks[0].id
        first = await client.refresh_trusted_advisor_check(check_id=check_id)
        second = await client.refresh_trusted_advisor_check(check_id=check_id)
    expected = ADVISOR_CHECKS["checks"]
    assert all(isinstance(check, TrustedAdvisorCheckDescription) for check in described.checks)
    assert [(c.id, c.name, c.category, c.description, c.metadata) for c in described.checks] == [
        (c["id"], c["name"], c["category"], c["description"], c["metadata"]) for c in expected
    ]
    assert check_id == "Qch7DwouX1"
    assert (first.status.check_id, first.status.status) == (check_id, "none")
    assert first.status.millis_until_next_refreshable == 123
    assert isinstance(first.status.millis_until_next_refreshable, int)
    assert second.status.status == "enqueued"  # moto advances the refresh state
    assert wire.operations() == [
        "DescribeTrustedAdvisorChecks",
        "RefreshTrustedAdvisorCheck",
        "RefreshTrustedAdvisorCheck",
    ]
    assert wire.bodies() == [{"language": "en"}, {"checkId": check_id}, {"checkId": check_id}]


async def test_describe_cases_max_results_validated_before_io(endpoint: str) -> None:
    wire = Wire()
    async with open_support(endpoint, wire=wire) as client:
        with pytest.raises(awsmith.ParamValidationError) as caught:
            await client.describe_cases(max_results=101)
    assert "max_results" in str(caught.value)
    assert wire.requests == []


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_support_flow_under_trio() -> None:
    """The async moto helper and the client (on a caller's httpx client) under trio."""
    async with async_moto_server() as server:
        wire = Wire()
        async with open_support(server.endpoint_url, wire=wire) as client:
            ids = [await create_case(client, f"trio {n}") for n in range(2)]
            listed = [
                case.case_id
                async for case in client.paginate_describe_cases(
                    include_resolved_cases=True, page_size=10
                ).items()
            ]
            resolved = await client.resolve_case(case_id=ids[0])
        assert server.running
    assert not server.running
    assert listed == ids
    assert resolved.final_case_status == "resolved"
    assert wire.operations() == ["CreateCase", "CreateCase", "DescribeCases", "ResolveCase"]


def test_moto_server_is_stopped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError, match="test body failed"), moto_server() as server:
        pid = server.pid
        assert pid is not None and server.running
        raise RuntimeError("test body failed")
    assert not server.running
    with pytest.raises(ProcessLookupError):  # terminated and reaped, not orphaned
        os.kill(pid, 0)
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.endpoint_url, timeout=2)
