"""UBL 2.1 Invoice / CreditNote XML following Peppol BIS Billing 3.0.

``to_ubl(document, seller, buyer)`` renders an ``InvoiceDraft`` (which must be
numbered). Elements follow the UBL 2.1 schema's sequence order, which the XSD
enforces. Choices worth knowing:

* a credit note is a ``CreditNote`` (type 381) with positive amounts, citing the
  credited invoice in ``BillingReference``; invoices are type 380 with a ``DueDate``;
* ``BuyerReference`` (Peppol R003 wants it or an order reference) falls back to the
  customer id when the customer gave none;
* a seller IBAN adds ``PaymentMeans`` 58 (SEPA credit transfer) with the invoice
  number as payment id;
* hours use unit code HUR, units C62, months MON; the line's ``Item/Name`` is the
  line description and ``SellersItemIdentification`` its rate code or source kind;
* VAT category O carries no percentage (BR-O-05 / BR-O-09); exemption reasons go
  on the tax subtotals only (BR-E-10 and siblings).
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from .model import InvoiceDraft, InvoiceLine, Party, TaxCategory
from .money import round_money

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INVOICE_TYPE_CODE = "380"
CREDIT_NOTE_TYPE_CODE = "381"
SEPA_CREDIT_TRANSFER = "58"


def _cbc(parent: etree._Element, name: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attrs)
    element.text = text
    return element


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _plain(value: Decimal) -> str:
    """Decimal without exponent; trailing zeros kept as given (``1.50`` stays)."""
    return f"{value:f}"


def _quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text if text != "-0" else "0"


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
    _cbc(parent, name, _plain(round_money(value, currency)), currencyID=currency)


def _party(parent: etree._Element, role: str, party: Party) -> None:
    node = _cac(_cac(parent, role), "Party")
    _cbc(node, "EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme)
    _cbc(_cac(node, "PartyName"), "Name", party.name)
    address = _cac(node, "PostalAddress")
    if party.street:
        _cbc(address, "StreetName", party.street)
    if party.city:
        _cbc(address, "CityName", party.city)
    if party.postal_zone:
        _cbc(address, "PostalZone", party.postal_zone)
    _cbc(_cac(address, "Country"), "IdentificationCode", party.country_code)
    if party.vat_id:
        tax_scheme = _cac(node, "PartyTaxScheme")
        _cbc(tax_scheme, "CompanyID", party.vat_id)
        _cbc(_cac(tax_scheme, "TaxScheme"), "ID", "VAT")
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)
    if party.legal_id:
        _cbc(legal, "CompanyID", party.legal_id)
    if party.contact_email:
        _cbc(_cac(node, "Contact"), "ElectronicMail", party.contact_email)


def _tax_category(
    parent: etree._Element, name: str, category: TaxCategory, *, with_reason: bool
) -> None:
    node = _cac(parent, name)
    _cbc(node, "ID", category.code)
    if category.code != "O":
        _cbc(node, "Percent", _quantity(category.rate))
    if with_reason and category.exemption_reason_code:
        _cbc(node, "TaxExemptionReasonCode", category.exemption_reason_code)
    if with_reason and category.exemption_reason:
        _cbc(node, "TaxExemptionReason", category.exemption_reason)
    _cbc(_cac(node, "TaxScheme"), "ID", "VAT")


def _line(parent: etree._Element, line: InvoiceLine, currency: str, credit: bool) -> None:
    node = _cac(parent, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(node, "ID", line.line_id)
    _cbc(
        node,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        _quantity(line.quantity),
        unitCode=line.unit,
    )
    _amount(node, "LineExtensionAmount", line.net_amount, currency)
    item = _cac(node, "Item")
    _cbc(item, "Name", line.description)
    _cbc(_cac(item, "SellersItemIdentification"), "ID", line.rate_code or line.source_kind)
    _tax_category(item, "ClassifiedTaxCategory", line.tax_category, with_reason=False)
    price = _cac(node, "Price")
    _cbc(price, "PriceAmount", _plain(line.unit_price), currencyID=currency)


def to_ubl(invoice: InvoiceDraft, seller: Party, buyer: Party) -> bytes:
    """Render ``invoice`` (invoice or credit note) as UBL 2.1 XML bytes (UTF-8).

    Raises ``ValueError`` when the document has no number or no lines.
    """
    if invoice.number is None:
        raise ValueError("a document needs its number before it is exported")
    if not invoice.lines:
        raise ValueError("a UBL document needs at least one line")
    credit = invoice.document_type == "credit_note"
    currency = invoice.currency
    root = etree.Element(
        f"{{{NS_CREDIT_NOTE if credit else NS_INVOICE}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: NS_CREDIT_NOTE if credit else NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC},
    )
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ProfileID", PROFILE_ID)
    _cbc(root, "ID", invoice.number)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if credit:
        _cbc(root, "CreditNoteTypeCode", CREDIT_NOTE_TYPE_CODE)
    else:
        if invoice.due_date is not None:
            _cbc(root, "DueDate", invoice.due_date.isoformat())
        _cbc(root, "InvoiceTypeCode", INVOICE_TYPE_CODE)
    if invoice.note:
        _cbc(root, "Note", invoice.note)
    _cbc(root, "DocumentCurrencyCode", currency)
    _cbc(root, "BuyerReference", invoice.buyer_reference or invoice.customer_id)
    if invoice.period is not None:
        period = _cac(root, "InvoicePeriod")
        _cbc(period, "StartDate", invoice.period.start.isoformat())
        _cbc(period, "EndDate", invoice.period.end.isoformat())
    if invoice.billing_reference:
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", invoice.billing_reference)
        if invoice.billing_reference_date is not None:
            _cbc(reference, "IssueDate", invoice.billing_reference_date.isoformat())
    _party(root, "AccountingSupplierParty", seller)
    _party(root, "AccountingCustomerParty", buyer)
    if seller.iban:
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", SEPA_CREDIT_TRANSFER)
        _cbc(means, "PaymentID", invoice.number)
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", seller.iban)
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", invoice.tax_total, currency)
    for subtotal in invoice.tax_subtotals:
        node = _cac(tax_total, "TaxSubtotal")
        _amount(node, "TaxableAmount", subtotal.taxable_amount, currency)
        _amount(node, "TaxAmount", subtotal.tax_amount, currency)
        _tax_category(node, "TaxCategory", subtotal.category, with_reason=True)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", invoice.line_total, currency)
    _amount(totals, "TaxExclusiveAmount", invoice.tax_exclusive, currency)
    _amount(totals, "TaxInclusiveAmount", invoice.tax_inclusive, currency)
    _amount(totals, "PayableAmount", invoice.payable, currency)
    for line in invoice.lines:
        _line(root, line, currency, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
