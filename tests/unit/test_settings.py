"""awsmith._core.settings: the one precedence helper and the one off-the-loop helper
every setting goes through (the settings themselves are compared with botocore in
tests/runtime/test_endpoints.py, test_retry_settings.py, test_ca_bundles.py and
test_proxy_settings.py)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import anyio
import pytest

from awsmith._core.settings import (
    NeedsIO,
    as_is,
    environment,
    environment_flag,
    first_set,
    given,
    in_profile,
    off_loop,
)


def test_the_first_layer_that_sets_a_value_wins_and_the_later_ones_are_not_read() -> None:
    read: list[str] = []

    def profile() -> Mapping[str, Any]:
        read.append("profile")
        return {"region": "eu-west-1"}

    environ = {"AWS_REGION": "us-west-2"}
    assert first_set(
        given("region", None), environment("AWS_REGION", environ), in_profile(profile, "region")
    ) == ("us-west-2", "AWS_REGION")
    assert read == []
    assert first_set(
        given("region", None), environment("AWS_REGION", {}), in_profile(profile, "region")
    ) == ("eu-west-1", "the profile's region")
    assert read == ["profile"]
    assert first_set(given("region", "ap-south-1"), in_profile(profile, "region")) == (
        "ap-south-1",
        "region",
    )
    assert read == ["profile"]


@pytest.mark.parametrize("blank", [None, "", "  ", "\t"])
def test_none_and_blank_text_leave_a_setting_unset(blank: str | None) -> None:
    assert first_set(given("a", blank), environment("B", {"B": "b"})) == ("b", "B")
    assert first_set(given("a", blank)) is None


@pytest.mark.parametrize("value", [0, False, "0", "false"])
def test_falsy_values_other_than_blank_text_are_set(value: object) -> None:
    assert first_set(given("a", value), given("b", "later")) == (value, "a")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", ("false", False)), ("TRUE", ("true", True)), (" true ", ("false", False))],
)
def test_a_flag_variable_set_to_anything_decides(
    value: str | None, expected: tuple[str, bool] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv("AWSMITH_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("AWSMITH_TEST_FLAG", value)
    found = first_set(environment_flag("AWSMITH_TEST_FLAG"), given("next", "x"))
    assert found == (("x", "next") if expected is None else (expected[1], "AWSMITH_TEST_FLAG"))


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_as_is_layers_blank_text_decides(blank: str) -> None:
    """botocore's providers skip only a missing value: an as_is layer's blank decides,
    given back as plain text; None still leaves the setting to the next layer."""
    found = first_set(as_is(given("a", blank)), given("b", "later"))
    assert found == (blank, "a")
    assert found is not None
    assert type(found[0]) is str
    assert first_set(as_is(given("a", None)), given("b", "later")) == ("later", "b")


def test_off_loop_resolves_on_the_loop_unless_io_is_needed() -> None:
    calls: list[tuple[bool, bool]] = []
    loop_thread = threading.get_ident()

    def cached(allow_io: bool) -> str:
        calls.append((allow_io, threading.get_ident() == loop_thread))
        return "cached"

    def uncached(allow_io: bool) -> str:
        calls.append((allow_io, threading.get_ident() == loop_thread))
        if not allow_io:
            raise NeedsIO
        return "read"

    async def main() -> tuple[str, str]:
        return await off_loop(cached), await off_loop(uncached)

    assert anyio.run(main) == ("cached", "read")
    # cached: once, on the loop; uncached: on the loop without I/O, then in a thread
    assert calls == [(False, True), (False, True), (True, False)]
