"""The services awsmith transcribes, each one's hand-written input by name.

Each module here, named as the service, holds one service's hand-written input
(:class:`ServiceSpec`); the list of services is codegen/services.py's, in its order
(the decision table's). A new service is a new module here; nothing else in the
transcription names a service.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Final

from codegen.errors import ModelError
from codegen.services import SERVICES as NAMES
from codegen.transcribe.spec import Fix, ServiceSpec


def _spec(name: str) -> ServiceSpec:
    spec = importlib.import_module(f"{__name__}.{name}").SPEC
    if not isinstance(spec, ServiceSpec) or spec.name != name:
        raise ModelError(f"{__name__}.{name}.SPEC must be the ServiceSpec named {name!r}")
    return spec


SERVICES: Final[Mapping[str, ServiceSpec]] = {name: _spec(name) for name in NAMES}

#: Every correction of every service, in the decision table's order.
FIXES: Final[tuple[tuple[str, Fix], ...]] = tuple(
    (spec.name, fix) for spec in SERVICES.values() for fix in spec.fixes
)
