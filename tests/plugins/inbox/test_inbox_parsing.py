"""parse_message: charsets, HTML-only mail, attachments, broken MIME, the whole sisimai set."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from plugins.inbox.parsing import ParsedMail, Quarantine, parse_message

SMTP = email.policy.SMTP


def _parsed(raw: bytes) -> ParsedMail:
    result = parse_message(raw)
    assert isinstance(result, ParsedMail), result
    return result


def _simple(
    subject_header: bytes, body: bytes, ctype: bytes = b"text/plain; charset=utf-8"
) -> bytes:
    return (
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Example.COM>\r\n"
        b"To: support@msp.example, Other <other@msp.example>\r\n"
        b"Cc: boss@example.com\r\n"
        b"Subject: " + subject_header + b"\r\n"
        b"Date: Tue, 03 Dec 2024 10:15:00 +0100\r\n"
        b"Message-ID: <abc.123@example.com>\r\n"
        b"In-Reply-To: <atlas.t1.aa.bb@msp.example>\r\n"
        b"References: <first@x.example>\r\n <atlas.t1.aa.bb@msp.example>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: " + ctype + b"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )


def test_headers_addresses_ids_and_date_are_normalised() -> None:
    mail = _parsed(_simple(b"Printer", b"Hello\r\n"))
    assert mail.from_addr == "juergen@example.com"
    assert mail.from_name == "Jürgen Müller"
    assert mail.to == ["support@msp.example", "other@msp.example"]
    assert mail.cc == ["boss@example.com"]
    assert mail.message_id == "abc.123@example.com"
    assert not mail.message_id_synthesised
    assert mail.in_reply_to == "atlas.t1.aa.bb@msp.example"
    assert mail.references == ["first@x.example", "atlas.t1.aa.bb@msp.example"]
    assert mail.date == datetime(2024, 12, 3, 9, 15, tzinfo=UTC)
    assert mail.date is not None and mail.date.utcoffset() == timedelta(hours=1)
    assert mail.text == "Hello\n"
    assert mail.parse_mode == "default"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"=?iso-8859-1?q?Caf=E9_cr=E8me?=", "Café crème"),
        (b"=?windows-1252?q?=93Quoted=94_=80uro?=", "\u201cQuoted\u201d \u20acuro"),
        (b"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"),
        (b"=?utf-8?b?w7xiZXI=?= =?utf-8?b?IGFsbGVz?=", "über alles"),
        (b"=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Berlin", "Grüße aus Berlin"),
        (b"=?utf-8?B?broken", "=?utf-8?B?broken"),
        (b"=?x-unknown?q?caf=E9?=", "café"),
        (b"=?iso-gb2312?B?1tDOxA==?=", "中文"),
    ],
)
def test_subject_encoded_words_in_any_charset(header: bytes, expected: str) -> None:
    assert _parsed(_simple(header, b"x\r\n")).subject == expected


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        (b"iso-8859-1", "Grüße, café".encode("iso-8859-1"), "Grüße, café"),
        (
            b"windows-1252",
            "\u201csmart\u201d \u20ac5".encode("cp1252"),
            "\u201csmart\u201d \u20ac5",
        ),
        (b"iso-2022-jp", "こんにちは".encode("iso2022_jp"), "こんにちは"),
        (b"utf-8", "Привет".encode(), "Привет"),
        (b"us-ascii", "naïve".encode(), "naïve"),  # 8-bit text mislabelled as ASCII
        (b"iso-gb2312", "中文".encode("gb2312"), "中文"),  # unknown to Python
        (b"unicode-1-1-utf-7", "Hi £".encode("utf-7"), "Hi £"),
    ],
)
def test_body_charsets(charset: bytes, body: bytes, expected: str) -> None:
    mail = _parsed(_simple(b"x", body, b"text/plain; charset=" + charset))
    assert mail.text.strip() == expected


def test_unknown_charset_falls_back_to_compat32() -> None:
    mail = _parsed(_simple(b"x", "中文".encode("gb2312"), b"text/plain; charset=iso-gb2312"))
    assert mail.parse_mode == "compat32"
    assert mail.from_addr == "juergen@example.com"


def test_html_only_mail_becomes_readable_text() -> None:
    html = (
        b"<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        b"<p>Server <b>down</b> since 9:00.</p><ul><li>web01</li><li>web02</li></ul>"
        b'<p>See <a href="https://status.example.com/x">status page</a>.<br>Thanks</p>'
        b"</body></html>"
    )
    mail = _parsed(_simple(b"x", html, b"text/html; charset=utf-8"))
    assert mail.html is not None and "<ul>" in mail.html
    assert mail.text == (
        "Server down since 9:00.\n\n- web01\n- web02\n\n"
        "See status page <https://status.example.com/x>.\nThanks"
    )
    assert "color" not in mail.text and "alert" not in mail.text


def _with_attachments() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ann <ann@customer.example>"
    msg["To"] = "support@msp.example"
    msg["Subject"] = "Screenshot"
    msg.set_content("See attached.\n")
    msg.add_alternative('<p>See <img src="cid:logo@x"> attached.</p>', subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(b"\x89PNG-logo", maintype="image", subtype="png", cid="<logo@x>")
    msg.add_attachment(b"%PDF-1.4 report", maintype="application", subtype="pdf",
                       filename="Bericht März.pdf")  # fmt: skip
    return msg.as_bytes(policy=SMTP)


def test_attachments_and_inline_images() -> None:
    mail = _parsed(_with_attachments())
    assert mail.text.strip() == "See attached."
    by_type = {a.content_type: a for a in mail.attachments}
    assert set(by_type) == {"image/png", "application/pdf"}
    pdf = by_type["application/pdf"]
    assert pdf.filename == "Bericht März.pdf"
    assert pdf.data == b"%PDF-1.4 report" and pdf.size == 15 and not pdf.inline
    assert pdf.sha256 == hashlib.sha256(b"%PDF-1.4 report").hexdigest()
    logo = by_type["image/png"]
    assert logo.content_id == "logo@x" and logo.inline and logo.data == b"\x89PNG-logo"


def test_lines_over_1000_bytes_survive() -> None:
    long_line = ("word " * 1200).strip().encode()
    mail = _parsed(_simple(b"long", long_line + b"\r\nend\r\n"))
    assert len(long_line) > 5000
    assert mail.text.split("\n")[0].encode() == long_line
    assert mail.text.split("\n")[1] == "end"


def test_missing_message_id_is_synthesised_from_raw_hash() -> None:
    raw = b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n"
    mail = _parsed(raw)
    assert mail.message_id_synthesised
    assert mail.message_id.startswith(mail.raw_sha256)
    assert _parsed(raw).message_id == mail.message_id  # stable: idempotent intake key
    assert mail.date is None


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02binary junk", b"just some words\n"])
def test_unusable_input_is_quarantined(raw: bytes) -> None:
    result = parse_message(raw)
    assert isinstance(result, Quarantine)
    assert result.reason and len(result.raw_sha256) == 64


def test_parse_never_raises_on_garbage_mixtures() -> None:
    samples = [
        b"Content-Type: multipart/mixed\r\nFrom: x@y.z\r\n\r\n--\r\n--\r\n",
        b'From: <>\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: multipart/alternative\r\n\r\n--b--",
        b'From: a@b.c\r\nContent-Type: text/plain; charset=""\r\nContent-Transfer-Encoding: '
        b"base64\r\n\r\n!!!notbase64###\r\n",
        b"From: a@b.c\r\nSubject: =?utf-8?q?=ZZ?=\r\nDate: yesterday-ish\r\n\r\nx",
    ]
    for raw in samples:
        result = parse_message(raw)
        assert isinstance(result, ParsedMail | Quarantine)


# -- the real corpus -----------------------------------------------------------------------


def _sisimai_files(mail_corpora: Path) -> list[Path]:
    root = mail_corpora / "sisimai-set-of-emails"
    return sorted((root / "maildir").glob("*/*.eml")) + sorted((root / "mailbox").glob("*"))


def _default_policy_raises(raw: bytes) -> bool:
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            if not part.is_multipart():
                part.get_content()
        list(msg.iter_attachments())
    except Exception:
        return True
    return False


def test_whole_sisimai_set_parses_without_exception(mail_corpora: Path) -> None:
    files = _sisimai_files(mail_corpora)
    assert len(files) > 800
    quarantined = []
    for path in files:
        result = parse_message(path.read_bytes())
        if isinstance(result, Quarantine):
            quarantined.append(path.name)
        else:
            assert result.raw_sha256 and result.message_id
    # Only the mailbox size-0/1/2 files (0-3 bytes) are not mail.
    assert sorted(quarantined) == ["size-0", "size-1", "size-2"]


def test_messages_that_break_policy_default_still_parse(mail_corpora: Path) -> None:
    breakers = [p for p in _sisimai_files(mail_corpora) if p.suffix == ".eml"
                and _default_policy_raises(p.read_bytes())]  # fmt: skip
    names = {p.name for p in breakers}
    assert {"lhost-office365-09.eml", "rfc3464-04.eml", "lhost-sendgrid-01.eml"} <= names
    assert len(breakers) >= 15
    for path in breakers:
        mail = _parsed(path.read_bytes())
        assert mail.text.strip(), path.name  # the bounce text is recovered, not lost


def test_cr_only_mac_files_parse_like_unix_ones(mail_corpora: Path) -> None:
    maildir = mail_corpora / "sisimai-set-of-emails" / "maildir"
    for name in ("lhost-ezweb-01.eml", "rhost-cox-01.eml", "lhost-exim-01.eml"):
        mac, bsd = (
            _parsed((maildir / "mac" / name).read_bytes()),
            _parsed((maildir / "bsd" / name).read_bytes()),
        )
        assert (mac.subject, mac.from_addr, mac.message_id) == (
            bsd.subject,
            bsd.from_addr,
            bsd.message_id,
        )


def test_missing_boundary_parameter_on_next_line_is_repaired(mail_corpora: Path) -> None:
    path = mail_corpora / "sisimai-set-of-emails" / "maildir" / "bsd" / "lhost-apachejames-01.eml"
    mail = _parsed(path.read_bytes())
    assert "no such user here" in mail.text


def test_memoised_policy_parses_exactly_like_policy_default(
    mail_corpora: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plugins.inbox.parsing as parsing

    files = _sisimai_files(mail_corpora)
    raws = [p.read_bytes() for p in files]
    # twice through the cache: the second pass is served from memoised header objects
    memoised = [parse_message(raw) for raw in raws + raws]
    monkeypatch.setattr(parsing, "DEFAULT_POLICY", email.policy.default)
    plain = [parse_message(raw) for raw in raws]
    assert memoised[: len(raws)] == plain
    assert memoised[len(raws) :] == plain
    assert sum(1 for r in plain if isinstance(r, ParsedMail) and r.parse_mode == "default") > 500
