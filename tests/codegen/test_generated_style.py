"""The generated parsers and conversions read like careful hand-written code.

The review of issue 22 found in the generated ``_serde.py`` and ``_interchange.py``:
unparenthesised chained conditional expressions (``None if x is None else x if type(x)
is str else p_str(...)``), assignments that change nothing (``content_encoding = None if
x is None else x``), one conversion written twice around a default
(``_de_x({}, ...) if x is None else _de_x(x, ...)``) and a ``path = ""`` the generator
wrote and then deleted by a regular expression. These checks read every generated module
of both services (the AST, not the text, where nesting matters).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from codegen.services import SERVICES

SRC = Path(__file__).resolve().parents[2] / "src" / "awsmith"
MODULES = sorted(
    path.relative_to(SRC).as_posix()
    for service in SERVICES
    for path in (SRC / service / "_serde.py", SRC / service / "_interchange.py")
)


def source(module: str) -> str:
    return (SRC / module).read_text(encoding="utf-8")


def chained_conditionals(text: str) -> list[str]:
    """Conditional expressions whose body or else branch is another conditional
    expression without parentheses of its own."""
    lines = text.splitlines()
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.IfExp):
            continue
        for inner in (node.body, node.orelse):
            if isinstance(inner, ast.IfExp):
                before = lines[inner.lineno - 1][: inner.col_offset].rstrip()
                if not before.endswith("("):
                    found.append(lines[node.lineno - 1].strip())
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_chained_conditional_expressions(module: str) -> None:
    assert chained_conditionals(source(module)) == []


def test_the_check_finds_a_chained_conditional() -> None:
    assert chained_conditionals("y = None if x is None else x if p else q\n") == [
        "y = None if x is None else x if p else q"
    ]
    assert chained_conditionals("y = None if x is None else (x if p else q)\n") == []


@pytest.mark.parametrize("module", MODULES)
def test_no_assignment_that_changes_nothing(module: str) -> None:
    same = re.compile(r"= None if (\w+) is None else \1$", re.MULTILINE)
    assert same.findall(source(module)) == []


@pytest.mark.parametrize("module", MODULES)
def test_no_conversion_written_twice_around_a_default(module: str) -> None:
    twice = re.compile(r"(\w+)\((\{\}|\[\]|\"\")[^\n]*\) if raw is None else \1\(")
    assert twice.findall(source(module)) == []


@pytest.mark.parametrize("module", [m for m in MODULES if m.endswith("_serde.py")])
def test_response_parsers_have_no_path_variable(module: str) -> None:
    """A top-level parser names the root path as "" where it needs one."""
    assert re.findall(r'^\s+path = ""$', source(module), re.MULTILINE) == []



@pytest.mark.parametrize("module", MODULES)
def test_no_generated_line_over_100_characters(module: str) -> None:
    """The generator formats what it writes (codegen/generate.py, ``formatted``)."""
    assert long_lines(source(module)) == []


def long_lines(text: str, limit: int = 100) -> list[str]:
    """The lines of ``text`` over ``limit`` characters (the project's line length)."""
    return [line for line in text.splitlines() if len(line) > limit]


def test_the_check_finds_a_long_line() -> None:
    assert long_lines("x = 1\n" + "y" * 101 + "\n" + "z" * 100 + "\n") == ["y" * 101]
