"""Nothing blocks the event loop: an audit hook (``sys.addaudithook``) records every
blocking operation Python reports (a file opened, ``time.sleep``, a name resolved, a
blocking socket connected, a process started, a directory listed) that happens on the
thread running the event loop while it runs, and any such event fails the test. Unlike a
slow-callback threshold this does not depend on how loaded the machine is: an open() on
the loop is reported however fast the disk answers.

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
import asyncio, json, socket, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode = sys.argv[1]

# Audit events that mean the calling thread waits on the OS (file system, DNS, a
# blocking socket, a child process, a sleep). Worker threads (anyio.to_thread,
# run_in_executor) may do all of this: only the thread running the loop is watched.
BLOCKING = {
    "open", "time.sleep", "os.listdir", "os.scandir", "glob.glob", "os.system",
    "subprocess.Popen", "os.exec", "os.posix_spawn", "os.fork",
    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
    "socket.getnameinfo", "socket.connect", "socket.sendto", "socket.sendmsg",
}
SOCKET_EVENTS = {"socket.connect", "socket.sendto", "socket.sendmsg"}
blocking = []
imported = []


def by_import_system():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def audit(event, args):
    if asyncio._get_running_loop() is None:
        return
    if event == "import":
        imported.append(args[0])
        return
    if event not in BLOCKING:
        return
    # a non-blocking socket (timeout 0.0: the loop's own) never waits
    if event in SOCKET_EVENTS and args[0].gettimeout() == 0.0:
        return
    # A module imported on first use reads its file (and lists its package's folder)
    # once per process; those imports are listed apart (botocore, which reads its data
    # files, must not be one of them; attrs is, when the first class is used).
    if event in ("open", "os.listdir", "os.scandir") and by_import_system():
        return
    blocking.append(f"{event} {args[0]!r}"[:200])


# Before anything of awsmith is imported; a hook cannot be removed, and it only reads.
sys.addaudithook(audit)

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
        # the control: a handler that blocks the loop, briefly (the hook reports it
        # however short it is)
        with open(__file__, "rb") as source:
            source.read(1)
        socket.getaddrinfo("127.0.0.1", 80)
    return httpx.Response(200, json={"services": []})


# The test's own setup stays off the loop: a caller's httpx client (its SSL context) and
# the server (its shutdown waits for the serving thread) are made outside it.
http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()


async def main():
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


calls = asyncio.run(main())
server.shutdown()
server.server_close()
print(json.dumps({"calls": calls, "blocking": blocking, "imported": imported}))
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
def test_no_blocking_io_on_the_loop_from_the_first_call_on(mode: str, tmp_path: Path) -> None:
    """MockTransport through a caller's httpx client, and the default sender against a
    local server (a stdlib one in a thread, so that only the client does I/O on the
    loop). The first call reads the config files, the credentials and botocore's data:
    all of it off the loop."""
    result = run_scenario(mode, tmp_path)
    assert result["calls"] == 5
    assert result["blocking"] == []
    imported = result["imported"]
    assert isinstance(imported, list)
    assert [m for m in imported if m.split(".")[0] in ("botocore", "httpx")] == []


def test_the_detector_sees_blocking_io_on_the_loop(tmp_path: Path) -> None:
    result = run_scenario("blocking", tmp_path)
    assert result["calls"] == 5
    blocking = result["blocking"]
    assert isinstance(blocking, list)
    # each of the five calls opened the script and resolved a name on the loop's thread
    assert sum(b.startswith("open ") and "scenario.py" in b for b in blocking) == 5
    assert sum(b.startswith("socket.getaddrinfo ") for b in blocking) == 5
