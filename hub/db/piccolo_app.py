"""The core piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.db.tables import CORE_TABLES

APP_CONFIG = AppConfig(
    app_name="hub",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(CORE_TABLES),
    migration_dependencies=[],
    commands=[],
)
