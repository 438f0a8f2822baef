"""Cold start, side by side: a whole process that imports the SDK, builds one Support
client (static credentials, an ``endpoint_url`` on loopback), calls ``describe_cases``
once and exits, for awsmith and for aiobotocore.

Each run is a fresh interpreter (bytecode cached by a warm-up run of each). Every round
runs every contender in a rotating order: the two scripts, the bare imports (``import
awsmith.support`` / ``awsmith.codeguruprofiler`` against ``import aiobotocore.session``)
and a bare interpreter, whose time the import figures subtract. Medians and ratios are
printed: wall time, CPU (user + sys of the child, from ``os.wait4``) and peak RSS
(``ru_maxrss``); then which botocore modules awsmith's script imported.

Run by ``make bench`` (after benchmarks/run.py), or alone from ``.venv-bench``:
``.venv-bench/bin/python benchmarks/coldstart.py [--runs N] [--url URL]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import start_server  # noqa: E402  # the loopback stub server (benchmarks/harness.py)

#: The scripts a user would write; ``{url}`` is the stub server.
AWSMITH = """
import asyncio, sys
import awsmith
from awsmith.support import SupportClient

async def main():
    async with SupportClient(
        endpoint_url={url!r},
        credentials=awsmith.Credentials(access_key_id="AKIDCOLD", secret_access_key="secret"),
    ) as client:
        response = await client.describe_cases()
        assert response.cases
    if {report!r}:
        print("\\n".join(sorted(m for m in sys.modules if m.split(".")[0] == "botocore")))

asyncio.run(main())
"""

AIOBOTOCORE = """
import asyncio
from aiobotocore.session import get_session

async def main():
    session = get_session()
    async with session.create_client(
        "support", region_name="us-east-1", endpoint_url={url!r},
        aws_access_key_id="AKIDCOLD", aws_secret_access_key="secret",
    ) as client:
        response = await client.describe_cases()
        assert response["cases"]

asyncio.run(main())
"""

#: The interpreter alone: subtracted from the imports' times.
BARE = {"bare interpreter": "pass"}

IMPORTS = {
    "awsmith.support": "import awsmith.support",
    "awsmith.codeguruprofiler": "import awsmith.codeguruprofiler",
    "aiobotocore.session": "import aiobotocore.session",
}

#: No credentials, config or region from the machine running the benchmark.
ENV = {
    key: value
    for key, value in os.environ.items()
    if not key.startswith("AWS_") and key not in ("PYTHONDONTWRITEBYTECODE",)
} | {"AWS_CONFIG_FILE": os.devnull + ".absent", "AWS_SHARED_CREDENTIALS_FILE": os.devnull + ".absent"}


def run_child(code: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one fresh interpreter running ``code``."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{code}")
    rss_mib = usage.ru_maxrss / 1024  # KiB on Linux
    return wall, usage.ru_utime + usage.ru_stime, rss_mib


def compare(codes: dict[str, str], runs: int) -> dict[str, list[tuple[float, float, float]]]:
    for code in codes.values():  # warm-up: bytecode compiled and cached, files in cache
        run_child(code)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in codes}
    names = list(codes)
    for i in range(runs):
        shift = i % len(names)  # rotate the order, so none always runs first or last
        for name in names[shift:] + names[:shift]:
            samples[name].append(run_child(codes[name]))
    return samples


def medians(samples: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
        statistics.median(s[2] for s in samples),
    )


def botocore_modules(url: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", AWSMITH.format(url=url, report=True)],
        env=ENV, check=True, capture_output=True, text=True,
    ).stdout
    return [line for line in out.splitlines() if line]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9, help="rounds (>= 7)")
    parser.add_argument("--url", help="a stub server already running (else one is started)")
    args = parser.parse_args()
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server()
    try:
        scripts = {
            "awsmith": AWSMITH.format(url=url, report=False),
            "aiobotocore": AIOBOTOCORE.format(url=url),
        }
        # Every contender in every round (the order rotates), so that all of them, the
        # bare interpreter included, see the same machine: a shared machine's load
        # drifts, and the import ratios subtract the bare interpreter's time.
        got = {name: medians(s) for name, s in compare(scripts | IMPORTS | BARE, args.runs).items()}
        print(f"\n## cold start: one process, one describe_cases ({args.runs} rounds, medians)\n")
        ours, theirs = got["awsmith"], got["aiobotocore"]
        print("            wall ms   CPU ms   peak RSS MiB")
        for name in scripts:
            wall, cpu, rss = got[name]
            print(f"{name:<11} {wall * 1000:7.0f}  {cpu * 1000:7.0f}  {rss:9.1f}")
        print(
            f"ratio awsmith/aiobotocore: wall {ours[0] / theirs[0]:.2f} (goal <= 0.35), "
            f"CPU {ours[1] / theirs[1]:.2f} (goal <= 0.5), "
            f"peak RSS {ours[2] / theirs[2]:.2f} (goal <= 0.6)"
        )
        print("\n## import alone (the same rounds; interpreter included)\n")
        base = got["bare interpreter"][0]
        peer = got["aiobotocore.session"][0] - base
        for name in IMPORTS:
            wall, _, rss = got[name]
            net = wall - base
            print(
                f"{name:<25} {wall * 1000:6.0f} ms ({net * 1000:5.0f} ms over a bare "
                f"interpreter, ratio {net / peer:.2f}), peak RSS {rss:.1f} MiB"
            )
        print("goal: awsmith's net import <= 0.25 x aiobotocore.session's")
        modules = botocore_modules(url)
        print(f"\nbotocore modules imported by awsmith's script: {len(modules)}")
        if modules:
            print("  " + " ".join(modules))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
