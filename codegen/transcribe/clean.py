"""Stage 1, cleaning: the PDF-extracted text -> paragraphs (:class:`Block`).

Page headers and footers, link lists and the markdown of the CodeGuru Profiler text are
removed; a page break that falls between two paragraphs still separates them. The
rendering helpers (:func:`render_doc`) turn paragraphs back into the models' plain-text
documentation (models/README.md: paragraphs, ``- `` bullets, no markup).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

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


def join_lines(lines: Sequence[str]) -> str:
    """One line of text from a paragraph's lines; a word hyphenated at a line end is
    joined back (``time-`` + ``out`` -> ``time-out``, the PDF's own hyphen kept)."""
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
    """Cleaned lines -> paragraphs (blank lines separate them)."""
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
    """Text without the markdown code ticks of the CodeGuru Profiler reference."""
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
