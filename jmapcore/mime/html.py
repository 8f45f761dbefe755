"""HTML to plain text for previews and search: tags, scripts and styles dropped, entities decoded."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}  # fmt: skip
_HIDDEN = {"script", "style", "head", "title", "template", "noscript"}
_SPACE_RE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
_TAG_RE = re.compile(r"<[^>]*>?")


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "body":  # an unclosed <head> must not hide the body
            self.hidden = 0
        elif tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCK:
            self.out.append("\n")
            self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK:
            self.out.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.out.append(data if self.pre else _SPACE_RE.sub(" ", data))


def html_to_text(source: str) -> str:
    """Readable text of an HTML document: one line per block, blank lines collapsed."""
    extractor = _Extractor()
    try:
        extractor.feed(source)
        extractor.close()
        text = "".join(extractor.out)
    except Exception:  # html.parser has raised on hostile markup in some Python versions
        text = html.unescape(_TAG_RE.sub(" ", source))
    lines = [line.strip(" \t\u00a0") for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def collapse_whitespace(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()
