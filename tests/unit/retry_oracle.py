"""Oracles of the 2026 standard retry behaviour, for tests/unit/test_retry_2026.py.

A scenario is a list of calls made on one client, each with its ``max_attempts`` and the
answers its attempts get (a success, a service error, a transport failure). Both oracles
replay it and say, per call, what an SDK does: the ``amz-sdk-request`` header of every
attempt, the delays before the retries, how the call ends and what is left of the retry
quota; and, per answer, whether the adaptive rate limiter counts it as throttling.

- :class:`BotocoreRetries` drives botocore's own classes (``StandardRetryConditions``,
  ``ExponentialBackoff``, ``RetryQuotaChecker``, ``RetryHandler``, ``MaxAttemptsSeeder``,
  ``add_retry_headers``, ``ThrottlingErrorDetector``) with botocore-shaped contexts:
  each answer becomes an ``AWSResponse`` parsed by botocore's parser for the service's
  protocol (or the botocore exception its HTTP layer raises for that failure), and the
  operation model is awsmith's own model file read by ``botocore.model.ServiceModel``
  (so both sides know the same modeled errors). Needs a botocore with the 2026
  behaviour (1.44 onwards, the lock's).
- :class:`ReferenceRetries` is the behaviour as the issue and botocore 1.44's source
  document it, written down here from those constants. The lowest supported botocore
  (1.29.61) predates the 2026 behaviour: there the tests compare awsmith with this
  instead, and under the lock's botocore a test checks that it agrees with botocore.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import botocore.configprovider
import botocore.exceptions as bexc
import botocore.model
import botocore.parsers
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.handlers import add_retry_headers
from botocore.retries import quota as b_quota
from botocore.retries import standard
from urllib3._collections import HTTPHeaderDict

MODELS = Path(__file__).resolve().parents[2] / "models"
URL = "https://service.example.com/"

#: botocore 1.44 onwards: the 2026 behaviour is the only one (1.43.3 to 1.43.x had it
#: behind AWS_NEW_RETRIES_2026; 1.29.61 has only the old one).
BOTOCORE_HAS_2026_RETRIES: bool = getattr(botocore.configprovider, "NEW_RETRIES_ENABLED", False) is True

# The documented constants (the issue; botocore 1.44's retries/standard.py).
THROTTLING_CODES = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
THROTTLING_SCALE, OTHER_SCALE, MAX_BACKOFF, RETRY_AFTER_EXTRA = 1.0, 0.05, 20.0, 5.0
THROTTLING_COST, OTHER_COST, NO_RETRY_INCREMENT, QUOTA = 5, 14, 1, 500

Failure = Literal["connect", "connect_timeout", "read_timeout", "reset"]


@dataclass(frozen=True)
class Answer:
    """What one attempt gets. ``failure`` set: the transport failed; else an HTTP answer
    with ``status``, error ``code`` (None: none on the wire), a JSON body or not, and
    the ``x-amz-retry-after`` fields it carries (several: the header repeated)."""

    status: int = 200
    code: str | None = None
    json_body: bool = True
    retry_after: tuple[str, ...] = ()
    failure: Failure | None = None


@dataclass(frozen=True)
class Service:
    name: str
    operation: str
    protocol: str
    success_body: bytes

    @property
    def model(self) -> botocore.model.ServiceModel:
        return service_model(self.name)

    @property
    def operation_model(self) -> botocore.model.OperationModel:
        return self.model.operation_model(self.operation)

    def modeled_codes(self) -> list[str]:
        """The error codes the operation models (awsmith's model file)."""
        return sorted(shape.name for shape in self.operation_model.error_shapes)

    def wire(self, answer: Answer) -> tuple[int, list[tuple[str, str]], bytes]:
        """The answer as the service sends it: status, header fields, body. An error code
        goes where the protocol puts it (awsJson: ``__type`` in the body; restJson: the
        ``x-amzn-ErrorType`` header)."""
        assert answer.failure is None
        headers = [("x-amzn-RequestId", "req-1")]
        if answer.status < 300:
            headers.append(("Content-Type", "application/json"))
            return answer.status, headers, self.success_body
        headers += [(RETRY_AFTER, value) for value in answer.retry_after]
        body: dict[str, str] = {"message": "failed"}
        if answer.code is not None:
            if self.protocol == "json":
                body["__type"] = answer.code
            else:
                headers.append(("x-amzn-ErrorType", answer.code))
        if not answer.json_body:
            return answer.status, headers, b"Service Unavailable"
        headers.append(("Content-Type", "application/json"))
        return answer.status, headers, json.dumps(body).encode()


RETRY_AFTER = "x-amz-retry-after"
SUPPORT = Service("support", "DescribeCases", "json", b'{"cases": []}')
CODEGURU = Service(
    "codeguruprofiler", "GetPolicy", "rest-json", b'{"policy": "{}", "revisionId": "r"}'
)


@cache
def service_model(name: str) -> botocore.model.ServiceModel:
    return botocore.model.ServiceModel(
        json.loads((MODELS / f"{name}.json").read_text()), service_name=name
    )


@dataclass
class CallOutcome:
    """What one call did, as both awsmith and an oracle report it."""

    request_headers: list[str] = field(default_factory=list)  # amz-sdk-request per attempt
    delays: list[float] = field(default_factory=list)
    #: "ok", the final error's code, or the transport failure's kind.
    ended: str = ""
    quota_left: int = 0


def _botocore_exception(failure: Failure) -> Exception:
    """What botocore's HTTP layer (URLLib3Session) raises for the failure."""
    cls = {
        "connect": bexc.EndpointConnectionError,
        "connect_timeout": bexc.ConnectTimeoutError,
        "read_timeout": bexc.ReadTimeoutError,
        "reset": bexc.ConnectionClosedError,
    }[failure]
    return cls(endpoint_url=URL)


def botocore_answer(
    service: Service, answer: Answer
) -> tuple[AWSResponse | None, dict[str, Any] | None, Exception | None]:
    """(http_response, parsed_response, caught_exception) as botocore's endpoint hands
    them to its ``needs-retry`` handlers."""
    if answer.failure is not None:
        return None, None, _botocore_exception(answer.failure)
    status, fields, body = service.wire(answer)
    # urllib3 joins a repeated field with ", ", and botocore's headers keep that.
    http = AWSResponse(URL, status, HTTPHeaderDict(fields), None)
    parser = botocore.parsers.create_parser(service.protocol)
    parsed = parser.parse(
        {"headers": http.headers, "status_code": status, "body": body},
        service.operation_model.output_shape,
    )
    return http, parsed, None


def ended_as(service: Service, answer: Answer, parsed: dict[str, Any] | None) -> str:
    if answer.failure is not None:
        return answer.failure
    if answer.status < 300:
        return "ok"
    assert parsed is not None
    return str(parsed["Error"]["Code"])


class BotocoreRetries:
    """botocore's standard retry classes, wired as ``register_retry_handler`` wires them,
    over a whole scenario (one quota for every call, as one client has)."""

    def __init__(self, service: Service, quota_left: int, rng: random.Random) -> None:
        self.service = service
        self.adapter = standard.RetryEventAdapter()
        self.detector = standard.ThrottlingErrorDetector(self.adapter)
        self.quota = b_quota.RetryQuota()
        self.quota._available_capacity = quota_left
        self.checker = standard.RetryQuotaChecker(self.quota, self.detector)
        self.backoff = standard.ExponentialBackoff(
            service_name=service.name, throttling_detector=self.detector, random=rng.random
        )
        #: Per answer received, whether the adaptive limiter takes it for throttling
        #: (botocore's ClientRateLimiter asks this ThrottlingErrorDetector).
        self.throttled: list[bool] = []

    def call(self, max_attempts: int, answers: list[Answer]) -> CallOutcome:
        outcome = CallOutcome()
        handler = standard.RetryHandler(
            retry_policy=standard.RetryPolicy(
                retry_checker=standard.StandardRetryConditions(max_attempts=max_attempts),
                retry_backoff=self.backoff,
            ),
            retry_event_adapter=self.adapter,
            retry_quota=self.checker,
            service_name=self.service.name,
            sleep=lambda seconds: None,  # long polling only: not these operations
        )
        seeder = standard.MaxAttemptsSeeder(max_attempts)
        context: dict[str, Any] = {"retries": {"invocation-id": "id"}}
        for attempt, answer in enumerate(answers, 1):
            context["retries"]["attempt"] = attempt
            request = AWSRequest(method="POST", url=URL)
            request.context = context
            seeder.seed_max_attempts(request=request)
            add_retry_headers(request)
            outcome.request_headers.append(request.headers["amz-sdk-request"])
            http, parsed, exc = botocore_answer(self.service, answer)
            kwargs: dict[str, Any] = {
                "response": None if http is None else (http, parsed),
                "attempts": attempt,
                "operation": self.service.operation_model,
                "caught_exception": exc,
                "request_dict": {"context": context},
            }
            self.throttled.append(self.detector.is_throttling_error(**kwargs))
            delay = handler.needs_retry(**kwargs)
            if delay is None or delay is False:
                if http is not None:  # after-call: botocore gives back quota on a 2xx
                    self.checker.release_retry_quota(context, http)
                outcome.ended = ended_as(self.service, answer, parsed)
                outcome.quota_left = self.quota.available_capacity
                return outcome
            outcome.delays.append(delay)
        raise AssertionError("the scenario gave the call too few answers")


class ReferenceRetries:
    """The 2026 behaviour from its documented constants (the same interface)."""

    def __init__(self, service: Service, quota_left: int, rng: random.Random) -> None:
        self.service = service
        self.quota_left = quota_left
        self.rng = rng
        self.throttled: list[bool] = []

    def _modeled(self, code: str | None) -> dict[str, Any] | None:
        """The operation's error shape for ``code``: its ``retryable`` trait ({} if it
        has none), or None if the operation does not model the code."""
        for shape in self.service.operation_model.error_shapes:
            if (shape.metadata.get("error", {}).get("code") or shape.name) == code:
                return dict(shape.metadata.get("retryable") or {})
        return None

    def _classify(self, answer: Answer, code: str | None) -> tuple[bool, bool]:
        """(retryable, throttling)."""
        if answer.failure is not None:
            return True, False
        if answer.status < 300:
            return False, False
        trait = self._modeled(code)
        if code in THROTTLING_CODES:
            throttling = True
        elif trait:  # modeled as retryable: the model says whether it is throttling
            throttling = bool(trait.get("throttling"))
        else:
            throttling = answer.status == 429 and trait is None
        retryable = (
            throttling
            or code in TRANSIENT_CODES
            or answer.status in TRANSIENT_STATUS
            or bool(trait)
        )
        return retryable, throttling

    @staticmethod
    def _retry_after(answer: Answer) -> float | None:
        if not answer.retry_after:
            return None
        try:
            seconds = int(", ".join(answer.retry_after)) / 1000.0
        except (ValueError, OverflowError):
            return None
        return seconds if seconds >= 0 else None

    def call(self, max_attempts: int, answers: list[Answer]) -> CallOutcome:
        outcome = CallOutcome()
        last_cost = 0
        for attempt, answer in enumerate(answers, 1):
            outcome.request_headers.append(f"attempt={attempt}; max={max_attempts}")
            parsed = None
            if answer.failure is None:
                parsed = botocore_answer(self.service, answer)[1]
            code = None if parsed is None or answer.status < 300 else parsed["Error"]["Code"]
            retryable, throttling = self._classify(answer, code)
            self.throttled.append(throttling)
            cost = THROTTLING_COST if throttling else OTHER_COST
            if attempt < max_attempts and retryable and cost <= self.quota_left:
                self.quota_left -= cost
                last_cost = cost
                scale = THROTTLING_SCALE if throttling else OTHER_SCALE
                delay = self.rng.random() * min(scale * 2 ** (attempt - 1), MAX_BACKOFF)
                hinted = self._retry_after(answer)
                if hinted is not None:
                    delay = max(delay, min(hinted, delay + RETRY_AFTER_EXTRA))
                outcome.delays.append(delay)
                continue
            if answer.failure is None and answer.status < 300:
                given_back = last_cost or NO_RETRY_INCREMENT
                self.quota_left = min(QUOTA, self.quota_left + given_back)
            outcome.ended = ended_as(self.service, answer, parsed)
            outcome.quota_left = self.quota_left
            return outcome
        raise AssertionError("the scenario gave the call too few answers")


Oracle = BotocoreRetries | ReferenceRetries
#: The oracle of the installed botocore: its own classes where it has the 2026
#: behaviour, the documented constants where it predates it (1.29.61).
ORACLE: type[BotocoreRetries] | type[ReferenceRetries] = (
    BotocoreRetries if BOTOCORE_HAS_2026_RETRIES else ReferenceRetries
)
