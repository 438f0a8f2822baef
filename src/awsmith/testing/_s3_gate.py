"""The S3 gate of the Support attachment fake (:mod:`awsmith.testing.support_attachments`):
an HTTP/1.1 server on 127.0.0.1 in front of moto's S3 server, where every presigned URL
the fake hands out points. It checks what moto does not (see that module), plays the
faults a test injects, records every request exactly as it arrived, and passes the rest
on to moto, the answer's body streamed back.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import socket
import struct
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
from typing import IO
from xml.sax.saxutils import escape

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from awsmith.testing._listener import Listener
from awsmith.testing._sigv4 import presigned_problem

MiB = 1024 * 1024


# ---------------------------------------------------------------- faults


@dataclass(frozen=True)
class Answer:
    """The gate answers with this S3 error instead of passing the request on."""

    status: int = 500
    code: str = "InternalError"
    message: str = "We encountered an internal error. Please try again."


@dataclass(frozen=True)
class Expired:
    """The link expired early: S3's 403 "Request has expired", whatever the time. With
    ``early``, answered as soon as the request's head arrived, before its body is read,
    and the connection then reset, as S3 refuses a large body it will not take (the
    client is still sending when the reset comes)."""

    early: bool = False


@dataclass(frozen=True)
class Reset:
    """The connection is reset (TCP RST) without an answer: after the request's body
    was read, or with ``before_body`` as soon as its head arrived (an upload then fails
    while it sends)."""

    before_body: bool = False


@dataclass(frozen=True)
class Corrupt:
    """The body's byte at ``offset`` is flipped on its way to S3, before its checks."""

    offset: int = 0


@dataclass(frozen=True)
class CutBody:
    """A response (a download) is sent with its head and only ``after`` bytes of its
    body, then the connection is reset."""

    after: int = 0


@dataclass(frozen=True)
class Stall:
    """The request is read and never answered, until the client gives up."""


Fault = Answer | Expired | Reset | Corrupt | CutBody | Stall


@dataclass
class _Injection:
    """A fault for the next ``times`` requests with ``method`` (and ``part``)."""

    fault: Fault
    method: str
    part: int | None
    times: int


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class S3Request:
    """One request to the S3 gate, as it arrived."""

    method: str
    #: The request target exactly as on the request line (path and query).
    target: str
    #: The header fields as sent, names with their case, in order.
    fields: tuple[tuple[str, str], ...]
    #: Bytes of body received, and their MD5 (hex): after a :class:`Corrupt` fault.
    size: int
    md5: str
    #: The status it was answered with (0: none, a reset or a stall).
    status: int = 0
    fault: Fault | None = None

    @property
    def raw_path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        return CIMultiDictProxy(CIMultiDict(self.fields))

    @property
    def body(self) -> bytes:
        return b""  # presigned: the payload is not signed

    @property
    def part(self) -> int | None:
        """The ``partNumber`` of an upload part, else None."""
        number = dict(urllib.parse.parse_qsl(self.raw_query)).get("partNumber")
        return int(number) if number is not None and number.isdigit() else None


class S3Gate:
    """The gate: :meth:`start` and :meth:`close` in the loop that serves it."""

    def __init__(self, moto_url: str, keys: Mapping[str, str]) -> None:
        """``moto_url``: moto's server; ``keys``: the key pairs presigned URLs may be
        signed with."""
        self.moto_url = moto_url
        self._keys = dict(keys)
        self._lock = threading.Lock()
        self._injections: list[_Injection] = []
        #: Bumped by clear(): a connection accepted before it (a request of an earlier
        #: test still on its way) never plays the faults injected after it.
        self._generation = 0
        self._requests: list[S3Request] = []
        self._listener = Listener(self._serve)
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.port}"

    def inject(self, fault: Fault, *, method: str = "PUT", part: int | None = None, times: int = 1) -> None:
        """The next ``times`` requests with ``method`` (and, if given, ``partNumber``
        ``part``) get ``fault``; injections are matched in the order they were made."""
        with self._lock:
            self._injections.append(_Injection(fault, method.upper(), part, times))

    @property
    def requests(self) -> list[S3Request]:
        with self._lock:
            return list(self._requests)

    def clear(self, *, fence: bool = False) -> None:
        """Forgets the faults not played yet and the requests recorded. With ``fence``
        (between tests), connections accepted before it play no fault injected after
        it: a request of an earlier test still on its way cannot take a later test's."""
        with self._lock:
            self._injections.clear()
            self._requests.clear()
            if fence:
                self._generation += 1

    def start(self) -> None:
        """Starts accepting connections (in the running event loop)."""
        self._session = aiohttp.ClientSession(auto_decompress=False)
        self._listener.start()

    async def close(self) -> None:
        """Stops accepting and closes every connection, and the session to moto."""
        await self._listener.close()
        if self._session is not None:
            await self._session.close()

    def _take_fault(self, method: str, part: int | None) -> Fault | None:
        with self._lock:
            for injection in self._injections:
                if injection.times and injection.method == method and injection.part in (None, part):
                    injection.times -= 1
                    return injection.fault
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            generation = self._generation
        while await self._gate_request(reader, writer, generation):
            pass

    async def _gate_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, generation: int
    ) -> bool:
        """One request; False when the connection is done with."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        fields = tuple(
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        )
        headers = CIMultiDict(fields)
        record = S3Request(method, target, fields, 0, hashlib.md5(b"").hexdigest())
        fault = self._take_fault(method, record.part) if generation == self._generation else None
        record = replace(record, fault=fault)
        if isinstance(fault, Reset) and fault.before_body:
            self._record(record)
            _reset(writer)
            return False
        if isinstance(fault, Expired) and fault.early:
            self._record(replace(record, status=_EXPIRED.status))
            await _s3_error(writer, _EXPIRED, close=True)
            _reset(writer)
            return False
        if "chunked" in headers.get("Transfer-Encoding", "").lower():
            self._record(replace(record, status=411))
            refusal = _S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
            await _s3_error(writer, refusal, close=True)
            return False
        length = int(headers.get("Content-Length", "0") or "0")
        with tempfile.SpooledTemporaryFile(max_size=MiB) as spool:
            size, md5 = await _read_body(reader, length, spool, fault)
            record = replace(record, size=size, md5=md5)
            verdict = self._verdict(record, headers)
            # Recorded before the answer goes out: a client that has its answer finds
            # its request in s3_requests.
            if isinstance(verdict, Reset):
                self._record(record)
                _reset(writer)
                return False
            if isinstance(verdict, Stall):
                self._record(record)
                await reader.read()  # until the client gives up
                return False
            if verdict is not None:
                self._record(replace(record, status=verdict.status))
                await _s3_error(writer, verdict)
                return True
            return await self._pass_on(record, headers, spool, writer)

    def _record(self, record: S3Request) -> None:
        with self._lock:
            self._requests.append(record)

    def _verdict(
        self, record: S3Request, headers: CIMultiDict[str]
    ) -> Reset | Stall | _S3Error | None:
        """What the gate does with a request whose body was read: a fault's reset or
        stall, an S3 error, or None to pass it on."""
        fault = record.fault
        if isinstance(fault, Reset | Stall):
            return fault
        if isinstance(fault, Answer):
            return _S3Error(fault.status, fault.code, fault.message)
        if isinstance(fault, Expired):
            return _EXPIRED
        problem = presigned_problem(record, self._keys, now=datetime.now(UTC))
        if problem is not None:
            return _S3Error(*problem)
        digest = headers.get("Content-MD5")
        if digest is None:
            return None
        try:
            expected = base64.b64decode(digest, validate=True)
        except binascii.Error:
            expected = b""
        if len(expected) != 16:
            return _S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
        if expected.hex() != record.md5:
            calculated = base64.b64encode(bytes.fromhex(record.md5)).decode()
            return _S3Error(
                400,
                "BadDigest",
                "The Content-MD5 you specified did not match what we received.",
                (("ExpectedDigest", digest), ("CalculatedDigest", calculated)),
            )
        return None

    async def _pass_on(
        self, record: S3Request, headers: CIMultiDict[str], spool: IO[bytes], writer: asyncio.StreamWriter
    ) -> bool:
        """Sends the request to moto's S3 and its answer back, the body streamed; False
        if the connection ended (a :class:`CutBody` fault)."""
        assert self._session is not None
        forwarded = {name: headers[name] for name in ("Content-Type", "Content-MD5", "Range") if name in headers}
        data: AsyncIterator[bytes] | None = None
        if record.method in ("PUT", "POST"):
            forwarded["Content-Length"] = str(record.size)
            spool.seek(0)
            data = _chunks_of(spool)
        url = URL(self.moto_url + record.target, encoded=True)
        async with self._session.request(record.method, url, data=data, headers=forwarded) as answer:
            sent = [
                (name, answer.headers[name])
                for name in ("ETag", "Content-Type", "Last-Modified", "Accept-Ranges", "x-amz-request-id")
                if name in answer.headers
            ]
            length = answer.headers.get("Content-Length")
            if length is None:
                body = await answer.read()
                length = str(len(body))
                chunks: AsyncIterator[bytes] = _one(body)
            else:
                chunks = answer.content.iter_chunked(256 * 1024)
            self._record(replace(record, status=answer.status))
            writer.write(_head(answer.status, [*sent, ("Content-Length", length)]))
            if record.method == "HEAD":
                await writer.drain()
                return True
            cut = record.fault.after if isinstance(record.fault, CutBody) else None
            written = 0
            async for chunk in chunks:
                if cut is not None and written + len(chunk) >= cut:
                    writer.write(chunk[: cut - written])
                    await writer.drain()
                    _reset(writer)
                    return False
                writer.write(chunk)
                written += len(chunk)
                await writer.drain()
            await writer.drain()
            return True


@dataclass(frozen=True)
class _S3Error:
    """An S3 error answer: status, code, message, and the elements some errors add
    (BadDigest's ExpectedDigest and CalculatedDigest)."""

    status: int
    code: str
    message: str
    details: tuple[tuple[str, str], ...] = ()


_EXPIRED = _S3Error(403, "AccessDenied", "Request has expired")


async def _read_body(
    reader: asyncio.StreamReader, length: int, spool: IO[bytes], fault: Fault | None
) -> tuple[int, str]:
    """Reads ``length`` bytes into ``spool``; (bytes read, their MD5) as S3 received
    them (a :class:`Corrupt` fault flips its byte first)."""
    digest = hashlib.md5()
    offset = fault.offset if isinstance(fault, Corrupt) else -1
    read = 0
    while read < length:
        chunk = await reader.read(min(length - read, 256 * 1024))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", length - read)
        if read <= offset < read + len(chunk):
            flipped = bytearray(chunk)
            flipped[offset - read] ^= 0xFF
            chunk = bytes(flipped)
        spool.write(chunk)
        digest.update(chunk)
        read += len(chunk)
    return read, digest.hexdigest()


async def _chunks_of(spool: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := spool.read(MiB):
        yield chunk


async def _one(body: bytes) -> AsyncIterator[bytes]:
    yield body


def _head(status: int, fields: list[tuple[str, str]]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{name}: {value}" for name, value in fields)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _s3_error(writer: asyncio.StreamWriter, error: _S3Error, *, close: bool = False) -> None:
    """S3's XML error document."""
    request_id = uuid.uuid4().hex[:16].upper()
    details = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in error.details)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{error.code}</Code><Message>{escape(error.message)}</Message>{details}"
        f"<RequestId>{request_id}</RequestId><HostId>awsmith-fake</HostId></Error>"
    ).encode()
    fields = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    if close:
        fields.append(("Connection", "close"))
    writer.write(_head(error.status, [*fields, ("Content-Length", str(len(body)))]) + body)
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Closes the connection with a TCP RST (SO_LINGER 0), not a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


