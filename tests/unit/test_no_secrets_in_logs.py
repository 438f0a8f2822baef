"""No secret key, session token, signature, attachment data or profile blob reaches any
log record at any level, nor the text of any exception awsmith raises."""

from __future__ import annotations

import base64
import logging
import socketserver
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from awsmith.support.errors import CaseIdNotFound
from awsmith.support.shapes import Attachment
from devservers.forward_proxy import free_port
from tests.runtime.test_assume_role import role, sts_error, sts_http, sts_reply
from tests.unit.mockaws import (
    AKID,
    REQUEST_ID,
    SECRET,
    TOKEN,
    Script,
    codeguru,
    credentials,
    error_reply,
    json_reply,
    support,
)

ATTACHMENT = b"ATTACHMENT-PRIVATE-BYTES-0123456789"
PROFILE = b"PROFILE-PRIVATE-BLOB-9876543210"
FAST = awsmith.Config(base_backoff=0.001)


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


def _signatures(requests: list[httpx.Request]) -> list[str]:
    return [r.headers["Authorization"].rsplit("Signature=", 1)[1] for r in requests]


def _assert_clean(texts: list[str], secrets: list[str]) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"secret leaked into: {text[:200]!r}"


def _forbidden(requests: list[httpx.Request]) -> list[str]:
    return [
        SECRET,
        TOKEN,
        *_signatures(requests),
        ATTACHMENT.decode(),
        base64.b64encode(ATTACHMENT).decode(),
        PROFILE.decode(),
    ]


@pytest.mark.anyio
async def test_calls_with_a_session_token_log_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records
    raised: list[BaseException] = []
    support_script = Script(
        httpx.Response(503, content=b"busy"),
        json_reply({"attachmentSetId": "as-1"}),
        error_reply("CaseIdNotFound", "no such case"),
        json_reply(raw=b"{broken"),
        httpx.ConnectError("refused"),
    )
    async with support(support_script, config=FAST, session_token=TOKEN) as client:
        await client.add_attachments_to_set(
            attachments=[Attachment(file_name="secret.txt", data=ATTACHMENT)]
        )
        for call in (
            client.describe_cases(),
            client.describe_cases(),
            client.describe_cases(),
            client.describe_cases(max_results=1),
        ):
            try:
                await call
            except awsmith.AwsmithError as exc:
                raised.append(exc)

    profile_script = Script(
        httpx.Response(204),
        httpx.Response(200, headers={"Content-Type": "application/octet-stream"}, content=PROFILE),
    )
    async with codeguru(profile_script, config=FAST, session_token=TOKEN) as client:
        await client.post_agent_profile(
            profiling_group_name="g", agent_profile=PROFILE, content_type="application/octet-stream"
        )
        got = await client.get_profile(profiling_group_name="g")
        assert got.profile == PROFILE

    assert [type(e) for e in raised] == [
        CaseIdNotFound,
        awsmith.ResponseParseError,
        awsmith.ConnectionFailedError,
        awsmith.ParamValidationError,
    ]
    requests = support_script.requests + profile_script.requests
    assert all(r.headers["X-Amz-Security-Token"] == TOKEN for r in requests)
    assert any(r.name == "httpx" for r in caplog.records)  # capture works: httpx logs at INFO
    assert any(r.name == "awsmith.client" for r in caplog.records)  # and awsmith at DEBUG
    _assert_clean([_record_text(r) for r in caplog.records], _forbidden(requests))
    _assert_clean(
        ["".join(traceback.format_exception(e)) for e in raised] + [repr(e) for e in raised],
        _forbidden(requests),
    )


@pytest.mark.anyio
async def test_credentials_from_the_environment_chain_log_no_secrets(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    script = Script(json_reply({"cases": []}))
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(script)) as http,
        SupportClient(http_client=http) as client,
    ):
        await client.describe_cases()
    assert script.request.headers["X-Amz-Security-Token"] == TOKEN
    # read by awsmith itself (issue 15), with a record as botocore's EnvProvider logs
    assert any("environment" in r.getMessage() for r in caplog.records if r.name.startswith("awsmith"))
    _assert_clean([_record_text(r) for r in caplog.records], _forbidden(script.requests))


@pytest.mark.anyio
async def test_credentials_from_a_profile_file_log_no_secrets(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    creds_file = tmp_path / "credentials"
    creds_file.write_text(
        f"[dev]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token = {TOKEN}\n"
    )
    config_file = tmp_path / "config"
    config_file.write_text("[profile dev]\nregion = us-west-2\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds_file))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    script = Script(
        httpx.Response(500, headers={"x-amzn-RequestId": REQUEST_ID}, content=b"oops"),
        json_reply({"tags": {}}),
    )
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(script)) as http,
        CodeGuruProfilerClient(http_client=http, profile="dev", config=FAST) as client,
    ):
        await client.list_tags_for_resource(resource_arn="arn")
    assert len(script.requests) == 2
    assert str(script.requests[0].url).startswith("https://codeguru-profiler.us-west-2.")
    assert script.requests[0].headers["X-Amz-Security-Token"] == TOKEN
    _assert_clean([_record_text(r) for r in caplog.records], _forbidden(script.requests))


@pytest.mark.anyio
async def test_assuming_a_role_logs_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    """The STS response carries the role's secret key and token: neither they nor the
    source's secret reach a log record or an exception, also when STS fails or is
    throttled first."""
    caplog.set_level(logging.DEBUG)
    raised: list[BaseException] = []
    sts_script = Script(
        sts_error("Throttling", "Rate exceeded", status=400),
        sts_reply(1),
        sts_error("AccessDenied", "not authorized"),
    )
    support_script = Script(json_reply({"cases": []}))
    async with sts_http(sts_script) as http:
        provider = role(http)
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(support_script)) as support_http,
            SupportClient(
                region="us-east-1", credentials=provider, http_client=support_http
            ) as client,
        ):
            await client.describe_cases()
        try:
            await role(http)()  # a second provider: its AssumeRole is denied
        except awsmith.CredentialsError as exc:
            raised.append(exc)
    assert len(raised) == 1 and len(sts_script.requests) == 3
    secrets = [
        SECRET,  # the source's
        "role-secret-1",
        "role-token-1",
        *_signatures(sts_script.requests),
        *_signatures(support_script.requests),
    ]
    assert support_script.request.headers["X-Amz-Security-Token"] == "role-token-1"
    assert any(r.name == "awsmith.client" for r in caplog.records)
    _assert_clean([_record_text(r) for r in caplog.records], secrets)
    _assert_clean(
        ["".join(traceback.format_exception(e)) for e in raised] + [repr(e) for e in raised],
        secrets,
    )


# ---------------------------------------------------------------- proxy credentials

#: A proxy that takes a token as its user name: the user name is as secret as a password.
PROXY_USER = "ghp_TOKEN123proxyuser"
PROXY_PASSWORD = "proxy-pw-456"


class _Refusing(socketserver.StreamRequestHandler):
    """A proxy that answers every request (CONNECT included) with 407."""

    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.wfile.write(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n"
        )


@pytest.fixture
def refusing_proxy() -> Iterator[int]:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Refusing) as server:
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1]
        finally:
            server.shutdown()
            thread.join()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])  # own sender; awsmith's httpx
@pytest.mark.parametrize("source", ["config", "environment"])
async def test_a_proxy_user_name_reaches_no_repr_record_or_error(
    source: str,
    refusing_proxy: int,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``repr(Config)`` showed ``http://ghp_TOKEN123:***@proxy``: the user name of a
    proxy URL is hidden as well as its password, in the Config's repr, in log records
    and in the errors of a proxy that refuses and of one nobody listens on."""
    caplog.set_level(logging.DEBUG)
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    texts: list[str] = []
    errors: list[awsmith.AwsmithError] = []
    for port in (refusing_proxy, free_port()):
        url = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{port}"
        proxies = {"https": url} if source == "config" else None
        if source == "environment":
            monkeypatch.setenv("HTTPS_PROXY", url)
        config = awsmith.Config(proxies=proxies, max_attempts=1, connect_timeout=5)
        client = SupportClient(region="us-east-1", credentials=credentials(), config=config)
        texts += [repr(config), str(config), repr(client.config)]
        try:
            await client.describe_cases()
        except awsmith.AwsmithError as error:
            errors.append(error)
        finally:
            await client.close()
    assert [type(e) for e in errors] == [awsmith.ConnectionFailedError] * 2
    assert "refused" in str(errors[0]) and "cannot connect to the proxy" in str(errors[1])
    if source == "config":
        assert f"proxies={{'https': 'http://***@127.0.0.1:{refusing_proxy}'}}" in texts[0]
    texts += [_record_text(r) for r in caplog.records]
    texts += ["".join(traceback.format_exception(e)) for e in errors] + [repr(e) for e in errors]
    _assert_clean(texts, [PROXY_USER, PROXY_PASSWORD])
