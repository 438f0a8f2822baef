"""Proxies, through a real forward proxy (Debian's tinyproxy, started per test on
127.0.0.1 with a generated config): CONNECT for https endpoints (then TLS with the
origin, verified against a generated CA given as ``Config(ca_bundle=...)``),
absolute-form requests for http ones, Basic proxy authentication, ``HTTPS_PROXY`` /
``NO_PROXY`` from the environment, and a proxy's refusals.

Every test runs on asyncio (awsmith's own sender) and on trio (the httpx client awsmith
makes), and asserts what the proxy's log and the origin saw."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from devservers import forward_proxy as fp
from devservers.fault_server import FaultServer, Reply, fault_server
from tests.certs import make_ca_and_server, server_context
from tests.resilience.helpers import (
    AKID,
    CREDENTIALS,
    SECRET,
    TOKEN,
    describe_cases_once,
    fast,
)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"]),
]

CASES = Reply.json({"cases": [{"caseId": "case-1"}]})
PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def _proxy(**kwargs: Any) -> Iterator[fp.ForwardProxy]:
    if not fp.available():
        pytest.skip(f"needs a real forward proxy: {fp.INSTALL_HINT}")
    with fp.forward_proxy(**kwargs) as proxy:
        yield proxy


@pytest.fixture
def proxy() -> Iterator[fp.ForwardProxy]:
    yield from _proxy()


@pytest.fixture
def auth_proxy() -> Iterator[fp.ForwardProxy]:
    yield from _proxy(auth=("alice", "s3cret"))


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    return make_ca_and_server(tmp_path)[0]


@pytest.fixture
def tls_origin(tmp_path: Path, ca_file: Path) -> Iterator[FaultServer]:
    context = server_context(tmp_path / "server.pem", tmp_path / "server.key")
    with fault_server(ssl_context=context, key_id=AKID) as server:
        server.play(CASES)
        yield server


@pytest.fixture
def http_origin() -> Iterator[FaultServer]:
    with fault_server(key_id=AKID) as server:
        server.play(CASES)
        yield server


def port_of(server: FaultServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


async def describe(origin: FaultServer, **config: Any) -> str:
    response = await describe_cases_once(origin.url, **config)
    assert response.cases is not None
    return response.cases[0].case_id or ""


def assert_hidden(error: BaseException, password: str) -> None:
    for text in (str(error), repr(error), repr(error.__cause__), repr(error.__context__)):
        assert password not in text
        assert SECRET not in text and TOKEN not in text


# ---------------------------------------------------------------- through the proxy


async def test_https_goes_through_a_connect_tunnel(
    proxy: fp.ForwardProxy, tls_origin: FaultServer, ca_file: Path
) -> None:
    proxies = {"https": proxy.url}
    assert await describe(tls_origin, proxies=proxies, ca_bundle=str(ca_file)) == "case-1"
    assert proxy.requests() == [f"CONNECT 127.0.0.1:{port_of(tls_origin)} HTTP/1.1"]
    assert tls_origin.attempts == 1
    assert tls_origin.requests[0].headers["host"] == f"127.0.0.1:{port_of(tls_origin)}"


async def test_the_origin_certificate_is_checked_through_the_tunnel(
    proxy: fp.ForwardProxy, tls_origin: FaultServer
) -> None:
    """Without the test CA (certifi's bundle only) the origin's certificate is refused,
    tunnel or not: the proxy does not stand in for the origin's identity."""
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        await describe(tls_origin, proxies={"https": proxy.url})
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert tls_origin.attempts == 0
    assert proxy.requests() == [f"CONNECT 127.0.0.1:{port_of(tls_origin)} HTTP/1.1"]


async def test_http_goes_to_the_proxy_in_absolute_form(
    proxy: fp.ForwardProxy, http_origin: FaultServer
) -> None:
    assert await describe(http_origin, proxies={"http": proxy.url}) == "case-1"
    assert proxy.requests() == [f"POST http://127.0.0.1:{port_of(http_origin)}/ HTTP/1.1"]
    (request,) = http_origin.requests
    assert request.target == "/"
    assert request.headers["host"] == f"127.0.0.1:{port_of(http_origin)}"
    assert "proxy-authorization" not in request.headers


async def test_a_proxy_for_one_host_beats_the_scheme_entry(
    proxy: fp.ForwardProxy, http_origin: FaultServer
) -> None:
    dead = f"http://127.0.0.1:{fp.free_port()}"
    proxies = {"http": dead, "http://127.0.0.1": proxy.url}
    assert await describe(http_origin, proxies=proxies) == "case-1"
    assert len(proxy.requests()) == 1


# ---------------------------------------------------------------- the environment


async def test_https_proxy_from_the_environment(
    proxy: fp.ForwardProxy,
    tls_origin: FaultServer,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert await describe(tls_origin, ca_bundle=str(ca_file)) == "case-1"
    assert proxy.requests() == [f"CONNECT 127.0.0.1:{port_of(tls_origin)} HTTP/1.1"]


async def test_lower_case_variables_win(
    proxy: fp.ForwardProxy, http_origin: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{fp.free_port()}")  # nobody there
    monkeypatch.setenv("http_proxy", proxy.url.removeprefix("http://"))  # no scheme: http
    assert await describe(http_origin) == "case-1"
    assert len(proxy.requests()) == 1


async def test_trust_env_false_ignores_the_environment(
    proxy: fp.ForwardProxy, http_origin: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    assert await describe(http_origin, trust_env=False) == "case-1"
    assert proxy.requests() == []
    assert http_origin.attempts == 1


@pytest.mark.parametrize(
    ("no_proxy", "bypassed"),
    [
        ("127.0.0.1", True),
        ("*", True),
        ("localhost, 127.0.0.0/8", True),
        ("127.0.0.1:{port}", True),
        ("127.0.0.1:1", False),
        ("10.0.0.0/8,.example.com,example.org", False),
    ],
)
async def test_no_proxy(
    proxy: fp.ForwardProxy,
    http_origin: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
    bypassed: bool,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy.format(port=port_of(http_origin)))
    assert await describe(http_origin) == "case-1"
    assert len(proxy.requests()) == (0 if bypassed else 1)
    assert http_origin.attempts == 1


async def test_no_proxy_does_not_apply_to_config_proxies(
    proxy: fp.ForwardProxy, http_origin: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in botocore: NO_PROXY narrows the environment's proxies only."""
    monkeypatch.setenv("NO_PROXY", "*")
    assert await describe(http_origin, proxies={"http": proxy.url}) == "case-1"
    assert len(proxy.requests()) == 1


# ---------------------------------------------------------------- authentication


async def test_proxy_credentials_are_sent_as_basic_auth(
    auth_proxy: fp.ForwardProxy, tls_origin: FaultServer, http_origin: FaultServer, ca_file: Path
) -> None:
    config = {"proxies": {"http": auth_proxy.url, "https": auth_proxy.url}}
    assert await describe(tls_origin, ca_bundle=str(ca_file), **config) == "case-1"
    assert await describe(http_origin, **config) == "case-1"
    assert auth_proxy.requests() == [
        f"CONNECT 127.0.0.1:{port_of(tls_origin)} HTTP/1.1",
        f"POST http://127.0.0.1:{port_of(http_origin)}/ HTTP/1.1",
    ]
    # The proxy's credentials went to the proxy only.
    assert "proxy-authorization" not in http_origin.requests[0].headers


async def test_wrong_proxy_credentials_over_connect(
    auth_proxy: fp.ForwardProxy, tls_origin: FaultServer, ca_file: Path
) -> None:
    url = f"http://alice:wrong-pw@127.0.0.1:{auth_proxy.port}"
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        await describe(tls_origin, proxies={"https": url}, ca_bundle=str(ca_file))
    # tinyproxy answers an unauthorized CONNECT with 401 (most proxies say 407): the
    # message gives the proxy's own answer.
    assert str(info.value) == (
        f"the proxy {auth_proxy.display} refused to connect to 127.0.0.1:{port_of(tls_origin)}: "
        "401 Unauthorized (when calling the DescribeCases operation)"
    )
    assert_hidden(info.value, "wrong-pw")
    assert tls_origin.attempts == 0


async def test_missing_proxy_credentials_for_plain_http(
    auth_proxy: fp.ForwardProxy, http_origin: FaultServer
) -> None:
    """407 from the proxy (tinyproxy's answer to a request without credentials; to
    wrong ones it answers 401, which a client cannot tell from the origin's own). A
    GET (CodeGuru Profiler's ListProfilingGroups): tinyproxy answers and closes without
    reading a request body, so with a POST the reset that follows can destroy its
    answer before the client reads it (the error is then the reset)."""
    url = auth_proxy.display
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        async with CodeGuruProfilerClient(
            region="us-east-1",
            endpoint_url=http_origin.url,
            credentials=CREDENTIALS,
            config=fast(max_attempts=1, proxies={"http": url}),
        ) as client:
            await client.list_profiling_groups()
    assert str(info.value) == (
        f"the proxy {auth_proxy.display} refused the request to "
        f"http://127.0.0.1:{port_of(http_origin)}: 407 Proxy Authentication Required "
        "(when calling the ListProfilingGroups operation)"
    )
    assert http_origin.attempts == 0


# ---------------------------------------------------------------- refusals and failures


async def test_a_refused_connect_names_the_proxy_and_its_answer(
    tls_origin: FaultServer, ca_file: Path
) -> None:
    if not fp.available():
        pytest.skip(f"needs a real forward proxy: {fp.INSTALL_HINT}")
    with fp.forward_proxy(connect_ports=(1,)) as proxy:  # tunnels to port 1 only
        with pytest.raises(awsmith.ConnectionFailedError) as info:
            await describe(tls_origin, proxies={"https": proxy.url}, ca_bundle=str(ca_file))
        assert str(info.value) == (
            f"the proxy {proxy.display} refused to connect to "
            f"127.0.0.1:{port_of(tls_origin)}: 403 Access violation (when calling the "
            "DescribeCases operation)"
        )
    assert tls_origin.attempts == 0


async def test_a_proxy_nobody_listens_on(http_origin: FaultServer) -> None:
    dead = f"http://user:pw-123@127.0.0.1:{fp.free_port()}"
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        await describe(http_origin, proxies={"http": dead})
    assert str(info.value).startswith(f"cannot connect to the proxy {dead.replace('user:pw-123@', '')}: ")
    assert_hidden(info.value, "pw-123")
    assert http_origin.attempts == 0
