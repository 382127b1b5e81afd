"""Property tests: the pure mail functions never raise on arbitrary input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.inbox.autoreply import classify_noise
from plugins.inbox.html_text import html_to_text
from plugins.inbox.parsing import ParsedMail, Quarantine, parse_message
from plugins.inbox.reply_text import split_reply

_HEADERISH = st.sampled_from(
    [b"From: a@b.c\r\n", b"Subject: =?utf-8?B?", b"Content-Type: multipart/mixed; boundary=x\r\n",
     b"--x\r\n", b"Content-Transfer-Encoding: base64\r\n", b"\r\n", b"charset=iso-gb2312\r\n",
     b"Content-Type: text/plain; charset=x-unknown\r\n", b"=?iso-2022-jp?q?=1B$B?=", b">"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_HEADERISH, st.binary(max_size=40)), max_size=25))
def test_parse_message_never_raises(chunks: list[bytes]) -> None:
    result = parse_message(b"".join(chunks))
    assert isinstance(result, ParsedMail | Quarantine)
    if isinstance(result, ParsedMail):
        assert classify_noise(result).kind in {"normal", "auto_reply", "bounce", "list", "loop"}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab >-_:\n\r<@.OnwroteFm 2024")), max_size=300))
def test_split_reply_never_raises_and_loses_no_line(text: str) -> None:
    split = split_reply(text)

    def lines(value: str) -> list[str]:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return sorted(line.rstrip() for line in value.split("\n") if line.strip())

    # Every input line ends up in exactly one of the three parts.
    assert lines(text) == sorted(
        lines(split.new_text) + lines(split.quoted) + lines(split.signature)
    )


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/ab=\"'pbrdivlquote &;#x!-")), max_size=200))
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)
