"""Conversion of generated shapes to and from JSON-ready dicts: :func:`to_dict` and
:func:`from_dict`.

The per-class code is generated: each service package has an ``_interchange.py`` with
one ``_out_*`` and one ``_in_*`` function per shape (and per modeled error), straight-line
code that knows every member's Python and wire name and its type. This module supplies
the scalar conversions those functions call (the wire's own writers and parsers from
:mod:`awsmith._core.serde`, behind a type check) and wires them into
``cattrs.Converter``\\ s: a hook factory finds a class's generated pair the first time
the class is converted, and cattrs' dispatch caches the hook from then on.

Why cattrs only dispatches: its own functions (``cattrs.gen.make_dict_unstructure_fn``
and ``make_dict_structure_fn`` over the attrs classes) know the classes but not the
model. They would write a value of the wrong type as it is (text where a list belongs
as a list of its characters) instead of refusing it, and know neither the wire names,
nor which lists and maps keep their nulls, nor the defaults the parser gives a
required member a response leaves out, nor the name-style hint; each would be a hook
of ours again. Nor are they faster where it matters: on benchmarks/interchange.py's
1,000-case DescribeCases response, ``structure`` took 48 ms against ``from_dict``'s
36 ms, and ``unstructure`` 15 ms against ``to_dict``'s 21 ms, the difference being the
type checks it leaves out (measured once, side by side, on the loaded 2-core machine).

``cattrs`` is imported on the first conversion, not with ``awsmith``.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn, TypeVar, cast

from awsmith._core.errors import ParamValidationError, ResponseParseError, ServiceError
from awsmith._core.serde import (
    Path,
    b64encode,
    float_out,
    got,
    in_utc,
    join,
    p_bool,
    p_enum,
    p_float,
    p_int,
    p_timestamp,
    ts_iso,
)
from awsmith._core.validation import invalid

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

#: The two name styles: the attributes' snake_case names, or the service's own.
Names = Literal["python", "wire"]


class ShapeConversions(NamedTuple):
    """The generated conversions of one class: ``out(obj, wire, omit_none) -> dict`` and
    ``into(data, path, wire, strict) -> obj``. (cattrs registers them as its "hooks";
    they are not the interceptors' :class:`~awsmith._core.interceptors.StageHooks`.)"""

    out: Callable[[Any, bool, bool], dict[str, Any]]
    into: Callable[[Any, Path, bool, bool], Any]


# ---------------------------------------------------------------- to_dict helpers
#
# The generated ``_out_*`` functions check every value they write against its member's
# type, as the validation of a request does (``check_str``, ``check_int``, ...): the
# common case inline (``x if type(x) is str else o_str(x)``), the rest here. A value of
# the wrong type raises ``Unconvertible`` wherever it is met, without a path: only then
# does :func:`to_dict` walk the object again (``awsmith._core.locate``), with these same
# functions, to name the value and what was expected. So what to_dict writes is always
# what from_dict reads back to an equal object.


class Unconvertible(Exception):
    """A value ``to_dict`` cannot write; :func:`to_dict` finds where and reports it."""


def unconvertible() -> NoReturn:
    raise Unconvertible


def o_str(value: object) -> str:
    """Text, as ``check_str`` accepts it: a ``str``, or a subclass's (an enum member's)
    text as a plain ``str``."""
    if isinstance(value, str):
        return str.__str__(value)
    raise Unconvertible


def o_int(value: object) -> int:
    """An integer (not a ``bool``), as ``check_int`` accepts it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise Unconvertible


def o_bool(value: object) -> bool:
    if type(value) is bool:
        return value
    raise Unconvertible


def o_float(value: object) -> float | int | str:
    """A double (``float`` or ``int``, not a ``bool`` or ``Decimal``, as ``check_float``
    accepts it), written as the wire writes it (``serde.float_out``: NaN and Infinity as
    the strings the AWS protocols use)."""
    if type(value) is float:
        return float_out(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unconvertible
    return int(value) if isinstance(value, int) else float_out(float(value))


def o_enum(value: object) -> str:
    """An enum member (or, in a request built in code, its literal) as a plain ``str``."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return str.__str__(value)
    raise Unconvertible


def o_timestamp(value: object) -> str:
    """An aware ``datetime`` as the wire's ISO 8601 writer (``serde.ts_iso``) writes it,
    but with four-digit years always, so :func:`i_timestamp` reads every value back."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise Unconvertible
    return ts_iso(value, padded=True)


def o_blob(value: object) -> str:
    """Base64 text of ``bytes`` (or ``bytearray``/``memoryview``, as ``check_bytes``
    accepts them)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return b64encode(cast("bytes", value))
    raise Unconvertible


def o_list(value: object) -> Sequence[Any]:
    """A list's items (any sequence but text and bytes, as ``check_list`` accepts)."""
    if type(value) is list or (
        isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)
    ):
        return value  # pyright: ignore[reportUnknownVariableType]  # any items
    raise Unconvertible


def o_map(value: object) -> Mapping[Any, Any]:
    if isinstance(value, Mapping):
        return value  # pyright: ignore[reportUnknownVariableType]  # any entries
    raise Unconvertible


# ---------------------------------------------------------------- from_dict helpers


def mistyped(path: Path, name: str, expected: str, value: object) -> NoReturn:
    """Refuses a value of ``data`` that is not of its member's type (``rule`` ``"type"``),
    as ``serde.fail`` refuses one of a response."""
    invalid(join(path, name) or "<root>", "type", f"expected {expected}, got {got(value)}")


def i_fields(
    data: object, path: Path, name: str, keys: tuple[frozenset[str], frozenset[str]],
    wire: bool, strict: bool,
) -> dict[str, Any]:  # fmt: skip
    """The dict of a structure. ``keys``: its members' Python and wire names; ``wire``
    says which the dict should use. Keys that are neither are unknown: refused when
    ``strict``, else ignored, as the service's parser ignores members it does not know.
    A key of the other name style is always refused, with a hint: a dict in Python
    names read with ``names="wire"`` would otherwise read as all None."""
    if type(data) is not dict:
        if not isinstance(data, Mapping):
            mistyped(path, name, "a dict", data)
        data = dict(data)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]
    fields: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType, reportAssignmentType]
    own = keys[wire]
    if not own.issuperset(fields):
        _unknown_keys(fields, join(path, name), own, keys[not wire], wire, strict)
    return fields


def _unknown_keys(
    fields: dict[str, Any], where: str, own: frozenset[str], other: frozenset[str],
    wire: bool, strict: bool,
) -> None:  # fmt: skip
    unknown = [k for k in fields if k not in own]
    style = [k for k in unknown if k in other]
    if style:
        given, other_style = ("wire", "Python") if wire else ("Python", "wire")
        kind = f"are {other_style} names, not {given} names" if len(style) > 1 else (
            f"is a {other_style} name, not a {given} name"
        )
        invalid(
            join(where, str(style[0])),
            "unknown",
            f"{', '.join(map(repr, style))} {kind}: the dict looks like {other_style} "
            f"names; pass names={other_style.lower()!r}",
        )
    if strict:
        invalid(
            join(where, str(unknown[0])),
            "unknown",
            f"unknown key {', '.join(map(repr, unknown))}; expected one of {', '.join(sorted(own))}",
        )


def absent(path: Path, name: str, strict: bool, default: Any) -> Any:
    """The value of a required member the dict leaves out or holds as None: refused
    when ``strict``; else ``default``, the wire value of the default the service's
    parser gives a required member a response leaves out (Smithy's client error
    correction, models/README.md), so from_dict reads what the parser reads."""
    if strict:
        invalid(join(path, name), "required", "a value is required")
    return default


def _checked(
    parse: Callable[[object, Path, str], T], value: object, path: Path, name: str, expected: str
) -> T:
    """``parse`` (the service parser's own conversion), its error reported as bad input."""
    try:
        return parse(value, path, name)
    except ResponseParseError:
        mistyped(path, name, expected, value)


def i_str(value: object, path: Path, name: str) -> str:
    """Text; a ``str`` subclass (an enum member set in code) as its plain ``str``."""
    if isinstance(value, str):
        return str.__str__(value)
    mistyped(path, name, "a string", value)


def i_bool(value: object, path: Path, name: str) -> bool:
    return _checked(p_bool, value, path, name, "a boolean")


def i_int(value: object, path: Path, name: str) -> int:
    return _checked(p_int, value, path, name, "an integer")


def i_float(value: object, path: Path, name: str) -> float:
    return _checked(p_float, value, path, name, "a number")


def i_blob(value: object, path: Path, name: str, wire: bool) -> bytes:
    """Base64 text, as the wire has it, or ``bytes`` (``bytearray``, ``memoryview``: a
    botocore fixture's blobs). With wire names also a binary stream, read to its end:
    botocore's ``StreamingBody`` of a blob payload (CodeGuru Profiler's
    ``GetProfile``), which a boto3 response holds instead of the bytes."""
    if type(value) is bytes:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(cast("bytes", value))
    if type(value) is str:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            mistyped(path, name, "base64 text", value)
    read = getattr(value, "read", None) if wire else None
    if read is None:
        mistyped(path, name, "base64 text or bytes", value)
    data = read()
    if not isinstance(data, bytes | bytearray):
        mistyped(path, name, "a binary stream (its read() returned text)", value)
    return bytes(data)


def i_timestamp(value: object, path: Path, name: str, wire: bool) -> datetime:
    """Any wire form the service's parser reads (ISO 8601, epoch seconds as a number or
    text, an HTTP date), or a ``datetime``: an aware one (a botocore fixture's, or a
    boto3 response's, which botocore gives in the local zone for epoch seconds) in UTC,
    as the parser gives it; with wire names a naive one too, read as UTC, as the
    parser reads ISO 8601 without an offset (botocore leaves such a value naive)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            if not wire:
                mistyped(path, name, "an aware datetime (naive datetimes are ambiguous)", value)
            return value.replace(tzinfo=UTC)
        return in_utc(value)
    if type(value) is bool:
        mistyped(path, name, "a timestamp", value)
    try:
        return p_timestamp(value, path, name)
    except ResponseParseError:
        mistyped(path, name, "a timestamp (ISO 8601 or epoch seconds)", value)


def i_enum(cls: type[E], value: object, path: Path, name: str) -> E:
    """An enum value; values the model does not list are kept, as the parser keeps them."""
    if not isinstance(value, str):
        mistyped(path, name, "a string", value)
    return p_enum(cls, str(value), path, name)  # type: ignore[type-var]


def i_list(value: object, path: Path, name: str) -> list[Any]:
    if type(value) is list:
        return value  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, tuple):
        return list(value)  # pyright: ignore[reportUnknownArgumentType]
    mistyped(path, name, "a list", value)


def i_map(value: object, path: Path, name: str) -> dict[str, Any]:
    if type(value) is dict:
        return value  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, Mapping):
        return dict(value)  # pyright: ignore[reportUnknownArgumentType]
    mistyped(path, name, "a dict", value)


# ---------------------------------------------------------------- the converters


@cache
def _conversions_of_module(package: str) -> Mapping[type, ShapeConversions]:
    try:
        module = importlib.import_module(f"{package}._interchange")
    except ImportError:
        return {}
    table: Mapping[type, ShapeConversions] = getattr(module, "CONVERSIONS", {})
    return table


def conversions_for(cls: type) -> ShapeConversions | None:
    """The generated conversions of ``cls``, a shape or modeled error class of a generated
    package (``awsmith.support.shapes.CaseDetails``); None for any other class."""
    module = sys.modules.get(getattr(cls, "__module__", ""))
    package = getattr(module, "__package__", None)
    if not package:
        return None
    return _conversions_of_module(package).get(cls)


@cache
def dumper(wire: bool, omit_none: bool) -> cattrs.Converter:
    """The ``cattrs.Converter`` of ``to_dict`` for one name style and None policy,
    built once."""
    import cattrs

    conv = cattrs.Converter()

    def unstructure_factory(cls: type) -> Callable[[Any], dict[str, Any]]:
        out = _conversions(cls).out
        return lambda obj: out(obj, wire, omit_none)

    conv.register_unstructure_hook_factory(_is_generated, unstructure_factory)
    return conv


@cache
def loader(wire: bool, strict: bool) -> cattrs.Converter:
    """The ``cattrs.Converter`` of ``from_dict`` for one name style and strictness,
    built once."""
    import cattrs

    conv = cattrs.Converter()

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        into = _conversions(cls).into
        return lambda data, _cls: into(data, "", wire, strict)

    conv.register_structure_hook_factory(_is_generated, structure_factory)
    return conv


def _is_generated(cls: Any) -> bool:
    return isinstance(cls, type) and conversions_for(cls) is not None


def _conversions(cls: type) -> ShapeConversions:
    found = conversions_for(cls)
    assert found is not None  # the factories only see classes ``_is_generated`` accepted
    return found


def _names(names: str) -> bool:
    if names not in ("python", "wire"):
        raise ValueError(f"names must be 'python' or 'wire', got {names!r}")
    return names == "wire"


#: The conversions of ``to_dict``, by the type they write (``Enum``: any enum class;
#: ``list`` and ``dict``: any sequence and mapping): how
#: :func:`~awsmith._core.locate.misfit` tries each value as the generated code does.
_WRITERS: Mapping[type, Callable[[Any], object]] = {
    str: o_str,
    bool: o_bool,
    int: o_int,
    float: o_float,
    Enum: o_enum,
    datetime: o_timestamp,
    bytes: o_blob,
    list: o_list,
    dict: o_map,
}


def to_dict(obj: object, *, names: Names = "python", omit_none: bool = True) -> dict[str, Any]:
    """A generated shape (request, response, nested structure) or modeled error as a
    JSON-ready dict: ``json.dumps`` takes it as it is.

    Timestamps become ISO 8601 text in UTC with a ``Z`` (an instant UTC cannot hold,
    which a response may carry, at its own offset), blobs base64 text, enums their
    string values (values the model does not list included), documents stay as they are.
    A null item of a sparse list or map stays ``None`` in its place. A response's
    ``response_metadata`` is left out.

    Every value is checked against its member's type as the validation of a request
    checks it (constraints such as lengths and patterns aside), so what ``to_dict``
    writes, :func:`from_dict` reads back to an equal object: text where a list
    belongs is refused, not written as a list of its characters.

    Args:
        obj: The object to convert.
        names: ``"python"`` for the attributes' snake_case names (``case_id``), ``"wire"``
            for the service's own member names (``caseId``), as the API reference, the
            AWS CLI's JSON output and botocore show them.
        omit_none: Leave out optional members that are None (the default); False
            writes them as ``None``.

    Raises:
        TypeError: ``obj`` is not a generated shape or error.
        ParamValidationError: a value in ``obj`` does not have its member's type: a
            required member that is None (``rule`` ``"required"``), or (``rule``
            ``"type"``) text that is not a ``str``, a number that is not an ``int``
            (or, for a double, a ``float``; never a ``bool`` or ``Decimal``), a
            timestamp that is not an aware ``datetime``, a blob that is not ``bytes``,
            a list that is not a sequence (or is text), a None in a list or map that
            is not sparse, a nested shape of the wrong class. ``field`` is its path in
            Python names (``cases[0].time_created``) and the message says what was
            expected.
    """
    wire = _names(names)
    cls = type(obj)
    if conversions_for(cls) is None:
        raise TypeError(f"to_dict takes a generated shape or error, got {cls.__name__}")
    try:
        result: dict[str, Any] = dumper(wire, omit_none).unstructure(obj)
    except (Unconvertible, TypeError, AttributeError, ValueError, OverflowError) as exc:
        raise _unconvertible(obj, exc) from None
    return result


def _unconvertible(obj: object, exc: Exception) -> ParamValidationError:
    """The error that names the value in ``obj`` the conversion failed on."""
    from awsmith._core.locate import misfit  # only when something is wrong

    found = misfit(obj, _WRITERS)
    if found is None:  # pragma: no cover - every failing conversion is one misfit knows
        return ParamValidationError("<root>", "type", f"cannot be converted: {exc!r}")
    return ParamValidationError(found.path, found.rule, found.detail)


def from_dict(
    cls: type[T],
    data: Mapping[str, Any],
    *,
    names: Names = "python",
    strict: bool | None = None,
) -> T:
    """The ``cls`` object ``data`` describes: the inverse of :func:`to_dict`.

    Every scalar is converted as the service's parser converts it: timestamps from ISO
    8601, epoch seconds or an HTTP date (or a ``datetime``, given in UTC as the parser
    gives it), blobs from base64 text (or ``bytes``), enums from their string values,
    unknown values kept; a null item of a dense list or map is dropped, of a sparse one
    kept (the parser's rule, models/README.md). So ``from_dict(type(x), to_dict(x)) ==
    x``, for both name styles.

    With ``names="wire"`` it reads what botocore's parser returns for a response, as
    awsmith's parser reads the response itself: the AWS CLI's JSON output, a boto3 or
    aiobotocore response (``ResponseMetadata`` and all) or a botocore ``Stubber``
    fixture. Besides the lenient reading below, that takes a naive ``datetime`` as UTC
    (botocore leaves a timestamp sent without an offset naive; the parser reads it as
    UTC) and reads a binary stream (botocore's ``StreamingBody`` of a blob payload) to
    its end, once: the stream is used up afterwards.

    Args:
        cls: The generated shape or modeled error class to make.
        data: The dict to read.
        names: ``"python"`` or ``"wire"``, as for :func:`to_dict`. A key that is a
            member's name in the other style (``case_id`` with ``names="wire"``) is
            refused, saying which to pass, whatever ``strict`` says.
        strict: Read the dict as exact data rather than as the service's parser reads
            a response. True refuses a key that is not a member of its shape and a
            required member left out (or None). False ignores unknown keys (members
            newer than awsmith's model, or botocore's ``ResponseMetadata``) and gives
            a required member left out the default the parser gives it (``""``, ``0``,
            ``False``, ``[]``, ...; models/README.md, "Required members a response
            leaves out"). By default True for Python names (a misspelt ``case_idd`` is
            a mistake worth hearing about) and False for wire names.

    Raises:
        TypeError: ``cls`` is not a generated shape or error class.
        ParamValidationError: a value has the wrong type or cannot be read, a key is
            unknown (strict) or of the other name style, or a required member is
            missing (strict); ``field`` is the path of the value in ``data``'s names
            (``cases[3].recent_communications.communications[0].time_created``).
    """
    wire = _names(names)
    if not isinstance(cls, type) or conversions_for(cls) is None:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"from_dict takes a generated shape or error class, got {cls!r}")
    if strict is None:
        strict = not wire
    elif type(strict) is not bool:
        raise TypeError(f"strict must be True, False or None, got {strict!r}")
    result: T = loader(wire, strict).structure(data, cls)
    return result


def message_only(cls: type[ServiceError], wire_key: str) -> ShapeConversions:
    """The conversions of a modeled error with no fields but its message (``wire_key``
    in the service's names)."""

    def out(error: ServiceError, wire: bool, omit: bool) -> dict[str, Any]:
        key = wire_key if wire else "message"
        if error.message is None:
            return {} if omit else {key: None}
        return {key: o_str(error.message)}

    keys = (frozenset({"message"}), frozenset({wire_key}))

    def into(data: Any, path: Path, wire: bool, strict: bool) -> ServiceError:
        fields = i_fields(data, path, "", keys, wire, strict)
        key = wire_key if wire else "message"
        value = fields.get(key)
        return cls(None if value is None else i_str(value, path, key))

    return ShapeConversions(out, into)
