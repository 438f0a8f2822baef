"""``client.with_options(...)``: a view of the client with other retry and timeout
settings, sharing its connections, credentials, retry quota and interceptors; its
lifecycle against its parent's. Against the scripted fault server, on both
transports."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import awsmith
from awsmith.support import SupportClient
from devservers.fault_server import FaultServer, Reply, Stall, fault_server
from tests.resilience.helpers import AKID, CREDENTIALS, TRANSPORTS, fast, support, wait_until

pytestmark = pytest.mark.anyio

CASES = Reply.json({"cases": [{"caseId": "case-1"}]})
BUSY = Reply.json({"__type": "ServiceUnavailable", "message": "busy"}, status=503)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with fault_server(key_id=AKID) as srv:
        yield srv


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_view_changes_max_attempts_for_its_calls_only(
    server: FaultServer, transport: str
) -> None:
    async with support(server.url, transport, fast(max_attempts=3)) as client:
        once = client.with_options(max_attempts=1)
        assert type(once) is SupportClient
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError) as info:
            await once.describe_cases()
        assert info.value.attempts == 1
        assert server.attempts == 1
        assert server.requests[0].headers["amz-sdk-request"] == "attempt=1; max=1"
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError) as parent:
            await client.describe_cases()
        assert parent.value.attempts == 3
        assert server.attempts == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_views_share_the_parents_connections(server: FaultServer, transport: str) -> None:
    server.play(CASES)
    async with support(server.url, transport) as client:
        await client.describe_cases()
        for view in (client.with_options(read_timeout=7), client.with_options(max_attempts=2)):
            response = await view.describe_cases()
            assert response.response_metadata.status_code == 200
        assert server.attempts == 3
        assert server.connections_opened == 1  # one kept-alive connection for all three


async def test_a_view_made_before_the_first_call_prepares_through_its_parent(
    server: FaultServer,
) -> None:
    server.play(CASES)
    async with support(server.url, "default") as client:
        view = client.with_options(connect_timeout=2)
        assert view.endpoint is None
        await view.describe_cases()
        assert client.endpoint is not None
        assert view.endpoint == client.endpoint
        await client.describe_cases()
        assert server.connections_opened == 1


async def test_a_views_call_timeout_is_its_own(server: FaultServer) -> None:
    server.play(Stall())
    async with support(server.url, "default", fast(read_timeout=30, max_attempts=1)) as client:
        hurried = client.with_options(call_timeout=0.2)
        with pytest.raises(awsmith.DeadlineExceededError) as info:
            await hurried.describe_cases()
        assert str(info.value) == "DescribeCases did not complete within call_timeout=0.2s"
        assert client.config.call_timeout is None
        assert hurried.config.call_timeout == 0.2
        # call_timeout=None removes a deadline again
        assert hurried.with_options(call_timeout=None).config.call_timeout is None


async def test_a_views_read_timeout_is_used(server: FaultServer) -> None:
    server.play(Stall())
    async with support(server.url, "default", fast(read_timeout=30, max_attempts=1)) as client:
        with pytest.raises(awsmith.ReadTimeoutError):
            await client.with_options(read_timeout=0.2).describe_cases()


async def test_closing_a_view_leaves_the_parent_open(server: FaultServer) -> None:
    server.play(CASES)
    async with support(server.url, "default") as client:
        view = client.with_options(max_attempts=1)
        await view.describe_cases()
        await view.close()
        with pytest.raises(awsmith.ClientClosedError, match="this SupportClient is closed"):
            await view.describe_cases()
        with pytest.raises(awsmith.ClientClosedError):
            view.with_options(max_attempts=2)
        await client.describe_cases()  # the parent, and its connection, still work
        assert server.connections_opened == 1
        async with client.with_options(max_attempts=2) as scoped:
            await scoped.describe_cases()
        await client.describe_cases()


async def test_closing_the_parent_closes_its_views_and_their_views(server: FaultServer) -> None:
    server.play(CASES)
    client = SupportClient(
        region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS, config=fast()
    )
    view = client.with_options(max_attempts=1)
    view_of_view = view.with_options(read_timeout=5)
    unused = client.with_options(read_timeout=9)  # never called before the close
    await view_of_view.describe_cases()
    await client.close()
    for closed in (client, view, view_of_view, unused):
        with pytest.raises(awsmith.ClientClosedError):
            await closed.describe_cases()
    assert await wait_until(lambda: server.open_connections == 0)  # the pool was closed


async def test_a_view_of_a_view_keeps_the_settings_it_does_not_change(
    server: FaultServer,
) -> None:
    async with support(server.url, "default", fast(max_attempts=4)) as client:
        view = client.with_options(read_timeout=3).with_options(call_timeout=9)
        assert view.config == attrs.evolve(client.config, read_timeout=3, call_timeout=9)
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError):
            await view.describe_cases()
        assert server.attempts == 4


async def test_a_view_without_its_own_max_attempts_reads_the_environment_as_its_parent(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    async with support(server.url, "default", fast(max_attempts=None)) as client:
        view = client.with_options(read_timeout=5)
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError):
            await view.describe_cases()
        assert server.attempts == 2
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError):
            await view.with_options(max_attempts=1).describe_cases()
        assert server.attempts == 1


async def test_a_view_made_early_takes_the_retry_settings_its_root_settled(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A view made before its client's first call, and first called after the
    environment changed, retries as its client does: with what the client read at its
    own first call, not what the environment says at the view's; the same as a view
    made after that call."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    async with support(server.url, "default", fast(max_attempts=None)) as client:
        early = client.with_options(read_timeout=5)
        server.play(CASES)
        await client.describe_cases()
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
        monkeypatch.setenv("AWS_RETRY_MODE", "standard")
        late = client.with_options(read_timeout=5)
        for view in (early, late):
            server.play(BUSY)
            with pytest.raises(awsmith.ServiceError) as info:
                await view.describe_cases()
            assert info.value.attempts == 2
            assert server.attempts == 2
            assert server.requests[0].headers["amz-sdk-request"] == "attempt=1; max=2"
            # adaptive, as the client read it: the client's own rate limiter
            assert view._limiter is client._limiter is not None  # pyright: ignore[reportPrivateUsage]


async def test_views_share_credentials_quota_and_interceptors(server: FaultServer) -> None:
    seen: list[str] = []

    class Note(awsmith.Interceptor):
        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            seen.append(context.operation_name)

    server.play(CASES)
    async with SupportClient(
        region="us-east-1",
        endpoint_url=server.url,
        credentials=CREDENTIALS,
        config=fast(),
        interceptors=[Note()],
    ) as client:
        view = client.with_options(max_attempts=1, retry_mode="adaptive")
        await view.describe_cases()
        assert seen == ["DescribeCases"]
        assert view._quota is client._quota  # pyright: ignore[reportPrivateUsage]
        assert view._credentials is client._credentials  # pyright: ignore[reportPrivateUsage]
        assert view._limiter is not None  # pyright: ignore[reportPrivateUsage]  # adaptive
        assert client._limiter is None  # pyright: ignore[reportPrivateUsage]
        assert view._ready is client._ready  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"max_attempts": 0}, awsmith.ConfigurationError,
         "Config.max_attempts must be an int >= 1, got 0"),
        ({"max_attempts": None}, awsmith.ConfigurationError,
         "with_options: max_attempts must be given a value; leave it out to keep the client's"),
        ({"retry_mode": "legacy"}, awsmith.ConfigurationError,
         "Config.retry_mode must be 'standard' or 'adaptive', got 'legacy'"),
        ({"read_timeout": -1}, awsmith.ConfigurationError,
         "Config.read_timeout must be a number > 0, got -1"),
        ({"call_timeout": "5"}, awsmith.ConfigurationError,
         "Config.call_timeout must be a number > 0, got '5'"),
        ({"max_pool_connections": 3}, TypeError, "max_pool_connections"),
        # unhashable: these raised a raw TypeError from the options cache's lookup
        ({"max_attempts": [3]}, awsmith.ConfigurationError,
         "Config.max_attempts must be an int >= 1, got [3]"),
        ({"retry_mode": {"adaptive"}}, awsmith.ConfigurationError,
         "Config.retry_mode must be 'standard' or 'adaptive', got {'adaptive'}"),
        ({"call_timeout": {}}, awsmith.ConfigurationError,
         "Config.call_timeout must be a number > 0, got {}"),
        ({"connect_timeout": bytearray(b"5")}, awsmith.ConfigurationError,
         "Config.connect_timeout must be a number > 0, got bytearray(b'5')"),
    ],
)
def test_bad_options_are_refused_with_a_clear_error(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    client = SupportClient(region="us-east-1", credentials=CREDENTIALS)
    for _ in range(2):  # the same each time: a refused value is not cached
        with pytest.raises(error) as info:
            client.with_options(**options)
        assert message in str(info.value)
        if error is awsmith.ConfigurationError:
            assert str(info.value) == message


@pytest.mark.parametrize(
    ("first", "then", "shown"),
    [(1, True, "True"), (2, 2.0, "2.0"), (1, 1.0, "1.0")],
)
async def test_a_value_equal_to_a_cached_one_is_still_checked(
    server: FaultServer, first: int, then: object, shown: str
) -> None:
    """The options cache is keyed by value, and True == 1, 2.0 == 2: a view asked for
    with max_attempts=True after max_attempts=1 was accepted from the cache and sent
    ``attempt=1; max=True``. Each value is checked, whatever was cached."""
    server.play(BUSY)
    async with support(server.url, "default", fast(max_attempts=3)) as client:
        with pytest.raises(awsmith.ServiceError):
            await client.with_options(max_attempts=first).describe_cases()
        assert server.attempts == first
        for _ in range(2):  # and not cached as accepted after its refusal either
            with pytest.raises(awsmith.ConfigurationError) as info:
                client.with_options(max_attempts=then)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            assert str(info.value) == f"Config.max_attempts must be an int >= 1, got {shown}"
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError):
            await client.with_options(max_attempts=first).describe_cases()
    assert [r.headers["amz-sdk-request"] for r in server.requests][-1] == (
        f"attempt={first}; max={first}"
    )


async def test_closing_a_view_closes_the_views_made_from_it(server: FaultServer) -> None:
    server.play(CASES)
    async with support(server.url, "default") as client:
        middle = client.with_options(max_attempts=2)
        leaf = middle.with_options(read_timeout=4)
        sibling = client.with_options(read_timeout=4)
        await leaf.describe_cases()
        await middle.close()
        for closed in (middle, leaf):
            with pytest.raises(awsmith.ClientClosedError):
                await closed.describe_cases()
        await sibling.describe_cases()
        await client.describe_cases()


async def test_a_view_of_a_ready_client_is_ready_with_its_retries_settled(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    server.play(CASES)
    async with support(server.url, "default", fast(max_attempts=None)) as client:
        await client.describe_cases()
        adaptive = client.with_options(retry_mode="adaptive")
        once = client.with_options(max_attempts=1)
        # ready at once: nothing to resolve, no thread hop on its first call
        assert adaptive._ready is client._ready  # pyright: ignore[reportPrivateUsage]
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError):
            await adaptive.describe_cases()
        assert server.attempts == 2  # AWS_MAX_ATTEMPTS, as its parent read it
        server.play(BUSY)
        with pytest.raises(awsmith.ServiceError):
            await once.describe_cases()
        assert server.attempts == 1
        assert client.with_options(max_attempts=1).config is once.config  # one Config per option set


def test_a_view_on_a_new_event_loop_keeps_its_parents_proxy(server: FaultServer) -> None:
    """A script calling asyncio.run() twice: the view that first runs on the second
    loop rebuilds the shared pool, with its parent's proxy (a view made before the
    parent's first call holds no transport settings of its own)."""
    server.play(CASES)
    client = SupportClient(
        region="us-east-1",
        endpoint_url="http://support.example.invalid",  # reachable only through the proxy
        credentials=CREDENTIALS,
        config=fast(proxies={"http": server.url}, trust_env=False),
    )
    view = client.with_options(max_attempts=1)

    async def first() -> None:
        await client.describe_cases()

    async def second() -> None:
        await view.describe_cases()
        await client.describe_cases()
        await client.close()

    asyncio.run(first())
    asyncio.run(second())
    assert [r.target for r in server.requests] == ["http://support.example.invalid/"] * 3
