"""AWS Signature Version 4, checked on the server side by the local servers.

Written from the AWS Signature Version 4 specification, independently of the clients'
signers (awsmith's, botocore's): the servers built on it check what a client sent, and
a bug shared by the signer and the check would hide itself.

* :func:`sigv4_problem`: a request signed in its ``Authorization`` header (every AWS
  API call): CodeGuru Profiler's stub, the Support attachment fake.
* :func:`presigned_problem`: a presigned S3 URL (the signature in the query, the
  payload unsigned), as S3 checks one: the Support attachment fake's S3 gate.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Headers(Protocol):
    """Header fields looked up case-insensitively (a multidict's)."""

    def get(self, key: str, /) -> str | None: ...
    def getall(self, key: str, default: list[str], /) -> list[str]: ...
    def __iter__(self) -> Iterator[str]: ...


class SignedRequest(Protocol):
    """What a check reads of a request, exactly as received."""

    @property
    def method(self) -> str: ...
    @property
    def raw_path(self) -> str: ...
    @property
    def raw_query(self) -> str: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def body(self) -> bytes: ...


def sigv4_problem(
    record: SignedRequest, keys: Mapping[str, str], *, service: str, region: str
) -> tuple[str, str] | None:
    """Checks a request's SigV4 signature: ``None`` if valid, else (error code, message).

    The credential scope must name ``service`` and ``region`` (the server's own: a
    signature for another region is refused, as AWS refuses it). The canonical URI is
    the raw path URI-encoded once more (services other than S3 double-encode), the query
    is decoded and re-encoded with RFC 3986 unreserved characters and sorted, only the
    headers listed in SignedHeaders count, and the payload hash is always the SHA-256 of
    the body as received: services other than S3 do not take ``UNSIGNED-PAYLOAD`` (nor
    any hash the client claims in ``X-Amz-Content-SHA256``), so a body changed after
    signing fails the check.
    """
    authorization = record.headers.get("Authorization")
    amz_date = record.headers.get("X-Amz-Date")
    if not authorization or not amz_date:
        return "MissingAuthenticationTokenException", "Missing Authentication Token"
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
        r"\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})",
        authorization,
    )
    if match is None:
        return "IncompleteSignatureException", f"Malformed Authorization header: {authorization!r}"
    access_key, day, signed_region, signed_service, signed, signature = match.groups()
    if signed_service != service:
        return "InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'."
    if region != signed_region:
        return (
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region, not '{signed_region}'.",
        )
    if not amz_date.startswith(day):
        return "InvalidSignatureException", "Date in Credential scope does not match X-Amz-Date."
    secret = keys.get(access_key)
    if secret is None:
        return (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    names = signed.split(";")
    if "host" not in names:
        return "InvalidSignatureException", "The host header must be signed."
    payload_hash = hashlib.sha256(record.body).hexdigest()
    claimed = record.headers.get("X-Amz-Content-SHA256")
    if claimed is not None and claimed != payload_hash:
        return "InvalidSignatureException", (
            "The X-Amz-Content-SHA256 header must be the SHA-256 of the request body "
            f"(this service does not take {claimed!r}; only S3 takes UNSIGNED-PAYLOAD)."
            if claimed == "UNSIGNED-PAYLOAD"
            else "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    canonical_request = "\n".join(
        [
            record.method,
            urllib.parse.quote(record.raw_path or "/", safe="/~"),
            canonical_query(record.raw_query),
            canonical_headers(record.headers, names),
            signed,
            payload_hash,
        ]
    )
    expected = signature_of(secret, day, region, service, amz_date, canonical_request)
    if not hmac.compare_digest(expected, signature):
        return (
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided."
            f" The Canonical String for this request should have been\n{canonical_request}",
        )
    return None


#: The query parameters of a presigned URL's signature.
PRESIGN_PARAMETERS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    }
)


def presigned_problem(
    record: SignedRequest, keys: Mapping[str, str], *, now: datetime
) -> tuple[int, str, str] | None:
    """Checks a request to a presigned S3 URL as S3 does: ``None`` if it may proceed,
    else (HTTP status, S3 error code, message).

    In S3's order: one authentication only (no ``Authorization`` header besides the
    query's signature), the signature (canonical URI: the raw path as sent, which S3
    does not encode again; the query decoded and re-encoded, sorted, without
    ``X-Amz-Signature``; the headers SignedHeaders names; ``UNSIGNED-PAYLOAD``), the
    expiry (``X-Amz-Date`` + ``X-Amz-Expires`` past ``now``), and no ``x-amz-*``
    header that the signature does not cover.
    """
    query = dict(urllib.parse.parse_qsl(record.raw_query, keep_blank_values=True))
    if record.headers.get("Authorization") is not None:
        return (
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
        )
    missing = [name for name in sorted(PRESIGN_PARAMETERS - {"X-Amz-Security-Token"}) if name not in query]
    if missing:
        return 403, "AccessDenied", f"Query-string authentication requires the {missing[0]} parameter"
    credential = query["X-Amz-Credential"].split("/")
    amz_date = query["X-Amz-Date"]
    if len(credential) != 5 or credential[4] != "aws4_request" or credential[3] != "s3":
        return 400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter"
    access_key, day, region, service, _ = credential
    secret = keys.get(access_key)
    if secret is None:
        return (
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    names = query["X-Amz-SignedHeaders"].split(";")
    canonical_request = "\n".join(
        [
            record.method,
            record.raw_path or "/",
            canonical_query(record.raw_query, without=frozenset({"X-Amz-Signature"})),
            canonical_headers(record.headers, names),
            query["X-Amz-SignedHeaders"],
            "UNSIGNED-PAYLOAD",
        ]
    )
    expected = signature_of(secret, day, region, service, amz_date, canonical_request)
    if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
        return (
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    if now > signed_at + timedelta(seconds=int(query["X-Amz-Expires"])):
        return 403, "AccessDenied", "Request has expired"
    unsigned = sorted(
        name.lower()
        for name in record.headers
        if name.lower().startswith("x-amz-") and name.lower() not in names
    )
    if unsigned:
        return (
            403,
            "AccessDenied",
            "There were headers present in the request which were not signed: "
            + ", ".join(unsigned),
        )
    return None


def expiry_of(raw_query: str) -> datetime:
    """When a presigned URL (its query) expires."""
    query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return signed_at + timedelta(seconds=int(query["X-Amz-Expires"]))


def canonical_query(raw_query: str, *, without: frozenset[str] = frozenset()) -> str:
    """The canonical query string: each name and value decoded and encoded again with
    RFC 3986's unreserved characters left as they are, sorted; ``without`` left out."""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&") if raw_query else []:
        key, _, value = part.partition("=")
        if urllib.parse.unquote(key) in without:
            continue
        pairs.append(
            (
                urllib.parse.quote(urllib.parse.unquote(key), safe="-_.~"),
                urllib.parse.quote(urllib.parse.unquote(value), safe="-_.~"),
            )
        )
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_headers(headers: Headers, names: list[str]) -> str:
    """``name:value`` lines of the signed headers: repeated ones joined by commas, runs
    of spaces folded."""
    lines = ""
    for name in names:
        values = headers.getall(name, [])
        joined = ",".join(" ".join(v.split()) for v in values)
        lines += f"{name}:{joined}\n"
    return lines


def signature_of(
    secret: str, day: str, region: str, service: str, amz_date: str, canonical_request: str
) -> str:
    """The hex signature of ``canonical_request`` (the string to sign, then the key
    derived from the secret for the day, region and service)."""
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    signing_key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    return hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
