"""Indexes on optional task columns hold only the rows that have a value.

A task without a technician, team, milestone or parent (most new tasks) then writes no
entry into those four indexes. Every query that uses them compares the column with a
value (``= ?``, ``IN (...)``), which implies ``IS NOT NULL``, so SQLite and PostgreSQL
both still choose them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial indexes on optional task columns"

#: index -> (columns, the column that must be set)
PARTIAL = {
    "task_tech_due_id": ("assignee_technician, queue_due_at, id", "assignee_technician"),
    "task_team_due_id": ("assignee_team, queue_due_at, id", "assignee_team"),
    "task_milestone_id": ("milestone_id", "milestone_id"),
    "task_parent_task_id": ("parent_task_id", "parent_task_id"),
}


async def _rebuild(partial: bool) -> None:
    engine = engine_finder()
    for name, (columns, column) in PARTIAL.items():
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
        where = f" WHERE {column} IS NOT NULL" if partial else ""
        await engine.run_ddl(f"CREATE INDEX {name} ON task ({columns}){where}")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def partial() -> None:
        await _rebuild(partial=True)

    async def full() -> None:
        await _rebuild(partial=False)

    manager.add_raw(partial)
    manager.add_raw_backwards(full)
    return manager
