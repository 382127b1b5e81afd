"""UBL 2.1 / Peppol BIS 3.0 export, validated against the OASIS schemas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from lxml import etree

from plugins.billing.drafting import credit_note_for, draft_invoice
from plugins.billing.model import (
    InvoiceDraft,
    MilestoneRow,
    ProjectRow,
    RateCard,
    WorkTypeRate,
)
from plugins.billing.money import exempt, reverse_charge, standard_rate
from plugins.billing.ubl import CUSTOMIZATION_ID, to_ubl
from plugins.billing.ubl_checks import business_rule_errors, xsd_errors

from .builders import BUYER, MAY, SELLER, make_customer, make_entry

D = Decimal
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CARD = RateCard(
    default_hourly=D("92.50"),
    work_types={"training": WorkTypeRate(label="Training", tax_category=exempt("Education"))},
)


def mixed_invoice(**customer_changes: object) -> InvoiceDraft:
    """Time at odd minutes, a milestone and exempt training: two tax categories."""
    project = ProjectRow(
        id="p1",
        customer_id="c1",
        name="Rollout & <setup>",
        billing_mode="fixed_fee_milestones",
        contract_value=D("1000.00"),
    )
    milestone = MilestoneRow(
        id="m1", project_id="p1", name="Phase 1", fee=D("1000.00"), completed_on=date(2024, 5, 20)
    )
    entries = [
        make_entry("e1", minutes=10),
        make_entry("e2", minutes=7, task_id="t2", task_title="VPN"),
        make_entry("e3", minutes=95, work_type="training"),
    ]
    draft = draft_invoice(
        make_customer(**customer_changes), MAY, entries, [milestone], [project], [], CARD
    )
    return msgspec.structs.replace(draft, number="INV-7")


def test_invoice_is_schema_valid_and_balanced(ubl_schema_dir: Path) -> None:
    invoice = mixed_invoice()
    xml = to_ubl(invoice, SELLER, BUYER)
    assert xsd_errors(xml, ubl_schema_dir) == []
    assert business_rule_errors(xml) == []
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "Invoice"
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == CUSTOMIZATION_ID
    assert root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.findtext("cbc:DueDate", namespaces=NS) == "2024-06-14"
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "PO-4711"
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", NS)
    assert (endpoint.text, endpoint.get("schemeID")) == ("0123456789", "0208")
    units = [q.get("unitCode") for q in root.iterfind("cac:InvoiceLine/cbc:InvoicedQuantity", NS)]
    assert units == ["C62", "HUR", "HUR", "HUR"]
    subtotals = [
        (
            s.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
            s.findtext("cbc:TaxableAmount", namespaces=NS),
            s.findtext("cbc:TaxAmount", namespaces=NS),
            s.findtext("cac:TaxCategory/cbc:TaxExemptionReason", namespaces=NS),
        )
        for s in root.iterfind("cac:TaxTotal/cac:TaxSubtotal", NS)
    ]
    # 10 min = 0.1667 h x 92.50 = 15.42; 7 min = 0.1167 h -> 10.79; 95 min -> 146.46
    assert subtotals == [
        ("S", "1026.21", "215.50", None),
        ("E", "146.46", "0.00", "Education"),
    ]
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "1388.17"
    assert root.find("cac:InvoiceLine/cac:Item/cbc:Name", NS).text == (
        "Rollout & <setup>: milestone Phase 1"
    )


def test_credit_note_is_schema_valid_and_cites_the_invoice(ubl_schema_dir: Path) -> None:
    credit = msgspec.structs.replace(credit_note_for(mixed_invoice()), number="CN-1")
    xml = to_ubl(credit, SELLER, BUYER)
    assert xsd_errors(xml, ubl_schema_dir) == []
    assert business_rule_errors(xml) == []
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert (
        root.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=NS)
        == "INV-7"
    )
    quantities = root.findall("cac:CreditNoteLine/cbc:CreditedQuantity", NS)
    assert [q.text for q in quantities] == ["1", "0.1667", "0.1167", "1.5833"]
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "1388.17"


def test_reverse_charge_invoice_without_seller_iban(ubl_schema_dir: Path) -> None:
    invoice = mixed_invoice(tax_category=reverse_charge(), buyer_reference=None)
    seller = msgspec.structs.replace(SELLER, iban=None)
    xml = to_ubl(invoice, seller, BUYER)
    assert xsd_errors(xml, ubl_schema_dir) == []
    assert business_rule_errors(xml) == []
    root = etree.fromstring(xml)
    assert root.find("cac:PaymentMeans", NS) is None
    assert root.findtext("cbc:BuyerReference", namespaces=NS) == "c1"
    reasons = root.findall(
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode", NS
    )
    assert [r.text for r in reasons] == ["VATEX-EU-AE"]


def test_business_rule_check_catches_broken_arithmetic() -> None:
    xml = to_ubl(mixed_invoice(), SELLER, BUYER)
    root = etree.fromstring(xml)
    root.find("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", NS).text = "1.00"
    root.find("cac:InvoiceLine/cbc:LineExtensionAmount", NS).text = "999.00"
    reason = root.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason", NS)
    reason.getparent().remove(reason)
    errors = business_rule_errors(etree.tostring(root))
    rules = {error.split(":")[0] for error in errors}
    assert {
        "BR-CO-10",
        "BR-CO-15",
        "BR-CO-16",
        "BR-S-08",
        "BR-E-10",
        "PEPPOL-EN16931-R120",
    } <= rules


def test_schema_check_catches_elements_out_of_order(ubl_schema_dir: Path) -> None:
    root = etree.fromstring(to_ubl(mixed_invoice(), SELLER, BUYER))
    root.append(root.find("cbc:IssueDate", NS))  # moved after the lines: invalid
    assert xsd_errors(etree.tostring(root), ubl_schema_dir) != []


def test_export_needs_a_number() -> None:
    with pytest.raises(ValueError, match="number"):
        to_ubl(msgspec.structs.replace(mixed_invoice(), number=None), SELLER, BUYER)


def test_currency_without_minor_units_renders_whole_amounts(ubl_schema_dir: Path) -> None:
    card = RateCard(currency="JPY", default_hourly=D("12345"))
    customer = make_customer(currency="JPY", tax_category=standard_rate("10"))
    draft = draft_invoice(customer, MAY, [make_entry("e1", minutes=7)], [], [], [], card)
    xml = to_ubl(msgspec.structs.replace(draft, number="J-1"), SELLER, BUYER)
    assert xsd_errors(xml, ubl_schema_dir) == []
    assert business_rule_errors(xml) == []
    root = etree.fromstring(xml)
    # 0.1167 h x 12345 = 1440.66 -> 1441; tax 144.1 -> 144
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == "1585"
