"""Interceptors: hooks into every stage of a call, as the AWS SDKs' reference
architecture (smithy-python, the Java v2 and Rust SDKs) names them.

Per call:

1. ``read_before_execution``: once, before the input is validated;
2. per attempt: ``modify_before_signing`` (may add or change headers, or the body),
   ``read_before_transmit`` (the signed request), ``read_after_transmit`` (only when
   a response arrived) and ``read_after_attempt`` (for every attempt that started:
   its output or error, the exception a hook or the credentials ended it with, or
   the cancellation that interrupted it);
3. ``modify_before_completion``: once, may replace the output or the exception
   (not when the call was cancelled: a cancelled call stays cancelled);
4. ``read_after_execution``: once, always, whatever happened before (a cancellation
   included).

The hooks before the request is sent run in the order the interceptors were given;
those after it (``read_after_transmit`` on) in the reverse order, as the Java SDK runs
them: the first interceptor is the outermost, so what it starts first it ends last
(an OpenTelemetry span, a context it attached).

An exception a hook raises ends the call with that exception (it is not retried: an
exception of the caller's class as it is, an awsmith error as the call's copy, named
and with the attempts made: see :class:`~awsmith.AwsmithError`); the attempt's
``read_after_attempt`` (if an attempt had started) and the completion hooks still run
and see it as ``context.response``. Every interceptor's
``read_*`` hook of a stage runs even if another one's raised (so what one interceptor
starts, its own ``read_after_execution`` can always end), and the call ends with the
last exception; the ``modify_*`` hooks stop at the first (the reference
architecture's rule). docs/observability.md has the table of every case, which
tests/unit/test_interceptor_table.py checks against smithy-python's pipeline. Hooks
are plain functions, called on the event loop: they must not block.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from awsmith._core.errors import ConfigurationError, raise_as_is
from awsmith._core.transport.http import TransportResponse
from awsmith._core.validation import NOT_HEADER_TEXT

if TYPE_CHECKING:
    from attrs import define, field, frozen
else:
    from awsmith._core.lazyclass import define, field, frozen

_log = logging.getLogger("awsmith.client")


@define(eq=False)
class TransportRequest:
    """An HTTP request as awsmith sends it. ``modify_before_signing`` may change
    ``headers`` (names are sent as given) and ``body``; its method and URL are fixed."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes


@define(eq=False)
class InterceptorContext:
    """What a hook knows about the call. One context serves a whole call: each stage
    fills in what it learns, and ``None`` means not known (yet) at this hook.

    Attributes:
        operation_name: The operation, as the API reference names it (``DescribeCases``).
        service_id: The service's id (``Support``, ``CodeGuruProfiler``).
        request: The typed input of the call.
        transport_request: The HTTP request of the current attempt: before signing in
            ``modify_before_signing``, as sent (with ``Authorization``) from
            ``read_before_transmit`` on.
        transport_response: The HTTP response of the current attempt, if one arrived.
        response: The typed output, or the exception, of the attempt
            (``read_after_attempt``) or the call (the completion hooks).
        attempt: The attempt number, from 1; ``None`` before the first attempt.
        properties: Free for interceptors to keep state of this call in (key it by
            something the interceptor owns, such as the interceptor itself).
    """

    operation_name: str
    service_id: str
    request: Any
    transport_request: TransportRequest | None = None
    transport_response: TransportResponse | None = None
    response: Any = None
    attempt: int | None = None
    properties: dict[object, Any] = field(factory=dict[object, Any])


class Interceptor:
    """Base class of interceptors: every hook does nothing. Override the ones needed."""

    def read_before_execution(self, context: InterceptorContext) -> None:
        """Once per call, first: ``request`` is known."""

    def modify_before_signing(self, context: InterceptorContext) -> TransportRequest:
        """Each attempt, before signing: returns the request to sign and send (the one
        given, changed or not, or a new one with the same method and URL). Headers
        added here are signed, except those botocore never signs either
        (``X-Amzn-Trace-Id``, ``traceparent``, ``tracestate``, ``baggage``, ``Expect``:
        :data:`UNSIGNED_HEADERS`)."""
        request = context.transport_request
        assert request is not None  # always set at this hook
        return request

    def read_before_transmit(self, context: InterceptorContext) -> None:
        """Each attempt, after signing: ``transport_request`` is what will be sent."""

    def read_after_transmit(self, context: InterceptorContext) -> None:
        """Each attempt that got a response: ``transport_response`` holds it."""

    def read_after_attempt(self, context: InterceptorContext) -> None:
        """Each attempt, last: ``response`` is its output or its exception."""

    def modify_before_completion(self, context: InterceptorContext) -> Any:
        """Once per call: returns the output or the exception the call ends with
        (``context.response`` to change nothing)."""
        return context.response

    def read_after_execution(self, context: InterceptorContext) -> None:
        """Once per call, last, whatever happened: ``response`` is the output or the
        exception the call ends with."""


def checked_interceptors(value: object) -> tuple[Interceptor, ...]:
    """The constructor's ``interceptors``, checked: a clear error for anything else."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ConfigurationError(
            f"interceptors must be a sequence of awsmith.Interceptor, got {type(value).__name__}"
        )
    items: tuple[object, ...] = tuple(cast(Iterable[object], value))
    for index, item in enumerate(items):
        kind: str = type(item).__name__
        if isinstance(item, type) and issubclass(item, Interceptor):
            raise ConfigurationError(
                f"interceptors[{index}] is the class {item.__name__}: pass an instance, "
                f"{item.__name__}()"
            )
        if not isinstance(item, Interceptor):
            raise ConfigurationError(
                f"interceptors[{index}] must be an awsmith.Interceptor, got {kind}"
            )
    return cast(tuple[Interceptor, ...], items)


@frozen
class StageHooks:
    """A client's interceptors, by stage: only those that override the stage's hook,
    in the order they run (a stage no interceptor overrides costs nothing)."""

    read_before_execution: tuple[Interceptor, ...]
    modify_before_signing: tuple[Interceptor, ...]
    read_before_transmit: tuple[Interceptor, ...]
    read_after_transmit: tuple[Interceptor, ...]
    read_after_attempt: tuple[Interceptor, ...]
    modify_before_completion: tuple[Interceptor, ...]
    read_after_execution: tuple[Interceptor, ...]


#: The stages after the request is sent run the interceptors in reverse order.
_REVERSED = frozenset(
    {"read_after_transmit", "read_after_attempt", "modify_before_completion",
     "read_after_execution"}
)


def hooks_of(interceptors: tuple[Interceptor, ...]) -> StageHooks | None:
    """The interceptors by stage; None without interceptors (the plain call path)."""
    if not interceptors:
        return None
    import attrs  # here: a client without interceptors needs none

    stages: dict[str, tuple[Interceptor, ...]] = {}
    for member in attrs.fields(StageHooks):
        stage = member.name
        base = getattr(Interceptor, stage)
        chosen = tuple(i for i in interceptors if getattr(type(i), stage) is not base)
        stages[stage] = chosen[::-1] if stage in _REVERSED else chosen
    return StageHooks(**stages)


#: A header field name (RFC 9110 section 5.1: a token).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HOP_BY_HOP_REASON = (
    "is hop-by-hop (RFC 9110 section 7.6.1): a proxy drops or changes it, and the "
    "sender manages the connection; interceptors may not set it"
)
_PROXY_REASON = (
    "is meant for the next proxy only (RFC 9110 section 11.7): a proxy consumes it, and "
    "the sender authenticates to Config.proxies itself; interceptors may not set it"
)
#: Why a hook may not set a header, by its lower-case name (and any name starting
#: ``proxy-``: :data:`_PROXY_REASON`).
_RESERVED = {
    name: "is set by awsmith's signer and sender, not by interceptors"
    for name in ("authorization", "host", "x-amz-date", "x-amz-security-token",
                 "content-length", "transfer-encoding")
} | {
    "user-agent": "is set by awsmith: add to it with Config.user_agent_extra",
    # RFC 9110 section 7.6.1 names these hop-by-hop (and Transfer-Encoding, above).
    **dict.fromkeys(
        ("connection", "keep-alive", "proxy-connection", "te", "upgrade"), _HOP_BY_HOP_REASON
    ),
    "trailer": (
        "announces trailer fields (RFC 9110 section 6.6.2), and awsmith's requests have "
        "none; interceptors may not set it"
    ),
    "http2-settings": (
        "belongs to the h2c upgrade (RFC 7540 section 3.2.1; deprecated by RFC 9113 "
        "section 3.1), connection-specific like Upgrade; interceptors may not set it"
    ),
}

#: What botocore never signs (its ``SIGNED_HEADERS_BLACKLIST``: 1.29.61, the oldest
#: supported, has ``expect``, ``user-agent`` and ``x-amzn-trace-id``; later releases
#: add the hop-by-hop and W3C trace-context ones), with ``traceparent``, ``tracestate``
#: and ``baggage`` whatever botocore is installed: tracers, proxies and load balancers
#: add or rewrite them on the way (X-Ray appends to ``X-Amzn-Trace-Id``), which would
#: break a signature that covered them. A mirror of botocore's list, which the tests
#: hold to it: most of these are refused (:data:`_RESERVED`) before they could be
#: signed, and only :data:`UNSIGNED_HEADERS` can reach the signer.
NEVER_SIGNED = frozenset(
    {"expect", "user-agent", "x-amzn-trace-id", "traceparent", "tracestate", "baggage",
     "transfer-encoding", "proxy-authenticate", "proxy-authorization", "connection",
     "keep-alive", "te", "trailer", "upgrade"}
)


def _refusal(lower: str) -> str | None:
    """Why a hook may not set the header ``lower`` (a lower-case name), or None. A name
    with ``_`` is refused like the one with ``-`` it reads as where both are the same
    (CGI and WSGI servers make ``HTTP_PROXY_AUTHORIZATION`` of either, RFC 3875
    section 4.1.18): ``Proxy_Authorization`` would pass for ``Proxy-Authorization``."""
    canonical = lower.replace("_", "-")
    reason = _RESERVED.get(canonical)
    if reason is None and canonical.startswith("proxy-"):
        reason = _PROXY_REASON
    if reason is None or canonical == lower:
        return reason
    return (
        f"reads as {canonical} where _ and - are the same (CGI and WSGI servers, RFC 3875 "
        f"section 4.1.18), and {canonical} {reason}"
    )


#: The headers an interceptor may add that are sent unsigned: those of
#: :data:`NEVER_SIGNED` it is not refused (``Expect`` and the tracing headers).
UNSIGNED_HEADERS = frozenset(name for name in NEVER_SIGNED if _refusal(name) is None)


def split_unsigned(headers: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``headers`` as (the ones to sign, the ones sent unsigned: :data:`UNSIGNED_HEADERS`).
    Only hooks add those, so only a call with ``modify_before_signing`` hooks pays this."""
    unsigned = {name: value for name, value in headers.items() if name.lower() in UNSIGNED_HEADERS}
    if not unsigned:
        return headers, unsigned
    return {name: value for name, value in headers.items() if name not in unsigned}, unsigned


def run_each(hooks: tuple[Interceptor, ...], stage: str, context: InterceptorContext) -> None:
    """Runs ``stage`` of every interceptor, even after one raised; raises the last
    exception (an earlier one is logged, as it is replaced)."""
    error: Exception | None = None
    raised_by: Interceptor | None = None
    for hook in hooks:
        try:
            getattr(hook, stage)(context)
        except Exception as exc:
            if error is not None:
                _log.warning(
                    "%s: %s.%s raised %s, replaced by a later interceptor's exception",
                    context.operation_name, type(raised_by).__name__, stage,
                    type(error).__name__,
                )
            error, raised_by = exc, hook
    if error is not None:
        raise_as_is(error)  # with its own context, not what is handled here


def modified_request(
    hooks: tuple[Interceptor, ...], context: InterceptorContext
) -> TransportRequest:
    """Runs every ``modify_before_signing`` and checks what each returns. Error
    messages name the interceptor and the header, never a header's value (it may be a
    secret, and errors reach logs and traces)."""
    original = context.transport_request
    assert original is not None
    # A snapshot: a hook may change the request it is given in place, and the URL
    # signed and sent must still be the one the serializer and the endpoint made.
    method, url = original.method, original.url
    for hook in hooks:
        request = hook.modify_before_signing(context)
        where = f"{type(hook).__name__}.modify_before_signing"
        if not isinstance(request, TransportRequest):  # pyright: ignore[reportUnnecessaryIsInstance]  # hooks may return anything
            raise ConfigurationError(
                f"{where} must return an awsmith.TransportRequest, got {type(request).__name__}"
            )
        if request.method != method or request.url != url:
            raise ConfigurationError(
                f"{where} changed the request's method or URL "
                f"({request.method} {request.url}): only headers and the body may change"
            )
        if not isinstance(request.body, bytes):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError(
                f"{where}: the body must be bytes, got {type(request.body).__name__}"
            )
        seen: dict[str, str] = {}
        for name, value in request.headers.items():
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise ConfigurationError(f"{where}: {name!r} is not a valid header name")
            lower = name.lower()
            refused = _refusal(lower)
            if refused is not None:
                raise ConfigurationError(f"{where}: the {name} header {refused}")
            if lower in seen:
                raise ConfigurationError(
                    f"{where}: the {name} header is also given as {seen[lower]} (header names "
                    "are case-insensitive: change the one the request has)"
                )
            seen[lower] = name
            if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise ConfigurationError(
                    f"{where}: the value of the {name} header must be a str, "
                    f"got {type(value).__name__}"
                )
            bad = NOT_HEADER_TEXT.search(value)
            if bad is not None:
                raise ConfigurationError(
                    f"{where}: the value of the {name} header may hold only visible ASCII, "
                    f"spaces and tabs; it has {bad.group()!r} at position {bad.start()}"
                )
        context.transport_request = request
        original = request
    return original
