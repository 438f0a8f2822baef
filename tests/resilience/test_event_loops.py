"""One client used from several ``asyncio.run()`` calls, as scripts and some test
suites do: connections made on a loop that has since closed are dropped (their sockets
closed, with no ResourceWarning) and the client carries on over new connections. A
client in use on a loop that is still running is refused with a clear error."""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from pathlib import Path

import pytest

import awsmith
from awsmith.support import SupportClient
from devservers.fault_server import FaultServer, Reply, fault_server
from tests.resilience.helpers import AKID, CREDENTIALS, fast, wait_until
from tests.resilience.test_faults import _self_signed

CASES = Reply.json({"cases": [{"caseId": "case-1"}]})


def _three_runs(server: FaultServer, config: awsmith.Config) -> list[str]:
    client = SupportClient(
        region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS, config=config
    )

    async def call() -> str:
        response = await client.describe_cases()
        assert response.cases is not None
        return response.cases[0].case_id or ""

    async def last() -> str:
        try:
            return await call()
        finally:
            await client.close()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ids = [asyncio.run(call()), asyncio.run(call()), asyncio.run(last())]
        gc.collect()  # an unclosed socket of the first loops would warn here
    return ids


def test_a_client_outlives_asyncio_run() -> None:
    with fault_server(key_id=AKID) as server:
        server.play(CASES)
        assert _three_runs(server, fast()) == ["case-1"] * 3
        assert server.attempts == 3
        assert server.connections_opened == 3  # one per loop: none carried over
        assert asyncio.run(wait_until(lambda: server.open_connections == 0))


def test_a_client_outlives_asyncio_run_over_tls(tmp_path: Path) -> None:
    with fault_server(ssl_context=_self_signed(tmp_path), key_id=AKID) as server:
        server.play(CASES)
        assert _three_runs(server, fast(verify_tls=False)) == ["case-1"] * 3
        assert server.connections_opened == 3
        assert asyncio.run(wait_until(lambda: server.open_connections == 0))


def test_a_client_in_use_on_another_running_loop_is_refused() -> None:
    with fault_server(key_id=AKID) as server:
        server.play(CASES)
        client = SupportClient(
            region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS, config=fast()
        )
        other = asyncio.new_event_loop()
        thread = threading.Thread(target=other.run_forever, daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(client.describe_cases(), other).result(10)

            async def here() -> None:
                with pytest.raises(awsmith.ConfigurationError) as info:
                    await client.describe_cases()
                assert str(info.value) == (
                    "this SupportClient is in use on another event loop that is still "
                    "running: create one client per event loop (when calling the DescribeCases "
                    "operation)"
                )

            asyncio.run(here())
            asyncio.run_coroutine_threadsafe(client.close(), other).result(10)
        finally:
            other.call_soon_threadsafe(other.stop)
            thread.join(10)
            other.close()
        assert server.attempts == 1


def test_closing_a_client_on_a_later_loop() -> None:
    """``asyncio.run(client.close())`` after the calls ran on another loop: the old
    connections are dropped without that loop, no RuntimeError, no ResourceWarning."""
    with fault_server(key_id=AKID) as server:
        server.play(CASES)
        client = SupportClient(
            region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS, config=fast()
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            asyncio.run(client.describe_cases())
            asyncio.run(client.close())
            gc.collect()
        assert asyncio.run(wait_until(lambda: server.open_connections == 0))
