"""What the benchmark scripts share: the loopback stub server and the CPU measure.

benchmarks/run.py (the side-by-side table), transports.py (the transport choice),
hotpath.py (the profile) and coldstart.py import this module; it imports none of them,
so the scripts form no import cycle (tests/meta/test_import_cycles.py).
"""

from __future__ import annotations

import asyncio
import gc
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KEY = "AKIDBENCHMARK"
SECRET = "benchmark-secret"
Call = Callable[[], Awaitable[Any]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    """benchmarks/stub_server.py in its own process; (process, base URL) once it listens."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "stub_server.py"), str(port)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("stub server did not start")


async def measure(call: Call, calls: int, concurrency: int) -> tuple[float, float]:
    """(client CPU µs per call, wall µs per call)."""
    gc.collect()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if concurrency == 1:
        for _ in range(calls):
            await call()
    else:

        async def worker(n: int) -> None:
            for _ in range(n):
                await call()

        per = calls // concurrency
        await asyncio.gather(*(worker(per) for _ in range(concurrency)))
        calls = per * concurrency
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / calls * 1e6, wall / calls * 1e6
