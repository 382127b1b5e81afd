"""The ``rmm_alert`` rows of one intake batch: read at once, changed in memory, written at once.

Per alert, a SELECT before and an INSERT/UPDATE after cost more than the correlation
itself. So a batch loads the stored rows of all its alert keys in one query, keeps each
alert's current row in memory (a repeat later in the batch sees the earlier one's
changes, as it would have seen the written row) and writes every touched row with one
upsert per chunk before the commit.

Because the table is not written until then, "how many other alerts on this task still
fire" is the stored state of the task's alerts with the batch's own changes laid over it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from plugins.rmm.bulk import chunks, insert_rows
from plugins.rmm.tables import RmmAlert

_WRITTEN = [c._meta.db_column_name for c in RmmAlert._meta.columns if c._meta.name != "id"]
# an upsert of a stored alert keeps its identity and first sighting
_UPDATED = [c for c in _WRITTEN if c not in ("alert_key", "source", "fingerprint", "first_seen")]


class AlertRows:
    """Current ``rmm_alert`` rows of the batch's alerts, by ``alert_key``."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Any]] = {}
        self._loaded: set[str] = set()
        #: keys changed in this batch, in first-change order (the insert order of new rows)
        self._dirty: dict[str, None] = {}
        #: task id -> keys of the batch's changed alerts now linked to it
        self._by_task: dict[int, set[str]] = {}
        #: task id -> keys of alerts firing on it as stored (the table is unchanged until flush)
        self._stored_firing: dict[int, set[str]] = {}

    async def load(self, keys: Iterable[str]) -> None:
        """Read the stored rows of ``keys`` not read yet (one query per chunk)."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self._loaded]
        for part in chunks(wanted):
            for row in await RmmAlert.select().where(RmmAlert.alert_key.is_in(part)):
                self._rows[row["alert_key"]] = row
        self._loaded.update(wanted)

    def get(self, key: str) -> dict[str, Any] | None:
        """The alert's row as stored or as changed earlier in the batch (``None``: new)."""
        return self._rows.get(key)

    def linked_tasks(self) -> set[int]:
        """Tasks the loaded rows point at."""
        return {r["task"] for r in self._rows.values() if r["task"] is not None}

    def put(self, key: str, row: dict[str, Any]) -> None:
        """Replace the alert's row (written at ``flush``)."""
        old = self._rows.get(key)
        if key in self._dirty and old is not None and old["task"] is not None:
            self._by_task.get(old["task"], set()).discard(key)
        self._rows[key] = row
        self._dirty[key] = None
        if row["task"] is not None:
            self._by_task.setdefault(row["task"], set()).add(key)

    async def load_firing(self, task_ids: Iterable[int]) -> None:
        """Read which stored alerts fire on ``task_ids`` (those not read yet)."""
        wanted = [t for t in dict.fromkeys(task_ids) if t not in self._stored_firing]
        for part in chunks(wanted):
            for t in part:
                self._stored_firing[t] = set()
            rows = await RmmAlert.select(RmmAlert.alert_key, RmmAlert.task).where(
                RmmAlert.task.is_in(part) & (RmmAlert.status == "firing")
            )
            for row in rows:
                self._stored_firing[row["task"]].add(row["alert_key"])

    async def other_firing(self, task_id: int, alert_key: str) -> int:
        """Alerts linked to ``task_id`` still firing, other than ``alert_key``."""
        await self.load_firing([task_id])
        firing = {k for k in self._stored_firing[task_id] if k not in self._dirty}
        for key in self._by_task.get(task_id, ()):
            if self._rows[key]["status"] == "firing":
                firing.add(key)
        firing.discard(alert_key)
        return len(firing)

    async def flush(self) -> None:
        """Write every changed row: new ones inserted, stored ones updated, by one upsert."""
        rows = [self._rows[k] for k in self._dirty]
        values = [tuple(row[c] for c in _WRITTEN) for row in rows]
        await insert_rows(RmmAlert, _WRITTEN, values, conflict="alert_key", update=_UPDATED)
        self._dirty.clear()
        self._by_task.clear()
        self._stored_firing.clear()
        self._loaded.clear()
        self._rows.clear()
