"""The examples in examples/ run against local servers and do what they say.

Each example runs as a subprocess (as a user would run it) against moto's server (AWS
Support) or the in-memory CodeGuru Profiler stub, with fake credentials from the
environment; the tests check the exit status, what was printed and what the server
holds afterwards. The parts that need failures moto cannot produce (a 503 in the middle
of following a case, several pages) are run in-process against scripted responses.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith.support import SupportClient
from awsmith.support.errors import CaseIdNotFound
from devservers import codeguru_stub, moto_server, support_attachments

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CASE_ID = r"case-12345678910-2020-\w{16}"
FAKE = awsmith.Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="example-secret")


def example_env(tmp_path: Path, access_key_id: str, secret_access_key: str) -> dict[str, str]:
    """The environment of an example run: fake keys, and no AWS files or settings of the
    machine running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=access_key_id,
        AWS_SECRET_ACCESS_KEY=secret_access_key,
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def run_example(
    script: str, *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load_example(name: str) -> ModuleType:
    """Imports examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def moto() -> Iterator[moto_server.MotoServer]:
    with moto_server.moto_server() as server:
        yield server


@pytest.fixture
def fresh_moto(moto: moto_server.MotoServer) -> moto_server.MotoServer:
    moto.reset()
    return moto


@pytest.fixture
def moto_env(tmp_path: Path) -> dict[str, str]:
    return example_env(tmp_path, moto_server.FAKE_ACCESS_KEY_ID, moto_server.FAKE_SECRET_ACCESS_KEY)


def moto_client(server: moto_server.MotoServer) -> SupportClient:
    return SupportClient(
        region="us-east-1",
        endpoint_url=server.endpoint_url,
        credentials=awsmith.Credentials(
            access_key_id=moto_server.FAKE_ACCESS_KEY_ID,
            secret_access_key=moto_server.FAKE_SECRET_ACCESS_KEY,
        ),
    )


async def _describe(server: moto_server.MotoServer) -> list[tuple[str, str, str]]:
    async with moto_client(server) as support:
        page = await support.describe_cases(
            include_resolved_cases=True, include_communications=True
        )
    cases = page.cases or []
    result = []
    for case in cases:
        assert case.case_id and case.subject is not None
        recent = case.recent_communications
        bodies = [c.body or "" for c in (recent.communications or [])] if recent else []
        result.append((case.case_id, case.subject, "|".join(bodies)))
    return result


def cases_in(server: moto_server.MotoServer) -> list[tuple[str, str, str]]:
    """(case id, subject, communication bodies) of every case moto holds, in order."""
    return anyio.run(_describe, server)


async def _seed(server: moto_server.MotoServer, subjects: list[str]) -> list[str]:
    ids = []
    async with moto_client(server) as support:
        for subject in subjects:
            created = await support.create_case(
                subject=subject, communication_body=f"about {subject}"
            )
            assert created.case_id is not None
            ids.append(created.case_id)
    return ids


def seed_cases(server: moto_server.MotoServer, subjects: list[str]) -> list[str]:
    return anyio.run(_seed, server, subjects)


# --------------------------------------------------------------------------- alert service

ALERTS = "\n".join(
    json.dumps(alert)
    for alert in (
        {
            "id": "cpu-42",
            "title": "CPU at 100% on web-1",
            "severity": "critical",
            "description": "web-1 has been at 100% CPU for 15 minutes",
        },
        {"id": "disk-7", "title": "Disk almost full", "description": "db-2: /var at 97%"},
        {"id": "cpu-42", "title": "CPU at 100% on web-1", "description": "fired again"},
    )
)


def test_alert_service_opens_one_case_per_alert_and_follows_it_until_resolved(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str]
) -> None:
    result = run_example(
        "support_alert_service.py",
        "--endpoint-url", fresh_moto.endpoint_url,
        "--region", "us-east-1",
        "--poll-interval", "0.01",
        env=moto_env,
        stdin=ALERTS,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "[cpu-42] duplicate alert ignored"
    opened = {
        m.group(1): m.group(2)
        for line in lines
        if (m := re.fullmatch(rf"\[([\w-]+)\] opened case ({CASE_ID}) \(severity \w+\): .*", line))
    }
    assert set(opened) == {"cpu-42", "disk-7"}
    assert (
        f"[cpu-42] opened case {opened['cpu-42']} (severity urgent): [CRITICAL] CPU at 100% on web-1"
        in lines
    )
    assert (
        f"[disk-7] opened case {opened['disk-7']} (severity normal): [WARNING] Disk almost full"
        in lines
    )
    for alert_id in ("cpu-42", "disk-7"):
        # moto moves a case one status along on every DescribeCases; the service reports
        # each change and stops at "resolved".
        statuses = [
            line.rsplit(" ", 1)[1]
            for line in lines
            if line.startswith(f"[{alert_id}] poll ") and ": case status " in line
        ]
        assert statuses == ["pending-customer-action", "reopened", "resolved"]
        assert (
            f"[{alert_id}] case {opened[alert_id]} resolved after 3 polls, 1 communications"
            in lines
        )
        communications = [
            line for line in lines if line.startswith(f"[{alert_id}] communication from")
        ]
        assert len(communications) == 1  # seen once, not once per poll
    assert re.search(
        r"^\[cpu-42\] communication from moto@moto\.com at \S+: Alert cpu-42 \(critical\): "
        r"CPU at 100% on web-1  web-1 has been at 100% CPU for 15 minutes$",
        result.stdout,
        re.M,
    )
    assert lines[-1] == "2 cases followed: 2 resolved, 0 still open"

    cases = {case_id: (subject, body) for case_id, subject, body in cases_in(fresh_moto)}
    assert cases == {
        opened["cpu-42"]: (
            "[CRITICAL] CPU at 100% on web-1",
            "Alert cpu-42 (critical): CPU at 100% on web-1\n\n"
            "web-1 has been at 100% CPU for 15 minutes",
        ),
        opened["disk-7"]: (
            "[WARNING] Disk almost full",
            "Alert disk-7 (warning): Disk almost full\n\ndb-2: /var at 97%",
        ),
    }


def test_alert_service_stops_following_after_max_polls(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str], tmp_path: Path
) -> None:
    alert_file = tmp_path / "alerts.json"
    alert_file.write_text(
        json.dumps(
            [{"id": "latency", "title": "p99 > 2 s", "severity": "info", "description": "api"}]
        )
    )
    result = run_example(
        "support_alert_service.py",
        "--alert", str(alert_file),
        "--endpoint-url", fresh_moto.endpoint_url,
        "--region", "us-east-1",
        "--poll-interval", "0.01",
        "--max-polls", "2",
        env=moto_env,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    lines = result.stdout.splitlines()
    case_id = re.fullmatch(
        rf"\[latency\] opened case ({CASE_ID}) \(severity low\): \[INFO\] p99 > 2 s", lines[0]
    )
    assert case_id is not None
    assert (
        f"[latency] case {case_id.group(1)} still reopened after 2 polls; stopped following it"
        in lines
    )
    assert lines[-1] == "1 cases followed: 0 resolved, 1 still open"


@pytest.mark.parametrize(
    ("alert", "message"),
    [
        (
            '{"id": "x", "title": "t"}',
            "error: alert field 'description' must be a non-empty string",
        ),
        (
            '{"id": "x", "title": "t", "description": "d", "severity": "sev1"}',
            "error: alert 'x': severity 'sev1' is not one of critical, error, warning, info",
        ),
        (
            "not json\n",
            "error: alerts are not JSON or JSON Lines: Expecting value: line 1 column 1 (char 0)",
        ),
        ("", "error: no alert given"),
    ],
)
def test_alert_service_rejects_a_bad_alert_before_opening_anything(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str], alert: str, message: str
) -> None:
    result = run_example(
        "support_alert_service.py",
        "--endpoint-url", fresh_moto.endpoint_url,
        "--region", "us-east-1",
        env=moto_env,
        stdin=alert,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert result.stdout == ""
    assert cases_in(fresh_moto) == []


def test_alert_service_reports_an_unreachable_endpoint_and_exits_1(tmp_path: Path) -> None:
    # Nothing listens on this port: the first request fails to connect.
    env = example_env(tmp_path, "AKIDEXAMPLE", "secret")
    dead = f"http://127.0.0.1:{moto_server.free_port()}"
    result = run_example(
        "support_alert_service.py",
        "--endpoint-url", dead,
        "--region", "us-east-1",
        "--max-attempts", "1",
        env=env,
        stdin='{"id": "a", "title": "t", "description": "d"}',
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("error: ConnectionFailedError: ")
    assert result.stdout == ""


Handler = Callable[[httpx.Request], httpx.Response]


def scripted(responses: list[httpx.Response], seen: list[dict[str, Any]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append({"target": request.headers["X-Amz-Target"], **json.loads(request.content)})
        return responses.pop(0)

    return handler


def case_page(status: str, *communications: tuple[str, str]) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "cases": [
                {
                    "caseId": "case-1",
                    "status": status,
                    "recentCommunications": {
                        "communications": [
                            {
                                "caseId": "case-1",
                                "body": body,
                                "submittedBy": who,
                                "timeCreated": when,
                            }
                            for when, (who, body) in zip(
                                ("2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"),
                                communications,
                                strict=False,
                            )
                        ]
                    },
                }
            ]
        },
    )


async def follow_scripted(
    responses: list[httpx.Response],
) -> tuple[Any, list[str], list[dict[str, Any]]]:
    module = load_example("support_alert_service")
    seen: list[dict[str, Any]] = []
    lines: list[str] = []
    transport = httpx.MockTransport(scripted(responses, seen))
    async with (
        httpx.AsyncClient(transport=transport) as http,
        SupportClient(
            region="us-east-1",
            credentials=FAKE,
            http_client=http,
            config=awsmith.Config(max_attempts=1),
        ) as support,
    ):
        service = module.AlertService(
            support, poll_interval=0.001, max_interval=0.002, max_polls=5, out=lines.append
        )
        alert = module.Alert(id="a1", title="t", description="d")
        result = await service.follow(alert, "case-1")
    return result, lines, seen


@pytest.mark.anyio
async def test_alert_service_polls_through_a_transient_error_and_prints_each_communication_once() -> (
    None
):
    result, lines, seen = await follow_scripted(
        [
            case_page("opened", ("ops@example.com", "first")),
            httpx.Response(503, json={"__type": "ServiceUnavailable", "message": "try later"}),
            case_page("work-in-progress", ("ops@example.com", "first"), ("aws", "looking")),
            case_page("resolved", ("ops@example.com", "first"), ("aws", "looking")),
        ]
    )
    assert lines == [
        "[a1] communication from ops@example.com at 2024-05-01T10:00:00Z: first",
        "[a1] poll 1: case status opened",
        "[a1] poll 2: transient error, will retry: ServiceUnavailable (HTTP 503) when calling "
        "the DescribeCases operation: try later",
        "[a1] communication from aws at 2024-05-01T11:00:00Z: looking",
        "[a1] poll 3: case status work-in-progress",
        "[a1] poll 4: case status resolved",
        "[a1] case case-1 resolved after 4 polls, 2 communications",
    ]
    assert result.resolved is True
    assert [c.body for c in result.communications] == ["first", "looking"]
    assert seen[0] == {
        "target": "AWSSupport_20130415.DescribeCases",
        "caseIdList": ["case-1"],
        "includeCommunications": True,
        "includeResolvedCases": True,
        "language": "en",
    }
    assert len(seen) == 4


@pytest.mark.anyio
async def test_alert_service_stops_on_an_error_that_is_not_transient() -> None:
    with pytest.raises(
        CaseIdNotFound,
        match=r"^CaseIdNotFound \(HTTP 400\) when calling the DescribeCases operation: gone$",
    ):
        await follow_scripted(
            [
                case_page("opened"),
                httpx.Response(400, json={"__type": "CaseIdNotFound", "message": "gone"}),
                case_page("resolved"),
            ]
        )


# --------------------------------------------------------------------------- export


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_one_json_line_per_case(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str], tmp_path: Path
) -> None:
    subjects = [f"case number {i}" for i in range(7)]
    ids = seed_cases(fresh_moto, subjects)
    output = tmp_path / "cases.jsonl"
    result = run_example(
        "export_cases.py",
        "--endpoint-url", fresh_moto.endpoint_url,
        "--region", "us-east-1",
        "--page-size", "10",
        "--output", str(output),
        env=moto_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = read_jsonl(output)
    assert [r["case_id"] for r in records] == ids
    assert [r["subject"] for r in records] == subjects
    assert all(r["status"] == "pending-customer-action" for r in records)  # one step from "opened"
    assert all("recent_communications" not in r for r in records)
    # tqdm's frames (separated by \r even on a pipe): the empty bar, one per page, the
    # final redraw on close, then the summary.
    frames = tqdm_frames(result.stderr)
    assert len(frames) == 4, frames
    assert frames[0] == "0 cases [00:00, ? cases/s]"
    for frame in frames[1:3]:
        assert re.fullmatch(rf"7 cases \[{ELAPSED_RATE}, 1 page\]", frame), frame
    assert frames[3] == "exported 7 cases in 1 page"
    assert result.stdout == ""


#: tqdm's elapsed time and rate: it pads a rate under 10 with a space (" 9.85 cases/s"),
#: scales a large one ("1.2k cases/s") and turns one under 1/s round ("1.52s/cases"). A
#: loaded machine makes any of them, so the tests take them all.
ELAPSED_RATE = r"\d\d:\d\d, (?: *[\d.]+[kMG]? cases/s| *[\d.]+s/cases)"


def tqdm_frames(text: str) -> list[str]:
    """What tqdm drew, one frame each (it separates them by \\r), and the lines after."""
    return [frame.strip() for frame in re.split(r"[\r\n]", text) if frame.strip()]


def test_export_max_items_then_resume_writes_every_case_once(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed_cases(fresh_moto, [f"s{i}" for i in range(5)])
    output = tmp_path / "cases.jsonl"
    common = ["--endpoint-url", fresh_moto.endpoint_url, "--region", "us-east-1", "-o", str(output)]
    first = run_example("export_cases.py", *common, "--max-items", "3", env=moto_env)
    assert first.returncode == 0, first.stderr
    assert [r["case_id"] for r in read_jsonl(output)] == ids[:3]
    lines = tqdm_frames(first.stderr)
    assert lines[0] == "0%|                              | 0/3 [00:00, ? cases/s]"
    assert re.fullmatch(rf"100%\|\S{{30}}\| 3/3 \[{ELAPSED_RATE}, 1 page\]", lines[-3])
    assert lines[-2] == "exported 3 cases in 1 page"
    resume = re.fullmatch(
        r"more cases remain; resume with --starting-token (\S+) --append", lines[-1]
    )
    assert resume is not None

    second = run_example(
        "export_cases.py", *common, "--starting-token", resume.group(1), "--append", env=moto_env
    )
    assert second.returncode == 0, second.stderr
    assert [r["case_id"] for r in read_jsonl(output)] == ids
    assert second.stderr.splitlines()[-1] == "exported 2 cases in 1 page"


def test_export_reports_a_rejected_page_size(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_example(
        "export_cases.py",
        "--endpoint-url", fresh_moto.endpoint_url,
        "--region", "us-east-1",
        "--page-size", "5",
        "-o", str(tmp_path / "out.jsonl"),
        env=moto_env,
    )  # fmt: skip
    assert result.returncode == 1
    # tqdm draws its empty bar, and again when it is closed, before the error.
    assert tqdm_frames(result.stderr) == [
        "0 cases [00:00, ? cases/s]",
        "0 cases [00:00, ? cases/s]",
        "error: ParamValidationError: Invalid value for 'max_results': 5 is less than the minimum 10 "
        "(when calling the DescribeCases operation)",
    ]


@pytest.mark.anyio
async def test_export_follows_every_page_and_draws_progress_per_page() -> None:
    module = load_example("export_cases")
    pages = {
        None: (["c1", "c2", "c3"], "t2"),
        "t2": (["c4", "c5", "c6"], "t3"),
        "t3": (["c7"], None),
    }
    tokens: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        tokens.append(body.get("nextToken"))
        assert body["maxResults"] == 10 and body["includeResolvedCases"] is True
        ids, next_token = pages[body.get("nextToken")]
        answer: dict[str, Any] = {"cases": [{"caseId": i, "status": "opened"} for i in ids]}
        if next_token:
            answer["nextToken"] = next_token
        return httpx.Response(200, json=answer)

    out, err = io.StringIO(), io.StringIO()
    transport = httpx.MockTransport(handler)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        SupportClient(region="us-east-1", credentials=FAKE, http_client=http) as support,
    ):
        resume = await module.export(support, out, module.progress_bar(err), page_size=10)
    assert resume is None
    assert tokens == [None, "t2", "t3"]
    assert [json.loads(line) for line in out.getvalue().splitlines()] == [
        {"case_id": f"c{i}", "status": "opened"} for i in range(1, 8)
    ]
    frames = [
        re.sub(rf"\[{ELAPSED_RATE}", "[rate", f) for f in tqdm_frames(err.getvalue())
    ]
    assert frames == [
        "0 cases [00:00, ? cases/s]",
        "3 cases [rate, 1 page]",
        "6 cases [rate, 2 pages]",
        "7 cases [rate, 3 pages]",
        "exported 7 cases in 3 pages",
    ]


# --------------------------------------------------------------------------- tracing


def test_trace_export_prints_the_request_id_of_every_call(
    fresh_moto: moto_server.MotoServer, moto_env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed_cases(fresh_moto, ["one", "two", "three"])
    output = tmp_path / "cases.jsonl"
    result = run_example(
        "trace_export.py",
        "--endpoint-url", fresh_moto.endpoint_url,
        "--region", "us-east-1",
        "--output", str(output),
        env=moto_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [r["case_id"] for r in read_jsonl(output)] == ids
    page = re.fullmatch(r"page 1: 3 cases, request id (\S+), 1 attempt\(s\)\n", result.stderr)
    assert page is not None, result.stderr
    request_id = page.group(1)
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert re.fullmatch(r"trace [0-9a-f]{32}: export-cases, 3 cases, 1 calls", lines[0])
    assert lines[1] == f"  Support.DescribeCases request id {request_id} HTTP 200, 0 retries, UNSET"


@pytest.mark.anyio
async def test_trace_export_traces_every_page_and_retry_under_one_trace() -> None:
    module = load_example("trace_export")
    pages = {
        None: (["c1", "c2"], "t2", "rid-1"),
        "t2": (["c3"], "t3", "rid-2"),
        "t3": (["c4"], None, "rid-3"),
    }
    busy = {"first": True}

    def handler(request: httpx.Request) -> httpx.Response:
        token = json.loads(request.content).get("nextToken")
        if token == "t2" and busy["first"]:
            busy["first"] = False
            return httpx.Response(
                503, json={"__type": "ServiceUnavailable"}, headers={"x-amzn-RequestId": "busy-1"}
            )
        ids, next_token, request_id = pages[token]
        answer: dict[str, Any] = {"cases": [{"caseId": i, "subject": i.upper()} for i in ids]}
        if next_token:
            answer["nextToken"] = next_token
        return httpx.Response(200, json=answer, headers={"x-amzn-RequestId": request_id})

    provider, exporter = module.tracer_provider()
    out = io.StringIO()
    err = io.StringIO()
    config = awsmith.Config(base_backoff=0.001, max_backoff=0.002)
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
        SupportClient(
            region="us-east-1",
            credentials=FAKE,
            http_client=http,
            config=config,
            interceptors=[module.OpenTelemetryInterceptor(tracer_provider=provider)],
        ) as support,
    ):
        with contextlib.redirect_stderr(err):
            count = await module.export(support, out, provider.get_tracer("t"), page_size=10)
    assert count == 4
    assert err.getvalue().splitlines() == [
        "page 1: 2 cases, request id rid-1, 1 attempt(s)",
        "page 2: 1 cases, request id rid-2, 2 attempt(s)",
        "page 3: 1 cases, request id rid-3, 1 attempt(s)",
    ]
    lines = module.summary(exporter.get_finished_spans())
    assert re.fullmatch(r"trace [0-9a-f]{32}: export-cases, 4 cases, 3 calls", lines[0])
    assert lines[1:] == [
        "  Support.DescribeCases request id rid-1 HTTP 200, 0 retries, UNSET",
        "  Support.DescribeCases request id rid-2 HTTP 200, 1 retries, UNSET",
        "  Support.DescribeCases request id rid-3 HTTP 200, 0 retries, UNSET",
    ]


# --------------------------------------------------------------------------- CodeGuru


@pytest.fixture
def stub() -> Iterator[codeguru_stub.CodeGuruStub]:
    with codeguru_stub.codeguru_stub() as server:
        yield server


@pytest.fixture
def stub_env(tmp_path: Path) -> dict[str, str]:
    return example_env(
        tmp_path, codeguru_stub.FAKE_ACCESS_KEY_ID, codeguru_stub.FAKE_SECRET_ACCESS_KEY
    )


def test_codeguru_example_creates_group_uploads_profile_and_prints_recommendations(
    stub: codeguru_stub.CodeGuruStub, stub_env: dict[str, str], tmp_path: Path
) -> None:
    profile = tmp_path / "profile.json"
    body = json.dumps(
        {
            "callgraph": {
                "children": {"java.util.regex.Pattern.compile": {"counts": {"RUNNABLE": 9}}}
            }
        }
    ).encode()
    profile.write_bytes(body)
    args = [
        "--endpoint-url", stub.endpoint_url,
        "--region", "us-east-1",
        "--group", "checkout-service",
        "--agent-profile", str(profile),
        "--tag", "team=payments",
    ]  # fmt: skip
    result = run_example("codeguru_profile_upload.py", *args, env=stub_env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "created profiling group 'checkout-service'",
        "  arn: arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/checkout-service",
        "  compute platform: Default",
        f"uploaded agent profile: {len(body)} bytes (application/json)",
    ]
    assert lines[4] == "aggregated profiles in the last 1h: 1"
    assert re.fullmatch(r"  \d{4}-\d\d-\d\dT\d\d:\d[05]:00\+00:00", lines[5])
    assert lines[6:] == [
        "recommendations: 1",
        "- Regular expressions compiled on every call (matches: 1)",
        "  why: Pattern.compile runs on a hot path.",
        "  fix: Compile the pattern once and reuse it.",
    ]
    stored = stub.stored_profiles("checkout-service")
    assert [(p.body, p.content_type, p.content_encoding) for p in stored] == [
        (body, "application/json", None)
    ]
    assert [r.operation for r in stub.requests] == [
        "CreateProfilingGroup",
        "PostAgentProfile",
        "ListProfileTimes",
        "GetRecommendations",
    ]
    assert json.loads(stub.requests[0].body)["tags"] == {"team": "payments"}

    # A second run finds the group and reuses it; the gzipped sample profile is the
    # agent's usual upload and matches the logging pattern.
    again = run_example(
        "codeguru_profile_upload.py",
        "--endpoint-url", stub.endpoint_url,
        "--region", "us-east-1",
        "--group", "checkout-service",
        "--gzip",
        env=stub_env,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    out = again.stdout.splitlines()
    assert out[0] == "profiling group 'checkout-service' already exists; using it"
    assert re.fullmatch(r"uploaded agent profile: \d+ bytes \(application/json, gzip\)", out[3])
    assert "- Excessive time spent in logging (matches: 1)" in out
    assert "- Regular expressions compiled on every call (matches: 1)" in out
    stored = stub.stored_profiles("checkout-service")
    assert len(stored) == 2
    assert stored[1].body[:2] == b"\x1f\x8b" and stored[1].content_encoding == "gzip"
    assert [r.operation for r in stub.requests][4:6] == [
        "CreateProfilingGroup",
        "DescribeProfilingGroup",
    ]


def test_codeguru_example_reports_rejected_credentials(
    stub: codeguru_stub.CodeGuruStub, tmp_path: Path
) -> None:
    env = example_env(tmp_path, "AKIDUNKNOWN000000000", "wrong-secret")
    result = run_example(
        "codeguru_profile_upload.py",
        "--endpoint-url", stub.endpoint_url,
        "--region", "us-east-1",
        env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: CodeGuruProfilerError: UnrecognizedClientException (HTTP 403) when calling the "
        "CreateProfilingGroup operation: The security token included in the request is invalid."
    )
    assert stub.stored_profiles("awsmith-example") == []


# --------------------------------------------------------------------------- attachments


@pytest.fixture(scope="module")
def attachment_fake() -> Iterator[support_attachments.SupportAttachmentFake]:
    with support_attachments.support_attachment_fake(part_size=64 * 1024, processing_polls=0) as fake:
        yield fake


@pytest.fixture
def fake_env(tmp_path: Path) -> dict[str, str]:
    return example_env(
        tmp_path, support_attachments.FAKE_ACCESS_KEY_ID, support_attachments.FAKE_SECRET_ACCESS_KEY
    )


def test_attachment_example_draws_a_bar_and_attaches_the_file_to_a_new_case(
    attachment_fake: support_attachments.SupportAttachmentFake, fake_env: dict[str, str], tmp_path: Path
) -> None:
    data = os.urandom(5 * 64 * 1024 + 100)  # 6 parts
    path = tmp_path / "dump.tar.gz"
    path.write_bytes(data)
    result = run_example(
        "attachment_progress.py", str(path),
        "--subject", "Worker crash dump",
        "--concurrency", "2",
        "--endpoint-url", attachment_fake.support_url,
        "--region", "us-east-1",
        env=fake_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    upload = re.fullmatch(rf"uploaded {re.escape(str(path))} as (attachment-upload-\w+)", lines[0])
    case = re.fullmatch(rf"attached to case ({CASE_ID})", lines[1])
    assert upload is not None and case is not None, lines
    assert attachment_fake.stored(upload.group(1)) == data
    frames = tqdm_frames(result.stderr)
    assert frames[0] == "dump.tar.gz:   0%|                              | 0.00/320k [00:00]"
    assert re.fullmatch(r"dump\.tar\.gz: 100%\|\S{30}\| 320k/320k \[\d\d:\d\d\]", frames[-1])
    # at least one frame per part: the bar moves as the parts go
    assert len(frames) >= 1 + 6, frames
    assert "Attached: dump.tar.gz" in attachment_fake_case_bodies(attachment_fake, case.group(1))


def attachment_fake_case_bodies(fake: support_attachments.SupportAttachmentFake, case_id: str) -> list[str]:
    async def read() -> list[str]:
        async with SupportClient(
            region="us-east-1",
            endpoint_url=fake.support_url,
            credentials=awsmith.Credentials(
                access_key_id=support_attachments.FAKE_ACCESS_KEY_ID,
                secret_access_key=support_attachments.FAKE_SECRET_ACCESS_KEY,
            ),
        ) as support:
            found = await support.describe_communications(case_id=case_id)
        return [c.body or "" for c in found.communications or []]

    return anyio.run(read)


def test_attachment_example_reports_a_missing_file(
    attachment_fake: support_attachments.SupportAttachmentFake, fake_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.bin"
    result = run_example(
        "attachment_progress.py", str(missing),
        "--endpoint-url", attachment_fake.support_url,
        "--region", "us-east-1",
        env=fake_env,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: [Errno 2] No such file or directory: '{missing}'\n"


def test_attachment_example_follows_progress_back_on_a_retry() -> None:
    module = load_example("attachment_progress")
    err = io.StringIO()
    bar = module.progress_bar(err, "f.bin", 3 * 1024 * 1024)
    progress = module.follow(bar)
    for done in (0, 1024 * 1024, 2 * 1024 * 1024, 1024 * 1024, 3 * 1024 * 1024):
        progress(done, 3 * 1024 * 1024)
        assert bar.n == done
    bar.close()
    assert [frame.split("|")[0] for frame in tqdm_frames(err.getvalue())] == [
        "f.bin:   0%", "f.bin:  33%", "f.bin:  67%", "f.bin:  33%", "f.bin: 100%", "f.bin: 100%",
        # drawn: at the start, at each step (the one back too), and on close
    ]
