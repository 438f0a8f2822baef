"""The benchmark that chose awsmith's default transport: one bare signed-size GET
(ListProfileTimes' request, its 1 KB JSON answer read whole, not parsed) through each
candidate, client CPU per call at 1 and at 32 in flight.

* ``http1``: awsmith's own sender (``awsmith._core.transport.http1.ConnectionPool``), the default;
* ``aiohttp``: an ``aiohttp.ClientSession`` with the timeouts awsmith must set
  (connect and read), as awsmith used it before;
* ``httpx``: an ``httpx.AsyncClient`` with its default transport (what a caller's
  client costs, and what awsmith uses under trio).

Run by ``make bench`` after the main table, or alone: ``.venv-bench/bin/python
benchmarks/transports.py`` (it starts the stub server itself).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # the sibling module: stub server and measure()

HEADERS = {
    "X-Amz-Date": "20261120T000000Z",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/20261120/us-east-1/"
    "codeguru-profiler/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
    "User-Agent": "awsmith/0.1.0 Python/3.11",
}
PATH = (
    "/profilingGroups/bench/profileTimes?startTime=2026-11-20T00%3A00%3A00Z"
    "&endTime=2026-11-21T00%3A00%3A00Z&period=PT1H"
)
Call = Callable[[], Awaitable[Any]]


async def candidates(url: str, stack: Any) -> dict[str, Call]:
    import aiohttp
    import httpx
    from yarl import URL

    from awsmith._core.transport.http import Timeouts
    from awsmith._core.transport.http1 import ConnectionPool

    full = url + PATH
    timeouts = Timeouts(60.0, 60.0, 1 << 30)

    sender = ConnectionPool(max_connections=100)
    stack.push_async_callback(sender.close)

    async def http1() -> bytes:
        return (await sender.send("GET", full, HEADERS, b"", timeouts)).body

    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100),
        auto_decompress=False,
        skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept", "Content-Type"),
    )
    stack.push_async_callback(session.close)
    aio_timeout = aiohttp.ClientTimeout(total=None, sock_connect=60.0, sock_read=60.0)
    target = URL(full, encoded=True)

    async def aiohttp_session() -> bytes:
        async with session.get(
            target, headers=HEADERS, timeout=aio_timeout, allow_redirects=False
        ) as response:
            return await response.read()

    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
    stack.push_async_callback(client.aclose)

    async def httpx_client() -> bytes:
        return (await client.get(full, headers=HEADERS)).content

    return {"http1": http1, "aiohttp": aiohttp_session, "httpx": httpx_client}


async def compare(url: str, rounds: int) -> list[str]:
    from contextlib import AsyncExitStack

    async with AsyncExitStack() as stack:
        calls = await candidates(url, stack)
        for call in calls.values():
            await harness.measure(call, 64, 32)
        lines = [
            "| transport | CPU µs x1 | CPU µs x32 | / aiohttp x1 | / aiohttp x32 |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        samples: dict[tuple[str, int], list[float]] = {}
        for r in range(rounds):
            order = list(calls) if r % 2 == 0 else list(reversed(calls))
            for conc, n in ((1, 300), (32, 640)):
                for name in order:
                    cpu, _ = await harness.measure(calls[name], n, conc)
                    samples.setdefault((name, conc), []).append(cpu)
        med = {k: statistics.median(v) for k, v in samples.items()}
        for name in calls:
            x1, x32 = med[(name, 1)], med[(name, 32)]
            lines.append(
                f"| {name} | {x1:.0f} | {x32:.0f} | {x1 / med[('aiohttp', 1)]:.2f} "
                f"| {x32 / med[('aiohttp', 32)]:.2f} |"
            )
        return lines


async def main() -> None:
    proc, url = harness.start_server()
    try:
        print("\n".join(await compare(url, 5)))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
