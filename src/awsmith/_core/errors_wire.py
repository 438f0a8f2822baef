"""Turning an error response into the right typed exception (json and rest-json)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from awsmith._core.errors import ResponseParseError, ServiceError
from awsmith._core.serde import loads
from awsmith._core.transport.http import TransportResponse, request_id_of

#: error code -> (exception class, parser of its modeled fields from the JSON body and
#: the response's headers)
ErrorTable = Mapping[
    str, tuple[type[ServiceError], Callable[[dict[str, Any], TransportResponse], dict[str, Any]]]
]


def sanitize_code(raw: str) -> str:
    """``aws.protocoltests#FooError:http://...`` -> ``FooError`` (all three wire forms)."""
    code = raw.split(":", 1)[0]
    return code.rsplit("#", 1)[-1].strip()


def _body_of(body: bytes) -> dict[str, Any] | None:
    if not body:
        return {}
    try:
        value = loads(body)
    except ResponseParseError:
        return None
    return value if isinstance(value, dict) else None  # pyright: ignore[reportUnknownVariableType]  # JSON: str keys, Any values


def build_error(response: TransportResponse, table: ErrorTable, base: type[ServiceError]) -> ServiceError:
    """The exception for an error response; never raises while building it."""
    headers = response.headers
    request_id = request_id_of(headers)
    body = _body_of(response.body)
    raw_code = headers.get("x-amzn-ErrorType")
    if not raw_code and body:
        for key in ("__type", "code", "Code"):
            value = body.get(key)
            if isinstance(value, str) and value:
                raw_code = value
                break
    message: str | None = None
    if body:
        for key in ("message", "Message", "errorMessage"):
            value = body.get(key)
            if isinstance(value, str):
                message = value
                break
    if body is None:
        excerpt = response.body[:200].decode("utf-8", "replace")
        message = f"non-JSON error body: {excerpt!r}"
        body = {}
    if not raw_code:
        return base(
            message, code=str(response.status), status_code=response.status,
            request_id=request_id, raw=body,
        )
    code = sanitize_code(raw_code)
    entry = table.get(code)
    if entry is None:
        return base(
            message, code=code, status_code=response.status, request_id=request_id, raw=body
        )
    cls, parse_fields = entry
    try:
        fields = parse_fields(body, response)
    except Exception:  # a malformed modeled field must not hide the service's error
        fields = {}
    return cls(
        message, code=code, status_code=response.status, request_id=request_id, raw=body,
        **fields,
    )
