"""Signed threading tokens: Message-IDs, reply addresses and subject tags."""

from __future__ import annotations

from plugins.inbox.tokens import (
    SIG_CHARS,
    find_task_in_ids,
    format_subject,
    make_message_id,
    make_reply_address,
    parse_reply_address,
    subject_reference,
    verify_message_id,
)

SECRET = "test-secret"


def test_message_id_roundtrip_and_shape() -> None:
    mid = make_message_id(1234, SECRET, "msp.example")
    assert mid.startswith("<atlas.t1234.") and mid.endswith("@msp.example>")
    assert verify_message_id(mid, SECRET) == 1234
    assert verify_message_id(mid.strip("<>"), SECRET) == 1234  # as In-Reply-To stores it
    assert make_message_id(1234, SECRET, "msp.example") != mid  # nonce: unique per mail
    sig = mid.strip("<>").split("@")[0].rsplit(".", 1)[1]
    assert len(sig) == SIG_CHARS


def test_tampered_message_ids_are_rejected() -> None:
    mid = make_message_id(1234, SECRET, "msp.example").strip("<>")
    local, domain = mid.split("@")
    prefix, sig = local.rsplit(".", 1)
    flipped = ("a" if sig[0] != "a" else "b") + sig[1:]
    assert verify_message_id(f"{prefix}.{flipped}@{domain}", SECRET) is None
    # Moving the signature to another task does not work either.
    assert verify_message_id(mid.replace("t1234", "t1235"), SECRET) is None
    assert verify_message_id(mid, "other-secret") is None
    assert verify_message_id("<CAF=abc@mail.gmail.com>", SECRET) is None
    assert verify_message_id(None, SECRET) is None


def test_find_task_in_references() -> None:
    mid = make_message_id(7, SECRET, "msp.example").strip("<>")
    assert find_task_in_ids(["foreign@x", mid, "other@y"], SECRET) == 7
    assert find_task_in_ids(["foreign@x"], SECRET) is None


def test_reply_address_roundtrip_and_tampering() -> None:
    address = make_reply_address(42, SECRET, "support@msp.example")
    assert address.startswith("support+t42.") and address.endswith("@msp.example")
    assert parse_reply_address(address, SECRET) == 42
    assert parse_reply_address(address.upper(), SECRET) == 42  # servers may change case
    assert parse_reply_address(address.replace("+t42.", "+t43."), SECRET) is None
    assert parse_reply_address("support@msp.example", SECRET) is None
    assert parse_reply_address(address, "other") is None
    # A Message-ID signature is not valid as an address signature (distinct purposes).
    mid_sig = make_message_id(42, SECRET, "d").strip("<>").split("@")[0].rsplit(".", 1)[1]
    assert parse_reply_address(f"support+t42.{mid_sig}@msp.example", SECRET) is None


def test_subject_reference_and_format() -> None:
    assert subject_reference("Re: [#1234] Printer") == 1234
    assert subject_reference("Invoice #1234") is None
    assert subject_reference(None) is None
    assert format_subject(1234, "Printer broken") == "[#1234] Printer broken"
    assert format_subject(1234, "RE: AW: [#1234] Printer broken") == "[#1234] Printer broken"
