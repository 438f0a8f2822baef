"""awsmith._core.lazymodule.FirstUse: a module imported on the first read of one of its
attributes, which then takes the stand-in's place."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from awsmith._core.lazymodule import FirstUse

PROBE = "awsmith_first_use_probe"


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / f"{PROBE}.py").write_text("IMPORTS = []\nIMPORTS.append(1)\nVALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop(PROBE, None)


def test_the_module_is_imported_on_the_first_read_and_replaces_the_stand_in(probe: None) -> None:
    namespace: dict[str, Any] = {}
    namespace[PROBE] = stand_in = FirstUse(PROBE, namespace)
    assert PROBE not in sys.modules
    assert repr(stand_in) == f"<module {PROBE!r}, imported on first use>"
    assert namespace[PROBE].VALUE == 42
    module = sys.modules[PROBE]
    assert namespace[PROBE] is module
    assert stand_in.IMPORTS is module.IMPORTS  # a stale reference still reads the module
    assert module.IMPORTS == [1]  # imported once


def test_a_missing_attribute_is_the_modules_attribute_error(probe: None) -> None:
    namespace: dict[str, Any] = {}
    namespace[PROBE] = FirstUse(PROBE, namespace)
    with pytest.raises(AttributeError, match=f"module '{PROBE}' has no attribute 'MISSING'"):
        _ = namespace[PROBE].MISSING


def test_a_missing_module_fails_on_first_use_naming_it() -> None:
    namespace: dict[str, Any] = {}
    namespace["absent"] = FirstUse("awsmith_no_such_module", namespace)
    with pytest.raises(ModuleNotFoundError, match="No module named 'awsmith_no_such_module'"):
        _ = namespace["absent"].anything
    assert isinstance(namespace["absent"], FirstUse)
