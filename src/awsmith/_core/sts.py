"""A client of AWS STS with the one operation awsmith needs: AssumeRole.

It runs on awsmith's own stack (:class:`~awsmith._core.client.BaseClient`: endpoint
rules, SigV4, the HTTP sender, retries, proxies, TLS, logging), so assuming a role is
one more async call on the loop: no botocore client, no worker thread per refresh. STS
speaks the awsQuery protocol, which awsmith's generated clients do not: a form-encoded
``POST /`` with ``Action`` and ``Version``, answered in XML. Its request body is
encoded as botocore's query serializer encodes it, and its responses and errors are
read as botocore's query parser reads them (the differential tests compare both).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from xml.etree import ElementTree

from awsmith._core.client import BaseClient
from awsmith._core.credentials import Credentials
from awsmith._core.errors import ResponseParseError, ServiceError
from awsmith._core.errors_wire import ErrorTable
from awsmith._core.metadata import NO_METADATA, ResponseMetadata
from awsmith._core.operation import Operation, SerializedRequest, ServiceInfo
from awsmith._core.transport.http import TransportResponse, request_id_of
from awsmith._core.validation import check_int, check_list, check_map, check_str, model_pattern

if TYPE_CHECKING:
    from attrs import define, field, frozen
else:
    from awsmith._core.lazyclass import define, field, frozen

API_VERSION = "2011-06-15"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


class StsError(ServiceError):
    """An error AWS STS returned (``AccessDenied``, ``MalformedPolicyDocument``,
    ``RegionDisabledException``, ...): ``code``, ``message``, ``status_code`` and
    ``request_id`` as for every :class:`~awsmith.ServiceError`."""


@frozen(kw_only=True)
class AssumeRoleRequest:
    """The parameters of AssumeRole, in Python names (``session_name`` is STS's
    ``RoleSessionName``)."""

    role_arn: str
    session_name: str
    duration_seconds: int | None = None
    external_id: str | None = None
    policy: str | None = None
    policy_arns: Sequence[str] = ()
    tags: Mapping[str, str] = field(factory=dict[str, str])
    transitive_tag_keys: Sequence[str] = ()
    source_identity: str | None = None


@define(kw_only=True)
class AssumedRoleUser:
    """Who the credentials act as."""

    arn: str
    assumed_role_id: str


@define(kw_only=True)
class AssumeRoleResponse:
    """What AssumeRole returns: the role's temporary credentials (with ``expiry``)."""

    credentials: Credentials
    assumed_role_user: AssumedRoleUser | None = None
    packed_policy_size: int | None = None
    source_identity: str | None = None
    response_metadata: ResponseMetadata = field(default=NO_METADATA, eq=False, repr=False)


# The model's patterns, anchored: STS matches the whole value (an unanchored ``[...]*``
# would accept anything).
_SESSION_NAME = model_pattern(r"^[\w+=,.@-]*$")
_EXTERNAL_ID = model_pattern(r"^[\w+=,.@:/-]*$")


def validate_assume_role(request: AssumeRoleRequest) -> None:
    """The constraints of STS's model (lengths, ranges, list sizes, the name patterns),
    checked before any I/O."""
    check_str(request.role_arn, "role_arn", 20, 2048)
    check_str(request.session_name, "session_name", 2, 64, _SESSION_NAME)
    if request.duration_seconds is not None:
        check_int(request.duration_seconds, "duration_seconds", 900, 43200)
    if request.external_id is not None:
        check_str(request.external_id, "external_id", 2, 1224, _EXTERNAL_ID)
    if request.policy is not None:
        check_str(request.policy, "policy", 1)
    for i, arn in enumerate(check_list(request.policy_arns, "policy_arns")):
        check_str(arn, f"policy_arns[{i}]", 20, 2048)
    for key, value in check_map(request.tags, "tags", max_len=50).items():
        check_str(key, f"tags[{key!r}]", 1, 128)
        check_str(value, f"tags[{key!r}]", 0, 256)
    keys = check_list(request.transitive_tag_keys, "transitive_tag_keys", max_len=50)
    for i, key in enumerate(keys):
        check_str(key, f"transitive_tag_keys[{i}]", 1, 128)
    if request.source_identity is not None:
        check_str(request.source_identity, "source_identity", 2, 256, _SESSION_NAME)


def serialize_assume_role(request: AssumeRoleRequest) -> SerializedRequest:
    """The awsQuery request: members in the model's order, lists as ``.member.N``."""
    params: list[tuple[str, str]] = [
        ("Action", "AssumeRole"),
        ("Version", API_VERSION),
        ("RoleArn", request.role_arn),
        ("RoleSessionName", request.session_name),
    ]
    for i, arn in enumerate(request.policy_arns, 1):
        params.append((f"PolicyArns.member.{i}.arn", arn))
    if request.policy is not None:
        params.append(("Policy", request.policy))
    if request.duration_seconds is not None:
        params.append(("DurationSeconds", str(request.duration_seconds)))
    for i, (key, value) in enumerate(request.tags.items(), 1):
        params.append((f"Tags.member.{i}.Key", key))
        params.append((f"Tags.member.{i}.Value", value))
    for i, key in enumerate(request.transitive_tag_keys, 1):
        params.append((f"TransitiveTagKeys.member.{i}", key))
    if request.external_id is not None:
        params.append(("ExternalId", request.external_id))
    if request.source_identity is not None:
        params.append(("SourceIdentity", request.source_identity))
    return SerializedRequest(
        method="POST",
        path="/",
        query=[],
        headers={"Content-Type": CONTENT_TYPE},
        body=urlencode(params).encode("ascii"),
    )


# ---------------------------------------------------------------- responses

#: Markup that could make the parser expand entities: STS never sends it.
_DECLARATIONS = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


#: An XML declaration's encoding: only ASCII-compatible ones keep _DECLARATIONS' search
#: meaningful (in UTF-16 "<!DOCTYPE" is not those bytes).
_ENCODING = re.compile(rb"""^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ASCII_COMPATIBLE = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin-1"})


def _xml(body: bytes) -> ElementTree.Element:
    declared = _ENCODING.match(body)
    if (
        body.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00", b"\x4c\x6f\xa7\x94"))
        or b"\x00" in body
        or (declared is not None and declared.group(1).lower() not in _ASCII_COMPATIBLE)
    ):
        raise ResponseParseError("XML that is not UTF-8 is refused (STS answers in UTF-8)")
    if _DECLARATIONS.search(body):
        raise ResponseParseError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ResponseParseError(f"malformed XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(element: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    if element is not None:
        for child in element:
            if _local(child.tag) == name:
                return child
    return None


def _text(element: ElementTree.Element | None, name: str) -> str | None:
    child = _child(element, name)
    return None if child is None else (child.text or "")


def _required(element: ElementTree.Element | None, name: str, where: str) -> str:
    value = _text(element, name)
    if not value:
        raise ResponseParseError(f"the AssumeRole response has no {where}.{name}")
    return value


def _timestamp(text: str) -> datetime:
    """An ISO 8601 timestamp (STS: ``2019-11-09T13:34:41Z``); UTC if it names no zone,
    as botocore reads it."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ResponseParseError(f"Expiration {text!r} is not an ISO 8601 timestamp") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def parse_assume_role(response: TransportResponse) -> AssumeRoleResponse:
    root = _xml(response.body)
    if _local(root.tag) != "AssumeRoleResponse":
        raise ResponseParseError(f"expected <AssumeRoleResponse>, got <{_local(root.tag)}>")
    result = _child(root, "AssumeRoleResult")
    where = "AssumeRoleResult.Credentials"
    found = _child(result, "Credentials")
    if found is None:
        raise ResponseParseError(f"the AssumeRole response has no {where}")
    credentials = Credentials(
        access_key_id=_required(found, "AccessKeyId", where),
        secret_access_key=_required(found, "SecretAccessKey", where),
        session_token=_required(found, "SessionToken", where),
        expiry=_timestamp(_required(found, "Expiration", where)),
    )
    user = _child(result, "AssumedRoleUser")
    size = _text(result, "PackedPolicySize")
    try:
        packed = int(size) if size else None
    except ValueError:
        raise ResponseParseError(f"PackedPolicySize {size!r} is not an integer") from None
    return AssumeRoleResponse(
        credentials=credentials,
        assumed_role_user=None
        if user is None
        else AssumedRoleUser(
            arn=_text(user, "Arn") or "", assumed_role_id=_text(user, "AssumedRoleId") or ""
        ),
        packed_policy_size=packed,
        source_identity=_text(result, "SourceIdentity"),
    )


def build_query_error(
    response: TransportResponse, table: ErrorTable, base: type[ServiceError]
) -> ServiceError:
    """The exception for an awsQuery error response (``<ErrorResponse><Error><Code>``);
    never raises while building it. ``raw`` holds the ``<Error>`` element's fields."""
    request_id = request_id_of(response.headers)
    raw: dict[str, Any] = {}
    try:
        root: ElementTree.Element | None = _xml(response.body) if response.body else None
    except ResponseParseError:
        root = None
        excerpt = response.body[:200].decode("utf-8", "replace")
        raw = {"Message": f"non-XML error body: {excerpt!r}"}
    if root is not None:
        error = _child(root, "Error")
        if error is None:
            error = _child(_child(root, "Errors"), "Error")
        if error is not None:
            raw = {_local(child.tag): child.text or "" for child in error}
        request_id = _text(root, "RequestId") or request_id  # the body's first, as botocore
    code = raw.get("Code") or str(response.status)
    entry = table.get(code)
    cls = base if entry is None else entry[0]
    return cls(
        raw.get("Message"), code=code, status_code=response.status, request_id=request_id, raw=raw
    )


SERVICE = ServiceInfo(
    service_id="STS",
    data_name="sts",
    endpoint_prefix="sts",
    signing_name="sts",
    api_version=API_VERSION,
    errors={},
    base_error=StsError,
    build_error=build_query_error,
)

ASSUME_ROLE: Operation[AssumeRoleRequest, AssumeRoleResponse] = Operation(
    name="AssumeRole",
    validate=validate_assume_role,
    serialize=serialize_assume_role,
    parse=parse_assume_role,
    sensitive_response=True,  # SecretAccessKey, SessionToken
)


class StsClient(BaseClient):
    """AWS STS, AssumeRole only (what :func:`awsmith.assume_role` needs)."""

    _service = SERVICE

    async def assume_role(self, request: AssumeRoleRequest) -> AssumeRoleResponse:
        return await self._invoke(ASSUME_ROLE, request)
