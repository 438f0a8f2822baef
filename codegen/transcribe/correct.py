"""Stage 3, correcting: the hand corrections of services/*.py applied to the transcription.

A correction (:class:`~codegen.transcribe.spec.Fix`) acts at one of three places:

- a member (``Shape.member``): on the parsed field, before shapes are built, so that the
  shape made from it is right (its type, constraints, location, required flag, text);
- a whole shape (``Shape``): keys merged into the built shape, plus any new shapes
  those keys refer to;
- the operations (``op:Name``, ``op:*``): error names renamed or errors added.

A correction that names something that is not there, or carries a key its place does
not use, is refused (:class:`ModelError`): a stale or misspelt correction must not be
silently ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence

from codegen.errors import ModelError
from codegen.transcribe.parse import Field, Reference
from codegen.transcribe.services import SERVICES
from codegen.transcribe.spec import Fix, Patch, ServiceSpec
from codegen.transcribe.write import Builder

_MEMBER_KEYS = frozenset({"required", "attrs", "location", "locationName", "extra", "doc"})
_KEYS_BY_PLACE = {
    "a member": _MEMBER_KEYS,
    "a new member": frozenset({"add"}),
    "a shape": frozenset({"json", "shapes"}),
    "every operation": frozenset({"rename_error"}),
    "an operation": frozenset({"add_error"}),
}


def _place(fix: Fix) -> str:
    if fix.target == "op:*":
        return "every operation"
    if fix.target.startswith("op:"):
        return "an operation"
    if "." not in fix.target:
        return "a shape"
    return "a new member" if "add" in fix.patch else "a member"


def check_fixes(fixes: Iterable[Fix]) -> None:
    """Every key of every patch is one its target's place uses."""
    for fix in fixes:
        place = _place(fix)
        unknown = sorted(set(fix.patch) - _KEYS_BY_PLACE[place])
        if unknown or not fix.patch:
            raise ModelError(
                f"fix target {fix.target}: a correction of {place} takes "
                f"{sorted(_KEYS_BY_PLACE[place])}, not {unknown or 'an empty patch'}"
            )


# ---------------------------------------------------------------- operations' errors


def error_renames(ref: Reference, fixes: Iterable[Fix]) -> dict[str, str]:
    """Old error name -> new, for every ``op:*`` correction (each must match an error)."""
    listed = {e.name for op in ref.operations for e in op.errors}
    renames: dict[str, str] = {}
    for fix in fixes:
        if "rename_error" in fix.patch:
            old, new = fix.patch["rename_error"]
            if old not in listed:
                raise ModelError(f"fix target {fix.target}: no operation lists the error {old}")
            renames[old] = new
    return renames


def added_errors(ref: Reference, fixes: Iterable[Fix]) -> dict[str, list[str]]:
    """Operation name -> the error names corrections add to it."""
    names = {op.name for op in ref.operations}
    added: dict[str, list[str]] = {}
    for fix in fixes:
        if "add_error" in fix.patch:
            op = fix.target.removeprefix("op:")
            if op not in names:
                raise ModelError(f"fix target {fix.target}: no such operation")
            added.setdefault(op, []).append(fix.patch["add_error"])
    return added


# ---------------------------------------------------------------- members


def _field_groups(ref: Reference) -> dict[str, list[Field]]:
    groups: dict[str, list[Field]] = {}
    for op in ref.operations:
        groups[f"{op.name}Request"] = op.inputs
        groups[f"{op.name}Response"] = op.outputs
    for dt in ref.data_types:
        groups[dt.name] = dt.members
    return groups


def _patch_field(f: Field, patch: Patch) -> None:
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


def apply_field_fixes(
    ref: Reference, fixes: Iterable[Fix], errors: Mapping[str, list[Field]]
) -> None:
    """Member corrections, on the parsed fields of ``ref`` and of the errors' members
    (``errors``: error name -> its fields, which only corrections add)."""
    groups = {**_field_groups(ref), **errors}
    for fix in fixes:
        if _place(fix) not in ("a member", "a new member"):
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


# ---------------------------------------------------------------- shapes


def apply_shape_fixes(b: Builder, fixes: Iterable[Fix]) -> None:
    """Whole-shape corrections: keys merged into the built shape (``members`` one by one),
    then the new shapes the correction brings."""
    for fix in fixes:
        if _place(fix) != "a shape":
            continue
        shape = b.shapes.get(fix.target)
        if shape is None:
            raise ModelError(f"fix target {fix.target}: no such shape")
        for key, value in fix.patch.get("json", {}).items():
            if key == "members":
                for name, member in value.items():
                    shape["members"][name] = copy.deepcopy(member)
            else:
                shape[key] = copy.deepcopy(value)
        for name, new in fix.patch.get("shapes", {}).items():
            b.put(name, copy.deepcopy(new), f"fix {fix.target}")


# ---------------------------------------------------------------- the decision table


def decision_table(services: Sequence[ServiceSpec] | None = None) -> str:
    """The corrections as the markdown table kept in models/README.md."""
    rows = [
        "| model | shape / member | the reference says | the model says | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for spec in SERVICES.values() if services is None else services:
        for fix in spec.fixes:
            cells = [spec.name, fix.target, fix.reference, fix.model, fix.reason]
            rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)
