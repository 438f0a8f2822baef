"""Differential: awsmith's request serializers against botocore's, every operation.

For generated valid inputs, the awsmith request (generated ``_serde`` validate +
serialize) and botocore's serializer (bundled model, parameter validation on) must
agree on method, path, the query as a decoded multiset, every header the serializers
set, and the body (decoded JSON equal; blob payloads byte-equal).

An older botocore's model lacks some of Support's operations and members (botocore
1.29.61, the lowest awsmith supports: six operations, ``dryRun``, ``uploadIds``): the
operations it lacks are not compared, and the inputs have only the members both models
have (strategies.Lacking; what each version lacks: test_botocore_versions.py).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.serialize
import pytest
from botocore.awsrequest import prepare_request_dict
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from awsmith._core.errors import ParamValidationError
from awsmith._core.operation import SerializedRequest
from tests.differential import strategies as S

ENDPOINT = "https://service.us-east-1.amazonaws.com"
SETTINGS = settings(
    max_examples=S.EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def awsmith_serialize(service: str, op: str, params: dict[str, Any]) -> SerializedRequest:
    serde = S.serde_module(service)
    operation = getattr(serde, S.snake(op).upper())
    request = S.to_awsmith(service, S.op_spec(service, op)["input"]["shape"], params)
    operation.validate(request)
    result: SerializedRequest = operation.serialize(request)
    return result


def botocore_serialize(
    service: str, op: str, params: dict[str, Any], endpoint: str = ENDPOINT
) -> dict[str, Any]:
    model = S.botocore_model(service)
    serializer = botocore.serialize.create_serializer(model.protocol, include_validation=True)
    request: dict[str, Any] = serializer.serialize_to_request(
        S.plain(params), model.operation_model(op)
    )
    prepare_request_dict(request, endpoint)
    return request


def decoded_query(url: str) -> Counter[tuple[str, str]]:
    """The query of a URL as a multiset of decoded pairs (``+`` stays ``+``: AWS
    query strings are percent-encoded, never form-encoded)."""
    query = urlsplit(url).query
    if not query:
        return Counter()
    pairs = (p.partition("=") for p in query.split("&"))
    return Counter((unquote(k), unquote(v)) for k, _, v in pairs)


def assert_same_request(service: str, op: str, params: dict[str, Any]) -> None:
    ours = awsmith_serialize(service, op, params)
    theirs = botocore_serialize(service, op, params)
    assert ours.method == theirs["method"]
    assert ours.path == theirs["url_path"]
    assert urlsplit(theirs["url"]).path == ours.path  # botocore's URL keeps it verbatim
    assert Counter(ours.query) == decoded_query(theirs["url"])
    assert ours.host_prefix == theirs.get("host_prefix", "")
    ours_headers = {k.lower(): v for k, v in ours.headers.items()}
    theirs_headers = {k.lower(): v for k, v in theirs["headers"].items()}
    assert ours_headers == theirs_headers
    assert len(ours_headers) == len(ours.headers)  # no header set twice in two spellings
    assert isinstance(ours.body, bytes)
    content_type = theirs_headers.get("content-type", "")
    model_op = S.botocore_model(service).operation_model(op)
    if model_op.has_streaming_input:
        assert ours.body == theirs["body"]  # blob payload: the exact bytes
    elif "json" in content_type:
        assert json.loads(ours.body) == json.loads(theirs["body"])
        ours.body.decode("ascii")  # awsmith escapes non-ASCII, like botocore
    else:
        assert ours.body == theirs["body"] == b""


@pytest.mark.parametrize(("service", "op"), S.compared_operations())
@SETTINGS
@given(data=st.data())
def test_serializer_matches_botocore(service: str, op: str, data: st.DataObject) -> None:
    params = data.draw(S.input_params(service, op), label="params")
    assert_same_request(service, op, params)


def test_every_operation_botocore_has_is_covered() -> None:
    """All 43 operations of our models, but those the installed botocore's model lacks,
    which are what its version lacks (botocore 1.29.61: six of Support's; from 1.43.127
    on, none: tests/differential/test_botocore_versions.py)."""
    assert len(S.all_operations()) == 43
    lacking = [(s, op) for s in S.SERVICES for op in sorted(S.botocore_lacks(s).operations)]
    assert sorted(S.compared_operations() + lacking) == sorted(S.all_operations())
    for service in S.SERVICES:
        assert S.botocore_lacks(service) in S.expected_lacking(service, S.BOTOCORE)


# Fixed inputs that must be in the comparison whatever hypothesis draws: labels with
# "/", "%", spaces, unicode; query values with "+", "&", "=", "~".
_NASTY = "a/b%2F c?d#e&f=g+h~i:j ü 😀"
_T1 = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-3)))
_T2 = datetime(1999, 12, 31, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("service", "op", "params"),
    [
        (
            "codeguruprofiler",
            "UntagResource",
            {"resourceArn": _NASTY, "tagKeys": ["a+b", "c&d=e", "~f", "x y", "%41", ""]},
        ),
        (
            "codeguruprofiler",
            "ListTagsForResource",
            {"resourceArn": "arn:aws:codeguru-profiler:us-east-1:1:profilingGroup/x/../y"},
        ),
        (
            "codeguruprofiler",
            "TagResource",
            {"resourceArn": "/", "tags": {"k/=&": "v+%~", "ü": ""}},
        ),
        (
            "codeguruprofiler",
            "GetRecommendations",
            {"profilingGroupName": "pg", "startTime": _T1, "endTime": _T2, "locale": "en+US&x=y~"},
        ),
        (
            "codeguruprofiler",
            "RemovePermission",
            {
                "profilingGroupName": "pg",
                "actionGroup": "agent/Permissions?",
                "revisionId": "x 0a0a0a0a-0000-0000-0000-000000000000 +&=",
            },
        ),
        (
            "codeguruprofiler",
            "ConfigureAgent",
            {
                "profilingGroupName": "p-g_1",
                "fleetInstanceId": _NASTY,
                "metadata": {"AgentId": _NASTY},
            },
        ),
        (
            "codeguruprofiler",
            "PostAgentProfile",
            {
                "profilingGroupName": "pg",
                "contentType": "application/x-amzn-ion",
                "agentProfile": bytes(range(256)),
                "profileToken": "tok-1",
            },
        ),
        (
            "support",
            "AddAttachmentsToSet",
            {"attachments": [{"fileName": _NASTY, "data": b"\x00\xff"}]},
        ),
        (
            "support",
            "DescribeCases",
            {"caseIdList": [_NASTY], "maxResults": 10, "includeResolvedCases": False},
        ),
    ],
)
def test_fixed_nasty_inputs(service: str, op: str, params: dict[str, Any]) -> None:
    assert_same_request(service, op, params)


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_dot_labels_are_refused(value: str) -> None:
    """Intended difference: botocore serializes an empty, "." or ".." label into the
    path (which then names another resource once dot segments are resolved); awsmith
    refuses it before any I/O."""
    params = {"resourceArn": value}
    theirs = botocore_serialize("codeguruprofiler", "ListTagsForResource", params)
    assert theirs["url_path"] == f"/tags/{value}"
    with pytest.raises(ParamValidationError) as info:
        awsmith_serialize("codeguruprofiler", "ListTagsForResource", params)
    assert info.value.field == "resource_arn"
    assert info.value.rule == "label"


def test_naive_datetimes_are_refused() -> None:
    """Intended difference: botocore takes a naive datetime as UTC; awsmith refuses it
    (a naive datetime is usually local time, and guessing shifts the instant)."""
    naive = datetime(2024, 1, 2, 3, 4, 5)
    params = {"profilingGroupName": "pg", "startTime": naive, "endTime": naive}
    theirs = botocore_serialize("codeguruprofiler", "GetRecommendations", params)
    assert decoded_query(theirs["url"])[("startTime", "2024-01-02T03:04:05Z")] == 1
    with pytest.raises(ParamValidationError) as info:
        awsmith_serialize("codeguruprofiler", "GetRecommendations", params)
    assert info.value.field == "end_time"
    assert info.value.rule == "timezone"


# ---------------------------------------------------------------- ISO 8601 timestamps
#
# serde.ts_iso is the one ISO 8601 writer: the wire's, and (padded) to_dict's. Over the
# whole of datetime's range, any offset and microseconds, the wire's text is botocore's.

_DAY = timedelta(hours=24)
#: Every offset a ``timezone`` takes (strictly within a day, to the microsecond), UTC
#: itself and the IANA zones (DST folds and gaps).
_ZONES = st.one_of(
    st.just(UTC),
    st.timedeltas(-_DAY + timedelta.resolution, _DAY - timedelta.resolution).map(timezone),
    st.timezones(),
)
_AWARE = st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999), timezones=_ZONES)


def _in_utc_range(value: datetime) -> bool:
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def botocore_iso8601(value: datetime) -> str:
    serializer = botocore.serialize.JSONSerializer()
    text: str = serializer._convert_timestamp_to_str(value, "iso8601")  # pyright: ignore[reportPrivateUsage]
    return text


@settings(SETTINGS, max_examples=max(S.EXAMPLES, 1000))  # a pure function: cheap
@given(value=_AWARE.filter(_in_utc_range))
@example(value=datetime(5, 1, 1, tzinfo=UTC))
@example(value=datetime(1000, 1, 1, 0, 30, 0, 7, tzinfo=timezone(timedelta(hours=1))))
def test_iso8601_writer_matches_botocore(value: datetime) -> None:
    from awsmith._core.serde import ts_iso

    assert ts_iso(value) == botocore_iso8601(value)
    # to_dict's form differs only in a year before 1000, which it always pads
    year, rest = botocore_iso8601(value).split("-", 1)
    assert ts_iso(value, padded=True) == f"{int(year):04d}-{rest}"


@pytest.mark.parametrize(
    ("value", "rule", "detail"),
    [
        (
            datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            "min",
            "0001-01-01T00:30:00+01:00 is before 0001-01-01T00:00:00Z, the earliest "
            "timestamp UTC can hold",
        ),
        (
            datetime(9999, 12, 31, 23, 59, 59, 500, tzinfo=timezone(timedelta(hours=-8))),
            "max",
            "9999-12-31T23:59:59.000500-08:00 is after 9999-12-31T23:59:59.999999Z, the "
            "latest timestamp UTC can hold",
        ),
    ],
)
def test_a_timestamp_utc_cannot_hold_is_refused(value: datetime, rule: str, detail: str) -> None:
    """Intended difference, and the fix of a defect: botocore raises ``OverflowError``
    for an instant UTC cannot hold (every wire format writes UTC); at e82cd98 awsmith's
    serializer raised it too, though its parser returns such values from a response and
    to_dict writes them. Now the validation refuses one, naming the member."""
    params = {"profilingGroupName": "pg", "startTime": value, "endTime": _T2}
    with pytest.raises(OverflowError):
        botocore_serialize("codeguruprofiler", "GetRecommendations", params)
    with pytest.raises(ParamValidationError) as info:
        awsmith_serialize("codeguruprofiler", "GetRecommendations", params)
    assert (info.value.field, info.value.rule, info.value.detail) == ("start_time", rule, detail)
