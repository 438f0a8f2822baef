"""The test kit as a user meets it: run by ``make dist`` with pytest, in a fresh virtual
environment holding the wheel with its ``testing`` extra (and pytest), from an empty
directory outside the repository. Nothing here imports the repository: the fixtures come
from the plugin pytest found through awsmith's ``pytest11`` entry point, the servers
from the installed package, the command line from ``python -m``.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import httpx
import pytest

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from awsmith.support.shapes import CompletedUpload
from awsmith.testing.codeguruprofiler import CodeGuruProfilerServer
from awsmith.testing.support_attachments import SupportAttachmentFake


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_codeguruprofiler_fixtures(
    codeguruprofiler_server: CodeGuruProfilerServer,
    codeguruprofiler_client: CodeGuruProfilerClient,
) -> None:
    created = await codeguruprofiler_client.create_profiling_group(profiling_group_name="kit")
    assert created.profiling_group.arn == codeguruprofiler_server.arn_of("kit")
    assert [(r.operation, r.status) for r in codeguruprofiler_server.requests] == [
        ("CreateProfilingGroup", 201)
    ]


@pytest.mark.anyio
async def test_support_attachment_fixtures(
    support_attachment_server: SupportAttachmentFake, support_attachment_client: SupportClient
) -> None:
    links = await support_attachment_client.get_attachment_upload_links(
        file_name="kit.txt", file_size_bytes=5
    )
    (link,) = links.upload_urls
    async with httpx.AsyncClient() as http:
        put = await http.put(link.url, content=b"hello")
    assert put.status_code == 200
    await support_attachment_client.complete_attachment_upload(
        upload_id=links.upload_id,
        completed_uploads=[CompletedUpload(part_index=1, e_tag=put.headers["ETag"])],
    )
    assert support_attachment_server.stored(links.upload_id) == b"hello"


def test_command_line() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "awsmith.testing.codeguruprofiler", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert re.fullmatch(r"CodeGuru Profiler server at http://127\.0\.0\.1:\d+ .*\n", line), line
    process.send_signal(signal.SIGINT)
    assert process.communicate(timeout=30) == ("stopped\n", None)
    assert process.returncode == 0
