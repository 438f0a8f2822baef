"""The typed surface, checked by mypy --strict and pyright (strict) as users see it.

``ok_usage.py`` is user-style code that must type-check clean. Each ``bad_*.py`` file
plants mistakes; every planted line carries a marker comment

    # expect: mypy=<error code> pyright=<rule>

and both checkers must report exactly those errors, on those lines, and nothing else.
Each checker runs once over all the files; the results are split by file.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OK_FILE = HERE / "ok_usage.py"
BAD_FILES = sorted(HERE.glob("bad_*.py"))
ALL_FILES = [OK_FILE, *BAD_FILES]

MARKER = re.compile(r"#\s*expect:\s*mypy=(?P<mypy>[\w-]+)\s+pyright=(?P<pyright>\w+)\s*$")

#: The test that runs mypy or pyright first waits for it: over cold caches (a fresh
#: clone) each can take minutes on a loaded machine (each is given 600 s below).
pytestmark = pytest.mark.timeout(660)

# One report: (line, mypy error code or pyright rule).
Report = tuple[int, str]


def expected(path: Path) -> tuple[Counter[Report], Counter[Report]]:
    """The (mypy, pyright) reports a bad file's markers ask for."""
    mypy: Counter[Report] = Counter()
    pyright: Counter[Report] = Counter()
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if "# expect:" not in line:
            continue
        match = MARKER.search(line)
        assert match is not None, f"{path.name}:{lineno}: malformed expect marker: {line!r}"
        mypy[(lineno, match["mypy"])] += 1
        pyright[(lineno, match["pyright"])] += 1
    return mypy, pyright


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@cache
def mypy_reports() -> dict[Path, Counter[Report]]:
    """Errors of ``mypy --strict`` over all the files, by file."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--output",
            "json",
            "--no-error-summary",
            *(_rel(p) for p in ALL_FILES),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # 0: no errors, 1: errors reported; anything else is a crash or a usage error
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    reports: dict[Path, Counter[Report]] = {p: Counter() for p in ALL_FILES}
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        item: dict[str, Any] = json.loads(line)
        if item["severity"] != "error":
            continue
        path = (ROOT / item["file"]).resolve()
        assert path in reports, f"mypy reported on a file it was not asked about: {item}"
        reports[path][(item["line"], item["code"])] += 1
    return reports


def pyright_executable() -> str:
    candidate = Path(sys.executable).parent / "pyright"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pyright")
    if found is None:
        pytest.fail("pyright is not installed (make test installs it into .venv)")
    return found


@cache
def pyright_reports() -> dict[Path, Counter[Report]]:
    """Errors of pyright over all the files, by file.

    Run from the repository root, so pyproject's [tool.pyright] applies (strict mode),
    with the packages of the environment running the tests (``--pythonpath``): the
    locked .venv, .venv-latest, or whichever a developer uses.
    """
    proc = subprocess.run(
        [
            pyright_executable(),
            "--pythonpath",
            sys.executable,
            "--outputjson",
            *(_rel(p) for p in ALL_FILES),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["summary"]["filesAnalyzed"] == len(ALL_FILES), data["summary"]
    reports: dict[Path, Counter[Report]] = {p: Counter() for p in ALL_FILES}
    for diag in data["generalDiagnostics"]:
        if diag["severity"] != "error":
            continue
        path = Path(diag["file"]).resolve()
        assert path in reports, f"pyright reported on a file it was not asked about: {diag}"
        # pyright's lines are 0-based; a diagnostic without a rule is itself a failure
        rule = diag.get("rule", f"<no rule: {diag['message']}>")
        reports[path][(diag["range"]["start"]["line"] + 1, rule)] += 1
    return reports


def test_files_are_present() -> None:
    names = {p.name for p in BAD_FILES}
    assert names == {
        "bad_arg_type.py",
        "bad_credentials.py",
        "bad_enum_literal.py",
        "bad_missing_required.py",
        "bad_optional_assign.py",
        "bad_paginator_item.py",
        "bad_unknown_attribute.py",
        "bad_unknown_keyword.py",
    }
    for path in BAD_FILES:
        mypy, pyright = expected(path)
        assert mypy, f"{path.name} plants no marked mistake"
        assert sum(mypy.values()) == sum(pyright.values())


def test_ok_usage_imports() -> None:
    """The user-style file is real code: it imports against the installed package."""
    spec = importlib.util.spec_from_file_location("awsmith_typing_ok_usage", OK_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.support_operations)


def test_ok_usage_mypy_clean() -> None:
    assert mypy_reports()[OK_FILE] == Counter()


def test_ok_usage_pyright_clean() -> None:
    assert pyright_reports()[OK_FILE] == Counter()


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_mypy(path: Path) -> None:
    want, _ = expected(path)
    assert mypy_reports()[path] == want


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_pyright(path: Path) -> None:
    _, want = expected(path)
    assert pyright_reports()[path] == want


def test_marker_parsing() -> None:
    """The marker grammar the bad files rely on; a typo in a marker must not pass silently."""
    line = 'x: str = y  # expect: mypy=arg-type pyright=reportArgumentType'
    match = MARKER.search(line)
    assert match is not None
    assert (match["mypy"], match["pyright"]) == ("arg-type", "reportArgumentType")
    assert MARKER.search("x  # expect: mypy=arg-type") is None
    assert MARKER.search("x  # expect: pyright=reportArgumentType mypy=arg-type") is None
