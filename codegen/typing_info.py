"""Which shapes each direction uses, their Python type annotations, and what a null
becomes: a required member's default, a list item's or map value's place."""

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


#: The default of Smithy's "client error correction" per type: what a required member
#: a response leaves out (or sends as null) reads as (models/README.md, "Required
#: members a response leaves out"). ``EPOCH`` is ``awsmith._core.serde.EPOCH``.
_DEFAULTS = {
    "string": '""', "boolean": "False", "blob": 'b""', "timestamp": "EPOCH",
    "list": "[]", "map": "{}", "structure": "{}",
    **{t: "0" for t in ("integer", "long", "short", "byte", "bigInteger")},
    **{t: "0.0" for t in ("float", "double", "bigDecimal")},
}  # fmt: skip


def default_value(shape: Shape) -> str | None:
    """The expression of a required member's default, as the parser and from_dict give
    it; None for a document, whose default is JSON null. For a structure (``{}``) and
    an enum (``""``) it is the wire value their conversion reads: the structure read
    from ``{}`` (its own required members defaulted in turn), the enum's pseudo-member
    ``""``. Both emitters take it from here, so they cannot disagree."""
    if shape.type == "structure" and shape.is_document:
        return None
    return _DEFAULTS[shape.type]


def null_item(expr: str, sparse: bool, *, drop: bool) -> tuple[str, str]:
    """The expression and the comprehension filter of ``item``, a list item or map
    value converted by ``expr``: a None keeps its place in a sparse collection; in a
    dense one it is dropped where data is read (``drop``: the parser, from_dict) and
    left to ``expr`` where data is written (the serializer and to_dict, after
    validation or their own check refused it). models/README.md, "Nulls in lists and
    maps"."""
    if sparse:
        if expr == "item":
            return expr, ""
        return f"None if item is None else {f'({expr})' if ' if ' in expr else expr}", ""
    return expr, (" if item is not None" if drop else "")


def member_annotation(member: Member, direction: str) -> str:
    if member.json_value:
        return "Any"
    return annotation(member.shape, direction)


def snake(name: str) -> str:
    from codegen.model import py_name

    return py_name(name).rstrip("_")
