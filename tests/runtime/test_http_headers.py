"""Both senders hand the parsers headers that keep their names as sent and look up
case-insensitively, so prefix-header maps do not depend on the transport."""

from __future__ import annotations

import httpx
import pytest

from awsmith._core.errors import ResponseTooLargeError
from awsmith._core.transport.http import Timeouts
from awsmith._core.transport.httpx_sender import HttpxSender


@pytest.mark.anyio
async def test_httpx_sender_keeps_header_names_as_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=[("X-Amz-Meta-Owner", "Ann"), ("x-amzn-RequestId", "r1")])

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        sender = HttpxSender(client, owned=False)
        response = await sender.send("GET", "https://example.com/", {}, b"", Timeouts(1, 1, 1024))
    assert list(response.headers.keys()) == ["X-Amz-Meta-Owner", "x-amzn-RequestId"]
    assert response.headers.get("x-amz-meta-owner") == "Ann"
    assert response.headers.get("X-AMZN-REQUESTID") == "r1"


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "status"), [("HEAD", 200), ("GET", 304), ("GET", 204)])
async def test_httpx_sender_ignores_the_length_a_bodyless_response_announces(
    method: str, status: int
) -> None:
    """A HEAD, 204 or 304 response may announce the length of a body it does not carry
    (S3's HeadObject of a large object): not a body over ``max_body``."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=[("Content-Length", str(10**9))])

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        sender = HttpxSender(client, owned=False)
        response = await sender.send(method, "https://example.com/", {}, b"", Timeouts(1, 1, 1024))
    assert (response.status, response.body) == (status, b"")
    assert response.headers["Content-Length"] == str(10**9)


@pytest.mark.anyio
async def test_httpx_sender_still_refuses_an_announced_length_over_the_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=[("Content-Length", "2048")], content=b"x" * 2048)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        sender = HttpxSender(client, owned=False)
        with pytest.raises(ResponseTooLargeError) as info:
            await sender.send("GET", "https://example.com/", {}, b"", Timeouts(1, 1, 1024))
    assert str(info.value) == (
        "response body of 2048 bytes exceeds the 1024 byte limit (HTTP 200, request id None)"
    )
