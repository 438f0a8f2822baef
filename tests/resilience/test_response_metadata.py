"""Every response carries its HTTP metadata (request id, status, headers, attempts),
outside ``==`` and ``repr``; errors carry the attempts of their call. On both
transports, against the scripted fault server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import awsmith
from awsmith.support import shapes as s
from awsmith.support.errors import CaseIdNotFound
from devservers.fault_server import FaultServer, Reply, Reset, fault_server, request_id
from tests.resilience.helpers import AKID, TRANSPORTS, fast, support

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("transport", TRANSPORTS)]

CASES = Reply.json({"cases": [{"caseId": "case-1"}]}, headers={"X-Custom": "yes"})


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server(key_id=AKID) as srv:
        yield srv


async def test_a_response_carries_its_metadata(server: FaultServer, transport: str) -> None:
    server.play(Reply.json({"message": "busy"}, status=503), CASES)
    async with support(server.url, transport) as client:
        response = await client.describe_cases()
    metadata = response.response_metadata
    assert isinstance(metadata, awsmith.ResponseMetadata)
    assert metadata.request_id == request_id(1)
    assert metadata.status_code == 200
    assert metadata.attempts == 2
    assert metadata.headers["x-custom"] == "yes"  # looked up case-insensitively
    assert metadata.headers["X-AMZN-REQUESTID"] == request_id(1)
    with pytest.raises(TypeError):
        metadata.headers["x-custom"] = "no"  # type: ignore[index]


async def test_metadata_is_not_part_of_equality_or_repr(
    server: FaultServer, transport: str
) -> None:
    server.play(CASES)
    async with support(server.url, transport) as client:
        first = await client.describe_cases()
        second = await client.describe_cases()
    assert first.response_metadata.request_id != second.response_metadata.request_id
    assert first == second
    built = s.DescribeCasesResponse(cases=[s.CaseDetails(case_id="case-1")])
    assert first == built
    assert built.response_metadata.request_id is None
    assert built.response_metadata.attempts == 0
    assert repr(first) == repr(built)
    assert "response_metadata" not in repr(first)


async def test_a_service_error_carries_its_attempts(server: FaultServer, transport: str) -> None:
    server.play(Reply.json({"message": "busy"}, status=503))
    async with support(server.url, transport, fast(max_attempts=3)) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    assert info.value.attempts == 3
    server.play(Reply.error("CaseIdNotFound", "no such case"))
    async with support(server.url, transport) as client:
        with pytest.raises(CaseIdNotFound) as modeled:
            await client.describe_cases(case_id_list=["case-x"])
    assert modeled.value.attempts == 1  # not retried


async def test_a_transport_error_carries_its_attempts(
    server: FaultServer, transport: str
) -> None:
    server.play(Reset())
    async with support(server.url, transport, fast(max_attempts=2)) as client:
        with pytest.raises(awsmith.ConnectionFailedError) as info:
            await client.describe_cases()
    assert info.value.attempts == 2


async def test_an_error_before_any_attempt_has_none(server: FaultServer, transport: str) -> None:
    async with support(server.url, transport) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            await client.describe_cases(max_results=1)
    assert info.value.attempts == 0
    assert server.attempts == 0
