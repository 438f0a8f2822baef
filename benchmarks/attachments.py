"""Large attachments side by side (issue 24, section 4): a 150 MB file uploaded and
downloaded through Debian's nginx on 127.0.0.1 by awsmith's helpers
(``SupportClient.upload_attachment`` / ``download_attachment``) and by the same parts
sent by hand with a plain ``httpx.AsyncClient`` and with aiohttp.

    make bench          # runs this after benchmarks/run.py
    .venv-bench/bin/python benchmarks/attachments.py --rounds 3

nginx takes each part with its WebDAV ``PUT`` (the body read whole, written to a file
in a tmpfs folder, answered 201 with an ETag) and serves the file for ``GET`` (sendfile).
The four Support calls of the helpers are answered by awsmith's own ``Stubber``
(in-process: no Support server), so what is measured is what the baselines do too: for
each part an MD5 pass over it and a ``PUT`` with ``Content-MD5`` and ``Content-Length``,
streamed from the file in 1 MiB chunks, up to ``concurrency`` parts at once; for a
download, a streamed ``GET`` written to a file as it arrives (``concurrency`` downloads
at once). The files are in a tmpfs folder (/dev/shm), so the disk is not measured
(awsmith's ``fsync`` of the downloaded file costs nothing there).

Each transfer runs in a process of its own (so that its memory is its own), after a
small warm-up transfer of the same kind; the figures are the transfer's throughput
(MB/s, 10^6 bytes) and the process's peak RSS growth (``VmHWM`` reset through
``/proc/self/clear_refs``, minus the RSS before the warm-up). Rounds alternate the
order of the contenders; medians are reported, and awsmith's throughput as a ratio to
the faster of the two baselines.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # devservers: nginx

from devservers.forward_proxy import free_port, stop, wait_for_port
from devservers.web_server import HTTP_HEAD

MB = 1000 * 1000
MiB = 1024 * 1024
FILE_SIZE = 150 * MB
CHUNK = MiB
WARM_UP = MiB

NGINX_CONFIG = HTTP_HEAD + """    access_log off;
    sendfile on;
    keepalive_requests 10000;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        client_body_buffer_size 1m;
        location /parts/ {{
            root {dir};
            dav_methods PUT;
            create_full_put_path on;
            add_header ETag '"bench-part"' always;
        }}
        location /files/ {{
            root {dir};
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Scenario:
    direction: str  # "upload" or "download"
    concurrency: int
    part_size: int = 0  # uploads: the size of every part but the last

    @property
    def name(self) -> str:
        if self.direction == "download":
            return f"download x{self.concurrency}"
        return f"upload, {self.part_size // MB} MB parts, concurrency {self.concurrency}"


SCENARIOS = [
    Scenario("upload", 1, 100 * MB),
    Scenario("upload", 4, 100 * MB),
    Scenario("upload", 4, 16 * MB),
    Scenario("download", 1),
    Scenario("download", 4),
]
CONTENDERS = ("awsmith", "httpx", "aiohttp")


# ---------------------------------------------------------------- memory


def _status_field(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {name} in /proc/self/status")


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


# ---------------------------------------------------------------- the parts by hand


def parts_of(size: int, part_size: int) -> list[tuple[int, int, int]]:
    """(part number, offset, length) of a file of ``size`` cut in ``part_size`` parts."""
    return [
        (number, offset, min(part_size, size - offset))
        for number, offset in enumerate(range(0, size, part_size), start=1)
    ]


def md5_of(path: Path, offset: int, length: int) -> str:
    """Content-MD5 of a part, read in chunks: what a hand-written upload computes."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as file:
        file.seek(offset)
        left = length
        while left:
            chunk = file.read(min(CHUNK, left))
            digest.update(chunk)
            left -= len(chunk)
    return base64.b64encode(digest.digest()).decode()


async def chunks_of(path: Path, offset: int, length: int) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        file.seek(offset)
        left = length
        while left:
            chunk = file.read(min(CHUNK, left))
            left -= len(chunk)
            yield chunk


def part_url(base: str, tag: str, number: int) -> str:
    return f"{base}/parts/{tag}-{number}?partNumber={number}&X-Amz-Signature=bench"


async def by_hand(
    put: Callable[[str, str, int, AsyncIterator[bytes]], Awaitable[None]],
    base: str,
    path: Path,
    size: int,
    part_size: int,
    concurrency: int,
    tag: str,
) -> None:
    """The parts of ``path``, up to ``concurrency`` at once, each hashed then ``put``."""
    pending = parts_of(size, part_size)

    async def worker() -> None:
        while pending:
            number, offset, length = pending.pop(0)
            md5 = md5_of(path, offset, length)
            await put(part_url(base, tag, number), md5, length, chunks_of(path, offset, length))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


# ---------------------------------------------------------------- contenders


class Contender:
    """One way to upload and download; ``open`` and ``close`` around the transfers."""

    async def open(self, base: str) -> None: ...

    async def upload(self, path: Path, size: int, part_size: int, concurrency: int, tag: str) -> None:
        raise NotImplementedError

    async def download(self, url: str, target: Path) -> int:
        raise NotImplementedError

    async def close(self) -> None: ...


class Httpx(Contender):
    async def open(self, base: str) -> None:
        import httpx

        self.base = base
        self.client = httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=10))

    async def put(self, url: str, md5: str, length: int, body: AsyncIterator[bytes]) -> None:
        headers = {"Content-MD5": md5, "Content-Length": str(length)}
        response = await self.client.put(url, content=body, headers=headers)
        assert response.status_code in (201, 204), response.status_code

    async def upload(self, path: Path, size: int, part_size: int, concurrency: int, tag: str) -> None:
        await by_hand(self.put, self.base, path, size, part_size, concurrency, tag)

    async def download(self, url: str, target: Path) -> int:
        written = 0
        with target.open("wb") as out:
            async with self.client.stream("GET", url) as response:
                assert response.status_code == 200
                async for chunk in response.aiter_raw():
                    out.write(chunk)
                    written += len(chunk)
        return written

    async def close(self) -> None:
        await self.client.aclose()


class Aiohttp(Contender):
    async def open(self, base: str) -> None:
        import aiohttp

        self.base = base
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=10), auto_decompress=False
        )

    async def put(self, url: str, md5: str, length: int, body: AsyncIterator[bytes]) -> None:
        headers = {"Content-MD5": md5, "Content-Length": str(length)}
        async with self.session.put(url, data=body, headers=headers) as response:
            assert response.status in (201, 204), response.status
            await response.read()

    async def upload(self, path: Path, size: int, part_size: int, concurrency: int, tag: str) -> None:
        await by_hand(self.put, self.base, path, size, part_size, concurrency, tag)

    async def download(self, url: str, target: Path) -> int:
        written = 0
        with target.open("wb") as out:
            async with self.session.get(url) as response:
                assert response.status == 200
                async for chunk in response.content.iter_chunked(256 * 1024):
                    out.write(chunk)
                    written += len(chunk)
        return written

    async def close(self) -> None:
        await self.session.close()


class Awsmith(Contender):
    """The helpers, their Support calls answered by awsmith's Stubber."""

    async def open(self, base: str) -> None:
        import awsmith
        from awsmith.support import SupportClient

        self.base = base
        self.client = SupportClient(
            region="us-east-1",
            endpoint_url=base,
            credentials=awsmith.Credentials(access_key_id="AKIDBENCH", secret_access_key="s"),
            config=awsmith.Config(read_timeout=120.0),
        )
        await self.client.__aenter__()

    def stubber(self) -> Any:
        from awsmith.testing import Stubber

        return Stubber(self.client, assert_all_used=True)

    async def upload(self, path: Path, size: int, part_size: int, concurrency: int, tag: str) -> None:
        parts = parts_of(size, part_size)
        expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        with self.stubber() as stub:
            for start in range(0, len(parts), 10):
                batch = parts[start : start + 10]
                answer: dict[str, Any] = {
                    "uploadId": f"upload-{tag}",
                    "partSizeBytes": part_size,
                    "totalParts": len(parts),
                    "uploadUrls": [
                        {"url": part_url(self.base, tag, n), "partIndex": n, "expiryDate": expiry}
                        for n, _, _ in batch
                    ],
                }
                if start + 10 < len(parts):
                    answer["nextIndex"] = start + 11
                stub.add_response("get_attachment_upload_links", answer)
            stub.add_response("complete_attachment_upload", {"uploadStatus": "attachment-ready"})
            await self.client.upload_attachment(path, concurrency=concurrency)

    async def download(self, url: str, target: Path) -> int:
        expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        with self.stubber() as stub:
            stub.add_response(
                "get_attachment_download_link",
                {"fileName": "attachment.bin", "downloadUrl": {"url": url, "expiryDate": expiry}},
            )
            return await self.client.download_attachment("attachment-bench", target)

    async def close(self) -> None:
        await self.client.close()


KINDS: dict[str, type[Contender]] = {"awsmith": Awsmith, "httpx": Httpx, "aiohttp": Aiohttp}


async def measure(
    kind: str, scenario: Scenario, base: str, folder: Path
) -> tuple[float, float, float]:
    """In a process of its own: (MB/s, client CPU seconds, peak RSS growth in MiB) of
    one transfer, after a small warm-up transfer of the same kind (its connection, and
    what is imported on first use, are not counted)."""
    contender = KINDS[kind]()
    await contender.open(base)
    source = folder / "files" / "attachment.bin"
    small = folder / "files" / "warm-up.bin"
    try:
        if scenario.direction == "upload":
            await contender.upload(small, WARM_UP, WARM_UP, 1, f"{kind}-warm")
        else:
            await contender.download(f"{base}/files/warm-up.bin?X-Amz-Signature=bench", folder / f"{kind}-warm.out")
        gc.collect()
        before = _status_field("VmRSS")
        reset_peak()
        cpu = time.process_time()
        started = time.perf_counter()
        if scenario.direction == "upload":
            await contender.upload(source, FILE_SIZE, scenario.part_size, scenario.concurrency, kind)
            moved = FILE_SIZE
        else:
            url = f"{base}/files/attachment.bin?X-Amz-Signature=bench"
            sizes = await asyncio.gather(
                *(contender.download(url, folder / f"{kind}-{i}.out") for i in range(scenario.concurrency))
            )
            assert sizes == [FILE_SIZE] * scenario.concurrency, sizes
            moved = FILE_SIZE * scenario.concurrency
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        return moved / MB / seconds, cpu, (_status_field("VmHWM") - before) / MiB
    finally:
        await contender.close()
        for leftover in folder.glob(f"{kind}-*.out"):
            leftover.unlink()


# ---------------------------------------------------------------- the run


@contextmanager
def nginx(folder: Path) -> Any:
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(dir=folder, port=port), encoding="utf-8")
    process = subprocess.Popen(
        ["nginx", "-c", str(config), "-p", str(folder), "-e", str(folder / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process, "nginx")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def write_files(folder: Path) -> None:
    files = folder / "files"
    files.mkdir()
    with (files / "attachment.bin").open("wb") as out:
        for _ in range(FILE_SIZE // MB):
            out.write(os.urandom(MB))
    (files / "warm-up.bin").write_bytes(os.urandom(WARM_UP))


def one(kind: str, scenario: Scenario, base: str, folder: Path) -> tuple[float, float, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--one", kind, scenario.direction, str(scenario.concurrency),
         str(scenario.part_size), base, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    speed, cpu, growth = map(float, output.split())
    return speed, cpu, growth


def report(results: dict[tuple[str, str], list[tuple[float, float, float]]]) -> list[str]:
    """Two tables: throughput (and awsmith's ratio to the faster baseline) with client
    CPU, then peak RSS growth."""
    speed_lines = [
        "| transfer | awsmith MB/s | httpx MB/s | aiohttp MB/s | awsmith / faster | "
        "awsmith CPU s | httpx CPU s | aiohttp CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    memory_lines = [
        "| transfer | awsmith RSS growth | httpx RSS growth | aiohttp RSS growth |",
        "| --- | ---: | ---: | ---: |",
    ]
    for scenario in SCENARIOS:
        figures = {
            k: [statistics.median(sample[i] for sample in results[(scenario.name, k)]) for i in range(3)]
            for k in CONTENDERS
        }
        speed = {k: figures[k][0] for k in CONTENDERS}
        ratio = speed["awsmith"] / max(speed["httpx"], speed["aiohttp"])
        speed_lines.append(
            f"| {scenario.name} | {speed['awsmith']:.0f} | {speed['httpx']:.0f} | "
            f"{speed['aiohttp']:.0f} | {ratio:.2f} | "
            + " | ".join(f"{figures[k][1]:.2f}" for k in CONTENDERS)
            + " |"
        )
        memory_lines.append(
            f"| {scenario.name} | " + " | ".join(f"{figures[k][2]:.1f} MiB" for k in CONTENDERS) + " |"
        )
    return [*speed_lines, "", *memory_lines]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("nginx") is None:
        print("attachments: skipped, nginx is not installed (apt-get install nginx-light)")
        return
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="awsmith-bench-", dir=shm if shm.is_dir() else None) as tmp:
        folder = Path(tmp)
        write_files(folder)
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        with nginx(folder) as base:
            print(
                f"\n## attachments: a {FILE_SIZE // MB} MB file through nginx ({args.rounds} "
                f"rounds, medians; Python {sys.version.split()[0]})\n"
            )
            for round_ in range(args.rounds):
                for scenario in SCENARIOS:
                    order = list(CONTENDERS) if round_ % 2 == 0 else list(reversed(CONTENDERS))
                    for kind in order:
                        results.setdefault((scenario.name, kind), []).append(
                            one(kind, scenario, base, folder)
                        )
        print("\n".join(report(results)))


if __name__ == "__main__":
    if not Path("/proc/self/clear_refs").exists():
        sys.exit("needs Linux (/proc/self/clear_refs resets the peak RSS)")
    if sys.argv[1:2] == ["--one"]:
        kind, direction, concurrency, part_size, base, folder = sys.argv[2:8]
        scenario = Scenario(direction, int(concurrency), int(part_size))
        print(*asyncio.run(measure(kind, scenario, base, Path(folder))))
    else:
        main()
