"""``python -m awsmith.testing.codeguruprofiler``: the server from a shell, in a
subprocess as a user runs it: its one line, the port asked for, the keys given, and a
clean exit (status 0, the port closed) on Ctrl-C and on SIGTERM."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.testing.codeguruprofiler import codeguruprofiler_server
from awsmith.testing.moto_server import free_port

pytestmark = [pytest.mark.integration]

COMMAND = [sys.executable, "-m", "awsmith.testing.codeguruprofiler"]
LINE = re.compile(
    r"CodeGuru Profiler server at (http://127\.0\.0\.1:(\d+)) \(access key (\S+), region (\S+)\)\n"
)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started, killed if the test left them running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def first_line(process: subprocess.Popen[str]) -> re.Match[str]:
    assert process.stdout is not None
    line = process.stdout.readline()
    match = LINE.fullmatch(line)
    assert match is not None, (line, process.stderr.read() if process.poll() is not None else "")
    return match


def refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


async def create_group(url: str, key: str, secret: str, region: str = "us-east-1") -> str:
    credentials = awsmith.Credentials(access_key_id=key, secret_access_key=secret)
    async with CodeGuruProfilerClient(
        region=region,
        endpoint_url=url,
        credentials=credentials,
        config=awsmith.Config(max_attempts=1),
    ) as client:
        created = await client.create_profiling_group(profiling_group_name="from-cli")
    assert created.profiling_group.arn is not None
    return created.profiling_group.arn


@pytest.mark.anyio
@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
async def test_serves_on_the_port_asked_with_the_keys_given_until_interrupted(
    running: list[subprocess.Popen[str]], stop_with: signal.Signals
) -> None:
    port = free_port()
    process = start(
        "--port", str(port), "--access-key", "AKIACLI0000000000000", "--secret-key", "cli-secret",
        "--region", "eu-west-1",
    )
    running.append(process)
    match = first_line(process)
    assert match.groups() == (
        f"http://127.0.0.1:{port}", str(port), "AKIACLI0000000000000", "eu-west-1"
    )
    arn = await create_group(match[1], "AKIACLI0000000000000", "cli-secret", "eu-west-1")
    assert arn == "arn:aws:codeguru-profiler:eu-west-1:123456789012:profilingGroup/from-cli"
    with pytest.raises(awsmith.ServiceError) as caught:
        await create_group(
            match[1], "AKIASTUBCODEGURU0000", "codeguru-stub-fake-secret-access-key", "eu-west-1"
        )
    assert caught.value.code == "UnrecognizedClientException"

    process.send_signal(stop_with)
    out, err = process.communicate(timeout=30)
    assert (process.returncode, out, err) == (0, "stopped\n", "")
    assert refused(port)


def test_port_zero_picks_a_free_port(running: list[subprocess.Popen[str]]) -> None:
    process = start()
    running.append(process)
    port = int(first_line(process)[2])
    assert port > 0 and not refused(port)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0


def test_a_taken_port_exits_1_saying_so() -> None:
    with codeguruprofiler_server() as taken:
        result = subprocess.run(
            [*COMMAND, "--port", str(taken.port)], capture_output=True, text=True, timeout=60
        )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(
        f"error: the CodeGuru Profiler server did not start on 127.0.0.1:{taken.port}: "
    )


def test_a_port_out_of_range_is_a_usage_error() -> None:
    result = subprocess.run(
        [*COMMAND, "--port", "65536"], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith(
        "python -m awsmith.testing.codeguruprofiler: error: --port must be from 0 to 65535, "
        "got 65536\n"
    )
