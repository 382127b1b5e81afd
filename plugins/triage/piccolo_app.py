"""The triage plugin's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.triage.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="triage",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["hub.db.piccolo_app"],
    commands=[],
)
