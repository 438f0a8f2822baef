"""models/supplements/: what AWS added after the reference text, transcribed by hand.

The supplement's documentation is the current reference's wording (botocore's model
carries the AWS Support API reference as HTML): every text that has a counterpart there
must say the same words, in the models' plain-text form (models/README.md). The merge
only adds: whatever would replace or contradict the transcription is refused.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import botocore.loaders  # type: ignore[import-untyped]
import pytest

from codegen.errors import ModelError
from codegen.transcribe.build import SUPPLEMENTS
from codegen.transcribe.services import SERVICES
from codegen.transcribe.supplement import apply_supplement, load_supplement

JSON = dict[str, Any]
MODELS = Path(__file__).resolve().parents[2] / "models"


@cache
def supplement(service: str) -> JSON:
    name = SERVICES[service].supplement
    assert name is not None
    return load_supplement(SUPPLEMENTS / name)


@cache
def botocore_model(service: str) -> JSON:
    model: JSON = botocore.loaders.Loader().load_service_model(service, "service-2")
    return model


_INLINE = frozenset({"a", "b", "code", "i", "em", "strong"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.parts.append(" ")


def words_of_html(doc: str) -> str:
    """botocore's HTML documentation as its words, whitespace-normalised."""
    parser = _Text()
    parser.feed(doc)
    return " ".join("".join(parser.parts).split())


def words_of_text(doc: str) -> str:
    """Our plain text as its words: the ``Note`` heading that stands for botocore's
    ``<note>`` and the ``- `` of bullet items are layout, not words."""
    lines = [line.removeprefix("- ") for line in doc.splitlines() if line != "Note"]
    return " ".join(" ".join(lines).split())


def transcribed_texts(service: str) -> Iterator[tuple[str, str, str]]:
    """(where, our text, botocore's HTML) for every supplemented text with a
    counterpart in botocore's model."""
    ours, theirs = supplement(service), botocore_model(service)
    for name, op in ours["operations"].items():
        yield f"op:{name}", op["documentation"], theirs["operations"][name]["documentation"]
    members = [(name, shape.get("members", {})) for name, shape in ours["shapes"].items()]
    for name, shape in ours["shapes"].items():
        their_doc = theirs["shapes"].get(name, {}).get("documentation")
        if their_doc:
            yield name, shape["documentation"], their_doc
    for name, added in [*members, *ours["members"].items()]:
        their_members = theirs["shapes"].get(name, {}).get("members", {})
        for mname, member in added.items():
            their_doc = their_members.get(mname, {}).get("documentation")
            if their_doc:
                yield f"{name}.{mname}", member["documentation"], their_doc
    for target, text in ours["documentation"].items():
        owner, _, mname = target.partition(".")
        yield target, text, theirs["shapes"][owner]["members"][mname]["documentation"]


def test_every_supplemented_text_says_what_the_reference_says() -> None:
    checked = list(transcribed_texts("support"))
    differ = [
        f"{where}:\n  ours:     {words_of_text(text)}\n  botocore: {words_of_html(html)}"
        for where, text, html in checked
        if words_of_text(text) != words_of_html(html)
    ]
    assert not differ, "the supplement's text differs from the reference:\n" + "\n".join(differ)
    # 4 operations, 5 structures and 2 errors, 34 members of new structures and 14 new
    # members of existing ones (botocore documents none of the errors' message members),
    # 3 replaced texts
    assert len(checked) == 4 + 5 + 2 + 34 + 14 + 3


def test_supplemented_texts_are_plain_text() -> None:
    """The models' convention: no HTML, no markdown code ticks."""
    texts = [text for _, text, _ in transcribed_texts("support")]
    texts += [s.get("documentation", "") for s in supplement("support")["shapes"].values()]
    for text in texts:
        assert not re.search(r"</?[a-z]+[^>]*>|`|&[a-z]+;", text), text


def test_the_supplement_says_its_source() -> None:
    assert "botocore 1.44.8" in supplement("support")["source"]
    assert SERVICES["codeguruprofiler"].supplement is None


# ---------------------------------------------------------------- the merge refuses


def _model() -> JSON:
    data: JSON = json.loads((MODELS / "support.json").read_text(encoding="utf-8"))
    return data


def _refused(change: JSON) -> str:
    with pytest.raises(ModelError) as info:
        apply_supplement(_model(), change)
    return str(info.value)


def test_a_supplement_adds_and_never_replaces() -> None:
    assert _refused({"shapes": {"CaseId": {"type": "string"}}}) == (
        "supplement: shape CaseId exists already"
    )
    resolve = copy.deepcopy(_model()["operations"]["ResolveCase"])
    assert _refused({"operations": {"ResolveCase": resolve}}) == (
        "supplement: operation ResolveCase exists already or is misnamed"
    )
    assert _refused({"members": {"CreateCaseRequest": {"subject": {"shape": "Subject"}}}}) == (
        "supplement: CreateCaseRequest.subject exists already"
    )
    assert _refused({"errors": {"ResolveCase": ["CaseIdNotFound"]}}) == (
        "supplement: ResolveCase lists CaseIdNotFound already"
    )


def test_a_supplement_naming_what_is_not_there_is_refused() -> None:
    assert _refused({"members": {"CaseIdList": {"x": {"shape": "CaseId"}}}}) == (
        "supplement: CaseIdList is not a structure of the model"
    )
    assert _refused({"members": {"CreateCaseRequest": {"x": {"shape": "Nope"}}}}) == (
        "supplement: CreateCaseRequest.x names the unknown shape Nope"
    )
    assert _refused({"errors": {"ResolveCase": ["CaseId"]}}) == (
        "supplement: ResolveCase error CaseId is not an error shape"
    )
    assert _refused({"errors": {"ResolveCases": ["CaseIdNotFound"]}}) == (
        "supplement: errors of the unknown operation ResolveCases"
    )
    assert _refused({"documentation": {"Communication.attachmentz": "x"}}) == (
        "supplement: documentation of the unknown member Communication.attachmentz"
    )


def test_a_supplement_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"source": "x", "operation": {}}', encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_supplement(path)
    assert str(info.value) == (
        f"{path}: unknown keys ['operation'] (a supplement has ['documentation', 'errors', "
        "'members', 'operations', 'shapes', 'source'])"
    )
    path.write_text('{"operations": {}}', encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_supplement(path)
    assert str(info.value) == f"{path}: a supplement must say its source"


def test_additions_take_the_reference_order() -> None:
    """Operations, members and errors go where the reference's alphabetical lists put
    them (case-folded, as the reference sorts DescribeTrustedAdvisorChecks before
    DescribeTrustedAdvisorCheckSummaries)."""
    model = _model()
    ops = list(model["operations"])
    assert ops == sorted(ops, key=str.casefold)
    assert ops.index("GetAttachmentUploadLinks") == ops.index("DescribeTrustedAdvisorCheckSummaries") + 2
    members = list(model["shapes"]["Communication"]["members"])
    assert members == ["attachments", "attachmentSet", "body", "caseId", "submittedBy", "timeCreated"]
    errors = [e["shape"] for e in model["operations"]["DescribeCreateCaseOptions"]["errors"]]
    assert errors == ["DryRunOperationException", "InternalServerError", "ThrottlingException"]
