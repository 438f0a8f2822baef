"""Every test's time limit (tests/conftest.py; docs/testing.md, "A time limit per test"),
run on small suites in a pytest subprocess with the real ``tests/conftest.py``.

A hung test fails with the traceback of the line it hung on, and the run goes on: an
async test on trio and on asyncio, a hypothesis test (sync and async) that hangs for
some of its inputs. A hang the limit cannot interrupt ends the run from the watchdog,
which stops every server and other child process first. ``-p no:timeout`` turns the
limit off without breaking the conftest.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from devservers import forward_proxy, web_server
from devservers.processes import command_line

ROOT = Path(__file__).resolve().parents[2]
CONFTEST = ROOT / "tests" / "conftest.py"

#: Each test runs pytest in a subprocess (given 240 s below) on hung tests of 3 s.
pytestmark = pytest.mark.timeout(300)

HEADER = '''
import time

import anyio
import pytest
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.timeout(3)
EXAMPLES = settings(deadline=None, max_examples=50, database=None, derandomize=True)
BACKEND = pytest.mark.parametrize("anyio_backend", ["{backend}"])
'''

ASYNC_HANG = '''
@pytest.mark.anyio
@BACKEND
async def test_waits_forever():
    await anyio.Event().wait()  # the hang
'''

HYPOTHESIS = '''
@EXAMPLES
@given(st.integers(0, 100))
def test_hangs_for_some_inputs(x):
    if x > 50:
        while True:
            time.sleep(0.01)  # the hang


@EXAMPLES
@given(st.integers(0, 100))
def test_fails_for_some_inputs(x):
    if x > 50:
        pytest.fail(f"{x} is too large")
'''

ASYNC_HYPOTHESIS = '''
@pytest.mark.anyio
@BACKEND
@EXAMPLES
@given(st.integers(0, 100))
async def test_async_hangs_for_some_inputs(x):
    if x > 50:
        await anyio.sleep_forever()  # the hang
'''

AFTERWARDS = '''
@pytest.mark.anyio
@BACKEND
async def test_runs_afterwards():
    await anyio.sleep(0)
'''

#: What each suite holds (after HEADER), and the summary line its run must end with.
SUITES = {
    "async": (ASYNC_HANG + AFTERWARDS, "1 failed, 1 passed"),
    "hypothesis": (HYPOTHESIS + AFTERWARDS, "2 failed, 1 passed"),
    "async hypothesis": (ASYNC_HYPOTHESIS + AFTERWARDS, "1 failed, 1 passed"),
}

WATCHDOG = '''
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from devservers import forward_proxy, moto_server, web_server
from devservers.processes import command_line, descendants
from tests.certs import make_ca_and_server


@pytest.fixture
def servers(tmp_path):
    _, cert, key = make_ca_and_server(tmp_path)
    with moto_server.moto_server(), web_server.web_server(cert, key), forward_proxy.forward_proxy():
        yield


@pytest.mark.timeout(2, func_only=True)
def test_hangs_past_its_limit(servers):
    sleeper = subprocess.Popen(["sleep", "600"])
    children = {pid: command_line(pid) for pid in descendants(os.getpid())}
    Path(os.environ["CHILDREN_FILE"]).write_text(json.dumps(children))
    while True:
        try:
            time.sleep(60)  # the hang
        except BaseException:  # the limit's failure swallowed, as asyncio's handler can
            pass


def test_never_runs():
    pass
'''


Outcomes = dict[str, tuple[str, str, str]]


def run_pytest(
    tmp_path: Path, suite: str, *args: str, env: dict[str, str] | None = None, ini: str = ""
) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_suite.py").write_text(suite)
    if ini:
        (folder / "pytest.ini").write_text(ini)
    shutil.copy(CONFTEST, folder / "conftest.py")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def outcomes(junit: Path) -> Outcomes:
    """test name -> (outcome, the failure's message, its full text) from a JUnit XML."""
    found: Outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            found[case.attrib["name"]] = ("passed", "", "")
        else:
            found[case.attrib["name"]] = (
                "failed",
                failure.attrib["message"],
                failure.text or "",
            )
    return found


def hang_line(text: str, line: str) -> bool:
    """Whether the traceback points at ``line`` of the test file (pytest's ``>``)."""
    return re.search(rf"^>\s+{re.escape(line)}$", text, re.MULTILINE) is not None


@pytest.fixture(scope="module")
def suite_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Outcomes]:
    """Runs a suite of SUITES on a backend (once for the module) and gives its outcomes;
    each run must end normally, with the summary the suite expects."""
    done: dict[tuple[str, str], Outcomes] = {}

    def run(suite: str, backend: str) -> Outcomes:
        if (suite, backend) not in done:
            tmp_path = tmp_path_factory.mktemp("suite")
            junit = tmp_path / "junit.xml"
            tests, summary = SUITES[suite]
            result = run_pytest(tmp_path, HEADER.format(backend=backend) + tests, f"--junitxml={junit}")
            assert result.returncode == 1, result.stdout + result.stderr
            last = result.stdout.splitlines()[-1]
            assert re.fullmatch(rf"=+ {summary} in .+ =+", last), result.stdout
            done[suite, backend] = outcomes(junit)
        return done[suite, backend]

    return run


BACKENDS = pytest.mark.parametrize("backend", ["asyncio", "trio"])


@BACKENDS
def test_a_hung_async_test_fails_at_the_await_it_waits_on(
    suite_run: Callable[[str, str], Outcomes], backend: str
) -> None:
    """Items 1 and 3: cancelled before the limit (3 s less a quarter), the test fails
    with the traceback of its await, on trio (which SIGALRM cannot stop at all) as on
    asyncio (where SIGALRM lands in the selector's poll); the run goes on."""
    found = suite_run("async", backend)
    outcome, message, text = found[f"test_waits_forever[{backend}]"]
    assert outcome == "failed"
    assert message == (
        f"Failed: test_suite.py::test_waits_forever[{backend}] ran past its time limit of "
        "3 s: cancelled after 2.25 s where it waited"
    )
    assert hang_line(text, "await anyio.Event().wait()  # the hang"), text
    assert "The above exception was the direct cause of the following exception" in text
    assert found[f"test_runs_afterwards[{backend}]"] == ("passed", "", "")


def test_a_hypothesis_test_hanging_for_some_inputs_fails_once(
    suite_run: Callable[[str, str], Outcomes],
) -> None:
    """Item 2: the limit's failure (SIGALRM) ends the test instead of being taken for a
    failing example (hypothesis would shrink on examples that hang with no timer left);
    a failure of the test's own is still a failing example, shrunk; the run goes on."""
    found = suite_run("hypothesis", "asyncio")
    outcome, message, text = found["test_hangs_for_some_inputs"]
    assert outcome == "failed"
    assert message == (
        "conftest.TimeLimitExceeded: test_suite.py::test_hangs_for_some_inputs ran past "
        "its time limit of 3 s: stopped in this example"
    )
    assert hang_line(text, "time.sleep(0.01)  # the hang"), text
    assert "Failed: Timeout (>3.0s) from pytest-timeout." in text
    outcome, message, _ = found["test_fails_for_some_inputs"]
    assert outcome == "failed"
    assert message.startswith(
        "Failed: 51 is too large\nFailing test case: test_fails_for_some_inputs(\n    x=51,\n)"
    )
    assert found["test_runs_afterwards[asyncio]"] == ("passed", "", "")


@BACKENDS
def test_an_async_hypothesis_test_hanging_for_some_inputs_fails_once(
    suite_run: Callable[[str, str], Outcomes], backend: str
) -> None:
    found = suite_run("async hypothesis", backend)
    outcome, message, text = found[f"test_async_hangs_for_some_inputs[{backend}]"]
    assert outcome == "failed"
    assert message == (
        f"conftest.TimeLimitExceeded: test_suite.py::test_async_hangs_for_some_inputs"
        f"[{backend}] ran past its time limit of 3 s: stopped in this example"
    )
    assert hang_line(text, "await anyio.sleep_forever()  # the hang"), text
    assert "cancelled after 2.25 s where it waited" in text
    assert found[f"test_runs_afterwards[{backend}]"] == ("passed", "", "")


def alive(pid: int, command: str) -> bool:
    """Whether ``pid`` still runs ``command`` (an exited, unreaped process is dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z" and command_line(pid) == command


@pytest.mark.skipif(not web_server.available(), reason=f"needs nginx: {web_server.INSTALL_HINT}")
@pytest.mark.skipif(
    not forward_proxy.available(), reason=f"needs tinyproxy: {forward_proxy.INSTALL_HINT}"
)
def test_the_watchdog_stops_every_child_process_before_ending_the_run(tmp_path: Path) -> None:
    """Item 4: a hang the limit cannot interrupt (its failure swallowed) ends the run
    from the watchdog, 2 s past the limit of 2 s: every thread's stack printed, moto,
    nginx (master and worker) and tinyproxy stopped, and a plain child process killed;
    none of them outlives the run."""
    children_file = tmp_path / "children.json"
    result = run_pytest(tmp_path, WATCHDOG, env={"CHILDREN_FILE": str(children_file)})
    children: dict[str, str] = json.loads(children_file.read_text())
    survivors = {int(pid): command for pid, command in children.items() if alive(int(pid), command)}
    for pid in survivors:  # not left behind by this test when it fails
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    commands = " | ".join(children.values())
    for started in ("-m awsmith.testing._moto_child", "nginx: master process", "nginx: worker process",
                    "tinyproxy -d -c", "sleep 600"):
        assert started in commands, commands
    assert survivors == {}
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    node = "test_suite.py::test_hangs_past_its_limit"
    assert f"{node} still runs 2 s past its time limit of 2 s: stopping the run" in out, out
    assert "time.sleep(60)  # the hang" in out
    assert re.search(r"^server \d+: \S+ -m awsmith\.testing\._moto_child -H 127\.0\.0\.1 -p \d+$", out, re.M), out
    assert re.search(r"^server \d+: nginx -c ", out, re.M), out
    assert re.search(r"^server \d+: tinyproxy -d -c ", out, re.M), out
    assert re.search(r"^process \d+: sleep 600$", out, re.M), out
    assert out.rstrip().endswith(f"the run ends here (exit status 1): {node} hung +")
    assert "test_never_runs" not in out


def test_without_pytest_timeout_there_is_no_limit_and_no_error(tmp_path: Path) -> None:
    """Item 5: ``-p no:timeout`` (the plugin off, its hooks unknown to pytest) runs the
    suite, ``timeout`` marks (--strict-markers) and setting (--strict-config) included,
    with no time limit: the test sleeping past both passes."""
    suite = '''
import time

import anyio
import pytest


@pytest.mark.timeout(0.5)
def test_marked():
    time.sleep(1.5)


@pytest.mark.anyio
async def test_async():
    await anyio.sleep(0)
'''
    ini = "[pytest]\naddopts = --strict-markers --strict-config\ntimeout = 1\n"
    result = run_pytest(tmp_path, suite, "-p", "no:timeout", "-q", ini=ini)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("2 passed in "), result.stdout
