"""A loopback stub of both services for the benchmarks, run in its own process.

It answers as fast as it can with fixed, realistic bodies so that what the benchmark
measures is the client. Usage: ``python benchmarks/stub_server.py PORT``.
"""

from __future__ import annotations

import json
import sys

from aiohttp import web

N_CASES = 10


def describe_cases_body() -> bytes:
    cases = []
    for i in range(N_CASES):
        cases.append(
            {
                "caseId": f"case-12345678910-2013-c4c1d2bf33c5cf4{i}",
                "displayId": f"10000000{i}",
                "subject": "EC2 instance i-0abc unreachable after maintenance",
                "status": "opened",
                "serviceCode": "amazon-elastic-compute-cloud-linux",
                "categoryCode": "instance-issue",
                "severityCode": "high",
                "submittedBy": "ops@example.com",
                "timeCreated": "2026-11-20T08:15:00.123Z",
                "ccEmailAddresses": ["oncall@example.com", "lead@example.com"],
                "language": "en",
                "recentCommunications": {
                    "communications": [
                        {
                            "caseId": f"case-12345678910-2013-c4c1d2bf33c5cf4{i}",
                            "body": "We are looking into this. " * 8,
                            "submittedBy": "Amazon Web Services",
                            "timeCreated": "2026-11-20T09:00:00.000Z",
                            "attachmentSet": [
                                {"attachmentId": "attachment-1", "fileName": "trace.txt"}
                            ],
                        }
                    ],
                    "nextToken": "abc",
                },
            }
        )
    return json.dumps({"cases": cases}).encode()


def profile_times_body() -> bytes:
    times = [{"start": f"2026-11-20T{h:02d}:00:00Z"} for h in range(24)]
    return json.dumps({"profileTimes": times}).encode()


DESCRIBE_CASES = describe_cases_body()
PROFILE_TIMES = profile_times_body()
PROFILE_10MB = bytes(range(256)) * (10 * 1024 * 1024 // 256)
JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "bench-1"}


def paginated_cases(token: str | None, page_size: int, total: int) -> bytes:
    start = int(token) if token else 0
    end = min(total, start + page_size)
    cases = [{"caseId": f"case-{i}", "subject": "s", "status": "opened"} for i in range(start, end)]
    out: dict[str, object] = {"cases": cases}
    if end < total:
        out["nextToken"] = str(end)
    return json.dumps(out).encode()


async def json_rpc(request: web.Request) -> web.Response:
    body = await request.read()
    target = request.headers.get("X-Amz-Target", "")
    if target.endswith("DescribeCases"):
        params = json.loads(body or b"{}")
        display_id = str(params.get("displayId", ""))
        if "maxResults" in params and display_id.startswith("paginate-"):
            total = int(display_id.removeprefix("paginate-"))
            data = paginated_cases(params.get("nextToken"), params["maxResults"], total)
            return web.Response(body=data, headers=JSON_HEADERS)
        return web.Response(body=DESCRIBE_CASES, headers=JSON_HEADERS)
    return web.Response(status=400, body=b'{"__type":"UnknownOperation"}', headers=JSON_HEADERS)


async def profile_times(request: web.Request) -> web.Response:
    return web.Response(
        body=PROFILE_TIMES,
        headers={"Content-Type": "application/json", "x-amzn-RequestId": "bench-2"},
    )


async def agent_profile(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=204, headers={"x-amzn-RequestId": "bench-3"})


async def get_profile(request: web.Request) -> web.Response:
    return web.Response(
        body=PROFILE_10MB,
        headers={"Content-Type": "application/octet-stream", "x-amzn-RequestId": "bench-4"},
    )


def make_app() -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/", json_rpc)
    app.router.add_get("/profilingGroups/{name}/profileTimes", profile_times)
    app.router.add_post("/profilingGroups/{name}/agentProfile", agent_profile)
    app.router.add_get("/profilingGroups/{name}/profile", get_profile)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
