"""The decorator of every generated request, response and nested shape: :func:`shape`.

A shape is an attrs class, ``attrs.define(kw_only=True)`` (keyword-only ``__init__``,
``==``, ``repr``, slots, unhashable, attrs' pickling), whose attrs methods are made the
first time the class is used rather than when its module is imported. attrs makes each
class's methods by compiling source text, about half a millisecond a class; a service
has 50 to 120 shapes and a script that makes one call uses a handful, so building them
all at import was most of ``import awsmith.support``'s own time
(benchmarks/coldstart.py).

What the user sees is unchanged:

* The class is the one the module defines, made once, with ``__slots__`` from its
  annotations (slots must exist when a class is created, so, as attrs itself does for
  slotted classes, the decorator makes the class again with them; that is cheap).
* Whatever meets the class before an instance of it exists finishes it first: an
  instantiation and ``cls.__init__`` (``help()``, ``inspect.signature``), unpickling
  (``__setstate__``), and ``cls.__attrs_attrs__`` (``attrs.has``, ``attrs.fields``,
  ``attrs.evolve``, cattrs). Each is a descriptor that attrs' own attribute replaces.
  (Only an instance made by calling ``cls.__new__`` directly, without unpickling, can
  belong to a class not finished yet.)
* A subclass a user writes is a plain subclass, as of any attrs class: finishing a
  shape never touches its subclasses.
* A response's ``response_metadata`` member is left out of ``==`` and ``repr``.

Type checkers see ``attrs.define(kw_only=True)`` itself: the generated modules import
it as ``shape`` under ``TYPE_CHECKING``, so mypy's attrs plugin and pyright treat shapes
exactly as the attrs classes they are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

#: The member every response carries beside its body: outside ``==`` and ``repr``.
METADATA_MEMBER = "response_metadata"

#: The default of a member that has none (attrs' own marker is not imported yet).
_REQUIRED: Any = object()

#: Class attributes that finish their class when read (see the module docstring).
_FINISHING = ("__init__", "__setstate__", "__attrs_attrs__")

#: Finishing a class happens once, even when two threads use it first at the same time.
_finishing = threading.RLock()
#: The class being finished -> the thread finishing it (others wait on the lock).
_in_progress: dict[type, int] = {}


def shape(*, kw_only: bool = True) -> Callable[[T], T]:
    """``@shape(kw_only=True)``: the run-time side of ``attrs.define(kw_only=True)``."""
    if not kw_only:
        raise ValueError("shapes are keyword-only")
    return _slotted


def _slotted(cls: T) -> T:
    namespace = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    members = tuple(
        name
        for name, annotation in namespace.get("__annotations__", {}).items()
        if not str(annotation).startswith(("ClassVar", "typing.ClassVar"))
    )
    namespace["__shape_members__"] = {m: namespace.pop(m, _REQUIRED) for m in members}
    namespace["__slots__"] = (*members, "__weakref__")
    namespace["__hash__"] = None  # as attrs leaves it (eq=True, mutable), from the start
    for name in _FINISHING:
        namespace[name] = _FinishedOnUse()
    made: Any = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    slotted: T = made
    return slotted


def _finish(cls: type) -> None:
    """Make ``cls`` an attrs class in place (its slots exist already)."""
    with _finishing:
        if "__shape_members__" not in vars(cls) or not isinstance(
            vars(cls).get("__attrs_attrs__"), _FinishedOnUse
        ):
            return
        import attr  # here, not at import: the first shape used pays for it

        these: dict[str, Any] = {}
        for member, default in vars(cls)["__shape_members__"].items():
            shown = member != METADATA_MEMBER
            these[member] = attr.ib(
                default=attr.NOTHING if default is _REQUIRED else default,
                eq=shown,
                repr=shown,
                kw_only=True,
            )
        _in_progress[cls] = threading.get_ident()
        try:
            # slots=False: the class has its slots; attrs adds its methods in place,
            # and the same __getstate__/__setstate__ as for a slotted class (pickles
            # made by earlier awsmith versions, whose shapes attrs made, still load).
            attr.s(
                cls,
                these=these,
                slots=False,
                kw_only=True,
                eq=True,
                order=False,
                match_args=True,
                getstate_setstate=True,
            )
        finally:
            del _in_progress[cls]


class _FinishedOnUse:
    """A class attribute that finishes its class when read, then gives what attrs put
    in its place."""

    home: type

    def __set_name__(self, owner: type, name: str) -> None:
        self.home = owner
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if _in_progress.get(self.home) == threading.get_ident():
            # Read by attrs while it finishes the class in this thread. (Another
            # thread waits in _finish for the lock, then finds the class finished.)
            return getattr(object, self.name, None)
        _finish(self.home)
        # What attrs put in the home class, bound as a lookup there would bind it (not
        # looked up again through ``instance``: a subclass's own ``__init__`` calling
        # ``super().__init__`` must get the shape's).
        attribute = vars(self.home)[self.name]
        if hasattr(attribute, "__get__"):
            return attribute.__get__(instance, owner if owner is not None else type(instance))
        return attribute
