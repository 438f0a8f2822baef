"""The generator's hook for hand-written service code (codegen/customizations.py,
docs/architecture.md): the generated ``SupportClient`` inherits the hand-written
``SupportCustomizations``; the registry names exactly the methods that class adds; a
model whose operation would hide one is refused; regenerating, and ``--check``, leave
the hand-written modules alone; a package without an entry inherits ``BaseClient``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from awsmith._core.client import BaseClient
from awsmith.support import SupportClient
from awsmith.support._customizations import SupportCustomizations
from codegen.customizations import CLIENT_BASES
from codegen.errors import ModelError
from codegen.generate import ROOT, generate_package, write_or_check

SUPPORT_MODEL = ROOT / "models" / "support.json"
SUPPORT_PACKAGE = ROOT / "src" / "awsmith" / "support"


def test_the_registry_names_the_methods_the_hand_written_class_adds() -> None:
    base = CLIENT_BASES["awsmith.support"]
    cls = SupportCustomizations
    assert (base.module, base.name) == ("_customizations", cls.__name__)
    public = {name for name in vars(cls) if not name.startswith("_")}
    assert set(base.methods) == public == {"upload_attachment", "download_attachment"}


def test_the_generated_client_inherits_the_hand_written_class() -> None:
    assert SupportClient.__mro__[1:3] == (SupportCustomizations, BaseClient)
    source = generate_package(SUPPORT_MODEL, "awsmith.support")["client.py"]
    assert "\nfrom ._customizations import SupportCustomizations\n" in source
    assert "\nclass SupportClient(SupportCustomizations):\n" in source
    assert "BaseClient" not in source
    assert (
        "    Beside the operations: ``download_attachment``, ``upload_attachment``,\n"
        "    written by hand in its base class ``SupportCustomizations``.\n"
    ) in source


def test_a_package_without_an_entry_inherits_base_client() -> None:
    source = generate_package(SUPPORT_MODEL, "elsewhere.support")["client.py"]
    assert "\nclass SupportClient(BaseClient):\n" in source
    assert "_customizations" not in source and "Beside the operations" not in source


def test_an_operation_that_would_hide_a_hand_written_method_is_refused(tmp_path: Path) -> None:
    model = json.loads(SUPPORT_MODEL.read_text(encoding="utf-8"))
    model["operations"]["UploadAttachment"] = {
        "name": "UploadAttachment",
        "http": {"method": "POST", "requestUri": "/"},
        "input": {"shape": "DescribeServicesRequest"},
        "output": {"shape": "DescribeServicesResponse"},
    }
    path = tmp_path / "support.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        generate_package(path, "awsmith.support")
    assert str(info.value) == (
        f"{path}: the operation method(s) upload_attachment would hide the hand-written "
        "SupportCustomizations method(s) of the same name (codegen/customizations.py)"
    )
    generate_package(path, "elsewhere.support")  # no hand-written base there: nothing hidden


def test_regenerating_leaves_the_hand_written_modules_alone(tmp_path: Path) -> None:
    copy = tmp_path / "support"
    shutil.copytree(SUPPORT_PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    files = generate_package(SUPPORT_MODEL, "awsmith.support")
    assert write_or_check(files, copy, check=True) == []
    assert write_or_check(files, copy, check=False) == []
    for name in ("_customizations.py", "_attachments.py"):
        assert (copy / name).read_bytes() == (SUPPORT_PACKAGE / name).read_bytes()
        assert name not in files
