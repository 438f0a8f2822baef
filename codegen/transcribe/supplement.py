"""Stage 5, supplementing: what AWS added after the reference text, merged into the model.

A supplement (models/supplements/<service>.json) is transcribed by hand from the current
API reference and says where it comes from (``source``). It only adds, and it refuses to
replace what the reference already gives:

- ``operations``: new operations (the model's format);
- ``shapes``: new shapes;
- ``members``: new members of existing structures (``{"Shape": {"member": {...}}}``);
- ``errors``: errors new to existing operations (``{"Operation": ["Error", ...]}``);
- ``documentation``: the current text of an existing member (``Shape.member``) whose
  reference text changed because of the additions.

New operations, members and errors take their place in the reference's alphabetical
order; every shape the additions name must exist once they are merged.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from codegen.errors import ModelError
from codegen.transcribe.spec import JSON

_KEYS = frozenset({"source", "operations", "shapes", "members", "errors", "documentation"})
V = TypeVar("V")


def load_supplement(path: Path) -> JSON:
    """The supplement at ``path``, its top-level keys checked."""
    try:
        data: JSON = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the supplement: {exc}") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ModelError(f"{path}: unknown keys {unknown} (a supplement has {sorted(_KEYS)})")
    if not data.get("source"):
        raise ModelError(f"{path}: a supplement must say its source")
    return data


def apply_supplement(model: JSON, supplement: Mapping[str, Any]) -> None:
    """Merges ``supplement`` into ``model`` (in place)."""
    shapes: JSON = model["shapes"]
    for name, shape in supplement.get("shapes", {}).items():
        if name in shapes:
            raise ModelError(f"supplement: shape {name} exists already")
        shapes[name] = copy.deepcopy(shape)
    model["shapes"] = dict(sorted(shapes.items()))
    for name, op in supplement.get("operations", {}).items():
        if name in model["operations"] or op.get("name") != name:
            raise ModelError(f"supplement: operation {name} exists already or is misnamed")
        model["operations"] = _insert(model["operations"], name, copy.deepcopy(op))
    for owner, members in supplement.get("members", {}).items():
        _add_members(model, owner, members)
    for op_name, names in supplement.get("errors", {}).items():
        _add_errors(model, op_name, names)
    for target, text in supplement.get("documentation", {}).items():
        _member(model, target)["documentation"] = text
    for where, name in _references(supplement):
        if name not in model["shapes"]:
            raise ModelError(f"supplement: {where} names the unknown shape {name}")


def _insert(mapping: Mapping[str, V], key: str, value: V) -> dict[str, V]:
    """``mapping`` with ``key`` before the first key that sorts after it (case-folded)."""
    items = list(mapping.items())
    at = next((i for i, (k, _) in enumerate(items) if k.casefold() > key.casefold()), len(items))
    return dict([*items[:at], (key, value), *items[at:]])


def _structure(model: JSON, owner: str) -> JSON:
    shape = model["shapes"].get(owner)
    if shape is None or shape["type"] != "structure":
        raise ModelError(f"supplement: {owner} is not a structure of the model")
    return shape  # type: ignore[no-any-return]


def _add_members(model: JSON, owner: str, members: Mapping[str, JSON]) -> None:
    shape = _structure(model, owner)
    for name, member in members.items():
        if name in shape["members"]:
            raise ModelError(f"supplement: {owner}.{name} exists already")
        shape["members"] = _insert(shape["members"], name, copy.deepcopy(member))


def _add_errors(model: JSON, op_name: str, names: list[str]) -> None:
    op = model["operations"].get(op_name)
    if op is None:
        raise ModelError(f"supplement: errors of the unknown operation {op_name}")
    listed = {e["shape"]: e for e in op["errors"]}
    for name in names:
        error = model["shapes"].get(name)
        if error is None or not error.get("exception"):
            raise ModelError(f"supplement: {op_name} error {name} is not an error shape")
        if name in listed:
            raise ModelError(f"supplement: {op_name} lists {name} already")
        listed = _insert(listed, name, {"shape": name})
    op["errors"] = list(listed.values())


def _member(model: JSON, target: str) -> JSON:
    owner, _, name = target.partition(".")
    member = _structure(model, owner)["members"].get(name)
    if member is None:
        raise ModelError(f"supplement: documentation of the unknown member {target}")
    return member  # type: ignore[no-any-return]


def _references(supplement: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, shape name) of every shape reference the supplement makes."""
    for name, op in supplement.get("operations", {}).items():
        for key in ("input", "output"):
            yield f"operation {name} {key}", op[key]["shape"]
        for error in op.get("errors", []):
            yield f"operation {name} errors", error["shape"]
    for owner, members in supplement.get("members", {}).items():
        for name, member in members.items():
            yield f"{owner}.{name}", member["shape"]
    for name, shape in supplement.get("shapes", {}).items():
        for mname, member in shape.get("members", {}).items():
            yield f"{name}.{mname}", member["shape"]
        for key in ("member", "key", "value"):
            if key in shape:
                yield f"{name} {key}", shape[key]["shape"]
