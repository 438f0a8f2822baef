"""``python -m codegen``: generate the service packages from the models.

- ``python -m codegen``: every service of codegen/services.py, ``models/<name>.json`` ->
  ``src/awsmith/<name>/``.
- ``python -m codegen --check``: exit 1 if the committed output differs.
- ``python -m codegen --model PATH --out DIR --package NAME``: one model of the json or
  rest-json protocol -> ``DIR/<NAME as a path>/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.errors import ModelError
from codegen.generate import generate_package, write_or_check
from codegen.services import MODELS, ROOT, SERVICES, model_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    parser.add_argument("--model", type=Path, help="one model file (default: models/*.json)")
    parser.add_argument("--out", type=Path, help="output root folder (with --model)")
    parser.add_argument("--package", help="dotted package name (with --model)")
    args = parser.parse_args(argv)
    jobs: list[tuple[Path, Path, str]] = []
    # The repository's own models must give every operation an example; another model
    # (--model) may come without examples/ beside it.
    require_examples = args.model is None
    if args.model is not None:
        if args.out is None or args.package is None:
            parser.error("--model needs --out and --package")
        jobs.append((args.model, args.out / Path(*args.package.split(".")), args.package))
    else:
        if args.out is not None or args.package is not None:
            parser.error("--out and --package go with --model")
        unlisted = _unlisted_models()
        if unlisted:
            print(f"codegen: error: {unlisted}", file=sys.stderr)
            return 2
        for name in SERVICES:
            jobs.append((model_path(name), ROOT / "src" / "awsmith" / name, f"awsmith.{name}"))
    stale: list[str] = []
    for model, out_dir, package in jobs:
        try:
            files = generate_package(model, package, require_examples=require_examples)
        except ModelError as exc:
            print(f"codegen: error: {exc}", file=sys.stderr)
            return 2
        stale += write_or_check(files, out_dir, check=args.check)
    if args.check:
        if stale:
            print("codegen: generated code is stale; run `python -m codegen`:", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            return 1
        print(f"codegen: {len(jobs)} package(s) up to date")
    else:
        for _, out_dir, package in jobs:
            print(f"codegen: wrote {package} to {out_dir}")
    return 0


def _unlisted_models() -> str:
    """What differs between ``models/*.json`` and codegen/services.py's list, or ""."""
    found = {path.stem for path in MODELS.glob("*.json")}
    extra = sorted(found - set(SERVICES))
    missing = sorted(set(SERVICES) - found)
    if extra:
        return f"models/ has {', '.join(extra)}, not in SERVICES (codegen/services.py)"
    if missing:
        return f"SERVICES (codegen/services.py) has {', '.join(missing)}, not in models/"
    return ""


if __name__ == "__main__":
    sys.exit(main())
