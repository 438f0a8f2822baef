"""An in-memory Amazon CodeGuru Profiler server on a loopback port, speaking restJson1.

moto has no CodeGuru Profiler, so this server implements all 23 operations of the
service's model (``models/codeguruprofiler.json``, the wire awsmith's client is generated
from): profiling groups, agent profiles and the profiles aggregated from them,
recommendations and anomalies, findings reports, notification channels, the
resource-based policy and tags. State lives in memory for the server's lifetime.

Like the service, it checks every request's SigV4 signature (for the key pair it was
given), validates the inputs against the model's constraints (required members, lengths,
ranges, patterns, enums) and answers with rest-json errors: an ``x-amzn-ErrorType``
header, a JSON ``{"message": ...}`` body in the service's wording ("1 validation error
detected: ..."), the modeled status code, an ``x-amzn-RequestId`` header. Every request
is recorded exactly as it arrived (method, raw path, raw query, headers, body), so tests
can assert on the wire, and errors the service answers only under load
(``ThrottlingException``, ``InternalServerException``, ...) can be injected per operation.

The server runs aiohttp in a background thread with its own event loop, so it can be
used from synchronous code (``with codeguruprofiler_server() as server:``) and from async
code on asyncio or trio alike (``async with async_codeguruprofiler_server() as server:``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import hashlib
import json
import re
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar, cast

from multidict import CIMultiDict, CIMultiDictProxy

from awsmith.testing._extra import testing_extra_missing
from awsmith.testing._lifecycle import running, running_async
from awsmith.testing._sigv4 import sigv4_problem

try:
    from aiohttp import web
except ImportError as _missing:  # not installed: say which extra brings it
    raise testing_extra_missing(_missing) from _missing

HOST: Final = "127.0.0.1"
SERVICE: Final = "codeguru-profiler"
#: The key pair the server accepts unless it is given another one.
FAKE_ACCESS_KEY_ID: Final = "AKIASTUBCODEGURU0000"
FAKE_SECRET_ACCESS_KEY: Final = "codeguru-stub-fake-secret-access-key"
DEFAULT_ACCOUNT_ID: Final = "123456789012"
#: What ConfigureAgent tells an agent: report every 5 minutes (the service's default).
AGENT_PERIOD_SECONDS: Final = 300

_NAME = r"^[\w-]+$"
_UUID = r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.codeguruprofiler/"
_PERIODS = {"PT5M": timedelta(minutes=5), "PT1H": timedelta(hours=1), "P1D": timedelta(days=1)}
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.ASCII)
_PROFILE_TYPES = ("application/json", "application/x-amzn-ion")
_MAX_BODY = 16 * 1024 * 1024
#: The modeled errors and their status codes (the model's ``error.httpStatusCode``).
ERROR_STATUS: Final[Mapping[str, int]] = {
    "ConflictException": 409,
    "InternalServerException": 500,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 429,
    "ValidationException": 400,
}
(_CONFLICT, _INTERNAL, _NOT_FOUND, _QUOTA, _THROTTLING, _VALIDATION) = sorted(ERROR_STATUS)
#: The errors each operation's model lists: the only ones :meth:`inject_error` takes.
ERRORS_OF: Final[Mapping[str, frozenset[str]]] = {
    "AddNotificationChannels": frozenset({_CONFLICT, _INTERNAL, _NOT_FOUND, _QUOTA, _THROTTLING, _VALIDATION}),
    "BatchGetFrameMetricData": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "ConfigureAgent": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "CreateProfilingGroup": frozenset({_CONFLICT, _INTERNAL, _QUOTA, _THROTTLING, _VALIDATION}),
    "DeleteProfilingGroup": frozenset({_CONFLICT, _INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "DescribeProfilingGroup": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "GetFindingsReportAccountSummary": frozenset({_INTERNAL, _THROTTLING, _VALIDATION}),
    "GetNotificationConfiguration": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "GetPolicy": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING}),
    "GetProfile": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "GetRecommendations": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "ListFindingsReports": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "ListProfileTimes": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "ListProfilingGroups": frozenset({_INTERNAL, _THROTTLING}),
    "ListTagsForResource": frozenset({_INTERNAL, _NOT_FOUND, _VALIDATION}),
    "PostAgentProfile": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "PutPermission": frozenset({_CONFLICT, _INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "RemoveNotificationChannel": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "RemovePermission": frozenset({_CONFLICT, _INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "SubmitFeedback": frozenset({_INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
    "TagResource": frozenset({_INTERNAL, _NOT_FOUND, _VALIDATION}),
    "UntagResource": frozenset({_INTERNAL, _NOT_FOUND, _VALIDATION}),
    "UpdateProfilingGroup": frozenset({_CONFLICT, _INTERNAL, _NOT_FOUND, _THROTTLING, _VALIDATION}),
}
#: The agent permissions a policy's ``agentPermissions`` statement grants.
AGENT_ACTIONS: Final = ("codeguru-profiler:ConfigureAgent", "codeguru-profiler:PostAgentProfile")

#: The patterns GetRecommendations looks for: a recommendation is reported when a
#: stored profile in the window mentions the pattern's target frame.
PATTERNS: tuple[dict[str, Any], ...] = (
    {
        "id": "stub-pattern-logging",
        "name": "Excessive time spent in logging",
        "description": "A large share of CPU time goes to formatting log messages.",
        "resolutionSteps": "Guard debug logging with a level check.",
        "targetFrames": [["java.util.logging.Logger.log"]],
        "thresholdPercent": 5.0,
        "countersToAggregate": ["RUNNABLE"],
    },
    {
        "id": "stub-pattern-regex",
        "name": "Regular expressions compiled on every call",
        "description": "Pattern.compile runs on a hot path.",
        "resolutionSteps": "Compile the pattern once and reuse it.",
        "targetFrames": [["java.util.regex.Pattern.compile"]],
        "thresholdPercent": 1.0,
        "countersToAggregate": ["RUNNABLE"],
    },
)


def format_timestamp(value: datetime) -> str:
    """ISO-8601 in UTC with milliseconds, as the service writes timestamps."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    #: The path exactly as on the request line (still percent-encoded), without the query.
    raw_path: str
    #: The query string exactly as sent ("" if none).
    raw_query: str
    #: The query decoded into (name, value) pairs, in order; repeated names repeat.
    query: tuple[tuple[str, str], ...]
    headers: CIMultiDictProxy[str]
    body: bytes
    #: The ``x-amzn-RequestId`` the server answered with.
    request_id: str
    #: Status code of the answer.
    status: int = 0
    #: The modeled operation the request was routed to ("" if none matched).
    operation: str = ""


@dataclass
class StoredProfile:
    """An agent profile as PostAgentProfile (or :meth:`add_agent_profile`) stored it."""

    received_at: datetime
    content_type: str
    body: bytes
    content_encoding: str | None = None

    def plain(self) -> bytes:
        """The body without its gzip encoding (empty if it does not decompress)."""
        if self.content_encoding != "gzip":
            return self.body
        try:
            return gzip.decompress(self.body)
        except (OSError, EOFError):
            return b""


@dataclass
class AnomalyInstance:
    """One period in which a frame's metric was anomalous (:meth:`add_anomaly`)."""

    id: str
    frame_name: str
    reason: str
    start: datetime
    end: datetime | None
    #: ``Positive`` or ``Negative`` once SubmitFeedback was called, and its comment.
    feedback: str | None = None
    comment: str | None = None


@dataclass
class ProfilingGroup:
    """A profiling group's state."""

    name: str
    arn: str
    compute_platform: str
    profiling_enabled: bool
    created_at: datetime
    updated_at: datetime
    client_token: str
    tags: dict[str, str] = field(default_factory=dict[str, str])
    profiles: list[StoredProfile] = field(default_factory=list[StoredProfile])
    #: Notification channels: {"id", "uri", "eventPublishers"}, in the order added.
    channels: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    #: actionGroup -> principals of the resource-based policy; its revision id.
    permissions: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    revision_id: str | None = None
    anomalies: list[AnomalyInstance] = field(default_factory=list[AnomalyInstance])
    #: When an agent last called ConfigureAgent.
    orchestrated_at: datetime | None = None
    #: The profileTokens of the profiles PostAgentProfile stored: a retried post (the
    #: same token) is stored once.
    profile_tokens: set[str] = field(default_factory=set[str])

    def describe(self) -> dict[str, Any]:
        """The ProfilingGroupDescription of the wire."""
        status: dict[str, Any] = {}
        if self.orchestrated_at is not None:
            status["latestAgentOrchestratedAt"] = format_timestamp(self.orchestrated_at)
        if self.profiles:
            latest = max(p.received_at for p in self.profiles)
            status["latestAgentProfileReportedAt"] = format_timestamp(latest)
            status["latestAggregatedProfile"] = {
                "period": "PT5M",
                "start": format_timestamp(_bucket_start(latest, _PERIODS["PT5M"])),
            }
        return {
            "agentOrchestrationConfig": {"profilingEnabled": self.profiling_enabled},
            "arn": self.arn,
            "computePlatform": self.compute_platform,
            "createdAt": format_timestamp(self.created_at),
            "name": self.name,
            "profilingStatus": status,
            "tags": dict(self.tags),
            "updatedAt": format_timestamp(self.updated_at),
        }

    def notification_configuration(self) -> dict[str, Any]:
        """The NotificationConfiguration: no ``channels`` member when there are none
        (the list's minimum length is 1)."""
        return {"channels": [dict(c) for c in self.channels]} if self.channels else {}

    def policy(self) -> str:
        """The resource-based policy document, as the JSON text the service returns."""
        statements = [
            {
                "Sid": action_group,
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": list(AGENT_ACTIONS),
                "Resource": self.arn,
            }
            for action_group, principals in sorted(self.permissions.items())
        ]
        return json.dumps({"Version": "2012-10-17", "Statement": statements})


class ServiceFault(Exception):
    """Raised by a handler to answer with a rest-json error."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = ERROR_STATUS.get(code, 400) if status is None else status
        self.message = message


def _not_found(name: str) -> ServiceFault:
    return ServiceFault("ResourceNotFoundException", f"Profiling group {name!r} does not exist.")


_Item = TypeVar("_Item")

#: A wildcard address a server binds -> the loopback address its clients connect to.
_WILDCARDS: Final = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}

#: How many pagination tokens a server remembers (the oldest are forgotten first).
_TOKENS_KEPT = 10_000


#: Query parameters a pagination token is not tied to: the page's size and position,
#: and includeDescription, which changes what each item says, not which items there are.
_NOT_THE_LISTING = frozenset({"maxResults", "nextToken", "includeDescription"})


def _listing(kind: str, call: _Call) -> tuple[str, ...]:
    """What a pagination token is tied to: the listing and its every other parameter."""
    labels = (f"{k}={v}" for k, v in sorted(call.labels.items()))
    params = (f"{k}={v}" for k, v in sorted(call.params.items()) if k not in _NOT_THE_LISTING)
    return (kind, *labels, *params)


def _itself(item: Any) -> Any:
    return item


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def _group_name_of(item: tuple[ProfilingGroup, Any]) -> str:
    return item[0].name


def _invalid(message: str) -> ServiceFault:
    return ServiceFault("ValidationException", message)


def _constraint(name: str, value: object, constraint: str) -> ServiceFault:
    """A ValidationException worded as the service words a failed model constraint."""
    return _invalid(
        f"1 validation error detected: Value {_quoted(value)} at {name!r} failed to satisfy "
        f"constraint: {constraint}"
    )


def _quoted(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'"
    return json.dumps(value)


def _bucket_start(moment: datetime, period: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // period) * period


# -- input checks, as the model's constraints say ------------------------------------------


def _text(
    name: str,
    value: object,
    *,
    required: bool = False,
    min_len: int | None = None,
    max_len: int | None = None,
    pattern: str | None = None,
    enum: tuple[str, ...] | None = None,
) -> str | None:
    """A string member checked against its shape's constraints; ``None`` when absent."""
    if value is None:
        if required:
            raise _constraint(name, None, "Member must not be null")
        return None
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string, got {_quoted(value)}.")
    if min_len is not None and len(value) < min_len:
        raise _constraint(
            name, value, f"Member must have length greater than or equal to {min_len}"
        )
    if max_len is not None and len(value) > max_len:
        raise _constraint(name, value, f"Member must have length less than or equal to {max_len}")
    if pattern is not None and not _search(pattern, value):
        raise _constraint(
            name, value, f"Member must satisfy regular expression pattern: {pattern}"
        )
    if enum is not None and value not in enum:
        raise _constraint(name, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
    return value


def _search(pattern: str, value: str) -> bool:
    """The model's (Java) semantics: ASCII ``\\w``, and ``$`` only at the very end."""
    return re.search(pattern.replace("$", r"\Z"), value, re.ASCII) is not None


def _group_name(value: object) -> str:
    name = _text("profilingGroupName", value, required=True, min_len=1, max_len=255, pattern=_NAME)
    assert name is not None
    return name


def _query_int(name: str, raw: str | None, low: int, high: int) -> int | None:
    if raw is None:
        return None
    if not re.fullmatch(r"-?\d+", raw, re.ASCII):
        raise _invalid(f"{name} must be an integer, got {raw!r}.")
    value = int(raw)
    if value < low:
        raise _constraint(name, value, f"Member must have value greater than or equal to {low}")
    if value > high:
        raise _constraint(name, value, f"Member must have value less than or equal to {high}")
    return value


def _query_bool(name: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise _invalid(f"{name} must be true or false, got {raw!r}.")
    return raw == "true"


def _query_time(name: str, raw: str | None, *, required: bool = False) -> datetime | None:
    if raw is None:
        if required:
            raise _constraint(name, None, "Member must not be null")
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _invalid(f"{name} {raw!r} is not an ISO-8601 timestamp.") from None
    if value.tzinfo is None:
        raise _invalid(f"{name} {raw!r} has no time zone.")
    return value.astimezone(UTC)


def _duration(name: str, raw: str) -> timedelta:
    """An ISO-8601 duration of days, hours, minutes and seconds (``PT1H``, ``P1D``)."""
    match = _DURATION.fullmatch(raw)
    if match is None or raw in ("P", "PT") or raw.endswith("T"):
        raise _invalid(f"{name} {raw!r} is not an ISO-8601 duration such as PT5M, PT1H or P1D.")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value <= timedelta(0):
        raise _invalid(f"{name} {raw!r} must be longer than zero.")
    return value


def _member_list(
    name: str, value: object, *, required: bool, low: int, high: int
) -> list[object]:
    if value is None:
        if required:
            raise _constraint(name, None, "Member must not be null")
        return []
    if not isinstance(value, list):
        raise _invalid(f"{name} must be a list, got {_quoted(value)}.")
    items = cast("list[object]", value)
    if len(items) < low:
        raise _constraint(name, items, f"Member must have length greater than or equal to {low}")
    if len(items) > high:
        raise _constraint(name, items, f"Member must have length less than or equal to {high}")
    return items


def _string_map(name: str, value: object, *, keys: tuple[str, ...] | None = None) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(f"{name} must map strings to strings, got {_quoted(value)}.")
    pairs = cast("dict[object, object]", value)
    result: dict[str, str] = {}
    for key, item in pairs.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise _invalid(f"{name} must map strings to strings, got {_quoted(pairs)}.")
        if keys is not None:
            _text(f"{name}.key", key, enum=keys)
        result[key] = item
    return result


def _window(call: _Call, *, required: bool) -> tuple[datetime | None, datetime | None]:
    start = _query_time("startTime", call.params.get("startTime"), required=required)
    end = _query_time("endTime", call.params.get("endTime"), required=required)
    if start is not None and end is not None and start >= end:
        raise _invalid("startTime must be before endTime.")
    return start, end


class _Call:
    """What a handler sees: the decoded parts of one request."""

    def __init__(self, record: RecordedRequest, labels: dict[str, str]) -> None:
        self.record = record
        self.labels = labels
        self.params: dict[str, str] = {}
        for key, value in record.query:
            self.params.setdefault(key, value)
        self._body: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        """The JSON body (an empty one when there is none)."""
        if self._body is None:
            self._body = self._parse()
        return self._body

    def _parse(self) -> dict[str, Any]:
        if not self.record.body:
            return {}
        try:
            value: object = json.loads(self.record.body)
        except ValueError:
            raise ServiceFault("SerializationException", "The body is not JSON.") from None
        if not isinstance(value, dict):
            raise ServiceFault("SerializationException", "The body is not a JSON object.")
        return cast(dict[str, Any], value)


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict[str, str])


def _json_reply(status: int, value: Any) -> _Reply:
    return _Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


def _page_reply(result: dict[str, Any], token: str | None) -> _Reply:
    """A listing's answer: ``result``, and the ``nextToken`` of the next page if any."""
    return _json_reply(200, result if token is None else {**result, "nextToken": token})


@dataclass
class _Injection:
    code: str
    message: str
    status: int
    times: int


Handler = Callable[["CodeGuruProfilerServer", _Call], _Reply]


class CodeGuruProfilerServer:
    """The server. :func:`codeguruprofiler_server` / :func:`async_codeguruprofiler_server`
    run one for a ``with`` block; :meth:`start` and :meth:`stop` run it otherwise."""

    def __init__(
        self,
        *,
        access_key_id: str = FAKE_ACCESS_KEY_ID,
        secret_access_key: str = FAKE_SECRET_ACCESS_KEY,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        check_signatures: bool = True,
        host: str = HOST,
        port: int = 0,
    ) -> None:
        """``port`` 0 lets the system pick a free one (:attr:`port` says which once
        started). With ``check_signatures=False`` any ``AWS4-HMAC-SHA256``
        Authorization header is accepted, as long as there is one."""
        self.host = host
        #: The port it serves on (the one picked, once started with port 0).
        self.port: int = port
        self.region = region
        self.account_id = account_id
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.check_signatures = check_signatures
        self._keys = {access_key_id: secret_access_key}
        self._lock = threading.Lock()
        self._groups: dict[str, ProfilingGroup] = {}
        self._requests: list[RecordedRequest] = []
        self._tokens: dict[str, tuple[tuple[str, ...], Any]] = {}
        self._token_salt = uuid.uuid4().hex  # one server's tokens mean nothing to another
        self._injections: dict[str, list[_Injection]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # -- test-facing API ------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """The URL to give a client as ``endpoint_url``: on a server bound to every
        address (``0.0.0.0``, ``::``), the loopback one, which a client can connect to."""
        host = _WILDCARDS.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forgets the requests recorded so far."""
        with self._lock:
            self._requests.clear()

    def reset(self) -> None:
        """Forgets every profiling group, recorded request and injected error."""
        with self._lock:
            self._groups.clear()
            self._requests.clear()
            self._tokens.clear()
            self._injections.clear()

    def arn_of(self, name: str) -> str:
        """The ARN the server gives the profiling group ``name``."""
        return f"arn:aws:codeguru-profiler:{self.region}:{self.account_id}:profilingGroup/{name}"

    def stored_profiles(self, name: str) -> list[StoredProfile]:
        """The agent profiles stored for a profiling group, oldest first."""
        with self._lock:
            group = self._groups.get(name)
            return list(group.profiles) if group else []

    def add_agent_profile(
        self,
        name: str,
        body: bytes,
        *,
        content_type: str = "application/json",
        received_at: datetime,
        content_encoding: str | None = None,
    ) -> None:
        """Stores a profile as if an agent had posted it at ``received_at`` (seeding
        history that PostAgentProfile, which stamps "now", cannot create). Raises
        ``KeyError`` if there is no such profiling group."""
        with self._lock:
            group = self._groups.get(name)
            if group is None:
                raise KeyError(name)
            group.profiles.append(
                StoredProfile(received_at.astimezone(UTC), content_type, body, content_encoding)
            )

    def add_anomaly(
        self,
        name: str,
        *,
        frame_name: str,
        start: datetime,
        end: datetime | None = None,
        reason: str = "The frame's share of the total time rose above its usual range.",
    ) -> str:
        """Records an anomaly of ``frame_name`` (the service detects them from weeks of
        profiles; the server only reports what it was told), returns the instance's id
        (for SubmitFeedback). Raises ``KeyError`` if there is no such profiling group."""
        with self._lock:
            group = self._groups.get(name)
            if group is None:
                raise KeyError(name)
            instance = AnomalyInstance(
                str(uuid.uuid4()),
                frame_name,
                reason,
                start.astimezone(UTC),
                end.astimezone(UTC) if end is not None else None,
            )
            group.anomalies.append(instance)
            return instance.id

    def anomaly(self, name: str, instance_id: str) -> AnomalyInstance:
        """A copy of an anomaly instance (its ``feedback`` once SubmitFeedback ran)."""
        with self._lock:
            for instance in self._groups[name].anomalies:
                if instance.id == instance_id:
                    return dataclasses.replace(instance)
        raise KeyError(instance_id)

    def inject_error(
        self, operation: str, code: str, *, message: str | None = None, times: int = 1
    ) -> None:
        """The next ``times`` calls of ``operation`` (its model name, ``"GetProfile"``)
        fail with ``code`` (``"ThrottlingException"``...), one of the errors the
        operation's model lists (:data:`ERRORS_OF`; any other is a ``ValueError``), instead of
        running, after the signature check: the errors the service answers under load
        or on its own faults, which no request can provoke here."""
        if operation not in _OPERATIONS:
            raise ValueError(f"{operation!r} is not a CodeGuru Profiler operation")
        if code not in ERRORS_OF[operation]:
            raise ValueError(
                f"{operation} does not model {code!r}: its errors are "
                f"{', '.join(sorted(ERRORS_OF[operation]))}"
            )
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        text = message or f"Injected {code} for {operation}."
        with self._lock:
            self._injections.setdefault(operation, []).append(
                _Injection(code, text, ERROR_STATUS[code], times)
            )

    # -- lifecycle ----------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Starts the server thread; returns once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                assert self._runner is not None
                loop.run_until_complete(self._runner.cleanup())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="codeguruprofiler-server", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the CodeGuru Profiler server did not start")
        if failure:
            self._thread.join()
            self._thread = None
            raise RuntimeError(
                f"the CodeGuru Profiler server did not start on {self.host}:{self.port}: "
                f"{failure[0]}"
            ) from failure[0]

    async def _serve(self) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        port: int = runner.addresses[0][1]
        self.port = port

    def stop(self) -> None:
        """Stops the server and joins its thread. Idempotent."""
        thread, self._thread = self._thread, None
        if thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        thread.join(30)

    # -- request handling -----------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_path, _, raw_query = request.raw_path.partition("?")
        body = await request.read()
        request_id = str(uuid.uuid4())
        record = RecordedRequest(
            method=request.method,
            raw_path=raw_path,
            raw_query=raw_query,
            query=tuple(urllib.parse.parse_qsl(raw_query, keep_blank_values=True)),
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            body=body,
            request_id=request_id,
        )
        operation, reply = self._answer(record)
        with self._lock:
            self._requests.append(
                dataclasses.replace(record, status=reply.status, operation=operation)
            )
        response = web.Response(status=reply.status, body=reply.body or None)
        for name, value in reply.headers.items():
            response.headers[name] = value
        response.headers["x-amzn-RequestId"] = request_id
        return response

    def _answer(self, record: RecordedRequest) -> tuple[str, _Reply]:
        """The operation the request was routed to ("" if none) and the answer."""
        operation = ""
        try:
            self._authenticate(record)
            operation, handler, labels = _route(record)
            with self._lock:
                self._play_injection(operation)
                return operation, handler(self, _Call(record, labels))
        except ServiceFault as fault:
            # Authentication failures come from the front door, without the service's
            # namespace suffix; the service's own errors carry it.
            suffix = "" if fault.status == 403 else _ERROR_SUFFIX
            return operation, _Reply(
                fault.status,
                json.dumps({"message": fault.message}).encode(),
                {"Content-Type": "application/json", "x-amzn-ErrorType": fault.code + suffix},
            )

    def _authenticate(self, record: RecordedRequest) -> None:
        if self.check_signatures:
            problem = sigv4_problem(record, self._keys, service=SERVICE, region=self.region)
            if problem is not None:
                raise ServiceFault(problem[0], problem[1], 403)
        elif not record.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
            raise ServiceFault(
                "MissingAuthenticationTokenException", "Missing Authentication Token", 403
            )

    def _play_injection(self, operation: str) -> None:
        queue = self._injections.get(operation)
        if not queue:
            return
        injection = queue[0]
        injection.times -= 1
        if injection.times == 0:
            queue.pop(0)
        raise ServiceFault(injection.code, injection.message, injection.status)

    # -- state helpers (called with the lock held) -------------------------------------

    def _page(
        self,
        call: _Call,
        kind: str,
        items: list[_Item],
        default: int,
        *,
        key: Callable[[_Item], Any],
        descending: bool = False,
    ) -> tuple[list[_Item], str | None]:
        """One page of ``items`` (sorted by ``key``, ``descending`` or not) and the token
        of the next.

        A token names the listing it came from (the operation, its path and its query
        parameters but those of ``_NOT_THE_LISTING``) and the key of the last item
        returned: the next page starts after that key, so an item deleted or added
        between pages shifts nothing (an offset would skip one), and a token is refused
        by any other listing (another group, period, window or filter) as the service
        refuses it. Tokens are derived from what they name, so one position never costs
        more than one entry, and only the newest ``_TOKENS_KEPT`` are kept.
        """
        limit = _query_int("maxResults", call.params.get("maxResults"), 1, 1000) or default
        raw = _text("nextToken", call.params.get("nextToken"), min_len=1, max_len=64, pattern=_NAME)
        listing = _listing(kind, call)
        rest = items
        if raw is not None:
            state = self._tokens.get(raw)
            if state is None or state[0] != listing:
                raise _invalid(f"The nextToken {raw!r} is invalid.")
            last = state[1]
            rest = [i for i in items if (key(i) < last if descending else key(i) > last)]
        page = rest[:limit]
        if len(rest) <= limit:
            return page, None
        return page, self._token(listing, key(page[-1]))

    def _token(self, listing: tuple[str, ...], last: Any) -> str:
        """The token (32 hex digits, as the model's ``^[\\w-]+$``, max 64, allows) that
        resumes ``listing`` after the item keyed ``last``."""
        token = hashlib.sha256(repr((self._token_salt, listing, last)).encode()).hexdigest()[:32]
        self._tokens.pop(token, None)
        self._tokens[token] = (listing, last)
        while len(self._tokens) > _TOKENS_KEPT:
            del self._tokens[next(iter(self._tokens))]
        return token

    def _group(self, call: _Call) -> ProfilingGroup:
        name = _group_name(call.labels["profilingGroupName"])
        group = self._groups.get(name)
        if group is None:
            raise _not_found(name)
        return group

    def _group_by_arn(self, arn: str) -> ProfilingGroup:
        for group in self._groups.values():
            if group.arn == arn:
                return group
        raise ServiceFault("ResourceNotFoundException", f"No resource with ARN {arn!r}.")

    # -- profiling groups ---------------------------------------------------------------

    def _create_profiling_group(self, call: _Call) -> _Reply:
        token = _text(
            "clientToken",
            call.params.get("clientToken"),
            required=True,
            min_len=1,
            max_len=64,
            pattern=_NAME,
        )
        body = call.body()
        name = _group_name(body.get("profilingGroupName"))
        platform = _text(
            "computePlatform", body.get("computePlatform"), enum=("AWSLambda", "Default")
        )
        tags = _string_map("tags", body.get("tags"))
        enabled = _orchestration(body.get("agentOrchestrationConfig"), required=False)
        existing = self._groups.get(name)
        if existing is not None:
            if existing.client_token == token:
                return _json_reply(201, existing.describe())
            raise ServiceFault("ConflictException", f"A profiling group named {name!r} already exists.")
        now = datetime.now(UTC)
        group = ProfilingGroup(
            name=name,
            arn=self.arn_of(name),
            compute_platform=platform or "Default",
            profiling_enabled=True if enabled is None else enabled,
            created_at=now,
            updated_at=now,
            client_token=str(token),
            tags=tags,
        )
        self._groups[name] = group
        return _json_reply(201, group.describe())

    def _describe_profiling_group(self, call: _Call) -> _Reply:
        return _json_reply(200, self._group(call).describe())

    def _update_profiling_group(self, call: _Call) -> _Reply:
        group = self._group(call)
        enabled = _orchestration(call.body().get("agentOrchestrationConfig"), required=True)
        assert enabled is not None
        group.profiling_enabled = enabled
        group.updated_at = datetime.now(UTC)
        return _json_reply(200, group.describe())

    def _delete_profiling_group(self, call: _Call) -> _Reply:
        del self._groups[self._group(call).name]
        return _Reply(204)

    def _list_profiling_groups(self, call: _Call) -> _Reply:
        include = _query_bool("includeDescription", call.params.get("includeDescription"))
        names, token = self._page(call, "groups", sorted(self._groups), 100, key=_itself)
        result: dict[str, Any] = {"profilingGroupNames": names}
        if include:
            result["profilingGroups"] = [self._groups[n].describe() for n in names]
        return _page_reply(result, token)

    # -- agents and profiles --------------------------------------------------------------

    def _configure_agent(self, call: _Call) -> _Reply:
        group = self._group(call)
        body = call.body()
        _text("fleetInstanceId", body.get("fleetInstanceId"), min_len=1, max_len=255)
        _string_map("metadata", body.get("metadata"), keys=_METADATA_FIELDS)
        group.orchestrated_at = datetime.now(UTC)
        configuration = {
            "periodInSeconds": AGENT_PERIOD_SECONDS,
            "shouldProfile": group.profiling_enabled,
            "agentParameters": {
                "MaxStackDepth": "1000",
                "MemoryUsageLimitPercent": "10",
                "MinimumTimeForReportingInMilliseconds": "60000",
                "ReportingIntervalInMilliseconds": str(AGENT_PERIOD_SECONDS * 1000),
                "SamplingIntervalInMilliseconds": "1000",
            },
        }
        return _json_reply(200, configuration)

    def _post_agent_profile(self, call: _Call) -> _Reply:
        group = self._group(call)
        token = _text(
            "profileToken", call.params.get("profileToken"), min_len=1, max_len=64, pattern=_NAME
        )
        content_type = call.record.headers.get("Content-Type", "")
        if content_type not in _PROFILE_TYPES:
            raise _invalid(
                f"Content-Type {content_type!r} is not one of {', '.join(_PROFILE_TYPES)}."
            )
        if not call.record.body:
            raise _invalid("The agent profile is empty.")
        if token is not None and token in group.profile_tokens:
            return _Reply(204)  # a retry of a post already stored: idempotent, as modeled
        encoding = "gzip" if call.record.body[:2] == b"\x1f\x8b" else None
        group.profiles.append(
            StoredProfile(datetime.now(UTC), content_type, call.record.body, encoding)
        )
        if token is not None:
            group.profile_tokens.add(token)
        return _Reply(204)

    def _get_profile(self, call: _Call) -> _Reply:
        group = self._group(call)
        start, end = _window(call, required=False)
        period = _text("period", call.params.get("period"), min_len=1, max_len=64)
        span = _duration("period", period) if period is not None else None
        if start is not None and end is not None and span is not None:
            raise _invalid("Give at most two of startTime, endTime and period.")
        if start is not None and end is None:
            if span is None:
                raise _invalid("With startTime, give endTime or period.")
            end = start + span
        elif end is not None and start is None:
            start = end - (span or _PERIODS["PT1H"])
        _query_int("maxDepth", call.params.get("maxDepth"), 1, 10000)
        accept = call.record.headers.get("Accept")
        if accept == "*/*":  # what HTTP clients send by default
            accept = None
        profiles = [
            p
            for p in group.profiles
            if (start is None or p.received_at >= start)
            and (end is None or p.received_at < end)
            and (accept is None or p.content_type == accept)
        ]
        if not profiles:
            raise ServiceFault(
                "ResourceNotFoundException",
                f"No profile of type {accept or 'any'} for {group.name!r} in the requested window.",
            )
        latest = max(profiles, key=lambda p: p.received_at)
        headers = {"Content-Type": latest.content_type}
        if latest.content_encoding:
            headers["Content-Encoding"] = latest.content_encoding
        return _Reply(200, latest.body, headers)

    def _list_profile_times(self, call: _Call) -> _Reply:
        group = self._group(call)
        start, end = _window(call, required=True)
        assert start is not None and end is not None
        period = _text("period", call.params.get("period"), required=True, enum=_AGGREGATIONS)
        order = _text("orderBy", call.params.get("orderBy"), enum=_ORDERS)
        starts = sorted(
            {
                _bucket_start(p.received_at, _PERIODS[str(period)])
                for p in group.profiles
                if start <= p.received_at < end
            },
            reverse=order != "TimestampAscending",
        )
        page, token = self._page(
            call, "times", starts, 100, key=_itself, descending=order != "TimestampAscending"
        )
        result: dict[str, Any] = {"profileTimes": [{"start": format_timestamp(s)} for s in page]}
        return _page_reply(result, token)

    # -- analysis -------------------------------------------------------------------------

    def _get_recommendations(self, call: _Call) -> _Reply:
        group = self._group(call)
        start, end = _window(call, required=True)
        assert start is not None and end is not None
        _text("locale", call.params.get("locale"))
        return _json_reply(
            200,
            {
                "profilingGroupName": group.name,
                "profileStartTime": format_timestamp(start),
                "profileEndTime": format_timestamp(end),
                "recommendations": _recommendations(group, start, end),
                "anomalies": _anomalies(group, start, end),
            },
        )

    def _list_findings_reports(self, call: _Call) -> _Reply:
        group = self._group(call)
        start, end = _window(call, required=True)
        assert start is not None and end is not None
        _query_bool("dailyReportsOnly", call.params.get("dailyReportsOnly"))
        reports = [r for r in _reports(group) if r[0] < end and r[0] + _PERIODS["P1D"] > start]
        page, token = self._page(call, "reports", reports, 100, key=_first)
        result: dict[str, Any] = {
            "findingsReportSummaries": [_report_summary(group, *r) for r in page]
        }
        return _page_reply(result, token)

    def _get_findings_report_account_summary(self, call: _Call) -> _Reply:
        _query_bool("dailyReportsOnly", call.params.get("dailyReportsOnly"))
        latest = [
            (group, reports[-1])
            for group in sorted(self._groups.values(), key=lambda g: g.name)
            if (reports := _reports(group))
        ]
        page, token = self._page(call, "summaries", latest, 100, key=_group_name_of)
        result: dict[str, Any] = {
            "reportSummaries": [_report_summary(group, *report) for group, report in page]
        }
        return _page_reply(result, token)

    def _batch_get_frame_metric_data(self, call: _Call) -> _Reply:
        group = self._group(call)
        start, end = _window(call, required=False)
        period = _text("period", call.params.get("period"), min_len=1, max_len=64)
        span = _duration("period", period) if period is not None else _PERIODS["PT1H"]
        if span > _PERIODS["P1D"]:
            raise _invalid(f"period {period!r} is longer than the maximum of one day (P1D).")
        end = end or (start + span if start is not None else datetime.now(UTC))
        start = start or end - span
        if start >= end:
            raise _invalid("startTime must be before endTime.")
        resolution = _text(
            "targetResolution", call.params.get("targetResolution"), enum=_AGGREGATIONS
        ) or _default_resolution(end - start)
        metrics = [_frame_metric(i, m) for i, m in enumerate(_frame_metrics(call.body()))]
        step = _PERIODS[resolution]
        buckets: list[datetime] = []
        moment = _bucket_start(start, step)
        while moment < end:
            buckets.append(moment)
            moment += step
        data = [
            {"frameMetric": metric, "values": [_share(group, metric, b, b + step) for b in buckets]}
            for metric in metrics
        ]
        return _json_reply(
            200,
            {
                "startTime": format_timestamp(start),
                "endTime": format_timestamp(end),
                "resolution": resolution,
                "endTimes": [{"value": format_timestamp(b + step)} for b in buckets],
                "frameMetricData": data,
                "unprocessedEndTimes": {},
            },
        )

    def _submit_feedback(self, call: _Call) -> _Reply:
        group = self._group(call)
        instance_id = _text(
            "anomalyInstanceId", call.labels["anomalyInstanceId"], required=True, pattern=_UUID
        )
        body = call.body()
        kind = _text("type", body.get("type"), required=True, enum=("Negative", "Positive"))
        comment = _text("comment", body.get("comment"))
        for instance in group.anomalies:
            if instance.id == instance_id:
                instance.feedback, instance.comment = kind, comment
                return _Reply(204)
        raise ServiceFault(
            "ResourceNotFoundException",
            f"No anomaly instance {instance_id!r} in profiling group {group.name!r}.",
        )

    # -- notification channels ------------------------------------------------------------

    def _get_notification_configuration(self, call: _Call) -> _Reply:
        group = self._group(call)
        return _json_reply(200, {"notificationConfiguration": group.notification_configuration()})

    def _add_notification_channels(self, call: _Call) -> _Reply:
        group = self._group(call)
        channels = [
            _channel(i, c)
            for i, c in enumerate(
                _member_list("channels", call.body().get("channels"), required=True, low=1, high=2)
            )
        ]
        taken_uris = {c["uri"] for c in group.channels}
        taken_ids = {c["id"] for c in group.channels}
        for channel in channels:
            if channel["uri"] in taken_uris:
                raise ServiceFault(
                    "ConflictException", f"A channel with URI {channel['uri']!r} is already configured."
                )
            if channel["id"] in taken_ids:
                raise ServiceFault(
                    "ConflictException", f"A channel with id {channel['id']!r} is already configured."
                )
            taken_uris.add(channel["uri"])
            taken_ids.add(channel["id"])
        if len(group.channels) + len(channels) > 2:
            raise ServiceFault(
                "ServiceQuotaExceededException",
                f"A profiling group has at most 2 notification channels; {group.name!r} has "
                f"{len(group.channels)}.",
            )
        group.channels.extend(channels)
        return _json_reply(200, {"notificationConfiguration": group.notification_configuration()})

    def _remove_notification_channel(self, call: _Call) -> _Reply:
        group = self._group(call)
        channel_id = _text("channelId", call.labels["channelId"], required=True, pattern=_UUID)
        kept = [c for c in group.channels if c["id"] != channel_id]
        if len(kept) == len(group.channels):
            raise ServiceFault(
                "ResourceNotFoundException",
                f"No notification channel {channel_id!r} in profiling group {group.name!r}.",
            )
        group.channels = kept
        return _json_reply(200, {"notificationConfiguration": group.notification_configuration()})

    # -- the resource-based policy --------------------------------------------------------

    def _get_policy(self, call: _Call) -> _Reply:
        group = self._group(call)
        if group.revision_id is None:
            raise ServiceFault(
                "ResourceNotFoundException", f"Profiling group {group.name!r} has no policy."
            )
        return _json_reply(200, {"policy": group.policy(), "revisionId": group.revision_id})

    def _put_permission(self, call: _Call) -> _Reply:
        group = self._group(call)
        action_group = _action_group(call)
        body = call.body()
        principals = [
            _principal(i, p)
            for i, p in enumerate(
                _member_list("principals", body.get("principals"), required=True, low=1, high=50)
            )
        ]
        revision = _text("revisionId", body.get("revisionId"), pattern=_UUID)
        _check_revision(group, revision, required=False)
        group.permissions[action_group] = principals
        group.revision_id = str(uuid.uuid4())
        return _json_reply(200, {"policy": group.policy(), "revisionId": group.revision_id})

    def _remove_permission(self, call: _Call) -> _Reply:
        group = self._group(call)
        action_group = _action_group(call)
        revision = _text(
            "revisionId", call.params.get("revisionId"), required=True, pattern=_UUID
        )
        _check_revision(group, revision, required=True)
        if action_group not in group.permissions:
            raise ServiceFault(
                "ResourceNotFoundException",
                f"The policy of {group.name!r} grants no {action_group}.",
            )
        del group.permissions[action_group]
        group.revision_id = str(uuid.uuid4())
        return _json_reply(200, {"policy": group.policy(), "revisionId": group.revision_id})

    # -- tags -----------------------------------------------------------------------------

    def _tag_resource(self, call: _Call) -> _Reply:
        group = self._group_by_arn(call.labels["resourceArn"])
        body = call.body()
        if body.get("tags") is None:
            raise _constraint("tags", None, "Member must not be null")
        group.tags.update(_string_map("tags", body["tags"]))
        return _Reply(204)

    def _untag_resource(self, call: _Call) -> _Reply:
        group = self._group_by_arn(call.labels["resourceArn"])
        keys = [value for key, value in call.record.query if key == "tagKeys"]
        if not keys:
            raise _constraint("tagKeys", None, "Member must not be null")
        for key in keys:
            group.tags.pop(key, None)
        return _Reply(204)

    def _list_tags_for_resource(self, call: _Call) -> _Reply:
        group = self._group_by_arn(call.labels["resourceArn"])
        return _json_reply(200, {"tags": dict(group.tags)})


_AGGREGATIONS = ("P1D", "PT1H", "PT5M")
_ORDERS = ("TimestampAscending", "TimestampDescending")
_METADATA_FIELDS = (
    "AgentId",
    "AwsRequestId",
    "ComputePlatform",
    "ExecutionEnvironment",
    "LambdaFunctionArn",
    "LambdaMemoryLimitInMB",
    "LambdaPreviousExecutionTimeInMilliseconds",
    "LambdaRemainingTimeInMilliseconds",
    "LambdaTimeGapBetweenInvokesInMilliseconds",
)
_PRINCIPAL = re.compile(r"(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|(role|user)/\S+))", re.ASCII)


def _orchestration(value: object, *, required: bool) -> bool | None:
    """``agentOrchestrationConfig.profilingEnabled`` (``None`` if the member is absent)."""
    if value is None:
        if required:
            raise _constraint("agentOrchestrationConfig", None, "Member must not be null")
        return None
    enabled: object = cast(dict[str, Any], value).get("profilingEnabled") if isinstance(value, dict) else None
    if not isinstance(enabled, bool):
        raise _constraint(
            "agentOrchestrationConfig.profilingEnabled", enabled, "Member must not be null"
        )
    return enabled


def _channel(index: int, value: object) -> dict[str, Any]:
    where = f"channels.{index + 1}.member"
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be a Channel object.")
    raw: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
    uri = _text(f"{where}.uri", raw.get("uri"), required=True)
    publishers = _member_list(
        f"{where}.eventPublishers", raw.get("eventPublishers"), required=True, low=1, high=1
    )
    for publisher in publishers:
        _text(f"{where}.eventPublishers.member", publisher, enum=("AnomalyDetection",))
    channel_id = _text(f"{where}.id", raw.get("id"), pattern=_UUID) or str(uuid.uuid4())
    return {"id": channel_id, "uri": uri, "eventPublishers": list(publishers)}


def _action_group(call: _Call) -> str:
    value = _text(
        "actionGroup", call.labels["actionGroup"], required=True, enum=("agentPermissions",)
    )
    assert value is not None
    return value


def _principal(index: int, value: object) -> str:
    principal = _text(f"principals.{index + 1}.member", value, required=True)
    assert principal is not None
    if not _PRINCIPAL.fullmatch(principal):
        raise _invalid(f"Principal {principal!r} is not an account id or an IAM role or user ARN.")
    return principal


def _check_revision(group: ProfilingGroup, given: str | None, *, required: bool) -> None:
    """A policy change names the revision it changes: none for the first one, the
    current one after that; anything else is a ConflictException (as the service's)."""
    if group.revision_id is None and given is None and not required:
        return
    if group.revision_id is None:
        raise ServiceFault(
            "ConflictException",
            f"Profiling group {group.name!r} has no policy, so no revision {given!r}.",
        )
    if given is None:
        raise ServiceFault(
            "ConflictException",
            f"The policy of {group.name!r} exists: give its current revisionId to change it.",
        )
    if given != group.revision_id:
        raise ServiceFault(
            "ConflictException",
            f"The revision id {given!r} is not the current revision of the policy of "
            f"{group.name!r}.",
        )


def _frame_metrics(body: dict[str, Any]) -> list[object]:
    return _member_list("frameMetrics", body.get("frameMetrics"), required=False, low=0, high=100)


def _frame_metric(index: int, value: object) -> dict[str, Any]:
    where = f"frameMetrics.{index + 1}.member"
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be a FrameMetric object.")
    raw: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
    name = _text(f"{where}.frameName", raw.get("frameName"), required=True)
    kind = _text(f"{where}.type", raw.get("type"), required=True, enum=("AggregatedRelativeTotalTime",))
    states = _member_list(
        f"{where}.threadStates", raw.get("threadStates"), required=True, low=0, high=1000
    )
    for state in states:
        _text(f"{where}.threadStates.member", state, required=True)
    return {"frameName": name, "type": kind, "threadStates": list(states)}


def _default_resolution(span: timedelta) -> str:
    """The resolution when the request names none: the server's choice (the service
    documents none), coarser for longer windows so the series stays short."""
    if span > timedelta(days=7):
        return "P1D"
    if span > timedelta(hours=12):
        return "PT1H"
    return "PT5M"


def _share(group: ProfilingGroup, metric: Mapping[str, Any], start: datetime, end: datetime) -> float:
    """The fraction of the period's profiles that mention the frame (0.0 without any)."""
    bodies = [p.plain() for p in group.profiles if start <= p.received_at < end]
    if not bodies:
        return 0.0
    frame = str(metric["frameName"]).encode()
    return sum(1 for body in bodies if frame in body) / len(bodies)


def _recommendations(group: ProfilingGroup, start: datetime, end: datetime) -> list[dict[str, Any]]:
    bodies = [p.plain() for p in group.profiles if start <= p.received_at < end]
    found: list[dict[str, Any]] = []
    for pattern in PATTERNS:
        frame = pattern["targetFrames"][0][0]
        counts = [body.count(frame.encode()) for body in bodies]
        if not any(counts):
            continue
        found.append(
            {
                "allMatchesCount": sum(counts),
                "allMatchesSum": round(100.0 * sum(1 for c in counts if c) / len(bodies), 3),
                "startTime": format_timestamp(start),
                "endTime": format_timestamp(end),
                "pattern": pattern,
                "topMatches": [
                    {
                        "frameAddress": frame,
                        "targetFramesIndex": 0,
                        "thresholdBreachValue": float(max(counts)),
                    }
                ],
            }
        )
    return found


def _anomalies(group: ProfilingGroup, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The anomalies recorded for the group with an instance in the window, one per
    (frame, reason)."""
    by_metric: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for instance in group.anomalies:
        if instance.start >= end or (instance.end is not None and instance.end <= start):
            continue
        wire: dict[str, Any] = {"id": instance.id, "startTime": format_timestamp(instance.start)}
        if instance.end is not None:
            wire["endTime"] = format_timestamp(instance.end)
        if instance.feedback is not None:
            wire["userFeedback"] = {"type": instance.feedback}
        by_metric.setdefault((instance.frame_name, instance.reason), []).append(wire)
    return [
        {
            "instances": instances,
            "metric": {
                "frameName": frame,
                "threadStates": ["RUNNABLE"],
                "type": "AggregatedRelativeTotalTime",
            },
            "reason": reason,
        }
        for (frame, reason), instances in by_metric.items()
    ]


def _reports(group: ProfilingGroup) -> list[tuple[datetime, int]]:
    """The group's daily findings reports, oldest first: one for each UTC day with
    profiles, and the number of patterns its profiles matched."""
    days = sorted({_bucket_start(p.received_at, _PERIODS["P1D"]) for p in group.profiles})
    day = _PERIODS["P1D"]
    return [(d, len(_recommendations(group, d, d + day))) for d in days]


def _report_summary(group: ProfilingGroup, day: datetime, findings: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{group.arn}/{day.date().isoformat()}")),
        "profilingGroupName": group.name,
        "profileStartTime": format_timestamp(day),
        "profileEndTime": format_timestamp(day + _PERIODS["P1D"]),
        "totalNumberOfFindings": findings,
    }


def _route(record: RecordedRequest) -> tuple[str, Handler, dict[str, str]]:
    """The operation, its handler and its URI labels (decoded) for a request."""
    segments = record.raw_path.split("/")[1:]
    for method, pattern, operation, handler in _ROUTES:
        if method != record.method or len(pattern) != len(segments):
            continue
        labels = _match(pattern, segments)
        if labels is not None:
            return operation, handler, labels
    raise ServiceFault(
        "UnknownOperationException", f"No operation for {record.method} {record.raw_path}", 404
    )


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    labels: dict[str, str] = {}
    for want, got in zip(pattern, segments, strict=True):
        if want.startswith("{"):
            if not got:
                return None
            try:
                labels[want[1:-1]] = urllib.parse.unquote(got, errors="strict")
            except UnicodeDecodeError:
                raise _invalid(f"The path segment {got!r} is not UTF-8.") from None
        elif want != got:
            return None
    return labels


_S = CodeGuruProfilerServer
_GROUP = ("profilingGroups", "{profilingGroupName}")
_ROUTES: tuple[tuple[str, tuple[str, ...], str, Handler], ...] = (
    ("POST", ("profilingGroups",), "CreateProfilingGroup", _S._create_profiling_group),  # pyright: ignore[reportPrivateUsage]
    ("GET", ("profilingGroups",), "ListProfilingGroups", _S._list_profiling_groups),  # pyright: ignore[reportPrivateUsage]
    ("GET", _GROUP, "DescribeProfilingGroup", _S._describe_profiling_group),  # pyright: ignore[reportPrivateUsage]
    ("PUT", _GROUP, "UpdateProfilingGroup", _S._update_profiling_group),  # pyright: ignore[reportPrivateUsage]
    ("DELETE", _GROUP, "DeleteProfilingGroup", _S._delete_profiling_group),  # pyright: ignore[reportPrivateUsage]
    ("POST", (*_GROUP, "configureAgent"), "ConfigureAgent", _S._configure_agent),  # pyright: ignore[reportPrivateUsage]
    ("POST", (*_GROUP, "agentProfile"), "PostAgentProfile", _S._post_agent_profile),  # pyright: ignore[reportPrivateUsage]
    ("GET", (*_GROUP, "profile"), "GetProfile", _S._get_profile),  # pyright: ignore[reportPrivateUsage]
    ("GET", (*_GROUP, "profileTimes"), "ListProfileTimes", _S._list_profile_times),  # pyright: ignore[reportPrivateUsage]
    (
        "POST",
        (*_GROUP, "frames", "-", "metrics"),
        "BatchGetFrameMetricData",
        _S._batch_get_frame_metric_data,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "GET",
        (*_GROUP, "notificationConfiguration"),
        "GetNotificationConfiguration",
        _S._get_notification_configuration,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "POST",
        (*_GROUP, "notificationConfiguration"),
        "AddNotificationChannels",
        _S._add_notification_channels,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "DELETE",
        (*_GROUP, "notificationConfiguration", "{channelId}"),
        "RemoveNotificationChannel",
        _S._remove_notification_channel,  # pyright: ignore[reportPrivateUsage]
    ),
    ("GET", (*_GROUP, "policy"), "GetPolicy", _S._get_policy),  # pyright: ignore[reportPrivateUsage]
    ("PUT", (*_GROUP, "policy", "{actionGroup}"), "PutPermission", _S._put_permission),  # pyright: ignore[reportPrivateUsage]
    (
        "DELETE",
        (*_GROUP, "policy", "{actionGroup}"),
        "RemovePermission",
        _S._remove_permission,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "GET",
        ("internal", *_GROUP, "recommendations"),
        "GetRecommendations",
        _S._get_recommendations,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "GET",
        ("internal", *_GROUP, "findingsReports"),
        "ListFindingsReports",
        _S._list_findings_reports,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "POST",
        ("internal", *_GROUP, "anomalies", "{anomalyInstanceId}", "feedback"),
        "SubmitFeedback",
        _S._submit_feedback,  # pyright: ignore[reportPrivateUsage]
    ),
    (
        "GET",
        ("internal", "findingsReports"),
        "GetFindingsReportAccountSummary",
        _S._get_findings_report_account_summary,  # pyright: ignore[reportPrivateUsage]
    ),
    ("POST", ("tags", "{resourceArn}"), "TagResource", _S._tag_resource),  # pyright: ignore[reportPrivateUsage]
    ("GET", ("tags", "{resourceArn}"), "ListTagsForResource", _S._list_tags_for_resource),  # pyright: ignore[reportPrivateUsage]
    ("DELETE", ("tags", "{resourceArn}"), "UntagResource", _S._untag_resource),  # pyright: ignore[reportPrivateUsage]
)
#: The model names of the operations the server implements (all of the service's).
OPERATIONS: Final = frozenset(operation for _, _, operation, _ in _ROUTES)
_OPERATIONS = OPERATIONS


def codeguruprofiler_server(
    **options: Any,
) -> AbstractContextManager[CodeGuruProfilerServer]:
    """Runs a :class:`CodeGuruProfilerServer` (given ``options``) for the ``with``
    block; always stops it."""
    return running(CodeGuruProfilerServer(**options))


def async_codeguruprofiler_server(
    **options: Any,
) -> AbstractAsyncContextManager[CodeGuruProfilerServer]:
    """:func:`codeguruprofiler_server` for async code on asyncio or trio (start and
    stop run in a worker thread, so the event loop is never blocked)."""
    return running_async(CodeGuruProfilerServer(**options))
