"""The triage plugin in a running hub: the loaded model, the roster cache, the review log.

``hub_triage`` has no ``hub`` argument, so the runtime of the hub that started last is kept
in :data:`CURRENT` (one hub per process in production; tests start them one at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
from collections.abc import Iterator
from typing import Any

from hub.contracts import FieldSuggestion, TriageContext, TriageItem, TriageSuggestion
from hub.db.one_trip import insert_many
from hub.logs import get_logger
from hub.runtime import Hub
from hub.settings import SettingsError
from plugins.triage import models_store
from plugins.triage.models_store import ActiveModel
from plugins.triage.preprocess import preprocess
from plugins.triage.priority import PriorityContext, suggest_priority
from plugins.triage.roster import RosterCache
from plugins.triage.routing import REVIEW_QUEUE, RoutingDecision, RoutingRequest, route
from plugins.triage.settings import TriageSettings, parse_settings
from plugins.triage.tables import TriageReviewItem

log = get_logger("plugins.triage")
# Priority cues are looked for in the first characters only: pasted logs stay cheap.
PRIORITY_TEXT_CHARS = 10_000
FLUSH_SECONDS = 1.0
MAX_BUFFERED = 10_000
# Set while triage runs for a record (task created): routing then peeks, it does not
# advance the round robin or log the item for review.
_PEEK: contextvars.ContextVar[bool] = contextvars.ContextVar("triage_peek", default=False)


@contextlib.contextmanager
def peeking() -> Iterator[None]:
    """Within the block, triage answers without changing routing state or the review log."""
    token = _PEEK.set(True)
    try:
        yield
    finally:
        _PEEK.reset(token)


def review_key(item: TriageItem) -> str:
    """A stable key for an inbound item, so a redelivered item is logged once."""
    received = item.received_at.isoformat() if item.received_at else ""
    raw = "\n".join((item.kind, item.sender, item.subject, received, item.body[:1000]))
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def category_reasons(category: str, confidence: float, terms: list[str], version: str) -> list[str]:
    """The category's reasons in words: the terms that pointed to it, and the model."""
    if terms:
        quoted = ", ".join(f"'{t}'" for t in terms)
        head = f"terms {quoted} point to {category}"
    else:
        head = f"no telling terms; {category} is the model's best guess"
    return [head, f"model {version} confidence {confidence:.2f}"]


class TriageRuntime:
    """Everything the plugin keeps between ``hub_startup`` and ``hub_shutdown``."""

    def __init__(self, hub: Hub, settings: TriageSettings) -> None:
        self.hub = hub
        self.settings = settings
        self.roster = RosterCache(hub.pm, settings.cache_seconds)
        self.active: ActiveModel | None = None
        self._review: list[dict[str, Any]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._model_lock = asyncio.Lock()

    @classmethod
    def from_hub(cls, hub: Hub) -> TriageRuntime:
        """Parse ``[triage]``; raises ``SettingsError`` naming a bad key."""
        return cls(hub, parse_settings(hub.settings_for("triage")))

    async def start(self) -> None:
        """Load the model (off the event loop) and start the review-log flusher."""
        path, origin = await models_store.resolve(self.settings)
        if not path.is_file():
            raise SettingsError(f"plugins.toml [triage] model_path: {path} not found")
        self.active = await asyncio.to_thread(models_store.load_active, path, origin)
        self._flusher = asyncio.create_task(self._flush_forever())
        log.info(
            "triage_started",
            model=self.active.model.version,
            origin=origin,
            load_ms=self.active.load_ms,
        )

    async def stop(self) -> None:
        """Stop the flusher; store what is buffered and the round-robin increments."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        try:
            await self.flush_review()
            await self.roster.flush_counters()
        except Exception:
            log.exception("triage_stop_flush_failed")

    @property
    def model_version(self) -> str:
        return self.active.model.version if self.active else ""

    async def check_model(self) -> None:
        """Switch to a newly activated retrained model (checked once per roster refresh)."""
        if self.settings.model_path or self._model_lock.locked():
            return
        async with self._model_lock:
            path, origin = await models_store.resolve(self.settings)
            if self.active is not None and self.active.path == str(path):
                return
            self.active = await asyncio.to_thread(models_store.load_active, path, origin)
            log.info("triage_model_switched", model=self.active.model.version, origin=origin)

    async def suggest(self, item: TriageItem, context: TriageContext) -> TriageSuggestion:
        """Category from the model, priority from cue phrases, queue from the roster."""
        assert self.active is not None, "triage runtime not started"
        model = self.active.model
        prediction = model.predict(preprocess(item.subject, item.body))
        priority = suggest_priority(
            f"{item.subject}\n{item.body[:PRIORITY_TEXT_CHARS]}",
            # tier and VIP floors are the core's job (hub.services.triage.apply_floors)
            PriorityContext(alert_severity=item.alert_severity),
        )
        roster = self.roster.fresh()
        if roster is None:
            roster = await self.roster.get()
            await self.check_model()
        decision = self._route(prediction.category, prediction.confidence, roster)
        if not _PEEK.get():
            if decision.review and item.kind != "manual":
                self._log_review(item, context, prediction.confidence, decision, priority)
        confidence = prediction.confidence
        return TriageSuggestion(
            category=FieldSuggestion(
                value=prediction.category,
                confidence=confidence,
                reasons=category_reasons(
                    prediction.category, confidence, prediction.top_terms, model.version
                ),
            ),
            priority=FieldSuggestion(
                value=priority.priority, confidence=priority.confidence, reasons=priority.reasons
            ),
            team=FieldSuggestion(
                value=decision.team, confidence=confidence, reasons=decision.reasons
            ),
            technician_id=None
            if decision.technician_id is None
            else FieldSuggestion(
                value=int(decision.technician_id), confidence=confidence, reasons=decision.reasons
            ),
            model_version=model.version,
        )

    def _route(self, category: str, confidence: float, roster: Any) -> RoutingDecision:
        team = self.settings.teams.get(category)
        threshold = self.settings.review_threshold
        if confidence >= threshold and team is not None and team not in roster.teams:
            return RoutingDecision(
                team=REVIEW_QUEUE,
                technician_id=None,
                review=True,
                reasons=[f"team {team} (for category {category}) does not exist"],
                next_counter=0,
            )
        counter = self.roster.counter(team or "")
        decision = route(
            RoutingRequest(
                category=category,
                confidence=confidence,
                required_skills=frozenset(
                    s.lower() for s in self.settings.skills.get(category, [])
                ),
            ),
            self.roster.technicians(roster),
            counter=counter,
            teams=self.settings.teams,
            on_call=roster.on_call,
            threshold=threshold,
        )
        if not _PEEK.get() and not decision.review:
            self.roster.commit(
                decision.team, decision.next_counter - counter, decision.technician_id
            )
        return decision

    def _log_review(
        self,
        item: TriageItem,
        context: TriageContext,
        confidence: float,
        decision: RoutingDecision,
        priority: Any,
    ) -> None:
        # Buffered: the intake path never waits for this write (see flush_review).
        self._review.append(
            {
                "key": review_key(item),
                "kind": item.kind,
                "sender": item.sender[:320],
                "subject": item.subject,
                "customer_id": item.customer_id,
                "received_at": item.received_at,
                "confidence": confidence,
                "suggestion": {
                    "team": decision.team,
                    "priority": priority.priority,
                    "reasons": [*decision.reasons, *priority.reasons],
                    "customer": context.customer_name,
                },
                "model_version": self.model_version,
            }
        )

    async def flush_review(self) -> int:
        """Write buffered review items (a redelivered item is stored once)."""
        if not self._review:
            return 0
        batch, self._review = self._review, []
        try:
            await insert_many(TriageReviewItem, batch, ignore_conflicts=True)
        except Exception:
            # keep them for the next attempt (bounded), rather than lose the review entries
            self._review = (batch + self._review)[-MAX_BUFFERED:]
            raise
        return len(batch)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush_review()
            except Exception:
                log.exception("triage_review_flush_failed")


CURRENT: dict[str, TriageRuntime] = {}


def current() -> TriageRuntime | None:
    """The runtime of the running hub, if the plugin started."""
    return CURRENT.get("runtime")
