"""TLS client certificates (``Config(client_cert=...)``, botocore's
``Config(client_cert=...)``) against a real web server that requires one: Debian's nginx
with ``ssl_verify_client on`` and a client CA the test made. nginx lists the cases with
the subject of the certificate it was shown, so the certificate awsmith sent is read
back from the answer and compared with the one botocore's own client sends with the
same setting.

On asyncio (awsmith's own HTTP/1.1 sender) and trio (the httpx client awsmith makes),
directly and through a real forward proxy (tinyproxy: a CONNECT tunnel, then TLS with
nginx end to end)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import botocore.config
import botocore.session
import httpx
import pytest

import awsmith
from awsmith.support import SupportClient
from devservers import forward_proxy as fp
from devservers import tls_front as tls
from devservers import web_server as ws
from tests.certs import make_ca_and_server, make_client_certificate
from tests.resilience.helpers import AKID, CREDENTIALS, SECRET, TOKEN, describe_cases_once

BACKENDS = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
SUBJECT = "CN=awsmith-client"


@dataclass(frozen=True)
class Pki:
    ca: Path  # the server's CA
    cert: Path  # the client certificate
    key: Path
    both: Path  # certificate and key in one PEM
    stranger: tuple[Path, Path]  # a client certificate of another CA, and its key


@dataclass(frozen=True)
class Mtls:
    server: ws.WebServer
    pki: Pki


@pytest.fixture(scope="module")
def mtls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mtls]:
    if not ws.available():
        pytest.skip(f"needs a real web server: {ws.INSTALL_HINT}")
    folder = tmp_path_factory.mktemp("mtls")
    ca, cert, key = make_ca_and_server(folder)
    client_ca, client_cert, client_key, both = make_client_certificate(folder)
    _, other_cert, other_key, _ = make_client_certificate(folder, "stranger")
    pki = Pki(ca, client_cert, client_key, both, (other_cert, other_key))
    with ws.web_server(cert, key, client_ca=client_ca) as server:
        yield Mtls(server, pki)


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def proxy() -> Iterator[fp.ForwardProxy]:
    if not fp.available():
        pytest.skip(f"needs a real forward proxy: {fp.INSTALL_HINT}")
    with fp.forward_proxy() as running:
        yield running


def client_cert_forms(pki: Pki) -> dict[str, str | tuple[str, str]]:
    """Both spellings botocore takes: one PEM with both, or (certificate, key)."""
    return {"one file": str(pki.both), "pair": (str(pki.cert), str(pki.key))}


FORMS = pytest.mark.parametrize("form", ["one file", "pair"])


def botocore_subject(
    mtls: Mtls,
    client_cert: str | tuple[str, str] | None,
    proxies: dict[str, str] | None = None,
    proxies_config: dict[str, Any] | None = None,
) -> str:
    """The subject nginx saw from botocore's own client with the same settings; or the
    error botocore raised: ``"error: ClientError <status>"`` for an HTTP answer,
    ``"error: <class>"`` for any other."""
    client = botocore.session.Session().create_client(
        "support",
        region_name="us-east-1",
        endpoint_url=mtls.server.https_url,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=TOKEN,
        verify=str(mtls.pki.ca),
        config=botocore.config.Config(
            client_cert=client_cert,
            proxies=proxies,
            proxies_config=proxies_config,
            retries={"total_max_attempts": 1},
        ),
    )
    try:
        subject: str = client.describe_cases()["cases"][0]["subject"]
    except client.exceptions.ClientError as exc:
        return f"error: ClientError {exc.response['ResponseMetadata']['HTTPStatusCode']}"
    except Exception as exc:  # botocore's own classes, named for the comparison
        return f"error: {type(exc).__name__}"
    finally:
        client.close()
    return subject


async def awsmith_subject(mtls: Mtls, **config: Any) -> str:
    response = await describe_cases_once(
        mtls.server.https_url, ca_bundle=str(mtls.pki.ca), **config
    )
    return str(response.cases[0].subject)


# ---------------------------------------------------------------- the certificate sent


@pytest.mark.anyio
@BACKENDS
@FORMS
async def test_client_cert_is_sent_as_botocore_sends_it(mtls: Mtls, form: str) -> None:
    client_cert = client_cert_forms(mtls.pki)[form]
    expected = botocore_subject(mtls, client_cert)
    assert expected == SUBJECT
    assert await awsmith_subject(mtls, client_cert=client_cert) == expected


@pytest.mark.anyio
@BACKENDS
@FORMS
async def test_client_cert_through_a_proxy(mtls: Mtls, proxy: fp.ForwardProxy, form: str) -> None:
    """Through a CONNECT tunnel the TLS session is nginx's, and the certificate reaches
    it as without a proxy (tinyproxy sees only the CONNECT), as with botocore."""
    client_cert = client_cert_forms(mtls.pki)[form]
    proxies = {"https": proxy.url}
    expected = botocore_subject(mtls, client_cert, proxies)
    assert expected == SUBJECT
    before = len(proxy.requests())
    assert await awsmith_subject(mtls, client_cert=client_cert, proxies=proxies) == expected
    port = mtls.server.https_url.rsplit(":", 1)[1]
    assert proxy.requests()[before:] == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]


@pytest.mark.anyio
@BACKENDS
async def test_without_client_cert_the_server_refuses_both(mtls: Mtls) -> None:
    """nginx answers 400 ("No required SSL certificate was sent") to a client that
    shows none: botocore's ClientError, awsmith's ServiceError, both with status 400."""
    assert botocore_subject(mtls, None) == "error: ClientError 400"
    with pytest.raises(awsmith.ServiceError) as info:
        await awsmith_subject(mtls)
    assert info.value.status_code == 400


@pytest.mark.anyio
@BACKENDS
async def test_a_certificate_of_another_ca_is_refused_by_both(mtls: Mtls) -> None:
    stranger = (str(mtls.pki.stranger[0]), str(mtls.pki.stranger[1]))
    assert botocore_subject(mtls, stranger) == "error: ClientError 400"
    with pytest.raises(awsmith.ServiceError) as info:
        await awsmith_subject(mtls, client_cert=stranger)
    assert info.value.status_code == 400


@pytest.mark.anyio
@BACKENDS
async def test_a_certificate_renewed_in_place_is_loaded_by_the_next_client(
    mtls: Mtls, tmp_path: Path
) -> None:
    """A certificate a vault agent or cert-manager renews at the same path: the next
    client made shows the new one, as a new botocore client does (the process-wide
    context cache is keyed by each file's state, not only its path). The first file is
    another CA's certificate, which nginx refuses; the renewed one is accepted."""
    path = tmp_path / "client.pem"
    stranger_cert, stranger_key = mtls.pki.stranger
    path.write_bytes(stranger_cert.read_bytes() + stranger_key.read_bytes())
    assert botocore_subject(mtls, str(path)) == "error: ClientError 400"
    with pytest.raises(awsmith.ServiceError) as info:
        await awsmith_subject(mtls, client_cert=str(path))
    assert info.value.status_code == 400

    path.write_bytes(mtls.pki.both.read_bytes())  # renewed in place: same path and inode
    expected = botocore_subject(mtls, str(path))
    assert expected == SUBJECT
    assert await awsmith_subject(mtls, client_cert=str(path)) == expected


@pytest.mark.anyio
@BACKENDS
async def test_a_renewed_certificate_that_went_missing(mtls: Mtls, tmp_path: Path) -> None:
    """A client made after the certificate file went away says so, even though a
    context made from that path earlier is cached."""
    path = tmp_path / "client.pem"
    path.write_bytes(mtls.pki.both.read_bytes())
    assert await awsmith_subject(mtls, client_cert=str(path)) == SUBJECT
    path.unlink()
    with pytest.raises(awsmith.ConfigurationError) as info:
        await awsmith_subject(mtls, client_cert=str(path))
    assert str(info.value) == f"Config.client_cert names no file: {str(path)!r}"


# ---------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("", "''"),
        (5, "5"),
        (["cert.pem", "key.pem"], "['cert.pem', 'key.pem']"),
        (("cert.pem",), "('cert.pem',)"),
        (("cert.pem", ""), "('cert.pem', '')"),
        (("cert.pem", "key.pem", "x"), "('cert.pem', 'key.pem', 'x')"),
    ],
)
@pytest.mark.parametrize("name", ["client_cert", "proxy_client_cert"])
def test_a_malformed_client_cert_is_refused_by_config(name: str, value: object, shown: str) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.Config(**{name: value})
    assert str(info.value) == (
        f"Config.{name} must be the path of a PEM file with the certificate and its key, "
        f"or a (certificate, key) pair of paths, got {shown}"
    )


@pytest.mark.anyio
@BACKENDS
@pytest.mark.parametrize("which", ["certificate", "key", "one file"])
async def test_a_client_cert_that_names_no_file(mtls: Mtls, tmp_path: Path, which: str) -> None:
    missing = str(tmp_path / "missing.pem")
    value: str | tuple[str, str]
    if which == "certificate":
        value = (missing, str(mtls.pki.key))
    elif which == "key":
        value = (str(mtls.pki.cert), missing)
    else:
        value = missing
    with pytest.raises(awsmith.ConfigurationError) as info:
        await awsmith_subject(mtls, client_cert=value)
    assert str(info.value) == f"Config.client_cert names no file: {missing!r}"


@pytest.mark.anyio
@BACKENDS
async def test_a_key_that_is_not_the_certificates(mtls: Mtls) -> None:
    value = (str(mtls.pki.cert), str(mtls.pki.stranger[1]))
    with pytest.raises(awsmith.ConfigurationError) as info:
        await awsmith_subject(mtls, client_cert=value)
    assert str(info.value).startswith(
        f"Config.client_cert: cannot use {value!r} as a client certificate: "
    )
    assert "KEY_VALUES_MISMATCH" in str(info.value)


@pytest.mark.anyio
@BACKENDS
async def test_an_encrypted_key_is_refused_not_prompted_for(mtls: Mtls, tmp_path: Path) -> None:
    """OpenSSL would ask for the key's password on the terminal (a client in a service
    would hang): awsmith refuses an encrypted key instead, saying so."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(mtls.pki.key.read_bytes(), None)
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"password"),
        )
    )
    value = (str(mtls.pki.cert), str(encrypted))
    with pytest.raises(awsmith.ConfigurationError) as info:
        await awsmith_subject(mtls, client_cert=value)
    assert str(info.value) == (
        f"Config.client_cert: cannot use {value!r} as a client certificate: its key is "
        "encrypted (give an unencrypted key, readable only by the user the client runs as)"
    )


@pytest.mark.anyio
async def test_client_cert_with_a_callers_http_client_is_refused() -> None:
    """A caller's httpx client makes its own TLS connections: a certificate given to
    awsmith's Config would not be sent, and is refused rather than dropped."""
    async with httpx.AsyncClient() as http:
        with pytest.raises(awsmith.ConfigurationError) as info:
            SupportClient(
                region="us-east-1",
                credentials=CREDENTIALS,
                http_client=http,
                config=awsmith.Config(client_cert="client.pem"),
            )
    assert str(info.value) == (
        "Config.client_cert applies to the connections awsmith makes itself, not to a "
        "caller's http_client: give the certificate to your httpx.AsyncClient "
        "(its verify= SSL context's load_cert_chain)"
    )


# ---------------------------------------------------------------- an https proxy


@dataclass(frozen=True)
class TlsProxy:
    """tinyproxy behind nginx's TLS front: an https:// proxy requiring a client
    certificate of its own CA."""

    url: str
    front: tls.TlsFront
    forward: fp.ForwardProxy
    ca: Path  # the CA of the proxy's server certificate
    client_cert: tuple[str, str]  # the certificate the proxy requires, and its key


@pytest.fixture
def tls_proxy(tmp_path: Path) -> Iterator[TlsProxy]:
    if not (fp.available() and tls.available()):
        pytest.skip(f"needs a real TLS proxy: {fp.INSTALL_HINT}; {tls.INSTALL_HINT}")
    ca, cert, key = make_ca_and_server(tmp_path)
    client_ca, client_cert, client_key, _ = make_client_certificate(tmp_path, "proxy-client")
    with (
        fp.forward_proxy() as forward,
        tls.tls_front(forward.port, cert, key, client_ca=client_ca) as front,
    ):
        yield TlsProxy(
            f"https://localhost:{front.port}",
            front,
            forward,
            ca,
            (str(client_cert), str(client_key)),
        )


def botocore_through(mtls: Mtls, proxy: TlsProxy, proxies_config: dict[str, Any]) -> str:
    """botocore's client, with the origin's client certificate, through the https
    proxy with ``proxies_config``."""
    return botocore_subject(mtls, str(mtls.pki.both), {"https": proxy.url}, proxies_config)


async def proxy_subjects(proxy: TlsProxy, before: int, count: int) -> list[str]:
    """The client-certificate subjects of the connections the proxy's front logged
    after the first ``before`` (nginx writes a line when a connection closes)."""
    with anyio.move_on_after(5):
        while len(proxy.front.connections()) < before + count:
            await anyio.sleep(0.02)
    return proxy.front.connections()[before:]


@pytest.mark.anyio
@BACKENDS
async def test_proxy_client_cert_and_proxy_ca_bundle(mtls: Mtls, tls_proxy: TlsProxy) -> None:
    """The proxy is shown its own client certificate and checked against its own CA;
    the origin, through the tunnel, gets the origin's certificate: as botocore's
    ``proxies_config`` does it."""
    before = len(tls_proxy.front.connections())
    expected = botocore_through(
        mtls,
        tls_proxy,
        {"proxy_ca_bundle": str(tls_proxy.ca), "proxy_client_cert": tls_proxy.client_cert},
    )
    assert expected == SUBJECT
    assert await proxy_subjects(tls_proxy, before, 1) == ["CN=proxy-client"]
    before = len(tls_proxy.front.connections())
    got = await awsmith_subject(
        mtls,
        client_cert=str(mtls.pki.both),
        proxies={"https": tls_proxy.url},
        proxy_ca_bundle=str(tls_proxy.ca),
        proxy_client_cert=tls_proxy.client_cert,
    )
    assert got == expected
    assert await proxy_subjects(tls_proxy, before, 1) == ["CN=proxy-client"]
    port = mtls.server.https_url.rsplit(":", 1)[1]
    # botocore's tunnel is http.client's: CPython 3.11 writes CONNECT as HTTP/1.0, 3.12
    # and later as the connection's own version, HTTP/1.1. awsmith says HTTP/1.1 on all.
    botocore_version = "HTTP/1.0" if sys.version_info < (3, 12) else "HTTP/1.1"
    assert tls_proxy.forward.requests() == [
        f"CONNECT 127.0.0.1:{port} {botocore_version}",
        f"CONNECT 127.0.0.1:{port} HTTP/1.1",
    ]


@pytest.mark.anyio
@BACKENDS
async def test_without_proxy_client_cert_the_proxy_refuses_both(
    mtls: Mtls, tls_proxy: TlsProxy, anyio_backend: str
) -> None:
    """The origin's certificate is not shown to the proxy: without
    ``proxy_client_cert`` the proxy refuses the TLS session (under TLS 1.3 the client
    learns it when it next reads: botocore's ConnectionClosedError), for botocore and
    awsmith."""
    assert botocore_through(mtls, tls_proxy, {"proxy_ca_bundle": str(tls_proxy.ca)}) == (
        "error: ConnectionClosedError"
    )
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        await awsmith_subject(
            mtls,
            client_cert=str(mtls.pki.both),
            proxies={"https": tls_proxy.url},
            proxy_ca_bundle=str(tls_proxy.ca),
        )
    if anyio_backend == "asyncio":
        assert str(info.value) == (
            f"the proxy {tls_proxy.url} closed the connection before it answered CONNECT "
            "(when calling the DescribeCases operation)"
        )
    else:  # httpx's words: its tunnel does not say whether the proxy or the origin closed
        assert "Server disconnected without sending a response" in str(info.value)
    assert tls_proxy.forward.requests() == []  # the proxy's front let nothing through


@pytest.mark.anyio
@BACKENDS
async def test_without_proxy_ca_bundle_the_proxy_certificate_is_refused_by_both(
    mtls: Mtls, tls_proxy: TlsProxy
) -> None:
    assert botocore_through(mtls, tls_proxy, {"proxy_client_cert": tls_proxy.client_cert}) == (
        "error: ProxyConnectionError"
    )
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        await awsmith_subject(
            mtls,
            client_cert=str(mtls.pki.both),
            proxies={"https": tls_proxy.url},
            proxy_client_cert=tls_proxy.client_cert,
        )
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert tls_proxy.forward.requests() == []


@pytest.mark.anyio
@BACKENDS
async def test_the_profiles_proxies_config_is_read_by_neither(
    mtls: Mtls, tls_proxy: TlsProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore's configuration chain has a profile section ``proxies_config``
    (``proxy_ca_bundle``, ``proxy_client_cert``, ``proxy_use_forwarding_for_https``)
    and its session reads it, but its clients take proxies_config from ``Config``
    only: with the proxy's CA and certificate in the profile alone, botocore's call
    fails as without them, and so does awsmith's."""
    import awsmith._core.settings as settings_module

    config = tmp_path / "aws-config"
    config.write_text(
        "[default]\nproxies_config =\n"
        f"    proxy_ca_bundle = {tls_proxy.ca}\n"
        f"    proxy_client_cert = {tls_proxy.client_cert[0]}\n"
        "    proxy_use_forwarding_for_https = true\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setattr(settings_module, "SCOPED_CONFIG", {})
    session_reads = botocore.session.Session().get_config_variable("proxies_config")
    assert session_reads == {
        "proxy_ca_bundle": str(tls_proxy.ca),
        "proxy_client_cert": tls_proxy.client_cert[0],
        "proxy_use_forwarding_for_https": "true",
    }
    assert botocore_through(mtls, tls_proxy, {}) == "error: ProxyConnectionError"
    with pytest.raises(awsmith.ConnectionFailedError) as info:
        await awsmith_subject(
            mtls, client_cert=str(mtls.pki.both), proxies={"https": tls_proxy.url}
        )
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)  # checked with the origin's CAs
    assert tls_proxy.forward.requests() == []
