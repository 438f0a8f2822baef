"""What a call runs with: the client's resolved state (:class:`Ready`, settled at its
first call and shared with its views) and one call's record (:class:`Call`), carried
from stage to stage of :mod:`awsmith._core.pipeline`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from awsmith._core.adaptive import AdaptiveRateLimiter
from awsmith._core.credentials import CredentialResolver
from awsmith._core.endpoints import Endpoint
from awsmith._core.errors import (
    AwsmithError,
    DeadlineExceededError,
    attempt_error,
    for_call,
    own_copy,
)
from awsmith._core.interceptors import InterceptorContext, StageHooks
from awsmith._core.operation import Operation, SerializedRequest
from awsmith._core.signing import QueryItem, SigV4Signer
from awsmith._core.transport.http import HttpSender, TransportResponse

if TYPE_CHECKING:
    from attrs import define, field
else:
    from awsmith._core.lazyclass import define, field

Out = TypeVar("Out")


@define
class Ready:
    """What a client resolves before its first call, shared with its ``with_options``
    views."""

    #: The service's endpoint and its signer; None when the endpoint rules need
    #: parameters that only operations give (``staticContextParams``).
    default: tuple[Endpoint, SigV4Signer] | None
    sender: HttpSender
    credentials: CredentialResolver
    #: The arguments the endpoint was resolved with; operations with rule-set
    #: parameters of their own resolve with these plus theirs, kept per parameter set.
    endpoint_args: dict[str, Any]
    op_endpoints: dict[tuple[tuple[str, object], ...], tuple[Endpoint, SigV4Signer]] = (
        field(factory=dict[tuple[tuple[str, object], ...], tuple[Endpoint, SigV4Signer]])
    )
    #: Server time minus local time, learnt from a clock-skew error.
    clock_offset: timedelta = timedelta(0)
    #: The client-side rate limiter of the clients in adaptive retry mode.
    limiter: AdaptiveRateLimiter | None = None

    def adaptive_limiter(self) -> AdaptiveRateLimiter:
        if self.limiter is None:
            self.limiter = AdaptiveRateLimiter()
        return self.limiter


class Call(Generic[Out]):
    """One call as its stages share it (smithy-python's per-call context): what is called
    and who watches it, where its attempts go, and how far they got, for the error that
    ends it (:meth:`claim`). A plain class with slots: one per call."""

    __slots__ = (
        "attempt",
        "context",
        "credentials",
        "debug",
        "encoded_query",
        "hooks",
        "host",
        "invocation_id",
        "last_error",
        "made",
        "operation",
        "path",
        "payload_hash",
        "ready",
        "response",
        "retry_cost",
        "serialized",
        "signer",
        "skew_corrected",
        "started",
        "unsent_cost",
        "url",
    )

    operation: Operation[Any, Out]
    #: The client's interceptors by stage and the call's context for them, or None.
    hooks: StageHooks | None
    context: InterceptorContext | None
    # Where the attempts go, and what the signer signs of it (set by CallPipeline._target).
    serialized: SerializedRequest
    ready: Ready
    signer: SigV4Signer
    host: str
    path: str
    url: str
    encoded_query: list[QueryItem]
    payload_hash: str
    #: botocore's: one id for every attempt of the call, so AWS can tie them together.
    invocation_id: str
    #: Whether attempts are logged (DEBUG), and when the current one was sent.
    debug: bool
    started: float
    #: The current attempt's number, from 1, and its response once it has one.
    attempt: int
    response: TransportResponse | None
    #: The attempts that count (what :attr:`AwsmithError.attempts` says): each that
    #: ended with an outcome of its own, and one cut short once its request was written.
    made: int
    #: The error of the last attempt that failed.
    last_error: AwsmithError | None
    #: The retry quota this call's retries took (its success gives it back).
    retry_cost: int
    #: What the planned retry took from the quota until it is sent (given back if the
    #: call ends before that: cancelled, its deadline, the client closed, ...).
    unsent_cost: int
    #: Whether an attempt was re-sent with the server's clock (once a call at most).
    skew_corrected: bool
    #: The credentials the call was waiting for when it ended, if it was.
    credentials: CredentialResolver | None

    def __init__(
        self,
        operation: Operation[Any, Out],
        hooks: StageHooks | None = None,
        context: InterceptorContext | None = None,
    ) -> None:
        self.operation = operation
        self.hooks = hooks
        self.context = context
        self.attempt = self.made = self.retry_cost = self.unsent_cost = 0
        self.last_error = self.credentials = None
        self.skew_corrected = False

    def written(self) -> None:
        """The sender wrote the attempt's request: the attempt counts, even if the
        deadline or a cancellation cuts it short now (the server may have it)."""
        self.made = self.attempt

    def failed(self, error: AwsmithError) -> AwsmithError:
        """``error``, made for the current attempt (a response's error, the sender's),
        as its outcome: the attempt counts, and its error is the last one."""
        self.made = self.attempt
        self.last_error = attempt_error(error, self.operation.name, self.attempt)
        return error

    def claim(self, exc: BaseException) -> BaseException:
        """``exc``, which ends the call, as the call raises it (:func:`for_call`: awsmith's
        errors named, with the attempts made and the last attempt's error)."""
        if isinstance(exc, AwsmithError):
            return for_call(exc, self.operation.name, self.made, self.last_error)
        return exc

    def deadline_error(self, deadline: float) -> DeadlineExceededError:
        """The error of a call that ``call_timeout`` cut short: the attempts made, and
        the last failed attempt's error as ``__cause__``; or, when it made none and its
        deadline passed while it waited for credentials, the ``CredentialsError`` of
        their last fetch if that failed (a fetch outlives the calls that wait for it:
        one that fails after their deadlines reaches none of them otherwise)."""
        name = self.operation.name
        error = DeadlineExceededError(f"{name} did not complete within call_timeout={deadline}s")
        error.operation_name = name  # the message names it already
        error.attempts = self.made
        error.__cause__ = self.last_error if self.made else self._credentials_failure()
        return error

    def _credentials_failure(self) -> Exception | None:
        """This call's copy of the failure of the last fetch of the credentials it was
        waiting for, if it was and that failed (other calls end with it too)."""
        credentials = self.credentials
        failure = None if credentials is None else credentials.last_failure()
        return None if failure is None else own_copy(failure)
