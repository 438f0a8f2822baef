"""AWS Support's large-attachment workflow, behind ``SupportClient.upload_attachment`` and
``download_attachment`` (:mod:`awsmith.support._customizations`). Written by hand.

Upload: the source is measured and checked before any request (empty, over 150 MiB,
unreadable: :class:`~awsmith.AttachmentSourceError`); ``GetAttachmentUploadLinks``
(``fileName``, ``fileSizeBytes``) and, while ``nextIndex`` says more parts have none,
again with ``uploadId`` and ``uploadRange``; every link is checked
(:func:`~awsmith._core.transport.http.check_stream_url`: https, or http to a loopback
address) before any part is sent. Then up to ``concurrency`` parts at once, each:

* its ``Content-MD5`` in a first pass over the part, read in :data:`CHUNK` pieces (in a
  worker thread for a file or bytes, so that neither a slow disk nor the hash holds up
  the event loop; a caller's other file objects on the event loop, since they need not
  be thread-safe): S3 checks it and
  refuses damaged bytes (``BadDigest``), and an ETag is never taken for an MD5 (under
  SSE-KMS it is not one);
* a ``PUT`` to the presigned URL exactly as given, through the client's sender
  (``HttpSender.stream``: its pool, proxies, TLS settings and timeouts), with only
  ``Content-MD5`` and ``Content-Length``, the body read again from the source chunk by
  chunk as the connection takes it (memory does not grow with the part);
* a failure retried under the client's retry policy (:class:`RequestRetries`);
  ``BadDigest`` (bytes damaged on the way) once; a link whose expiry is past or within
  :data:`EXPIRY_MARGIN`, or that S3 refuses as expired, replaced by a fresh one first;
* the source's size checked again once it is sent: a file that grew or shrank fails the
  upload before it is completed.

The first part that fails for good cancels the others (:func:`_run_all`: no task is
left running, and nothing is completed). Then ``CompleteAttachmentUpload`` with every
part's ETag, and ``DescribeAttachmentUploadStatus`` with a growing delay until
``attachment-ready``, within :data:`READY_TIMEOUT`.

Download: ``GetAttachmentDownloadLink``, then a streamed ``GET`` into the destination;
to a path through a temporary file beside it, ``fsync``-ed and renamed over the path on
success, removed on failure or cancellation.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import hashlib
import inspect
import io
import logging
import os
import secrets
import stat
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Protocol, cast

from awsmith._core import aio
from awsmith._core.errors import (
    AttachmentDownloadError,
    AttachmentError,
    AttachmentNotReadyError,
    AttachmentProcessingError,
    AttachmentSourceError,
    AttachmentUploadError,
    AwsmithError,
    ParamValidationError,
    ServiceError,
    TransportError,
    URLRefusedError,
)
from awsmith._core.retry import RetryQuota, is_retryable, plan_retry
from awsmith._core.transport.http import (
    HttpSender,
    StreamBody,
    StreamedResponse,
    Timeouts,
    TransportResponse,
    check_stream_url,
)
from awsmith.support.shapes import (
    CompleteAttachmentUploadResponse,
    CompletedUpload,
    DescribeAttachmentUploadStatusResponse,
    GetAttachmentDownloadLinkResponse,
    GetAttachmentUploadLinksResponse,
    UploadRange,
    UploadStatus,
)

_log = logging.getLogger("awsmith.support.attachments")

UPLOAD = "upload_attachment"
DOWNLOAD = "download_attachment"

MiB = 1024 * 1024
#: The model's bounds of ``fileSizeBytes`` (1 to 150 MiB).
MAX_FILE_SIZE = 157_286_400
#: What the source is read in, for the MD5 pass and for sending (``progress`` is called
#: once per chunk handed over). 256 KiB, not 1 MiB: asyncio copies what the socket does
#: not take at once of a chunk into its own buffer, and glibc keeps freed blocks of a
#: MiB for reuse; ``make bench`` measured 12-20 MiB of peak RSS growth for a 150 MB
#: upload with 1 MiB chunks, 0-2 MiB with these, at the same throughput
#: (docs/performance.md).
CHUNK = 256 * 1024
#: Bytes hashed per trip to a worker thread (a cancellation waits for one at most).
HASH_STEP = 8 * MiB
#: A link that expires within this is replaced before it is used.
EXPIRY_MARGIN = timedelta(seconds=60)
#: How long the service may take to make a completed upload ready, and the delays
#: between the status polls (doubling from the first to the last).
READY_TIMEOUT = 600.0
READY_FIRST_DELAY = 0.25
READY_MAX_DELAY = 5.0
#: Links one GetAttachmentUploadLinks call gives at the most (the service's limit).
LINKS_PER_CALL = 10
#: An S3 error document is read up to this size.
ERROR_DOCUMENT_LIMIT = 64 * 1024


def _now() -> datetime:
    """The time links' expiry is compared with (the tests move it)."""
    return datetime.now(UTC)


# ---------------------------------------------------------------- what the client gives


class AttachmentApi(Protocol):
    """The Support operations the helpers call: the generated client's public methods."""

    async def get_attachment_upload_links(
        self,
        *,
        file_name: str,
        file_size_bytes: int | None = None,
        upload_id: str | None = None,
        upload_range: UploadRange | None = None,
    ) -> GetAttachmentUploadLinksResponse: ...

    async def complete_attachment_upload(
        self, *, completed_uploads: Sequence[CompletedUpload], upload_id: str
    ) -> CompleteAttachmentUploadResponse: ...

    async def describe_attachment_upload_status(
        self, *, upload_id: str
    ) -> DescribeAttachmentUploadStatusResponse: ...

    async def get_attachment_download_link(
        self, *, attachment_id: str
    ) -> GetAttachmentDownloadLinkResponse: ...


class RequestRetries:
    """One transfer request's attempts (a part's PUTs, a download's GETs) under its
    client's retry policy, as a call's attempts: ``Config.max_attempts`` in all, the
    verdict of :func:`awsmith._core.retry.is_retryable`, and the quota and backoff of
    :func:`awsmith._core.retry.plan_retry` (a success gives back the last retry's cost,
    or 1). Counted as a call counts them: ``attempts`` is each attempt that ended with
    an outcome of its own, and one cut short once its request was written (the
    sender's ``written`` callback). Made by ``SupportCustomizations._request_retries``."""

    __slots__ = ("_base", "_cap", "_cost", "_max", "_quota", "attempt", "attempts")

    def __init__(
        self, max_attempts: int, quota: RetryQuota, base_backoff: float, max_backoff: float
    ) -> None:
        self._max = max_attempts
        self._quota = quota
        self._base = base_backoff
        self._cap = max_backoff
        self._cost = 0
        #: The current attempt's number, from 1.
        self.attempt = 0
        #: The attempts that count (what the helper's error says).
        self.attempts = 0

    def begin(self) -> None:
        """The next attempt starts."""
        self.attempt += 1

    def written(self) -> None:
        """The sender wrote the attempt's request: it counts, even if cut short now."""
        self.attempts = self.attempt

    def ended(self) -> None:
        """The attempt ended with an outcome (an answer, an error): it counts."""
        self.attempts = self.attempt

    def left(self) -> bool:
        """Whether another attempt is allowed."""
        return self.attempt < self._max

    def backoff(self, error: AwsmithError, *, retryable: bool | None = None) -> float | None:
        """After the attempt that ended with ``error``: the delay before the next one,
        or None to give up (no attempt left, not retryable, the quota spent).
        ``retryable`` overrides the policy's verdict on the error. An S3 answer's
        ``x-amz-retry-after`` raises the delay as it does a call's (botocore's
        ``ExponentialBackoff`` reads it on any client's answers, S3's too)."""
        if not self.left() or not (is_retryable(error) if retryable is None else retryable):
            return None
        answer = error.answer if isinstance(error, S3Refusal) else None
        planned = plan_retry(self._quota, error, answer, self.attempt, self._base, self._cap)
        if planned is None:
            _log.warning(
                "the retry quota is exhausted (the service is failing broadly): not "
                "retrying %s after attempt %d",
                type(error).__name__,
                self.attempt,
            )
            return None
        self._cost, delay = planned  # a success gives back the last retry's cost
        return delay

    def succeeded(self) -> None:
        self.ended()
        self._quota.release(self._cost or 1)

    async def wait(self, delay: float) -> None:
        """The backoff ``backoff`` planned. Cut short (the transfer cancelled, or a
        failing part cancelling the others), the retry it was for is never sent: its
        cost goes back to the quota, as a call's does."""
        try:
            await aio.sleep(delay)
        except BaseException:
            self._quota.release(self._cost)
            self._cost = 0
            raise


@dataclass(frozen=True)
class Transfer:
    """What a helper sends with: the client's sender and timeouts, and its policy.
    ``connections``: the size of the sender's pool when awsmith made it
    (``Config.max_pool_connections``); None for a caller's httpx client, whose limits
    are its own."""

    sender: HttpSender
    timeouts: Timeouts
    retries: Callable[[], RequestRetries]
    connections: int | None = None


def _part_concurrency(concurrency: int, total_parts: int, connections: int | None) -> int:
    """How many parts go at once: ``concurrency``, but never more than there are parts,
    nor more than the pool has connections. A part waiting for a pooled connection
    would wait inside its attempt, bounded by the connect timeout (by httpx's pool
    timeout, the read timeout, on httpx): a queue, not a failure, would then spend
    attempts and retry quota."""
    cap = min(concurrency, total_parts)
    if connections is not None and connections < cap:
        _log.debug(
            "%d part(s) at once, not %d: the client's pool has %d connection(s)",
            connections,
            cap,
            connections,
        )
        return connections
    return cap


# ---------------------------------------------------------------- sources


class _Source:
    """The bytes to upload: ``size`` of them, read at an offset (0 is the start)."""

    #: Whether reads may run in a worker thread.
    threadsafe = False

    def __init__(self, size: int, shown: str) -> None:
        self.size = size
        #: How messages name it.
        self.shown = shown

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset``; an :class:`AttachmentSourceError` if fewer."""
        raise NotImplementedError

    def current_size(self) -> int:
        """The size now (a file may have changed since it was measured)."""
        return self.size

    def digest(self, md5: Any, offset: int, size: int) -> None:
        """Feeds ``size`` bytes from ``offset`` to ``md5``, a chunk at a time."""
        end = offset + size
        while offset < end:
            chunk = self.read(offset, min(CHUNK, end - offset))
            md5.update(chunk)
            offset += len(chunk)

    def close(self) -> None:
        pass


class _BytesSource(_Source):
    threadsafe = True

    def __init__(self, view: memoryview) -> None:
        # Held until the upload ends: a bytearray cannot be resized meanwhile.
        self._view = view
        super().__init__(len(view), "the bytes given")

    def read(self, offset: int, size: int) -> bytes:
        return bytes(self._view[offset : offset + size])

    def digest(self, md5: Any, offset: int, size: int) -> None:
        md5.update(self._view[offset : offset + size])  # no copy

    def close(self) -> None:
        with contextlib.suppress(BufferError):  # a slice kept by a traceback: let it be
            self._view.release()


class _FileSource(_Source):
    """A file by its descriptor (``os.pread``: no shared position, so parts are read
    at once, in threads too): a path awsmith opened, or a caller's plain file."""

    threadsafe = True

    def __init__(self, fd: int, start: int, size: int, shown: str, owned: bool) -> None:
        self._fd = fd
        self._start = start
        self._owned = owned
        super().__init__(size, shown)

    def read(self, offset: int, size: int) -> bytes:
        position = self._start + offset
        try:
            data = os.pread(self._fd, size, position)
            while len(data) < size:  # a regular file gives all but at its end
                more = os.pread(self._fd, size - len(data), position + len(data))
                if not more:
                    break
                data += more
        except OSError as exc:
            raise _source_error(f"cannot read {self.shown}: {exc}") from exc
        if len(data) < size:
            raise _changed_size(self, self.current_size())
        return data

    def current_size(self) -> int:
        try:
            return os.fstat(self._fd).st_size - self._start
        except OSError as exc:
            raise _source_error(f"cannot read {self.shown}: {exc}") from exc

    def close(self) -> None:
        if self._owned:
            os.close(self._fd)


class _ObjectSource(_Source):
    """A caller's file object of another kind (``BytesIO``, a wrapper): read with
    ``seek`` and ``read`` on the event loop, each read whole between two awaits; its
    position put back at the end."""

    def __init__(self, file: IO[bytes], start: int, size: int, shown: str) -> None:
        self._file = file
        self._start = start
        super().__init__(size, shown)

    def read(self, offset: int, size: int) -> bytes:
        file = self._file
        pieces: list[bytes] = []
        left = size
        try:
            file.seek(self._start + offset)
            while left:
                piece = file.read(left)
                if not piece:
                    break
                pieces.append(piece)
                left -= len(piece)
        except (OSError, ValueError) as exc:  # closed by its owner, say
            raise _source_error(f"cannot read {self.shown}: {exc}") from exc
        if left:
            raise _changed_size(self, self.current_size())
        return b"".join(pieces)

    def current_size(self) -> int:
        try:
            return self._file.seek(0, io.SEEK_END) - self._start
        except (OSError, ValueError) as exc:
            raise _source_error(f"cannot read {self.shown}: {exc}") from exc

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # closed by its owner meanwhile
            self._file.seek(self._start)


def _invalid(field: str, rule: str, detail: str) -> ParamValidationError:
    """A bad argument of a helper (raised before any request), named for the helper
    whose argument it is, as a call's errors are."""
    error = ParamValidationError(field, rule, detail)
    operation = DOWNLOAD if field in ("attachment_id", "destination") else UPLOAD
    error.operation_name = operation
    error.args = (f"{error.args[0]} (when calling the {operation} operation)",)
    return error


def _source_error(message: str, **ids: Any) -> AttachmentSourceError:
    return AttachmentSourceError(message, operation_name=UPLOAD, **ids)


def _changed_size(
    source: _Source, now: int, file_name: str | None = None, upload_id: str | None = None
) -> AttachmentSourceError:
    return _source_error(
        f"{source.shown} changed size while it was uploaded ({source.size} bytes when the "
        f"upload started, {now} now): the upload was not completed; upload it again once "
        "it is complete",
        file_name=file_name,
        upload_id=upload_id,
    )


def _open_source(
    source: object, file_name: str | None
) -> tuple[_Source, str]:
    """The source and the attachment's name, checked: nothing is sent for a source that
    cannot be uploaded."""
    if isinstance(source, bytes | bytearray | memoryview):
        if file_name is None:
            raise _invalid(
                "file_name", "required", "a name is needed to upload bytes: pass file_name=..."
            )
        try:
            view = memoryview(cast("bytes", source)).cast("B")
        except TypeError as exc:
            raise _invalid("source", "type", f"a memoryview {exc}") from None
        return _BytesSource(view), file_name
    path = _path_of(source, "source")
    if path is not None:
        return _path_source(path), file_name if file_name is not None else os.path.basename(path)
    return _object_source(source, file_name)


def _path_of(value: object, field: str) -> str | None:
    """``value`` as a path (None if it is not one): a str or an ``os.PathLike`` of str."""
    if not isinstance(value, str | os.PathLike):
        return None
    path = cast(Any, os.fspath(value))  # pyright: ignore[reportUnknownArgumentType]
    if not isinstance(path, str):
        raise _invalid(field, "type", "a path must be a str, not bytes")
    return path


def _path_source(path: str) -> _Source:
    shown = repr(path)
    try:
        # O_NONBLOCK: a FIFO opens at once (without a writer, it would block the event
        # loop here), and is refused below; a regular file's reads ignore it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _source_error(f"cannot read {shown}: {exc}") from exc
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise _source_error(f"cannot upload {shown}: not a regular file")
        os.set_blocking(fd, True)
        return _FileSource(fd, 0, found.st_size, shown, owned=True)
    except BaseException:
        os.close(fd)
        raise


def _object_source(source: object, file_name: str | None) -> tuple[_Source, str]:
    if isinstance(source, io.TextIOBase):
        raise _invalid(
            "source", "type", "the file is open in text mode: open it in binary mode ('rb')"
        )
    if not all(callable(getattr(source, name, None)) for name in ("read", "seek", "tell")):
        raise _invalid(
            "source",
            "type",
            f"expected a path, bytes or a binary file object, got {type(source).__name__}",
        )
    file: IO[bytes] = source  # type: ignore[assignment]  # checked above, as far as it can be
    name = getattr(file, "name", None)
    if file_name is None:
        if not isinstance(name, str) or not os.path.basename(name):
            raise _invalid(
                "file_name", "required", "the file object has no name: pass file_name=..."
            )
        file_name = os.path.basename(name)
    shown = repr(name) if isinstance(name, str) else f"the {type(file).__name__} given"
    try:
        return _measured(file, shown), file_name
    except (OSError, ValueError) as exc:  # closed, or it cannot seek after all
        if isinstance(exc, ParamValidationError):
            raise
        raise _invalid("source", "type", f"the file object cannot be measured: {exc}") from exc


def _measured(file: IO[bytes], shown: str) -> _Source:
    """The source of a caller's file object, from its position to its end."""
    for check, what in (("readable", "opened for reading"), ("seekable", "seekable")):
        method = getattr(file, check, None)
        if method is not None and not method():
            raise _invalid("source", "type", f"the file object is not {what}")
    start = file.tell()
    if _plain_file(file):
        fd = file.fileno()
        end = os.fstat(fd).st_size
        _check_start(start, end, shown)
        return _FileSource(fd, start, end - start, shown, owned=False)
    probe = cast(object, file.read(0))  # a file object that is not an IO[bytes] after all
    if not isinstance(probe, bytes):
        raise _invalid(
            "source", "type", "the file object gives str, not bytes: open it in binary mode"
        )
    end = file.seek(0, io.SEEK_END)
    file.seek(start)
    _check_start(start, end, shown)
    return _ObjectSource(file, start, end - start, shown)


def _check_start(start: int, end: int, shown: str) -> None:
    """A file object is uploaded from its position: one past its end has nothing."""
    if start > end:
        raise _source_error(
            f"nothing to upload in {shown}: its position {start} is past its end ({end} bytes)"
        )


def _plain_file(file: object) -> bool:
    """A file read straight from its descriptor: what it reads is what the descriptor
    holds (not a GzipFile, whose ``fileno()`` is the compressed file's), and nothing it
    wrote waits in a buffer (a file open for reading only)."""
    inner = file
    if isinstance(file, io.BufferedReader):
        inner = getattr(inner, "raw", None)
    return isinstance(inner, io.FileIO)


def _check_size(source: _Source, file_name: str) -> None:
    if source.size == 0:
        raise _source_error(
            f"nothing to upload in {source.shown}: 0 bytes (an attachment has at least one)",
            file_name=file_name,
        )
    if source.size > MAX_FILE_SIZE:
        raise _source_error(
            f"cannot upload {source.shown}: {source.size} bytes is over the {MAX_FILE_SIZE}-"
            "byte (150 MiB) limit of an attachment",
            file_name=file_name,
        )


def _check_arguments(concurrency: object, progress: object, file_name: object) -> None:
    if type(concurrency) is not int:
        raise _invalid(
            "concurrency", "type", f"must be an int, got {type(concurrency).__name__}"
        )
    if concurrency < 1:
        raise _invalid(
            "concurrency", "min", f"{concurrency} is less than the minimum 1"
        )
    if progress is not None and not callable(progress):
        raise _invalid(
            "progress",
            "type",
            f"must be callable(bytes_done, total), got {type(progress).__name__}",
        )
    if inspect.iscoroutinefunction(progress) or inspect.iscoroutinefunction(
        getattr(progress, "__call__", None)  # noqa: B004  # an object with async __call__
    ):
        raise _invalid(
            "progress",
            "type",
            "must be a plain function, not async: it is called on the event loop, never "
            "awaited (keep it quick)",
        )
    if file_name is not None and (not isinstance(file_name, str) or not file_name):
        raise _invalid("file_name", "type", f"must be a non-empty str, got {file_name!r}")


# ---------------------------------------------------------------- S3's answers


class S3Refusal(ServiceError):
    """S3's error answer to a part's PUT or a download's GET: a :class:`ServiceError`
    like any service's, which also keeps the answer's status and header fields, so that
    a retry honours its ``x-amz-retry-after`` as a call's does."""

    #: The answer's status and header fields (its body is the error document read).
    answer: TransportResponse


def _s3_error(status: int, headers: Mapping[str, str], document: bytes) -> S3Refusal:
    """S3's error answer as a :class:`ServiceError`, so that the retry policy judges it
    as it judges any service's: its code and message as botocore reads them."""
    code, message = _error_fields(status, document)
    error = S3Refusal(
        message or None,
        code=code,
        status_code=status,
        request_id=headers.get("x-amz-request-id"),
    )
    error.answer = TransportResponse(status, headers, b"")
    return error


def _error_fields(status: int, document: bytes) -> tuple[str, str]:
    """(code, message) of an S3 error document, read as botocore's RestXMLParser reads
    it (the same XML parser): ``<Error>`` at the root (S3) or under it; a body that is
    not XML, or a 5xx proxy page, gives the status and its reason phrase."""
    body = document.strip()
    if body and not (status >= 500 and body.startswith(b"<html>")):
        from xml.etree import ElementTree  # only for an error

        try:
            parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(), encoding="utf-8")
            parser.feed(document)
            root = parser.close()
        except ElementTree.ParseError:
            pass
        else:
            error = root if root.tag == "Error" else root.find("Error")
            if error is None:
                return "", ""
            return error.findtext("Code") or "", error.findtext("Message") or ""
    from http import HTTPStatus

    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return str(status), reason


async def _refusal(response: StreamedResponse) -> S3Refusal:
    return _s3_error(response.status, response.headers, await response.aread(ERROR_DOCUMENT_LIMIT))


def _expired(error: AwsmithError) -> bool:
    """S3's refusal of a presigned URL past its expiry (403 "Request has expired"), or
    of one signed with temporary credentials that expired first (400 ExpiredToken)."""
    if not isinstance(error, ServiceError):
        return False
    if error.code == "ExpiredToken":
        return True
    return (
        error.status_code == 403
        and error.code == "AccessDenied"
        and "expired" in (error.message or "").lower()
    )


def _unanswered(error: AwsmithError, written: bool) -> bool:
    """Whether S3 may have refused the request as expired without the sender reading
    it: the connection failed once the request was on it. S3 answers a PUT it refuses
    before reading the body, then resets the connection; a reset that follows the 403
    at once loses it (httpx reads only once the body is written, and asyncio closes
    the connection on the failed write; awsmith's own sender reads while it writes,
    but not always before the reset): the sender reports a connection failure. Such a
    link is not used again."""
    return written and isinstance(error, TransportError)


def _bad_digest(error: AwsmithError) -> bool:
    return isinstance(error, ServiceError) and error.code == "BadDigest"


def _expiry(text: str) -> datetime | None:
    """A link's ``expiryDate`` (ISO 8601); None if unreadable (then only S3's refusal
    says it expired)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _log.debug("unreadable link expiry %r: used until S3 refuses it", text)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextlib.contextmanager
def _noted(note: str) -> Generator[None]:
    """An error of a Support call the helper made, raised with ``note`` (which file)."""
    try:
        yield
    except AwsmithError as error:
        if not isinstance(error, AttachmentError):
            error.add_note(note)
        raise


# ---------------------------------------------------------------- running parts at once


async def _run_all(count: int, work: Callable[[], Awaitable[None]]) -> None:
    """Runs ``count`` copies of ``work`` at once. The first that raises cancels the
    others, and its exception is raised (not an exception group) once all have ended.
    Cancelling the caller cancels them all and waits for them: none outlives this."""
    failures: list[Exception] = []
    if aio.on_trio():
        import trio

        async with trio.open_nursery() as nursery:

            async def guarded_trio() -> None:
                try:
                    await work()
                except Exception as exc:
                    failures.append(exc)
                    nursery.cancel_scope.cancel()

            for _ in range(count):
                nursery.start_soon(guarded_trio)
    else:
        tasks: list[asyncio.Task[None]] = []

        async def guarded() -> None:
            if failures:  # an eager task factory ran a sibling that failed already
                return
            try:
                await work()
            except Exception as exc:
                failures.append(exc)
                me = asyncio.current_task()
                for task in tasks:
                    if task is not me:
                        task.cancel()

        async with asyncio.TaskGroup() as group:
            tasks.extend(group.create_task(guarded()) for _ in range(count))
    if failures:
        raise failures[0]


# ---------------------------------------------------------------- upload


@dataclass
class _Link:
    url: str
    expires: datetime | None


class _Upload:
    """One upload under way: its links, the parts' ETags, the bytes handed over."""

    def __init__(
        self,
        api: AttachmentApi,
        transfer: Transfer,
        source: _Source,
        file_name: str,
        progress: Callable[[int, int], object] | None,
    ) -> None:
        self.api = api
        self.transfer = transfer
        self.source = source
        self.file_name = file_name
        self.progress = progress
        self.note = f"while uploading {file_name!r} ({UPLOAD})"
        self.upload_id = ""
        self.part_size = 0
        self.total_parts = 0
        self.links: dict[int, _Link] = {}
        self.etags: dict[int, str] = {}
        self.done = 0
        self._next_part = 1
        self._refreshing = aio.LoopLocks()

    # -- errors

    def error(self, message: str, **more: Any) -> AttachmentUploadError:
        """An :class:`AttachmentUploadError` naming the file and the upload."""
        return AttachmentUploadError(
            f"{message} ({self.file_name!r}, upload {self.upload_id})",
            operation_name=UPLOAD,
            file_name=self.file_name,
            upload_id=self.upload_id,
            **more,
        )

    def inconsistent(self, what: str) -> AttachmentUploadError:
        return self.error(f"the service's answer does not add up: {what}")

    # -- links

    async def start(self) -> None:
        """Starts the upload and fetches a link for every part; checks them all."""
        with _noted(self.note):
            first = await self.api.get_attachment_upload_links(
                file_name=self.file_name, file_size_bytes=self.source.size
            )
        self.upload_id = first.upload_id
        self.part_size, self.total_parts = first.part_size_bytes, first.total_parts
        size = self.source.size
        if not (
            self.total_parts >= 1
            and self.part_size >= 1
            and self.part_size * (self.total_parts - 1) < size <= self.part_size * self.total_parts
        ):
            raise self.inconsistent(
                f"{size} bytes in {self.total_parts} parts of {self.part_size} bytes"
            )
        self.take(first)
        asked, next_index = 1, first.next_index
        while next_index is not None:
            if not asked < next_index <= self.total_parts:
                raise self.inconsistent(
                    f"nextIndex {next_index} after links from part {asked} of {self.total_parts}"
                )
            more = await self.more_links(next_index)
            self.take(more)
            asked, next_index = next_index, more.next_index
        missing = [i for i in range(1, self.total_parts + 1) if i not in self.links]
        if missing:
            raise self.inconsistent(f"no link for part(s) {missing[:10]}")

    async def more_links(self, start: int) -> GetAttachmentUploadLinksResponse:
        with _noted(self.note):
            more = await self.api.get_attachment_upload_links(
                file_name=self.file_name,
                upload_id=self.upload_id,
                upload_range=UploadRange(
                    start_index=start, end_index=min(start + LINKS_PER_CALL, self.total_parts + 1)
                ),
            )
        if (more.part_size_bytes, more.total_parts) != (self.part_size, self.total_parts):
            raise self.inconsistent(
                f"{more.total_parts} parts of {more.part_size_bytes} bytes, after "
                f"{self.total_parts} of {self.part_size}"
            )
        return more

    def take(self, answer: GetAttachmentUploadLinksResponse) -> None:
        """Keeps the links of ``answer``, each checked: no part is sent before every
        link is known to be one awsmith sends to."""
        for link in answer.upload_urls:
            if not 1 <= link.part_index <= self.total_parts:
                raise self.inconsistent(f"a link for part {link.part_index} of {self.total_parts}")
            try:
                check_stream_url(link.url)
            except URLRefusedError as exc:
                raise self.error(
                    f"the link of part {link.part_index} is not one awsmith sends to: {exc}",
                    part_index=link.part_index,
                ) from exc
            self.links[link.part_index] = _Link(link.url, _expiry(link.expiry_date))

    async def link(self, index: int, *, refused: _Link | None = None) -> _Link:
        """Part ``index``'s link: a fresh one (with those of the next parts) when it
        expires within the margin or S3 ``refused`` it as expired. One task fetches
        while the others that need the same wait, then use what it fetched."""
        link = self.links[index]
        if refused is None:
            if link.expires is None or link.expires - _now() > EXPIRY_MARGIN:
                return link
            refused = link
        async with self._refreshing.current():
            if self.links[index] is refused:  # not replaced while this task waited
                answer = await self.more_links(index)
                if index not in {u.part_index for u in answer.upload_urls}:
                    raise self.inconsistent(f"no fresh link for part {index}")
                self.take(answer)
            return self.links[index]

    # -- parts

    def next_part(self) -> int | None:
        index = self._next_part
        if index > self.total_parts:
            return None
        self._next_part += 1
        return index

    async def worker(self) -> None:
        try:
            while (index := self.next_part()) is not None:
                await self.send_part(index)
        except AttachmentSourceError as error:  # raised where the source is read
            error.file_name, error.upload_id = self.file_name, self.upload_id
            raise

    async def send_part(self, index: int) -> None:
        offset = (index - 1) * self.part_size
        length = min(self.part_size, self.source.size - offset)
        md5 = await self.md5(offset, length)
        retries = self.transfer.retries()
        digest_retried = False
        link = await self.link(index)
        written = [False]  # the attempt's request is on a connection

        def on_written() -> None:
            written[0] = True
            retries.written()

        while True:
            retries.begin()
            handed = [0]
            written[0] = False
            try:
                etag = await self.put(link.url, md5, offset, length, handed, on_written)
            except (TransportError, ServiceError) as exc:
                retries.ended()
                self.count(-handed[0])
                failure: AwsmithError = exc
            else:
                retries.succeeded()
                self.etags[index] = etag
                self.check_size()
                return
            if _expired(failure) and retries.left():
                link = await self.link(index, refused=link)
                continue
            suspect = _unanswered(failure, written[0])
            verdict = None
            if _bad_digest(failure):  # damaged on the way: sent again once
                verdict, digest_retried = not digest_retried, True
            delay = retries.backoff(failure, retryable=verdict)
            if delay is None:
                raise self.error(
                    f"part {index} of {self.total_parts} could not be uploaded after "
                    f"{retries.attempts} attempt(s): {failure}",
                    part_index=index,
                    attempts=retries.attempts,
                ) from failure
            await retries.wait(delay)
            link = await self.link(index, refused=link if suspect else None)

    async def md5(self, offset: int, length: int) -> str:
        """The part's Content-MD5, from a pass over it."""
        md5 = hashlib.md5(usedforsecurity=False)
        source = self.source
        for start in range(offset, offset + length, HASH_STEP):
            step = min(HASH_STEP, offset + length - start)
            if source.threadsafe:
                await aio.run_in_thread(source.digest, md5, start, step)
            else:
                source.digest(md5, start, step)
                await aio.sleep(0)
        return base64.b64encode(md5.digest()).decode("ascii")

    async def put(
        self,
        url: str,
        md5: str,
        offset: int,
        length: int,
        handed: list[int],
        written: Callable[[], None],
    ) -> str:
        """One PUT of a part; its ETag. ``handed[0]``: the bytes it handed over;
        ``written``: the sender's callback once the request is on a connection."""
        body = StreamBody(self.chunks(offset, length, handed), length)
        transfer = self.transfer
        async with transfer.sender.stream(
            "PUT", url, {"Content-MD5": md5}, body, transfer.timeouts, written=written
        ) as response:
            if not 200 <= response.status < 300:
                raise await _refusal(response)
            etag = response.headers.get("ETag")
            await response.aread(ERROR_DOCUMENT_LIMIT)  # (empty) the connection back to the pool
        if not etag:
            raise ServiceError(
                "S3 accepted the part without an ETag",
                code="MissingETag",
                status_code=response.status,
            )
        return etag

    async def chunks(self, offset: int, length: int, handed: list[int]) -> AsyncIterator[bytes]:
        end = offset + length
        source = self.source
        while offset < end:
            chunk = source.read(offset, min(CHUNK, end - offset))
            offset += len(chunk)
            handed[0] += len(chunk)
            self.count(len(chunk))
            yield chunk

    def count(self, handed: int) -> None:
        if handed:
            self.done += handed
            if self.progress is not None:
                self.progress(self.done, self.source.size)

    def check_size(self) -> None:
        now = self.source.current_size()
        if now != self.source.size:
            raise _changed_size(self.source, now, self.file_name, self.upload_id)

    # -- completion

    async def complete(self) -> None:
        self.check_size()
        with _noted(self.note):
            answer = await self.api.complete_attachment_upload(
                upload_id=self.upload_id,
                completed_uploads=[
                    CompletedUpload(part_index=index, e_tag=self.etags[index])
                    for index in sorted(self.etags)
                ],
            )
        try:
            await self.wait_ready(answer.upload_status)
        except BaseException as exc:  # a cancellation: the upload id must not be lost
            if not isinstance(exc, Exception):
                exc.add_note(
                    f"{self.file_name!r} was uploaded and completed as upload "
                    f"{self.upload_id}: it may still become attachment-ready "
                    "(describe_attachment_upload_status)"
                )
            raise

    def unready(self, cls: type[AttachmentError], message: str, polls: int) -> AttachmentError:
        """The error of an upload that did not become ready, after ``polls`` polls."""
        return cls(
            message,
            operation_name=UPLOAD,
            file_name=self.file_name,
            upload_id=self.upload_id,
            attempts=polls,
        )

    async def wait_ready(self, status: str) -> None:
        """Polls DescribeAttachmentUploadStatus, with a growing delay, until the upload
        is ready, failed, or :data:`READY_TIMEOUT` passed."""
        deadline = time.monotonic() + READY_TIMEOUT
        delay = READY_FIRST_DELAY
        polls = 0
        while status != UploadStatus.ATTACHMENT_READY:
            if status == UploadStatus.FAILED:
                raise self.unready(
                    AttachmentProcessingError,
                    f"AWS Support could not process {self.file_name!r} (upload "
                    f"{self.upload_id}): its status is 'failed'; upload it again",
                    polls,
                )
            if time.monotonic() + delay > deadline:
                raise self.unready(
                    AttachmentNotReadyError,
                    f"{self.file_name!r} (upload {self.upload_id}) was not attachment-ready "
                    f"within {READY_TIMEOUT:g} s: its status is {str(status)!r} after "
                    f"{polls} poll(s)",
                    polls,
                )
            await aio.sleep(delay)
            delay = min(delay * 2, READY_MAX_DELAY)
            polls += 1
            try:
                answer = await self.api.describe_attachment_upload_status(upload_id=self.upload_id)
            except AwsmithError as exc:
                raise self.unready(
                    AttachmentNotReadyError,
                    f"{self.file_name!r} (upload {self.upload_id}) was completed, but its "
                    f"status could not be read (poll {polls}): {exc}; it may still become "
                    "attachment-ready: poll it, no need to upload it again",
                    polls,
                ) from exc
            status = answer.upload_status


async def upload(
    api: AttachmentApi,
    make_transfer: Callable[[], Awaitable[Transfer]],
    source: object,
    *,
    file_name: str | None,
    concurrency: int,
    progress: Callable[[int, int], object] | None,
) -> str:
    """``SupportClient.upload_attachment``: the upload id once it is attachment-ready."""
    _check_arguments(concurrency, progress, file_name)
    opened, name = _open_source(source, file_name)
    try:
        _check_size(opened, name)
        transfer = await make_transfer()
        state = _Upload(api, transfer, opened, name, progress)
        await state.start()
        if progress is not None:
            progress(0, opened.size)
        parts_at_once = _part_concurrency(concurrency, state.total_parts, transfer.connections)
        await _run_all(parts_at_once, state.worker)
        await state.complete()
        return state.upload_id
    finally:
        opened.close()


# ---------------------------------------------------------------- download


class _Sink:
    """Where a download goes: ``write`` each chunk; ``restart`` before an attempt."""

    #: Bytes written by the attempt under way.
    written: int = 0

    def write(self, chunk: bytes) -> None:
        raise NotImplementedError

    def restartable(self) -> bool:
        return True

    def restart(self) -> None:
        pass

    async def finish(self) -> None:
        pass

    def discard(self) -> None:
        pass


#: The bytes of a destination's name kept in its temporary file's name: with the dot,
#: the random part and ``.download`` (19 bytes), within a file system's 255.
NAME_BYTES = 200


def _shortened(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` bytes as the file system sees them (a name's
    limit counts bytes: a CJK character takes three), never in a character's middle."""
    while len(os.fsencode(name)) > limit:
        name = name[: -max(1, (len(os.fsencode(name)) - limit) // 4)]
    return name


class _TemporaryFile(_Sink):
    """A temporary file beside ``path``, renamed over it once complete and flushed to
    disk; removed if the download fails or is cancelled."""

    def __init__(self, path: str) -> None:
        # A symlink is written through: the file it points to is replaced (in its own
        # folder), and the link stays a link.
        self.path = os.path.realpath(path)
        folder, name = os.path.split(self.path)
        # beside it (a rename within one file system), within the 255 bytes of a name
        self.temporary = os.path.join(
            folder, f".{_shortened(name, NAME_BYTES)}.{secrets.token_hex(4)}.download"
        )
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        self._fd = os.open(self.temporary, flags, 0o666)  # the umask applies, as to a new file
        try:
            with contextlib.suppress(FileNotFoundError):
                found = os.stat(path)
                if stat.S_ISREG(found.st_mode):  # replacing a file: keep its permissions
                    os.chmod(self.temporary, stat.S_IMODE(found.st_mode))
        except BaseException:
            self.discard()
            raise

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(self._fd, view) :]
        self.written += len(chunk)

    def restart(self) -> None:
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, os.SEEK_SET)
        self.written = 0

    async def finish(self) -> None:
        await aio.run_in_thread(os.fsync, self._fd)
        fd, self._fd = self._fd, -1
        os.close(fd)
        os.replace(self.temporary, self.path)
        self.temporary = ""

    def discard(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)
        if self.temporary:
            with contextlib.suppress(OSError):
                os.unlink(self.temporary)
            self.temporary = ""


class _ObjectSink(_Sink):
    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            # a raw file may take part of it; a non-blocking one none (None)
            try:
                count = cast("int | None", self._file.write(view))
            except ValueError as exc:  # closed by its owner meanwhile
                raise OSError(f"the file object was closed during the download ({exc})") from exc
            if count is None:
                raise BlockingIOError(
                    errno.EAGAIN,
                    f"the file object took none of {len(view)} bytes (it is non-blocking): "
                    f"{self.written + len(chunk) - len(view)} bytes were written",
                )
            view = view[count:]
        self.written += len(chunk)

    def restartable(self) -> bool:
        return self.written == 0


def _sink(destination: object) -> tuple[str, Callable[[], _Sink]]:
    """How messages name ``destination``, and how to make its sink (after the link
    came: nothing is created for a download that cannot start)."""
    path = _path_of(destination, "destination")
    if path is not None:
        if not path:
            raise _invalid("destination", "type", "an empty path: give the path of the file to write")
        if path.endswith((os.sep, os.altsep or os.sep)):
            raise _invalid(
                "destination",
                "type",
                f"{path!r} ends with a separator: give the path of the file to write",
            )
        if os.path.isdir(path):
            raise _invalid(
                "destination", "type", f"{path!r} is a folder: give the path of the file to write"
            )
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise _invalid(
                "destination", "type", f"the folder of {path!r} does not exist"
            )
        return repr(path), lambda: _TemporaryFile(path)
    if isinstance(destination, io.TextIOBase):
        raise _invalid(
            "destination", "type", "the file is open in text mode: open it in binary mode ('wb')"
        )
    if not callable(getattr(destination, "write", None)):
        raise _invalid(
            "destination",
            "type",
            f"expected a path or a binary file object, got {type(destination).__name__}",
        )
    if getattr(destination, "closed", False) is True:
        raise _invalid("destination", "type", "the file object is closed")
    writable = getattr(destination, "writable", None)
    if writable is not None and not writable():
        raise _invalid("destination", "type", "the file object is not open for writing")
    file: IO[bytes] = destination  # type: ignore[assignment]  # checked above
    if _non_blocking(file):
        raise _invalid(
            "destination",
            "type",
            "the file object is non-blocking (a write may take nothing): give a blocking one",
        )
    name = getattr(file, "name", None)
    shown = repr(name) if isinstance(name, str) else f"the {type(file).__name__} given"
    return shown, lambda: _ObjectSink(file)


def _non_blocking(file: object) -> bool:
    """Whether ``file`` writes to a descriptor in non-blocking mode (a full pipe or
    socket would take nothing, or part of a buffered write)."""
    fileno = getattr(file, "fileno", None)
    if not callable(fileno):
        return False
    try:
        fd = fileno()
        return isinstance(fd, int) and not os.get_blocking(fd)
    except (OSError, ValueError):  # io.UnsupportedOperation: no descriptor
        return False


class _Download:
    def __init__(self, transfer: Transfer, attachment_id: str, shown: str) -> None:
        self.transfer = transfer
        self.attachment_id = attachment_id
        self.shown = shown
        self.file_name = ""

    def failed(self, message: str, *, attempts: int = 0) -> AttachmentDownloadError:
        return AttachmentDownloadError(
            f"attachment {self.attachment_id} ({self.file_name!r}) could not be downloaded to "
            f"{self.shown}: {message}",
            operation_name=DOWNLOAD,
            file_name=self.file_name or None,
            attachment_id=self.attachment_id,
            attempts=attempts,
        )

    async def into(self, sink: _Sink, url: str, fresh_link: Callable[[], Awaitable[str]]) -> int:
        retries = self.transfer.retries()
        while True:
            retries.begin()
            try:
                sink.restart()
                await self.get(url, sink, retries.written)
            except (TransportError, ServiceError) as exc:
                retries.ended()
                failure: AwsmithError = exc
            except OSError as exc:  # the sink's (the GET, if sent, counted once written)
                raise self.failed(f"cannot write: {exc}", attempts=retries.attempts) from exc
            else:
                retries.succeeded()
                return sink.written
            delay = None
            if sink.restartable():
                if _expired(failure) and retries.left():
                    url = await fresh_link()
                    continue
                delay = retries.backoff(failure)
            if delay is None:
                kept = "" if sink.restartable() else f" ({sink.written} bytes were written)"
                raise self.failed(
                    f"{failure}{kept}", attempts=retries.attempts
                ) from failure
            await retries.wait(delay)

    async def get(self, url: str, sink: _Sink, written: Callable[[], None]) -> None:
        transfer = self.transfer
        async with transfer.sender.stream(
            "GET", url, {}, b"", transfer.timeouts, written=written
        ) as response:
            if response.status != 200:
                raise await _refusal(response)
            async for chunk in response.aiter_bytes():
                sink.write(chunk)


async def download(
    api: AttachmentApi,
    make_transfer: Callable[[], Awaitable[Transfer]],
    attachment_id: object,
    destination: object,
) -> int:
    """``SupportClient.download_attachment``: the bytes written."""
    if not isinstance(attachment_id, str) or not attachment_id:
        raise _invalid(
            "attachment_id", "type", f"must be a non-empty str, got {attachment_id!r}"
        )
    shown, make_sink = _sink(destination)
    state = _Download(await make_transfer(), attachment_id, shown)
    note = f"while downloading attachment {attachment_id} to {shown} ({DOWNLOAD})"

    async def fresh_link() -> str:
        with _noted(note):
            link = await api.get_attachment_download_link(attachment_id=attachment_id)
        state.file_name = link.file_name
        url = link.download_url.url
        try:
            check_stream_url(url)
        except URLRefusedError as exc:
            raise state.failed(f"the link is not one awsmith sends to: {exc}") from exc
        return url

    url = await fresh_link()
    try:
        sink = make_sink()
    except OSError as exc:
        raise state.failed(f"cannot write: {exc}") from exc
    try:
        written = await state.into(sink, url, fresh_link)
        try:
            await sink.finish()
        except OSError as exc:
            raise state.failed(f"cannot write: {exc}") from exc
        return written
    finally:
        sink.discard()
