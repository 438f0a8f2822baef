"""Every Python block of the documentation type-checks with ``mypy --strict``, so a page
cannot show an argument, an attribute or a type that awsmith does not have.

A block is checked as its own module, after a prelude that declares the names the
pages' fragments take as given (``support``, ``profiler``, ...); a fragment with a
top-level ``await`` / ``async with`` / ``async for`` is checked as the body of an
``async def``. A line ending in ``# type error`` must get an error, and only those
lines: that is how a page shows what a type checker refuses (an enum-typed argument
given a string that is not one of its values). A block preceded by
``<!-- not type-checked: <why> -->`` is skipped (another SDK's code, for comparison).

On e82cd98 ``docs/index.md`` called ``create_case(severity_code="high")`` an enum-typed
argument (it is ``str``); the claim is now code, and a string that is not a
``ComputePlatform`` value must be an error.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: The checker runs over cold caches in a fresh clone: minutes on a loaded machine.
pytestmark = pytest.mark.timeout(660)

_BLOCK = re.compile(r"(?:<!-- (?P<note>[^\n]*?) -->\n)?```python\n(?P<code>.*?)\n```", re.DOTALL)
_EXPECT = re.compile(r"#\s*type error\b")

PRELUDE = '''\
# The names the documentation's fragments take as given.
import logging
from typing import Any

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.support import SupportClient
from awsmith.support.shapes import CaseDetails

support: SupportClient
profiler: CodeGuruProfilerClient
FAKE: awsmith.Credentials
log = logging.getLogger("app")
AlertService: Any  # examples/support_alert_service.py
Alert: Any


def handle(case: CaseDetails) -> None: ...


'''


class Snippet(NamedTuple):
    page: str
    line: int  # of the block's first code line in the page
    code: str

    @property
    def name(self) -> str:
        return f"{Path(self.page).stem}_{self.line}"


def snippets() -> list[Snippet]:
    found: list[Snippet] = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in _BLOCK.finditer(text):
            note = match["note"] or ""
            if note.startswith("not type-checked"):
                continue
            line = text.count("\n", 0, match.start("code")) + 1
            found.append(Snippet(page.name, line, match["code"]))
    return found


def module_source(snippet: Snippet) -> tuple[str, int, int]:
    """(module text, the module line of the block's first line, indent added)."""
    try:
        compile(snippet.code, snippet.name, "exec")
    except SyntaxError as error:
        if "outside" not in str(error):  # 'await' / 'async with' outside async function
            raise
        body = "\n".join(("    " + line) if line else "" for line in snippet.code.splitlines())
        head = PRELUDE + "async def _snippet() -> None:\n"
        return head + body + "\n", head.count("\n") + 1, 4
    return PRELUDE + snippet.code + "\n", PRELUDE.count("\n") + 1, 0


def mypy_errors(folder: Path, files: list[Path]) -> list[dict[str, Any]]:
    """mypy's errors over ``files`` (all in ``folder``), with a cache of its own beside
    the folder: mypy's incremental cache knows a module by its name, so one shared with
    other checks could report a module's errors under the path of an earlier file."""
    cache = folder.with_name(folder.name + "-mypy-cache")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--output", "json", "--no-error-summary",
         "--cache-dir", str(cache), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the modules are written, mypy's cache beside it (:func:`mypy_errors`): this
    run's own, shared by the tests of this module (the second finds the cache warm).
    Two runs at once, of one checkout or of two, write their own."""
    return tmp_path_factory.mktemp("docs-snippets")


def test_the_modules_are_written_in_this_run_s_own_folder(
    folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """On 43d0c73 the folder was one fixed path per checkout under /tmp, emptied by each
    run: two runs at once deleted each other's modules and shared mypy's cache."""
    assert folder.parent == tmp_path_factory.getbasetemp()


def errors_by_line(found: list[Snippet], folder: Path) -> tuple[set[tuple[str, int]], list[str]]:
    """mypy's errors over the snippets, as (page, line in the page), and its messages."""
    files: dict[Path, tuple[Snippet, int]] = {}
    for snippet in found:
        text, first, _ = module_source(snippet)
        path = folder / f"doc_{snippet.name}.py"
        path.write_text(text, encoding="utf-8")
        files[path.resolve()] = (snippet, first)
    got: set[tuple[str, int]] = set()
    messages: list[str] = []
    for error in mypy_errors(folder, list(files)):
        if error["severity"] != "error":
            continue
        where = files.get((ROOT / error["file"]).resolve())
        assert where is not None, f"mypy reported on a file it was not given: {error}"
        snippet, first = where
        line = snippet.line + error["line"] - first
        got.add((snippet.page, line))
        messages.append(f"docs/{snippet.page}:{line}: {error['message']} [{error['code']}]")
    return got, messages


def test_every_python_block_of_the_docs_type_checks(folder: Path) -> None:
    found = snippets()
    assert len(found) >= 30  # the pages' blocks are found at all
    got, messages = errors_by_line(found, folder)
    expected = {
        (snippet.page, snippet.line + offset)
        for snippet in found
        for offset, text in enumerate(snippet.code.splitlines())
        if _EXPECT.search(text)
    }
    assert got == expected, "\n".join(messages)


def test_the_enum_claim_of_the_index_page_is_checked() -> None:
    """The index page shows an enum-typed argument refusing a string outside its values
    (the test above requires that error), and no longer calls severity_code one."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    marked = [s for s in snippets() if s.page == "index.md" and _EXPECT.search(s.code)]
    assert len(marked) == 1 and 'compute_platform="lambda"' in marked[0].code
    assert "Enum-typed arguments" in index and '(`severity_code="high"`)' not in index


def test_a_wrong_claim_would_fail(folder: Path) -> None:
    """The check's own oracle: a block that calls a plain-str argument enum-typed (the
    old index page's claim, as code) gets no error where one is expected, and a block
    with a wrong attribute gets an error where none is."""
    claim = 'await support.create_case(subject="s", communication_body="b", severity_code="hgh")'
    wrong = [
        Snippet("claim.md", 1, claim + "  # type error"),
        Snippet("attr.md", 1, "cases = await support.describe_cases()\nprint(cases.case_list)"),
    ]
    got, _ = errors_by_line(wrong, folder)
    assert got == {("attr.md", 2)}  # and none on claim.md's line marked '# type error'
