"""Written by hand: the methods of :class:`~awsmith.support.SupportClient` that no model
describes. The generated client inherits :class:`SupportCustomizations` in place of
``BaseClient`` (``codegen/customizations.py`` names it; ``docs/architecture.md`` says
why), so these are ``SupportClient`` methods for type checkers, IDEs and the API
reference, and ``python -m codegen --check`` still owns every generated file.

What the helpers do lives in :mod:`awsmith.support._attachments`, imported on their
first use (``import awsmith.support`` pays nothing for it). This module is the one
place that reads the client's internals for them: :meth:`BaseClient._transfer` (the
connections and timeouts of its calls) and :meth:`_request_retries` (its retry policy).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, cast

from awsmith._core.client import BaseClient

if TYPE_CHECKING:
    from awsmith.support._attachments import AttachmentApi, RequestRetries, Transfer


class SupportCustomizations(BaseClient):
    """The hand-written base of :class:`~awsmith.support.SupportClient`: the attachment
    helpers, for files up to 150 MB (``add_attachments_to_set`` takes up to 5 MB)."""

    async def upload_attachment(
        self,
        source: str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes],
        *,
        file_name: str | None = None,
        concurrency: int = 4,
        progress: Callable[[int, int], object] | None = None,
    ) -> str:
        """Uploads a file of up to 150 MB for a support case and returns its upload id,
        for ``create_case(upload_ids=[...])`` or ``add_communication_to_case``.

        The whole multipart workflow: ``GetAttachmentUploadLinks`` (the service cuts the
        file into parts and gives a presigned S3 URL for each), a ``PUT`` of each part
        to its URL (up to ``concurrency`` at once, streamed from the source, never held
        whole, each with its ``Content-MD5`` so that S3 refuses bytes damaged on the
        way), ``CompleteAttachmentUpload`` with every part's ETag, then
        ``DescribeAttachmentUploadStatus`` until the service says ``attachment-ready``.

        A part that fails (a connection lost, a 5xx, throttling) is sent again under
        the client's retry policy (``Config.max_attempts``, backoff, the retry quota);
        a link that expired, or expires within 60 seconds, is replaced by a fresh one
        first. If anything fails, or the call is cancelled, no task is left running and
        the upload is never completed with part of the file.

        Args:
            source: A path, the bytes themselves, or a binary file object opened for
                reading that can seek (uploaded from its position to its end, which is
                left where it was).
            file_name: The name the attachment gets (default: the path's last
                component, or the file object's ``name``; needed for bytes).
            concurrency: Parts sent at once (1 or more).
            progress: Called as ``progress(bytes_done, total)`` at the start and for
                every 256 KiB handed to the connections; ``bytes_done`` goes back when
                a part is sent again. Runs on the event loop: keep it quick.

        Returns:
            The upload id, ready to attach.

        Raises:
            ParamValidationError: A bad argument (nothing sent).
            AttachmentSourceError: The file cannot be read, is empty, is over 150 MiB
                (157,286,400 bytes), or changed size during the upload.
            AttachmentUploadError: A part could not be sent within the retry policy.
            AttachmentProcessingError: The service ended the upload ``failed``.
            AttachmentNotReadyError: It was not ready within the time limit.
            ServiceError: One of the Support calls failed (a note names the file).
        """
        from awsmith.support import _attachments

        return await _attachments.upload(
            cast("AttachmentApi", self),
            self._attachment_transfer,
            source,
            file_name=file_name,
            concurrency=concurrency,
            progress=progress,
        )

    async def download_attachment(
        self, attachment_id: str, destination: str | os.PathLike[str] | IO[bytes]
    ) -> int:
        """Downloads an attachment of a case (any size) and returns the bytes written.

        ``GetAttachmentDownloadLink``, then a streamed ``GET`` of its presigned URL into
        ``destination``, chunk by chunk as it arrives: the file is never held in memory.
        A failed ``GET`` is sent again under the client's retry policy (from the start),
        with a fresh link if the one it had expired.

        Args:
            attachment_id: The attachment's id (``AttachmentDetails.attachment_id`` in
                ``describe_communications``).
            destination: A path: the download goes to a temporary file in the same
                folder, flushed to disk and renamed over the path once complete, so a
                failed or cancelled download leaves the path as it was. Or a binary
                file object opened for writing: written from its position; retried
                only while nothing was written to it.

        Returns:
            The size of the attachment, in bytes.

        Raises:
            ParamValidationError: A bad argument (nothing sent).
            AttachmentDownloadError: The download failed within the retry policy, or
                could not be written.
            ServiceError: ``GetAttachmentDownloadLink`` failed (``AttachmentIdNotFound``).
        """
        from awsmith.support import _attachments

        return await _attachments.download(
            cast("AttachmentApi", self), self._attachment_transfer, attachment_id, destination
        )

    async def _attachment_transfer(self) -> Transfer:
        """The client's connections, timeouts and retry policy, for a transfer to a
        presigned URL; prepares the client as its first call would."""
        from awsmith.support._attachments import Transfer

        sender, timeouts = await self._transfer()
        # awsmith's own pool (its sender, or the httpx client it made under trio) has
        # max_pool_connections; a caller's httpx client has limits of its own.
        own_pool = self._settings.http_client is None
        connections = self.config.max_pool_connections if own_pool else None
        return Transfer(sender, timeouts, self._request_retries, connections)

    def _request_retries(self) -> RequestRetries:
        """The client's retry policy for one request of a transfer (a part, a download):
        the one place the helpers read it. ``_transfer()`` settled ``_max_attempts``."""
        from awsmith.support._attachments import RequestRetries

        cfg = self.config
        return RequestRetries(self._max_attempts, self._quota, cfg.base_backoff, cfg.max_backoff)
