"""Events of every plugin: one call of ``hub_calendar_events``, awaited and checked.

Each implementation is called on its own so that one failing plugin costs the view that
plugin's events (logged), not the whole calendar. Items that are neither a
`CalendarEvent` nor an `Occurrence` are dropped with a log line naming the plugin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.contracts import TimeRange
from hub.logs import get_logger
from hub.plugins import PluginManager, await_me_maybe
from plugins.calendar.events import CalendarEvent, Occurrence
from plugins.calendar.recurrence import expand

log = get_logger("plugins.calendar.collect")


async def collect(
    pm: PluginManager, start: datetime, end: datetime, filters: dict[str, Any]
) -> list[CalendarEvent | Occurrence]:
    """What every plugin contributes for ``[start, end)`` and `filters`."""
    kwargs = {"range": TimeRange(start=start, end=end), "filters": filters}
    found: list[CalendarEvent | Occurrence] = []
    # pluggy calls implementations last-registered-first; keep that order.
    for impl in reversed(pm.hook.hub_calendar_events.get_hookimpls()):
        try:
            result = await await_me_maybe(impl.function(*(kwargs[a] for a in impl.argnames)))
        except Exception:
            log.exception("calendar_events_failed", plugin=impl.plugin_name)
            continue
        for item in result or ():
            if isinstance(item, CalendarEvent | Occurrence):
                found.append(item)
            else:
                log.warning(
                    "calendar_event_dropped", plugin=impl.plugin_name, type=type(item).__name__
                )
    return found


def occurrences(
    items: list[CalendarEvent | Occurrence], start: datetime, end: datetime
) -> list[Occurrence]:
    """Every item as occurrences overlapping the range (events expanded), sorted."""
    found: list[Occurrence] = []
    for item in items:
        if isinstance(item, CalendarEvent):
            found.extend(expand(item, start, end))
        elif _overlaps(item, start, end):
            found.append(item)
    found.sort(key=lambda occ: (occ.start, occ.uid))
    return found


def _overlaps(occ: Occurrence, start: datetime, end: datetime) -> bool:
    if occ.start == occ.end:
        return start <= occ.start < end
    return occ.start < end and occ.end > start
