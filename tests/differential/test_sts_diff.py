"""Differential: awsmith's STS AssumeRole (awsQuery) against botocore's serializer and
parser for the ``sts`` model botocore bundles.

The request body must be byte-for-byte botocore's (same parameter order, same
form-encoding), for hand-picked and generated inputs; a response and an error response
must parse to what botocore's query parser makes of them; the validator must enforce
exactly the limits of botocore's model. Every test holds with any botocore awsmith
supports (the lock's, 1.29.61, 1.43.117): where AWS changed a limit since, the old value
is expected of an older botocore (``CHANGED_LIMITS``) and awsmith keeps the new one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import botocore
import botocore.parsers
import botocore.serialize
import botocore.session
import httpx
import pytest
from botocore.awsrequest import create_request_object, prepare_request_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsmith._core.errors import ParamValidationError, ResponseParseError
from awsmith._core.sts import (
    SERVICE,
    AssumedRoleUser,
    AssumeRoleRequest,
    StsError,
    build_query_error,
    parse_assume_role,
    serialize_assume_role,
    validate_assume_role,
)
from awsmith._core.transport.http import TransportResponse

MODEL = botocore.session.get_session().get_service_model("sts")
OPERATION = MODEL.operation_model("AssumeRole")
ROLE = "arn:aws:iam::123456789012:role/Auditor"


def botocore_request(params: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
    serializer = botocore.serialize.create_serializer("query", include_validation=True)
    request = serializer.serialize_to_request(params, OPERATION)
    prepare_request_dict(request, "https://sts.us-east-1.amazonaws.com")
    prepared = create_request_object(request).prepare()
    body = prepared.body
    assert isinstance(body, str | bytes)
    raw = body.encode("ascii") if isinstance(body, str) else body
    headers = {k: v for k, v in prepared.headers.items() if k != "Content-Length"}
    return prepared.method or "", request["url_path"], headers, raw


def botocore_params(request: AssumeRoleRequest) -> dict[str, Any]:
    params: dict[str, Any] = {"RoleArn": request.role_arn, "RoleSessionName": request.session_name}
    if request.policy_arns:
        params["PolicyArns"] = [{"arn": a} for a in request.policy_arns]
    if request.policy is not None:
        params["Policy"] = request.policy
    if request.duration_seconds is not None:
        params["DurationSeconds"] = request.duration_seconds
    if request.tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in request.tags.items()]
    if request.transitive_tag_keys:
        params["TransitiveTagKeys"] = list(request.transitive_tag_keys)
    if request.external_id is not None:
        params["ExternalId"] = request.external_id
    if request.source_identity is not None:
        params["SourceIdentity"] = request.source_identity
    return params


def assert_same_request(request: AssumeRoleRequest) -> None:
    validate_assume_role(request)
    ours = serialize_assume_role(request)
    method, path, headers, body = botocore_request(botocore_params(request))
    assert (ours.method, ours.path, ours.query, ours.headers, ours.body) == (
        method, path, [], headers, body
    )


def test_minimal_request_bytes() -> None:
    ours = serialize_assume_role(AssumeRoleRequest(role_arn=ROLE, session_name="sweep"))
    assert ours.body == (
        b"Action=AssumeRole&Version=2011-06-15"
        b"&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAuditor&RoleSessionName=sweep"
    )
    assert ours.headers == {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert_same_request(AssumeRoleRequest(role_arn=ROLE, session_name="sweep"))


def test_every_parameter_matches_botocore() -> None:
    assert_same_request(
        AssumeRoleRequest(
            role_arn="arn:aws:iam::123456789012:role/path/Demo Role~*",
            session_name="s@1+=,.-_",
            duration_seconds=43200,
            external_id="x/y:z=@",
            policy='{"Version": "2012-10-17", "é": "~*&=+%"}',
            policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/B"],
            tags={"team": "sec ops", "cost-center": "42/a&b"},
            transitive_tag_keys=["team", "cost-center"],
            source_identity="alice@example.com",
        )
    )


#: Any text UTF-8 can carry (no lone surrogates), as the service's strings.
_CHARS = st.characters(codec="utf-8")
_SAFE = st.text(_CHARS, min_size=1, max_size=30)
_NAME = st.text(st.sampled_from("abcXYZ019_+=,.@-"), min_size=2, max_size=64)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    arn_tail=_SAFE,
    name=_NAME,
    duration=st.none() | st.integers(900, 43200),
    external_id=st.none() | st.text(st.sampled_from("ab9_+=,.@:/-"), min_size=2, max_size=40),
    policy=st.none() | _SAFE,
    arns=st.lists(st.text(st.sampled_from("abc:/*"), min_size=1, max_size=10), max_size=3),
    tags=st.dictionaries(_SAFE, st.text(_CHARS, max_size=20), max_size=4),
)
def test_generated_requests_match_botocore(
    arn_tail: str,
    name: str,
    duration: int | None,
    external_id: str | None,
    policy: str | None,
    arns: list[str],
    tags: dict[str, str],
) -> None:
    assert_same_request(
        AssumeRoleRequest(
            role_arn="arn:aws:iam::123456789012:role/" + arn_tail,
            session_name=name,
            duration_seconds=duration,
            external_id=external_id,
            policy=policy,
            policy_arns=["arn:aws:iam::aws:policy/" + a for a in arns],
            tags=tags,
            transitive_tag_keys=list(tags)[:2],
        )
    )


# ---------------------------------------------------------------- validation


def limits(shape: Any) -> tuple[int | None, int | None]:
    return shape.metadata.get("min"), shape.metadata.get("max")


BOTOCORE = tuple(int(part) for part in botocore.__version__.split(".")[:3])

#: Limits AWS changed within the botocore versions awsmith supports (pyproject:
#: botocore>=1.29.61). awsmith enforces the current value; a botocore older than the
#: change bundles the old one. (member, "min"/"max") -> (old, first botocore with the
#: new value, new).
CHANGED_LIMITS: dict[tuple[str, str], tuple[int, tuple[int, int, int], int]] = {
    # AWS raised SourceIdentity's maximum length from 64 to 256 (botocore 1.44.7).
    ("SourceIdentity", "max"): (64, (1, 44, 7), 256),
}


def model_limits(member: str) -> tuple[int, int]:
    """The limits awsmith must enforce for ``member``: the installed botocore's, except
    where AWS changed them after that botocore was released. Then the installed
    botocore must still say the old value: a change this table does not know, or that
    happened at another version, fails here instead of passing unnoticed."""
    found = dict(zip(("min", "max"), limits(MEMBERS[member]), strict=True))
    for bound, value in found.items():
        change = CHANGED_LIMITS.get((member, bound))
        if change is None:
            continue
        old, since, new = change
        assert value == (new if since <= BOTOCORE else old), (member, bound, botocore.__version__)
        found[bound] = new
    low, high = found["min"], found["max"]
    assert low is not None and high is not None
    return low, high


MEMBERS = OPERATION.input_shape.members
#: Our field -> botocore's member name.
LENGTH_FIELDS: dict[str, str] = {
    "role_arn": "RoleArn",
    "session_name": "RoleSessionName",
    "external_id": "ExternalId",
    "source_identity": "SourceIdentity",
}


def test_changed_limits_name_real_members() -> None:
    for member, bound in CHANGED_LIMITS:
        assert member in MEMBERS and bound in ("min", "max")


@pytest.mark.parametrize("field", list(LENGTH_FIELDS))
def test_string_lengths_are_the_models(field: str) -> None:
    """awsmith refuses a string one shorter or longer than the model allows, and takes
    both bounds, on every botocore awsmith supports (1.29.61 and 1.43.117 bundle
    SourceIdentity's old maximum: the test failed there)."""
    low, high = model_limits(LENGTH_FIELDS[field])

    def request(n: int) -> AssumeRoleRequest:
        values: dict[str, Any] = {"role_arn": ROLE, "session_name": "sweep", field: "a" * n}
        return AssumeRoleRequest(**values)

    validate_assume_role(request(low))
    validate_assume_role(request(high))
    for n, rule in ((low - 1, "min"), (high + 1, "max")):
        with pytest.raises(ParamValidationError) as info:
            validate_assume_role(request(n))
        assert (info.value.field, info.value.rule) == (field, rule)


def test_duration_range_is_the_models() -> None:
    low, high = limits(MEMBERS["DurationSeconds"])
    assert (low, high) == (900, 43200)
    for ok in (low, high):
        validate_assume_role(AssumeRoleRequest(role_arn=ROLE, session_name="s1", duration_seconds=ok))
    for bad, rule in ((low - 1, "min"), (high + 1, "max")):
        with pytest.raises(ParamValidationError) as info:
            validate_assume_role(
                AssumeRoleRequest(role_arn=ROLE, session_name="s1", duration_seconds=bad)
            )
        assert (info.value.field, info.value.rule) == ("duration_seconds", rule)


def test_tag_limits_are_the_models() -> None:
    tag = MEMBERS["Tags"].member.members
    assert limits(MEMBERS["Tags"])[1] == 50
    assert limits(tag["Key"]) == (1, 128) and limits(tag["Value"]) == (0, 256)
    many = {f"k{i}": "v" for i in range(51)}
    with pytest.raises(ParamValidationError) as info:
        validate_assume_role(AssumeRoleRequest(role_arn=ROLE, session_name="s1", tags=many))
    assert (info.value.field, info.value.rule) == ("tags", "max")
    with pytest.raises(ParamValidationError) as info:
        validate_assume_role(AssumeRoleRequest(role_arn=ROLE, session_name="s1", tags={"k": "v" * 257}))
    assert (info.value.field, info.value.rule) == ("tags['k']", "max")


@pytest.mark.parametrize("name", ["my session", "naïve", "a/b", "bad!"])
def test_a_session_name_outside_the_pattern_is_refused(name: str) -> None:
    with pytest.raises(ParamValidationError) as info:
        validate_assume_role(AssumeRoleRequest(role_arn=ROLE, session_name=name))
    assert (info.value.field, info.value.rule) == ("session_name", "pattern")
    assert str(info.value) == (
        f"Invalid value for 'session_name': {name!r} does not match the pattern "
        "'^[\\\\w+=,.@-]*$'"
    )


# ---------------------------------------------------------------- responses

RESPONSE = b"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>DevUser123</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764</SessionToken>
      <Expiration>2019-07-15T23:28:33.359Z</Expiration>
    </Credentials>
    <PackedPolicySize>8</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"""


def botocore_parse(status: int, body: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    parser = botocore.parsers.create_parser("query")
    parsed: dict[str, Any] = parser.parse(
        {"status_code": status, "headers": headers or {}, "body": body}, OPERATION.output_shape
    )
    return parsed


def response(status: int, body: bytes, headers: dict[str, str] | None = None) -> TransportResponse:
    return TransportResponse(status, httpx.Headers(headers or {}), body)


def test_response_parses_as_botocore_parses_it() -> None:
    theirs = botocore_parse(200, RESPONSE)
    ours = parse_assume_role(response(200, RESPONSE))
    creds = theirs["Credentials"]
    assert ours.credentials.access_key_id == creds["AccessKeyId"] == "ASIAIOSFODNN7EXAMPLE"
    assert ours.credentials.secret_access_key == creds["SecretAccessKey"]
    assert ours.credentials.session_token == creds["SessionToken"]
    assert ours.credentials.expiry == creds["Expiration"]
    assert ours.credentials.expiry == datetime(2019, 7, 15, 23, 28, 33, 359000, tzinfo=UTC)
    assert ours.assumed_role_user == AssumedRoleUser(
        arn=theirs["AssumedRoleUser"]["Arn"],
        assumed_role_id=theirs["AssumedRoleUser"]["AssumedRoleId"],
    )
    assert ours.packed_policy_size == theirs["PackedPolicySize"] == 8
    assert ours.source_identity == theirs["SourceIdentity"] == "DevUser123"


def test_a_response_without_namespace_or_optional_members_parses() -> None:
    body = (
        b"<AssumeRoleResponse><AssumeRoleResult><Credentials>"
        b"<AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey>"
        b"<SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
        b"</Credentials></AssumeRoleResult></AssumeRoleResponse>"
    )
    ours = parse_assume_role(response(200, body))
    assert ours.credentials.expiry == botocore_parse(200, body)["Credentials"]["Expiration"]
    assert (ours.assumed_role_user, ours.packed_policy_size, ours.source_identity) == (None, None, None)


BROKEN: list[tuple[bytes, str]] = [
    (b"<AssumeRoleResponse><AssumeRoleResult>", "malformed XML: no element found: line 1, column 38"),
    (b"", "malformed XML: no element found: line 1, column 0"),
    (b"<Other/>", "expected <AssumeRoleResponse>, got <Other>"),
    (
        b"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
        "the AssumeRole response has no AssumeRoleResult.Credentials",
    ),
    (
        b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
        b"</Credentials></AssumeRoleResult></AssumeRoleResponse>",
        "the AssumeRole response has no AssumeRoleResult.Credentials.SecretAccessKey",
    ),
    (
        RESPONSE.replace(b"2019-07-15T23:28:33.359Z", b"tomorrow"),
        "Expiration 'tomorrow' is not an ISO 8601 timestamp",
    ),
    (RESPONSE.replace(b">8<", b">eight<"), "PackedPolicySize 'eight' is not an integer"),
    (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><AssumeRoleResponse/>',
        "XML with a DOCTYPE or ENTITY declaration is refused",
    ),
    # In UTF-16 the declarations are not the bytes searched for: such XML is refused
    # before it is looked at (expat would read it, and expand its entities).
    (
        '<!DOCTYPE x [<!ENTITY a "ASIA">]><AssumeRoleResponse/>'.encode("utf-16"),
        "XML that is not UTF-8 is refused (STS answers in UTF-8)",
    ),
    (
        '<!DOCTYPE x [<!ENTITY a "ASIA">]><AssumeRoleResponse/>'.encode("utf-16-le"),
        "XML that is not UTF-8 is refused (STS answers in UTF-8)",
    ),
    (
        b'<?xml version="1.0" encoding="UTF-7"?><AssumeRoleResponse/>',
        "XML that is not UTF-8 is refused (STS answers in UTF-8)",
    ),
]


@pytest.mark.parametrize(("body", "detail"), BROKEN)
def test_a_broken_response_is_a_parse_error(body: bytes, detail: str) -> None:
    with pytest.raises(ResponseParseError) as info:
        parse_assume_role(response(200, body))
    assert info.value.detail == detail


# ---------------------------------------------------------------- errors

ERROR = b"""<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole</Message>
  </Error>
  <RequestId>4e4a5a0f-4b9f-4c27-a7a4-7b2b6d2c0c91</RequestId>
</ErrorResponse>"""


@pytest.mark.parametrize("header_id", [None, "from-header"])
def test_an_error_parses_as_botocore_parses_it(header_id: str | None) -> None:
    headers = {"x-amzn-RequestId": header_id} if header_id else {}
    theirs = botocore_parse(403, ERROR, headers)
    error = build_query_error(response(403, ERROR, headers), SERVICE.errors, SERVICE.base_error)
    assert type(error) is StsError
    assert error.code == theirs["Error"]["Code"] == "AccessDenied"
    assert error.message == theirs["Error"]["Message"]
    assert error.request_id == theirs["ResponseMetadata"]["RequestId"]
    assert error.request_id == "4e4a5a0f-4b9f-4c27-a7a4-7b2b6d2c0c91"
    assert error.status_code == 403
    assert error.raw == {"Type": "Sender", "Code": "AccessDenied", "Message": theirs["Error"]["Message"]}
    assert str(error) == (
        f"AccessDenied (HTTP 403): {theirs['Error']['Message']} [request id {error.request_id}]"
    )


@pytest.mark.parametrize(
    ("status", "body", "code", "message", "request_id"),
    [
        (503, b"<html>Service Unavailable</html>", "503", None, None),
        (500, b"not xml at all", "500", "non-XML error body: 'not xml at all'", None),
        (400, b"", "400", None, None),
        (400, b"<ErrorResponse><RequestId>r1</RequestId></ErrorResponse>", "400", None, "r1"),
        (
            400,
            b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>",
            "Throttling",
            None,
            None,
        ),
    ],
)
def test_an_error_without_the_usual_fields_keeps_the_status(
    status: int, body: bytes, code: str, message: str | None, request_id: str | None
) -> None:
    error = build_query_error(response(status, body), SERVICE.errors, SERVICE.base_error)
    assert (type(error), error.code, error.message, error.status_code, error.request_id) == (
        StsError, code, message, status, request_id
    )
    # botocore agrees where it answers; on a 4xx that is not XML its parser raises, where
    # awsmith (as for JSON errors) still gives the service error with the status as code.
    try:
        theirs = botocore_parse(status, body)
    except botocore.parsers.ResponseParserError:
        assert body in (b"", b"not xml at all")
    else:
        assert theirs.get("Error", {}).get("Code", str(status)) == code
        assert theirs["ResponseMetadata"].get("RequestId") == request_id
