"""Both senders hand the parsers headers that keep their names as sent and look up
case-insensitively, so prefix-header maps do not depend on the transport."""

from __future__ import annotations

import httpx
import pytest

from awsmith._core.http import Timeouts
from awsmith._core.httpx_sender import HttpxSender


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
