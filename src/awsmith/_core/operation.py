"""What generated code hands the runtime: per-service and per-operation data."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from awsmith._core import errors_wire
from awsmith._core.errors import ServiceError
from awsmith._core.errors_wire import ErrorTable
from awsmith._core.signing import QueryItem
from awsmith._core.transport.http import TransportResponse

if TYPE_CHECKING:
    from attrs import define
else:
    from awsmith._core.lazyclass import define

In = TypeVar("In")
Out = TypeVar("Out")


@define
class SerializedRequest:
    """A request before endpoint and signature: path and query already encoded."""

    method: str
    path: str
    #: (key, value) items; a value of ``None`` is a key sent bare (``?flag``).
    query: Sequence[QueryItem]
    headers: dict[str, str]
    body: bytes
    host_prefix: str = ""


# Operation and ServiceInfo are plain classes, not attrs ones: every service module
# makes its instances at import (awsmith._core.lazyclass would finish them there).
# Each instance is its operation's or service's one; they compare by identity.


class Operation(Generic[In, Out]):
    """One operation: its validator, serializer and response parser.

    Attributes:
        endpoint_params: Endpoint rule-set parameters the operation fixes
            (``staticContextParams``).
        resend_safe: Safe to send again after a kept-alive connection was found closed:
            a safe method (GET, HEAD), or an idempotency token in every request (filled
            in once per call). No other operation is ever sent twice by the transport on
            its own.
        compress_request: The body is gzipped when large enough (the
            ``requestcompression`` trait).
        sensitive_response: The response carries secrets (credentials): an error never
            quotes its body.
    """

    __slots__ = (
        "compress_request",
        "endpoint_params",
        "name",
        "parse",
        "resend_safe",
        "sensitive_response",
        "serialize",
        "validate",
    )

    def __init__(
        self,
        name: str,
        validate: Callable[[In], None],
        serialize: Callable[[In], SerializedRequest],
        parse: Callable[[TransportResponse], Out],
        endpoint_params: tuple[tuple[str, object], ...] = (),
        resend_safe: bool = False,
        compress_request: bool = False,
        sensitive_response: bool = False,
    ) -> None:
        self.name = name
        self.validate = validate
        self.serialize = serialize
        self.parse = parse
        self.endpoint_params = endpoint_params
        self.resend_safe = resend_safe
        self.compress_request = compress_request
        self.sensitive_response = sensitive_response

    def __repr__(self) -> str:
        return f"<Operation {self.name}>"


#: The signature of ``ServiceInfo.build_error``.
ErrorBuilder = Callable[[TransportResponse, ErrorTable, type[ServiceError]], ServiceError]

#: The signature of ``ServiceInfo.endpoint_rules``.
EndpointRules = Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]]]


class ServiceInfo:
    """Facts about a service the runtime needs, from the model's metadata.

    Attributes:
        operation_endpoint_params: Whether some operations add endpoint rule-set
            parameters of their own.
        build_error: Turns an error response into its exception (``errors`` and
            ``base_error`` are passed in): the json/rest-json builder unless the
            protocol's errors are another format (STS's awsQuery XML, in
            ``awsmith._core.sts``).
        endpoint_rules: The service's compiled endpoint rules (``_endpoints.resolve``
            of its package): rule-set parameters -> (URL, properties). None:
            botocore's rule set is used.
    """

    __slots__ = (
        "api_version",
        "base_error",
        "build_error",
        "data_name",
        "endpoint_prefix",
        "endpoint_rules",
        "errors",
        "operation_endpoint_params",
        "service_id",
        "signing_name",
    )

    def __init__(
        self,
        service_id: str,
        data_name: str,
        endpoint_prefix: str,
        signing_name: str,
        api_version: str,
        errors: ErrorTable,
        base_error: type[ServiceError],
        operation_endpoint_params: bool = False,
        build_error: ErrorBuilder = errors_wire.build_error,
        endpoint_rules: EndpointRules | None = None,
    ) -> None:
        self.service_id = service_id
        self.data_name = data_name
        self.endpoint_prefix = endpoint_prefix
        self.signing_name = signing_name
        self.api_version = api_version
        self.errors = errors
        self.base_error = base_error
        self.operation_endpoint_params = operation_endpoint_params
        self.build_error = build_error
        self.endpoint_rules = endpoint_rules

    def __repr__(self) -> str:
        return f"<ServiceInfo {self.service_id}>"


_VERSION_MASK = ~((0xF << 76) | (0xC << 60))
_VERSION_4 = (4 << 76) | (0x8 << 60)


def uuid4_text(bits: int) -> str:
    """128 random bits as a version 4 UUID's text (``str(uuid.UUID(int=..., version=4))``,
    without importing uuid, which is a sixth of a millisecond per process)."""
    # bytes.hex: half a microsecond less than formatting the int with :032x
    text = ((bits & _VERSION_MASK) | _VERSION_4).to_bytes(16).hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_idempotency_token() -> str:
    """A fresh idempotency token (UUID4 from ``os.urandom``, as ``uuid.uuid4()``), filled
    in once per call, not per attempt."""
    return uuid4_text(int.from_bytes(os.urandom(16)))
