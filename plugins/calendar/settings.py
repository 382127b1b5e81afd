"""The ``[calendar]`` table of plugins.toml, parsed once into a typed struct."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from hub.settings import SettingsError

Days = Annotated[int, msgspec.Meta(ge=1, le=3660)]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=10_080)]


class CalendarSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Calendar settings; every field has a default so an empty table works."""

    #: VALARM on SLA deadlines this many minutes before the due time
    sla_alarm_minutes: Minutes = 30
    #: a feed shows on-call shifts, deadlines and milestones from this many days ago ...
    feed_past_days: Days = 31
    #: ... to this many days ahead (recurring windows are written whole, as RRULEs)
    feed_future_days: Days = 186
    #: a recurring maintenance window is checked for overlaps this far ahead of its start
    conflict_horizon_days: Days = 366
    #: the longest range GET /api/v1/calendar and the conflict list accept
    max_range_days: Days = 400
    #: how far POST /api/v1/calendar/free-slots searches by default
    free_slot_horizon_days: Days = 14
    #: public address of the hub; feed URLs are returned absolute when it is set
    base_url: str = ""


def parse_settings(raw: dict[str, Any]) -> CalendarSettings:
    """Validate the plugin's table; raise `SettingsError` naming the bad key."""
    try:
        return msgspec.convert(raw, CalendarSettings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"plugins.toml [calendar]: {exc}") from exc
