"""The transcription of one service, stage by stage: clean -> parse -> correct -> write,
then the hand-transcribed supplement of what AWS added since the reference text.

:func:`build_model` is the whole path from a reference text to the model JSON that
models/<service>.json holds; :func:`dump` is its exact file form.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from codegen.errors import ModelError
from codegen.transcribe import correct
from codegen.transcribe.clean import render_doc
from codegen.transcribe.parse import ErrorRef, Field, Operation, Reference, parse_reference
from codegen.transcribe.services import SERVICES
from codegen.transcribe.spec import JSON
from codegen.transcribe.supplement import apply_supplement, load_supplement
from codegen.transcribe.write import Builder, error_shape, first_paragraph

ROOT: Final = Path(__file__).resolve().parents[2]
SEEDS: Final = ROOT.parent / "shared" / "seeds"
MODELS: Final = ROOT / "models"
SUPPLEMENTS: Final = MODELS / "supplements"


def seed_path(service: str) -> Path:
    """Where the reference text of ``service`` is."""
    return SEEDS / SERVICES[service].seed


def missing_seed_message(path: Path) -> str:
    """What to do when a reference text is not where the transcription looks for it."""
    return (
        f"the API reference text {path} is missing: the seeds live in the project's shared/ "
        f"folder, which must sit beside this checkout as ../shared (see models/README.md)"
    )


def build_model(text: str, service: str, corrected: bool = True) -> JSON:
    """Transcribe one reference into a model (corrections applied unless draft).

    The draft is what the text alone says: no corrections, shape names, shape docs,
    pagination or supplement; its shape-name conflicts are printed to stderr instead of
    refused.
    """
    spec = SERVICES[service]
    ref = parse_reference(text, spec.protocol)
    fixes = spec.fixes if corrected else ()
    correct.check_fixes(fixes)
    error_refs = _error_refs(ref, correct.error_renames(ref, fixes))
    added = correct.added_errors(ref, fixes)
    error_fields: dict[str, list[Field]] = {name: [] for name in error_refs}
    correct.apply_field_fixes(ref, fixes, error_fields)

    b = Builder(spec.shape_names if corrected else {})
    for dt in ref.data_types:
        b.structure(dt.name, dt.members, render_doc(dt.doc))
    operations = {op.name: _operation(b, op, added.get(op.name, [])) for op in ref.operations}
    for name, e in error_refs.items():
        _error(b, name, e, error_fields[name])
    common = _common_errors(b, ref)
    correct.apply_shape_fixes(b, fixes)
    if corrected:
        for name, doc in spec.shape_docs.items():
            b.shapes[name]["documentation"] = doc
    _report_conflicts(b.conflicts, corrected)
    model: JSON = {
        "version": "2.0",
        "metadata": spec.metadata,
        "operations": operations,
        "shapes": dict(sorted(b.shapes.items())),
        "documentation": render_doc(ref.welcome),
        "commonErrors": common,
        "pagination": spec.pagination if corrected else {},
    }
    if corrected and spec.supplement:
        apply_supplement(model, load_supplement(SUPPLEMENTS / spec.supplement))
    return model


def dump(model: JSON) -> str:
    """The model as models/<service>.json holds it."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def _error_refs(ref: Reference, renames: Mapping[str, str]) -> dict[str, ErrorRef]:
    """Every operation error under its (corrected) name; the first description of an
    error in document order wins."""
    error_refs: dict[str, ErrorRef] = {}
    for op in ref.operations:
        for e in op.errors:
            e.name = renames.get(e.name, e.name)
            error_refs.setdefault(e.name, e)
    return error_refs


def _operation(b: Builder, op: Operation, added_errors: Sequence[str]) -> JSON:
    in_name = b.structure(
        f"{op.name}Request", op.inputs, f"The request parameters of the {op.name} operation."
    )
    out_name = b.structure(
        f"{op.name}Response", op.outputs, f"The response elements of the {op.name} operation."
    )
    err_names = [e.name for e in op.errors] + list(added_errors)
    return {
        "name": op.name,
        "http": {"method": op.method, "requestUri": op.uri, "responseCode": op.status},
        "input": {"shape": in_name},
        "output": {"shape": out_name},
        "errors": [{"shape": n} for n in sorted(set(err_names), key=err_names.index)],
        "documentation": render_doc(op.doc),
    }


def _error(b: Builder, name: str, e: ErrorRef, extra: Sequence[Field]) -> None:
    """The error's shape: its ``message`` as the text documents it, plus the members
    corrections add (``extra``)."""
    shape = error_shape(e)
    if e.message_doc is not None:
        b.put(
            "ErrorMessage",
            {"type": "string", "documentation": "A message that describes the error."},
            name,
        )
    for f in extra:
        mdoc = f.extra.get("documentation", "")
        shape["members"][f.name] = {
            "shape": b.member_shape(name, f, first_paragraph(mdoc)),
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


def _common_errors(b: Builder, ref: Reference) -> list[str]:
    """The "Common Errors" names; a shape for each that no operation already made."""
    for e in ref.common_errors:
        if e.name not in b.shapes:
            b.put(e.name, error_shape(e), "Common Errors")
    return [e.name for e in ref.common_errors]


def _report_conflicts(conflicts: Sequence[str], corrected: bool) -> None:
    if conflicts and not corrected:
        for c in conflicts:
            print(f"conflict: {c}", file=sys.stderr)
    elif conflicts:
        raise ModelError("shape name conflicts:\n  " + "\n  ".join(conflicts))
