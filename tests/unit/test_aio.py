"""awsmith._core.aio: asyncio's primitives under asyncio, anyio's under trio, with one
meaning on both."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from unittest import mock

import anyio
import pytest

from awsmith._core import aio

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


def where() -> tuple[str, bool]:
    return request_id.get(), threading.current_thread() is threading.main_thread()


@pytest.fixture
def plain_asyncio(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An application that does not use anyio (pytest's anyio plugin loads its asyncio
    backend): run_in_thread takes its own asyncio path."""
    monkeypatch.delitem(sys.modules, "anyio._backends._asyncio", raising=False)
    with mock.patch("anyio.to_thread.run_sync", side_effect=AssertionError("anyio used")):
        yield


async def returns_raises_and_carries_context() -> tuple[str, bool]:
    request_id.set("r-7")
    with pytest.raises(KeyError, match="'gone'"):
        await aio.run_in_thread({}.__getitem__, "gone")
    return await aio.run_in_thread(where)


@pytest.mark.usefixtures("plain_asyncio")
def test_run_in_thread_returns_raises_and_carries_context_on_asyncio() -> None:
    assert asyncio.run(returns_raises_and_carries_context()) == ("r-7", False)


def test_run_in_thread_returns_raises_and_carries_context_on_trio() -> None:
    assert anyio.run(returns_raises_and_carries_context, backend="trio") == ("r-7", False)


@pytest.mark.usefixtures("plain_asyncio")
def test_run_in_thread_on_asyncio_uses_a_daemon_thread_of_its_own() -> None:
    seen: list[tuple[str, bool]] = []

    def record() -> None:
        thread = threading.current_thread()
        seen.append((thread.name, thread.daemon))

    async def main() -> None:
        await aio.run_in_thread(record)
        # The loop's default executor shut down (as asyncio.run does at its end, or an
        # application early) does not matter.
        await asyncio.get_running_loop().shutdown_default_executor()
        await aio.run_in_thread(record)

    asyncio.run(main())
    asyncio.run(main())  # a second loop
    name = "awsmith: test_run_in_thread_on_asyncio_uses_a_daemon_thread_of_its_own.<locals>.record"
    assert seen == [(name, True)] * 4


@pytest.mark.usefixtures("plain_asyncio")
def test_stop_iteration_from_the_thread_is_a_runtime_error() -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError, match=r"StopIteration\('done'\)"):
            await aio.run_in_thread(_raise_stop)

    asyncio.run(main())


def _raise_stop() -> None:
    raise StopIteration("done")


def test_run_in_thread_defers_to_anyio_when_the_application_runs_it() -> None:
    """On asyncio under anyio (a Starlette or FastAPI app), anyio's cancel scopes
    re-cancel a waiting task on every loop turn: anyio's own shielded wait is used."""
    import anyio.to_thread

    calls: list[object] = []
    real = anyio.to_thread.run_sync

    async def recording(func: object, *args: object) -> object:
        calls.append(func)
        return await real(func, *args)  # type: ignore[arg-type]

    async def main() -> str:
        with mock.patch("anyio.to_thread.run_sync", recording):
            with anyio.move_on_after(0.05):
                await aio.run_in_thread(time.sleep, 0.3)
            return await aio.run_in_thread(str, "ok")

    assert anyio.run(main, backend="asyncio") == "ok"
    assert calls == [time.sleep, str]


@pytest.mark.usefixtures("plain_asyncio")
def test_cancelling_run_in_thread_waits_for_the_thread() -> None:
    """anyio's default: the cancellation is raised only once the thread has finished
    (a cancelled credential load never overlaps the next one)."""
    release = threading.Event()
    events: list[str] = []

    def blocking() -> str:
        release.wait(timeout=60)
        events.append("thread done")
        return "ignored"

    async def main() -> None:
        task = asyncio.create_task(aio.run_in_thread(blocking))
        await asyncio.sleep(0.05)
        task.cancel()
        for _ in range(20):  # the task stays pending while the thread runs, cancelled or not
            await asyncio.sleep(0)
        assert not task.done()
        task.cancel()  # a second cancellation is absorbed too
        await asyncio.sleep(0.01)
        assert not task.done()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        events.append("cancelled")

    asyncio.run(main())
    assert events == ["thread done", "cancelled"]


@pytest.mark.usefixtures("plain_asyncio")
def test_a_timeout_around_run_in_thread_fires_once_the_thread_is_done() -> None:
    done = threading.Event()

    def work() -> None:
        time.sleep(0.2)
        done.set()

    async def main() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await aio.run_in_thread(work)
        assert done.is_set()

    asyncio.run(main())


@pytest.mark.usefixtures("plain_asyncio")
def test_a_failed_thread_of_a_cancelled_call_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    def fails() -> None:
        release.wait(timeout=60)
        raise RuntimeError("boom")

    async def main() -> None:
        task = asyncio.create_task(aio.run_in_thread(fails))
        await asyncio.sleep(0.05)
        task.cancel()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert "never retrieved" not in caplog.text


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_within_returns_the_result_or_raises_the_given_error(backend: str) -> None:
    async def slow() -> str:
        await aio.sleep(30)
        return "late"

    async def quick() -> str:
        await aio.sleep(0)
        return "done"

    async def own_timeout() -> str:
        raise TimeoutError("the awaitable's own")

    async def main() -> None:
        assert await aio.within(5, quick(), lambda: AssertionError("expired")) == "done"
        with pytest.raises(LookupError, match=r"expired after 0\.01"):
            await aio.within(0.01, slow(), lambda: LookupError("expired after 0.01"))
        with pytest.raises(TimeoutError, match="the awaitable's own"):
            await aio.within(5, own_timeout(), lambda: LookupError("not this"))

    anyio.run(main, backend=backend)


def test_loop_locks_one_per_loop() -> None:
    locks = aio.LoopLocks()
    seen: list[object] = []

    async def contend() -> None:
        lock = locks.current()
        assert locks.current() is lock
        seen.append(lock)
        order: list[int] = []

        async def hold(n: int) -> None:
            async with lock:
                order.append(n)
                await asyncio.sleep(0.001)
                order.append(n)

        await asyncio.gather(hold(1), hold(2))
        assert order == [1, 1, 2, 2]

    asyncio.run(contend())
    asyncio.run(contend())  # a second loop: its own lock, no "bound to a different loop"
    assert seen[0] is not seen[1]
    assert isinstance(seen[0], asyncio.Lock)

    async def under_trio() -> None:
        assert isinstance(locks.current(), anyio.Lock)

    anyio.run(under_trio, backend="trio")


def test_sleep_under_both() -> None:
    async def main() -> bool:
        await aio.sleep(0)
        return aio.on_trio()

    assert anyio.run(main, backend="asyncio") is False
    assert anyio.run(main, backend="trio") is True


# ---------------------------------------------------------------- SingleFlight


class Work:
    """A SingleFlight's work: counts its runs, waits for ``gate``, then returns the run
    number or raises ``fail``; records how each run ended."""

    def __init__(self) -> None:
        self.runs = 0
        self.ended: list[str] = []
        self.gate: anyio.Event | None = None
        self.entered: anyio.Event | None = None
        self.fail: BaseException | None = None

    async def __call__(self) -> int:
        self.runs += 1
        if self.entered is not None:
            self.entered.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
        except BaseException as exc:
            self.ended.append(type(exc).__name__)
            raise
        self.ended.append("finished")
        if self.fail is not None:
            raise self.fail
        return self.runs


def task_named(name: str) -> asyncio.Task[object]:
    """The one task of the running loop called ``name`` (a SingleFlight's run)."""
    [task] = [t for t in asyncio.all_tasks() if t.get_name() == name]
    return task


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_single_flight_is_shared_and_outlives_waiters_that_give_up(backend: str) -> None:
    """Three callers join one run; two give up (a deadline, a cancellation); the run
    goes on, the third gets its value, and the run finished, not cancelled."""
    work = Work()
    flight: aio.SingleFlight[int] = aio.SingleFlight(work, "work")

    async def main() -> tuple[list[str], list[int]]:
        work.gate, work.entered = anyio.Event(), anyio.Event()
        outcomes: list[str] = []
        values: list[int] = []

        async def impatient() -> None:
            with anyio.move_on_after(0.01) as scope:
                await flight.join()
            outcomes.append(f"gave up: {scope.cancelled_caught}")

        async def patient() -> None:
            values.append(await flight.join())

        async with anyio.create_task_group() as tg:
            tg.start_soon(impatient)
            tg.start_soon(patient)
            cancelled = anyio.CancelScope()

            async def cancelled_caller() -> None:
                with cancelled:
                    await flight.join()
                outcomes.append(f"cancelled: {cancelled.cancelled_caught}")

            tg.start_soon(cancelled_caller)
            await work.entered.wait()
            await anyio.wait_all_tasks_blocked()
            cancelled.cancel()
            while len(outcomes) < 2:
                await anyio.wait_all_tasks_blocked()
                await anyio.sleep(0.001)  # the impatient caller's deadline, a real one
            assert flight.running()
            work.gate.set()
        assert not flight.running()
        return sorted(outcomes), values

    assert anyio.run(main, backend=backend) == (["cancelled: True", "gave up: True"], [1])
    assert (work.runs, work.ended) == (1, ["finished"])


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_run_with_no_waiter_left_finishes_and_start_waits_for_nothing(backend: str) -> None:
    work = Work()
    flight: aio.SingleFlight[int] = aio.SingleFlight(work, "work")

    async def main() -> int:
        work.gate = anyio.Event()
        flight.start()
        flight.start()  # one under way: not another
        assert flight.running()
        await anyio.wait_all_tasks_blocked()
        assert work.runs == 1
        work.gate.set()
        while flight.running():
            await anyio.wait_all_tasks_blocked()
            await anyio.sleep(0)
        work.gate = None
        return await flight.join()  # none under way: a new run

    assert anyio.run(main, backend=backend) == 2
    assert work.ended == ["finished", "finished"]


async def what_each_raises(
    call: Callable[[], Awaitable[object]], release: Callable[[], object], n: int = 3
) -> list[BaseException]:
    """What each of ``n`` concurrent ``call()`` raised (whatever it is), once all were
    blocked and ``release()`` ran; within a hang bound."""
    raised: list[BaseException] = []

    async def one() -> None:
        try:
            await call()
        except BaseException as exc:
            raised.append(exc)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            for _ in range(n):
                tg.start_soon(one)
            await anyio.wait_all_tasks_blocked()
            release()
    return raised


async def three_waiters(flight: aio.SingleFlight[int], work: Work) -> list[BaseException]:
    """What each of three callers waiting for one run of ``work`` raised."""
    work.gate = anyio.Event()
    return await what_each_raises(flight.join, work.gate.set)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_every_waiter_raises_a_copy_of_the_runs_error_with_its_own_traceback(
    backend: str,
) -> None:
    """Each waiter raises a copy of the run's exception of its own (issue 22, review
    D6: one shared object took each waiter's ``__context__`` in turn), from the
    traceback the work raised it with: it does not grow by every waiter's frames."""
    work = Work()
    work.fail = KeyError("down")
    flight: aio.SingleFlight[int] = aio.SingleFlight(work, "work")

    errors = anyio.run(three_waiters, flight, work, backend=backend)
    assert [(type(e), e.args) for e in errors] == [(KeyError, ("down",))] * 3
    assert len({id(e) for e in [work.fail, *errors]}) == 4
    frames = []
    tb = errors[0].__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    # One waiter's frames on top of where the work raised it; not three waiters'.
    assert frames == ["one", "join", "outcome", "_run", "__call__"]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_run_still_going_when_the_loop_ends_is_cancelled_and_waited_for(
    backend: str, recwarn: pytest.WarningsRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller gave up and the main task returned while the work still runs:
    asyncio.run / trio.run cancel the run and wait for it. Nothing is left running,
    nothing is logged or warned ("Task was destroyed but it is pending")."""
    import gc

    work = Work()
    flight: aio.SingleFlight[int] = aio.SingleFlight(work, "work")

    async def main() -> None:
        work.gate, work.entered = anyio.Event(), anyio.Event()
        with anyio.move_on_after(0.01):
            await flight.join()
        assert flight.running()

    with caplog.at_level(logging.INFO):
        anyio.run(main, backend=backend)
        gc.collect()
    assert work.ended == ["CancelledError" if backend == "asyncio" else "Cancelled"]
    assert not flight._running  # the finished loop is not kept
    assert caplog.records == []
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.usefixtures("plain_asyncio")
def test_a_thread_the_run_waits_for_is_waited_for_by_asyncio_run() -> None:
    """A run in run_in_thread (a credential load) when asyncio.run ends: asyncio.run
    returns once the thread has finished; no thread of it is left."""
    release = threading.Event()
    events: list[str] = []
    tasks: list[asyncio.Task[None]] = []

    def blocking() -> int:
        assert release.wait(10)
        events.append("thread done")
        return 1

    async def load() -> int:
        return await aio.run_in_thread(blocking)

    flight: aio.SingleFlight[int] = aio.SingleFlight(load, "load")

    def release_once_cancelled() -> None:
        # The run's task is cancelled by asyncio.run's shutdown: then let the thread go.
        for _ in range(10_000):
            if tasks and tasks[0].cancelling():
                break
            time.sleep(0.001)
        release.set()

    async def main() -> None:
        flight.start()
        tasks.append(task_named("awsmith: load"))
        threading.Thread(target=release_once_cancelled, daemon=True).start()

    asyncio.run(main())
    events.append("asyncio.run returned")
    assert events == ["thread done", "asyncio.run returned"]
    assert tasks[0].cancelled()
    assert not flight._running


def test_a_run_cancelled_from_outside_is_run_again_for_its_waiters() -> None:
    """Only its loop's end (or someone cancelling the task itself) cancels a run: the
    waiters were not cancelled, so they start another rather than raise."""
    work = Work()
    flight: aio.SingleFlight[int] = aio.SingleFlight(work, "work")

    async def main() -> int:
        work.gate = anyio.Event()
        waiter = asyncio.ensure_future(flight.join())
        await anyio.wait_all_tasks_blocked()
        task_named("awsmith: work").cancel()
        await anyio.wait_all_tasks_blocked()
        assert work.runs == 2
        work.gate.set()
        return await waiter

    assert asyncio.run(main()) == 2
    assert work.ended == ["CancelledError", "finished"]


# ------------------------------------------- issue 22, review: a run that no loop holds


def until(condition: Callable[[], bool]) -> Awaitable[None]:
    """Waits (a hang bound only) until ``condition()``, set by a thread."""

    async def poll() -> None:
        with anyio.fail_after(10):
            while not condition():
                await anyio.sleep(0.001)

    return poll()


class Blocking:
    """A function for a worker thread that blocks until ``release``; ``entered`` and
    ``finished`` are set as it starts and ends, in its thread."""

    def __init__(self) -> None:
        self.entered, self.release, self.finished = (threading.Event() for _ in range(3))
        self.thread: threading.Thread | None = None

    def __call__(self) -> str:
        self.thread = threading.current_thread()
        self.entered.set()
        try:
            assert self.release.wait(30)
            raise RuntimeError("dropped: nobody waits for it any more")
        finally:
            self.finished.set()


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_cancelling_an_abandonable_thread_raises_at_once_and_leaves_the_thread(
    backend: str, caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """``abandon_on_cancel``: the cancellation goes through while the thread blocks,
    and the run ends; the thread (a daemon) finishes later, its exception dropped
    without a word ("exception was never retrieved", a closed loop's RuntimeError)."""
    blocking = Blocking()
    events: list[str] = []

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: aio.run_in_thread(blocking, abandon_on_cancel=True))
            await until(blocking.entered.is_set)
            tg.cancel_scope.cancel()
        events.append("cancelled")

    with caplog.at_level(logging.INFO):
        anyio.run(main, backend=backend)
        events.append(f"run returned, thread finished: {blocking.finished.is_set()}")
        blocking.release.set()
        assert blocking.finished.wait(10)
        assert blocking.thread is not None
        blocking.thread.join(10)
    assert events == ["cancelled", "run returned, thread finished: False"]
    assert blocking.thread.daemon
    assert blocking.thread.name.startswith("awsmith: ")
    assert caplog.records == []
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.usefixtures("plain_asyncio")
def test_asyncio_run_does_not_wait_for_an_abandonable_thread() -> None:
    """Issue 22, review D1, at its root: asyncio.run cancels the task waiting for the
    thread and returns, the thread still blocked."""
    blocking = Blocking()

    async def main() -> None:
        asyncio.get_running_loop().create_task(
            aio.run_in_thread(blocking, abandon_on_cancel=True)
        )
        await until(blocking.entered.is_set)

    asyncio.run(main())
    assert not blocking.finished.is_set()
    blocking.release.set()
    assert blocking.finished.wait(10)


def test_an_abandonable_thread_returns_raises_and_carries_context() -> None:
    async def main() -> tuple[str, bool]:
        request_id.set("r-8")
        with pytest.raises(KeyError, match="'gone'"):
            await aio.run_in_thread({}.__getitem__, "gone", abandon_on_cancel=True)
        with pytest.raises(RuntimeError, match=r"StopIteration\('done'\)"):
            await aio.run_in_thread(_raise_stop, abandon_on_cancel=True)
        return await aio.run_in_thread(where, abandon_on_cancel=True)

    assert asyncio.run(main()) == ("r-8", False)
    assert anyio.run(main, backend="trio") == ("r-8", False)


class Stop(BaseException):
    """A BaseException of an application's own."""


def cancelled_elsewhere() -> BaseException:
    """What awaiting a future someone else cancelled raises (asyncio only)."""
    return asyncio.CancelledError("its task was cancelled by someone else")


@pytest.mark.parametrize(
    ("backend", "error"),
    [
        ("asyncio", KeyboardInterrupt()),
        ("trio", KeyboardInterrupt()),
        ("asyncio", Stop("halt")),
        ("trio", Stop("halt")),
        ("asyncio", cancelled_elsewhere()),
    ],
    ids=["KeyboardInterrupt-asyncio", "KeyboardInterrupt-trio", "own-asyncio", "own-trio",
         "CancelledError-asyncio"],
)
def test_a_base_exception_the_work_raises_is_the_runs_outcome(
    backend: str, error: BaseException
) -> None:
    """Issue 22, review D2: a BaseException that is not an Exception ends the run like
    any other: each of the three waiters raises a copy of its own, ``failed`` hears of
    it once, and the work ran once. Before: asyncio restarted the run without end (a
    provider called 10,000 times a second) and trio.run died of TrioInternalError (a
    system task must not raise). A CancelledError that reaches the work while nobody
    cancelled the run is such an outcome too, not the run's cancellation."""
    work = Work()
    work.fail = error
    failures: list[tuple[str, int]] = []
    flight: aio.SingleFlight[int] = aio.SingleFlight(
        work, "work", failed=lambda exc, waiting: failures.append((repr(exc), waiting))
    )

    raised = anyio.run(three_waiters, flight, work, backend=backend)
    assert [(type(e), e.args) for e in raised] == [(type(error), error.args)] * 3
    assert len({id(e) for e in [error, *raised]}) == 4
    assert failures == [(repr(error), 3)]
    assert (work.runs, work.ended) == (1, ["finished"])


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_failed_hears_how_many_callers_wait(backend: str) -> None:
    """``failed`` is told of a run's exception with the number of callers waiting for
    it: 0 when the only one gave up (it reaches nobody), 1 for the next run."""
    work = Work()
    work.fail = KeyError("down")
    failures: list[int] = []
    flight: aio.SingleFlight[int] = aio.SingleFlight(
        work, "work", failed=lambda exc, waiting: failures.append(waiting)
    )

    async def main() -> None:
        work.gate = anyio.Event()
        with anyio.move_on_after(0.01):
            await flight.join()
        work.gate.set()
        await until(lambda: not flight.running())
        with pytest.raises(KeyError):
            await flight.join()

    anyio.run(main, backend=backend)
    assert failures == [0, 1]


def test_a_loop_closed_with_a_run_pending_is_not_kept(
    caplog: pytest.LogCaptureFixture, recwarn: pytest.WarningsRecorder
) -> None:
    """Issue 22, review D5 (r3): a loop closed without cancelling its tasks (a sync
    wrapper's ``run_until_complete(wait_for(...)); close()``) while a run is pending.
    Before: the run's table kept every such loop alive. Now the loop, the run and its
    task are dropped together, quietly: nothing logged ("Task was destroyed but it is
    pending!"), nothing warned (an exception ignored while it is collected)."""
    import gc
    import weakref

    ended: list[str] = []

    async def work() -> int:
        try:
            await asyncio.sleep(3600)  # a timer of the loop's: dropped when it closes
        except BaseException as exc:
            ended.append(type(exc).__name__)
            raise
        return 1

    flight: aio.SingleFlight[int] = aio.SingleFlight(work, "work")
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []
    with caplog.at_level(logging.INFO):
        for _ in range(3):
            loop = asyncio.new_event_loop()
            with pytest.raises(TimeoutError):
                loop.run_until_complete(asyncio.wait_for(flight.join(), 0.01))
            loop.close()
            loops.append(weakref.ref(loop))
            del loop
        gc.collect()
    assert [ref() for ref in loops] == [None] * 3
    assert len(flight._running) == 0
    assert ended == ["GeneratorExit"] * 3
    assert caplog.records == []
    assert [str(w.message) for w in recwarn] == []
