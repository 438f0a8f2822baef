"""Value conversions used by the generated serializers and parsers.

Serializing (Python -> wire) assumes validated input. Parsing (wire -> Python) trusts
nothing: every helper checks the JSON type it is given and raises
:class:`~awsmith._core.errors.ResponseParseError` naming the member path, so a wrong
or hostile response never surfaces as a ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias, TypeVar
from urllib.parse import quote

from awsmith._core.errors import ResponseParseError
from awsmith._core.lazymodule import FirstUse
from awsmith._core.signing import pct_encode

if TYPE_CHECKING:
    import orjson
else:
    orjson = FirstUse("orjson", globals())

E = TypeVar("E", bound=StrEnum)
#: 1970-01-01T00:00:00Z: the time 0 of epoch seconds, and the value of a required
#: timestamp a response leaves out (Smithy's client error correction).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# ---------------------------------------------------------------- serializing


def b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def ts_epoch(value: datetime) -> int | float:
    """Epoch seconds, as botocore writes them: an int unless there are microseconds."""
    seconds = calendar.timegm(value.utctimetuple())
    if value.microsecond:
        return (seconds * 10**6 + value.microsecond) / 10**6
    return seconds


def ts_iso(value: datetime, padded: bool = False) -> str:
    """ISO 8601 in UTC with a ``Z``, microseconds only when there are some: the one
    writer of this format, for the wire and (``padded``) for ``to_dict``.

    The wire gets botocore's bytes. For a year before 1000 those are whatever
    ``strftime("%Y")`` writes, which botocore calls: ``999`` on Linux before Python 3.14,
    ``0999`` where the C library or Python pads it; so those years keep ``strftime``
    (``isoformat``, 3x faster, always pads). ``padded`` always writes four digits, as
    ISO 8601 asks and as ``from_dict`` reads them back (botocore's own parser reads
    ``5-01-01T00:00:00Z`` as 2001-05-01).

    An instant UTC cannot hold (``0001-01-01T00:30:00+01:00``: the parser keeps such a
    value at the offset it was sent with, :func:`in_utc`) is written at that offset. Only
    ``to_dict`` meets one: the validation of a request refuses it
    (:func:`~awsmith._core.validation.check_datetime`), as no wire format carries it."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return value.isoformat()
    if padded or utc.year >= 1000:
        return utc.replace(tzinfo=None).isoformat() + "Z"
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_http(value: datetime) -> str:
    from email.utils import format_datetime  # rare (HTTP-date members): not at import

    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def float_out(value: float) -> float | str:
    """JSON has no NaN or Infinity: AWS protocols send them as strings."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def float_text(value: float) -> str:
    out = float_out(value)
    return out if isinstance(out, str) else repr(float(out))


def label(value: str) -> str:
    """A URI label: every reserved character is percent-encoded, so no value can
    change the path (``/`` becomes ``%2F``)."""
    return pct_encode(value)


def greedy_label(value: str) -> str:
    """A greedy URI label (``{Key+}``): ``/`` is kept, everything else encoded."""
    return quote(value, safe="/-._~")


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def header_list(values: list[str]) -> str:
    """A list header: items with a comma or a quote are quoted, as botocore does."""
    return ",".join(
        '"' + v.replace('"', '\\"') + '"' if ('"' in v or "," in v) else v for v in values
    )


def header_date_list(values: list[str]) -> str:
    """A list header of timestamps: joined unquoted, as the protocols send HTTP dates
    (``Mon, 16 Dec 2019 23:48:18 GMT, Tue, ...``); ``h_date_list`` splits them again."""
    return ", ".join(values)


def content_md5(body: bytes) -> str:
    """The ``Content-MD5`` of a body (operations with ``httpChecksumRequired``)."""
    return b64encode(hashlib.md5(body).digest())


def json_header(value: Any) -> str:
    return b64encode(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def dump_json(body: dict[str, Any]) -> bytes:
    """Compact, ASCII-only JSON (non-ASCII text escaped as ``\\uXXXX``, like botocore).

    orjson where the result is ASCII anyway (25x faster here); the standard library for
    non-ASCII text and what orjson refuses (lone surrogates, integers beyond 64 bits),
    so the bytes never depend on which one ran.
    """
    try:
        out = orjson.dumps(body)
    except TypeError:
        out = b""
    if out and out.isascii():
        return out
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode("ascii")


# ---------------------------------------------------------------- parsing
#
# Parse helpers take the value, the path of its parent and its own name; the full path
# ("cases[0].caseId") is only built when something is wrong.

#: Where a value sits in a response, rendered only for an error message: the root
#: ``""``, or a tuple ``(parent, name)`` for a member or ``(parent, name, index)`` for
#: a list item (int) or a map value (its str key), built as parsers descend.
Path: TypeAlias = "str | tuple[Path, str] | tuple[Path, str, int | str]"


def render(path: Path) -> str:
    """``((("", "cases", 0), "recentCommunications")`` -> ``cases[0].recentCommunications``."""
    if type(path) is str:
        return path
    assert isinstance(path, tuple)
    text = join(path[0], path[1])
    if len(path) == 3:
        index = path[2]
        text += f"[{index!r}]" if type(index) is str else f"[{index}]"
    return text


def join(path: Path, name: str) -> str:
    """``cases[0]`` + ``caseId`` -> ``cases[0].caseId``; ``cases`` + ``[0]`` -> ``cases[0]``."""
    text = render(path)
    if not name:
        return text
    if name.startswith("[") or not text:
        return text + name
    return f"{text}.{name}"


def got(value: object) -> str:
    """A wrong value as every error message shows it: its type and its ``repr``, cut
    to 60 characters (``int 5``, ``str 'yesterday'``, ``dict {'caseId': 'case-1', ...``)."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{type(value).__name__} {shown}"


def fail(path: Path, name: str, expected: str, value: object) -> NoReturn:
    where = join(path, name) or "<root>"
    raise ResponseParseError(f"expected {expected} at {where}, got {got(value)}")


#: Every digit as ``0``, everything else as a space: a body with a run of 19 digits
#: (``_LONG_RUN``) may hold an integer beyond 64 bits, which orjson reads as a float
#: (``2**64 + 1`` as ``1.8446744073709552e19``) where ``json.loads`` keeps it exact.
#: ``bytes.translate`` and ``in`` look at a 9 KB body in a few µs, where a regular
#: expression search (``\d{19}``) took about 250 µs, five times orjson's whole decode.
_DIGITS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def loads(body: bytes, *, numbers: bool = True) -> Any:
    """``json.loads`` semantics at orjson's speed: what orjson refuses (NaN literals)
    or reads otherwise (integers beyond 64 bits) is read with the standard library
    before failing.

    ``numbers=False``: the caller reads no number of the body as a value (the shape it
    is read into has no number, timestamp or document member anywhere), so how orjson
    reads a long integer literal cannot matter, and the scan for one is skipped: 8 % of
    a DescribeCases call's instructions (benchmarks/instructions.py; docs/performance.md)."""
    if not numbers or _LONG_RUN not in body.translate(_DIGITS):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ResponseParseError(f"the body is not valid JSON ({exc})") from None


def load_json(body: bytes, *, numbers: bool = True) -> dict[str, Any]:
    """The JSON object of a response body; an empty body is ``{}``. ``numbers`` as
    for :func:`loads`: the generated parsers pass False for a shape without numbers."""
    if not body or body.isspace():
        return {}
    value = loads(body, numbers=numbers)
    if not isinstance(value, dict):
        fail("", "", "a JSON object", value)
    return value  # pyright: ignore[reportUnknownVariableType]  # JSON: str keys, Any values


def load_payload(body: bytes) -> dict[str, Any] | None:
    """The JSON object of a structure payload (the whole body is one member): an empty
    body is ``{}``, as for :func:`load_json`, and a body of ``null`` is None, the
    member sent as null (botocore reads it as None too)."""
    if not body or body.isspace():
        return {}
    value = loads(body)
    if value is None or isinstance(value, dict):
        return value  # pyright: ignore[reportUnknownVariableType]  # JSON: str keys, Any values
    fail("", "", "a JSON object or null", value)


def p_str(value: object, path: Path, name: str) -> str:
    if type(value) is str:
        return value
    fail(path, name, "a string", value)


def p_bool(value: object, path: Path, name: str) -> bool:
    if type(value) is bool:
        return value
    fail(path, name, "a boolean", value)


def p_int(value: object, path: Path, name: str) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    fail(path, name, "an integer", value)


_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def p_float(value: object, path: Path, name: str) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            # An integer literal beyond a double's range is the double it rounds to,
            # as the literal 1e400 is: infinity (IEEE 754 round-to-nearest).
            return math.inf if value > 0 else -math.inf
    if type(value) is str and value in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[value]
    fail(path, name, "a number", value)


def p_blob(value: object, path: Path, name: str) -> bytes:
    if type(value) is str:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            pass
    fail(path, name, "a base64 string", value)


def p_list(value: object, path: Path, name: str) -> list[Any]:
    if type(value) is list:
        return value  # pyright: ignore[reportUnknownVariableType]  # JSON: Any items
    fail(path, name, "a JSON array", value)


def p_map(value: object, path: Path, name: str) -> dict[str, Any]:
    if type(value) is dict:
        return value  # pyright: ignore[reportUnknownVariableType]  # JSON: str keys, Any values
    fail(path, name, "a JSON object", value)


def p_enum(cls: type[E], value: object, path: Path, name: str) -> E:
    """An enum value; values the model does not list are kept (see ``OpenEnum``)."""
    if type(value) is str:
        member = cls._value2member_map_.get(value)
        return member if member is not None else cls(value)  # type: ignore[return-value]
    fail(path, name, "a string", value)


def p_timestamp(value: object, path: Path, name: str) -> datetime:
    """A timestamp in any of the wire forms: epoch seconds (number or numeric string),
    ISO 8601 (also with a space for the ``T``, or ``UTC``/``GMT`` for the offset, as
    botocore reads it) or an HTTP date. Returns an aware datetime in UTC, or, for an
    instant UTC cannot hold (``0001-01-01T00:00:00+01:00``), at the offset it was sent
    with (see :func:`in_utc`)."""
    if type(value) is str:
        if value.isdigit():  # epoch seconds, not ISO 8601's basic "YYYYMMDD" (as botocore)
            return _timestamp_text(value, path, name)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return _timestamp_text(value, path, name)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed if parsed.tzinfo is UTC else in_utc(parsed)
    if type(value) is int or type(value) is float:
        return _from_epoch(value, path, name)
    fail(path, name, "a timestamp", value)


#: An ISO 8601 date-time whose offset is a zone name botocore reads (``UTC``, ``GMT``)
#: or stands apart from the time (``2024-01-01T00:00:00 +01:00``): ``fromisoformat``
#: reads neither. The time (after ``T`` or a space) before it keeps a date-only text
#: (``2024-01-01``) from being read as a time with an offset of ``-01``.
_ZONE_AFTER_TIME = re.compile(
    r"(?P<time>.*[T\s]\d{2}:?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)\s*"
    r"(?:(?P<utc>UTC|GMT|Z)|(?P<offset>[+-]\d{2}(?::?\d{2})?))",
    re.IGNORECASE,
)


def _timestamp_text(value: str, path: Path, name: str) -> datetime:
    """The forms ``fromisoformat`` does not read: epoch seconds as text, ISO 8601 with
    a lower-case ``z``, a zone name or a spaced offset, and HTTP dates."""
    text = value.strip()
    try:
        return _from_epoch(float(text), path, name)
    except ValueError:
        pass
    zoned = _ZONE_AFTER_TIME.fullmatch(text)
    if zoned is not None:
        text = zoned["time"] + ("+00:00" if zoned["utc"] else zoned["offset"])
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        from email.utils import parsedate_to_datetime  # the rare third format

        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            fail(path, name, "a timestamp", value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return in_utc(parsed)


def in_utc(moment: datetime) -> datetime:
    """An aware ``moment`` in UTC, as every timestamp awsmith reads is given. The
    instants near the ends of ``datetime``'s range that UTC cannot hold
    (``0001-01-01T00:00:00+01:00`` is 23:00 UTC on the day before year 1;
    ``9999-12-31T23:59:59-08:00`` is in year 10000) keep their own offset, as a
    ``datetime.timezone``: botocore reads them too, and refusing one would refuse the
    whole response."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        if type(moment.tzinfo) is timezone:
            return moment
        return moment.replace(tzinfo=timezone(moment.utcoffset() or timedelta(0)))


def _from_epoch(seconds: float, path: Path, name: str) -> datetime:
    try:
        if not math.isfinite(seconds):  # an int beyond float range overflows here
            fail(path, name, "a finite timestamp", seconds)
        return EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        fail(path, name, "a timestamp in range", seconds)


def h_int(value: str, path: Path, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        fail(path, name, "an integer header", value)


def h_float(value: str, path: Path, name: str) -> float:
    text = value.strip()
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    try:
        return float(text)
    except ValueError:
        fail(path, name, "a number header", value)


def h_bool(value: str, path: Path, name: str) -> bool:
    text = value.strip().lower()
    if text in ("true", "false"):
        return text == "true"
    fail(path, name, "a boolean header", value)


def h_json(value: str, path: Path, name: str) -> Any:
    try:
        return json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        fail(path, name, "a base64 JSON header", value)


def h_list(value: str) -> list[str]:
    """Splits a list header on commas outside double quotes."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    items.append("".join(current).strip())
    return items


def h_date_list(value: str) -> list[str]:
    """Splits a list header of HTTP dates, whose items hold commas of their own, after
    each ``GMT``; quoted items (as some servers send them) are unquoted first."""
    if '"' in value:
        return h_list(value)
    return [item.strip() for item in _AFTER_GMT.split(value)]


_AFTER_GMT = re.compile(r"(?<=GMT)\s*,")


def no_fields(fields: dict[str, Any], response: object) -> dict[str, Any]:
    """The modeled fields of an error that has none besides its message."""
    return {}


def prefix_headers(headers: Any, prefix: str) -> dict[str, str]:
    """The headers starting with ``prefix`` (case-insensitive), keyed without it."""
    low = prefix.lower()
    return {k[len(prefix):]: v for k, v in headers.items() if k.lower().startswith(low)}
