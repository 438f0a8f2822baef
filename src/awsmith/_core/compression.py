"""Request compression (the ``requestcompression`` trait), as botocore applies it."""

from __future__ import annotations

from awsmith._core.operation import SerializedRequest


def gzip_request(serialized: SerializedRequest, min_size: int) -> SerializedRequest:
    """The request with its body gzipped, if the body has at least ``min_size`` bytes
    (smaller ones are not worth it); ``gzip`` is appended to any ``Content-Encoding``
    the request already has. Compressed before signing: the signature covers what is
    sent. ``mtime=0`` keeps the bytes the same for the same body."""
    if len(serialized.body) < min_size:
        return serialized
    headers = dict(serialized.headers)
    name = next((k for k in headers if k.lower() == "content-encoding"), "Content-Encoding")
    current = headers.get(name)
    headers[name] = f"{current}, gzip" if current else "gzip"
    import gzip  # only operations with request compression, and large enough bodies

    return SerializedRequest(
        serialized.method,
        serialized.path,
        serialized.query,
        headers,
        gzip.compress(serialized.body, mtime=0),
        serialized.host_prefix,
    )
