"""The kit's moto server never outlives the process that started it, however that
process ends (a pytest run stopped with SIGTERM runs no atexit hook; SIGKILL runs
nothing at all)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: A parent that starts moto, says its pid, and waits to be killed.
PARENT = """
import sys, threading
from awsmith.testing.moto_server import MotoServer
server = MotoServer()
server.start()
print(server.pid, flush=True)
threading.Event().wait()
"""

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def gone(pid: int) -> bool:
    """The process has exited (reaped, or a zombie waiting for its new parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_moto_ends_when_its_parent_is_killed(how: signal.Signals) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    moto_pid = 0
    try:
        assert parent.stdout is not None
        moto_pid = int(parent.stdout.readline())
        assert not gone(moto_pid)
        parent.send_signal(how)
        assert parent.wait(timeout=30) == -how
        assert wait_gone(moto_pid, within=15), f"moto (pid {moto_pid}) outlived its parent"
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
        if moto_pid and not gone(moto_pid):
            os.kill(moto_pid, signal.SIGKILL)


def test_stop_ends_the_server_and_closes_its_pipe() -> None:
    from awsmith.testing.moto_server import MotoServer

    server = MotoServer()
    server.start()
    process = server.process
    assert process is not None and process.stdin is not None
    server.stop()
    assert process.returncode is not None
    assert process.stdin.closed
