"""OpenTelemetry tracing of awsmith calls (the ``awsmith[otel]`` extra).

:class:`OpenTelemetryInterceptor` makes one CLIENT span per call, named and attributed
as the OpenTelemetry botocore instrumentation names its spans, so dashboards and
queries written for boto3/aiobotocore keep working::

    from awsmith.otel import OpenTelemetryInterceptor

    client = SupportClient(interceptors=[OpenTelemetryInterceptor()])

* name ``"{service_id}.{operation}"``: ``Support.DescribeCases``;
* ``rpc.system="aws-api"``, ``rpc.service`` (the service id), ``rpc.method``;
* once the call ends: ``aws.request_id``, ``http.response.status_code`` (and
  ``http.status_code``, the name of the older conventions botocore's instrumentation
  still writes), ``retry_attempts`` (attempts after the first) and, for a failed call,
  ``error.type``, an ERROR status and the exception recorded as a span event.

The span is the current span while the call runs, so spans made during it (by an
instrumented transport, or by interceptors listed after this one) are its children. A
cancelled call's span ends with an ERROR status and ``error.type`` naming the
cancellation (``CancelledError``).
"""

from __future__ import annotations

from typing import Any

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
except ImportError as _missing:  # private: a module-level name is public API otherwise
    raise ImportError(
        "awsmith.otel needs OpenTelemetry's API: install the extra, "
        "pip install 'awsmith[otel]'"
    ) from _missing

from awsmith._core.errors import AwsmithError
from awsmith._core.interceptors import Interceptor, InterceptorContext
from awsmith._core.metadata import ResponseMetadata
from awsmith._version import __version__

__all__ = ["OpenTelemetryInterceptor"]


class OpenTelemetryInterceptor(Interceptor):
    """One span per call, as the OpenTelemetry botocore instrumentation makes them.

    Args:
        tracer_provider: Where the spans go; ``None``: the global tracer provider
            (``opentelemetry.trace.set_tracer_provider``).
    """

    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer(
            "awsmith", __version__, tracer_provider=tracer_provider
        )

    def read_before_execution(self, context: InterceptorContext) -> None:
        """Starts the call's span and makes it the current span while the call runs."""
        span = self._tracer.start_span(
            f"{context.service_id}.{context.operation_name}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "rpc.system": "aws-api",
                "rpc.service": context.service_id,
                "rpc.method": context.operation_name,
            },
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        # a stack: the same interceptor may be listed twice
        context.properties.setdefault(self, []).append((span, token))

    def read_after_execution(self, context: InterceptorContext) -> None:
        """Ends the call's span with the outcome's attributes and status, and restores
        the span that was current before the call."""
        started = context.properties.get(self)
        if not started:  # read_before_execution did not run to the end
            return
        span: trace.Span
        span, token = started.pop()
        try:
            if span.is_recording():
                self._finish(span, context.response)
        finally:
            span.end()
            otel_context.detach(token)

    @staticmethod
    def _finish(span: trace.Span, outcome: Any) -> None:
        if isinstance(outcome, BaseException):
            # ServiceError, ResponseParseError, ResponseTooLargeError know these
            _set_response(
                span, getattr(outcome, "request_id", None), getattr(outcome, "status_code", None)
            )
            if isinstance(outcome, AwsmithError) and outcome.attempts:
                span.set_attribute("retry_attempts", outcome.attempts - 1)
            span.set_attribute("error.type", type(outcome).__qualname__)
            span.record_exception(outcome)
            span.set_status(
                trace.Status(trace.StatusCode.ERROR, f"{type(outcome).__name__}: {outcome}")
            )
            return
        metadata = getattr(outcome, "response_metadata", None)
        if isinstance(metadata, ResponseMetadata):
            _set_response(span, metadata.request_id, metadata.status_code)
            span.set_attribute("retry_attempts", max(metadata.attempts - 1, 0))


def _set_response(span: trace.Span, request_id: object, status_code: object) -> None:
    if isinstance(request_id, str) and request_id:
        span.set_attribute("aws.request_id", request_id)
    if isinstance(status_code, int) and status_code:
        span.set_attribute("http.response.status_code", status_code)
        span.set_attribute("http.status_code", status_code)
