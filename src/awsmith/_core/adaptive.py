"""AWS "adaptive" retry mode: client-side rate limiting after throttling.

A port of botocore's ``retries/adaptive.py``, ``bucket.py`` and ``throttling.py`` to
async code: until the first throttling error nothing is limited; after it, each attempt
takes a token from a bucket whose fill rate follows CUBIC (cut by ``BETA`` on every
throttle, grown back along a cubic curve on success, capped at twice the measured
send rate). As in botocore, the bucket's rate follows every response from the start
(it starts at 1 token a second), not only once limiting begins: the first throttle
finds the tokens the bucket gathered meanwhile, so the sends right after it need not
wait. Waiting for a token sleeps (``asyncio.sleep``, or trio's): it never blocks
the loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from awsmith._core import aio

SCALE_CONSTANT = 0.4
BETA = 0.7
MIN_FILL_RATE = 0.5
MAX_RATE_ADJUST_SCALE = 2.0
SMOOTHING = 0.8
TIME_BUCKET_RANGE = 0.5
#: The bucket's rate (tokens a second) before the first response (botocore's).
INITIAL_RATE = 1.0
#: A bucket short of a whole token by this much after waiting for it is short by float
#: rounding alone (``c + (1 - c) / r * r`` need not be 1): the token is taken, rather
#: than waiting again for a time too small to move the clock.
ROUNDING = 1e-9


class Cubic:
    """CUBIC congestion control over the send rate (requests per second)."""

    def __init__(self, start_time: float) -> None:
        self.w_max = 0.0
        self.k = 0.0
        self.last_fail = start_time

    def success(self, now: float) -> float:
        return SCALE_CONSTANT * (now - self.last_fail - self.k) ** 3 + self.w_max

    def throttled(self, current_rate: float, now: float) -> float:
        self.w_max = current_rate
        self.k = (self.w_max * (1 - BETA) / SCALE_CONSTANT) ** (1 / 3)
        self.last_fail = now
        return current_rate * BETA


class RateClocker:
    """Smoothed measure of the rate at which this client sends."""

    def __init__(self, now: float) -> None:
        self.rate = 0.0
        self._count = 0
        self._last_bucket = float(math.floor(now))

    def record(self, now: float) -> float:
        bucket = math.floor(now / TIME_BUCKET_RANGE) * TIME_BUCKET_RANGE
        self._count += 1
        if bucket > self._last_bucket:
            current = self._count / (bucket - self._last_bucket)
            self.rate = current * SMOOTHING + self.rate * (1 - SMOOTHING)
            self._count = 0
            self._last_bucket = bucket
        return self.rate


class AdaptiveRateLimiter:
    """Shared by all calls of one client. ``acquire`` before each attempt; ``record``
    after each response (``throttled`` for throttling errors)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        now = clock()
        self._cubic = Cubic(now)
        self._clocker = RateClocker(now)
        self.enabled = False
        self.fill_rate = MIN_FILL_RATE
        self._capacity = 0.0
        self._max_capacity = 1.0
        self._last_refill: float | None = None
        self._set_rate(INITIAL_RATE)  # botocore's TokenBucket(max_rate=1): filling from now

    def _refill(self) -> None:
        now = self._clock()
        if self._last_refill is not None:
            gained = (now - self._last_refill) * self.fill_rate
            self._capacity = min(self._max_capacity, self._capacity + gained)
        self._last_refill = now

    def _set_rate(self, rate: float) -> None:
        self._refill()
        self.fill_rate = max(rate, MIN_FILL_RATE)
        self._max_capacity = max(rate, 1.0)
        self._capacity = min(self._capacity, self._max_capacity)

    async def acquire(self) -> None:
        """Waits for a send token (only once throttling has been seen)."""
        if not self.enabled:
            return
        while True:
            self._refill()
            if self._capacity >= 1 - ROUNDING:
                self._capacity = max(0.0, self._capacity - 1)
                return
            await aio.sleep((1 - self._capacity) / self.fill_rate)

    def record(self, *, throttled: bool) -> None:
        now = self._clock()
        measured = self._clocker.record(now)
        if throttled:
            rate = measured if not self.enabled else min(measured, self.fill_rate)
            new_rate = self._cubic.throttled(rate, now)
            self.enabled = True
        else:
            new_rate = self._cubic.success(now)
        # Before the first throttle too: nothing waits for a token yet, but the bucket
        # fills at the rate the responses set, as botocore's does.
        self._set_rate(min(new_rate, MAX_RATE_ADJUST_SCALE * measured))
