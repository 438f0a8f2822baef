"""``HttpxSender``: awsmith's sender over an ``httpx.AsyncClient``.

Used for a caller's client (respx, MockTransport, proxies, HTTP/2 all keep working) and
under trio. Imported only then, so that ``import awsmith`` does not pay for httpx.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from multidict import CIMultiDict

from awsmith._core.errors import (
    ConnectionFailedError,
    ConnectTimeoutError,
    ReadTimeoutError,
)
from awsmith._core.http import HttpResponse, Timeouts, head_too_large, split_url, too_large


class HttpxSender:
    """Sends through an ``httpx.AsyncClient``; closes it only if awsmith created it."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self._client = client
        self._owned = owned

    async def send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        timeouts: Timeouts,
        *,
        resend: bool = False,
    ) -> HttpResponse:
        # ``resend`` is moot: httpcore checks a pooled connection before using it and
        # never sends a request twice by itself.
        del resend
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
                _check_head(response, timeouts)
                # HEAD, 204 and 304 responses announce a length they do not carry.
                announced = request.method != "HEAD" and response.status_code not in (204, 304)
                length = response.headers.get("content-length") if announced else None
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
            raise ConnectTimeoutError(f"connecting to {split_url(url)[0]} timed out: {exc}") from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout) as exc:
            raise ReadTimeoutError(f"no response from {split_url(url)[0]} in time: {exc!r}") from exc
        except httpx.RemoteProtocolError as exc:
            if "Receive buffer too long" in str(exc):
                # h11 refuses a response head over 16 KiB before httpx sees it.
                raise head_too_large("its size", 16 * 1024, None) from exc
            raise ConnectionFailedError(f"request to {split_url(url)[0]} failed: {exc!r}") from exc
        except httpx.HTTPError as exc:
            raise ConnectionFailedError(f"request to {split_url(url)[0]} failed: {exc!r}") from exc
        return HttpResponse(response.status_code, _headers_of(response), b"".join(chunks))

    async def close(self) -> None:
        if self._owned:
            await self._client.aclose()


def _check_head(response: httpx.Response, timeouts: Timeouts) -> None:
    """The same head limits as awsmith's own sender (h11 already caps the whole head
    at 16 KiB; a caller's transport, a mock included, may not)."""
    raw = response.headers.raw
    if len(raw) > timeouts.max_fields:
        raise head_too_large(
            "the number of header fields", timeouts.max_fields, response.status_code
        )
    total = 0
    for name, value in raw:
        size = len(name) + len(value)
        if size > timeouts.max_field:
            raise head_too_large(
                f"the header field {name[:64].decode('latin-1')!r}",
                timeouts.max_field,
                response.status_code,
            )
        total += size
    if total > timeouts.max_head:
        raise head_too_large("its size", timeouts.max_head, response.status_code)


async def _already_read(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _headers_of(response: httpx.Response) -> CIMultiDict[str]:
    """Response headers with their names as sent (httpx lower-cases them), looked up
    case-insensitively, as aiohttp gives them: prefix-header maps come out the same on
    both transports."""
    return CIMultiDict(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    )

