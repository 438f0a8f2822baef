"""The generated parsers that skip ``loads``' scan for long integer literals
(``load_json(..., numbers=False)``) read no number: checked against the generated shape
classes' own type hints, not against the generator's rule (codegen.emit_serde's
``reads_numbers``)."""

from __future__ import annotations

import inspect
import typing
from datetime import datetime
from typing import Any

import attrs
import pytest

from awsmith._core.operation import Operation
from awsmith.codeguruprofiler import _serde as codeguru_serde
from awsmith.codeguruprofiler import shapes as codeguru_shapes
from awsmith.support import _serde as support_serde
from awsmith.support import shapes as support_shapes

SERDES = {"support": support_serde, "codeguruprofiler": codeguru_serde}
SHAPES = (support_shapes, codeguru_shapes)
NUMBERS = (int, float, datetime)  # bool is an int to Python: told apart below


def _operations() -> list[tuple[str, Operation[Any, Any]]]:
    return sorted(
        (
            (service, value)
            for service, serde in SERDES.items()
            for value in vars(serde).values()
            if isinstance(value, Operation)
        ),
        key=lambda item: (item[0], item[1].name),
    )


def _reads_a_number(hint: Any, seen: set[type]) -> bool:
    """Whether a value of type ``hint`` may hold a number, a timestamp or any JSON."""
    if typing.get_origin(hint) is typing.Literal:
        return not all(isinstance(arg, str) for arg in typing.get_args(hint))
    if isinstance(hint, typing.ForwardRef):
        hint = hint.__forward_arg__
    if isinstance(hint, str):  # a name inside a generic (list["Shape"]): its module's
        hint = next(vars(m)[hint] for m in SHAPES if hint in vars(m))
    if hint is Any or hint is object:
        return True  # a document
    if hint is bool or hint is str or hint is bytes or hint is type(None):
        return False
    if isinstance(hint, type) and issubclass(hint, NUMBERS):
        return True
    args = typing.get_args(hint)
    if args:  # list[X], dict[str, X], X | None
        return any(_reads_a_number(arg, seen) for arg in args)
    if isinstance(hint, type) and attrs.has(hint):
        if hint in seen:
            return False
        seen.add(hint)
        hints = typing.get_type_hints(hint, vars(inspect.getmodule(hint)))
        return any(
            _reads_a_number(hints[f.name], seen)
            for f in attrs.fields(hint)
            if f.name != "response_metadata"
        )
    if isinstance(hint, type) and issubclass(hint, str):
        return False  # an enum
    raise AssertionError(f"unexpected type hint {hint!r}")


@pytest.mark.parametrize(("service", "op"), _operations(), ids=lambda v: getattr(v, "name", v))
def test_a_parser_skips_the_scan_only_if_its_output_reads_no_number(
    service: str, op: Operation[Any, Any]
) -> None:
    source = inspect.getsource(op.parse)
    output = typing.get_type_hints(op.parse)["return"]
    if "load_json(" not in source:  # no JSON body read (none, a payload, headers only)
        return
    skips = "numbers=False" in source
    assert skips == (not _reads_a_number(output, set())), service


def test_describe_cases_skips_the_scan() -> None:
    """The benchmark's call (docs/performance.md): its output has strings only."""
    assert "numbers=False" in inspect.getsource(support_serde.parse_describe_cases)
