"""Where awsmith's client CPU goes: a cProfile of small calls at 32 in flight, grouped.

``.venv-bench/bin/python benchmarks/hotpath.py [scenario ...]`` (default: DescribeCases
and ListProfileTimes). It starts the stub server, warms up, profiles 1,280 calls and
prints each group's share of the profiled time, then the top functions. cProfile's own
overhead inflates small Python functions, so read shares, not microseconds.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
from contextlib import AsyncExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # the sibling module: stub server, contenders, measure()

#: (group, test on "file:function") in order: the first that matches wins.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("generated parsers (typed objects)", ("_serde.py:_de_", "_serde.py:<listcomp>", "_serde.py:parse_")),
    ("parse helpers and JSON decode", ("_core/serde.py:p_", "_core/serde.py:load", "orjson")),
    ("socket system calls", ("_socket.socket", "select.epoll")),
    ("generated validators and serializers", ("_serde.py:",)),
    ("validation helpers", ("_core/validation.py",)),
    ("request encoding (serde, query, path)", ("_core/serde.py", "urllib/parse.py")),
    ("SigV4 signing", ("_core/signing.py", "hmac", "_hashlib", "sha256", "strftime")),
    ("awsmith HTTP/1.1 sender", ("_core/transport/http1/", "httptools", "multidict")),
    ("client pipeline (invoke, retry, credentials)", ("_core/", "awsmith/support/client.py", "awsmith/codeguruprofiler/client.py", "attrs")),
    ("asyncio event loop", ("asyncio/", "_asyncio", "events.py")),
]


def group_of(key: tuple[str, int, str]) -> str:
    filename, _, function = key
    text = f"{filename}:{function}"
    for name, needles in GROUPS:
        if any(n in text for n in needles):
            return name
    if "benchmarks/" in filename or function == "<built-in method gc.collect>":
        return "benchmark harness (not awsmith)"
    return "other"


async def profile(scenario: str) -> None:
    proc, url = bench.start_server()
    try:
        async with AsyncExitStack() as stack:
            call = (await bench.awsmith_clients(url, stack))[scenario]
            await bench.measure(call, 256, 32)
            profiler = cProfile.Profile()
            profiler.enable()
            await bench.measure(call, 1280, 32)
            profiler.disable()
    finally:
        proc.terminate()
        proc.wait()
    stats = pstats.Stats(profiler)
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps it undocumented
    total = sum(row[2] for row in table.values())
    shares: dict[str, float] = {}
    for key, row in table.items():
        if key[0] == "~" and row[4]:
            # A builtin (dict.get, socket.send, orjson.loads...): its time goes to the
            # groups of the functions that called it, as cProfile split it.
            owners = [(group_of(caller), timing[2]) for caller, timing in row[4].items()]
            if group_of(key) not in ("socket system calls",):
                for owner, seconds in owners:
                    shares[owner] = shares.get(owner, 0.0) + seconds
                continue
        shares[group_of(key)] = shares.get(group_of(key), 0.0) + row[2]
    print(f"\n## {scenario}, 32 in flight: {total * 1e6 / 1280:.0f} µs per call under cProfile\n")
    print("| group | share |\n| --- | ---: |")
    for name, seconds in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {seconds / total:.0%} |")
    print()
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    scenarios = sys.argv[1:] or ["describe_cases", "list_profile_times"]
    for scenario in scenarios:
        asyncio.run(profile(scenario))


if __name__ == "__main__":
    main()
