"""A local AWS Support attachment service: the multipart attachment workflow that
moto's Support backend lacks, over moto's own S3 server. For the tests and the demo of
``upload_attachment`` / ``download_attachment`` (issue 24); loopback only, no account.

Two endpoints on 127.0.0.1, served by one thread with its own event loop:

* :attr:`SupportAttachmentFake.support_url`, awsJson1.1 AWS Support. It owns
  ``GetAttachmentUploadLinks``, ``CompleteAttachmentUpload``,
  ``DescribeAttachmentUploadStatus``, ``GetAttachmentDownloadLink``, ``CreateCase`` and
  ``AddCommunicationToCase`` with ``uploadIds``, ``DescribeCommunications`` (with the
  ``attachments`` list) and ``DescribeCases`` (its communications, from here); any other
  operation goes to moto's Support as it came. The requests it owns must be signed
  (SigV4, checked from the specification: :mod:`awsmith.testing._sigv4`) with its key pair.
* :attr:`SupportAttachmentFake.s3_url`, the S3 gate: every presigned URL the fake hands
  out points here (path style: ``/<bucket>/<key>?partNumber=..&uploadId=..&X-Amz-...``,
  presigned by botocore). It checks what moto's S3 does not, injects faults, and passes
  the request on to moto's S3 server, whose multipart upload, ETags and objects are
  real.

What moto's S3 server checks, found by sending it the requests (moto 5.2.5; see
``tests/integration/test_support_attachments.py::test_what_moto_s3_checks``): neither
a presigned URL's signature nor its expiry (a tampered or an expired URL is accepted;
with IAM checks on, ``INITIAL_NO_AUTH_ACTION_COUNT``, a presigned request fails with a
500, its check reads the ``Authorization`` header), nor ``Content-MD5`` (a wrong one is
accepted). It does check, at ``CompleteMultipartUpload``, that every part exists with
the ETag given (``InvalidPart``) and is at least ``S3_UPLOAD_PART_MIN_SIZE`` but the
last (``EntityTooSmall``; the fake's moto gets that minimum from ``part_size``).

So the gate checks, as S3 does (:func:`awsmith.testing._sigv4.presigned_problem`): one
authentication only (no ``Authorization`` header: 400 ``InvalidArgument``), the
signature (403 ``SignatureDoesNotMatch``), the expiry (403 ``AccessDenied``, "Request
has expired"), no unsigned ``x-amz-*`` header (403 ``AccessDenied``), a
``Content-Length`` on a PUT (411 ``MissingContentLength``: no chunked upload), and
``Content-MD5`` against the bytes received (400 ``InvalidDigest`` / ``BadDigest``). What
it does not model: S3's tolerance of clock skew, ``Expect: 100-continue``, range
requests, server-side encryption (whose ETags are not MD5s), and the 5 GB part limit.

Faults (:meth:`SupportAttachmentFake.inject`) are played by the gate, on the request
they match (method, part number) instead of or on top of passing it on: an
:class:`Answer` (500, 503 ``SlowDown``, 403...), :class:`Expired` (a link that expires
early: S3's "Request has expired" whatever the time), :class:`Reset` (the connection
reset, after the body or as soon as the head arrived), :class:`Corrupt` (a byte of the
body flipped on the way, before S3's checks: ``BadDigest`` with a ``Content-MD5``, an
ETag that is not the client's MD5 without), :class:`CutBody` (a download's body cut
short by a reset) and :class:`Stall` (no answer at all). Every request the gate saw is
recorded exactly as it arrived (:attr:`SupportAttachmentFake.s3_requests`).

How the fake decides what the service leaves open, as the API reference describes it:
a file of ``fileSizeBytes`` (1 to 150 MiB, the model's bounds) is cut in parts of
``part_size`` (the service's: up to 100 MiB; smaller for tests), the last one shorter;
one call hands out at most 10 links, for ``uploadRange`` [``startIndex``,
``endIndex``) (half-open; without one, from part 1), and ``nextIndex`` names the first
part left without a link (absent when none is). Once ``CompleteAttachmentUpload`` has
reported every part (in one call or several) the fake completes the S3 multipart
upload with the reported ETags; the status is ``attachment-not-ready`` until then and
for the next ``processing_polls`` ``DescribeAttachmentUploadStatus`` calls, then
``attachment-ready``, or ``failed`` if S3 refused the completion (a wrong ETag) or
:meth:`SupportAttachmentFake.fail_next_processing` asked for it. Choices of the fake
where the reference says nothing: an unknown ``uploadId`` in ``CreateCase`` /
``AddCommunicationToCase`` is ``UploadIdNotFound``, one not ready yet a
``ValidationException``; an upload may be attached more than once; ``attachmentSet``
lists the attachments up to 5 MB and ``attachments`` all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import botocore.session
from botocore.config import Config as BotocoreConfig
from botocore.exceptions import ClientError
from multidict import CIMultiDict, CIMultiDictProxy

from awsmith.testing._extra import testing_extra_missing

try:
    import aiohttp
    from aiohttp import web
except ImportError as _missing:  # not installed: say which extra brings it
    raise testing_extra_missing(_missing) from _missing

from awsmith.testing._lifecycle import running, running_async
from awsmith.testing._s3_gate import (
    Answer,
    Corrupt,
    CutBody,
    Expired,
    Fault,
    Reset,
    S3Gate,
    S3Request,
    Stall,
)
from awsmith.testing._sigv4 import expiry_of, sigv4_problem
from awsmith.testing.moto_server import MotoServer

HOST = "127.0.0.1"
#: The key pair the Support endpoint accepts unless it is given another one.
FAKE_ACCESS_KEY_ID = "AKIAMOTOFAKEKEY00000"
FAKE_SECRET_ACCESS_KEY = "moto-fake-secret-access-key"
#: The key pair the fake presigns S3 URLs with (the service's own, not the caller's).
S3_ACCESS_KEY_ID = "AKIASUPPORTATTACHS3X"
S3_SECRET_ACCESS_KEY = "support-attachment-fake-s3-secret"
BUCKET = "awsmith-support-attachments"
TARGET_PREFIX = "AWSSupport_20130415."
_JSON = "application/x-amz-json-1.1"

MiB = 1024 * 1024
#: The model's bounds: FileSize (150 MiB) and PartSizeBytes (100 MiB).
MAX_FILE_SIZE = 157_286_400
MAX_PART_SIZE = 104_857_600
#: Links handed out by one GetAttachmentUploadLinks call, at the most.
LINKS_PER_CALL = 10
#: ``attachmentSet`` lists only attachments up to this size; ``attachments`` all.
SMALL_ATTACHMENT = 5 * 1000 * 1000
#: moto's own minimum size of a part but the last (S3's).
S3_PART_MIN_SIZE = 5 * MiB

NOT_READY = "attachment-not-ready"
READY = "attachment-ready"
FAILED = "failed"


@dataclass
class Upload:
    """An attachment upload (GetAttachmentUploadLinks to attachment-ready)."""

    upload_id: str
    file_name: str
    size: int
    part_size: int
    total_parts: int
    key: str
    s3_upload_id: str
    #: partIndex -> eTag, as CompleteAttachmentUpload reported them.
    reported: dict[int, str] = field(default_factory=dict[int, str])
    status: str = NOT_READY
    #: DescribeAttachmentUploadStatus calls still answered not-ready once complete.
    polls_left: int = 0
    completed: bool = False
    #: Why it failed (S3's refusal of the completion), if it did.
    failure: str = ""


@dataclass(frozen=True)
class Attachment:
    """An attachment a case communication holds (an upload made into one)."""

    attachment_id: str
    file_name: str
    size: int
    key: str


@dataclass
class Communication:
    """One communication of a case, as the fake recorded it."""

    case_id: str
    body: str
    submitted_by: str
    time_created: str
    attachments: list[Attachment]

    def wire(self) -> dict[str, Any]:
        """The Communication of DescribeCommunications' answer."""
        details = [{"attachmentId": a.attachment_id, "fileName": a.file_name} for a in self.attachments]
        small = [
            {"attachmentId": a.attachment_id, "fileName": a.file_name}
            for a in self.attachments
            if a.size <= SMALL_ATTACHMENT
        ]
        return {
            "caseId": self.case_id,
            "body": self.body,
            "submittedBy": self.submitted_by,
            "timeCreated": self.time_created,
            "attachmentSet": small,
            "attachments": details,
        }


class _ServiceError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _validation(message: str) -> _ServiceError:
    return _ServiceError("ValidationException", message)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as Support writes times."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# ---------------------------------------------------------------- the fake


_Operation = Callable[["SupportAttachmentFake", dict[str, Any], "_Call"], Awaitable[Any]]


@dataclass(frozen=True)
class _Call:
    """What an operation handler may need of its request besides its parameters."""

    body: bytes
    headers: CIMultiDictProxy[str]


class SupportAttachmentFake:
    """The fake. Use :func:`support_attachment_fake` / :func:`async_support_attachment_fake`."""

    def __init__(
        self,
        *,
        part_size: int = MAX_PART_SIZE,
        link_expiry: timedelta = timedelta(hours=1),
        download_expiry: timedelta = timedelta(hours=1),
        processing_polls: int = 1,
        region: str = "us-east-1",
        access_key_id: str = FAKE_ACCESS_KEY_ID,
        secret_access_key: str = FAKE_SECRET_ACCESS_KEY,
        check_signatures: bool = True,
    ) -> None:
        """``part_size``: the size of every part but the last (1 byte to 100 MiB);
        ``link_expiry`` / ``download_expiry``: how long an upload / download link is
        valid; ``processing_polls``: DescribeAttachmentUploadStatus calls answered
        not-ready after the last part was reported."""
        if not 1 <= part_size <= MAX_PART_SIZE:
            raise ValueError(f"part_size must be 1 to {MAX_PART_SIZE} bytes, got {part_size}")
        self.part_size: int = part_size
        self.link_expiry: timedelta = link_expiry
        self.download_expiry: timedelta = download_expiry
        self.processing_polls: int = processing_polls
        self._started_with = (part_size, link_expiry, download_expiry, processing_polls)
        self.region = region
        self.check_signatures = check_signatures
        #: The key pair the Support endpoint checks signatures with.
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self._keys = {access_key_id: secret_access_key}
        self._lock = threading.Lock()
        self._uploads: dict[str, Upload] = {}
        self._attachments: dict[str, Attachment] = {}
        self._cases: dict[str, list[Communication]] = {}
        self._calls: list[str] = []
        self._fail_next = False
        #: The moto server behind the fake (Support's other operations, and S3).
        self.moto: MotoServer = MotoServer(env={"S3_UPLOAD_PART_MIN_SIZE": str(min(part_size, S3_PART_MIN_SIZE))})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._support_port = 0
        self.gate: S3Gate | None = None
        self._session: aiohttp.ClientSession | None = None
        self._s3: Any = None
        self._presigner: Any = None

    # ------------------------------------------------------------ the test's side

    @property
    def support_url(self) -> str:
        return f"http://{HOST}:{self._support_port}"

    @property
    def s3_url(self) -> str:
        assert self.gate is not None
        return self.gate.url

    @property
    def moto_url(self) -> str:
        return self.moto.endpoint_url

    def inject(self, fault: Fault, *, method: str = "PUT", part: int | None = None, times: int = 1) -> None:
        """The next ``times`` requests to the S3 gate with ``method`` (and, if given,
        ``partNumber`` ``part``) get ``fault``; injections are matched in the order they
        were made."""
        assert self.gate is not None
        self.gate.inject(fault, method=method, part=part, times=times)

    def clear(self, *, fence: bool = False) -> None:
        """Forgets the faults not played yet, the requests recorded and a pending
        :meth:`fail_next_processing` (uploads and cases stay). With ``fence`` (between
        tests), a request on a connection accepted before it plays no fault injected
        after it."""
        if self.gate is not None:
            self.gate.clear(fence=fence)
        with self._lock:
            self._calls.clear()
            self._fail_next = False

    def next_test(self) -> None:
        """Between two tests sharing the fake: :meth:`clear` with ``fence`` (a request
        of the earlier test still on its way plays no fault of the next), and the
        settings a test may change (``part_size``, ``link_expiry``, ``download_expiry``,
        ``processing_polls``) back to those the fake was started with."""
        self.clear(fence=True)
        (self.part_size, self.link_expiry, self.download_expiry, self.processing_polls) = (
            self._started_with
        )

    def fail_next_processing(self) -> None:
        """The next upload whose parts are all reported ends ``failed``."""
        with self._lock:
            self._fail_next = True

    @property
    def s3_requests(self) -> list[S3Request]:
        """Every request the S3 gate received, as it arrived, oldest first."""
        assert self.gate is not None
        return self.gate.requests

    @property
    def calls(self) -> list[str]:
        """The Support operations called, in order (those passed on to moto too)."""
        with self._lock:
            return list(self._calls)

    def upload(self, upload_id: str) -> Upload:
        """A copy of an upload's state."""
        with self._lock:
            return replace(self._uploads[upload_id], reported=dict(self._uploads[upload_id].reported))

    @property
    def uploads(self) -> list[Upload]:
        with self._lock:
            return [replace(u, reported=dict(u.reported)) for u in self._uploads.values()]

    def stored(self, upload_id: str) -> bytes:
        """The object a completed upload made in moto's S3 (the test's check)."""
        upload = self.upload(upload_id)
        return bytes(self._s3.get_object(Bucket=BUCKET, Key=upload.key)["Body"].read())

    # ------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60.0) -> None:
        """Starts moto, the S3 gate and the Support endpoint; returns once all serve."""
        if self._thread is not None:
            raise RuntimeError("already started")
        self.moto.start()
        try:
            session: Any = botocore.session.get_session()  # pyright: ignore[reportUnknownMemberType]
            options = BotocoreConfig(s3={"addressing_style": "path"}, signature_version="s3v4")
            self._s3 = session.create_client(
                "s3",
                region_name=self.region,
                endpoint_url=self.moto_url,
                aws_access_key_id=S3_ACCESS_KEY_ID,
                aws_secret_access_key=S3_SECRET_ACCESS_KEY,
                config=options,
            )
            self._s3.create_bucket(Bucket=BUCKET)
            self.gate = S3Gate(self.moto_url, {S3_ACCESS_KEY_ID: S3_SECRET_ACCESS_KEY})
            # Presigned URLs name the gate: botocore signs them for it, not for moto.
            self._presigner = session.create_client(
                "s3",
                region_name=self.region,
                endpoint_url=self.s3_url,
                aws_access_key_id=S3_ACCESS_KEY_ID,
                aws_secret_access_key=S3_SECRET_ACCESS_KEY,
                config=options,
            )
            self._start_thread(timeout)
        except BaseException:
            self.moto.stop()
            raise

    def _start_thread(self, timeout: float) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._main(ready))
            except BaseException as exc:
                failure.append(exc)
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()
                ready.set()

        self._thread = threading.Thread(target=run, name="support-attachment-fake", daemon=True)
        self._thread.start()
        if not ready.wait(timeout) or failure:
            self.stop()
            raise RuntimeError("the Support attachment fake did not start") from (
                failure[0] if failure else None
            )

    async def _main(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle_support)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, HOST, 0)
            await site.start()
            self._support_port = runner.addresses[0][1]
            assert self.gate is not None
            self.gate.start()
            ready.set()
            await self._stop.wait()
        finally:
            if self.gate is not None:
                await self.gate.close()
            await runner.cleanup()
            await self._session.close()

    def stop(self) -> None:
        """Stops both endpoints and moto. Idempotent."""
        thread, self._thread = self._thread, None
        loop, stop = self._loop, self._stop
        if thread is not None and loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop ended already
                loop.call_soon_threadsafe(stop.set)
            thread.join(30)
        if self._s3 is not None:
            self._s3.close()
        if self._presigner is not None:
            self._presigner.close()
        self.moto.stop()

    # ------------------------------------------------------------ Support

    async def _handle_support(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        target = request.headers.get("X-Amz-Target", "")
        operation = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
        with self._lock:
            self._calls.append(operation or target)
        headers = CIMultiDictProxy(CIMultiDict(request.headers))
        try:
            # every request, those passed on to moto too (moto checks no signature)
            self._check_signature(request, headers, body)
            handler = _OPERATIONS.get(operation)
            if handler is None:
                return await self._to_moto(request, body)
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                raise _ServiceError("SerializationException", "The request body is not JSON.") from None
            if not isinstance(params, dict):
                raise _ServiceError("SerializationException", "The request body is not a JSON object.")
            reply = await handler(self, cast(dict[str, Any], params), _Call(body, headers))
            status, payload = 200, reply
        except _ServiceError as error:
            status, payload = error.status, {"__type": error.code, "message": error.message}
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": _JSON, "x-amzn-RequestId": str(uuid.uuid4())},
        )

    def _check_signature(
        self, request: web.Request, headers: CIMultiDictProxy[str], body: bytes
    ) -> None:
        """Raises the service's error for a request not signed with the fake's key pair
        (unless ``check_signatures`` is off)."""
        if not self.check_signatures:
            return
        raw_path, _, raw_query = request.raw_path.partition("?")
        signed = _SignedCall(request.method, raw_path, raw_query, headers, body)
        problem = sigv4_problem(signed, self._keys, service="support", region=self.region)
        if problem is not None:
            raise _ServiceError(*problem)

    async def _to_moto(self, request: web.Request, body: bytes) -> web.Response:
        """Passes a Support request on to moto as it came (its signature checked already:
        moto checks none)."""
        status, reply, content_type = await self._moto_call(request.headers, body)
        return web.Response(status=status, body=reply, headers={"Content-Type": content_type})

    async def _moto_call(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes, str]:
        assert self._session is not None
        forwarded = {
            name: headers[name]
            for name in ("X-Amz-Target", "Content-Type", "Authorization", "X-Amz-Date")
            if name in headers
        }
        async with self._session.post(self.moto_url + "/", data=body, headers=forwarded) as answer:
            return answer.status, await answer.read(), answer.headers.get("Content-Type", _JSON)

    async def _moto_json(self, call: _Call, params: Mapping[str, Any]) -> Any:
        """A Support operation of moto's, with ``params``; its error raised as the
        service's."""
        status, reply, _ = await self._moto_call(call.headers, json.dumps(params).encode())
        answer = json.loads(reply or b"{}")
        if status != 200:
            raise _ServiceError(
                str(answer.get("__type", "InternalServerError")).rsplit("#", 1)[-1],
                str(answer.get("message", "moto failed")),
                status,
            )
        return answer

    async def _s3_call(self, name: str, **kwargs: Any) -> Any:
        """A call to moto's S3 with botocore's (blocking) client, in a worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: getattr(self._s3, name)(**kwargs))

    # the operations ------------------------------------------------------------

    async def _get_attachment_upload_links(self, params: dict[str, Any], call: _Call) -> Any:
        file_name = _string(params, "fileName", required=True)
        upload_id = _string(params, "uploadId")
        size = _integer(params, "fileSizeBytes", low=1, high=MAX_FILE_SIZE)
        if upload_id is None:
            if size is None:
                raise _validation("fileSizeBytes is required to start an upload.")
            _dry_run(params)
            upload = await self._new_upload(file_name, size)
        else:
            upload = self._upload_of(upload_id)
            if file_name != upload.file_name:
                raise _validation(f"fileName {file_name!r} is not the upload's {upload.file_name!r}.")
            if size is not None and size != upload.size:
                raise _validation(f"fileSizeBytes {size} is not the upload's {upload.size}.")
            if upload.completed:
                raise _validation(f"The upload {upload_id} is complete: it takes no more parts.")
            _dry_run(params)
        start, end = _range(params.get("uploadRange"), upload.total_parts)
        links: list[dict[str, Any]] = []
        for index in range(start, end):
            url = self._presigner.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": BUCKET,
                    "Key": upload.key,
                    "UploadId": upload.s3_upload_id,
                    "PartNumber": index,
                },
                ExpiresIn=int(self.link_expiry.total_seconds()),
            )
            expires = expiry_of(url.partition("?")[2])
            links.append({"url": url, "partIndex": index, "expiryDate": timestamp(expires)})
        reply: dict[str, Any] = {
            "uploadId": upload.upload_id,
            "partSizeBytes": upload.part_size,
            "totalParts": upload.total_parts,
            "uploadUrls": links,
        }
        if end <= upload.total_parts:
            reply["nextIndex"] = end
        return reply

    async def _new_upload(self, file_name: str, size: int) -> Upload:
        upload_id = f"attachment-upload-{uuid.uuid4().hex}"
        key = f"{upload_id}/{file_name}"
        created = await self._s3_call("create_multipart_upload", Bucket=BUCKET, Key=key)
        upload = Upload(
            upload_id=upload_id,
            file_name=file_name,
            size=size,
            part_size=min(self.part_size, size),
            total_parts=math.ceil(size / self.part_size),
            key=key,
            s3_upload_id=created["UploadId"],
        )
        with self._lock:
            self._uploads[upload_id] = upload
        return upload

    def _upload_of(self, upload_id: str) -> Upload:
        with self._lock:
            upload = self._uploads.get(upload_id)
        if upload is None:
            raise _ServiceError("UploadIdNotFound", f"The upload ID {upload_id} could not be found.")
        return upload

    async def _complete_attachment_upload(self, params: dict[str, Any], call: _Call) -> Any:
        upload = self._upload_of(_string(params, "uploadId", required=True))
        parts: object = params.get("completedUploads")
        if not isinstance(parts, list):
            raise _validation("completedUploads is required (a list of partIndex and eTag).")
        reported: dict[int, str] = {}
        for number, item in enumerate(cast("list[object]", parts)):
            if not isinstance(item, dict):
                raise _validation(f"completedUploads[{number}] is not an object.")
            part = cast("dict[str, Any]", item)
            index = _integer(part, "partIndex", required=True, low=1, high=upload.total_parts)
            etag = _string(part, "eTag", required=True)
            assert index is not None
            if not 1 <= len(etag) <= 256:
                raise _validation(f"completedUploads[{number}].eTag must be 1 to 256 characters.")
            reported[index] = etag
        _dry_run(params)
        with self._lock:
            if not upload.completed:
                upload.reported.update(reported)
            finish = not upload.completed and len(upload.reported) == upload.total_parts
            if finish:
                upload.completed = True  # one completion, even if two calls race
        if finish:
            await self._finish(upload)
        return {"uploadStatus": upload.status}

    async def _finish(self, upload: Upload) -> None:
        """Every part reported: S3's multipart upload is completed with their ETags;
        the attachment is then ready after ``processing_polls`` status polls."""
        parts = [{"PartNumber": i, "ETag": upload.reported[i]} for i in sorted(upload.reported)]
        try:
            await self._s3_call(
                "complete_multipart_upload",
                Bucket=BUCKET,
                Key=upload.key,
                UploadId=upload.s3_upload_id,
                MultipartUpload={"Parts": parts},
            )
        except ClientError as error:
            failure = f"S3 refused to complete the upload: {error}"
        else:
            failure = ""
        with self._lock:
            if not failure and self._fail_next:
                self._fail_next = False
                failure = "fail_next_processing() asked for it"
            upload.failure = failure
            upload.polls_left = self.processing_polls
            if failure:
                upload.status = FAILED
            elif not self.processing_polls:
                upload.status = READY

    async def _describe_attachment_upload_status(self, params: dict[str, Any], call: _Call) -> Any:
        upload = self._upload_of(_string(params, "uploadId", required=True))
        _dry_run(params)
        with self._lock:
            status = upload.status
            if upload.completed and status == NOT_READY:
                if upload.polls_left:
                    upload.polls_left -= 1
                else:
                    status = upload.status = READY
            return {
                "uploadStatus": status,
                "fileName": upload.file_name,
                "uploadProgress": {
                    "totalParts": upload.total_parts,
                    "completedPartsCount": len(upload.reported),
                },
            }

    async def _get_attachment_download_link(self, params: dict[str, Any], call: _Call) -> Any:
        attachment_id = _string(params, "attachmentId", required=True)
        with self._lock:
            attachment = self._attachments.get(attachment_id)
        if attachment is None:
            raise _ServiceError(
                "AttachmentIdNotFound", f"An attachment with the ID {attachment_id} could not be found."
            )
        _dry_run(params)
        url = self._presigner.generate_presigned_url(
            "get_object",
            Params={"Bucket": BUCKET, "Key": attachment.key},
            ExpiresIn=int(self.download_expiry.total_seconds()),
        )
        expires = expiry_of(url.partition("?")[2])
        return {
            "fileName": attachment.file_name,
            "downloadUrl": {"url": url, "expiryDate": timestamp(expires)},
        }

    def _attachments_of(self, params: dict[str, Any]) -> list[Attachment]:
        """The attachments ``uploadIds`` make (each upload must be ready)."""
        upload_ids: object = params.get("uploadIds", [])
        if not isinstance(upload_ids, list):
            raise _validation("uploadIds must be a list of at most 10 upload IDs.")
        ids = cast("list[object]", upload_ids)
        if len(ids) > 10:
            raise _validation("uploadIds must be a list of at most 10 upload IDs.")
        attachments: list[Attachment] = []
        for upload_id in ids:
            upload = self._upload_of(str(upload_id))
            if upload.status != READY:
                raise _validation(
                    f"The upload {upload_id} is not ready ({upload.status}): wait for "
                    "DescribeAttachmentUploadStatus to say attachment-ready."
                )
            attachments.append(
                Attachment(f"attachment-{uuid.uuid4().hex}", upload.file_name, upload.size, upload.key)
            )
        return attachments

    def _record_communication(self, case_id: str, body: str, attachments: list[Attachment]) -> None:
        with self._lock:
            for attachment in attachments:
                self._attachments[attachment.attachment_id] = attachment
            self._cases.setdefault(case_id, []).append(
                Communication(case_id, body, "moto@moto.com", timestamp(datetime.now(UTC)), attachments)
            )

    async def _create_case(self, params: dict[str, Any], call: _Call) -> Any:
        body = _string(params, "communicationBody", required=True)
        attachments = self._attachments_of(params)
        _dry_run(params)
        for name in ("uploadIds", "dryRun"):
            params.pop(name, None)
        created = await self._moto_json(call, params)
        self._record_communication(created["caseId"], body, attachments)
        return created

    async def _add_communication_to_case(self, params: dict[str, Any], call: _Call) -> Any:
        case_id = _string(params, "caseId", required=True)
        body = _string(params, "communicationBody", required=True)
        if not 1 <= len(body) <= 8000:
            raise _validation("communicationBody must be 1 to 8000 characters.")
        self._case(case_id)
        attachments = self._attachments_of(params)
        _dry_run(params)
        self._record_communication(case_id, body, attachments)
        return {"result": True}

    def _case(self, case_id: str) -> list[Communication]:
        with self._lock:
            communications = self._cases.get(case_id)
        if communications is None:
            raise _ServiceError("CaseIdNotFound", f"The case ID {case_id} could not be found.")
        return communications

    async def _describe_communications(self, params: dict[str, Any], call: _Call) -> Any:
        communications = self._case(_string(params, "caseId", required=True))
        size = _integer(params, "maxResults", low=10, high=100) or 100
        token = _string(params, "nextToken")
        _dry_run(params)
        start = int(token) if token is not None and token.isdigit() else 0
        with self._lock:
            newest_first = [c.wire() for c in reversed(communications)]
        reply: dict[str, Any] = {"communications": newest_first[start : start + size]}
        if start + size < len(newest_first):
            reply["nextToken"] = str(start + size)
        return reply

    async def _describe_cases(self, params: dict[str, Any], call: _Call) -> Any:
        """moto's answer, with the communications of the cases made here."""
        _dry_run(params)
        params.pop("dryRun", None)
        answer = await self._moto_json(call, params)
        with self._lock:
            for case in answer.get("cases", []):
                recent = case.get("recentCommunications")
                communications = self._cases.get(case.get("caseId", ""))
                if recent is not None and communications is not None:
                    recent["communications"] = [c.wire() for c in reversed(communications)][:5]
                    recent.pop("nextToken", None)
        return answer

@dataclass(frozen=True)
class _SignedCall:
    method: str
    raw_path: str
    raw_query: str
    headers: CIMultiDictProxy[str]
    body: bytes


def _string(params: Mapping[str, Any], name: str, *, required: bool = False) -> Any:
    value = params.get(name)
    if value is None:
        if required:
            raise _validation(f"{name} is required.")
        return None
    if not isinstance(value, str) or (required and not value):
        raise _validation(f"{name} must be a non-empty string.")
    return value


def _integer(
    params: Mapping[str, Any], name: str, *, required: bool = False, low: int, high: int
) -> int | None:
    value = params.get(name)
    if value is None:
        if required:
            raise _validation(f"{name} is required.")
        return None
    if type(value) is not int or not low <= value <= high:
        raise _validation(f"{name} must be an integer from {low} to {high}, got {value!r}.")
    return value


def _dry_run(params: Mapping[str, Any]) -> None:
    if params.get("dryRun") is True:
        raise _ServiceError(
            "DryRunOperationException", "Request would have succeeded, but the dryRun flag is set."
        )


def _range(value: Any, total: int) -> tuple[int, int]:
    """[start, end) of the links to hand out: ``uploadRange`` (half-open), at most
    :data:`LINKS_PER_CALL` and no further than the last part."""
    if value is None:
        start, end = 1, 1 + LINKS_PER_CALL
    else:
        if not isinstance(value, dict):
            raise _validation("uploadRange must be an object.")
        bounds = cast(dict[str, Any], value)
        first = _integer(bounds, "startIndex", required=True, low=1, high=total)
        assert first is not None
        start = first
        given = _integer(bounds, "endIndex", low=2, high=2**31 - 1)
        end = start + LINKS_PER_CALL if given is None else given
        if end <= start:
            raise _validation(f"uploadRange.endIndex {end} must be greater than startIndex {start}.")
    return start, min(end, start + LINKS_PER_CALL, total + 1)


_OPERATIONS: dict[str, _Operation] = {
    "GetAttachmentUploadLinks": SupportAttachmentFake._get_attachment_upload_links,  # pyright: ignore[reportPrivateUsage]
    "CompleteAttachmentUpload": SupportAttachmentFake._complete_attachment_upload,  # pyright: ignore[reportPrivateUsage]
    "DescribeAttachmentUploadStatus": SupportAttachmentFake._describe_attachment_upload_status,  # pyright: ignore[reportPrivateUsage]
    "GetAttachmentDownloadLink": SupportAttachmentFake._get_attachment_download_link,  # pyright: ignore[reportPrivateUsage]
    "CreateCase": SupportAttachmentFake._create_case,  # pyright: ignore[reportPrivateUsage]
    "AddCommunicationToCase": SupportAttachmentFake._add_communication_to_case,  # pyright: ignore[reportPrivateUsage]
    "DescribeCommunications": SupportAttachmentFake._describe_communications,  # pyright: ignore[reportPrivateUsage]
    "DescribeCases": SupportAttachmentFake._describe_cases,  # pyright: ignore[reportPrivateUsage]
}


def support_attachment_fake(**options: Any) -> AbstractContextManager[SupportAttachmentFake]:
    """Runs a :class:`SupportAttachmentFake` (and its moto) for the ``with`` block."""
    return running(SupportAttachmentFake(**options))


def async_support_attachment_fake(
    **options: Any,
) -> AbstractAsyncContextManager[SupportAttachmentFake]:
    """:func:`support_attachment_fake` for async code on asyncio or trio (start and
    stop in a worker thread: moto takes seconds to boot)."""
    return running_async(SupportAttachmentFake(**options))


__all__ = [
    "BUCKET",
    "FAILED",
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "HOST",
    "LINKS_PER_CALL",
    "MAX_FILE_SIZE",
    "MAX_PART_SIZE",
    "NOT_READY",
    "READY",
    "S3_ACCESS_KEY_ID",
    "S3_PART_MIN_SIZE",
    "S3_SECRET_ACCESS_KEY",
    "SMALL_ATTACHMENT",
    "TARGET_PREFIX",
    "Answer",
    "Attachment",
    "Communication",
    "Corrupt",
    "CutBody",
    "Expired",
    "Fault",
    "MiB",
    "Reset",
    "S3Request",
    "Stall",
    "SupportAttachmentFake",
    "Upload",
    "async_support_attachment_fake",
    "support_attachment_fake",
    "timestamp",
]
