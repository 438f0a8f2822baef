"""The services awsmith ships: the one list of them.

Everything that goes through "every service" reads :data:`SERVICES`: the generator
(``python -m codegen`` generates exactly these packages, and refuses a model in
``models/`` that is not listed or a listed service with no model), the transcription
(``codegen/transcribe/services/<name>.py`` holds each one's hand-written input) and the
tests that run over every model or package. Adding a service is one more name here and
the files those steps then ask for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
MODELS: Final = ROOT / "models"

#: Service names (a model's file stem, the package's name under ``awsmith``), in the
#: order the documentation and the corrections table list them.
SERVICES: Final[tuple[str, ...]] = ("support", "codeguruprofiler")


def model_path(service: str) -> Path:
    """``models/<service>.json``."""
    return MODELS / f"{service}.json"
