"""HTML to plain text: blocks become paragraphs, scripts and styles vanish, spaces collapse the
way a browser shows them."""

from __future__ import annotations

import re
from html.parser import HTMLParser


_SKIP = {"script", "style", "head", "title", "template", "noscript"}
_PARAGRAPH = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
              "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote",
              "pre", "figure", "hr", "address", "details", "form", "body"}
_LINE = {"li", "dt", "dd", "tr", "figcaption", "caption", "summary", "option"}
_CELL = {"td", "th"}
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
# Control characters never seen in real text mark the breaks until they are merged.
_LINE_MARK, _PARAGRAPH_MARK, _BR_MARK = "\x01", "\x02", "\x03"
_MARKS = re.compile(r"[ \x01-\x03]*[\x01-\x03][ \x01-\x03]*")


def _is_wide(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF


def _collapse(text: str) -> str:
    """HTML white-space collapsing; a source line break between two CJK characters vanishes."""
    def repl(m: re.Match) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if "\n" in m.group() and before and after and _is_wide(before) and _is_wide(after):
            return ""  # Japanese is not written with spaces; the break was only source wrapping
        return " "
    return _HTML_SPACE.sub(repl, text)


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "body":
            self.skip = 0  # an unclosed <head> ends where the body starts
        if tag == "pre":
            self.pre += 1
        self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag != "br":  # <br/> arrives as start and end; one break is enough
            self._block(tag)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.out.append(data)
        else:
            self.out.append(_collapse(data))

    def _block(self, tag: str) -> None:
        if self.skip:
            return
        if tag == "br":
            self.out.append(_BR_MARK)
        elif tag in _PARAGRAPH:
            self.out.append(_PARAGRAPH_MARK)
        elif tag in _LINE:
            self.out.append(_LINE_MARK)
        elif tag in _CELL:
            self.out.append(" ")


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: no scripts, styles or head; entities unescaped."""
    parser = _TextExtractor()
    parser.feed(re.sub(r"[\x01-\x03]", "", html))
    parser.close()
    text = re.sub(r" {2,}", " ", "".join(parser.out))
    # Adjacent block edges (</li><li>, </p>\n<p>) make one break, not one each; <br><br> is a
    # paragraph break.
    text = _MARKS.sub(lambda m: "\n\n" if _PARAGRAPH_MARK in m.group()
                      or m.group().count(_BR_MARK) > 1 else "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n ")
