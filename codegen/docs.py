"""Model documentation -> plain docstring text.

Our own models carry plain text (paragraphs separated by blank lines, ``- `` bullets);
botocore's carry HTML. Both come out as plain text, wrapped for a docstring.
"""

from __future__ import annotations

import html
import re
import textwrap
from html.parser import HTMLParser

_BLOCK = {"p", "ul", "ol", "note", "important", "div", "br", "dl", "dd", "dt", "h1", "h2", "h3"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag == "code":
            self.parts.append("``")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag == "code":
            self.parts.append("``")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def to_text(doc: str | None) -> str:
    """Plain text with paragraphs separated by one blank line."""
    if not doc:
        return ""
    if "<" in doc and re.search(r"</?[a-zA-Z][^>]*>", doc):
        parser = _TextExtractor()
        parser.feed(doc)
        parser.close()
        doc = "".join(parser.parts)
    else:
        doc = html.unescape(doc) if "&" in doc else doc
    doc = doc.replace("````", "")
    paragraphs = []
    for block in re.split(r"\n\s*\n", doc):
        lines = [" ".join(line.split()) for line in block.strip().splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            continue
        merged: list[str] = []
        for line in lines:
            if line.startswith("- ") or not merged:
                merged.append(line)
            else:
                merged[-1] += " " + line
        paragraphs.append("\n".join(merged))
    return "\n\n".join(paragraphs)


def first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    match = re.match(r"(.+?[.!?])(\s|$)", first)
    return match.group(1) if match else first


def wrap(text: str, indent: str, width: int = 92, hang: str = "") -> list[str]:
    """Wrapped lines (without trailing newlines), bullets kept as hanging indents."""
    out: list[str] = []
    for i, paragraph in enumerate(text.split("\n\n")):
        if i:
            out.append("")
        for line in paragraph.split("\n"):
            bullet = line.startswith("- ")
            out.extend(
                textwrap.wrap(
                    line,
                    width=max(40, width - len(indent)),
                    initial_indent=indent,
                    subsequent_indent=indent + ("  " if bullet else hang),
                    break_long_words=False,
                    break_on_hyphens=False,
                )
                or [indent]
            )
    return [line.rstrip() for line in out]


def escape(text: str) -> str:
    """Safe inside a triple-quoted docstring."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    # A closing quote would merge with the docstring's own closing quotes.
    if text.endswith('"') and not text.endswith('\\"'):
        return text[:-1] + '\\"'
    return text
