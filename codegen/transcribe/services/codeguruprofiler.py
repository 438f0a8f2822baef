"""Amazon CodeGuru Profiler: everything written by hand for its transcription.

The reference text is ``../shared/seeds/003_9d30c4ce77fdaeed.txt`` (restJson1, markdown
from a PDF). Add a correction as one entry of :data:`FIXES` (it becomes one row of the
decision table in models/README.md); rename a shape in :data:`SHAPE_NAMES`.
"""

from __future__ import annotations

from typing import Final

from codegen.transcribe.spec import JSON, Fix, ServiceSpec

_NAME_RE = r"^[\w-]+$"
_WIRE_OUT_REQ = "The reference does not mark response members as required; botocore's model does. The generator types them as always present; a response that leaves one out gets a default (\"Required members a response leaves out\")."


def _required_out(target: str) -> Fix:
    """Response member ``Shape.member`` is always present on the wire."""
    return Fix(target, {"required": True}, "not marked", _WIRE_OUT_REQ, "required")


def _error_message(error: str) -> Fix:
    return Fix(
        f"{error}.message",
        {
            "add": {
                "attrs": {"Type": "String", "Required": "Yes"},
                "doc": "A message that describes the error.",
            }
        },
        "no members listed for the error",
        "botocore's model has a required message member on every CodeGuru Profiler error",
        "message: String, required",
    )


def _timestamp(target: str) -> Fix:
    return Fix(
        target,
        {"attrs": {"Type": "Timestamp"}},
        "no Type line (URI request parameter); described as an ISO 8601 time",
        "botocore's model: timestamp (serialized as ISO 8601 in the query string)",
        "timestamp",
    )


def _boolean(target: str) -> Fix:
    return Fix(
        target,
        {"attrs": {"Type": "Boolean"}},
        "no Type line (URI request parameter); described as 'A Boolean value'",
        "botocore's model: boolean query parameter",
        "boolean",
    )


def _integer(target: str) -> Fix:
    return Fix(
        target,
        {"attrs": {"Type": "Integer"}},
        "no Type line (URI request parameter); only a Valid Range",
        "botocore's model: integer query parameter",
        "integer",
    )


def _payload(shape: str, member: str) -> Fix:
    return Fix(
        shape,
        {"json": {"payload": member}},
        f'response syntax shows the body wrapped as {{"{member}": {{...}}}}',
        f"the wire body IS the {member} structure (botocore's model: payload {member}); parsing the wrapper would yield empty responses",
        f"payload {member}",
    )


FIXES: Final[tuple[Fix, ...]] = (
    # ---------------- wire error names and members ---------------------------------------
    Fix(
        "op:*",
        {"rename_error": ("InternalServerErrorException", "InternalServerException")},
        "InternalServerErrorException (most operations)",
        "the wire error code is InternalServerException (botocore's model); the text's name would never match a response",
        "InternalServerException",
    ),
    Fix(
        "op:*",
        {"rename_error": ("InternalServerError", "InternalServerException")},
        "InternalServerError (AddNotificationChannels, UpdateProfilingGroup)",
        "same slip, the wire code is InternalServerException",
        "InternalServerException",
    ),
    Fix(
        "op:DeleteProfilingGroup",
        {"add_error": "ConflictException"},
        "errors: InternalServerErrorException, ResourceNotFoundException, ThrottlingException, ValidationException",
        "botocore's model also lists ConflictException (409) for DeleteProfilingGroup; the wire can return it",
        "ConflictException added",
    ),
    _error_message("ConflictException"),
    _error_message("InternalServerException"),
    _error_message("ResourceNotFoundException"),
    _error_message("ServiceQuotaExceededException"),
    _error_message("ThrottlingException"),
    _error_message("ValidationException"),
    # ---------------- patterns mangled by the PDF/markdown ---------------------------------
    Fix(
        "CreateProfilingGroupRequest.clientToken",
        {"attrs": {"Pattern": _NAME_RE}},
        r"Pattern: ^\[\w-\]+ (escaped brackets, no $)",
        "markdown escaping slip; the wire pattern is ^[\\w-]+$",
        _NAME_RE,
    ),
    Fix(
        "PutPermissionRequest.profilingGroupName",
        {"attrs": {"Pattern": _NAME_RE}},
        r"Pattern: ^[\w-]+ $ (stray space)",
        "PDF extraction slip; the same parameter is ^[\\w-]+$ everywhere else and on the wire",
        _NAME_RE,
    ),
    Fix(
        "SubmitFeedbackRequest.profilingGroupName",
        {"attrs": {"Pattern": _NAME_RE}},
        r"Pattern: ^[\w-]+\$ (escaped $)",
        "markdown escaping slip; the wire pattern is ^[\\w-]+$",
        _NAME_RE,
    ),
    # ---------------- URI/query/header parameter types -------------------------------------
    _timestamp("BatchGetFrameMetricDataRequest.endTime"),
    _timestamp("BatchGetFrameMetricDataRequest.startTime"),
    _timestamp("GetProfileRequest.endTime"),
    _timestamp("GetProfileRequest.startTime"),
    _timestamp("GetRecommendationsRequest.endTime"),
    _timestamp("GetRecommendationsRequest.startTime"),
    _timestamp("ListFindingsReportsRequest.endTime"),
    _timestamp("ListFindingsReportsRequest.startTime"),
    _timestamp("ListProfileTimesRequest.endTime"),
    _timestamp("ListProfileTimesRequest.startTime"),
    _boolean("GetFindingsReportAccountSummaryRequest.dailyReportsOnly"),
    _boolean("ListFindingsReportsRequest.dailyReportsOnly"),
    _boolean("ListProfilingGroupsRequest.includeDescription"),
    _integer("GetFindingsReportAccountSummaryRequest.maxResults"),
    _integer("GetProfileRequest.maxDepth"),
    _integer("ListFindingsReportsRequest.maxResults"),
    _integer("ListProfileTimesRequest.maxResults"),
    _integer("ListProfilingGroupsRequest.maxResults"),
    Fix(
        "UntagResourceRequest.tagKeys",
        {"attrs": {"Type": "Array of strings"}},
        "no Type line; 'A list of tag keys', query string tagKeys=tagKeys",
        "botocore's model: list of strings, serialized as a repeated tagKeys query parameter",
        "list of string",
    ),
    Fix(
        "PostAgentProfileRequest.agentProfile",
        {"attrs": {"Type": "Blob"}},
        "'The request accepts the following binary data.' (no Type line)",
        "binary payload: blob, the whole HTTP body (payload agentProfile); botocore does not mark it streaming",
        "blob payload",
    ),
    Fix(
        "GetProfileResponse.profile",
        {"attrs": {"Type": "Blob"}},
        "'The response returns the following as the HTTP body.' (no Type line)",
        "binary payload: blob, the whole HTTP body (payload profile); botocore does not mark it streaming",
        "blob payload",
    ),
    Fix(
        "GetProfileRequest.accept",
        {"location": "header", "locationName": "Accept"},
        "`accept` listed as a URI parameter; request syntax shows 'Accept: accept'",
        "it is the Accept header (botocore's model)",
        "header Accept",
    ),
    Fix(
        "PostAgentProfileRequest.contentType",
        {"location": "header", "locationName": "Content-Type"},
        "listed as a URI parameter; request syntax shows 'Content-Type: contentType'",
        "it is the Content-Type header (botocore's model)",
        "header Content-Type",
    ),
    Fix(
        "CreateProfilingGroupRequest.clientToken",
        {"extra": {"idempotencyToken": True}},
        "'uses this UUID to prevent the accidental creation of duplicate profiling groups'",
        "an idempotency token: SDKs fill it with a fresh UUID when the caller omits it (botocore's model); hence required on the wire but optional to callers",
        "idempotencyToken",
    ),
    Fix(
        "PostAgentProfileRequest.profileToken",
        {"extra": {"idempotencyToken": True}},
        "'uses this UUID to prevent the accidental submission of duplicate profiling data'",
        "an idempotency token (botocore's model)",
        "idempotencyToken",
    ),
    Fix(
        "Timestamp",
        {"json": {"timestampFormat": "iso8601"}},
        "response syntax shows timestamps as `number`; text says 'specified using the ISO 8601 format'",
        "the wire uses ISO 8601 strings in JSON bodies and query strings (botocore's model sets timestampFormat iso8601, overriding rest-json's epoch-seconds body default)",
        "timestampFormat iso8601",
    ),
    # ---------------- structure payloads ---------------------------------------------------
    _payload("ConfigureAgentResponse", "configuration"),
    _payload("CreateProfilingGroupResponse", "profilingGroup"),
    _payload("DescribeProfilingGroupResponse", "profilingGroup"),
    _payload("UpdateProfilingGroupResponse", "profilingGroup"),
    # ---------------- required response members --------------------------------------------
    _required_out("BatchGetFrameMetricDataResponse.endTime"),
    _required_out("BatchGetFrameMetricDataResponse.endTimes"),
    _required_out("BatchGetFrameMetricDataResponse.frameMetricData"),
    _required_out("BatchGetFrameMetricDataResponse.resolution"),
    _required_out("BatchGetFrameMetricDataResponse.startTime"),
    _required_out("BatchGetFrameMetricDataResponse.unprocessedEndTimes"),
    _required_out("ConfigureAgentResponse.configuration"),
    _required_out("CreateProfilingGroupResponse.profilingGroup"),
    _required_out("DescribeProfilingGroupResponse.profilingGroup"),
    _required_out("UpdateProfilingGroupResponse.profilingGroup"),
    _required_out("GetFindingsReportAccountSummaryResponse.reportSummaries"),
    _required_out("GetNotificationConfigurationResponse.notificationConfiguration"),
    _required_out("GetPolicyResponse.policy"),
    _required_out("GetPolicyResponse.revisionId"),
    _required_out("PutPermissionResponse.policy"),
    _required_out("PutPermissionResponse.revisionId"),
    _required_out("RemovePermissionResponse.policy"),
    _required_out("RemovePermissionResponse.revisionId"),
    _required_out("GetProfileResponse.contentType"),
    _required_out("GetProfileResponse.profile"),
    _required_out("GetRecommendationsResponse.anomalies"),
    _required_out("GetRecommendationsResponse.profileEndTime"),
    _required_out("GetRecommendationsResponse.profileStartTime"),
    _required_out("GetRecommendationsResponse.profilingGroupName"),
    _required_out("GetRecommendationsResponse.recommendations"),
    _required_out("ListFindingsReportsResponse.findingsReportSummaries"),
    _required_out("ListProfileTimesResponse.profileTimes"),
    _required_out("ListProfilingGroupsResponse.profilingGroupNames"),
    # ---------------- sparse lists, whose items are values by position ----------------
    Fix(
        "FrameMetricValues",
        {"json": {"sparse": True}},
        "FrameMetricDatum.values: 'Array of doubles'; 'A list of values that are associated with a frame metric'",
        "values[i] is the metric at endTimes[i] (BatchGetFrameMetricData): a step without a "
        "value must keep its place or every later value lands on the wrong time",
        "sparse (list[float | None])",
    ),
    Fix(
        "EndTimes",
        {"json": {"sparse": True}},
        "BatchGetFrameMetricDataResponse.endTimes: 'Array of TimestampStructure objects'; "
        "'List of instances, or time steps, in the time series'",
        "endTimes[i] is the time of every FrameMetricDatum.values[i]: the lists line up by "
        "position, so a null time step must keep its place, as a null value does, or every "
        "later value is matched with the wrong time (a step the service could not process "
        "is another matter: the reference says it is left out of endTimes and listed in "
        "unprocessedEndTimes)",
        "sparse (list[TimestampStructure | None])",
    ),
)

# Pure naming: shared/constrained primitive, list and map shapes (see ServiceSpec).
SHAPE_NAMES: Final[dict[tuple[str, str], str]] = {
    ("FindingsReportSummary", "profilingGroupName"): "ReportProfilingGroupName",
    ("ProfilingGroupDescription", "name"): "ProfilingGroupName",
    ("ListProfilingGroupsResponse", "profilingGroupNames[]"): "ProfilingGroupName",
    ("Channel", "id"): "ChannelId",
    ("FindingsReportSummary", "id"): "FindingsReportId",
    ("AnomalyInstance", "id"): "AnomalyInstanceUuid",
    ("Pattern", "id"): "PatternId",
    ("Pattern", "name"): "PatternName",
    ("Pattern", "description"): "PatternDescription",
    ("FrameMetric", "type"): "MetricType",
    ("Metric", "type"): "MetricType",
    ("SubmitFeedbackRequest", "type"): "FeedbackType",
    ("UserFeedback", "type"): "FeedbackType",
    ("AggregatedProfileTime", "period"): "AggregationPeriod",
    ("ListProfileTimesRequest", "period"): "AggregationPeriod",
    ("BatchGetFrameMetricDataRequest", "targetResolution"): "AggregationPeriod",
    ("BatchGetFrameMetricDataResponse", "resolution"): "AggregationPeriod",
    ("GetProfileRequest", "accept"): "ContentType",
    ("GetProfileResponse", "profile"): "AggregatedProfile",
    ("PostAgentProfileRequest", "profileToken"): "ClientToken",
    ("ListTagsForResourceRequest", "resourceArn"): "ProfilingGroupArn",
    ("TagResourceRequest", "resourceArn"): "ProfilingGroupArn",
    ("UntagResourceRequest", "resourceArn"): "ProfilingGroupArn",
    ("ProfilingGroupDescription", "arn"): "ProfilingGroupArn",
    ("UntagResourceRequest", "tagKeys[]"): "TagKey",
    ("PutPermissionRequest", "principals[]"): "Principal",
    ("Channel", "eventPublishers[]"): "EventPublisher",
    ("Channel", "uri"): "ChannelUri",
    ("AgentConfiguration", "agentParameters{key}"): "AgentParameterField",
    ("ConfigureAgentRequest", "metadata{key}"): "MetadataField",
    ("FrameMetricDatum", "values"): "FrameMetricValues",
    ("FrameMetricDatum", "values[]"): "FrameMetricValue",
    ("BatchGetFrameMetricDataResponse", "unprocessedEndTimes{value}"): "TimestampStructureList",
    ("BatchGetFrameMetricDataResponse", "endTimes"): "EndTimes",
    ("Pattern", "targetFrames[]"): "TargetFrame",
    ("Anomaly", "reason"): "AnomalyReason",
    ("Anomaly", "instances"): "AnomalyInstances",
    ("GetFindingsReportAccountSummaryResponse", "reportSummaries"): "FindingsReportSummaries",
    ("ListProfilingGroupsResponse", "profilingGroups"): "ProfilingGroupDescriptions",
    ("Recommendation", "topMatches"): "Matches",
    ("Pattern", "countersToAggregate"): "CountersToAggregate",
    ("ConflictException", "message"): "ErrorMessage",
    ("InternalServerException", "message"): "ErrorMessage",
    ("ResourceNotFoundException", "message"): "ErrorMessage",
    ("ServiceQuotaExceededException", "message"): "ErrorMessage",
    ("ThrottlingException", "message"): "ErrorMessage",
    ("ValidationException", "message"): "ErrorMessage",
}

SHAPE_DOCS: Final[dict[str, str]] = {
    "Timestamp": (
        "A point in time, specified using the ISO 8601 format. For example, "
        "2020-06-01T13:15:02.001Z represents 1 millisecond past June 1, 2020 1:15:02 PM UTC."
    ),
    "String": "A string.",
    "ErrorMessage": "A message that describes the error.",
}

METADATA: Final[JSON] = {
    "apiVersion": "2019-07-18",
    "endpointPrefix": "codeguru-profiler",
    "jsonVersion": "1.1",
    "protocol": "rest-json",
    "protocols": ["rest-json"],
    "serviceFullName": "Amazon CodeGuru Profiler",
    "serviceId": "CodeGuruProfiler",
    "signatureVersion": "v4",
    "signingName": "codeguru-profiler",
    "uid": "codeguruprofiler-2019-07-18",
}

PAGINATION: Final[JSON] = {
    "GetFindingsReportAccountSummary": {
        "input_token": "nextToken",
        "output_token": "nextToken",
        "limit_key": "maxResults",
        "result_key": "reportSummaries",
    },
    "ListFindingsReports": {
        "input_token": "nextToken",
        "output_token": "nextToken",
        "limit_key": "maxResults",
        "result_key": "findingsReportSummaries",
    },
    "ListProfileTimes": {
        "input_token": "nextToken",
        "output_token": "nextToken",
        "limit_key": "maxResults",
        "result_key": "profileTimes",
    },
    "ListProfilingGroups": {
        "input_token": "nextToken",
        "output_token": "nextToken",
        "limit_key": "maxResults",
        "result_key": ["profilingGroupNames", "profilingGroups"],
        # awsmith's key (models/README.md): the descriptions are the items when
        # they are asked for, else the names.
        "items_when": {"includeDescription": "profilingGroups"},
    },
}

SPEC: Final = ServiceSpec(
    name="codeguruprofiler",
    seed="003_9d30c4ce77fdaeed.txt",
    protocol="rest-json",
    metadata=METADATA,
    pagination=PAGINATION,
    shape_names=SHAPE_NAMES,
    shape_docs=SHAPE_DOCS,
    fixes=FIXES,
    # No supplement: botocore 1.44.8's model (the current reference) has no operation,
    # member, error or paginator the reference text lacks (models/README.md).
)
