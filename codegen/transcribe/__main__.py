"""Transcribe the PDF-extracted API references in ../shared/seeds into service models.

Usage::

    python -m codegen.transcribe SEED --service support [--draft] [--out PATH]
    python -m codegen.transcribe --all            # rewrite models/*.json from the seeds
    python -m codegen.transcribe --all --check    # fail if models/*.json are not that
    python -m codegen.transcribe --decisions      # print the decision table (markdown)

``--draft`` skips the corrections and prints the raw transcription (useful to see what
the reference alone says).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.errors import ModelError
from codegen.transcribe.build import MODELS, build_model, dump, missing_seed_message, seed_path
from codegen.transcribe.correct import decision_table
from codegen.transcribe.services import SERVICES


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m codegen.transcribe", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("seed", nargs="?", help="reference text (default: the seed of --service)")
    p.add_argument("--service", choices=list(SERVICES))
    p.add_argument("--draft", action="store_true", help="skip the hand corrections")
    p.add_argument("--out", help="write here instead of stdout")
    p.add_argument(
        "--all", action="store_true", help="rewrite models/<service>.json for both seeds"
    )
    p.add_argument("--check", action="store_true", help="with --all: fail if models/ differ")
    p.add_argument("--decisions", action="store_true", help="print the decision table")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    if args.check and not args.all:
        p.error("--check goes with --all")
    try:
        if args.decisions:
            print(decision_table())
            return 0
        if args.all:
            return _all(p, check=args.check)
        if not args.service:
            p.error("--service is required unless --all or --decisions")
        return _one(p, args.service, args.seed, args.out, draft=args.draft)
    except ModelError as exc:
        print(f"transcribe: error: {exc}", file=sys.stderr)
        return 2


def _all(p: argparse.ArgumentParser, *, check: bool) -> int:
    """Every service's model written to (or, with ``check``, compared with) models/."""
    stale = []
    for service in SERVICES:
        seed = seed_path(service)
        if not seed.exists():
            p.error(missing_seed_message(seed))
        out = dump(build_model(seed.read_text(encoding="utf-8"), service))
        path = MODELS / f"{service}.json"
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != out:
                stale.append(str(path))
        else:
            path.write_text(out, encoding="utf-8")
    if stale:
        print("stale: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


def _one(
    p: argparse.ArgumentParser, service: str, seed_arg: str | None, out: str | None, *, draft: bool
) -> int:
    seed = Path(seed_arg) if seed_arg else seed_path(service)
    if not seed.exists():
        p.error(missing_seed_message(seed))
    text = dump(build_model(seed.read_text(encoding="utf-8"), service, corrected=not draft))
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
