"""The ``rmm`` piccolo app: alert, correlation and mapping tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.rmm.tables import RMM_TABLES

APP_CONFIG = AppConfig(
    app_name="rmm",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(RMM_TABLES),
    migration_dependencies=["hub.db.piccolo_app"],
    commands=[],
)
