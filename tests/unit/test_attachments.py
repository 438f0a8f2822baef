"""The pieces of the attachment helpers (awsmith.support._attachments) that a fault on
the fake cannot pin exactly: S3's error documents read as botocore reads them (its
parser is the oracle), the 60-second margin of a link's expiry, the retry policy's
accounting, running parts at once, file objects of every kind, and the helpers'
errors as values (pickled, copied).
"""

from __future__ import annotations

import asyncio
import copy
import gzip
import io
import os
import pickle
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from xml.sax.saxutils import escape

import pytest
from botocore.parsers import RestXMLParser
from botocore.retries import standard as botocore_standard
from hypothesis import example, given, settings
from hypothesis import strategies as st

import awsmith
from awsmith._core.errors import ConnectionFailedError, ReadTimeoutError, ServiceError
from awsmith._core.retry import RetryQuota
from awsmith.support import SupportClient, _attachments
from awsmith.support.shapes import (
    CompleteAttachmentUploadResponse,
    CompletedUpload,
    DescribeAttachmentUploadStatusResponse,
    GetAttachmentDownloadLinkResponse,
    GetAttachmentUploadLinksResponse,
    UploadRange,
    UploadUrl,
)

pytestmark = pytest.mark.anyio

# ---------------------------------------------------------------- S3's error documents

XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=60,
).filter(lambda text: text == text.strip() or text.strip())


def botocore_error(status: int, body: bytes) -> tuple[str, str]:
    parsed = RestXMLParser().parse({"body": body, "headers": {}, "status_code": status}, None)
    return parsed["Error"].get("Code") or "", parsed["Error"].get("Message") or ""


@settings(max_examples=300, deadline=None)
@given(
    status=st.sampled_from([400, 403, 404, 409, 411, 500, 501, 503]),
    code=st.from_regex(r"[A-Za-z][A-Za-z0-9.]{0,30}", fullmatch=True),
    message=XML_TEXT,
    quoted=st.booleans(),
)
def test_an_s3_error_document_is_read_as_botocore_reads_it(
    status: int, code: str, message: str, quoted: bool
) -> None:
    entities = {'"': "&quot;", "'": "&apos;"} if quoted else {}
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message, entities)}</Message>"
        "<RequestId>4442587FB7D0A2F9</RequestId><HostId>host</HostId></Error>"
    ).encode()
    assert _attachments._error_fields(status, body) == botocore_error(status, body)


@settings(max_examples=200, deadline=None)
@given(
    status=st.sampled_from([400, 403, 500, 502, 503, 504, 599]),
    body=st.one_of(
        st.binary(max_size=40),
        st.just(b"<html><body>502 Bad Gateway</body></html>"),
        st.just(b"  "),
        st.just(b"<Other><Code>X</Code></Other>"),
        st.just(b"<ErrorResponse><Error><Code>Throttling</Code><Message>m</Message></Error></ErrorResponse>"),
    ),
)
def test_any_other_error_body_is_read_as_botocore_reads_it(status: int, body: bytes) -> None:
    assert _attachments._error_fields(status, body) == botocore_error(status, body)


def test_the_service_error_of_an_s3_refusal() -> None:
    error = _attachments._s3_error(
        403,
        {"x-amz-request-id": "R1"},
        b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    )
    assert (type(error), error.code, error.message, error.status_code, error.request_id) == (
        _attachments.S3Refusal, "AccessDenied", "Request has expired", 403, "R1"
    )  # fmt: skip
    assert isinstance(error, ServiceError)
    assert (error.answer.status, dict(error.answer.headers), error.answer.body) == (
        403, {"x-amz-request-id": "R1"}, b""
    )  # fmt: skip
    assert _attachments._expired(error)
    assert not _attachments._expired(
        _attachments._s3_error(403, {}, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
    )
    assert _attachments._bad_digest(_attachments._s3_error(400, {}, b"<Error><Code>BadDigest</Code></Error>"))


# ---------------------------------------------------------------- links and their expiry


class Api:
    """The four operations, answering from a script; records the requests."""

    def __init__(self, answers: list[GetAttachmentUploadLinksResponse]) -> None:
        self.answers = answers
        self.asked: list[tuple[int | None, int | None]] = []

    async def get_attachment_upload_links(
        self,
        *,
        file_name: str,
        file_size_bytes: int | None = None,
        upload_id: str | None = None,
        upload_range: UploadRange | None = None,
    ) -> GetAttachmentUploadLinksResponse:
        self.asked.append(
            (upload_range.start_index, upload_range.end_index) if upload_range else (None, None)
        )
        return self.answers.pop(0)

    async def complete_attachment_upload(
        self, *, completed_uploads: Sequence[CompletedUpload], upload_id: str
    ) -> CompleteAttachmentUploadResponse:
        raise AssertionError("not called")

    async def describe_attachment_upload_status(
        self, *, upload_id: str
    ) -> DescribeAttachmentUploadStatusResponse:
        raise AssertionError("not called")

    async def get_attachment_download_link(
        self, *, attachment_id: str
    ) -> GetAttachmentDownloadLinkResponse:
        raise AssertionError("not called")


NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


def links(expires: datetime, parts: range, total: int, next_index: int | None = None) -> GetAttachmentUploadLinksResponse:
    return GetAttachmentUploadLinksResponse(
        upload_id="u-1",
        part_size_bytes=10,
        total_parts=total,
        upload_urls=[
            UploadUrl(
                url=f"https://b.s3.amazonaws.com/k?partNumber={i}&X-Amz-Date={expires:%H%M%S}",
                part_index=i,
                expiry_date=expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            )
            for i in parts
        ],
        next_index=next_index,
    )


def upload_state(api: Api, size: int) -> _attachments._Upload:
    transfer = _attachments.Transfer(None, None, lambda: None)  # type: ignore[arg-type]  # not sent
    source = _attachments._BytesSource(memoryview(b"x" * size))
    return _attachments._Upload(api, transfer, source, "f.bin", None)


@pytest.mark.parametrize(("left", "refreshed"), [(61, False), (60, True), (0, True), (-5, True)])
async def test_a_link_is_replaced_when_it_expires_within_60_seconds(
    monkeypatch: pytest.MonkeyPatch, left: int, refreshed: bool
) -> None:
    monkeypatch.setattr(_attachments, "_now", lambda: NOW)
    later = NOW + timedelta(hours=1)
    api = Api([links(NOW + timedelta(seconds=left), range(1, 4), 3), links(later, range(2, 4), 3)])
    state = upload_state(api, 30)
    await state.start()
    link = await state.link(2)
    assert api.asked == ([(None, None), (2, 4)] if refreshed else [(None, None)])
    assert link.expires == (later if refreshed else NOW + timedelta(seconds=left))


async def test_links_are_fetched_from_next_index_until_every_part_has_one() -> None:
    expires = NOW + timedelta(hours=1)
    api = Api([links(expires, range(1, 11), 25, 11), links(expires, range(11, 21), 25, 21), links(expires, range(21, 26), 25)])
    state = upload_state(api, 250)
    await state.start()
    assert api.asked == [(None, None), (11, 21), (21, 26)]
    assert sorted(state.links) == list(range(1, 26))


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ([links(NOW, range(1, 3), 3)], "no link for part(s) [3]"),
        ([links(NOW, range(1, 3), 3, 1)], "nextIndex 1 after links from part 1 of 3"),
        ([links(NOW, range(1, 3), 3, 4)], "nextIndex 4 after links from part 1 of 3"),
        ([links(NOW, range(1, 5), 3)], "a link for part 4 of 3"),
        ([links(NOW, range(1, 3), 2)], "30 bytes in 2 parts of 10 bytes"),
        ([links(NOW, range(1, 5), 4)], "30 bytes in 4 parts of 10 bytes"),
    ],
    ids=["a-part-without-link", "next-index-not-advancing", "next-index-past-the-end", "a-part-too-many", "too-few-parts", "too-many-parts"],
)  # fmt: skip
async def test_answers_that_do_not_add_up_stop_before_any_part(
    answers: list[GetAttachmentUploadLinksResponse], problem: str
) -> None:
    state = upload_state(Api(answers), 30)
    with pytest.raises(awsmith.AttachmentUploadError) as info:
        await state.start()
    assert str(info.value) == (
        f"the service's answer does not add up: {problem} ('f.bin', upload u-1) (when calling "
        "the upload_attachment operation)"
    )


async def test_a_plain_http_link_to_another_host_is_refused_before_any_part() -> None:
    answer = links(NOW, range(1, 4), 3)
    answer.upload_urls[1].url = "http://uploadv1.attachments.support.us-east-1.amazonaws.com/k?x=1"
    state = upload_state(Api([answer]), 30)
    with pytest.raises(awsmith.AttachmentUploadError) as info:
        await state.start()
    assert info.value.part_index == 2
    assert isinstance(info.value.__cause__, awsmith.URLRefusedError)
    assert "plain http:// only to a loopback address" in str(info.value)


# ---------------------------------------------------------------- the retry policy


def test_request_retries_spend_and_refund_the_clients_quota_as_calls_do() -> None:
    """plan_retry's costs and scales: 14 of the quota and a twentieth of base_backoff
    after an error that is not throttling; a success gives back the last retry's cost."""
    quota = RetryQuota()
    retries = _attachments.RequestRetries(3, quota, 1.0, 20.0)
    retries.begin()
    assert 0 <= retries.backoff(ConnectionFailedError("reset")) <= 0.05  # type: ignore[operator]
    retries.begin()
    assert 0 <= retries.backoff(ReadTimeoutError("slow")) <= 0.1  # type: ignore[operator]
    assert quota.available == 500 - 14 - 14
    retries.begin()
    assert retries.backoff(ConnectionFailedError("reset")) is None  # no attempt left
    retries.succeeded()
    assert (quota.available, retries.attempts) == (500 - 14, 3)


def test_request_retries_follow_the_policys_verdict_unless_told() -> None:
    quota = RetryQuota()
    retries = _attachments.RequestRetries(5, quota, 1.0, 20.0)
    retries.begin()
    digest = ServiceError("bad", code="BadDigest", status_code=400)
    assert retries.backoff(digest) is None
    assert 0 <= retries.backoff(digest, retryable=True) <= 0.05  # type: ignore[operator]
    slow_down = ServiceError("x", code="SlowDown", status_code=503)
    assert retries.backoff(slow_down, retryable=False) is None
    assert 0 <= retries.backoff(slow_down) <= 1.0  # type: ignore[operator]  # throttling: 1 s scale
    assert quota.available == 500 - 14 - 5
    empty = RetryQuota(capacity=4)
    assert _attachments.RequestRetries(5, empty, 1.0, 20.0).backoff(ConnectionFailedError("x")) is None
    assert empty.available == 4  # nothing taken
    _attachments.RequestRetries(1, quota, 1.0, 20.0).succeeded()  # no retries: refunds 1
    assert quota.available == 500 - 14 - 5 + 1


def test_request_retries_count_attempts_as_a_call_does() -> None:
    """An attempt counts once its request is written or once it ends with an outcome:
    one cut short before it reached a connection (a cancellation) does not."""
    retries = _attachments.RequestRetries(3, RetryQuota(), 1.0, 20.0)
    retries.begin()
    assert (retries.attempt, retries.attempts) == (1, 0)
    retries.written()
    assert retries.attempts == 1
    retries.begin()
    retries.ended()  # a connection refused: an outcome
    retries.begin()  # cut short before it was written
    assert (retries.attempt, retries.attempts, retries.left()) == (3, 2, False)


async def test_request_retries_are_the_clients_settings() -> None:
    """``max_attempts`` of the client (a with_options view's own) after _transfer()."""
    client = SupportClient(
        region="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        credentials=awsmith.Credentials(access_key_id="AKID", secret_access_key="s"),
        config=awsmith.Config(max_attempts=7, base_backoff=0.5, max_backoff=3.0),
    )
    async with client:
        transfer = await client._attachment_transfer()
        retries = transfer.retries()
        view = await client.with_options(max_attempts=2)._attachment_transfer()
    assert (retries._max, retries._quota, retries._base, retries._cap) == (7, client._quota, 0.5, 3.0)
    assert view.retries()._max == 2


# ---------------------------------------------------------------- running parts at once


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_the_first_failure_cancels_the_others_and_is_raised_alone(anyio_backend: str) -> None:
    import anyio

    started, cancelled = [0], [0]

    async def work() -> None:
        started[0] += 1
        if started[0] == 3:  # the last to start: the others wait already
            raise KeyError("third")
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled[0] += 1
            raise

    with pytest.raises(KeyError) as info:
        await _attachments._run_all(3, work)
    assert info.value.args == ("third",)
    assert (started[0], cancelled[0]) == (3, 2)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_cancelling_the_caller_cancels_every_part(anyio_backend: str) -> None:
    import anyio

    running, ended = [0], [0]
    all_running = anyio.Event()

    async def work() -> None:
        running[0] += 1
        if running[0] == 4:
            all_running.set()
        try:
            await anyio.sleep_forever()
        finally:
            ended[0] += 1

    async with anyio.create_task_group() as group:
        group.start_soon(_attachments._run_all, 4, work)
        await all_running.wait()
        group.cancel_scope.cancel()
    assert ended == [4]


async def test_a_part_that_fails_at_once_stops_the_others_from_starting() -> None:
    """Also under Python 3.12's eager task factory (where there is one), which runs a
    task's first step as it is created: before its siblings exist to be cancelled."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    loop.set_task_factory(getattr(asyncio, "eager_task_factory", None))
    calls = [0]

    async def work() -> None:
        calls[0] += 1
        raise KeyError("at once")

    try:
        with pytest.raises(KeyError):
            await _attachments._run_all(3, work)
    finally:
        loop.set_task_factory(previous)
    assert calls == [1]


# ---------------------------------------------------------------- sources


def test_a_file_whose_descriptor_is_not_its_content_is_read_through_the_object(tmp_path: Any) -> None:
    """A GzipFile's fileno() is the compressed file's: it is read with read(), and what
    is uploaded is what it reads."""
    path = tmp_path / "a.gz"
    path.write_bytes(gzip.compress(b"0123456789" * 100))
    with gzip.open(path, "rb") as file:
        source, name = _attachments._open_source(file, None)
        try:
            assert (type(source).__name__, name, source.size) == ("_ObjectSource", "a.gz", 1000)
            assert source.read(995, 5) == b"56789"
        finally:
            source.close()
    with open(path, "rb") as plain:
        source, _ = _attachments._open_source(plain, None)
        assert type(source).__name__ == "_FileSource"
        source.close()


def test_a_closed_file_object_is_refused_before_any_request() -> None:
    file = io.BytesIO(b"abc")
    file.close()
    with pytest.raises(awsmith.ParamValidationError) as info:
        _attachments._open_source(file, "x")
    assert str(info.value) == (
        "Invalid value for 'source': the file object cannot be measured: I/O operation on "
        "closed file. (when calling the upload_attachment operation)"
    )


def test_a_file_shorter_than_measured_fails_its_read(tmp_path: Any) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(b"x" * 100)
    source, _name = _attachments._open_source(path, None)
    try:
        path.write_bytes(b"x" * 60)
        with pytest.raises(awsmith.AttachmentSourceError) as info:
            source.read(50, 20)
    finally:
        source.close()
    assert str(info.value) == (
        f"'{path}' changed size while it was uploaded (100 bytes when the upload started, 60 "
        "now): the upload was not completed; upload it again once it is complete (when "
        "calling the upload_attachment operation)"
    )


def test_a_bytearray_cannot_change_size_during_the_upload() -> None:
    data = bytearray(b"abc")
    source, _ = _attachments._open_source(data, "x")
    with pytest.raises(BufferError):
        data.extend(b"d")
    source.close()
    data.extend(b"d")


# ---------------------------------------------------------------- the errors as values


ERRORS = [
    awsmith.AttachmentSourceError("m", operation_name="upload_attachment", file_name="f", attempts=0),
    awsmith.AttachmentUploadError("m", operation_name="upload_attachment", file_name="f", upload_id="u", part_index=3, attempts=2),
    awsmith.AttachmentProcessingError("m", operation_name="upload_attachment", file_name="f", upload_id="u", attempts=4),
    awsmith.AttachmentNotReadyError("m", operation_name="upload_attachment", file_name="f", upload_id="u", attempts=9),
    awsmith.AttachmentDownloadError("m", operation_name="download_attachment", file_name="f", attachment_id="a", attempts=3),
]  # fmt: skip


@pytest.mark.parametrize("error", ERRORS, ids=[type(e).__name__ for e in ERRORS])
@pytest.mark.parametrize(
    "copier", [pickle.loads, copy.copy, copy.deepcopy], ids=["pickle", "copy", "deepcopy"]
)
def test_the_helpers_errors_copy_with_their_fields(error: Exception, copier: Any) -> None:
    copied = copier(pickle.dumps(error)) if copier is pickle.loads else copier(error)
    assert type(copied) is type(error)
    assert str(copied) == str(error) == f"m (when calling the {error.operation_name} operation)"  # type: ignore[attr-defined]
    assert vars(copied) == vars(error)
    assert isinstance(copied, awsmith.AttachmentError) and isinstance(copied, awsmith.AwsmithError)


RETRY_AFTER_FIELDS = st.one_of(
    st.none(),
    st.integers(min_value=-100, max_value=40000).map(str),
    st.sampled_from(["", "soon", "1.5", " 250 ", "9" * 400]),
)


@settings(max_examples=200, deadline=None)
@given(
    status_code=st.sampled_from([(503, "SlowDown"), (500, "InternalError"), (503, "503")]),
    retry_after=RETRY_AFTER_FIELDS,
    attempt=st.integers(min_value=1, max_value=6),
    draw=st.floats(min_value=0.0, max_value=1.0),
)
@example(status_code=(503, "SlowDown"), retry_after="3000", attempt=1, draw=0.25)
def test_part_and_download_retries_honour_x_amz_retry_after_as_botocore(
    status_code: tuple[int, str], retry_after: str | None, attempt: int, draw: float
) -> None:
    """S3's refusal with ``x-amz-retry-after``: the delay before the request's next
    attempt is botocore's ``ExponentialBackoff`` delay for that answer (before the fix
    the header was ignored: a 503 SlowDown asking for 3 s got 0.25 s)."""
    if not hasattr(botocore_standard.ExponentialBackoff, "_RETRY_AFTER_HEADER"):
        return  # 1.29.61 (make test-botocore-min): its backoff reads no x-amz-retry-after
    from botocore.awsrequest import AWSResponse
    from urllib3._collections import HTTPHeaderDict

    status, code = status_code
    headers = {"x-amz-request-id": "r"}
    if retry_after is not None:
        headers["x-amz-retry-after"] = retry_after
    document = f"<Error><Code>{code}</Code><Message>m</Message></Error>".encode()
    error = _attachments._s3_error(status, headers, document)
    retries = _attachments.RequestRetries(10, RetryQuota(), 1.0, 20.0)
    for _ in range(attempt):
        retries.begin()
    with mock.patch("awsmith._core.retry.random", mock.Mock(random=lambda: draw)):
        ours = retries.backoff(error)
    context = botocore_standard.RetryContext(
        attempt_number=attempt,
        parsed_response={"Error": {"Code": code}},
        http_response=AWSResponse("https://b.s3.amazonaws.com/k", status, HTTPHeaderDict(headers), None),
    )
    backoff = botocore_standard.ExponentialBackoff(
        random=lambda: draw,
        service_name="s3",
        throttling_detector=botocore_standard.ThrottlingErrorDetector(
            botocore_standard.RetryEventAdapter()
        ),
    )
    assert ours == backoff.delay_amount(context)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_request_cancelled_during_its_backoff_gives_back_the_retrys_cost(
    anyio_backend: str,
) -> None:
    """As a call's: the retry planned was never sent (a failing part cancels the
    others mid-backoff), so the quota gets back what it took; a backoff that ends
    keeps it for the retry."""
    import anyio

    quota = RetryQuota()
    retries = _attachments.RequestRetries(3, quota, 1.0, 20.0)
    retries.begin()
    refused = _attachments._s3_error(503, {}, b"<Error><Code>InternalError</Code></Error>")
    delay = retries.backoff(refused)
    assert delay is not None and quota.available == 500 - 14
    started = anyio.Event()

    async def forever(seconds: float) -> None:
        started.set()
        await anyio.sleep_forever()

    with mock.patch("awsmith._core.aio.sleep", forever):
        async with anyio.create_task_group() as group:
            group.start_soon(retries.wait, delay)
            await started.wait()
            group.cancel_scope.cancel()
    assert quota.available == 500
    retries.begin()
    assert retries.backoff(refused) is not None and quota.available == 500 - 14
    with mock.patch("awsmith._core.aio.sleep", mock.AsyncMock()):
        await retries.wait(0.01)
    assert quota.available == 500 - 14


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), max_size=300))
def test_a_temporary_name_keeps_the_longest_prefix_within_its_bytes(name: str) -> None:
    """A name's limit counts bytes: the kept part is the longest whole-character prefix
    of at most NAME_BYTES bytes (so the temporary name fits in 255), whatever the
    script (ASCII, CJK at 3 bytes, emoji at 4)."""
    kept = _attachments._shortened(name, _attachments.NAME_BYTES)
    assert name.startswith(kept)
    assert len(os.fsencode(kept)) <= _attachments.NAME_BYTES
    assert kept == name or len(os.fsencode(name[: len(kept) + 1])) > _attachments.NAME_BYTES
    assert len(os.fsencode(f".{kept}.01234567.download")) <= 255
