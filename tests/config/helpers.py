"""Helpers the tests of tests/config share: no AWS setting from the machine, and the
request each client sends for the same settings, awsmith's and botocore's.

Every test here sets a botocore setting the way a user does (a client argument, an
environment variable, a profile key in a temporary config file) and compares what
awsmith does with what botocore resolves for it: botocore's own client, from the lock,
is the oracle. Its request is caught before it is sent (``before-send``); awsmith's is
caught by an ``httpx.MockTransport``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import botocore.config
import botocore.session
import httpx
import pytest
from botocore.awsrequest import AWSResponse

import awsmith
import awsmith._core.settings as settings_module
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient

CREDS = awsmith.Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")
CLIENTS: dict[str, type[Any]] = {
    "support": SupportClient,
    "codeguruprofiler": CodeGuruProfilerClient,
}
SERVICES = sorted(CLIENTS)
#: One cheap operation per service, and the body its answer needs.
PROBE: dict[str, tuple[str, bytes]] = {
    "support": ("describe_services", b'{"services": []}'),
    "codeguruprofiler": ("list_profiling_groups", b'{"profilingGroupNames": []}'),
}


@dataclass
class AwsFiles:
    """The temporary shared config file (``config``) and credentials file."""

    config: Path
    credentials: Path

    def write(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")


def aws_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AwsFiles:
    """No AWS settings from the machine: empty config files, no AWS_* or BOTO*
    variables, no instance metadata, and awsmith's per-process profile cache empty
    (the tests change the files between clients)."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_", "BOTOCORE_", "_X_AMZN")):
            monkeypatch.delenv(name)
    files = AwsFiles(tmp_path / "config", tmp_path / "credentials")
    files.config.write_text("")
    files.credentials.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files.credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(settings_module, "SCOPED_CONFIG", {})
    return files


@dataclass
class Sent:
    """The requests one client sent, and the client (to read what it resolved)."""

    requests: list[httpx.Request] = field(default_factory=list)
    client: Any = None

    @property
    def first(self) -> httpx.Request:
        assert self.requests, "no request was sent"
        return self.requests[0]


def awsmith_sends(
    service: str = "support",
    *,
    answer: Callable[[httpx.Request], httpx.Response] | None = None,
    credentials: awsmith.Credentials | None = CREDS,
    **kwargs: Any,
) -> Sent:
    """One call of the service's probe operation by an awsmith client made with
    ``kwargs``; the requests it sent (``answer`` answers them: 200 by default)."""
    method, body = PROBE[service]
    sent = Sent()

    def handler(request: httpx.Request) -> httpx.Response:
        sent.requests.append(request)
        return answer(request) if answer is not None else httpx.Response(200, content=body)

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            client = CLIENTS[service](credentials=credentials, http_client=http, **kwargs)
            sent.client = client
            async with client:
                await getattr(client, method)()

    anyio.run(main)
    return sent


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        return iter([self.body])


@dataclass
class BotocoreSent:
    """The request botocore's client sent, and the client (its ``meta.config``)."""

    request: Any
    client: Any

    @property
    def url(self) -> str:
        return str(self.request.url)

    def header(self, name: str) -> str | None:
        value = self.request.headers.get(name)
        return value.decode() if isinstance(value, bytes) else value


def botocore_client(
    service: str = "support",
    *,
    profile: str | None = None,
    config: botocore.config.Config | None = None,
    **kwargs: Any,
) -> Any:
    session = botocore.session.Session(profile=profile)
    return session.create_client(
        service,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=config,
        **kwargs,
    )


def botocore_sends(service: str = "support", **kwargs: Any) -> BotocoreSent:
    """One call of the probe operation by botocore's own client, made with ``kwargs``
    (``region_name``, ``endpoint_url``, ``profile``, ``config``): the request it would
    send, caught before it is."""
    method, body = PROBE[service]
    client = botocore_client(service, **kwargs)
    seen: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen.append(request)
        return AWSResponse(request.url, 200, {}, _Raw(body))

    client.meta.events.register("before-send", capture)
    getattr(client, method)()
    return BotocoreSent(seen[0], client)
