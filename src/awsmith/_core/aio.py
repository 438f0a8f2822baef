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
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

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
