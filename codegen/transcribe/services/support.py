"""AWS Support: everything written by hand for its transcription.

The reference text is ``../shared/seeds/000_aff900924c2cd643.txt`` (awsJson1.1). Add a
correction as one entry of :data:`FIXES` (it becomes one row of the decision table in
models/README.md); rename a shape in :data:`SHAPE_NAMES`.
"""

from __future__ import annotations

from typing import Final

from codegen.transcribe.spec import JSON, Fix, ServiceSpec

_WIRE_REQ = "The reference never marks Support members as required; botocore's model (the wire contract) does."


def _required(target: str) -> Fix:
    """``Shape.member`` is required on the wire although the text does not say so."""
    return Fix(target, {"required": True}, "not marked", _WIRE_REQ, "required")


FIXES: Final[tuple[Fix, ...]] = (
    # ---------------- required members (the reference is silent) ----------------------
    _required("AddAttachmentsToSetRequest.attachments"),
    _required("AddCommunicationToCaseRequest.communicationBody"),
    _required("CreateCaseRequest.subject"),
    _required("CreateCaseRequest.communicationBody"),
    _required("DescribeAttachmentRequest.attachmentId"),
    _required("DescribeCommunicationsRequest.caseId"),
    _required("DescribeCreateCaseOptionsRequest.issueType"),
    _required("DescribeCreateCaseOptionsRequest.serviceCode"),
    _required("DescribeCreateCaseOptionsRequest.language"),
    _required("DescribeCreateCaseOptionsRequest.categoryCode"),
    _required("DescribeSupportedLanguagesRequest.issueType"),
    _required("DescribeSupportedLanguagesRequest.serviceCode"),
    _required("DescribeSupportedLanguagesRequest.categoryCode"),
    _required("DescribeTrustedAdvisorCheckRefreshStatusesRequest.checkIds"),
    _required("DescribeTrustedAdvisorCheckResultRequest.checkId"),
    _required("DescribeTrustedAdvisorCheckSummariesRequest.checkIds"),
    _required("DescribeTrustedAdvisorChecksRequest.language"),
    _required("RefreshTrustedAdvisorCheckRequest.checkId"),
    _required("DescribeTrustedAdvisorCheckRefreshStatusesResponse.statuses"),
    _required("DescribeTrustedAdvisorCheckSummariesResponse.summaries"),
    _required("DescribeTrustedAdvisorChecksResponse.checks"),
    _required("RefreshTrustedAdvisorCheckResponse.status"),
    _required("TrustedAdvisorCheckDescription.id"),
    _required("TrustedAdvisorCheckDescription.name"),
    _required("TrustedAdvisorCheckDescription.description"),
    _required("TrustedAdvisorCheckDescription.category"),
    _required("TrustedAdvisorCheckDescription.metadata"),
    _required("TrustedAdvisorCheckRefreshStatus.checkId"),
    _required("TrustedAdvisorCheckRefreshStatus.status"),
    _required("TrustedAdvisorCheckRefreshStatus.millisUntilNextRefreshable"),
    _required("TrustedAdvisorCheckResult.checkId"),
    _required("TrustedAdvisorCheckResult.timestamp"),
    _required("TrustedAdvisorCheckResult.status"),
    _required("TrustedAdvisorCheckResult.resourcesSummary"),
    _required("TrustedAdvisorCheckResult.categorySpecificSummary"),
    _required("TrustedAdvisorCheckResult.flaggedResources"),
    _required("TrustedAdvisorCheckSummary.checkId"),
    _required("TrustedAdvisorCheckSummary.timestamp"),
    _required("TrustedAdvisorCheckSummary.status"),
    _required("TrustedAdvisorCheckSummary.resourcesSummary"),
    _required("TrustedAdvisorCheckSummary.categorySpecificSummary"),
    _required("TrustedAdvisorCostOptimizingSummary.estimatedMonthlySavings"),
    _required("TrustedAdvisorCostOptimizingSummary.estimatedPercentMonthlySavings"),
    _required("TrustedAdvisorResourceDetail.status"),
    _required("TrustedAdvisorResourceDetail.resourceId"),
    _required("TrustedAdvisorResourceDetail.metadata"),
    _required("TrustedAdvisorResourcesSummary.resourcesProcessed"),
    _required("TrustedAdvisorResourcesSummary.resourcesFlagged"),
    _required("TrustedAdvisorResourcesSummary.resourcesIgnored"),
    _required("TrustedAdvisorResourcesSummary.resourcesSuppressed"),
    # ---------------- errors --------------------------------------------------------------
    Fix(
        "ThrottlingException",
        {
            "json": {
                "members": {
                    "message": {
                        "shape": "AvailabilityErrorMessage",
                        "documentation": "A message that describes the throttling.",
                    },
                    "throttlingReasons": {
                        "shape": "ThrottlingReasonList",
                        "documentation": "A list of one or more reasons that the request was throttled.",
                    },
                }
            },
            "shapes": {
                "AvailabilityErrorMessage": {
                    "type": "string",
                    "documentation": "A message that describes the throttling.",
                },
                "ThrottlingReasonList": {
                    "type": "list",
                    "member": {"shape": "ThrottlingReason"},
                    "documentation": "A list of one or more reasons that the request was throttled.",
                },
            },
        },
        "no members listed for the error; the ThrottlingReason data type (reason, resource) is documented without saying where it is used",
        "botocore's model carries message and throttlingReasons (a list of ThrottlingReason) on the error body; the parser must read them",
        "members message, throttlingReasons: list of ThrottlingReason",
    ),
    Fix(
        "ThrottlingReason.reason",
        {"doc": "The reason the request was throttled."},
        "member has no description",
        "every member needs documentation; wording is ours (the reference gives none)",
        "documentation added",
    ),
    Fix(
        "ThrottlingReason.resource",
        {"doc": "The resource that was throttled."},
        "member has no description",
        "every member needs documentation; wording is ours (the reference gives none)",
        "documentation added",
    ),
    Fix(
        "ThrottlingReason",
        {
            "json": {
                "documentation": "A reason why a request was throttled, returned in the throttlingReasons list of a ThrottlingException."
            }
        },
        "data type has no description",
        "every shape needs documentation; wording is ours (the reference gives none)",
        "documentation added",
    ),
    # ---------------- sparse lists, whose items are columns by position ----------------
    Fix(
        "ResourceMetadata",
        {"json": {"sparse": True}},
        "TrustedAdvisorResourceDetail.metadata: 'Array of strings'; 'The exact metadata and its order can be obtained by inspecting the TrustedAdvisorCheckDescription'",
        "the items are columns by position, and the service sends an empty column as null "
        "(botocore keeps it as None); dropping it would shift every later column under the "
        "wrong heading",
        "sparse (list[str | None])",
    ),
    Fix(
        "CheckMetadataHeadings",
        {"json": {"sparse": True}},
        "TrustedAdvisorCheckDescription.metadata: 'Array of strings'; 'The order of the headings corresponds to the order of the data in the Metadata element'",
        "the headings of the columns above, by position: a null heading must keep its place "
        "or every later heading names the wrong column",
        "sparse (list[str | None])",
    ),
)

# Pure naming: shared/constrained primitive, list and map shapes (see ServiceSpec).
SHAPE_NAMES: Final[dict[tuple[str, str], str]] = {
    ("Category", "code"): "CategoryCode",
    ("Category", "name"): "CategoryName",
    ("Service", "code"): "ServiceCode",
    ("Service", "name"): "ServiceName",
    ("SeverityLevel", "code"): "SeverityLevelCode",
    ("SeverityLevel", "name"): "SeverityLevelName",
    ("SupportedLanguage", "code"): "LanguageCode",
    ("SupportedLanguage", "language"): "LanguageName",
    ("SupportedLanguage", "display"): "LanguageDisplayName",
    ("DescribeSupportedLanguagesRequest", "categoryCode"): "BoundedCategoryCode",
    ("DescribeSupportedLanguagesRequest", "serviceCode"): "BoundedServiceCode",
    ("DescribeSupportedLanguagesRequest", "issueType"): "BoundedIssueType",
    ("DescribeTrustedAdvisorCheckResultRequest", "language"): "TrustedAdvisorLanguage",
    ("DescribeTrustedAdvisorChecksRequest", "language"): "TrustedAdvisorLanguage",
    ("TrustedAdvisorCheckDescription", "id"): "CheckId",
    ("TrustedAdvisorCheckDescription", "name"): "CheckName",
    ("TrustedAdvisorCheckDescription", "category"): "CheckCategory",
    ("TrustedAdvisorCheckDescription", "description"): "CheckDescription",
    ("TrustedAdvisorCheckDescription", "metadata"): "CheckMetadataHeadings",
    ("TrustedAdvisorResourceDetail", "metadata"): "ResourceMetadata",
    ("CaseDetails", "status"): "CaseStatus",
    ("ResolveCaseResponse", "initialCaseStatus"): "ResolveCaseStatus",
    ("ResolveCaseResponse", "finalCaseStatus"): "ResolveCaseStatus",
    ("TrustedAdvisorCheckRefreshStatus", "status"): "CheckRefreshStatus",
    ("TrustedAdvisorCheckResult", "status"): "CheckAlertStatus",
    ("TrustedAdvisorCheckSummary", "status"): "CheckAlertStatus",
    ("TrustedAdvisorResourceDetail", "status"): "ResourceStatus",
    ("TrustedAdvisorCheckResult", "timestamp"): "CheckTimestamp",
    ("TrustedAdvisorCheckSummary", "timestamp"): "CheckTimestamp",
    ("CommunicationTypeOptions", "type"): "CommunicationType",
    ("Communication", "body"): "CommunicationBody",
    ("ThrottlingReason", "reason"): "ThrottlingReasonText",
    ("ThrottlingReason", "resource"): "ThrottledResource",
    ("DateInterval", "startDateTime"): "IntervalDateTime",
    ("DateInterval", "endDateTime"): "IntervalDateTime",
    ("SupportedHour", "startTime"): "HourOfDay",
    ("SupportedHour", "endTime"): "HourOfDay",
    ("DescribeCasesRequest", "caseIdList[]"): "CaseId",
    ("AddCommunicationToCaseRequest", "ccEmailAddresses[]"): "CcEmailAddress",
    ("CaseDetails", "ccEmailAddresses[]"): "CcEmailAddress",
    ("CreateCaseRequest", "ccEmailAddresses[]"): "CcEmailAddress",
    ("DescribeTrustedAdvisorCheckRefreshStatusesRequest", "checkIds[]"): "CheckId",
    ("DescribeTrustedAdvisorCheckSummariesRequest", "checkIds[]"): "CheckId",
    ("DescribeServicesRequest", "serviceCodeList[]"): "ServiceCode",
    (
        "DescribeTrustedAdvisorCheckRefreshStatusesResponse",
        "statuses",
    ): "TrustedAdvisorCheckRefreshStatusList",
    (
        "DescribeTrustedAdvisorCheckSummariesResponse",
        "summaries",
    ): "TrustedAdvisorCheckSummaryList",
    ("DescribeTrustedAdvisorChecksResponse", "checks"): "TrustedAdvisorCheckList",
    ("TrustedAdvisorCheckResult", "flaggedResources"): "TrustedAdvisorResourceDetailList",
    ("DescribeCasesResponse", "cases"): "CaseList",
    ("Service", "categories"): "CategoryList",
    ("DescribeServicesResponse", "services"): "ServiceList",
    ("DescribeSeverityLevelsResponse", "severityLevels"): "SeverityLevelList",
    ("DescribeCommunicationsResponse", "communications"): "CommunicationList",
    ("RecentCaseCommunications", "communications"): "CommunicationList",
    ("DescribeCreateCaseOptionsResponse", "communicationTypes"): "CommunicationTypeOptionsList",
    ("DescribeSupportedLanguagesResponse", "supportedLanguages"): "SupportedLanguageList",
    ("CommunicationTypeOptions", "supportedHours"): "SupportedHourList",
    ("CommunicationTypeOptions", "datesWithoutSupport"): "DateIntervalList",
}

SHAPE_DOCS: Final[dict[str, str]] = {
    "String": "A string.",
}

METADATA: Final[JSON] = {
    "apiVersion": "2013-04-15",
    "endpointPrefix": "support",
    "jsonVersion": "1.1",
    "protocol": "json",
    "protocols": ["json"],
    "serviceFullName": "AWS Support",
    "serviceId": "Support",
    "signatureVersion": "v4",
    "signingName": "support",
    "targetPrefix": "AWSSupport_20130415",
    "uid": "support-2013-04-15",
}

PAGINATION: Final[JSON] = {
    "DescribeCases": {
        "input_token": "nextToken",
        "output_token": "nextToken",
        "limit_key": "maxResults",
        "result_key": "cases",
    },
    "DescribeCommunications": {
        "input_token": "nextToken",
        "output_token": "nextToken",
        "limit_key": "maxResults",
        "result_key": "communications",
    },
}

SPEC: Final = ServiceSpec(
    name="support",
    seed="000_aff900924c2cd643.txt",
    protocol="json",
    metadata=METADATA,
    pagination=PAGINATION,
    shape_names=SHAPE_NAMES,
    shape_docs=SHAPE_DOCS,
    fixes=FIXES,
    supplement="support.json",
)
