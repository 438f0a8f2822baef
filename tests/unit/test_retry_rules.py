"""The rules of awsmith._core.retry on their own: which errors are retryable or
throttling, and what a retry costs from the quota. Exact tables, each error kind once
(found by `make mutation`: docs/testing.md)."""

from __future__ import annotations

from typing import ClassVar

import pytest

import awsmith
from awsmith._core.retry import (
    INITIAL_QUOTA,
    THROTTLING_CODES,
    RetryQuota,
    is_retryable,
    is_throttling,
    plan_retry,
)


class ModeledRetryable(awsmith.ServiceError):
    error_code: ClassVar[str] = "ModeledRetryable"
    modeled_retryable: ClassVar[bool] = True


class ModeledThrottling(awsmith.ServiceError):
    error_code: ClassVar[str] = "ModeledThrottling"
    modeled_throttling: ClassVar[bool] = True


NOT_SERVICE_ERRORS: list[awsmith.AwsmithError] = [
    awsmith.ResponseParseError("truncated JSON", status_code=200),
    awsmith.PaginationError("token repeated"),
    awsmith.ParamValidationError("caseId", "required", "missing"),
]


@pytest.mark.parametrize("error", NOT_SERVICE_ERRORS, ids=lambda e: type(e).__name__)
def test_errors_neither_of_the_service_nor_of_the_transport(error: awsmith.AwsmithError) -> None:
    assert is_retryable(error) is False
    assert is_throttling(error) is False


@pytest.mark.parametrize(
    "error",
    [awsmith.ReadTimeoutError("slow"), awsmith.ConnectionFailedError("reset")],
    ids=lambda e: type(e).__name__,
)
def test_transport_errors_are_retryable_never_throttling(error: awsmith.AwsmithError) -> None:
    assert is_retryable(error) is True
    assert is_throttling(error) is False


THROTTLING_ERRORS = [
    *(
        awsmith.ServiceError("slow down", code=code, status_code=400)
        for code in sorted(THROTTLING_CODES)
    ),
    # botocore 1.44's ThrottlingStatusCodeChecker: a 429 whose code no error class of the
    # model claims (the service's base class is raised) is throttling by its status.
    *(awsmith.ServiceError("", code=code, status_code=429) for code in ("429", "UnknownError")),
]


@pytest.mark.parametrize("error", THROTTLING_ERRORS, ids=lambda e: f"{e.code}-{e.status_code}")
def test_every_throttling_error(error: awsmith.ServiceError) -> None:
    assert is_throttling(error) is True
    assert is_retryable(error) is True


def test_a_modeled_retryable_error_is_retried_but_is_not_throttling() -> None:
    error = ModeledRetryable("try again", status_code=400)
    assert is_retryable(error) is True
    assert is_throttling(error) is False


def test_a_modeled_throttling_error_with_an_unknown_code() -> None:
    error = ModeledThrottling("slow down", status_code=400)
    assert error.code not in THROTTLING_CODES
    assert is_throttling(error) is True
    assert is_retryable(error) is True


class ModeledClientError(awsmith.ServiceError):
    error_code: ClassVar[str] = "ModeledClientError"


def test_a_429_the_model_knows_is_what_the_model_says() -> None:
    not_retryable = ModeledClientError("no", status_code=429)
    assert is_throttling(not_retryable) is False
    assert is_retryable(not_retryable) is False
    transient = ModeledRetryable("try again", status_code=429)  # retryable, not throttling
    assert is_throttling(transient) is False
    assert is_retryable(transient) is True


def test_a_plain_client_error_is_neither() -> None:
    error = awsmith.ServiceError("bad", code="ValidationException", status_code=400)
    assert is_retryable(error) is False
    assert is_throttling(error) is False


def test_a_retry_after_throttling_costs_five_any_other_fourteen() -> None:
    """botocore 1.44's RetryQuotaChecker: 5 after a throttling error, 14 after anything
    else, timeouts included (before 2026: 5, and 10 after a timeout)."""
    quota = RetryQuota()
    for error, cost in [
        (awsmith.ReadTimeoutError("slow"), 14),
        (awsmith.ConnectTimeoutError("no answer"), 14),
        (awsmith.ConnectionFailedError("reset"), 14),
        (awsmith.ServiceError("x", code="InternalFailure", status_code=500), 14),
        (awsmith.ServiceError("x", code="RequestTimeout", status_code=400), 14),
        (ModeledRetryable("try again", status_code=400), 14),
        (awsmith.ServiceError("x", code="Throttling", status_code=400), 5),
        (awsmith.ServiceError("", code="429", status_code=429), 5),
        (ModeledThrottling("slow down", status_code=400), 5),
    ]:
        before = quota.available
        planned = plan_retry(quota, error, None, 1, 1.0, 20.0)
        assert planned is not None and planned[0] == cost, error
        assert quota.available == before - cost
    assert quota.available == INITIAL_QUOTA - 6 * 14 - 3 * 5


def test_the_quota_refuses_a_retry_it_cannot_pay_for() -> None:
    quota = RetryQuota(capacity=19)
    reset = awsmith.ConnectionFailedError("reset")
    throttled = awsmith.ServiceError("x", code="Throttling", status_code=400)
    assert plan_retry(quota, reset, None, 1, 1.0, 20.0) is not None
    assert quota.available == 5
    assert plan_retry(quota, reset, None, 2, 1.0, 20.0) is None  # 14 > 5: nothing taken
    assert quota.available == 5
    assert plan_retry(quota, throttled, None, 2, 1.0, 20.0) is not None
    assert quota.available == 0
    assert plan_retry(quota, throttled, None, 3, 1.0, 20.0) is None
    assert quota.acquire(1) is False
    quota.release(100)
    assert quota.available == 19
