"""The portal's piccolo app: its tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.portal.tables import PORTAL_TABLES

APP_CONFIG = AppConfig(
    app_name="portal",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(PORTAL_TABLES),
    migration_dependencies=["hub.db.piccolo_app"],
    commands=[],
)
