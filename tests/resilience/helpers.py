"""Shared helpers of the resilience tests: clients aimed at the fault server on either
transport, fast-backoff configs, open-socket counting and secret checks."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import attrs
import httpx

import awsmith
from awsmith._core.client import BaseClient
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient

AKID = "AKIDRESILIENCE000000"
SECRET = "resilience/Secret+Key/0123456789abcdefghij"
TOKEN = "resilience-session-token-FQoGZXIvYXdzEXAMPLE"
CREDENTIALS = awsmith.Credentials(access_key_id=AKID, secret_access_key=SECRET, session_token=TOKEN)

#: Both transports: awsmith's own HTTP/1.1 sender, and a caller's httpx.AsyncClient.
TRANSPORTS = ("default", "httpx")

#: Backoff made fast through configuration; explicit FIPS/dual-stack so nothing is
#: read from the developer's AWS config files.
FAST = awsmith.Config(
    base_backoff=0.001,
    max_backoff=0.01,
    connect_timeout=5.0,
    read_timeout=5.0,
    use_fips=False,
    use_dualstack=False,
)

C = TypeVar("C", bound=BaseClient)


def fast(**changes: Any) -> awsmith.Config:
    """:data:`FAST` with ``changes``."""
    return attrs.evolve(FAST, **changes)


@asynccontextmanager
async def open_client(
    cls: type[C],
    url: str,
    transport: str,
    config: awsmith.Config = FAST,
    **httpx_options: Any,
) -> AsyncIterator[C]:
    """A client of ``cls`` sending to ``url``: on awsmith's default transport
    (``"default"``; under trio awsmith's own httpx client) or on a caller's
    ``httpx.AsyncClient`` (``"httpx"``). Everything is closed afterwards."""
    http = httpx.AsyncClient(**httpx_options) if transport == "httpx" else None
    client = cls(
        region="us-east-1",
        endpoint_url=url,
        credentials=CREDENTIALS,
        http_client=http,
        config=config,
    )
    try:
        yield client
    finally:
        await client.close()
        if http is not None:
            await http.aclose()


def support(url: str, transport: str, config: awsmith.Config = FAST, **kw: Any) -> Any:
    """``open_client(SupportClient, ...)`` (an async context manager)."""
    return open_client(SupportClient, url, transport, config, **kw)


def codeguru(url: str, transport: str, config: awsmith.Config = FAST, **kw: Any) -> Any:
    """``open_client(CodeGuruProfilerClient, ...)`` (an async context manager)."""
    return open_client(CodeGuruProfilerClient, url, transport, config, **kw)


async def describe_cases_once(url: str, **changes: Any) -> Any:
    """One DescribeCases to ``url`` with retries off (``fast(max_attempts=1,
    **changes)``), on the running loop's own transport; its response."""
    async with SupportClient(
        region="us-east-1",
        endpoint_url=url,
        credentials=CREDENTIALS,
        config=fast(max_attempts=1, **changes),
    ) as client:
        return await client.describe_cases()


def open_fds() -> int:
    """File descriptors this process has open (sockets included)."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return len(os.listdir("/proc/self/fd"))
    return int(psutil.Process().num_fds())


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Polls ``condition`` (the server thread closes its side of a socket a moment
    after the client closed its side) until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await anyio.sleep(0.01)
    return True


def assert_no_secrets(error: BaseException) -> None:
    """Neither the error, its chain nor its traceback shows the secret key or token."""
    texts = ["".join(traceback.format_exception(error)), repr(error), str(error)]
    cause = error.__cause__ or error.__context__
    while cause is not None:
        texts.append(repr(cause))
        cause = cause.__cause__ or cause.__context__
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text
        assert "Signature=" not in text
