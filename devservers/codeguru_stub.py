"""An in-memory Amazon CodeGuru Profiler server on 127.0.0.1, speaking restJson1.

No third-party server emulates CodeGuru Profiler, so this one implements the wire of the
operations the demo and the integration tests use, as ``models/codeguruprofiler.json``
describes them: CreateProfilingGroup, DescribeProfilingGroup, ListProfilingGroups,
DeleteProfilingGroup, PostAgentProfile, GetProfile, ListProfileTimes,
GetRecommendations, TagResource, UntagResource and ListTagsForResource.

It checks every request's SigV4 signature (for the key pair it was given), answers with
rest-json errors (``x-amzn-ErrorType`` header, JSON ``{"message": ...}`` body, an
``x-amzn-RequestId`` header) and records every request exactly as it arrived (method,
raw path, raw query, headers, body) so tests can assert on the wire.

The server runs aiohttp in a background thread with its own event loop, so it can be
used from synchronous code (``with codeguru_stub() as stub:``) and from async code on
asyncio or trio (``async with async_codeguru_stub() as stub:``) alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import re
import threading
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from devservers.sigv4 import sigv4_problem

HOST = "127.0.0.1"
SERVICE = "codeguru-profiler"
#: The key pair the stub accepts unless it is given another one.
FAKE_ACCESS_KEY_ID = "AKIASTUBCODEGURU0000"
FAKE_SECRET_ACCESS_KEY = "codeguru-stub-fake-secret-access-key"
DEFAULT_ACCOUNT_ID = "123456789012"

_NAME_RE = re.compile(r"^[\w-]+$")
_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.codeguruprofiler/"
_PERIODS = {"PT5M": timedelta(minutes=5), "PT1H": timedelta(hours=1), "P1D": timedelta(days=1)}
_PROFILE_TYPES = ("application/json", "application/x-amzn-ion")
_MAX_BODY = 16 * 1024 * 1024

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
    received_at: datetime
    content_type: str
    body: bytes
    content_encoding: str | None = None


@dataclass
class ProfilingGroup:
    name: str
    arn: str
    compute_platform: str
    profiling_enabled: bool
    created_at: datetime
    updated_at: datetime
    client_token: str
    tags: dict[str, str] = field(default_factory=dict)
    profiles: list[StoredProfile] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        status: dict[str, Any] = {}
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


class ServiceFault(Exception):
    """Raised by a handler to answer with a rest-json error."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message


def _not_found(name: str) -> ServiceFault:
    return ServiceFault(
        "ResourceNotFoundException", 404, f"Profiling group {name!r} does not exist."
    )


def _invalid(message: str) -> ServiceFault:
    return ServiceFault("ValidationException", 400, message)


def _bucket_start(moment: datetime, period: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // period) * period


def _parse_time(name: str, raw: str | None, *, required: bool) -> datetime | None:
    if raw is None or raw == "":
        if required:
            raise _invalid(f"{name} is required.")
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _invalid(f"{name} {raw!r} is not an ISO-8601 timestamp.") from None
    if value.tzinfo is None:
        raise _invalid(f"{name} {raw!r} has no time zone.")
    return value.astimezone(UTC)


def _parse_int(name: str, raw: str | None, low: int, high: int, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise _invalid(f"{name} must be an integer in [{low}, {high}], got {raw!r}.")
    return int(raw)


class _Call:
    """What a handler sees: the decoded parts of one request."""

    def __init__(self, record: RecordedRequest, labels: dict[str, str]) -> None:
        self.record = record
        self.labels = labels
        self.params: dict[str, str] = {}
        for key, value in record.query:
            self.params.setdefault(key, value)

    def json_body(self) -> dict[str, Any]:
        if not self.record.body:
            return {}
        try:
            value = json.loads(self.record.body)
        except ValueError:
            raise ServiceFault("SerializationException", 400, "The body is not JSON.") from None
        if not isinstance(value, dict):
            raise ServiceFault("SerializationException", 400, "The body is not a JSON object.")
        return value


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def _json_reply(status: int, value: Any) -> _Reply:
    return _Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json"})


Handler = Callable[["CodeGuruStub", _Call], _Reply]


class CodeGuruStub:
    """The server. Use :func:`codeguru_stub` / :func:`async_codeguru_stub` to run one."""

    def __init__(
        self,
        *,
        access_key_id: str = FAKE_ACCESS_KEY_ID,
        secret_access_key: str = FAKE_SECRET_ACCESS_KEY,
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
        check_signatures: bool = True,
    ) -> None:
        self.host = HOST
        self.port = 0
        self.region = region
        self.account_id = account_id
        self.check_signatures = check_signatures
        self._keys = {access_key_id: secret_access_key}
        self._lock = threading.Lock()
        self._groups: dict[str, ProfilingGroup] = {}
        self._requests: list[RecordedRequest] = []
        self._tokens: dict[str, dict[str, Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # -- test-facing API ------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def arn_of(self, name: str) -> str:
        return f"arn:aws:codeguru-profiler:{self.region}:{self.account_id}:profilingGroup/{name}"

    def stored_profiles(self, name: str) -> list[StoredProfile]:
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
        history that PostAgentProfile, which stamps "now", cannot create)."""
        with self._lock:
            group = self._groups.get(name)
            if group is None:
                raise KeyError(name)
            group.profiles.append(
                StoredProfile(received_at.astimezone(UTC), content_type, body, content_encoding)
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
        self._thread = threading.Thread(target=run, name="codeguru-stub", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the CodeGuru stub did not start")
        if failure:
            self._thread.join()
            self._thread = None
            raise RuntimeError("the CodeGuru stub did not start") from failure[0]

    async def _serve(self) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        self._runner = runner
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self.port = runner.addresses[0][1]

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
        operation = ""
        try:
            if self.check_signatures:
                problem = sigv4_problem(record, self._keys, service=SERVICE)
                if problem is not None:
                    raise ServiceFault(problem[0], 403, problem[1])
            elif not request.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
                raise ServiceFault(
                    "MissingAuthenticationTokenException", 403, "Missing Authentication Token"
                )
            operation, handler, labels = self._route(record)
            with self._lock:
                reply = handler(self, _Call(record, labels))
        except ServiceFault as fault:
            # Authentication failures come from the front door, without the service's
            # namespace suffix; the service's own errors carry it.
            suffix = "" if fault.status == 403 else _ERROR_SUFFIX
            reply = _Reply(
                fault.status,
                json.dumps({"message": fault.message}).encode(),
                {"Content-Type": "application/json", "x-amzn-ErrorType": fault.code + suffix},
            )
        with self._lock:
            self._requests.append(
                dataclasses.replace(record, status=reply.status, operation=operation)
            )
        response = web.Response(status=reply.status, body=reply.body or None)
        for name, value in reply.headers.items():
            response.headers[name] = value
        response.headers["x-amzn-RequestId"] = request_id
        return response

    def _route(self, record: RecordedRequest) -> tuple[str, Handler, dict[str, str]]:
        segments = record.raw_path.split("/")[1:]
        for method, pattern, operation, handler in _ROUTES:
            if method != record.method or len(pattern) != len(segments):
                continue
            labels: dict[str, str] = {}
            for want, got in zip(pattern, segments, strict=True):
                if want.startswith("{"):
                    if not got:
                        break
                    try:
                        labels[want[1:-1]] = urllib.parse.unquote(got, errors="strict")
                    except UnicodeDecodeError:
                        raise _invalid(f"The path segment {got!r} is not UTF-8.") from None
                elif want != got:
                    break
            else:
                return operation, handler, labels
        raise ServiceFault(
            "UnknownOperationException", 404, f"No operation for {record.method} {record.raw_path}"
        )

    # -- operations (called with the lock held) --------------------------------------

    def _encode_token(self, state: dict[str, Any]) -> str:
        """An opaque token (32 hex digits, as the model's ``^[\\w-]+$``, max 64, allows)
        naming pagination state the server keeps."""
        token = uuid.uuid4().hex
        self._tokens[token] = state
        return token

    def _decode_token(self, raw: str, kind: str) -> dict[str, Any]:
        state = self._tokens.get(raw)
        if state is None or state.get("kind") != kind:
            raise _invalid(f"The nextToken {raw!r} is invalid.")
        return state

    def _group(self, name: str) -> ProfilingGroup:
        group = self._groups.get(name)
        if group is None:
            raise _not_found(name)
        return group

    def _create_profiling_group(self, call: _Call) -> _Reply:
        token = call.params.get("clientToken")
        if not token:
            raise _invalid("clientToken is required.")
        body = call.json_body()
        name = body.get("profilingGroupName")
        if not isinstance(name, str) or not 1 <= len(name) <= 255 or not _NAME_RE.match(name):
            raise _invalid(f"profilingGroupName {name!r} must match ^[\\w-]+$ (1-255 chars).")
        platform = body.get("computePlatform", "Default")
        if platform not in ("Default", "AWSLambda"):
            raise _invalid(f"computePlatform {platform!r} is not one of Default, AWSLambda.")
        tags = body.get("tags", {})
        if not isinstance(tags, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
        ):
            raise _invalid("tags must map strings to strings.")
        existing = self._groups.get(name)
        if existing is not None:
            if existing.client_token == token:
                return _json_reply(201, existing.describe())
            raise ServiceFault(
                "ConflictException", 409, f"A profiling group named {name!r} already exists."
            )
        config = body.get("agentOrchestrationConfig") or {"profilingEnabled": True}
        now = datetime.now(UTC)
        group = ProfilingGroup(
            name=name,
            arn=self.arn_of(name),
            compute_platform=platform,
            profiling_enabled=bool(config.get("profilingEnabled", True)),
            created_at=now,
            updated_at=now,
            client_token=token,
            tags=dict(tags),
        )
        self._groups[name] = group
        return _json_reply(201, group.describe())

    def _describe_profiling_group(self, call: _Call) -> _Reply:
        return _json_reply(200, self._group(call.labels["profilingGroupName"]).describe())

    def _delete_profiling_group(self, call: _Call) -> _Reply:
        name = call.labels["profilingGroupName"]
        self._group(name)
        del self._groups[name]
        return _Reply(204)

    def _list_profiling_groups(self, call: _Call) -> _Reply:
        limit = _parse_int("maxResults", call.params.get("maxResults"), 1, 1000, 100)
        include = call.params.get("includeDescription", "false")
        if include not in ("true", "false"):
            raise _invalid(f"includeDescription must be true or false, got {include!r}.")
        names = sorted(self._groups)
        raw_token = call.params.get("nextToken")
        if raw_token is not None:
            after = self._decode_token(raw_token, "groups").get("after")
            names = [n for n in names if isinstance(after, str) and n > after]
        page, rest = names[:limit], names[limit:]
        result: dict[str, Any] = {"profilingGroupNames": page}
        if include == "true":
            result["profilingGroups"] = [self._groups[n].describe() for n in page]
        if rest:
            result["nextToken"] = self._encode_token({"kind": "groups", "after": page[-1]})
        return _json_reply(200, result)

    def _post_agent_profile(self, call: _Call) -> _Reply:
        group = self._group(call.labels["profilingGroupName"])
        content_type = call.record.headers.get("Content-Type", "")
        if content_type not in _PROFILE_TYPES:
            raise _invalid(
                f"Content-Type {content_type!r} is not one of {', '.join(_PROFILE_TYPES)}."
            )
        if not call.record.body:
            raise _invalid("The agent profile is empty.")
        encoding = "gzip" if call.record.body[:2] == b"\x1f\x8b" else None
        group.profiles.append(
            StoredProfile(datetime.now(UTC), content_type, call.record.body, encoding)
        )
        return _Reply(204)

    def _window(self, call: _Call, *, required: bool) -> tuple[datetime | None, datetime | None]:
        start = _parse_time("startTime", call.params.get("startTime"), required=required)
        end = _parse_time("endTime", call.params.get("endTime"), required=required)
        if start is not None and end is not None and start >= end:
            raise _invalid("startTime must be before endTime.")
        return start, end

    def _get_profile(self, call: _Call) -> _Reply:
        group = self._group(call.labels["profilingGroupName"])
        start, end = self._window(call, required=False)
        period = call.params.get("period")
        if period is not None and period not in _PERIODS:
            raise _invalid(f"period {period!r} is not one of {', '.join(_PERIODS)}.")
        if start is not None and end is None and period is None:
            raise _invalid("With startTime, give endTime or period.")
        if start is not None and end is None and period is not None:
            end = start + _PERIODS[period]
        if "maxDepth" in call.params:
            _parse_int("maxDepth", call.params["maxDepth"], 1, 10000, 1)
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
                404,
                f"No profile of type {accept or 'any'} for {group.name!r} in the requested window.",
            )
        latest = max(profiles, key=lambda p: p.received_at)
        headers = {"Content-Type": latest.content_type}
        if latest.content_encoding:
            headers["Content-Encoding"] = latest.content_encoding
        return _Reply(200, latest.body, headers)

    def _list_profile_times(self, call: _Call) -> _Reply:
        group = self._group(call.labels["profilingGroupName"])
        start, end = self._window(call, required=True)
        assert start is not None and end is not None
        period = call.params.get("period")
        if period not in _PERIODS:
            raise _invalid(f"period {period!r} is not one of {', '.join(_PERIODS)}.")
        order = call.params.get("orderBy", "TimestampDescending")
        if order not in ("TimestampAscending", "TimestampDescending"):
            raise _invalid(f"orderBy {order!r} is not TimestampAscending or TimestampDescending.")
        limit = _parse_int("maxResults", call.params.get("maxResults"), 1, 1000, 100)
        starts = sorted(
            {
                _bucket_start(p.received_at, _PERIODS[period])
                for p in group.profiles
                if start <= p.received_at < end
            },
            reverse=order == "TimestampDescending",
        )
        offset = 0
        raw_token = call.params.get("nextToken")
        if raw_token is not None:
            offset = self._decode_token(raw_token, "times").get("offset", -1)
            if not isinstance(offset, int) or offset < 0:
                raise _invalid(f"The nextToken {raw_token!r} is invalid.")
        page = starts[offset : offset + limit]
        result: dict[str, Any] = {"profileTimes": [{"start": format_timestamp(s)} for s in page]}
        if offset + limit < len(starts):
            result["nextToken"] = self._encode_token({"kind": "times", "offset": offset + limit})
        return _json_reply(200, result)

    def _get_recommendations(self, call: _Call) -> _Reply:
        group = self._group(call.labels["profilingGroupName"])
        start, end = self._window(call, required=True)
        assert start is not None and end is not None
        bodies = [_plain(p) for p in group.profiles if start <= p.received_at < end]
        recommendations = []
        for pattern in PATTERNS:
            frame = pattern["targetFrames"][0][0]
            counts = [body.count(frame.encode()) for body in bodies]
            if not any(counts):
                continue
            total = sum(counts)
            recommendations.append(
                {
                    "allMatchesCount": total,
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
        return _json_reply(
            200,
            {
                "profilingGroupName": group.name,
                "profileStartTime": format_timestamp(start),
                "profileEndTime": format_timestamp(end),
                "recommendations": recommendations,
                "anomalies": [],
            },
        )

    def _group_by_arn(self, arn: str) -> ProfilingGroup:
        for group in self._groups.values():
            if group.arn == arn:
                return group
        raise ServiceFault("ResourceNotFoundException", 404, f"No resource with ARN {arn!r}.")

    def _tag_resource(self, call: _Call) -> _Reply:
        group = self._group_by_arn(call.labels["resourceArn"])
        tags = call.json_body().get("tags")
        if not isinstance(tags, dict) or not tags:
            raise _invalid("tags is required.")
        group.tags.update({str(k): str(v) for k, v in tags.items()})
        return _Reply(204)

    def _untag_resource(self, call: _Call) -> _Reply:
        group = self._group_by_arn(call.labels["resourceArn"])
        keys = [value for key, value in call.record.query if key == "tagKeys"]
        if not keys:
            raise _invalid("tagKeys is required.")
        for key in keys:
            group.tags.pop(key, None)
        return _Reply(204)

    def _list_tags_for_resource(self, call: _Call) -> _Reply:
        group = self._group_by_arn(call.labels["resourceArn"])
        return _json_reply(200, {"tags": dict(group.tags)})


def _plain(profile: StoredProfile) -> bytes:
    if profile.content_encoding == "gzip":
        try:
            return gzip.decompress(profile.body)
        except (OSError, EOFError):
            return b""
    return profile.body


_ROUTES: tuple[tuple[str, tuple[str, ...], str, Handler], ...] = (
    ("POST", ("profilingGroups",), "CreateProfilingGroup", CodeGuruStub._create_profiling_group),
    ("GET", ("profilingGroups",), "ListProfilingGroups", CodeGuruStub._list_profiling_groups),
    (
        "GET",
        ("profilingGroups", "{profilingGroupName}"),
        "DescribeProfilingGroup",
        CodeGuruStub._describe_profiling_group,
    ),
    (
        "DELETE",
        ("profilingGroups", "{profilingGroupName}"),
        "DeleteProfilingGroup",
        CodeGuruStub._delete_profiling_group,
    ),
    (
        "POST",
        ("profilingGroups", "{profilingGroupName}", "agentProfile"),
        "PostAgentProfile",
        CodeGuruStub._post_agent_profile,
    ),
    (
        "GET",
        ("profilingGroups", "{profilingGroupName}", "profile"),
        "GetProfile",
        CodeGuruStub._get_profile,
    ),
    (
        "GET",
        ("profilingGroups", "{profilingGroupName}", "profileTimes"),
        "ListProfileTimes",
        CodeGuruStub._list_profile_times,
    ),
    (
        "GET",
        ("internal", "profilingGroups", "{profilingGroupName}", "recommendations"),
        "GetRecommendations",
        CodeGuruStub._get_recommendations,
    ),
    ("POST", ("tags", "{resourceArn}"), "TagResource", CodeGuruStub._tag_resource),
    ("GET", ("tags", "{resourceArn}"), "ListTagsForResource", CodeGuruStub._list_tags_for_resource),
    ("DELETE", ("tags", "{resourceArn}"), "UntagResource", CodeGuruStub._untag_resource),
)


@contextmanager
def codeguru_stub(**options: Any) -> Iterator[CodeGuruStub]:
    """Runs a :class:`CodeGuruStub` for the ``with`` block; always stops it."""
    stub = CodeGuruStub(**options)
    try:
        stub.start()
        yield stub
    finally:
        stub.stop()


@asynccontextmanager
async def async_codeguru_stub(**options: Any) -> AsyncIterator[CodeGuruStub]:
    """:func:`codeguru_stub` for async code on asyncio or trio (start/stop in a thread)."""
    import anyio
    import anyio.to_thread

    stub = CodeGuruStub(**options)
    try:
        await anyio.to_thread.run_sync(stub.start)
        yield stub
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(stub.stop)


__all__ = [
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "PATTERNS",
    "CodeGuruStub",
    "RecordedRequest",
    "StoredProfile",
    "async_codeguru_stub",
    "codeguru_stub",
    "format_timestamp",
    "sigv4_problem",
]
