"""The few async primitives the client needs: asyncio's own under asyncio, anyio's under
trio.

anyio's asyncio backend takes about 35 ms to import (a tenth of a script's whole run,
benchmarks/coldstart.py), and under asyncio every primitive here is asyncio's anyway;
so anyio is imported only when a call runs under trio. The semantics are anyio's on
both:

* :func:`run_in_thread`: the call's context variables go with it, and cancelling the
  waiting task waits for the thread to finish before the cancellation is raised (anyio's
  ``to_thread.run_sync`` default), so a cancelled credential load never overlaps the next.
  Under asyncio it is a daemon thread per call (anyio's own when anyio is already in
  use, see there).
* :class:`LoopLocks`: one lock per event loop (asyncio) or run (trio). An object made at
  import time, or a client used from a second ``asyncio.run()``, may meet several.
* :func:`within`: runs a coroutine with a time limit; the caller's error says the limit,
  not something inside, ended it.
* :class:`SingleFlight`: one shared run of an async function per event loop, which
  its callers wait for without owning it: a caller's deadline ends its own wait, never
  the run (the credential caches fetch through it).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import sniffio

if TYPE_CHECKING:
    from types import TracebackType

T = TypeVar("T")


def on_trio() -> bool:
    """Whether the running task is trio's (else asyncio's)."""
    return sniffio.current_async_library() == "trio"


async def sleep(seconds: float) -> None:
    if on_trio():
        import trio

        await trio.sleep(seconds)
    else:
        await asyncio.sleep(seconds)


async def run_in_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a worker thread, with this task's context variables."""
    if on_trio() or "anyio._backends._asyncio" in sys.modules:
        # Under trio; or on asyncio in an application that runs anyio (a Starlette or
        # FastAPI app): anyio's cancel scopes cancel a waiting task again on every turn
        # of the loop, and only anyio's own shielded wait sits through that quietly.
        import anyio.to_thread

        return await anyio.to_thread.run_sync(func, *args)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def work() -> None:
        try:
            result = context.run(func, *args)
        except StopIteration as exc:  # a future refuses it (it would end a coroutine)
            _hand_over(loop, future.set_exception, future, RuntimeError(repr(exc)))
        except BaseException as exc:  # handed to the waiting task
            _hand_over(loop, future.set_exception, future, exc)
        else:
            _hand_over(loop, future.set_result, future, result)

    # A thread of its own per call: awsmith's blocking work is rare (a client's first
    # call, a credential refresh), and neither the loop's default executor (which an
    # application may fill, or shut down) nor a pool that keeps a process alive at
    # exit while a slow credential source answers is worth sharing for it.
    threading.Thread(target=work, name=f"awsmith: {_name(func)}", daemon=True).start()
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        # The thread cannot be stopped: wait for it (through further cancellations
        # too), drop its outcome, then let the cancellation through.
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait((future,))
        if not future.cancelled():
            future.exception()  # retrieved: no "exception was never retrieved" later
        raise


def _hand_over(
    loop: asyncio.AbstractEventLoop,
    setter: Callable[[Any], None],
    future: asyncio.Future[Any],
    value: object,
) -> None:
    def settle() -> None:
        if not future.done():
            setter(value)

    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
        loop.call_soon_threadsafe(settle)


def _name(func: Callable[..., object]) -> str:
    return getattr(func, "__qualname__", None) or type(func).__qualname__


class _Lock(Protocol):
    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> object: ...


def current_loop() -> object:
    """The running asyncio event loop, or trio run (its token)."""
    if on_trio():
        import trio

        return trio.lowlevel.current_trio_token()
    return asyncio.get_running_loop()


class LoopLocks:
    """One lock per event loop: ``async with locks.current():``."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[object, _Lock] = weakref.WeakKeyDictionary()

    def current(self) -> _Lock:
        loop = current_loop()
        lock = self._locks.get(loop)
        if lock is None:
            if isinstance(loop, asyncio.AbstractEventLoop):
                lock = asyncio.Lock()
            else:
                import anyio

                lock = anyio.Lock()
            self._locks[loop] = lock
        return lock


async def within(
    seconds: float, awaitable: Awaitable[T], expired: Callable[[], BaseException]
) -> T:
    """The result of ``awaitable``, cancelled after ``seconds`` to raise ``expired()``
    (with the ``__cause__`` it gave its error, if any: not the timeout's internals).
    Anything the awaitable raises propagates, a ``TimeoutError`` of its own included."""
    if on_trio():
        import anyio

        with anyio.move_on_after(seconds):
            return await awaitable
        raise expired()
    scope = asyncio.timeout(seconds)
    try:
        async with scope:
            return await awaitable
    except TimeoutError:
        if scope.expired():
            error = expired()
            raise error from error.__cause__  # the cause expired() gave, not the timeout
        raise


class _Flight(Generic[T]):
    """One run of a :class:`SingleFlight`'s work: its outcome once ``done`` is set.
    ``completed`` stays False if the run was cancelled (its event loop ending)."""

    __slots__ = ("completed", "done", "error", "task", "traceback", "value")

    def __init__(self, done: Any) -> None:
        self.done = done  # an asyncio.Event, or a trio.Event
        self.completed = False
        self.value: T | None = None
        self.error: Exception | None = None
        self.traceback: TracebackType | None = None
        #: Under asyncio, the task running it (the loop holds tasks only weakly).
        self.task: asyncio.Task[None] | None = None

    def outcome(self) -> T:
        error = self.error
        if error is not None:
            # The same exception for every waiter, with the traceback of its origin
            # each time (as asyncio's Future.result raises it), not one that grows
            # with every waiter that raised it.
            raise error.with_traceback(self.traceback)
        return self.value  # type: ignore[return-value]  # set when completed without error


class SingleFlight(Generic[T]):
    """At most one run of ``work`` at a time per event loop, shared by whoever asks
    while it runs, and owned by none of them.

    The run is a task of its own (an asyncio task; under trio a system task, since no
    caller's nursery may outlive it): a caller that is cancelled, or whose
    ``call_timeout`` passes, stops waiting and the run goes on, so its outcome serves
    the callers that come after (a credential source slower than every caller's
    deadline is still fetched once, and used). A run whose every waiter is gone
    finishes all the same: that is the point (at most one per loop is ever pending,
    since later callers join it).

    A run ends with its event loop: ``asyncio.run`` and ``trio.run`` cancel it (and wait
    for it) when their main task returns, so nothing is left running or pending after
    them. Its outcome is read by :meth:`join`; an exception is never logged as
    unretrieved. ``work`` must not depend on any one caller's context (it runs in a
    copy of the context of the call that started it).
    """

    def __init__(self, work: Callable[[], Awaitable[T]], name: str) -> None:
        self._work = work
        self._name = name
        #: The running flight of each event loop (asyncio loop, or trio run's token):
        #: removed when it ends, so a finished loop is not kept.
        self._running: dict[object, _Flight[T]] = {}

    def running(self) -> bool:
        """Whether a run is under way on this event loop."""
        return current_loop() in self._running

    def start(self) -> None:
        """Starts a run on this event loop unless one is under way; waits for nothing."""
        loop = current_loop()
        if loop not in self._running:
            self._launch(loop)

    async def join(self) -> T:
        """The outcome of the run under way on this event loop, or of a new one: its
        value, or its exception raised. Cancelling the caller cancels only its wait."""
        while True:
            loop = current_loop()
            flight = self._running.get(loop) or self._launch(loop)
            await flight.done.wait()
            if flight.completed:
                return flight.outcome()
            # Cancelled, but not through this caller (it would not be here): its loop
            # is ending, or something cancelled the task itself. Run it again.

    def _launch(self, loop: object) -> _Flight[T]:
        context = contextvars.copy_context()
        if isinstance(loop, asyncio.AbstractEventLoop):
            flight: _Flight[T] = _Flight(asyncio.Event())
            self._running[loop] = flight
            flight.task = loop.create_task(
                self._run(loop, flight), name=f"awsmith: {self._name}", context=context
            )
        else:
            import trio

            flight = _Flight(trio.Event())
            self._running[loop] = flight
            trio.lowlevel.spawn_system_task(
                self._run, loop, flight, name=f"awsmith: {self._name}", context=context
            )
        return flight

    async def _run(self, loop: object, flight: _Flight[T]) -> None:
        try:
            flight.value = await self._work()
        except Exception as exc:  # the waiters' to raise (a trio system task must not)
            flight.error, flight.traceback = exc, exc.__traceback__
            flight.completed = True
        else:
            flight.completed = True
        finally:
            if self._running.get(loop) is flight:
                del self._running[loop]
            flight.done.set()
