"""client.py (the client class) and __init__.py of a service package."""

from __future__ import annotations

import re

from codegen.docs import escape, first_sentence, wrap
from codegen.model import Member, Operation, Paginator, ServiceModel
from codegen.typing_info import IN, OUT, member_annotation
from codegen.writer import Writer, header, isort_key

_TYPE_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


class ClientEmitter:
    def __init__(self, model: ServiceModel, source: str) -> None:
        self.model = model
        self.source = source
        self.w = Writer()
        self.shape_imports: set[str] = set()
        self.typing: set[str] = set()
        self.class_names = {s.class_name for s in model.shapes.values()} | {
            s.class_name + "Literal" for s in model.shapes.values() if s.is_enum
        }

    def note_types(self, annotation: str) -> None:
        for token in _TYPE_TOKEN.findall(annotation):
            if token in self.class_names:
                self.shape_imports.add(token)
            elif token in ("Any", "Sequence", "Mapping", "datetime"):
                self.typing.add(token)

    def params(self, op: Operation, skip: set[str]) -> list[tuple[Member, str, bool]]:
        """(member, annotation, required) of the method's keyword arguments."""
        if op.input is None:
            return []
        out = []
        for m in op.input.members:
            if m.name in skip:
                continue
            ann = member_annotation(m, IN)
            self.note_types(ann)
            required = m.required and not m.idempotency_token
            out.append((m, ann, required))
        out.sort(key=lambda row: (not row[2], row[0].py_name))
        return out

    def signature(
        self,
        name: str,
        rows: list[tuple[Member, str, bool]],
        extra: list[str],
        returns: str,
        is_async: bool,
        *,
        overload: bool = False,
    ) -> None:
        """A method's ``def`` line(s); with ``overload``, an ``@overload`` stub."""
        w = self.w
        w.line()
        if overload:
            w.line("@overload")
        w.line(f"{'async def' if is_async else 'def'} {name}(")
        w.indent()
        w.line("self,")
        if rows or extra:
            w.line("*,")
        for m, ann, required in rows:
            w.line(f"{m.py_name}: {ann}," if required else f"{m.py_name}: {ann} | None = None,")
        for e in extra:
            w.line(e)
        w.dedent()
        w.line(f") -> {returns}:" + (" ..." if overload else ""))

    def args_doc(self, rows: list[tuple[Member, str, bool]], extra: list[tuple[str, str]]) -> list[str]:
        lines: list[str] = []
        for m, _, _ in rows:
            text = " ".join(escape(m.doc).split()) or "(no documentation)"
            if m.idempotency_token:
                text += " Filled with a new UUID when omitted; the same on every retry."
            lines += wrap(f"{m.py_name}: {text}", "    ", hang="    ")
        for name, text in extra:
            lines += wrap(f"{name}: {text}", "    ", hang="    ")
        return lines

    def raises_doc(self, op: Operation) -> list[str]:
        lines = []
        for e in sorted(op.errors, key=lambda s: s.class_name):
            text = first_sentence(" ".join(escape(e.doc).split())) or e.name
            lines += wrap(f"{e.class_name}: {text}", "    ", hang="    ")
        return lines

    def operation(self, op: Operation) -> None:
        w = self.w
        rows = self.params(op, set())
        out_t = op.output.class_name if op.output else "None"
        if op.output:
            self.shape_imports.add(out_t)
        self.signature(op.py_name, rows, [], out_t, True)
        w.indent()
        extra = []
        if rows:
            extra += ["Args:", *self.args_doc(rows, [])]
        if op.output:
            extra += ["", "Returns:", f"    The ``{out_t}`` of the call."]
        raises = self.raises_doc(op)
        if raises:
            extra += ["", "Raises:", *raises]
        if op.deprecated:
            extra = ["Deprecated by the service.", "", *extra]
        w.docstring(op.doc or f"Calls {op.name}.", extra)
        if op.input:
            self.shape_imports.add(op.input.class_name)
            args = []
            for m, _, _ in rows:
                if m.idempotency_token:
                    args.append(
                        f"{m.py_name}={m.py_name} if {m.py_name} is not None "
                        "else new_idempotency_token()"
                    )
                else:
                    args.append(f"{m.py_name}={m.py_name}")
            w.line(f"request = {op.input.class_name}(")
            for a in args:
                w.line(f"    {a},")
            w.line(")")
            w.line(f"return await self._invoke(_serde.{op.constant}, request)")
        else:
            w.line(f"return await self._invoke(_serde.{op.constant}, None)")
        w.dedent()

    def item_type(self, op: Operation, key: str) -> str:
        """The element annotation of the result list ``key``."""
        assert op.output is not None
        member = op.output.member_by_name(key)
        assert member.shape.member is not None
        ann = member_annotation(member, OUT)
        self.note_types(ann)
        return ann[len("list[") : -1]

    def paginator(self, p: Paginator) -> None:
        w = self.w
        op = p.operation
        assert op.input is not None and op.output is not None
        skip = {p.input_token} | ({p.limit_key} if p.limit_key else set())
        rows = self.params(op, skip)
        first_t = self.item_type(op, p.result_keys[0]) if p.result_keys else "Any"
        if not p.result_keys:
            self.typing.add("Any")
        page_t = op.output.class_name
        name = f"paginate_{op.py_name}"
        extra_sig = []
        extra_doc = []
        if p.limit_key:
            limit = op.input.member_by_name(p.limit_key)
            extra_sig.append("page_size: int | None = None,")
            extra_doc.append(("page_size", f"Items per page (sent as ``{limit.py_name}``)."))
        extra_sig += ["max_items: int | None = None,", "starting_token: str | None = None,"]
        extra_doc += [
            ("max_items", "Stop after this many items in all; ``resume_token`` then says where to resume."),
            ("starting_token", "Resume from this token (a ``nextToken`` or a paginator's ``resume_token``)."),
        ]
        attr = {k: op.output.member_by_name(k).py_name for k in p.result_keys}
        if p.items_when is None:
            self.signature(name, rows, extra_sig, f"Paginator[{page_t}, {first_t}]", False)
            items_doc = (
                f" ``.items()`` yields the elements of ``{attr[p.result_keys[0]]}`` across pages."
                if p.result_keys
                else ""
            )
            item_key = None  # the first result key: the Paginator's default
        else:
            switch = op.input.member_by_name(p.items_when[0])
            when_t = self.item_type(op, p.items_when[1])
            self.switch_overloads(name, rows, switch, extra_sig, page_t, when_t, first_t)
            union_t = " | ".join(dict.fromkeys([first_t, when_t]))
            self.signature(name, rows, extra_sig, f"Paginator[{page_t}, {union_t}]", False)
            when, default = attr[p.items_when[1]], attr[p.result_keys[0]]
            items_doc = (
                f" ``.items()`` yields the elements of ``{when}`` across pages when "
                f"``{switch.py_name}`` is true, else those of ``{default}``."
            )
            item_key = f"{when!r} if {switch.py_name} else {default!r}"
        w.indent()
        w.docstring(
            f"Pages of ``{op.py_name}``, following ``{op.input.member_by_name(p.input_token).py_name}``.",
            [
                *wrap("``async for page in ...`` yields each response;" + items_doc, "", width=88),
                "",
                "Args:",
                *self.args_doc(rows, extra_doc),
            ],
        )
        w.line()
        token_member = op.input.member_by_name(p.input_token)
        w.line(f"async def fetch(token: str | None) -> {page_t}:")
        w.indent()
        w.line(f"return await self.{op.py_name}(")
        for m, _, _ in rows:
            w.line(f"    {m.py_name}={m.py_name},")
        w.line(f"    {token_member.py_name}=token,")
        if p.limit_key:
            w.line(f"    {op.input.member_by_name(p.limit_key).py_name}=page_size,")
        w.line(")")
        w.dedent()
        w.line()
        out_member = op.output.member_by_name(p.output_token)
        w.line("return Paginator(")
        w.line("    fetch,")
        w.line(f"    operation_name={op.name!r},")
        w.line(f"    next_token=lambda page: page.{out_member.py_name},")
        w.line(f"    result_keys={tuple(attr.values())!r},")
        if item_key is not None:
            w.line(f"    item_key={item_key},")
        w.line("    max_items=max_items,")
        w.line("    starting_token=starting_token,")
        w.line(")")
        w.dedent()

    def switch_overloads(
        self,
        name: str,
        rows: list[tuple[Member, str, bool]],
        switch: Member,
        extra_sig: list[str],
        page_t: str,
        when_t: str,
        default_t: str,
    ) -> None:
        """The overloads of a paginator whose item type follows a boolean argument:
        ``True`` gives the items of ``items_when``'s result key; ``False``, ``None`` or
        nothing the first result key's; a ``bool`` whose value the checker does not
        know, either."""
        self.typing |= {"Literal", "overload"}
        others = [row for row in rows if row[0] is not switch]
        for literal, required, item_t in (
            ("Literal[True]", True, when_t),
            ("Literal[False]", False, default_t),
        ):
            ordered = sorted([*others, (switch, literal, required)], key=lambda row: (not row[2], row[0].py_name))
            self.signature(name, ordered, extra_sig, f"Paginator[{page_t}, {item_t}]", False, overload=True)
        union_t = " | ".join(dict.fromkeys([default_t, when_t]))
        self.signature(name, rows, extra_sig, f"Paginator[{page_t}, {union_t}]", False, overload=True)

    def emit(self) -> str:
        model = self.model
        full = model.metadata.get("serviceFullName", model.service_id)
        body = self.w
        body.line()
        body.line()
        body.line(f"class {model.client_name}(BaseClient):")
        body.indent()
        usage = [
            "Arguments (all keyword-only and optional): ``region``, ``endpoint_url``,",
            "``credentials`` (``awsmith.Credentials``), ``profile``, ``http_client`` (an",
            "``httpx.AsyncClient`` the caller owns), ``config`` (``awsmith.Config``) and",
            "``interceptors`` (``awsmith.Interceptor`` objects, run in that order).",
            "What is not given comes from the standard AWS environment variables, config and",
            "credential files and provider chain. ``with_options(...)`` gives a view with",
            "other retry and timeout settings that shares this client's connections.",
            "",
            "Example:",
            "    ```python",
            f"    async with {model.client_name}(region=\"us-east-1\") as client:",
            "        ...",
            "    ```",
        ]
        body.docstring(f"Async client for {full} (API {model.metadata['apiVersion']}).\n\n" + model.doc, usage)
        body.line()
        body.line("_service = _serde.SERVICE")
        body.line("#: Model operation name -> method name (how awsmith.testing.Stubber names calls).")
        body.line("_operation_methods: ClassVar[Mapping[str, str]] = {")
        self.typing |= {"ClassVar", "Mapping"}
        for op in model.operations:
            body.line(f'    "{op.name}": "{op.py_name}",')
        body.line("}")
        for op in model.operations:
            self.operation(op)
        for p in model.paginators:
            self.paginator(p)
        body.dedent()

        w = Writer()
        w.lines += header(self.source, f"The async client of {full}.")
        w.line("from __future__ import annotations")
        w.line()
        if {"Sequence", "Mapping"} & self.typing:
            w.line("from collections.abc import " + ", ".join(sorted({"Sequence", "Mapping"} & self.typing)))
        if "datetime" in self.typing:
            w.line("from datetime import datetime")
        typing_names = sorted({"Any", "ClassVar", "Literal", "overload"} & self.typing, key=isort_key)
        if typing_names:
            w.line("from typing import " + ", ".join(typing_names))
        w.line()
        w.line("from awsmith._core.client import BaseClient")
        if any(m.idempotency_token for op in model.operations if op.input for m in op.input.members):
            w.line("from awsmith._core.operation import new_idempotency_token")
        if model.paginators:
            w.line("from awsmith._core.paginator import Paginator")
        w.line()
        w.line("from . import _serde")
        if self.shape_imports:
            w.line("from .shapes import (")
            for n in sorted(self.shape_imports, key=isort_key):
                w.line(f"    {n},")
            w.line(")")
        w.lines += body.lines
        return w.render()


def emit_client(model: ServiceModel, source: str) -> str:
    return ClientEmitter(model, source).emit()


def emit_init(model: ServiceModel, source: str, package: str) -> str:
    full = model.metadata.get("serviceFullName", model.service_id)
    w = Writer()
    w.lines += header(
        source,
        f"{full}: a typed async client.\n\n"
        f"- ``{package}.{model.client_name}``: the client, one ``async def`` per operation.\n"
        f"- ``{package}.shapes``: request, response and nested types, and enums.\n"
        f"- ``{package}.errors``: the service's errors (subclasses of ``awsmith.ServiceError``).\n",
    )
    w.line("from . import errors, shapes")
    w.line(f"from .client import {model.client_name}")
    w.line()
    w.line(f'__all__ = ["{model.client_name}", "errors", "shapes"]')
    return w.render()

