"""awsmith._core.credentials on its own: how a provider's failure is worded, sharing a
failed fetch after an earlier failure and across two event loops, environment
credentials, empty credentials from the chain, and the background refresh's interval (found by `make mutation`: docs/testing.md)."""

from __future__ import annotations

import asyncio
import logging
import threading
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.to_thread
import pytest

import awsmith
from awsmith._core import credentials as credentials_module
from awsmith._core.credentials import (
    BACKGROUND_REFRESH_INTERVAL,
    CachingProvider,
    CredentialResolver,
    environment_credentials,
)
from tests.runtime.test_credentials import FakeRefreshable, first_load, resolver_for, settled

CREDS = awsmith.Credentials(access_key_id="AKIDVAULT", secret_access_key="secret")


# ---------------------------------------------------------------- CachingProvider


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("error", "quoted"),
    [
        (RuntimeError(), "RuntimeError"),
        (KeyError("x"), "KeyError: 'x'"),
        (awsmith.CredentialsError("vault sealed"), "vault sealed"),
    ],
)
async def test_a_failure_quotes_the_cause(error: Exception, quoted: str) -> None:
    async def fetch() -> awsmith.Credentials:
        raise error

    with pytest.raises(awsmith.CredentialsError) as info:
        await CachingProvider(fetch, "vault")()
    assert str(info.value) == f"credential provider vault failed: {quoted}"
    assert info.value.__cause__ is error


@pytest.mark.anyio
async def test_waiters_share_a_failure_that_follows_an_earlier_failure() -> None:
    """The second failed fetch is shared by the call waiting for it, as the first is:
    the count of completed fetches moves on every failure, not only the first."""
    calls = 0
    gate: anyio.Event | None = None

    async def fetch() -> awsmith.Credentials:
        nonlocal calls
        calls += 1
        if gate is not None:
            await gate.wait()
        raise RuntimeError(f"down {calls}")

    provider = CachingProvider(fetch, "vault")
    with pytest.raises(awsmith.CredentialsError, match="down 1"):
        await provider()
    gate = anyio.Event()
    errors: list[str] = []

    async def call() -> None:
        with pytest.raises(awsmith.CredentialsError) as info:
            await provider()
        errors.append(str(info.value))

    async with anyio.create_task_group() as group:
        group.start_soon(call)
        group.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        assert calls == 2
        gate.set()
    assert errors == ["credential provider vault failed: RuntimeError: down 2"] * 2
    assert calls == 2


def test_a_fetch_on_another_loop_does_not_hide_the_one_a_call_waited_for() -> None:
    """One provider, two event loops (two threads). On loop A a call waits for A's fetch
    while loop B's fetch fails; then A's succeeds. The waiting call shares A's result:
    two fetches completed since it started, whatever their outcomes."""
    fetched: list[str] = []
    a_started, a_go, waiter_queued = threading.Event(), threading.Event(), threading.Event()

    async def fetch() -> awsmith.Credentials:
        fetched.append(threading.current_thread().name)
        if threading.current_thread().name == "loop-b":
            raise RuntimeError("down")
        a_started.set()
        await anyio.to_thread.run_sync(a_go.wait, 10)
        return CREDS

    provider = CachingProvider(fetch, "vault")
    results: list[str] = []

    async def loop_a() -> None:
        async def call() -> None:
            results.append((await provider()).access_key_id)

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            await anyio.to_thread.run_sync(a_started.wait, 10)
            group.start_soon(call)
            await anyio.wait_all_tasks_blocked()
            waiter_queued.set()

    thread = threading.Thread(target=lambda: asyncio.run(loop_a()), name="loop-a")
    thread.start()
    try:
        assert waiter_queued.wait(10)

        def loop_b() -> None:
            with pytest.raises(awsmith.CredentialsError, match="down"):
                asyncio.run(provider())

        other = threading.Thread(target=loop_b, name="loop-b")
        other.start()
        other.join(10)
    finally:
        a_go.set()
        thread.join(10)
    assert not thread.is_alive()
    assert results == ["AKIDVAULT", "AKIDVAULT"]
    assert fetched == ["loop-a", "loop-b"]


# ---------------------------------------------------------------- the environment


def test_a_secret_without_an_access_key_is_left_to_the_chain() -> None:
    assert environment_credentials({"AWS_SECRET_ACCESS_KEY": "s"}) is None


def no_session() -> Any:
    raise AssertionError("the provider chain was asked")


@pytest.mark.anyio
async def test_environment_credentials_are_read_once_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As botocore's EnvProvider gives them: static, read on the first call, with
    botocore's INFO record."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFIRST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    resolver = CredentialResolver(None, no_session)
    with caplog.at_level(logging.INFO, logger="awsmith.credentials"):
        assert (await resolver.get()).access_key_id == "AKIDFIRST"
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("awsmith.credentials", logging.INFO, "found credentials in environment variables")
    ]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSECOND")
    assert (await resolver.get()).access_key_id == "AKIDFIRST"


# ---------------------------------------------------------------- the provider chain


class Static:
    """A botocore credentials object with no refresh (no ``refresh_needed``)."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self.frozen = SimpleNamespace(access_key=access_key, secret_key=secret_key, token=None)

    def get_frozen_credentials(self) -> Any:
        return self.frozen


@pytest.mark.anyio
@pytest.mark.parametrize(("access_key", "secret_key"), [("AKID", ""), ("", "s"), ("", "")])
async def test_empty_credentials_from_the_chain(access_key: str, secret_key: str) -> None:
    session = SimpleNamespace(get_credentials=lambda: Static(access_key, secret_key))
    resolver = CredentialResolver(None, lambda: session, environment=False)
    with pytest.raises(awsmith.NoCredentialsError) as info:
        await resolver.get()
    assert str(info.value) == (
        "Unable to locate AWS credentials: the provider chain returned empty credentials"
    )


class Gated(Static):
    """A chain's credentials whose loading waits on ``gate``; counts the loads."""

    def __init__(self) -> None:
        super().__init__("AKIDCHAIN", "s")
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.loads = 0

    def get_frozen_credentials(self) -> Any:
        self.loads += 1
        self.entered.set()
        assert self.gate.wait(10)
        return self.frozen


@pytest.mark.anyio
async def test_concurrent_first_calls_share_one_load() -> None:
    """The calls that waited for the first load take its credentials: the chain is
    loaded once."""
    chain = Gated()
    session = SimpleNamespace(get_credentials=lambda: chain)
    resolver = CredentialResolver(None, lambda: session, environment=False)
    keys: list[str] = []

    async def call() -> None:
        keys.append((await resolver.get()).access_key_id)

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(call)
        with anyio.fail_after(10):  # a hang bound only
            while chain.loads < 1:  # the first call's load started (in a worker thread)
                await anyio.sleep(0.005)
        await anyio.wait_all_tasks_blocked()  # the other four wait for it
        chain.gate.set()
    assert keys == ["AKIDCHAIN"] * 5
    assert chain.loads == 1


@pytest.mark.anyio
async def test_a_load_outlasting_its_callers_deadline_is_kept() -> None:
    """Issue 22, item 2, for the chain: the first call gives up while the chain loads
    (its deadline, here a cancel scope). Before, the load's outcome was dropped (and
    the cancelled call sat waiting for the thread); now the load finishes on its own
    and the next call takes its credentials: the chain was loaded once."""
    chain = Gated()
    session = SimpleNamespace(get_credentials=lambda: chain)
    resolver = CredentialResolver(None, lambda: session, environment=False)
    scope = anyio.CancelScope()

    async def call() -> None:
        with scope:
            await resolver.get()

    async with anyio.create_task_group() as group:
        group.start_soon(call)
        assert await anyio.to_thread.run_sync(chain.entered.wait, 10)
        scope.cancel()
    assert scope.cancelled_caught
    chain.gate.set()
    assert (await resolver.get()).access_key_id == "AKIDCHAIN"
    assert chain.loads == 1


# ---------------------------------------------------------------- background refresh


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The monotonic clock the background refresh interval is measured with."""
    now = [100.0]
    monkeypatch.setattr(credentials_module, "time", SimpleNamespace(monotonic=lambda: now[0]))
    return now


@pytest.mark.anyio
async def test_a_running_background_refresh_is_not_started_again(clock: list[float]) -> None:
    """The refresh runs in a worker thread; while it runs (held on the gate), calls
    past the interval start no second one."""
    provider = FakeRefreshable(remaining=12 * 60)
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    assert (await resolver.get()).access_key_id == "AKIDOLD"
    assert await anyio.to_thread.run_sync(provider.entered.wait, 10)
    assert provider.threads[0] is not threading.current_thread()
    clock[0] += 10 * BACKGROUND_REFRESH_INTERVAL
    assert (await resolver.get()).access_key_id == "AKIDOLD"
    provider.gate.set()
    await settled(resolver)
    assert (await resolver.get()).access_key_id == "AKIDNEW"
    assert provider.refreshes == 1


@pytest.mark.anyio
async def test_a_failed_background_refresh_is_quiet_and_retried_after_the_interval(
    clock: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing raised, nothing logged by awsmith (botocore logs its own WARNING), no
    "exception was never retrieved" from the event loop."""
    provider = FakeRefreshable(remaining=12 * 60, fail=True)
    provider.gate.set()
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    refreshes: list[int] = []
    with caplog.at_level(logging.DEBUG):
        for now in (
            100.0,
            100.0 + BACKGROUND_REFRESH_INTERVAL - 0.001,
            100.0 + BACKGROUND_REFRESH_INTERVAL,
        ):
            clock[0] = now
            assert (await resolver.get()).access_key_id == "AKIDOLD"
            await settled(resolver)
            refreshes.append(provider.refreshes)
    assert refreshes == [1, 1, 2]  # within the interval: not started again
    assert caplog.records == []


@pytest.mark.anyio
async def test_the_first_background_refresh_is_not_held_back_by_the_interval(
    clock: list[float],
) -> None:
    """Whatever the monotonic clock reads (it may start near 0 after a boot), the first
    refresh in the advisory window starts at once."""
    clock[0] = 0.0
    provider = FakeRefreshable(remaining=12 * 60)
    provider.gate.set()
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    assert (await resolver.get()).access_key_id == "AKIDOLD"
    await settled(resolver)
    assert provider.refreshes == 1
    assert (await resolver.get()).access_key_id == "AKIDNEW"
