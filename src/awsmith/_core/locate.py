"""Where :func:`awsmith.to_dict` met a value it cannot convert, and what it expected.

``to_dict`` converts with generated straight-line code that trusts the attributes'
types: nothing is checked on the way, so a correct object costs nothing extra. When
something set in code has the wrong type (text for a ``datetime``, ``str`` for
``bytes``, a ``dict`` for a nested shape) or cannot be converted (a naive ``datetime``,
year 1 with an offset east of UTC), the conversion fails with whatever Python raised.
:func:`misfit` then walks the object again, slowly, along its classes' annotations,
trying each value the way the conversion does, and names the first that fails.

Only what the conversion itself would fail on is reported: ``str``, ``int``, ``bool``
and enum members are copied as they are and never checked here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

#: The members of a ServiceError that are not modeled fields (its own state).
_ERROR_BASE = frozenset({"message", "code", "status_code", "request_id", "raw", "return"})
#: A response's metadata is left out of to_dict: never walked.
_SKIPPED = frozenset({"response_metadata"})


class Misfit(NamedTuple):
    """The first value ``to_dict`` cannot convert: where (Python names), and why."""

    path: str
    detail: str


def misfit(obj: object, convert: Mapping[type, Callable[[Any], object]]) -> Misfit | None:
    """The first value in ``obj`` that does not fit its annotation. ``convert`` maps a
    scalar type (``datetime``, ``bytes``, ``float``) to the conversion ``to_dict`` uses
    for it; a value it raises on is the misfit."""
    return _walk(obj, type(obj), "", convert)


def _walk(
    value: object, hint: Any, path: str, convert: Mapping[type, Callable[[Any], object]]
) -> Misfit | None:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        return _walk(value, _main_option(options), path, convert)
    if origin is typing.Literal:
        return None
    if origin is not None and issubclass(origin, Mapping):
        return _walk_mapping(value, typing.get_args(hint), path, convert)
    if origin is not None and issubclass(origin, Sequence):
        return _walk_sequence(value, typing.get_args(hint)[0], path, convert)
    if hint is Any or (isinstance(hint, type) and issubclass(hint, str | int | Enum)):
        return None  # copied as they are (int covers bool); documents are any JSON
    if not isinstance(hint, type):
        return None
    cls: type = hint
    if cls in convert:
        return _try(convert[cls], value, cls, path)
    if not isinstance(value, cls):
        return _wrong(path or "<root>", _article(cls.__name__), value)
    return _walk_members(value, cls, path, convert)


def _main_option(options: tuple[Any, ...]) -> Any:
    """The type an optional or enum-or-literal annotation stands for: its first
    option that is not None (``CaseStatus | CaseStatusLiteral | None``)."""
    return next(option for option in options if option is not type(None))


def _walk_sequence(
    value: object, item: Any, path: str, convert: Mapping[type, Callable[[Any], object]]
) -> Misfit | None:
    if not _is_list(value):
        return _wrong(path, "a list", value)
    for index, element in enumerate(typing.cast("Sequence[object]", value)):
        found = _walk(element, item, f"{path}[{index}]", convert)
        if found is not None:
            return found
    return None


def _is_list(value: object) -> bool:
    """What the conversion iterates as a list (text and mappings are not lists)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | Mapping)


def _walk_mapping(
    value: object,
    args: tuple[Any, ...],
    path: str,
    convert: Mapping[type, Callable[[Any], object]],
) -> Misfit | None:
    if not isinstance(value, Mapping):
        return _wrong(path, "a dict", value)
    for key, element in typing.cast("Mapping[object, object]", value).items():
        found = _walk(element, args[1], f"{path}[{key!r}]", convert)
        if found is not None:
            return found
    return None


def _walk_members(
    value: object, cls: type, path: str, convert: Mapping[type, Callable[[Any], object]]
) -> Misfit | None:
    prefix = f"{path}." if path else ""
    for name, hint in _member_hints(cls).items():
        found = _walk(getattr(value, name, None), hint, prefix + name, convert)
        if found is not None:
            return found
    return None


@cache
def _member_hints(cls: type) -> dict[str, Any]:
    """The annotated members ``to_dict`` converts: a shape's attributes, or a modeled
    error's fields (the keyword arguments of its ``__init__`` beyond ServiceError's)."""
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
    conversion: Callable[[Any], object], value: object, hint: type, path: str
) -> Misfit | None:
    try:
        conversion(value)
    except Exception:  # what the conversion raises is the point: any of them
        pass
    else:
        return None
    if hint is datetime and isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return Misfit(path, "expected an aware datetime (naive datetimes are ambiguous)")
        return Misfit(path, f"expected a datetime that UTC can hold, got {value.isoformat()}")
    return _wrong(path, _article(hint.__name__), value)


def _wrong(path: str, expected: str, value: object) -> Misfit:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return Misfit(path, f"expected {expected}, got {type(value).__name__} {shown}")


def _article(name: str) -> str:
    """``bytes``, ``a float``, ``an aware datetime``, ``a CaseDetails``."""
    if name == "bytes":
        return "bytes"
    if name == "datetime":
        return "an aware datetime"
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"
