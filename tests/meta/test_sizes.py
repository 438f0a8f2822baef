"""The runtime stays readable in one sitting per piece (issue 23): no hand-written
module in ``src/awsmith/_core`` over 600 lines, no function or method there over 60
lines of code (its docstring not counted: the reasons are welcome).

An exception is named in :data:`ALLOWED` with its reason and the size it may reach;
the test fails too when an exception is no longer needed, so the list only shrinks.
The sizes are read with ``ast`` from the files as they are.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "awsmith" / "_core"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60

#: "path relative to _core" or "path::qualified.name" -> (the most lines allowed, why).
ALLOWED: dict[str, tuple[int, str]] = {}


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` (decorators excluded) to the end, less the docstring's."""
    assert node.end_lineno is not None
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        assert first.end_lineno is not None
        lines -= first.end_lineno - first.lineno + 1
    return lines


def _functions(
    body: list[ast.stmt], prefix: str
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + node.name, node
            yield from _functions(node.body, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node.body, f"{prefix}{node.name}.")


def sizes(root: Path) -> dict[str, tuple[int, int]]:
    """Every module's and function's key -> (its lines, its limit)."""
    found: dict[str, tuple[int, int]] = {}
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(root).as_posix()
        source = path.read_text(encoding="utf-8")
        found[name] = (len(source.splitlines()), MAX_MODULE_LINES)
        for qualified, node in _functions(ast.parse(source).body, ""):
            found[f"{name}::{qualified}"] = (_code_lines(node), MAX_FUNCTION_LINES)
    return found


def over_limit(found: dict[str, tuple[int, int]]) -> list[str]:
    """What is over its limit (or over what its exception allows), as messages."""
    problems: list[str] = []
    for key, (lines, limit) in found.items():
        allowed = ALLOWED.get(key)
        most = allowed[0] if allowed else limit
        if lines > most:
            problems.append(f"{key}: {lines} lines, over {most}")
    return problems


def test_no_module_or_function_in_core_is_over_its_limit() -> None:
    assert over_limit(sizes(CORE)) == []


def test_every_exception_is_still_needed() -> None:
    found = sizes(CORE)
    stale = [key for key in ALLOWED if key not in found or found[key][0] <= found[key][1]]
    assert stale == [], "remove these from ALLOWED: they are within the limits now"
    assert all(reason.strip() for _, reason in ALLOWED.values())


def test_the_measure_counts_code_not_docstrings(tmp_path: Path) -> None:
    """The check can fail: a module and a method over the limits are reported, a long
    docstring is not counted, and nested functions are measured by their own name."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    docstring = '    """' + "\n" * 100 + '    """\n'
    (tmp_path / "big.py").write_text(
        "class C:\n"
        f"    def long(self) -> None:\n    {body.replace(chr(10), chr(10) + '    ')}\n"
        f"def documented() -> None:\n{docstring}    return None\n"
        + "\n" * MAX_MODULE_LINES,
        encoding="utf-8",
    )
    found = sizes(tmp_path)
    assert found["big.py::C.long"] == (MAX_FUNCTION_LINES + 1, MAX_FUNCTION_LINES)
    assert found["big.py::documented"] == (2, MAX_FUNCTION_LINES)
    assert over_limit(found) == [
        f"big.py: {found['big.py'][0]} lines, over {MAX_MODULE_LINES}",
        f"big.py::C.long: {MAX_FUNCTION_LINES + 1} lines, over {MAX_FUNCTION_LINES}",
    ]
