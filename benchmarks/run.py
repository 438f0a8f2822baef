"""Side-by-side benchmark: awsmith vs aiobotocore vs raw aiohttp (the floor).

Run with ``make bench`` (it builds ``.venv-bench`` with aiobotocore, whose exact botocore
pin would otherwise constrain the dev environment). One process run: a loopback stub
server in its own process, rounds that alternate the contenders, medians, ratios.

Client CPU is ``time.process_time()`` of this process (the server is another process).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

# The stub server and the measure are shared with transports.py, hotpath.py and
# coldstart.py (benchmarks/harness.py); this module stays importable by them.
from harness import KEY, SECRET, Call, measure, start_server

# ----------------------------------------------------------------- contenders


async def awsmith_clients(url: str, stack: AsyncExitStack) -> dict[str, Call]:
    import awsmith
    from awsmith.codeguruprofiler import CodeGuruProfilerClient
    from awsmith.support import SupportClient

    creds = awsmith.Credentials(access_key_id=KEY, secret_access_key=SECRET)
    support = await stack.enter_async_context(
        SupportClient(region="us-east-1", endpoint_url=url, credentials=creds)
    )
    cgp = await stack.enter_async_context(
        CodeGuruProfilerClient(region="us-east-1", endpoint_url=url, credentials=creds)
    )
    start = datetime(2026, 11, 20, tzinfo=UTC)
    end = datetime(2026, 11, 21, tzinfo=UTC)
    blob = os.urandom(1024 * 1024)
    return {
        "describe_cases": lambda: support.describe_cases(include_resolved_cases=True),
        "list_profile_times": lambda: cgp.list_profile_times(
            profiling_group_name="bench", start_time=start, end_time=end, period="PT1H"
        ),
        "post_agent_profile_1mb": lambda: cgp.post_agent_profile(
            profiling_group_name="bench",
            agent_profile=blob,
            content_type="application/octet-stream",
        ),
        "get_profile_10mb": lambda: cgp.get_profile(profiling_group_name="bench"),
    }


async def aiobotocore_clients(url: str, stack: AsyncExitStack) -> dict[str, Call]:
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    session = get_session()
    kwargs: dict[str, Any] = dict(
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=AioConfig(max_pool_connections=100),
    )
    support = await stack.enter_async_context(session.create_client("support", **kwargs))
    cgp = await stack.enter_async_context(session.create_client("codeguruprofiler", **kwargs))
    start = datetime(2026, 11, 20, tzinfo=UTC)
    end = datetime(2026, 11, 21, tzinfo=UTC)
    blob = os.urandom(1024 * 1024)

    async def get_profile() -> Any:
        response = await cgp.get_profile(profilingGroupName="bench")
        return await response["profile"].read() if hasattr(response["profile"], "read") else response

    return {
        "describe_cases": lambda: support.describe_cases(includeResolvedCases=True),
        "list_profile_times": lambda: cgp.list_profile_times(
            profilingGroupName="bench", startTime=start, endTime=end, period="PT1H"
        ),
        "post_agent_profile_1mb": lambda: cgp.post_agent_profile(
            profilingGroupName="bench",
            agentProfile=blob,
            contentType="application/octet-stream",
        ),
        "get_profile_10mb": get_profile,
    }


async def aiohttp_clients(url: str, stack: AsyncExitStack) -> dict[str, Call]:
    """The floor: one pooled aiohttp session, no signing, no validation, json.loads."""
    import aiohttp

    session = await stack.enter_async_context(
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    )
    blob = os.urandom(1024 * 1024)
    json_headers = {
        "X-Amz-Target": "AWSSupport_20130415.DescribeCases",
        "Content-Type": "application/x-amz-json-1.1",
    }

    async def describe_cases() -> Any:
        async with session.post(url + "/", data=b'{"includeResolvedCases":true}', headers=json_headers) as r:
            return json.loads(await r.read())

    async def list_profile_times() -> Any:
        query = "startTime=2026-11-20T00%3A00%3A00Z&endTime=2026-11-21T00%3A00%3A00Z&period=PT1H"
        async with session.get(f"{url}/profilingGroups/bench/profileTimes?{query}") as r:
            return json.loads(await r.read())

    async def post_agent_profile() -> Any:
        headers = {"Content-Type": "application/octet-stream"}
        async with session.post(f"{url}/profilingGroups/bench/agentProfile", data=blob, headers=headers) as r:
            return await r.read()

    async def get_profile() -> Any:
        async with session.get(f"{url}/profilingGroups/bench/profile") as r:
            return await r.read()

    return {
        "describe_cases": describe_cases,
        "list_profile_times": list_profile_times,
        "post_agent_profile_1mb": post_agent_profile,
        "get_profile_10mb": get_profile,
    }


CONTENDERS = {
    "awsmith": awsmith_clients,
    "aiobotocore": aiobotocore_clients,
    "aiohttp": aiohttp_clients,
}
SCENARIOS = [
    # (name, concurrency, calls per round)
    ("describe_cases", 1, 300),
    ("describe_cases", 32, 640),
    ("list_profile_times", 1, 300),
    ("list_profile_times", 32, 640),
    ("post_agent_profile_1mb", 1, 20),
    ("post_agent_profile_1mb", 32, 64),
    ("get_profile_10mb", 1, 6),
]


async def per_call(url: str, rounds: int) -> dict[str, dict[str, list[tuple[float, float]]]]:
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    async with AsyncExitStack() as stack:
        calls = {name: await factory(url, stack) for name, factory in CONTENDERS.items()}
        for name, conc, _ in SCENARIOS:  # warm-up: connections, caches, lazy imports
            for contender in CONTENDERS:
                await measure(calls[contender][name], max(conc, 4), conc)
        for r in range(rounds):
            for name, conc, n in SCENARIOS:
                order = list(CONTENDERS)
                if r % 2:
                    order.reverse()
                for contender in order:
                    key = f"{name} x{conc}"
                    sample = await measure(calls[contender][name], n, conc)
                    results.setdefault(key, {}).setdefault(contender, []).append(sample)
    return results


async def construction(url: str, rounds: int) -> dict[str, float]:
    """Median µs from nothing to a client ready to send (endpoint resolved)."""
    from aiobotocore.session import get_session

    import awsmith
    from awsmith.support import SupportClient

    creds = awsmith.Credentials(access_key_id=KEY, secret_access_key=SECRET)
    session = get_session()
    samples: dict[str, list[float]] = {"awsmith": [], "aiobotocore": []}
    for _ in range(rounds):
        t0 = time.perf_counter()
        client = SupportClient(region="us-east-1", endpoint_url=url, credentials=creds)
        await client.__aenter__()
        samples["awsmith"].append(time.perf_counter() - t0)
        await client.close()
        t0 = time.perf_counter()
        cm = session.create_client(
            "support", region_name="us-east-1", endpoint_url=url,
            aws_access_key_id=KEY, aws_secret_access_key=SECRET,
        )
        boto_client = await cm.__aenter__()
        samples["aiobotocore"].append(time.perf_counter() - t0)
        await boto_client.close()
    return {k: statistics.median(v) * 1e6 for k, v in samples.items()}


def import_times(rounds: int) -> dict[str, float]:
    code = "import time; t=time.perf_counter(); import {m}; print(time.perf_counter()-t)"
    samples: dict[str, list[float]] = {"awsmith.support": [], "aiobotocore.session": []}
    for _ in range(rounds):
        for module in samples:
            out = subprocess.run(
                [sys.executable, "-c", code.format(m=module)], capture_output=True, text=True, check=True
            )
            samples[module].append(float(out.stdout))
    return {k: statistics.median(v) * 1e3 for k, v in samples.items()}


PAGINATE = """
import asyncio, resource, sys, tracemalloc
import awsmith
from awsmith.support import SupportClient
total = int(sys.argv[2])
async def main():
    creds = awsmith.Credentials(access_key_id="AKID", secret_access_key="s")
    async with SupportClient(region="us-east-1", endpoint_url=sys.argv[1], credentials=creds) as c:
        # warm up so that lazily created objects don't count as growth
        await c.describe_cases(display_id=f"paginate-{total}", max_results=100)
        tracemalloc.start()
        n = 0
        async for item in c.paginate_describe_cases(display_id=f"paginate-{total}", page_size=100).items():
            n += 1
        peak = tracemalloc.get_traced_memory()[1]
        assert n == total, n
        print(peak)
asyncio.run(main())
"""


def pagination_memory(url: str) -> dict[int, float]:
    out: dict[int, float] = {}
    for total in (10_000, 100_000):
        proc = subprocess.run(
            [sys.executable, "-c", PAGINATE, url, str(total)], capture_output=True, text=True, check=True
        )
        out[total] = int(proc.stdout.strip()) / 1024
    return out


async def thousand_concurrent(url: str) -> dict[str, tuple[float, int]]:
    """Wall ms and successful calls for 1,000 concurrent DescribeCases through one client."""
    out: dict[str, tuple[float, int]] = {}
    async with AsyncExitStack() as stack:
        for contender in ("awsmith", "aiobotocore"):
            call = (await CONTENDERS[contender](url, stack))["describe_cases"]
            t0 = time.perf_counter()
            results = await asyncio.gather(*(call() for _ in range(1000)), return_exceptions=True)
            ok = sum(1 for r in results if not isinstance(r, BaseException))
            out[contender] = ((time.perf_counter() - t0) * 1e3, ok)
    return out


async def interceptor_costs(url: str, rounds: int) -> list[str]:
    """Client CPU per DescribeCases (x1 and x32) with no interceptors, one no-op
    interceptor, and the OpenTelemetry interceptor on an SDK tracer provider (spans
    recorded, then dropped: no exporter), alternating in each round."""
    from opentelemetry.sdk.trace import TracerProvider

    import awsmith
    from awsmith.otel import OpenTelemetryInterceptor
    from awsmith.support import SupportClient

    creds = awsmith.Credentials(access_key_id=KEY, secret_access_key=SECRET)
    setups: dict[str, list[awsmith.Interceptor]] = {
        "none": [],
        "one no-op Interceptor": [awsmith.Interceptor()],
        "OpenTelemetryInterceptor (SDK, no exporter)": [
            OpenTelemetryInterceptor(tracer_provider=TracerProvider())
        ],
    }
    samples: dict[tuple[str, int], list[float]] = {}
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(
                SupportClient(
                    region="us-east-1", endpoint_url=url, credentials=creds, interceptors=hooks
                )
            )
            for name, hooks in setups.items()
        }
        for client in clients.values():  # warm-up
            await measure(lambda c=client: c.describe_cases(), 32, 32)
        for r in range(rounds):
            order = list(clients) if r % 2 == 0 else list(reversed(clients))
            for conc, n in ((1, 300), (32, 640)):
                for name in order:
                    client = clients[name]
                    cpu, _ = await measure(lambda c=client: c.describe_cases(), n, conc)
                    samples.setdefault((name, conc), []).append(cpu)
    lines = [
        "| interceptors | DescribeCases x1 CPU µs | ratio to none | x32 CPU µs | ratio to none |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    base = {conc: statistics.median(samples[("none", conc)]) for conc in (1, 32)}
    for name in setups:
        one, many = (statistics.median(samples[(name, conc)]) for conc in (1, 32))
        lines.append(
            f"| {name} | {one:.0f} | {one / base[1]:.2f} | {many:.0f} | {many / base[32]:.2f} |"
        )
    return lines


def report(results: dict[str, dict[str, list[tuple[float, float]]]]) -> list[str]:
    lines = [
        "| scenario | awsmith CPU µs | aiobotocore CPU µs | aiohttp floor CPU µs | awsmith / aiobotocore | awsmith / floor | awsmith wall µs | aiobotocore wall µs | floor wall µs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, by in results.items():
        cpu = {c: statistics.median(s[0] for s in v) for c, v in by.items()}
        wall = {c: statistics.median(s[1] for s in v) for c, v in by.items()}
        lines.append(
            f"| {key} | {cpu['awsmith']:.0f} | {cpu['aiobotocore']:.0f} | {cpu['aiohttp']:.0f} "
            f"| {cpu['awsmith'] / cpu['aiobotocore']:.2f} | {cpu['awsmith'] / cpu['aiohttp']:.2f} "
            f"| {wall['awsmith']:.0f} | {wall['aiobotocore']:.0f} | {wall['aiohttp']:.0f} |"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one round, for a smoke run")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    proc, url = start_server()
    try:
        print(f"# awsmith benchmark ({rounds} rounds, medians; Python {sys.version.split()[0]})\n")
        results = await per_call(url, rounds)
        print("\n".join(report(results)))
        blob = os.urandom(1024 * 1024)
        t0 = time.process_time()
        for _ in range(50):
            hashlib.sha256(blob).hexdigest()
        hash_us = (time.process_time() - t0) / 50 * 1e6
        for key, by in results.items():
            if key.startswith("post_agent_profile"):
                ours = statistics.median(s[0] for s in by["awsmith"])
                floor = statistics.median(s[0] for s in by["aiohttp"])
                print(
                    f"{key}: SigV4's mandatory SHA-256 of the 1 MB payload costs {hash_us:.0f} µs; "
                    f"awsmith / (floor + hash) = {ours / (floor + hash_us):.2f}"
                )
        built = await construction(url, 30 if not args.quick else 5)
        print(
            f"\nclient construction (to ready): awsmith {built['awsmith']:.0f} µs, aiobotocore "
            f"{built['aiobotocore']:.0f} µs, ratio {built['awsmith'] / built['aiobotocore']:.3f}"
        )
        imports = import_times(5 if not args.quick else 1)
        print(
            f"import: awsmith.support {imports['awsmith.support']:.0f} ms, aiobotocore.session "
            f"{imports['aiobotocore.session']:.0f} ms, ratio "
            f"{imports['awsmith.support'] / imports['aiobotocore.session']:.2f}"
        )
        memory = pagination_memory(url)
        print(
            f"peak traced memory paginating: 10,000 items {memory[10_000]:.0f} KiB, 100,000 items "
            f"{memory[100_000]:.0f} KiB (ratio {memory[100_000] / memory[10_000]:.2f} for 10x pages)"
        )
        burst = await thousand_concurrent(url)
        for contender, (ms, ok) in burst.items():
            print(f"1,000 concurrent calls, one client: {contender} {ms:.0f} ms, {ok}/1000 ok")
        print("\n## interceptors: client CPU per call\n")
        print("\n".join(await interceptor_costs(url, rounds)))
        import transports  # the choice of the default transport (benchmarks/transports.py)

        print("\n## transports: one bare GET, client CPU per call\n")
        print("\n".join(await transports.compare(url, rounds)))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    asyncio.run(main())
