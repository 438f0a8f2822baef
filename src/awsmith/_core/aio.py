"""The few async primitives the client needs: asyncio's own under asyncio, anyio's under
trio.

anyio's asyncio backend takes about 35 ms to import (a tenth of a script's whole run,
benchmarks/coldstart.py), and under asyncio every primitive here is asyncio's anyway;
so anyio is imported only when a call runs under trio. The semantics are anyio's on
both:

* :func:`run_in_thread`: the call's context variables go with it, and cancelling the
  waiting task waits for the thread to finish before the cancellation is raised (anyio's
  ``to_thread.run_sync`` default), so what a cancelled call started never overlaps
  what comes next; or, asked to (``abandon_on_cancel``), leaves the thread to finish on
  its own, so that a thread that never returns cannot hold the loop's end. Under asyncio
  it is a daemon thread per call (anyio's own when anyio is already in use, see there).
* :class:`LoopLocks`: one lock per event loop (asyncio) or run (trio). An object made at
  import time, or a client used from a second ``asyncio.run()``, may meet several.
* :func:`within`: runs a coroutine with a time limit; the caller's error says the limit,
  not something inside, ended it.
* :class:`SingleFlight`: one shared run of an async function per event loop, which
  its callers wait for without owning it: a caller's cancellation ends its own wait,
  never the run. :func:`being_cancelled` and :func:`is_own_cancellation` tell a task's
  own cancellation from a ``CancelledError`` that merely passes through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

import sniffio

from awsmith._core.errors import own_copy

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


async def run_in_thread(
    func: Callable[..., T], *args: Any, abandon_on_cancel: bool = False
) -> T:
    """``func(*args)`` in a worker thread, with this task's context variables.

    Cancelling the waiting task waits for the thread to finish before the
    cancellation is raised. With ``abandon_on_cancel`` it is raised at once instead,
    and the thread is left to finish on its own (a daemon thread: the interpreter does
    not wait for it at exit), its outcome dropped: ``func`` keeps what it must itself.
    """
    if abandon_on_cancel:
        return await _abandonable(func, args)
    if on_trio() or "anyio._backends._asyncio" in sys.modules:
        # Under trio; or on asyncio in an application that runs anyio (a Starlette or
        # FastAPI app): anyio's cancel scopes cancel a waiting task again on every turn
        # of the loop, and only anyio's own shielded wait sits through that quietly.
        import anyio.to_thread

        return await anyio.to_thread.run_sync(func, *args)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    _start_thread(func, args, lambda ok, value: _hand_over(loop, future, ok, value))
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


async def _abandonable(func: Callable[..., T], args: tuple[Any, ...]) -> T:
    """``run_in_thread(func, *args, abandon_on_cancel=True)``: a thread of awsmith's own
    under trio too (trio's and anyio's worker threads count against a limit that a
    thread left running would hold)."""
    if on_trio():
        import trio

        token = trio.lowlevel.current_trio_token()
        done = trio.Event()
        outcome: list[tuple[bool, Any]] = []

        def deliver(ok: bool, value: object) -> None:
            outcome.append((ok, value))
            with contextlib.suppress(trio.RunFinishedError):  # the run ended: dropped
                token.run_sync_soon(done.set)

        _start_thread(func, args, deliver)
        await done.wait()
        ok, value = outcome[0]
        if ok:
            return cast(T, value)
        raise cast(BaseException, value)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    _start_thread(func, args, lambda ok, value: _hand_over(loop, future, ok, value))
    return await future  # a cancellation cancels the future: the outcome is dropped


def _start_thread(
    func: Callable[..., object],
    args: tuple[Any, ...],
    deliver: Callable[[bool, object], None],
) -> None:
    """Runs ``func(*args)`` in a new daemon thread, in a copy of this context, and hands
    ``deliver`` (in that thread) True and its result, or False and its exception."""
    context = contextvars.copy_context()

    def work() -> None:
        try:
            result = context.run(func, *args)
        except StopIteration as exc:  # a future refuses it (it would end a coroutine)
            deliver(False, RuntimeError(repr(exc)))
        except BaseException as exc:  # handed to the waiting task
            deliver(False, exc)
        else:
            deliver(True, result)

    # A thread of its own per call: awsmith's blocking work is rare (a client's first
    # call, a credential refresh), and neither the loop's default executor (which an
    # application may fill, or shut down) nor a pool that keeps a process alive at
    # exit while a slow credential source answers is worth sharing for it.
    threading.Thread(target=work, name=f"awsmith: {_name(func)}", daemon=True).start()


def _hand_over(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], ok: bool, value: object
) -> None:
    """Settles ``future`` with a thread's outcome, on its loop (from the thread)."""

    def settle() -> None:
        if future.done():  # cancelled: nobody waits
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(cast(BaseException, value))

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


def being_cancelled() -> bool:
    """Whether the running task is being cancelled: under asyncio, a cancellation was
    requested (``Task.cancelling()``) and not withdrawn, though its ``CancelledError``
    may have been raised already (a ``finally`` block runs); under trio, a cancel scope
    around it was cancelled."""
    if on_trio():
        import trio

        return trio.current_effective_deadline() == -math.inf
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def is_own_cancellation(exc: BaseException) -> bool:
    """Whether ``exc`` is the running task's own cancellation: trio's ``Cancelled``; or
    a ``CancelledError`` while the task is being cancelled. A ``CancelledError`` that
    reaches a task nobody cancelled (it awaited a task or future someone else
    cancelled) is that awaitable's failure, not the task's cancellation."""
    if on_trio():
        import trio

        return isinstance(exc, trio.Cancelled)
    return isinstance(exc, asyncio.CancelledError) and being_cancelled()


class _Flight(Generic[T]):
    """One run of a :class:`SingleFlight`'s work: its outcome once ``done`` is set."""

    __slots__ = ("__weakref__", "completed", "done", "error", "value", "waiters")

    def __init__(self, done: Any) -> None:
        self.done = done  # an asyncio.Event, or a trio.Event
        #: True once the work returned or raised (``value`` or ``error`` is then its
        #: outcome). ``done`` is set with it; or without it when the run was cancelled
        #: (its event loop ending), which leaves no outcome.
        self.completed = False
        self.value: T | None = None
        self.error: BaseException | None = None
        #: The callers waiting for ``done`` now.
        self.waiters = 0

    def outcome(self) -> T:
        error = self.error
        if error is not None:
            # A copy for each waiter (with the traceback of its origin): what raising it
            # adds to it (the exception that waiter was handling, as its __context__;
            # the waiter's frames) is that waiter's only.
            raise own_copy(error)
        return self.value  # type: ignore[return-value]  # set when completed without error


class SingleFlight(Generic[T]):
    """At most one run of ``work`` at a time per event loop, shared by whoever asks
    while it runs, and owned by none of them.

    The run is a task of its own (an asyncio task; under trio a system task, since no
    caller's nursery may outlive it): a caller that is cancelled, or whose own time
    limit passes, stops waiting and the run goes on, so its outcome serves the callers
    that come after. A run whose every waiter is gone finishes all the same: that is
    the point (at most one per loop is ever pending, since later callers join it).

    Whatever the work raises is its outcome, raised in each waiter as a copy of its own
    (:func:`~awsmith._core.errors.own_copy`): an ``Exception``, or a ``BaseException``
    such as ``KeyboardInterrupt``, or a ``CancelledError`` that reached it although
    nobody cancelled the run (:func:`is_own_cancellation`). ``failed`` is called with
    that exception and the number of callers waiting for it (0: it reaches nobody).
    Only the run's own cancellation leaves no outcome: its waiters start another run.

    A run ends with its event loop: ``asyncio.run`` and ``trio.run`` cancel it (and wait
    for it) when their main task returns. An asyncio loop closed without that leaves
    the run pending, and both are then dropped together (the runs are keyed by loop
    weakly, and a run's task is held by what it awaits and by its waiters, not by
    this object). ``work`` must not depend on any one caller's context (it runs in a
    copy of the context of the call that started it).
    """

    def __init__(
        self,
        work: Callable[[], Awaitable[T]],
        name: str,
        *,
        failed: Callable[[BaseException, int], object] | None = None,
    ) -> None:
        self._work = work
        self._name = name
        self._failed = failed
        #: The running flight of each event loop (asyncio loop, or trio run's token),
        #: removed when it ends; neither the loop nor the flight is kept by it.
        self._running: weakref.WeakKeyDictionary[object, weakref.ref[_Flight[T]]] = (
            weakref.WeakKeyDictionary()
        )

    def running(self) -> bool:
        """Whether a run is under way on this event loop."""
        return self._flight(current_loop()) is not None

    def running_anywhere(self) -> bool:
        """Whether a run is under way on any event loop (of any thread)."""
        return len(self._running) > 0

    def start(self) -> None:
        """Starts a run on this event loop unless one is under way; waits for nothing."""
        loop = current_loop()
        if self._flight(loop) is None:
            self._launch(loop)

    async def join(self) -> T:
        """The outcome of the run under way on this event loop, or of a new one: its
        value, or its exception raised. Cancelling the caller cancels only its wait."""
        while True:
            loop = current_loop()
            flight = self._flight(loop) or self._launch(loop)
            flight.waiters += 1
            try:
                await flight.done.wait()
            finally:
                flight.waiters -= 1
            if flight.completed:
                return flight.outcome()
            # Cancelled, but not through this caller (it would not be here): its loop
            # is ending, or something cancelled the task itself. Run it again.

    def _flight(self, loop: object) -> _Flight[T] | None:
        ref = self._running.get(loop)
        return None if ref is None else ref()

    def _launch(self, loop: object) -> _Flight[T]:
        context = contextvars.copy_context()
        if isinstance(loop, asyncio.AbstractEventLoop):
            flight: _Flight[T] = _Flight(asyncio.Event())
            self._running[loop] = weakref.ref(flight)  # before: an eager task ends at once
            task = loop.create_task(
                self._run(loop, flight), name=f"awsmith: {self._name}", context=context
            )
            # A run left pending by a loop closed without cancelling its tasks is dropped
            # with the loop. asyncio would report it ("Task was destroyed but it is
            # pending!") as it reports an application's own forgotten task; but this
            # one is awsmith's, which the application can neither see nor cancel.
            with contextlib.suppress(AttributeError):  # a task factory's own Future type
                setattr(task, "_log_destroy_pending", False)  # noqa: B010  # asyncio's own flag
        else:
            import trio

            flight = _Flight(trio.Event())
            self._running[loop] = weakref.ref(flight)
            trio.lowlevel.spawn_system_task(
                self._run, loop, flight, name=f"awsmith: {self._name}", context=context
            )
        return flight

    async def _run(self, loop: object, flight: _Flight[T]) -> None:
        try:
            flight.value = await self._work()
        except BaseException as exc:
            if isinstance(exc, GeneratorExit) or is_own_cancellation(exc):
                raise  # no outcome: the loop is ending (or closed, and this dropped)
            flight.error = exc  # the waiters' to raise (a trio system task must not)
            flight.completed = True
        else:
            flight.completed = True
        finally:
            if self._flight(loop) is flight:
                del self._running[loop]
            if not (isinstance(loop, asyncio.AbstractEventLoop) and loop.is_closed()):
                flight.done.set()  # (on a closed loop, a waiter's wake-up would fail)
        if flight.error is not None and self._failed is not None:
            self._failed(flight.error, flight.waiters)
