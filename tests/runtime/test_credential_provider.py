"""``credentials=`` given an async provider (``awsmith.CredentialProvider``).

The provider is called on first use and as its credentials near expiry (in the
background from 5 minutes before it, waited for from 1 minute before it); concurrent
calls share one call of it, which no caller owns (a cancelled caller or one past its
``call_timeout`` stops waiting, the fetch goes on); its failures, and results of the
wrong kind, raise ``CredentialsError`` naming it; a failed refresh keeps still-valid
credentials; a failure does not stick. Calls go through the Support client and an ``httpx.MockTransport``, and the
credentials used are read back from each request's SigV4 headers. The refresh window
itself is tested on ``CachingProvider`` with a fake clock.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import types
from collections.abc import Awaitable, Callable, Generator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith._core.credentials import (
    BACKGROUND_REFRESH_INTERVAL,
    PROVIDER_ADVISORY_SECONDS,
    PROVIDER_MANDATORY_SECONDS,
    CachingProvider,
)
from awsmith.support import SupportClient

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credentials import Capture, aws_env, settled  # noqa: F401

pytestmark = pytest.mark.anyio


def keys(capture: Capture) -> list[str]:
    """The access key id each request was signed with."""
    return [capture.access_key(i) for i in range(len(capture.requests))]


def creds(n: int, expiry: datetime | None = None) -> awsmith.Credentials:
    return awsmith.Credentials(
        access_key_id=f"ASIAKEY{n}",
        secret_access_key=f"secret{n}",
        session_token=f"token{n}",
        expiry=expiry,
    )


class Counting:
    """An async provider that counts its calls and gives ``ASIAKEY<n>`` on the n-th;
    ``lifetime`` sets each expiry from now, ``gate`` (if set) holds every call."""

    def __init__(self, lifetime: timedelta | None = timedelta(hours=1)) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.gate: anyio.Event | None = None
        #: Set (if given) when the first call has started.
        self.entered: anyio.Event | None = None
        self.fail_with: Exception | None = None

    async def __call__(self) -> awsmith.Credentials:
        self.calls += 1
        if self.entered is not None:
            self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        expiry = None if self.lifetime is None else datetime.now(UTC) + self.lifetime
        return creds(self.calls, expiry)

    def __repr__(self) -> str:
        return "Counting()"


async def calls(
    provider: object, n: int = 1, capture: Capture | None = None, *, concurrent: bool = False
) -> Capture:
    """``n`` DescribeServices calls (one after another, or all at once) on a Support
    client with ``credentials=provider``; the requests sent."""
    capture = capture or Capture()
    http = httpx.AsyncClient(transport=httpx.MockTransport(capture))
    client = SupportClient(region="us-east-1", http_client=http, credentials=provider)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # wrong kinds too
    async with http, client:
        if concurrent:
            async with anyio.create_task_group() as tg:
                for _ in range(n):
                    tg.start_soon(client.describe_services)
        else:
            for _ in range(n):
                await client.describe_services()
    return capture


# ---------------------------------------------------------------- happy paths


async def test_called_on_first_use_then_cached() -> None:
    provider = Counting()
    client = SupportClient(region="us-east-1", credentials=provider)
    assert provider.calls == 0  # the constructor does not call it
    await client.close()
    capture = await calls(provider, 3)
    assert provider.calls == 1
    assert keys(capture) == ["ASIAKEY1"] * 3
    assert [capture.token(i) for i in range(3)] == ["token1"] * 3


async def test_credentials_without_expiry_are_never_refreshed() -> None:
    provider = Counting(lifetime=None)
    capture = await calls(provider, 4)
    assert provider.calls == 1
    assert keys(capture) == ["ASIAKEY1"] * 4


async def test_concurrent_first_calls_share_one_provider_call() -> None:
    provider = Counting()
    provider.gate = anyio.Event()
    provider.entered = anyio.Event()
    capture = Capture()

    async def release_when_all_wait() -> None:
        # The client's first call resolves its endpoint in a worker thread (a task
        # waiting for a thread counts as blocked): wait for the provider's first call.
        await provider.entered.wait()
        await anyio.wait_all_tasks_blocked()
        assert provider.calls == 1  # 20 calls are waiting for it, none called it again
        assert provider.gate is not None
        provider.gate.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(release_when_all_wait)
        tg.start_soon(functools.partial(calls, provider, 20, capture, concurrent=True))
    assert provider.calls == 1
    assert keys(capture) == ["ASIAKEY1"] * 20


async def test_near_expiry_credentials_are_refreshed_in_the_background() -> None:
    # Each call of this provider gives credentials 4 minutes from expiry: inside the
    # 5-minute window, outside the 1-minute one. The call that finds them there uses
    # them and starts a refresh that nobody waits for; the next call takes its result.
    # Another refresh waits BACKGROUND_REFRESH_INTERVAL (10 s).
    provider = Counting(lifetime=timedelta(minutes=4))
    cache = CachingProvider(provider)
    assert (await cache()).access_key_id == "ASIAKEY1"
    assert (await cache()).access_key_id == "ASIAKEY1"
    await settled(cache)
    assert provider.calls == 2
    assert [(await cache()).access_key_id for _ in range(3)] == ["ASIAKEY2"] * 3
    assert provider.calls == 2


async def test_credentials_outside_the_window_are_kept() -> None:
    provider = Counting(lifetime=timedelta(minutes=6))
    capture = await calls(provider, 3)
    assert provider.calls == 1
    assert keys(capture) == ["ASIAKEY1"] * 3


async def test_concurrent_refresh_of_expiring_credentials_is_one_call() -> None:
    provider = Counting(lifetime=timedelta(minutes=1))
    cache = CachingProvider(provider)
    assert (await cache()).access_key_id == "ASIAKEY1"
    provider.gate = anyio.Event()
    got: list[str] = []

    async def one() -> None:
        got.append((await cache()).access_key_id)

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(one)
        await anyio.wait_all_tasks_blocked()
        assert provider.calls == 2
        provider.gate.set()
    # All ten shared the one refresh, though what it gave is itself inside the window.
    assert provider.calls == 2
    assert got == ["ASIAKEY2"] * 10


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_refresh_window_boundaries_with_a_fake_clock() -> None:
    """Up to 5 minutes before expiry the credentials are used as they are; from then
    on a call uses them and refreshes in the background; from 1 minute before expiry
    on, calls wait for the refresh."""
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    expiry = start + timedelta(hours=1)
    clock = FakeClock(start.timestamp())
    fetched: list[int] = []

    async def fetch() -> awsmith.Credentials:
        fetched.append(1)
        return creds(len(fetched), expiry + timedelta(hours=len(fetched) - 1))

    cache = CachingProvider(fetch, clock=clock)
    assert (await cache()).access_key_id == "ASIAKEY1"
    clock.now = expiry.timestamp() - PROVIDER_ADVISORY_SECONDS - 0.001
    assert (await cache()).access_key_id == "ASIAKEY1"
    await settled(cache)
    assert len(fetched) == 1
    clock.now = expiry.timestamp() - PROVIDER_ADVISORY_SECONDS  # exactly 5 minutes left
    assert (await cache()).access_key_id == "ASIAKEY1"  # used; the refresh is behind
    await settled(cache)
    assert len(fetched) == 2
    assert (await cache()).access_key_id == "ASIAKEY2"  # the new one expires an hour later
    # ASIAKEY2 a hair before its mandatory window: still used, refreshed behind.
    clock.now = expiry.timestamp() + 3600 - PROVIDER_MANDATORY_SECONDS - 0.001
    assert (await cache()).access_key_id == "ASIAKEY2"
    await settled(cache)
    assert len(fetched) == 3
    # ASIAKEY3 exactly 1 minute from expiry: the call waits for ASIAKEY4.
    clock.now = expiry.timestamp() + 7200 - PROVIDER_MANDATORY_SECONDS
    assert (await cache()).access_key_id == "ASIAKEY4"
    assert len(fetched) == 4
    assert (PROVIDER_ADVISORY_SECONDS, PROVIDER_MANDATORY_SECONDS) == (300, 60)


async def test_an_expiry_in_another_timezone_is_compared_as_an_instant() -> None:
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    clock = FakeClock(start.timestamp())
    plus_two = timezone(timedelta(hours=2))
    fetched: list[int] = []

    async def fetch() -> awsmith.Credentials:
        fetched.append(1)
        # 14:10 at UTC+2 is 12:10 UTC
        return creds(1, datetime(2026, 1, 1, 14, 10, tzinfo=plus_two))

    cache = CachingProvider(fetch, clock=clock)
    await cache()
    clock.now = start.timestamp() + 4 * 60 + 59  # 5 min 1 s left: kept
    await cache()
    await settled(cache)
    assert len(fetched) == 1
    clock.now = start.timestamp() + 5 * 60  # 5 minutes left: fetched again, behind
    await cache()
    await settled(cache)
    assert len(fetched) == 2
    clock.now = start.timestamp() + 9 * 60  # 1 minute left: the call waits for a fetch
    await cache()
    assert len(fetched) == 3
    clock.now = start.timestamp() + 10 * 60  # expired: what the provider gives is refused
    with pytest.raises(awsmith.CredentialsError) as info:
        await cache()
    assert str(info.value).endswith("returned credentials that expired at 2026-01-01T14:10:00+02:00")
    assert len(fetched) == 4


async def test_awaitables_that_are_not_coroutines_are_providers() -> None:
    """What ``await`` accepts: an object with ``__await__``, and a generator made a
    coroutine by ``types.coroutine`` (as ``inspect.isawaitable`` has it)."""

    class Pending:
        def __await__(self) -> Generator[None, None, awsmith.Credentials]:
            return creds(7)
            yield  # a generator that finishes at once (any event loop)

    @types.coroutine
    def legacy() -> Generator[None, None, awsmith.Credentials]:
        return creds(8)
        yield

    assert keys(await calls(lambda: Pending())) == ["ASIAKEY7"]
    assert keys(await calls(legacy)) == ["ASIAKEY8"]


async def test_a_bound_method_and_a_partial_are_providers() -> None:
    class Vault:
        async def fetch(self, n: int = 7) -> awsmith.Credentials:
            return creds(n)

    assert keys(await calls(Vault().fetch, 1)) == ["ASIAKEY7"]
    assert keys(await calls(functools.partial(Vault().fetch, 8), 1)) == ["ASIAKEY8"]


async def test_the_provider_works_under_trio() -> None:
    provider = Counting()
    provider.gate = anyio.Event()

    async def main() -> Capture:
        capture = Capture()

        async def release() -> None:
            await anyio.wait_all_tasks_blocked()
            provider.gate = None
            gate.set()

        gate = anyio.Event()
        provider.gate = gate
        async with anyio.create_task_group() as tg:
            tg.start_soon(release)
            tg.start_soon(functools.partial(calls, provider, 8, capture, concurrent=True))
        return capture

    capture = await anyio.to_thread.run_sync(lambda: anyio.run(main, backend="trio"))
    assert provider.calls == 1
    assert keys(capture) == ["ASIAKEY1"] * 8


# ---------------------------------------------------------------- failures


async def test_a_failure_names_the_provider_and_chains_the_cause() -> None:
    cause = ValueError("vault is sealed")

    async def vault_credentials() -> awsmith.Credentials:
        raise cause

    with pytest.raises(awsmith.CredentialsError) as info:
        await calls(vault_credentials, 1)
    assert str(info.value) == (
        "credential provider test_a_failure_names_the_provider_and_chains_the_cause."
        "<locals>.vault_credentials failed: ValueError: vault is sealed (when calling the "
        "DescribeServices operation)"
    )
    assert info.value.__cause__ is cause


async def test_an_awsmith_error_is_quoted_as_it_is_and_a_callable_object_by_its_class() -> None:
    provider = Counting()
    provider.fail_with = awsmith.NoCredentialsError("nothing in the vault")
    with pytest.raises(awsmith.CredentialsError) as info:
        await calls(provider, 1)
    assert str(info.value) == (
        "credential provider Counting failed: Unable to locate AWS credentials: "
        "nothing in the vault (when calling the DescribeServices operation)"
    )
    assert info.value.__cause__ is provider.fail_with


async def test_a_provider_that_raises_before_awaiting_is_named_too() -> None:
    def broken() -> Awaitable[awsmith.Credentials]:
        raise KeyError("profile")

    with pytest.raises(awsmith.CredentialsError) as info:
        await calls(broken, 1)
    assert str(info.value).endswith(
        ".<locals>.broken failed: KeyError: 'profile' (when calling the DescribeServices "
        "operation)"
    )
    assert isinstance(info.value.__cause__, KeyError)


async def test_a_failed_call_does_not_stick() -> None:
    provider = Counting()
    provider.fail_with = RuntimeError("vault unreachable")
    capture = Capture()
    for _ in range(2):
        with pytest.raises(awsmith.CredentialsError, match="vault unreachable"):
            await calls(provider, 1, capture)
    provider.fail_with = None
    await calls(provider, 2, capture)
    assert provider.calls == 3  # each call after a failure asked again
    assert keys(capture) == ["ASIAKEY3", "ASIAKEY3"]


async def test_a_failed_refresh_keeps_valid_credentials_and_is_retried_after_the_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 22, item 3, with a fake clock: 4 minutes of validity left and the provider
    down. Calls keep the current credentials; the provider is asked once, in the
    background, and again only once BACKGROUND_REFRESH_INTERVAL has passed; the failure
    is logged, not raised. Inside the last minute calls wait for a fetch and raise its
    error; once the provider answers again, its credentials are used."""
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    expiry = start + timedelta(hours=1)
    clock = FakeClock(start.timestamp())
    provider = Counting()
    fetched: list[str] = []

    async def fetch() -> awsmith.Credentials:
        fetched.append(f"{clock.now - start.timestamp():.0f}")
        if provider.fail_with is not None:
            raise provider.fail_with
        return creds(len(fetched), expiry + timedelta(hours=len(fetched) - 1))

    cache = CachingProvider(fetch, "vault", clock=clock)
    assert (await cache()).access_key_id == "ASIAKEY1"
    provider.fail_with = RuntimeError("vault unreachable")
    clock.now = expiry.timestamp() - 4 * 60
    with caplog.at_level(logging.WARNING, logger="awsmith.credentials"):
        got: list[str] = []

        async def one() -> None:
            got.append((await cache()).access_key_id)

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(one)
        await settled(cache)
        assert got == ["ASIAKEY1"] * 100
        assert fetched == ["0", "3360"]  # one attempt for the 100 calls
        clock.now += BACKGROUND_REFRESH_INTERVAL - 0.001
        assert (await cache()).access_key_id == "ASIAKEY1"
        await settled(cache)
        assert len(fetched) == 2  # within the interval: not asked again
        clock.now += 0.001
        assert (await cache()).access_key_id == "ASIAKEY1"
        await settled(cache)
        assert len(fetched) == 3  # the interval is over: asked again, behind
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "credential provider vault failed: RuntimeError: vault unreachable; the current "
            "credentials (expiring at 2026-01-01T13:00:00+00:00) are still used, and the "
            "provider is asked again in 10 s at the earliest",
        )
    ] * 2
    clock.now = expiry.timestamp() - PROVIDER_MANDATORY_SECONDS  # the last minute
    with pytest.raises(awsmith.CredentialsError) as info:
        await cache()
    assert str(info.value) == "credential provider vault failed: RuntimeError: vault unreachable"
    assert info.value.__cause__ is provider.fail_with
    assert len(fetched) == 4
    provider.fail_with = None
    assert (await cache()).access_key_id == "ASIAKEY5"
    # A failure the calls raise is logged too, as botocore logs a failed refresh in its
    # mandatory window (issue 22, review).
    assert [(r.levelno, r.getMessage()) for r in caplog.records[2:]] == [
        (
            logging.WARNING,
            "credential provider vault failed: RuntimeError: vault unreachable; the calls "
            "waiting for it (1) raise it",
        )
    ]
    assert caplog.records[2].exc_info is not None
    assert caplog.records[2].exc_info[1].__cause__ is info.value.__cause__


async def test_a_failing_refresh_with_4_minutes_left_fails_no_call() -> None:
    """Issue 22, item 3, through a client: credentials with 4 minutes of validity and
    a provider that fails from then on. Before: the 100 concurrent calls all raised
    the refresh's error, and every later call asked the provider again. Now all are
    signed with the valid credentials, and the provider was asked once more."""
    provider = Counting(lifetime=timedelta(minutes=4))
    cache = CachingProvider(provider, clock=FakeClock(time.time()))  # 4 minutes, always
    assert (await cache()).access_key_id == "ASIAKEY1"
    provider.fail_with = RuntimeError("vault unreachable")
    capture = await calls(cache, 100, concurrent=True)
    await calls(cache, 20, capture)
    await settled(cache)
    assert keys(capture) == ["ASIAKEY1"] * 120
    assert provider.calls == 2


async def test_waiters_share_a_failure_then_the_next_call_tries_again() -> None:
    provider = Counting()
    provider.gate = anyio.Event()
    provider.fail_with = RuntimeError("vault unreachable")
    cache = CachingProvider(provider)
    errors: list[BaseException] = []

    async def one() -> None:
        try:
            await cache()
        except awsmith.CredentialsError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(one)
        await anyio.wait_all_tasks_blocked()
        provider.gate.set()
    assert provider.calls == 1
    assert [str(e) for e in errors] == [
        "credential provider Counting failed: RuntimeError: vault unreachable"
    ] * 5
    assert all(e.__cause__ is provider.fail_with for e in errors)
    assert len({id(e) for e in errors}) == 5  # each waiter raises its own exception
    provider.fail_with = None
    provider.gate = None
    assert (await cache()).access_key_id == "ASIAKEY2"
    assert provider.calls == 2


def sync_provider() -> awsmith.Credentials:
    return creds(1)


async def returns_dict() -> dict[str, str]:
    return {"access_key_id": "AKID", "secret_access_key": "s"}


async def naive_expiry() -> awsmith.Credentials:
    return creds(1, datetime(2030, 1, 1, 12, 0))


async def str_expiry() -> awsmith.Credentials:
    return creds(1, "2030-01-01T12:00:00Z")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def expired() -> awsmith.Credentials:
    return creds(1, datetime(2020, 1, 1, 12, 0, tzinfo=UTC))


def generator_provider() -> Generator[None, None, awsmith.Credentials]:
    yield
    return creds(1)


WRONG_RESULTS: list[tuple[Callable[[], Any], str]] = [
    (
        sync_provider,
        "credential provider sync_provider returned Credentials, not an awaitable: it must "
        "be an async callable (an `async def` function, or an object whose __call__ is "
        "`async def`)",
    ),
    (
        # a plain generator cannot be awaited (one made a coroutine by types.coroutine can)
        generator_provider,
        "credential provider generator_provider returned generator, not an awaitable: it "
        "must be an async callable (an `async def` function, or an object whose __call__ "
        "is `async def`)",
    ),
    (returns_dict, "credential provider returns_dict returned dict, not awsmith.Credentials"),
    (
        naive_expiry,
        "credential provider naive_expiry returned credentials with a naive expiry "
        "(2030-01-01T12:00:00): give it a timezone, e.g. datetime.now(UTC) + "
        "timedelta(hours=1)",
    ),
    (
        str_expiry,
        "credential provider str_expiry returned credentials whose expiry is a str, not a "
        "datetime",
    ),
    (
        expired,
        "credential provider expired returned credentials that expired at "
        "2020-01-01T12:00:00+00:00",
    ),
]


@pytest.mark.parametrize(
    ("provider", "message"), WRONG_RESULTS, ids=[p.__name__ for p, _ in WRONG_RESULTS]
)
async def test_a_wrong_result_is_a_clear_credentials_error(
    provider: Callable[[], Any], message: str
) -> None:
    capture = Capture()
    with pytest.raises(awsmith.CredentialsError) as info:
        await calls(provider, 1, capture)
    assert str(info.value) == f"{message} (when calling the DescribeServices operation)"
    assert capture.requests == []  # nothing was sent


@pytest.mark.parametrize("value", [5, "AKID:secret", ("AKID", "secret")])
def test_a_non_callable_is_a_configuration_error(value: object) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        SupportClient(credentials=value)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert str(info.value) == (
        "credentials must be a Credentials, an async callable returning Credentials "
        f"(a CredentialProvider) or None, got {type(value).__name__}"
    )


# ---------------------------------------------------------------- cancellation


async def test_cancelling_a_call_ends_its_wait_not_the_fetch() -> None:
    """The cancellation propagates as it is (not a CredentialsError); the provider call
    goes on, and what it returns serves the next call without another fetch."""
    provider = Counting()
    provider.gate = anyio.Event()
    provider.entered = anyio.Event()
    cache = CachingProvider(provider)

    async def call() -> None:
        await cache()

    task = asyncio.ensure_future(call())
    await provider.entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task  # a CancelledError, not a CredentialsError
    provider.gate.set()
    assert (await cache()).access_key_id == "ASIAKEY1"
    assert provider.calls == 1


async def test_a_cancelled_caller_leaves_the_fetch_to_the_others() -> None:
    provider = Counting()
    provider.gate = anyio.Event()
    cache = CachingProvider(provider)
    got: list[str] = []
    scope = anyio.CancelScope()

    async def cancelled_call() -> None:
        with scope:
            await cache()
            got.append("not cancelled")

    async def waiter() -> None:
        got.append((await cache()).access_key_id)

    async with anyio.create_task_group() as tg:
        tg.start_soon(cancelled_call)
        await anyio.wait_all_tasks_blocked()  # its fetch is blocked in the provider
        assert provider.calls == 1
        tg.start_soon(waiter)
        tg.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()  # both wait for that fetch
        scope.cancel()
        await anyio.wait_all_tasks_blocked()
        # The first caller is gone, the fetch it started is not: still the one call.
        assert provider.calls == 1
        provider.gate.set()
    assert got == ["ASIAKEY1", "ASIAKEY1"]
    assert provider.calls == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_provider_slower_than_call_timeout_is_fetched_once_and_used() -> None:
    """Issue 22, item 2. Wave 1: 20 calls with call_timeout=0.2 find the provider
    still running (held on a gate) and raise DeadlineExceededError. Before, each
    deadline cancelled the shared fetch, so nothing was ever cached: the provider was
    started once per wave and completed never. Now the fetch goes on: wave 2 (no
    deadline) joins that same fetch, and wave 3 (call_timeout=0.2 again) is served from
    the cache. The provider started once and completed once, under asyncio and trio."""
    provider = Counting()
    provider.gate = anyio.Event()
    completed: list[str] = []

    async def slow() -> awsmith.Credentials:
        got = await provider()
        completed.append(got.access_key_id)
        return got

    capture = Capture()
    http = httpx.AsyncClient(transport=httpx.MockTransport(capture))
    config = awsmith.Config(call_timeout=0.2)
    client = SupportClient(region="us-east-1", http_client=http, credentials=slow, config=config)
    errors: list[BaseException] = []

    async def one(target: SupportClient) -> None:
        try:
            await target.describe_services()
        except awsmith.DeadlineExceededError as exc:
            errors.append(exc)

    async with http, client:
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(one, client)
        assert [str(e) for e in errors] == [
            "DescribeServices did not complete within call_timeout=0.2s"
        ] * 20
        assert (provider.calls, completed, capture.requests) == (1, [], [])
        patient = client.with_options(call_timeout=None)
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(one, patient)
            await anyio.wait_all_tasks_blocked()
            assert provider.calls == 1  # wave 2 waits for the fetch wave 1 started
            provider.gate.set()
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(one, client)
    assert len(errors) == 20
    assert (provider.calls, completed) == (1, ["ASIAKEY1"])
    assert keys(capture) == ["ASIAKEY1"] * 40


# ---------------------------------------------------------------- sharing and naming


async def test_one_caching_provider_is_shared_by_the_clients_given_it() -> None:
    provider = Counting()
    provider.gate = anyio.Event()
    shared = awsmith.CachingProvider(provider)
    capture = Capture()

    async def three_clients() -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(calls, shared, 5, capture)
            await anyio.sleep(0.05)
            provider.gate.set()  # type: ignore[union-attr]

    await three_clients()
    assert provider.calls == 1
    assert keys(capture) == ["ASIAKEY1"] * 15
    # a provider given as it is gets a cache per client
    unshared = Counting()
    await calls(unshared, 2)
    await calls(unshared, 2)
    assert unshared.calls == 2


def test_a_provider_shared_by_event_loops_in_two_threads_serves_both() -> None:
    """A provider made at import time, used by two threads that each run asyncio.run:
    each loop waits on a lock of its own (an anyio lock is tied to one loop)."""
    state = {"calls": 0}

    async def slow() -> awsmith.Credentials:
        state["calls"] += 1
        await anyio.sleep(0.2)
        return creds(state["calls"], datetime.now(UTC) + timedelta(hours=1))

    shared = awsmith.CachingProvider(slow)
    results: dict[int, list[str]] = {}

    def thread_main(n: int) -> None:
        async def main() -> list[str]:
            async with anyio.create_task_group() as tg:
                got: list[str] = []

                async def one() -> None:
                    got.append((await shared()).access_key_id)

                for _ in range(3):
                    tg.start_soon(one)
            return got

        results[n] = asyncio.run(asyncio.wait_for(main(), 10))

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(results) == [0, 1]
    assert all(len(keys_) == 3 for keys_ in results.values())
    assert 1 <= state["calls"] <= 2  # one fetch per loop at most


def test_a_provider_used_under_asyncio_then_trio_serves_both() -> None:
    provider = Counting(lifetime=timedelta(minutes=1))  # always due: fetched each time
    shared = awsmith.CachingProvider(provider)
    assert anyio.run(shared).access_key_id == "ASIAKEY1"
    assert anyio.run(shared, backend="trio").access_key_id == "ASIAKEY2"
    assert anyio.run(shared).access_key_id == "ASIAKEY3"


async def test_errors_name_a_provider_never_by_its_repr() -> None:
    async def from_vault(vault_token: str) -> awsmith.Credentials:
        raise TimeoutError("vault did not answer")

    class Vault:
        def __init__(self, token: str) -> None:
            self.token = token

        def __repr__(self) -> str:
            return f"Vault(token={self.token!r})"

        async def __call__(self) -> awsmith.Credentials:
            raise TimeoutError("vault did not answer")

    secret = "hvs.SUPERSECRETVAULTTOKEN"
    for provider, name in (
        (functools.partial(from_vault, vault_token=secret), from_vault.__qualname__),
        (functools.partial(functools.partial(from_vault), secret), from_vault.__qualname__),
        (Vault(secret), "test_errors_name_a_provider_never_by_its_repr.<locals>.Vault"),
    ):
        with pytest.raises(awsmith.CredentialsError) as info:
            await calls(provider, 1)
        assert str(info.value) == (
            f"credential provider {name} failed: TimeoutError: vault did not answer "
            "(when calling the DescribeServices operation)"
        )
        assert secret not in str(info.value)
