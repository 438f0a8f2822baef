"""The services awsmith transcribes: the one list of them, in the decision table's order.

Each module here holds one service's hand-written input (:class:`ServiceSpec`). A new
service is a new module and one more entry in :data:`SERVICES`; nothing else in the
transcription names a service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from codegen.transcribe.services import codeguruprofiler, support
from codegen.transcribe.spec import Fix, ServiceSpec

SERVICES: Final[Mapping[str, ServiceSpec]] = {
    spec.name: spec for spec in (support.SPEC, codeguruprofiler.SPEC)
}

#: Every correction of every service, in the decision table's order.
FIXES: Final[tuple[tuple[str, Fix], ...]] = tuple(
    (spec.name, fix) for spec in SERVICES.values() for fix in spec.fixes
)
