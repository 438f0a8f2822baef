"""One model -> the files of its package; writing them or checking them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from codegen.customizations import CLIENT_BASES, ClientBase
from codegen.emit_client import emit_client, emit_init
from codegen.emit_endpoints import emit_endpoints, load_rules, rule_set_path
from codegen.emit_interchange import emit_interchange
from codegen.emit_serde import emit_serde
from codegen.emit_shapes import emit_errors, emit_shapes
from codegen.errors import ModelError
from codegen.examples import Examples, examples_path, load_examples
from codegen.model import ServiceModel, load
from codegen.services import ROOT


def source_name(path: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(ROOT).as_posix()
    except ValueError:
        return resolved.name


def generate_package(model_path: Path, package: str, *, require_examples: bool = False) -> dict[str, str]:
    """File name -> content. Deterministic: the same model gives the same bytes.

    The operations' examples come from ``examples/<model file>`` beside the model
    (codegen/examples.py); ``require_examples`` makes a missing file an error, as it is
    for the repository's own models (a model given with ``--model`` may have none)."""
    model = load(model_path)
    source = source_name(model_path)
    rules = load_rules(model_path)
    base = CLIENT_BASES.get(package)
    if base is not None:
        _check_no_shadowing(model, base, model_path)
    examples: Examples | None = None
    path = examples_path(model_path)
    if path.exists():
        examples = load_examples(model, path)
    elif require_examples:
        raise ModelError(f"{model_path}: no examples ({path}): every operation needs one")
    files = {
        "__init__.py": emit_init(model, source, package),
        "shapes.py": emit_shapes(model, source),
        "errors.py": emit_errors(model, source),
        "_serde.py": emit_serde(model, source, compiled_rules=rules is not None),
        "_interchange.py": emit_interchange(model, source),
        "client.py": emit_client(model, source, base, examples, package),
    }
    if rules is not None:  # else the runtime resolves with botocore's rules, if any
        files["_endpoints.py"] = emit_endpoints(*rules, source_name(rule_set_path(model_path)))
    return {name: formatted(name, text) for name, text in files.items()}


#: ruff's settings for generated code, given in full so that the output does not depend
#: on the folder it is written to: the project's line length and Python version.
_RUFF_FORMAT = ("format", "--isolated", "--line-length", "100", "--target-version", "py311")


def formatted(name: str, text: str) -> str:
    """``text`` as ``ruff format`` writes it: the emitters put each statement on one
    line, in the order and with the names a person would, and ruff breaks the lines a
    person would break (signatures, calls, conditional expressions) at 100 columns, as
    the hand-written code is. ruff is pinned in uv.lock, so the bytes are reproducible;
    a new ruff that formats differently shows as a stale ``python -m codegen --check``.
    smithy-python's generator formats its output the same way (with black)."""
    result = subprocess.run(
        [_ruff(), *_RUFF_FORMAT, "--stdin-filename", name, "-"],
        input=text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if result.returncode != 0:
        raise ModelError(f"ruff could not format the generated {name}: {result.stderr.strip()}")
    return result.stdout


def _ruff() -> str:
    """The ruff beside this Python (the project's environment), else the one on PATH."""
    beside = Path(sys.executable).parent / "ruff"
    found = str(beside) if beside.is_file() else shutil.which("ruff")
    if found is None:
        raise ModelError("the generator formats its output with ruff: install the dev extra")
    return found


def _check_no_shadowing(model: ServiceModel, base: ClientBase, model_path: Path) -> None:
    """An operation whose method would hide a hand-written one (AWS adding an
    ``UploadAttachment`` operation, say) stops the generator: which of the two keeps the
    name is a decision for a person, not a silent rename."""
    clashes = sorted({op.py_name for op in model.operations} & set(base.methods))
    if clashes:
        raise ModelError(
            f"{model_path}: the operation method(s) {', '.join(clashes)} would hide the "
            f"hand-written {base.name} method(s) of the same name (codegen/customizations.py)"
        )


def write_or_check(files: dict[str, str], out_dir: Path, *, check: bool) -> list[str]:
    """Writes the files (removing stale generated ones), or lists what differs."""
    stale: list[str] = []
    existing = {p.name for p in out_dir.glob("*.py")} if out_dir.is_dir() else set()
    for name, content in sorted(files.items()):
        target = out_dir / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != content:
            stale.append(str(target))
            if not check:
                out_dir.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")
    for name in sorted(existing - set(files)):
        path = out_dir / name
        if path.read_text(encoding="utf-8").startswith("# generated by codegen"):
            stale.append(f"{path} (no longer generated)")
            if not check:
                path.unlink()
    return stale
