"""AWS "standard" retry mode, as botocore 1.44 has it: the 2026 update of the AWS SDKs'
reference architecture (opt-in behind ``AWS_NEW_RETRIES_2026=true`` in botocore 1.43.3,
the only behaviour since 1.44; awsmith accepts that variable and ignores it, as botocore
now does).

- Retryable: throttling errors (below), the transient error codes, HTTP 500/502/503/504,
  errors the model marks retryable, and transport failures (connection errors, resets,
  timeouts).
- Throttling: the throttling error codes, errors the model marks as throttling, and an
  HTTP 429 whose error code the model does not know (an empty 429 says ``429``).
- Never retried: any other 4xx, validation errors, parse errors of complete responses.
- Delay before the retry after attempt ``n``: full jitter, ``random() * min(max_backoff,
  scale * 2 ** (n - 1))`` with ``scale`` the base backoff (1 s) after a throttling error
  and a twentieth of it (0.05 s) after any other: a throttled service is given time, a
  dropped connection is retried at once. An ``x-amz-retry-after`` header (whole
  milliseconds) on the failed answer raises the delay to its value, at most 5 s above
  the jittered one: ``max(t, min(retry_after, t + 5))``; a value that is not a whole
  number >= 0 is ignored.
- A retry quota shared by the client's calls (a token bucket of 500: a retry after a
  throttling error costs 5, after any other error 14; a call that succeeds gives back
  what its last retry cost, or 1 if it needed none) stops retries while a service is
  failing broadly, so it is not hammered, and lets throttled callers keep backing off.

The success path adds nothing: the quota is given back by the caller, as before.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING, Any

from awsmith._core.errors import AwsmithError, ServiceError, TransportError

if TYPE_CHECKING:
    from awsmith._core.transport.http import TransportResponse

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
#: The status of a throttling answer whose error code the model does not know.
THROTTLING_STATUS = 429

INITIAL_QUOTA = 500
RETRY_COST = 14
THROTTLING_RETRY_COST = 5
NO_RETRY_INCREMENT = 1

#: The backoff scale after an error that is not throttling, as a fraction of
#: ``Config.base_backoff`` (botocore: 0.05 s against 1 s).
NON_THROTTLING_SCALE = 0.05
RETRY_AFTER_HEADER = "x-amz-retry-after"
#: How far ``x-amz-retry-after`` may raise a delay above its jittered value, in seconds.
RETRY_AFTER_MAX_EXTRA = 5.0

_log = logging.getLogger("awsmith.client")


def _unmodeled_429(error: ServiceError) -> bool:
    """An HTTP 429 whose code no error class of the model claims (``error_code`` is set
    on the generated classes only): the status says throttling, as the model would have
    said otherwise."""
    return error.status_code == THROTTLING_STATUS and not type(error).error_code


def is_throttling(error: AwsmithError) -> bool:
    return isinstance(error, ServiceError) and (
        error.code in THROTTLING_CODES or error.modeled_throttling or _unmodeled_429(error)
    )


def is_retryable(error: AwsmithError) -> bool:
    if isinstance(error, TransportError):
        return error.retryable
    if isinstance(error, ServiceError):
        return (
            error.code in THROTTLING_CODES
            or error.code in TRANSIENT_CODES
            or error.status_code in TRANSIENT_STATUS
            or error.modeled_retryable
            or error.modeled_throttling
            or _unmodeled_429(error)
        )
    return False


class RetryQuota:
    """The client-wide retry token bucket (botocore's ``RetryQuota``)."""

    __slots__ = ("available", "capacity")

    def __init__(self, capacity: int = INITIAL_QUOTA) -> None:
        self.capacity = capacity
        self.available = capacity

    def acquire(self, amount: int) -> bool:
        """Takes ``amount`` for a retry; False, taking nothing, if there is not that much."""
        if amount > self.available:
            return False
        self.available -= amount
        return True

    def release(self, amount: int) -> None:
        self.available = min(self.capacity, self.available + amount)


def retry_after(response: TransportResponse | None) -> float | None:
    """The answer's ``x-amz-retry-after`` in seconds; None if it has none, or one that is
    not a whole number of milliseconds >= 0 (read as botocore reads it: Python's ``int``
    of the value, several fields joined by ``", "`` as urllib3 joins them)."""
    if response is None:
        return None
    headers = response.headers
    text = headers.get(RETRY_AFTER_HEADER)
    if text is None:
        return None
    # The transports' CIMultiDict keeps each field; multidict is not imported for this.
    getall: Any = getattr(headers, "getall", None)
    if getall is not None:
        text = ", ".join(getall(RETRY_AFTER_HEADER))
    try:
        seconds = int(text) / 1000.0
    except (ValueError, OverflowError):
        pass
    else:
        if seconds >= 0:
            return seconds
    _log.debug(
        "ignoring %s %r: not a whole number of milliseconds >= 0", RETRY_AFTER_HEADER, text[:100]
    )
    return None


def backoff_delay(attempt: int, scale: float, cap: float) -> float:
    """Full-jitter delay before the retry that follows attempt ``attempt`` (1-based)."""
    return random.random() * min(cap, scale * float(2 ** (attempt - 1)))


def plan_retry(
    quota: RetryQuota,
    error: AwsmithError,
    response: TransportResponse | None,
    attempt: int,
    base_backoff: float,
    max_backoff: float,
) -> tuple[int, float] | None:
    """The retry after attempt ``attempt`` (1-based), which failed with the retryable
    ``error`` (``response`` its answer, None after a transport failure): what it took
    from ``quota`` (given back if the call then succeeds) and the seconds to wait
    before it. None if the quota cannot pay for it: no retry, nothing taken."""
    throttled = is_throttling(error)
    cost = THROTTLING_RETRY_COST if throttled else RETRY_COST
    if not quota.acquire(cost):
        return None
    scale = base_backoff if throttled else base_backoff * NON_THROTTLING_SCALE
    delay = backoff_delay(attempt, scale, max_backoff)
    hinted = retry_after(response)
    if hinted is not None:
        delay = max(delay, min(hinted, delay + RETRY_AFTER_MAX_EXTRA))
    return cost, delay
