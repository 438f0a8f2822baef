"""The server processes the devservers start (moto, nginx, tinyproxy), in one registry, so
that whatever ends the run stops them first; and every other process descending from
this one, found in /proc.

A ``with`` block stops its server however the block exits, but an ``os._exit`` (the test
suite's watchdog, tests/conftest.py) runs no ``finally`` and no ``atexit`` handler: it
calls :func:`stop_all`, then kills what :func:`descendants` still finds, before exiting.

Each server runs in a process group of its own (``process_group=0``), and :func:`stop`
signals the whole group, so that nginx's worker goes with its master instead of
outliving it. Ctrl-C on the terminal reaches pytest alone, whose ``finally`` blocks stop
the servers.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: By pid. No lock: the watchdog reads it from its thread while the main thread may be
#: stuck anywhere; a dict's own operations (set, pop, copy) are atomic.
_live: dict[int, subprocess.Popen[bytes]] = {}


def spawn(args: Sequence[str], **popen: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen(args, **popen)`` in a new process group, registered until
    :func:`stop` stops it."""
    process: subprocess.Popen[bytes] = subprocess.Popen(args, process_group=0, **popen)
    _live[process.pid] = process
    return process


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone: every member exited
        os.killpg(process.pid, signum)


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM to the process's group (a graceful stop for tinyproxy, a fast one for nginx,
    whose master waits for its worker, and for moto), SIGKILL to the group after
    ``timeout`` seconds; then the process is reaped, its stderr pipe closed and its
    registration dropped. Idempotent."""
    if process.returncode is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    if process.stderr is not None:
        process.stderr.close()
    _live.pop(process.pid, None)


def live() -> list[subprocess.Popen[bytes]]:
    """The processes started and not stopped yet, oldest first."""
    return list(_live.copy().values())


def stop_all(timeout: float = 10.0) -> list[subprocess.Popen[bytes]]:
    """Stops every live server (each given ``timeout`` seconds to exit after SIGTERM);
    returns those it stopped."""
    stopped = live()
    for process in stopped:
        stop(process, timeout)
    return stopped


def descendants(root: int) -> list[int]:
    """Every live process descending from ``root``, each parent before its children,
    from /proc (Linux; empty where there is none). Zombies (exited, not reaped yet) are
    left out."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # it exited while we looked
            continue
        if len(fields) > 1 and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    pending = [root]
    while pending:
        below = children.get(pending.pop(0), [])
        found.extend(below)
        pending.extend(below)
    return found


def command_line(pid: int) -> str:
    """The process's command line, "?" if it has exited."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


atexit.register(stop_all)  # a last resort for a caller that forgot to stop a server
