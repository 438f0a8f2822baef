"""codegen/services.py is the one list of services: the generator, the transcription
and the tests read it, and the generator refuses a models/ that disagrees with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import codegen.__main__ as codegen_main
from codegen.services import MODELS, ROOT, SERVICES
from codegen.transcribe.services import SERVICES as SPECS


def test_the_list_is_the_models_the_packages_and_the_transcriptions() -> None:
    assert sorted(SERVICES) == sorted(path.stem for path in MODELS.glob("*.json"))
    generated = ROOT / "src" / "awsmith"
    assert all((generated / name / "_serde.py").is_file() for name in SERVICES)
    assert list(SPECS) == list(SERVICES)


def _models_with(tmp_path: Path, extra: str | None, dropped: str | None) -> Path:
    models = tmp_path / "models"
    models.mkdir()
    for name in SERVICES:
        if name != dropped:
            shutil.copy(MODELS / f"{name}.json", models)
    if extra is not None:
        (models / f"{extra}.json").write_text("{}", encoding="utf-8")
    return models


@pytest.mark.parametrize(
    ("extra", "dropped", "message"),
    [
        ("ec2", None, "models/ has ec2, not in SERVICES (codegen/services.py)"),
        (None, "support", "SERVICES (codegen/services.py) has support, not in models/"),
    ],
)
def test_a_model_not_listed_or_a_listed_service_with_no_model_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str | None,
    dropped: str | None,
    message: str,
) -> None:
    monkeypatch.setattr(codegen_main, "MODELS", _models_with(tmp_path, extra, dropped))
    assert codegen_main.main(["--check"]) == 2
    assert capsys.readouterr() == ("", f"codegen: error: {message}\n")
