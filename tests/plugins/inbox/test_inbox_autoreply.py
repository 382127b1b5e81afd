"""classify_noise over the whole sisimai set, built messages, and the sender rate limiter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.inbox.autoreply import SenderRateLimiter, classify_noise
from plugins.inbox.parsing import ParsedMail, parse_message


def _parse(raw: bytes) -> ParsedMail:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMail)
    return parsed


def _mail(headers: str, body: str = "Hello\r\n") -> ParsedMail:
    base = "To: support@msp.example\r\nMessage-ID: <m1@x.example>\r\n"
    return _parse((base + headers.replace("\n", "\r\n") + "\r\n" + body).encode())


def test_every_sisimai_bounce_and_auto_reply_is_noise(mail_corpora: Path) -> None:
    root = mail_corpora / "sisimai-set-of-emails"
    expected = json.loads((root / "expected.json").read_text())
    maildir = root / "maildir"
    noisy = [p for p in sorted(maildir.glob("*/*.eml")) if p.parent.name != "not"]
    assert len(noisy) > 800
    assert all((maildir / key).exists() for key in expected)
    normal = []
    kinds: dict[str, int] = {}
    for path in noisy:
        verdict = classify_noise(_parse(path.read_bytes()))
        kinds[verdict.kind] = kinds.get(verdict.kind, 0) + 1
        if verdict.kind == "normal":
            normal.append(f"{path.parent.name}/{path.name}")
        else:
            assert verdict.reasons
    print(f"sisimai verdicts over {len(noisy)} files: {kinds}")
    assert normal == []
    for name in (f for f in expected if "rfc3834" in f):
        assert classify_noise(_parse((maildir / name).read_bytes())).kind == "auto_reply"


def test_sisimai_not_folder(mail_corpora: Path) -> None:
    # is-not-bounce-01/02 are ordinary mail (one forwards a message as an attachment);
    # rb-issue-368-bug.eml is a real postmaster bounce that sisimai once missed (its
    # issue 368), so it must be caught here.
    folder = mail_corpora / "sisimai-set-of-emails" / "maildir" / "not"
    verdicts = {p.name: classify_noise(_parse(p.read_bytes())).kind for p in folder.glob("*.eml")}
    assert verdicts == {
        "is-not-bounce-01.eml": "normal",
        "is-not-bounce-02.eml": "normal",
        "rb-issue-368-bug.eml": "bounce",
    }


def test_talon_replies_from_people_are_normal(mail_corpora: Path) -> None:
    for path in sorted((mail_corpora / "talon" / "standard_replies").glob("*.eml")):
        verdict = classify_noise(_parse(path.read_bytes()))
        assert verdict.kind == "normal", (path.name, verdict.reasons)


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ("From: Ann <ann@c.example>\nSubject: Printer broken\n", "normal"),
        ("From: ann@c.example\nSubject: Re: undeliverable invoice\n", "normal"),
        ("From: ann@c.example\nAuto-Submitted: no\nSubject: x\n", "normal"),
        ("From: ann@c.example\nAuto-Submitted: auto-replied\nSubject: x\n", "auto_reply"),
        ("From: ann@c.example\nX-Autoreply: yes\nSubject: x\n", "auto_reply"),
        ("From: ann@c.example\nX-Autorespond: x\nSubject: x\n", "auto_reply"),
        ("From: ann@c.example\nX-Auto-Response-Suppress: All\nSubject: x\n", "auto_reply"),
        ("From: ann@c.example\nPrecedence: bulk\nSubject: x\n", "auto_reply"),
        ("From: ann@c.example\nPrecedence: junk\nSubject: x\n", "auto_reply"),
        ("From: ann@c.example\nSubject: Automatic reply: Printer\nReturn-Path: <>\n", "auto_reply"),
        ("From: ann@c.example\nPrecedence: list\nSubject: x\n", "list"),
        ("From: ann@c.example\nList-Id: <ops.lists.example>\nSubject: x\n", "list"),
        ("From: news@c.example\nList-Unsubscribe: <mailto:u@c.example>\nSubject: x\n", "list"),
        (
            "From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n",
            "bounce",
        ),
        ("From: postmaster@mx.example\nSubject: x\n", "bounce"),
        ("From: ann@c.example\nX-Failed-Recipients: bob@x\nSubject: x\n", "bounce"),
        (
            "From: ann@c.example\nSubject: x\nContent-Type: multipart/report; "
            "report-type=delivery-status; boundary=b\n",
            "bounce",
        ),
        ("From: support@msp.example\nSubject: x\n", "loop"),
        ("From: ann@c.example\nX-Atlas-Hub: 1\nSubject: x\n", "loop"),
    ],
)
def test_header_rules(headers: str, kind: str) -> None:
    verdict = classify_noise(_mail(headers), own_addresses=["support@msp.example"])
    assert verdict.kind == kind, verdict.reasons
    assert bool(verdict.reasons) == (kind != "normal")


def test_message_delivery_status_part_is_a_bounce() -> None:
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\n"
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; x@y\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    mail = _mail(
        "From: ops@c.example\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n", body
    )
    verdict = classify_noise(mail)
    assert verdict.kind == "bounce"
    assert "contains a message/delivery-status part" in verdict.reasons


def test_rate_limiter_sliding_window() -> None:
    now = [1000.0]
    limiter = SenderRateLimiter(max_messages=3, window_seconds=60, clock=lambda: now[0])
    assert [limiter.hit("Loop@X.example") for _ in range(3)] == [True, True, True]
    assert limiter.hit("loop@x.example") is False  # case-insensitive sender key
    assert limiter.hit("other@x.example") is True  # per sender
    now[0] += 30
    assert limiter.hit("loop@x.example") is False  # still flooding inside the window
    now[0] += 61
    assert limiter.count("loop@x.example") == 0
    assert limiter.hit("loop@x.example") is True  # a quiet window resets it


def test_rate_limiter_forgets_idle_senders() -> None:
    now = [0.0]
    limiter = SenderRateLimiter(max_messages=1, window_seconds=10, clock=lambda: now[0])
    for i in range(50):
        limiter.hit(f"s{i}@x.example")
    assert len(limiter) == 50
    now[0] = 100.0
    limiter.hit("new@x.example")
    assert len(limiter) == 1
    with pytest.raises(ValueError):
        SenderRateLimiter(max_messages=0)
