"""What generated code hands the runtime: per-service and per-operation data."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from awsmith._core.errors import ServiceError
from awsmith._core.errors_wire import ErrorTable, build_error
from awsmith._core.signing import QueryItem
from awsmith._core.transport.http import HttpResponse

In = TypeVar("In")
Out = TypeVar("Out")


@attrs.define(slots=True)
class SerializedRequest:
    """A request before endpoint and signature: path and query already encoded."""

    method: str
    path: str
    #: (key, value) items; a value of ``None`` is a key sent bare (``?flag``).
    query: Sequence[QueryItem]
    headers: dict[str, str]
    body: bytes
    host_prefix: str = ""


@attrs.frozen(slots=True)
class Operation(Generic[In, Out]):
    """One operation: its validator, serializer and response parser."""

    name: str
    validate: Callable[[In], None]
    serialize: Callable[[In], SerializedRequest]
    parse: Callable[[HttpResponse], Out]
    #: Endpoint rule-set parameters the operation fixes (``staticContextParams``).
    endpoint_params: tuple[tuple[str, object], ...] = ()
    #: Safe to send again after a kept-alive connection was found closed: a safe
    #: method (GET, HEAD), or an idempotency token in every request (filled in once per
    #: call). No other operation is ever sent twice by the transport on its own.
    resend_safe: bool = False
    #: The body is gzipped when large enough (the ``requestcompression`` trait).
    compress_request: bool = False
    #: The response carries secrets (credentials): an error never quotes its body.
    sensitive_response: bool = False


#: The signature of ``ServiceInfo.build_error``.
ErrorBuilder = Callable[[HttpResponse, ErrorTable, type[ServiceError]], ServiceError]


@attrs.frozen
class ServiceInfo:
    """Facts about a service the runtime needs, from the model's metadata."""

    service_id: str
    data_name: str
    endpoint_prefix: str
    signing_name: str
    api_version: str
    errors: ErrorTable
    base_error: type[ServiceError]
    #: Whether some operations add endpoint rule-set parameters of their own.
    operation_endpoint_params: bool = False
    #: Turns an error response into its exception (``errors`` and ``base_error`` are
    #: passed in): the json/rest-json builder unless the protocol's errors are another
    #: format (STS's awsQuery XML, in ``awsmith._core.sts``).
    build_error: ErrorBuilder = build_error
    #: The service's compiled endpoint rules (``_endpoints.resolve`` of its package):
    #: rule-set parameters -> (URL, properties). None: botocore's rule set is used.
    endpoint_rules: Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]]] | None = None


def new_idempotency_token() -> str:
    """A fresh idempotency token (UUID4), filled in once per call, not per attempt."""
    return str(uuid.uuid4())
