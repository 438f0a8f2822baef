"""The base of every generated request, response and nested shape: :class:`Shape`.

A shape is an attrs class (``attrs.define(kw_only=True)``: keyword-only ``__init__``,
``==``, ``repr``, slots, unhashable) whose attrs methods are made the first time the
class is used, not when its module is imported. attrs makes each class's methods by
compiling source text, about half a millisecond a class; a service has 50 to 120 shapes
and a script that makes one call uses a handful, so building them all at import was
most of ``import awsmith.support``'s own time (benchmarks/coldstart.py).

What stays the same for the user: the class is the one the module defines (no proxy, no
copy), with ``__slots__`` from its annotations, made when the class statement runs; the
first instantiation, ``attrs.has``, ``attrs.fields``, ``attrs.evolve``, ``cattrs``,
``inspect.signature`` and ``help()`` all see the finished attrs class, because each goes
through ``__init__`` or ``__attrs_attrs__``, and both finish the class on first access.
A response's ``response_metadata`` member is left out of ``==`` and ``repr``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar, dataclass_transform

if TYPE_CHECKING:
    import attrs

#: The member every response carries beside its body: outside ``==`` and ``repr``.
METADATA_MEMBER = "response_metadata"

#: The default of a member that has none (attrs' own marker is not imported yet).
_REQUIRED: Any = object()

#: Finishing a class happens once, even when two threads use it first at the same time.
_finishing = threading.RLock()


class _ShapeMeta(type):
    """Makes each shape class with ``__slots__`` from its annotations (slots must exist
    when the class is created); the members and their defaults wait beside the class until it is finished."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _ShapeMeta:
        if bases:  # a shape, not Shape itself
            members = tuple(namespace.get("__annotations__", ()))
            namespace["__shape_members__"] = {
                member: namespace.pop(member, _REQUIRED) for member in members
            }
            weakref_slot = () if any(base.__weakrefoffset__ for base in bases) else ("__weakref__",)
            namespace["__slots__"] = (*members, *weakref_slot)
        return super().__new__(mcs, name, bases, namespace, **kwargs)


def _finish(cls: type) -> None:
    """Make ``cls`` an attrs class in place (its slots exist already)."""
    with _finishing:
        if "__attrs_attrs__" in cls.__dict__:
            return
        import attr  # here, not at import: the first shape used pays for it

        members: dict[str, Any] = cls.__dict__["__shape_members__"]
        these: dict[str, Any] = {}
        for member, default in members.items():
            shown = member != METADATA_MEMBER
            these[member] = attr.ib(
                default=attr.NOTHING if default is _REQUIRED else default,
                eq=shown,
                repr=shown,
                kw_only=True,
            )
        # slots=False: the class already has its slots; attrs adds its methods in place.
        attr.s(cls, these=these, slots=False, kw_only=True, eq=True, order=False, match_args=True)


class _FinishedOnUse:
    """A class attribute that finishes its class when read, then reads the real one."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type) -> Any:
        if owner is Shape:  # the base itself is no attrs class and has no members
            return () if self.name == "__attrs_attrs__" else object.__init__.__get__(instance)
        _finish(owner)
        attribute = owner.__dict__[self.name]
        if instance is None or self.name == "__attrs_attrs__":
            return attribute
        return attribute.__get__(instance, owner)


@dataclass_transform(kw_only_default=True)
class Shape(metaclass=_ShapeMeta):
    """Base class of the generated shapes (see the module docstring)."""

    __slots__ = ()

    if TYPE_CHECKING:
        __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]
    else:
        __attrs_attrs__ = _FinishedOnUse("__attrs_attrs__")
        __init__ = _FinishedOnUse("__init__")
