"""Drop task indexes that a composite queue index already covers.

Each of these single-column indexes has a composite index with the same leading column
(see the queue-indexes migration), which serves every look-up the single one did. Every
index is one more B-tree page written per task insert and update: on SQLite in WAL mode
a commit writes each changed page to the log, so 23 indexes made a task insert about
twice as expensive as the 14 kept here.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "trim redundant task indexes"

#: dropped index -> (its column, the composite index that covers it)
COVERED = {
    "task_customer": ("customer", "task_customer_due_id"),
    "task_priority_rank": ("priority_rank", "task_priority_id"),
    "task_status": ("status", "task_status_due_id"),
    "task_assignee_technician": ("assignee_technician", "task_tech_due_id"),
    "task_assignee_team": ("assignee_team", "task_team_due_id"),
    "task_queue_due_at": ("queue_due_at", "task_queue_due_id"),
    "task_created_at": ("created_at", "task_created_id"),
    "task_sla_next_check_at": ("sla_next_check_at", "task_sla_check"),
    # the text priority is never filtered on: queries use priority_rank
    "task_priority": ("priority", ""),
}


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hub", description=DESCRIPTION)
    # through alter_column, so piccolo's migration snapshot knows the indexes are gone
    for column, _ in COVERED.values():
        manager.alter_column(
            table_class_name="Task",
            tablename="task",
            column_name=column,
            db_column_name=column,
            params={"index": False},
            old_params={"index": True},
            schema=None,
        )
    return manager
