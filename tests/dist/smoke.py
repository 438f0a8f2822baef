"""The smoke test of an installed awsmith wheel, run by ``make dist`` with the Python of
a fresh virtual environment that holds the wheel and its runtime dependencies only.

Run it as ``python -I tests/dist/smoke.py`` from outside the repository: it imports
nothing but the standard library and awsmith, so it proves that the wheel alone is a
working package. A stub server in this process (``http.server`` in a thread, on
127.0.0.1) answers three calls: one per client, and one modeled error. Each request is
checked as it arrived on the wire (method, path, query, target, body, SigV4
credential scope), each answer as awsmith parsed it. Exits non-zero, saying what
differed, on the first mismatch.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import sys
import sysconfig
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ACCESS_KEY = "AKIDSMOKETEST"
REGION = "us-east-1"


@dataclass(frozen=True)
class Seen:
    """One request as the stub server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: dict[str, object]


#: The stub's answers, by (method, path without query, X-Amz-Target or "").
ANSWERS = {
    ("POST", "/", "AWSSupport_20130415.DescribeServices"): Answer(
        200,
        "application/x-amz-json-1.1",
        {"services": [{"code": "amazon-ec2", "name": "EC2", "categories": [
            {"code": "other", "name": "Other"}]}]},
    ),
    ("GET", "/profilingGroups", ""): Answer(
        200, "application/json", {"profilingGroupNames": ["smoke-group"], "nextToken": "t2"}
    ),
    ("GET", "/profilingGroups/missing", ""): Answer(
        404, "application/json",
        {"__type": "ResourceNotFoundException", "message": "no profiling group 'missing'"},
    ),
}


@dataclass
class Stub:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stub: Stub

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.stub.seen.append(Seen(self.command, self.path, headers, body))
        key = (self.command, self.path.split("?")[0], headers.get("x-amz-target", ""))
        answer = ANSWERS.get(key, Answer(500, "application/json", {"message": f"no stub for {key}"}))
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", f"smoke-{len(self.stub.seen)}")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the checks below say what went wrong."""


@contextmanager
def stub_server() -> Iterator[Stub]:
    stub = Stub()
    handler = type("Handler", (_Handler,), {"stub": stub})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="smoke-stub")
    thread.start()
    try:
        stub.url = f"http://127.0.0.1:{server.server_address[1]}"
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        sys.exit(f"smoke test: {what}: expected {expected!r}, got {actual!r}")


def check_installed() -> None:
    """awsmith comes from the environment's site-packages, typed, with its license."""
    import awsmith

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    package = Path(awsmith.__file__).resolve().parent
    expect("awsmith imported from", package.parent, site)
    expect("py.typed shipped", (package / "py.typed").is_file(), True)
    distribution = metadata.distribution("awsmith")
    expect("version", awsmith.__version__, distribution.version)
    expect("License-Expression", distribution.metadata["License-Expression"], "Apache-2.0")
    expect("License-File", distribution.metadata.get_all("License-File"), ["LICENSE"])
    license_text = distribution.read_text("licenses/LICENSE") or ""
    expect("license text", license_text.split("\n")[1].strip(), "Apache License")


def check_signed(seen: Seen, service: str) -> None:
    authorization = seen.headers.get("authorization", "")
    date = seen.headers.get("x-amz-date", "")[:8]
    scope = f"Credential={ACCESS_KEY}/{date}/{REGION}/{service}/aws4_request,"
    expect(f"{service} signature algorithm", authorization.split(" ")[0], "AWS4-HMAC-SHA256")
    expect(f"{service} credential scope", authorization.split(" ")[1], scope)


async def calls(url: str) -> None:
    import awsmith
    from awsmith.codeguruprofiler import CodeGuruProfilerClient
    from awsmith.codeguruprofiler.errors import ResourceNotFoundException
    from awsmith.support import SupportClient

    credentials = awsmith.Credentials(access_key_id=ACCESS_KEY, secret_access_key="secret")
    config = awsmith.Config(max_attempts=1)
    async with SupportClient(
        region=REGION, endpoint_url=url, credentials=credentials, config=config
    ) as support:
        services = await support.describe_services(language="en")
    service = (services.services or [])[0]
    expect("DescribeServices", (service.code, service.name), ("amazon-ec2", "EC2"))
    expect("category", [(c.code, c.name) for c in service.categories or []], [("other", "Other")])
    expect("request id", services.response_metadata.request_id, "smoke-1")

    async with CodeGuruProfilerClient(
        region=REGION, endpoint_url=url, credentials=credentials, config=config
    ) as profiler:
        groups = await profiler.list_profiling_groups(max_results=2)
        expect("ListProfilingGroups", (groups.profiling_group_names, groups.next_token),
               (["smoke-group"], "t2"))
        try:
            await profiler.describe_profiling_group(profiling_group_name="missing")
        except ResourceNotFoundException as error:
            expect("error", (error.code, error.message, error.status_code),
                   ("ResourceNotFoundException", "no profiling group 'missing'", 404))
        else:
            sys.exit("smoke test: DescribeProfilingGroup('missing') raised nothing")


def main() -> None:
    check_installed()
    with stub_server() as stub:
        asyncio.run(calls(stub.url))
    expect("requests", len(stub.seen), 3)
    support, groups, missing = stub.seen
    expect("DescribeServices request", (support.method, support.path, json.loads(support.body)),
           ("POST", "/", {"language": "en"}))
    expect("DescribeServices content type", support.headers.get("content-type"),
           "application/x-amz-json-1.1")
    check_signed(support, "support")
    expect("ListProfilingGroups request", (groups.method, groups.path, groups.body),
           ("GET", "/profilingGroups?maxResults=2", b""))
    check_signed(groups, "codeguru-profiler")
    expect("DescribeProfilingGroup request", (missing.method, missing.path),
           ("GET", "/profilingGroups/missing"))
    print(f"smoke test: awsmith {metadata.version('awsmith')} from {sysconfig.get_paths()['purelib']}"
          f" on Python {sys.version.split()[0]}: 3 calls, both clients, as expected")


if __name__ == "__main__":
    main()
