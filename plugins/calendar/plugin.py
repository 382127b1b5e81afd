"""Calendar plugin: maintenance windows, availability, on-call, bookings, feeds.

Implements ``hub_calendar_events`` for its own kinds (maintenance, availability, leave,
oncall, booking, sla_deadline, milestone) and collects every plugin's answers to that
hook for the unified view and the iCalendar feeds.
"""

from __future__ import annotations

from typing import Any

from hub.contracts import TimeRange
from hub.hookspecs import hookimpl
from hub.runtime import Hub
from plugins.calendar.api_admin import FeedController, RotationController
from plugins.calendar.api_entries import ENTRY_CONTROLLERS
from plugins.calendar.api_views import CalendarViewController, OnCallController
from plugins.calendar.events import CalendarEvent, Occurrence
from plugins.calendar.feed_route import calendar_feed
from plugins.calendar.runtime import HOOK, STATE_KEY, settings_of
from plugins.calendar.sources import own_events, parse_filters


@hookimpl
def hub_startup(hub: Hub) -> None:
    """Parse ``[calendar]`` once (a bad value stops start-up with a clear message)."""
    hub.state.pop(STATE_KEY, None)
    HOOK.current = settings_of(hub)


@hookimpl
def hub_api_routes(hub: Hub) -> list[Any]:
    """The calendar API under ``/api/v1``."""
    return [
        *ENTRY_CONTROLLERS,
        CalendarViewController,
        RotationController,
        FeedController,
        OnCallController,
    ]


@hookimpl
def hub_routes(hub: Hub) -> list[Any]:
    """``/calendar/{token}.ics``: token-authenticated, outside the bearer-key API."""
    return [calendar_feed]


@hookimpl
async def hub_calendar_events(
    range: TimeRange, filters: dict[str, Any]
) -> list[CalendarEvent | Occurrence]:
    """This plugin's events overlapping ``range``.

    Returns `Occurrence`s (recurring entries expanded inside the range, times UTC), so a
    caller such as the RMM plugin can test ``start <= t < end`` directly. Maintenance
    occurrences carry ``customer_id`` and ``meta["devices"]`` (device ids; empty = every
    device of the customer). With ``filters["series"]`` true, recurring stored entries
    come back whole as `CalendarEvent`s with their RRULE instead (the feeds use this).
    """
    return await own_events(
        range.start, range.end, parse_filters(filters), HOOK.current.sla_alarm_minutes
    )
