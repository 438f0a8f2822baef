"""Attach a large file (up to 150 MB) to a support case, with a progress bar on stderr.

    python examples/attachment_progress.py dump.tar.gz --subject "Worker crash dump"
    python examples/attachment_progress.py dump.tar.gz --case-id case-12345678910-2013-...

The file goes up through ``SupportClient.upload_attachment`` (in parts, up to
``--concurrency`` at once), its bar drawn by tqdm (``pip install awsmith[examples]``)
from the ``progress(bytes_done, total)`` callback; then it is attached to a new case
(``--subject``) or to an existing one (``--case-id``) and the upload and case ids are
printed on stdout. Credentials and region come from the standard AWS sources unless
given on the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from tqdm import tqdm

import awsmith
from awsmith.support import SupportClient


def progress_bar(stream: TextIO, name: str, total: int) -> tqdm[Any]:
    """tqdm's bar in bytes: ``dump.tar.gz:  45%|#####     | 9.00M/20.0M [00:01, 8.2MB/s]``."""
    return tqdm(
        total=total,
        desc=name,
        file=stream,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        mininterval=0,
        bar_format="{desc}: {percentage:3.0f}%|{bar:30}| {n_fmt}/{total_fmt} [{elapsed}]",
    )


def follow(bar: tqdm[Any]) -> Callable[[int, int], None]:
    """The ``progress`` callback that moves ``bar`` to ``bytes_done`` (back, too, when a
    part is sent again)."""

    def progress(done: int, total: int) -> None:
        if done > bar.n:
            bar.update(done - bar.n)
        elif done < bar.n:  # tqdm draws no step back: set it, and redraw
            bar.n = done
            bar.refresh()

    return progress


async def attach(
    support: SupportClient,
    path: str,
    bar: tqdm[Any],
    *,
    subject: str | None,
    case_id: str | None,
    concurrency: int,
) -> tuple[str, str]:
    """Uploads ``path`` and attaches it: (upload id, case id)."""
    upload_id = await support.upload_attachment(
        path, concurrency=concurrency, progress=follow(bar)
    )
    bar.close()
    body = f"Attached: {os.path.basename(path)}"
    if case_id is None:
        created = await support.create_case(
            subject=subject or os.path.basename(path), communication_body=body, upload_ids=[upload_id]
        )
        assert created.case_id is not None
        case_id = created.case_id
    else:
        await support.add_communication_to_case(
            case_id=case_id, communication_body=body, upload_ids=[upload_id]
        )
    return upload_id, case_id


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("file", help="the file to attach (up to 150 MB)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--subject", help="open a new case with this subject (default)")
    target.add_argument("--case-id", help="add the file to this case instead")
    parser.add_argument("--concurrency", type=int, default=4, help="parts sent at once")
    parser.add_argument("--region", help="AWS region (default: from the environment/profile)")
    parser.add_argument("--endpoint-url", help="custom endpoint, e.g. a local test server")
    parser.add_argument("--profile", help="AWS profile to use")
    return parser


async def run(args: argparse.Namespace) -> tuple[str, str]:
    async with SupportClient(
        region=args.region, endpoint_url=args.endpoint_url, profile=args.profile
    ) as support:
        bar = progress_bar(sys.stderr, os.path.basename(args.file), os.path.getsize(args.file))
        try:
            return await attach(
                support,
                args.file,
                bar,
                subject=args.subject,
                case_id=args.case_id,
                concurrency=args.concurrency,
            )
        finally:
            bar.close()  # before an error is printed, not when the bar is collected


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        upload_id, case_id = asyncio.run(run(args))
    except awsmith.AwsmithError as exc:
        print(f"\nerror: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"uploaded {args.file} as {upload_id}")
    print(f"attached to case {case_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
