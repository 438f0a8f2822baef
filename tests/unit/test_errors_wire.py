"""``build_error`` and ``sanitize_code`` on error responses given directly: which
class, code, status, message, raw body and modeled fields each wire form gives."""

from __future__ import annotations

import inspect
from typing import Any

import botocore.parsers
import httpx
import pytest

import awsmith
from awsmith._core.errors_wire import ErrorTable, build_error, sanitize_code
from awsmith._core.transport.http import TransportResponse

REQUEST_ID = "req-1"


class Modeled(awsmith.ServiceError):
    """A modeled error with one member bound to a header and one to the body."""

    error_code = "Modeled"
    default_status = 400

    def __init__(
        self, message: str | None = None, *, retry_after: str | None = None,
        detail: str | None = None, **kwargs: Any,
    ) -> None:
        self.retry_after = retry_after
        self.detail = detail
        super().__init__(message, **kwargs)


def _modeled_fields(body: dict[str, Any], response: TransportResponse) -> dict[str, Any]:
    return {"retry_after": response.headers.get("Retry-After"), "detail": body.get("detail")}


TABLE: ErrorTable = {"Modeled": (Modeled, _modeled_fields)}


def _error(status: int, body: bytes, headers: dict[str, str] | None = None) -> awsmith.ServiceError:
    response = TransportResponse(
        status, httpx.Headers({"x-amzn-RequestId": REQUEST_ID, **(headers or {})}), body
    )
    return build_error(response, TABLE, awsmith.ServiceError)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Modeled", "Modeled"),
        ("aws.protocoltests.restjson#Modeled", "Modeled"),
        ("Modeled:http://internal.amazon.com/coral/com.amazon.coral.validate/", "Modeled"),
        ("aws.protocoltests.restjson#Modeled:http://internal.amazon.com/", "Modeled"),
        ("a.b#c#Modeled", "Modeled"),  # the namespace is everything up to the last '#'
        (" Modeled ", "Modeled"),
    ],
)
def test_sanitize_code(raw: str, code: str) -> None:
    assert sanitize_code(raw) == code


def test_modeled_error_keeps_the_status_sent_and_its_header_and_body_fields() -> None:
    body = b'{"__type": "ns#Modeled", "message": "slow down", "detail": "d"}'
    err = _error(503, body, {"Retry-After": "7"})
    assert type(err) is Modeled
    assert (err.code, err.status_code, err.message, err.request_id) == (
        "Modeled", 503, "slow down", REQUEST_ID
    )
    assert (err.retry_after, err.detail) == ("7", "d")
    assert err.raw == {"__type": "ns#Modeled", "message": "slow down", "detail": "d"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"Code": "Modeled"}',
        b'{"code": "Modeled"}',
        b'{"__type": "Modeled"}',
        b'{"__type": "", "Code": "Modeled"}',  # an empty code is no code
        b'{"__type": 5, "code": "Modeled"}',  # nor is one that is not a string
        b'{"code": null, "Code": "Modeled"}',
    ],
)
def test_the_first_non_empty_string_code_in_the_body_wins(body: bytes) -> None:
    err = _error(400, body)
    assert type(err) is Modeled
    assert err.code == "Modeled"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"__type": "Modeled", "message": "a", "Message": "b"}', "a"),
        (b'{"__type": "Modeled", "Message": "b", "errorMessage": "c"}', "b"),
        (b'{"__type": "Modeled", "errorMessage": "c"}', "c"),
        (b'{"__type": "Modeled", "message": 5, "errorMessage": "c"}', "c"),
        (b'{"__type": "Modeled"}', None),
    ],
)
def test_message_keys(body: bytes, message: str | None) -> None:
    err = _error(400, body)
    assert type(err) is Modeled
    assert err.message == message


def test_error_without_a_code_keeps_the_body_as_raw() -> None:
    err = _error(403, b'{"message": "no", "extra": [1]}')
    assert type(err) is awsmith.ServiceError
    assert (err.code, err.status_code, err.message) == ("403", 403, "no")
    assert err.raw == {"message": "no", "extra": [1]}


def test_unknown_code_keeps_the_body_as_raw() -> None:
    err = _error(409, b'{"__type": "ns#Other", "message": "hm", "extra": true}')
    assert type(err) is awsmith.ServiceError
    assert (err.code, err.status_code, err.message) == ("Other", 409, "hm")
    assert err.raw == {"__type": "ns#Other", "message": "hm", "extra": True}


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"5", b"[]", b"true"])
def test_json_error_body_that_is_not_an_object(body: bytes) -> None:
    err = _error(500, body)
    assert type(err) is awsmith.ServiceError
    assert (err.code, err.status_code) == ("500", 500)
    assert err.message == f"non-JSON error body: {body.decode()!r}"
    assert err.raw == {}


def test_non_json_error_body_excerpt_is_200_bytes_decoded_leniently() -> None:
    body = b"\xff<html>" + b"x" * 300
    err = _error(502, body)
    assert type(err) is awsmith.ServiceError
    assert err.message == "non-JSON error body: " + repr("\ufffd<html>" + "x" * 193)
    assert err.raw == {}


def test_non_json_body_with_a_code_header_still_gets_its_header_fields() -> None:
    err = _error(503, b"Service Unavailable", {"x-amzn-ErrorType": "Modeled", "Retry-After": "3"})
    assert type(err) is Modeled
    assert (err.code, err.status_code) == ("Modeled", 503)
    assert (err.retry_after, err.detail) == ("3", None)
    assert err.message == "non-JSON error body: 'Service Unavailable'"
    assert err.raw == {}


# ------------------------------------------ where the code is read: botocore and the spec


def _botocore_code(protocol: str, status: int, headers: dict[str, str], body: bytes) -> str:
    import botocore.parsers
    from urllib3._collections import HTTPHeaderDict

    parsed = botocore.parsers.create_parser(protocol).parse(
        {"headers": HTTPHeaderDict(headers), "status_code": status, "body": body}, None
    )
    return str(parsed["Error"]["Code"])


# (header x-amzn-ErrorType or None, body, awsmith's code, botocore's awsJson1.1 code,
# botocore's restJson1 code). Where awsJson1.1 differs, awsmith follows the Smithy spec
# (docs/protocols.md, "Error codes"): its compliance tests AwsJson11FooErrorUsingXAmznErrorType
# and AwsJson11FooErrorUsingCode require the header and "code", which botocore's
# JSONParser never reads (it falls back to the status).
CODE_LOCATIONS = [
    (None, b'{"__type": "ns#A:http://x", "message": "m"}', "A", "A", "A"),
    ("A", b'{"message": "m"}', "A", "400", "A"),
    (None, b'{"code": "A", "message": "m"}', "A", "400", "A"),
    (None, b'{"Code": "A", "message": "m"}', "A", "400", "A"),
    ("A", b'{"__type": "B", "message": "m"}', "A", "B", "A"),
    (None, b'{"__type": "A", "code": "B", "message": "m"}', "A", "A", "B"),
    (None, b'{"message": "m"}', "400", "400", "400"),
    (None, b"", "400", "400", "400"),
]


#: Whether the installed botocore's JSON parsers cut a ``:http://...`` suffix off
#: ``__type`` (the lock's 1.44 does; 1.29.61 does not).
_JSON_PARSER_CUTS_THE_URI = "split(':', 1)" in inspect.getsource(
    botocore.parsers.BaseJSONParser._do_error_parse
)


@pytest.mark.parametrize(("header", "body", "ours", "json11", "rest_json"), CODE_LOCATIONS)
def test_where_the_error_code_is_read_against_botocore(
    header: str | None, body: bytes, ours: str, json11: str, rest_json: str
) -> None:
    """The same reading for both protocols (awsmith's build_error is shared); botocore's
    parsers, run here, give what the table says: the same where a service sends its
    code where both look, different in the documented cases."""
    headers = {} if header is None else {"x-amzn-ErrorType": header}
    assert _error(400, body, headers).code == ours
    if not _JSON_PARSER_CUTS_THE_URI and b'"ns#A:http://x"' in body:
        # botocore before the URI cut (1.29.61) keeps the suffix, in both parsers
        json11 = rest_json = "A:http://x"
    assert _botocore_code("json", 400, headers, body) == json11
    assert _botocore_code("rest-json", 400, headers, body) == rest_json
