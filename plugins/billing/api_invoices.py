"""``/api/v1/invoices``: draft, approve, finalise, credit, export, and the documents."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from hub.api.deps import actor_of
from hub.auth import ADMIN, ANY_ROLE, STAFF
from hub.errors import Conflict
from hub.runtime import Hub
from plugins.billing import crediting, documents, drafts, exports, finalising
from plugins.billing.csv_export import to_csv
from plugins.billing.runtime import runtime_of
from plugins.billing.schemas import CreditRequest, DraftRequest, InvoiceOut
from plugins.billing.sinks import SinkRejected
from plugins.billing.ubl import to_ubl


def _event(invoice: InvoiceOut) -> dict[str, Any]:
    """The event published after commit (``hub.evt.invoice.finalised`` / ``.credited``)."""
    return {
        "id": invoice.id,
        "number": invoice.number,
        "document_type": invoice.document_type,
        "customer_id": invoice.customer_id,
        "credited_invoice_id": invoice.credited_invoice_id,
        "gross_total": invoice.gross_total,
        "currency": invoice.currency,
    }


class InvoiceController(Controller):
    path = "/invoices"
    tags = ["invoices"]
    guards = [STAFF]

    @post("/draft", operation_id="draftInvoice")
    async def draft(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        data: JSONBody[DraftRequest],
    ) -> InvoiceOut:
        """Draft the customer's invoice for a period (replaces its open draft)."""
        return await drafts.create_draft(runtime_of(hub).settings, data, actor_of(request))

    @get(operation_id="listInvoices", guards=[ANY_ROLE])
    async def list_invoices(
        self,
        customer_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
        document_type: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
    ) -> list[InvoiceOut]:
        """Invoices and credit notes, newest first."""
        return await documents.list_invoices(customer_id, status, document_type, min(limit, 500))

    @get("/{invoice_id:int}", operation_id="getInvoice", guards=[ANY_ROLE])
    async def get_invoice(self, invoice_id: FromPath[int]) -> InvoiceOut:
        """One document: lines (source, quantity, rate, amount, tax), totals, exports."""
        return await documents.get_invoice(invoice_id)

    @delete("/{invoice_id:int}", operation_id="discardInvoiceDraft")
    async def discard(self, invoice_id: FromPath[int]) -> None:
        """Discard an open draft."""
        await drafts.discard(invoice_id)

    @post("/{invoice_id:int}/approve", operation_id="approveInvoice", guards=[ADMIN])
    async def approve(
        self, request: Request[Any, Any, Any], invoice_id: FromPath[int]
    ) -> InvoiceOut:
        """Approve a draft (required before finalising when ``require_approval``)."""
        return await drafts.approve(invoice_id, actor_of(request))

    @post("/{invoice_id:int}/finalise", operation_id="finaliseInvoice", guards=[ADMIN])
    async def finalise(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], invoice_id: FromPath[int]
    ) -> InvoiceOut:
        """Number the invoice, lock its time entries and queue its exports.

        409 when the draft no longer matches the database: the stored draft is then
        refreshed (and its approval reset) for review.
        """
        runtime = runtime_of(hub)
        if not await finalising.finalise(runtime, invoice_id, actor_of(request).name):
            raise Conflict(
                f"invoice {invoice_id} changed since it was drafted (time entries, milestones "
                "or agreements were edited); the draft was refreshed - review it and finalise "
                "again"
            )
        await exports.publish_pending(hub, invoice_id)
        out = await documents.get_invoice(invoice_id)
        await hub.publish("hub.evt.invoice.finalised", _event(out))
        return out

    @post("/{invoice_id:int}/credit", operation_id="creditInvoice", guards=[ADMIN])
    async def credit(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        invoice_id: FromPath[int],
        data: JSONBody[CreditRequest],
    ) -> InvoiceOut:
        """Issue a credit note undoing the invoice (or some lines); releases its entries."""
        note_id = await crediting.credit(runtime_of(hub), invoice_id, data, actor_of(request).name)
        await exports.publish_pending(hub, note_id)
        out = await documents.get_invoice(note_id)
        await hub.publish("hub.evt.invoice.credited", _event(out))
        return out

    @post("/{invoice_id:int}/exports/retry", operation_id="retryInvoiceExports", guards=[ADMIN])
    async def retry_exports(
        self, hub: NamedDependency[Hub], invoice_id: FromPath[int]
    ) -> InvoiceOut:
        """Re-queue the document's failed (and pending) exports."""
        await exports.requeue(hub, invoice_id)
        return await documents.get_invoice(invoice_id)

    @get("/{invoice_id:int}/ubl", operation_id="getInvoiceUbl", guards=[ANY_ROLE])
    async def ubl(self, hub: NamedDependency[Hub], invoice_id: FromPath[int]) -> Response[bytes]:
        """The final document as UBL 2.1 / Peppol BIS 3.0 XML."""
        invoice = await self._exported(hub, invoice_id)
        if invoice.seller is None or invoice.buyer is None:
            raise Conflict(
                "UBL needs [billing.seller] in plugins.toml and the customer's buyer party"
            )
        xml = to_ubl(invoice.document, invoice.seller, invoice.buyer)
        return Response(xml, media_type="application/xml")

    @get("/{invoice_id:int}/csv", operation_id="getInvoiceCsv", guards=[ANY_ROLE])
    async def csv(self, hub: NamedDependency[Hub], invoice_id: FromPath[int]) -> Response[str]:
        """The document's lines as CSV."""
        invoice = await self._exported(hub, invoice_id)
        return Response(to_csv(invoice.document), media_type="text/csv")

    @staticmethod
    async def _exported(hub: NamedDependency[Hub], invoice_id: FromPath[int]) -> Any:
        row = await documents.invoice_row(invoice_id)
        if row["number"] is None:
            raise Conflict(f"invoice {invoice_id} is a draft; finalise it first")
        try:
            return await exports.exported_invoice(runtime_of(hub), invoice_id)
        except SinkRejected as exc:
            raise Conflict(str(exc)) from exc
