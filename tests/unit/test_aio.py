"""awsmith._core.aio: asyncio's primitives under asyncio, anyio's under trio, with one
meaning on both."""

from __future__ import annotations

import asyncio
import contextvars
import sys
import threading
import time
from collections.abc import Iterator
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
