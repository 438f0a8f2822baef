"""Where :func:`awsmith.to_dict` met a value it cannot write, and what it expected.

``to_dict`` converts with generated straight-line code that checks each value's type
on the way (inline where that is one ``type(x) is str``), but carries no path: a value
of the wrong type raises ``interchange.Unconvertible`` wherever it is met, so a correct
object pays nothing for error reporting. :func:`misfit` then walks the object again,
slowly, along its classes' annotations, trying each value with the same conversion
the generated code uses for its type, and names the first that fails: a required
member that is None, a None in a list or map that is not sparse, text where a list
belongs, a naive ``datetime``, a ``dict`` for a nested shape, ...
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

from awsmith._core.serde import got

#: The members of a ServiceError that are not modeled fields (its own state).
_ERROR_BASE = frozenset({"code", "status_code", "request_id", "raw", "return"})
#: A response's metadata is left out of to_dict: never walked.
_SKIPPED = frozenset({"response_metadata"})

_NAIVE = "expected an aware datetime (naive datetimes are ambiguous)"
#: A conversion of ``to_dict`` by the type it writes; it raises on a value it cannot.
Conversions = Mapping[type, Callable[[Any], object]]


class Misfit(NamedTuple):
    """The first value ``to_dict`` cannot write: where (Python names), the rule it
    breaks (``required`` or ``type``, as validation names them), and why."""

    path: str
    rule: str
    detail: str


def misfit(obj: object, convert: Conversions) -> Misfit | None:
    """The first value in ``obj`` that does not fit its annotation. ``convert`` maps a
    type to the conversion ``to_dict`` uses for it (``str``, ``int``, ``bool``,
    ``float``, ``datetime``, ``bytes``; ``Enum`` for every enum class, ``list`` for a
    sequence, ``dict`` for a mapping); a value it raises on is the misfit."""
    return _walk(obj, type(obj), "", convert, member=False)


def _walk(
    value: object, hint: Any, path: str, convert: Conversions, *, member: bool
) -> Misfit | None:
    """``member``: ``value`` is a structure's member (a None there breaks ``required``),
    not a list item or map value (where it breaks the type of a dense collection)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        hint = _main_option(options)
        origin = typing.get_origin(hint)
    if value is None and member:
        return Misfit(path, "required", "a value is required")
    if origin is not None and issubclass(origin, Mapping):
        return _walk_mapping(value, typing.get_args(hint), path, convert)
    if origin is not None and issubclass(origin, Sequence):
        return _walk_sequence(value, typing.get_args(hint)[0], path, convert)
    if hint is Any or not isinstance(hint, type):
        return None  # a document (any JSON) is written as it is
    cls: type = hint
    if Enum in cls.__mro__:  # an enum class (``issubclass`` would narrow ``cls`` away)
        return _try(convert[Enum], value, path, f"a str or {cls.__name__}")
    if cls in convert:
        found = _try(convert[cls], value, path, _article(cls.__name__))
        if found is not None and cls is datetime and isinstance(value, datetime):
            return found._replace(detail=_NAIVE)  # the only datetime it refuses
        return found
    if not isinstance(value, cls):
        return _wrong(path or "<root>", _article(cls.__name__), value)
    return _walk_members(value, cls, path, convert)


def _main_option(options: tuple[Any, ...]) -> Any:
    """The type an optional or enum-or-literal annotation stands for: its first
    option that is not None (``CaseStatus | CaseStatusLiteral | None``)."""
    return next(option for option in options if option is not type(None))


def _walk_sequence(value: object, item: Any, path: str, convert: Conversions) -> Misfit | None:
    found = _try(convert[list], value, path, "a list")
    if found is not None:
        return found
    for index, element in enumerate(typing.cast("Sequence[object]", value)):
        found = _walk(element, item, f"{path}[{index}]", convert, member=False)
        if found is not None:
            return found
    return None


def _walk_mapping(
    value: object, args: tuple[Any, ...], path: str, convert: Conversions
) -> Misfit | None:
    found = _try(convert[dict], value, path, "a dict")
    if found is not None:
        return found
    for key, element in typing.cast("Mapping[object, object]", value).items():
        where = f"{path}[{key!r}]"
        found = _walk(key, args[0], where, convert, member=False)
        if found is not None:
            return found._replace(detail="keys: " + found.detail)
        found = _walk(element, args[1], where, convert, member=False)
        if found is not None:
            return found
    return None


def _walk_members(value: object, cls: type, path: str, convert: Conversions) -> Misfit | None:
    prefix = f"{path}." if path else ""
    for name, hint in _member_hints(cls).items():
        found = _walk(getattr(value, name, None), hint, prefix + name, convert, member=True)
        if found is not None:
            return found
    return None


@cache
def _member_hints(cls: type) -> dict[str, Any]:
    """The annotated members ``to_dict`` converts: a shape's attributes, or a modeled
    error's message and fields (the keyword arguments of its ``__init__`` beyond
    ServiceError's)."""
    owner: Any = cls
    if issubclass(cls, BaseException):
        hints = typing.get_type_hints(owner.__init__)
        return {n: h for n, h in hints.items() if n not in _ERROR_BASE}
    hints = typing.get_type_hints(owner)
    return {
        n: h
        for n, h in hints.items()
        if n not in _SKIPPED and typing.get_origin(h) is not typing.ClassVar
    }


def _try(
    conversion: Callable[[Any], object], value: object, path: str, expected: str
) -> Misfit | None:
    try:
        conversion(value)
    except Exception:  # what the conversion raises is the point: any of them
        pass
    else:
        return None
    return _wrong(path, expected, value)


def _wrong(path: str, expected: str, value: object) -> Misfit:
    return Misfit(path, "type", f"expected {expected}, got {got(value)}")


def _article(name: str) -> str:
    """``bytes``, ``a float``, ``an aware datetime``, ``a CaseDetails``."""
    if name == "bytes":
        return "bytes"
    if name == "datetime":
        return "an aware datetime"
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"
