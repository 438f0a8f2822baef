"""AWS "standard" retry mode.

- Retryable: throttling error codes, transient error codes, HTTP 500/502/503/504,
  errors the model marks retryable, and transport failures (connection errors, resets,
  timeouts).
- Never retried: any other 4xx, validation errors, parse errors of complete responses.
- Delay before attempt ``n + 1``: full jitter, ``random() * min(max_backoff,
  base_backoff * 2 ** (n - 1))``.
- A retry quota shared by the client (a token bucket of 500: a retry costs 5, a retry
  after a timeout 10, a success refunds what its retries took, or 1) stops retries
  while a service is failing broadly, so it is not hammered.
"""

from __future__ import annotations

import random

from awsmith._core.errors import (
    AwsmithError,
    ReadTimeoutError,
    ServiceError,
    TransportError,
)

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

INITIAL_QUOTA = 500
RETRY_COST = 5
TIMEOUT_RETRY_COST = 10
NO_RETRY_INCREMENT = 1


def is_throttling(error: AwsmithError) -> bool:
    return isinstance(error, ServiceError) and (
        error.code in THROTTLING_CODES or error.modeled_throttling
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
        )
    return False


class RetryQuota:
    """The client-wide retry token bucket."""

    __slots__ = ("available", "capacity")

    def __init__(self, capacity: int = INITIAL_QUOTA) -> None:
        self.capacity = capacity
        self.available = capacity

    def acquire(self, error: AwsmithError) -> int | None:
        """Takes the cost of retrying after ``error``; None if the quota is spent."""
        cost = TIMEOUT_RETRY_COST if isinstance(error, ReadTimeoutError) else RETRY_COST
        if cost > self.available:
            return None
        self.available -= cost
        return cost

    def release(self, amount: int) -> None:
        self.available = min(self.capacity, self.available + amount)


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Full-jitter delay before the retry that follows attempt ``attempt`` (1-based)."""
    return random.random() * min(cap, base * float(2 ** (attempt - 1)))
