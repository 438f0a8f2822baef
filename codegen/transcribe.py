"""Transcribe the PDF-extracted API references in ../shared/seeds into service models.

The references are the source of the models; this script does the mechanical part of the
transcription (sections, members, ``Type:``, constraints, errors, HTTP bindings,
documentation) and then applies a small, explicit layer of hand corrections
(:data:`FIXES` and :data:`SHAPE_NAMES`). Every correction that departs from the reference
text carries the reason for it; ``--decisions`` prints them as the table kept in
models/README.md.

Usage::

    python -m codegen.transcribe SEED --service support [--draft] [--out PATH]
    python -m codegen.transcribe --all            # rewrite models/*.json from the seeds
    python -m codegen.transcribe --decisions      # print the decision table (markdown)

``--draft`` skips the corrections and prints the raw transcription (useful to see what
the reference alone says).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

JSON = dict[str, Any]
Service = Literal["support", "codeguruprofiler"]

ROOT: Final = Path(__file__).resolve().parent.parent
SEEDS: Final = ROOT.parent / "shared" / "seeds"
SEED_FILES: Final[dict[Service, str]] = {
    "support": "000_aff900924c2cd643.txt",
    "codeguruprofiler": "003_9d30c4ce77fdaeed.txt",
}


def missing_seed_message(path: Path) -> str:
    """What to do when a reference text is not where the transcription looks for it."""
    return (
        f"the API reference text {path} is missing: the seeds live in the project's shared/ "
        f"folder, which must sit beside this checkout as ../shared (see models/README.md)"
    )

# --------------------------------------------------------------------------------------
# Text cleaning
# --------------------------------------------------------------------------------------

_FOOTER = re.compile(r"API Version \d{4}-\d{2}-\d{2} \d+\s*$")
_NOISE_LINES = (
    re.compile(r"^AWS Support API Reference$"),
    re.compile(r"^https?://\S+$"),
    re.compile(r"^(•|-)\s*\[?AWS (SDK|Command Line Interface)\b.*$"),
    re.compile(r"^```\s*$"),
)
_MD_LINK = re.compile(r"\[([^\]]*?(?:\\\][^\]]*?)*)\]\(#\)")
_PAGE_REF = re.compile(r"\s*\\?\(p\. \d+\\?\)")
_ITALIC = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")

FIELD_PREFIXES: Final = (
    "Type:",
    "Length Constraints:",
    "Pattern:",
    "Valid Values:",
    "Valid Range:",
    "Array Members:",
    "Required:",
    "Valid Keys:",
)
SUBSECTIONS: Final = (
    "Request Syntax",
    "URI Request Parameters",
    "Request Parameters",
    "Request Body",
    "Response Syntax",
    "Response Elements",
    "Errors",
    "See Also",
)


def _md_clean(line: str) -> str:
    """Remove the markdown decoration of the CodeGuru text (links, page refs, ticks)."""
    line = _MD_LINK.sub(lambda m: m.group(1), line)
    line = _PAGE_REF.sub("", line)
    line = _ITALIC.sub(lambda m: m.group(1), line)
    return line


def _is_block_start(line: str) -> bool:
    """Whether the first line of a new PDF page must start a new paragraph."""
    s = line.strip()
    return bool(
        re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", s)
        or s.startswith(FIELD_PREFIXES)
        or s.startswith(("HTTP Status Code:", "•", "Note"))
        or s in SUBSECTIONS
        or s in ("Common Errors", "Common Parameters", "Data Types", "Contents")
    )


def clean_lines(text: str) -> list[str]:
    """Strip page headers/footers, link lists and markdown noise; keep blank lines."""
    raw = text.splitlines()
    out: list[str] = []
    for i, line in enumerate(raw):
        if _FOOTER.search(line):
            nxt = next((x for x in raw[i + 1 :] if x.strip()), "")
            if _is_block_start(nxt) or (out and not out[-1].strip()):
                out.append("")
            continue
        if line.startswith("- [") or "](#)" in line or "\\(p." in line or "(p. " in line:
            line = _md_clean(line)
        s = line.strip()
        if line.startswith(" ") and out and out[-1] and _is_block_start(s):
            out.append("")  # a new PDF page without a footer line
        if any(p.match(s) for p in _NOISE_LINES):
            out.append("")
            continue
        out.append(s)
    return out


@dataclass
class Block:
    """A paragraph: consecutive non-blank lines."""

    lines: list[str]

    @property
    def text(self) -> str:
        return join_lines(self.lines)

    @property
    def first(self) -> str:
        return self.lines[0]


def join_lines(lines: Sequence[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif re.search(r"[A-Za-z0-9]-$", out) and not out.endswith(" -"):
            out += line
        else:
            out += " " + line
    return re.sub(r"[ \t]+", " ", out).strip()


def blocks_of(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    cur: list[str] = []
    for line in lines:
        if line:
            cur.append(line)
        elif cur:
            blocks.append(Block(cur))
            cur = []
    if cur:
        blocks.append(Block(cur))
    return blocks


def untick(s: str) -> str:
    return s.replace("`", "").strip()


_ITEM = re.compile(r"^(?:•|- |\d+\. )")


def render_doc(blocks: Iterable[Block]) -> str:
    """Paragraphs separated by blank lines; bullet items as '- ' lines (numbered kept)."""
    parts: list[tuple[bool, str]] = []
    for b in blocks:
        items: list[list[str]] = []
        for line in b.lines:
            if _ITEM.match(line) or not items:
                items.append([line])
            else:
                items[-1].append(line)
        for item in items:
            t = untick(join_lines(item))
            bullet = bool(_ITEM.match(t))
            if t.startswith(("•", "- ")):
                t = "- " + t.lstrip("•-").strip()
            parts.append((bullet, t))
    out = ""
    for i, (bullet, t) in enumerate(parts):
        if i == 0:
            out = t
        elif bullet and parts[i - 1][0]:
            out += "\n" + t
        else:
            out += "\n\n" + t
    return out.strip()


# --------------------------------------------------------------------------------------
# Parsed reference
# --------------------------------------------------------------------------------------

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
    blocks = blocks_of(clean_lines(text))
    welcome_at = next(i for i, b in enumerate(blocks) if b.text == "Welcome")
    actions_at = next(i for i, b in enumerate(blocks) if b.text == "Actions" and i > welcome_at)
    welcome = list(blocks[welcome_at + 1 : actions_at])
    op_names, after = _listed_names(blocks, "The following actions are supported:")
    op_sections, stop = _split_sections(blocks, op_names, after, "Data Types")
    type_names, after = _listed_names(blocks, "The following data types are supported:")
    type_sections, stop = _split_sections(blocks, type_names, after, "Common Parameters")
    common_at = next(i for i, b in enumerate(blocks) if b.text == "Common Errors" and i > stop)
    common = _parse_errors(blocks[common_at + 2 :])

    ops: list[Operation] = []
    for name in op_names:
        intro, subs = _subsections(op_sections[name])
        op = Operation(name, intro)
        uri_params = _parse_fields(subs.get("URI Request Parameters", []))
        body = subs.get("Request Parameters", []) + subs.get("Request Body", [])
        body_params = _parse_fields(body)
        op.inputs = uri_params + body_params
        op.outputs = _parse_fields(subs.get("Response Elements", []))
        for line in (b.text for b in subs.get("Response Elements", [])):
            sm = re.search(r"sends back an HTTP (\d{3}) response", line)
            if sm:
                op.status = int(sm.group(1))
        if protocol == "rest-json":
            _parse_rest_syntax(op, subs["Request Syntax"], uri_params, op.inputs)
            _parse_rest_response(op, subs["Response Syntax"], op.outputs)
        op.errors = _parse_errors(subs.get("Errors", []))
        ops.append(op)

    types: list[DataType] = []
    for name in type_names:
        sec = type_sections[name]
        cut = next((i for i, b in enumerate(sec) if b.text == "Contents"), len(sec))
        end = next((i for i, b in enumerate(sec) if b.text == "See Also"), len(sec))
        types.append(DataType(name, sec[:cut], _parse_fields(sec[cut + 1 : end])))
    return Reference(welcome, ops, types, common)


# --------------------------------------------------------------------------------------
# Model building
# --------------------------------------------------------------------------------------

_PRIMITIVES: Final = {
    "string": "string",
    "integer": "integer",
    "long": "long",
    "boolean": "boolean",
    "double": "double",
    "timestamp": "timestamp",
    "base64-encoded binary data object": "blob",
    "blob": "blob",
}


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _num(text: str, what: str) -> int | None:
    m = re.search(rf"{what} (?:length|value|number) of (-?\d+)", text)
    return int(m.group(1)) if m else None


def _enum(text: str) -> list[str]:
    return [untick(v) for v in text.split("|") if untick(v)]


def _doc_enum(doc: Sequence[Block]) -> list[str] | None:
    """A lower-case 'Valid values:' paragraph inside a member's description (Support)."""
    for i, b in enumerate(doc):
        t = b.text
        if t.startswith("Valid values:"):
            inline = t[len("Valid values:") :].strip()
            if inline:
                return _enum(inline)
            items: list[str] = []
            for nb in doc[i + 1 :]:
                if not nb.text.startswith("•"):
                    break
                items.append(nb.text.lstrip("•").strip())
            return items
    return None


_SUFFIX_NAMES: Final = {"[]": "Item", "[][]": "Item", "{key}": "Key", "{value}": "Value"}


class ModelError(Exception):
    """The transcription is inconsistent (two members want one shape name differently)."""


@dataclass
class Builder:
    service: Service
    names: Mapping[tuple[str, str], str]
    shapes: dict[str, JSON] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    def put(self, name: str, shape: JSON, origin: str) -> str:
        old = self.shapes.get(name)
        if old is None:
            self.shapes[name] = shape
            return name
        strip = {k: v for k, v in old.items() if k != "documentation"}
        new = {k: v for k, v in shape.items() if k != "documentation"}
        if strip != new:
            self.conflicts.append(f"{name}: {strip} vs {new} (from {origin})")
        return name

    def name_for(self, owner: str, member: str, default: str) -> str:
        return self.names.get((owner, member), default)

    def primitive(
        self,
        owner: str,
        member: str,
        kind: str,
        attrs: Mapping[str, str],
        doc: str,
        suffix: str = "",
    ) -> str:
        shape: JSON = {"type": kind}
        lc = attrs.get("Length Constraints") or ""
        rng = attrs.get("Valid Range") or ""
        lo = _num(lc or rng, "Minimum")
        hi = _num(lc or rng, "Maximum")
        if lo is not None:
            shape["min"] = lo
        if hi is not None:
            shape["max"] = hi
        if attrs.get("Pattern"):
            shape["pattern"] = untick(attrs["Pattern"])
        if attrs.get("Valid Values"):
            shape["enum"] = _enum(attrs["Valid Values"])
        if attrs.get("timestampFormat"):
            shape["timestampFormat"] = attrs["timestampFormat"]
        if kind == "timestamp":
            default = "Timestamp"
        elif (
            kind in ("string", "boolean", "integer", "long", "double", "blob")
            and not (set(shape) - {"type"})
            and suffix
        ):
            default = pascal(kind)
        else:
            default = pascal(member) + _SUFFIX_NAMES.get(suffix, "")
        name = self.name_for(owner, member + suffix, default)
        shape["documentation"] = doc or f"A {kind} value."
        return self.put(name, shape, f"{owner}.{member}")

    def member_shape(self, owner: str, f: Field, doc: str) -> str:
        raw = f.attrs.get("Type", "String").strip().strip("`")
        low = raw.lower()
        if low in _PRIMITIVES:
            attrs = dict(f.attrs)
            kind = _PRIMITIVES[low]
            enum = _doc_enum(f.doc) if kind == "string" else None
            if enum and "Valid Values" not in attrs:
                attrs["Valid Values"] = " | ".join(enum)
            return self.primitive(owner, f.name, kind, attrs, doc)
        m = re.fullmatch(r"(\w+) object", raw)
        if m:
            return m.group(1)
        m = re.fullmatch(r"Array of (\w+) objects", raw)
        if m:
            return self.collection(owner, f, "list", m.group(1), doc)
        m = re.fullmatch(r"Array of (strings|doubles|integers|longs|booleans)", raw)
        if m:
            kind = m.group(1)[:-1]
            elem = self.primitive(owner, f.name, kind, f.attrs, doc, suffix="[]")
            return self.collection(owner, f, "list", elem, doc)
        if raw == "Array of arrays of strings":
            inner: JSON = {"type": "list", "member": {"shape": "String"}, "documentation": doc}
            self.primitive(owner, f.name, "string", {}, "A string.", suffix="[][]")
            iname = self.put(
                self.name_for(owner, f.name + "[]", pascal(f.name) + "Item"), inner, owner
            )
            return self.collection(owner, f, "list", iname, doc)
        m = re.fullmatch(r"String to (string|array of (\w+) objects) map", raw)
        if m:
            key_attrs = {"Valid Values": f.attrs["Valid Keys"]} if "Valid Keys" in f.attrs else {}
            key = self.primitive(owner, f.name, "string", key_attrs, doc, suffix="{key}")
            if m.group(2):
                vname = self.name_for(owner, f.name + "{value}", m.group(2) + "List")
                value = self.put(
                    vname,
                    {"type": "list", "member": {"shape": m.group(2)}, "documentation": doc},
                    owner,
                )
            else:
                value = self.primitive(owner, f.name, "string", {}, "A string.", suffix="{value}")
            shape: JSON = {
                "type": "map",
                "key": {"shape": key},
                "value": {"shape": value},
                "documentation": doc,
            }
            return self.put(self.name_for(owner, f.name, pascal(f.name)), shape, owner)
        raise ModelError(f"{owner}.{f.name}: unknown type {raw!r}")

    def collection(self, owner: str, f: Field, kind: str, elem: str, doc: str) -> str:
        shape: JSON = {"type": kind, "member": {"shape": elem}}
        am = f.attrs.get("Array Members", "")
        fixed = re.search(r"Fixed number of (\d+) item", am)
        if fixed:
            shape["min"] = shape["max"] = int(fixed.group(1))
        else:
            lo, hi = _num(am, "Minimum"), _num(am, "Maximum")
            if lo is not None:
                shape["min"] = lo
            if hi is not None:
                shape["max"] = hi
        shape["documentation"] = doc
        return self.put(self.name_for(owner, f.name, pascal(f.name)), shape, owner)

    def structure(self, name: str, fields: Sequence[Field], doc: str, **extra: Any) -> str:
        members: JSON = {}
        required: list[str] = []
        for f in fields:
            mdoc = render_doc(f.doc) or f.extra.get("documentation", "")
            member: JSON = {"shape": self.member_shape(name, f, _first_paragraph(mdoc))}
            if f.location in ("uri", "querystring", "header"):
                member["location"] = f.location
                member["locationName"] = f.location_name or f.name
            for key in ("idempotencyToken",):
                if key in f.extra:
                    member[key] = f.extra[key]
            member["documentation"] = mdoc
            members[f.name] = member
            if f.required:
                required.append(f.name)
        shape: JSON = {"type": "structure"}
        if required:
            shape["required"] = required
        shape["members"] = members
        payload = [f.name for f in fields if f.location == "payload"]
        if payload:
            shape["payload"] = payload[0]
        shape.update(extra)
        shape["documentation"] = doc
        return self.put(name, shape, name)


def _first_paragraph(doc: str) -> str:
    return doc.split("\n\n")[0] if doc else ""


def error_shape(e: ErrorRef, protocol: str) -> JSON:
    shape: JSON = {"type": "structure", "members": {}}
    if e.message_doc is not None:
        shape["members"]["message"] = {
            "shape": "ErrorMessage",
            "documentation": render_doc(e.message_doc),
        }
    shape["exception"] = True
    err: JSON = {"httpStatusCode": e.status}
    if e.status < 500:
        err["senderFault"] = True
    shape["error"] = err
    if e.status >= 500:
        shape["fault"] = True
    shape["documentation"] = render_doc(e.doc)
    return shape


# --------------------------------------------------------------------------------------
# Corrections: where the wire (botocore's model) decides what the text does not say or
# says wrong. Each entry is one row of the decision table in models/README.md.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """A hand correction of the transcription.

    target is "Shape.member" (a field of an input/output/data type, or of an error),
    "Shape" (a whole shape) or "op:Operation". patch is applied to the parsed field
    (keys: type, attrs, required, location, locationName, extra, add, doc) or to the built
    shape/operation JSON (key "json": a dict merged in, "rename_error": (old, new),
    "add_error": name).
    """

    service: Service
    target: str
    patch: Mapping[str, Any]
    reference: str
    reason: str
    model: str = ""


_UUID = "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
_NAME_RE = r"^[\w-]+$"
_WIRE_REQ = "The reference never marks Support members as required; botocore's model (the wire contract) does."
_WIRE_OUT_REQ = "The reference does not mark response members as required; botocore's model does. The generator may rely on their presence."


def _req(
    service: Service, shape: str, members: str, reference: str = "not marked", why: str = _WIRE_REQ
) -> list[Fix]:
    return [
        Fix(service, f"{shape}.{m}", {"required": True}, reference, why, "required")
        for m in members.split()
    ]


FIXES: Final[list[Fix]] = [
    # ---------------- Support: required members (the reference is silent) -------------
    *_req("support", "AddAttachmentsToSetRequest", "attachments"),
    *_req("support", "AddCommunicationToCaseRequest", "communicationBody"),
    *_req("support", "CreateCaseRequest", "subject communicationBody"),
    *_req("support", "DescribeAttachmentRequest", "attachmentId"),
    *_req("support", "DescribeCommunicationsRequest", "caseId"),
    *_req(
        "support", "DescribeCreateCaseOptionsRequest", "issueType serviceCode language categoryCode"
    ),
    *_req("support", "DescribeSupportedLanguagesRequest", "issueType serviceCode categoryCode"),
    *_req("support", "DescribeTrustedAdvisorCheckRefreshStatusesRequest", "checkIds"),
    *_req("support", "DescribeTrustedAdvisorCheckResultRequest", "checkId"),
    *_req("support", "DescribeTrustedAdvisorCheckSummariesRequest", "checkIds"),
    *_req("support", "DescribeTrustedAdvisorChecksRequest", "language"),
    *_req("support", "RefreshTrustedAdvisorCheckRequest", "checkId"),
    *_req("support", "DescribeTrustedAdvisorCheckRefreshStatusesResponse", "statuses"),
    *_req("support", "DescribeTrustedAdvisorCheckSummariesResponse", "summaries"),
    *_req("support", "DescribeTrustedAdvisorChecksResponse", "checks"),
    *_req("support", "RefreshTrustedAdvisorCheckResponse", "status"),
    *_req("support", "TrustedAdvisorCheckDescription", "id name description category metadata"),
    *_req(
        "support", "TrustedAdvisorCheckRefreshStatus", "checkId status millisUntilNextRefreshable"
    ),
    *_req(
        "support",
        "TrustedAdvisorCheckResult",
        "checkId timestamp status resourcesSummary categorySpecificSummary flaggedResources",
    ),
    *_req(
        "support",
        "TrustedAdvisorCheckSummary",
        "checkId timestamp status resourcesSummary categorySpecificSummary",
    ),
    *_req(
        "support",
        "TrustedAdvisorCostOptimizingSummary",
        "estimatedMonthlySavings estimatedPercentMonthlySavings",
    ),
    *_req("support", "TrustedAdvisorResourceDetail", "status resourceId metadata"),
    *_req(
        "support",
        "TrustedAdvisorResourcesSummary",
        "resourcesProcessed resourcesFlagged resourcesIgnored resourcesSuppressed",
    ),
    # ---------------- Support: errors ---------------------------------------------------
    Fix(
        "support",
        "ThrottlingException",
        {
            "json": {
                "members": {
                    "message": {
                        "shape": "AvailabilityErrorMessage",
                        "documentation": "A message that describes the throttling.",
                    },
                    "throttlingReasons": {
                        "shape": "ThrottlingReasonList",
                        "documentation": "A list of one or more reasons that the request was throttled.",
                    },
                }
            }
        },
        "no members listed for the error; the ThrottlingReason data type (reason, resource) is documented without saying where it is used",
        "botocore's model carries message and throttlingReasons (a list of ThrottlingReason) on the error body; the parser must read them",
        "members message, throttlingReasons: list of ThrottlingReason",
    ),
    Fix(
        "support",
        "ThrottlingReason.reason",
        {"doc": "The reason the request was throttled."},
        "member has no description",
        "every member needs documentation; wording is ours (the reference gives none)",
        "documentation added",
    ),
    Fix(
        "support",
        "ThrottlingReason.resource",
        {"doc": "The resource that was throttled."},
        "member has no description",
        "every member needs documentation; wording is ours (the reference gives none)",
        "documentation added",
    ),
    Fix(
        "support",
        "ThrottlingReason",
        {
            "json": {
                "documentation": "A reason why a request was throttled, returned in the throttlingReasons list of a ThrottlingException."
            }
        },
        "data type has no description",
        "every shape needs documentation; wording is ours (the reference gives none)",
        "documentation added",
    ),
    # ---------------- CodeGuru Profiler: wire error names and members -------------------
    Fix(
        "codeguruprofiler",
        "op:*",
        {"rename_error": ("InternalServerErrorException", "InternalServerException")},
        "InternalServerErrorException (most operations)",
        "the wire error code is InternalServerException (botocore's model); the text's name would never match a response",
        "InternalServerException",
    ),
    Fix(
        "codeguruprofiler",
        "op:*",
        {"rename_error": ("InternalServerError", "InternalServerException")},
        "InternalServerError (AddNotificationChannels, UpdateProfilingGroup)",
        "same slip, the wire code is InternalServerException",
        "InternalServerException",
    ),
    Fix(
        "codeguruprofiler",
        "op:DeleteProfilingGroup",
        {"add_error": "ConflictException"},
        "errors: InternalServerErrorException, ResourceNotFoundException, ThrottlingException, ValidationException",
        "botocore's model also lists ConflictException (409) for DeleteProfilingGroup; the wire can return it",
        "ConflictException added",
    ),
    *[
        Fix(
            "codeguruprofiler",
            f"{name}.message",
            {
                "add": {
                    "attrs": {"Type": "String", "Required": "Yes"},
                    "doc": "A message that describes the error.",
                }
            },
            "no members listed for the error",
            "botocore's model has a required message member on every CodeGuru Profiler error",
            "message: String, required",
        )
        for name in (
            "ConflictException",
            "InternalServerException",
            "ResourceNotFoundException",
            "ServiceQuotaExceededException",
            "ThrottlingException",
            "ValidationException",
        )
    ],
    # ---------------- CodeGuru Profiler: patterns mangled by the PDF/markdown ----------
    Fix(
        "codeguruprofiler",
        "CreateProfilingGroupRequest.clientToken",
        {"attrs": {"Pattern": _NAME_RE}},
        r"Pattern: ^\[\w-\]+ (escaped brackets, no $)",
        "markdown escaping slip; the wire pattern is ^[\\w-]+$",
        _NAME_RE,
    ),
    Fix(
        "codeguruprofiler",
        "PutPermissionRequest.profilingGroupName",
        {"attrs": {"Pattern": _NAME_RE}},
        r"Pattern: ^[\w-]+ $ (stray space)",
        "PDF extraction slip; the same parameter is ^[\\w-]+$ everywhere else and on the wire",
        _NAME_RE,
    ),
    Fix(
        "codeguruprofiler",
        "SubmitFeedbackRequest.profilingGroupName",
        {"attrs": {"Pattern": _NAME_RE}},
        r"Pattern: ^[\w-]+\$ (escaped $)",
        "markdown escaping slip; the wire pattern is ^[\\w-]+$",
        _NAME_RE,
    ),
    # ---------------- CodeGuru Profiler: URI/query/header parameter types --------------
    *[
        Fix(
            "codeguruprofiler",
            f"{shape}.{member}",
            {"attrs": {"Type": "Timestamp"}},
            "no Type line (URI request parameter); described as an ISO 8601 time",
            "botocore's model: timestamp (serialized as ISO 8601 in the query string)",
            "timestamp",
        )
        for shape, member in (
            ("BatchGetFrameMetricDataRequest", "endTime"),
            ("BatchGetFrameMetricDataRequest", "startTime"),
            ("GetProfileRequest", "endTime"),
            ("GetProfileRequest", "startTime"),
            ("GetRecommendationsRequest", "endTime"),
            ("GetRecommendationsRequest", "startTime"),
            ("ListFindingsReportsRequest", "endTime"),
            ("ListFindingsReportsRequest", "startTime"),
            ("ListProfileTimesRequest", "endTime"),
            ("ListProfileTimesRequest", "startTime"),
        )
    ],
    *[
        Fix(
            "codeguruprofiler",
            f"{shape}.{member}",
            {"attrs": {"Type": "Boolean"}},
            "no Type line (URI request parameter); described as 'A Boolean value'",
            "botocore's model: boolean query parameter",
            "boolean",
        )
        for shape, member in (
            ("GetFindingsReportAccountSummaryRequest", "dailyReportsOnly"),
            ("ListFindingsReportsRequest", "dailyReportsOnly"),
            ("ListProfilingGroupsRequest", "includeDescription"),
        )
    ],
    *[
        Fix(
            "codeguruprofiler",
            f"{shape}.{member}",
            {"attrs": {"Type": "Integer"}},
            "no Type line (URI request parameter); only a Valid Range",
            "botocore's model: integer query parameter",
            "integer",
        )
        for shape, member in (
            ("GetFindingsReportAccountSummaryRequest", "maxResults"),
            ("GetProfileRequest", "maxDepth"),
            ("ListFindingsReportsRequest", "maxResults"),
            ("ListProfileTimesRequest", "maxResults"),
            ("ListProfilingGroupsRequest", "maxResults"),
        )
    ],
    Fix(
        "codeguruprofiler",
        "UntagResourceRequest.tagKeys",
        {"attrs": {"Type": "Array of strings"}},
        "no Type line; 'A list of tag keys', query string tagKeys=tagKeys",
        "botocore's model: list of strings, serialized as a repeated tagKeys query parameter",
        "list of string",
    ),
    Fix(
        "codeguruprofiler",
        "PostAgentProfileRequest.agentProfile",
        {"attrs": {"Type": "Blob"}},
        "'The request accepts the following binary data.' (no Type line)",
        "binary payload: blob, the whole HTTP body (payload agentProfile); botocore does not mark it streaming",
        "blob payload",
    ),
    Fix(
        "codeguruprofiler",
        "GetProfileResponse.profile",
        {"attrs": {"Type": "Blob"}},
        "'The response returns the following as the HTTP body.' (no Type line)",
        "binary payload: blob, the whole HTTP body (payload profile); botocore does not mark it streaming",
        "blob payload",
    ),
    Fix(
        "codeguruprofiler",
        "GetProfileRequest.accept",
        {"location": "header", "locationName": "Accept"},
        "`accept` listed as a URI parameter; request syntax shows 'Accept: accept'",
        "it is the Accept header (botocore's model)",
        "header Accept",
    ),
    Fix(
        "codeguruprofiler",
        "PostAgentProfileRequest.contentType",
        {"location": "header", "locationName": "Content-Type"},
        "listed as a URI parameter; request syntax shows 'Content-Type: contentType'",
        "it is the Content-Type header (botocore's model)",
        "header Content-Type",
    ),
    Fix(
        "codeguruprofiler",
        "CreateProfilingGroupRequest.clientToken",
        {"extra": {"idempotencyToken": True}},
        "'uses this UUID to prevent the accidental creation of duplicate profiling groups'",
        "an idempotency token: SDKs fill it with a fresh UUID when the caller omits it (botocore's model); hence required on the wire but optional to callers",
        "idempotencyToken",
    ),
    Fix(
        "codeguruprofiler",
        "PostAgentProfileRequest.profileToken",
        {"extra": {"idempotencyToken": True}},
        "'uses this UUID to prevent the accidental submission of duplicate profiling data'",
        "an idempotency token (botocore's model)",
        "idempotencyToken",
    ),
    Fix(
        "codeguruprofiler",
        "Timestamp",
        {"json": {"timestampFormat": "iso8601"}},
        "response syntax shows timestamps as `number`; text says 'specified using the ISO 8601 format'",
        "the wire uses ISO 8601 strings in JSON bodies and query strings (botocore's model sets timestampFormat iso8601, overriding rest-json's epoch-seconds body default)",
        "timestampFormat iso8601",
    ),
    # ---------------- CodeGuru Profiler: structure payloads -----------------------------
    *[
        Fix(
            "codeguruprofiler",
            shape,
            {"json": {"payload": member}},
            f'response syntax shows the body wrapped as {{"{member}": {{...}}}}',
            f"the wire body IS the {member} structure (botocore's model: payload {member}); parsing the wrapper would yield empty responses",
            f"payload {member}",
        )
        for shape, member in (
            ("ConfigureAgentResponse", "configuration"),
            ("CreateProfilingGroupResponse", "profilingGroup"),
            ("DescribeProfilingGroupResponse", "profilingGroup"),
            ("UpdateProfilingGroupResponse", "profilingGroup"),
        )
    ],
    # ---------------- CodeGuru Profiler: required response members ----------------------
    *_req(
        "codeguruprofiler",
        "BatchGetFrameMetricDataResponse",
        "endTime endTimes frameMetricData resolution startTime unprocessedEndTimes",
        why=_WIRE_OUT_REQ,
    ),
    *_req("codeguruprofiler", "ConfigureAgentResponse", "configuration", why=_WIRE_OUT_REQ),
    *_req("codeguruprofiler", "CreateProfilingGroupResponse", "profilingGroup", why=_WIRE_OUT_REQ),
    *_req(
        "codeguruprofiler", "DescribeProfilingGroupResponse", "profilingGroup", why=_WIRE_OUT_REQ
    ),
    *_req("codeguruprofiler", "UpdateProfilingGroupResponse", "profilingGroup", why=_WIRE_OUT_REQ),
    *_req(
        "codeguruprofiler",
        "GetFindingsReportAccountSummaryResponse",
        "reportSummaries",
        why=_WIRE_OUT_REQ,
    ),
    *_req(
        "codeguruprofiler",
        "GetNotificationConfigurationResponse",
        "notificationConfiguration",
        why=_WIRE_OUT_REQ,
    ),
    *_req("codeguruprofiler", "GetPolicyResponse", "policy revisionId", why=_WIRE_OUT_REQ),
    *_req("codeguruprofiler", "PutPermissionResponse", "policy revisionId", why=_WIRE_OUT_REQ),
    *_req("codeguruprofiler", "RemovePermissionResponse", "policy revisionId", why=_WIRE_OUT_REQ),
    *_req("codeguruprofiler", "GetProfileResponse", "contentType profile", why=_WIRE_OUT_REQ),
    *_req(
        "codeguruprofiler",
        "GetRecommendationsResponse",
        "anomalies profileEndTime profileStartTime profilingGroupName recommendations",
        why=_WIRE_OUT_REQ,
    ),
    *_req(
        "codeguruprofiler",
        "ListFindingsReportsResponse",
        "findingsReportSummaries",
        why=_WIRE_OUT_REQ,
    ),
    *_req("codeguruprofiler", "ListProfileTimesResponse", "profileTimes", why=_WIRE_OUT_REQ),
    *_req(
        "codeguruprofiler", "ListProfilingGroupsResponse", "profilingGroupNames", why=_WIRE_OUT_REQ
    ),
]

# Shape names for members whose default name (PascalCase of the member name) would be
# ambiguous or collide. Key: (owner shape, member[suffix]); "[]" is a list element,
# "{key}"/"{value}" map keys/values. Pure naming, no change in meaning.
SHAPE_NAMES: Final[dict[Service, dict[tuple[str, str], str]]] = {
    "support": {
        ("Category", "code"): "CategoryCode",
        ("Category", "name"): "CategoryName",
        ("Service", "code"): "ServiceCode",
        ("Service", "name"): "ServiceName",
        ("SeverityLevel", "code"): "SeverityLevelCode",
        ("SeverityLevel", "name"): "SeverityLevelName",
        ("SupportedLanguage", "code"): "LanguageCode",
        ("SupportedLanguage", "language"): "LanguageName",
        ("SupportedLanguage", "display"): "LanguageDisplayName",
        ("DescribeSupportedLanguagesRequest", "categoryCode"): "BoundedCategoryCode",
        ("DescribeSupportedLanguagesRequest", "serviceCode"): "BoundedServiceCode",
        ("DescribeSupportedLanguagesRequest", "issueType"): "BoundedIssueType",
        ("DescribeTrustedAdvisorCheckResultRequest", "language"): "TrustedAdvisorLanguage",
        ("DescribeTrustedAdvisorChecksRequest", "language"): "TrustedAdvisorLanguage",
        ("TrustedAdvisorCheckDescription", "id"): "CheckId",
        ("TrustedAdvisorCheckDescription", "name"): "CheckName",
        ("TrustedAdvisorCheckDescription", "category"): "CheckCategory",
        ("TrustedAdvisorCheckDescription", "description"): "CheckDescription",
        ("TrustedAdvisorCheckDescription", "metadata"): "CheckMetadataHeadings",
        ("TrustedAdvisorResourceDetail", "metadata"): "ResourceMetadata",
        ("CaseDetails", "status"): "CaseStatus",
        ("ResolveCaseResponse", "initialCaseStatus"): "ResolveCaseStatus",
        ("ResolveCaseResponse", "finalCaseStatus"): "ResolveCaseStatus",
        ("TrustedAdvisorCheckRefreshStatus", "status"): "CheckRefreshStatus",
        ("TrustedAdvisorCheckResult", "status"): "CheckAlertStatus",
        ("TrustedAdvisorCheckSummary", "status"): "CheckAlertStatus",
        ("TrustedAdvisorResourceDetail", "status"): "ResourceStatus",
        ("TrustedAdvisorCheckResult", "timestamp"): "CheckTimestamp",
        ("TrustedAdvisorCheckSummary", "timestamp"): "CheckTimestamp",
        ("CommunicationTypeOptions", "type"): "CommunicationType",
        ("Communication", "body"): "CommunicationBody",
        ("ThrottlingReason", "reason"): "ThrottlingReasonText",
        ("ThrottlingReason", "resource"): "ThrottledResource",
        ("DateInterval", "startDateTime"): "IntervalDateTime",
        ("DateInterval", "endDateTime"): "IntervalDateTime",
        ("SupportedHour", "startTime"): "HourOfDay",
        ("SupportedHour", "endTime"): "HourOfDay",
        ("DescribeCasesRequest", "caseIdList[]"): "CaseId",
        ("AddCommunicationToCaseRequest", "ccEmailAddresses[]"): "CcEmailAddress",
        ("CaseDetails", "ccEmailAddresses[]"): "CcEmailAddress",
        ("CreateCaseRequest", "ccEmailAddresses[]"): "CcEmailAddress",
        ("DescribeTrustedAdvisorCheckRefreshStatusesRequest", "checkIds[]"): "CheckId",
        ("DescribeTrustedAdvisorCheckSummariesRequest", "checkIds[]"): "CheckId",
        ("DescribeServicesRequest", "serviceCodeList[]"): "ServiceCode",
        (
            "DescribeTrustedAdvisorCheckRefreshStatusesResponse",
            "statuses",
        ): "TrustedAdvisorCheckRefreshStatusList",
        (
            "DescribeTrustedAdvisorCheckSummariesResponse",
            "summaries",
        ): "TrustedAdvisorCheckSummaryList",
        ("DescribeTrustedAdvisorChecksResponse", "checks"): "TrustedAdvisorCheckList",
        ("TrustedAdvisorCheckResult", "flaggedResources"): "TrustedAdvisorResourceDetailList",
        ("DescribeCasesResponse", "cases"): "CaseList",
        ("Service", "categories"): "CategoryList",
        ("DescribeServicesResponse", "services"): "ServiceList",
        ("DescribeSeverityLevelsResponse", "severityLevels"): "SeverityLevelList",
        ("DescribeCommunicationsResponse", "communications"): "CommunicationList",
        ("RecentCaseCommunications", "communications"): "CommunicationList",
        ("DescribeCreateCaseOptionsResponse", "communicationTypes"): "CommunicationTypeOptionsList",
        ("DescribeSupportedLanguagesResponse", "supportedLanguages"): "SupportedLanguageList",
        ("CommunicationTypeOptions", "supportedHours"): "SupportedHourList",
        ("CommunicationTypeOptions", "datesWithoutSupport"): "DateIntervalList",
    },
    "codeguruprofiler": {
        ("FindingsReportSummary", "profilingGroupName"): "ReportProfilingGroupName",
        ("ProfilingGroupDescription", "name"): "ProfilingGroupName",
        ("ListProfilingGroupsResponse", "profilingGroupNames[]"): "ProfilingGroupName",
        ("Channel", "id"): "ChannelId",
        ("FindingsReportSummary", "id"): "FindingsReportId",
        ("AnomalyInstance", "id"): "AnomalyInstanceUuid",
        ("Pattern", "id"): "PatternId",
        ("Pattern", "name"): "PatternName",
        ("Pattern", "description"): "PatternDescription",
        ("FrameMetric", "type"): "MetricType",
        ("Metric", "type"): "MetricType",
        ("SubmitFeedbackRequest", "type"): "FeedbackType",
        ("UserFeedback", "type"): "FeedbackType",
        ("AggregatedProfileTime", "period"): "AggregationPeriod",
        ("ListProfileTimesRequest", "period"): "AggregationPeriod",
        ("BatchGetFrameMetricDataRequest", "targetResolution"): "AggregationPeriod",
        ("BatchGetFrameMetricDataResponse", "resolution"): "AggregationPeriod",
        ("GetProfileRequest", "accept"): "ContentType",
        ("GetProfileResponse", "profile"): "AggregatedProfile",
        ("PostAgentProfileRequest", "profileToken"): "ClientToken",
        ("ListTagsForResourceRequest", "resourceArn"): "ProfilingGroupArn",
        ("TagResourceRequest", "resourceArn"): "ProfilingGroupArn",
        ("UntagResourceRequest", "resourceArn"): "ProfilingGroupArn",
        ("ProfilingGroupDescription", "arn"): "ProfilingGroupArn",
        ("UntagResourceRequest", "tagKeys[]"): "TagKey",
        ("PutPermissionRequest", "principals[]"): "Principal",
        ("Channel", "eventPublishers[]"): "EventPublisher",
        ("Channel", "uri"): "ChannelUri",
        ("AgentConfiguration", "agentParameters{key}"): "AgentParameterField",
        ("ConfigureAgentRequest", "metadata{key}"): "MetadataField",
        ("FrameMetricDatum", "values"): "FrameMetricValues",
        ("FrameMetricDatum", "values[]"): "FrameMetricValue",
        ("BatchGetFrameMetricDataResponse", "unprocessedEndTimes{value}"): "TimestampStructureList",
        ("BatchGetFrameMetricDataResponse", "endTimes"): "TimestampStructureList",
        ("Pattern", "targetFrames[]"): "TargetFrame",
        ("Anomaly", "reason"): "AnomalyReason",
        ("Anomaly", "instances"): "AnomalyInstances",
        ("GetFindingsReportAccountSummaryResponse", "reportSummaries"): "FindingsReportSummaries",
        ("ListProfilingGroupsResponse", "profilingGroups"): "ProfilingGroupDescriptions",
        ("Recommendation", "topMatches"): "Matches",
        ("Pattern", "countersToAggregate"): "CountersToAggregate",
        **{
            (error, "message"): "ErrorMessage"
            for error in (
                "ConflictException",
                "InternalServerException",
                "ResourceNotFoundException",
                "ServiceQuotaExceededException",
                "ThrottlingException",
                "ValidationException",
            )
        },
    },
}

# Documentation of shapes shared by many members, where the first member's description
# (the default) would be misleading. Wording taken from the reference where it has one.
SHAPE_DOCS: Final[dict[Service, dict[str, str]]] = {
    "support": {
        "String": "A string.",
    },
    "codeguruprofiler": {
        "Timestamp": (
            "A point in time, specified using the ISO 8601 format. For example, "
            "2020-06-01T13:15:02.001Z represents 1 millisecond past June 1, 2020 1:15:02 PM UTC."
        ),
        "String": "A string.",
        "ErrorMessage": "A message that describes the error.",
    },
}

METADATA: Final[dict[Service, JSON]] = {
    "support": {
        "apiVersion": "2013-04-15",
        "endpointPrefix": "support",
        "jsonVersion": "1.1",
        "protocol": "json",
        "protocols": ["json"],
        "serviceFullName": "AWS Support",
        "serviceId": "Support",
        "signatureVersion": "v4",
        "signingName": "support",
        "targetPrefix": "AWSSupport_20130415",
        "uid": "support-2013-04-15",
    },
    "codeguruprofiler": {
        "apiVersion": "2019-07-18",
        "endpointPrefix": "codeguru-profiler",
        "jsonVersion": "1.1",
        "protocol": "rest-json",
        "protocols": ["rest-json"],
        "serviceFullName": "Amazon CodeGuru Profiler",
        "serviceId": "CodeGuruProfiler",
        "signatureVersion": "v4",
        "signingName": "codeguru-profiler",
        "uid": "codeguruprofiler-2019-07-18",
    },
}

PAGINATION: Final[dict[Service, JSON]] = {
    "support": {
        "DescribeCases": {
            "input_token": "nextToken",
            "output_token": "nextToken",
            "limit_key": "maxResults",
            "result_key": "cases",
        },
        "DescribeCommunications": {
            "input_token": "nextToken",
            "output_token": "nextToken",
            "limit_key": "maxResults",
            "result_key": "communications",
        },
    },
    "codeguruprofiler": {
        "GetFindingsReportAccountSummary": {
            "input_token": "nextToken",
            "output_token": "nextToken",
            "limit_key": "maxResults",
            "result_key": "reportSummaries",
        },
        "ListFindingsReports": {
            "input_token": "nextToken",
            "output_token": "nextToken",
            "limit_key": "maxResults",
            "result_key": "findingsReportSummaries",
        },
        "ListProfileTimes": {
            "input_token": "nextToken",
            "output_token": "nextToken",
            "limit_key": "maxResults",
            "result_key": "profileTimes",
        },
        "ListProfilingGroups": {
            "input_token": "nextToken",
            "output_token": "nextToken",
            "limit_key": "maxResults",
            "result_key": ["profilingGroupNames", "profilingGroups"],
            # awsmith's key (models/README.md): the descriptions are the items when
            # they are asked for, else the names.
            "items_when": {"includeDescription": "profilingGroups"},
        },
    },
}

PROTOCOL: Final[dict[Service, str]] = {"support": "json", "codeguruprofiler": "rest-json"}


def _fixes(service: Service) -> list[Fix]:
    return [f for f in FIXES if f.service == service]


def _patch_field(f: Field, patch: Mapping[str, Any]) -> None:
    if "attrs" in patch:
        f.attrs.update(patch["attrs"])
    if patch.get("required"):
        f.attrs["Required"] = "Yes"
    if "location" in patch:
        f.location = patch["location"]
        f.location_name = patch.get("locationName")
    if "extra" in patch:
        f.extra.update(patch["extra"])
    if "doc" in patch:
        f.extra["documentation"] = patch["doc"]


def _field_groups(ref: Reference) -> dict[str, list[Field]]:
    groups: dict[str, list[Field]] = {}
    for op in ref.operations:
        groups[f"{op.name}Request"] = op.inputs
        groups[f"{op.name}Response"] = op.outputs
    for dt in ref.data_types:
        groups[dt.name] = dt.members
    return groups


def apply_field_fixes(ref: Reference, service: Service, errors: dict[str, list[Field]]) -> None:
    groups = {**_field_groups(ref), **errors}
    for fix in _fixes(service):
        if "." not in fix.target or fix.target.startswith("op:"):
            continue
        owner, member = fix.target.split(".", 1)
        if owner not in groups:
            raise ModelError(f"fix target {fix.target}: no such shape")
        fields = groups[owner]
        found = [f for f in fields if f.name == member]
        if "add" in fix.patch:
            if found:
                raise ModelError(f"fix target {fix.target}: member exists already")
            new = Field(member, attrs=dict(fix.patch["add"]["attrs"]))
            new.extra["documentation"] = fix.patch["add"]["doc"]
            fields.append(new)
            continue
        if not found:
            raise ModelError(f"fix target {fix.target}: no such member")
        _patch_field(found[0], fix.patch)


def _section_doc(blocks: Sequence[Block]) -> str:
    return render_doc(blocks)


def build_model(text: str, service: Service, corrected: bool = True) -> JSON:
    """Transcribe one reference into a model (corrections applied unless draft)."""
    protocol = PROTOCOL[service]
    ref = parse_reference(text, protocol)
    fixes = _fixes(service) if corrected else []

    renames: dict[str, str] = {}
    added: dict[str, list[str]] = {}
    for fix in fixes:
        if "rename_error" in fix.patch:
            old, new = fix.patch["rename_error"]
            renames[old] = new
        if "add_error" in fix.patch:
            added.setdefault(fix.target.removeprefix("op:"), []).append(fix.patch["add_error"])

    # Error shapes: the first description of an error in document order wins.
    error_refs: dict[str, ErrorRef] = {}
    for op in ref.operations:
        for e in op.errors:
            e.name = renames.get(e.name, e.name)
            error_refs.setdefault(e.name, e)
    error_fields: dict[str, list[Field]] = {name: [] for name in error_refs}
    if corrected:
        apply_field_fixes(ref, service, error_fields)

    b = Builder(service, SHAPE_NAMES[service] if corrected else {})
    for dt in ref.data_types:
        b.structure(dt.name, dt.members, _section_doc(dt.doc))

    operations: JSON = {}
    for op in ref.operations:
        in_name = b.structure(
            f"{op.name}Request", op.inputs, f"The request parameters of the {op.name} operation."
        )
        out_name = b.structure(
            f"{op.name}Response", op.outputs, f"The response elements of the {op.name} operation."
        )
        http: JSON = {"method": op.method, "requestUri": op.uri, "responseCode": op.status}
        err_names = [e.name for e in op.errors] + added.get(op.name, [])
        operations[op.name] = {
            "name": op.name,
            "http": http,
            "input": {"shape": in_name},
            "output": {"shape": out_name},
            "errors": [{"shape": n} for n in sorted(set(err_names), key=err_names.index)],
            "documentation": _section_doc(op.doc),
        }

    for name, e in error_refs.items():
        shape = error_shape(e, protocol)
        if e.message_doc is not None:
            b.put(
                "ErrorMessage",
                {"type": "string", "documentation": "A message that describes the error."},
                name,
            )
        extra = error_fields.get(name, [])
        for f in extra:
            mdoc = f.extra.get("documentation", "")
            shape["members"][f.name] = {
                "shape": b.member_shape(name, f, _first_paragraph(mdoc)),
                "documentation": mdoc,
            }
        req = [f.name for f in extra if f.required]
        if req:
            shape = {
                "type": "structure",
                "required": req,
                **{k: v for k, v in shape.items() if k != "type"},
            }
        b.put(name, shape, name)

    common: list[str] = []
    for e in ref.common_errors:
        common.append(e.name)
        if e.name not in b.shapes:
            b.put(e.name, error_shape(e, protocol), "Common Errors")

    if corrected:
        for fix in fixes:
            if "json" in fix.patch:
                target = b.shapes.get(fix.target)
                if target is None:
                    raise ModelError(f"fix target {fix.target}: no such shape")
                _merge(target, fix.patch["json"], b)
    if corrected:
        for name, text in SHAPE_DOCS[service].items():
            b.shapes[name]["documentation"] = text
    if b.conflicts and not corrected:
        for c in b.conflicts:
            print(f"conflict: {c}", file=sys.stderr)
    elif b.conflicts:
        raise ModelError("shape name conflicts:\n  " + "\n  ".join(b.conflicts))

    model: JSON = {
        "version": "2.0",
        "metadata": METADATA[service],
        "operations": operations,
        "shapes": dict(sorted(b.shapes.items())),
        "documentation": _section_doc(ref.welcome),
        "commonErrors": common,
        "pagination": PAGINATION[service] if corrected else {},
    }
    return model


def _merge(shape: JSON, patch: Mapping[str, Any], b: Builder) -> None:
    for key, value in patch.items():
        if key == "members":
            for mname, member in value.items():
                shape["members"][mname] = copy.deepcopy(member)
        else:
            shape[key] = copy.deepcopy(value)
    # Support's ThrottlingException members need their shapes.
    for member in shape.get("members", {}).values():
        target = member["shape"]
        if target == "AvailabilityErrorMessage":
            b.put(
                target,
                {"type": "string", "documentation": "A message that describes the throttling."},
                "fix",
            )
        elif target == "ThrottlingReasonList":
            b.put(
                target,
                {
                    "type": "list",
                    "member": {"shape": "ThrottlingReason"},
                    "documentation": "A list of one or more reasons that the request was throttled.",
                },
                "fix",
            )


def decision_table(services: Sequence[Service] = ("support", "codeguruprofiler")) -> str:
    rows = [
        "| model | shape / member | the reference says | the model says | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for fix in FIXES:
        if fix.service not in services:
            continue
        cells = [fix.service, fix.target, fix.reference, fix.model, fix.reason]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def dump(model: JSON) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def iter_services() -> Iterator[Service]:
    yield "support"
    yield "codeguruprofiler"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m codegen.transcribe", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("seed", nargs="?", help="reference text (default: the seed of --service)")
    p.add_argument("--service", choices=["support", "codeguruprofiler"])
    p.add_argument("--draft", action="store_true", help="skip the hand corrections")
    p.add_argument("--out", help="write here instead of stdout")
    p.add_argument(
        "--all", action="store_true", help="rewrite models/<service>.json for both seeds"
    )
    p.add_argument("--check", action="store_true", help="with --all: fail if models/ differ")
    p.add_argument("--decisions", action="store_true", help="print the decision table")
    args = p.parse_args(argv)
    if args.decisions:
        print(decision_table())
        return 0
    if args.all:
        stale = []
        for svc in iter_services():
            if not (SEEDS / SEED_FILES[svc]).exists():
                p.error(missing_seed_message(SEEDS / SEED_FILES[svc]))
            text = (SEEDS / SEED_FILES[svc]).read_text(encoding="utf-8")
            out = dump(build_model(text, svc))
            path = ROOT / "models" / f"{svc}.json"
            if args.check:
                if not path.exists() or path.read_text(encoding="utf-8") != out:
                    stale.append(str(path))
            else:
                path.write_text(out, encoding="utf-8")
        if stale:
            print("stale: " + ", ".join(stale), file=sys.stderr)
            return 1
        return 0
    if not args.service:
        p.error("--service is required unless --all or --decisions")
    service: Service = args.service
    seed = Path(args.seed) if args.seed else SEEDS / SEED_FILES[service]
    if not seed.exists():
        p.error(missing_seed_message(seed))
    out = dump(build_model(seed.read_text(encoding="utf-8"), service, corrected=not args.draft))
    if args.out:
        Path(args.out).write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
