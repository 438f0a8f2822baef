"""Conversion of generated shapes to and from JSON-ready dicts: :func:`to_dict` and
:func:`from_dict`.

The per-class code is generated: each service package has an ``_interchange.py`` with
one ``_out_*`` and one ``_in_*`` function per shape (and per modeled error), straight-line
code that knows every member's Python and wire name and its type. This module supplies
the scalar conversions those functions call and wires them into ``cattrs.Converter``\\ s:
a hook factory finds a class's generated pair the first time the class is converted,
and cattrs' dispatch caches the hook from then on.

``cattrs`` is imported on the first conversion, not with ``awsmith``.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import math
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn, TypeVar

from awsmith._core.errors import ParamValidationError, ResponseParseError, ServiceError
from awsmith._core.serde import Path, join, p_bool, p_enum, p_float, p_int, p_str, p_timestamp

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

#: The two name styles: the attributes' snake_case names, or the service's own.
Names = Literal["python", "wire"]


class Hooks(NamedTuple):
    """The generated conversions of one class: ``out(obj, wire, omit_none) -> dict`` and
    ``into(data, path, wire, strict) -> obj``."""

    out: Callable[[Any, bool, bool], dict[str, Any]]
    into: Callable[[Any, Path, bool, bool], Any]


# ---------------------------------------------------------------- to_dict helpers


class _NaiveDatetime(Exception):
    """A naive datetime reached ``to_dict``; :func:`to_dict` finds where and reports it."""


def o_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, microseconds only when there are some; years are
    always four digits, so :func:`i_timestamp` reads every value back."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise _NaiveDatetime
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def o_blob(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def o_float(value: float) -> float | str:
    """JSON has no NaN or Infinity: written as the strings the AWS protocols use."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def o_enum(value: str) -> str:
    """An enum member (or, in a request built in code, its literal) as a plain ``str``."""
    return value.value if isinstance(value, Enum) else value  # pyright: ignore[reportUnnecessaryIsInstance]


# ---------------------------------------------------------------- from_dict helpers


def bad(path: Path, name: str, expected: str, value: object) -> NoReturn:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise ParamValidationError(
        join(path, name) or "<root>",
        "type",
        f"expected {expected}, got {type(value).__name__} {shown}",
    )


def i_fields(
    data: object, path: Path, name: str, keys: frozenset[str], strict: bool
) -> dict[str, Any]:
    """The dict of a structure; ``strict``: every key must be one of ``keys`` (else the
    others are ignored, as the service's parser ignores members it does not know)."""
    if type(data) is not dict:
        if not isinstance(data, Mapping):
            bad(path, name, "a dict", data)
        data = dict(data)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    fields: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType, reportAssignmentType]
    if strict and not keys.issuperset(fields):
        unknown = [k for k in fields if k not in keys]
        raise ParamValidationError(
            join(join(path, name), str(unknown[0])),
            "unknown",
            f"unknown key {', '.join(map(repr, unknown))}; expected one of {', '.join(sorted(keys))}",
        )
    return fields


def required(path: Path, name: str) -> NoReturn:
    raise ParamValidationError(join(path, name), "required", "a value is required")


def _checked(
    parse: Callable[[object, Path, str], T], value: object, path: Path, name: str, expected: str
) -> T:
    """``parse`` (the service parser's own conversion), its error reported as bad input."""
    try:
        return parse(value, path, name)
    except ResponseParseError:
        bad(path, name, expected, value)


def i_str(value: object, path: Path, name: str) -> str:
    return _checked(p_str, value, path, name, "a string")


def i_bool(value: object, path: Path, name: str) -> bool:
    return _checked(p_bool, value, path, name, "a boolean")


def i_int(value: object, path: Path, name: str) -> int:
    return _checked(p_int, value, path, name, "an integer")


def i_float(value: object, path: Path, name: str) -> float:
    return _checked(p_float, value, path, name, "a number")


def i_blob(value: object, path: Path, name: str) -> bytes:
    """Base64 text, as the wire has it, or ``bytes`` (a botocore fixture's blobs)."""
    if type(value) is bytes:
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if type(value) is str:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            bad(path, name, "base64 text", value)
    bad(path, name, "base64 text or bytes", value)


def i_timestamp(value: object, path: Path, name: str) -> datetime:
    """An aware ``datetime`` (a botocore fixture's timestamps), or any wire form the
    service's parser reads: ISO 8601, epoch seconds (number or text), an HTTP date."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            bad(path, name, "an aware datetime (naive datetimes are ambiguous)", value)
        return value
    if type(value) is bool:
        bad(path, name, "a timestamp", value)
    try:
        return p_timestamp(value, path, name)
    except ResponseParseError:
        bad(path, name, "a timestamp (ISO 8601 or epoch seconds)", value)


def i_enum(cls: type[E], value: object, path: Path, name: str) -> E:
    """An enum value; values the model does not list are kept, as the parser keeps them."""
    if not isinstance(value, str):
        bad(path, name, "a string", value)
    return p_enum(cls, str(value), path, name)  # type: ignore[type-var]


def i_list(value: object, path: Path, name: str) -> list[Any]:
    if type(value) is list:
        return value  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, tuple):
        return list(value)  # pyright: ignore[reportUnknownArgumentType]
    bad(path, name, "a list", value)


def i_map(value: object, path: Path, name: str) -> dict[str, Any]:
    if type(value) is dict:
        return value  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, Mapping):
        return dict(value)  # pyright: ignore[reportUnknownArgumentType]
    bad(path, name, "a dict", value)


# ---------------------------------------------------------------- the converters


@cache
def _hooks_of_module(package: str) -> Mapping[type, Hooks]:
    try:
        module = importlib.import_module(f"{package}._interchange")
    except ImportError:
        return {}
    table: Mapping[type, Hooks] = getattr(module, "HOOKS", {})
    return table


def hooks_for(cls: type) -> Hooks | None:
    """The generated hooks of ``cls``, a shape or modeled error class of a generated
    package (``awsmith.support.shapes.CaseDetails``); None for any other class."""
    module = sys.modules.get(getattr(cls, "__module__", ""))
    package = getattr(module, "__package__", None)
    if not package:
        return None
    return _hooks_of_module(package).get(cls)


@cache
def converter(wire: bool, omit_none: bool, strict: bool = True) -> cattrs.Converter:
    """The ``cattrs.Converter`` of one name style, None policy (``to_dict``) and
    strictness (``from_dict``), built once."""
    import cattrs

    conv = cattrs.Converter()

    def is_generated(cls: Any) -> bool:
        return isinstance(cls, type) and hooks_for(cls) is not None

    def unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
        out = _hooks(cls).out
        return lambda obj: out(obj, wire, omit_none)

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        into = _hooks(cls).into
        return lambda data, _cls: into(data, "", wire, strict)

    conv.register_unstructure_hook_factory(is_generated, unstructure_factory)
    conv.register_structure_hook_factory(is_generated, structure_factory)
    return conv


def _hooks(cls: type) -> Hooks:
    hooks = hooks_for(cls)
    assert hooks is not None  # the factories only see classes ``is_generated`` accepted
    return hooks


def _names(names: str) -> bool:
    if names not in ("python", "wire"):
        raise ValueError(f"names must be 'python' or 'wire', got {names!r}")
    return names == "wire"


#: The conversions of ``to_dict`` that can fail on a value of the wrong type, by the
#: type they expect: how :func:`~awsmith._core.locate.misfit` finds the value.
_CONVERSIONS: Mapping[type, Callable[[Any], object]] = {
    datetime: o_timestamp,
    bytes: o_blob,
    float: o_float,
}


def to_dict(obj: object, *, names: Names = "python", omit_none: bool = True) -> dict[str, Any]:
    """A generated shape (request, response, nested structure) or modeled error as a
    JSON-ready dict: ``json.dumps`` takes it as it is.

    Timestamps become ISO 8601 text in UTC with a ``Z``, blobs base64 text, enums their
    string values (values the model does not list included), documents stay as they are.
    A null item of a sparse list or map stays ``None`` in its place. A response's
    ``response_metadata`` is left out.

    Args:
        obj: The object to convert.
        names: ``"python"`` for the attributes' snake_case names (``case_id``), ``"wire"``
            for the service's own member names (``caseId``), as the API reference, the
            AWS CLI's JSON output and botocore show them.
        omit_none: Leave out members that are None (the default); False writes them
            as ``None``.

    Raises:
        TypeError: ``obj`` is not a generated shape or error.
        ParamValidationError: a value in ``obj`` cannot be converted: a timestamp that
            is not an aware ``datetime`` (or not one UTC can hold), a blob that is not
            ``bytes``, a number that is not a ``float`` or ``int``, a nested shape of
            the wrong class. ``field`` is its path in Python names
            (``cases[0].time_created``) and the message says what was expected.
    """
    wire = _names(names)
    cls = type(obj)
    if hooks_for(cls) is None:
        raise TypeError(f"to_dict takes a generated shape or error, got {cls.__name__}")
    try:
        result: dict[str, Any] = converter(wire, omit_none).unstructure(obj)
    except (_NaiveDatetime, TypeError, AttributeError, ValueError, OverflowError) as exc:
        raise _unconvertible(obj, exc) from None
    return result


def _unconvertible(obj: object, exc: Exception) -> ParamValidationError:
    """The error that names the value in ``obj`` the conversion failed on."""
    from awsmith._core.locate import misfit  # only when something is wrong

    found = misfit(obj, _CONVERSIONS)
    if found is None:  # pragma: no cover - every failing conversion is one misfit knows
        return ParamValidationError("<root>", "type", f"cannot be converted: {exc!r}")
    return ParamValidationError(found.path, "type", found.detail)


def from_dict(
    cls: type[T],
    data: Mapping[str, Any],
    *,
    names: Names = "python",
    strict: bool | None = None,
) -> T:
    """The ``cls`` object ``data`` describes: the inverse of :func:`to_dict`.

    Every scalar is converted as the service's parser converts it: timestamps from ISO
    8601, epoch seconds or an HTTP date (or an aware ``datetime``), blobs from base64
    text (or ``bytes``), enums from their string values, unknown values kept; a null
    item of a dense list or map is dropped, of a sparse one kept (the parser's rule,
    models/README.md). So ``from_dict(type(x), to_dict(x)) == x``, for both name
    styles, and the AWS CLI's JSON output, a boto3 or aiobotocore response
    (``ResponseMetadata`` and all) or a botocore ``Stubber`` fixture can be read with
    ``names="wire"``.

    Args:
        cls: The generated shape or modeled error class to make.
        data: The dict to read.
        names: ``"python"`` or ``"wire"``, as for :func:`to_dict`.
        strict: Refuse a key that is not a member of its shape. By default True for
            Python names (a misspelt ``case_idd`` is a mistake worth hearing about) and
            False for wire names, which are read as the service's parser reads a
            response: members the model does not know (newer than awsmith's model, or
            botocore's ``ResponseMetadata``) are ignored.

    Raises:
        TypeError: ``cls`` is not a generated shape or error class.
        ParamValidationError: a value has the wrong type or cannot be read, a key is
            unknown (strict), or a required member is missing; ``field`` is the path
            of the value in ``data``'s names
            (``cases[3].recent_communications.communications[0].time_created``).
    """
    wire = _names(names)
    if not isinstance(cls, type) or hooks_for(cls) is None:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"from_dict takes a generated shape or error class, got {cls!r}")
    if strict is None:
        strict = not wire
    elif type(strict) is not bool:
        raise TypeError(f"strict must be True, False or None, got {strict!r}")
    result: T = converter(wire, True, strict).structure(data, cls)
    return result


def message_only(cls: type[ServiceError], wire_key: str) -> Hooks:
    """The hooks of a modeled error with no fields but its message (``wire_key`` in the
    service's names)."""

    def out(error: ServiceError, wire: bool, omit: bool) -> dict[str, Any]:
        key = wire_key if wire else "message"
        if error.message is None:
            return {} if omit else {key: None}
        return {key: error.message}

    keys = (frozenset({"message"}), frozenset({wire_key}))

    def into(data: Any, path: Path, wire: bool, strict: bool) -> ServiceError:
        fields = i_fields(data, path, "", keys[wire], strict)
        key = wire_key if wire else "message"
        value = fields.get(key)
        return cls(None if value is None else i_str(value, path, key))

    return Hooks(out, into)
