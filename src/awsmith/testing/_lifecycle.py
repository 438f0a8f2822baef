"""The ``with`` blocks every server of the test kit runs in, sync and async."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from contextlib import asynccontextmanager, contextmanager
from typing import Protocol, TypeVar


class Server(Protocol):
    """A server that starts (returning once it serves) and stops (idempotently)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...


S = TypeVar("S", bound=Server)


@contextmanager
def running(server: S) -> Generator[S]:
    """Starts ``server`` for the ``with`` block and always stops it, however the block
    (or the start) ends."""
    try:
        server.start()
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def running_async(server: S) -> AsyncGenerator[S]:
    """:func:`running` for async code on asyncio or trio: start and stop block (a port
    to bind, a moto to boot, a thread to join), so they run in a worker thread and the
    event loop goes on; the stop is shielded from cancellation."""
    import anyio
    import anyio.to_thread

    try:
        await anyio.to_thread.run_sync(server.start)
        yield server
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(server.stop)
