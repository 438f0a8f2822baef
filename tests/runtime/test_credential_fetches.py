"""A credential fetch that no call owns, at its edges (issue 22, the outside review of
items 1-4): the event loop ending or closing while one runs, one that never answers,
one that fails when nobody waits for it any more, exceptions that are not
``Exception``, and the exception objects each waiting call raises.

Each test is one of the review's reproducers (``r13``, ``r1``, ``r11``, ``r2``,
``r14``, ``r3``, ``r10``, ``r12``), made exact: events and gates, not sleeps, decide
the order; a thread or a deadline only bounds a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import inspect
import logging
import sys
import threading
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith._core.credentials import (
    BACKGROUND_REFRESH_INTERVAL,
    CHAIN_MANDATORY_SECONDS,
    PROVIDER_ADVISORY_SECONDS,
    PROVIDER_MANDATORY_SECONDS,
    PROVIDER_TIMEOUT_SECONDS,
    CachingProvider,
    CredentialResolver,
)
from awsmith.support import SupportClient

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credentials import Capture, aws_env  # noqa: F401
from tests.unit.test_aio import what_each_raises

pytestmark = pytest.mark.anyio

UTC = dt.UTC


def creds(key: str, expiry: dt.datetime | None = None) -> awsmith.Credentials:
    return awsmith.Credentials(access_key_id=key, secret_access_key="secret", expiry=expiry)


async def until(condition: Any) -> None:
    """Waits until ``condition()`` (set by another thread or task); a hang bound only."""
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.001)


def quiet(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What was logged at INFO or above (asyncio's "Task was destroyed but it is
    pending!" included), as text."""
    return [f"{r.name} {r.levelname} {r.getMessage()}" for r in caplog.records if r.levelno >= 20]


# ------------------------------------------------ D1: the loop's end waits for no refresh


class Clock:
    """botocore's time_fetcher, moved by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def refreshable(
    key: str, clock: Clock, refresh: Any, lifetime: dt.timedelta, **windows: int
) -> Any:
    """botocore's own RefreshableCredentials: ``key`` for ``lifetime`` from the clock's
    time, refreshed by ``refresh``; its windows (``advisory_timeout``,
    ``mandatory_timeout``) botocore's unless given. A botocore whose constructor takes
    no windows (1.29.61, ``make test-botocore-min``) has them as class attributes: they
    are set on the object, as a newer constructor sets them."""
    from botocore.credentials import RefreshableCredentials

    takes = inspect.signature(RefreshableCredentials.__init__).parameters
    given = {name: seconds for name, seconds in windows.items() if name in takes}
    credentials = RefreshableCredentials(
        access_key=key,
        secret_key="secret",
        token="token",
        expiry_time=clock.now + lifetime,
        refresh_using=refresh,
        method="test",
        time_fetcher=clock,
        **given,
    )
    for name, seconds in windows.items():
        if name not in given:  # advisory_timeout -> _advisory_refresh_timeout
            setattr(credentials, f"_{name.removesuffix('_timeout')}_refresh_timeout", seconds)
    return credentials


class HeldRefresh:
    """botocore's ``refresh_using``: each refresh gives ``AKIDNEW<n>`` for an hour; the
    first one waits for ``release``."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.entered, self.release, self.finished = (threading.Event() for _ in range(3))
        self.calls = 0
        self.thread: threading.Thread | None = None

    def __call__(self) -> dict[str, str]:
        self.calls += 1
        if self.calls == 1:
            self.thread = threading.current_thread()
            self.entered.set()
            try:
                assert self.release.wait(30)
            finally:
                self.finished.set()
        return {
            "access_key": f"AKIDNEW{self.calls}",
            "secret_key": "secret",
            "token": "token",
            "expiry_time": (self.clock.now + dt.timedelta(hours=1)).isoformat(),
        }


@pytest.fixture(params=["asyncio", "asyncio under anyio", "trio"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The event loop a test runs its ``main`` on: plain asyncio (an application that
    does not use anyio: pytest's anyio plugin has loaded anyio's asyncio backend, which
    awsmith takes as the sign of one that does), asyncio in an application that runs
    anyio (Starlette, FastAPI), trio."""
    if request.param == "asyncio":
        monkeypatch.delitem(sys.modules, "anyio._backends._asyncio", raising=False)
    return str(request.param)


def run_on(backend: str, main: Any) -> Any:
    if backend == "asyncio":
        return asyncio.run(main())
    return anyio.run(main, backend=backend.split()[0])


def test_the_loops_end_does_not_wait_for_a_background_refresh_of_the_chain(
    backend: str, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """Review D1 (r13): the chain's credentials (botocore's own RefreshableCredentials)
    enter the advisory window; a call returns the current ones at once and starts a
    refresh behind it, which hangs. main() returns. Before: asyncio.run / trio.run
    waited for the refresh's thread, which no call waited for (a hung
    credential_process: a program that never exits); under anyio on asyncio, the
    thread was one the interpreter waits for at exit. Now the run returns while the
    thread still blocks, and the thread is a daemon; left to finish, it keeps what it
    loads, and the next run's call signs with it without another refresh."""
    clock = Clock()
    refresh = HeldRefresh(clock)
    theirs = refreshable("AKIDOLD", clock, refresh, dt.timedelta(minutes=20))
    session = SimpleNamespace(get_credentials=lambda: theirs)
    resolver = CredentialResolver(None, lambda: session, environment=False)
    returned = threading.Event()
    # Only a bound for the code before the fix (the run would wait for the thread).
    watchdog = threading.Thread(target=lambda: returned.wait(10) or refresh.release.set())
    watchdog.start()

    async def main() -> None:
        assert (await resolver.get()).access_key_id == "AKIDOLD"  # loaded while fresh
        clock.now += dt.timedelta(minutes=8)  # 12 minutes left: advisory
        assert (await resolver.get()).access_key_id == "AKIDOLD"  # at once
        await until(refresh.entered.is_set)

    with caplog.at_level(logging.INFO):
        run_on(backend, main)
        finished_when_run_returned = refresh.finished.is_set()
        returned.set()
        refresh.release.set()
        watchdog.join(10)
        assert refresh.thread is not None
        refresh.thread.join(10)
        assert not finished_when_run_returned
        assert refresh.thread.daemon and refresh.thread.name.startswith("awsmith: ")
        # What the thread loaded after the loop ended is kept.
        assert run_on(backend, resolver.get).access_key_id == "AKIDNEW1"
    assert refresh.calls == 1
    assert quiet(caplog) == []
    assert [str(w.message) for w in recwarn] == []


HANGING_PROCESS = """
import datetime, json, os, pathlib, sys, time
here = pathlib.Path(sys.argv[1])
n = int((here / "count").read_text()) + 1 if (here / "count").exists() else 1
(here / "count").write_text(str(n))
if n == 3:  # awsmith's background refresh: it never answers
    (here / "hung.pid").write_text(str(os.getpid()))
    time.sleep(3600)
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=12)
print(json.dumps({"Version": 1, "AccessKeyId": f"AKIDPROC{n}", "SecretAccessKey": "s",
                  "SessionToken": "t", "Expiration": expires.isoformat()}))
"""

PROGRAM = """
import asyncio, pathlib, sys, time
import httpx
if sys.argv[2] == "anyio":
    import anyio._backends._asyncio  # an application that runs anyio (FastAPI)
from awsmith.support import SupportClient
hung = pathlib.Path(sys.argv[1]) / "hung.pid"
keys = []
def record(request):
    keys.append(request.headers["authorization"].split("Credential=")[1].split("/")[0])
    return httpx.Response(200, json={"services": []})
async def main():
    http = httpx.AsyncClient(transport=httpx.MockTransport(record))
    async with http, SupportClient(http_client=http) as client:
        for _ in range(2):
            await client.describe_services()
    for _ in range(10_000):  # the refresh behind the calls has started
        if hung.exists():
            break
        await asyncio.sleep(0.001)
    print("main returned", keys, hung.exists(), flush=True)
asyncio.run(main())
print("asyncio.run returned", flush=True)
"""


@pytest.mark.parametrize("application", ["asyncio", "anyio"])
def test_a_program_exits_while_its_credential_process_hangs(
    aws_env: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    application: str,
) -> None:
    """Review D1 (r13), a whole program through the public API: a profile's
    credential_process gives 12-minute credentials (botocore's advisory window: it
    runs the process twice on the first load), and its third run (awsmith's refresh
    behind a call) never answers. Two calls, then main() returns. Before: asyncio.run
    never returned (plain asyncio), or the interpreter never exited (anyio's worker
    thread). Now the program ends at once; the process it left is killed here."""
    import os
    import signal
    import subprocess

    script = tmp_path / "process.py"
    script.write_text(HANGING_PROCESS)
    aws_env[0].write_text(
        f"[default]\nregion = us-east-1\ncredential_process = {sys.executable} {script} "
        f"{tmp_path}\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROGRAM, str(tmp_path), application],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,  # a hang bound: before the fix, it never returned
        )
    finally:
        pid = tmp_path / "hung.pid"
        if pid.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid.read_text()), signal.SIGKILL)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "main returned ['AKIDPROC2', 'AKIDPROC2'] True",
        "asyncio.run returned",
    ]
    assert (tmp_path / "count").read_text() == "3"


# ------------------------------------------------------------- D2: BaseExceptions


class Stop(BaseException):
    """A BaseException of an application's own."""


async def test_a_cancelled_error_from_inside_the_provider_is_its_failure() -> None:
    """Review D2 (r1): the provider awaits a task someone else cancelled (a credential
    broker's refresh task, restarted), so a CancelledError reaches it though nobody
    cancelled it. Before: the shared fetch took that for its own cancellation and
    started again, without end (33,827 provider calls in 1 s). Now it is the
    provider's failure: a CredentialsError naming it, with the CancelledError as its
    cause; the provider was called once, and the next call asks it again."""
    calls: list[int] = []

    async def broker() -> awsmith.Credentials:
        calls.append(len(calls) + 1)
        if len(calls) == 1:
            refreshing = asyncio.ensure_future(asyncio.sleep(3600))
            refreshing.cancel()
            await refreshing
        return creds("AKIDBROKER")

    cache = CachingProvider(broker, "broker")
    with anyio.fail_after(5), pytest.raises(awsmith.CredentialsError) as info:
        await cache()
    assert str(info.value) == (
        "credential provider broker failed: CancelledError, raised inside it although its "
        "call was not cancelled"
    )
    assert isinstance(info.value.__cause__, asyncio.CancelledError)
    assert calls == [1]
    assert (await cache()).access_key_id == "AKIDBROKER"
    assert calls == [1, 2]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("error", [KeyboardInterrupt, Stop], ids=["KeyboardInterrupt", "own"])
def test_a_provider_raising_a_base_exception_fails_each_waiting_call_with_it(
    backend: str, error: type[BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    """Review D2 (r1b, r1c): a provider raises a BaseException that is not an
    Exception. Before: on asyncio the shared fetch started again without end; under
    trio, trio.run died of TrioInternalError (it escaped a system task). Now each of
    the three calls waiting for it raises it, as it is (not a CredentialsError: a
    KeyboardInterrupt is never swallowed), a copy each; the provider ran once; the
    failure is logged."""
    calls = 0
    gate: anyio.Event | None = None

    async def provider() -> awsmith.Credentials:
        nonlocal calls
        calls += 1
        assert gate is not None
        await gate.wait()
        raise error("from the provider")

    cache = CachingProvider(provider, "vault")

    async def main() -> list[BaseException]:
        nonlocal gate
        gate = anyio.Event()
        return await what_each_raises(cache, gate.set)

    with caplog.at_level(logging.WARNING):
        raised = anyio.run(main, backend=backend)
    assert [(type(e), e.args) for e in raised] == [(error, ("from the provider",))] * 3
    assert len({id(e) for e in raised}) == 3
    assert calls == 1
    assert quiet(caplog) == [
        f"awsmith.credentials WARNING credential provider vault raised {error.__name__}: "
        "from the provider; the calls waiting for it (3) raise it"
    ]


# ------------------------------------ D3: a failure after every waiter gave up is not lost


async def test_a_fetch_failing_after_the_calls_gave_up_is_logged_and_is_the_next_deadlines_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Review D3 (r11, r11b): the provider (an STS AssumeRole, say) answers AccessDenied
    only after the calls' call_timeout. Before: every call raised
    DeadlineExceededError with no cause, and the AccessDenied was neither raised nor
    logged. Now the failure is logged once (WARNING, naming the provider), and the next
    call whose deadline passes while it waits for credentials has that failure as the
    cause of its DeadlineExceededError (attempts=0: nothing was sent). A fetch that
    succeeds clears it."""
    gates: list[anyio.Event] = []
    denied = PermissionError("AccessDenied: not authorized to perform sts:AssumeRole")

    async def assume() -> awsmith.Credentials:
        gates.append(anyio.Event())
        await gates[-1].wait()
        if len(gates) < 3:
            raise denied
        return creds("AKIDROLE")

    cache = CachingProvider(assume, "assume")
    capture = Capture()
    http = httpx.AsyncClient(transport=httpx.MockTransport(capture))
    config = awsmith.Config(call_timeout=0.05)
    client = SupportClient(region="us-east-1", http_client=http, credentials=cache, config=config)
    errors: list[awsmith.DeadlineExceededError] = []

    async def timed_out() -> None:
        with pytest.raises(awsmith.DeadlineExceededError) as info:
            await client.describe_services()
        errors.append(info.value)

    message = (
        "credential provider assume failed: PermissionError: AccessDenied: not authorized "
        "to perform sts:AssumeRole"
    )
    async with http, client:
        with caplog.at_level(logging.WARNING):
            await timed_out()  # the first fetch is still running: no failure yet
            gates[0].set()
            await until(lambda: not cache._renewal._flight.running())
            assert quiet(caplog) == [
                f"awsmith.credentials WARNING {message}; no call was waiting for it any more "
                "(their deadlines passed, or they were cancelled): the next call asks the "
                "provider again"
            ]
            assert caplog.records[0].exc_info is not None
            await timed_out()  # the second fetch is held: its deadline passes waiting
            gates[1].set()
            await until(lambda: not cache._renewal._flight.running())
            assert len(caplog.records) == 2
            await timed_out()  # the third fetch is held, and will succeed
            gates[2].set()
            await until(lambda: not cache._renewal._flight.running())
            await client.describe_services()
            assert len(caplog.records) == 2
    first, second, third = errors
    assert first.__cause__ is None
    for later in (second, third):
        assert str(later) == "DescribeServices did not complete within call_timeout=0.05s"
        assert later.attempts == 0
        cause = later.__cause__
        assert isinstance(cause, awsmith.CredentialsError)
        assert str(cause) == message
        assert cause.__cause__ is denied
    assert second.__cause__ is not third.__cause__  # each call's own
    assert capture.access_key() == "AKIDROLE"
    assert len(capture.requests) == 1
    assert cache._renewal.failure is None  # the third fetch succeeded


async def test_after_an_attempt_the_deadlines_cause_stays_the_attempts_error() -> None:
    """The two rules for a DeadlineExceededError's cause agree: a call that made an
    attempt has its error as cause (errors after I/O carry the last attempt's error),
    even when its deadline passes while it waits for credentials after a failed
    fetch; the fetch's failure is the cause only of a call that made none. Here: a
    background refresh has failed; the first attempt answers 500 and the clock
    reaches the last minute before expiry, so the retry waits for a fetch (held)."""
    now = [2_000_000.0]
    expiry = dt.datetime.fromtimestamp(now[0] + 3600, UTC)
    gate: anyio.Event | None = None
    fetches = 0

    async def vault() -> awsmith.Credentials:
        nonlocal fetches
        fetches += 1
        if fetches == 2:
            raise RuntimeError("vault sealed")
        if gate is not None:
            await gate.wait()
        return creds("AKIDVAULT", expiry)

    cache = CachingProvider(vault, "vault", clock=lambda: now[0])
    assert (await cache()).access_key_id == "AKIDVAULT"
    now[0] = expiry.timestamp() - PROVIDER_ADVISORY_SECONDS
    assert (await cache()).access_key_id == "AKIDVAULT"  # a refresh behind, which fails
    await until(lambda: not cache._renewal._flight.running())
    assert str(cache._renewal.failure) == "credential provider vault failed: RuntimeError: vault sealed"
    gate = anyio.Event()
    seen: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        now[0] = expiry.timestamp() - PROVIDER_MANDATORY_SECONDS / 2  # the last minute
        return httpx.Response(500, json={"__type": "InternalServerError", "message": "oops"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    config = awsmith.Config(call_timeout=0.2, base_backoff=0.001, max_backoff=0.001)
    client = SupportClient(region="us-east-1", http_client=http, credentials=cache, config=config)
    async with http, client:
        with pytest.raises(awsmith.DeadlineExceededError) as after_attempt:
            await client.describe_services()
        with pytest.raises(awsmith.DeadlineExceededError) as no_attempt:
            await client.describe_services()
        gate.set()
    assert (after_attempt.value.attempts, len(seen)) == (1, 1)
    cause = after_attempt.value.__cause__
    assert isinstance(cause, awsmith.ServiceError)
    assert (cause.code, cause.status_code) == ("InternalServerError", 500)
    assert no_attempt.value.attempts == 0
    assert str(no_attempt.value.__cause__) == (
        "credential provider vault failed: RuntimeError: vault sealed"
    )


def failing_chain(detail: str) -> tuple[CredentialResolver, threading.Event, threading.Event]:
    """A chain whose load, once ``release`` is set, fails as a credential_process that
    exits 1 makes it fail (``entered`` is set when it starts)."""
    entered, release = threading.Event(), threading.Event()

    def get_credentials() -> Any:
        entered.set()
        assert release.wait(10)
        raise RuntimeError(f"Error when retrieving credentials from custom-process: {detail}")

    session = SimpleNamespace(get_credentials=get_credentials)
    return CredentialResolver(None, lambda: session, environment=False), entered, release


async def test_a_chain_load_failing_after_its_caller_gave_up_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Review D3 for the chain: its first load (botocore logs only its refreshes'
    failures) fails after the only call waiting for it gave up: logged once."""
    resolver, entered, release = failing_chain("exit 1")
    with caplog.at_level(logging.WARNING):
        with anyio.move_on_after(10) as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(resolver.get)
                await until(entered.is_set)
                tg.cancel_scope.cancel()
        assert not scope.cancelled_caught
        assert quiet(caplog) == []
        release.set()
        await until(lambda: not resolver._renewal._flight.running())
    assert quiet(caplog) == [
        "awsmith.credentials WARNING Unable to load AWS credentials: Error when retrieving "
        "credentials from custom-process: exit 1; no call was waiting for this load of the "
        "credential chain: the next call that needs credentials loads them again"
    ]
    failure = resolver.last_failure()
    assert isinstance(failure, awsmith.CredentialsError)
    assert caplog.records[0].exc_info is not None
    assert caplog.records[0].exc_info[1] is failure


# --------------------------------------------------- D4: a fetch that never answers


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_provider_call_that_hangs_is_cancelled_at_the_timeout() -> None:
    """Review D4 (r2): the provider's first call never answers (a black-holed
    connection). Before: every later call joined it, for good. Now, after
    CachingProvider's timeout, it is cancelled, the call waiting for it raises a
    CredentialsError saying so, and the next call asks the provider again."""
    ended: list[str] = []

    async def provider() -> awsmith.Credentials:
        if not ended:
            try:
                await anyio.Event().wait()  # never answers
            except BaseException as exc:
                ended.append(type(exc).__name__)
                raise
        ended.append("answered")
        return creds("AKIDVAULT")

    cache = CachingProvider(provider, "vault", timeout=0.05)
    with anyio.fail_after(10), pytest.raises(awsmith.CredentialsError) as info:
        await cache()
    assert str(info.value) == (
        "credential provider vault did not answer within 0.05 s (CachingProvider's "
        "timeout): that call of it was cancelled, and the next call asks it again"
    )
    assert ended == ["Cancelled" if anyio_backend_name() == "trio" else "CancelledError"]
    assert (await cache()).access_key_id == "AKIDVAULT"
    assert ended[1:] == ["answered"]


def anyio_backend_name() -> str:
    import sniffio

    return sniffio.current_async_library()


def test_a_provider_call_may_take_60_seconds_by_default() -> None:
    """The default limit, and the constant the docs name."""
    import inspect

    assert PROVIDER_TIMEOUT_SECONDS == 60.0
    default = inspect.signature(CachingProvider).parameters["timeout"].default
    assert default == PROVIDER_TIMEOUT_SECONDS


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan"), True, "60", [60]])
def test_a_timeout_that_is_not_a_positive_number_is_refused(timeout: object) -> None:
    async def provider() -> awsmith.Credentials:
        return creds("AKID")

    with pytest.raises(awsmith.ConfigurationError) as info:
        CachingProvider(provider, timeout=timeout)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    assert str(info.value) == (
        "CachingProvider timeout must be a positive number of seconds or None, "
        f"got {timeout!r}"
    )


async def test_no_timeout_at_all() -> None:
    async def provider() -> awsmith.Credentials:
        return creds("AKID")

    assert (await CachingProvider(provider, timeout=None)()).access_key_id == "AKID"


# ------------------------------------------ D5: nothing outlives or holds its loop


def test_a_call_from_a_task_being_cancelled_at_shutdown_starts_no_refresh(
    caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """Review D5 (r14): a worker makes a last call (a final flush) when asyncio.run
    cancels it; the credentials are in the advisory window. Before: that call started
    a background refresh during asyncio.run's own shutdown, which closed the loop
    under it: "Task was destroyed but it is pending!". Now a task being cancelled
    starts no refresh: its call returns the current credentials, and a later call
    refreshes as usual."""
    fetched: list[str] = []

    async def provider() -> awsmith.Credentials:
        fetched.append("fetch")
        return creds(
            f"AKID{len(fetched)}", dt.datetime.now(UTC) + dt.timedelta(minutes=4)
        )  # 4 minutes: the advisory window, from the start

    cache = CachingProvider(provider, "vault")
    flushed: list[str] = []

    async def worker(ready: asyncio.Event) -> None:
        await cache()
        ready.set()
        try:
            await asyncio.sleep(3600)
        finally:
            flushed.append((await cache()).access_key_id)

    async def main() -> None:
        ready = asyncio.Event()
        asyncio.get_running_loop().create_task(worker(ready))
        await ready.wait()

    with caplog.at_level(logging.INFO):
        asyncio.run(main())
        gc.collect()
    assert (flushed, fetched) == (["AKID1"], ["fetch"])
    assert len(cache._renewal._flight._running) == 0
    assert quiet(caplog) == []
    assert [str(w.message) for w in recwarn] == []

    async def later() -> list[str]:
        got = [(await cache()).access_key_id]  # starts the refresh, returns at once
        await until(lambda: not cache._renewal._flight.running())
        return [*got, (await cache()).access_key_id]

    assert asyncio.run(later()) == ["AKID1", "AKID2"]


def test_loops_closed_while_a_fetch_runs_are_not_kept(
    caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """Review D5 (r3): a sync wrapper runs each call with
    ``loop.run_until_complete(asyncio.wait_for(call, t))`` and closes the loop, a fetch
    still running. Before: the provider's table of running fetches kept every such
    loop alive, and each was reported "Task was destroyed but it is pending!" at exit.
    Now the loops are freed, quietly."""

    async def provider() -> awsmith.Credentials:
        await asyncio.sleep(3600)
        return creds("AKID")

    cache = CachingProvider(provider, "vault")
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            loop = asyncio.new_event_loop()
            with pytest.raises(TimeoutError):
                loop.run_until_complete(asyncio.wait_for(cache(), 0.05))
            loop.close()
            loops.append(weakref.ref(loop))
            del loop
        gc.collect()
    assert [ref() for ref in loops] == [None] * 3
    assert len(cache._renewal._flight._running) == 0
    assert quiet(caplog) == []
    assert [str(w.message) for w in recwarn] == []


def test_one_background_refresh_at_a_time_across_event_loops() -> None:
    """A CachingProvider shared by two threads' event loops, in the advisory window: a
    background refresh runs (held) on loop A; on loop B, past the refresh interval, a
    call starts no second one (the credentials are shared, so is the refresh).
    Before: the interval was shared by the loops but the "one under way" check was
    per loop, and B called the provider again."""
    now = [1_000_000.0]
    expiry = dt.datetime.fromtimestamp(now[0] + 3600, UTC)
    fetched: list[str] = []
    held, release, b_done = threading.Event(), threading.Event(), threading.Event()

    async def provider() -> awsmith.Credentials:
        fetched.append(threading.current_thread().name)
        if len(fetched) == 2:
            held.set()
            await asyncio.to_thread(release.wait, 10)
        return creds(f"AKID{len(fetched)}", expiry + dt.timedelta(hours=len(fetched) - 1))

    cache = CachingProvider(provider, "vault", clock=lambda: now[0])
    results: list[str] = []

    async def on_a() -> None:
        results.append((await cache()).access_key_id)  # fresh
        now[0] = expiry.timestamp() - PROVIDER_ADVISORY_SECONDS
        results.append((await cache()).access_key_id)  # starts the refresh, held
        await asyncio.to_thread(b_done.wait, 10)
        release.set()
        await until(lambda: not cache._renewal._flight.running())

    def on_b() -> None:
        assert held.wait(10)
        now[0] += 10 * BACKGROUND_REFRESH_INTERVAL
        results.append(asyncio.run(cache()).access_key_id)
        b_done.set()

    a = threading.Thread(target=lambda: asyncio.run(on_a()), name="loop-a")
    b = threading.Thread(target=on_b, name="loop-b")
    a.start()
    b.start()
    b.join(20)
    a.join(20)
    assert fetched == ["loop-a", "loop-a"]
    assert results == ["AKID1", "AKID1", "AKID1"]
    assert asyncio.run(cache()).access_key_id == "AKID2"


# --------------------------------------- D6: each waiting call raises its own exception


def chain_of(error: BaseException) -> list[BaseException]:
    """``error`` and every exception its ``__cause__`` and ``__context__`` lead to."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        exc = pending.pop()
        if exc is None or any(exc is s for s in seen):
            continue
        seen.append(exc)
        pending += [exc.__cause__, exc.__context__]
    return seen


async def two_waiters(get: Any, ready: Any, release: Any) -> tuple[BaseException, BaseException]:
    """Two calls of ``get`` waiting for one failing fetch, the second while it handles
    an unrelated KeyError; what each raised."""
    raised: dict[str, BaseException] = {}

    async def plain() -> None:
        try:
            await get()
        except awsmith.CredentialsError as exc:
            raised["plain"] = exc

    async def while_handling() -> None:
        try:
            {}["unrelated-lookup"]
        except KeyError:
            try:
                await get()
            except awsmith.CredentialsError as exc:
                raised["handling"] = exc

    async with anyio.create_task_group() as tg:
        tg.start_soon(plain)
        tg.start_soon(while_handling)
        await ready()
        await anyio.wait_all_tasks_blocked()
        release()
    return raised["plain"], raised["handling"]


async def test_each_call_waiting_for_a_failed_chain_load_raises_its_own_error() -> None:
    """Review D6 (r10): two calls wait for one chain load that fails, the second while
    it handles a KeyError of its own. Before: both raised one exception object, so the
    first call's error carried the second's KeyError in its chain. Now each raises
    its own, with the same message and type; only the second's chain holds its
    KeyError."""
    resolver, entered, release = failing_chain("")
    plain, handling = await two_waiters(
        resolver.get, lambda: until(entered.is_set), release.set
    )
    assert plain is not handling
    for error in (plain, handling):
        assert type(error) is awsmith.CredentialsError
        assert str(error) == (
            "Unable to load AWS credentials: Error when retrieving credentials from "
            "custom-process: "
        )
    assert not any(isinstance(e, KeyError) for e in chain_of(plain))
    assert isinstance(handling.__context__, KeyError)


async def test_each_call_of_a_client_waiting_for_a_failed_provider_raises_its_own_error() -> None:
    """Review D6 through a client: two calls, one failed provider call. Each raises an
    error of its own naming the operation, with the provider's exception as cause;
    only the call that was handling a KeyError has it in its chain."""
    gate = anyio.Event()
    down = RuntimeError("vault unreachable")

    async def provider() -> awsmith.Credentials:
        await gate.wait()
        raise down

    http = httpx.AsyncClient(transport=httpx.MockTransport(Capture()))
    client = SupportClient(region="us-east-1", http_client=http, credentials=provider)
    async with http, client:
        plain, handling = await two_waiters(
            client.describe_services, anyio.wait_all_tasks_blocked, gate.set
        )
    assert plain is not handling
    for error in (plain, handling):
        assert str(error) == (
            "credential provider test_each_call_of_a_client_waiting_for_a_failed_provider_"
            "raises_its_own_error.<locals>.provider failed: RuntimeError: vault unreachable "
            "(when calling the DescribeServices operation)"
        )
        assert error.__cause__ is down
    assert not any(isinstance(e, KeyError) for e in chain_of(plain))
    assert any(isinstance(e, KeyError) for e in chain_of(handling))


# --------------------------------------------------- the chain's windows, botocore's


@pytest.mark.parametrize("mandatory_minutes", [10, 2, 12])
async def test_the_chain_reads_the_mandatory_window_of_its_credentials(
    mandatory_minutes: int,
) -> None:
    """Code review: the chain's mandatory window was a fixed 10 minutes, where botocore's
    RefreshableCredentials carries its own (``mandatory_timeout``). Oracle: botocore's
    ``refresh_needed`` with that window, and what its own object gives 5 minutes before
    expiry with a refresh that fails: inside its mandatory window it raises, outside
    (2 minutes) it keeps the current credentials. awsmith does the same: inside, the
    call waits for the refresh (held until it is seen waiting) and raises its error;
    outside, it returns the current credentials before the refresh has even started."""
    entered, release = threading.Event(), threading.Event()

    def down() -> dict[str, str]:
        raise RuntimeError("the source is down")

    def held_down() -> dict[str, str]:
        entered.set()
        assert release.wait(10)
        return down()

    their_clock, our_clock = Clock(), Clock()
    hour, window = dt.timedelta(hours=1), {"mandatory_timeout": mandatory_minutes * 60}
    theirs = refreshable("AKIDFIRST", their_clock, down, hour, **window)
    ours = refreshable("AKIDFIRST", our_clock, held_down, hour, **window)
    session = SimpleNamespace(get_credentials=lambda: ours)
    resolver = CredentialResolver(None, lambda: session, environment=False)
    assert (await resolver.get()).access_key_id == "AKIDFIRST"
    for clock in (their_clock, our_clock):
        clock.now += dt.timedelta(minutes=55)

    inside = theirs.refresh_needed(theirs._mandatory_refresh_timeout)
    try:
        botocore_says = str(theirs.get_frozen_credentials().access_key)
    except RuntimeError:
        botocore_says = "raises"
    said: list[str] = []

    async def call() -> None:
        try:
            said.append((await resolver.get()).access_key_id)
        except awsmith.CredentialsError:
            said.append("raises")

    async with anyio.create_task_group() as tg:
        tg.start_soon(call)
        await until(entered.is_set)
        await anyio.wait_all_tasks_blocked()
        said_before_the_refresh_ended = list(said)
        release.set()
    assert inside is (mandatory_minutes > 5)
    if inside:
        assert (botocore_says, said_before_the_refresh_ended, said) == ("raises", [], ["raises"])
    else:
        assert (botocore_says, said_before_the_refresh_ended) == ("AKIDFIRST", ["AKIDFIRST"])
        assert said == ["AKIDFIRST"]


def test_the_windows_constants() -> None:
    assert (PROVIDER_ADVISORY_SECONDS, PROVIDER_MANDATORY_SECONDS) == (300, 60)
    assert (CHAIN_MANDATORY_SECONDS, BACKGROUND_REFRESH_INTERVAL) == (600, 10.0)
