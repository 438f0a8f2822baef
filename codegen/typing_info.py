"""Which shapes each direction uses, and their Python type annotations."""

from __future__ import annotations

from codegen.model import Member, ServiceModel, Shape

IN = "in"
OUT = "out"


def closure(roots: list[Shape]) -> set[str]:
    """Names of the shapes reachable from ``roots`` (the roots included)."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        shape = stack.pop()
        if shape.name in seen:
            continue
        seen.add(shape.name)
        stack.extend(m.shape for m in shape.members)
        stack.extend(s for s in (shape.member, shape.key, shape.value) if s is not None)
    return seen


class Usage:
    """The input and output closures of a model."""

    def __init__(self, model: ServiceModel) -> None:
        self.inputs = closure([op.input for op in model.operations if op.input])
        self.outputs = closure(
            [op.output for op in model.operations if op.output]
            + [e for op in model.operations for e in op.errors]
            + [s for s in model.shapes.values() if s.is_exception]
        )
        self.all = self.inputs | self.outputs

    def direction(self, shape: Shape) -> str:
        return IN if shape.name in self.inputs else OUT


def annotation(shape: Shape, direction: str) -> str:
    """The annotation of a value of ``shape``; inputs accept wider types."""
    t = shape.type
    if t == "string":
        if shape.is_enum:
            return f"{shape.class_name} | {shape.class_name}Literal" if direction == IN else shape.class_name
        return "str"
    if t == "boolean":
        return "bool"
    if t in ("integer", "long", "short", "byte", "bigInteger"):
        return "int"
    if t in ("float", "double", "bigDecimal"):
        return "float"
    if t == "timestamp":
        return "datetime"
    if t == "blob":
        return "bytes"
    if t == "list":
        assert shape.member is not None
        inner = annotation(shape.member, direction) + (" | None" if shape.sparse else "")
        return f"Sequence[{inner}]" if direction == IN else f"list[{inner}]"
    if t == "map":
        assert shape.key is not None and shape.value is not None
        key = annotation(shape.key, direction)
        value = annotation(shape.value, direction) + (" | None" if shape.sparse else "")
        return f"Mapping[{key}, {value}]" if direction == IN else f"dict[{key}, {value}]"
    if t == "structure":
        return "Any" if shape.is_document else shape.class_name
    raise ValueError(f"unsupported shape type {t!r} ({shape.name})")


def member_annotation(member: Member, direction: str) -> str:
    if member.json_value:
        return "Any"
    return annotation(member.shape, direction)


def snake(name: str) -> str:
    from codegen.model import py_name

    return py_name(name).rstrip("_")
