"""Export every AWS Support case to a JSON Lines file, with a progress bar on stderr.

    python examples/export_cases.py --region us-east-1 --output cases.jsonl

Cases are read through ``paginate_describe_cases`` (resolved cases included unless
``--open-only``), one JSON object per line, with awsmith's snake_case field names; enum
values are written as their strings and empty fields are left out. ``--page-size`` sets
how many cases the service puts in a page.

``--max-items N`` stops after N cases and prints a resume token on stderr; run again
with ``--starting-token TOKEN --append`` to export the rest into the same file, with no
case missing or repeated.

The progress bar redraws in place on a terminal; when stderr is not a terminal (a log
file, CI) it prints one line per page instead. Credentials and region come from the
standard AWS sources unless given on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from enum import Enum
from typing import Any, TextIO

import attrs

import awsmith
from awsmith.support import SupportClient
from awsmith.support.shapes import CaseDetails


def case_record(case: CaseDetails) -> dict[str, Any]:
    """A case as a JSON-ready dict: snake_case keys, enums as strings, no empty fields."""

    def plain(_: object, __: attrs.Attribute[Any] | None, value: Any) -> Any:
        return value.value if isinstance(value, Enum) else value

    return attrs.asdict(
        case,
        value_serializer=plain,
        filter=lambda _attribute, value: value is not None,
    )


class ProgressBar:
    """A tiny progress bar: ``[#####-----] 50/100 cases, 5 pages, 12.3/s``.

    Without a total (the number of cases is unknown until the last page) the bar shows
    a moving block. On a terminal it redraws one line with ``\\r``; elsewhere each
    ``update`` prints a line.
    """

    WIDTH = 30

    def __init__(self, stream: TextIO, *, total: int | None = None) -> None:
        self.stream = stream
        self.total = total
        self.items = 0
        self.pages = 0
        self.started = time.monotonic()
        self.tty = stream.isatty()

    def render(self) -> str:
        if self.total:
            done = min(self.WIDTH, self.WIDTH * self.items // self.total)
            bar = "#" * done + "-" * (self.WIDTH - done)
            count = f"{self.items}/{self.total}"
        else:
            position = self.pages % (self.WIDTH - 4)
            bar = "-" * position + "####" + "-" * (self.WIDTH - 4 - position)
            count = str(self.items)
        elapsed = max(time.monotonic() - self.started, 1e-9)
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        return f"[{bar}] {count} cases, {pages}, {self.items / elapsed:.1f}/s"

    def update(self, items: int) -> None:
        self.items += items
        self.pages += 1
        if self.tty:
            self.stream.write("\r" + self.render())
        else:
            self.stream.write(self.render() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
        pages = f"{self.pages} page" + ("" if self.pages == 1 else "s")
        self.stream.write(f"exported {self.items} cases in {pages}\n")
        self.stream.flush()


async def export(
    support: SupportClient,
    out: TextIO,
    progress: ProgressBar,
    *,
    include_resolved: bool = True,
    include_communications: bool = False,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_token: str | None = None,
) -> str | None:
    """Writes every case as a JSON line; returns the resume token (None when done)."""
    paginator = support.paginate_describe_cases(
        include_resolved_cases=include_resolved,
        include_communications=include_communications,
        page_size=page_size,
        max_items=max_items,
        starting_token=starting_token,
    )
    async for page in paginator:
        cases = page.cases or []
        for case in cases:
            out.write(json.dumps(case_record(case), ensure_ascii=False, sort_keys=True) + "\n")
        progress.update(len(cases))
    progress.close()
    return paginator.resume_token


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--output", "-o", default="cases.jsonl", help="JSON Lines file; - for stdout")
    parser.add_argument("--append", action="store_true", help="append to --output")
    parser.add_argument("--region", help="AWS region (default: from the environment/profile)")
    parser.add_argument("--endpoint-url", help="custom endpoint, e.g. a local moto server")
    parser.add_argument("--profile", help="AWS profile to use")
    parser.add_argument("--open-only", action="store_true", help="leave resolved cases out")
    parser.add_argument(
        "--include-communications", action="store_true", help="add each case's recent communications"
    )
    parser.add_argument("--page-size", type=int, help="cases per page (10-100)")
    parser.add_argument("--max-items", type=int, help="stop after this many cases")
    parser.add_argument("--starting-token", help="resume token printed by an earlier run")
    return parser


async def run(args: argparse.Namespace, out: TextIO) -> str | None:
    async with SupportClient(
        region=args.region, endpoint_url=args.endpoint_url, profile=args.profile
    ) as support:
        return await export(
            support,
            out,
            ProgressBar(sys.stderr, total=args.max_items),
            include_resolved=not args.open_only,
            include_communications=args.include_communications,
            page_size=args.page_size,
            max_items=args.max_items,
            starting_token=args.starting_token,
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.output == "-":
            resume = asyncio.run(run(args, sys.stdout))
        else:
            with open(args.output, "a" if args.append else "w", encoding="utf-8") as out:
                resume = asyncio.run(run(args, out))
    except awsmith.AwsmithError as exc:
        print(f"\nerror: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if resume is not None:
        print(f"more cases remain; resume with --starting-token {resume} --append", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
