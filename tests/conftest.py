"""Shared pytest setup: async tests run on asyncio through anyio's plugin; every test's
time limit (below); and under ``AWSMITH_REQUIRE_ALL=1`` (set by ``.ci/run``) no test may
skip.

On a developer's machine a test may skip when a resource it needs is missing (the
reference texts in ``../shared/seeds``, Chromium), with a reason that says what to
install. In CI every resource is installed, so a skip there means a test silently did
not run: the hook below reports it as a failure with the skip's reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Coroutine, Generator, Iterator
from typing import Any

import anyio
import pytest

#: Set by .ci/run. Any value but "" and "0" turns skips into failures.
REQUIRE_ALL_VARIABLE = "AWSMITH_REQUIRE_ALL"


def require_all() -> bool:
    return os.environ.get(REQUIRE_ALL_VARIABLE, "") not in ("", "0")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not (report.skipped and require_all()) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"  # pytest counts it as an error when it happened in setup
    report.longrepr = (
        f"{item.nodeid} skipped while {REQUIRE_ALL_VARIABLE}=1 (CI): every resource a test "
        f"needs must be installed there.\nSkip reason: {reason}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, None]:
    """The same for a whole module skipped while it is collected (``importorskip`` or
    ``pytest.skip(allow_module_level=True)``): a collection error, which stops the run."""
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if not (report.skipped and require_all()):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = (
        f"{collector.nodeid} skipped while {REQUIRE_ALL_VARIABLE}=1 (CI): every resource a "
        f"test needs must be installed there.\nSkip reason: {reason}"
    )


# ---------------------------------------------------------------------------------------
# Every test's time limit (docs/testing.md, "A time limit per test"). pytest-timeout reads
# the limit (ini ``timeout``, ``--timeout``, ``@pytest.mark.timeout``) and calls the two
# hooks below when a test starts and ends; its own timer (SIGALRM: pytest.fail raised
# where the main thread runs) stays the limit for synchronous code. Added here:
#
# - an async test (anyio, asyncio or trio) runs under a cancel scope whose deadline is
#   ASYNC_MARGIN before the limit: the cancellation lands at the await the test hangs
#   on, and the test fails with that line in its traceback. SIGALRM alone cannot stop
#   it: on trio the exception reaches the main thread outside the guest run, which
#   never ends; on asyncio it lands in the selector's poll, far from the test's line.
# - a hypothesis test stops at its limit instead of taking the limit's failure for a
#   failing example (it would go on generating and shrinking, with no timer left).
# - a watchdog thread: if the test still runs after the grace (the limit again, at most
#   30 s; a failure at the limit can be swallowed on its way, by asyncio's callback
#   handler say), every thread's stack is printed, every server and other child process
#   of the run stopped, and the run ends with os._exit(1), which writes no summary.
# ---------------------------------------------------------------------------------------

#: Seconds before its limit an async test is cancelled (a quarter of the limit if less).
ASYNC_MARGIN = 10.0
#: Seconds past a test's limit the watchdog ends the run (the limit itself if less).
TIMEOUT_GRACE = 30.0


class TimeLimitExceeded(BaseException):
    """A test ran past its time limit. A BaseException, not an Exception (nor
    pytest.fail's Failed), so that hypothesis ends the test on it instead of recording a
    failing example and trying more; pytest reports it as the test's failure."""


@dataclasses.dataclass
class _TimeLimit:
    nodeid: str
    seconds: float
    started: float  # time.monotonic() when pytest-timeout set its timer
    #: False under --timeout-disable-debugger-detection: the limit holds under pdb too.
    spares_debuggers: bool
    watchdog: threading.Timer | None = None

    def suspended(self) -> bool:
        """pytest-timeout's own test: a debugger (pdb, PyCharm's) holds the test."""
        from pytest_timeout import is_debugging  # public (its __all__); only its hooks get here

        return self.spares_debuggers and bool(is_debugging())

    @property
    def async_deadline(self) -> float:
        """Seconds after the start when an async test is cancelled: before SIGALRM, with
        time left for the cancelled test to unwind (close its clients and servers)."""
        return self.seconds - min(ASYNC_MARGIN, self.seconds / 4)

    @property
    def grace(self) -> float:
        """Seconds past the limit the watchdog waits for the test to end: time for the
        limit's failure to unwind it, teardown included."""
        return min(TIMEOUT_GRACE, self.seconds)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def message(self, what: str) -> str:
        return f"{self.nodeid} ran past its time limit of {self.seconds:g} s: {what}"

    def bound_async(
        self, test: Callable[..., Coroutine[Any, Any, object]]
    ) -> Callable[..., Coroutine[Any, Any, object]]:
        """``test`` under a cancel scope ending at the async deadline; past it, the test
        fails (pytest.fail: anyio's runner passes an Exception or an outcome on, and takes
        any other BaseException for a KeyboardInterrupt) from the cancellation, whose
        traceback shows the line the test waited on."""

        @functools.wraps(test)
        async def bounded(*args: Any, **kwargs: Any) -> object:
            remaining = self.async_deadline - self.elapsed()
            if remaining <= 0:
                pytest.fail(self.message("no time was left to start it"))
            caught: BaseException | None = None
            with anyio.CancelScope(deadline=anyio.current_time() + remaining) as scope:
                try:
                    result = await test(*args, **kwargs)
                except BaseException as exc:  # the cancellation, with the await's line
                    caught = exc
                    raise
            if scope.cancel_called:
                message = f"cancelled after {self.async_deadline:g} s where it waited"
                raise pytest.fail.Exception(self.message(message)) from caught
            return result

        return bounded

    def bound_example(self, run: Callable[..., object]) -> Callable[..., object]:
        """A hypothesis example (``run``: the test, or anyio's runner of an async one)
        ends the test when it fails on the limit (pytest-timeout's SIGALRM, or the async
        deadline above), and no example starts after the async deadline."""

        @functools.wraps(run)
        def bounded(*args: Any, **kwargs: Any) -> object:
            if self.elapsed() >= self.async_deadline:
                raise TimeLimitExceeded(self.message("no time was left for another example"))
            try:
                return run(*args, **kwargs)
            except pytest.fail.Exception as exc:
                if self.elapsed() < self.async_deadline:
                    raise  # the test's own pytest.fail
                raise TimeLimitExceeded(self.message("stopped in this example")) from exc

        return bounded

    @contextlib.contextmanager
    def applied(self, item: pytest.Function) -> Iterator[None]:
        """For the duration of the call, an async test (or hypothesis's inner test, if
        async) replaced by its bounded form; put back afterwards. A hypothesis example is
        bounded by pytest_pyfunc_call below, once anyio's plugin has wrapped it."""
        runs_async = "anyio_backend" in item.funcargs  # what anyio's plugin goes by
        function = item.obj
        given = getattr(function, "hypothesis", None)
        if given is not None:
            inner = given.inner_test
            if runs_async and inspect.iscoroutinefunction(inner):
                given.inner_test = self.bound_async(inner)
            try:
                yield
            finally:
                given.inner_test = inner  # anyio's plugin wraps it again on each call
        elif runs_async and inspect.iscoroutinefunction(function):
            item.obj = self.bound_async(function)
            try:
                yield
            finally:
                item.obj = function
        else:
            yield


_LIMIT = pytest.StashKey[_TimeLimit]()


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> None:
    """Records the test's limit and starts its watchdog. Returns None: pytest-timeout's
    own timer is set after this hook."""
    limit = _TimeLimit(
        item.nodeid,
        float(settings.timeout),
        time.monotonic(),
        spares_debuggers=not settings.disable_debugger_detection,
    )
    if not limit.suspended():
        watchdog = threading.Timer(limit.seconds + limit.grace, _stop_the_run, (item, limit))
        watchdog.daemon = True
        watchdog.name = f"time limit watchdog {item.nodeid}"
        limit.watchdog = watchdog
        watchdog.start()
    item.stash[_LIMIT] = limit


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> None:
    limit = item.stash.get(_LIMIT, None)
    if limit is not None:
        if limit.watchdog is not None:
            limit.watchdog.cancel()
        del item.stash[_LIMIT]


def _limit_of(item: pytest.Item) -> _TimeLimit | None:
    """The test's limit, None if it has none (--timeout=0, -p no:timeout) or a debugger
    holds it."""
    limit = item.stash.get(_LIMIT, None)
    return None if limit is None or limit.suspended() else limit


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    limit = _limit_of(pyfuncitem)
    if limit is None:
        return (yield)
    with limit.applied(pyfuncitem):
        return (yield)


class _HypothesisExamples:
    """A plugin, as a conftest holds one implementation of a hook: its
    pytest_pyfunc_call runs after anyio's (tryfirst), which has made hypothesis's inner
    test of an async test a function that runs it on the event loop, and before pytest's
    own (trylast), which calls the test: it bounds each example (the wrapper above puts
    the inner test back)."""

    @staticmethod
    def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> None:
        limit = _limit_of(pyfuncitem)
        given = getattr(pyfuncitem.obj, "hypothesis", None)
        if limit is not None and given is not None:
            given.inner_test = limit.bound_example(given.inner_test)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.is_blocked("timeout"):  # -p no:timeout: pyproject's setting, unused
        parser.addini("timeout", "the time limit per test (pytest-timeout is disabled)")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_HypothesisExamples(), "awsmith time limit: hypothesis")
    if not config.pluginmanager.has_plugin("timeout"):  # -p no:timeout: no time limit
        config.addinivalue_line(
            "markers", "timeout(seconds): the time limit (pytest-timeout is disabled)"
        )


def _stop_the_run(item: pytest.Item, limit: _TimeLimit) -> None:
    """The watchdog: the test still runs ``limit.grace`` seconds past its limit. Prints
    what it captured and every thread's stack, stops every server and other child
    process, and ends the run (os._exit: a hung main thread cannot be unwound)."""
    if limit.suspended():  # pdb was entered since the test started
        return
    terminal = item.config.get_terminal_writer()
    try:
        capture = item.config.pluginmanager.getplugin("capturemanager")
        out = err = ""
        if capture is not None:
            capture.suspend_global_capture(in_=True)
            out, err = capture.read_global_capture()
        terminal.sep(
            "+",
            f"{item.nodeid} still runs {limit.grace:g} s past its time limit of "
            f"{limit.seconds:g} s: stopping the run",
        )
        for title, text in (("captured stdout", out), ("captured stderr", err)):
            if text:
                terminal.sep("~", title)
                terminal.write(text)
        _write_stacks(terminal)
        terminal.sep("~", "child processes stopped")
        for line in _stop_child_processes():
            terminal.line(line)
        terminal.sep("+", f"the run ends here (exit status 1): {item.nodeid} hung")
    except BaseException:
        traceback.print_exc()
    finally:
        terminal.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


def _write_stacks(terminal: Any) -> None:
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        if ident == threading.get_ident():
            continue
        terminal.sep("~", f"stack of thread {names.get(ident, '<unknown>')} ({ident})")
        terminal.write("".join(traceback.format_stack(frame)))


def _stop_child_processes() -> list[str]:
    """The devservers' servers first (SIGTERM to each one's process group, SIGKILL after
    5 s), then SIGKILL to every other process descending from this one (a pytest or mypy
    run in a subprocess, say). One line per process stopped."""
    try:
        from devservers import processes
    except ImportError as exc:  # the checkout is not on sys.path (pyproject's pythonpath)
        return [f"cannot stop them: {exc}"]
    lines = [
        f"server {process.pid}: {' '.join(map(str, process.args))}"
        for process in processes.stop_all(timeout=5.0)
    ]
    for pid in processes.descendants(os.getpid()):
        command = processes.command_line(pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            lines.append(f"process {pid}: {command}")
    return lines or ["(none)"]
