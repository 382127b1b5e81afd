"""Finalising a draft: rebuild, number, lock what it bills, queue the exports.

All in one transaction (``write_transaction``):

1. the draft is rebuilt from the database; if it differs from the stored one (time
   edited, a milestone reopened) the stored draft is refreshed, its approval reset,
   and the call answers 409 - what gets numbered is always what was reviewed;
2. every time entry it settled gets ``invoice_id`` (the update is guarded by
   ``invoice_id IS NULL`` and its row count checked), milestones / projects / blocks
   are marked invoiced, block hours drawn down, recurring fees advanced;
3. the number is taken last (``numbering``), so the counter row is locked as briefly
   as possible; a rollback anywhere returns the number;
4. one export row per enabled sink is written; the jobs are published after commit
   (and re-published at start-up while pending, so none is lost).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

from hub.db.engine import write_transaction
from hub.db.tables import TimeEntry
from hub.errors import Conflict
from hub.logs import get_logger
from hub.projects.tables import Milestone, Project
from plugins.billing import rows
from plugins.billing.documents import document_of, invoice_row
from plugins.billing.drafts import DraftOptions, build, draft_columns, load_inputs, same_content
from plugins.billing.model import DraftBookkeeping
from plugins.billing.numbering import format_number, next_value
from plugins.billing.runtime import BillingRuntime
from plugins.billing.shares import project_shares
from plugins.billing.tables import Agreement, Export, Invoice, InvoiceProjectShare

log = get_logger("plugins.billing.finalising")
CHUNK = 2_000  # ids per IN (...) list: under SQLite's bound-parameter limit


def chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def numeric_ids(ids: Iterable[str]) -> list[int]:
    """Engine ids (``"17"``, ``"M3"``, ``"A2"``) back to row ids, duplicates dropped."""
    return list(dict.fromkeys(int(i.lstrip("PMA")) for i in ids))


async def lock_entries(entry_ids: Sequence[int], invoice_id: int) -> None:
    """Put the entries on the invoice; 409 if any was invoiced meanwhile."""
    locked = 0
    for part in chunks(entry_ids):
        done = (
            await TimeEntry.update({TimeEntry.invoice_id: invoice_id})
            .where(TimeEntry.id.is_in(part) & TimeEntry.invoice_id.is_null())
            .returning(TimeEntry.id)
        )
        locked += len(done)
    if locked != len(entry_ids):
        raise Conflict(
            f"{len(entry_ids) - locked} of the draft's time entries were invoiced or deleted "
            "meanwhile; draft again"
        )


async def apply_bookkeeping(book: DraftBookkeeping, invoice_id: int) -> dict[str, Any]:
    """Record what the invoice consumed; returns the prior values a credit restores."""
    await lock_entries(numeric_ids(book.entry_ids), invoice_id)
    for ids, table, column in (
        (numeric_ids(book.milestone_ids), Milestone, Milestone.invoice_id),
        (numeric_ids(book.completed_project_ids), Project, Project.fee_invoice_id),
        (numeric_ids(book.purchased_block_ids), Agreement, Agreement.purchase_invoice_id),
    ):
        if ids:
            done = (
                await table.update({column: invoice_id})
                .where(table.id.is_in(ids) & column.is_null())
                .returning(table.id)
            )
            if len(done) != len(ids):
                raise Conflict(f"some {table._meta.tablename} rows were invoiced meanwhile")
    prior: dict[str, Any] = {"fees_invoiced_through": {}}
    touched = set(book.block_hours_drawn) | set(book.fees_invoiced_through)
    for key in sorted(touched):
        agreement_id = int(key[1:])
        row = await Agreement.select().where(Agreement.id == agreement_id).first()
        values: dict[Any, Any] = {Agreement.updated_at: datetime.now(UTC)}
        if key in book.block_hours_drawn:
            used = Decimal(row["hours_used"]) + book.block_hours_drawn[key]
            values[Agreement.hours_used] = f"{used.normalize():f}"
        if key in book.fees_invoiced_through:
            prior["fees_invoiced_through"][key] = (
                None
                if row["fees_invoiced_through"] is None
                else row["fees_invoiced_through"].isoformat()
            )
            values[Agreement.fees_invoiced_through] = book.fees_invoiced_through[key]
        await Agreement.update(values).where(Agreement.id == agreement_id)
    return prior


async def add_exports(runtime: BillingRuntime, invoice_id: int) -> None:
    """One pending export row per enabled sink (unique per invoice and sink)."""
    for name in runtime.sinks:
        await Export.insert(
            Export(invoice=invoice_id, sink=name, export_key=f"{invoice_id}:{name}")
        ).on_conflict(action="DO NOTHING")


async def add_shares(invoice_id: int, shares: dict[int, Decimal]) -> None:
    if shares:
        await InvoiceProjectShare.insert(
            *[
                InvoiceProjectShare(invoice=invoice_id, project_id=p, amount=f"{a:f}")
                for p, a in shares.items()
            ]
        )


async def finalise(runtime: BillingRuntime, invoice_id: int, actor_name: str) -> bool:
    """Finalise the draft; False when it was stale (refreshed, 409 for the caller)."""
    settings = runtime.settings
    async with write_transaction():
        # claim the row first: on PostgreSQL this locks it, so a second finalisation of
        # the same draft waits here and then finds it final
        allowed = ["approved"] if settings.require_approval else ["draft", "approved"]
        claimed = (
            await Invoice.update({Invoice.finalised_at: datetime.now(UTC)})
            .where((Invoice.id == invoice_id) & Invoice.status.is_in(allowed))
            .returning(Invoice.id)
        )
        row = await invoice_row(invoice_id)
        if not claimed:
            if row["status"] == "draft":
                raise Conflict(f"invoice {invoice_id} needs approval before it is finalised")
            raise Conflict(f"invoice {invoice_id} is {row['status']}; it cannot be finalised")
        options = msgspec.json.decode(row["options"], type=DraftOptions)
        inputs = await load_inputs(row["customer"], options.period_end, settings)
        draft = build(inputs, options)
        if not same_content(draft, document_of(row)):
            values = draft_columns(draft)
            values.update(
                {
                    Invoice.status: "draft",
                    Invoice.approved_by: None,
                    Invoice.approved_at: None,
                    Invoice.finalised_at: None,
                }
            )
            await Invoice.update(values).where(Invoice.id == invoice_id)
            return False
        prior = await apply_bookkeeping(draft.bookkeeping, invoice_id)
        entry_project = {
            e.id: int(e.project_id[1:]) for e in inputs.entries if e.project_id is not None
        }
        entry_minutes = {e.id: e.minutes for e in inputs.entries}
        await add_shares(
            invoice_id,
            project_shares(
                draft.lines, draft.currency, entry_project, entry_minutes, inputs.milestone_project
            ),
        )
        await add_exports(runtime, invoice_id)
        value = await next_value("invoice")
        draft.number = format_number(settings.invoice_prefix, value, settings.number_digits)
        values = draft_columns(draft)
        values.update(
            {
                Invoice.status: "final",
                Invoice.number: draft.number,
                Invoice.prior: rows.encode(prior),
                Invoice.finalised_at: datetime.now(UTC),
            }
        )
        await Invoice.update(values).where(Invoice.id == invoice_id)
    log.info(
        "invoice_finalised",
        invoice_id=invoice_id,
        number=draft.number,
        actor=actor_name,
        entries=len(draft.bookkeeping.entry_ids),
        payable=f"{draft.payable:f}",
    )
    return True
