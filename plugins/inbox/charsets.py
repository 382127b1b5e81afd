"""Decode mail bytes and RFC 2047 header words under the charset labels real mail carries.

Real senders label text with names Python's codec registry does not know (``iso-gb2312``,
``x-unknown``, ``uft-8``, ``unicode-1-1-utf-7``), label 8-bit text as ``us-ascii``, and
break encoded words across lines. Everything here degrades to a readable string instead of
raising: a ticket with one mojibake word beats a lost ticket.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

# Labels seen on real mail that the codec registry lacks or maps to a narrower codec.
# gb2312 and gbk text is routinely gb18030 in practice, so decode with the superset.
_ALIASES: dict[str, str] = {
    "iso-gb2312": "gb18030",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-1-1-utf-7": "utf-7",
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "x-utf-8": "utf-8",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "ansi_x3.4-1968": "ascii",
    "iso-2022-jp-ms": "iso2022_jp_ext",
    "cp-850": "cp850",
    "latin1": "latin-1",
}

# Mail labelled ISO-2022-JP often carries half-width katakana or JIS X 0212: retry wider codecs.
_WIDER: dict[str, tuple[str, ...]] = {"iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2")}

# Labels that say "no idea": decode by guessing instead of failing on the label.
_UNKNOWN_LABELS = frozenset({"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default"})


def resolve_charset(label: str | None) -> str | None:
    """Return a Python codec name for a MIME charset label, or None if it is unusable.

    >>> resolve_charset('ISO-GB2312')
    'gb18030'
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    # Quoted-printable bodies sometimes leak "3D" into the parameter (charset=3Dutf-8).
    if name.startswith("3d"):
        name = name[2:]
    if not name or name in _UNKNOWN_LABELS:
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Decode body or header bytes, trying the declared charset, then UTF-8, then cp1252.

    Never raises. Text declared as ``us-ascii`` but holding 8-bit bytes is decoded as UTF-8
    when that is valid, because that is what such senders mean almost every time.
    """
    codec = resolve_charset(label)
    candidates: list[str] = []
    if codec and codec != "ascii":
        candidates.append(codec)
        candidates.extend(_WIDER.get(codec, ()))
    candidates += ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


_ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?\s]+?)(?:\*[^?\s]*)?\?(?P<enc>[bBqQ])\?(?P<text>[^?\s]*?)\?=",
)
_BETWEEN_WORDS = re.compile(r"\A[ \t\r\n]+\Z")


def _decode_word(charset: str, enc: str, text: str) -> str | None:
    try:
        if enc.lower() == "b":
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded, validate=False)
        else:
            raw = quopri.decodestring(text.replace("_", " ").encode("ascii"), header=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return decode_bytes(raw, charset)


def decode_header_text(value: str | bytes | None) -> str:
    """Decode RFC 2047 encoded words in a header value and unfold it into one line.

    Broken or undecodable words are kept verbatim. Whitespace between two adjacent encoded
    words is dropped, as RFC 2047 section 6.2 requires. Raw 8-bit header bytes (common from
    Asian webmail) are decoded as UTF-8 or cp1252.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = decode_bytes(value)
    # The email package keeps undecodable 8-bit header bytes as surrogate escapes.
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"))
    value = re.sub(r"\r?\n[ \t]*", " ", value)
    out: list[str] = []
    pos = 0
    last_was_word = False
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        decoded = _decode_word(match["charset"], match["enc"], match["text"])
        if decoded is None:
            out.append(gap + match.group(0))
            last_was_word = False
        else:
            if not (last_was_word and _BETWEEN_WORDS.match(gap)):
                out.append(gap)
            out.append(decoded)
            last_was_word = True
        pos = match.end()
    out.append(value[pos:])
    return "".join(out).strip()
