"""Client instructions per call, counted by valgrind: a measure the machine's load cannot move.

``.venv-bench/bin/python benchmarks/instructions.py [--calls 640] [--concurrency 1 32]``
runs DescribeCases against the stub server (benchmarks/stub_server.py, its own process,
not counted) in a child process under ``valgrind --tool=cachegrind --cache-sim=no``,
once with no measured calls and once with ``--calls`` of them (both after the same
warm-up), and prints the difference per call: user-space instructions of awsmith's call
and of a raw aiohttp request. On the shared 2-core machine, where CPU-time figures move
±15 % from run to run, this is what decided each step of issue 23 item 7
(docs/performance.md); it leaves out the kernel's work (system calls) and says nothing
of cache misses, so CPU time (benchmarks/run.py) stays the figure the targets are set in.
Needs valgrind (``apt-get install valgrind``); ``PYTHONHASHSEED`` is fixed for both runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import measure, start_server  # the sibling module, after the path

WARM_UP = 256


async def _calls(contender: str, url: str, concurrency: int, calls: int) -> None:
    import run as bench  # the contenders; imported in the child only

    async with AsyncExitStack() as stack:
        factory = bench.CONTENDERS[contender]
        call = (await factory(url, stack))["describe_cases"]
        await measure(call, WARM_UP, concurrency)
        if calls:
            await measure(call, calls, concurrency)


def _instructions(contender: str, url: str, concurrency: int, calls: int) -> int:
    """Instructions of one child process making ``calls`` after the warm-up."""
    command = [
        "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
        sys.executable, __file__, "--child", contender, url, str(concurrency), str(calls),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=640)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--contenders", nargs="+", default=["awsmith", "aiohttp"])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        contender, url, concurrency, calls = args.child
        asyncio.run(_calls(contender, url, int(concurrency), int(calls)))
        return
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks/instructions.py needs valgrind")
    proc, url = start_server()
    try:
        print("| contender | in flight | instructions per DescribeCases call |")
        print("| --- | ---: | ---: |")
        for concurrency in args.concurrency:
            for contender in args.contenders:
                base = _instructions(contender, url, concurrency, 0)
                total = _instructions(contender, url, concurrency, args.calls)
                per_call = (total - base) / args.calls
                print(f"| {contender} | {concurrency} | {per_call:,.0f} |", flush=True)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
