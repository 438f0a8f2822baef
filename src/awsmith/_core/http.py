"""The HTTP layer: one small interface, two implementations.

``Http1Sender`` (in :mod:`awsmith._core.http1`) is the default under asyncio: the
benchmarks chose it over aiohttp and httpx by client CPU per call (see
docs/performance.md). ``HttpxSender`` wraps an ``httpx.AsyncClient``: the one a caller
passes in (respx, MockTransport, proxies, HTTP/2 all keep working) or, under trio, one
awsmith creates.

Both read the body raw (no content decoding: a gzip profile stays gzip) and map every
failure to an awsmith :class:`~awsmith._core.errors.TransportError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

import attrs
import httpx
from multidict import CIMultiDict

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ResponseTooLargeError,
)


@attrs.define(slots=True)
class HttpResponse:
    """A complete HTTP response. ``headers`` looks names up case-insensitively."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@attrs.frozen(slots=True)
class Timeouts:
    connect: float
    read: float
    max_body: int


class HttpSender(Protocol):
    async def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, timeouts: Timeouts
    ) -> HttpResponse: ...

    async def close(self) -> None: ...


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The request id AWS gives a response (``x-amzn-RequestId``, or S3-style)."""
    return headers.get("x-amzn-RequestId") or headers.get("x-amz-request-id")


def too_large(
    size: int, limit: int, status: int, headers: Mapping[str, str]
) -> ResponseTooLargeError:
    """The error for a body over ``Config.max_response_bytes`` (both senders)."""
    return ResponseTooLargeError(
        f"response body of {size} bytes exceeds the {limit} byte limit",
        status_code=status,
        request_id=request_id_of(headers),
    )


class HttpxSender:
    """Sends through an ``httpx.AsyncClient``; closes it only if awsmith created it."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self._client = client
        self._owned = owned

    async def send(
        self, method: str, url: str, headers: dict[str, str], body: bytes, timeouts: Timeouts
    ) -> HttpResponse:
        timeout = httpx.Timeout(timeouts.read, connect=timeouts.connect)
        request = self._client.build_request(
            method, url, headers=headers, content=body, timeout=timeout
        )
        if "Accept-Encoding" not in headers:
            # The body is read raw (never decoded): httpx's default "gzip, deflate"
            # would let the server compress JSON that is then unparseable.
            request.headers["Accept-Encoding"] = "identity"
        try:
            # Never follow redirects: the signed headers (X-Amz-Security-Token)
            # would go to whatever host a Location header names.
            response = await self._client.send(request, stream=True, follow_redirects=False)
            try:
                length = response.headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > timeouts.max_body:
                    raise too_large(
                        int(length), timeouts.max_body, response.status_code, response.headers
                    )
                # httpx.MockTransport and respx hand back responses whose body was read
                # when they were built: streaming it again raises StreamConsumed.
                stream = (
                    _already_read(response.content)
                    if response.is_stream_consumed
                    else response.aiter_raw()
                )
                chunks: list[bytes] = []
                size = 0
                async for chunk in stream:
                    size += len(chunk)
                    if size > timeouts.max_body:
                        raise too_large(
                            size, timeouts.max_body, response.status_code, response.headers
                        )
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.ConnectTimeout as exc:
            raise ConnectTimeoutError(f"connecting to {_origin(url)} timed out: {exc}") from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
            raise ReadTimeoutError(f"no response from {_origin(url)} in time: {exc!r}") from exc
        except httpx.HTTPError as exc:
            raise ConnectionFailedError(f"request to {_origin(url)} failed: {exc!r}") from exc
        return HttpResponse(response.status_code, _headers_of(response), b"".join(chunks))

    async def close(self) -> None:
        if self._owned:
            await self._client.aclose()


async def _already_read(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _headers_of(response: httpx.Response) -> CIMultiDict[str]:
    """Response headers with their names as sent (httpx lower-cases them), looked up
    case-insensitively, as aiohttp gives them: prefix-header maps come out the same on
    both transports."""
    return CIMultiDict(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    )


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
