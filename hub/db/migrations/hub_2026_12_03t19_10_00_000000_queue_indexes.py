"""Composite indexes for the queue's keyset pagination (piccolo declares single columns).

Each index covers a common filter, then the sort key, then ``id`` (the tie-breaker of
every cursor), so a page is an index range scan whatever the table size.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T19:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "queue indexes"

INDEXES = {
    "task_queue_due_id": "(queue_due_at, id)",
    "task_status_due_id": "(status, queue_due_at, id)",
    "task_priority_id": "(priority_rank, id)",
    "task_status_priority_id": "(status, priority_rank, id)",
    "task_created_id": "(created_at, id)",
    "task_customer_due_id": "(customer, queue_due_at, id)",
    "task_tech_due_id": "(assignee_technician, queue_due_at, id)",
    "task_team_due_id": "(assignee_team, queue_due_at, id)",
    "task_sla_check": "(sla_next_check_at, status)",
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        for name, columns in INDEXES.items():
            await engine.run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON task {columns}")

    async def drop() -> None:
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
