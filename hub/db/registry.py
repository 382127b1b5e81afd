"""Which piccolo apps make up the database: the core plus plugin apps."""

from __future__ import annotations

from importlib.metadata import entry_points

#: Built-in plugins whose tables live in their own piccolo app.
_BUILTIN_APPS = (
    "hub.projects.piccolo_app",
    "plugins.inbox.piccolo_app",
    "plugins.rmm.piccolo_app",
    "plugins.calendar.piccolo_app",
    "plugins.billing.piccolo_app",
    "plugins.portal.piccolo_app",
    "plugins.triage.piccolo_app",
)


def db_apps() -> list[str]:
    """Module paths of every piccolo app, core first.

    Third-party plugins add theirs through the ``atlas_hub.db_apps`` entry-point
    group (value: the module path of a ``piccolo_app`` module).
    """
    from importlib.util import find_spec

    def present(name: str) -> bool:
        try:
            return find_spec(name) is not None
        except ModuleNotFoundError:  # its package is absent (a plugin without tables)
            return False

    apps = ["hub.db.piccolo_app"]
    apps += [name for name in _BUILTIN_APPS if present(name)]
    for ep in entry_points(group="atlas_hub.db_apps"):
        apps.append(ep.value)
    return apps
