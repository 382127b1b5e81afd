"""Split a plain-text mail body into the new text, the quoted history and the signature.

Each line is classified (empty, text, ``>`` quote, attribution such as "On ... wrote:" or
"-----Original Message-----", quoted header such as "From:"/"Sent:", separator, mobile
signature), then one pass decides where the new text ends:

* a separator line ends it; after ``-- `` the rest (up to any quote) is the signature,
  after any other separator ("____", "-----") the rest is quoted history;
* an attribution ends it, unless unquoted text follows the quote it introduces (an inline
  or bottom-posted reply), in which case only the attribution line is dropped;
* a block of at least three quoted headers (Outlook's From/Sent/To/Subject) ends it;
* "Sent from my iPhone"-style lines move to the signature;
* trailing ``>`` quotes are dropped once there is some text.

A body that *starts* with an attribution, forward marker or header block (a forwarded
message, or a reply written below the quote) keeps what follows it. Sign-offs such as
"Thanks, Alex" stay in the new text: both reference corpora count them as part of the
reply. Lines inside ``` fences are always text.
"""

from __future__ import annotations

import re

import msgspec

from plugins.inbox.reply_patterns import (
    ATTRIBUTION_START,
    DELIMITER,
    QUOTED_HEADER,
    SIGNATURE_DASHES,
    is_attribution,
    is_mobile_signature,
)

EMPTY, TEXT, QUOTE, ATTRIB, HEADER, DELIM, MOBILE = "e", "t", "q", "b", "h", "d", "s"
_MAX_ATTRIBUTION_LINES = 6
# Supercite-style quoting with the author's initials: "C> quoted text".
_SUPERCITE = re.compile(r"^\s*[A-Za-z]{1,3}>(?:\s|$)")


class SplitReply(msgspec.Struct, frozen=True):
    """The parts of a reply. ``reply`` is new text plus signature (all the sender wrote)."""

    new_text: str
    quoted: str
    signature: str

    @property
    def reply(self) -> str:
        """New text followed by the signature, as reply-extraction corpora define it."""
        return "\n\n".join(p for p in (self.new_text, self.signature) if p)


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">") or _SUPERCITE.match(line) is not None


def _classify(line: str, in_code: bool) -> str:
    if in_code:
        return TEXT
    stripped = line.strip()
    if not stripped:
        return EMPTY
    if DELIMITER.match(line):
        return DELIM
    if is_mobile_signature(line):
        return MOBILE
    if is_attribution(line):
        return ATTRIB
    if ":" in line and QUOTED_HEADER.match(line):
        return HEADER
    if _is_quote(line):
        return QUOTE
    return TEXT


def _join_attributions(lines: list[str], kinds: list[str]) -> None:
    """Mark attributions that a client wrapped over several lines (in place)."""
    for i, line in enumerate(lines):
        if kinds[i] not in (TEXT, QUOTE) or not ATTRIBUTION_START.match(line):
            continue
        joined = line.strip()
        for j in range(i + 1, min(i + _MAX_ATTRIBUTION_LINES, len(lines))):
            joined += " " + lines[j].strip().lstrip(">").strip()
            if is_attribution(joined) and (kinds[j] != ATTRIB or j == i + 1):
                for k in range(i, j + 1):
                    kinds[k] = ATTRIB
                break


def _header_block_end(kinds: list[str], start: int) -> int | None:
    """End (exclusive) of a block of >= 3 quoted headers starting at ``start``, else None."""
    count, i, gap = 0, start, 0
    while i < len(kinds):
        if kinds[i] == HEADER:
            count += 1
            gap = 0
        elif kinds[i] in (TEXT, EMPTY) and count and gap == 0 and kinds[i - 1] == HEADER:
            gap += 1  # a wrapped header value ("Subject: a long\nsubject") or one blank line
        else:
            break
        i += 1
    while i > start and kinds[i - 1] != HEADER:
        i -= 1
    return i if count >= 3 else None


def _skip_leading_history(kinds: list[str]) -> int:
    """Index where the new text starts when the body opens with a forward or a quote."""
    i = 0
    while i < len(kinds) and kinds[i] == EMPTY:
        i += 1
    opened = False
    while i < len(kinds) and kinds[i] in (ATTRIB, DELIM):
        opened, i = True, i + 1
    block_end = _header_block_end(kinds, i)
    if block_end is not None:
        opened, i = True, block_end
    if not opened:
        return 0
    while i < len(kinds) and kinds[i] in (EMPTY, QUOTE, ATTRIB):
        i += 1
    return i


def _text_follows_quote(kinds: list[str], start: int) -> bool:
    """After an attribution at ``start``: does a quote come, then unquoted text?"""
    i = start + 1
    while i < len(kinds) and kinds[i] == EMPTY:
        i += 1
    if i >= len(kinds) or kinds[i] != QUOTE:
        return False
    while i < len(kinds) and kinds[i] in (QUOTE, EMPTY):
        i += 1
    return i < len(kinds) and kinds[i] == TEXT


def split_reply(text: str) -> SplitReply:
    """Split ``text`` into new text, quoted history and signature. Never raises."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kinds: list[str] = []
    in_code = False
    for line in lines:
        fence = line.strip().startswith("```")
        kinds.append(TEXT if fence else _classify(line, in_code))
        in_code ^= fence
    _join_attributions(lines, kinds)

    start = _skip_leading_history(kinds)
    new: list[str] = []
    signature: list[str] = []
    quoted: list[str] = list(lines[:start])
    in_signature = False
    i = start
    while i < len(lines):
        kind = kinds[i]
        if kind == DELIM and not in_signature:
            if SIGNATURE_DASHES.match(lines[i]):
                in_signature = True
                signature.append(lines[i])
                i += 1
                continue
            break
        if kind == ATTRIB:
            if _text_follows_quote(kinds, i) and not in_signature:
                quoted.append(lines[i])
                i += 1
                continue
            break
        if kind == HEADER and _header_block_end(kinds, i) is not None:
            break
        if kind == QUOTE and in_signature:
            break
        if kind == MOBILE or in_signature:
            signature.append(lines[i])
        else:
            new.append(lines[i])
        i += 1
    quoted.extend(lines[i:])

    # Trailing quotes belong to the history once the sender wrote something.
    tail = len(new)
    while tail and not new[tail - 1].strip():
        tail -= 1
    body_end = tail
    while body_end and (not new[body_end - 1].strip() or _is_quote(new[body_end - 1])):
        body_end -= 1
    if body_end and body_end < tail:
        quoted = new[body_end:tail] + quoted
        new = new[:body_end]

    return SplitReply(
        new_text=_tidy(new),
        quoted=_tidy(quoted),
        signature=_tidy(signature),
    )


def _tidy(lines: list[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return text.strip("\n")
