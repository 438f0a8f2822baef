"""Every AWS Support operation: the exact wire request and the typed result.

awsJson1.1: ``POST /`` to the endpoint botocore's rules give for us-west-2 (Support has
one endpoint per partition: support.us-east-1.amazonaws.com, signed for us-east-1),
``X-Amz-Target``, ``Content-Type: application/x-amz-json-1.1`` and a compact JSON body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import attrs
import botocore
import botocore.loaders
import botocore.model
import botocore.parsers
import botocore.serialize
import pytest
from botocore.awsrequest import HeadersDict

import awsmith
from awsmith.support import SupportClient
from awsmith.support import shapes as s
from tests.differential import strategies as S
from tests.unit.mockaws import (
    AWS_JSON_SIGNED,
    SUPPORT_HOST,
    TOKEN,
    Script,
    check_signature,
    json_forms,
    json_reply,
    support,
)


@dataclass(frozen=True)
class Op:
    method: str
    kwargs: dict[str, Any]
    body: bytes
    reply: Any
    expected: Any

    @property
    def name(self) -> str:
        """The operation's model name."""
        return "".join(p.title() for p in self.method.split("_"))

    @property
    def target(self) -> str:
        return "AWSSupport_20130415." + self.name


RA_SUMMARY = {
    "resourcesProcessed": 10,
    "resourcesFlagged": 2,
    "resourcesIgnored": 1,
    "resourcesSuppressed": 0,
}
RA_SUMMARY_TYPED = s.TrustedAdvisorResourcesSummary(
    resources_processed=10, resources_flagged=2, resources_ignored=1, resources_suppressed=0
)
CATEGORY_SUMMARY = {
    "costOptimizing": {"estimatedMonthlySavings": 12.5, "estimatedPercentMonthlySavings": 3}
}
CATEGORY_SUMMARY_TYPED = s.TrustedAdvisorCategorySpecificSummary(
    cost_optimizing=s.TrustedAdvisorCostOptimizingSummary(
        estimated_monthly_savings=12.5, estimated_percent_monthly_savings=3.0
    )
)

OPS = [
    Op(
        "add_attachments_to_set",
        {
            "attachments": [s.Attachment(file_name="log.txt", data=b"hello\x00\xff")],
            "attachment_set_id": "as-1",
        },
        b'{"attachmentSetId":"as-1","attachments":[{"data":"aGVsbG8A/w==","fileName":"log.txt"}]}',
        {"attachmentSetId": "as-1", "expiryTime": "2024-05-01T12:00:00.000Z"},
        s.AddAttachmentsToSetResponse(
            attachment_set_id="as-1", expiry_time="2024-05-01T12:00:00.000Z"
        ),
    ),
    Op(
        "add_communication_to_case",
        {
            "case_id": "case-1",
            "communication_body": "Any news?",
            "cc_email_addresses": ["ops@example.com"],
            "attachment_set_id": "as-1",
        },
        b'{"attachmentSetId":"as-1","caseId":"case-1","ccEmailAddresses":["ops@example.com"],'
        b'"communicationBody":"Any news?"}',
        {"result": True},
        s.AddCommunicationToCaseResponse(result=True),
    ),
    Op(
        "create_case",
        {
            "subject": "Caf\u00e9 \u2615 down",
            "communication_body": 'He said "hi"\n& left / ? % + #',
            "service_code": "amazon-ec2",
            "severity_code": "low",
            "category_code": "other",
            "cc_email_addresses": ["a@example.com", "b@example.com"],
            "language": "en",
            "issue_type": "technical",
            "attachment_set_id": "as-1",
        },
        b'{"attachmentSetId":"as-1","categoryCode":"other",'
        b'"ccEmailAddresses":["a@example.com","b@example.com"],'
        b'"communicationBody":"He said \\"hi\\"\\n& left / ? % + #","issueType":"technical",'
        b'"language":"en","serviceCode":"amazon-ec2","severityCode":"low",'
        b'"subject":"Caf\\u00e9 \\u2615 down"}',
        {"caseId": "case-12345678910-2013-c4c1d2bf33c5cf47"},
        s.CreateCaseResponse(case_id="case-12345678910-2013-c4c1d2bf33c5cf47"),
    ),
    Op(
        "describe_attachment",
        {"attachment_id": "att-1"},
        b'{"attachmentId":"att-1"}',
        {"attachment": {"fileName": "trace.bin", "data": "AAECAw=="}},
        s.DescribeAttachmentResponse(
            attachment=s.Attachment(file_name="trace.bin", data=b"\x00\x01\x02\x03")
        ),
    ),
    Op(
        "describe_cases",
        {"case_id_list": ["case-1"], "include_resolved_cases": True},
        b'{"caseIdList":["case-1"],"includeResolvedCases":true}',
        {
            "cases": [
                {
                    "caseId": "case-1",
                    "displayId": "1234",
                    "subject": "Broken",
                    "status": "opened",
                    "serviceCode": "amazon-ec2",
                    "severityCode": "low",
                    "submittedBy": "me@example.com",
                    "timeCreated": "2024-01-02T03:04:05.678Z",
                    "ccEmailAddresses": [],
                    "language": "en",
                    "recentCommunications": {
                        "communications": [
                            {
                                "caseId": "case-1",
                                "body": "hello",
                                "submittedBy": "me@example.com",
                                "timeCreated": "2024-01-02T03:04:05.678Z",
                                "attachmentSet": [{"attachmentId": "att-1", "fileName": "a.txt"}],
                            }
                        ],
                        "nextToken": "comm-2",
                    },
                },
                {"caseId": "case-2", "status": "escalated-to-mars"},
            ],
            "nextToken": "page-2",
        },
        s.DescribeCasesResponse(
            cases=[
                s.CaseDetails(
                    case_id="case-1",
                    display_id="1234",
                    subject="Broken",
                    status=s.CaseStatus.OPENED,
                    service_code="amazon-ec2",
                    severity_code="low",
                    submitted_by="me@example.com",
                    time_created="2024-01-02T03:04:05.678Z",
                    cc_email_addresses=[],
                    language="en",
                    recent_communications=s.RecentCaseCommunications(
                        communications=[
                            s.Communication(
                                case_id="case-1",
                                body="hello",
                                submitted_by="me@example.com",
                                time_created="2024-01-02T03:04:05.678Z",
                                attachment_set=[
                                    s.AttachmentDetails(attachment_id="att-1", file_name="a.txt")
                                ],
                            )
                        ],
                        next_token="comm-2",
                    ),
                ),
                s.CaseDetails(case_id="case-2", status=s.CaseStatus("escalated-to-mars")),
            ],
            next_token="page-2",
        ),
    ),
    Op(
        "describe_communications",
        {
            "case_id": "case-1",
            "after_time": "2024-01-01T00:00:00Z",
            "before_time": "2024-02-01T00:00:00Z",
            "max_results": 10,
            "next_token": "tok",
        },
        b'{"afterTime":"2024-01-01T00:00:00Z","beforeTime":"2024-02-01T00:00:00Z",'
        b'"caseId":"case-1","maxResults":10,"nextToken":"tok"}',
        {"communications": [{"caseId": "case-1", "body": "b\u00f6dy"}]},
        s.DescribeCommunicationsResponse(
            communications=[s.Communication(case_id="case-1", body="b\u00f6dy")]
        ),
    ),
    Op(
        "describe_create_case_options",
        {
            "service_code": "amazon-ec2",
            "category_code": "other",
            "issue_type": "technical",
            "language": "en",
        },
        b'{"categoryCode":"other","issueType":"technical","language":"en",'
        b'"serviceCode":"amazon-ec2"}',
        {
            "languageAvailability": "available",
            "communicationTypes": [
                {
                    "type": "chat",
                    "supportedHours": [{"startTime": "08:00", "endTime": "17:00"}],
                    "datesWithoutSupport": [
                        {"startDateTime": "2024-12-25T00:00:00Z", "endDateTime": "2024-12-26"}
                    ],
                }
            ],
        },
        s.DescribeCreateCaseOptionsResponse(
            language_availability="available",
            communication_types=[
                s.CommunicationTypeOptions(
                    type="chat",
                    supported_hours=[s.SupportedHour(start_time="08:00", end_time="17:00")],
                    dates_without_support=[
                        s.DateInterval(
                            start_date_time="2024-12-25T00:00:00Z", end_date_time="2024-12-26"
                        )
                    ],
                )
            ],
        ),
    ),
    Op(
        "describe_services",
        {"service_code_list": ["amazon-ec2"], "language": "en"},
        b'{"language":"en","serviceCodeList":["amazon-ec2"]}',
        {
            "services": [
                {
                    "code": "amazon-ec2",
                    "name": "EC2",
                    "categories": [{"code": "other", "name": "Other"}],
                }
            ]
        },
        s.DescribeServicesResponse(
            services=[
                s.Service(
                    code="amazon-ec2",
                    name="EC2",
                    categories=[s.Category(code="other", name="Other")],
                )
            ]
        ),
    ),
    Op(
        "describe_severity_levels",
        {"language": "en"},
        b'{"language":"en"}',
        {"severityLevels": [{"code": "urgent", "name": "Urgent"}, {"code": "apocalyptic"}]},
        s.DescribeSeverityLevelsResponse(
            severity_levels=[
                s.SeverityLevel(code=s.SeverityLevelCode.URGENT, name="Urgent"),
                s.SeverityLevel(code=s.SeverityLevelCode("apocalyptic")),
            ]
        ),
    ),
    Op(
        "describe_supported_languages",
        {"service_code": "amazon-ec2", "category_code": "other", "issue_type": "technical"},
        b'{"categoryCode":"other","issueType":"technical","serviceCode":"amazon-ec2"}',
        {"supportedLanguages": [{"code": "ja", "language": "Japanese", "display": "\u65e5\u672c\u8a9e"}]},
        s.DescribeSupportedLanguagesResponse(
            supported_languages=[
                s.SupportedLanguage(code="ja", language="Japanese", display="\u65e5\u672c\u8a9e")
            ]
        ),
    ),
    Op(
        "describe_trusted_advisor_check_refresh_statuses",
        {"check_ids": ["c1", "c2"]},
        b'{"checkIds":["c1","c2"]}',
        {"statuses": [{"checkId": "c1", "status": "enqueued", "millisUntilNextRefreshable": 300000}]},
        s.DescribeTrustedAdvisorCheckRefreshStatusesResponse(
            statuses=[
                s.TrustedAdvisorCheckRefreshStatus(
                    check_id="c1", status="enqueued", millis_until_next_refreshable=300000
                )
            ]
        ),
    ),
    Op(
        "describe_trusted_advisor_check_result",
        {"check_id": "c1", "language": "en"},
        b'{"checkId":"c1","language":"en"}',
        {
            "result": {
                "checkId": "c1",
                "timestamp": "2024-01-01T00:00:00Z",
                "status": "warning",
                "resourcesSummary": RA_SUMMARY,
                "categorySpecificSummary": CATEGORY_SUMMARY,
                "flaggedResources": [
                    {
                        "status": "warning",
                        "region": "us-west-2",
                        "resourceId": "r-1",
                        "isSuppressed": False,
                        "metadata": ["a", "b"],
                    }
                ],
            }
        },
        s.DescribeTrustedAdvisorCheckResultResponse(
            result=s.TrustedAdvisorCheckResult(
                check_id="c1",
                timestamp="2024-01-01T00:00:00Z",
                status="warning",
                resources_summary=RA_SUMMARY_TYPED,
                category_specific_summary=CATEGORY_SUMMARY_TYPED,
                flagged_resources=[
                    s.TrustedAdvisorResourceDetail(
                        status="warning",
                        region="us-west-2",
                        resource_id="r-1",
                        is_suppressed=False,
                        metadata=["a", "b"],
                    )
                ],
            )
        ),
    ),
    Op(
        "describe_trusted_advisor_check_summaries",
        {"check_ids": ["c1"]},
        b'{"checkIds":["c1"]}',
        {
            "summaries": [
                {
                    "checkId": "c1",
                    "timestamp": "2024-01-01T00:00:00Z",
                    "status": "ok",
                    "hasFlaggedResources": True,
                    "resourcesSummary": RA_SUMMARY,
                    "categorySpecificSummary": CATEGORY_SUMMARY,
                }
            ]
        },
        s.DescribeTrustedAdvisorCheckSummariesResponse(
            summaries=[
                s.TrustedAdvisorCheckSummary(
                    check_id="c1",
                    timestamp="2024-01-01T00:00:00Z",
                    status="ok",
                    has_flagged_resources=True,
                    resources_summary=RA_SUMMARY_TYPED,
                    category_specific_summary=CATEGORY_SUMMARY_TYPED,
                )
            ]
        ),
    ),
    Op(
        "describe_trusted_advisor_checks",
        {"language": "en"},
        b'{"language":"en"}',
        {
            "checks": [
                {
                    "id": "c1",
                    "name": "Idle Load Balancers",
                    "description": "Checks ...",
                    "category": "cost_optimizing",
                    "metadata": ["Region", "Load Balancer Name"],
                }
            ]
        },
        s.DescribeTrustedAdvisorChecksResponse(
            checks=[
                s.TrustedAdvisorCheckDescription(
                    id="c1",
                    name="Idle Load Balancers",
                    description="Checks ...",
                    category="cost_optimizing",
                    metadata=["Region", "Load Balancer Name"],
                )
            ]
        ),
    ),
    Op(
        "refresh_trusted_advisor_check",
        {"check_id": "c1"},
        b'{"checkId":"c1"}',
        {"status": {"checkId": "c1", "status": "enqueued", "millisUntilNextRefreshable": 0}},
        s.RefreshTrustedAdvisorCheckResponse(
            status=s.TrustedAdvisorCheckRefreshStatus(
                check_id="c1", status="enqueued", millis_until_next_refreshable=0
            )
        ),
    ),
    Op(
        "resolve_case",
        {"case_id": "case-1"},
        b'{"caseId":"case-1"}',
        {"initialCaseStatus": "work-in-progress", "finalCaseStatus": "resolved"},
        s.ResolveCaseResponse(initial_case_status="work-in-progress", final_case_status="resolved"),
    ),
    # The multipart attachment workflow (models/supplements/support.json).
    Op(
        "get_attachment_upload_links",
        {
            "file_name": "core dump \u00fc.tar.gz",
            "file_size_bytes": 157286400,
            "upload_range": s.UploadRange(start_index=1, end_index=3),
        },
        b'{"fileName":"core dump \\u00fc.tar.gz","fileSizeBytes":157286400,'
        b'"uploadRange":{"endIndex":3,"startIndex":1}}',
        {
            "uploadId": "up-1",
            "partSizeBytes": 104857600,
            "totalParts": 2,
            "nextIndex": None,
            "uploadUrls": [
                {
                    "url": "https://uploadv1.attachments.support.us-east-1.amazonaws.com/p1?X-Amz-Signature=a%2Fb",
                    "partIndex": 1,
                    "expiryDate": "2026-01-01T00:15:00Z",
                },
                {
                    "url": "https://uploadv1.attachments.support.us-east-1.amazonaws.com/p2",
                    "partIndex": 2,
                    "expiryDate": "2026-01-01T00:15:00Z",
                },
            ],
        },
        s.GetAttachmentUploadLinksResponse(
            upload_id="up-1",
            part_size_bytes=104857600,
            total_parts=2,
            next_index=None,
            upload_urls=[
                s.UploadUrl(
                    url="https://uploadv1.attachments.support.us-east-1.amazonaws.com/p1?X-Amz-Signature=a%2Fb",
                    part_index=1,
                    expiry_date="2026-01-01T00:15:00Z",
                ),
                s.UploadUrl(
                    url="https://uploadv1.attachments.support.us-east-1.amazonaws.com/p2",
                    part_index=2,
                    expiry_date="2026-01-01T00:15:00Z",
                ),
            ],
        ),
    ),
    Op(
        "complete_attachment_upload",
        {
            "upload_id": "up-1",
            "completed_uploads": [
                s.CompletedUpload(part_index=1, e_tag='"9b2cf535f27731c974343645a3985328"'),
                s.CompletedUpload(part_index=2, e_tag='"a-2"'),
            ],
        },
        b'{"completedUploads":[{"eTag":"\\"9b2cf535f27731c974343645a3985328\\"","partIndex":1},'
        b'{"eTag":"\\"a-2\\"","partIndex":2}],"uploadId":"up-1"}',
        {"uploadStatus": "attachment-not-ready"},
        s.CompleteAttachmentUploadResponse(upload_status=s.UploadStatus.ATTACHMENT_NOT_READY),
    ),
    Op(
        "describe_attachment_upload_status",
        {"upload_id": "up-1", "dry_run": False},
        b'{"dryRun":false,"uploadId":"up-1"}',
        {
            "uploadStatus": "attachment-ready",
            "fileName": "core.tar.gz",
            "uploadProgress": {"totalParts": 2, "completedPartsCount": 2},
        },
        s.DescribeAttachmentUploadStatusResponse(
            upload_status=s.UploadStatus.ATTACHMENT_READY,
            file_name="core.tar.gz",
            upload_progress=s.UploadProgress(total_parts=2, completed_parts_count=2),
        ),
    ),
    Op(
        "get_attachment_download_link",
        {"attachment_id": "att-9"},
        b'{"attachmentId":"att-9"}',
        {
            "fileName": "core.tar.gz",
            "downloadUrl": {
                "url": "https://downloadv1.attachments.support.us-east-1.amazonaws.com/att-9",
                "expiryDate": "2026-01-01T01:00:00Z",
            },
        },
        s.GetAttachmentDownloadLinkResponse(
            file_name="core.tar.gz",
            download_url=s.DownloadUrl(
                url="https://downloadv1.attachments.support.us-east-1.amazonaws.com/att-9",
                expiry_date="2026-01-01T01:00:00Z",
            ),
        ),
    ),
]

#: Members AWS added to operations the reference has: uploadIds and dryRun.
NEWER_MEMBERS = [
    Op(
        "create_case",
        {
            "subject": "Large core dump",
            "communication_body": "Attached.",
            "upload_ids": ["up-1", "up-2"],
            "dry_run": True,
        },
        b'{"communicationBody":"Attached.","dryRun":true,"subject":"Large core dump",'
        b'"uploadIds":["up-1","up-2"]}',
        {"caseId": "case-1"},
        s.CreateCaseResponse(case_id="case-1"),
    ),
    Op(
        "add_communication_to_case",
        {"case_id": "case-1", "communication_body": "And another.", "upload_ids": ["up-3"]},
        b'{"caseId":"case-1","communicationBody":"And another.","uploadIds":["up-3"]}',
        {"result": True},
        s.AddCommunicationToCaseResponse(result=True),
    ),
    Op(
        "describe_communications",
        {"case_id": "case-1"},
        b'{"caseId":"case-1"}',
        {
            "communications": [
                {
                    "caseId": "case-1",
                    "body": "Attached.",
                    "attachmentSet": [],
                    "attachments": [{"attachmentId": "att-9", "fileName": "core.tar.gz"}],
                }
            ]
        },
        s.DescribeCommunicationsResponse(
            communications=[
                s.Communication(
                    case_id="case-1",
                    body="Attached.",
                    attachment_set=[],
                    attachments=[s.AttachmentDetails(attachment_id="att-9", file_name="core.tar.gz")],
                )
            ]
        ),
    ),
]


CASES = OPS + NEWER_MEMBERS
CASE_IDS = [op.method for op in OPS] + [f"{op.method}[newer members]" for op in NEWER_MEMBERS]


def test_every_operation_has_a_case() -> None:
    methods = {
        name
        for name in vars(SupportClient)
        if not name.startswith(("_", "paginate_")) and callable(getattr(SupportClient, name))
    }
    assert methods == {op.method for op in OPS}
    assert len(OPS) == 20


@pytest.mark.anyio
@pytest.mark.parametrize("session_token", [None, TOKEN], ids=["long-term", "session"])
@pytest.mark.parametrize("op", CASES, ids=CASE_IDS)
async def test_wire_request_and_typed_result(op: Op, session_token: str | None) -> None:
    script = Script(json_reply(op.reply, content_type="application/x-amz-json-1.1"))
    async with support(script, session_token=session_token) as client:
        result = await getattr(client, op.method)(**op.kwargs)

    request = script.request
    assert request.method == "POST"
    assert str(request.url) == f"https://{SUPPORT_HOST}/"
    assert request.headers["Host"] == SUPPORT_HOST
    assert request.headers["X-Amz-Target"] == op.target
    assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert request.headers["User-Agent"].startswith(f"awsmith/{awsmith.__version__} ")
    assert request.content in json_forms(op.body)
    check_signature(
        request,
        region="us-east-1",
        service="support",
        session_token=session_token,
        must_sign=AWS_JSON_SIGNED,
    )

    assert type(result) is type(op.expected)
    assert result == op.expected


def _walk(value: Any) -> list[Any]:
    """Every value inside an attrs instance, depth first (its response_metadata, the
    HTTP response beside the body, left out)."""
    out = [value]
    if attrs.has(type(value)):
        for f in attrs.fields(type(value)):
            if f.name != "response_metadata":
                out.extend(_walk(getattr(value, f.name)))
    elif isinstance(value, list):
        for item in value:
            out.extend(_walk(item))
    elif isinstance(value, dict):
        for item in value.values():
            out.extend(_walk(item))
    return out


@pytest.mark.anyio
async def test_results_use_real_types_enums_and_blobs() -> None:
    cases_op = next(op for op in OPS if op.method == "describe_cases")
    async with support(Script(json_reply(cases_op.reply))) as client:
        page = await client.describe_cases(case_id_list=["case-1"], include_resolved_cases=True)
    assert page.cases is not None
    known, unknown = page.cases
    assert type(known.status) is s.CaseStatus and known.status is s.CaseStatus.OPENED
    assert isinstance(unknown.status, s.CaseStatus)
    assert unknown.status.value == "escalated-to-mars"
    assert unknown.status == "escalated-to-mars"
    assert "escalated-to-mars" not in [m.value for m in s.CaseStatus]
    # absent members are None, not missing attributes or empty strings
    assert unknown.subject is None and unknown.recent_communications is None
    assert known.recent_communications is not None
    comm = known.recent_communications.communications
    assert comm is not None and type(comm[0]) is s.Communication
    assert type(comm[0].attachment_set[0]) is s.AttachmentDetails  # type: ignore[index]
    # every nested value is a plain JSON scalar, an enum, a list or an attrs instance
    for value in _walk(page):
        assert value is None or isinstance(value, str | bool | int | float | list) or attrs.has(
            type(value)
        )

    attachment_op = next(op for op in OPS if op.method == "describe_attachment")
    async with support(Script(json_reply(attachment_op.reply))) as client:
        got = await client.describe_attachment(attachment_id="att-1")
    assert got.attachment is not None
    assert type(got.attachment.data) is bytes
    assert got.attachment.data == b"\x00\x01\x02\x03"


@pytest.mark.anyio
async def test_no_arguments_send_an_empty_object_and_empty_bodies_parse_to_none() -> None:
    script = Script(json_reply(raw=b""), json_reply({}))
    async with support(script) as client:
        resolved = await client.resolve_case()
        cases = await client.describe_cases()
    assert [r.content for r in script.requests] == [b"{}", b"{}"]
    assert resolved == s.ResolveCaseResponse(initial_case_status=None, final_case_status=None)
    assert cases.cases is None and cases.next_token is None


# ---------------------------------------------------------------- against botocore
#
# The same cases through botocore's own json serializer and parser (its bundled model):
# the request body and target it writes, and the result it parses, must be ours.
# An older botocore lacks what AWS added later (`make test-botocore-min` runs 1.29.61,
# from before the case-options operations and the multipart attachment workflow): for
# it, comparing the cases that use them does not apply, and
# test_older_botocore_lacks_exactly_what_came_later names what those are.

#: What the cases here use that botocore only has from a version on: operations, and
#: members as botocore's Shape.member (CHANGELOG.rst of botocore; the brief of issue 24).
ADDED_IN: dict[tuple[int, int, int], frozenset[str]] = {
    (1, 29, 133): frozenset({"DescribeCreateCaseOptions", "DescribeSupportedLanguages"}),
    (1, 43, 117): frozenset(
        {
            "CompleteAttachmentUpload",
            "DescribeAttachmentUploadStatus",
            "GetAttachmentDownloadLink",
            "GetAttachmentUploadLinks",
            "AddCommunicationToCaseRequest.uploadIds",
            "Communication.attachments",
            "CreateCaseRequest.dryRun",
            "CreateCaseRequest.uploadIds",
        }
    ),
}
BOTOCORE = botocore.model.ServiceModel(
    botocore.loaders.create_loader().load_service_model("support", "service-2"), "support"
)


def _botocore_version() -> tuple[int, ...]:
    return tuple(int(part) for part in botocore.__version__.split(".")[:3])


def _wire_request(op: Op) -> dict[str, Any]:
    """The case's arguments in the model's form (camelCase, nested dicts)."""
    request = getattr(s, f"{op.name}Request")(**op.kwargs)
    form: dict[str, Any] = S.to_botocore_form("support", f"{op.name}Request", request)
    return form


def _unknown_to_botocore(op: Op) -> set[str]:
    """What of the case the installed botocore does not know: the operation, or the
    members (``Shape.member``, botocore's shape names) its request and reply carry."""
    if op.name not in BOTOCORE.operation_names:
        return {op.name}
    operation = BOTOCORE.operation_model(op.name)
    return _unknown_members(operation.input_shape, _wire_request(op)) | _unknown_members(
        operation.output_shape, op.reply
    )


def _unknown_members(shape: Any, data: Any) -> set[str]:
    unknown: set[str] = set()
    if shape.type_name == "structure" and isinstance(data, dict):
        for name, value in data.items():
            if name in shape.members:
                unknown |= _unknown_members(shape.members[name], value)
            else:
                unknown.add(f"{shape.name}.{name}")
    elif shape.type_name == "list" and isinstance(data, list):
        for item in data:
            unknown |= _unknown_members(shape.member, item)
    return unknown


def test_older_botocore_lacks_exactly_what_came_later() -> None:
    unknown = set().union(*(_unknown_to_botocore(op) for op in CASES))
    version = _botocore_version()
    assert unknown == set().union(*(names for v, names in ADDED_IN.items() if version < v))


COMPARABLE = [
    (op, op_id)
    for op, op_id in zip(CASES, CASE_IDS, strict=True)
    if not _unknown_to_botocore(op)
]


@pytest.mark.parametrize("op", [op for op, _ in COMPARABLE], ids=[i for _, i in COMPARABLE])
def test_botocore_writes_and_reads_the_same(op: Op) -> None:
    operation = BOTOCORE.operation_model(op.name)
    serializer = botocore.serialize.create_serializer("json", include_validation=True)
    request = serializer.serialize_to_request(_wire_request(op), operation)
    assert request["headers"]["X-Amz-Target"] == op.target
    assert json.loads(request["body"]) == json.loads(op.body)

    parser = botocore.parsers.create_parser("json")
    body = json.dumps(op.reply).encode()
    parsed = parser.parse(
        {"status_code": 200, "headers": HeadersDict(), "body": body}, operation.output_shape
    )
    parsed.pop("ResponseMetadata")
    assert parsed == S.to_botocore_form("support", f"{op.name}Response", op.expected)
