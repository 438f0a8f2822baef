"""_interchange.py: the per-class conversions behind ``awsmith.to_dict`` and
``awsmith.from_dict``.

For every structure (and modeled error) the generator knows each member's Python name,
wire name and type, so it writes the conversion out as straight-line code: no
reflection, no per-member dispatch at run time. ``awsmith._core.interchange`` registers
the ``CONVERSIONS`` table in its ``cattrs`` converters.
"""

from __future__ import annotations

import re

import awsmith._core.interchange as _rt
from codegen.emit_serde import _q
from codegen.emit_shapes import error_fields, error_shapes
from codegen.model import Member, ServiceModel, Shape
from codegen.typing_info import IN, OUT, Usage, annotation, default_value, null_item, snake
from codegen.writer import Writer, header, isort_key

_INT_TYPES = ("integer", "long", "short", "byte", "bigInteger")
_FLOAT_TYPES = ("float", "double", "bigDecimal")
#: Names the generated functions use besides their members' locals.
_LOCALS = frozenset(
    {"o", "d", "member", "raw", "fields", "path", "data", "wire", "omit", "value", "name", "item", "i"}
    | {"key", "type", "str", "int", "float", "bool", "dict", "list", "enumerate", "None", "errors"}
    | {n for n in dir(_rt) if not n.startswith("_")}
)


def _parens(expr: str) -> str:
    """``expr`` in parentheses if it is a conditional expression: never a chained
    ternary or a bare one as a dict key in generated code."""
    return f"({expr})" if " if " in expr else expr


def message_member() -> Member:
    """An error's message as a member: optional text."""
    text = Shape(name="ErrorMessage", type="string", doc="", raw={})
    return Member(
        name="message", py_name="message", shape=text, doc="", required=False, location=None,
        location_name="message", idempotency_token=False, host_label=False,
        timestamp_format=None, json_value=False,
    )  # fmt: skip


class InterchangeEmitter:
    def __init__(self, model: ServiceModel, source: str) -> None:
        self.model = model
        self.source = source
        self.usage = Usage(model)
        self.w = Writer()
        self.runtime: set[str] = {"ShapeConversions"}
        self.serde_names: set[str] = set()
        self.shape_names: set[str] = set()
        self.classes = {s.class_name for s in model.shapes.values()}
        self.needs_errors = False
        self.typing: set[str] = set()

    def rt(self, name: str) -> str:
        """``name`` of ``awsmith._core.interchange``, imported."""
        self.runtime.add(name)
        return name

    def serde(self, name: str) -> str:
        """``name`` of ``awsmith._core.serde`` (``Path``, ``EPOCH``), imported."""
        self.serde_names.add(name)
        return name

    def cls(self, shape: Shape) -> str:
        self.shape_names.add(shape.class_name)
        return shape.class_name

    def ann(self, shape: Shape, direction: str | None = None) -> str:
        """The annotation of a value of ``shape``: by default the widest (inputs accept
        more), which every value of the shape satisfies."""
        if direction is None:
            direction = IN if shape.name in self.usage.inputs else OUT
        ann = annotation(shape, direction)
        for token in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", ann):
            if token in self.classes or (token.endswith("Literal") and token[:-7] in self.classes):
                self.shape_names.add(token)
            elif token in ("Sequence", "Mapping", "datetime"):
                self.typing.add(token)
        return ann

    def local(self, member: Member) -> str:
        local = member.py_name
        while local in _LOCALS or local in self.classes:
            local += "_"
        return local

    @staticmethod
    def key(member: Member, wire: str = "wire") -> str:
        """The expression of a member's key: its wire or its Python name."""
        if member.name == member.py_name:
            return _q(member.name)
        return f"{_q(member.name)} if {wire} else {_q(member.py_name)}"

    # ------------------------------------------------------------------ to_dict

    def out_expr(self, shape: Shape, value: str, member: Member | None = None) -> str:
        """The JSON-ready form of ``value`` (a plain name): its member's type checked
        inline where that is one ``type() is`` test, else by the runtime's ``o_*``
        function, which raises ``Unconvertible`` on a value of the wrong type (a
        required member's None included)."""
        t = shape.type
        if (member is not None and member.json_value) or (t == "structure" and shape.is_document):
            return value  # any JSON value, as it is
        inline = {"string": ("str", "o_str"), "boolean": ("bool", "o_bool")}
        inline.update({i: ("int", "o_int") for i in _INT_TYPES})
        if t in inline and not shape.is_enum:
            py_type, helper = inline[t]
            return f"{value} if type({value}) is {py_type} else {self.rt(helper)}({value})"
        if t == "string":  # an enum: its member's text, read without the ``value`` property
            cls = self.cls(shape)
            return f"{value}._value_ if type({value}) is {cls} else {self.rt('o_enum')}({value})"
        if t in _FLOAT_TYPES:
            return f"{self.rt('o_float')}({value})"
        if t == "timestamp":
            return f"{self.rt('o_timestamp')}({value})"
        if t == "blob":
            return f"{self.rt('o_blob')}({value})"
        return f"_out_{snake(shape.name)}({value}, wire, omit)"

    def emit_out(self, shape: Shape) -> None:
        w = self.w
        name = snake(shape.name)
        w.line()
        w.line()
        if shape.type == "structure":
            cls = self.cls(shape)
            w.line(f"def _out_{name}(o: {cls}, wire: bool, omit: bool) -> dict[str, Any]:")
            w.indent()
            w.line(f'"""A ``{cls}`` as a dict."""')
            w.line(f"if not isinstance(o, {cls}):")
            w.line(f"    {self.rt('unconvertible')}()")
            w.line("d: dict[str, Any] = {}")
            required = {m.name: m.required and not shape.is_union for m in shape.members}
            if any(self.needs_local(m, required[m.name]) for m in shape.members):
                w.line("member: Any  # checked here: an object may hold anything")
            for m in sorted(shape.members, key=lambda m: m.py_name):
                self.out_member(m, f"o.{m.py_name}", required[m.name])
            w.line("return d")
            w.dedent()
        elif shape.type == "list":
            assert shape.member is not None
            item, _ = null_item(self.out_expr(shape.member, "item"), shape.sparse, drop=False)
            w.line(
                f"def _out_{name}(value: {self.ann(shape)}, wire: bool, omit: bool) -> list[Any]:"
            )
            # a list skips the call (isinstance, not `type() is`: it keeps the item
            # type for pyright); anything else is checked by o_list
            items = f"value if isinstance(value, list) else {self.rt('o_list')}(value)"
            w.line(f"    return [{item} for item in ({items})]")
        else:
            assert shape.key is not None and shape.value is not None
            key = _parens(self.out_expr(shape.key, "key"))
            item, _ = null_item(self.out_expr(shape.value, "item"), shape.sparse, drop=False)
            w.line(
                f"def _out_{name}(value: {self.ann(shape)}, wire: bool, omit: bool) -> dict[str, Any]:"
            )
            w.line(f"    return {{{key}: {_parens(item)} for key, item in {self.rt('o_map')}(value).items()}}")

    def needs_local(self, m: Member, required: bool) -> bool:
        """Whether writing ``m`` reads its attribute into ``member``: to test it for None
        (optional) or to use it twice (an inline type check)."""
        return not required or " if " in self.out_expr(m.shape, "member", m)

    def out_member(self, m: Member, attr: str, required: bool, key: str | None = None) -> None:
        """The statements writing member ``m`` (``attr``) under ``key`` (its name in
        the chosen style): a required one always (its check refuses None), an optional
        one if not None, or as None when ``omit`` is false."""
        w = self.w
        key = key or self.key(m)
        if not self.needs_local(m, required):
            w.line(f"d[{key}] = {self.out_expr(m.shape, attr, m)}")
            return
        w.line(f"member = {attr}")
        value = self.out_expr(m.shape, "member", m)
        if required:
            w.line(f"d[{key}] = {value}")
            return
        w.line("if member is not None:")
        w.line(f"    d[{key}] = {value}")
        w.line("elif not omit:")
        w.line(f"    d[{key}] = None")

    # ---------------------------------------------------------------- from_dict

    def in_expr(
        self, shape: Shape, value: str, path: str, name: str, member: Member | None = None
    ) -> str:
        """The conversion of ``value`` (not None); ``name`` is the expression of its key."""
        t = shape.type
        if (member is not None and member.json_value) or (t == "structure" and shape.is_document):
            return value
        scalar = {"boolean": ("bool", "i_bool")}
        if t == "string" and not shape.is_enum:
            scalar[t] = ("str", "i_str")
        if t in _INT_TYPES:
            scalar[t] = ("int", "i_int")
        if t in _FLOAT_TYPES:
            scalar[t] = ("float", "i_float")
        if t in scalar:
            py_type, helper = scalar[t]
            return f"{value} if type({value}) is {py_type} else {self.rt(helper)}({value}, {path}, {name})"
        if t == "string":
            return f"{self.rt('i_enum')}({self.cls(shape)}, {value}, {path}, {name})"
        if t == "blob":
            return f"{self.rt('i_blob')}({value}, {path}, {name}, wire)"
        if t == "timestamp":
            return f"{self.rt('i_timestamp')}({value}, {path}, {name}, wire)"
        if t == "structure":
            child = f"({path}, name, i)" if name.endswith('[{i}]"') else f"({path}, {name})"
            if name.endswith('[{key!r}]"'):
                child = f"({path}, name, key)"
            return f"_in_{snake(shape.name)}({value}, {child}, wire, strict)"
        return f"_in_{snake(shape.name)}({value}, {path}, {name}, wire, strict)"

    def emit_in(self, shape: Shape) -> None:
        w = self.w
        name = snake(shape.name)
        path_t = self.serde("Path")
        w.line()
        w.line()
        if shape.type == "structure":
            cls = self.cls(shape)
            w.line(f"def _in_{name}(data: Any, path: {path_t}, wire: bool, strict: bool) -> {cls}:")
            w.indent()
            w.line(f'"""The ``{cls}`` a dict describes."""')
            check = f'{self.rt("i_fields")}(data, path, "", _KEYS_{name.upper()}, wire, strict)'
            w.line(f"fields = {check}" if shape.members else check)
            args: list[str] = []
            for m in sorted(shape.members, key=lambda m: m.py_name):
                local = self.local(m)
                w.line(f"key = {self.key(m)}")
                w.line("raw = fields.get(key)")
                value = self.in_expr(m.shape, "raw", "path", "key", m)
                if m.required and not shape.is_union:
                    # the default of a member left out, as the parser gives it
                    default = default_value(m.shape)
                    if default == "EPOCH":
                        self.serde(default)
                    w.line("if raw is None:")
                    w.line(f"    raw = {self.rt('absent')}(path, key, strict, {default})")
                    w.line(f"{local} = {value}")
                else:
                    w.line(f"{local} = None if raw is None else {_parens(value)}")
                args.append(f"{m.py_name}={local}")
            w.call(f"return {cls}(", args)
            w.dedent()
        elif shape.type == "list":
            # Nulls as the parser reads them: kept in a sparse list, dropped from a dense one.
            assert shape.member is not None
            item, keep = null_item(
                self.in_expr(shape.member, "item", "path", 'f"{name}[{i}]"'), shape.sparse, drop=True
            )
            w.line(
                f"def _in_{name}(value: Any, path: {path_t}, name: str, wire: bool, strict: bool) -> {self.ann(shape, OUT if shape.name in self.usage.outputs else IN)}:"
            )
            w.line(
                f"    return [{item} for i, item in enumerate({self.rt('i_list')}(value, path, name)){keep}]"
            )
        else:
            assert shape.key is not None and shape.value is not None
            item, keep = null_item(
                self.in_expr(shape.value, "item", "path", 'f"{name}[{key!r}]"'), shape.sparse, drop=True
            )
            key = _parens(self.in_expr(shape.key, "key", "path", "name"))
            w.line(
                f"def _in_{name}(value: Any, path: {path_t}, name: str, wire: bool, strict: bool) -> {self.ann(shape, OUT if shape.name in self.usage.outputs else IN)}:"
            )
            w.line(f"    items = {self.rt('i_map')}(value, path, name).items()")
            w.line(f"    return {{{key}: {_parens(item)} for key, item in items{keep}}}")

    # ------------------------------------------------------------------- errors

    def emit_error(self, shape: Shape) -> str:
        """The hooks of a modeled error: its message and its modeled fields."""
        cls = f"errors.{shape.class_name}"
        self.needs_errors = True
        message = next(
            (m for m in shape.members if m.name.lower() in ("message", "errormessage")), None
        )
        wire_message = message.name if message is not None else "message"
        fields = error_fields(shape)
        if not fields:
            return f"{self.rt('message_only')}({cls}, {_q(wire_message)})"
        w = self.w
        name = snake(shape.name)
        message_key = (
            _q("message")
            if wire_message == "message"
            else f'{_q(wire_message)} if wire else "message"'
        )
        w.line()
        w.line()
        w.line(f"def _out_error_{name}(o: {cls}, wire: bool, omit: bool) -> dict[str, Any]:")
        w.indent()
        w.line(f'"""A ``{shape.class_name}`` error as a dict: its message and modeled fields."""')
        w.line("d: dict[str, Any] = {}")
        w.line("member: Any  # checked here: an error may hold anything")
        self.out_member(message_member(), "o.message", False, message_key)
        for m in fields:
            self.out_member(m, f"o.{m.py_name}", False)
        w.line("return d")
        w.dedent()
        w.line()
        w.line()
        w.line(f"def _in_error_{name}(data: Any, path: {self.serde('Path')}, wire: bool, strict: bool) -> {cls}:")
        w.indent()
        w.line(f'"""The ``{shape.class_name}`` error a dict describes."""')
        w.line(f'fields = {self.rt("i_fields")}(data, path, "", _KEYS_ERROR_{name.upper()}, wire, strict)')
        w.line(f"key = {message_key}")
        w.line("raw = fields.get(key)")
        w.line(f"message = None if raw is None else ({self.in_expr(message_member().shape, 'raw', 'path', 'key')})")
        args = ["message"]
        for m in fields:
            local = self.local(m)
            w.line(f"key = {self.key(m)}")
            w.line("raw = fields.get(key)")
            w.line(f"{local} = None if raw is None else {_parens(self.in_expr(m.shape, 'raw', 'path', 'key', m))}")
            args.append(f"{m.py_name}={local}")
        w.call(f"return {cls}(", args)
        w.dedent()
        keys = [("message", wire_message)] + [(m.py_name, m.name) for m in fields]
        self.key_sets[f"_KEYS_ERROR_{name.upper()}"] = keys
        return f"{self.rt('ShapeConversions')}(_out_error_{name}, _in_error_{name})"

    # --------------------------------------------------------------------- file

    key_sets: dict[str, list[tuple[str, str]]]

    def emit(self) -> str:
        self.key_sets = {}
        structures = [
            s
            for s in self.model.shapes.values()
            if s.name in self.usage.all
            and s.type in ("structure", "list", "map")
            and not (s.type == "structure" and (s.is_exception or s.is_document))
        ]
        w = self.w
        w.line()
        w.line()
        w.line("# " + "-" * 30 + " to_dict")
        for shape in structures:
            self.emit_out(shape)
        w.line()
        w.line()
        w.line("# " + "-" * 30 + " from_dict")
        for shape in structures:
            if shape.type == "structure":
                self.key_sets[f"_KEYS_{snake(shape.name).upper()}"] = [
                    (m.py_name, m.name) for m in sorted(shape.members, key=lambda m: m.py_name)
                ]
            self.emit_in(shape)
        w.line()
        w.line()
        w.line("# " + "-" * 30 + " errors")
        error_hooks = [(s.class_name, self.emit_error(s)) for s in error_shapes(self.model)]
        w.line()
        w.line()
        hooks = self.rt("ShapeConversions")
        w.line(f"CONVERSIONS: dict[type, {hooks}] = {{")
        for shape in structures:
            if shape.type == "structure":
                n = snake(shape.name)
                w.line(f"    {shape.class_name}: {hooks}(_out_{n}, _in_{n}),")
        for class_name, expr in error_hooks:
            w.line(f"    errors.{class_name}: {expr},")
        # the service's base error: what an error code the model does not list raises
        # (a model with no error shapes of its own has it too)
        self.needs_errors = True
        base = self.model.base_error_name
        w.line(f"    errors.{base}: {self.rt('message_only')}(errors.{base}, \"message\"),")
        w.line("}")
        w.line('"""The generated conversions of every shape and modeled error class."""')
        return self.assemble()

    def assemble(self) -> str:
        out = Writer()
        out.lines += header(
            self.source,
            "Conversions of every shape and modeled error to and from dicts, behind\n"
            "``awsmith.to_dict`` and ``awsmith.from_dict``.\n\n"
            "Private: use those two functions; ``awsmith._core.interchange`` registers ``CONVERSIONS``\n"
            "in its cattrs converters.",
        )
        out.line(
            "# Each class's conversion is written out member by member: no reflection at run time."
        )
        out.line("# to_dict re-checks at run time what the annotations promise: objects may hold anything.")
        out.line("# pyright: reportUnusedFunction=false, reportUnnecessaryIsInstance=false")
        out.line()
        out.line("from __future__ import annotations")
        out.line()
        abc = [n for n in ("Mapping", "Sequence") if n in self.typing]
        if abc:
            out.line(f"from collections.abc import {', '.join(abc)}")
        if "datetime" in self.typing:
            out.line("from datetime import datetime")
        typing = ["Any"]
        out.line(f"from typing import {', '.join(typing)}")
        out.line()
        out.line("from awsmith._core.interchange import (")
        for n in sorted(self.runtime, key=isort_key):
            out.line(f"    {n},")
        out.line(")")
        if self.serde_names:
            out.line(f"from awsmith._core.serde import {', '.join(sorted(self.serde_names, key=isort_key))}")
        out.line()
        if self.needs_errors:
            out.line("from . import errors")
        shapes = sorted(self.shape_names, key=isort_key)
        if shapes:
            out.line("from .shapes import (")
            for n in shapes:
                out.line(f"    {n},")
            out.line(")")
        out.line()
        for const, pairs in sorted(self.key_sets.items()):
            py = ", ".join(_q(p) for p, _ in sorted(pairs))
            wire = ", ".join(_q(n) for _, n in sorted(pairs, key=lambda p: p[1]))
            py_set = f"frozenset({{{py}}})" if py else "frozenset[str]()"
            wire_set = f"frozenset({{{wire}}})" if wire else "frozenset[str]()"
            out.line(f"{const} = ({py_set}, {wire_set})")
        body = self.w.lines
        out.lines += body
        return out.render()


def emit_interchange(model: ServiceModel, source: str) -> str:
    return InterchangeEmitter(model, source).emit()
