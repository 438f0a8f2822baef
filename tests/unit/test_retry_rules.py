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


@pytest.mark.parametrize("code", sorted(THROTTLING_CODES))
def test_every_throttling_code(code: str) -> None:
    error = awsmith.ServiceError("slow down", code=code, status_code=400)
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


def test_a_plain_client_error_is_neither() -> None:
    error = awsmith.ServiceError("bad", code="ValidationException", status_code=400)
    assert is_retryable(error) is False
    assert is_throttling(error) is False


def test_a_retry_after_a_read_timeout_costs_ten_any_other_five() -> None:
    quota = RetryQuota()
    assert quota.acquire(awsmith.ReadTimeoutError("slow")) == 10
    assert quota.available == INITIAL_QUOTA - 10
    assert quota.acquire(awsmith.ConnectTimeoutError("no answer")) == 5
    assert quota.acquire(awsmith.ServiceError("x", code="Throttling", status_code=400)) == 5
    assert quota.available == INITIAL_QUOTA - 20


def test_the_quota_refuses_a_retry_it_cannot_pay_for() -> None:
    quota = RetryQuota(capacity=14)
    assert quota.acquire(awsmith.ReadTimeoutError("slow")) == 10
    assert quota.acquire(awsmith.ReadTimeoutError("slow")) is None
    assert quota.available == 4
    assert quota.acquire(awsmith.ConnectionFailedError("reset")) is None
    quota.release(100)
    assert quota.available == 14
