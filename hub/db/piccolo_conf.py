"""piccolo's configuration module (``PICCOLO_CONF=hub.db.piccolo_conf``).

``DB`` is replaced at start-up by :func:`hub.db.engine.use_engine`; piccolo's migration
machinery reads it from here. The app registry holds the core app and every built-in
or installed plugin that declares piccolo apps through ``hub_db_apps``.
"""

from __future__ import annotations

import os
from pathlib import Path

from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine

from hub.db.registry import db_apps

DB = SQLiteEngine(path=os.environ.get("ATLAS_SQLITE_PATH", str(Path("atlas-data/atlas.sqlite3"))))

APP_REGISTRY = AppRegistry(apps=db_apps())
