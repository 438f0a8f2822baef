"""Nothing blocks the event loop: calls run under asyncio debug mode with
``slow_callback_duration = 0.05`` and any "Executing ... took" warning fails the test.

Each scenario runs in a fresh interpreter, so the first call really is the first one of
the process: nothing imported, read or cached yet (region and endpoint rules, the
config files, the credential chain, the HTTP library).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import asyncio, json, logging, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

records = []


class Collect(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())


logging.getLogger("asyncio").addHandler(Collect())
logging.getLogger("asyncio").setLevel(logging.DEBUG)
mode = sys.argv[1]

# Importing awsmith does not import botocore (the client loads it itself) nor httpx
# (only a caller's client or trio needs it).
from awsmith.support import SupportClient  # noqa: E402

assert "botocore" not in sys.modules and "httpx" not in sys.modules, sorted(sys.modules)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"services": [{"code": "svc", "name": "Svc", "categories": []}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", "req")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


import httpx  # noqa: E402


def handler(request):
    if mode == "blocking":
        time.sleep(0.1)  # the control: a handler that blocks the loop
    return httpx.Response(200, json={"services": []})


# The test's own setup stays off the loop: a caller's httpx client (its SSL context) and
# the server (its shutdown waits for the serving thread) are made outside it.
http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()


async def main():
    loop = asyncio.get_running_loop()
    loop.slow_callback_duration = 0.05
    calls = 0
    if mode in ("mock", "blocking"):
        async with SupportClient(http_client=http) as client:
            for _ in range(5):
                await client.describe_services()
                calls += 1
        await http.aclose()
    else:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        client = SupportClient(endpoint_url=url)  # no async with: the first call prepares
        try:
            for _ in range(5):
                out = await client.describe_services()
                assert out.services[0].code == "svc"
                calls += 1
        finally:
            await client.close()
    return calls


calls = asyncio.run(main(), debug=True)
server.shutdown()
server.server_close()
print(json.dumps({"calls": calls, "slow": [r for r in records if "took" in r]}))
"""


def run_scenario(mode: str, tmp_path: Path) -> dict[str, object]:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTO_"))}
    env.update(
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONASYNCIODEBUG="1",
    )
    script = tmp_path / "scenario.py"
    script.write_text(SCRIPT)
    run = subprocess.run(
        [sys.executable, str(script), mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize("mode", ["mock", "default"])
def test_no_slow_callbacks_from_the_first_call_on(mode: str, tmp_path: Path) -> None:
    """MockTransport through a caller's httpx client, and the default sender against a
    local server (a stdlib one in a thread, so that only the client does I/O on the
    loop)."""
    assert run_scenario(mode, tmp_path) == {"calls": 5, "slow": []}


def test_the_detector_sees_a_blocking_callback(tmp_path: Path) -> None:
    result = run_scenario("blocking", tmp_path)
    assert result["calls"] == 5
    slow = result["slow"]
    assert isinstance(slow, list) and len(slow) >= 1
    assert all(s.startswith("Executing <") and " took " in s for s in slow)
