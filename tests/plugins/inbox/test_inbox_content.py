"""Real-world content through the running hub: charsets, HTML-only mail, attachments,
client quoting styles, over-long lines and mail that makes ``policy.default`` raise."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from inbox_helpers import deliver, rows, wait_for

from hub.files import ContentStore
from hub.runtime import Hub
from plugins.inbox.parsing import ParsedMail, parse_message


def _raw(headers: str, body: bytes, ctype: str, cte: str = "8bit") -> bytes:
    head = (
        "From: Kunde <kunde@example.org>\r\nTo: support@msp.example\r\n"
        f"{headers}Content-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n"
        "MIME-Version: 1.0\r\n\r\n"
    )
    return head.encode("ascii") + body


CHARSET_CASES = [
    (
        _raw(
            "Subject: =?iso-8859-1?q?Drucker_f=E4llt_aus?=\r\nMessage-ID: <l1@x>\r\n",
            "Grüße aus Köln".encode("iso-8859-1"),
            "text/plain; charset=iso-8859-1",
        ),
        "Drucker fällt aus",
        "Grüße aus Köln",
    ),
    (
        _raw(
            "Subject: =?windows-1252?q?=93Quotes=94_=80_sign?=\r\nMessage-ID: <w1@x>\r\n",
            "Kosten: 5 € - “dringend”".encode("windows-1252"),
            "text/plain; charset=windows-1252",
        ),
        "“Quotes” € sign",
        "Kosten: 5 € - “dringend”",
    ),
    (
        _raw(
            "Subject: =?ISO-2022-JP?B?GyRCJTUhPCVQJE4lKCVpITwbKEI=?=\r\nMessage-ID: <j1@x>\r\n",
            "サーバーのエラーです".encode("iso-2022-jp"),
            "text/plain; charset=iso-2022-jp",
            "7bit",
        ),
        "サーバのエラー",
        "サーバーのエラーです",
    ),
    (
        _raw(
            "Subject: =?utf-8?b?0J/RgNC40L3RgtC10YAg0L3QtSDRgNCw0LHQvtGC0LDQtdGC?=\r\n"
            "Message-ID: <u1@x>\r\n",
            "Принтер сломан".encode(),
            "text/plain; charset=utf-8",
        ),
        "Принтер не работает",
        "Принтер сломан",
    ),
]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_charsets_html_attachments_and_quoting(hub: Hub, corpora: Path) -> None:
    for raw, _, _ in CHARSET_CASES:
        assert await deliver(hub, raw) == 250
    html = EmailMessage()
    html["From"], html["To"], html["Subject"] = "a@b.example", "support@msp.example", "HTML only"
    html["Message-ID"] = "<h1@x>"
    html.set_content("<p>Hello <b>team</b>,</p><p>the VPN is down.</p>", subtype="html")
    att = EmailMessage()
    att["From"], att["To"], att["Subject"] = "c@d.example", "support@msp.example", "Logs"
    att["Message-ID"] = "<a1@x>"
    att.set_content("See attached.")
    att.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="log.pdf")
    att.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="shot.png")
    for msg in (html, att):
        assert await deliver(hub, msg) == 250
    talon = corpora / "mail" / "talon" / "standard_replies"
    styles = {"gmail": "gmail.eml", "outlook": "outlook.eml", "apple": "apple_mail_2.eml"}
    sent_styles = {}
    for style, name in styles.items():
        path = talon / name
        if path.exists():
            assert await deliver(hub, path.read_bytes()) == 250
            sent_styles[style] = path
    total = len(CHARSET_CASES) + 2 + len(sent_styles)

    async def all_rows() -> list[dict[str, Any]] | None:
        found = await rows()
        return found if len(found) == total else None

    by_mid = {r["message_id"]: r for r in await wait_for(all_rows, what=f"{total} rows")}
    for (_, subject, body), mid in zip(
        CHARSET_CASES, ["l1@x", "w1@x", "j1@x", "u1@x"], strict=True
    ):
        row = by_mid[mid]
        assert row["status"] == "inbox"
        assert row["body"] == body
        assert subject.split()[0][:3] in row["subject"]
    assert by_mid["l1@x"]["subject"] == "Drucker fällt aus"
    h = by_mid["h1@x"]
    assert "Hello team" in h["body"] and "the VPN is down." in h["body"] and "<b>" not in h["body"]
    a = by_mid["a1@x"]
    store = ContentStore(hub.settings.files_dir)
    stored = msgspec.json.decode(a["attachments"])
    assert [s["filename"] for s in stored] == ["log.pdf", "shot.png"]
    assert store.open(stored[0]["sha256"]) == b"%PDF-1.4 fake"
    assert store.exists(a["raw_sha256"])  # the raw mail, kept as received
    for path in sent_styles.values():
        expected_file = path.parent / f"{path.stem}_reply_text"
        expected = expected_file.read_text().strip() if expected_file.exists() else "Hello"
        parsed = parse_message(path.read_bytes())
        assert isinstance(parsed, ParsedMail)
        row = next(r for r in by_mid.values() if r["subject"] == parsed.subject)
        assert row["body"].strip() == expected
        assert row["quoted"].strip()  # the history is kept apart, not dropped


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_long_lines_and_policy_default_breakers_are_stored_not_refused(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    long_line = ("x" * 5000).encode()
    raw = _raw("Subject: long\r\nMessage-ID: <long@x>\r\n", long_line, "text/plain")
    assert await deliver(hub, raw) == 250
    # an unknown charset name makes policy.default's get_content() raise
    breaker = _raw(
        "Subject: charset\r\nMessage-ID: <gb@x>\r\n",
        "中文".encode("gb2312"),
        "text/plain; charset=iso-gb2312",
    )
    assert await deliver(hub, breaker) == 250
    garbage = b"\x00\x01 not mail at all \xff" * 10
    assert await deliver(hub, garbage) == 250

    async def three() -> list[dict[str, Any]] | None:
        found = await rows()
        return found if len(found) == 3 else None

    found = await wait_for(three, what="3 rows")
    long_row = next(r for r in found if r["message_id"] == "long@x")
    assert long_row["body"] == "x" * 5000
    breaker_row = next(r for r in found if r["message_id"] == "gb@x")
    assert breaker_row["parse_mode"] == "compat32" and breaker_row["status"] == "inbox"
    assert breaker_row["body"] == "中文"
    quarantined = next(r for r in found if r["status"] == "quarantined")
    assert quarantined["quarantine_reason"] == "no mail header block found"
    r = await client.get("/api/v1/inbox/quarantine", headers=keys.admin_h)
    assert r.status_code == 200
    listed = r.json()["items"]
    assert [i["quarantine_reason"] for i in listed] == ["no mail header block found"]
    detail = (await client.get(f"/api/v1/inbox/{listed[0]['id']}", headers=keys.admin_h)).json()
    assert ContentStore(hub.settings.files_dir).open(detail["raw_sha256"]).startswith(b"\x00")
