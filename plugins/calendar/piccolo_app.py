"""The calendar's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.calendar.tables import CALENDAR_TABLES

APP_CONFIG = AppConfig(
    app_name="calendar",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(CALENDAR_TABLES),
    migration_dependencies=["hub.db.piccolo_app"],
    commands=[],
)
