"""``pyright --verifytypes awsmith --ignoreexternal``: the public interface, complete.

A library sold on its types leaves nothing for a type checker to guess: every symbol a
user can reach (each public module's names, and the types those names mention) has a
declared type, so mypy, pyright and every other checker read the same API. Run in the
environment running the tests (the locked .venv under ``make test``), so it checks the
awsmith that environment imports; the findings are printed when it fails.

pyright's ``--verifytypes`` ignores ``--pythonpath``: it finds the environment by the
``python`` on ``PATH``, so the test puts the running interpreter's directory first.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import awsmith
from tests.typing.test_typing import pyright_executable

#: pyright over the whole package takes seconds warm, longer over a cold cache on a
#: loaded machine.
pytestmark = pytest.mark.timeout(360)

#: The one kind of finding that is not awsmith's to fix: pyright synthesizes a class for
#: each attrs field with a converter (``Config.proxies``: ``__converterDescriptor_proxies``)
#: and then reports that class as having no docstring. It has no type to declare (it
#: does not count against the score) and no source line to document.
SYNTHESIZED = "__converterDescriptor_"


@cache
def report() -> dict[str, Any]:
    """pyright's JSON report of the package (its ``typeCompleteness`` part)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # Not from the repository root: neither pyproject's [tool.pyright] nor a ``src``
    # pyright would find by itself, only the environment's awsmith.
    with tempfile.TemporaryDirectory() as elsewhere:
        proc = subprocess.run(
            [pyright_executable(), "--verifytypes", "awsmith", "--ignoreexternal", "--outputjson"],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    # 0: complete, 1: findings; anything else is a crash or a usage error
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    completeness: dict[str, Any] = data["typeCompleteness"]
    return completeness


def _finding_text(symbol: dict[str, Any], diagnostic: dict[str, Any]) -> str:
    where = ""
    if diagnostic.get("file"):
        line = diagnostic["range"]["start"]["line"] + 1
        where = f" ({diagnostic['file']}:{line})"
    return f"{symbol['name']}{where}: {diagnostic['severity']}: {diagnostic['message']}"


def findings() -> list[str]:
    """Every diagnostic pyright gives a symbol, but for classes it made up itself."""
    return [
        _finding_text(symbol, diagnostic)
        for symbol in report()["symbols"]
        for diagnostic in symbol["diagnostics"]
        if not symbol["name"].rpartition(".")[2].startswith(SYNTHESIZED)
    ]


def test_checks_the_installed_package() -> None:
    """The report is about the awsmith this environment imports, with its py.typed: a
    pyright that found no package would report nothing, and pass nothing."""
    data = report()
    package = Path(awsmith.__file__).resolve().parent
    assert Path(data["packageRootDirectory"]).resolve() == package
    assert Path(data["pyTypedPath"]).resolve() == package / "py.typed"
    assert "awsmith.support" in {module["name"] for module in data["modules"]}
    assert data["exportedSymbolCounts"]["withKnownType"] > 1000


def test_type_completeness_is_100_percent() -> None:
    data = report()
    counts = (data["exportedSymbolCounts"], data["otherSymbolCounts"])
    listed = "\n".join(findings())
    assert data["completenessScore"] == 1, f"{counts}\n{listed}"
    for count in counts:
        assert count["withAmbiguousType"] == 0, listed
        assert count["withUnknownType"] == 0, listed


def test_no_findings() -> None:
    """Not even a public function or class without a docstring."""
    found = findings()
    assert found == [], "\n".join(found)


def _submodules(module_name: str) -> set[str]:
    module = importlib.import_module(module_name)
    paths = getattr(module, "__path__", None)
    return set() if paths is None else {info.name for info in pkgutil.iter_modules(paths)}


def test_exported_names_are_those_of_all() -> None:
    """A name pyright counts as public API is in its module's ``__all__`` (the project's
    definition of public), or is a submodule: nothing exported by accident, such as a
    module-level ``except ImportError as exc`` or a TypeVar."""
    data = report()
    modules = {module["name"] for module in data["modules"]}
    exported: dict[str, set[str]] = {name: set() for name in modules}
    for symbol in data["symbols"]:
        owner, _, name = symbol["name"].rpartition(".")
        if symbol["isExported"] and owner in modules:
            exported[owner].add(name)
    checked = 0
    for module_name in sorted(modules):
        declared = getattr(importlib.import_module(module_name), "__all__", None)
        if declared is None:
            continue  # pyright's own rules (no _, not imported) are the contract there
        checked += 1
        public = {name for name in declared if not name.startswith("__")}
        extra = exported[module_name] - public - _submodules(module_name)
        assert extra == set(), f"{module_name} exports names not in its __all__: {sorted(extra)}"
        assert public <= exported[module_name], module_name
    assert checked >= 5
