"""The decorator of every generated request, response and nested shape: :func:`shape`.

A shape is an attrs class, ``attrs.define(kw_only=True)`` (keyword-only ``__init__``,
``==``, ``repr``, slots, unhashable, attrs' pickling), whose attrs methods are made the
first time the class is used rather than when its module is imported
(:mod:`awsmith._core.lazyclass`, which the runtime's own classes use too). attrs makes each
class's methods by compiling source text, about half a millisecond a class; a service
has 50 to 120 shapes and a script that makes one call uses a handful, so building them
all at import was most of ``import awsmith.support``'s own time
(benchmarks/coldstart.py).

What the user sees is an attrs class (see :mod:`awsmith._core.lazyclass` for how and
what finishes one); a response's ``response_metadata`` member is left out of ``==`` and
``repr``.

Type checkers see ``attrs.define(kw_only=True)`` itself: the generated modules import
it as ``shape`` under ``TYPE_CHECKING``, so mypy's attrs plugin and pyright treat shapes
exactly as the attrs classes they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from awsmith._core.lazyclass import Options, lazy

T = TypeVar("T", bound=type)

#: The member every response carries beside its body: outside ``==`` and ``repr``.
METADATA_MEMBER = "response_metadata"

_SHAPE = Options(kw_only=True, frozen=False, eq=True, repr=True, hidden=(METADATA_MEMBER,))


def shape(*, kw_only: bool = True) -> Callable[[T], T]:
    """``@shape(kw_only=True)``: the run-time side of ``attrs.define(kw_only=True)``."""
    if not kw_only:
        raise ValueError("shapes are keyword-only")
    return _shaped


def _shaped(cls: T) -> T:
    return lazy(cls, _SHAPE)
