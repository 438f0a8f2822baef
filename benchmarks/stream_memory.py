"""Peak memory of streamed transfers (``HttpSender.stream``): a 150 MB file uploaded as
two parts at once (100 MB and 50 MB, as the Support attachment workflow cuts it) and
downloaded back, through awsmith's own sender and through the httpx one (asyncio and
trio), against a loopback server in its own process (so that its memory is not
counted).

What it reports, per sender and direction: the peak RSS of this process during the
transfer minus its RSS just before (Linux: ``/proc/self/clear_refs`` resets the peak,
``VmHWM`` reads it). The upload's source reads the file in 1 MiB chunks, as a helper
would; the download is read and dropped chunk by chunk. The issue's budget: 32 MiB for
a 150 MB file at concurrency 4 with 100 MB parts.

Run: ``.venv/bin/python benchmarks/stream_memory.py`` (about a minute; a temporary
150 MB file is written and removed).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from awsmith._core.transport.http import HttpSender, StreamBody, Timeouts
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.transport.httpx_sender import HttpxSender, owned_client
from awsmith._core.transport.proxy import NO_PROXIES

MB = 1000 * 1000
MiB = 1024 * 1024
FILE_SIZE = 150 * MB
PART_SIZE = 100 * MB
CHUNK = MiB
TIMEOUTS = Timeouts(connect=10.0, read=60.0, max_body=1024)

#: The server: PUT bodies are read and dropped (answered with their size); GET
#: /<n> answers n bytes, written as the socket takes them. Stdlib only.
SERVER = r"""
import asyncio, sys

async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *fields = head.decode("latin-1").split("\r\n")
            method, target, _ = line.split(" ", 2)
            length = 0
            for field in fields:
                name, _, value = field.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if method == "PUT":
                left = length
                while left:
                    piece = await reader.read(min(left, 1 << 20))
                    if not piece:
                        return
                    left -= len(piece)
                body = str(length).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                size = int(target.strip("/").split("?")[0])
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                block = bytes(1 << 20)
                sent = 0
                while sent < size:
                    piece = block[: min(len(block), size - sent)]
                    writer.write(piece)
                    sent += len(piece)
                    await writer.drain()
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


def rss_now() -> int:
    return _status_field("VmRSS")


def rss_peak() -> int:
    return _status_field("VmHWM")


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _status_field(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {name} in /proc/self/status")


async def file_chunks(path: Path, start: int, size: int) -> AsyncIterator[bytes]:
    """``size`` bytes of ``path`` from ``start``, read 1 MiB at a time."""
    with path.open("rb") as file:
        file.seek(start)
        left = size
        while left:
            chunk = file.read(min(CHUNK, left))
            left -= len(chunk)
            yield chunk


async def upload(sender: HttpSender, url: str, path: Path) -> None:
    parts = [(0, PART_SIZE), (PART_SIZE, FILE_SIZE - PART_SIZE)]

    async def one(start: int, size: int) -> None:
        body = StreamBody(file_chunks(path, start, size), size)
        async with sender.stream("PUT", f"{url}/part?n={start}", {}, body, TIMEOUTS) as answer:
            assert answer.status == 200
            assert await answer.aread(64) == str(size).encode()

    async with anyio.create_task_group() as group:
        for start, size in parts:
            group.start_soon(one, start, size)


async def download(sender: HttpSender, url: str) -> None:
    received = 0
    async with sender.stream("GET", f"{url}/{FILE_SIZE}", {}, b"", TIMEOUTS) as answer:
        async for chunk in answer.aiter_bytes():
            received += len(chunk)
    assert received == FILE_SIZE


def make_sender(name: str) -> HttpSender:
    if name == "http1":
        return ConnectionPool(max_connections=10)
    client = owned_client(verify=True, max_connections=10, proxies=NO_PROXIES, proxy_tls=None)
    return HttpxSender(client, owned=True)


async def measure(name: str, direction: str, url: str, path: Path) -> tuple[float, float]:
    """(peak RSS growth in MiB, MB/s) of one transfer, counted from before a small
    one of the same kind (its connection and first buffers are part of the cost)."""
    sender = make_sender(name)
    try:
        gc.collect()
        before = rss_now()
        reset_peak()
        if direction == "upload":
            warm = StreamBody(file_chunks(path, 0, CHUNK), CHUNK)
            async with sender.stream("PUT", f"{url}/warm", {}, warm, TIMEOUTS) as answer:
                await answer.aread(64)
        else:
            async with sender.stream("GET", f"{url}/{CHUNK}", {}, b"", TIMEOUTS) as answer:
                async for _chunk in answer.aiter_bytes():
                    pass
        started = time.perf_counter()
        if direction == "upload":
            await upload(sender, url, path)
        else:
            await download(sender, url)
        seconds = time.perf_counter() - started
        return (rss_peak() - before) / MiB, FILE_SIZE / MB / seconds
    finally:
        await sender.close()


def one(name: str, backend: str, direction: str, url: str, path: str) -> None:
    """In a process of its own: one transfer, its figures on stdout."""
    growth, speed = anyio.run(measure, name, direction, url, Path(path), backend=backend)
    print(f"{growth} {speed}")


def main() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "attachment.bin"
            with path.open("wb") as file:
                for _ in range(FILE_SIZE // MB):
                    file.write(os.urandom(MB))
            print(
                f"{FILE_SIZE // MB} MB file ({PART_SIZE // MB} MB and "
                f"{(FILE_SIZE - PART_SIZE) // MB} MB parts sent at once), {CHUNK // 1024} KiB "
                "chunks: peak RSS growth of the process during the transfer, and throughput"
            )
            for name, backend in (("http1", "asyncio"), ("httpx", "asyncio"), ("httpx", "trio")):
                line = f"  {name:5} on {backend:7}"
                for direction in ("upload", "download"):
                    output = subprocess.run(
                        [sys.executable, __file__, "--one", name, backend, direction, url, str(path)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    growth, speed = map(float, output.split())
                    line += f"   {direction} {growth:5.1f} MiB ({speed:4.0f} MB/s)"
                print(line)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    if not Path("/proc/self/clear_refs").exists():
        sys.exit("needs Linux (/proc/self/clear_refs resets the peak RSS)")
    if sys.argv[1:2] == ["--one"]:
        one(*sys.argv[2:7])
    else:
        main()
