"""The correction stage refuses what it cannot apply, and knows no service by name.

A correction (codegen/transcribe/services/*.py) that is misspelt or has gone stale must
stop the transcription with a message naming it: silently skipping it would leave the
model as the text says while the decision table claims otherwise.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from codegen.errors import ModelError
from codegen.transcribe import build, correct
from codegen.transcribe.__main__ import main
from codegen.transcribe.services import SERVICES
from codegen.transcribe.spec import Fix, Patch
from codegen.transcribe.write import Builder


@cache
def _seed(service: str) -> str:
    path = build.seed_path(service)
    if not path.exists():
        pytest.skip(build.missing_seed_message(path))
    return path.read_text(encoding="utf-8")


def _build_with(monkeypatch: pytest.MonkeyPatch, service: str, *extra: Fix) -> None:
    spec = SERVICES[service]
    patched = dataclasses.replace(spec, fixes=(*spec.fixes, *extra))
    monkeypatch.setitem(SERVICES, service, patched)  # type: ignore[arg-type]
    build.build_model(_seed(service), service)


def _fix(target: str, patch: Patch) -> Fix:
    return Fix(target, patch, "the reference says", "the reason", "the model says")


@pytest.mark.parametrize(
    ("target", "patch", "message"),
    [
        (
            "CreateCaseRequest.subject",
            {"reqired": True},  # type: ignore[typeddict-unknown-key]
            "fix target CreateCaseRequest.subject: a correction of a member takes "
            "['attrs', 'doc', 'extra', 'location', 'locationName', 'required'], not ['reqired']",
        ),
        (
            "CaseDetails",
            {"json": {"documentation": "x"}, "doc": "y"},
            "fix target CaseDetails: a correction of a shape takes ['json', 'shapes'], "
            "not ['doc']",
        ),
        (
            "op:ResolveCase",
            {"rename_error": ("CaseIdNotFound", "CaseMissing")},
            "fix target op:ResolveCase: a correction of an operation takes ['add_error'], "
            "not ['rename_error']",
        ),
        (
            "CaseDetails.status",
            {},
            "fix target CaseDetails.status: a correction of a member takes "
            "['attrs', 'doc', 'extra', 'location', 'locationName', 'required'], "
            "not an empty patch",
        ),
    ],
)
def test_a_patch_key_its_target_does_not_use_is_refused(
    monkeypatch: pytest.MonkeyPatch, target: str, patch: Patch, message: str
) -> None:
    with pytest.raises(ModelError) as info:
        _build_with(monkeypatch, "support", _fix(target, patch))
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("service", "target", "patch", "message"),
    [
        (
            "codeguruprofiler",
            "op:DeleteProfilingGroops",
            {"add_error": "ConflictException"},
            "fix target op:DeleteProfilingGroops: no such operation",
        ),
        (
            "codeguruprofiler",
            "op:*",
            {"rename_error": ("InternalServerFault", "InternalServerException")},
            "fix target op:*: no operation lists the error InternalServerFault",
        ),
        (
            "support",
            "CreateCaseRequest.subjekt",
            {"required": True},
            "fix target CreateCaseRequest.subjekt: no such member",
        ),
        (
            "support",
            "CreateCaseRequests.subject",
            {"required": True},
            "fix target CreateCaseRequests.subject: no such shape",
        ),
        (
            "support",
            "CaseDetail",
            {"json": {"documentation": "x"}},
            "fix target CaseDetail: no such shape",
        ),
    ],
)
def test_a_correction_of_something_that_is_not_there_is_refused(
    monkeypatch: pytest.MonkeyPatch, service: str, target: str, patch: Patch, message: str
) -> None:
    with pytest.raises(ModelError) as info:
        _build_with(monkeypatch, service, _fix(target, patch))
    assert str(info.value) == message


def test_a_shape_correction_brings_exactly_the_shapes_it_lists() -> None:
    """No shape appears because of its name: Support's ThrottlingException members get
    their shapes from the correction's own ``shapes``, and a member naming one of them in
    another correction gets nothing it did not list."""
    b = Builder({})
    b.put("SomeError", {"type": "structure", "members": {}}, "test")
    member = {"shape": "ThrottlingReasonList", "documentation": "reasons"}
    correct.apply_shape_fixes(b, [_fix("SomeError", {"json": {"members": {"reasons": member}}})])
    assert b.shapes == {"SomeError": {"type": "structure", "members": {"reasons": member}}}
    assert b.conflicts == []
    new = {"type": "string", "documentation": "a name"}
    correct.apply_shape_fixes(
        b, [_fix("SomeError", {"json": {"documentation": "d"}, "shapes": {"Name": new}})]
    )
    assert b.shapes["Name"] == new and b.shapes["Name"] is not new
    assert b.shapes["SomeError"]["documentation"] == "d"


def test_check_without_all_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--service", "support", "--check"])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m codegen.transcribe: error: --check goes with --all"
    )


def test_a_model_error_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = SERVICES["support"]
    bad = _fix("CaseDetail", {"json": {"documentation": "x"}})
    monkeypatch.setitem(SERVICES, "support", dataclasses.replace(spec, fixes=(bad,)))  # type: ignore[arg-type]
    _seed("support")
    assert main(["--service", "support"]) == 2
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "transcribe: error: fix target CaseDetail: no such shape\n")


def test_the_services_have_one_home() -> None:
    """models/*.json, the command line's choices and the decision table all follow
    SERVICES, in its order."""
    assert sorted(p.stem for p in build.MODELS.glob("*.json")) == sorted(SERVICES)
    table = correct.decision_table().splitlines()[2:]
    firsts = list(dict.fromkeys(row.split(" | ")[0].removeprefix("| ") for row in table))
    assert firsts == list(SERVICES)
