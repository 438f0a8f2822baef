"""A streamed response's body as it arrives (``ConnectionPool.stream``): chunks queued
until the caller reads them, reading from the socket paused while more than
``_STREAM_HIGH_WATER`` bytes wait unread (so memory does not grow with the body,
whichever side is slower), each wait for a chunk bounded by the read timeout.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol

from awsmith._core.errors import ReadTimeoutError, TransportError
from awsmith._core.transport.http1.wire import Origin

#: A streamed response body: reading from the socket pauses while more than this
#: waits unread, and resumes once the reader has taken all of it. One read of the
#: socket (asyncio reads up to 256 KiB) may come on top.
_STREAM_HIGH_WATER = 512 * 1024


class _Carrier(Protocol):
    """What a body needs of the connection it arrives on (:class:`.connection.Connection`)."""

    @property
    def transport(self) -> asyncio.Transport | None: ...

    @property
    def origin(self) -> Origin: ...

    def loop_future(self) -> asyncio.Future[None]: ...

    def close(self) -> None: ...


class StreamedBody:
    """The body of a streamed response as it arrives: chunks queued until read. Reading
    from the socket pauses while more than ``_STREAM_HIGH_WATER`` bytes wait, and
    resumes once the reader took them all; each wait for a chunk is bounded by the read
    timeout (a reader slower than the server never times out: it is not waiting)."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_connection",
        "_paused",
        "_read",
        "_waiter",
        "complete",
        "error",
    )

    def __init__(self, connection: _Carrier, read_timeout: float) -> None:
        self._connection = connection
        self._read = read_timeout
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        #: The whole body arrived (what is queued is all there is).
        self.complete = False
        #: Why it cannot arrive, raised once the queued chunks have been read.
        self.error: TransportError | None = None

    def feed(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        if self._buffered > _STREAM_HIGH_WATER and not self._paused:
            transport = self._connection.transport
            if transport is not None and not transport.is_closing():
                transport.pause_reading()
                self._paused = True
        self._wake()

    def end(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, error: TransportError) -> None:
        if not self.complete and self.error is None:
            self.error = error
            self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def detach(self) -> None:
        """Reading from the socket resumes: what was queued has been read, or the
        connection goes back to the pool with its body all here, read or not (its next
        response must be read)."""
        if self._paused:
            self._paused = False
            transport = self._connection.transport
            if transport is not None and not transport.is_closing():
                transport.resume_reading()

    async def next(self) -> bytes | None:
        """The next chunk, or None at the end of the body."""
        if self._waiter is not None:
            raise RuntimeError("another task is reading this response body")
        while not self._chunks:
            if self.error is not None:
                raise self.error
            if self.complete:
                return None
            connection = self._connection
            self._waiter = connection.loop_future()
            try:
                async with asyncio.timeout(self._read):
                    await self._waiter
            except TimeoutError:
                self.fail(
                    ReadTimeoutError(
                        f"no data from {connection.origin.name} in time (nothing of the "
                        f"response body received for {self._read:g} s)"
                    )
                )
                connection.close()
            finally:
                self._waiter = None
        chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if not self._buffered:
            self.detach()
        return chunk
