"""awsmith._core.adaptive on a fake clock: the send rate it settles on after each
response is botocore's (its ClientRateLimiter, CubicCalculator, RateClocker and
TokenBucket as the oracle, driven through the same clock), and the waits for a token are
computed exactly. Nothing sleeps: ``awsmith._core.aio.sleep`` advances the fake clock."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from botocore.retries import adaptive as b_adaptive
from botocore.retries import bucket as b_bucket
from botocore.retries import throttling as b_throttling
from hypothesis import given, settings
from hypothesis import strategies as st

from awsmith._core.adaptive import (
    MIN_FILL_RATE,
    AdaptiveRateLimiter,
    Cubic,
    RateClocker,
)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def current_time(self) -> float:  # botocore's Clock interface
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Detector:
    @staticmethod
    def is_throttling_error(*, throttled: bool) -> bool:
        return throttled


def botocore_limiter(clock: FakeClock) -> Any:
    return b_adaptive.ClientRateLimiter(
        rate_adjustor=b_throttling.CubicCalculator(starting_max_rate=0, start_time=clock.now),
        rate_clocker=b_adaptive.RateClocker(clock),
        token_bucket=b_bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=Detector(),
        clock=clock,
    )


def acquire(limiter: AdaptiveRateLimiter, clock: FakeClock) -> list[float]:
    """Runs ``limiter.acquire()`` to completion; the sleeps it asked for."""
    clock.sleeps = []
    with mock.patch("awsmith._core.aio.sleep", clock.sleep):
        coroutine = limiter.acquire()
        with pytest.raises(StopIteration):
            coroutine.send(None)  # the fake sleep never suspends
    return clock.sleeps


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    yield FakeClock(1000.25)


EVENTS = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=3.0, allow_nan=False).map(lambda x: round(x, 3)),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(events=EVENTS)
def test_the_rate_after_each_response_is_botocores(events: list[tuple[float, bool]]) -> None:
    clock = FakeClock(1000.25)
    ours = AdaptiveRateLimiter(clock=clock)
    theirs = botocore_limiter(clock)
    for step, throttled in events:
        clock.now += step
        ours.record(throttled=throttled)
        theirs.on_receiving_response(throttled=throttled)
        assert ours.enabled == theirs._enabled
        assert ours._clocker.rate == theirs._rate_clocker.measured_rate
        assert ours._cubic.w_max == theirs._rate_adjustor._w_max
        assert ours._cubic.k == theirs._rate_adjustor._k
        assert ours._cubic.last_fail == theirs._rate_adjustor._last_fail
        # the bucket too, before the first throttle as after it: it fills all along
        assert_same_bucket(ours, theirs)


def assert_same_bucket(ours: AdaptiveRateLimiter, theirs: Any) -> None:
    bucket = theirs._token_bucket
    assert ours.fill_rate == bucket.max_rate
    assert ours._max_capacity == bucket.max_capacity
    assert ours._capacity == bucket.available_capacity
    assert ours._last_refill == bucket._last_timestamp


def botocore_wait(limiter: Any) -> float:
    """What botocore's ``TokenBucket.acquire`` would wait now for one token (0: none),
    taking it as it does."""
    bucket = limiter._token_bucket
    bucket._refill()
    wait = max(0.0, (1 - bucket.available_capacity) / bucket.max_rate)
    bucket._current_capacity = max(0.0, bucket.available_capacity - 1)
    if wait:
        bucket._current_capacity = 0.0
        bucket._last_timestamp += wait
    return wait


@settings(max_examples=200, deadline=None)
@given(events=EVENTS, backoff=st.floats(min_value=0.0, max_value=3.0).map(lambda x: round(x, 3)))
def test_the_first_send_after_the_first_throttle_waits_as_botocores(
    events: list[tuple[float, bool]], backoff: float
) -> None:
    """Whatever came before (successes only, or throttles too), the send after the
    last response and a backoff waits what botocore's bucket makes it wait: before the
    fix awsmith's bucket started empty at the first throttle, botocore's full."""
    clock = FakeClock(1000.25)
    ours, theirs = AdaptiveRateLimiter(clock=clock), botocore_limiter(clock)
    for step, throttled in [*events, (0.0, True)]:
        clock.now += step
        ours.record(throttled=throttled)
        theirs.on_receiving_response(throttled=throttled)
    clock.now += backoff
    expected = botocore_wait(theirs)
    assert sum(acquire(ours, clock)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_nothing_is_limited_before_the_first_throttle(clock: FakeClock) -> None:
    limiter = AdaptiveRateLimiter(clock=clock)
    for _ in range(5):
        limiter.record(throttled=False)
        assert acquire(limiter, clock) == []
    assert limiter.enabled is False
    assert limiter.fill_rate == MIN_FILL_RATE


def test_after_a_throttle_each_send_waits_for_a_token(clock: FakeClock) -> None:
    """Three responses in the half-second bucket [1000.0, 1000.5), then a throttle at
    1000.5 closes it: 4 over 0.5 s is 8/s, smoothed (x 0.8) to 6.4/s; the new rate is
    0.7 x 6.4 = 4.48/s."""
    limiter = AdaptiveRateLimiter(clock=clock)
    for _ in range(3):
        limiter.record(throttled=False)
    clock.now = 1000.5
    limiter.record(throttled=True)
    assert limiter.enabled is True
    assert limiter._clocker.rate == pytest.approx(6.4)
    assert limiter.fill_rate == pytest.approx(0.7 * 6.4)
    assert limiter._max_capacity == pytest.approx(0.7 * 6.4)
    # the bucket filled before the throttle too (as botocore's does), at the rate the
    # successes set (nothing measured yet: the minimum 0.5/s) from 1000.25 to 1000.5:
    # 0.125 tokens, so the missing 0.875 takes 0.875 / 4.48 s
    assert acquire(limiter, clock) == [pytest.approx(0.875 / 4.48)]
    assert limiter._capacity == pytest.approx(0.0)
    # 2 s later the bucket holds min(4.48, 2 x 4.48) tokens: four sends do not wait
    clock.now += 2.0
    for _ in range(4):
        assert acquire(limiter, clock) == []
    assert limiter._capacity == pytest.approx(0.48)
    assert acquire(limiter, clock) == [pytest.approx(0.52 / 4.48)]


def test_the_fill_rate_never_drops_below_the_minimum(clock: FakeClock) -> None:
    limiter = AdaptiveRateLimiter(clock=clock)
    limiter.record(throttled=True)  # nothing measured yet: rate 0
    assert limiter.enabled is True
    assert limiter.fill_rate == MIN_FILL_RATE
    assert limiter._max_capacity == 1.0
    assert acquire(limiter, clock) == [2.0]  # 1 token at 0.5/s
    clock.now += 10.0  # the bucket holds at most its capacity of 1
    assert acquire(limiter, clock) == []
    assert acquire(limiter, clock) == [2.0]


def test_a_lower_rate_cuts_the_tokens_held(clock: FakeClock) -> None:
    limiter = AdaptiveRateLimiter(clock=clock)
    limiter._set_rate(5.0)
    clock.now += 10.0
    limiter._set_rate(2.0)  # refills to 5 at the old rate, then caps at the new 2
    assert limiter._capacity == 2.0
    assert limiter._max_capacity == 2.0
    assert limiter.fill_rate == 2.0


def test_cubic_grows_back_to_the_rate_of_the_last_throttle() -> None:
    cubic = Cubic(start_time=0.0)
    assert cubic.throttled(10.0, now=100.0) == pytest.approx(7.0)
    k = (10.0 * 0.3 / 0.4) ** (1 / 3)
    assert cubic.k == pytest.approx(k)
    assert cubic.success(100.0) == pytest.approx(7.0)
    assert cubic.success(100.0 + k) == pytest.approx(10.0)
    assert cubic.success(100.0 + k + 1) == pytest.approx(10.4)


def test_the_rate_clocker_smooths_per_half_second() -> None:
    clocker = RateClocker(now=10.7)  # first bucket starts at floor(10.7) = 10
    assert clocker.record(10.7) == pytest.approx(0.8 * 1 / 0.5)
    assert clocker.record(10.8) == pytest.approx(0.8 * 1 / 0.5)  # same bucket: unchanged
    rate = clocker.record(12.1)  # 2 sends over 12.0 - 10.5 = 1.5 s
    assert rate == pytest.approx((2 / 1.5) * 0.8 + 1.6 * 0.2)
    assert math.floor(12.1 / 0.5) * 0.5 == clocker._last_bucket
