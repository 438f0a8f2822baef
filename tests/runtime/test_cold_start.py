"""What a script's first call loads (issue 15): no botocore, no anyio and no httpx under
asyncio with explicit credentials and an endpoint; only the shapes the call uses are
finished as attrs classes; importing awsmith imports no attrs at all. Each check runs in
a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import asyncio, json, sys
import awsmith
from awsmith.support import SupportClient, shapes

BODY = json.dumps({"cases": [{"caseId": "case-1", "recentCommunications": {
    "communications": [{"body": "hi", "attachmentSet": [{"fileName": "a.txt"}]}]}}]}).encode()

async def answer(reader, writer):
    await reader.readuntil(b"\\r\\n\\r\\n")
    writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Type: application/x-amz-json-1.1\\r\\n"
                 b"x-amzn-RequestId: r-1\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(BODY) + BODY)
    await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        async with SupportClient(
            endpoint_url=f"http://127.0.0.1:{port}",
            credentials=awsmith.Credentials(access_key_id="AKIDCOLD", secret_access_key="s"),
        ) as client:
            page = await client.describe_cases({call_args})
    assert page.cases[0].recent_communications.communications[0].body == "hi"
    assert page.response_metadata.request_id == "r-1"

asyncio.run(main())
finished = sorted(
    name for name, c in vars(shapes).items()
    if isinstance(c, type) and c.__module__ == shapes.__name__ and "__attrs_props__" in vars(c)
)
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"botocore", "anyio", "httpx", "cattrs"})
print(json.dumps({"finished": finished, "loaded": loaded}))
"""


def run(tmp_path: Path, call_args: str) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_CONFIG_FILE": str(tmp_path / "absent-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "absent-credentials"),
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("{call_args}", call_args)],
        env=env, check=True, capture_output=True, text=True, timeout=120,
    ).stdout
    result: dict[str, list[str]] = json.loads(out)
    return result


def test_a_first_call_loads_no_botocore_anyio_httpx_or_cattrs(tmp_path: Path) -> None:
    assert run(tmp_path, "")["loaded"] == []


def test_only_the_shapes_a_call_meets_are_finished(tmp_path: Path) -> None:
    # The request the client builds from the arguments, the response and the nested
    # shapes the parser built: 6 of Support's 53.
    assert run(tmp_path, "case_id_list=['case-1']")["finished"] == [
        "AttachmentDetails", "CaseDetails", "Communication", "DescribeCasesRequest",
        "DescribeCasesResponse", "RecentCaseCommunications",
    ]


IMPORT_ONLY = """
import json, sys
import awsmith, awsmith.support, awsmith.codeguruprofiler
from awsmith._core import lazyclass

lazy = sorted(
    f"{m.__name__}.{c.__qualname__}"
    for m in list(sys.modules.values())
    if getattr(m, "__name__", "").startswith("awsmith")
    for c in vars(m).values()
    if isinstance(c, type) and c.__module__ == m.__name__ and "__lazy_members__" in vars(c)
    and m.__name__.rsplit(".", 1)[-1] != "shapes"
)
finished = [name for name in lazy if "__attrs_props__" in vars(eval(name.rsplit(".", 1)[1], vars(sys.modules[name.rsplit(".", 1)[0]])))]
deferred = ("attr", "attrs", "orjson", "multidict", "httptools", "inspect", "uuid")
print(json.dumps({"deferred": sorted({m.split(".")[0] for m in sys.modules} & set(deferred)),
                  "lazy": lazy, "finished": finished}))
"""


def test_importing_awsmith_defers_attrs_orjson_multidict_httptools_and_finishes_no_class() -> None:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], check=True, capture_output=True, text=True,
        timeout=120,
    ).stdout
    result = json.loads(out)
    # (inspect: asyncio, which awsmith imports, imports it.)
    assert result["deferred"] == ["inspect"]
    assert result["finished"] == []
    # The runtime's own attrs classes, each finished on first use like the shapes
    # (awsmith._core.sts's three, too, once assume_role imports it).
    assert result["lazy"] == [
        "awsmith._core.call.Ready",
        "awsmith._core.config.Config",
        "awsmith._core.credentials.Credentials",
        "awsmith._core.endpoints.Endpoint",
        "awsmith._core.interceptors.InterceptorContext",
        "awsmith._core.interceptors.StageHooks",
        "awsmith._core.interceptors.TransportRequest",
        "awsmith._core.metadata.ResponseMetadata",
        "awsmith._core.operation.SerializedRequest",
        "awsmith._core.settings.TransportSettings",
        "awsmith._core.transport.http.Timeouts",
        "awsmith._core.transport.http.TransportResponse",
        "awsmith._core.transport.proxy.Proxy",
        "awsmith._core.transport.proxy.ProxySettings",
    ]
