"""Stage 4, writing: parsed members -> the model's shapes (:class:`Builder`).

Each member gets a shape: a primitive with the member's constraints, a list or map of
them, or a reference to a data type. A shape is named after its member (PascalCase)
unless the service's ``shape_names`` say otherwise, and is shared only by members that
define it identically: two different definitions under one name are a conflict, which a
corrected transcription refuses (:class:`ModelError`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from codegen.errors import ModelError
from codegen.transcribe.clean import Block, render_doc, untick
from codegen.transcribe.parse import ErrorRef, Field
from codegen.transcribe.spec import JSON

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
_MAP_TYPE = re.compile(r"String to (string|array of (\w+) objects) map")


@dataclass
class Builder:
    """The model's shapes as they are made: one per name, conflicts collected."""

    #: (owner shape, member[suffix]) -> shape name, where the default name does not do.
    names: Mapping[tuple[str, str], str]
    shapes: dict[str, JSON] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    def put(self, name: str, shape: JSON, origin: str) -> str:
        """Adds ``shape`` as ``name``, or records a conflict with the shape already there
        (documentation aside: the first member's wins)."""
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
        """A string/number/boolean/blob/timestamp shape with the member's constraints.

        Unconstrained list elements and map values share the plain ``String``-style
        shape; every other primitive is named after its member.
        """
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
        """The name of the shape of member ``f`` of ``owner``, made from its ``Type:``
        line (a member without one is a string, as the references mean it)."""
        raw = f.attrs.get("Type", "String").strip().strip("`")
        if raw.lower() in _PRIMITIVES:
            return self._primitive_member(owner, f, _PRIMITIVES[raw.lower()], doc)
        m = re.fullmatch(r"(\w+) object", raw)
        if m:
            return m.group(1)
        m = re.fullmatch(r"Array of (\w+) objects", raw)
        if m:
            return self.collection(owner, f, "list", m.group(1), doc)
        m = re.fullmatch(r"Array of (strings|doubles|integers|longs|booleans)", raw)
        if m:
            elem = self.primitive(owner, f.name, m.group(1)[:-1], f.attrs, doc, suffix="[]")
            return self.collection(owner, f, "list", elem, doc)
        if raw == "Array of arrays of strings":
            return self._list_of_string_lists(owner, f, doc)
        m = _MAP_TYPE.fullmatch(raw)
        if m:
            return self._map(owner, f, m.group(2), doc)
        raise ModelError(f"{owner}.{f.name}: unknown type {raw!r}")

    def _primitive_member(self, owner: str, f: Field, kind: str, doc: str) -> str:
        attrs = dict(f.attrs)
        enum = _doc_enum(f.doc) if kind == "string" else None
        if enum and "Valid Values" not in attrs:
            attrs["Valid Values"] = " | ".join(enum)
        return self.primitive(owner, f.name, kind, attrs, doc)

    def _list_of_string_lists(self, owner: str, f: Field, doc: str) -> str:
        inner: JSON = {"type": "list", "member": {"shape": "String"}, "documentation": doc}
        self.primitive(owner, f.name, "string", {}, "A string.", suffix="[][]")
        iname = self.put(self.name_for(owner, f.name + "[]", pascal(f.name) + "Item"), inner, owner)
        return self.collection(owner, f, "list", iname, doc)

    def _map(self, owner: str, f: Field, value_type: str | None, doc: str) -> str:
        """A string-keyed map of strings, or of lists of ``value_type`` structures."""
        key_attrs = {"Valid Values": f.attrs["Valid Keys"]} if "Valid Keys" in f.attrs else {}
        key = self.primitive(owner, f.name, "string", key_attrs, doc, suffix="{key}")
        if value_type:
            value = self.put(
                self.name_for(owner, f.name + "{value}", value_type + "List"),
                {"type": "list", "member": {"shape": value_type}, "documentation": doc},
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

    def collection(self, owner: str, f: Field, kind: str, elem: str, doc: str) -> str:
        """A list of ``elem`` with the member's ``Array Members`` bounds."""
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

    def structure(self, name: str, fields: Sequence[Field], doc: str) -> str:
        """A structure of ``fields`` (in the reference's order), with its required list,
        HTTP locations and payload."""
        members: JSON = {}
        required: list[str] = []
        for f in fields:
            mdoc = render_doc(f.doc) or f.extra.get("documentation", "")
            member: JSON = {"shape": self.member_shape(name, f, first_paragraph(mdoc))}
            if f.location in ("uri", "querystring", "header"):
                member["location"] = f.location
                member["locationName"] = f.location_name or f.name
            if "idempotencyToken" in f.extra:
                member["idempotencyToken"] = f.extra["idempotencyToken"]
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
        shape["documentation"] = doc
        return self.put(name, shape, name)


def first_paragraph(doc: str) -> str:
    """A derived shape's documentation: the first paragraph of its member's."""
    return doc.split("\n\n")[0] if doc else ""


def error_shape(e: ErrorRef) -> JSON:
    """An error's structure: its ``message`` (if the text lists one) and its HTTP status,
    a sender fault below 500 and a server fault from 500."""
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
