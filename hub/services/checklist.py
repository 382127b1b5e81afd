"""A task's checklist: add, edit, check/uncheck (who and when), reorder, delete."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.tables import ChecklistItem, Task
from hub.errors import BadRequest, NotFound
from hub.schemas.tasks import Checklist, ChecklistItemIn, ChecklistItemOut, ChecklistItemPatch
from hub.services import audit
from hub.services.context import Actor
from hub.services.task_rows import load_row
from hub.services.tasks import HubLike, event_for, now_utc


def _out(row: dict[str, Any]) -> ChecklistItemOut:
    return ChecklistItemOut(
        id=row["id"],
        task_id=row["task"],
        position=row["position"],
        text=row["text"],
        done=row["done"],
        done_by=row["done_by"],
        done_at=row["done_at"],
    )


async def get_checklist(task_id: int) -> Checklist:
    await load_row(task_id)
    rows = (
        await ChecklistItem.select()
        .where(ChecklistItem.task == task_id)
        .order_by(ChecklistItem.position)
        .order_by(ChecklistItem.id)
    )
    items = [_out(r) for r in rows]
    done = sum(1 for i in items if i.done)
    return Checklist(
        items=items, done=done, total=len(items), summary=f"{done} of {len(items)} done"
    )


async def _refresh_counts(task_id: int) -> None:
    rows = await ChecklistItem.select(ChecklistItem.done).where(ChecklistItem.task == task_id)
    await Task.update(
        {
            Task.checklist_total: len(rows),
            Task.checklist_done: sum(1 for r in rows if r["done"]),
            Task.updated_at: now_utc(),
        }
    ).where(Task.id == task_id)


async def _item(task_id: int, item_id: int) -> dict[str, Any]:
    row = (
        await ChecklistItem.select()
        .where((ChecklistItem.id == item_id) & (ChecklistItem.task == task_id))
        .first()
    )
    if row is None:
        raise NotFound("checklist item", item_id)
    return row


async def _announce(hub: HubLike, task_id: int, actor: Actor, change: str) -> None:
    row = await load_row(task_id)
    await hub.task_event(
        event_for("checklist_changed", row, actor, now_utc(), checklist=(None, change))
    )


async def add_item(hub: HubLike, task_id: int, data: ChecklistItemIn, actor: Actor) -> Checklist:
    async with write_transaction():
        await load_row(task_id)
        existing = await ChecklistItem.count().where(ChecklistItem.task == task_id)
        position = existing if data.position is None else max(0, min(data.position, existing))
        await ChecklistItem.update({ChecklistItem.position: ChecklistItem.position + 1}).where(
            (ChecklistItem.task == task_id) & (ChecklistItem.position >= position)
        )
        item = ChecklistItem(task=task_id, position=position, text=data.text.strip())
        await item.save()
        await _refresh_counts(task_id)
        await audit.record(
            audit.entries(
                "task",
                task_id,
                actor.name,
                actor.channel,
                "checklist_added",
                {"checklist": (None, data.text.strip())},
            )
        )
    await _announce(hub, task_id, actor, "added")
    return await get_checklist(task_id)


async def update_item(
    hub: HubLike, task_id: int, item_id: int, patch: ChecklistItemPatch, actor: Actor
) -> Checklist:
    async with write_transaction():
        row = await _item(task_id, item_id)
        values: dict[Any, Any] = {}
        changes: dict[str, tuple[Any, Any]] = {}
        if patch.text is not UNSET and patch.text.strip() != row["text"]:
            values[ChecklistItem.text] = patch.text.strip()
            changes["checklist.text"] = (row["text"], patch.text.strip())
        if patch.done is not UNSET and patch.done != row["done"]:
            values[ChecklistItem.done] = patch.done
            values[ChecklistItem.done_by] = actor.name if patch.done else None
            values[ChecklistItem.done_at] = now_utc() if patch.done else None
            changes["checklist.done"] = (f"{row['text']}: {row['done']}", patch.done)
        if not values:
            return await get_checklist(task_id)
        await ChecklistItem.update(values).where(ChecklistItem.id == item_id)
        await _refresh_counts(task_id)
        await audit.record(
            audit.entries("task", task_id, actor.name, actor.channel, "checklist_updated", changes)
        )
    await _announce(hub, task_id, actor, "updated")
    return await get_checklist(task_id)


async def reorder(hub: HubLike, task_id: int, item_ids: list[int], actor: Actor) -> Checklist:
    async with write_transaction():
        rows = await ChecklistItem.select(ChecklistItem.id).where(ChecklistItem.task == task_id)
        current = {r["id"] for r in rows}
        if set(item_ids) != current or len(item_ids) != len(current):
            raise BadRequest(
                "item_ids: must list every item of the checklist exactly once", field="item_ids"
            )
        for position, item_id in enumerate(item_ids):
            await ChecklistItem.update({ChecklistItem.position: position}).where(
                ChecklistItem.id == item_id
            )
        await audit.record(
            audit.entries("task", task_id, actor.name, actor.channel, "checklist_reordered")
        )
    await _announce(hub, task_id, actor, "reordered")
    return await get_checklist(task_id)


async def delete_item(hub: HubLike, task_id: int, item_id: int, actor: Actor) -> Checklist:
    async with write_transaction():
        row = await _item(task_id, item_id)
        await ChecklistItem.delete().where(ChecklistItem.id == item_id)
        await ChecklistItem.update({ChecklistItem.position: ChecklistItem.position - 1}).where(
            (ChecklistItem.task == task_id) & (ChecklistItem.position > row["position"])
        )
        await _refresh_counts(task_id)
        await audit.record(
            audit.entries(
                "task",
                task_id,
                actor.name,
                actor.channel,
                "checklist_deleted",
                {"checklist": (row["text"], None)},
            )
        )
    await _announce(hub, task_id, actor, "deleted")
    return await get_checklist(task_id)
