"""Connection settings as botocore's client reads them: ``connect_timeout`` and
``read_timeout`` (and what a read timeout does on the wire), ``max_pool_connections``
(connections a real server sees), ``tcp_keepalive`` (``Config``,
``BOTOCORE_TCP_KEEPALIVE``, the profile: ``SO_KEEPALIVE`` on the sockets of both of
awsmith's transports, as botocore's socket options), and request compression's two
settings (``Config``, ``AWS_*``, the profile: what botocore's client resolves, and what
awsmith then sends)."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import botocore.config
import botocore.exceptions
import pytest

import awsmith
import awsmith.support._serde as support_serde
from awsmith.support import SupportClient
from tests.config.helpers import CREDS, AwsFiles, awsmith_sends, botocore_client

pytestmark = pytest.mark.anyio

# ---------------------------------------------------------------- a local HTTP server

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 16\r\n\r\n{"services": []}'


class Server:
    """An HTTP/1.1 server on 127.0.0.1 that answers every request with ``OK`` after
    ``delay`` seconds (or never, ``delay=None``: it reads on until the client
    closes); it counts connections."""

    def __init__(self, delay: float | None) -> None:
        self.delay = delay
        self.accepts = 0
        self.url = ""
        self.handlers: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepts += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                if self.delay is None:
                    await reader.read()  # until the client gives up and closes
                    return
                await asyncio.sleep(self.delay)
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serving(delay: float | None = 0.0) -> AsyncIterator[Server]:
    server = Server(delay)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    async with listener:
        try:
            yield server
        finally:
            listener.close()
            for task in server.handlers:
                task.cancel()
            await asyncio.gather(*server.handlers, return_exceptions=True)


def own_client(url: str, **config: Any) -> SupportClient:
    """A client on awsmith's own transport (no ``http_client``)."""
    return SupportClient(
        region="us-east-1", endpoint_url=url, credentials=CREDS, config=awsmith.Config(**config)
    )


# ---------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ({}, {}),
        ({"connect_timeout": 3.5, "read_timeout": 7}, {"connect_timeout": 3.5, "read_timeout": 7}),
    ],
)
def test_connect_timeout_and_read_timeout_as_botocore_reads_them(
    ours: dict[str, float], theirs: dict[str, float]
) -> None:
    sent = awsmith_sends(region="us-east-1", config=awsmith.Config(**ours))
    boto = botocore_client(region_name="us-east-1", config=botocore.config.Config(**theirs))
    timeouts = sent.client._timeouts
    assert (timeouts.connect, timeouts.read) == (
        boto.meta.config.connect_timeout,
        boto.meta.config.read_timeout,
    )
    timeout = boto._endpoint.http_session._timeout  # what urllib3 is given
    assert (timeout.connect_timeout, timeout.read_timeout) == (timeouts.connect, timeouts.read)


async def test_read_timeout_on_the_wire_as_in_botocore() -> None:
    """A server that takes the request and never answers: after ``read_timeout`` both
    clients give up with their read-timeout error, once per attempt."""
    async with serving(delay=None) as server:
        client = own_client(server.url, read_timeout=0.2, max_attempts=2, base_backoff=0.001)
        async with client:
            with pytest.raises(awsmith.ReadTimeoutError) as raised:
                await client.describe_services()
        assert raised.value.attempts == 2
        assert server.accepts == 2
        boto = botocore_client(
            region_name="us-east-1",
            endpoint_url=server.url,
            config=botocore.config.Config(read_timeout=0.2, retries={"total_max_attempts": 1}),
        )
        with pytest.raises(botocore.exceptions.ReadTimeoutError):
            await anyio.to_thread.run_sync(boto.describe_services)
        assert server.accepts == 3


# ---------------------------------------------------------------- the pool


async def test_max_pool_connections_bounds_the_connections_a_server_sees() -> None:
    """Eight calls at once through a pool of two: the server sees two connections."""
    async with serving(delay=0.05) as server:
        async with (
            own_client(server.url, max_pool_connections=2) as client,
            anyio.create_task_group() as tg,
        ):
            for _ in range(8):
                tg.start_soon(client.describe_services)
        assert server.accepts == 2
    boto = botocore_client(
        region_name="us-east-1", config=botocore.config.Config(max_pool_connections=2)
    )
    assert boto.meta.config.max_pool_connections == 2
    assert boto._endpoint.http_session._max_pool_connections == 2


def test_max_pool_connections_default_differs() -> None:
    """botocore keeps 10 (its calls run one per thread); awsmith 100, as httpx and
    aiohttp: one async client serves many calls at once."""
    assert awsmith.Config().max_pool_connections == 100
    assert botocore_client(region_name="us-east-1").meta.config.max_pool_connections == 10


# ---------------------------------------------------------------- tcp_keepalive


def _botocore_keepalive(**kwargs: Any) -> bool:
    options = botocore_client(
        region_name="us-east-1", **kwargs
    )._endpoint.http_session._socket_options
    return (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in options


async def _own_socket_keepalive(client: SupportClient) -> bool:
    """SO_KEEPALIVE of the socket awsmith's own sender made for the call just made."""
    sender = client._ready.sender  # type: ignore[union-attr]
    (idle,) = [c for conns in sender._idle.values() for c in conns]
    sock = idle.transport.get_extra_info("socket")
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))


#: How tcp_keepalive is set: (environment, profile text, awsmith Config, botocore Config)
KEEPALIVE_CASES: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any]]] = {
    "unset": ({}, "", {}, {}),
    "Config": ({}, "", {"tcp_keepalive": True}, {"tcp_keepalive": True}),
    "environment": ({"BOTOCORE_TCP_KEEPALIVE": "true"}, "", {}, {}),
    "profile": ({}, "[default]\ntcp_keepalive = true\n", {}, {}),
    "environment false beats profile": (
        {"BOTOCORE_TCP_KEEPALIVE": "false"},
        "[default]\ntcp_keepalive = true\n",
        {},
        {},
    ),
    # Set but empty, the variable decides (false), as botocore reads it.
    "empty environment beats profile": (
        {"BOTOCORE_TCP_KEEPALIVE": ""},
        "[default]\ntcp_keepalive = true\n",
        {},
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(KEEPALIVE_CASES))
async def test_tcp_keepalive_on_the_socket_as_botocore_sets_it(
    case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ, profile_text, ours, theirs = KEEPALIVE_CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile_text)
    expected = _botocore_keepalive(config=botocore.config.Config(**theirs))
    async with serving() as server, own_client(server.url, **ours) as client:
        await client.describe_services()
        assert await _own_socket_keepalive(client) is expected


@pytest.mark.parametrize("keepalive", [False, True])
def test_tcp_keepalive_on_httpx_sockets(keepalive: bool) -> None:
    """Under trio awsmith sends with httpx: the same socket option, through httpx's
    ``socket_options``."""
    from awsmith._core.transport.httpx_sender import owned_client
    from awsmith._core.transport.proxy import NO_PROXIES

    http = owned_client(
        verify=True,
        max_connections=10,
        proxies=NO_PROXIES,
        proxy_tls=None,
        keepalive=keepalive,
    )
    options = http._transport._pool._socket_options  # type: ignore[attr-defined]
    assert ((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in (options or [])) is keepalive
    assert _botocore_keepalive(config=botocore.config.Config(tcp_keepalive=keepalive)) is keepalive
    anyio.run(http.aclose)


@pytest.mark.parametrize("value", ["on", "1", "yes"])
def test_a_bad_tcp_keepalive_names_where_it_came_from(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where awsmith differs: botocore reads anything but ``true`` as false (keepalive
    off); awsmith refuses it, naming the variable, rather than turn off what the user
    meant to turn on."""
    monkeypatch.setenv("BOTOCORE_TCP_KEEPALIVE", value)
    assert _botocore_keepalive() is False
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == f"BOTOCORE_TCP_KEEPALIVE must be 'true' or 'false', got {value!r}"


# ---------------------------------------------------------------- request compression

#: (environment, profile text, awsmith Config, botocore Config)
COMPRESSION_CASES: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any]]] = {
    "defaults": ({}, "", {}, {}),
    "Config": (
        {},
        "",
        {"request_min_compression_size_bytes": 1},
        {"request_min_compression_size_bytes": 1},
    ),
    "Config disables": (
        {},
        "",
        {"disable_request_compression": True, "request_min_compression_size_bytes": 1},
        {"disable_request_compression": True, "request_min_compression_size_bytes": 1},
    ),
    "environment": ({"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "1"}, "", {}, {}),
    "environment disables": (
        {"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "1", "AWS_DISABLE_REQUEST_COMPRESSION": "true"},
        "",
        {},
        {},
    ),
    "profile": ({}, "[default]\nrequest_min_compression_size_bytes = 1\n", {}, {}),
    "profile disables": (
        {"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "1"},
        "[default]\ndisable_request_compression = true\n",
        {},
        {},
    ),
    "environment beats profile": (
        {"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "1", "AWS_DISABLE_REQUEST_COMPRESSION": "false"},
        "[default]\nrequest_min_compression_size_bytes = 100000\ndisable_request_compression = true\n",
        {},
        {},
    ),
    # Set but empty, the variable decides (compression not disabled), as in botocore.
    "empty environment beats profile": (
        {"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "1", "AWS_DISABLE_REQUEST_COMPRESSION": ""},
        "[default]\ndisable_request_compression = true\n",
        {},
        {},
    ),
    "Config beats environment": (
        {
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": "100000",
            "AWS_DISABLE_REQUEST_COMPRESSION": "true",
        },
        "",
        {"request_min_compression_size_bytes": 1, "disable_request_compression": False},
        {"request_min_compression_size_bytes": 1, "disable_request_compression": False},
    ),
}


@pytest.mark.parametrize("case", sorted(COMPRESSION_CASES))
def test_request_compression_settings_as_botocore_resolves_them(
    case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DescribeServices given the ``requestcompression`` trait (neither shipped service
    has an operation with it): its body is gzipped on the wire exactly when botocore's
    resolved settings say a body of its size would be."""
    environ, profile_text, ours, theirs = COMPRESSION_CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile_text)
    monkeypatch.setattr(support_serde.DESCRIBE_SERVICES, "compress_request", True)
    sent = awsmith_sends(region="us-east-1", config=awsmith.Config(**ours)).first
    boto = botocore_client(region_name="us-east-1", config=botocore.config.Config(**theirs))
    disabled = boto.meta.config.disable_request_compression
    minimum = boto.meta.config.request_min_compression_size_bytes
    body = b"{}"  # what DescribeServices without arguments sends
    gzipped = sent.headers.get("Content-Encoding") == "gzip"
    assert gzipped is (not disabled and len(body) >= minimum)
    assert (gzip.decompress(sent.content) if gzipped else sent.content) == body


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
            "1k",
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES must be a whole number from 0 to "
            "10485760, got '1k'",
        ),
        (
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
            "10485761",
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES must be a whole number from 0 to "
            "10485760, got '10485761'",
        ),
        # Set but empty, the variable decides: refused (botocore raises too).
        (
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
            "",
            "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES must be a whole number from 0 to "
            "10485760, got ''",
        ),
        (
            "AWS_DISABLE_REQUEST_COMPRESSION",
            "yes",
            "AWS_DISABLE_REQUEST_COMPRESSION must be 'true' or 'false', got 'yes'",
        ),
    ],
)
def test_a_bad_compression_setting_names_where_it_came_from(
    variable: str, value: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == message


@pytest.mark.parametrize("value", ["yes", "1", "on"])
def test_a_bad_disable_request_compression_differs_from_botocore(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where awsmith differs: botocore reads anything but ``true`` as false (compression
    stays on); awsmith refuses it, naming the variable."""
    monkeypatch.setenv("AWS_DISABLE_REQUEST_COMPRESSION", value)
    config = botocore_client(region_name="us-east-1").meta.config
    assert config.disable_request_compression is False
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == (
        f"AWS_DISABLE_REQUEST_COMPRESSION must be 'true' or 'false', got {value!r}"
    )


def test_a_bad_profile_compression_size_names_the_profile_key(aws: AwsFiles) -> None:
    aws.write("[default]\nrequest_min_compression_size_bytes = -1\n")
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(region="us-east-1")
    assert str(raised.value) == (
        "the profile's request_min_compression_size_bytes must be a whole number from 0 to "
        "10485760, got '-1'"
    )
    with pytest.raises(botocore.exceptions.InvalidConfigError):
        botocore_client(region_name="us-east-1")
