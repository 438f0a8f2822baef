"""An ``endpoint_url`` with a path (a gateway that routes by path): the request goes to
that path joined with the operation's, exactly as botocore joins them, and the
signature covers the path actually sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import botocore.session
import httpx
import pytest
from botocore.awsrequest import AWSResponse

from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from tests.unit.mockaws import (
    AKID,
    AWS_JSON_SIGNED,
    REGION,
    SECRET,
    Script,
    check_signature,
    credentials,
    json_reply,
)

BASES = [
    "http://gw.example",
    "http://gw.example/",
    "http://gw.example/support-proxy",
    "http://gw.example/support-proxy/",
    "https://gw.example:8443/a/b",
    "https://gw.example:8443/a/b/",
]


class _Raw:
    def stream(self, **_: Any) -> Any:
        return iter([b"{}"])


def botocore_url(service: str, endpoint_url: str, operation: str, **params: Any) -> str:
    """The URL botocore's own client sends the same call to."""
    client = botocore.session.Session().create_client(
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
    )
    seen: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        seen.append(request)
        return AWSResponse(request.url, 200, {}, _Raw())

    client.meta.events.register("before-send", capture)
    getattr(client, operation)(**params)
    return str(seen[0].url)


async def send(cls: type[Any], endpoint_url: str, call: str, **params: Any) -> httpx.Request:
    script = Script(json_reply({}))
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        client = cls(
            region=REGION, endpoint_url=endpoint_url, credentials=credentials(), http_client=http
        )
        async with client:
            await getattr(client, call)(**params)
    return script.request


@pytest.mark.anyio
@pytest.mark.parametrize("base", BASES)
async def test_support_posts_to_the_base_path_and_signs_it(base: str) -> None:
    request = await send(SupportClient, base, "describe_services")
    assert str(request.url) == botocore_url("support", base, "describe_services")
    path = urlsplit(base).path
    assert request.url.raw_path.decode() == (path or "/")
    check_signature(request, region=REGION, service="support", must_sign=AWS_JSON_SIGNED)


@pytest.mark.anyio
@pytest.mark.parametrize("base", BASES)
async def test_rest_json_paths_are_joined_under_the_base_path_and_signed(base: str) -> None:
    request = await send(
        CodeGuruProfilerClient, base, "describe_profiling_group", profiling_group_name="my-group"
    )
    assert str(request.url) == botocore_url(
        "codeguruprofiler", base, "describe_profiling_group", profilingGroupName="my-group"
    )
    assert request.url.raw_path.decode() == (
        urlsplit(base).path.rstrip("/") + "/profilingGroups/my-group"
    )
    check_signature(request, region=REGION, service="codeguru-profiler")
