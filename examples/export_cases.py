"""Export every AWS Support case to a JSON Lines file, with a progress bar on stderr.

    python examples/export_cases.py --region us-east-1 --output cases.jsonl

Cases are read through ``paginate_describe_cases`` (resolved cases included unless
``--open-only``), one JSON object per line, with awsmith's snake_case field names; enum
values are written as their strings and empty fields are left out. ``--page-size`` sets
how many cases the service puts in a page.

``--max-items N`` stops after N cases and prints a resume token on stderr; run again
with ``--starting-token TOKEN --append`` to export the rest into the same file, with no
case missing or repeated.

The progress bar is tqdm's (``pip install awsmith[examples]``), redrawn on stderr once
per page. Credentials and region come from the
standard AWS sources unless given on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from tqdm import tqdm

import awsmith
from awsmith.support import SupportClient
from awsmith.support.shapes import CaseDetails


def case_record(case: CaseDetails) -> dict[str, Any]:
    """A case as a JSON-ready dict: snake_case keys, enums as strings, no empty fields."""
    return awsmith.to_dict(case)


def progress_bar(stream: TextIO, *, total: int | None = None) -> tqdm[Any]:
    """tqdm's bar over cases: ``45%|#####     | 45/100 cases [00:01, 40.2 cases/s, 5 pages]``.

    Without a total (the number of cases is unknown until the last page) it counts. tqdm
    redraws one line with ``\\r``, on a terminal or not; every page is drawn.
    """
    return tqdm(
        total=total,
        file=stream,
        unit=" cases",
        mininterval=0,
        bar_format=(
            "{percentage:3.0f}%|{bar:30}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}{postfix}]"
            if total
            else "{n_fmt} cases [{elapsed}, {rate_fmt}{postfix}]"
        ),
    )


def _pages(count: int) -> str:
    return f"{count} page" + ("" if count == 1 else "s")


async def export(
    support: SupportClient,
    out: TextIO,
    progress: tqdm[Any],
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
    pages = 0
    async for page in paginator:
        cases = page.cases or []
        for case in cases:
            out.write(json.dumps(case_record(case), ensure_ascii=False, sort_keys=True) + "\n")
        pages += 1
        progress.set_postfix_str(_pages(pages), refresh=False)
        progress.update(len(cases))
    progress.close()
    stream = progress.fp if progress.fp is not None else sys.stderr
    stream.write(f"exported {progress.n} cases in {_pages(pages)}\n")
    stream.flush()
    return paginator.resume_token


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--output", "-o", default="cases.jsonl", help="JSON Lines file; - for stdout"
    )
    parser.add_argument("--append", action="store_true", help="append to --output")
    parser.add_argument("--region", help="AWS region (default: from the environment/profile)")
    parser.add_argument("--endpoint-url", help="custom endpoint, e.g. a local moto server")
    parser.add_argument("--profile", help="AWS profile to use")
    parser.add_argument("--open-only", action="store_true", help="leave resolved cases out")
    parser.add_argument(
        "--include-communications",
        action="store_true",
        help="add each case's recent communications",
    )
    parser.add_argument("--page-size", type=int, help="cases per page (10-100)")
    parser.add_argument("--max-items", type=int, help="stop after this many cases")
    parser.add_argument("--starting-token", help="resume token printed by an earlier run")
    return parser


async def run(args: argparse.Namespace, out: TextIO) -> str | None:
    async with SupportClient(
        region=args.region, endpoint_url=args.endpoint_url, profile=args.profile
    ) as support:
        progress = progress_bar(sys.stderr, total=args.max_items)
        try:
            return await export(
                support,
                out,
                progress,
                include_resolved=not args.open_only,
                include_communications=args.include_communications,
                page_size=args.page_size,
                max_items=args.max_items,
                starting_token=args.starting_token,
            )
        finally:
            progress.close()  # before an error is printed, not when the bar is collected


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
