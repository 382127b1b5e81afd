"""The ``billing`` piccolo app: rate card, profiles, agreements, invoices, exports."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from plugins.billing.tables import BILLING_TABLES

APP_CONFIG = AppConfig(
    app_name="billing",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(BILLING_TABLES),
    migration_dependencies=["hub.db.piccolo_app"],
    commands=[],
)
