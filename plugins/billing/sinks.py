"""Billing sinks: where final invoices and credit notes are exported.

A sink is any object with ``name`` (``[a-z0-9_-]+``, it names the NATS subject
``hub.out.billing.<name>``) and ``async export(invoice, settings) -> str`` that
returns a reference (a file path, a remote id). ``invoice`` is an
:class:`ExportedInvoice`; ``settings`` is the sink's own ``[billing.<name>]`` table
plus ``export_dir``. Raising :class:`SinkRejected` means "retrying cannot help" (the
export is marked failed at once); any other exception is retried with backoff.

Built-ins: ``csv`` (a file per document under the home folder), ``ubl`` (UBL 2.1 /
Peppol BIS 3.0 XML file) and ``json`` (HMAC-signed webhook POST).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import msgspec

from hub.files import write_atomically
from plugins.billing.csv_export import to_csv
from plugins.billing.json_export import sign, to_json
from plugins.billing.model import InvoiceDraft, Party
from plugins.billing.ubl import to_ubl
from plugins.billing.ubl_checks import business_rule_errors

SINK_NAME = re.compile(r"^[a-z0-9_-]{1,64}$")


class SinkRejected(Exception):
    """A permanent export failure (bad configuration or data): do not retry."""


class ExportedInvoice(msgspec.Struct, kw_only=True):
    """What a sink receives: the numbered document, its parties and ids."""

    invoice_id: int
    number: str
    customer_id: int
    customer_name: str
    document: InvoiceDraft
    seller: Party | None = None
    buyer: Party | None = None


def _file_name(invoice: ExportedInvoice, suffix: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", invoice.number)
    return f"{safe}{suffix}"


class CsvSink:
    """One CSV file per document: ``<export_dir>/csv/<number>.csv``."""

    name = "csv"

    async def export(self, invoice: ExportedInvoice, settings: dict[str, Any]) -> str:
        path = Path(settings["export_dir"]) / "csv" / _file_name(invoice, ".csv")
        write_atomically(path, to_csv(invoice.document).encode())
        return str(path)


class UblSink:
    """UBL 2.1 Invoice / CreditNote (Peppol BIS 3.0): ``<export_dir>/ubl/<number>.xml``.

    Needs the seller (``[billing.seller]``) and the customer's buyer party (billing
    profile); the XML is checked against the EN 16931 arithmetic rules before writing.
    """

    name = "ubl"

    async def export(self, invoice: ExportedInvoice, settings: dict[str, Any]) -> str:
        if invoice.seller is None:
            raise SinkRejected("ubl: configure [billing.seller] (the Peppol seller party)")
        if invoice.buyer is None:
            raise SinkRejected(
                f"ubl: customer {invoice.customer_id} has no buyer party in its billing profile"
            )
        xml = to_ubl(invoice.document, invoice.seller, invoice.buyer)
        if errors := business_rule_errors(xml):
            raise SinkRejected(f"ubl: {'; '.join(errors[:5])}")
        path = Path(settings["export_dir"]) / "ubl" / _file_name(invoice, ".xml")
        write_atomically(path, xml)
        return str(path)


class JsonWebhookSink:
    """POSTs the document as JSON to ``[billing.json] url``, signed with HMAC-SHA256.

    Headers: ``X-Atlas-Signature: sha256=<hex>`` over the exact body,
    ``X-Atlas-Delivery: <invoice id>:json`` (stable across retries, for the receiver's
    de-duplication) and ``X-Atlas-Document: <number>``. Any 2xx is success; 4xx other
    than 408/429 is permanent; everything else is retried.
    """

    name = "json"

    async def export(self, invoice: ExportedInvoice, settings: dict[str, Any]) -> str:
        url, secret = settings.get("url"), settings.get("secret")
        if not url or not secret:
            raise SinkRejected("json: [billing.json] needs url and secret")
        body = to_json(invoice.document)
        headers = {
            "Content-Type": "application/json",
            "X-Atlas-Signature": sign(body, secret),
            "X-Atlas-Delivery": f"{invoice.invoice_id}:{self.name}",
            "X-Atlas-Document": invoice.number,
        }
        timeout = float(settings.get("timeout_seconds", 10.0))
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, content=body, headers=headers)
        if response.is_success:
            return response.headers.get("location") or f"{url} {response.status_code}"
        problem = f"json: {url} answered {response.status_code}: {response.text[:200]}"
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise SinkRejected(problem)
        raise RuntimeError(problem)


BUILTIN_SINKS: tuple[Any, ...] = (CsvSink(), UblSink(), JsonWebhookSink())
BUILTIN_NAMES = frozenset(s.name for s in BUILTIN_SINKS)
