"""split_reply against the talon and discourse corpora and the common client styles."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.inbox.html_text import html_to_text
from plugins.inbox.parsing import ParsedMail, parse_message
from plugins.inbox.reply_text import split_reply

TARGET = 0.90
HTML_EXPECTED = "Hi. I am fine.\n\nThanks,\nAlex"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _rate(name: str, results: list[tuple[str, str, str]]) -> float:
    failures = [(f, got, exp) for f, got, exp in results if _norm(got) != _norm(exp)]
    for f, got, exp in failures:
        print(f"[{name}] FAIL {f}\n  got: {got[:200]!r}\n  exp: {exp[:200]!r}")
    rate = 1 - len(failures) / len(results)
    print(f"[{name}] {len(results) - len(failures)}/{len(results)} = {rate:.1%}")
    return rate


def test_talon_standard_replies(mail_corpora: Path) -> None:
    # Talon counts the signature as part of the reply ("Hello\n\nSent from my iPhone"),
    # so compare SplitReply.reply (new text + signature).
    results = []
    for path in sorted((mail_corpora / "talon" / "standard_replies").glob("*.eml")):
        expected_file = path.with_name(path.stem + "_reply_text")
        expected = expected_file.read_text() if expected_file.exists() else "Hello"
        parsed = parse_message(path.read_bytes())
        assert isinstance(parsed, ParsedMail)
        results.append((path.name, split_reply(parsed.text).reply, expected))
    assert len(results) >= 12
    assert _rate("talon standard", results) >= TARGET


def test_talon_html_replies(mail_corpora: Path) -> None:
    results = []
    for path in sorted((mail_corpora / "talon" / "html_replies").glob("*.html")):
        text = html_to_text(path.read_text(encoding="utf-8", errors="replace"))
        results.append((path.name, split_reply(text).reply, HTML_EXPECTED))
    assert len(results) >= 9
    assert _rate("talon html", results) >= TARGET


def test_discourse_trimmer_corpus(mail_corpora: Path) -> None:
    root = mail_corpora / "discourse-email_reply_trimmer"
    results = []
    for path in sorted((root / "emails").glob("*.txt")):
        expected = (root / "trimmed" / path.name).read_text(encoding="utf-8")
        results.append(
            (path.name, split_reply(path.read_text(encoding="utf-8")).new_text, expected)
        )
    assert len(results) == 64
    assert _rate("discourse", results) >= TARGET


@pytest.mark.parametrize(
    ("body", "new_text"),
    [
        # Outlook with separator line and header block
        (
            "Fixed now.\n\n________________________________\nFrom: Bob <b@x.com>\nSent: Monday, "
            "May 6, 2024 9:00 AM\nTo: Support\nSubject: Printer\n\nIt is broken.",
            "Fixed now.",
        ),
        # Outlook header block without separator, bold markers
        ("Done\n\n*From:* Bob\n*Sent:* 2024-05-06\n*To:* help@msp\n*Subject:* x\n\nold", "Done"),
        # Outlook original message marker
        (
            "Yes please.\n\n-----Original Message-----\nFrom: a@b.c\nSent: today\n\nold",
            "Yes please.",
        ),
        # Gmail
        ("Thanks!\n\nOn Mon, 6 May 2024 at 09:00, Bob <bob@x.com> wrote:\n\n> old text", "Thanks!"),
        # Gmail wrapping the attribution over two lines
        ("Ok\n\nOn Mon, May 6, 2024 at 9:00 AM Some Body <\nsome.body@x.com> wrote:\n> old", "Ok"),
        # Apple Mail
        ("Great\n\n> On 6 May 2024, at 09:00, Bob <bob@x.com> wrote:\n>\n> old", "Great"),
        # German and French clients
        ("Danke\n\nAm 06.05.2024 um 09:00 schrieb Bob <bob@x.com>:\n> alt", "Danke"),
        ("Merci\n\nLe lun. 6 mai 2024 à 09:00, Bob <bob@x.com> a écrit :\n> ancien", "Merci"),
        # Plain > quoting after the reply
        ("New text\n\n> quoted\n> more", "New text"),
        # Forwarded message at the top keeps the forwarded content
        (
            "---------- Forwarded message ---------\nFrom: A <a@x.com>\nDate: Mon, May 6, 2024\n"
            "Subject: Disk full\nTo: b@x.com\n\nServer disk is full.",
            "Server disk is full.",
        ),
    ],
)
def test_client_quoting_styles(body: str, new_text: str) -> None:
    assert split_reply(body).new_text == new_text


def test_signature_and_mobile_footer_are_separated() -> None:
    split = split_reply("Please reboot.\n\nSent from my iPhone\n\nOn 6 May 2024, Bob wrote:\n> x")
    assert split.new_text == "Please reboot."
    assert split.signature == "Sent from my iPhone"
    assert split.quoted.startswith("On 6 May 2024, Bob wrote:")
    dashes = split_reply("Call me.\n\n-- \nAnn Example\nACME Ltd\n+1 555 0100")
    assert dashes.new_text == "Call me."
    assert dashes.signature == "-- \nAnn Example\nACME Ltd\n+1 555 0100".replace("-- ", "--")


@pytest.mark.parametrize(
    "body",
    [
        "On Monday I wrote the migration script and it works.\nFrom: the logs it looks fine.",
        "Printer on floor 2 is broken.\nSubject: see ticket title\nThanks,\nAnn",
        "Steps:\n- reboot\n- check\n\n```\n####\n# config\n```\nDone",
    ],
)
def test_ordinary_text_is_left_alone(body: str) -> None:
    split = split_reply(body)
    assert split.new_text == body
    assert split.quoted == "" and split.signature == ""


def test_inline_reply_keeps_quotes_and_answers() -> None:
    body = "See below.\n\nOn Mon, 6 May 2024, Bob <b@x.com> wrote:\n> Is it down?\n\nYes, since 9."
    split = split_reply(body)
    assert "Yes, since 9." in split.new_text and "> Is it down?" in split.new_text


def _unguarded_is_attribution(line: str) -> bool:
    """is_attribution as first written, without the cheap guards (reference)."""
    import re

    from plugins.inbox import reply_patterns as rp

    text = line.strip()
    if not text or len(text) > 400:
        return False
    if rp.FORWARD_MARKERS.match(text) or rp._ISO_DATE_GMT.match(text):
        return True
    if rp.ON_WROTE.match(text) and re.search(r"\d", text):
        return True
    if rp._VIA_WROTE.match(text) or rp._EMAIL_WROTE.match(text) or rp._RU_USER_WROTE.match(text):
        return True
    if rp.ENDS_WROTE.search(text) and (rp._YEAR.search(text) or rp._EMAIL_IN_BRACKETS.search(text)):
        return True
    ends = text.rstrip("-* ")
    return bool(
        rp._YEAR.search(text)
        and rp._EMAIL_IN_BRACKETS.search(text)
        and (ends.endswith(":") or ends.endswith(">") or ends.endswith("&gt;"))
        and not text.startswith(">")
        and len(text) < 200
    )


def test_guarded_line_patterns_answer_like_unguarded_ones(mail_corpora: Path) -> None:
    from plugins.inbox import reply_patterns as rp

    paths = [
        *sorted((mail_corpora / "talon" / "standard_replies").glob("*.eml")),
        *sorted((mail_corpora / "discourse-email_reply_trimmer" / "emails").glob("*.txt")),
    ]
    lines = {line for path in paths for line in path.read_text("utf-8", "replace").splitlines()}
    assert len(lines) > 900
    hits = 0
    for line in lines:
        expected = _unguarded_is_attribution(line)
        assert rp.is_attribution(line) == expected, line
        hits += expected
        bare = rp._URLS.sub(lambda m: m.group(1) or "", line).strip()
        mobile = 0 < len(bare) <= 80 and rp.MOBILE_SIGNATURE.match(bare) is not None
        assert rp.is_mobile_signature(line) == mobile, line
    assert hits > 50
