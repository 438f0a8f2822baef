"""Checks used by the generated validators, run before any I/O.

Each check raises :class:`~awsmith.ParamValidationError` naming the argument path in
Python names and the rule that failed (``type``, ``required``, ``min``, ``max``,
``pattern``, ``timezone``, ``header``, ``label``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import MAXYEAR, MINYEAR, UTC, datetime
from typing import Any, NoReturn, cast

from awsmith._core.errors import ParamValidationError

#: Anything but visible ASCII, space and tab: CR/LF would inject headers, and other
#: bytes are sent differently by each HTTP client (raw UTF-8, Latin-1, or an error).
NOT_HEADER_TEXT = re.compile(r"[^\t\x20-\x7e]")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-.]*$")


def python_pattern(pattern: str) -> str:
    """A model pattern (ECMAScript/Java semantics) as a Python regex: ``$`` outside a
    character class becomes ``\\Z``, because Python's ``$`` also matches before a final
    newline. Used with ``re.ASCII``, since the service's ``\\w``/``\\d`` are ASCII-only."""
    out: list[str] = []
    in_class = False
    class_start = 0
    escaped = False
    for i, ch in enumerate(pattern):
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif in_class:
            out.append(ch)
            # "]" right after "[" or "[^" is a literal, not the end of the class.
            in_class = ch != "]" or i == class_start or pattern[class_start:i] == "^"
        elif ch == "[":
            out.append(ch)
            in_class = True
            class_start = i + 1
        elif ch == "$":
            out.append("\\Z")
        else:
            out.append(ch)
    return "".join(out)


class ModelPattern:
    """A model's ``pattern`` constraint: searched with the service's semantics, shown
    as the model writes it."""

    __slots__ = ("_regex", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._regex = re.compile(python_pattern(pattern), re.ASCII)

    def search(self, value: str) -> re.Match[str] | None:
        return self._regex.search(value)


def model_pattern(pattern: str) -> ModelPattern:
    """Compiles a model pattern; raises ``re.error`` if Python cannot express it."""
    return ModelPattern(pattern)


def invalid(path: str, rule: str, detail: str) -> NoReturn:
    """Refuses a request value: ``path`` names it, ``rule`` the broken constraint."""
    raise ParamValidationError(path, rule, detail)


def _type_name(value: object) -> str:
    return type(value).__name__


def check_str(
    value: object,
    path: str,
    min_len: int | None = None,
    max_len: int | None = None,
    pattern: ModelPattern | None = None,
) -> None:
    if not isinstance(value, str):
        invalid(path, "type", f"expected str, got {_type_name(value)}")
    if min_len is not None and len(value) < min_len:
        invalid(path, "min", f"length {len(value)} is less than the minimum {min_len}")
    if max_len is not None and len(value) > max_len:
        invalid(path, "max", f"length {len(value)} is more than the maximum {max_len}")
    if pattern is not None and pattern.search(value) is None:
        invalid(path, "pattern", f"{value!r} does not match the pattern {pattern.pattern!r}")


def check_header(value: str, path: str) -> None:
    """Header values must be visible ASCII, space or tab (RFC 9110 section 5.5; the
    obsolete non-ASCII "obs-text" is refused): no header injection, no guessing at an
    encoding."""
    found = NOT_HEADER_TEXT.search(value)
    if found:
        invalid(
            path,
            "header",
            f"header values must be visible ASCII, space or tab; {found.group()!r} at "
            f"index {found.start()} is not",
        )


def check_label(value: str, path: str) -> None:
    """A URI label must not be empty, ``.`` or ``..`` (they would change the path)."""
    if value in ("", ".", ".."):
        invalid(path, "label", f"{value!r} is not allowed in a URI path segment")


def check_greedy_label(value: str, path: str) -> None:
    if not value or any(seg in (".", "..") for seg in value.split("/")):
        invalid(path, "label", f"{value!r} is empty or has '.' or '..' segments")


def check_host_label(value: str, path: str) -> None:
    if not _HOST_LABEL.match(value):
        invalid(path, "host", "must contain only letters, digits, hyphens and periods")


def check_enum(value: object, path: str) -> None:
    # Values the model does not list are accepted: services add values over time
    # and type checkers already flag literals outside the generated ``Literal``.
    if not isinstance(value, str):
        invalid(path, "type", f"expected str, got {_type_name(value)}")


def check_int(
    value: object, path: str, min_val: float | None = None, max_val: float | None = None
) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        invalid(path, "type", f"expected int, got {_type_name(value)}")
    _range(value, path, min_val, max_val)


def check_float(
    value: object, path: str, min_val: float | None = None, max_val: float | None = None
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        invalid(path, "type", f"expected float, got {_type_name(value)}")
    if not math.isnan(value):
        _range(value, path, min_val, max_val)


def _range(value: float, path: str, min_val: float | None, max_val: float | None) -> None:
    if min_val is not None and value < min_val:
        invalid(path, "min", f"{value} is less than the minimum {min_val:g}")
    if max_val is not None and value > max_val:
        invalid(path, "max", f"{value} is more than the maximum {max_val:g}")


def check_bool(value: object, path: str) -> None:
    if not isinstance(value, bool):
        invalid(path, "type", f"expected bool, got {_type_name(value)}")


def check_bytes(
    value: object, path: str, min_len: int | None = None, max_len: int | None = None
) -> None:
    if not isinstance(value, bytes | bytearray | memoryview):
        invalid(path, "type", f"expected bytes, got {_type_name(value)}")
    size = len(value) if not isinstance(value, memoryview) else value.nbytes
    if min_len is not None and size < min_len:
        invalid(path, "min", f"size {size} bytes is less than the minimum {min_len}")
    if max_len is not None and size > max_len:
        invalid(path, "max", f"size {size} bytes is more than the maximum {max_len}")


def check_datetime(value: object, path: str) -> None:
    if not isinstance(value, datetime):
        invalid(path, "type", f"expected datetime, got {_type_name(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        invalid(
            path,
            "timezone",
            "naive datetimes are ambiguous; pass an aware one, e.g. datetime.now(UTC)",
        )
    if value.year == MINYEAR or value.year == MAXYEAR:
        _check_utc_range(value, path)


def _check_utc_range(value: datetime, path: str) -> None:
    """Every wire format writes a timestamp in UTC, and the instants at the ends of
    ``datetime``'s range at an offset (``0001-01-01T00:30:00+01:00``) have no UTC
    ``datetime``; the parser gives such a value back from a response (``serde.in_utc``),
    so a caller may pass it on. botocore raises ``OverflowError`` for it."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        if value.year == MINYEAR:
            invalid(
                path,
                "min",
                f"{value.isoformat()} is before 0001-01-01T00:00:00Z, "
                "the earliest timestamp UTC can hold",
            )
        invalid(
            path,
            "max",
            f"{value.isoformat()} is after 9999-12-31T23:59:59.999999Z, "
            "the latest timestamp UTC can hold",
        )


def check_list(
    value: object, path: str, min_len: int | None = None, max_len: int | None = None
) -> Sequence[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        invalid(path, "type", f"expected a list, got {_type_name(value)}")
    items: Sequence[Any] = value  # pyright: ignore[reportUnknownVariableType]  # any items
    if min_len is not None and len(items) < min_len:
        invalid(path, "min", f"{len(items)} items is less than the minimum {min_len}")
    if max_len is not None and len(items) > max_len:
        invalid(path, "max", f"{len(items)} items is more than the maximum {max_len}")
    return items


def check_map(
    value: object, path: str, min_len: int | None = None, max_len: int | None = None
) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        invalid(path, "type", f"expected a mapping, got {_type_name(value)}")
    entries: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]  # any entries
    if min_len is not None and len(entries) < min_len:
        invalid(path, "min", f"{len(entries)} entries is less than the minimum {min_len}")
    if max_len is not None and len(entries) > max_len:
        invalid(path, "max", f"{len(entries)} entries is more than the maximum {max_len}")
    return entries


def check_document(value: object, path: str, _depth: int = 0) -> None:
    """A document is JSON data: None, bool, int, finite float, str, list or str-keyed dict."""
    if _depth > 100:
        invalid(path, "type", "document nested deeper than 100 levels")
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            invalid(path, "type", "documents cannot hold NaN or Infinity")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(cast("Sequence[object]", value)):
            check_document(item, f"{path}[{i}]", _depth + 1)
        return
    if isinstance(value, Mapping):
        for k, item in cast("Mapping[object, object]", value).items():
            if not isinstance(k, str):
                invalid(path, "type", f"document keys must be str, got {_type_name(k)}")
            check_document(item, f"{path}[{k!r}]", _depth + 1)
        return
    invalid(path, "type", f"{_type_name(value)} is not a JSON value")


def check_union(value: object, path: str, members: tuple[str, ...]) -> None:
    set_members = [m for m in members if getattr(value, m) is not None]
    if len(set_members) != 1:
        invalid(
            path,
            "union",
            f"exactly one of {', '.join(members)} must be set, got {len(set_members)}",
        )
