"""Shared pytest setup: async tests run on asyncio through anyio's plugin, and under
``AWSMITH_REQUIRE_ALL=1`` (set by ``.ci/run``) no test may skip.

On a developer's machine a test may skip when a resource it needs is missing (the
reference texts in ``../shared/seeds``, Chromium), with a reason that says what to
install. In CI every resource is installed, so a skip there means a test silently did
not run: the hook below reports it as a failure with the skip's reason.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Generator
from typing import Any

import pytest
import pytest_timeout

#: Set by .ci/run. Any value but "" and "0" turns skips into failures.
REQUIRE_ALL_VARIABLE = "AWSMITH_REQUIRE_ALL"


def require_all() -> bool:
    return os.environ.get(REQUIRE_ALL_VARIABLE, "") not in ("", "0")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


#: Seconds a test may run past its time limit before the whole run is stopped. The
#: limit's failure (pytest-timeout's signal method: SIGALRM raises in the test) can be
#: caught on its way: asyncio logs and drops an exception raised in one of its
#: callbacks (a protocol's data_received, say), and the loop, and the hung test, go on.
TIMEOUT_GRACE = 30.0
_WATCHDOG = pytest.StashKey[threading.Timer]()


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> None:
    """pytest-timeout's own timer is set after this hook (it returns None): the test
    fails at its limit and the run goes on. If the test still runs TIMEOUT_GRACE
    seconds later, its thread method stops the run: every thread's stack printed, then
    os._exit(1). A hang is a failure with a traceback either way, never a stopped CI."""
    watchdog = threading.Timer(
        settings.timeout + TIMEOUT_GRACE, pytest_timeout.timeout_timer, (item, settings)
    )
    watchdog.daemon = True
    watchdog.name = f"timeout watchdog {item.nodeid}"
    item.stash[_WATCHDOG] = watchdog
    watchdog.start()


@pytest.hookimpl(tryfirst=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> None:
    watchdog = item.stash.get(_WATCHDOG, None)
    if watchdog is not None:
        watchdog.cancel()


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
