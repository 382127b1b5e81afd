"""The ``projects`` piccolo app: project and milestone tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hub.projects.tables import PROJECT_TABLES

APP_CONFIG = AppConfig(
    app_name="projects",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(PROJECT_TABLES),
    migration_dependencies=["hub.db.piccolo_app"],
    commands=[],
)
