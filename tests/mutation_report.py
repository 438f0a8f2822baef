"""The figures of `make mutation`, per module, from the results mutmut keeps in mutants/.

    python tests/mutation_report.py [--survivors] [--check] [MODULE ...]

A mutant counts as killed when a test failed on it, it ran into mutmut's timeout (a
mutant that makes a call hang is caught: the suite's own hang bounds would fail it) or
the type checker refused it. "no tests" (no selected test reaches the mutated function)
counts against the score like a survivor; mutants not run yet are left out of it.
Mutants that docs/testing.md lists as equivalent (a line naming the mutant in
backquotes) are left out of the score too; every other survivor is printed with
``--survivors``. ``--check`` exits 1 when a module that ran scores under 90 %.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
TESTING_DOC = ROOT / "docs" / "testing.md"
TARGET = 90.0
KILLED = frozenset({"killed", "timeout", "caught by type check"})
STATUS = {
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    37: "caught by type check",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
}


def status(exit_code: int | None) -> str:
    if exit_code is None:
        return "not checked"
    return STATUS.get(exit_code, "suspicious")


def results() -> dict[str, dict[str, str]]:
    """{module: {mutant name: status}} for every mutated file."""
    by_module: dict[str, dict[str, str]] = {}
    for meta in sorted(MUTANTS.glob("src/**/*.py.meta")):
        relative = meta.relative_to(MUTANTS / "src").with_suffix("").with_suffix("")
        module = ".".join(relative.parts)
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        by_module[module] = {name: status(code) for name, code in codes.items()}
    return by_module


def equivalents() -> set[str]:
    """The mutant names docs/testing.md lists as equivalent."""
    if not TESTING_DOC.exists():
        return set()
    return set(re.findall(r"`(awsmith\.[^`]*__mutmut_\d+)`", TESTING_DOC.read_text()))


def main(argv: list[str]) -> int:
    survivors = "--survivors" in argv
    check = "--check" in argv
    equivalent = equivalents()
    below = []
    wanted = [a for a in argv if not a.startswith("--")]
    if not MUTANTS.is_dir():
        print("no mutants/ directory: run `make mutation` first", file=sys.stderr)
        return 1
    print(f"{'module':32} {'mutants':>7} {'killed':>6} {'surv.':>5} {'no test':>7} "
          f"{'equiv.':>6} {'unrun':>5} {'score':>6}")
    for module, statuses in results().items():
        if wanted and not any(w in module for w in wanted):
            continue
        counts = Counter(
            "equivalent" if name in equivalent and state not in KILLED else state
            for name, state in statuses.items()
        )
        killed = sum(counts[s] for s in KILLED)
        scored = len(statuses) - counts["not checked"] - counts["equivalent"]
        score = 100 * killed / scored if scored else None
        shown = f"{score:5.1f}%" if score is not None else "    -"
        print(f"{module.removeprefix('awsmith._core.'):32} {len(statuses):7} {killed:6} "
              f"{counts['survived']:5} {counts['no tests']:7} {counts['equivalent']:6} "
              f"{counts['not checked']:5} {shown:>6}")
        if score is not None and score < TARGET:
            below.append(module)
        if survivors:
            for name, state in statuses.items():
                if state not in KILLED and state != "not checked" and name not in equivalent:
                    print(f"    {state:9} {name}")
    if check and below:
        print(f"under {TARGET:.0f} %: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
