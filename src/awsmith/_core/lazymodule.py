"""A module imported when it is first used: :class:`FirstUse`.

For third-party modules a call needs but ``import awsmith`` does not (orjson, which
imports uuid, dataclasses and platform; multidict, which imports pathlib and platform;
httptools): together a tenth of ``import awsmith.support`` (benchmarks/coldstart.py).
"""

from __future__ import annotations

import importlib
from typing import Any


class FirstUse:
    """Stands for a module in a namespace (a module's globals, under the module's own
    name) until one of the module's attributes is first read: the module is imported
    then and takes this object's place there, so later reads cost what a plain
    ``import`` would.

    In a module::

        if TYPE_CHECKING:
            import orjson
        else:
            orjson = FirstUse("orjson", globals())
    """

    __slots__ = ("_module", "_namespace")

    def __init__(self, module: str, namespace: dict[str, Any]) -> None:
        self._module = module
        self._namespace = namespace

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self._module)
        self._namespace[self._module] = module
        return getattr(module, name)

    def __repr__(self) -> str:
        return f"<module {self._module!r}, imported on first use>"
