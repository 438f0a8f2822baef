"""The checks of awsmith._core.validation on their own: each rule's boundary, the exact
``field``, ``rule`` and ``detail`` of each refusal, and the model patterns' translation
to Python (found by `make mutation`: docs/testing.md)."""

from __future__ import annotations

import datetime as dt
import math
import re
from array import array
from collections.abc import Callable
from typing import Any

import pytest

import awsmith
from awsmith._core import validation as v


def refused(check: Callable[[], object]) -> tuple[str, str, str]:
    with pytest.raises(awsmith.ParamValidationError) as info:
        check()
    error = info.value
    assert str(error) == f"Invalid value for {error.field!r}: {error.detail}"
    return error.field, error.rule, error.detail


class NoOffset(dt.tzinfo):
    """A tzinfo that does not know its offset: the datetime is still naive."""

    def utcoffset(self, _: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, _: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, _: dt.datetime | None) -> str | None:
        return None


class Union:
    def __init__(self, **members: object) -> None:
        self.a = members.get("a")
        self.b = members.get("b")
        self.c = members.get("c")


def nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def nested_map(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = {"k": value}
    return value


REFUSED: list[tuple[str, Callable[[], object], tuple[str, str, str]]] = [
    ("str type", lambda: v.check_str(5, "s"), ("s", "type", "expected str, got int")),
    (
        "str min",
        lambda: v.check_str("ab", "s", 3),
        ("s", "min", "length 2 is less than the minimum 3"),
    ),
    (
        "str max",
        lambda: v.check_str("abcd", "s", None, 3),
        ("s", "max", "length 4 is more than the maximum 3"),
    ),
    (
        "str pattern",
        lambda: v.check_str("a b", "s", pattern=v.model_pattern("^[a-z]+$")),
        ("s", "pattern", "'a b' does not match the pattern '^[a-z]+$'"),
    ),
    (
        "header CR",
        lambda: v.check_header("ab\r\nX: y", "h"),
        (
            "h",
            "header",
            "header values must be visible ASCII, space or tab; '\\r' at index 2 is not",
        ),
    ),
    (
        "header non-ASCII",
        lambda: v.check_header("caf\u00e9", "h"),
        (
            "h",
            "header",
            "header values must be visible ASCII, space or tab; '\u00e9' at index 3 is not",
        ),
    ),
    (
        "header DEL",
        lambda: v.check_header("a\x7f", "h"),
        (
            "h",
            "header",
            "header values must be visible ASCII, space or tab; '\\x7f' at index 1 is not",
        ),
    ),
    (
        "label empty",
        lambda: v.check_label("", "l"),
        ("l", "label", "'' is not allowed in a URI path segment"),
    ),
    (
        "label dot",
        lambda: v.check_label(".", "l"),
        ("l", "label", "'.' is not allowed in a URI path segment"),
    ),
    (
        "label dots",
        lambda: v.check_label("..", "l"),
        ("l", "label", "'..' is not allowed in a URI path segment"),
    ),
    (
        "greedy empty",
        lambda: v.check_greedy_label("", "g"),
        ("g", "label", "'' is empty or has '.' or '..' segments"),
    ),
    (
        "greedy dot",
        lambda: v.check_greedy_label("a/./b", "g"),
        ("g", "label", "'a/./b' is empty or has '.' or '..' segments"),
    ),
    (
        "greedy dots",
        lambda: v.check_greedy_label("../b", "g"),
        ("g", "label", "'../b' is empty or has '.' or '..' segments"),
    ),
    (
        "greedy last",
        lambda: v.check_greedy_label("a/..", "g"),
        ("g", "label", "'a/..' is empty or has '.' or '..' segments"),
    ),
    (
        "host hyphen",
        lambda: v.check_host_label("-a", "h"),
        ("h", "host", "must contain only letters, digits, hyphens and periods"),
    ),
    (
        "host empty",
        lambda: v.check_host_label("", "h"),
        ("h", "host", "must contain only letters, digits, hyphens and periods"),
    ),
    (
        "host underscore",
        lambda: v.check_host_label("a_b", "h"),
        ("h", "host", "must contain only letters, digits, hyphens and periods"),
    ),
    ("enum type", lambda: v.check_enum(1, "e"), ("e", "type", "expected str, got int")),
    ("int bool", lambda: v.check_int(True, "i"), ("i", "type", "expected int, got bool")),
    ("int float", lambda: v.check_int(1.0, "i"), ("i", "type", "expected int, got float")),
    ("int min", lambda: v.check_int(0, "i", 1), ("i", "min", "0 is less than the minimum 1")),
    (
        "int max",
        lambda: v.check_int(11, "i", None, 10),
        ("i", "max", "11 is more than the maximum 10"),
    ),
    ("float bool", lambda: v.check_float(False, "f"), ("f", "type", "expected float, got bool")),
    ("float str", lambda: v.check_float("1", "f"), ("f", "type", "expected float, got str")),
    (
        "float min",
        lambda: v.check_float(0.25, "f", 0.5),
        ("f", "min", "0.25 is less than the minimum 0.5"),
    ),
    (
        "float max",
        lambda: v.check_float(math.inf, "f", None, 10),
        ("f", "max", "inf is more than the maximum 10"),
    ),
    (
        "float -inf",
        lambda: v.check_float(-math.inf, "f", -1e300),
        ("f", "min", "-inf is less than the minimum -1e+300"),
    ),
    ("bool type", lambda: v.check_bool(1, "b"), ("b", "type", "expected bool, got int")),
    ("bytes type", lambda: v.check_bytes("x", "y"), ("y", "type", "expected bytes, got str")),
    (
        "bytes min",
        lambda: v.check_bytes(b"ab", "y", 3),
        ("y", "min", "size 2 bytes is less than the minimum 3"),
    ),
    (
        "bytes max",
        lambda: v.check_bytes(bytearray(b"abcd"), "y", None, 3),
        ("y", "max", "size 4 bytes is more than the maximum 3"),
    ),
    (
        "memoryview size in bytes",
        lambda: v.check_bytes(memoryview(array("i", [1, 2])), "y", None, 7),
        ("y", "max", "size 8 bytes is more than the maximum 7"),
    ),
    (
        "datetime type",
        lambda: v.check_datetime("2024", "t"),
        ("t", "type", "expected datetime, got str"),
    ),
    (
        "datetime naive",
        lambda: v.check_datetime(dt.datetime(2024, 1, 1), "t"),
        (
            "t",
            "timezone",
            "naive datetimes are ambiguous; pass an aware one, e.g. datetime.now(UTC)",
        ),
    ),
    (
        "datetime without offset",
        lambda: v.check_datetime(dt.datetime(2024, 1, 1, tzinfo=NoOffset()), "t"),
        (
            "t",
            "timezone",
            "naive datetimes are ambiguous; pass an aware one, e.g. datetime.now(UTC)",
        ),
    ),
    ("list str", lambda: v.check_list("ab", "l"), ("l", "type", "expected a list, got str")),
    ("list bytes", lambda: v.check_list(b"ab", "l"), ("l", "type", "expected a list, got bytes")),
    ("list set", lambda: v.check_list({1}, "l"), ("l", "type", "expected a list, got set")),
    (
        "list min",
        lambda: v.check_list([1], "l", 2),
        ("l", "min", "1 items is less than the minimum 2"),
    ),
    (
        "list max",
        lambda: v.check_list((1, 2, 3), "l", None, 2),
        ("l", "max", "3 items is more than the maximum 2"),
    ),
    ("map type", lambda: v.check_map([], "m"), ("m", "type", "expected a mapping, got list")),
    (
        "map min",
        lambda: v.check_map({"a": 1}, "m", 2),
        ("m", "min", "1 entries is less than the minimum 2"),
    ),
    (
        "map max",
        lambda: v.check_map({"a": 1, "b": 2}, "m", None, 1),
        ("m", "max", "2 entries is more than the maximum 1"),
    ),
    (
        "document NaN",
        lambda: v.check_document(math.nan, "d"),
        ("d", "type", "documents cannot hold NaN or Infinity"),
    ),
    (
        "document inf",
        lambda: v.check_document([1, -math.inf], "d"),
        ("d[1]", "type", "documents cannot hold NaN or Infinity"),
    ),
    (
        "document set",
        lambda: v.check_document({"a": {1}}, "d"),
        ("d['a']", "type", "set is not a JSON value"),
    ),
    (
        "document bytes",
        lambda: v.check_document(("x", b"x"), "d"),
        ("d[1]", "type", "bytes is not a JSON value"),
    ),
    (
        "document key",
        lambda: v.check_document({"a": 1, 2: 1}, "d"),
        ("d", "type", "document keys must be str, got int"),
    ),
    (
        "document nested key",
        lambda: v.check_document({"a": [{"b": {None: 1}}]}, "d"),
        ("d['a'][0]['b']", "type", "document keys must be str, got NoneType"),
    ),
    (
        "document depth",
        lambda: v.check_document(nested(101), "d"),
        ("d" + "[0]" * 101, "type", "document nested deeper than 100 levels"),
    ),
    (
        "document depth in maps",
        lambda: v.check_document(nested_map(101), "d"),
        ("d" + "['k']" * 101, "type", "document nested deeper than 100 levels"),
    ),
    (
        "union none",
        lambda: v.check_union(Union(), "u", ("a", "b", "c")),
        ("u", "union", "exactly one of a, b, c must be set, got 0"),
    ),
    (
        "union two",
        lambda: v.check_union(Union(a=1, c=""), "u", ("a", "b", "c")),
        ("u", "union", "exactly one of a, b, c must be set, got 2"),
    ),
]


@pytest.mark.parametrize(
    ("check", "expected"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused(check: Callable[[], object], expected: tuple[str, str, str]) -> None:
    assert refused(check) == expected


ACCEPTED: list[tuple[str, Callable[[], object]]] = [
    ("str bounds", lambda: v.check_str("abc", "s", 3, 3, v.model_pattern("^[a-z]+$"))),
    ("str no bounds", lambda: v.check_str("", "s")),
    ("header", lambda: v.check_header("a\tb ~!", "h")),
    ("label", lambda: v.check_label("...", "l")),
    ("label dot inside", lambda: v.check_label("a.b", "l")),
    ("greedy", lambda: v.check_greedy_label("a/.../b/", "g")),
    ("greedy dots inside", lambda: v.check_greedy_label("a..b/.c", "g")),
    ("host", lambda: v.check_host_label("a-b.C1", "h")),
    ("host digit", lambda: v.check_host_label("1", "h")),
    ("enum", lambda: v.check_enum("NotListed", "e")),
    ("int bounds", lambda: v.check_int(10, "i", 10, 10)),
    ("int unbounded", lambda: v.check_int(-(2**70), "i")),
    ("float bounds", lambda: v.check_float(0.5, "f", 0.5, 0.5)),
    ("float int", lambda: v.check_float(3, "f", 3, 3)),
    ("float NaN", lambda: v.check_float(math.nan, "f", 0, 1)),
    ("bool", lambda: v.check_bool(False, "b")),
    ("bytes bounds", lambda: v.check_bytes(b"abc", "y", 3, 3)),
    ("memoryview bounds", lambda: v.check_bytes(memoryview(array("i", [1, 2])), "y", 8, 8)),
    ("datetime", lambda: v.check_datetime(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "t")),
    ("document", lambda: v.check_document({"a": [None, True, 1, 1.5, "s", ("t",)]}, "d")),
    ("document depth", lambda: v.check_document(nested(100), "d")),
    ("document depth in maps", lambda: v.check_document(nested_map(100), "d")),
    ("union", lambda: v.check_union(Union(b=0), "u", ("a", "b", "c"))),
]


@pytest.mark.parametrize("check", [r[1] for r in ACCEPTED], ids=[r[0] for r in ACCEPTED])
def test_accepted(check: Callable[[], object]) -> None:
    assert check() is None


def test_list_and_map_checks_return_what_they_checked() -> None:
    items = (1, 2)
    assert v.check_list(items, "l", 2, 2) is items
    entries = {"a": 1}
    assert v.check_map(entries, "m", 1, 1) is entries


@pytest.mark.parametrize(
    ("pattern", "python"),
    [
        ("^a$", "^a\\Z"),
        ("a$|b$", "a\\Z|b\\Z"),
        ("\\$$", "\\$\\Z"),
        ("[$]$", "[$]\\Z"),
        ("[]$]$", "[]$]\\Z"),
        ("[^]$]$", "[^]$]\\Z"),
        ("[a]$]$", "[a]\\Z]\\Z"),
        ("[\\]$]$", "[\\]$]\\Z"),
        ("[a\\\\]$", "[a\\\\]\\Z"),
        ("[^a]$", "[^a]\\Z"),
        ("[ab$]$", "[ab$]\\Z"),
        ("x[^^]$", "x[^^]\\Z"),
    ],
)
def test_python_pattern(pattern: str, python: str) -> None:
    assert v.python_pattern(pattern) == python


def test_model_pattern_has_the_services_semantics() -> None:
    pattern = v.model_pattern("^\\w+$")
    assert pattern.pattern == "^\\w+$"
    assert pattern.search("ab_1") is not None
    assert pattern.search("ab\n") is None  # $ is the end, not before a final newline
    assert pattern.search("\u00e9") is None  # \w is ASCII
    found = v.model_pattern("b+").search("abbc")
    assert found is not None
    assert found.group() == "bb"  # searched, not matched at the start
    with pytest.raises(re.error):
        v.model_pattern("(")


def test_bad_raises_the_error_it_describes() -> None:
    assert refused(lambda: v.invalid("f", "rule", "detail")) == ("f", "rule", "detail")


def test_no_header_text() -> None:
    text = "".join(map(chr, range(0x100)))
    assert [c for c in text if not v.NOT_HEADER_TEXT.search(c)] == ["\t"] + [
        chr(i) for i in range(0x20, 0x7F)
    ]


def test_union_reads_only_the_members_named(monkeypatch: pytest.MonkeyPatch) -> None:
    value: Any = Union(a=1)
    v.check_union(value, "u", ("a",))
    assert refused(lambda: v.check_union(value, "u", ("b", "c"))) == (
        "u",
        "union",
        "exactly one of b, c must be set, got 0",
    )
