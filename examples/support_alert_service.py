"""Open an AWS Support case from a monitoring alert and follow it until it is resolved.

An asyncio service: it reads alerts (one JSON object, or JSON Lines: one alert per line)
from a file or stdin, opens one support case per distinct alert id, and follows every
case concurrently, printing each new communication and status change, until the case
is resolved or a polling bound is reached.

    echo '{"id": "cpu-42", "title": "CPU at 100%", "severity": "critical",
           "description": "web-1 has been at 100% CPU for 15 minutes"}' |
        python examples/support_alert_service.py --region us-east-1

An alert has ``id``, ``title`` and ``description`` (strings, required), an optional
``severity`` (``critical``, ``error``, ``warning`` or ``info``; default ``warning``),
and optional ``service_code`` / ``category_code`` (the codes ``describe_services``
lists). Alert severities map to support severity levels: critical -> urgent,
error -> high, warning -> normal, info -> low.

Following a case polls ``describe_cases(case_id_list=[id], include_communications=True)``.
Its ``recent_communications`` hold the latest communications of the case, which is all a
poller needs to see new ones; this also works against servers that do not implement
``DescribeCommunications`` (moto's, for one). The delay between polls starts at
``--poll-interval`` and doubles after every poll without news, up to
``--max-interval``; a poll that brings news resets it. Transient failures (throttling
and 5xx errors that survive the client's own retries, connection problems) are
reported and polled through; other errors stop the service.

Credentials and region come from the standard AWS sources (environment, profile) unless
given on the command line. Exit status: 0 when every case was resolved, 3 when at least
one was still open after ``--max-polls`` polls, 1 on an error (a bad alert, a rejected
request).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import awsmith
from awsmith.support import SupportClient
from awsmith.support.shapes import CaseStatus, Communication

SEVERITIES = {"critical": "urgent", "error": "high", "warning": "normal", "info": "low"}
DEFAULT_SERVICE_CODE = "amazon-elastic-compute-cloud-linux"
DEFAULT_CATEGORY_CODE = "other"


class AlertError(ValueError):
    """An alert is not valid JSON or lacks a required field."""


@dataclass(frozen=True)
class Alert:
    id: str
    title: str
    description: str
    severity: str = "warning"
    service_code: str = DEFAULT_SERVICE_CODE
    category_code: str = DEFAULT_CATEGORY_CODE

    @classmethod
    def from_dict(cls, data: Any) -> Alert:
        if not isinstance(data, dict):
            raise AlertError(f"an alert must be a JSON object, got {type(data).__name__}")
        values: dict[str, str] = {}
        for name in ("id", "title", "description"):
            value = data.get(name)
            if not isinstance(value, str) or not value.strip():
                raise AlertError(f"alert field {name!r} must be a non-empty string")
            values[name] = value
        severity = data.get("severity", "warning")
        if severity not in SEVERITIES:
            raise AlertError(
                f"alert {values['id']!r}: severity {severity!r} is not one of "
                + ", ".join(SEVERITIES)
            )
        for name in ("service_code", "category_code"):
            if name in data:
                if not isinstance(data[name], str) or not data[name]:
                    raise AlertError(f"alert field {name!r} must be a non-empty string")
                values[name] = data[name]
        return cls(severity=severity, **values)

    @property
    def severity_code(self) -> str:
        return SEVERITIES[self.severity]

    def case_subject(self) -> str:
        return f"[{self.severity.upper()}] {self.title}"[:200]

    def case_body(self) -> str:
        return f"Alert {self.id} ({self.severity}): {self.title}\n\n{self.description}"


def parse_alerts(text: str) -> list[Alert]:
    """One JSON object, a JSON array of objects, or JSON Lines."""
    text = text.strip()
    if not text:
        raise AlertError("no alert given")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            items = [json.loads(line) for line in lines]
        except json.JSONDecodeError as exc:
            raise AlertError(f"alerts are not JSON or JSON Lines: {exc}") from None
    else:
        items = data if isinstance(data, list) else [data]
    return [Alert.from_dict(item) for item in items]


@dataclass
class FollowResult:
    alert: Alert
    case_id: str
    resolved: bool
    polls: int
    communications: list[Communication] = field(default_factory=list)


def _key(communication: Communication) -> tuple[str | None, str | None, str | None]:
    return (communication.time_created, communication.submitted_by, communication.body)


def _transient(error: awsmith.AwsmithError) -> bool:
    if isinstance(error, awsmith.TransportError):
        return error.retryable
    if isinstance(error, awsmith.ServiceError):
        return error.status_code >= 500 or "Throttl" in error.code
    return False


class AlertService:
    """Opens a case per alert id and follows it. One instance per ``SupportClient``."""

    def __init__(
        self,
        support: SupportClient,
        *,
        poll_interval: float = 30.0,
        max_interval: float = 600.0,
        max_polls: int = 100,
        language: str = "en",
        out: Callable[[str], None] = print,
    ) -> None:
        self.support = support
        self.poll_interval = poll_interval
        self.max_interval = max_interval
        self.max_polls = max_polls
        self.language = language
        self.out = out
        #: Alert id -> case id of every case this service opened (the same alert firing
        #: again does not open a second case).
        self.cases: dict[str, str] = {}

    async def open_case(self, alert: Alert) -> str:
        known = self.cases.get(alert.id)
        if known is not None:
            self.out(f"[{alert.id}] already has case {known}; not opening another")
            return known
        created = await self.support.create_case(
            subject=alert.case_subject(),
            communication_body=alert.case_body(),
            service_code=alert.service_code,
            category_code=alert.category_code,
            severity_code=alert.severity_code,
            language=self.language,
        )
        if not created.case_id:
            raise awsmith.ResponseParseError("CreateCase returned no caseId")
        self.cases[alert.id] = created.case_id
        self.out(
            f"[{alert.id}] opened case {created.case_id} "
            f"(severity {alert.severity_code}): {alert.case_subject()}"
        )
        return created.case_id

    async def follow(self, alert: Alert, case_id: str) -> FollowResult:
        """Polls the case until it is resolved or ``max_polls`` polls were made."""
        result = FollowResult(alert, case_id, resolved=False, polls=0)
        seen: set[tuple[str | None, str | None, str | None]] = set()
        last_status: str | None = None
        delay = self.poll_interval
        while result.polls < self.max_polls:
            result.polls += 1
            news = False
            try:
                page = await self.support.describe_cases(
                    case_id_list=[case_id],
                    include_communications=True,
                    include_resolved_cases=True,
                    language=self.language,
                )
            except awsmith.AwsmithError as exc:
                if not _transient(exc):
                    raise
                self.out(f"[{alert.id}] poll {result.polls}: transient error, will retry: {exc}")
            else:
                case = next((c for c in page.cases or [] if c.case_id == case_id), None)
                if case is None:
                    self.out(f"[{alert.id}] poll {result.polls}: case {case_id} not listed")
                else:
                    recent = case.recent_communications
                    # Oldest first, so the output reads like the conversation.
                    for communication in sorted(
                        (recent.communications or []) if recent else [],
                        key=lambda c: c.time_created or "",
                    ):
                        if _key(communication) in seen:
                            continue
                        seen.add(_key(communication))
                        result.communications.append(communication)
                        news = True
                        body = (communication.body or "").strip().replace("\n", " ")
                        self.out(
                            f"[{alert.id}] communication from {communication.submitted_by} "
                            f"at {communication.time_created}: {body[:160]}"
                        )
                    status = str(case.status) if case.status is not None else None
                    if status != last_status:
                        news = True
                        self.out(f"[{alert.id}] poll {result.polls}: case status {status}")
                        last_status = status
                    if case.status == CaseStatus.RESOLVED:
                        result.resolved = True
                        self.out(
                            f"[{alert.id}] case {case_id} resolved after {result.polls} polls, "
                            f"{len(result.communications)} communications"
                        )
                        return result
            if result.polls < self.max_polls:
                delay = self.poll_interval if news else min(delay * 2, self.max_interval)
                await asyncio.sleep(delay)
        self.out(
            f"[{alert.id}] case {case_id} still {last_status} after {result.polls} polls; "
            "stopped following it"
        )
        return result

    async def handle(self, alert: Alert) -> FollowResult:
        return await self.follow(alert, await self.open_case(alert))

    async def handle_all(self, alerts: Sequence[Alert]) -> list[FollowResult]:
        """Handles every alert concurrently; duplicates of an alert id share one case."""
        unique: dict[str, Alert] = {}
        for alert in alerts:
            if alert.id in unique:
                self.out(f"[{alert.id}] duplicate alert ignored")
                continue
            unique[alert.id] = alert
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self.handle(alert)) for alert in unique.values()]
        return [task.result() for task in tasks]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--alert", default="-", help="alert file (JSON or JSON Lines); - for stdin")
    parser.add_argument("--region", help="AWS region (default: from the environment/profile)")
    parser.add_argument("--endpoint-url", help="custom endpoint, e.g. a local moto server")
    parser.add_argument("--profile", help="AWS profile to use")
    parser.add_argument("--language", default="en", help="case language (default: en)")
    parser.add_argument(
        "--poll-interval", type=float, default=30.0, help="first delay between polls, in seconds"
    )
    parser.add_argument(
        "--max-interval", type=float, default=600.0, help="longest delay between polls"
    )
    parser.add_argument(
        "--max-polls", type=int, default=100, help="stop following a case after this many polls"
    )
    parser.add_argument("--max-attempts", type=int, default=3, help="attempts per request")
    return parser


def read_alerts(source: str, stdin: TextIO) -> list[Alert]:
    if source == "-":
        return parse_alerts(stdin.read())
    with open(source, encoding="utf-8") as handle:
        return parse_alerts(handle.read())


async def run(args: argparse.Namespace, alerts: Sequence[Alert]) -> int:
    async with SupportClient(
        region=args.region,
        endpoint_url=args.endpoint_url,
        profile=args.profile,
        config=awsmith.Config(max_attempts=args.max_attempts),
    ) as support:
        service = AlertService(
            support,
            poll_interval=args.poll_interval,
            max_interval=args.max_interval,
            max_polls=args.max_polls,
            language=args.language,
            out=lambda line: print(line, flush=True),
        )
        results = await service.handle_all(alerts)
    open_cases = [r for r in results if not r.resolved]
    print(
        f"{len(results)} cases followed: {len(results) - len(open_cases)} resolved, "
        f"{len(open_cases)} still open"
    )
    return 3 if open_cases else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.poll_interval <= 0 or args.max_interval <= 0 or args.max_polls < 1:
        print("error: intervals must be > 0 and --max-polls >= 1", file=sys.stderr)
        return 1
    try:
        alerts = read_alerts(args.alert, sys.stdin)
    except (AlertError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    status = 1
    try:
        status = asyncio.run(run(args, alerts))
    except* awsmith.AwsmithError as group:  # the cases are followed in a TaskGroup
        for error in group.exceptions:
            print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
    return status

if __name__ == "__main__":
    sys.exit(main())
