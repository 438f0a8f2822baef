"""attrs classes whose methods are made on first use, so that importing awsmith imports
no attrs: :func:`define`, :func:`frozen` and :func:`field` for the runtime's own
classes (``Config``, ``Credentials``, ``ResponseMetadata``...), and the machinery of
:func:`awsmith._core.shape.shape`, the decorator of every generated shape.

attrs makes a class's methods by compiling source text, about half a millisecond a
class, and importing attrs itself (which builds its own classes the same way) took a
fifth of ``import awsmith.support`` (benchmarks/coldstart.py). A script that makes a
call still imports attrs, when its first class is used; an application that imports
awsmith at start-up and calls later pays then, not at import.

What the user sees is an attrs class, as ``attrs.define`` / ``attrs.frozen`` make it:

* The class is the one the module defines, made once, with ``__slots__`` from its
  annotations (slots must exist when a class is created, so, as attrs itself does for
  slotted classes, the decorator makes the class again with them; that is cheap).
* Whatever meets the class first finishes it, in place: an instantiation and
  ``cls.__init__`` (``help()``, ``inspect.signature``), unpickling, ``==``, ``repr``,
  ``hash``, and ``cls.__attrs_attrs__`` (``attrs.has``,
  ``attrs.fields``, ``attrs.evolve``, cattrs). Each is a descriptor that attrs' own
  attribute replaces; so even an instance made at import without ``__init__``
  (:func:`prebuilt`) behaves as attrs' from its first use.
* Threads that meet a class first at the same time: one finishes it, the others wait
  for it, and none sees it half made (attrs builds the methods on a stand-in class; the
  class gets them once they are all made). Its abstract methods are updated and attrs'
  ``__attrs_init_subclass__`` is called with the complete class before another thread
  can use it.
* Finishing a class makes no class its bases see: the stand-in stands over stand-ins
  of the bases, so no base's ``__init_subclass__`` runs for it and none lists it in
  ``__subclasses__()``. (Decorating a class makes it again with slots, as attrs does
  for a slotted class: a base's ``__init_subclass__`` runs for both.)
* A subclass a user writes is a plain subclass, as of any attrs class: finishing a
  class never touches its subclasses.
* A frozen class refuses to set or delete an attribute with attrs'
  ``FrozenInstanceError``, and hashes by value, as ``attrs.frozen`` makes it; attrs
  knows it as frozen, so a subclass attrs makes of it is frozen too.

Where it differs: ``attrs.inspect`` (experimental in attrs) finds no attrs class
before the first use and, after it, reports what ``attr.s`` was asked for (a class
not slotted, not frozen) rather than what the class is; exception classes are refused.

Type checkers see attrs itself: a module imports ``define``, ``frozen`` and ``field``
from ``attrs`` under ``TYPE_CHECKING`` and from here otherwise, so mypy's attrs plugin
and pyright treat these classes exactly as the attrs classes they are.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Collection
from typing import Any, TypeVar, cast

T = TypeVar("T", bound=type)

#: Finishing a class happens once, even when two threads use it first at the same time:
#: the others wait. Re-entrant: finishing a class finishes its lazy bases first.
_finishing = threading.RLock()


#: The options of ``attrs.field`` the runtime's classes use (``kw_only`` and
#: ``on_setattr`` are the class's).
_FIELD_OPTIONS = frozenset({"default", "factory", "validator", "converter", "eq", "repr", "hash"})


class _Field:
    """What :func:`field` records, made into ``attr.ib`` when the class is finished."""

    __slots__ = ("options",)

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options


def field(**options: Any) -> Any:
    """``attrs.field``, with the options of it the runtime's classes use."""
    unknown = sorted(set(options) - _FIELD_OPTIONS)
    if unknown:
        raise TypeError(f"field() does not take {unknown[0]!r}")
    if "default" in options and "factory" in options:
        raise ValueError("field() takes a default or a factory, not both")
    return _Field(options)


class Options:
    __slots__ = ("eq", "frozen", "hidden", "kw_only", "repr")

    def __init__(
        self,
        *,
        kw_only: bool,
        frozen: bool,
        eq: bool,
        repr: bool,
        hidden: Collection[str] = (),
    ) -> None:
        self.kw_only = kw_only
        self.frozen = frozen
        self.eq = eq
        self.repr = repr
        #: Members left out of ``==`` and ``repr`` (a response's ``response_metadata``).
        self.hidden = hidden


def define(cls: type | None = None, /, **options: bool) -> Any:
    """``attrs.define`` (with its ``kw_only``, ``eq`` and ``repr``), finished on first use."""
    return _decorate(cls, frozen=False, **options)


def frozen(cls: type | None = None, /, **options: bool) -> Any:
    """``attrs.frozen`` (with its ``kw_only``, ``eq`` and ``repr``), finished on first use."""
    return _decorate(cls, frozen=True, **options)


def _decorate(
    cls: type | None,
    *,
    frozen: bool,
    kw_only: bool = False,
    eq: bool = True,
    repr: bool = True,  # attrs' name
) -> Any:
    options = Options(kw_only=kw_only, frozen=frozen, eq=eq, repr=repr)
    if cls is not None:
        return lazy(cls, options)

    def decorator(made: type) -> type:
        return lazy(made, options)

    return decorator


def prebuilt(cls: type[Any], **members: Any) -> Any:
    """An instance of a class not finished yet, made without its ``__init__`` (no
    validator or converter runs): for a constant a module makes at import. Its first
    use finishes the class, as any other use does."""
    specs: dict[str, dict[str, Any]] = vars(cls)["__lazy_members__"]
    unknown = sorted(set(members) - set(specs))
    if unknown:
        raise TypeError(f"{cls.__qualname__} has no member {unknown[0]!r}")
    instance = object.__new__(cls)
    for name, given in specs.items():
        if name in members:
            value = members[name]
        elif "factory" in given:
            value = given["factory"]()
        elif "default" in given:
            value = given["default"]
        else:
            raise TypeError(f"{cls.__qualname__} needs its member {name!r}")
        object.__setattr__(instance, name, value)
    return instance


def _finishing_names(options: Options) -> tuple[str, ...]:
    """The class attributes attrs will make, which finish the class when read first.
    (``__match_args__`` and ``__replace__`` are made by :func:`lazy` itself: attrs adds
    neither where the class has one.)"""
    names = ["__init__", "__attrs_attrs__", "__getstate__", "__setstate__"]
    if options.repr:
        names.append("__repr__")
    if options.eq:
        names += ["__eq__", "__ne__"]
        if options.frozen:
            names.append("__hash__")
    if options.frozen:
        names += ["__setattr__", "__delattr__"]
    return tuple(names)


def _replace(self: Any, /, **changes: Any) -> Any:
    """``copy.replace`` (Python 3.13): ``attrs.evolve``, as attrs makes it."""
    import attrs

    return attrs.evolve(self, **changes)


#: ``ClassVar[...]`` as an annotation's text, however ``typing`` was imported.
_CLASS_VAR = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*\.)*ClassVar\b")


def _field_options(member: str, namespace: dict[str, Any], options: Options) -> dict[str, Any]:
    """What the class body gave a member (taken out of ``namespace``: a slot takes its
    name), as ``attrs.field`` options."""
    if member not in namespace:
        given: dict[str, Any] = {}
    else:
        spec = namespace.pop(member)
        given = dict(spec.options) if isinstance(spec, _Field) else {"default": spec}
    if member in options.hidden:
        given["eq"] = given["repr"] = False
    return given


def lazy(cls: T, options: Options) -> T:
    """``cls`` made again with slots, its attrs methods made when it is first used."""
    if issubclass(cls, BaseException):
        raise TypeError(f"{cls.__qualname__}: an exception class cannot be finished on first use")
    namespace = {k: v for k, v in vars(cls).items() if k not in ("__dict__", "__weakref__")}
    members = tuple(
        name
        for name, annotation in namespace.get("__annotations__", {}).items()
        if not _CLASS_VAR.match(str(annotation))
    )
    # member -> its attrs.field options (none for a member without a default)
    namespace["__lazy_members__"] = {
        member: _field_options(member, namespace, options) for member in members
    }
    namespace["__lazy_options__"] = options
    namespace["__lazy_own__"] = frozenset(
        name for name in ("__init__", "__repr__", "__eq__", "__hash__") if name in namespace
    )
    weakref_slot = not any(hasattr(base, "__weakref__") for base in cls.__bases__)
    namespace["__slots__"] = (*members, *(["__weakref__"] if weakref_slot else []))
    # What attrs would add, made here so that an instance made by prebuilt() has them
    # before its class is finished (attrs keeps a class's own).
    namespace.setdefault("__match_args__", () if options.kw_only else members)
    if sys.version_info >= (3, 13):
        namespace.setdefault("__replace__", _replace)
    if options.eq and not options.frozen:
        namespace.setdefault("__hash__", None)  # as attrs leaves it (eq=True, mutable), from the start
    for name in _finishing_names(options):
        if name not in namespace:  # a method the class writes itself is kept, as attrs does
            namespace[name] = _FinishedOnUse()
    metaclass: Any = type(cls)
    made: Any = metaclass(cls.__name__, cls.__bases__, namespace)
    made.__qualname__ = cls.__qualname__
    _point_closures_at(cls, made)
    slotted: T = made
    return slotted


def _point_closures_at(old: type, new: type) -> None:
    """Methods that use ``super()`` or ``__class__`` hold the class in a closure cell:
    the class the body made, not the one made again with slots (attrs does the same
    for its slotted classes)."""
    for value in vars(new).values():
        function: object = value
        if isinstance(value, (classmethod, staticmethod)):
            function = cast(Any, value).__func__
        elif isinstance(value, property):
            function = value.fget
        for cell in getattr(function, "__closure__", None) or ():
            try:
                if cell.cell_contents is old:
                    cell.cell_contents = new
            except ValueError:  # an empty cell
                continue


def _finish(cls: type) -> None:
    """Make ``cls`` an attrs class in place (its slots exist already).

    attrs builds the methods on a stand-in class, never on ``cls``: attrs sets them one
    by one, and a frozen class is made in two steps (per-member hooks, then attrs' own
    frozen ``__setattr__``), so a thread reading ``cls`` meanwhile could see it half
    made (attrs' ``FrozenAttributeError`` instead of ``FrozenInstanceError``).

    The class is published (its placeholders replaced) only once it is complete: its
    abstract methods updated and attrs' ``__attrs_init_subclass__`` hook called, as
    attrs does for a class it makes, with the lock held. Meanwhile the placeholders make
    any other thread wait for the lock, and give this thread (the hook, say) what attrs
    made; ``__attrs_attrs__``, which says the class is finished, is put last."""
    with _finishing:
        if cls in _in_progress or not _unfinished(cls):
            return  # finished, or being finished by this thread (the lock is re-entrant)
        import attr  # here, not at import: the first class used pays for it

        stand_in = _stand_in(cls)
        before = dict(vars(stand_in))
        _build(stand_in, attr)
        made = {
            name: value
            for name, value in vars(stand_in).items()
            if before.get(name, _ABSENT) is not value
        }
        waiting = {name for name, value in vars(cls).items() if isinstance(value, _FinishedOnUse)}
        for name in set(made) - waiting:  # what no placeholder stands for: __attrs_props__...
            type.__setattr__(cls, name, made[name])
        _in_progress[cls] = made
        try:
            import abc

            abc.update_abstractmethods(cls)  # as attrs does for the class it patches
            hook = getattr(cls, "__attrs_init_subclass__", None)
            if hook is not None and "__attrs_init_subclass__" not in vars(cls):
                hook()  # attrs' hook, called with the class itself, complete
            for name in sorted(waiting, key=lambda name: name == "__attrs_attrs__"):
                if name in made:
                    type.__setattr__(cls, name, made[name])
                else:  # attrs did not make it: what the bases have shows
                    type.__delattr__(cls, name)
        finally:
            del _in_progress[cls]


def _unfinished(cls: type) -> bool:
    return "__lazy_members__" in vars(cls) and isinstance(
        vars(cls).get("__attrs_attrs__"), _FinishedOnUse
    )


#: The class this thread is finishing (the lock is held) -> what attrs made for it.
_in_progress: dict[type, dict[str, Any]] = {}
_ABSENT = object()
#: ``type.__flags__``: a class made by a class statement or ``type()`` (not one in C).
_HEAP_TYPE = 1 << 9


def _stand_in(cls: type) -> type:
    """A class attrs can build on in place of ``cls``: its name and namespace, where each
    placeholder is what attrs would have found had it not been there (object's method,
    or nothing), over stand-ins of its bases (:func:`_shadow`).

    Not a subclass of ``cls``'s bases: making one would call their
    ``__init_subclass__`` for it and list it in their ``__subclasses__()`` until the
    garbage collector finds it. ``__attrs_init_subclass__`` is left out too:
    :func:`_finish` calls it with ``cls`` itself."""
    shadows: dict[type, type] = {}
    namespace: dict[str, Any] = {}
    for name, value in _shadowed(cls).items():
        if isinstance(value, _FinishedOnUse):
            if hasattr(object, name):
                namespace[name] = getattr(object, name)
            continue
        namespace[name] = value
    namespace["__attrs_init_subclass__"] = None
    bases = tuple(_shadow(base, shadows) for base in cls.__bases__)
    made = type(cls.__name__, bases, namespace)
    made.__qualname__ = cls.__qualname__
    return made


def _shadow(cls: type, shadows: dict[type, type]) -> type:
    """A base of a stand-in: a class whose attributes, through its own stand-in bases,
    are ``cls``'s (a lazy base is finished first), made with ``type`` and without
    ``__init_subclass__``, so that making it touches no real class. ``object`` and
    classes written in C are used as they are."""
    if cls is object or not cls.__flags__ & _HEAP_TYPE:
        return cls
    if cls not in shadows:
        if _unfinished(cls):
            _finish(cls)
        namespace = _shadowed(cls)
        if cls in _in_progress:  # a base this thread is finishing: what attrs made for it
            for name, value in list(namespace.items()):
                if isinstance(value, _FinishedOnUse):
                    del namespace[name]
            namespace.update(_in_progress[cls])
        bases = tuple(_shadow(base, shadows) for base in cls.__bases__)
        shadows[cls] = type(cls.__name__, bases, namespace)
    return shadows[cls]


def _shadowed(cls: type) -> dict[str, Any]:
    """``cls``'s namespace as a stand-in takes it: without its slots, its
    ``__init_subclass__``, and objects with ``__set_name__`` (making the stand-in would
    bind them to it; attrs reads none), placeholders excepted."""
    given: dict[str, object] = dict(vars(cls))
    slots = given.get("__slots__", ())
    skipped = {"__slots__", "__dict__", "__weakref__", "__init_subclass__"}
    skipped.update([slots] if isinstance(slots, str) else cast(tuple[str, ...], slots))
    return {
        name: value
        for name, value in given.items()
        if name not in skipped
        and (isinstance(value, _FinishedOnUse) or not hasattr(type(value), "__set_name__"))
    }


def _build(cls: type, attr: Any) -> None:
    """attrs' methods, made on ``cls`` (the stand-in of a lazy class)."""
    options: Options = vars(cls)["__lazy_options__"]
    givens: dict[str, dict[str, Any]] = vars(cls)["__lazy_members__"]
    if options.frozen:
        # A frozen class's __init__ must set members past its __setattr__: attrs'
        # frozen=True would write them to the __dict__ the class has not got, so the
        # class is made with attrs' per-member frozen hook, then made frozen below.
        on_setattr: Any = attr.setters.frozen
    elif any("validator" in given or "converter" in given for given in givens.values()):
        # attrs.define's default: assignments are converted and validated too.
        on_setattr = attr.setters.pipe(attr.setters.convert, attr.setters.validate)
    else:
        on_setattr = None
    these = {
        member: attr.ib(**given, kw_only=options.kw_only, on_setattr=on_setattr)
        for member, given in givens.items()
    }
    own = vars(cls)["__lazy_own__"]
    # slots=False: the class has its slots; attrs adds its methods in place, and the
    # same __getstate__/__setstate__ as for a slotted class. Methods the class writes
    # itself are kept, as attrs.define's auto_detect does.
    attr.s(
        cls,
        these=these,
        slots=False,
        kw_only=options.kw_only,
        init="__init__" not in own,
        eq=options.eq and "__eq__" not in own,
        order=False,
        repr=options.repr and "__repr__" not in own,
        unsafe_hash=False if "__hash__" in own else (options.frozen and options.eq) or None,
        match_args=True,
        getstate_setstate=True,
    )
    if options.frozen:
        _freeze(cls, attr)


def _freeze(cls: type, attr: Any) -> None:
    """A class attrs made with per-member frozen hooks, made as attrs.frozen makes one:
    attrs' own frozen ``__setattr__`` and ``__delattr__`` (by which attrs knows that a
    subclass of it is frozen too), and members without hooks (attrs refuses hooks in a
    frozen subclass)."""
    fields = vars(cls)["__attrs_attrs__"]
    type.__setattr__(
        cls, "__attrs_attrs__", type(fields)([field.evolve(on_setattr=None) for field in fields])
    )
    type.__setattr__(cls, "__attrs_own_setattr__", False)
    frozen_class = _attrs_frozen_class(attr)
    type.__setattr__(cls, "__setattr__", vars(frozen_class)["__setattr__"])
    type.__setattr__(cls, "__delattr__", vars(frozen_class)["__delattr__"])


@functools.cache
def _attrs_frozen_class(attr: Any) -> type:
    """A frozen attrs class: where attrs' own frozen ``__setattr__`` is found, by its
    public API."""
    made: type = attr.make_class("Frozen", [], frozen=True, slots=True)
    return made


class _FinishedOnUse:
    """A class attribute that finishes its class when read, then gives what attrs put
    in its place."""

    home: type

    def __set_name__(self, owner: type, name: str) -> None:
        self.home = owner
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        _finish(self.home)  # or wait while another thread finishes it
        # What the home class has now, bound as a lookup there would bind it (not
        # looked up again through ``instance``: a subclass's own ``__init__`` calling
        # ``super().__init__`` must get the home class's). While this thread finishes
        # the class (attrs' hook runs), what attrs made for it.
        made = _in_progress.get(self.home, {})
        if self.name in made:
            attribute = made[self.name]
        else:
            for base in self.home.__mro__[1:] if made else self.home.__mro__:
                if self.name in vars(base):
                    attribute = vars(base)[self.name]
                    break
            else:
                raise AttributeError(self.name)
        if hasattr(attribute, "__get__"):
            return attribute.__get__(instance, owner if owner is not None else type(instance))
        return attribute
