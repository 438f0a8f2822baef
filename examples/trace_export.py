"""Trace a paginated export of AWS Support cases with OpenTelemetry and print the
request id of every call (what AWS Support asks for in an escalation).

    pip install 'awsmith[otel]' opentelemetry-sdk
    python examples/trace_export.py --region us-east-1 --output cases.jsonl

awsmith's ``OpenTelemetryInterceptor`` makes one span per call, named and attributed
as the OpenTelemetry botocore instrumentation does (``Support.DescribeCases``,
``aws.request_id``, ``http.response.status_code``, ``retry_attempts``), as children
of this script's ``export-cases`` span. The spans go to an in-memory exporter and are
printed as a summary at the end; an application would send them to its collector
with the OTLP exporter instead (``opentelemetry-exporter-otlp``). On stderr, each page
prints its request id from ``response_metadata``, which needs no tracing at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import awsmith
from awsmith.otel import OpenTelemetryInterceptor
from awsmith.support import SupportClient


async def export(
    support: SupportClient, out: TextIO, tracer: trace.Tracer, *, page_size: int | None = None
) -> int:
    """Writes every case as a JSON line under one ``export-cases`` span; returns the
    number of cases. Each page's request id goes to stderr as it arrives."""
    count = 0
    with tracer.start_as_current_span("export-cases") as span:
        pages = support.paginate_describe_cases(include_resolved_cases=True, page_size=page_size)
        number = 0
        async for page in pages:
            number += 1
            cases = page.cases or []
            for case in cases:
                out.write(json.dumps({"case_id": case.case_id, "subject": case.subject}) + "\n")
            count += len(cases)
            meta = page.response_metadata
            print(
                f"page {number}: {len(cases)} cases, request id {meta.request_id}, "
                f"{meta.attempts} attempt(s)",
                file=sys.stderr,
            )
        span.set_attribute("cases", count)
    return count


def summary(spans: Sequence[ReadableSpan]) -> list[str]:
    """One line per call span, under a line for the export span that holds them."""
    lines: list[str] = []
    for root in (s for s in spans if s.parent is None):
        calls = [s for s in spans if s.parent is not None and s.parent.span_id == root.context.span_id]
        attributes = root.attributes or {}
        lines.append(
            f"trace {root.context.trace_id:032x}: {root.name}, {attributes.get('cases')} cases, "
            f"{len(calls)} calls"
        )
        for call in calls:
            attributes = call.attributes or {}
            status = attributes.get("http.response.status_code", "-")
            lines.append(
                f"  {call.name} request id {attributes.get('aws.request_id', '-')} "
                f"HTTP {status}, {attributes.get('retry_attempts', 0)} retries, "
                f"{call.status.status_code.name}"
            )
    return lines


def tracer_provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "case-export"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def run(args: argparse.Namespace, out: TextIO, provider: TracerProvider) -> int:
    async with SupportClient(
        region=args.region,
        endpoint_url=args.endpoint_url,
        interceptors=[OpenTelemetryInterceptor(tracer_provider=provider)],
    ) as support:
        return await export(support, out, provider.get_tracer("case-export"), page_size=args.page_size)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--output", "-o", default="cases.jsonl", help="JSON Lines file")
    parser.add_argument("--region", help="AWS region (default: from the environment/profile)")
    parser.add_argument("--endpoint-url", help="custom endpoint, e.g. a local moto server")
    parser.add_argument("--page-size", type=int, help="cases per page (10-100)")
    args = parser.parse_args(argv)
    provider, exporter = tracer_provider()
    status = 0
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            asyncio.run(run(args, out, provider))
    except awsmith.AwsmithError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        status = 1
    provider.shutdown()
    print("\n".join(summary(exporter.get_finished_spans())))
    return status


if __name__ == "__main__":
    sys.exit(main())
