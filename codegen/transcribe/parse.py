"""Stage 2, parsing: paragraphs -> a :class:`Reference` (operations, data types, errors).

The Actions and Data Types lists give the sections; each section yields its members
(a lone camelCase name, its description, then the ``Type:``/constraint lines), its errors
(name, ``message``, ``HTTP Status Code:``) and, for restJson1, the HTTP binding read from
the Request and Response Syntax blocks. Nothing here knows about shapes or corrections:
the result is what the reference text says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from codegen.transcribe.clean import (
    FIELD_PREFIXES,
    SUBSECTIONS,
    Block,
    blocks_of,
    clean_lines,
    untick,
)

Location = Literal["uri", "querystring", "header", "payload"]


@dataclass
class Field:
    """One documented member (request/response parameter or data type content)."""

    name: str
    doc: list[Block] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    location: Location | None = None
    location_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        return self.attrs.get("Required", "").startswith("Yes")


@dataclass
class ErrorRef:
    name: str
    doc: list[Block]
    message_doc: list[Block] | None
    status: int


@dataclass
class Operation:
    name: str
    doc: list[Block]
    method: str = "POST"
    uri: str = "/"
    status: int = 200
    inputs: list[Field] = field(default_factory=list)
    outputs: list[Field] = field(default_factory=list)
    errors: list[ErrorRef] = field(default_factory=list)


@dataclass
class DataType:
    name: str
    doc: list[Block]
    members: list[Field]


@dataclass
class Reference:
    welcome: list[Block]
    operations: list[Operation]
    data_types: list[DataType]
    common_errors: list[ErrorRef]


_IDENT = re.compile(r"[a-z][A-Za-z0-9]*")
_ERROR_NAME = re.compile(r"[A-Z][A-Za-z0-9]+")


def _listed_names(blocks: Sequence[Block], intro: str) -> tuple[list[str], int]:
    start = next(i for i, b in enumerate(blocks) if b.text.startswith(intro))
    names: list[str] = []
    i = start + 1
    while i < len(blocks):
        for line in blocks[i].lines:
            m = re.fullmatch(r"[•-]\s*([A-Za-z]+)", line.strip())
            if not m:
                return names, i
            names.append(m.group(1))
        i += 1
    return names, i


def _split_sections(
    blocks: Sequence[Block], names: Sequence[str], start: int, end_marker: str
) -> tuple[dict[str, list[Block]], int]:
    """Cut blocks[start:] into one section per name (headings appear in list order)."""
    heads: list[int] = []
    i = start
    for name in names:
        while blocks[i].text != name:
            i += 1
        heads.append(i)
        i += 1
    stop = i
    while blocks[stop].text != end_marker:
        stop += 1
    bounds = [*heads, stop]
    return (
        {n: list(blocks[bounds[k] + 1 : bounds[k + 1]]) for k, n in enumerate(names)},
        stop,
    )


_MODE_LINES: Final = (
    "The response returns the following HTTP headers.",
    "The response returns the following as the HTTP body.",
)


def _parse_fields(blocks: Sequence[Block]) -> list[Field]:
    """Member entries: a lone camelCase name, its doc paragraphs, then field lines."""
    fields: list[Field] = []
    cur: Field | None = None
    in_attrs = False
    for b in blocks:
        t = untick(b.text)
        if _IDENT.fullmatch(t):
            cur = Field(t)
            fields.append(cur)
            in_attrs = False
            continue
        if cur is None or t.startswith(_MODE_LINES):
            continue
        if t.startswith(FIELD_PREFIXES):
            key, _, value = t.partition(":")
            cur.attrs[key] = value.strip()
            in_attrs = True
        elif not in_attrs:
            cur.doc.append(b)
    return fields


def _parse_errors(blocks: Sequence[Block]) -> list[ErrorRef]:
    errors: list[ErrorRef] = []
    name: str | None = None
    doc: list[Block] = []
    msg: list[Block] | None = None
    for b in blocks:
        t = b.text
        m = re.fullmatch(r"HTTP Status Code: (\d+)", t)
        if m and name:
            errors.append(ErrorRef(name, doc, msg, int(m.group(1))))
            name, doc, msg = None, [], None
        elif name is None and _ERROR_NAME.fullmatch(t) and t != "Note":
            name = t
        elif name is not None and t == "message":
            msg = []
        elif name is not None:
            (msg if msg is not None else doc).append(b)
    return errors


def _subsections(blocks: Sequence[Block]) -> tuple[list[Block], dict[str, list[Block]]]:
    intro: list[Block] = []
    subs: dict[str, list[Block]] = {}
    cur = intro
    for b in blocks:
        if b.text in SUBSECTIONS:
            cur = subs.setdefault(b.text, [])
        else:
            cur.append(b)
    return intro, subs


_REQUEST_LINE = re.compile(r"^(GET|POST|PUT|DELETE|PATCH|HEAD) (\S+)")


def _parse_rest_syntax(
    op: Operation, syntax: Sequence[Block], uri_params: Sequence[Field], params: Sequence[Field]
) -> None:
    """Fill HTTP method/URI and member locations from a restJson1 Request Syntax block.

    Path segments named like a URI request parameter become labels; query keys, header
    values and a bare body line (binary payload) are matched against all parameters.
    """
    lines = [x for b in syntax for x in b.lines]
    head = ""
    rest: list[str] = []
    for k, line in enumerate(lines):
        head += " " + line.strip()
        if "HTTP/1.1" in head:
            rest = lines[k + 1 :]
            break
    head = head.strip()
    m = _REQUEST_LINE.match(head)
    if not m:
        raise ValueError(f"{op.name}: no request line in {head!r}")
    op.method = m.group(1)
    target = head[m.end(1) + 1 :].split("HTTP/1.1")[0].replace(" ", "")
    path, _, query = target.partition("?")
    by_name = {f.name: f for f in params}
    labels = {f.name for f in uri_params}
    segments = []
    for seg in path.split("/"):
        if seg in labels:
            by_name[seg].location, by_name[seg].location_name = "uri", seg
            seg = "{" + seg + "}"
        segments.append(seg)
    op.uri = "/".join(segments)
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        f = by_name.get(key) or by_name.get(value)
        if f is not None:
            f.location, f.location_name = "querystring", key
    for line in rest:
        hm = re.fullmatch(r"([A-Za-z-]+): (\w+)", line.strip())
        if hm and hm.group(2) in by_name:
            f = by_name[hm.group(2)]
            f.location, f.location_name = "header", hm.group(1)
        elif _IDENT.fullmatch(line.strip()) and line.strip() in by_name:
            by_name[line.strip()].location = "payload"


def _parse_rest_response(op: Operation, syntax: Sequence[Block], fields: Sequence[Field]) -> None:
    lines = [x.strip() for b in syntax for x in b.lines]
    by_name = {f.name: f for f in fields}
    for line in lines:
        sm = re.fullmatch(r"HTTP/1\.1 (\d{3})", line)
        if sm:
            op.status = int(sm.group(1))
        hm = re.fullmatch(r"([A-Za-z-]+): (\w+)", line)
        if hm and hm.group(2) in by_name:
            f = by_name[hm.group(2)]
            f.location, f.location_name = "header", hm.group(1)
        elif _IDENT.fullmatch(line) and line in by_name:
            by_name[line].location = "payload"


def parse_reference(text: str, protocol: str) -> Reference:
    """The whole reference: welcome text, every action, every data type, common errors."""
    blocks = blocks_of(clean_lines(text))
    welcome_at = next(i for i, b in enumerate(blocks) if b.text == "Welcome")
    actions_at = next(i for i, b in enumerate(blocks) if b.text == "Actions" and i > welcome_at)
    welcome = list(blocks[welcome_at + 1 : actions_at])
    op_names, after = _listed_names(blocks, "The following actions are supported:")
    op_sections, stop = _split_sections(blocks, op_names, after, "Data Types")
    type_names, after = _listed_names(blocks, "The following data types are supported:")
    type_sections, stop = _split_sections(blocks, type_names, after, "Common Parameters")
    common_at = next(i for i, b in enumerate(blocks) if b.text == "Common Errors" and i > stop)
    return Reference(
        welcome,
        [_parse_operation(name, op_sections[name], protocol) for name in op_names],
        [_parse_data_type(name, type_sections[name]) for name in type_names],
        _parse_errors(blocks[common_at + 2 :]),
    )


def _parse_operation(name: str, section: Sequence[Block], protocol: str) -> Operation:
    intro, subs = _subsections(section)
    op = Operation(name, intro)
    uri_params = _parse_fields(subs.get("URI Request Parameters", []))
    body = subs.get("Request Parameters", []) + subs.get("Request Body", [])
    op.inputs = uri_params + _parse_fields(body)
    op.outputs = _parse_fields(subs.get("Response Elements", []))
    for line in (b.text for b in subs.get("Response Elements", [])):
        sm = re.search(r"sends back an HTTP (\d{3}) response", line)
        if sm:
            op.status = int(sm.group(1))
    if protocol == "rest-json":
        _parse_rest_syntax(op, subs["Request Syntax"], uri_params, op.inputs)
        _parse_rest_response(op, subs["Response Syntax"], op.outputs)
    op.errors = _parse_errors(subs.get("Errors", []))
    return op


def _parse_data_type(name: str, section: Sequence[Block]) -> DataType:
    cut = next((i for i, b in enumerate(section) if b.text == "Contents"), len(section))
    end = next((i for i, b in enumerate(section) if b.text == "See Also"), len(section))
    return DataType(name, list(section[:cut]), _parse_fields(section[cut + 1 : end]))
