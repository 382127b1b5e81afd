"""Turn an HTML mail body into readable plain text.

Good enough for tickets, not a renderer: block elements become paragraphs, ``<br>`` a line
break, list items ``- item``, links ``text <url>`` (when the text is not already the url),
``<blockquote>`` content is prefixed with ``> `` so reply splitting sees quotes the same way
as in plain-text mail, ``<hr>`` becomes a separator line. Style, script, head and comments
(including Outlook's conditional comments) are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol",
        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "form", "center", "address", "dl",
        "dt", "dd", "fieldset", "main", "nav", "aside", "figure",
    }
)  # fmt: skip
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre"})
_DROP = frozenset({"style", "script", "head", "title", "template", "xml", "noscript"})


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.line_depth = 0
        self.drop_depth = 0
        self.pre_depth = 0
        self.links: list[tuple[str, int]] = []

    # -- line management -------------------------------------------------
    def _newline(self) -> None:
        self.lines.append("")
        self.line_depth = self.quote_depth

    def _break(self, blank: bool) -> None:
        """End the current line; with blank=True also leave one empty line (paragraph)."""
        if self.lines[-1].strip():
            self._newline()
        if blank and len(self.lines) > 1 and self.lines[-2].strip():
            self._newline()

    def _write(self, text: str) -> None:
        if not self.lines[-1]:
            self.line_depth = self.quote_depth
        self.lines[-1] += text

    # -- parser callbacks ------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.drop_depth += 1
            return
        if self.drop_depth:
            return
        if tag == "br":
            self._newline()
        elif tag == "hr":
            self._break(blank=False)
            self._write("________________________________")
            self._newline()
        elif tag == "blockquote":
            self._break(blank=False)
            self.quote_depth += 1
            self.line_depth = self.quote_depth
        elif tag == "li":
            self._break(blank=False)
            self._write("- ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, len(self.lines[-1])))
        elif tag == "pre":
            self.pre_depth += 1
            self._break(blank=True)
        elif tag in ("td", "th") and self.lines[-1].strip():
            self._write(" ")
        elif tag in _BLOCK:
            self._break(blank=tag in _PARAGRAPH)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.drop_depth = max(0, self.drop_depth - 1)
            return
        if self.drop_depth:
            return
        if tag == "blockquote":
            self._break(blank=False)
            self.quote_depth = max(0, self.quote_depth - 1)
            self.line_depth = self.quote_depth
        elif tag == "a" and self.links:
            href, _start = self.links.pop()
            self._append_link(href)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
            self._break(blank=True)
        elif tag in _BLOCK or tag == "li":
            self._break(blank=tag in _PARAGRAPH)

    def _append_link(self, href: str) -> None:
        if not href or href.startswith(("#", "javascript:", "cid:")):
            return
        target = href[7:] if href.startswith("mailto:") else href
        # Do not repeat a URL the reader already sees as the link text.
        if target and target not in self.lines[-1][-len(target) - 4 :]:
            self._write(f" <{target}>")

    def handle_data(self, data: str) -> None:
        if self.drop_depth:
            return
        if self.pre_depth:
            parts = data.split("\n")
            self._write(parts[0])
            for part in parts[1:]:
                self._newline()
                self._write(part)
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data.replace("\u200b", "").replace("\u200e", ""))
        if not self.lines[-1].strip():
            text = text.lstrip()
        self._write(text)

    def handle_comment(self, data: str) -> None:
        return

    # -- result ------------------------------------------------------------
    def text(self) -> str:
        return self.lines_text()

    def lines_text(self) -> str:
        return "\n".join(self.lines)


class _QuotedTextBuilder(_TextBuilder):
    """Remembers the blockquote depth per line so the output can prefix ``>``."""

    def __init__(self) -> None:
        super().__init__()
        self.depths: list[int] = [0]

    def _newline(self) -> None:
        self.depths[-1] = self.line_depth
        super()._newline()
        self.depths.append(self.quote_depth)

    def lines_text(self) -> str:
        self.depths[-1] = self.line_depth
        out: list[str] = []
        for line, depth in zip(self.lines, self.depths, strict=True):
            line = line.replace("\xa0", " ").rstrip()
            if self.pre_depth == 0:
                line = line.strip() if not line.startswith("    ") else line.rstrip()
            out.append(("> " * depth + line).rstrip() if depth else line)
        return "\n".join(out)


def html_to_text(html: str) -> str:
    """Convert an HTML document or fragment to plain text. Never raises on bad markup."""
    builder = _QuotedTextBuilder()
    try:
        builder.feed(html)
        builder.close()
    except (AssertionError, ValueError):
        # html.parser rejects a few malformed constructs; keep what was parsed so far.
        pass
    text = builder.text()
    text = re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", text)
    return text.strip("\n").strip()
