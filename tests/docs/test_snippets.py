"""The code blocks the documentation marks ``<!-- tested -->`` run and pass.

A marked block is a complete test module: it is executed in a fresh namespace and each
of its ``test_*`` coroutine functions is run on asyncio, so the examples readers copy
are known to work against the current awsmith.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio
import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_TESTED = re.compile(r"<!-- tested -->\n```python\n(.*?)\n```", re.DOTALL)


def marked_blocks(page: str) -> list[str]:
    return _TESTED.findall((DOCS / page).read_text(encoding="utf-8"))


def run_block(source: str, name: str) -> list[str]:
    """Executes one block and runs its async tests; returns the names of those tests."""
    namespace: dict[str, Any] = {"__name__": f"docs_snippet_{name}"}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    tests: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = [
        (key, value)
        for key, value in namespace.items()
        if key.startswith("test_") and inspect.iscoroutinefunction(value)
    ]
    for _, test in tests:
        anyio.run(test)
    return [key for key, _ in tests]


def test_testing_page_has_the_two_tested_examples() -> None:
    blocks = marked_blocks("testing.md")
    assert len(blocks) == 2
    assert "httpx.MockTransport(fake_support)" in blocks[0]
    assert "respx.mock(assert_all_called=True)" in blocks[1]


@pytest.mark.parametrize("index", [0, 1])
def test_testing_page_examples_pass(index: int) -> None:
    source = marked_blocks("testing.md")[index]
    ran = run_block(source, f"testing_{index}")
    expected = [["test_case_status", "test_errors_are_typed"], ["test_missing_group"]][index]
    assert ran == expected


def test_configuration_page_provider_example_passes() -> None:
    [block] = marked_blocks("configuration.md")
    assert "credentials=from_vault" in block
    assert run_block(block, "configuration_0") == ["test_ten_concurrent_calls_read_the_vault_once"]


def test_errors_page_example_passes() -> None:
    [block] = marked_blocks("errors.md")
    assert "period_in_seconds" in block
    assert run_block(block, "errors_0") == ["test_a_configuration_sent_as_null_reads_as_defaults"]


def test_a_broken_snippet_fails() -> None:
    # The runner must not swallow a failing assertion inside a documented test.
    source = "async def test_wrong() -> None:\n    assert 1 == 2\n"
    with pytest.raises(AssertionError):
        run_block(source, "broken")


def test_observability_page_examples_pass() -> None:
    blocks = marked_blocks("observability.md")
    assert len(blocks) == 2
    assert run_block(blocks[0], "observability_0") == ["test_an_interceptor_sees_every_call"]
    assert run_block(blocks[1], "observability_1") == ["test_one_span_per_call"]


def test_migrating_page_examples_pass() -> None:
    """Every awsmith snippet of the aiobotocore comparison runs (the aiobotocore ones are
    for reading: aiobotocore is not a test dependency)."""
    blocks = marked_blocks("migrating.md")
    ran = [run_block(block, f"migrating_{i}") for i, block in enumerate(blocks)]
    assert ran == [
        ["test_a_call"],
        ["test_every_case_of_every_page"],
        ["test_a_typed_error"],
        ["test_retries_and_a_call_without_them"],
        ["test_a_botocore_fixture_as_it_is"],
        ["test_dicts_both_ways"],
    ]
