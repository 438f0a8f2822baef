"""shapes.py (enums, and attrs classes finished on first use: awsmith._core.shape) and errors.py (exception classes)."""

from __future__ import annotations

import re

from codegen.model import Member, ServiceModel, Shape
from codegen.typing_info import Usage, member_annotation
from codegen.writer import Writer, header, isort_key


def enum_member_name(value: str, taken: set[str]) -> str:
    name = re.sub(r"[^0-9A-Za-z]+", "_", value)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).strip("_").upper() or "EMPTY"
    if name[0].isdigit():
        name = "V_" + name
    base, n = name, 2
    while name in taken or name.startswith("_"):
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def structures(model: ServiceModel, usage: Usage) -> list[Shape]:
    return [
        s
        for s in model.shapes.values()
        if s.type == "structure" and not s.is_exception and not s.is_document and s.name in usage.all
    ]


def enums(model: ServiceModel, usage: Usage) -> list[Shape]:
    return [s for s in model.shapes.values() if s.is_enum and s.name in usage.all]


def emit_shapes(model: ServiceModel, source: str) -> str:
    usage = Usage(model)
    full = model.metadata.get("serviceFullName", model.service_id)
    w = Writer()
    w.lines += header(source, f"Data types of {full}: enums and request, response and nested shapes.")
    body = Writer()
    needs = set()
    for shape in enums(model, usage):
        body.line()
        body.line()
        body.line(f"class {shape.class_name}(OpenEnum):")
        body.indent()
        body.docstring(shape.doc or f"Values of {shape.name}.", ["Values the model does not list are kept, not rejected."])
        body.line()
        taken: set[str] = set()
        for value in shape.enum:
            body.line(f"{enum_member_name(value, taken)} = {value!r}")
        body.dedent()
        body.line()
        body.line()
        literal = ", ".join(repr(v) for v in shape.enum)
        body.line(f"{shape.class_name}Literal = Literal[{literal}]")
        body.line(f'"""The values of ``{shape.class_name}`` as string literals."""')
        needs.add("Literal")
    outputs = {op.output.name for op in model.operations if op.output}
    for shape in structures(model, usage):
        direction = usage.direction(shape)
        body.line()
        body.line()
        body.line("@shape(kw_only=True)")
        body.line(f"class {shape.class_name}:")
        body.indent()
        extra = []
        if shape.is_union:
            extra.append("Exactly one attribute must be set.")
        body.docstring(shape.doc or f"The {shape.name} structure.", extra)
        members = sorted(shape.members, key=lambda m: (not m.required or shape.is_union, m.py_name))
        for member in members:
            ann = member_annotation(member, direction)
            for name in ("Any", "Sequence", "Mapping", "datetime"):
                if re.search(rf"\b{name}\b", ann):
                    needs.add(name)
            body.line()
            if member.required and not shape.is_union:
                body.line(f"{member.py_name}: {ann}")
            else:
                body.line(f"{member.py_name}: {ann} | None = None")
            if member.doc:
                body.docstring(member.doc)
        if shape.name in outputs:
            body.line()
            body.line("response_metadata: ResponseMetadata = NO_METADATA")
            body.docstring(
                "The HTTP response beside this body: request id, status, headers and "
                "attempts. Not part of ``==`` or ``repr``; empty for a response built in code."
            )
            needs.add("metadata")
        body.dedent()
    w.line("from __future__ import annotations")
    w.line()
    typing_names = sorted(n for n in needs if n in ("Any", "Literal"))
    if "Sequence" in needs or "Mapping" in needs:
        w.line(
            "from collections.abc import "
            + ", ".join(n for n in ("Mapping", "Sequence") if n in needs)
        )
    if "datetime" in needs:
        w.line("from datetime import datetime")
    w.line(f"from typing import {', '.join(['TYPE_CHECKING', *typing_names])}")
    w.line()
    w.line("from awsmith._core.enums import OpenEnum")
    if "metadata" in needs:
        w.line("from awsmith._core.metadata import NO_METADATA, ResponseMetadata")
    w.line()
    w.line("if TYPE_CHECKING:")
    w.line("    # Type checkers see attrs' own decorator; at run time each class becomes the")
    w.line("    # same attrs class the first time it is used (awsmith._core.shape).")
    w.line("    from attrs import define as shape")
    w.line("else:")
    w.line("    from awsmith._core.shape import shape")
    w.lines += body.lines
    w.line()
    names = sorted(
        [s.class_name for s in structures(model, usage)]
        + [s.class_name for s in enums(model, usage)]
        + [s.class_name + "Literal" for s in enums(model, usage)]
    )
    w.line()
    w.line("__all__ = [")
    for n in names:
        w.line(f'    "{n}",')
    w.line("]")
    if "OpenEnum" not in "".join(body.lines):
        w.lines.remove("from awsmith._core.enums import OpenEnum")
    return w.render()


def error_fields(shape: Shape) -> list[Member]:
    """Members of an error shape other than its message (which the base class holds)."""
    return [m for m in shape.members if m.name.lower() not in ("message", "errormessage")]


def error_shapes(model: ServiceModel) -> list[Shape]:
    return [s for s in model.shapes.values() if s.is_exception]


def emit_errors(model: ServiceModel, source: str) -> str:
    full = model.metadata.get("serviceFullName", model.service_id)
    base = model.base_error_name
    w = Writer()
    w.lines += header(source, f"Errors {full} returns, as exception classes.")
    body = Writer()
    needs: set[str] = {"ClassVar"}
    shape_imports: set[str] = set()
    body.line()
    body.line()
    body.line(f"class {base}(ServiceError):")
    body.indent()
    body.docstring(
        f"Base class of every error {full} returns.\n\n"
        "Error codes the model does not know are raised as this class, with ``code`` set."
    )
    body.dedent()
    for shape in error_shapes(model):
        error = shape.raw.get("error") or {}
        status = int(error.get("httpStatusCode", 500 if shape.raw.get("fault") else 400))
        code = error.get("code", shape.name)
        retry = shape.raw.get("retryable")
        body.line()
        body.line()
        body.line(f"class {shape.class_name}({base}):")
        body.indent()
        body.docstring(shape.doc or f"The {shape.name} error.", [f"HTTP status: {status}."])
        body.line()
        body.line(f'error_code: ClassVar[str] = "{code}"')
        body.line(f"default_status: ClassVar[int] = {status}")
        if retry is not None:
            body.line("modeled_retryable: ClassVar[bool] = True")
            if isinstance(retry, dict) and retry.get("throttling"):
                body.line("modeled_throttling: ClassVar[bool] = True")
        fields = error_fields(shape)
        if fields:
            needs.add("Any")
            body.line()
            body.line("def __init__(")
            body.indent()
            body.line("self,")
            body.line("message: str | None = None,")
            body.line("*,")
            for m in fields:
                ann = member_annotation(m, "out")
                for tok in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", ann):
                    if tok in {s.class_name for s in model.shapes.values()}:
                        shape_imports.add(tok)
                    if tok in ("datetime",):
                        needs.add("datetime")
                body.line(f"{m.py_name}: {ann} | None = None,")
            body.line("code: str | None = None,")
            body.line("status_code: int | None = None,")
            body.line("request_id: str | None = None,")
            body.line("raw: dict[str, Any] | None = None,")
            body.dedent()
            body.line(") -> None:")
            body.indent()
            for m in fields:
                body.line(f"self.{m.py_name} = {m.py_name}")
                if m.doc:
                    body.docstring(m.doc)
            body.line(
                "super().__init__(message, code=code, status_code=status_code, "
                "request_id=request_id, raw=raw)"
            )
            body.dedent()
        body.dedent()
    w.line("from __future__ import annotations")
    w.line()
    if "datetime" in needs:
        w.line("from datetime import datetime")
    w.line(f"from typing import {', '.join(sorted(n for n in needs if n != 'datetime'))}")
    w.line()
    w.line("from awsmith._core.errors import ServiceError")
    if shape_imports:
        w.line()
        w.line(f"from .shapes import {', '.join(sorted(shape_imports, key=isort_key))}")
    w.lines += body.lines
    w.line()
    w.line()
    w.line("__all__ = [")
    for n in sorted([base] + [s.class_name for s in error_shapes(model)]):
        w.line(f'    "{n}",')
    w.line("]")
    return w.render()

