"""The call: what happens between a generated method and the service's answer.

A generated method calls :meth:`CallPipeline._invoke`; from there each stage is one
method, in the order they run (smithy-python's ``RequestPipeline``):

- :meth:`~CallPipeline._invoke`: with interceptors, :meth:`~CallPipeline._intercepted`
  (``read_before_execution`` ... ``read_after_execution`` around the call);
- :meth:`~CallPipeline._call`: validate, serialize, the client made ready at its first
  call (endpoint: :mod:`awsmith._core.endpoint_settings`; retries, compression, User-Agent:
  :mod:`awsmith._core.settled`; connections: :mod:`awsmith._core.settings`), compress,
  where the request goes, then the attempts within ``call_timeout``;
- :meth:`~CallPipeline._attempts`: the retry loop; :meth:`~CallPipeline._decide_retry`
  is where the retry decision is made (quota, backoff, clock-skew correction);
- :meth:`~CallPipeline._attempt`: one attempt: :meth:`~CallPipeline._start_attempt`,
  credentials, :meth:`~CallPipeline._sign`, the sender,
  :meth:`~CallPipeline._handle_response` (parse, or the service's error).

Each interceptor hook runs where its name is written below (``run_each(hooks.X, ...)``
or ``modified_request(hooks.X, ...)``); :mod:`awsmith._core.interceptors` gives their
order and error rules. A :class:`Call` carries one call's state from stage to stage.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from awsmith._core import aio
from awsmith._core.adaptive import AdaptiveRateLimiter
from awsmith._core.call import Call, Ready
from awsmith._core.compression import gzip_request
from awsmith._core.config import Config
from awsmith._core.credentials import Credentials
from awsmith._core.endpoints import Endpoint, join_path, resolve_endpoint, split_endpoint
from awsmith._core.errors import (
    AwsmithError,
    ClientClosedError,
    ConfigurationError,
    ResponseParseError,
    ServiceError,
    for_call,
    raise_as_is,
)
from awsmith._core.interceptors import (
    InterceptorContext,
    StageHooks,
    TransportRequest,
    modified_request,
    run_each,
    split_unsigned,
)
from awsmith._core.metadata import ResponseMetadata, read_only
from awsmith._core.operation import Operation, SerializedRequest, ServiceInfo, uuid4_text
from awsmith._core.retry import RetryQuota, is_retryable, is_throttling, plan_retry
from awsmith._core.signing import (
    SigV4Signer,
    encode_query,
    payload_sha256,
    render_query,
)
from awsmith._core.transport.http import Timeouts, TransportResponse, request_id_of
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.useragent import lambda_trace_id

In = TypeVar("In")
Out = TypeVar("Out")

#: A handler that takes a client's calls instead of its pipeline (a test's stub).
Invoke = Callable[[Operation[Any, Any], Any], Awaitable[Any]]

#: One DEBUG record per attempt and per backoff, a WARNING when the retry quota runs
#: out. Records name operations, attempts, statuses, error classes and request ids:
#: never a header, a credential or a body.
_log = logging.getLogger("awsmith.client")


#: Error codes of a signature rejected because the client's clock is off.
CLOCK_SKEW_CODES = frozenset(
    {
        "RequestTimeTooSkewed",
        "RequestExpired",
        "RequestInTheFuture",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
    }
)
SKEW_TOLERANCE = timedelta(minutes=4)


def invocation_id() -> str:
    """A random (version 4) UUID, as botocore's ``amz-sdk-invocation-id``. It only ties
    the attempts of a call together, so it comes from ``random`` rather than
    ``os.urandom``: 1.4 instead of 3.6 us a call (``uuid.uuid4()``, timeit)."""
    return uuid4_text(random.getrandbits(128))


def _outcome(error: AwsmithError) -> str:
    """An error as a log record names it: its class, and its code and status if any."""
    if isinstance(error, ServiceError):
        return f"{type(error).__name__} ({error.code}, HTTP {error.status_code})"
    return type(error).__name__


def running_loop(client: object) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigurationError(
            f"this {type(client).__name__} was first used under asyncio; it cannot be used "
            "under another async library (create a client under each)"
        ) from None


class CallPipeline:
    """The call pipeline of :class:`~awsmith._core.client.BaseClient` (its base): the
    stages of a call, reading the client's settings and resolved state below, which
    the client sets (see ``BaseClient._start``)."""

    _service: ServiceInfo
    config: Config
    _closed: bool
    _hooks: StageHooks | None
    _timeouts: Timeouts
    _user_agent: str
    #: Request compression: (disabled, minimum size), as the client settled them.
    _compression: tuple[bool, int]
    _quota: RetryQuota
    _max_attempts: int
    _limiter: AdaptiveRateLimiter | None
    _ready: Ready | None
    #: Where the calls go instead of this pipeline, when a test says so (the
    #: ``awsmith.testing.Stubber``'s seam: ``BaseClient._route_calls``).
    _stub: Invoke | None

    async def _prepare(self) -> Ready:
        """The client's resolved state, resolved at its first call (the client's)."""
        raise NotImplementedError

    def _rebind(self, ready: Ready, sender: ConnectionPool) -> None:
        """The client's connections moved to the running event loop (the client's)."""
        raise NotImplementedError

    def _usable(self, ready: Ready) -> Ready:
        """``ready``, once the client is known to be open and its connections to be on
        the running event loop (:meth:`_rebind` if they were another's)."""
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        sender = ready.sender
        if type(sender) is ConnectionPool and sender.loop is not running_loop(self):
            self._rebind(ready, sender)
        return ready

    async def _invoke(self, operation: Operation[In, Out], request: In) -> Out:
        """What every generated method calls: the call, through the interceptors if the
        client has some (or to the handler a test routed its calls to, see
        ``BaseClient._route_calls``)."""
        stub = self._stub
        if stub is not None:
            return cast("Out", await stub(operation, request))
        hooks = self._hooks
        if hooks is not None:
            context = InterceptorContext(operation.name, self._service.service_id, request)
            return await self._intercepted(Call(operation, hooks, context), request)
        try:
            return await self._call(Call(operation), request)
        except AwsmithError as exc:  # a try costs nothing until something is raised
            # Named here if raised before any attempt (the attempts name theirs).
            raise_as_is(for_call(exc, operation.name))

    async def _intercepted(self, call: Call[Out], request: Any) -> Out:
        """A call with interceptors (smithy-python's ``_handle_execution`` and
        ``_finalize_execution``): ``read_before_execution``, the call (whose attempts run
        the per-attempt hooks), then ``modify_before_completion`` and
        ``read_after_execution``. An exception is claimed by the call
        (:meth:`Call.claim`) before any hook sees it; see
        :mod:`awsmith._core.interceptors` for the order and the error rules."""
        hooks, context = call.hooks, call.context
        assert hooks is not None and context is not None
        outcome: Any
        try:
            run_each(hooks.read_before_execution, "read_before_execution", context)
            outcome = await self._call(call, request)
        except BaseException as exc:  # cancellation too: the completion hooks must run
            outcome = call.claim(exc)
        context.response = outcome
        cancelled = isinstance(outcome, BaseException) and not isinstance(outcome, Exception)
        if not cancelled:  # a cancelled call stays cancelled: nothing to modify
            try:
                for hook in hooks.modify_before_completion:
                    context.response = hook.modify_before_completion(context)
            except Exception as exc:  # a modify_* stage stops at its first exception
                context.response = exc
            if isinstance(context.response, BaseException):  # raised, or returned
                context.response = call.claim(context.response)
        try:
            run_each(hooks.read_after_execution, "read_after_execution", context)
        except Exception as exc:
            if cancelled:
                raise outcome from exc
            context.response = call.claim(exc)
        if cancelled:
            raise outcome
        if isinstance(context.response, BaseException):
            raise_as_is(context.response)
        return context.response  # type: ignore[no-any-return]  # the operation's output, or a hook's replacement

    async def _call(self, call: Call[Out], request: Any) -> Out:
        """Validates and serializes the request, makes the client ready and settles
        where the request goes (:meth:`_target`), then runs its attempts (within
        ``call_timeout``, if set)."""
        operation = call.operation
        operation.validate(request)
        serialized = operation.serialize(request)
        ready = self._usable(self._ready or await self._prepare())
        if operation.compress_request:  # as settled with the client (environment, profile)
            disabled, min_size = self._compression
            if not disabled:
                serialized = gzip_request(serialized, min_size)
        call.serialized = serialized
        call.ready = ready
        self._target(call, ready, serialized)
        call.payload_hash = payload_sha256(serialized.body)
        call.invocation_id = invocation_id()
        call.debug = _log.isEnabledFor(logging.DEBUG)
        deadline = self.config.call_timeout
        try:
            if deadline is None:
                return await self._attempts(call)
            return await aio.within(
                deadline, self._attempts(call), lambda: call.deadline_error(deadline)
            )
        except BaseException:
            self._give_back_unsent(call)
            raise

    def _give_back_unsent(self, call: Call[Any]) -> None:
        """A call that ended before sending the retry it planned (cancelled or cut by
        its deadline during the backoff or the wait for a token, the client closed,
        credentials failed) gives back what that retry took: the quota pays for
        retries sent, and calls abandoned mid-backoff would otherwise drain it."""
        if call.unsent_cost:
            self._quota.release(call.unsent_cost)
            call.unsent_cost = 0

    def _target(self, call: Call[Any], ready: Ready, serialized: SerializedRequest) -> None:
        """Where the call's attempts go, and what the signer signs of it: the endpoint
        (the client's, or the operation's own), host prefix, path and query."""
        operation = call.operation
        default = ready.default
        if operation.endpoint_params or default is None:
            endpoint, call.signer = self._endpoint_for(operation.endpoint_params, ready)
        else:
            endpoint, call.signer = default
        host = endpoint.host
        origin, base_path = split_endpoint(endpoint.url)
        # The path sent is the path signed: an endpoint_url's own path included.
        path = join_path(base_path, serialized.path) if base_path else serialized.path
        if serialized.host_prefix:
            host = serialized.host_prefix + host
            scheme, _, authority = origin.partition("://")
            origin = f"{scheme}://{serialized.host_prefix}{authority}"
        url = origin + path
        encoded_query = encode_query(serialized.query) if serialized.query else []
        if encoded_query:
            url += "?" + render_query(encoded_query)
        call.host = host
        call.path = path
        call.url = url
        call.encoded_query = encoded_query

    @staticmethod
    def _endpoint_for(
        params: tuple[tuple[str, object], ...], ready: Ready
    ) -> tuple[Endpoint, SigV4Signer]:
        """Endpoint and signer of an operation with its own rule-set parameters. The rule
        set is in memory by now, so this needs no I/O; both are kept per parameter set."""
        found = ready.op_endpoints.get(params)
        if found is None:
            endpoint = resolve_endpoint(**ready.endpoint_args, extra_params=params)
            if ready.default is not None and endpoint == ready.default[0]:
                found = ready.default
            else:
                found = (endpoint, SigV4Signer(endpoint.signing_name, endpoint.signing_region))
            ready.op_endpoints[params] = found
        return found

    async def _attempts(self, call: Call[Out]) -> Out:
        """The retry loop (smithy-python's ``_retry``): attempts, each followed by
        ``read_after_attempt`` (:meth:`_finish_attempt`), until one's outcome is the
        operation's output, or an error :meth:`_decide_retry` does not retry."""
        while True:
            outcome = await self._attempt(call)
            if call.hooks is not None:
                self._finish_attempt(call, outcome)
            if not isinstance(outcome, AwsmithError):
                return outcome
            delay = self._decide_retry(call, outcome, call.response)
            if delay is None:
                raise outcome
            if delay:
                await aio.sleep(delay)

    async def _attempt(self, call: Call[Out]) -> Out | AwsmithError:
        """One attempt (smithy-python's ``_handle_attempt``), its response, if it got
        one, kept as ``call.response``:
        :meth:`_start_attempt`, credentials (and the adaptive limiter's token),
        :meth:`_sign`, the sender, then :meth:`_handle_response` (or
        :meth:`_transport_failed`). Its outcome is the operation's output or an
        error; any other exception (a hook's, the credentials', a cancellation) ends
        the attempt and the call (:meth:`_cut_short`)."""
        headers = self._start_attempt(call)
        ready = call.ready
        try:
            try:
                credentials = await ready.credentials.get()
            except BaseException:
                call.credentials = ready.credentials  # for call.deadline_error
                raise
            limiter = self._limiter
            if limiter is not None:
                await limiter.acquire()
            headers, body = self._sign(call, credentials, headers)
            if call.debug:
                call.started = time.monotonic()
            call.unsent_cost = 0  # the retry is sent: its cost is spent
            try:
                response = await ready.sender.send(
                    call.serialized.method,
                    call.url,
                    headers,
                    body,
                    self._timeouts,
                    resend=call.operation.resend_safe,
                    written=call.written,
                )
            except AwsmithError as exc:
                return self._transport_failed(call, exc)
            call.response = response
            return self._handle_response(call, response)
        except BaseException as exc:
            raise_as_is(self._cut_short(call, exc))

    def _start_attempt(self, call: Call[Any]) -> dict[str, str]:
        """The next attempt: its number, and the headers it signs (the request's, and
        the invocation headers botocore sends, signed too). The hooks get a request of
        its own: what a hook added to one attempt is not carried into the next. Refused
        if the client was closed meanwhile (during a backoff, say)."""
        if self._closed:
            raise call.claim(ClientClosedError(f"this {type(self).__name__} is closed"))
        call.attempt = attempt = call.attempt + 1
        call.response = None
        serialized = call.serialized
        headers = {
            **serialized.headers,
            "amz-sdk-invocation-id": call.invocation_id,
            "amz-sdk-request": f"attempt={attempt}; max={self._max_attempts}",
        }
        context = call.context
        if context is not None:
            context.attempt = attempt
            context.transport_response = context.response = None
            context.transport_request = TransportRequest(
                serialized.method, call.url, headers, serialized.body
            )
        return headers

    def _sign(
        self, call: Call[Any], credentials: Credentials, headers: dict[str, str]
    ) -> tuple[dict[str, str], bytes]:
        """The attempt's headers as sent, and its body: ``modify_before_signing`` (the
        headers botocore never signs set aside), SigV4, the sender's headers, then
        ``read_before_transmit`` with a copy (what a hook is shown cannot change what
        is sent)."""
        serialized = call.serialized
        body = serialized.body
        body_hash = call.payload_hash
        accept_encoding = "Accept-Encoding" in headers
        unsigned: dict[str, str] | None = None
        hooks, context = call.hooks, call.context
        if hooks is not None and hooks.modify_before_signing:
            assert context is not None
            modified = modified_request(hooks.modify_before_signing, context)
            headers, unsigned = split_unsigned(modified.headers)
            accept_encoding = any(name.lower() == "accept-encoding" for name in modified.headers)
            if modified.body is not body:
                body = modified.body
                body_hash = payload_sha256(body)
        offset = call.ready.clock_offset
        auth = call.signer.sign(
            method=serialized.method,
            host=call.host,
            path=call.path,
            query=serialized.query,
            headers=headers,
            body=body,
            credentials=credentials,
            encoded_query=call.encoded_query,
            payload_hash=body_hash,
            now=datetime.now(UTC) + offset if offset else None,
        )
        sent = {**headers, **auth, "User-Agent": self._user_agent}
        if unsigned:
            sent.update(unsigned)
        trace_id = lambda_trace_id(os.environ)
        if trace_id is not None and not any(k.lower() == "x-amzn-trace-id" for k in sent):
            sent["X-Amzn-Trace-Id"] = trace_id
        if not accept_encoding:
            # Bodies are read raw: with no Accept-Encoding any coding is acceptable (RFC
            # 9110 section 12.5.3), and a compressing proxy's gzip would then be
            # unparseable. botocore (through urllib3) sends the same.
            sent["Accept-Encoding"] = "identity"
        if hooks is not None:
            assert context is not None
            context.transport_request = TransportRequest(
                serialized.method, call.url, dict(sent), body
            )
            run_each(hooks.read_before_transmit, "read_before_transmit", context)
        return sent, body

    def _transport_failed(self, call: Call[Any], error: AwsmithError) -> AwsmithError:
        """An attempt the sender could not complete: its error is the outcome."""
        if call.debug:
            self._log_attempt(call, None, error)
        return call.failed(error)

    def _handle_response(self, call: Call[Out], response: TransportResponse) -> Out | AwsmithError:
        """An attempt's response: ``read_after_transmit``, then the outcome, a 2xx
        one's output with its metadata (a :class:`ResponseParseError` if it cannot be
        read), else the error it carries."""
        call.made = call.attempt
        if call.debug:
            self._log_attempt(call, response, None)
        hooks, context = call.hooks, call.context
        if hooks is not None:
            assert context is not None
            context.transport_response = response
            run_each(hooks.read_after_transmit, "read_after_transmit", context)
        if response.status >= 300:
            service = self._service
            return call.failed(service.build_error(response, service.errors, service.base_error))
        self._quota.release(call.retry_cost or 1)
        if self._limiter is not None:
            self._limiter.record(throttled=False)
        operation = call.operation
        try:
            result = operation.parse(response)
        except ResponseParseError as exc:
            return call.failed(_unreadable(operation, response, exc))
        if result is not None:  # every generated response has the attribute
            result.response_metadata = ResponseMetadata(  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
                request_id=request_id_of(response.headers),
                status_code=response.status,
                headers=read_only(response.headers),
                attempts=call.attempt,
            )
        return result

    @staticmethod
    def _finish_attempt(call: Call[Out], outcome: Out | AwsmithError) -> None:
        """``read_after_attempt`` of an attempt that has an outcome. An exception it
        raises ends the call, after the attempt (the call claims it)."""
        hooks, context = call.hooks, call.context
        assert hooks is not None and context is not None
        context.response = outcome
        run_each(hooks.read_after_attempt, "read_after_attempt", context)

    @staticmethod
    def _cut_short(call: Call[Any], exc: BaseException) -> BaseException:
        """An attempt ended by an exception that is not its outcome (a hook's, the
        credentials', a cancellation), which ends the call: that exception as the call
        raises it, once ``read_after_attempt`` has seen it (every attempt that started
        gets it, so what an interceptor opened for the attempt is closed). An exception
        of that hook replaces it, but not a cancellation: the call stays cancelled, and
        the hook's exception is logged."""
        failure = call.claim(exc)
        hooks, context = call.hooks, call.context
        if hooks is None or context is None:
            return failure
        context.response = failure
        try:
            run_each(hooks.read_after_attempt, "read_after_attempt", context)
        except Exception as hook_error:
            if isinstance(failure, Exception):
                return call.claim(hook_error)
            _log.warning(
                "%s: read_after_attempt of a cancelled attempt raised %s (the call stays "
                "cancelled)", call.operation.name, type(hook_error).__name__,
            )
        return failure

    def _decide_retry(
        self, call: Call[Any], error: AwsmithError, response: TransportResponse | None
    ) -> float | None:
        """After an attempt's ``error``, the retry decision and its bookkeeping: the
        adaptive limiter told of the outcome, the server's clock learnt (a clock-skew
        correction), the retry quota taken. Returns None to raise the error, 0 to send
        again at once (the skew corrected), else the backoff before the next attempt
        (smithy-python's ``refresh_retry_token_for_retry``)."""
        if self._limiter is not None and (response is None or response.status >= 300):
            # (a 2xx whose body could not be read was recorded by _handle_response)
            self._limiter.record(throttled=is_throttling(error))
        # The server's clock is learnt even when no attempt is left, for the next call;
        # a re-send with it is an attempt like any other.
        skewed = response is not None and not call.skew_corrected and (
            self._correct_skew(error, response, call.ready)
        )
        if call.attempt >= self._max_attempts or not (skewed or is_retryable(error)):
            return None
        if skewed:
            call.skew_corrected = True  # re-signed with the server's clock: once, at once
            return 0.0
        cfg = self.config
        planned = plan_retry(
            self._quota, error, response, call.attempt, cfg.base_backoff, cfg.max_backoff
        )
        name = call.operation.name
        if planned is None:
            _log.warning(
                "%s: the retry quota is exhausted (the service is failing broadly): not "
                "retrying %s after attempt %d", name, _outcome(error), call.attempt,
            )
            return None
        call.retry_cost, delay = planned  # a success gives back the last retry's cost
        call.unsent_cost = call.retry_cost  # and a call ended before sending it, too
        if call.debug:
            _log.debug("%s: retrying after %s in %.3f s", name, _outcome(error), delay)
        return delay

    def _log_attempt(
        self, call: Call[Any], response: TransportResponse | None, error: AwsmithError | None
    ) -> None:
        elapsed = (time.monotonic() - call.started) * 1000
        if response is not None:
            outcome = f"HTTP {response.status}"
            request_id = request_id_of(response.headers)
        else:
            assert error is not None
            outcome = type(error).__name__
            request_id = getattr(error, "request_id", None)
        _log.debug(
            "%s attempt %d/%d: %s, request id %s, %.1f ms",
            call.operation.name,
            call.attempt,
            self._max_attempts,
            outcome,
            request_id,
            elapsed,
        )

    def _correct_skew(self, error: AwsmithError, response: TransportResponse, ready: Ready) -> bool:
        """For a signature rejected as too old/new: adopts the server's clock from its
        Date header and says to retry. False if that would not help."""
        if not isinstance(error, ServiceError) or error.code not in CLOCK_SKEW_CODES:
            return False
        date = response.headers.get("Date")
        if not date:
            return False
        from email.utils import parsedate_to_datetime  # only after a clock-skew error

        try:
            server_now = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            return False
        if server_now.tzinfo is None:
            server_now = server_now.replace(tzinfo=UTC)
        offset = server_now - datetime.now(UTC)
        if abs(offset - ready.clock_offset) < SKEW_TOLERANCE:
            return False
        ready.clock_offset = offset
        return True


def _unreadable(
    operation: Operation[Any, Any], response: TransportResponse, exc: ResponseParseError
) -> ResponseParseError:
    """A 2xx response the parser refused, as the attempt's error: with its status,
    request id and the start of its body."""
    return ResponseParseError(
        exc.detail,
        status_code=response.status,
        request_id=request_id_of(response.headers),
        # a response that carries secrets (STS credentials) is never quoted
        body_excerpt=b"" if operation.sensitive_response else response.body[:200],
    )
