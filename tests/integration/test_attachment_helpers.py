"""``SupportClient.upload_attachment`` and ``download_attachment`` against the local
Support attachment fake (devservers.support_attachments): real multipart uploads, ETags
and objects in moto's S3 behind an S3 gate that checks presigned signatures, expiry and
``Content-MD5`` as S3 does, injects faults and records every request as it arrived.

Each test asserts what the gate saw (how many requests, for which part, exactly which
header fields) and which Support operations were called, on awsmith's own sender and on
a caller's ``httpx.AsyncClient`` (and on trio, where awsmith's default is httpx).

One fake serves the module, with 64 KiB parts so that files of a few hundred KiB have
several; every test starts with its faults and records cleared.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import itertools
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith.support import SupportClient, _attachments
from awsmith.support.errors import AttachmentIdNotFound
from awsmith.support.shapes import GetAttachmentUploadLinksRequest
from devservers.support_attachments import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    Answer,
    Corrupt,
    CutBody,
    Expired,
    Reset,
    S3Request,
    Stall,
    SupportAttachmentFake,
    support_attachment_fake,
)
from tests.transport.test_streaming import _tasks

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

PART = 64 * 1024
MiB = 1024 * 1024
CONFIG = awsmith.Config(
    base_backoff=0.001, max_backoff=0.005, read_timeout=10.0, use_fips=False, use_dualstack=False
)
CREDENTIALS = awsmith.Credentials(
    access_key_id=FAKE_ACCESS_KEY_ID, secret_access_key=FAKE_SECRET_ACCESS_KEY
)

#: (event loop, transport): awsmith's own sender, a caller's httpx client, and trio
#: (whose default is an httpx client awsmith makes).
KINDS = [("asyncio", "default"), ("asyncio", "httpx"), ("trio", "default")]
SENDERS = [("asyncio", "default"), ("asyncio", "httpx")]


@pytest.fixture(scope="module")
def shared() -> Iterator[SupportAttachmentFake]:
    with support_attachment_fake(part_size=PART, processing_polls=0) as started:
        yield started


@pytest.fixture
def fake(shared: SupportAttachmentFake) -> Iterator[SupportAttachmentFake]:
    shared.next_test()
    yield shared


@pytest.fixture(params=KINDS, ids=[f"{loop}-{transport}" for loop, transport in KINDS])
def kind(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=SENDERS, ids=[transport for _, transport in SENDERS])
def sender_kind(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param  # type: ignore[no-any-return]


def _of_kind(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The (event loop, transport) the test is parametrized with, if any."""
    for name in ("kind", "sender_kind"):
        if name in request.fixturenames:
            return request.getfixturevalue(name)  # type: ignore[no-any-return]
    return ("asyncio", "default")


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return _of_kind(request)[0]


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> str:
    return _of_kind(request)[1]


class Recorder(awsmith.Interceptor):
    """The typed request and response of every Support call the client made."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any]] = []
        self.responses: list[tuple[str, Any]] = []

    def read_before_execution(self, context: awsmith.InterceptorContext) -> None:
        self.requests.append((context.operation_name, context.request))

    def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
        self.responses.append((context.operation_name, context.response))

    def of(self, operation: str) -> list[Any]:
        return [request for name, request in self.requests if name == operation]

    def links(self) -> dict[int, str]:
        """Part -> the URL the service gave last for it."""
        return {
            link.part_index: link.url
            for name, response in self.responses
            if name == "GetAttachmentUploadLinks"
            for link in response.upload_urls
        }


@asynccontextmanager
async def client_for(
    fake: SupportAttachmentFake, transport: str = "default", **config: Any
) -> AsyncIterator[SupportClient]:
    http = httpx.AsyncClient() if transport == "httpx" else None
    options = {"max_attempts": 3, **config}
    import attrs

    client = SupportClient(
        region="us-east-1",
        endpoint_url=fake.support_url,
        credentials=CREDENTIALS,
        http_client=http,
        config=attrs.evolve(CONFIG, **options),
        interceptors=[Recorder()],
    )
    try:
        async with client:
            yield client
    finally:
        if http is not None:
            await http.aclose()


def recorder(client: SupportClient) -> Recorder:
    hooks = client._hooks  # the one Recorder it was made with
    assert hooks is not None
    (found,) = {id(h): h for h in hooks.read_before_execution}.values()
    assert isinstance(found, Recorder)
    return found


def md5_header(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def parts_of(data: bytes, size: int = PART) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def of_upload(fake: SupportAttachmentFake, method: str, upload_id: str | None) -> list[S3Request]:
    """The requests the gate saw for one upload's object (its key starts with the
    upload id), in order: a request of an earlier test that the gate was still
    answering when that test ended is not this test's."""
    assert upload_id is not None
    return [r for r in fake.s3_requests if r.method == method and f"/{upload_id}/" in r.raw_path]


def puts(fake: SupportAttachmentFake, upload_id: str | None) -> list[tuple[int | None, int]]:
    """(part, status) of every PUT of an upload the gate saw (0: no answer)."""
    return [(r.part, r.status) for r in of_upload(fake, "PUT", upload_id)]


def puts_of(fake: SupportAttachmentFake, upload_id: str | None, part: int) -> list[int]:
    """The statuses of the PUTs of one part."""
    return [status for number, status in puts(fake, upload_id) if number == part]


def gets(fake: SupportAttachmentFake, upload_id: str) -> list[int]:
    """The statuses of the GETs of an upload's object."""
    return [r.status for r in of_upload(fake, "GET", upload_id)]


async def attachment_of(client: SupportClient, upload_id: str) -> str:
    """The attachment id of an upload, once attached to a new case."""
    case = await client.create_case(subject="s", communication_body="b", upload_ids=[upload_id])
    assert case.case_id is not None
    found = await client.describe_communications(case_id=case.case_id)
    communications = found.communications or []
    attachments = communications[0].attachments or []
    assert attachments[0].attachment_id is not None
    return attachments[0].attachment_id


# ---------------------------------------------------------------- the whole round trip


async def test_a_file_goes_up_in_parts_and_comes_back_the_same(
    fake: SupportAttachmentFake, kind: tuple[str, str], transport: str, tmp_path: Path
) -> None:
    """Links fetched ten at a time, every part PUT to its link exactly as given with
    only Host, Content-MD5 (its MD5) and Content-Length, the completion with every
    part's ETag, S3 holding the same bytes, and the download giving them back."""
    data = os.urandom(23 * PART - 100)
    source = tmp_path / "big.log"
    source.write_bytes(data)
    async with client_for(fake, transport) as client:
        upload_id = await client.upload_attachment(source, concurrency=3)
        attachment_id = await attachment_of(client, upload_id)
        target = tmp_path / "back.log"
        written = await client.download_attachment(attachment_id, target)
        calls = recorder(client)

    assert fake.stored(upload_id) == data
    assert (written, target.read_bytes()) == (len(data), data)
    assert sorted(os.listdir(tmp_path)) == ["back.log", "big.log"]
    assert fake.calls == [
        "GetAttachmentUploadLinks",
        "GetAttachmentUploadLinks",
        "GetAttachmentUploadLinks",
        "CompleteAttachmentUpload",
        "CreateCase",
        "DescribeCommunications",
        "GetAttachmentDownloadLink",
    ]
    ranges = [(r.upload_range.start_index, r.upload_range.end_index) for r in calls.of("GetAttachmentUploadLinks")[1:]]
    assert ranges == [(11, 21), (21, 24)]
    first: GetAttachmentUploadLinksRequest = calls.of("GetAttachmentUploadLinks")[0]
    assert (first.file_name, first.file_size_bytes, first.upload_id) == ("big.log", len(data), None)
    (complete,) = calls.of("CompleteAttachmentUpload")
    by_part = {request.part: request for request in of_upload(fake, "PUT", upload_id)}
    assert [(c.part_index, c.e_tag) for c in complete.completed_uploads] == [
        (i, f'"{hashlib.md5(part).hexdigest()}"') for i, part in enumerate(parts_of(data), start=1)
    ]
    assert sorted(by_part) == list(range(1, 24))
    upload = fake.upload(upload_id)
    for index, part in enumerate(parts_of(data), start=1):
        seen = by_part[index]
        assert seen.status == 200
        assert [name for name, _ in seen.fields] == ["Host", "Content-MD5", "Content-Length"]
        assert seen.headers["Content-MD5"] == md5_header(part)
        assert seen.headers["Content-Length"] == str(len(part))
        assert (seen.size, seen.md5) == (len(part), hashlib.md5(part).hexdigest())
        assert fake.s3_url + seen.target == calls.links()[index]  # byte for byte
        assert upload.reported[index] == f'"{seen.md5}"'
    (get,) = of_upload(fake, "GET", upload_id)
    assert [name for name, _ in get.fields] == ["Host"]


@pytest.mark.parametrize(
    "given",
    ["path", "str", "bytes", "bytearray", "memoryview", "open file", "BytesIO", "buffered random"],
)
async def test_every_kind_of_source(fake: SupportAttachmentFake, tmp_path: Path, given: str) -> None:
    """A path (Path or str), bytes-like objects, a file open for reading (read from its
    position, which is put back), a BytesIO; the name from the path or the file."""
    data = os.urandom(3 * PART + 7)
    path = tmp_path / "dump.bin"
    path.write_bytes(b"HEADER" + data)
    file: Any = None
    source: Any
    name: str | None = None
    if given == "path":
        path.write_bytes(data)
        source = path
    elif given == "str":
        path.write_bytes(data)
        source = str(path)
    elif given in ("bytes", "bytearray", "memoryview"):
        source = {"bytes": bytes, "bytearray": bytearray, "memoryview": memoryview}[given](data)
        name = "dump.bin"
    elif given == "BytesIO":
        source = file = io.BytesIO(b"HEADER" + data)
        file.seek(6)
        name = "dump.bin"
    else:
        source = file = open(path, "rb" if given == "open file" else "r+b")  # noqa: SIM115
        file.seek(6)
    try:
        async with client_for(fake) as client:
            upload_id = await client.upload_attachment(source, file_name=name, concurrency=2)
        if file is not None:
            assert file.tell() == 6
    finally:
        if file is not None:
            file.close()
    assert fake.stored(upload_id) == data
    assert fake.upload(upload_id).file_name == "dump.bin"


# ---------------------------------------------------------------- what is refused before any request


def pipe_reader() -> io.BufferedReader:
    """The reading end of a pipe (not seekable), its writing end closed."""
    reading, writing = os.pipe()
    os.close(writing)
    return open(reading, "rb")  # closed by the test


def _fifo(path: Path) -> Path:
    """A FIFO with no writer: opening it to read would block until one comes."""
    os.mkfifo(path)
    return path


def _past_end(file: Any) -> Any:
    file.seek(10)
    return file


async def _async_progress(done: int, total: int) -> None:
    pass


class _AsyncCall:
    async def __call__(self, done: int, total: int) -> None:
        pass


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as file:
        file.truncate(size)
    return path


@pytest.mark.parametrize(
    ("make", "options", "error", "message"),
    [
        (lambda tmp: b"", {"file_name": "e.txt"}, awsmith.AttachmentSourceError,
         "nothing to upload in the bytes given: 0 bytes (an attachment has at least one) (when calling the upload_attachment operation)"),
        (lambda tmp: _sparse(tmp / "empty.log", 0), {}, awsmith.AttachmentSourceError,
         "nothing to upload in '{tmp}/empty.log': 0 bytes (an attachment has at least one) (when calling the upload_attachment operation)"),
        (lambda tmp: _sparse(tmp / "huge.log", 157_286_401), {}, awsmith.AttachmentSourceError,
         "cannot upload '{tmp}/huge.log': 157286401 bytes is over the 157286400-byte (150 MiB) limit of an attachment (when calling the upload_attachment operation)"),
        (lambda tmp: tmp / "missing.log", {}, awsmith.AttachmentSourceError,
         "cannot read '{tmp}/missing.log': [Errno 2] No such file or directory: '{tmp}/missing.log' (when calling the upload_attachment operation)"),
        (lambda tmp: tmp, {}, awsmith.AttachmentSourceError,
         "cannot upload '{tmp}': not a regular file (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {}, awsmith.ParamValidationError,
         "Invalid value for 'file_name': a name is needed to upload bytes: pass file_name=... (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {"file_name": ""}, awsmith.ParamValidationError,
         "Invalid value for 'file_name': must be a non-empty str, got '' (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {"file_name": "x", "concurrency": 0}, awsmith.ParamValidationError,
         "Invalid value for 'concurrency': 0 is less than the minimum 1 (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {"file_name": "x", "concurrency": True}, awsmith.ParamValidationError,
         "Invalid value for 'concurrency': must be an int, got bool (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {"file_name": "x", "progress": "tqdm"}, awsmith.ParamValidationError,
         "Invalid value for 'progress': must be callable(bytes_done, total), got str (when calling the upload_attachment operation)"),
        (lambda tmp: 42, {}, awsmith.ParamValidationError,
         "Invalid value for 'source': expected a path, bytes or a binary file object, got int (when calling the upload_attachment operation)"),
        (lambda tmp: io.StringIO("text"), {}, awsmith.ParamValidationError,
         "Invalid value for 'source': the file is open in text mode: open it in binary mode ('rb') (when calling the upload_attachment operation)"),
        (lambda tmp: pipe_reader(), {"file_name": "p"}, awsmith.ParamValidationError,
         "Invalid value for 'source': the file object is not seekable (when calling the upload_attachment operation)"),
        (lambda tmp: io.BytesIO(b"x"), {}, awsmith.ParamValidationError,
         "Invalid value for 'file_name': the file object has no name: pass file_name=... (when calling the upload_attachment operation)"),
        (lambda tmp: _fifo(tmp / "fifo"), {}, awsmith.AttachmentSourceError,
         "cannot upload '{tmp}/fifo': not a regular file (when calling the upload_attachment operation)"),
        (lambda tmp: _past_end(io.BytesIO(b"abc")), {"file_name": "b"}, awsmith.AttachmentSourceError,
         "nothing to upload in the BytesIO given: its position 10 is past its end (3 bytes) (when calling the upload_attachment operation)"),
        (lambda tmp: _past_end(open(_sparse(tmp / "small.log", 3), "rb")), {}, awsmith.AttachmentSourceError,  # noqa: SIM115
         "nothing to upload in '{tmp}/small.log': its position 10 is past its end (3 bytes) (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {"file_name": "x", "progress": _async_progress}, awsmith.ParamValidationError,
         "Invalid value for 'progress': must be a plain function, not async: it is called on the event loop, never awaited (keep it quick) (when calling the upload_attachment operation)"),
        (lambda tmp: b"x", {"file_name": "x", "progress": _AsyncCall()}, awsmith.ParamValidationError,
         "Invalid value for 'progress': must be a plain function, not async: it is called on the event loop, never awaited (keep it quick) (when calling the upload_attachment operation)"),
    ],
    ids=[
        "empty-bytes", "empty-file", "over-150-MiB", "missing", "a-folder", "bytes-without-name",
        "empty-name", "concurrency-0", "concurrency-bool", "progress", "an-int", "text-mode",
        "a-pipe", "unnamed-file-object", "a-fifo", "bytesio-past-its-end", "file-past-its-end",
        "async-progress", "async-callable-progress",
    ],
)  # fmt: skip
async def test_a_source_that_cannot_be_uploaded_sends_nothing(
    fake: SupportAttachmentFake,
    tmp_path: Path,
    make: Any,
    options: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    source = make(tmp_path)
    try:
        async with client_for(fake) as client:
            with pytest.raises(error) as info:
                await client.upload_attachment(source, **options)
    finally:
        if hasattr(source, "close"):
            source.close()
    assert str(info.value) == message.format(tmp=tmp_path)
    assert fake.calls == []  # no link was asked for: nothing can have gone to S3
    assert (info.value.operation_name, info.value.attempts) == ("upload_attachment", 0)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- faults on a part


async def test_a_refused_part_fails_at_once_and_nothing_is_completed(
    fake: SupportAttachmentFake, transport: str, sender_kind: tuple[str, str]
) -> None:
    """A 403 is not retried: one PUT of that part, an AttachmentUploadError naming the
    part, the file and the upload, S3's error as its cause; no CompleteAttachmentUpload."""
    fake.inject(Answer(403, "AccessDenied", "Access Denied"), part=2)
    data = os.urandom(3 * PART)
    async with client_for(fake, transport) as client:
        before = _tasks(("", "asyncio"))
        with pytest.raises(awsmith.AttachmentUploadError) as info:
            await client.upload_attachment(data, file_name="f.bin", concurrency=2)
        assert _tasks(("", "asyncio")) == before  # part 3's task ended too
    error = info.value
    assert error.upload_id is not None
    upload = fake.upload(error.upload_id)
    assert str(error) == (
        "part 2 of 3 could not be uploaded after 1 attempt(s): AccessDenied (HTTP 403): Access "
        f"Denied [request id {error.__cause__.request_id}] ('f.bin', upload {upload.upload_id}) "  # type: ignore[union-attr]
        "(when calling the upload_attachment operation)"
    )
    assert (error.part_index, error.attempts, error.file_name, error.upload_id) == (2, 1, "f.bin", upload.upload_id)
    cause = error.__cause__
    assert isinstance(cause, awsmith.ServiceError)
    assert (cause.code, cause.status_code, cause.message) == ("AccessDenied", 403, "Access Denied")
    assert puts_of(fake, upload.upload_id, 2) == [403]
    assert "CompleteAttachmentUpload" not in fake.calls
    assert upload.reported == {}


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Answer(500, "InternalError", "We encountered an internal error."), 500),
        (Answer(503, "SlowDown", "Please reduce your request rate."), 503),
        (Reset(), 0),
        (Reset(before_body=True), 0),
    ],
    ids=["500", "503-slow-down", "reset-after-body", "reset-before-body"],
)
async def test_a_transient_failure_of_a_part_is_retried(
    fake: SupportAttachmentFake, transport: str, sender_kind: tuple[str, str], fault: Any, status: int
) -> None:
    fake.inject(fault, part=2)
    data = os.urandom(3 * PART)
    async with client_for(fake, transport) as client:
        before = client._quota.available
        upload_id = await client.upload_attachment(data, file_name="t.bin", concurrency=1)
        after = client._quota.available
    assert fake.stored(upload_id) == data
    assert puts(fake, upload_id) == [(1, 200), (2, status), (2, 200), (3, 200)]
    # the retry took from the client's retry quota (14; 5 after SlowDown), its success
    # gave it back
    assert (before, after) == (500, 500)


async def test_a_part_failing_every_attempt_ends_the_upload_after_max_attempts(
    fake: SupportAttachmentFake, transport: str, sender_kind: tuple[str, str]
) -> None:
    fake.inject(Answer(500, "InternalError", "We encountered an internal error."), part=1, times=3)
    async with client_for(fake, transport) as client:
        with pytest.raises(awsmith.AttachmentUploadError) as info:
            await client.upload_attachment(os.urandom(2 * PART), file_name="m.bin", concurrency=1)
        quota = client._quota.available
    assert (info.value.part_index, info.value.attempts) == (1, 3)
    assert isinstance(info.value.__cause__, awsmith.ServiceError)
    assert info.value.__cause__.code == "InternalError"
    assert puts(fake, info.value.upload_id) == [(1, 500), (1, 500), (1, 500)]
    assert "CompleteAttachmentUpload" not in fake.calls
    assert quota == 500 - 2 * 14  # two retries after a 500 (not throttling), no refund


async def test_max_attempts_one_means_no_retry_of_a_part(fake: SupportAttachmentFake) -> None:
    fake.inject(Reset(), part=1)
    async with client_for(fake, max_attempts=1) as client:
        with pytest.raises(awsmith.AttachmentUploadError) as info:
            await client.upload_attachment(os.urandom(PART), file_name="o.bin")
    assert info.value.attempts == 1
    assert isinstance(info.value.__cause__, awsmith.ConnectionFailedError)
    assert puts(fake, info.value.upload_id) == [(1, 0)]


async def test_a_part_damaged_on_the_way_is_sent_again_once(
    fake: SupportAttachmentFake, transport: str, sender_kind: tuple[str, str]
) -> None:
    """S3 refuses bytes that do not match Content-MD5 (BadDigest): sent again once; a
    second BadDigest of the same part ends the upload."""
    fake.inject(Corrupt(offset=1000), part=2)
    data = os.urandom(3 * PART)
    async with client_for(fake, transport) as client:
        upload_id = await client.upload_attachment(data, file_name="c.bin", concurrency=1)
        assert fake.stored(upload_id) == data
        assert puts(fake, upload_id) == [(1, 200), (2, 400), (2, 200), (3, 200)]

        fake.clear()
        fake.inject(Corrupt(offset=5), part=1, times=3)
        with pytest.raises(awsmith.AttachmentUploadError) as info:
            await client.upload_attachment(data, file_name="c.bin", concurrency=1)
    assert info.value.attempts == 2
    assert isinstance(info.value.__cause__, awsmith.ServiceError)
    assert info.value.__cause__.code == "BadDigest"
    assert puts(fake, info.value.upload_id) == [(1, 400), (1, 400)]


@pytest.mark.parametrize(
    "refusal",
    [Expired(), Answer(400, "ExpiredToken", "The provided token has expired.")],
    ids=["403-request-has-expired", "400-expired-token"],
)
async def test_a_link_s3_refuses_as_expired_is_replaced_before_the_retry(
    fake: SupportAttachmentFake, transport: str, sender_kind: tuple[str, str], refusal: Any
) -> None:
    fake.inject(refusal, part=13)
    data = os.urandom(15 * PART)
    async with client_for(fake, transport) as client:
        upload_id = await client.upload_attachment(data, file_name="x.bin", concurrency=2)
        ranges = [
            (r.upload_range.start_index, r.upload_range.end_index)
            for r in recorder(client).of("GetAttachmentUploadLinks")[1:]
        ]
    assert fake.stored(upload_id) == data
    assert puts_of(fake, upload_id, 13) == [refusal.status if isinstance(refusal, Answer) else 403, 200]
    # the links of parts 11-15, then fresh ones from part 13 on
    assert ranges == [(11, 16), (13, 16)]


async def test_a_link_s3_refuses_early_and_resets_is_replaced_before_the_retry(
    fake: SupportAttachmentFake, kind: tuple[str, str], transport: str
) -> None:
    """S3 refuses a large part as expired as soon as its head arrives, then resets the
    connection at once while the client still sends. On asyncio both senders lose the
    403 to the reset (httpx reads only after writing, and asyncio closes the connection
    on the failed write) and see a connection failure; httpx on trio reads the 403.
    Either way the retry uses a fresh link, never the one S3 refused. Parts of 8 MiB:
    more than the loopback socket buffers take."""
    fake.part_size = 8 * MiB
    fake.inject(Expired(early=True), part=1)
    data = os.urandom(8 * MiB + 10)
    async with client_for(fake, transport) as client:
        upload_id = await client.upload_attachment(data, file_name="e.bin", concurrency=1)
        ranges = [
            (r.upload_range.start_index, r.upload_range.end_index)
            for r in recorder(client).of("GetAttachmentUploadLinks")[1:]
        ]
    assert fake.stored(upload_id) == data
    first, second = (r for r in of_upload(fake, "PUT", upload_id) if r.part == 1)
    assert (first.status, first.size, second.status, second.size) == (403, 0, 200, 8 * MiB)
    assert puts_of(fake, upload_id, 2) == [200]
    assert ranges == [(1, 3)]


async def test_links_that_expire_within_a_minute_are_replaced_before_they_are_used(
    fake: SupportAttachmentFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mid-upload, the clock moves to 59.5 minutes after the links were made (they last
    an hour): the next part gets a fresh link (and its followers with it) first. The
    service's clock does not move, so its fresh links are made to last two hours."""
    real_now = _attachments._now
    shift = [timedelta(0)]
    monkeypatch.setattr(_attachments, "_now", lambda: real_now() + shift[0])

    def progress(done: int, total: int) -> None:
        if done == 2 * PART:  # part 2 handed over: the links are now nearly expired
            shift[0] = timedelta(minutes=59, seconds=30)
            fake.link_expiry = timedelta(hours=2)

    data = os.urandom(4 * PART)
    async with client_for(fake) as client:
        upload_id = await client.upload_attachment(data, file_name="n.bin", concurrency=1, progress=progress)
        ranges = [
            (r.upload_range.start_index, r.upload_range.end_index)
            for r in recorder(client).of("GetAttachmentUploadLinks")[1:]
        ]
    assert fake.stored(upload_id) == data
    assert ranges == [(3, 5)]
    assert puts(fake, upload_id) == [(1, 200), (2, 200), (3, 200), (4, 200)]


async def test_links_shorter_lived_than_the_margin_are_fetched_once_per_part(
    fake: SupportAttachmentFake,
) -> None:
    """A service whose links last 30 s: each part fetches a fresh link once and uses it
    (it is the freshest there is), never looping."""
    fake.link_expiry = timedelta(seconds=30)
    data = os.urandom(3 * PART)
    async with client_for(fake) as client:
        upload_id = await client.upload_attachment(data, file_name="s.bin", concurrency=1)
        ranges = [
            (r.upload_range.start_index, r.upload_range.end_index)
            for r in recorder(client).of("GetAttachmentUploadLinks")[1:]
        ]
    assert fake.stored(upload_id) == data
    assert ranges == [(1, 4), (2, 4), (3, 4)]


# ---------------------------------------------------------------- the source changing


@pytest.mark.parametrize("change", ["grows", "shrinks"])
async def test_a_file_that_changes_size_during_the_upload_is_never_completed(
    fake: SupportAttachmentFake, tmp_path: Path, change: str
) -> None:
    path = tmp_path / "live.log"
    path.write_bytes(os.urandom(3 * PART))

    def progress(done: int, total: int) -> None:
        if done == PART:  # part 1 handed over
            with open(path, "r+b") as file:
                if change == "grows":
                    file.seek(0, io.SEEK_END)
                    file.write(b"more log lines\n")
                else:
                    file.truncate(2 * PART)

    async with client_for(fake) as client:
        with pytest.raises(awsmith.AttachmentSourceError) as info:
            await client.upload_attachment(path, concurrency=1, progress=progress)
    now = 3 * PART + 15 if change == "grows" else 2 * PART
    assert info.value.file_name == "live.log"
    assert info.value.upload_id is not None and info.value.upload_id.startswith("attachment-upload-")
    assert str(info.value) == (
        f"'{path}' changed size while it was uploaded ({3 * PART} bytes when the upload "
        f"started, {now} now): the upload was not completed; upload it again once it is "
        "complete (when calling the upload_attachment operation)"
    )
    assert "CompleteAttachmentUpload" not in fake.calls
    assert puts(fake, info.value.upload_id) == [(1, 200)]  # checked once each part is sent


# ---------------------------------------------------------------- concurrency and cancellation


async def test_parts_go_at_once_up_to_concurrency_and_never_more(
    fake: SupportAttachmentFake, kind: tuple[str, str], transport: str
) -> None:
    """The first ``concurrency`` PUTs each wait until that many are open at once (the
    test would time out if they were sent one after another), and no more are ever
    open at once."""
    open_now, peak = [0], [0]
    all_open = anyio.Event()

    async with client_for(fake, transport) as client:
        sender, _ = await client._transfer()
        stream = sender.stream

        @asynccontextmanager
        async def counting(method: str, url: str, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            open_now[0] += 1
            peak[0] = max(peak[0], open_now[0])
            try:
                if open_now[0] == 4:
                    all_open.set()
                with anyio.fail_after(20):
                    await all_open.wait()
                async with stream(method, url, *args, **kwargs) as response:
                    yield response
            finally:
                open_now[0] -= 1

        sender.stream = counting  # type: ignore[method-assign]
        data = os.urandom(10 * PART)
        upload_id = await client.upload_attachment(data, file_name="c.bin", concurrency=4)
    assert fake.stored(upload_id) == data
    assert peak == [4]


async def test_parts_at_once_never_outnumber_the_pool(
    fake: SupportAttachmentFake, kind: tuple[str, str], transport: str
) -> None:
    """With Config.max_pool_connections=1, concurrency=4 sends one part at a time: a
    part never waits for a pooled connection inside its attempt (where the wait would
    be bounded by connect_timeout and fail as an attempt). A caller's httpx client
    keeps its own limits: awsmith does not know them, and sends four at once."""
    open_now, peak = [0], [0]
    async with client_for(fake, transport, max_pool_connections=1) as client:
        sender, _ = await client._transfer()
        stream = sender.stream

        @asynccontextmanager
        async def counting(method: str, url: str, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            open_now[0] += 1
            peak[0] = max(peak[0], open_now[0])
            try:
                await anyio.sleep(0)  # the other workers run: they would open theirs now
                async with stream(method, url, *args, **kwargs) as response:
                    yield response
            finally:
                open_now[0] -= 1

        sender.stream = counting  # type: ignore[method-assign]
        data = os.urandom(6 * PART)
        upload_id = await client.upload_attachment(data, file_name="p.bin", concurrency=4)
    assert fake.stored(upload_id) == data
    assert peak == [4 if transport == "httpx" else 1]
    assert sorted(puts(fake, upload_id)) == [(part, 200) for part in range(1, 7)]


async def test_cancelled_mid_upload_leaves_no_task_and_completes_nothing(
    fake: SupportAttachmentFake, kind: tuple[str, str], transport: str
) -> None:
    """Part 3 is never answered; once every byte is handed over the caller cancels: the
    upload's tasks are all gone, and nothing is completed."""
    fake.inject(Stall(), part=3)
    data = os.urandom(4 * PART)
    handed = anyio.Event()

    def progress(done: int, total: int) -> None:
        if done == total:
            handed.set()

    async with client_for(fake, transport) as client:
        before = _tasks(("", kind[0]))
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as group:

                async def upload() -> None:
                    await client.upload_attachment(data, file_name="c.bin", concurrency=4, progress=progress)

                group.start_soon(upload)
                await handed.wait()
                scope.cancel()
        assert scope.cancelled_caught
        assert _tasks(("", kind[0])) == before
    assert "CompleteAttachmentUpload" not in fake.calls


# ---------------------------------------------------------------- progress and processing


async def test_cancelled_while_connecting_leaves_no_task_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled while its part's connection is being made (to a listener whose accept
    queue is full: the connect hangs): when upload_attachment has raised, no task of
    its is left, not even for a loop turn (to an IP address there is no happy-eyeballs
    race, whose tasks CPython 3.11 cancels without waiting for them)."""
    import asyncio
    import socket
    from datetime import UTC, datetime

    from awsmith.testing import Stubber

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(4)]
    for filler in fillers:
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    connecting = asyncio.Event()
    sock_connect = loop.sock_connect

    async def watched(sock: socket.socket, address: Any) -> None:
        if address[1] == port:
            connecting.set()
        await sock_connect(sock, address)

    monkeypatch.setattr(loop, "sock_connect", watched)
    expiry = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    url = f"http://127.0.0.1:{port}/k?X-Amz-Signature=x"
    try:
        client = SupportClient(region="us-east-1", credentials=CREDENTIALS, config=CONFIG)
        async with client:
            with Stubber(client) as stub:
                stub.add_response(
                    "get_attachment_upload_links",
                    {"uploadId": "u", "partSizeBytes": 1000, "totalParts": 1,
                     "uploadUrls": [{"url": url, "partIndex": 1, "expiryDate": expiry}]},
                )  # fmt: skip
                before = _tasks(("", "asyncio"))
                task = asyncio.ensure_future(client.upload_attachment(b"x" * 1000, file_name="c.bin"))
                await connecting.wait()
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert _tasks(("", "asyncio")) - before == set()
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_progress_is_called_at_least_once_per_mib_and_goes_back_on_a_retry(
    fake: SupportAttachmentFake,
) -> None:
    fake.part_size = 2 * MiB + 512 * 1024
    fake.inject(Reset(), part=2)  # its whole body sent, then the connection reset
    data = os.urandom(6 * MiB)
    seen: list[tuple[int, int]] = []
    async with client_for(fake) as client:
        upload_id = await client.upload_attachment(
            data, file_name="p.bin", concurrency=1, progress=lambda done, total: seen.append((done, total))
        )
    assert fake.stored(upload_id) == data
    assert {total for _, total in seen} == {len(data)}
    done = [d for d, _ in seen]
    assert done[0] == 0 and done[-1] == len(data)
    steps = [b - a for a, b in itertools.pairwise(done)]
    assert max(steps) <= MiB
    assert steps.count(-fake.part_size) == 1  # part 2, handed over whole, then reset
    assert [s for s in steps if s < 0] == [-fake.part_size]


async def test_the_status_is_polled_with_a_growing_delay_until_ready(
    fake: SupportAttachmentFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[float] = []
    real_sleep = _attachments.aio.sleep

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(_attachments.aio, "sleep", sleep)
    fake.processing_polls = 5
    async with client_for(fake) as client:
        await client.upload_attachment(b"x" * 10, file_name="r.bin")
    assert fake.calls.count("DescribeAttachmentUploadStatus") == 6
    assert delays == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0]


async def test_an_upload_the_service_fails_raises_naming_the_file(fake: SupportAttachmentFake) -> None:
    fake.processing_polls = 1
    fake.fail_next_processing()
    async with client_for(fake) as client:
        with pytest.raises(awsmith.AttachmentProcessingError) as info:
            await client.upload_attachment(b"x" * 10, file_name="broken.bin")
    assert info.value.upload_id is not None
    upload = fake.upload(info.value.upload_id)
    assert str(info.value) == (
        f"AWS Support could not process 'broken.bin' (upload {upload.upload_id}): its status "
        "is 'failed'; upload it again (when calling the upload_attachment operation)"
    )
    assert (info.value.upload_id, info.value.attempts) == (upload.upload_id, 0)


async def test_an_upload_never_ready_ends_at_the_time_limit(
    fake: SupportAttachmentFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_attachments, "READY_TIMEOUT", 0.2)
    monkeypatch.setattr(_attachments, "READY_FIRST_DELAY", 0.05)
    fake.processing_polls = 1000
    async with client_for(fake) as client:
        with pytest.raises(awsmith.AttachmentNotReadyError) as info:
            await client.upload_attachment(b"x" * 10, file_name="slow.bin")
    assert info.value.upload_id is not None
    upload = fake.upload(info.value.upload_id)
    polls = fake.calls.count("DescribeAttachmentUploadStatus")
    assert polls == 2  # at 0.05 and 0.15 s; the next would be at 0.35 s
    assert str(info.value) == (
        f"'slow.bin' (upload {upload.upload_id}) was not attachment-ready within 0.2 s: its "
        "status is 'attachment-not-ready' after 2 poll(s) (when calling the upload_attachment "
        "operation)"
    )
    assert info.value.attempts == 2


async def test_a_status_poll_that_fails_keeps_the_upload_id(
    fake: SupportAttachmentFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CompleteAttachmentUpload succeeded, then DescribeAttachmentUploadStatus fails
    past its retries (throttling): AttachmentNotReadyError with the upload id (the
    upload need not be sent again) and the poll's error as its cause."""
    monkeypatch.setattr(_attachments, "READY_FIRST_DELAY", 0.001)
    fake.processing_polls = 1000
    throttled = awsmith.ServiceError("Rate exceeded", code="ThrottlingException", status_code=400)
    async with client_for(fake) as client:

        async def poll(**params: Any) -> Any:
            raise throttled

        monkeypatch.setattr(client, "describe_attachment_upload_status", poll)
        with pytest.raises(awsmith.AttachmentNotReadyError) as info:
            await client.upload_attachment(b"x" * 10, file_name="t.bin")
    error = info.value
    (links,) = [r for name, r in recorder(client).responses if name == "GetAttachmentUploadLinks"]
    upload = fake.upload(links.upload_id)
    assert fake.calls == ["GetAttachmentUploadLinks", "CompleteAttachmentUpload"]
    assert upload.reported  # completed at the service
    assert (error.upload_id, error.file_name, error.attempts) == (upload.upload_id, "t.bin", 1)
    assert error.__cause__ is throttled
    assert str(error) == (
        f"'t.bin' (upload {upload.upload_id}) was completed, but its status could not be "
        f"read (poll 1): {throttled}; it may still become attachment-ready: poll it, no need "
        "to upload it again (when calling the upload_attachment operation)"
    )


async def test_an_upload_cancelled_while_polling_names_its_upload_id(
    fake: SupportAttachmentFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled once completed, while waiting for attachment-ready: the cancellation
    goes on as it came, with a note giving the upload id."""
    import asyncio

    fake.processing_polls = 1000
    polling = asyncio.Event()
    async with client_for(fake) as client:

        async def poll(**params: Any) -> Any:
            polling.set()
            await asyncio.Event().wait()  # until cancelled

        monkeypatch.setattr(client, "describe_attachment_upload_status", poll)
        monkeypatch.setattr(_attachments, "READY_FIRST_DELAY", 0.001)
        task = asyncio.ensure_future(client.upload_attachment(b"x" * 10, file_name="c.bin"))
        await polling.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as info:
            await task
    (links,) = [r for name, r in recorder(client).responses if name == "GetAttachmentUploadLinks"]
    assert fake.calls == ["GetAttachmentUploadLinks", "CompleteAttachmentUpload"]
    assert info.value.__notes__ == [
        f"'c.bin' was uploaded and completed as upload {links.upload_id}: it may still "
        "become attachment-ready (describe_attachment_upload_status)"
    ]


# ---------------------------------------------------------------- download


@dataclass(frozen=True)
class Attached:
    attachment_id: str
    data: bytes
    upload_id: str


@pytest.fixture
async def attached(fake: SupportAttachmentFake) -> Attached:
    data = os.urandom(5 * PART + 3)
    async with client_for(fake) as client:
        upload_id = await client.upload_attachment(data, file_name="logs.tgz")
        attachment_id = await attachment_of(client, upload_id)
    fake.clear()
    return Attached(attachment_id, data, upload_id)


async def test_a_download_to_a_file_object(
    fake: SupportAttachmentFake, attached: Attached, transport: str, sender_kind: tuple[str, str]
) -> None:
    attachment_id, data = attached.attachment_id, attached.data
    out = io.BytesIO(b"kept:")
    out.seek(5)
    async with client_for(fake, transport) as client:
        assert await client.download_attachment(attachment_id, out) == len(data)
    assert out.getvalue() == b"kept:" + data


async def test_a_download_retried_after_a_cut_body_starts_over(
    fake: SupportAttachmentFake, attached: Attached, transport: str, sender_kind: tuple[str, str], tmp_path: Path
) -> None:
    attachment_id, data = attached.attachment_id, attached.data
    fake.inject(CutBody(after=PART), method="GET")
    target = tmp_path / "logs.tgz"
    async with client_for(fake, transport) as client:
        assert await client.download_attachment(attachment_id, target) == len(data)
    assert target.read_bytes() == data
    assert gets(fake, attached.upload_id) == [200, 200]
    assert os.listdir(tmp_path) == ["logs.tgz"]


async def test_a_failed_download_leaves_the_old_file_as_it_was(
    fake: SupportAttachmentFake, attached: Attached, transport: str, sender_kind: tuple[str, str], tmp_path: Path
) -> None:
    attachment_id = attached.attachment_id
    target = tmp_path / "logs.tgz"
    target.write_bytes(b"the old file")
    target.chmod(0o640)
    fake.inject(CutBody(after=1000), method="GET", times=3)
    async with client_for(fake, transport) as client:
        with pytest.raises(awsmith.AttachmentDownloadError) as info:
            await client.download_attachment(attachment_id, target)
    assert target.read_bytes() == b"the old file"
    assert os.listdir(tmp_path) == ["logs.tgz"]
    error = info.value
    assert (error.attempts, error.attachment_id, error.file_name) == (3, attachment_id, "logs.tgz")
    assert isinstance(error.__cause__, awsmith.ConnectionFailedError)
    assert str(error).startswith(
        f"attachment {attachment_id} ('logs.tgz') could not be downloaded to '{target}': "
    )
    assert str(error).endswith(" (when calling the download_attachment operation)")
    assert gets(fake, attached.upload_id) == [200, 200, 200]  # each cut short


async def test_a_download_replacing_a_file_keeps_its_permissions(
    fake: SupportAttachmentFake, attached: Attached, tmp_path: Path
) -> None:
    attachment_id, data = attached.attachment_id, attached.data
    target = tmp_path / "logs.tgz"
    target.write_bytes(b"old")
    target.chmod(0o600)
    async with client_for(fake) as client:
        await client.download_attachment(attachment_id, str(target))
    assert (target.read_bytes(), target.stat().st_mode & 0o777) == (data, 0o600)


async def test_a_cancelled_download_leaves_no_file_behind(
    fake: SupportAttachmentFake,
    attached: Attached,
    kind: tuple[str, str],
    transport: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attachment_id = attached.attachment_id
    target = tmp_path / "logs.tgz"
    target.write_bytes(b"the old file")
    first_chunk = anyio.Event()
    write = _attachments._TemporaryFile.write

    def noting(self: Any, chunk: bytes) -> None:
        write(self, chunk)
        first_chunk.set()

    monkeypatch.setattr(_attachments._TemporaryFile, "write", noting)
    async with client_for(fake, transport) as client:
        before = _tasks(("", kind[0]))
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as group:

                async def download() -> None:
                    await client.download_attachment(attachment_id, target)

                group.start_soon(download)
                await first_chunk.wait()
                scope.cancel()
        assert scope.cancelled_caught
        assert _tasks(("", kind[0])) == before
    assert target.read_bytes() == b"the old file"
    assert os.listdir(tmp_path) == ["logs.tgz"]


async def test_an_expired_download_link_is_replaced(
    fake: SupportAttachmentFake, attached: Attached
) -> None:
    attachment_id, data = attached.attachment_id, attached.data
    fake.inject(Expired(), method="GET")
    out = io.BytesIO()
    async with client_for(fake) as client:
        await client.download_attachment(attachment_id, out)
    assert out.getvalue() == data
    assert fake.calls == ["GetAttachmentDownloadLink", "GetAttachmentDownloadLink"]
    assert gets(fake, attached.upload_id) == [403, 200]


async def test_a_download_into_a_file_object_is_not_retried_once_written_to(
    fake: SupportAttachmentFake, attached: Attached
) -> None:
    attachment_id = attached.attachment_id
    fake.inject(CutBody(after=1000), method="GET")
    out = io.BytesIO()
    async with client_for(fake) as client:
        with pytest.raises(awsmith.AttachmentDownloadError) as info:
            await client.download_attachment(attachment_id, out)
    assert info.value.attempts == 1
    assert re.search(r" \(1000 bytes were written\) \(when calling the download_attachment operation\)$", str(info.value))
    assert gets(fake, attached.upload_id) == [200]


class _FailingWrites(io.BytesIO):
    """A destination whose disk fills after ``room`` bytes."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room

    def write(self, data: Any, /) -> int:
        if self.tell() + len(data) > self.room:
            raise OSError(28, "No space left on device")
        return super().write(data)


async def test_a_destination_that_fails_to_take_the_body_ends_the_download_at_once(
    fake: SupportAttachmentFake, attached: Attached, transport: str, sender_kind: tuple[str, str]
) -> None:
    """The GET was written (the sender said so): it counts as an attempt, as a call's
    does, though it ended with the destination's error rather than an answer's."""
    attachment_id = attached.attachment_id
    out = _FailingWrites(room=PART)
    async with client_for(fake, transport) as client:
        with pytest.raises(awsmith.AttachmentDownloadError) as info:
            await client.download_attachment(attachment_id, out)
    error = info.value
    assert (error.attempts, error.attachment_id, error.file_name) == (1, attachment_id, "logs.tgz")
    assert str(error) == (
        f"attachment {attachment_id} ('logs.tgz') could not be downloaded to the _FailingWrites given: "
        "cannot write: [Errno 28] No space left on device "
        "(when calling the download_attachment operation)"
    )
    assert isinstance(error.__cause__, OSError) and error.__cause__.errno == 28
    assert len(gets(fake, attached.upload_id)) == 1


async def test_a_download_of_an_unknown_attachment_is_the_services_error_with_a_note(
    fake: SupportAttachmentFake, tmp_path: Path
) -> None:
    target = tmp_path / "x.bin"
    async with client_for(fake) as client:
        with pytest.raises(AttachmentIdNotFound) as info:
            await client.download_attachment("attachment-nope", target)
    assert info.value.__notes__ == [
        f"while downloading attachment attachment-nope to '{target}' (download_attachment)"
    ]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        (lambda tmp: tmp, "Invalid value for 'destination': '{tmp}' is a folder: give the path of the file to write (when calling the download_attachment operation)"),
        (lambda tmp: tmp / "no" / "x", "Invalid value for 'destination': the folder of '{tmp}/no/x' does not exist (when calling the download_attachment operation)"),
        (lambda tmp: io.StringIO(), "Invalid value for 'destination': the file is open in text mode: open it in binary mode ('wb') (when calling the download_attachment operation)"),
        (lambda tmp: io.BufferedReader(io.BytesIO()), "Invalid value for 'destination': the file object is not open for writing (when calling the download_attachment operation)"),
        (lambda tmp: 3.5, "Invalid value for 'destination': expected a path or a binary file object, got float (when calling the download_attachment operation)"),
        (lambda tmp: "", "Invalid value for 'destination': an empty path: give the path of the file to write (when calling the download_attachment operation)"),
        (lambda tmp: "missing-dir/", "Invalid value for 'destination': 'missing-dir/' ends with a separator: give the path of the file to write (when calling the download_attachment operation)"),
        (lambda tmp: _closed(io.BytesIO()), "Invalid value for 'destination': the file object is closed (when calling the download_attachment operation)"),
        (lambda tmp: _closed(open(tmp / "closed.bin", "wb")), "Invalid value for 'destination': the file object is closed (when calling the download_attachment operation)"),  # noqa: SIM115
        (lambda tmp: _non_blocking_pipe(), "Invalid value for 'destination': the file object is non-blocking (a write may take nothing): give a blocking one (when calling the download_attachment operation)"),
    ],
    ids=["a-folder", "no-folder", "text-mode", "read-only", "a-float", "empty-path", "trailing-separator",
         "closed-bytesio", "closed-file", "non-blocking-raw"],
)  # fmt: skip
async def test_a_destination_that_cannot_be_written_sends_nothing(
    fake: SupportAttachmentFake,
    tmp_path: Path,
    destination: Any,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative path is relative to it
    target = destination(tmp_path)
    try:
        async with client_for(fake) as client:
            with pytest.raises(awsmith.ParamValidationError) as info:
                await client.download_attachment("attachment-x", target)
    finally:
        if hasattr(target, "close"):
            target.close()
    assert str(info.value) == message.format(tmp=tmp_path)
    assert fake.calls == []  # no link was asked for: nothing can have gone to S3
    assert sorted(os.listdir(tmp_path)) in ([], ["closed.bin"])


def _closed(file: Any) -> Any:
    file.close()
    return file


def _non_blocking_pipe() -> io.FileIO:
    """The writing end of a pipe in non-blocking mode, raw: its write() returns None
    when the pipe is full. Its reading end is closed (nothing is written)."""
    reading, writing = os.pipe()
    os.close(reading)
    os.set_blocking(writing, False)
    return io.FileIO(writing, "wb")


class _RawThatStops(io.RawIOBase):
    """A raw file object taking ``room`` bytes, then none (as a non-blocking one does
    when full: None), or closed by its owner once ``room`` bytes are in."""

    def __init__(self, room: int, then: str) -> None:
        self.got = bytearray()
        self._room = room
        self._then = then

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int | None:
        if len(self.got) >= self._room:
            if self._then == "none":
                return None
            self.close()
            raise ValueError("I/O operation on closed file.")
        taken = bytes(data[: self._room - len(self.got)])
        self.got.extend(taken)
        return len(taken)


@pytest.mark.parametrize(
    ("then", "problem"),
    [
        # the chunk it refused: as the connection gave it
        ("none", rf"\[Errno 11\] the file object took none of \d+ bytes \(it is non-blocking\): {PART} bytes were written"),
        ("close", re.escape("the file object was closed during the download (I/O operation on closed file.)")),
    ],
    ids=["write-gives-none", "closed-mid-download"],
)  # fmt: skip
async def test_a_file_object_that_stops_taking_bytes_ends_the_download(
    fake: SupportAttachmentFake, attached: Attached, then: str, problem: str
) -> None:
    """Nothing is dropped silently: a write that took nothing, or a file closed while
    the download goes on, is an AttachmentDownloadError saying so (not retried: the
    object was written to)."""
    out = _RawThatStops(PART, then)
    async with client_for(fake) as client:
        with pytest.raises(awsmith.AttachmentDownloadError) as info:
            await client.download_attachment(attached.attachment_id, out)
    assert re.fullmatch(
        re.escape(
            f"attachment {attached.attachment_id} ('logs.tgz') could not be downloaded to the "
            "_RawThatStops given: cannot write: "
        )
        + problem
        + re.escape(" (when calling the download_attachment operation)"),
        str(info.value),
    )
    assert isinstance(info.value.__cause__, OSError)
    assert bytes(out.got) == attached.data[:PART]
    assert len(gets(fake, attached.upload_id)) == 1


async def test_a_download_to_a_long_non_ascii_name(
    fake: SupportAttachmentFake, attached: Attached, tmp_path: Path
) -> None:
    """84 CJK characters are 252 bytes, a valid name: the temporary file's name keeps
    at most 200 bytes of it (whole characters), within the 255 a name may have."""
    name = "日" * 84
    target = tmp_path / name
    async with client_for(fake) as client:
        seen: list[str] = []
        real_replace = os.replace

        def replace(source: Any, destination: Any) -> None:
            seen.append(os.path.basename(source))
            real_replace(source, destination)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "replace", replace)
            written = await client.download_attachment(attached.attachment_id, target)
    assert (written, target.read_bytes()) == (len(attached.data), attached.data)
    assert os.listdir(tmp_path) == [name]
    (temporary,) = seen
    assert re.fullmatch(rf"\.{'日' * 66}\.[0-9a-f]{{8}}\.download", temporary)  # 198 bytes
    assert len(os.fsencode(temporary)) == 217


async def test_a_download_to_a_symlink_writes_through_it(
    fake: SupportAttachmentFake, attached: Attached, tmp_path: Path
) -> None:
    """A destination that is a symlink (latest.tgz -> data/real.tgz): the file it points
    to is replaced, atomically, in its own folder; the link stays a link."""
    real = tmp_path / "data" / "real.tgz"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "latest.tgz"
    link.symlink_to(real)
    async with client_for(fake) as client:
        await client.download_attachment(attached.attachment_id, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == attached.data
    assert (sorted(os.listdir(tmp_path)), os.listdir(real.parent)) == (["data", "latest.tgz"], ["real.tgz"])
