"""Audit entries: who changed what, when, from which channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.db.one_trip import Row
from hub.db.tables import AuditEntry
from hub.schemas.tasks import AuditOut


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def entries(
    entity: str,
    entity_id: int,
    actor: str,
    channel: str,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> list[AuditEntry]:
    """Rows for one change (one per field, or one without a field for create/delete)."""
    if not changes:
        return [
            AuditEntry(
                entity=entity,
                entity_id=entity_id,
                actor=actor,
                channel=channel,
                action=action,
                field="",
                old=None,
                new=None,
            )
        ]
    return [
        AuditEntry(
            entity=entity,
            entity_id=entity_id,
            actor=actor,
            channel=channel,
            action=action,
            field=field,
            old=_text(old),
            new=_text(new),
        )
        for field, (old, new) in changes.items()
    ]


def creation(actor: str, channel: str, at: datetime, *, entity: str) -> Row:
    """The "created" entry of a row being inserted (``insert_family`` fills in its id)."""
    values = {
        "entity": entity,
        "actor": actor,
        "channel": channel,
        "action": "created",
        "field": "",
        "old": None,
        "new": None,
        "at": at,
    }
    return Row(AuditEntry, values, parent_id_column="entity_id")


async def record(rows: list[AuditEntry]) -> None:
    if rows:
        await AuditEntry.insert(*rows)


async def for_entity(entity: str, entity_id: int) -> list[AuditOut]:
    rows = (
        await AuditEntry.select()
        .where((AuditEntry.entity == entity) & (AuditEntry.entity_id == entity_id))
        .order_by(AuditEntry.id)
    )
    return [
        AuditOut(
            id=r["id"],
            actor=r["actor"],
            channel=r["channel"],
            action=r["action"],
            field=r["field"],
            old=r["old"],
            new=r["new"],
            at=r["at"],
        )
        for r in rows
    ]
