"""CSV and JSON exports round-trip; webhook signatures."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from datetime import date
from decimal import Decimal

import msgspec
import pytest

from plugins.billing.csv_export import COLUMNS, read_lines, to_csv
from plugins.billing.drafting import draft_invoice
from plugins.billing.json_export import from_json, sign, to_json, verify
from plugins.billing.model import AgreementRow, InvoiceDraft, TaxCategory
from plugins.billing.money import RoundingRule

from .builders import MAY, make_customer, make_entry, make_rate_card

D = Decimal


def invoice() -> InvoiceDraft:
    block = AgreementRow(
        id="b1",
        customer_id="c1",
        name='Block "10h", prepaid',
        kind="block_hours",
        starts_on=date(2024, 5, 1),
        hours_total=D("0.5"),
        price=D("45.00"),
    )
    entries = [
        make_entry("e1", minutes=50, description="Toner; reset"),
        make_entry("e2", minutes=5, task_id="t2", task_title="Line1\nLine2, with comma"),
    ]
    draft = draft_invoice(
        make_customer(),
        MAY,
        entries,
        [],
        [],
        [block],
        make_rate_card(),
        rounding=RoundingRule(6, "up"),
    )
    return msgspec.structs.replace(draft, number="INV-9")


def test_csv_has_stable_header_and_plain_decimals() -> None:
    text = to_csv(invoice())
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + 3
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["description"] == 'Block "10h", prepaid: block of 0.5 hours'
    assert (first["quantity"], first["unit_price"], first["net_amount"]) == ("1", "45.00", "45.00")
    time_row = dict(zip(COLUMNS, rows[2], strict=True))
    # 50 min -> 54 min; 30 min drawn from the block, 24 min = 0.4 h billed
    assert (time_row["source_ids"], time_row["quantity"], time_row["net_amount"]) == (
        "e1",
        "0.4000",
        "38.00",
    )
    assert (time_row["tax_category"], time_row["tax_rate"], time_row["tax_amount"]) == (
        "S",
        "21",
        "7.98",
    )
    assert "E" not in "".join(r[9] + r[11] + r[12] for r in rows[1:])  # no exponent notation


def test_csv_round_trip_gives_back_the_lines() -> None:
    draft = invoice()
    lines = read_lines(to_csv(draft))
    assert lines == [
        msgspec.structs.replace(
            line, tax_category=TaxCategory(code=line.tax_category.code, rate=line.tax_category.rate)
        )
        for line in draft.lines
    ]
    assert lines[2].description == "Line1\nLine2, with comma: Remote support"
    with pytest.raises(ValueError, match="header"):
        read_lines("a,b\n1,2\n")


def test_json_round_trip_keeps_decimals_as_strings() -> None:
    draft = invoice()
    body = to_json(draft)
    assert b'"payable":"' in body
    assert from_json(body) == draft
    raw = msgspec.json.decode(body)
    assert raw["lines"][1]["quantity"] == "0.4000"
    assert raw["bookkeeping"]["block_hours_drawn"] == {"b1": "0.5"}


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = to_json(invoice())
    signature = sign(body, "s3cret")
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert sign(b"", b"key") == (
        "sha256=5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"
    )
    assert verify(body, "s3cret", signature)
    assert not verify(body + b" ", "s3cret", signature)
    assert not verify(body, "other", signature)
