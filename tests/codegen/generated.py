"""Generate a package from a model written in a test, and import it."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import codegen.__main__ as codegen_main


@contextmanager
def generated_package(root: Path, model: dict[str, Any], package: str) -> Iterator[ModuleType]:
    """``model`` generated as ``package`` under ``root`` and imported; on exit its
    modules are forgotten and ``root`` leaves ``sys.path``, so packages of the same
    name in other tests do not see each other."""
    path = root / f"{package}.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    out = root / "out"
    assert codegen_main.main(["--model", str(path), "--out", str(out), "--package", package]) == 0
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]
