"""CodeGuru Profiler client against the local restJson1 stub (devservers.codeguru_stub).

The stub checks every SigV4 signature and records each request as it arrived, so these
tests assert on the exact wire: percent-encoded URI labels, query strings, headers and
raw blob bodies, plus the typed responses and errors the client builds from the stub's
answers. Most tests run on both transports: the default sender and a
caller-supplied ``httpx.AsyncClient``; one runs under trio.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler.errors import (
    CodeGuruProfilerError,
    ConflictException,
    ResourceNotFoundException,
    ValidationException,
)
from awsmith.codeguruprofiler.shapes import (
    AggregationPeriod,
    ComputePlatform,
    DeleteProfilingGroupResponse,
    OrderBy,
    PostAgentProfileResponse,
    ProfileTime,
    ProfilingGroupDescription,
)
from devservers.codeguru_stub import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    CodeGuruStub,
    async_codeguru_stub,
    codeguru_stub,
)

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

TRANSPORTS = ["default", "httpx"]
ION = "application/x-amzn-ion"
JSON = "application/json"


@pytest.fixture
def stub() -> Iterator[CodeGuruStub]:
    with codeguru_stub() as server:
        yield server


@asynccontextmanager
async def open_client(
    stub: CodeGuruStub,
    transport: str,
    *,
    secret_access_key: str = FAKE_SECRET_ACCESS_KEY,
) -> AsyncIterator[CodeGuruProfilerClient]:
    """A client for the stub on the given transport; a caller-supplied httpx client must
    still be open after the awsmith client is closed."""
    credentials = awsmith.Credentials(
        access_key_id=FAKE_ACCESS_KEY_ID, secret_access_key=secret_access_key
    )
    if transport == "httpx":
        async with httpx.AsyncClient() as http:
            async with CodeGuruProfilerClient(
                region="us-east-1",
                endpoint_url=stub.endpoint_url,
                credentials=credentials,
                http_client=http,
            ) as client:
                yield client
            assert not http.is_closed
    else:
        async with CodeGuruProfilerClient(
            region="us-east-1", endpoint_url=stub.endpoint_url, credentials=credentials
        ) as client:
            yield client


# -- URI labels --------------------------------------------------------------------


LABELS = [
    ("my group/with spaces", "my%20group%2Fwith%20spaces"),
    ("naïve-ü-日本", "na%C3%AFve-%C3%BC-%E6%97%A5%E6%9C%AC"),
    ("100%", "100%25"),
    ("%2F", "%252F"),
    ("a+b", "a%2Bb"),
    ("?query#frag&x=y", "%3Fquery%23frag%26x%3Dy"),
    ("a/../b", "a%2F..%2Fb"),
    ("~tilde_dash-dot.", "~tilde_dash-dot."),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("label", "encoded"), LABELS)
async def test_uri_label_is_percent_encoded_and_stays_one_segment(
    stub: CodeGuruStub, transport: str, label: str, encoded: str
) -> None:
    async with open_client(stub, transport) as client:
        with pytest.raises(ResourceNotFoundException) as caught:
            await client.list_tags_for_resource(resource_arn=label)
    (seen,) = stub.requests
    assert seen.method == "GET"
    assert seen.raw_path == f"/tags/{encoded}"
    assert seen.raw_query == ""
    assert seen.operation == "ListTagsForResource"
    # The server decoded the one segment back to exactly the value the caller gave.
    assert caught.value.message == f"No resource with ARN {label!r}."


@pytest.mark.parametrize("label", [".", ".."])
async def test_dot_segment_labels_are_rejected_before_any_request(
    stub: CodeGuruStub, label: str
) -> None:
    async with open_client(stub, "default") as client:
        with pytest.raises(awsmith.ParamValidationError):
            await client.list_tags_for_resource(resource_arn=label)
    assert stub.requests == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_arn_label_tag_untag_round_trip(stub: CodeGuruStub, transport: str) -> None:
    async with open_client(stub, transport) as client:
        created = await client.create_profiling_group(profiling_group_name="tagged")
        arn = created.profiling_group.arn
        assert arn == "arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/tagged"
        await client.tag_resource(
            resource_arn=arn,
            tags={"team name": "a&b=c", "x+y": "ü", "plain": "1", "keep": "yes"},
        )
        # tagKeys is a list in the query string: one pair per element, each encoded.
        await client.untag_resource(resource_arn=arn, tag_keys=["team name", "x+y", "plain"])
        listed = await client.list_tags_for_resource(resource_arn=arn)
    assert listed.tags == {"keep": "yes"}
    _create, tag, untag, list_tags = stub.requests
    encoded_arn = (
        "arn%3Aaws%3Acodeguru-profiler%3Aus-east-1%3A123456789012%3AprofilingGroup%2Ftagged"
    )
    assert (tag.method, tag.raw_path, tag.status) == ("POST", f"/tags/{encoded_arn}", 204)
    assert json.loads(tag.body) == {
        "tags": {"team name": "a&b=c", "x+y": "ü", "plain": "1", "keep": "yes"}
    }
    assert tag.headers["Content-Type"] == "application/json"
    assert (untag.method, untag.raw_path, untag.status) == ("DELETE", f"/tags/{encoded_arn}", 204)
    assert untag.raw_query == "tagKeys=team%20name&tagKeys=x%2By&tagKeys=plain"
    assert untag.body == b""
    assert (list_tags.raw_path, list_tags.status) == (f"/tags/{encoded_arn}", 200)


# -- query strings and headers ---------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_query_timestamps_are_iso8601_utc(stub: CodeGuruStub, transport: str) -> None:
    async with open_client(stub, transport) as client:
        await client.create_profiling_group(profiling_group_name="times")
        response = await client.list_profile_times(
            profiling_group_name="times",
            start_time=datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))),
            end_time=datetime(2024, 3, 1, 12, 30, 0, 250000, tzinfo=UTC),
            period=AggregationPeriod.PT1_H,
            order_by="TimestampAscending",
            max_results=7,
        )
    assert response.profile_times == []
    assert response.next_token is None
    seen = stub.requests[-1]
    assert seen.raw_path == "/profilingGroups/times/profileTimes"
    assert sorted(seen.query) == [
        ("endTime", "2024-03-01T12:30:00.250000Z"),
        ("maxResults", "7"),
        ("orderBy", "TimestampAscending"),
        ("period", "PT1H"),
        ("startTime", "2024-03-01T08:00:00Z"),
    ]
    # ':' is percent-encoded, so no server can read a '+' offset as a space.
    assert "startTime=2024-03-01T08%3A00%3A00Z" in seen.raw_query.split("&")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_request_headers_and_signature(stub: CodeGuruStub, transport: str) -> None:
    async with open_client(stub, transport) as client:
        await client.create_profiling_group(profiling_group_name="hdr")
        await client.post_agent_profile(
            profiling_group_name="hdr", content_type=ION, agent_profile=b"\xe0\x01\x00\xea"
        )
        got = await client.get_profile(profiling_group_name="hdr", accept=ION)
    assert got.profile == b"\xe0\x01\x00\xea"
    assert got.content_type == ION
    create, post, get = stub.requests
    for seen in (create, post, get):
        assert seen.headers["Authorization"].startswith(
            f"AWS4-HMAC-SHA256 Credential={FAKE_ACCESS_KEY_ID}/"
        )
        assert "/us-east-1/codeguru-profiler/aws4_request," in seen.headers["Authorization"]
        assert len(seen.headers["X-Amz-Date"]) == len("20240301T080000Z")
        assert seen.headers["User-Agent"].startswith(f"awsmith/{awsmith.__version__} ")
    assert post.headers["Content-Type"] == ION
    assert post.raw_path == "/profilingGroups/hdr/agentProfile"
    ((token_name, token),) = post.query
    assert token_name == "profileToken" and len(token) >= 32  # auto-filled idempotency token
    assert get.headers["Accept"] == ION
    assert (post.status, get.status) == (204, 200)


async def test_wrong_secret_is_refused_by_the_signature_check(stub: CodeGuruStub) -> None:
    async with open_client(stub, "default", secret_access_key="not-the-secret") as client:
        with pytest.raises(CodeGuruProfilerError) as caught:
            await client.list_profiling_groups()
    error = caught.value
    assert type(error) is CodeGuruProfilerError  # not a modeled error
    assert error.code == "InvalidSignatureException"
    assert error.status_code == 403
    assert error.message is not None and error.message.startswith(
        "The request signature we calculated does not match"
    )
    assert error.request_id == stub.requests[-1].request_id


def test_stub_signature_check_agrees_with_botocore(stub: CodeGuruStub) -> None:
    """The stub's SigV4 check is validated against botocore's signer, so the tests above
    rely on an independent verifier rather than on the client's own signer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    url = f"{stub.endpoint_url}/tags/a%20b%2Fc%25d?tagKeys=x%2By&tagKeys=%C3%BC"

    def signed(body: bytes) -> AWSRequest:
        request = AWSRequest(method="DELETE", url=url, data=body)
        SigV4Auth(
            BotoCredentials(FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY),
            "codeguru-profiler",
            "us-east-1",
        ).add_auth(request)
        return request

    good = signed(b"")
    with httpx.Client() as http:
        ok = http.request("DELETE", url, headers=dict(good.headers.items()))
        tampered_headers = dict(signed(b"").headers.items())
        tampered = http.request("DELETE", url + "x", headers=tampered_headers)
    assert ok.status_code == 404  # signature accepted, then: no such resource
    assert ok.headers["x-amzn-ErrorType"].startswith("ResourceNotFoundException:")
    assert tampered.status_code == 403
    assert tampered.headers["x-amzn-ErrorType"] == "InvalidSignatureException"


# -- blobs -----------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_one_megabyte_agent_profile_arrives_byte_exact(
    stub: CodeGuruStub, transport: str
) -> None:
    payload = random.Random(20240301).randbytes(1_000_000)
    async with open_client(stub, transport) as client:
        await client.create_profiling_group(profiling_group_name="big")
        response = await client.post_agent_profile(
            profiling_group_name="big", content_type=JSON, agent_profile=payload
        )
    assert response == PostAgentProfileResponse()  # the type, and no members
    assert response.response_metadata.status_code == 204
    post = stub.requests[-1]
    assert post.status == 204
    assert post.headers["Content-Length"] == "1000000"
    assert post.body == payload
    (stored,) = stub.stored_profiles("big")
    assert stored.body == payload
    assert stored.content_type == JSON


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_get_profile_returns_gzip_bytes_undecoded(stub: CodeGuruStub, transport: str) -> None:
    raw = json.dumps({"callgraph": {"java.util.logging.Logger.log": 12}}).encode()
    compressed = gzip.compress(raw, mtime=0)
    async with open_client(stub, transport) as client:
        await client.create_profiling_group(profiling_group_name="gz")
        await client.post_agent_profile(
            profiling_group_name="gz", content_type=JSON, agent_profile=compressed
        )
        profile = await client.get_profile(profiling_group_name="gz")
    assert profile.profile == compressed  # Content-Encoding: gzip was not undone
    assert gzip.decompress(profile.profile) == raw
    assert profile.content_type == JSON
    assert profile.content_encoding == "gzip"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_get_profile_honours_accept_and_window(stub: CodeGuruStub, transport: str) -> None:
    now = datetime.now(UTC)
    async with open_client(stub, transport) as client:
        await client.create_profiling_group(profiling_group_name="acc")
        stub.add_agent_profile(
            "acc", b"\xe0\x01\x00\xea", content_type=ION, received_at=now - timedelta(minutes=10)
        )
        stub.add_agent_profile(
            "acc", b'{"json": 1}', content_type=JSON, received_at=now - timedelta(minutes=5)
        )
        as_ion = await client.get_profile(profiling_group_name="acc", accept=ION)
        as_json = await client.get_profile(profiling_group_name="acc", accept=JSON)
        latest = await client.get_profile(profiling_group_name="acc")
        with pytest.raises(ResourceNotFoundException) as caught:
            await client.get_profile(
                profiling_group_name="acc",
                start_time=datetime(2024, 1, 1, tzinfo=UTC),
                period="PT1H",
                max_depth=3,
            )
    assert (as_ion.profile, as_ion.content_type, as_ion.content_encoding) == (
        b"\xe0\x01\x00\xea",
        ION,
        None,
    )
    assert (as_json.profile, as_json.content_type) == (b'{"json": 1}', JSON)
    assert (latest.profile, latest.content_type) == (b'{"json": 1}', JSON)
    assert caught.value.message == "No profile of type any for 'acc' in the requested window."
    last = stub.requests[-1]
    assert sorted(last.query) == [
        ("maxDepth", "3"),
        ("period", "PT1H"),
        ("startTime", "2024-01-01T00:00:00Z"),
    ]
    # No accept argument, no Accept of awsmith's own (httpx adds its default "*/*").
    assert last.headers.get("Accept") == (None if transport == "default" else "*/*")


# -- pagination ------------------------------------------------------------------


def seed_hourly(stub: CodeGuruStub, name: str, hours: int) -> list[datetime]:
    base = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
    starts = [base + timedelta(hours=h) for h in range(hours)]
    for start in starts:
        stub.add_agent_profile(name, b"{}", received_at=start + timedelta(minutes=7))
    return starts


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_list_profile_times_paginator(stub: CodeGuruStub, transport: str) -> None:
    async with open_client(stub, transport) as client:
        await client.create_profiling_group(profiling_group_name="hist")
        starts = seed_hourly(stub, "hist", 5)
        window = {
            "profiling_group_name": "hist",
            "start_time": datetime(2024, 5, 1, tzinfo=UTC),
            "end_time": datetime(2024, 5, 2, tzinfo=UTC),
            "period": AggregationPeriod.PT1_H,
        }
        stub.clear_requests()
        pages = [
            page
            async for page in client.paginate_list_profile_times(
                **window, order_by=OrderBy.TIMESTAMP_ASCENDING, page_size=2
            )
        ]
        descending = [
            item.start async for item in client.paginate_list_profile_times(**window).items()
        ]
        capped = client.paginate_list_profile_times(
            **window, order_by="TimestampAscending", page_size=2, max_items=3
        )
        first = [item async for item in capped.items()]
        assert capped.resume_token is not None
        rest = [
            item
            async for item in client.paginate_list_profile_times(
                **window,
                order_by="TimestampAscending",
                page_size=2,
                starting_token=capped.resume_token,
            ).items()
        ]
    assert [[t.start for t in page.profile_times] for page in pages] == [
        starts[0:2],
        starts[2:4],
        starts[4:5],
    ]
    assert all(isinstance(t, ProfileTime) for page in pages for t in page.profile_times)
    assert [page.next_token is None for page in pages] == [False, False, True]
    assert descending == starts[::-1]
    assert [t.start for t in first] == starts[:3]
    assert [t.start for t in rest] == starts[3:]
    # The paginator sent the service's own tokens back, and page_size as maxResults.
    requests = stub.requests[:3]
    assert [dict(r.query).get("nextToken") for r in requests] == [
        None,
        pages[0].next_token,
        pages[1].next_token,
    ]
    assert all(dict(r.query)["maxResults"] == "2" for r in requests)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_list_profiling_groups_paginator(stub: CodeGuruStub, transport: str) -> None:
    names = ["alpha", "bravo", "charlie", "delta", "echo"]
    async with open_client(stub, transport) as client:
        for name in reversed(names):
            await client.create_profiling_group(
                profiling_group_name=name, compute_platform=ComputePlatform.AWSLAMBDA
            )
        listed = [item async for item in client.paginate_list_profiling_groups(page_size=2).items()]
        described = [
            item
            async for item in client.paginate_list_profiling_groups(
                page_size=2, include_description=True
            ).items()
        ]
        pages = [
            page
            async for page in client.paginate_list_profiling_groups(
                page_size=3, include_description=True
            )
        ]
    assert listed == names
    # one item per group: its description (the stub sends the names beside them)
    assert [type(d) for d in described] == [ProfilingGroupDescription] * len(names)
    assert [d.name for d in described] == names
    assert [page.profiling_group_names for page in pages] == [names[:3], names[3:]]
    descriptions = [d for page in pages for d in page.profiling_groups or []]
    assert all(isinstance(d, ProfilingGroupDescription) for d in descriptions)
    assert [d.name for d in descriptions] == names
    assert {d.compute_platform for d in descriptions} == {ComputePlatform.AWSLAMBDA}
    assert all(d.created_at is not None and d.created_at.tzinfo is not None for d in descriptions)


# -- typed errors ------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_resource_not_found_is_typed(stub: CodeGuruStub, transport: str) -> None:
    async with open_client(stub, transport) as client:
        with pytest.raises(ResourceNotFoundException) as caught:
            await client.describe_profiling_group(profiling_group_name="missing")
    error = caught.value
    assert isinstance(error, CodeGuruProfilerError)
    assert isinstance(error, awsmith.ServiceError)
    assert error.code == "ResourceNotFoundException"  # namespace suffix stripped
    assert error.status_code == 404
    assert error.message == "Profiling group 'missing' does not exist."
    (seen,) = stub.requests  # a 4xx is not retried
    assert error.request_id == seen.request_id
    assert seen.raw_path == "/profilingGroups/missing"


async def test_conflict_and_idempotent_create(stub: CodeGuruStub) -> None:
    async with open_client(stub, "default") as client:
        first = await client.create_profiling_group(
            profiling_group_name="dup", client_token="token-1"
        )
        again = await client.create_profiling_group(
            profiling_group_name="dup", client_token="token-1"
        )
        with pytest.raises(ConflictException) as caught:
            await client.create_profiling_group(profiling_group_name="dup", client_token="token-2")
    assert again == first
    assert caught.value.status_code == 409
    assert caught.value.message == "A profiling group named 'dup' already exists."
    assert [r.raw_query for r in stub.requests] == [
        "clientToken=token-1",
        "clientToken=token-1",
        "clientToken=token-2",
    ]
    assert json.loads(stub.requests[0].body) == {"profilingGroupName": "dup"}


async def test_server_side_validation_error(stub: CodeGuruStub) -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    async with open_client(stub, "default") as client:
        await client.create_profiling_group(profiling_group_name="val")
        with pytest.raises(ValidationException) as caught:
            await client.get_recommendations(
                profiling_group_name="val", start_time=moment, end_time=moment
            )
    assert caught.value.status_code == 400
    assert caught.value.message == "startTime must be before endTime."


async def test_delete_then_describe(stub: CodeGuruStub) -> None:
    async with open_client(stub, "default") as client:
        await client.create_profiling_group(profiling_group_name="gone")
        before = await client.describe_profiling_group(profiling_group_name="gone")
        deleted = await client.delete_profiling_group(profiling_group_name="gone")
        with pytest.raises(ResourceNotFoundException) as info:
            await client.describe_profiling_group(profiling_group_name="gone")
        with pytest.raises(ResourceNotFoundException):
            await client.delete_profiling_group(profiling_group_name="gone")
    assert before.profiling_group.name == "gone"
    assert deleted == DeleteProfilingGroupResponse()
    assert deleted.response_metadata.status_code == 204
    assert info.value.status_code == 404
    assert [(r.method, r.raw_path, r.status) for r in stub.requests] == [
        ("POST", "/profilingGroups", 201),
        ("GET", "/profilingGroups/gone", 200),
        ("DELETE", "/profilingGroups/gone", 204),
        ("GET", "/profilingGroups/gone", 404),
        ("DELETE", "/profilingGroups/gone", 404),
    ]


# -- trio ------------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_operations_and_paginators_under_trio() -> None:
    payload = bytes(range(256)) * 64
    async with async_codeguru_stub() as stub, open_client(stub, "httpx") as client:
        await client.create_profiling_group(profiling_group_name="trio-group")
        await client.post_agent_profile(
            profiling_group_name="trio-group", content_type=JSON, agent_profile=payload
        )
        profile = await client.get_profile(profiling_group_name="trio-group")
        starts = seed_hourly(stub, "trio-group", 3)
        times = [
            item.start
            async for item in client.paginate_list_profile_times(
                profiling_group_name="trio-group",
                start_time=datetime(2024, 5, 1, tzinfo=UTC),
                end_time=datetime(2024, 5, 1, 6, tzinfo=UTC),
                period="PT1H",
                order_by="TimestampAscending",
                page_size=1,
            ).items()
        ]
        with pytest.raises(ResourceNotFoundException):
            await client.describe_profiling_group(profiling_group_name="nope")
    assert profile.profile == payload
    assert times == starts


def test_stub_is_stopped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError, match="test body failed"), codeguru_stub() as server:
        assert httpx.get(server.endpoint_url + "/profilingGroups").status_code == 403
        raise RuntimeError("test body failed")
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.endpoint_url + "/profilingGroups", timeout=2)
