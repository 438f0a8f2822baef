"""client.py (the client class) and __init__.py of a service package."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.customizations import ClientBase
from codegen.docs import escape, first_sentence, wrap
from codegen.examples import Examples, examples_doc
from codegen.model import Member, Operation, Paginator, ServiceModel
from codegen.typing_info import IN, OUT, member_annotation
from codegen.writer import Writer, header, isort_key

_TYPE_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
#: When a paginator raises (awsmith/_core/paginator.py): nothing is sent until it is
#: iterated, so the errors of its calls come out of the iteration.
_PAGINATOR_RAISES = (
    "Nothing is sent until the paginator is iterated: the errors below are raised "
    "during the iteration (of the pages or of ``.items()``), by the request of the page "
    "that failed. This call raises only ``ParamValidationError``, for a ``max_items`` or "
    "``starting_token`` that cannot be used."
)
_REPEATED_TOKEN = (
    "The service returned a token the paginator had already followed (it would loop "
    "forever), or the paginator is iterated a second time."
)


@dataclass(frozen=True)
class PageItems:
    """What a paginator's ``.items()`` yields: the elements of its first result key
    (``default``, Python names; None if it has no result key), or, where the model
    gives it an ``items_when``, those of ``when`` while the boolean argument ``switch``
    is true."""

    default: str | None
    default_t: str
    switch: Member | None = None
    when: str | None = None
    when_t: str | None = None

    @property
    def union_t(self) -> str:
        """The item type whatever the switch: the implementation's and the last overload's."""
        return " | ".join(dict.fromkeys(t for t in (self.default_t, self.when_t) if t is not None))

    @property
    def doc(self) -> str:
        """What the docstring says ``.items()`` yields (empty without a result key)."""
        if self.default is None:
            return ""
        if self.switch is None:
            return f" ``.items()`` yields the elements of ``{self.default}`` across pages."
        return (
            f" ``.items()`` yields the elements of ``{self.when}`` across pages when "
            f"``{self.switch.py_name}`` is true, else those of ``{self.default}``."
        )

    @property
    def item_key(self) -> str | None:
        """The ``item_key=`` expression; None for the Paginator's default, the first
        result key."""
        if self.switch is None:
            return None
        return f"{self.when!r} if {self.switch.py_name} else {self.default!r}"


class ClientEmitter:
    def __init__(
        self,
        model: ServiceModel,
        source: str,
        base: ClientBase | None = None,
        examples: Examples | None = None,
        package: str = "",
    ) -> None:
        self.model = model
        self.source = source
        #: The hand-written class the client inherits, if not BaseClient (see
        #: codegen/customizations.py).
        self.base = base
        #: The operations' examples (codegen/examples.py); their snippets import from
        #: ``package``.
        self.examples = examples
        self.package = package
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
        """The operation's modeled errors, each as ``errors.<Class>``: the name the API
        reference (mkdocstrings) resolves, through the package, and links to the class."""
        lines = []
        for e in sorted(op.errors, key=lambda s: s.class_name):
            text = first_sentence(" ".join(escape(e.doc).split())) or e.name
            lines += wrap(f"errors.{e.class_name}: {text}", "    ", hang="    ")
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
        if self.examples is not None:
            extra += ["", *examples_doc(op, self.examples, self.package)]
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

    def items_of(self, p: Paginator) -> PageItems:
        """What ``p``'s ``.items()`` yields, with the types it is annotated with."""
        op = p.operation
        assert op.input is not None and op.output is not None
        if not p.result_keys:
            self.typing.add("Any")
            return PageItems(default=None, default_t="Any")
        first = p.result_keys[0]
        default, default_t = op.output.member_by_name(first).py_name, self.item_type(op, first)
        if p.items_when is None:
            return PageItems(default, default_t)
        switch, key = p.items_when
        return PageItems(
            default,
            default_t,
            switch=op.input.member_by_name(switch),
            when=op.output.member_by_name(key).py_name,
            when_t=self.item_type(op, key),
        )

    def paginator_options(self, p: Paginator) -> tuple[list[str], list[tuple[str, str]]]:
        """The paginator's own keyword arguments after the operation's: their ``def``
        lines and their documentation."""
        assert p.operation.input is not None
        lines: list[str] = []
        docs: list[tuple[str, str]] = []
        if p.limit_key:
            limit = p.operation.input.member_by_name(p.limit_key)
            lines.append("page_size: int | None = None,")
            docs.append(("page_size", f"Items per page (sent as ``{limit.py_name}``)."))
        lines += ["max_items: int | None = None,", "starting_token: str | None = None,"]
        docs += [
            ("max_items", "Stop after this many items in all; ``resume_token`` then says where to resume."),
            ("starting_token", "Resume from this token (a ``nextToken`` or a paginator's ``resume_token``)."),
        ]
        return lines, docs

    def paginator(self, p: Paginator) -> None:
        op = p.operation
        assert op.input is not None and op.output is not None
        rows = self.params(op, {p.input_token} | ({p.limit_key} if p.limit_key else set()))
        items = self.items_of(p)
        page_t = op.output.class_name
        name = f"paginate_{op.py_name}"
        options, options_doc = self.paginator_options(p)
        if items.switch is not None:
            self.switch_overloads(name, rows, items, options, page_t)
        self.signature(name, rows, options, f"Paginator[{page_t}, {items.union_t}]", False)
        self.w.indent()
        token = op.input.member_by_name(p.input_token).py_name
        self.w.docstring(
            f"Pages of ``{op.py_name}``, following ``{token}``.",
            [
                *wrap("``async for page in ...`` yields each response;" + items.doc, "", width=88),
                "",
                *wrap(_PAGINATOR_RAISES, "", width=88),
                "",
                "Args:",
                *self.args_doc(rows, options_doc),
                "",
                "Raises:",
                *self.raises_doc(op),
                *wrap(f"PaginationError: {_REPEATED_TOKEN}", "    ", hang="    "),
            ],
        )
        self.paginator_body(p, rows, items)
        self.w.dedent()

    def paginator_body(self, p: Paginator, rows: list[tuple[Member, str, bool]], items: PageItems) -> None:
        """``fetch``, one page for a token, and the ``Paginator`` over it."""
        w = self.w
        op = p.operation
        assert op.input is not None and op.output is not None
        w.line()
        w.line(f"async def fetch(token: str | None) -> {op.output.class_name}:")
        w.indent()
        w.line(f"return await self.{op.py_name}(")
        for m, _, _ in rows:
            w.line(f"    {m.py_name}={m.py_name},")
        w.line(f"    {op.input.member_by_name(p.input_token).py_name}=token,")
        if p.limit_key:
            w.line(f"    {op.input.member_by_name(p.limit_key).py_name}=page_size,")
        w.line(")")
        w.dedent()
        w.line()
        result_keys = tuple(op.output.member_by_name(k).py_name for k in p.result_keys)
        w.line("return Paginator(")
        w.line("    fetch,")
        w.line(f"    operation_name={op.name!r},")
        w.line(f"    next_token=lambda page: page.{op.output.member_by_name(p.output_token).py_name},")
        w.line(f"    result_keys={result_keys!r},")
        if items.item_key is not None:
            w.line(f"    item_key={items.item_key},")
        w.line("    max_items=max_items,")
        w.line("    starting_token=starting_token,")
        w.line(")")

    def switch_overloads(
        self,
        name: str,
        rows: list[tuple[Member, str, bool]],
        items: PageItems,
        options: list[str],
        page_t: str,
    ) -> None:
        """The overloads of a paginator whose item type follows a boolean argument:
        ``True`` gives the items of ``items_when``'s result key; ``False``, ``None`` or
        nothing the first result key's; a ``bool`` whose value the checker does not
        know, either."""
        switch = items.switch
        assert switch is not None and items.when_t is not None
        self.typing |= {"Literal", "overload"}
        others = [row for row in rows if row[0] is not switch]
        for literal, required, item_t in (
            ("Literal[True]", True, items.when_t),
            ("Literal[False]", False, items.default_t),
        ):
            ordered = sorted([*others, (switch, literal, required)], key=lambda row: (not row[2], row[0].py_name))
            self.signature(name, ordered, options, f"Paginator[{page_t}, {item_t}]", False, overload=True)
        self.signature(name, rows, options, f"Paginator[{page_t}, {items.union_t}]", False, overload=True)

    def emit(self) -> str:
        model = self.model
        full = model.metadata.get("serviceFullName", model.service_id)
        body = self.w
        body.line()
        body.line()
        base = self.base
        body.line(f"class {model.client_name}({base.name if base else 'BaseClient'}):")
        body.indent()
        variable = self.examples.client if self.examples is not None else "client"
        usage = [
            "Arguments (all keyword-only and optional): ``region``, ``endpoint_url``,",
            "``credentials`` (``awsmith.Credentials``), ``profile``, ``http_client`` (an",
            "``httpx.AsyncClient`` the caller owns), ``config`` (``awsmith.Config``) and",
            "``interceptors`` (``awsmith.Interceptor`` objects, run in that order).",
            "What is not given comes from the standard AWS environment variables, config and",
            "credential files and provider chain. ``with_options(...)`` gives a view with",
            "other retry and timeout settings that shares this client's connections.",
            *(
                [
                    "",
                    f"Beside the operations: {', '.join(f'``{m}``' for m in base.methods)},",
                    f"written by hand in its base class ``{base.name}``.",
                ]
                if base
                else []
            ),
            "",
            "Example:",
            "    ```python",
            f"    async with {model.client_name}(region=\"us-east-1\") as {variable}:",
            "        ...",
            "    ```",
        ]
        if self.examples is not None:
            usage += [
                "",
                *wrap(
                    f"The example of each method calls ``{variable}``, a client opened so, and "
                    "shows the response as ``awsmith.to_dict(response)`` gives it.",
                    "",
                    width=88,
                ),
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
        if self.base is None:
            w.line("from awsmith._core.client import BaseClient")
        if any(m.idempotency_token for op in model.operations if op.input for m in op.input.members):
            w.line("from awsmith._core.operation import new_idempotency_token")
        if model.paginators:
            w.line("from awsmith._core.paginator import Paginator")
        w.line()
        w.line("from . import _serde")
        if self.base is not None:
            w.line(f"from .{self.base.module} import {self.base.name}")
        if self.shape_imports:
            w.line("from .shapes import (")
            for n in sorted(self.shape_imports, key=isort_key):
                w.line(f"    {n},")
            w.line(")")
        w.lines += body.lines
        return w.render()


def emit_client(
    model: ServiceModel,
    source: str,
    base: ClientBase | None = None,
    examples: Examples | None = None,
    package: str = "",
) -> str:
    """client.py; with ``base``, the client inherits that hand-written class; with
    ``examples``, each method's docstring shows its example (the snippets import from
    ``package``)."""
    return ClientEmitter(model, source, base, examples, package).emit()


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

