"""The calendar plugin's settings for the running hub.

Route handlers read them from ``hub.state``. The ``hub_calendar_events`` hook is called
without the hub (its contract is ``(range, filters)``), so `hub_startup` also records
the settings it needs here; a process runs one hub, and before start-up the defaults
apply.
"""

from __future__ import annotations

from hub.runtime import Hub
from plugins.calendar.settings import CalendarSettings, parse_settings

STATE_KEY = "calendar.settings"


class _HookSettings:
    """Settings the hook implementation reads (set by `hub_startup`)."""

    current: CalendarSettings = CalendarSettings()


HOOK = _HookSettings()


def settings_of(hub: Hub) -> CalendarSettings:
    """The parsed ``[calendar]`` table of this hub (parsed once)."""
    found = hub.state.get(STATE_KEY)
    if found is None:
        found = parse_settings(hub.settings_for("calendar"))
        hub.state[STATE_KEY] = found
    return found
