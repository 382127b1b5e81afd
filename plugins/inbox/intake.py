"""The ``inbox-intake`` consumer of ``hub.in.email.inbox``: raw mail to committed records.

A fetched batch is handled together: parsed in a worker thread, decided (reads only,
every sender matched in two queries), and its rows inserted in one transaction
(``insert_many``: one trip to the SQLite writer; SQLite commits single rows at a few
hundred per second, batches at thousands). Mail that touches a task then runs one by one
through the core services. A batch is cut into chunks and pipelined: while one chunk is
decided and committed on the event loop, the worker thread already parses the next
(parsing is pure: no database, so decisions still happen strictly in order, each after
the previous chunk's commit). When anything in a chunk fails, every message of it is
retried alone, each within its time budget (the rules of :mod:`hub.intake`):
acknowledged only after its commit, retried with back-off, and after ``MAX_ATTEMPTS``
kept as quarantined mail (or, if even that fails, moved to ``hub.dead.*``). Nothing is
dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from nats.aio.msg import Msg

from hub.db.engine import write_transaction
from hub.db.integrity import is_unique_violation
from hub.db.one_trip import insert_many
from hub.files import ContentStore
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.inbox.autoreply import SenderRateLimiter
from plugins.inbox.config import InboxSettings
from plugins.inbox.outcomes import Decision, apply_to_task, decide, row_for, values_for
from plugins.inbox.prepare import Prepared, Received, decode, prepare, prepare_many
from plugins.inbox.tables import InboxMail
from plugins.inbox.triage_step import TriageCache

log = get_logger("plugins.inbox.intake")
MAX_ATTEMPTS = 5
#: messages per pipelined chunk: small enough to overlap parsing with committing, large
#: enough that one commit still carries many rows
CHUNK = 50


async def insert_row(row: InboxMail) -> None:
    """Record one mail; a row already there (redelivery, another process) is success."""
    try:
        async with write_transaction():
            await InboxMail.insert(row)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise


class InboxIntake:
    """Per-process state of the consumer (the rate limiter lives here)."""

    def __init__(self, hub: Hub, settings: InboxSettings) -> None:
        self.hub = hub
        self.settings = settings
        self.store = ContentStore(hub.settings.files_dir)
        self.own = settings.own_addresses()
        self.secret = hub.settings.secret
        self.limiter = SenderRateLimiter(
            settings.rate_limit_messages, settings.rate_limit_window_seconds
        )

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """The batch handler given to the core (``IntakeConsumer.handler``)."""
        if not msgs:
            return
        items = [(msg, decode(msg)) for msg in msgs]
        keys = list({r.key for _, r in items})
        done = {
            r["intake_key"]
            for r in await InboxMail.select(InboxMail.intake_key).where(
                InboxMail.intake_key.is_in(keys)
            )
        }
        todo: list[tuple[Msg, Received]] = []
        dups: list[tuple[Msg, str]] = []
        seen: set[str] = set()
        for msg, rec in items:
            if rec.key in done:
                await msg.ack()  # delivered twice: already recorded
            elif rec.key in seen:
                dups.append((msg, rec.key))
            else:
                seen.add(rec.key)
                todo.append((msg, rec))
        if todo:
            await self._pipelined(todo)
        for msg, key in dups:
            if await InboxMail.exists().where(InboxMail.intake_key == key):
                await msg.ack()
            else:
                await msg.nak(delay=2.0)

    def _prepare_soon(self, chunk: list[tuple[Msg, Received]]) -> asyncio.Future[list[Prepared]]:
        """Start parsing ``chunk`` in the worker thread, within the time budget."""
        work = asyncio.to_thread(prepare_many, [r for _, r in chunk], self.store, self.own)
        return asyncio.ensure_future(asyncio.wait_for(work, self.settings.budget_seconds))

    async def _pipelined(self, todo: list[tuple[Msg, Received]]) -> None:
        chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
        upcoming = self._prepare_soon(chunks[0])
        try:
            for index, chunk in enumerate(chunks):
                current = upcoming
                if index + 1 < len(chunks):
                    upcoming = self._prepare_soon(chunks[index + 1])
                try:
                    await self._commit(chunk, await current)
                except Exception as exc:
                    log.warning("intake_batch_failed_one_by_one", count=len(chunk), error=repr(exc))
                    for msg, rec in chunk:
                        await self._one(msg, rec)
        finally:
            upcoming.cancel()  # only still pending when the loop was interrupted

    async def _commit(self, chunk: list[tuple[Msg, Received]], prepared: list[Prepared]) -> None:
        cache = TriageCache()
        # every sender of the chunk matched in two queries, not two per mail
        await cache.prefetch(p.parsed.from_addr for p in prepared if p.parsed is not None)
        simple: list[tuple[Msg, dict[str, Any]]] = []
        with_task: list[tuple[Msg, Prepared, Decision]] = []
        # decide() only reads, so the writer lock is held for the insert alone, not while
        # triage runs (other writers of the hub are not held up by a chunk of mail)
        for (msg, _), prep in zip(chunk, prepared, strict=True):
            decision = await decide(self.hub, prep, cache, self.limiter, self.secret)
            if decision.touches_task:
                with_task.append((msg, prep, decision))
            else:
                simple.append((msg, values_for(prep, decision)))
        if simple:
            await insert_many(InboxMail, [values for _, values in simple])
        for msg, _ in simple:
            await msg.ack()
        log.debug("intake_batch_committed", rows=len(simple), task_path=len(with_task))
        for msg, prep, decision in with_task:
            await self._one(msg, prep.received, prep, decision)

    async def _one(
        self,
        msg: Msg,
        rec: Received,
        prepared: Prepared | None = None,
        decision: Decision | None = None,
    ) -> None:
        attempts = msg.metadata.num_delivered if msg.metadata else 1
        bound = log.bind(key=rec.key, attempt=attempts)
        try:
            await asyncio.wait_for(
                self._process(rec, prepared, decision), self.settings.budget_seconds
            )
        except Exception as exc:  # includes TimeoutError (budget exceeded)
            reason = "time budget exceeded" if isinstance(exc, TimeoutError) else repr(exc)
            if attempts < MAX_ATTEMPTS:
                bound.warning("intake_failed_will_retry", error=reason)
                await msg.nak(delay=min(30.0, 2.0**attempts))
                return
            bound.error("intake_gave_up", error=reason)
            try:
                await self._quarantine(rec, f"processing failed {attempts} times: {reason}")
            except Exception as exc2:
                await self.hub.bus_required.dead_letter(msg, f"{reason}; {exc2!r}")
                return
        await msg.ack()

    async def _process(
        self, rec: Received, prepared: Prepared | None, decision: Decision | None
    ) -> None:
        if await InboxMail.exists().where(InboxMail.intake_key == rec.key):
            return
        if prepared is None:
            prepared = await asyncio.to_thread(prepare, rec, self.store, self.own)
        cache = TriageCache()
        if decision is None:
            decision = await decide(self.hub, prepared, cache, self.limiter, self.secret)
        if decision.touches_task:
            row = await apply_to_task(self.hub, prepared, decision, cache)
        else:
            row = row_for(prepared, decision)
        await insert_row(row)

    async def _quarantine(self, rec: Received, reason: str) -> None:
        digest = await asyncio.to_thread(self.store.put, rec.raw)
        prepared = Prepared(
            received=rec,
            parsed=None,
            quarantine_reason=reason[:2000],
            raw_sha256=digest,
            split=None,
            noise=None,
            attachments=[],
        )
        await insert_row(row_for(prepared, Decision(status="quarantined")))
