"""The 2026 standard retry behaviour (issue 25 section 3), differentially: awsmith's
client, fed a scenario of answers through a MockTransport, against botocore's retry
classes fed the same answers (tests/unit/retry_oracle.py), with the same seeded random
source: the same attempts and ``amz-sdk-request`` headers, the same delays, the same
outcome and the same retry quota after every call, in standard and in adaptive mode.
Under botocore 1.29.61, which predates the 2026 behaviour, the oracle is the behaviour's
documented constants instead (``retry_oracle.ReferenceRetries``), and a test checks
that the reference agrees with the lock's botocore. Nothing sleeps: ``aio.sleep`` is
recorded."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

import awsmith
from awsmith._core import retry
from awsmith._core.adaptive import AdaptiveRateLimiter
from awsmith._core.client import BaseClient
from awsmith._core.transport.http import TransportResponse
from tests.unit import retry_oracle as oracle
from tests.unit.mockaws import Script, codeguru, support
from tests.unit.retry_oracle import CODEGURU, ORACLE, SUPPORT, Answer, CallOutcome, Service

OPEN = {"support": support, "codeguruprofiler": codeguru}

DIFF = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# ---------------------------------------------------------------- awsmith's side


def _httpx_answer(service: Service, answer: Answer) -> httpx.Response:
    if answer.failure is not None:
        raise {
            "connect": httpx.ConnectError("[Errno 111] Connection refused"),
            "connect_timeout": httpx.ConnectTimeout("timed out"),
            "read_timeout": httpx.ReadTimeout("timed out"),
            "reset": httpx.RemoteProtocolError("Server disconnected without sending a response."),
        }[answer.failure]
    status, fields, body = service.wire(answer)
    return httpx.Response(status, headers=fields, content=body)


class Recorder:
    """The transport's answers, the requests' amz-sdk-request headers, the sleeps, and
    in adaptive mode what the rate limiter was told (its waits are not made)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.answers: list[Answer] = []
        self.headers: list[str] = []
        self.sleeps: list[float] = []
        self.throttled: list[bool] = []
        self.acquired = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(request.headers["amz-sdk-request"])
        return _httpx_answer(self.service, self.answers.pop(0))

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def acquire(self) -> None:  # replaces AdaptiveRateLimiter.acquire (no self)
        self.acquired += 1

    def record(self, *, throttled: bool) -> None:
        self.throttled.append(throttled)


class Fixed:
    """A random source whose every draw is ``value``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


HALF = Fixed(0.5)


@contextmanager
def recording(recorder: Recorder, seed: int | Fixed) -> Iterator[None]:
    rng = seed if isinstance(seed, Fixed) else random.Random(seed)
    with (
        mock.patch.object(retry, "random", rng),
        mock.patch("awsmith._core.aio.sleep", recorder.sleep),
        mock.patch.object(AdaptiveRateLimiter, "acquire", recorder.acquire),
        mock.patch.object(AdaptiveRateLimiter, "record", recorder.record),
    ):
        yield


async def _one_call(client: BaseClient, service: Service) -> str:
    try:
        if service is SUPPORT:
            await client.describe_cases()  # type: ignore[attr-defined]
        else:
            await client.get_policy(profiling_group_name="g")  # type: ignore[attr-defined]
    except awsmith.ServiceError as exc:
        return exc.code
    except awsmith.TransportError as exc:
        return {
            awsmith.ConnectTimeoutError: "connect_timeout",
            awsmith.ReadTimeoutError: "read_timeout",
        }.get(type(exc), "connection failed")
    return "ok"


def run_awsmith(
    service: Service,
    calls: list[tuple[int, list[Answer]]],
    quota_left: int,
    seed: int | Fixed,
    mode: str = "standard",
    environ: dict[str, str] | None = None,
) -> tuple[list[CallOutcome], Recorder]:
    """Each call on one client (a ``with_options`` view for its max_attempts: the views
    share the client's quota)."""
    recorder = Recorder(service)
    outcomes: list[CallOutcome] = []

    async def main() -> None:
        config = awsmith.Config(retry_mode=mode)  # type: ignore[arg-type]  # a test's str
        async with OPEN[service.name](Script(recorder), config=config) as client:
            client._quota.available = quota_left
            for max_attempts, answers in calls:
                recorder.answers = list(answers)
                sent, slept = len(recorder.headers), len(recorder.sleeps)
                ended = await _one_call(client.with_options(max_attempts=max_attempts), service)
                outcomes.append(
                    CallOutcome(
                        request_headers=recorder.headers[sent:],
                        delays=recorder.sleeps[slept:],
                        ended=ended,
                        quota_left=client._quota.available,
                    )
                )

    with mock.patch.dict("os.environ", environ or {}), recording(recorder, seed):
        asyncio.run(main())
    return outcomes, recorder


def run_oracle(
    cls: type[oracle.BotocoreRetries] | type[oracle.ReferenceRetries],
    service: Service,
    calls: list[tuple[int, list[Answer]]],
    quota_left: int,
    seed: int,
) -> tuple[list[CallOutcome], list[bool]]:
    sdk = cls(service, quota_left, random.Random(seed))
    outcomes = [sdk.call(max_attempts, answers) for max_attempts, answers in calls]
    for outcome in outcomes:  # awsmith names every connection failure alike
        if outcome.ended in ("connect", "reset"):
            outcome.ended = "connection failed"
    return outcomes, sdk.throttled


# ---------------------------------------------------------------- answers

FAILURES = st.sampled_from(["connect", "connect_timeout", "read_timeout", "reset"])
RETRY_AFTER_VALUES = st.one_of(
    st.integers(min_value=-2000, max_value=40000).map(str),
    st.sampled_from(
        ["", "abc", "1.5", " 250 ", "+100", "1_000", "0x10", "-0", "1e3", "9" * 400, "1" + "0" * 400]
    ),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=6),
)
STATUSES = st.sampled_from([400, 403, 404, 408, 429, 500, 501, 502, 503, 504])


def answers_for(service: Service) -> st.SearchStrategy[Answer]:
    codes = st.one_of(
        st.none(),
        st.sampled_from(
            sorted(oracle.THROTTLING_CODES | oracle.TRANSIENT_CODES)
            + service.modeled_codes()
            + ["UnknownError"]
        ),
    )
    errors = st.builds(
        Answer,
        status=STATUSES,
        code=codes,
        json_body=st.booleans(),
        retry_after=st.lists(RETRY_AFTER_VALUES, max_size=2).map(tuple),
    )
    return st.one_of(
        st.just(Answer()),
        errors,
        errors,
        errors,
        st.builds(Answer, failure=FAILURES),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Service, list[tuple[int, list[Answer]]], int, int]:
    service = draw(st.sampled_from([SUPPORT, CODEGURU]))
    answers = answers_for(service)
    calls = draw(
        st.lists(
            st.integers(min_value=1, max_value=6).flatmap(
                lambda n: st.tuples(st.just(n), st.lists(answers, min_size=n, max_size=n))
            ),
            min_size=1,
            max_size=5,
        )
    )
    quota_left = draw(st.one_of(st.integers(min_value=0, max_value=40), st.just(500)))
    seed = draw(st.integers(min_value=0, max_value=2**32))
    return service, calls, quota_left, seed


def test_the_answers_codes_mean_the_same_to_both_sides() -> None:
    """The modeled codes drawn are the operation's, which awsmith's error table has too;
    "UnknownError" is unknown to both."""
    from awsmith.codeguruprofiler._serde import SERVICE as CODEGURU_SERVICE
    from awsmith.support._serde import SERVICE as SUPPORT_SERVICE

    for service, info in ((SUPPORT, SUPPORT_SERVICE), (CODEGURU, CODEGURU_SERVICE)):
        assert service.modeled_codes()
        assert set(service.modeled_codes()) <= set(info.errors)
        assert "UnknownError" not in info.errors


# ---------------------------------------------------------------- the differential


def test_the_oracle_of_this_botocore() -> None:
    """Under the lock's botocore (1.44) the differential tests compare with botocore's own
    classes; under 1.29.61 (``make test-botocore-min``), which has only the old ones,
    with the documented constants instead (they are checked against botocore 1.44 by
    test_the_reference_is_botocores_own_behaviour)."""
    import botocore

    version = tuple(int(part) for part in botocore.__version__.split(".")[:2])
    if version >= (1, 44):
        assert ORACLE is oracle.BotocoreRetries
    if version < (1, 43):
        assert ORACLE is oracle.ReferenceRetries


@DIFF
@given(scenario=scenarios())
@example(
    scenario=(CODEGURU, [(4, [Answer(429), Answer(503), Answer(200), Answer()])], 500, 1)
)
@example(
    scenario=(SUPPORT, [(3, [Answer(503, retry_after=("3000",)), Answer(), Answer()])], 500, 7)
)
def test_standard_mode_matches_the_oracle(
    scenario: tuple[Service, list[tuple[int, list[Answer]]], int, int],
) -> None:
    service, calls, quota_left, seed = scenario
    ours, _ = run_awsmith(service, calls, quota_left, seed)
    theirs, _ = run_oracle(ORACLE, service, calls, quota_left, seed)
    assert ours == theirs


@settings(DIFF, max_examples=150)
@given(scenario=scenarios())
def test_adaptive_mode_is_standard_mode_with_the_limiter_on_top(
    scenario: tuple[Service, list[tuple[int, list[Answer]]], int, int],
) -> None:
    """The same attempts, delays and quota as standard mode; the limiter is asked for a
    token before every attempt and told of every answer, throttling as botocore's
    ClientRateLimiter is told (its ThrottlingErrorDetector)."""
    service, calls, quota_left, seed = scenario
    ours, recorder = run_awsmith(service, calls, quota_left, seed, mode="adaptive")
    theirs, throttled = run_oracle(ORACLE, service, calls, quota_left, seed)
    assert ours == theirs
    assert recorder.throttled == throttled
    assert recorder.acquired == len(throttled) == sum(len(o.request_headers) for o in ours)


@settings(DIFF, max_examples=200)
@given(scenario=scenarios())
def test_the_reference_is_botocores_own_behaviour(
    scenario: tuple[Service, list[tuple[int, list[Answer]]], int, int],
) -> None:
    """The oracle of botocore 1.29.61's run (the documented constants) is the lock's
    botocore's behaviour. Under 1.29.61 itself, which has only the old classes: they are
    the old behaviour (a retry costs 5 or 10 and backs off 1 s for every error), which
    is why the constants stand in for them there."""
    service, calls, quota_left, seed = scenario
    reference = run_oracle(oracle.ReferenceRetries, service, calls, quota_left, seed)
    if oracle.BOTOCORE_HAS_2026_RETRIES:
        assert run_oracle(oracle.BotocoreRetries, service, calls, quota_left, seed) == reference
    else:
        from botocore.retries import standard

        assert standard.RetryQuotaChecker._RETRY_COST == 5
        assert standard.RetryQuotaChecker._TIMEOUT_RETRY_REQUEST == 10
        assert not hasattr(standard.ExponentialBackoff, "_RETRY_AFTER_HEADER")
        assert not hasattr(standard, "ThrottlingStatusCodeChecker")


# ---------------------------------------------------------------- the rules, spelled out


def _response(status: int, *retry_after: str) -> TransportResponse:
    return TransportResponse(status, CIMultiDict((oracle.RETRY_AFTER, v) for v in retry_after), b"")


UNAVAILABLE = awsmith.ServiceError("", code="503", status_code=503)
THROTTLED = awsmith.ServiceError("", code="ThrottlingException", status_code=400)


@pytest.mark.parametrize(
    ("error", "fields", "delay"),
    [
        (UNAVAILABLE, (), 0.025),  # t = 0.5 x 0.05
        (UNAVAILABLE, ("3000",), 3.0),  # raised to the hint
        (UNAVAILABLE, ("500",), 0.5),
        (UNAVAILABLE, ("10",), 0.025),  # never lowered
        (UNAVAILABLE, ("0",), 0.025),
        (UNAVAILABLE, ("-0",), 0.025),
        (UNAVAILABLE, ("60000",), 5.025),  # at most t + 5
        (THROTTLED, ("60000",), 5.5),  # t = 0.5 x 1
        (THROTTLED, ("2000",), 2.0),
        (UNAVAILABLE, (" 1500 ",), 1.5),  # Python's int(), as botocore reads it
        (UNAVAILABLE, ("1_500",), 1.5),
        (UNAVAILABLE, ("-5",), 0.025),  # ignored: negative
        (UNAVAILABLE, ("1.5",), 0.025),  # ignored: not whole milliseconds
        (UNAVAILABLE, ("soon",), 0.025),
        (UNAVAILABLE, ("",), 0.025),
        (UNAVAILABLE, ("1" + "0" * 400,), 0.025),  # ignored: too large for a float
        (UNAVAILABLE, ("100", "200"), 0.025),  # ignored: "100, 200", as urllib3 joins them
    ],
)
def test_x_amz_retry_after(error: awsmith.ServiceError, fields: tuple[str, ...], delay: float) -> None:
    with mock.patch("random.random", return_value=0.5):
        planned = retry.plan_retry(
            retry.RetryQuota(), error, _response(error.status_code, *fields), 1, 1.0, 20.0
        )
    assert planned is not None and planned[1] == delay


def test_x_amz_retry_after_in_a_plain_mapping() -> None:
    """A response whose headers are a plain mapping (a Stubber's, say) is read too."""
    response = TransportResponse(503, {oracle.RETRY_AFTER: "2500"}, b"")
    with mock.patch("random.random", return_value=0.5):
        planned = retry.plan_retry(retry.RetryQuota(), UNAVAILABLE, response, 1, 1.0, 20.0)
    assert planned == (14, 2.5)


def test_retry_after_caps_apply_to_the_jittered_delay_not_to_max_backoff() -> None:
    """max_backoff bounds the jittered delay only; the hint may go past it, up to 5 s
    more (botocore's ExponentialBackoff)."""
    with mock.patch("random.random", return_value=1.0):
        planned = retry.plan_retry(
            retry.RetryQuota(), THROTTLED, _response(400, "9000"), 6, 1.0, 2.0
        )
    assert planned == (5, 7.0)  # t = min(2, 32) = 2; min(9, 2 + 5) = 7


@pytest.mark.parametrize(
    ("fields", "logged"),
    [
        (("in a minute",), "'in a minute'"),
        (("-5",), "'-5'"),
        (("100", "200"), "'100, 200'"),  # as urllib3 joins them for botocore
        (("x" * 150,), repr("x" * 100)),  # the first 100 characters
        (("0",), None),
        (("-0",), None),
        (("250",), None),
    ],
)
def test_an_ignored_retry_after_is_logged(
    caplog: pytest.LogCaptureFixture, fields: tuple[str, ...], logged: str | None
) -> None:
    caplog.set_level(logging.DEBUG, logger="awsmith")
    hint = retry.retry_after(_response(503, *fields))
    records = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    if logged is None:
        assert hint is not None and records == []
        return
    assert hint is None
    assert records == [
        (
            "awsmith.client",
            "DEBUG",
            f"ignoring x-amz-retry-after {logged}: not a whole number of milliseconds >= 0",
        )
    ]


def test_the_standard_retry_after_header_is_not_read() -> None:
    response = TransportResponse(503, CIMultiDict({"Retry-After": "7"}), b"")
    assert retry.retry_after(response) is None


def _calls(*answers: Answer, max_attempts: int = 3) -> list[tuple[int, list[Answer]]]:
    return [(max_attempts, list(answers))]


def test_a_success_gives_back_what_its_last_retry_cost() -> None:
    """Throttled (5), then a 503 (14), then a success: 14 is given back, not 19
    (botocore keeps the last acquisition in the request context)."""
    outcomes, _ = run_awsmith(
        SUPPORT, _calls(Answer(400, "ThrottlingException"), Answer(503), Answer()), 500, 3
    )
    assert outcomes[0].ended == "ok"
    assert outcomes[0].quota_left == 500 - 5 - 14 + 14


def test_a_first_attempt_success_gives_back_one() -> None:
    outcomes, _ = run_awsmith(SUPPORT, _calls(Answer()) * 2, 400, 3)
    assert [o.quota_left for o in outcomes] == [401, 402]
    assert [o.request_headers for o in outcomes] == [["attempt=1; max=3"]] * 2


def test_an_empty_429_is_retried_as_throttling() -> None:
    """A 429 without an error code (code "429"): retried, at the throttling scale and
    cost (before 2026 it was not retried at all)."""
    outcomes, _ = run_awsmith(CODEGURU, _calls(Answer(429), Answer(429), Answer()), 500, HALF)
    assert outcomes[0] == CallOutcome(
        request_headers=["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"],
        delays=[0.5, 1.0],
        ended="ok",
        quota_left=500 - 5 - 5 + 5,
    )


def test_a_429_whose_code_the_service_models_elsewhere_is_not_retried() -> None:
    """Where awsmith and botocore differ: botocore asks the *operation's* error shapes
    whether a 429's code is modeled; awsmith's error classes are the service's (its
    generated code keeps no per-operation error list). GetPolicy does not model
    ValidationException, CodeGuru Profiler does: botocore retries this as throttling,
    awsmith raises it at once. No such answer is known from AWS (a 429 carries a
    throttling code)."""
    outcomes, _ = run_awsmith(
        CODEGURU, _calls(Answer(429, "ValidationException"), Answer()), 500, 0
    )
    assert outcomes[0].ended == "ValidationException"
    assert len(outcomes[0].request_headers) == 1
    assert "ValidationException" not in CODEGURU.modeled_codes()


@pytest.mark.parametrize("value", [None, "true", "false", "TRUE", "0", "maybe"])
def test_aws_new_retries_2026_is_accepted_and_ignored(value: str | None) -> None:
    """As botocore 1.44 does: the 2026 behaviour whatever the variable says (it has no
    reader in botocore 1.44 any more); never an error, even for a value that is no
    boolean."""
    environ = {} if value is None else {"AWS_NEW_RETRIES_2026": value}
    outcomes, _ = run_awsmith(
        SUPPORT, _calls(Answer(503), Answer(503), Answer()), 500, HALF, environ=environ
    )
    assert outcomes[0].delays == [0.025, 0.05]
    assert outcomes[0].quota_left == 500 - 14 - 14 + 14


def test_botocore_1_44_reads_no_aws_new_retries_2026() -> None:
    """The variable is not one of botocore's settings (so awsmith's table marks it as
    accepted and ignored); under 1.29.61 it never was."""
    import botocore.configprovider

    names = {
        env
        for _, env, *_ in botocore.configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES.values()
        for env in ([env] if isinstance(env, str) else env or [])
    }
    assert "AWS_NEW_RETRIES_2026" not in names
    if oracle.BOTOCORE_HAS_2026_RETRIES:
        assert botocore.configprovider.NEW_RETRIES_ENABLED is True


def _botocore_delay(code: str, attempt: int, draw: float) -> float:
    """botocore 1.44's ``ExponentialBackoff`` for attempt ``attempt`` failing with
    ``code`` (no response headers), its random source returning ``draw``."""
    from botocore.retries import standard

    backoff = standard.ExponentialBackoff(
        random=lambda: draw,
        throttling_detector=standard.ThrottlingErrorDetector(standard.RetryEventAdapter()),
    )
    context = standard.RetryContext(
        attempt_number=attempt, parsed_response={"Error": {"Code": code}}
    )
    return float(backoff.delay_amount(context))


@settings(max_examples=200, deadline=None)
@given(
    attempt=st.one_of(
        st.integers(min_value=1, max_value=1100), st.integers(min_value=1, max_value=10**7)
    ),
    draw=st.floats(min_value=0.0, max_value=1.0),
)
@example(attempt=1025, draw=0.5)
@example(attempt=1026, draw=1.0)
def test_any_attempt_number_backs_off_as_botocore(attempt: int, draw: float) -> None:
    """A throttled attempt's delay, for any attempt number, is botocore's: capped at
    20 s once ``2 ** (n - 1)`` passes it. Before the fix attempt 1025 onwards raised
    OverflowError (``float(2 ** 1024)``) after the quota was taken."""
    if not oracle.BOTOCORE_HAS_2026_RETRIES:
        return  # 1.29.61 (make test-botocore-min): no 2026 backoff to compare with
    quota = retry.RetryQuota()
    with mock.patch.object(retry, "random", Fixed(draw)):
        planned = retry.plan_retry(quota, THROTTLED, None, attempt, 1.0, 20.0)
    assert planned == (5, _botocore_delay("ThrottlingException", attempt, draw))
    assert quota.available == 495


@pytest.mark.parametrize("attempt", [1024, 1025, 1026, 5000])
def test_a_huge_attempt_number_after_any_error_backs_off_for_the_cap(attempt: int) -> None:
    """A 503's delay at the same attempt numbers: the cap (0.5 x 20 s). botocore itself
    raises OverflowError here from attempt 1025 on (``0.05 * 2 ** 1024``: its
    non-throttling scale is a float); awsmith gives the capped delay instead, the only
    value botocore's formula can mean."""
    quota = retry.RetryQuota()
    with mock.patch.object(retry, "random", HALF):
        planned = retry.plan_retry(quota, UNAVAILABLE, None, attempt, 1.0, 20.0)
    assert planned == (14, 10.0)
    assert quota.available == 486
    if oracle.BOTOCORE_HAS_2026_RETRIES and attempt >= 1025:
        with pytest.raises(OverflowError, match="int too large to convert to float"):
            _botocore_delay("ServiceUnavailable", attempt, 0.5)


@pytest.mark.parametrize("max_attempts", [1, 3])
def test_an_unreadable_2xx_is_told_to_the_limiter_once(max_attempts: int) -> None:
    """One record per answer, as botocore's ClientRateLimiter hears of each once (one
    needs-retry event): a 2xx whose body cannot be parsed was recorded twice, as a
    success before parsing and again as the parse error's outcome. It is not
    retried, and not throttling."""
    recorder = Recorder(SUPPORT)

    def unreadable(request: httpx.Request) -> httpx.Response:
        recorder.headers.append(request.headers["amz-sdk-request"])
        return httpx.Response(
            200, headers={"Content-Type": "application/json"}, content=b'{"cases": [1'
        )

    async def main() -> None:
        config = awsmith.Config(retry_mode="adaptive", max_attempts=max_attempts)
        async with support(Script(unreadable), config=config) as client:
            with pytest.raises(awsmith.ResponseParseError):
                await client.describe_cases()
            assert client._quota.available == 500  # the 2xx gave back 1 to a full bucket

    with recording(recorder, HALF):
        asyncio.run(main())
    assert recorder.headers == [f"attempt=1; max={max_attempts}"]
    assert recorder.acquired == 1
    assert recorder.throttled == [False]


def _botocore_legacy_attempts(mode: str) -> list[str]:
    """The ``amz-sdk-request`` of every attempt botocore (a real Support client) makes
    for DescribeCases answered 503 each time, under ``AWS_RETRY_MODE=mode``."""
    import botocore.session
    from botocore.awsrequest import AWSResponse

    class Body:
        def stream(self, **_: object) -> Iterator[bytes]:
            return iter([b'{"message": "unavailable"}'])

    sent: list[str] = []

    def answer(request: object, **_: object) -> AWSResponse:
        sent.append(request.headers["amz-sdk-request"].decode())  # type: ignore[attr-defined]
        return AWSResponse(request.url, 503, {}, Body())  # type: ignore[attr-defined]

    with mock.patch.dict("os.environ", {"AWS_RETRY_MODE": mode}), mock.patch("time.sleep"):
        session = botocore.session.Session()
        session.set_config_variable("config_file", "/nonexistent")
        client = session.create_client(
            "support", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        client.meta.events.register("before-send", answer)
        with pytest.raises(client.exceptions.ClientError):
            client.describe_cases()
    return sent


def test_aws_retry_mode_legacy_is_standard_mode_not_botocores_legacy() -> None:
    """The documented difference (docs/configuration.md, the ``legacy`` row): awsmith has
    no legacy mode and reads ``AWS_RETRY_MODE=legacy`` as ``standard``: 3 attempts on a
    503, ``max=3`` from the first. botocore 1.44's legacy mode makes 5, its first
    without ``max``; its standard mode is awsmith's."""
    environ = {"AWS_RETRY_MODE": "legacy"}
    script = Script(httpx.Response(503, json={"message": "unavailable"}))

    async def main() -> None:
        async with support(script) as client:
            with pytest.raises(awsmith.ServiceError) as caught:
                await client.describe_cases()
            assert caught.value.attempts == 3

    with mock.patch.dict("os.environ", environ), recording(Recorder(SUPPORT), HALF):
        asyncio.run(main())
    ours = [r.headers["amz-sdk-request"] for r in script.requests]
    assert ours == ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
    theirs = _botocore_legacy_attempts("standard")
    if oracle.BOTOCORE_HAS_2026_RETRIES:
        assert theirs == ours
    else:  # before 1.43.3 botocore's first attempt had no max (the 2026 behaviour added it)
        assert theirs == ["attempt=1", *ours[1:]]
    if oracle.BOTOCORE_HAS_2026_RETRIES:  # the lock's botocore (1.44)
        assert _botocore_legacy_attempts("legacy") == [
            "attempt=1", "attempt=2; max=5", "attempt=3; max=5", "attempt=4; max=5",
            "attempt=5; max=5",
        ]  # fmt: skip
