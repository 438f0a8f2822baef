"""Soak: 2,000 calls, 100 in flight, through one client, against the fault server
injecting ~5% faults (503, connection closed without a response, throttling,
malformed 200 bodies).

Every call is accounted for: the server's log says which response each attempt of each
call got, so the outcome of every call is known in advance (a typed result echoing the
call's own id, or the typed error of its last response) and compared one by one. No
call may hang (one overall deadline) and nothing may stay open afterwards.
"""

from __future__ import annotations

import asyncio
import collections
import random
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

import awsmith
from awsmith.support import errors as serr
from awsmith.support import shapes as s
from devservers.fault_server import (
    Action,
    Dynamic,
    FaultServer,
    Hold,
    Reply,
    Request,
    Reset,
    fault_server,
)
from tests.resilience.helpers import AKID, TRANSPORTS, fast, open_fds, support, wait_until

CALLS = 2_000
IN_FLIGHT = 100
FAULT_RATE = 0.05

UNAVAILABLE = Reply.json({"message": "Service Unavailable"}, status=503)
THROTTLED = Reply.error("ThrottlingException", "Rate exceeded")
MALFORMED = Reply(body=b'{"cases": [{"caseId": ', headers=(("Content-Type", "application/json"),))
FAULTS: tuple[Action, ...] = (UNAVAILABLE, Reset(), THROTTLED, MALFORMED)

# thousands of calls against the fault server per test: 17 s at most on a loaded 2-core
# machine
pytestmark = [pytest.mark.anyio, pytest.mark.integration, pytest.mark.timeout(300)]


def call_id(request: Request) -> str:
    ids: list[str] = request.json()["caseIdList"]
    return ids[0]


def faulty(server: FaultServer, seed: int) -> Dynamic:
    """OK (echoing the call's id as the case id) or, with FAULT_RATE, one of FAULTS.

    Requests are held unanswered until IN_FLIGHT of them are at the server at once:
    the run goes on only if the client really achieves that concurrency (else it
    hangs, and fails at its deadline)."""
    rng = random.Random(seed)
    gate = asyncio.Event()

    def choose(request: Request) -> Action:
        if rng.random() < FAULT_RATE:
            action: Action = rng.choice(FAULTS)
        else:
            action = Reply.json({"cases": [{"caseId": call_id(request)}]})
        if gate.is_set():
            return action
        if server.in_flight == IN_FLIGHT:  # this request included
            gate.set()
        return Hold(gate, action)

    return Dynamic(choose, label="soak")


def retryable(action: Action | None) -> bool:
    return action is UNAVAILABLE or action is THROTTLED or isinstance(action, Reset)


def expected_outcome(action: Action | None, case_id: str) -> tuple[str, Any]:
    """What a call whose last attempt got ``action`` must end with."""
    if action is UNAVAILABLE:
        return ("error", (serr.SupportError, 503))
    if action is THROTTLED:
        return ("error", (serr.ThrottlingException, 400))
    if action is MALFORMED:
        return ("error", (awsmith.ResponseParseError, 200))
    if isinstance(action, Reset):
        return ("error", (awsmith.ConnectionFailedError, None))
    return ("ok", s.DescribeCasesResponse(cases=[s.CaseDetails(case_id=case_id)]))


def outcome_of(result: Any) -> tuple[str, Any]:
    if isinstance(result, BaseException):
        return ("error", (type(result), getattr(result, "status_code", None)))
    return ("ok", result)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server(key_id=AKID) as srv:
        yield srv


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_soak_every_call_accounted_for(server: FaultServer, transport: str) -> None:
    server.play(faulty(server, seed=20240501))
    outcomes: dict[str, Any] = {}
    fds_before = open_fds()
    # Keeps the callers waiting on the pool within its wait bound (the connect timeout).
    limiter = anyio.CapacityLimiter(IN_FLIGHT)

    # A read timeout far beyond the gate's wait: no call gives up on a held request.
    config = fast(max_pool_connections=IN_FLIGHT, read_timeout=30.0)
    async with support(server.url, transport, config) as client:

        async def one_call(n: int) -> None:
            case_id = f"call-{n:04d}"
            async with limiter:
                try:
                    outcomes[case_id] = await client.describe_cases(case_id_list=[case_id])
                except awsmith.AwsmithError as exc:  # anything else fails the test
                    outcomes[case_id] = exc

        with anyio.fail_after(120):  # none hung (a hang, not a speed limit)
            async with anyio.create_task_group() as tg:
                for n in range(CALLS):
                    tg.start_soon(one_call, n)

    assert len(outcomes) == CALLS
    # Measured at the server: IN_FLIGHT requests held there at once (the gate in
    # faulty() opened), and never more than the pool allows.
    assert server.peak_in_flight == IN_FLIGHT

    attempts: dict[str, list[Request]] = collections.defaultdict(list)
    for request in server.requests:
        attempts[call_id(request)].append(request)
    assert set(attempts) == set(outcomes)

    tally: collections.Counter[str] = collections.Counter()
    retried = 0
    for case_id, result in outcomes.items():
        tries = attempts[case_id]
        assert 1 <= len(tries) <= 3, (case_id, len(tries))
        for earlier in tries[:-1]:  # only retryable faults were retried
            assert retryable(earlier.action), (case_id, earlier.action)
        # ... and every retryable fault with attempts left was (the quota of 500 is
        # far from spent at this fault rate)
        assert not retryable(tries[-1].action) or len(tries) == 3, (case_id, tries[-1].action)
        retried += len(tries) - 1
        assert outcome_of(result) == expected_outcome(tries[-1].action, case_id), case_id
        tally[type(result).__name__] += 1
        if isinstance(result, awsmith.ServiceError | awsmith.ResponseParseError):
            assert result.request_id == f"fault-{tries[-1].index:04d}"

    faults = sum(1 for r in server.requests if r.action in FAULTS or isinstance(r.action, Reset))
    assert 0.03 * CALLS <= faults <= 0.08 * CALLS, faults
    assert tally["DescribeCasesResponse"] >= 0.9 * CALLS, tally
    assert sum(tally.values()) == CALLS
    retryable_faults = sum(1 for r in server.requests if retryable(r.action))
    assert retried == retryable_faults - sum(
        1 for tries in attempts.values() if len(tries) == 3 and retryable(tries[-1].action)
    )
    assert retried >= 0.02 * CALLS, retried  # the run did exercise retries

    # no leaked connections: the server saw every socket closed, and so did we
    assert await wait_until(lambda: server.open_connections == 0)
    assert await wait_until(lambda: open_fds() <= fds_before)
