"""Checks on rendered UBL: XSD validity and the arithmetic business rules.

``xsd_errors`` validates against the OASIS UBL 2.1 schemas in a folder the caller
names (they are not shipped with the plugin). ``business_rule_errors`` re-reads the
XML - not the draft - and checks a subset of EN 16931 / Peppol BIS 3.0 rules, so it
catches a renderer bug as well as an arithmetic one. Each message starts with the
rule id. It is no substitute for the official Schematron, which needs XSLT 2.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from lxml import etree

from .money import minor_units, money_quantum
from .ubl import NS_CAC, NS_CBC, NS_CREDIT_NOTE

NS = {"cac": NS_CAC, "cbc": NS_CBC}
_ZERO_TAX = frozenset({"Z", "E", "AE", "K", "G", "O"})
_NEEDS_REASON = frozenset({"E", "AE", "K", "G", "O"})
CENT = Decimal("0.01")


@cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


def xsd_errors(xml: bytes, schema_dir: Path) -> list[str]:
    """Schema errors of ``xml`` against UBL 2.1 (``schema_dir``/maindoc/...); [] if valid."""
    document = etree.fromstring(xml)
    name = (
        "UBL-CreditNote-2.1.xsd"
        if document.tag == f"{{{NS_CREDIT_NOTE}}}CreditNote"
        else "UBL-Invoice-2.1.xsd"
    )
    schema = _schema(str(Path(schema_dir) / "maindoc" / name))
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


def _dec(node: etree._Element, path: str) -> Decimal | None:
    text = node.findtext(path, namespaces=NS)
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def business_rule_errors(xml: bytes) -> list[str]:
    """Broken EN 16931 / Peppol rules of ``xml`` (a subset; [] when none found)."""
    root = etree.fromstring(xml)
    credit = root.tag == f"{{{NS_CREDIT_NOTE}}}CreditNote"
    errors: list[str] = []

    def need(path: str, rule: str, what: str) -> None:
        if not (root.findtext(path, namespaces=NS) or "").strip():
            errors.append(f"{rule}: {what} missing")

    need("cbc:CustomizationID", "BR-01", "specification identifier")
    need("cbc:ID", "BR-02", "invoice number")
    need("cbc:IssueDate", "BR-03", "issue date")
    need("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", "BR-04", "type code")
    need("cbc:DocumentCurrencyCode", "BR-05", "currency")
    for role, rules in (
        ("AccountingSupplierParty", ("BR-06", "BR-09", "R020")),
        ("AccountingCustomerParty", ("BR-07", "BR-11", "R010")),
    ):
        party = f"cac:{role}/cac:Party"
        need(f"{party}/cac:PartyLegalEntity/cbc:RegistrationName", rules[0], f"{role} name")
        need(
            f"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
            rules[1],
            f"{role} country",
        )
        endpoint = root.find(f"{party}/cbc:EndpointID", NS)
        if endpoint is None or not endpoint.get("schemeID"):
            errors.append(f"PEPPOL-EN16931-{rules[2]}: {role} endpoint with schemeID missing")
    if (
        not root.findtext("cbc:BuyerReference", namespaces=NS)
        and root.find("cac:OrderReference", NS) is None
    ):
        errors.append("PEPPOL-EN16931-R003: buyer reference or order reference missing")

    currency = root.findtext("cbc:DocumentCurrencyCode", namespaces=NS) or ""
    decimals = minor_units(currency)
    quantum = money_quantum(currency)
    # Peppol's R120 allows 0.02; a currency without cents needs half its unit
    slack = max(CENT * 2, quantum / 2)
    for node in root.iter():
        if node.get("currencyID") not in (None, currency):
            errors.append(f"PEPPOL-EN16931-R051: {etree.QName(node).localname} in another currency")
        if node.get("currencyID") and etree.QName(node).localname != "PriceAmount":
            text = (node.text or "").strip()
            if "." in text and len(text.split(".")[1]) > decimals:
                errors.append(
                    f"BR-DEC: {etree.QName(node).localname} {text} has over {decimals} decimals"
                )

    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    lines = root.findall(line_tag, NS)
    if not lines:
        errors.append("BR-16: no invoice line")
    net_sum = Decimal(0)
    per_category: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        line_id = line.findtext("cbc:ID", namespaces=NS) or "?"
        net = _dec(line, "cbc:LineExtensionAmount")
        quantity = _dec(line, quantity_tag)
        price = _dec(line, "cac:Price/cbc:PriceAmount")
        base = _dec(line, "cac:Price/cbc:BaseQuantity") or Decimal(1)
        quantity_node = line.find(quantity_tag, NS)
        if quantity is None or quantity_node is None or not quantity_node.get("unitCode"):
            errors.append(f"BR-22/BR-23: line {line_id} quantity or unit missing")
        if not (line.findtext("cac:Item/cbc:Name", namespaces=NS) or "").strip():
            errors.append(f"BR-25: line {line_id} item name missing")
        if net is None or price is None:
            errors.append(f"BR-24/BR-26: line {line_id} net amount or price missing")
            continue
        if price < 0:
            errors.append(f"BR-27: line {line_id} price is negative")
        if quantity is not None and abs(net - quantity * price / base) > slack:
            errors.append(f"PEPPOL-EN16931-R120: line {line_id} net {net} != {quantity} x {price}")
        net_sum += net
        code = line.findtext("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", namespaces=NS) or ""
        rate = _dec(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent") or Decimal(0)
        per_category[code, rate] = per_category.get((code, rate), Decimal(0)) + net

    total = root.find("cac:LegalMonetaryTotal", NS)
    if total is None:
        return [*errors, "BR-12..BR-15: LegalMonetaryTotal missing"]
    amounts = {
        name: _dec(total, f"cbc:{name}")
        for name in (
            "LineExtensionAmount",
            "TaxExclusiveAmount",
            "TaxInclusiveAmount",
            "AllowanceTotalAmount",
            "ChargeTotalAmount",
            "PrepaidAmount",
            "PayableRoundingAmount",
            "PayableAmount",
        )
    }
    zero = Decimal(0)
    line_extension = amounts["LineExtensionAmount"] or zero
    if net_sum != line_extension:
        errors.append(f"BR-CO-10: lines sum to {net_sum}, LineExtensionAmount {line_extension}")
    expected_exclusive = (
        line_extension
        - (amounts["AllowanceTotalAmount"] or zero)
        + (amounts["ChargeTotalAmount"] or zero)
    )
    if amounts["TaxExclusiveAmount"] != expected_exclusive:
        errors.append(
            f"BR-CO-13: TaxExclusiveAmount {amounts['TaxExclusiveAmount']} != {expected_exclusive}"
        )

    tax_totals = [
        t
        for t in root.findall("cac:TaxTotal", NS)
        if (
            t.find("cbc:TaxAmount", NS) is not None
            and t.find("cbc:TaxAmount", NS).get("currencyID") == currency
        )
    ]
    tax_amount = zero
    if tax_totals:
        tax_total = tax_totals[0]
        tax_amount = _dec(tax_total, "cbc:TaxAmount") or zero
        subtotal_sum = zero
        seen: set[tuple[str, Decimal]] = set()
        for subtotal in tax_total.findall("cac:TaxSubtotal", NS):
            code = subtotal.findtext("cac:TaxCategory/cbc:ID", namespaces=NS) or ""
            rate = _dec(subtotal, "cac:TaxCategory/cbc:Percent") or zero
            taxable = _dec(subtotal, "cbc:TaxableAmount") or zero
            amount = _dec(subtotal, "cbc:TaxAmount") or zero
            subtotal_sum += amount
            seen.add((code, rate))
            if taxable != per_category.get((code, rate), zero):
                errors.append(
                    f"BR-{code}-08: taxable {taxable} != lines "
                    f"{per_category.get((code, rate), zero)}"
                )
            if amount != (taxable * rate / 100).quantize(quantum, rounding=ROUND_HALF_UP):
                errors.append(f"BR-{code}-09 / BR-CO-17: tax {amount} != {taxable} x {rate} %")
            if code in _ZERO_TAX and amount != 0:
                errors.append(f"BR-{code}-09: category {code} must carry no tax")
            if code in _NEEDS_REASON and not (
                subtotal.findtext("cac:TaxCategory/cbc:TaxExemptionReason", namespaces=NS)
                or subtotal.findtext("cac:TaxCategory/cbc:TaxExemptionReasonCode", namespaces=NS)
            ):
                errors.append(f"BR-{code}-10: exemption reason missing")
        for missing in set(per_category) - seen:
            errors.append(f"BR-CO-18: no tax subtotal for category {missing[0]} {missing[1]} %")
        if subtotal_sum != tax_amount:
            errors.append(f"BR-CO-14: TaxAmount {tax_amount} != subtotals {subtotal_sum}")
    elif per_category:
        errors.append("BR-CO-18: TaxTotal missing")

    exclusive = amounts["TaxExclusiveAmount"] or zero
    if amounts["TaxInclusiveAmount"] != exclusive + tax_amount:
        errors.append(
            f"BR-CO-15: TaxInclusiveAmount {amounts['TaxInclusiveAmount']} != "
            f"{exclusive} + {tax_amount}"
        )
    expected_payable = (
        (amounts["TaxInclusiveAmount"] or zero)
        - (amounts["PrepaidAmount"] or zero)
        + (amounts["PayableRoundingAmount"] or zero)
    )
    if amounts["PayableAmount"] != expected_payable:
        errors.append(f"BR-CO-16: PayableAmount {amounts['PayableAmount']} != {expected_payable}")
    if (
        not credit
        and (amounts["PayableAmount"] or zero) > 0
        and root.find("cbc:DueDate", NS) is None
        and root.find("cac:PaymentTerms", NS) is None
    ):
        errors.append("BR-CO-25: positive amount due needs a due date or payment terms")
    return errors
