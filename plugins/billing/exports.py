"""Export jobs over NATS: publish on ``hub.out.billing.<sink>``, consume, retry, never lose.

* Finalising writes a ``billing_export`` row per (document, sink) - the idempotency
  record - and, after commit, publishes a job with ``Nats-Msg-Id`` = its key.
* The consumer claims the row (``pending`` -> ``sending`` with a lease), calls the
  sink and marks it ``sent``; a job whose row is already ``sent`` is acknowledged
  without calling the sink, so a document is never sent twice to the same sink.
* A failure naks the job with backoff ``min(max, base x 2^(attempt-1))``. After
  ``max_attempts`` (or a ``SinkRejected``) the row is ``failed`` and the job goes to
  ``hub.dead.hub.out.billing.<sink>``; ``POST /invoices/{id}/exports/retry`` re-queues.
* Rows still ``pending`` at start-up are re-published (a crash between commit and
  publish, or a bus outage, loses nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from nats.aio.msg import Msg

from hub.db.tables import Customer
from hub.errors import Conflict, Unavailable
from hub.logs import get_logger
from plugins.billing import rows
from plugins.billing.documents import document_of, invoice_row
from plugins.billing.runtime import BillingRuntime
from plugins.billing.sinks import ExportedInvoice, SinkRejected
from plugins.billing.tables import Export

log = get_logger("plugins.billing.exports")
SUBJECT_PREFIX = "hub.out.billing."
LEASE = timedelta(minutes=5)  # a claim older than this is taken over (crashed worker)
EXPORT_TIMEOUT = 120.0


class ExportJob(msgspec.Struct, kw_only=True):
    invoice_id: int
    sink: str
    export_key: str


def backoff(runtime: BillingRuntime, attempt: int) -> float:
    s = runtime.settings
    return min(s.retry_max_seconds, s.retry_base_seconds * 2 ** max(0, attempt - 1))


async def publish_pending(hub: Any, invoice_id: int | None = None, *, fresh: bool = False) -> int:
    """Publish a job for each pending export (of one invoice, or all); returns the count.

    ``fresh`` gives the message a new id so JetStream's duplicate window does not
    swallow a deliberate re-queue. A bus outage is logged: the rows stay pending and
    are published again at the next start-up or retry.
    """
    query = Export.select(Export.id, Export.invoice, Export.sink, Export.export_key).where(
        Export.status == "pending"
    )
    if invoice_id is not None:
        query = query.where(Export.invoice == invoice_id)
    published = 0
    for row in await query:
        job = ExportJob(invoice_id=row["invoice"], sink=row["sink"], export_key=row["export_key"])
        key = row["export_key"] + (f":{datetime.now(UTC).timestamp()}" if fresh else "")
        try:
            await hub.bus_required.publish_durable(
                SUBJECT_PREFIX + row["sink"], msgspec.json.encode(job), key=key
            )
            published += 1
        except (Unavailable, RuntimeError) as exc:
            log.warning("export_job_not_published", export_key=row["export_key"], error=str(exc))
    return published


async def requeue(hub: Any, invoice_id: int) -> int:
    """Reset failed exports of a document to pending and publish them again."""
    await invoice_row(invoice_id)
    await Export.update(
        {Export.status: "pending", Export.attempts: 0, Export.updated_at: datetime.now(UTC)}
    ).where((Export.invoice == invoice_id) & (Export.status == "failed"))
    count = await publish_pending(hub, invoice_id, fresh=True)
    if not count and not await Export.exists().where(Export.invoice == invoice_id):
        raise Conflict(f"invoice {invoice_id} has no exports (is it final?)")
    return count


async def exported_invoice(runtime: BillingRuntime, invoice_id: int) -> ExportedInvoice:
    row = await invoice_row(invoice_id)
    profile = await rows.profile(row["customer"])
    customer = await Customer.select(Customer.name).where(Customer.id == row["customer"]).first()
    return ExportedInvoice(
        invoice_id=invoice_id,
        number=row["number"] or "",
        customer_id=row["customer"],
        customer_name=customer["name"] if customer else "",
        document=document_of(row),
        seller=runtime.settings.seller,
        buyer=profile.buyer,
    )


async def _claim(export_key: str) -> dict[str, Any] | None:
    now = datetime.now(UTC)
    claimed = (
        await Export.update({Export.status: "sending", Export.updated_at: now})
        .where(
            (Export.export_key == export_key)
            & (
                (Export.status == "pending")
                | ((Export.status == "sending") & (Export.updated_at < now - LEASE))
            )
        )
        .returning(Export.id, Export.attempts)
    )
    return claimed[0] if claimed else None


async def _settle(export_key: str, **values: Any) -> None:
    update = {getattr(Export, k): v for k, v in values.items()}
    update[Export.updated_at] = datetime.now(UTC)
    await Export.update(update).where(Export.export_key == export_key)


async def handle(hub: Any, runtime: BillingRuntime, job: ExportJob, msg: Msg) -> None:
    """Run one export job (see module docstring); acks, naks or dead-letters ``msg``."""
    bound = log.bind(export_key=job.export_key, sink=job.sink, invoice_id=job.invoice_id)
    claim = await _claim(job.export_key)
    if claim is None:
        row = await Export.select(Export.status).where(Export.export_key == job.export_key).first()
        if row is None or row["status"] in ("sent", "failed"):
            await msg.ack()  # done before (idempotent), failed for good, or the row is gone
        else:
            await msg.nak(delay=LEASE.total_seconds())  # another worker holds it
        return
    attempt = claim["attempts"] + 1
    sink = runtime.sinks.get(job.sink)
    try:
        if sink is None:
            raise SinkRejected(f"sink {job.sink!r} is not enabled")
        invoice = await exported_invoice(runtime, job.invoice_id)
        reference = await asyncio.wait_for(
            sink.export(invoice, runtime.sink_settings(job.sink)), EXPORT_TIMEOUT
        )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        permanent = isinstance(exc, SinkRejected) or attempt >= runtime.settings.max_attempts
        await _settle(
            job.export_key,
            status="failed" if permanent else "pending",
            attempts=attempt,
            last_error=error,
        )
        if permanent:
            bound.error("export_failed", attempt=attempt, error=error)
            await hub.bus_required.dead_letter(msg, error)
        else:
            delay = backoff(runtime, attempt)
            bound.warning("export_retry", attempt=attempt, delay=delay, error=error)
            await msg.nak(delay=delay)
        return
    await _settle(
        job.export_key, status="sent", attempts=attempt, reference=str(reference), last_error=""
    )
    bound.info("export_sent", attempt=attempt, reference=str(reference))
    await msg.ack()


def consumer(hub: Any, runtime: BillingRuntime):  # type: ignore[no-untyped-def]
    """The batch handler of the ``billing-exports`` durable consumer."""
    decoder = msgspec.json.Decoder(ExportJob)

    async def run(msgs: Sequence[Msg]) -> None:
        for msg in msgs:
            try:
                job = decoder.decode(msg.data)
            except msgspec.DecodeError as exc:
                await hub.bus_required.dead_letter(msg, f"undecodable export job: {exc}")
                continue
            try:
                await handle(hub, runtime, job, msg)
            except Exception:
                # database trouble etc.: leave the job for redelivery after a pause
                log.exception("export_job_crashed", export_key=job.export_key)
                await msg.nak(delay=backoff(runtime, 1))

    return run
