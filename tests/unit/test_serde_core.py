"""The conversions of awsmith._core.serde on their own: exact wire text for each
serializing helper, and for each parsing helper the value it gives and the exact
``ResponseParseError`` for what it refuses (found by `make mutation`: docs/testing.md)."""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

import awsmith
from awsmith._core import serde as s
from awsmith._core.enums import OpenEnum

PLUS_ONE = timezone(timedelta(hours=1))
PREFIX = "Unable to parse the service response: "


def refused(parse: Callable[[], object]) -> str:
    """The detail of the ResponseParseError ``parse`` raises."""
    with pytest.raises(awsmith.ResponseParseError) as info:
        parse()
    message = str(info.value)
    assert message.startswith(PREFIX)
    return message.removeprefix(PREFIX)


# ---------------------------------------------------------------- serializing


def test_b64encode() -> None:
    assert s.b64encode(b"\xff\x00") == "/wA="
    assert s.b64encode(b"") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 1, 1, tzinfo=UTC), 1704067200),
        (datetime(2024, 1, 1, 1, tzinfo=PLUS_ONE), 1704067200),
        (datetime(2024, 1, 1, microsecond=500000, tzinfo=UTC), 1704067200.5),
        (datetime(2024, 1, 1, microsecond=1, tzinfo=UTC), 1704067200.000001),
        (datetime(1969, 12, 31, 23, 59, 59, 250000, tzinfo=UTC), -0.75),
    ],
)
def test_ts_epoch(value: datetime, expected: float) -> None:
    out = s.ts_epoch(value)
    assert out == expected
    assert type(out) is type(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05Z"),
        (datetime(2024, 1, 2, 4, 4, 5, 120000, tzinfo=PLUS_ONE), "2024-01-02T03:04:05.120000Z"),
        (datetime(1000, 1, 1, tzinfo=UTC), "1000-01-01T00:00:00Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "999-01-02T03:04:05Z"),
        (datetime(999, 1, 2, 3, 4, 5, 7, tzinfo=UTC), "999-01-02T03:04:05.000007Z"),
    ],
)
def test_ts_iso(value: datetime, expected: str) -> None:
    assert s.ts_iso(value) == expected


@pytest.fixture
def kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is UTC+05:30."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("kolkata")
def test_timestamps_do_not_depend_on_the_local_time_zone() -> None:
    value = datetime(2024, 1, 2, 4, 4, 5, 120000, tzinfo=PLUS_ONE)
    assert s.ts_http(value) == "Tue, 02 Jan 2024 03:04:05 GMT"
    assert s.ts_iso(value) == "2024-01-02T03:04:05.120000Z"
    assert s.ts_iso(datetime(999, 1, 2, 4, 4, 5, tzinfo=PLUS_ONE)) == "999-01-02T03:04:05Z"
    assert s.ts_epoch(value) == 1704164645.12
    assert s.p_timestamp("Tue, 02 Jan 2024 03:04:05 +0100", "", "a") == datetime(
        2024, 1, 2, 2, 4, 5, tzinfo=UTC
    )
    # Text without an offset is UTC, not local time.
    assert s.p_timestamp(" 2024-01-02T03:04:05 ", "", "a") == utc(2024, 1, 2, 3, 4, 5)
    assert s.p_timestamp("Tue, 02 Jan 2024 03:04:05 -0000", "", "a") == utc(2024, 1, 2, 3, 4, 5)
    assert s.p_timestamp("2024-01-02T03:04:05", "", "a") == utc(2024, 1, 2, 3, 4, 5)


def test_ts_http() -> None:
    value = datetime(2024, 1, 2, 4, 4, 5, 678, tzinfo=PLUS_ONE)
    assert s.ts_http(value) == "Tue, 02 Jan 2024 03:04:05 GMT"


@pytest.mark.parametrize(
    ("value", "out", "text"),
    [
        (1.5, 1.5, "1.5"),
        (0.0, 0.0, "0.0"),
        (1e300, 1e300, "1e+300"),
        (math.nan, "NaN", "NaN"),
        (math.inf, "Infinity", "Infinity"),
        (-math.inf, "-Infinity", "-Infinity"),
    ],
)
def test_float_out_and_text(value: float, out: float | str, text: str) -> None:
    assert s.float_out(value) == out
    assert s.float_text(value) == text


def test_float_text_of_an_int() -> None:
    assert s.float_text(3) == "3.0"


def test_labels() -> None:
    assert s.label("a/b c~+") == "a%2Fb%20c~%2B"
    assert s.greedy_label("a/b c~+=.-_") == "a/b%20c~%2B%3D.-_"


def test_bool_text() -> None:
    assert (s.bool_text(True), s.bool_text(False)) == ("true", "false")


def test_header_lists() -> None:
    assert s.header_list(["a", "b,c", 'd"e', "", "f g"]) == 'a,"b,c","d\\"e",,f g'
    assert s.header_list([]) == ""
    assert s.header_date_list(["Mon, 16 Dec 2019 23:48:18 GMT", "x"]) == (
        "Mon, 16 Dec 2019 23:48:18 GMT, x"
    )


def test_content_md5() -> None:
    assert s.content_md5(b"") == "1B2M2Y8AsgTpgAmY7PhCfg=="
    assert s.content_md5(b"abc") == "kAFQmDzST7DWlj99KOF/cg=="


def test_json_header() -> None:
    decoded = base64.b64decode(s.json_header({"a": [1, "\u00e9"], "b": None}))
    assert decoded == b'{"a":[1,"\\u00e9"],"b":null}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"a": 1, "b": "x", "c": [True, None]}, b'{"a":1,"b":"x","c":[true,null]}'),
        ({"t": "caf\u00e9"}, b'{"t":"caf\\u00e9"}'),
        ({"n": 2**70}, b'{"n":1180591620717411303424}'),
        ({"s": "\ud800"}, b'{"s":"\\ud800"}'),
        ({}, b"{}"),
    ],
)
def test_dump_json(body: dict[str, Any], expected: bytes) -> None:
    assert s.dump_json(body) == expected


def test_dump_json_takes_orjsons_bytes_where_they_are_ascii() -> None:
    """The fast path is used: orjson writes ``1e-7`` and a raw DEL where the standard
    library writes ``1e-07`` and ``\\u007f`` (the same JSON values)."""
    body = {"f": 1e-7, "c": "\x7f"}
    assert s.dump_json(body) == orjson.dumps(body)
    assert orjson.dumps(body) != json.dumps(body, separators=(",", ":")).encode()


def test_dump_json_never_writes_a_nan_literal() -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        s.dump_json({"f": math.nan, "t": "\u00e9"})


# ---------------------------------------------------------------- paths and errors


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("", ""),
        ("cases", "cases"),
        (("", "cases"), "cases"),
        (("", "cases", 0), "cases[0]"),
        ((("", "cases", 0), "recentCommunications"), "cases[0].recentCommunications"),
        ((("", "tags"), "", "k"), "tags['k']"),
        ((("", "m", "a.b"), "x", 3), "m['a.b'].x[3]"),
    ],
)
def test_render(path: s.Path, text: str) -> None:
    assert s.render(path) == text


def test_join() -> None:
    assert s.join("", "") == ""
    assert s.join("", "a") == "a"
    assert s.join("a", "") == "a"
    assert s.join("a", "[0]") == "a[0]"
    assert s.join(("", "a", 1), "b") == "a[1].b"


def test_fail_shows_a_short_repr() -> None:
    assert refused(lambda: s.fail(("", "a", 0), "b", "a string", 5)) == (
        "expected a string at a[0].b, got int 5"
    )
    assert refused(lambda: s.fail("", "", "a JSON object", [1])) == (
        "expected a JSON object at <root>, got list [1]"
    )
    fits = "x" * 58  # repr: 60 characters
    assert refused(lambda: s.fail("", "a", "n", fits)) == f"expected n at a, got str {fits!r}"
    longer = "x" * 59
    assert refused(lambda: s.fail("", "a", "n", longer)) == (
        f"expected n at a, got str '{'x' * 56}..."
    )


# ---------------------------------------------------------------- parsing JSON


def test_loads() -> None:
    loaded = s.loads(b'{"a":NaN,"b":[1,"x"]}')
    assert math.isnan(loaded["a"])
    assert loaded["b"] == [1, "x"]
    assert s.loads(b"[Infinity]") == [math.inf]


@pytest.mark.parametrize("body", [b"{", b"[" * 100_000, b"\xff"])
def test_loads_refuses_what_is_not_json(body: bytes) -> None:
    assert refused(lambda: s.loads(body)).startswith("the body is not valid JSON (")


def test_load_json() -> None:
    assert s.load_json(b"") == {}
    assert s.load_json(b" \r\n\t") == {}
    assert s.load_json(b'{"a":1}') == {"a": 1}
    assert refused(lambda: s.load_json(b"[1]")) == "expected a JSON object at <root>, got list [1]"
    assert refused(lambda: s.load_json(b"null")) == (
        "expected a JSON object at <root>, got NoneType None"
    )


class Color(OpenEnum):
    RED = "red"


PARSED: list[tuple[str, Callable[[], object], object]] = [
    ("str", lambda: s.p_str("x", "", "a"), "x"),
    ("bool", lambda: s.p_bool(False, "", "a"), False),
    ("int", lambda: s.p_int(-3, "", "a"), -3),
    ("int from a whole float", lambda: s.p_int(3.0, "", "a"), 3),
    ("float", lambda: s.p_float(1.5, "", "a"), 1.5),
    ("float from an int", lambda: s.p_float(2, "", "a"), 2.0),
    ("float Infinity", lambda: s.p_float("Infinity", "", "a"), math.inf),
    ("float -Infinity", lambda: s.p_float("-Infinity", "", "a"), -math.inf),
    # an integer literal past a double's range is the double it rounds to, as 1e400 is
    ("float past the range", lambda: s.p_float(10**400, "", "a"), math.inf),
    ("float past the range, negative", lambda: s.p_float(-(10**400), "", "a"), -math.inf),
    ("blob", lambda: s.p_blob("AAE=", "", "a"), b"\x00\x01"),
    ("empty blob", lambda: s.p_blob("", "", "a"), b""),
    ("list", lambda: s.p_list([1], "", "a"), [1]),
    ("map", lambda: s.p_map({"k": 1}, "", "a"), {"k": 1}),
    ("header int", lambda: s.h_int(" 42 ", "", "a"), 42),
    ("header float", lambda: s.h_float(" 1.5 ", "", "a"), 1.5),
    ("header Infinity", lambda: s.h_float(" -Infinity", "", "a"), -math.inf),
    ("header true", lambda: s.h_bool(" TRUE ", "", "a"), True),
    ("header false", lambda: s.h_bool("False", "", "a"), False),
    ("header json", lambda: s.h_json("eyJhIjpbMV19", "", "a"), {"a": [1]}),
]


@pytest.mark.parametrize(("parse", "expected"), [p[1:] for p in PARSED], ids=[p[0] for p in PARSED])
def test_parsed(parse: Callable[[], object], expected: object) -> None:
    out = parse()
    assert out == expected
    assert type(out) is type(expected)


def test_parsed_nan() -> None:
    assert math.isnan(s.p_float("NaN", "", "a"))
    assert math.isnan(s.h_float("NaN", "", "a"))


def test_containers_are_returned_as_they_are() -> None:
    items: list[int] = [1]
    entries: dict[str, int] = {}
    assert s.p_list(items, "", "a") is items
    assert s.p_map(entries, "", "a") is entries


def test_p_enum() -> None:
    assert s.p_enum(Color, "red", "", "a") is Color.RED
    unknown = s.p_enum(Color, "mauve", "", "a")
    assert type(unknown) is Color
    assert unknown == "mauve"
    assert refused(lambda: s.p_enum(Color, 1, "", "a")) == "expected a string at a, got int 1"


def test_an_unlisted_enum_value_shows_as_the_call_that_makes_it() -> None:
    """The default of a required enum member a response leaves out is the value "";
    at 5147b1e its repr was ``<AggregationPeriod.: ''>``."""
    from awsmith.codeguruprofiler.shapes import AggregationPeriod

    default = s.p_enum(AggregationPeriod, "", "", "a")
    assert repr(default) == "AggregationPeriod('')"
    assert repr(AggregationPeriod("PT30M")) == "AggregationPeriod('PT30M')"
    assert repr(AggregationPeriod("P1_D")) == "AggregationPeriod('P1_D')"  # a name, not a value
    assert repr(AggregationPeriod.P1_D) == "<AggregationPeriod.P1_D: 'P1D'>"
    assert repr(AggregationPeriod("P1D")) == "<AggregationPeriod.P1_D: 'P1D'>"
    assert (str(default), f"{default}", default.value) == ("", "", "")
    assert eval(repr(default), {"AggregationPeriod": AggregationPeriod}) == default


REFUSED: list[tuple[str, Callable[[], object], str]] = [
    ("str", lambda: s.p_str(1, ("", "x"), "a"), "expected a string at x.a, got int 1"),
    ("bool", lambda: s.p_bool(1, "", "a"), "expected a boolean at a, got int 1"),
    ("bool str", lambda: s.p_bool("true", "", "a"), "expected a boolean at a, got str 'true'"),
    ("int float", lambda: s.p_int(3.5, "", "a"), "expected an integer at a, got float 3.5"),
    ("int bool", lambda: s.p_int(True, "", "a"), "expected an integer at a, got bool True"),
    ("int str", lambda: s.p_int("3", "", "a"), "expected an integer at a, got str '3'"),
    ("float bool", lambda: s.p_float(True, "", "a"), "expected a number at a, got bool True"),
    ("float str", lambda: s.p_float("nan", "", "a"), "expected a number at a, got str 'nan'"),
    (
        "blob padding",
        lambda: s.p_blob("AAE", "", "a"),
        "expected a base64 string at a, got str 'AAE'",
    ),
    (
        "blob with a character outside the alphabet",
        lambda: s.p_blob("AA-E=", "", "a"),
        "expected a base64 string at a, got str 'AA-E='",
    ),
    (
        "header json with a character outside the alphabet",
        lambda: s.h_json("eyJhIjpb-MV19", "", "a"),
        "expected a base64 JSON header at a, got str 'eyJhIjpb-MV19'",
    ),
    (
        "blob alphabet",
        lambda: s.p_blob("A-E=", "", "a"),
        "expected a base64 string at a, got str 'A-E='",
    ),
    (
        "blob non-ASCII",
        lambda: s.p_blob("\u00e9", "", "a"),
        "expected a base64 string at a, got str '\u00e9'",
    ),
    (
        "blob bytes",
        lambda: s.p_blob(b"AAE=", "", "a"),
        "expected a base64 string at a, got bytes b'AAE='",
    ),
    ("list", lambda: s.p_list({}, "", "a"), "expected a JSON array at a, got dict {}"),
    ("list tuple", lambda: s.p_list((1,), "", "a"), "expected a JSON array at a, got tuple (1,)"),
    ("map", lambda: s.p_map([], "", "a"), "expected a JSON object at a, got list []"),
    (
        "header int",
        lambda: s.h_int("4.2", "", "a"),
        "expected an integer header at a, got str '4.2'",
    ),
    ("header float", lambda: s.h_float("x", "", "a"), "expected a number header at a, got str 'x'"),
    (
        "header bool",
        lambda: s.h_bool("yes", "", "a"),
        "expected a boolean header at a, got str 'yes'",
    ),
    (
        "header json b64",
        lambda: s.h_json("!!", "", "a"),
        "expected a base64 JSON header at a, got str '!!'",
    ),
    (
        "header json text",
        lambda: s.h_json("ew==", "", "a"),
        "expected a base64 JSON header at a, got str 'ew=='",
    ),
]


@pytest.mark.parametrize(("parse", "detail"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused(parse: Callable[[], object], detail: str) -> None:
    assert refused(parse) == detail


# ---------------------------------------------------------------- timestamps


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05Z", utc(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05.5Z", utc(2024, 1, 2, 3, 4, 5, 500000)),
        ("2024-01-02T03:04:05", utc(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05+01:00", utc(2024, 1, 2, 2, 4, 5)),
        ("2024-01-02t03:04:05z", utc(2024, 1, 2, 3, 4, 5)),
        (" 2024-01-02T03:04:05+01:00 ", utc(2024, 1, 2, 2, 4, 5)),
        (" 2024-01-02T03:04:05 ", utc(2024, 1, 2, 3, 4, 5)),
        ("Tue, 02 Jan 2024 03:04:05 GMT", utc(2024, 1, 2, 3, 4, 5)),
        ("Tue, 02 Jan 2024 03:04:05 +0100", utc(2024, 1, 2, 2, 4, 5)),
        ("Tue, 02 Jan 2024 03:04:05 -0000", utc(2024, 1, 2, 3, 4, 5)),
        (" 1704067200 ", utc(2024, 1, 1)),
        ("1704067200.5", utc(2024, 1, 1, 0, 0, 0, 500000)),
        (1704067200, utc(2024, 1, 1)),
        (1704067200.25, utc(2024, 1, 1, 0, 0, 0, 250000)),
        (-1, utc(1969, 12, 31, 23, 59, 59)),
    ],
)
def test_p_timestamp(value: object, expected: datetime) -> None:
    parsed = s.p_timestamp(value, "", "a")
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("nope", "expected a timestamp at a, got str 'nope'"),
        ("", "expected a timestamp at a, got str ''"),
        (
            "Tue, 32 Jan 2024 03:04:05 GMT",
            "expected a timestamp at a, got str 'Tue, 32 Jan 2024 03:04:05 GMT'",
        ),
        (True, "expected a timestamp at a, got bool True"),
        (None, "expected a timestamp at a, got NoneType None"),
        ("2024-01-02T03:04:05 EST", "expected a timestamp at a, got str '2024-01-02T03:04:05 EST'"),
        ("2024-01-02 UTC", "expected a timestamp at a, got str '2024-01-02 UTC'"),
        ("NaN", "expected a finite timestamp at a, got float nan"),
        ("1e400", "expected a finite timestamp at a, got float inf"),
        (math.inf, "expected a finite timestamp at a, got float inf"),
        (-math.inf, "expected a finite timestamp at a, got float -inf"),
        (1e20, "expected a timestamp in range at a, got float 1e+20"),
        (10**400, "expected a timestamp in range at a, got int " + "1" + "0" * 56 + "..."),
    ],
)
def test_p_timestamp_refused(value: object, detail: str) -> None:
    assert refused(lambda: s.p_timestamp(value, "", "a")) == detail


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05 UTC", utc(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05UTC", utc(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02 03:04:05 GMT", utc(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05.25 Z", utc(2024, 1, 2, 3, 4, 5, 250000)),
        ("20240102T030405 UTC", utc(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05 +01:00", utc(2024, 1, 2, 2, 4, 5)),
        ("2024-01-02T03:04:05+0130", utc(2024, 1, 2, 1, 34, 5)),
        ("2024-01-02 03:04:05-01", utc(2024, 1, 2, 4, 4, 5)),
        # digits only: epoch seconds, as botocore reads them, never ISO 8601's basic
        # YYYYMMDD (``fromisoformat`` reads "18320401" as 1832-04-01)
        ("18320401", utc(1970, 8, 1, 1, 0, 1)),
        ("20240102", utc(1970, 8, 23, 6, 15, 2)),
    ],
)
def test_p_timestamp_reads_the_iso_forms_botocore_reads(value: str, expected: datetime) -> None:
    """At 5147b1e these were refused (zone names, a spaced offset; botocore's
    ``parse_timestamp`` reads them all) or read as a date (digits only)."""
    from botocore.utils import parse_timestamp

    parsed = s.p_timestamp(value, "", "a")
    assert parsed == expected == parse_timestamp(value)
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "local", "offset"),
    [
        ("0001-01-01T00:00:00+01:00", datetime(1, 1, 1), timedelta(hours=1)),
        (" 0001-01-01T00:00:00 +0100 ", datetime(1, 1, 1), timedelta(hours=1)),
        ("9999-12-31T23:59:59-08:00", datetime(9999, 12, 31, 23, 59, 59), -timedelta(hours=8)),
        ("9999-12-31T23:30:00.5-00:45", datetime(9999, 12, 31, 23, 30, 0, 500000), -timedelta(minutes=45)),
    ],
)  # fmt: skip
def test_p_timestamp_keeps_the_offset_of_an_instant_utc_cannot_hold(
    value: str, local: datetime, offset: timedelta
) -> None:
    """At 5147b1e these were refused ("a timestamp in range"), and with them the whole
    response, which botocore reads: the aware datetime is kept at its own offset."""
    from botocore.utils import parse_timestamp

    parsed = s.p_timestamp(value, "", "a")
    assert parsed.replace(tzinfo=None) == local
    assert parsed.tzinfo == timezone(offset)
    assert type(parsed.tzinfo) is timezone
    assert parsed == parse_timestamp(value)
    assert s.in_utc(parsed) is parsed


# ---------------------------------------------------------------- list headers


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ('a, "b,c" ,"d\\"e", ', ["a", "b,c", 'd"e', ""]),
        ("a\\,b", ["a\\", "b"]),
        ('"a\\\\b"', ["a\\b"]),
        ("", [""]),
        ("x", ["x"]),
    ],
)
def test_h_list(value: str, items: list[str]) -> None:
    assert s.h_list(value) == items


@pytest.mark.parametrize(
    ("value", "items"),
    [
        (
            "Mon, 16 Dec 2019 23:48:18 GMT, Tue, 17 Dec 2019 23:48:18 GMT",
            ["Mon, 16 Dec 2019 23:48:18 GMT", "Tue, 17 Dec 2019 23:48:18 GMT"],
        ),
        (
            '"Mon, 16 Dec 2019 23:48:18 GMT","Tue, 17 Dec 2019 23:48:18 GMT"',
            ["Mon, 16 Dec 2019 23:48:18 GMT", "Tue, 17 Dec 2019 23:48:18 GMT"],
        ),
        ("a GMT ,b", ["a GMT", "b"]),
    ],
)
def test_h_date_list(value: str, items: list[str]) -> None:
    assert s.h_date_list(value) == items


def test_no_fields() -> None:
    assert s.no_fields({"message": "x"}, object()) == {}


def test_prefix_headers() -> None:
    headers = {"X-Amz-Meta-A": "1", "x-amz-meta-b": "2", "X-Amz-Other": "3"}
    assert s.prefix_headers(headers, "x-amz-meta-") == {"A": "1", "b": "2"}


@pytest.mark.parametrize("number", [2**64, 2**64 + 1, -(2**63) - 1, 10**30, 2**64 - 1, -(2**63)])
def test_loads_keeps_integers_beyond_64_bits_exact(number: int) -> None:
    """As ``json.loads`` does: orjson alone reads 2**64 + 1 as the float
    1.8446744073709552e19, and ``p_int`` then gave 2**64."""
    loaded = s.loads(f'{{"n":[{number}]}}'.encode())
    assert loaded == {"n": [number]}
    assert type(loaded["n"][0]) is int
    assert s.p_int(loaded["n"][0], "", "n") == number


@pytest.mark.parametrize("numbers", [True, False])
def test_loads_without_numbers_skips_only_the_long_integer_scan(numbers: bool) -> None:
    """``numbers=False`` (a parser whose shape reads no number) takes orjson's reading
    of a long integer literal, where the default keeps ``json.loads``' exact one; what
    orjson refuses (NaN) is still read by the standard library either way."""
    loaded = s.loads(b'{"n": 18446744073709551617, "f": NaN}', numbers=numbers)
    assert loaded["n"] == 18446744073709551617  # the standard library: NaN refused by orjson
    assert math.isnan(loaded["f"])
    plain = s.loads(b'{"n": 18446744073709551617}', numbers=numbers)
    assert plain == {"n": 18446744073709551617 if numbers else 1.8446744073709552e19}
    assert type(plain["n"]) is (int if numbers else float)
    assert s.load_json(b'{"n": 18446744073709551617}', numbers=numbers) == plain
