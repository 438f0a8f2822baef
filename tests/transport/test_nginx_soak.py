"""A soak against a real web server (Debian's nginx, started per test on 127.0.0.1)
that keeps connections alive for 1 s and at most 5 requests: 2,000 calls, 50 in
flight, one in five a CreateCase, over HTTP and over TLS (a generated CA given as
``Config(ca_bundle=...)``), on asyncio (awsmith's own sender) and trio (httpx).

Every call must succeed, and nginx's access log must show each CreateCase exactly once:
its SigV4 signature is unique per request, so one sent twice (by a transport resending
on a closed kept-alive connection, or a retry) would show up twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from awsmith.support import SupportClient
from devservers import web_server as ws
from tests.certs import make_ca_and_server
from tests.resilience.helpers import CREDENTIALS, fast

pytestmark = [
    pytest.mark.anyio,
    # 2000 calls through nginx per test: 47 s at most on a 2-core machine at load 9
    pytest.mark.timeout(300),
]

CALLS = 2000
IN_FLIGHT = 50


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ws.WebServer, Path]]:
    if not ws.available():
        pytest.skip(f"needs a real web server: {ws.INSTALL_HINT}")
    folder = tmp_path_factory.mktemp("nginx-certs")
    ca, cert, key = make_ca_and_server(folder)
    with ws.web_server(cert, key) as server:
        yield server, ca


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_soak_every_call_succeeds_and_no_create_case_is_sent_twice(
    nginx: tuple[ws.WebServer, Path], scheme: str, anyio_backend: str
) -> None:
    server, ca = nginx
    url = server.http_url if scheme == "http" else server.https_url
    before = len(server.access_log())
    subjects: list[str] = []
    outcomes: Counter[str] = Counter()
    limiter = anyio.Semaphore(IN_FLIGHT)

    async with SupportClient(
        region="us-east-1",
        endpoint_url=url,
        credentials=CREDENTIALS,
        config=fast(ca_bundle=str(ca), max_pool_connections=IN_FLIGHT),
    ) as client:

        async def one(index: int) -> None:
            async with limiter:
                if index % 5 == 0:
                    subject = f"soak {scheme} {anyio_backend} {index}"
                    subjects.append(subject)
                    created = await client.create_case(subject=subject, communication_body="b")
                    outcomes[created.case_id or ""] += 1
                else:
                    cases = await client.describe_cases()
                    outcomes[(cases.cases or [])[0].case_id or ""] += 1

        with anyio.fail_after(120):
            async with anyio.create_task_group() as group:
                for index in range(CALLS):
                    group.start_soon(one, index)

    assert outcomes == {"case-created": CALLS // 5, "case-1": CALLS - CALLS // 5}
    # nginx writes a request's log line once it has sent the response: the last lines
    # may land a moment after the client has them.
    with anyio.move_on_after(5):
        while len(server.access_log()) < before + CALLS:
            await anyio.sleep(0.01)
    log = server.access_log()[before:]
    creates = [line for line in log if line.target == "CreateCase"]
    assert len(creates) == len(subjects) == CALLS // 5
    assert len({line.signature for line in creates}) == len(creates)  # none sent twice
    assert len(log) == CALLS  # nothing at all was sent twice
    assert {line.status for line in log} == {200}
