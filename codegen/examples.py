"""The example of every operation: ``models/examples/<service>.json`` -> the ``Examples:``
section of each generated method's docstring.

The file is botocore's ``examples-1.json`` format (``examples``: operation name -> a
list of ``{"input": ..., "output": ..., "description": ...}``, in the service's own
member names, as a botocore ``Stubber`` fixture holds them) plus ``client``, the name
the snippets give the open client (``support``). Each example becomes the call, written
as a user writes it (snake_case arguments, shape classes, ``datetime``, ``bytes``), and
the response as ``awsmith.to_dict(response)`` gives it. ``tests/docs/
test_operation_examples.py`` runs every snippet against the Stubber with the example's
``output`` and checks both halves, so an example that stops being true fails the suite.

Everything is checked against the model first, and each problem is a ``ModelError``
naming the file, the operation and the member: an operation without an example (a new
operation cannot ship without one), an example of an operation the model lacks, an
unknown member, a value of the wrong type, a required member left out (an example must
be a complete, realistic request and response), an enum value the model does not list.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codegen.docs import wrap
from codegen.errors import ModelError
from codegen.model import Operation, ServiceModel, Shape

#: Columns of a snippet line, counted from the code block's left edge: the generated
#: docstring line (12 columns of indentation) then stays within ruff's 100.
WIDTH = 84
_INTEGERS = ("integer", "long", "short", "byte", "bigInteger")
_FLOATS = ("float", "double", "bigDecimal")


@dataclass(frozen=True)
class Example:
    input: dict[str, Any]
    output: dict[str, Any]
    description: str


@dataclass(frozen=True)
class Examples:
    #: The name the snippets give the open client (``support``, ``profiler``).
    client: str
    #: Operation name -> its examples (at least one each).
    by_operation: dict[str, list[Example]]


def examples_path(model_path: Path) -> Path:
    """Where a model's examples are: ``examples/<the model's file name>`` beside it."""
    return model_path.parent / "examples" / model_path.name


def load_examples(model: ServiceModel, path: Path) -> Examples:
    """The examples of ``model`` from ``path``, checked against the model."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the examples: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("examples"), dict):
        raise ModelError(f"{path}: needs an object with an 'examples' object (botocore's examples-1.json)")
    client = raw.get("client")
    if not isinstance(client, str) or not client.isidentifier():
        raise ModelError(f"{path}: 'client' must name the snippets' client variable (e.g. \"support\")")
    operations = {op.name: op for op in model.operations}
    given: dict[str, Any] = raw["examples"]
    unknown = sorted(set(given) - set(operations))
    if unknown:
        raise ModelError(f"{path}: examples of operations the model does not have: {', '.join(unknown)}")
    missing = [name for name in operations if not given.get(name)]
    if missing:
        raise ModelError(f"{path}: every operation needs an example; missing: {', '.join(missing)}")
    by_operation = {
        name: [_example(path, operations[name], i, spec) for i, spec in enumerate(specs)]
        for name, specs in given.items()
    }
    return Examples(client, by_operation)


def _example(path: Path, op: Operation, index: int, spec: Any) -> Example:
    where = f"{path}: {op.name}[{index}]"
    if not isinstance(spec, dict) or set(spec) - {"input", "output", "description"}:
        raise ModelError(f"{where}: an example has 'input', 'output' and optionally 'description'")
    data: dict[str, Any] = spec
    for key, shape in (("input", op.input), ("output", op.output)):
        value = data.get(key, {})
        if shape is None:
            if value:
                raise ModelError(f"{where}: {op.name} has no {key}, the example gives one")
            continue
        _check(shape, value, f"{where}.{key}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ModelError(f"{where}.description: must be text")
    return Example(data.get("input", {}), data.get("output", {}), description)


def _check(shape: Shape, value: Any, where: str) -> None:
    """Raises ModelError unless ``value`` (wire names) is a complete value of ``shape``."""
    t = shape.type

    def fail(expected: str) -> None:
        raise ModelError(f"{where}: expected {expected}, got {json.dumps(value)[:60]}")

    if t == "structure" and shape.is_document:
        return
    if t == "structure":
        if not isinstance(value, dict):
            fail(f"an object ({shape.name})")
        members = {m.name: m for m in shape.members}
        for key, item in value.items():
            if key not in members:
                raise ModelError(f"{where}: {shape.name} has no member {key!r}")
            _check(members[key].shape, item, f"{where}.{key}")
        left_out = [
            m.name
            for m in shape.members
            if m.required and m.name not in value and not m.idempotency_token
        ]
        if left_out:
            raise ModelError(f"{where}: required member(s) of {shape.name} left out: {', '.join(left_out)}")
    elif t == "list":
        if not isinstance(value, list):
            fail("a list")
        assert shape.member is not None
        for i, item in enumerate(value):
            _check(shape.member, item, f"{where}[{i}]")
    elif t == "map":
        if not isinstance(value, dict):
            fail("an object (a map)")
        assert shape.key is not None and shape.value is not None
        for key, item in value.items():
            _check(shape.key, key, f"{where} key")
            _check(shape.value, item, f"{where}[{key!r}]")
    elif t == "string":
        if not isinstance(value, str):
            fail("text")
        if shape.is_enum and value not in shape.enum:
            raise ModelError(f"{where}: {value!r} is not a value of {shape.name} ({', '.join(shape.enum)})")
    elif t == "boolean":
        if not isinstance(value, bool):
            fail("true or false")
    elif t in _INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int):
            fail("an integer")
    elif t in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail("a number")
    elif t == "timestamp":
        canonical = _timestamp(value, where).replace(tzinfo=None).isoformat() + "Z"
        if value != canonical:
            # to_dict writes it so: the documented response must read exactly as it does
            raise ModelError(f"{where}: write the timestamp as {canonical!r}")
    elif t == "blob":
        _blob(value, where)
    else:
        raise ModelError(f"{where}: examples cannot hold a {t} ({shape.name})")


def _timestamp(value: Any, where: str) -> datetime:
    """A UTC instant from ISO 8601 text ending in ``Z``."""
    parsed = None
    if isinstance(value, str) and value.endswith("Z"):
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(value)
    if parsed is None or parsed.utcoffset() != UTC.utcoffset(None):
        raise ModelError(f"{where}: expected an ISO 8601 time in UTC ('2026-12-01T09:00:00Z'), got {value!r}")
    return parsed


def _blob(value: Any, where: str) -> bytes:
    """Base64 text -> its bytes (a blob in a fixture is base64, as in to_dict)."""
    try:
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
    except binascii.Error:
        pass
    raise ModelError(f"{where}: expected base64 text, got {value!r}")


# ------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Group:
    """A bracketed expression: ``Name(a=1, b=2)``, ``[1, 2]``, ``{"k": v}``."""

    opener: str
    items: list[tuple[str, _Node]]  # (prefix such as ``name=`` or ``"key": ``, value)
    closer: str


_Node = str | _Group


def _flat(node: _Node) -> str:
    if isinstance(node, str):
        return node
    return node.opener + ", ".join(prefix + _flat(value) for prefix, value in node.items) + node.closer


def _layout(prefix: str, node: _Node, suffix: str, indent: str) -> list[str]:
    """One line if it fits in WIDTH; else one item a line, each with a trailing comma
    (ruff's format's layout)."""
    one = f"{indent}{prefix}{_flat(node)}{suffix}"
    if isinstance(node, str) or len(one) <= WIDTH or not node.items:
        return [one]
    lines = [f"{indent}{prefix}{node.opener}"]
    for item_prefix, value in node.items:
        lines += _layout(item_prefix, value, ",", indent + "    ")
    return [*lines, f"{indent}{node.closer}{suffix}"]


def _text(value: str) -> str:
    """A Python string literal (JSON's is one, double-quoted as ruff writes them)."""
    return json.dumps(value, ensure_ascii=False)


def _python_literal(value: Any) -> _Node:
    """JSON data (a document, a to_dict value) as a Python literal."""
    if isinstance(value, dict):
        return _Group("{", [(_text(k) + ": ", _python_literal(v)) for k, v in value.items()], "}")
    if isinstance(value, list):
        return _Group("[", [("", _python_literal(v)) for v in value], "]")
    if isinstance(value, str):
        return _text(value)
    return repr(value)  # True, False, None, numbers


class _Renderer:
    """The snippet of one service's examples; collects what a snippet imports."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.shapes: set[str] = set()
        self.datetime = False

    def argument(self, shape: Shape, value: Any) -> _Node:
        """A wire value as the argument a caller passes: structures as their shape
        classes, timestamps as ``datetime``, blobs as ``bytes``."""
        return self._value(shape, value, argument=True)

    def response(self, shape: Shape, value: Any) -> _Node:
        """A wire value as ``awsmith.to_dict`` writes it: structures as dicts with
        snake_case keys, timestamps and blobs as the text the example gives (ISO 8601,
        base64, the forms ``to_dict`` writes)."""
        return self._value(shape, value, argument=False)

    def _value(self, shape: Shape, value: Any, *, argument: bool) -> _Node:
        t = shape.type
        if t == "structure" and not shape.is_document:
            by_name = {m.name: m for m in shape.members}
            pairs = [(by_name[k], v) for k, v in value.items()]
            if not argument:
                return _Group("{", [(_text(m.py_name) + ": ", self._value(m.shape, v, argument=False)) for m, v in pairs], "}")
            self.shapes.add(shape.class_name)
            return _Group(f"{shape.class_name}(", [(f"{m.py_name}=", self._value(m.shape, v, argument=True)) for m, v in pairs], ")")
        if t == "list":
            assert shape.member is not None
            member = shape.member
            return _Group("[", [("", self._value(member, v, argument=argument)) for v in value], "]")
        if t == "map":
            assert shape.value is not None
            item = shape.value
            return _Group("{", [(_text(k) + ": ", self._value(item, v, argument=argument)) for k, v in value.items()], "}")
        if argument and t == "timestamp":
            self.datetime = True
            at = _timestamp(value, "")
            parts = [at.year, at.month, at.day, at.hour, at.minute]
            if at.second or at.microsecond:
                parts.append(at.second)
            if at.microsecond:
                parts.append(at.microsecond)
            return f"datetime({', '.join(map(str, parts))}, tzinfo=UTC)"
        if argument and t == "blob":
            literal = repr(_blob(value, ""))
            if literal.startswith("b'") and '"' not in literal:
                literal = 'b"' + literal[2:-1].replace("\\'", "'") + '"'
            return literal
        return _python_literal(value)

    def imports(self) -> list[str]:
        lines = ["from datetime import UTC, datetime"] if self.datetime else []
        if self.shapes:
            lines.append(f"from {self.package}.shapes import {', '.join(sorted(self.shapes))}")
        return [*lines, ""] if lines else []


def examples_doc(op: Operation, examples: Examples, package: str) -> list[str]:
    """The lines of ``op``'s ``Examples:`` section (docstring-escaped, unindented)."""
    lines = ["Examples:"]
    for n, example in enumerate(examples.by_operation[op.name]):
        renderer = _Renderer(package)
        args: list[tuple[str, _Node]] = []
        if op.input is not None:
            by_name = {m.name: m for m in op.input.members}
            args = [(f"{by_name[k].py_name}=", renderer.argument(by_name[k].shape, v)) for k, v in example.input.items()]
        shows_response = op.output is not None and bool(op.output.members)
        assign = "response = " if shows_response else ""
        call = _layout(assign, _Group(f"await {examples.client}.{op.py_name}(", args, ")"), "", "")
        if n:
            lines.append("")
        if example.description:
            lines += [*wrap(example.description, "    ", width=88), ""]
        lines += ["    ```python", *(f"    {line}" if line else "" for line in renderer.imports() + call), "    ```"]
        if shows_response:
            assert op.output is not None
            shown = _layout("", renderer.response(op.output, example.output), "", "")
            lines += [
                "",
                "    The response, as ``awsmith.to_dict(response)`` gives it:",
                "",
                "    ```python",
                *(f"    {line}" for line in shown),
                "    ```",
            ]
    return [_escape(line) for line in lines]


def _escape(line: str) -> str:
    """Safe inside a triple-quoted docstring (the section never ends with a quote)."""
    return line.replace("\\", "\\\\").replace('"""', '\\"""')
