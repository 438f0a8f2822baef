"""Credentials, Config and client construction, lifecycle and ownership."""

from __future__ import annotations

import asyncio
import gc
import gzip
import platform
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from devservers.fault_server import Reply, fault_server
from tests.unit.mockaws import (
    AKID,
    SECRET,
    TOKEN,
    Script,
    check_signature,
    credentials,
    json_reply,
    support,
)

# ---------------------------------------------------------------- credentials


@pytest.mark.parametrize("session_token", [None, TOKEN])
def test_credentials_repr_and_str_hide_the_secret_and_token(session_token: str | None) -> None:
    creds = credentials(session_token)
    expected = f"Credentials(access_key_id={AKID!r}, secret_access_key=***" + (
        ", session_token=***)" if session_token else ")"
    )
    for text in (repr(creds), str(creds), f"{creds}", f"{creds!r}", repr([creds]), str({"c": creds})):
        assert SECRET not in text and TOKEN not in text
        assert expected in text


def test_credentials_are_frozen_and_validated() -> None:
    creds = credentials()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        creds.secret_access_key = "x"  # type: ignore[misc]
    with pytest.raises(awsmith.CredentialsError, match="access_key_id must be a non-empty str"):
        awsmith.Credentials(access_key_id="", secret_access_key=SECRET)
    with pytest.raises(awsmith.CredentialsError, match="secret_access_key must be a non-empty str"):
        awsmith.Credentials(access_key_id=AKID, secret_access_key=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        awsmith.Credentials(AKID, SECRET)  # type: ignore[misc]  # keyword-only


# ---------------------------------------------------------------- config

BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"max_attempts": 0}, "Config.max_attempts must be an int >= 1, got 0"),
    ({"max_attempts": True}, "Config.max_attempts must be an int >= 1, got True"),
    ({"max_attempts": "3"}, "Config.max_attempts must be an int >= 1, got '3'"),
    ({"max_attempts": 2.0}, "Config.max_attempts must be an int >= 1, got 2.0"),
    ({"retry_mode": "legacy"}, "Config.retry_mode must be 'standard' or 'adaptive', got 'legacy'"),
    ({"connect_timeout": 0}, "Config.connect_timeout must be a number > 0, got 0"),
    ({"connect_timeout": "5"}, "Config.connect_timeout must be a number > 0, got '5'"),
    ({"read_timeout": -1.0}, "Config.read_timeout must be a number > 0, got -1.0"),
    ({"read_timeout": float("nan")}, "Config.read_timeout must be a number > 0, got nan"),
    ({"call_timeout": 0}, "Config.call_timeout must be a number > 0, got 0"),
    ({"max_backoff": None}, "Config.max_backoff must be a number > 0, got None"),
    ({"base_backoff": 0}, "Config.base_backoff must be a number > 0, got 0"),
    ({"max_pool_connections": 0}, "Config.max_pool_connections must be an int >= 1, got 0"),
    ({"max_response_bytes": -5}, "Config.max_response_bytes must be an int >= 1, got -5"),
    ({"use_fips": "yes"}, "Config.use_fips must be a bool, got 'yes'"),
    ({"use_dualstack": 1}, "Config.use_dualstack must be a bool, got 1"),
    ({"verify_tls": 0}, "Config.verify_tls must be a bool, got 0"),
    ({"pool_idle_timeout": 0}, "Config.pool_idle_timeout must be a number > 0, got 0"),
    (
        {"max_response_head_bytes": 0},
        "Config.max_response_head_bytes must be an int >= 1, got 0",
    ),
    (
        {"max_response_header_fields": 1.5},
        "Config.max_response_header_fields must be an int >= 1, got 1.5",
    ),
    (
        {"max_response_header_line_bytes": True},
        "Config.max_response_header_line_bytes must be an int >= 1, got True",
    ),
    (
        {"user_agent_extra": "app/1\r\nX-Evil: 1"},
        "Config.user_agent_extra must be a str of visible ASCII, spaces and tabs (it is sent "
        "in a header), got 'app/1\\r\\nX-Evil: 1'",
    ),
    (
        {"user_agent_extra": "appé/1"},
        "Config.user_agent_extra must be a str of visible ASCII, spaces and tabs (it is sent "
        "in a header), got 'appé/1'",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_CONFIGS, ids=[m.split()[0] for _, m in BAD_CONFIGS])
def test_config_rejects_bad_values_naming_the_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.Config(**kwargs)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError) and isinstance(info.value, awsmith.AwsmithError)


def test_config_defaults_and_valid_values() -> None:
    cfg = awsmith.Config()
    # None: from AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, the profile, else 3 / "standard"
    # (tests/unit/test_retry_settings.py).
    assert (cfg.max_attempts, cfg.retry_mode, cfg.max_backoff, cfg.verify_tls) == (
        None, None, 20.0, True
    )
    assert cfg.call_timeout is None and cfg.use_fips is None
    ok = awsmith.Config(
        max_attempts=1, retry_mode="adaptive", call_timeout=0.5, connect_timeout=1, use_fips=False
    )
    assert ok.connect_timeout == 1 and ok.call_timeout == 0.5
    with pytest.raises(TypeError):
        awsmith.Config(3)  # type: ignore[misc]  # keyword-only


# ---------------------------------------------------------------- constructor

BAD_ARGS: list[tuple[dict[str, Any], str]] = [
    ({"region": 5}, "region must be a str or None, got int"),
    ({"endpoint_url": b"http://x"}, "endpoint_url must be a str or None, got bytes"),
    (
        {"credentials": {"access_key_id": "a"}},
        "credentials must be a Credentials, an async callable returning Credentials "
        "(a CredentialProvider) or None, got dict",
    ),
    (
        {"credentials": ("a", "b")},
        "credentials must be a Credentials, an async callable returning Credentials "
        "(a CredentialProvider) or None, got tuple",
    ),
    ({"profile": 1}, "profile must be a str or None, got int"),
    ({"config": {"max_attempts": 1}}, "config must be a Config or None, got dict"),
]


@pytest.mark.parametrize("cls", [SupportClient, CodeGuruProfilerClient])
@pytest.mark.parametrize(("kwargs", "message"), BAD_ARGS, ids=[m.split()[0] for _, m in BAD_ARGS])
def test_constructor_rejects_wrong_types(
    cls: type[SupportClient], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        cls(**kwargs)
    assert str(info.value) == message


def test_constructor_rejects_a_sync_httpx_client_and_positional_arguments() -> None:
    with httpx.Client() as sync_client, pytest.raises(awsmith.ConfigurationError) as info:
        SupportClient(http_client=sync_client)  # type: ignore[arg-type]
    assert str(info.value) == "http_client must be an httpx.AsyncClient or None, got Client"
    with pytest.raises(TypeError):
        SupportClient("us-west-2")  # type: ignore[misc]


# ---------------------------------------------------------------- lifecycle


@pytest.mark.anyio
async def test_closed_client_raises_and_sends_nothing() -> None:
    script = Script(json_reply({"cases": []}))
    async with support(script) as client:
        await client.describe_cases()
        await client.close()
        await client.close()  # idempotent
        with pytest.raises(awsmith.ClientClosedError, match="SupportClient is closed"):
            await client.describe_cases()
        with pytest.raises(awsmith.ClientClosedError):
            async for _ in client.paginate_describe_cases():
                pass
    assert len(script.requests) == 1
    assert issubclass(awsmith.ClientClosedError, awsmith.AwsmithError)


@pytest.mark.anyio
async def test_client_closed_before_first_call_raises() -> None:
    script = Script(json_reply({}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        client = SupportClient(region="us-west-2", credentials=credentials(), http_client=http)
        await client.close()
        with pytest.raises(awsmith.ClientClosedError):
            await client.describe_cases()
    assert script.requests == []


@pytest.mark.anyio
async def test_async_with_closes_but_leaves_the_callers_httpx_client_open() -> None:
    script = Script(json_reply({"cases": []}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        async with SupportClient(
            region="us-west-2", credentials=credentials(), http_client=http
        ) as client:
            assert client.endpoint is not None  # resolved on entry
            assert client.endpoint.url == "https://support.us-east-1.amazonaws.com"
            await client.describe_cases()
        with pytest.raises(awsmith.ClientClosedError):
            await client.describe_cases()
        assert client.endpoint is None
        # the caller's client is still open and usable
        assert not http.is_closed
        response = await http.get("https://example.invalid/after")
        assert response.status_code == 200
    assert [str(r.url) for r in script.requests] == [
        "https://support.us-east-1.amazonaws.com/",
        "https://example.invalid/after",
    ]
    assert http.is_closed


@pytest.mark.anyio
async def test_close_without_async_with_leaves_the_callers_httpx_client_open() -> None:
    script = Script(json_reply({"cases": []}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        client = SupportClient(region="us-west-2", credentials=credentials(), http_client=http)
        await client.describe_cases()
        await client.close()
        assert not http.is_closed


@pytest.mark.anyio
async def test_explicit_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    script = Script(json_reply({"tags": {}}))
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(script)) as http,
        CodeGuruProfilerClient(
            region="us-west-2",
            credentials=credentials(),
            http_client=http,
            endpoint_url="https://profiler.example.com",
        ) as client,
    ):
        await client.list_tags_for_resource(resource_arn="arn")
    request = script.request
    assert str(request.url) == "https://profiler.example.com/tags/arn"
    check_signature(request, region="us-west-2", service="codeguru-profiler")


@pytest.mark.anyio
async def test_user_agent_names_awsmith_and_appends_the_extra_text() -> None:
    script = Script(json_reply({}))
    cfg = awsmith.Config(user_agent_extra="my-app/2.1")
    async with support(script, config=cfg) as client:
        await client.resolve_case()
    agent = script.request.headers["User-Agent"]
    assert agent.startswith(
        f"awsmith/{awsmith.__version__} Python/{platform.python_version()} os/{sys.platform} "
    )
    assert agent.endswith(" my-app/2.1")


@pytest.mark.anyio
async def test_responses_are_not_compressed_behind_awsmiths_back() -> None:
    """awsmith reads bodies raw (a gzip profile must stay gzip), so through a caller's
    httpx client it must not advertise httpx's default ``Accept-Encoding: gzip``."""

    def compressing_server(request: httpx.Request) -> httpx.Response:
        body = b'{"cases": [{"caseId": "c1"}]}'
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            return httpx.Response(
                200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(gzip.compress(body))
            )
        return httpx.Response(200, stream=httpx.ByteStream(body))

    script = Script(compressing_server)
    async with support(script) as client:
        result = await client.describe_cases()
    assert script.request.headers["Accept-Encoding"] == "identity"
    assert [case.case_id for case in result.cases or []] == ["c1"]


# ---------------------------------------------------------------- dropped without close()

CASES = Reply.json({"cases": []})
FAST_ONCE = awsmith.Config(max_attempts=1, use_fips=False, use_dualstack=False)


def own_client(url: str) -> SupportClient:
    """A client on awsmith's own connection pool (no caller's http_client)."""
    return SupportClient(
        region="us-east-1", endpoint_url=url, credentials=credentials(), config=FAST_ONCE
    )


def dropped(make: Any) -> list[warnings.WarningMessage]:
    """The ResourceWarnings raised while the last reference to what ``make()`` returns
    is dropped and the garbage collected (a client sits in a reference cycle)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
        del made
        gc.collect()
    return [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.anyio
async def test_a_used_client_dropped_without_close_warns_naming_its_class() -> None:
    """On e82cd98 a client dropped unclosed said nothing; its sockets showed up later as
    anonymous asyncio 'unclosed transport' warnings. As aiohttp's unclosed ClientSession:
    a ResourceWarning naming the class and how to close it, with the client as its
    ``source`` (tracemalloc's pointer to where it was made), and a message to the event
    loop's exception handler (what is shown where ResourceWarnings are not)."""
    handled: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: handled.append(context))
    with fault_server() as server:
        server.play(CASES)
        client = own_client(server.url)
        await client.describe_cases()
        sender = client._ready.sender if client._ready else None
        described = repr(client)

        def last_reference() -> SupportClient:
            nonlocal client
            made, client = client, None  # type: ignore[assignment]
            return made

        [warning] = dropped(last_reference)
        assert sender is not None
        await sender.close()  # what the client should have done
    assert warning.category is ResourceWarning
    assert str(warning.message) == (
        f"unclosed SupportClient {described}: close it with 'await client.close()', or "
        "create it with 'async with SupportClient(...) as client:'"
    )
    assert type(warning.source) is SupportClient and repr(warning.source) == described
    assert handled == [{"message": "Unclosed SupportClient", "client": warning.source}]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "case", ["never used", "closed", "async with", "a failed constructor", "validation only"]
)
async def test_a_client_that_holds_nothing_open_does_not_warn(case: str) -> None:
    with fault_server() as server:
        server.play(CASES)
        client: Any = own_client(server.url)
        if case == "closed":
            await client.describe_cases()
            await client.close()
        elif case == "async with":
            async with client:
                await client.describe_cases()
        elif case == "a failed constructor":
            with pytest.raises(awsmith.ConfigurationError):
                client = SupportClient(region=5)  # type: ignore[arg-type]
        elif case == "validation only":
            with pytest.raises(awsmith.ParamValidationError):
                await client.describe_cases(max_results=1)  # refused before any I/O
        holder = [client]
        del client
        assert dropped(holder.pop) == []
        assert server.attempts == (1 if case in ("closed", "async with") else 0)


@pytest.mark.anyio
async def test_a_with_options_view_never_warns_and_its_client_does_once() -> None:
    """A view shares its client's connections and keeps that client alive: dropping the
    view says nothing; the client, dropped unclosed later, warns once."""
    with fault_server() as server:
        server.play(CASES)
        holder: list[Any] = [own_client(server.url)]
        view = holder[0].with_options(max_attempts=2)
        await view.describe_cases()
        sender = holder[0]._ready.sender
        views = [view]
        del view
        assert dropped(views.pop) == []
        assert [str(w.message).split()[:2] for w in dropped(holder.pop)] == [
            ["unclosed", "SupportClient"]
        ]
        await sender.close()


@pytest.mark.anyio
async def test_a_client_on_the_callers_httpx_client_never_warns() -> None:
    """It holds nothing: the connections are the caller's httpx client's to close."""
    script = Script(json_reply({"cases": []}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        holder: list[Any] = [
            SupportClient(region="us-east-1", credentials=credentials(), http_client=http)
        ]
        await holder[0].describe_cases()
        assert dropped(holder.pop) == []
    assert len(script.requests) == 1


def test_tracemalloc_shows_where_an_unclosed_client_was_made(tmp_path: Path) -> None:
    """``source=`` the client: with ``-X tracemalloc`` the warning report shows the line
    that made it."""
    script = tmp_path / "leaky.py"
    script.write_text(
        "import asyncio, gc, sys\n"
        "import awsmith\n"
        "from awsmith.support import SupportClient\n"
        "\n"
        "async def main(url):\n"
        "    creds = awsmith.Credentials(access_key_id='AKID', secret_access_key='s')\n"
        "    client = SupportClient(region='us-east-1', endpoint_url=url, credentials=creds)  # MADE HERE\n"
        "    await client.describe_cases()\n"
        "    sender = client._ready.sender\n"
        "    del client\n"
        "    gc.collect()\n"
        "    await sender.close()\n"
        "\n"
        "asyncio.run(main(sys.argv[1]))\n"
    )
    with fault_server() as server:
        server.play(CASES)
        result = subprocess.run(
            [sys.executable, "-X", "tracemalloc=5", "-W", "always::ResourceWarning", str(script), server.url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    head = "ResourceWarning: unclosed SupportClient <awsmith.support.client.SupportClient object at 0x"
    assert head in result.stderr
    # Python >= 3.12 adds "Object allocated at ..." from the source; on 3.11, whose
    # tracemalloc cannot find it, the warning's own text says where it was made.
    report = result.stderr.split(head, 1)[1]
    assert "leaky.py" in report and "# MADE HERE" in report
