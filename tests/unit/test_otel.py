"""awsmith.otel.OpenTelemetryInterceptor with the real opentelemetry-sdk and its
in-memory exporter: one CLIENT span per call, named and attributed as the OpenTelemetry
botocore instrumentation does, current while the call runs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import anyio
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import awsmith
from awsmith.otel import OpenTelemetryInterceptor
from tests.unit.mockaws import (
    REQUEST_ID,
    Hang,
    Script,
    error_reply,
    intercepted_support,
    json_reply,
)

pytestmark = pytest.mark.anyio

CASES = {"cases": [{"caseId": "case-1"}]}


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = exporter.get_finished_spans()
    assert len(spans) == 1, spans
    return spans[0]


async def test_a_call_makes_one_client_span_named_and_attributed_as_botocores(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    script = Script(error_reply("ServiceUnavailable", status=503), json_reply(CASES))
    async with intercepted_support(script, OpenTelemetryInterceptor(tracer_provider=provider)) as support:
        await support.describe_cases()
    span = only_span(exporter)
    assert span.name == "Support.DescribeCases"
    assert span.kind is SpanKind.CLIENT
    assert dict(span.attributes or {}) == {
        "rpc.system": "aws-api",
        "rpc.service": "Support",
        "rpc.method": "DescribeCases",
        "aws.request_id": REQUEST_ID,
        "http.response.status_code": 200,
        "http.status_code": 200,
        "retry_attempts": 1,
    }
    assert span.status.status_code is StatusCode.UNSET
    assert span.events == ()
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "awsmith"
    assert span.instrumentation_scope.version == awsmith.__version__


async def test_a_failed_call_records_the_error(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    script = Script(error_reply("CaseIdNotFound", "no case case-9", status=400))
    async with intercepted_support(script, OpenTelemetryInterceptor(tracer_provider=provider)) as support:
        with pytest.raises(awsmith.ServiceError) as info:
            await support.describe_cases(case_id_list=["case-9"])
    span = only_span(exporter)
    assert dict(span.attributes or {}) == {
        "rpc.system": "aws-api",
        "rpc.service": "Support",
        "rpc.method": "DescribeCases",
        "aws.request_id": REQUEST_ID,
        "http.response.status_code": 400,
        "http.status_code": 400,
        "retry_attempts": 0,
        "error.type": "CaseIdNotFound",
    }
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == f"CaseIdNotFound: {info.value}"
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes is not None
    assert event.attributes["exception.type"] == "awsmith.support.errors.CaseIdNotFound"
    assert event.attributes["exception.message"] == str(info.value)


async def test_a_transport_failure_after_retries_records_the_attempts(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    script = Script(httpx.ConnectError("refused"))
    async with intercepted_support(script, OpenTelemetryInterceptor(tracer_provider=provider)) as support:
        with pytest.raises(awsmith.ConnectionFailedError):
            await support.describe_cases()
    span = only_span(exporter)
    attributes = dict(span.attributes or {})
    assert attributes["retry_attempts"] == 2
    assert attributes["error.type"] == "ConnectionFailedError"
    assert "aws.request_id" not in attributes
    assert "http.response.status_code" not in attributes
    assert span.status.status_code is StatusCode.ERROR


async def test_the_span_is_current_during_the_call_and_a_child_of_the_callers(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    during: list[trace.Span] = []

    class SeeCurrent(awsmith.Interceptor):
        def read_before_transmit(self, context: awsmith.InterceptorContext) -> None:
            during.append(trace.get_current_span())

    tracer = provider.get_tracer("app")
    async with intercepted_support(
        Script(json_reply(CASES)), OpenTelemetryInterceptor(tracer_provider=provider), SeeCurrent()
    ) as support:
        with tracer.start_as_current_span("export") as parent:
            await support.describe_cases()
            assert trace.get_current_span() is parent  # restored after the call
    call, outer = exporter.get_finished_spans()
    assert (call.name, outer.name) == ("Support.DescribeCases", "export")
    assert call.parent is not None
    assert call.parent.span_id == outer.context.span_id
    assert call.context.trace_id == outer.context.trace_id
    assert during[0].get_span_context().span_id == call.context.span_id


async def test_validation_errors_are_spans_too(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    script = Script(json_reply(CASES))
    async with intercepted_support(script, OpenTelemetryInterceptor(tracer_provider=provider)) as support:
        with pytest.raises(awsmith.ParamValidationError):
            await support.describe_cases(max_results=1)
    span = only_span(exporter)
    assert dict(span.attributes or {})["error.type"] == "ParamValidationError"
    assert script.requests == []


async def test_the_global_tracer_provider_is_used_by_default() -> None:
    # The global provider can be set once per process: check in a fresh interpreter.
    code = """
import asyncio, httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
import awsmith
from awsmith.otel import OpenTelemetryInterceptor
from awsmith.support import SupportClient

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)

def reply(request):
    return httpx.Response(200, json={}, headers={"x-amzn-RequestId": "rid-1"})

async def main():
    async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as http:
        async with SupportClient(
            region="us-east-1", http_client=http,
            credentials=awsmith.Credentials(access_key_id="AKID", secret_access_key="s"),
            interceptors=[OpenTelemetryInterceptor()],
        ) as support:
            await support.describe_services()

asyncio.run(main())
(span,) = exporter.get_finished_spans()
print(span.name, span.attributes["aws.request_id"])
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Support.DescribeServices rid-1\n"


def test_without_opentelemetry_the_import_error_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "try:\n    import awsmith.otel\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout == (
        "awsmith.otel needs OpenTelemetry's API: install the extra, pip install 'awsmith[otel]'\n"
    )


async def test_two_tracing_interceptors_nest_and_restore_the_callers_context(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    other_exporter = InMemorySpanExporter()
    other = TracerProvider()
    other.add_span_processor(SimpleSpanProcessor(other_exporter))
    shared = OpenTelemetryInterceptor(tracer_provider=provider)
    tracer = provider.get_tracer("app")
    async with intercepted_support(
        Script(json_reply(CASES)),
        shared,
        OpenTelemetryInterceptor(tracer_provider=other),
        shared,  # the same one twice: two spans, both ended
    ) as support:
        with tracer.start_as_current_span("caller") as caller:
            await support.describe_cases()
            assert trace.get_current_span() is caller
        assert trace.get_current_span() is trace.INVALID_SPAN
    inner, outer, root = exporter.get_finished_spans()  # in the order they ended
    (middle,) = other_exporter.get_finished_spans()
    # given order = nesting: shared (outermost), other, shared again (innermost)
    assert root.name == "caller"
    assert outer.parent is not None and outer.parent.span_id == root.context.span_id
    assert middle.parent is not None and middle.parent.span_id == outer.context.span_id
    assert inner.parent is not None and inner.parent.span_id == middle.context.span_id
    assert {outer.name, middle.name, inner.name} == {"Support.DescribeCases"}
    other_exporter.shutdown()


async def test_a_cancelled_call_ends_its_span_as_an_error(
    exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    tracing = OpenTelemetryInterceptor(tracer_provider=provider)
    hang = Hang()

    async def cancel_once_sent(scope: anyio.CancelScope) -> None:
        await hang.arrived.wait()  # the span is open: the call is in the transport
        scope.cancel()

    async with intercepted_support(hang, tracing) as support, anyio.create_task_group() as group:
        group.start_soon(cancel_once_sent, group.cancel_scope)
        await support.describe_cases()
    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == anyio.get_cancelled_exc_class().__qualname__
    assert trace.get_current_span() is trace.INVALID_SPAN
