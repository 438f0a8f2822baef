"""_serde.py: per-shape validators, serializers and parsers, and the operation table.

Everything per operation is decided here, at generation time, so the runtime does no
reflection per call: each function below is straight-line code for one shape.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import awsmith._core.serde as _rt_serde
from awsmith._core.validation import model_pattern
from codegen.emit_shapes import error_fields, error_shapes
from codegen.model import Member, ModelError, Operation, ServiceModel, Shape
from codegen.typing_info import OUT, Usage, annotation, default_value, null_item, snake
from codegen.writer import Writer, header, isort_key

_INT_TYPES = ("integer", "long", "short", "byte", "bigInteger")
_FLOAT_TYPES = ("float", "double", "bigDecimal")
_LABEL = re.compile(r"\{([^}]+)\}")
#: What reads a JSON number as a value: a number, a timestamp (epoch seconds) or a
#: document (any JSON) member.
_NUMBER_TYPES = frozenset({*_INT_TYPES, *_FLOAT_TYPES, "timestamp"})


def reads_numbers(shape: Shape, seen: set[str] | None = None) -> bool:
    """Whether a body read into ``shape`` may have a number read as a value: then its
    parser needs ``load_json``'s exact reading of long integer literals; else it passes
    ``numbers=False`` and skips the scan for them (:func:`awsmith._core.serde.loads`)."""
    seen = set() if seen is None else seen
    if shape.is_document or shape.type in _NUMBER_TYPES:
        return True
    if shape.name in seen:
        return False  # a recursive shape: answered where it was first met
    seen.add(shape.name)
    inner = [m.shape for m in shape.members] + [
        s for s in (shape.member, shape.key, shape.value) if s is not None
    ]
    return any(reads_numbers(s, seen) for s in inner)


#: The ``name`` of a list item and of a map value in parser code: f-strings evaluated
#: only where a value is wrong (scalars), or turned into a tuple path (structures).
_LIST_ITEM = 'f"{name}[{i}]"'
_MAP_ITEM = 'f"{name}[{key!r}]"'
#: The path of a response's root in parser code (a top-level parser has no ``path``).
_ROOT = '""'
#: Names a parser uses besides its members' locals: its own variables, the builtins it
#: calls, and every runtime helper it may import. A member local of the same name
#: would shadow them (a member called ``float`` or ``prefixHeaders`` exists).
_LOCALS = frozenset(
    {"raw", "fields", "path", "data", "response", "type", "value", "name", "item", "i", "key"}
    | {"str", "int", "float", "bool", "dict", "list", "enumerate", "None"}
    | {n for n in dir(_rt_serde) if not n.startswith("_")}
)


class Null(Enum):
    """What a parser does with a JSON null where it reads a value."""

    #: The caller rules null out: a list item or map value (see ``null_item``).
    NEVER = "never"
    #: Null reads as None: an optional member.
    NONE = "none"


@dataclass(frozen=True)
class Default:
    """Null (or absence) reads as ``expr``: a required member's Smithy default
    (``typing_info.default_value``)."""

    expr: str


#: What :meth:`SerdeEmitter.de_expr` makes of a null.
OnNull = Null | Default


def _local(py_name: str, classes: frozenset[str] | set[str] = frozenset()) -> str:
    """A parser's local variable for a member: never one of the names the parser uses
    (``classes``: the shape classes it may construct)."""
    local = py_name
    while local in _LOCALS or local in classes:
        local += "_"
    return local


def _q(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text)


def _num(value: float | None) -> str:
    if value is None:
        return "None"
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


class SerdeEmitter:
    def __init__(self, model: ServiceModel, source: str, *, compiled_rules: bool = False) -> None:
        self.compiled_rules = compiled_rules
        self.model = model
        self.source = source
        self.usage = Usage(model)
        self.imports: dict[str, set[str]] = {}
        self.shape_names: set[str] = set()
        self.error_names: set[str] = set()
        self.patterns: dict[str, str] = {}
        self.w = Writer()
        self.warnings: list[str] = []
        self.all_classes = {s.class_name for s in model.shapes.values()}

    # ------------------------------------------------------------------ utils

    def use(self, module: str, name: str) -> str:
        self.imports.setdefault(module, set()).add(name)
        return name

    def rt(self, name: str) -> str:
        return self.use("awsmith._core.serde", name)

    def vd(self, name: str) -> str:
        return self.use("awsmith._core.validation", name)

    def cls(self, shape: Shape) -> str:
        self.shape_names.add(shape.class_name)
        return shape.class_name

    def pattern_name(self, shape: Shape) -> str | None:
        if not shape.pattern:
            return None
        name = f"_PATTERN_{snake(shape.name).upper()}"
        if name not in self.patterns:
            try:
                model_pattern(shape.pattern)
            except re.error as exc:
                self.warnings.append(
                    f"{shape.name}: pattern {shape.pattern!r} is not a Python regex ({exc}); "
                    "it is not checked client-side"
                )
                return None
            self.patterns[name] = shape.pattern
        return name

    def timestamp_format(self, member: Member | None, shape: Shape, context: str) -> str:
        fmt = (member.timestamp_format if member else None) or shape.timestamp_format
        if fmt:
            return fmt.lower()
        return {"body": "unixtimestamp", "header": "rfc822"}.get(context, "iso8601")

    def ts_func(self, fmt: str) -> str:
        return self.rt({"unixtimestamp": "ts_epoch", "rfc822": "ts_http"}.get(fmt, "ts_iso"))

    # ------------------------------------------------------------- validation

    def check(self, shape: Shape, expr: str, path: str, member: Member | None, out: Writer) -> None:
        """Statements that validate ``expr`` (not None) of ``shape`` at ``path``."""
        t = shape.type
        if member is not None and member.json_value:
            out.line(f"{self.vd('check_document')}({expr}, {path})")
        elif t == "string":
            if shape.is_enum:
                out.line(f"{self.vd('check_enum')}({expr}, {path})")
            else:
                args = [expr, path]
                pattern = self.pattern_name(shape)
                if shape.min is not None or shape.max is not None or pattern:
                    args += [_num(shape.min), _num(shape.max)]
                if pattern:
                    args.append(pattern)
                out.line(f"{self.vd('check_str')}({', '.join(args)})")
        elif t == "boolean":
            out.line(f"{self.vd('check_bool')}({expr}, {path})")
        elif t in _INT_TYPES or t in _FLOAT_TYPES:
            fn = "check_int" if t in _INT_TYPES else "check_float"
            bounds = f", {_num(shape.min)}, {_num(shape.max)}" if (shape.min, shape.max) != (None, None) else ""
            out.line(f"{self.vd(fn)}({expr}, {path}{bounds})")
        elif t == "blob":
            bounds = f", {_num(shape.min)}, {_num(shape.max)}" if (shape.min, shape.max) != (None, None) else ""
            out.line(f"{self.vd('check_bytes')}({expr}, {path}{bounds})")
        elif t == "timestamp":
            out.line(f"{self.vd('check_datetime')}({expr}, {path})")
        elif t in ("list", "map") or (t == "structure" and not shape.is_document):
            suffix = ' + "."' if t == "structure" else ""
            out.line(f"_val_{snake(shape.name)}({expr}, {path}{suffix})")
        elif t == "structure":
            out.line(f"{self.vd('check_document')}({expr}, {path})")
        else:
            raise ModelError(f"unsupported shape type {t!r} ({shape.name})")
        if member is None:
            return
        if member.location == "header":
            if t == "list":
                out.line(f"for item in {expr}:")
                out.line(f"    {self.vd('check_header')}(str(item), {path})")
            elif t == "string" and not member.json_value:
                out.line(f"{self.vd('check_header')}({expr}, {path})")
        elif member.location == "headers":
            out.line(f"for key, item in {expr}.items():")
            out.line(f"    {self.vd('check_header')}(key, {path})")
            out.line(f"    {self.vd('check_header')}(item, {path})")
        elif member.location == "uri" and t == "string":
            greedy = self._fills_greedy_label(member)
            out.line(f"{self.vd('check_greedy_label' if greedy else 'check_label')}({expr}, {path})")
        if member.host_label:
            out.line(f"{self.vd('check_host_label')}({expr}, {path})")

    def _fills_greedy_label(self, member: Member) -> bool:
        """Whether ``member`` fills a greedy ``{name+}`` label in the URI of an operation
        taking its structure. The greedy check is the stricter one, so an input shared by
        operations with greedy and plain labels gets it."""
        label = "{" + member.location_name + "+}"
        return any(
            op.input is not None
            and label in op.request_uri
            and any(m is member for m in op.input.members)
            for op in self.model.operations
        )

    def emit_validators(self, shape: Shape) -> None:
        w = self.w
        name = snake(shape.name)
        if shape.type == "structure":
            cls = self.cls(shape)
            w.line()
            w.line()
            w.line(f"def _val_{name}(value: {cls}, prefix: str) -> None:")
            w.indent()
            w.line(f"if not isinstance(value, {cls}):")
            w.line(
                f'    {self.vd("invalid")}(prefix[:-1] or "request", "type", '
                f'"expected {cls}, " f"got {{type(value).__name__}}")'
            )
            if shape.members:
                w.line("member: Any  # checked at run time: callers may pass anything")
            if shape.is_union:
                names = ", ".join(repr(m.py_name) for m in shape.members)
                w.line(f'{self.vd("check_union")}(value, prefix[:-1] or "request", ({names},))')
            for m in shape.members:
                path = f'prefix + "{m.py_name}"'
                w.line(f"member = value.{m.py_name}")
                if (m.required and not shape.is_union) or m.location == "uri" or m.host_label:
                    w.line("if member is None:")
                    w.line(f'    {self.vd("invalid")}({path}, "required", "a value is required")')
                    self.check(m.shape, "member", path, m, w)
                else:
                    w.line("if member is not None:")
                    w.indent()
                    self.check(m.shape, "member", path, m, w)
                    w.dedent()
            w.dedent()
        elif shape.type == "list":
            assert shape.member is not None
            w.line()
            w.line()
            w.line(f"def _val_{name}(value: Any, path: str) -> None:")
            w.indent()
            bounds = f", {_num(shape.min)}, {_num(shape.max)}" if (shape.min, shape.max) != (None, None) else ""
            w.line(f"for i, item in enumerate({self.vd('check_list')}(value, path{bounds})):")
            w.indent()
            self.check_item(shape.member, shape.sparse, 'f"{path}[{i}]"', "list items")
            w.dedent()
            w.dedent()
        elif shape.type == "map":
            assert shape.key is not None and shape.value is not None
            w.line()
            w.line()
            w.line(f"def _val_{name}(value: Any, path: str) -> None:")
            w.indent()
            bounds = f", {_num(shape.min)}, {_num(shape.max)}" if (shape.min, shape.max) != (None, None) else ""
            w.line(f"for key, item in {self.vd('check_map')}(value, path{bounds}).items():")
            w.indent()
            self.check(shape.key, "key", 'f"{path}[{key!r}]"', None, w)
            self.check_item(shape.value, shape.sparse, 'f"{path}[{key!r}]"', "map values")
            w.dedent()
            w.dedent()

    def check_item(self, shape: Shape, sparse: bool, path: str, what: str) -> None:
        """Statements that validate ``item``, a list item or map value at ``path``: a
        None is skipped in a sparse collection (it keeps its place) and refused in a
        dense one (models/README.md, "Nulls in lists and maps")."""
        w = self.w
        if sparse:
            w.line("if item is not None:")
            w.indent()
            self.check(shape, "item", path, None, w)
            w.dedent()
            return
        w.line("if item is None:")
        w.line(f'    {self.vd("invalid")}({path}, "type", "{what} cannot be None")')
        self.check(shape, "item", path, None, w)

    # ---------------------------------------------------------- serialization

    def ser_expr(self, shape: Shape, expr: str, member: Member | None) -> str:
        """JSON-body value of ``expr``."""
        t = shape.type
        if t in ("string", "boolean") or t in _INT_TYPES:
            return expr
        if t in _FLOAT_TYPES:
            return f"{self.rt('float_out')}({expr})"
        if t == "blob":
            return f"{self.rt('b64encode')}({expr})"
        if t == "timestamp":
            return f"{self.ts_func(self.timestamp_format(member, shape, 'body'))}({expr})"
        if t == "structure" and shape.is_document:
            return expr
        return f"_ser_{snake(shape.name)}({expr})"

    def emit_serializer(self, shape: Shape) -> None:
        w = self.w
        name = snake(shape.name)
        if shape.type == "structure":
            cls = self.cls(shape)
            w.line()
            w.line()
            w.line(f"def _ser_{name}(value: {cls}) -> dict[str, Any]:")
            w.indent()
            w.line("out: dict[str, Any] = {}")
            self.ser_members(shape.members, "value", "out")
            w.line("return out")
            w.dedent()
        elif shape.type == "list":
            assert shape.member is not None
            w.line()
            w.line()
            w.line(f"def _ser_{name}(value: Any) -> list[Any]:")
            item, _ = null_item(self.ser_expr(shape.member, "item", None), shape.sparse, drop=False)
            w.line(f"    return [{item} for item in value]" if item != "item" else "    return list(value)")
        elif shape.type == "map":
            assert shape.value is not None
            w.line()
            w.line()
            w.line(f"def _ser_{name}(value: Any) -> dict[str, Any]:")
            item, _ = null_item(self.ser_expr(shape.value, "item", None), shape.sparse, drop=False)
            w.line(
                f"    return {{key: {item} for key, item in value.items()}}"
                if item != "item"
                else "    return dict(value)"
            )

    def ser_members(self, members: list[Member], obj: str, out: str) -> None:
        w = self.w
        for m in members:
            w.line(f"if {obj}.{m.py_name} is not None:")
            w.line(f'    {out}["{m.location_name}"] = {self.ser_expr(m.shape, f"{obj}.{m.py_name}", m)}')

    def text_expr(self, shape: Shape, expr: str, member: Member | None, context: str) -> str:
        """A str for a query value, header value or URI label."""
        t = shape.type
        if member is not None and member.json_value:
            return f"{self.rt('json_header')}({expr})"
        if t == "string":
            return expr
        if t == "boolean":
            return f"{self.rt('bool_text')}({expr})"
        if t in _INT_TYPES:
            return f"str({expr})"
        if t in _FLOAT_TYPES:
            return f"{self.rt('float_text')}({expr})"
        if t == "timestamp":
            fmt = self.timestamp_format(member, shape, context)
            text = f"{self.ts_func(fmt)}({expr})"
            return f"str({text})" if fmt == "unixtimestamp" else text
        if t == "blob":
            return f"{self.rt('b64encode')}({expr})"
        raise ModelError(f"{shape.name} ({t}) cannot be sent in a {context}")

    def emit_rest_request(self, op: Operation) -> None:
        w = self.w
        shape = op.input
        uri, _, static_query = op.request_uri.partition("?")
        req = "request"
        w.line()
        w.line()
        arg = f"request: {self.cls(shape)}" if shape else "request: None"
        w.call(f"def serialize_{op.py_name}(", [arg], f") -> {self.use('awsmith._core.operation', 'SerializedRequest')}:")
        w.indent()
        members = shape.members if shape else []
        by_label = {m.location_name: m for m in members if m.location == "uri"}
        parts: list[str] = []
        pos = 0
        for match in _LABEL.finditer(uri):
            if match.start() > pos:
                parts.append(_q(uri[pos : match.start()]))
            label = match.group(1)
            greedy = label.endswith("+")
            m = by_label.get(label.rstrip("+"))
            if m is None:
                raise ModelError(f"operation {op.name}: URI label {{{label}}} has no uri member")
            text = self.text_expr(m.shape, f"{req}.{m.py_name}", m, "uri")
            parts.append(f"{self.rt('greedy_label' if greedy else 'label')}({text})")
            pos = match.end()
        if pos < len(uri):
            parts.append(_q(uri[pos:]))
        one = f"path = {' + '.join(parts) or _q('/')}"
        if len(one) + 4 <= 99:
            w.line(one)
        else:
            w.line("path = (")
            for i, part in enumerate(parts):
                w.line(f"    {'+ ' if i else ''}{part}")
            w.line(")")
        # Named query members first: a map of query parameters (``httpQueryParams``) adds
        # only the keys that neither they nor the static query already set.
        query_members = sorted(
            (m for m in members if m.location == "querystring"), key=lambda m: m.shape.type == "map"
        )
        # A constant key without "=" (``?foo=bar&flag``) is sent bare: its value is None.
        static = [
            (key, value if sep else None)
            for key, sep, value in (p.partition("=") for p in static_query.split("&") if p)
        ]
        if any(value is None for _, value in static):
            w.line(f"query: list[{self.use('awsmith._core.signing', 'QueryItem')}] = {static!r}")
        else:
            w.line(f"query: list[tuple[str, str]] = {static!r}")
        for m in query_members:
            value = f"{req}.{m.py_name}"
            w.line(f"if {value} is not None:")
            w.indent()
            if m.shape.type == "list":
                assert m.shape.member is not None
                item = self.text_expr(m.shape.member, "item", None, "querystring")
                w.line(f'query.extend(("{m.location_name}", {item}) for item in {value})')
            elif m.shape.type == "map":
                assert m.shape.value is not None
                w.line("named = {key for key, _ in query}")
                if m.shape.value.type == "list":
                    w.line(f"for key, items in {value}.items():")
                    w.line("    if key not in named:")
                    w.line("        query.extend((key, item) for item in items)")
                else:
                    w.line(f"query.extend(item for item in {value}.items() if item[0] not in named)")
            else:
                w.line(f'query.append(("{m.location_name}", {self.text_expr(m.shape, value, m, "querystring")}))')
            w.dedent()
        w.line("headers: dict[str, str] = {}")
        for m in members:
            value = f"{req}.{m.py_name}"
            if m.location == "header":
                if m.shape.type == "list":
                    assert m.shape.member is not None
                    item = self.text_expr(m.shape.member, "item", None, "header")
                    # HTTP dates are sent as they are, commas and all (never quoted).
                    join = "header_date_list" if m.shape.member.type == "timestamp" else "header_list"
                    w.line(f"if {value} is not None:")
                    w.line(f'    headers["{m.location_name}"] = {self.rt(join)}([{item} for item in {value}])')
                else:
                    w.line(f"if {value} is not None:")
                    w.line(f'    headers["{m.location_name}"] = {self.text_expr(m.shape, value, m, "header")}')
            elif m.location == "headers":
                w.line(f"if {value} is not None:")
                w.line(f"    for key, item in {value}.items():")
                w.line(f'        headers["{m.location_name}" + key] = item')
        payload = shape.payload if shape else None
        body_members = [m for m in members if m.location is None]
        if payload is not None:
            m = shape.member_by_name(payload) if shape else None
            assert m is not None
            value = f"{req}.{m.py_name}"
            if m.shape.type in ("blob", "string"):
                # A raw payload says what it is: bytes, or text (enums included).
                encode = ".encode()" if m.shape.type == "string" else ""
                media = "application/octet-stream" if m.shape.type == "blob" else "text/plain"
                w.line(f"if {value} is not None:")
                w.line(f"    body = {value}{encode}")
                w.line(f'    headers.setdefault("Content-Type", "{media}")')
                w.line("else:")
                w.line('    body = b""')
            elif m.shape.is_union:
                # An unset union payload is no body at all ("{}" would be a union
                # with no member set, which is invalid).
                w.line(f"if {value} is not None:")
                w.line(f"    body = {self.rt('dump_json')}({self.ser_expr(m.shape, value, m)})")
                w.line('    headers.setdefault("Content-Type", "application/json")')
                w.line("else:")
                w.line('    body = b""')
            else:
                w.line(f"body = {self.rt('dump_json')}({self.ser_expr(m.shape, value, m)}) if {value} is not None else b\"{{}}\"")
                w.line('headers.setdefault("Content-Type", "application/json")')
        elif body_members:
            w.line("fields: dict[str, Any] = {}")
            self.ser_members(body_members, req, "fields")
            w.line(f"body = {self.rt('dump_json')}(fields)")
            w.line('headers["Content-Type"] = "application/json"')
        else:
            w.line('body = b""')
        if op.checksum_required:
            w.line(f'headers["Content-MD5"] = {self.rt("content_md5")}(body)')
        host = self.host_prefix_expr(op)
        args = [f'method="{op.method}"', "path=path", "query=query", "headers=headers", "body=body"]
        w.call("return SerializedRequest(", [*args, *([f"host_prefix={host}"] if host else [])])
        w.dedent()

    def host_prefix_expr(self, op: Operation) -> str:
        if not op.host_prefix:
            return ""
        members = {m.name: m for m in (op.input.members if op.input else [])}
        parts = []
        pos = 0
        for match in _LABEL.finditer(op.host_prefix):
            if match.start() > pos:
                parts.append(repr(op.host_prefix[pos : match.start()]))
            m = members.get(match.group(1))
            if m is None or not m.host_label:
                raise ModelError(f"operation {op.name}: host label {match.group(0)} has no member")
            parts.append(f"request.{m.py_name}")
            pos = match.end()
        if pos < len(op.host_prefix):
            parts.append(repr(op.host_prefix[pos:]))
        return " + ".join(parts)

    def emit_json_request_helper(self) -> None:
        """``_json_request``, what every operation of the JSON protocol sends: a POST to
        ``/`` naming the operation in ``X-Amz-Target``, the service's one content type."""
        w = self.w
        meta = self.model.metadata
        content_type = f"application/x-amz-json-{meta.get('jsonVersion', '1.0')}"
        sr = self.use("awsmith._core.operation", "SerializedRequest")
        w.line()
        w.line()
        w.line(f'def _json_request(target: str, body: bytes, host_prefix: str = "") -> {sr}:')
        w.indent()
        w.docstring(
            "A request of the JSON protocol: always a POST to /, the operation named in "
            "X-Amz-Target (the target prefix, a dot, its name)."
        )
        w.line(f"return {sr}(")
        w.line('    method="POST",')
        w.line('    path="/",')
        w.line("    query=[],")
        w.line(f'    headers={{"X-Amz-Target": target, "Content-Type": "{content_type}"}},')
        w.line("    body=body,")
        w.line("    host_prefix=host_prefix,")
        w.line(")")
        w.dedent()

    def emit_json_request(self, op: Operation) -> None:
        w = self.w
        target = _q(f"{self.model.metadata['targetPrefix']}.{op.name}")
        sr = self.use("awsmith._core.operation", "SerializedRequest")
        w.line()
        w.line()
        arg = f"request: {self.cls(op.input)}" if op.input else "request: None"
        w.call(f"def serialize_{op.py_name}(", [arg], f") -> {sr}:")
        w.indent()
        body = f"{self.rt('dump_json')}({f'_ser_{snake(op.input.name)}(request)' if op.input else '{}'})"
        host = self.host_prefix_expr(op)
        if op.checksum_required:
            w.line(f"body = {body}")
            w.call("serialized = _json_request(", [target, "body", *([host] if host else [])])
            w.line(f'serialized.headers["Content-MD5"] = {self.rt("content_md5")}(body)')
            w.line("return serialized")
        else:
            w.call("return _json_request(", [target, body, *([host] if host else [])])
        w.dedent()

    # ---------------------------------------------------------------- parsing

    def out_type(self, shape: Shape) -> str:
        ann = annotation(shape, OUT)
        for token in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", ann):
            if token in self.all_classes:
                self.shape_names.add(token)
            elif token == "datetime":
                self.use("datetime", "datetime")
        return ann

    def on_null(self, member: Member, shape: Shape) -> OnNull:
        """What a null (or absent) ``member`` of ``shape`` reads as: None when it is
        optional, else its Smithy default (None for a document: JSON null)."""
        if not member.required or shape.is_union:
            return Null.NONE
        default = default_value(member.shape)
        if default is None:
            return Null.NONE
        if default == "EPOCH":
            self.rt("EPOCH")
        return Default(default)

    def de_expr(
        self, shape: Shape, value: str, path: str, name: str, null: OnNull = Null.NEVER
    ) -> str:
        """The parse of ``value`` (a JSON value) of ``shape``; ``null`` says what a
        ``None`` value reads as. Scalars are type-checked inline so the common case
        calls nothing. ``path`` and ``name`` are Python expressions: the parent's path
        (``path``, or ``""`` at the root) and a string literal or an f-string."""
        t = shape.type
        if t == "structure" and shape.is_document:
            return value  # any JSON value, null included
        scalar = {"string": ("str", "p_str"), "boolean": ("bool", "p_bool")}
        if t in _INT_TYPES:
            scalar[t] = ("int", "p_int")
        if t in _FLOAT_TYPES:
            scalar[t] = ("float", "p_float")
        if t in scalar and not shape.is_enum:
            py_type, helper = scalar[t]
            check = f"{value} if type({value}) is {py_type} else {self.rt(helper)}({value}, {path}, {name})"
            if null is Null.NONE:
                return check.replace(" if ", f" if {value} is None or ", 1)
            if isinstance(null, Default):
                return f"{null.expr} if {value} is None else ({check})"
            return check
        arg = value
        if isinstance(null, Default) and (t == "string" or t == "structure"):
            # the conversion reads the default's wire value: an enum's "", a structure's {}
            arg = f"{null.expr} if {value} is None else {value}"
            null = Null.NEVER
        if t == "string":
            call = f"{self.rt('p_enum')}({self.cls(shape)}, {arg}, {path}, {name})"
        elif t == "blob":
            call = f"{self.rt('p_blob')}({arg}, {path}, {name})"
        elif t == "timestamp":
            call = f"{self.rt('p_timestamp')}({arg}, {path}, {name})"
        elif t == "structure":
            # The child's path as a tuple, rendered only for an error message: an
            # f-string per list item was ~40 % of parsing 24 ProfileTimes.
            if name == _LIST_ITEM:
                child = f"({path}, name, i)"
            elif name == _MAP_ITEM:
                child = f"({path}, name, key)"
            else:
                child = f"({path}, {name})"
            call = f"_de_{snake(shape.name)}({arg}, {child})"
        else:
            call = f"_de_{snake(shape.name)}({arg}, {path}, {name})"
        if null is Null.NONE:
            return f"None if {value} is None else {call}"
        if isinstance(null, Default):
            return f"{null.expr} if {value} is None else {call}"
        return call

    def emit_parser(self, shape: Shape) -> None:
        w = self.w
        name = snake(shape.name)
        if shape.type == "structure":
            cls = self.cls(shape)
            w.line()
            w.line()
            w.line(f"def _de_{name}(data: Any, path: {self.rt('Path')}) -> {cls}:")
            w.indent()
            # pyright narrows Any to dict[Unknown, Unknown]; the annotation says what JSON gives.
            w.line("fields: dict[str, Any] = (  # pyright: ignore[reportUnknownVariableType]")
            w.line(f'    data if type(data) is dict else {self.rt("p_map")}(data, path, "")')
            w.line(")")
            self.de_members(shape, shape.members, "path", cls)
            w.dedent()
        elif shape.type == "list":
            # A sparse list keeps a null item in its place; a dense one drops it, as
            # Smithy asks of clients (models/README.md, "Nulls in lists and maps").
            assert shape.member is not None
            item, keep = null_item(
                self.de_expr(shape.member, "item", "path", _LIST_ITEM), shape.sparse, drop=True
            )
            w.line()
            w.line()
            w.line(f"def _de_{name}(value: Any, path: {self.rt('Path')}, name: str) -> {self.out_type(shape)}:")
            # A list is checked inline, as a structure's object is (a call per list
            # saved: DescribeCases parses 31 lists a call).
            w.line("    items: list[Any] = (  # pyright: ignore[reportUnknownVariableType]")
            w.line(f"        value if type(value) is list else {self.rt('p_list')}(value, path, name)")
            w.line("    )")
            w.line(f"    return [{item} for i, item in enumerate(items){keep}]")
        elif shape.type == "map":
            assert shape.key is not None and shape.value is not None
            item, keep = null_item(
                self.de_expr(shape.value, "item", "path", _MAP_ITEM), shape.sparse, drop=True
            )
            key = self.de_expr(shape.key, "key", "path", "name") if shape.key.is_enum else "key"
            w.line()
            w.line()
            w.line(f"def _de_{name}(value: Any, path: {self.rt('Path')}, name: str) -> {self.out_type(shape)}:")
            w.line(f"    items = {self.rt('p_map')}(value, path, name).items()")
            w.line(f"    return {{{key}: {item} for key, item in items{keep}}}")

    def de_members(
        self, shape: Shape, members: list[Member], path: str, cls: str, extra: dict[str, str] | None = None
    ) -> None:
        """Statements reading ``members`` of ``shape`` from the dict ``fields`` into the
        ``cls`` they return; ``extra``: more constructor arguments (headers, status)."""
        w = self.w
        assignments = dict(extra or {})
        for m in members:
            key = m.location_name
            w.line(f'raw = fields.get("{key}")')
            local = _local(m.py_name, self.all_classes)
            w.line(f"{local} = {self.de_expr(m.shape, 'raw', path, _q(key), self.on_null(m, shape))}")
            assignments[m.py_name] = local
        w.call(f"return {cls}(", [f"{k}={v}" for k, v in sorted(assignments.items())])

    def emit_response_parser(self, op: Operation) -> None:
        w = self.w
        resp = self.use("awsmith._core.transport.http", "TransportResponse")
        shape = op.output
        w.line()
        w.line()
        if shape is None:
            w.line(f"def parse_{op.py_name}(response: {resp}) -> None:")
            w.line("    return None")
            return
        cls = self.cls(shape)
        w.line(f"def parse_{op.py_name}(response: {resp}) -> {cls}:")
        w.indent()
        if self.model.protocol == "json":
            w.line(f'return _de_{snake(shape.name)}({self.load_json(shape)}, "")')
            w.dedent()
            return
        extra: dict[str, str] = {}
        body_members = []
        for m in shape.members:
            if m.location == "header":
                local = _local(m.py_name, self.all_classes)
                self.header_member(m, local)
                extra[m.py_name] = local
            elif m.location == "headers":
                local = _local(m.py_name, self.all_classes)
                w.line(f'{local} = {self.rt("prefix_headers")}(response.headers, "{m.location_name}")')
                extra[m.py_name] = local
            elif m.location == "statusCode":
                extra[m.py_name] = "response.status"
            elif m.location in ("uri", "querystring"):
                continue  # request-only locations: nothing in a response binds to them
            elif shape.payload == m.name:
                extra[m.py_name] = self.payload_expr(m, _local(m.py_name, self.all_classes))
            else:
                body_members.append(m)
        if body_members:
            w.line(f"fields = {self.load_json(shape)}")
            self.de_members(shape, body_members, _ROOT, cls, extra)
        else:
            w.call(f"return {cls}(", [f"{k}={v}" for k, v in sorted(extra.items())])
        w.dedent()

    def header_member(self, m: Member, local: str) -> None:
        """The statements reading header member ``m`` into ``local``: the text as it
        is where that is the value, else its conversion, with the null rule of
        :meth:`on_null` for a header the response leaves out."""
        w = self.w
        get = f'response.headers.get("{m.location_name}")'
        parsed = self.header_expr(m, _ROOT)
        null = Null.NONE if m.json_value else self.on_null(m, m.shape)
        if parsed == "raw":  # plain text
            default = f", {null.expr}" if isinstance(null, Default) else ""
            w.line(f"{local} = {get[:-1]}{default})")
            return
        w.line(f"raw = {get}")
        if isinstance(null, Default) and m.shape.is_enum:
            w.line(f"{local} = {parsed.replace(', raw, ', f', {null.expr} if raw is None else raw, ', 1)}")
        elif isinstance(null, Default):
            w.line(f"{local} = {null.expr} if raw is None else {parsed}")
        else:
            w.line(f"{local} = None if raw is None else {parsed}")

    def load_json(self, shape: Shape) -> str:
        """The JSON object of the response body, to be read into ``shape``."""
        numbers = "" if reads_numbers(shape) else ", numbers=False"
        return f"{self.rt('load_json')}(response.body{numbers})"

    def payload_expr(self, m: Member, local: str) -> str:
        """The parsed payload member (statements into ``local`` where needed). An empty
        body is an unset optional payload; a document payload may be any JSON value; a
        structure payload sent as ``null`` is the member sent as null (botocore reads
        ``DescribeProfilingGroup``'s ``null`` as ``{'profilingGroup': None}``)."""
        w = self.w
        t = m.shape.type
        if t in ("blob", "string"):
            value = "response.body" if t == "blob" else 'response.body.decode("utf-8", "replace")'
            return value if m.required else f"{value} if response.body else None"
        if m.shape.is_document:
            w.line(f"{local} = {self.rt('loads')}(response.body) if response.body else None")
            return local
        load = f"{self.rt('load_payload')}(response.body)"
        if m.shape.is_union and not m.required:
            load += " if response.body else None"  # no body: no member set
        w.line(f"raw = {load}")
        w.line(f"{local} = {self.de_expr(m.shape, 'raw', _ROOT, _q(m.location_name), self.on_null(m, m.shape))}")
        return local

    def header_expr(self, m: Member, path: str) -> str:
        """The conversion of ``raw``, the text of header member ``m``."""
        t = m.shape.type
        name = repr(m.location_name)
        if m.json_value:
            return f"{self.rt('h_json')}(raw, {path}, {name})"
        if t == "string":
            return f"{self.rt('p_enum')}({self.cls(m.shape)}, raw, {path}, {name})" if m.shape.is_enum else "raw"
        if t == "boolean":
            return f"{self.rt('h_bool')}(raw, {path}, {name})"
        if t in _INT_TYPES:
            return f"{self.rt('h_int')}(raw, {path}, {name})"
        if t in _FLOAT_TYPES:
            return f"{self.rt('h_float')}(raw, {path}, {name})"
        if t == "timestamp":
            return f"{self.rt('p_timestamp')}(raw, {path}, {name})"
        if t == "blob":
            return f"{self.rt('p_blob')}(raw, {path}, {name})"
        if t == "list":
            assert m.shape.member is not None
            inner = m.shape.member
            if inner.type == "string":
                return f"{self.rt('h_list')}(raw)"
            if inner.type == "timestamp" and self.timestamp_format(None, inner, "header") == "rfc822":
                # HTTP dates have commas of their own: split after each "GMT".
                return f"[{self.rt('p_timestamp')}(item, {path}, {name}) for item in {self.rt('h_date_list')}(raw)]"
            conv = {"boolean": "h_bool", "timestamp": "p_timestamp"}.get(inner.type)
            if inner.type in _INT_TYPES:
                conv = "h_int"
            if inner.type in _FLOAT_TYPES:
                conv = "h_float"
            if conv is None:
                raise ModelError(f"header list of {inner.type} ({m.shape.name}) is not supported")
            return f"[{self.rt(conv)}(item, {path}, {name}) for item in {self.rt('h_list')}(raw)]"
        raise ModelError(f"{m.shape.name} ({t}) cannot be read from a header")

    # ------------------------------------------------------------------ errors

    def emit_error_parsers(self) -> list[tuple[str, str, str]]:
        """Parsers of modeled error fields; returns (code, class, parser) rows. Every
        field is optional: an error is read for its code and message first."""
        w = self.w
        rows = []
        for shape in error_shapes(self.model):
            fields = [m for m in error_fields(shape) if m.location in (None, "header", "headers")]
            self.error_names.add(shape.class_name)
            parser = self.rt("no_fields")
            if fields:
                parser = f"_err_{snake(shape.name)}"
                resp = self.use("awsmith._core.transport.http", "TransportResponse")
                w.line()
                w.line()
                w.line(f"def {parser}(fields: dict[str, Any], response: {resp}) -> dict[str, Any]:")
                w.indent()
                values: dict[str, str] = {}
                for m in fields:
                    local = _local(m.py_name, self.all_classes)
                    if m.location is None:
                        key = m.location_name
                        w.line(f'raw = fields.get("{key}")')
                        w.line(f"{local} = {self.de_expr(m.shape, 'raw', _ROOT, _q(key), Null.NONE)}")
                    elif m.location == "header":
                        w.line(f'raw = response.headers.get("{m.location_name}")')
                        w.line(f"{local} = None if raw is None else {self.header_expr(m, _ROOT)}")
                    else:
                        prefix = self.rt("prefix_headers")
                        w.line(f'{local} = {prefix}(response.headers, "{m.location_name}")')
                    values[m.py_name] = local
                w.line("return {")
                for py, value in values.items():
                    w.line(f'    "{py}": {value},')
                w.line("}")
                w.dedent()
            code = (shape.raw.get("error") or {}).get("code", shape.name)
            rows.append((code, shape.class_name, parser))
            if code != shape.name:
                rows.append((shape.name, shape.class_name, parser))
        return rows

    # ------------------------------------------------------------------- file

    def emit(self) -> str:
        model = self.model
        usage = self.usage
        w = self.w
        inputs = [s for s in model.shapes.values() if s.name in usage.inputs]
        outputs = [s for s in model.shapes.values() if s.name in usage.outputs]
        w.line()
        w.line()
        w.line("# " + "-" * 30 + " validation")
        for shape in inputs:
            if not (shape.type == "structure" and (shape.is_exception or shape.is_document)):
                self.emit_validators(shape)
        w.line()
        w.line()
        w.line("# " + "-" * 30 + " serialization")
        self._emit_per_shape(inputs, [op.input for op in model.operations], self.emit_serializer)
        if model.protocol == "json" and model.operations:
            self.emit_json_request_helper()
        for op in model.operations:
            if model.protocol == "json":
                self.emit_json_request(op)
            else:
                self.emit_rest_request(op)
        w.line()
        w.line()
        w.line("# " + "-" * 30 + " parsing")
        self._emit_per_shape(outputs, [op.output for op in model.operations], self.emit_parser)
        for op in model.operations:
            self.emit_response_parser(op)
        rows = self.emit_error_parsers()
        # table
        w.line()
        w.line()
        table = self.use("awsmith._core.errors_wire", "ErrorTable")
        w.line(f"ERRORS: {table} = {{")
        for code, cls, parser in sorted(rows):
            w.line(f'    "{code}": (errors.{cls}, {parser}),')
        w.line("}")
        op_cls = self.use("awsmith._core.operation", "Operation")
        for op in model.operations:
            in_t = self.cls(op.input) if op.input else "None"
            out_t = self.cls(op.output) if op.output else "None"
            validate = f"_validate_{op.py_name}"
            w.line()
            w.line()
            w.line(f"def {validate}(request: {in_t}) -> None:")
            if op.input:
                w.line(f'    _val_{snake(op.input.name)}(request, "")')
            else:
                w.line("    return None")
            w.line()
            w.line()
            args = [_q(op.name), validate, f"serialize_{op.py_name}", f"parse_{op.py_name}"]
            if op.static_context:
                args.append(f"endpoint_params={tuple(op.static_context.items())!r}")
            if op.method in ("GET", "HEAD") or (
                op.input is not None and any(m.idempotency_token for m in op.input.members)
            ):
                args.append("resend_safe=True")
            if op.compress_request:
                args.append("compress_request=True")
            w.call(f"{op.constant}: {op_cls}[{in_t}, {out_t}] = {op_cls}(", args)
        self.use("awsmith._core.operation", "ServiceInfo")
        w.lines += emit_service_info(self.model, self.compiled_rules)
        return self.assemble()

    def _emit_per_shape(
        self, shapes: list[Shape], tops: list[Shape | None], emit: Callable[[Shape], None]
    ) -> None:
        """``emit`` for each list, map and structure, except exceptions and documents,
        and except (in rest-json, where their members are spread over the URI, query,
        headers and body) top-level request/response shapes used nowhere else."""
        top = {t.name for t in tops if t} if self.model.protocol == "rest-json" else set()
        for shape in shapes:
            if shape.type == "structure" and (shape.is_exception or shape.is_document):
                continue
            if shape.name in top and not self._nested(shape):
                continue
            if shape.type in ("structure", "list", "map"):
                emit(shape)

    def _nested(self, shape: Shape) -> bool:
        """Whether a top-level request/response shape is also used inside another shape."""
        for other in self.model.shapes.values():
            for m in other.members:
                if m.shape is shape:
                    return True
            if shape in (other.member, other.value):
                return True
        return False

    def assemble(self) -> str:
        out = Writer()
        out.lines += header(
            self.source,
            "Validators, serializers and parsers of every shape, and the operation table.\n\n"
            "Private: the client uses these; users never need to import them.",
        )
        # Validators check at run time what the annotations promise (callers may pass
        # anything), and serializers of shapes no operation reaches are still emitted.
        out.line("# Validators re-check at run time what the annotations promise: callers may pass anything.")
        out.line("# pyright: reportUnnecessaryIsInstance=false, reportUnnecessaryComparison=false")
        out.line("# pyright: reportUnusedFunction=false")
        out.line()
        out.line("from __future__ import annotations")
        out.line()
        out.line("from typing import Any")
        out.line()
        if self.patterns:
            self.vd("model_pattern")
        for module in sorted(self.imports):
            names = sorted(self.imports[module], key=isort_key)
            text = f"from {module} import {', '.join(names)}"
            if len(text) <= 99:
                out.line(text)
            else:
                out.line(f"from {module} import (")
                for n in names:
                    out.line(f"    {n},")
                out.line(")")
        out.line()
        out.line("from . import _endpoints, errors" if self.compiled_rules else "from . import errors")
        shapes = sorted(self.shape_names, key=isort_key)
        if shapes:
            out.line("from .shapes import (")
            for n in shapes:
                out.line(f"    {n},")
            out.line(")")
        if self.patterns:
            out.line()
            for name, pattern in sorted(self.patterns.items()):
                out.line(f"{name} = model_pattern({_q(pattern)})")
        body = self.w.lines
        if not self.patterns and body[:2] == ["", ""]:
            body = body[1:]  # one blank line between the imports and a comment (isort)
        out.lines += body
        for warning in self.warnings:
            print(f"codegen: warning: {warning}", file=sys.stderr)
        return out.render()


def emit_service_info(model: ServiceModel, compiled_rules: bool = False) -> list[str]:
    """The SERVICE constant appended to _serde.py; ``compiled_rules``: the package has
    its endpoint rules compiled (``_endpoints.py``)."""
    meta = model.metadata
    return [
        "",
        "",
        "SERVICE = ServiceInfo(",
        f"    service_id={model.service_id!r},",
        f"    data_name={model.data_name!r},",
        f"    endpoint_prefix={meta['endpointPrefix']!r},",
        f"    signing_name={meta.get('signingName', meta['endpointPrefix'])!r},",
        f"    api_version={meta['apiVersion']!r},",
        "    errors=ERRORS,",
        f"    base_error=errors.{model.base_error_name},",
        *(
            ["    operation_endpoint_params=True,"]
            if any(op.static_context for op in model.operations)
            else []
        ),
        *(["    endpoint_rules=_endpoints.resolve,"] if compiled_rules else []),
        ")",
    ]


def emit_serde(model: ServiceModel, source: str, *, compiled_rules: bool = False) -> str:
    return SerdeEmitter(model, source, compiled_rules=compiled_rules).emit()
