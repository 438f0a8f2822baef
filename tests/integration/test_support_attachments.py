"""The local Support attachment fake (devservers.support_attachments), checked against
oracles it was not written with: botocore's own Support client (its model of the new
operations, its SigV4 signer, its parser of the answers and of the modeled errors),
plain httpx PUTs and GETs to the presigned URLs, and moto's S3 server behind the gate
(its multipart upload, ETags and objects).

One fake (and its moto) serves the module, with small parts (64 KiB) so that files of
a few hundred KiB have several; each test starts with its faults and records cleared.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import httpx
import pytest
from botocore.config import Config as BotocoreConfig
from botocore.exceptions import ClientError

from awsmith._core.transport.http import HttpSender, StreamBody, Timeouts
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.transport.httpx_sender import HttpxSender, owned_client
from awsmith._core.transport.proxy import NO_PROXIES
from devservers.support_attachments import (
    BUCKET,
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    Answer,
    Corrupt,
    CutBody,
    Expired,
    Reset,
    Stall,
    SupportAttachmentFake,
    async_support_attachment_fake,
    support_attachment_fake,
)

pytestmark = pytest.mark.integration

PART = 64 * 1024


@pytest.fixture(scope="module")
def shared() -> Iterator[SupportAttachmentFake]:
    with support_attachment_fake(part_size=PART, processing_polls=1) as started:
        yield started


@pytest.fixture
def fake(shared: SupportAttachmentFake) -> Iterator[SupportAttachmentFake]:
    shared.next_test()
    yield shared


def support_client(fake: SupportAttachmentFake, **config: Any) -> Any:
    """botocore's Support client, pointed at the fake (the oracle of the wire)."""
    return botocore.session.get_session().create_client(
        "support",
        region_name="us-east-1",
        endpoint_url=fake.support_url,
        aws_access_key_id=config.pop("key", FAKE_ACCESS_KEY_ID),
        aws_secret_access_key=config.pop("secret", FAKE_SECRET_ACCESS_KEY),
        config=BotocoreConfig(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def support(fake: SupportAttachmentFake) -> Iterator[Any]:
    client = support_client(fake)
    yield client
    client.close()


def md5_header(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def parts_of(data: bytes, size: int = PART) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def put_part(url: str, part: bytes, **headers: str) -> httpx.Response:
    return httpx.put(url, content=part, headers={"Content-MD5": md5_header(part), **headers})


def error_code(response: httpx.Response) -> str:
    return response.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


def upload(support: Any, data: bytes, name: str = "dump.bin") -> tuple[str, list[dict[str, Any]]]:
    """Uploads ``data`` through the workflow, as a helper would: (upload id, the
    (partIndex, eTag) reported)."""
    links = support.get_attachment_upload_links(fileName=name, fileSizeBytes=len(data))
    urls = {link["partIndex"]: link["url"] for link in links["uploadUrls"]}
    while "nextIndex" in links:
        links = support.get_attachment_upload_links(
            fileName=name, uploadId=links["uploadId"], uploadRange={"startIndex": links["nextIndex"]}
        )
        urls |= {link["partIndex"]: link["url"] for link in links["uploadUrls"]}
    completed = []
    for index, part in enumerate(parts_of(data, links["partSizeBytes"]), start=1):
        answer = put_part(urls[index], part)
        assert answer.status_code == 200, answer.text
        completed.append({"partIndex": index, "eTag": answer.headers["ETag"]})
    return links["uploadId"], completed


def ready_upload(support: Any, data: bytes, name: str = "dump.bin") -> str:
    upload_id, completed = upload(support, data, name)
    support.complete_attachment_upload(uploadId=upload_id, completedUploads=completed)
    for _ in range(5):
        if support.describe_attachment_upload_status(uploadId=upload_id)["uploadStatus"] == "attachment-ready":
            return upload_id
    raise AssertionError("never ready")


# ---------------------------------------------------------------- moto, and the gate


def test_what_moto_s3_checks(fake: SupportAttachmentFake, support: Any) -> None:
    """The gap the gate fills, shown on moto's own S3 server: a presigned part PUT
    with a tampered signature, one past its expiry and one with a wrong Content-MD5
    are all accepted by moto (as of moto 5.2.5); the gate refuses each as S3 does."""
    links = support.get_attachment_upload_links(fileName="a.bin", fileSizeBytes=10)
    url = links["uploadUrls"][0]["url"]
    to_moto = fake.moto_url + url.removeprefix(fake.s3_url)
    tampered = url[:-4] + "0000"
    assert httpx.put(fake.moto_url + tampered.removeprefix(fake.s3_url), content=b"x" * 10).status_code == 200
    answer = httpx.put(tampered, content=b"x" * 10)
    assert (answer.status_code, error_code(answer)) == (403, "SignatureDoesNotMatch")

    wrong = md5_header(b"something else")
    assert httpx.put(to_moto, content=b"y" * 10, headers={"Content-MD5": wrong}).status_code == 200
    answer = httpx.put(url, content=b"y" * 10, headers={"Content-MD5": wrong})
    assert (answer.status_code, error_code(answer)) == (400, "BadDigest")
    calculated = base64.b64encode(hashlib.md5(b"y" * 10).digest()).decode()
    assert f"<ExpectedDigest>{wrong}</ExpectedDigest><CalculatedDigest>{calculated}</CalculatedDigest>" in answer.text

    fake.link_expiry = timedelta(seconds=1)
    links = support.get_attachment_upload_links(fileName="b.bin", fileSizeBytes=10)
    url = links["uploadUrls"][0]["url"]
    expiry = datetime.strptime(links["uploadUrls"][0]["expiryDate"], "%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(max(0.0, (expiry.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()) + 1.1)
    assert httpx.put(fake.moto_url + url.removeprefix(fake.s3_url), content=b"z" * 10).status_code == 200
    answer = httpx.put(url, content=b"z" * 10)
    assert (answer.status_code, error_code(answer)) == (403, "AccessDenied")
    assert "<Message>Request has expired</Message>" in answer.text


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"headers": {"Authorization": "AWS4-HMAC-SHA256 Credential=x"}}, 400, "InvalidArgument"),
        ({"headers": {"x-amz-meta-origin": "test"}}, 403, "AccessDenied"),
        ({"headers": {"Content-MD5": "not base64!"}}, 400, "InvalidDigest"),
        ({"query": ("partNumber=1", "partNumber=2")}, 403, "SignatureDoesNotMatch"),
        ({"query": ("X-Amz-Expires=3600", "X-Amz-Expires=7200")}, 403, "SignatureDoesNotMatch"),
        ({"chunked": True}, 411, "MissingContentLength"),
    ],
    ids=["authorization-header", "unsigned-x-amz-header", "invalid-md5", "other-part", "longer-expiry", "chunked"],
)
def test_a_part_is_checked_as_s3_checks_it(
    fake: SupportAttachmentFake, support: Any, change: dict[str, Any], status: int, code: str
) -> None:
    links = support.get_attachment_upload_links(fileName="c.bin", fileSizeBytes=PART + 1)
    url = links["uploadUrls"][0]["url"]
    if "query" in change:
        url = url.replace(*change["query"])
    part = b"p" * PART
    if change.get("chunked"):
        answer = httpx.put(url, content=iter([part]))  # no length: chunked
    else:
        answer = put_part(url, part, **change.get("headers", {}))
    assert (answer.status_code, error_code(answer)) == (status, code)
    (seen,) = fake.s3_requests
    assert (seen.method, seen.status) == ("PUT", status)


def test_the_gate_records_each_request_as_it_arrived(fake: SupportAttachmentFake, support: Any) -> None:
    """The target byte for byte (the presigned query untouched), the header fields as
    sent, the body's size and MD5, and the answer."""
    links = support.get_attachment_upload_links(fileName="d.bin", fileSizeBytes=100)
    url = links["uploadUrls"][0]["url"]
    answer = put_part(url, b"q" * 100)
    assert answer.status_code == 200
    (seen,) = fake.s3_requests
    assert seen.target == url.removeprefix(fake.s3_url)
    assert (seen.size, seen.md5, seen.status, seen.part, seen.fault) == (
        100,
        hashlib.md5(b"q" * 100).hexdigest(),
        200,
        1,
        None,
    )
    assert seen.headers["Content-Length"] == "100"
    assert answer.headers["ETag"] == f'"{seen.md5}"'  # moto's: the part's MD5


# ---------------------------------------------------------------- the workflow


def test_the_whole_workflow_through_botocore(fake: SupportAttachmentFake, support: Any) -> None:
    """Links in ranges of ten, parts PUT to them, completion in two calls, the status
    moving from not-ready to ready, the upload attached to a new case and to a reply,
    DescribeCommunications listing it, and the download giving the same bytes."""
    data = os.urandom(23 * PART - 100)  # 23 parts, the last 100 bytes short
    upload_id, completed = upload(support, data, "big.log")
    status = support.describe_attachment_upload_status(uploadId=upload_id)
    assert (status["uploadStatus"], status["fileName"], status["uploadProgress"]) == (
        "attachment-not-ready",
        "big.log",
        {"totalParts": 23, "completedPartsCount": 0},
    )
    first = support.complete_attachment_upload(uploadId=upload_id, completedUploads=completed[:20])
    assert first["uploadStatus"] == "attachment-not-ready"
    assert support.describe_attachment_upload_status(uploadId=upload_id)["uploadProgress"] == {
        "totalParts": 23,
        "completedPartsCount": 20,
    }
    last = support.complete_attachment_upload(uploadId=upload_id, completedUploads=completed[20:])
    assert last["uploadStatus"] == "attachment-not-ready"  # processing: one more poll
    assert [
        support.describe_attachment_upload_status(uploadId=upload_id)["uploadStatus"] for _ in range(2)
    ] == ["attachment-not-ready", "attachment-ready"]
    assert fake.stored(upload_id) == data
    assert fake.upload(upload_id).reported == {c["partIndex"]: c["eTag"] for c in completed}

    case_id = support.create_case(subject="Disk full", communicationBody="Logs attached.", uploadIds=[upload_id])["caseId"]
    small_id = ready_upload(support, b"tiny", "tiny.txt")
    assert support.add_communication_to_case(caseId=case_id, communicationBody="And one more.", uploadIds=[small_id])["result"] is True
    communications = support.describe_communications(caseId=case_id)["communications"]
    assert [c["body"] for c in communications] == ["And one more.", "Logs attached."]
    newest, oldest = communications
    assert [a["fileName"] for a in oldest["attachments"]] == ["big.log"]
    assert oldest["attachmentSet"] == oldest["attachments"]  # 1.5 MB: up to 5 MB
    assert [a["fileName"] for a in newest["attachmentSet"]] == ["tiny.txt"]

    link = support.get_attachment_download_link(attachmentId=oldest["attachments"][0]["attachmentId"])
    assert link["fileName"] == "big.log"
    assert link["downloadUrl"]["url"].startswith(f"{fake.s3_url}/{BUCKET}/")
    downloaded = httpx.get(link["downloadUrl"]["url"])
    assert (downloaded.status_code, downloaded.content) == (200, data)

    cases = support.describe_cases(caseIdList=[case_id])["cases"]  # moto's, with ours
    assert cases[0]["subject"] == "Disk full"
    assert [c["body"] for c in cases[0]["recentCommunications"]["communications"]] == [
        "And one more.",
        "Logs attached.",
    ]
    assert fake.calls.count("CreateCase") == 1


def test_only_attachments_up_to_5_mb_are_in_the_attachment_set(fake: SupportAttachmentFake) -> None:
    with support_attachment_fake(part_size=4 * 1024 * 1024) as large_parts:
        client = support_client(large_parts)
        data = os.urandom(5_000_001)
        upload_id = ready_upload(client, data, "over.bin")
        case_id = client.create_case(subject="s", communicationBody="b", uploadIds=[upload_id])["caseId"]
        (communication,) = client.describe_communications(caseId=case_id)["communications"]
        client.close()
    assert [a["fileName"] for a in communication["attachments"]] == ["over.bin"]
    assert communication["attachmentSet"] == []


def test_links_come_ten_at_a_time_for_a_half_open_range(support: Any) -> None:
    links = support.get_attachment_upload_links(fileName="r.bin", fileSizeBytes=23 * PART)
    assert ([u["partIndex"] for u in links["uploadUrls"]], links["nextIndex"]) == (list(range(1, 11)), 11)
    assert (links["partSizeBytes"], links["totalParts"]) == (PART, 23)
    upload_id = links["uploadId"]

    def indexes(**upload_range: int) -> tuple[list[int], int | None]:
        answer = support.get_attachment_upload_links(fileName="r.bin", uploadId=upload_id, uploadRange=upload_range)
        return [u["partIndex"] for u in answer["uploadUrls"]], answer.get("nextIndex")

    assert indexes(startIndex=11) == (list(range(11, 21)), 21)
    assert indexes(startIndex=21, endIndex=40) == ([21, 22, 23], None)
    assert indexes(startIndex=5, endIndex=7) == ([5, 6], 7)
    assert indexes(startIndex=2, endIndex=30) == (list(range(2, 12)), 12)
    expiry = links["uploadUrls"][0]["expiryDate"]
    assert len(expiry) == 24 and expiry.endswith("Z")


def test_a_file_of_one_part(support: Any) -> None:
    links = support.get_attachment_upload_links(fileName="one.txt", fileSizeBytes=5)
    assert (links["partSizeBytes"], links["totalParts"], "nextIndex" in links) == (5, 1, False)


# ---------------------------------------------------------------- errors


@pytest.fixture
def unchecked(fake: SupportAttachmentFake) -> Iterator[Any]:
    """botocore's client without its own parameter validation: the fake's is tested."""
    client = support_client(fake, parameter_validation=False)
    yield client
    client.close()


@pytest.mark.parametrize(
    ("operation", "params", "code", "message"),
    [
        ("get_attachment_upload_links", {"fileName": "x", "fileSizeBytes": 157_286_401}, "ValidationException", "fileSizeBytes must be an integer from 1 to 157286400, got 157286401."),
        ("get_attachment_upload_links", {"fileName": "x", "fileSizeBytes": 0}, "ValidationException", "fileSizeBytes must be an integer from 1 to 157286400, got 0."),
        ("get_attachment_upload_links", {"fileName": "x"}, "ValidationException", "fileSizeBytes is required to start an upload."),
        ("get_attachment_upload_links", {"fileName": "", "fileSizeBytes": 3}, "ValidationException", "fileName must be a non-empty string."),
        ("get_attachment_upload_links", {"fileName": "x", "uploadId": "nope"}, "UploadIdNotFound", "The upload ID nope could not be found."),
        ("complete_attachment_upload", {"uploadId": "nope", "completedUploads": []}, "UploadIdNotFound", "The upload ID nope could not be found."),
        ("describe_attachment_upload_status", {"uploadId": "nope"}, "UploadIdNotFound", "The upload ID nope could not be found."),
        ("get_attachment_download_link", {"attachmentId": "nope"}, "AttachmentIdNotFound", "An attachment with the ID nope could not be found."),
        ("create_case", {"subject": "s", "communicationBody": "b", "uploadIds": ["nope"]}, "UploadIdNotFound", "The upload ID nope could not be found."),
        ("add_communication_to_case", {"caseId": "case-nope", "communicationBody": "b"}, "CaseIdNotFound", "The case ID case-nope could not be found."),
        ("describe_communications", {"caseId": "case-nope"}, "CaseIdNotFound", "The case ID case-nope could not be found."),
    ],
)
def test_bad_requests_get_the_services_errors(
    unchecked: Any, operation: str, params: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(ClientError) as info:
        getattr(unchecked, operation)(**params)
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == (code, message)
    if code in ("UploadIdNotFound", "AttachmentIdNotFound", "CaseIdNotFound"):
        # botocore knows them from its model: its modeled exception class is raised
        assert type(info.value) is getattr(unchecked.exceptions, code)


def test_upload_range_errors(unchecked: Any) -> None:
    upload_id = unchecked.get_attachment_upload_links(fileName="e.bin", fileSizeBytes=3 * PART)["uploadId"]
    for upload_range, message in [
        ({"startIndex": 4}, "startIndex must be an integer from 1 to 3, got 4."),
        ({"startIndex": 2, "endIndex": 2}, "uploadRange.endIndex 2 must be greater than startIndex 2."),
    ]:
        with pytest.raises(ClientError) as info:
            unchecked.get_attachment_upload_links(fileName="e.bin", uploadId=upload_id, uploadRange=upload_range)
        assert info.value.response["Error"] == {"Code": "ValidationException", "Message": message}
    with pytest.raises(ClientError) as info:
        unchecked.get_attachment_upload_links(fileName="other.bin", uploadId=upload_id)
    assert info.value.response["Error"]["Message"] == "fileName 'other.bin' is not the upload's 'e.bin'."


def test_an_upload_not_ready_cannot_be_attached(support: Any) -> None:
    upload_id, _ = upload(support, b"abc")
    with pytest.raises(ClientError) as info:
        support.create_case(subject="s", communicationBody="b", uploadIds=[upload_id])
    assert info.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": f"The upload {upload_id} is not ready (attachment-not-ready): wait for "
        "DescribeAttachmentUploadStatus to say attachment-ready.",
    }


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("get_attachment_upload_links", {"fileName": "x", "fileSizeBytes": 3}),
        ("create_case", {"subject": "s", "communicationBody": "b"}),
        ("describe_cases", {}),
    ],
)
def test_dry_run_answers_dry_run_operation_exception(
    fake: SupportAttachmentFake, support: Any, operation: str, params: dict[str, Any]
) -> None:
    """After the checks, before anything is done (no upload started, no case made)."""
    uploads = len(fake.uploads)
    with pytest.raises(support.exceptions.DryRunOperationException) as info:
        getattr(support, operation)(dryRun=True, **params)
    assert info.value.response["Error"]["Message"] == (
        "Request would have succeeded, but the dryRun flag is set."
    )
    assert len(fake.uploads) == uploads
    assert "CreateCase" not in fake.calls or operation == "create_case"


def test_requests_must_be_signed_with_the_fakes_key(fake: SupportAttachmentFake) -> None:
    for key, secret, code in [
        ("AKIAUNKNOWNKEY000000", "x", "UnrecognizedClientException"),
        (FAKE_ACCESS_KEY_ID, "wrong secret", "InvalidSignatureException"),
    ]:
        client = support_client(fake, key=key, secret=secret)
        with pytest.raises(ClientError) as info:
            client.describe_attachment_upload_status(uploadId="nope")
        client.close()
        assert info.value.response["Error"]["Code"] == code


def test_operations_passed_on_to_moto_are_signature_checked_too(
    fake: SupportAttachmentFake,
) -> None:
    """ResolveCase and DescribeServices are moto's (which checks no signature): the
    fake checks them first, and moto never sees a wrongly signed one."""
    client = support_client(fake, key=FAKE_ACCESS_KEY_ID, secret="wrong secret")
    for call in (
        lambda: client.resolve_case(caseId="case-1"),
        lambda: client.describe_services(),
    ):
        with pytest.raises(ClientError) as info:
            call()
        error = info.value.response
        assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
            "InvalidSignatureException",
            400,  # as for the operations the fake owns: Support's JSON protocol says 400
        )
    client.close()
    assert fake.calls[-2:] == ["ResolveCase", "DescribeServices"]


# ---------------------------------------------------------------- completion


def test_a_wrong_etag_fails_the_upload(fake: SupportAttachmentFake, support: Any) -> None:
    """S3 (moto) refuses to complete with an ETag that is not the part's: failed."""
    upload_id, completed = upload(support, os.urandom(2 * PART))
    completed[1]["eTag"] = '"' + "0" * 32 + '"'
    support.complete_attachment_upload(uploadId=upload_id, completedUploads=completed)
    assert support.describe_attachment_upload_status(uploadId=upload_id)["uploadStatus"] == "failed"
    assert "InvalidPart" in fake.upload(upload_id).failure


def test_fail_next_processing_and_no_processing_polls(fake: SupportAttachmentFake, support: Any) -> None:
    fake.fail_next_processing()
    upload_id, completed = upload(support, b"x" * 10)
    assert support.complete_attachment_upload(uploadId=upload_id, completedUploads=completed)["uploadStatus"] == "failed"
    fake.processing_polls = 0
    upload_id, completed = upload(support, b"x" * 10)
    assert support.complete_attachment_upload(uploadId=upload_id, completedUploads=completed)["uploadStatus"] == "attachment-ready"


# ---------------------------------------------------------------- faults


def test_injected_answers_play_once_on_their_part(fake: SupportAttachmentFake, support: Any) -> None:
    fake.inject(Answer(503, "SlowDown", "Please reduce your request rate."), part=2)
    fake.inject(Expired(), part=3)
    links = support.get_attachment_upload_links(fileName="f.bin", fileSizeBytes=3 * PART)
    urls = [u["url"] for u in links["uploadUrls"]]
    part = b"f" * PART
    answers = [put_part(url, part) for url in (urls[0], urls[1], urls[1], urls[2], urls[2])]
    assert [(a.status_code, error_code(a) if a.status_code != 200 else "") for a in answers] == [
        (200, ""),
        (503, "SlowDown"),
        (200, ""),
        (403, "AccessDenied"),
        (200, ""),
    ]
    assert "<Message>Request has expired</Message>" in answers[3].text
    assert [(r.part, r.status, r.fault) for r in fake.s3_requests] == [
        (1, 200, None),
        (2, 503, Answer(503, "SlowDown", "Please reduce your request rate.")),
        (2, 200, None),
        (3, 403, Expired()),
        (3, 200, None),
    ]


@pytest.mark.parametrize("before_body", [False, True])
def test_a_reset_part(fake: SupportAttachmentFake, support: Any, before_body: bool) -> None:
    fake.inject(Reset(before_body=before_body))
    links = support.get_attachment_upload_links(fileName="g.bin", fileSizeBytes=PART)
    url = links["uploadUrls"][0]["url"]
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        put_part(url, b"g" * PART)
    assert put_part(url, b"g" * PART).status_code == 200
    first, second = fake.s3_requests
    assert (first.status, first.fault, first.size) == (0, Reset(before_body), 0 if before_body else PART)
    assert second.status == 200


def test_a_corrupted_part(fake: SupportAttachmentFake, support: Any) -> None:
    """With Content-MD5, S3 refuses the corrupted bytes (BadDigest). Without, it takes
    them and answers their MD5 as the ETag: not the client's, so the completion with
    the client's MD5s fails."""
    part = os.urandom(PART)
    fake.inject(Corrupt(offset=1000), times=2)
    links = support.get_attachment_upload_links(fileName="h.bin", fileSizeBytes=PART)
    url = links["uploadUrls"][0]["url"]
    refused = put_part(url, part)
    assert (refused.status_code, error_code(refused)) == (400, "BadDigest")
    taken = httpx.put(url, content=part)
    assert taken.status_code == 200
    assert taken.headers["ETag"] != f'"{hashlib.md5(part).hexdigest()}"'
    support.complete_attachment_upload(
        uploadId=links["uploadId"], completedUploads=[{"partIndex": 1, "eTag": f'"{hashlib.md5(part).hexdigest()}"'}]
    )
    assert support.describe_attachment_upload_status(uploadId=links["uploadId"])["uploadStatus"] == "failed"


def test_a_download_cut_short_and_a_stall(fake: SupportAttachmentFake, support: Any) -> None:
    data = os.urandom(3 * PART)
    upload_id = ready_upload(support, data)
    case_id = support.create_case(subject="s", communicationBody="b", uploadIds=[upload_id])["caseId"]
    (communication,) = support.describe_communications(caseId=case_id)["communications"]
    url = support.get_attachment_download_link(attachmentId=communication["attachments"][0]["attachmentId"])["downloadUrl"]["url"]
    fake.inject(CutBody(after=1000), method="GET")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.get(url)
    fake.inject(Stall(), method="GET")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=0.5)
    assert httpx.get(url).content == data


# ---------------------------------------------------------------- awsmith's senders against it


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("anyio_backend", "kind"), [("asyncio", "http1"), ("asyncio", "httpx"), ("trio", "httpx")]
)
async def test_awsmith_streams_parts_and_the_download_through_the_gate(
    fake: SupportAttachmentFake, support: Any, kind: str
) -> None:
    """``HttpSender.stream`` to the presigned URLs, on both senders: S3's checks pass
    (the signature over the exact query, Content-MD5, no unsigned header), the gate
    saw each URL byte for byte, and the download streams back the stored bytes."""
    data = os.urandom(2 * PART + 10)
    links = support.get_attachment_upload_links(fileName="s.bin", fileSizeBytes=len(data))
    timeouts = Timeouts(connect=10.0, read=10.0, max_body=16)
    sender: HttpSender
    if kind == "http1":
        sender = ConnectionPool(max_connections=4)
    else:
        client = owned_client(verify=True, max_connections=4, proxies=NO_PROXIES, proxy_tls=None)
        sender = HttpxSender(client, owned=True)
    completed = []
    try:
        for link, part in zip(links["uploadUrls"], parts_of(data), strict=True):

            async def chunks(part: bytes = part) -> Any:
                for start in range(0, len(part), 10_000):
                    yield part[start : start + 10_000]

            body = StreamBody(chunks(), len(part))
            async with sender.stream("PUT", link["url"], {"Content-MD5": md5_header(part)}, body, timeouts) as answer:
                assert answer.status == 200, await answer.aread(10_000)
                completed.append({"partIndex": link["partIndex"], "eTag": answer.headers["ETag"]})
        support.complete_attachment_upload(uploadId=links["uploadId"], completedUploads=completed)
        while support.describe_attachment_upload_status(uploadId=links["uploadId"])["uploadStatus"] != "attachment-ready":
            pass
        case_id = support.create_case(subject="s", communicationBody="b", uploadIds=[links["uploadId"]])["caseId"]
        (communication,) = support.describe_communications(caseId=case_id)["communications"]
        url = support.get_attachment_download_link(attachmentId=communication["attachments"][0]["attachmentId"])["downloadUrl"]["url"]
        async with sender.stream("GET", url, {}, b"", timeouts) as answer:
            received = b"".join([chunk async for chunk in answer.aiter_bytes()])
    finally:
        await sender.close()
    assert received == data
    puts = [r for r in fake.s3_requests if r.method == "PUT"]
    assert [r.target for r in puts] == [u["url"].removeprefix(fake.s3_url) for u in links["uploadUrls"]]
    for request, part in zip(puts, parts_of(data), strict=True):
        assert [name for name, _ in request.fields] == ["Host", "Content-MD5", "Content-Length"]
        assert (request.size, request.md5) == (len(part), hashlib.md5(part).hexdigest())


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_the_fake_runs_for_trio_code() -> None:
    async with async_support_attachment_fake(part_size=PART) as fake, httpx.AsyncClient() as http:
        client = support_client(fake)
        links = client.get_attachment_upload_links(fileName="t.bin", fileSizeBytes=10)
        answer = await http.put(links["uploadUrls"][0]["url"], content=b"t" * 10)
        client.close()
    assert answer.status_code == 200


def test_next_test_restores_the_settings_a_test_changed(fake: SupportAttachmentFake) -> None:
    """What the fixtures (ours and the pytest plugin's) run between tests: a test that
    changed the fake's settings leaves none of it to the next."""
    fake.part_size, fake.processing_polls = 5 * 1024 * 1024, 7
    fake.link_expiry = fake.download_expiry = timedelta(seconds=1)
    fake.next_test()
    assert (fake.part_size, fake.link_expiry, fake.download_expiry, fake.processing_polls) == (
        PART, timedelta(hours=1), timedelta(hours=1), 1
    )
