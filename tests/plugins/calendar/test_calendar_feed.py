"""The iCalendar feed, read back by the `icalendar` package and by Mozilla's ical.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from plugins.calendar.events import CalendarEvent, Occurrence, make_uid
from plugins.calendar.feed import build_feed, clean_text, instance_uid
from plugins.calendar.recurrence import expand
from plugins.calendar.vtimezone import vtimezone

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
NASTY = 'Reboot; DC-1, "core" \\ switch\nline two\r\nthree\x07 ü 🚀\tend'
JS_DIR = Path(__file__).parent / "js"


def maintenance() -> CalendarEvent:
    return CalendarEvent(
        uid=make_uid("maintenance", 1),
        kind="maintenance",
        title=NASTY,
        description="Patch Tuesday; all servers, one by one",
        location="Rack 4, Room 2",
        start=datetime(2024, 3, 8, 22, tzinfo=BERLIN),
        end=datetime(2024, 3, 9, 6, tzinfo=BERLIN),
        tz="Europe/Berlin",
        rrule="FREQ=WEEKLY;UNTIL=20240510T220000",
        exdates=[datetime(2024, 3, 22, 22, tzinfo=BERLIN)],
        customer_id=7,
        sequence=4,
    )


def standup() -> CalendarEvent:
    return CalendarEvent(
        uid=make_uid("availability", 2),
        kind="availability",
        title="NY desk",
        start=datetime(2024, 10, 21, 9, tzinfo=NEW_YORK),
        end=datetime(2024, 10, 21, 17, tzinfo=NEW_YORK),
        tz="America/New_York",
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        technician_id=3,
    )


def deadline() -> Occurrence:
    moment = datetime(2024, 3, 12, 15, 30, tzinfo=UTC)
    return Occurrence(
        uid=make_uid("sla_deadline", 77),
        kind="sla_deadline",
        title="SLA resolution due: task 77",
        start=moment,
        end=moment,
        task_id=77,
        alarm_minutes_before=30,
    )


def holiday() -> CalendarEvent:
    return CalendarEvent(
        uid=make_uid("leave", 9),
        kind="leave",
        title="Leave",
        start=datetime(2024, 3, 25, tzinfo=BERLIN),
        end=datetime(2024, 3, 27, tzinfo=BERLIN),
        all_day=True,
        tz="Europe/Berlin",
        technician_id=3,
    )


def feed() -> bytes:
    return build_feed(
        "Team Ops, Berlin",
        [maintenance(), standup(), deadline(), holiday()],
        "Europe/Berlin",
        now=NOW,
    )


def events_by_uid(raw: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(raw)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_calendar_header_and_timezones() -> None:
    calendar = Calendar.from_ical(feed())
    assert str(calendar["PRODID"]) == "-//Atlas Hub//Calendar Feed 1.0//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Team Ops, Berlin"
    assert sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Berlin",
    ]
    assert calendar.get_missing_tzids() == set()


def test_recurring_events_are_kept_as_rules_not_expanded() -> None:
    events = events_by_uid(feed())
    assert len(events) == 4
    patch = events["maintenance-1@atlas-hub"]
    assert patch["DTSTART"].dt == datetime(2024, 3, 8, 22, tzinfo=BERLIN)
    assert patch["DTSTART"].params["TZID"] == "Europe/Berlin"
    # A floating UNTIL is rewritten to UTC, as RFC 5545 requires beside a TZID DTSTART.
    assert patch["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20240510T200000Z"
    assert [d.dt for d in patch["EXDATE"].dts] == [datetime(2024, 3, 22, 22, tzinfo=BERLIN)]
    assert patch["SEQUENCE"] == 4
    assert patch["DTSTAMP"].dt == NOW
    assert [str(c) for c in patch["CATEGORIES"].cats] == ["maintenance"]
    assert str(patch["LOCATION"]) == "Rack 4, Room 2"
    ny = events["availability-2@atlas-hub"]
    assert set(ny["RRULE"].to_ical().split(b";")) == {b"FREQ=WEEKLY", b"BYDAY=MO", b"COUNT=6"}
    assert str(ny["TRANSP"]) == "TRANSPARENT"


def test_text_is_escaped_and_round_trips() -> None:
    raw = feed()
    assert b'SUMMARY:Reboot\\; DC-1\\, "core" \\\\ switch\\nline two\\nthree' in raw
    assert b"\x07" not in raw
    summary = events_by_uid(raw)["maintenance-1@atlas-hub"]["SUMMARY"]
    assert str(summary) == clean_text(NASTY) == NASTY.replace("\r\n", "\n").replace("\x07", "")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert raw.endswith(b"END:VCALENDAR\r\n")


def test_sla_deadline_has_display_alarm_and_no_dtend() -> None:
    sla = events_by_uid(feed())["sla_deadline-77@atlas-hub"]
    assert "DTEND" not in sla
    assert sla["DTSTART"].dt == datetime(2024, 3, 12, 16, 30, tzinfo=BERLIN)
    (alarm,) = sla.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)
    assert b"TRIGGER:-PT30M" in feed()


def test_all_day_events_use_dates() -> None:
    leave = events_by_uid(feed())["leave-9@atlas-hub"]
    assert leave["DTSTART"].dt == date(2024, 3, 25)
    assert leave["DTEND"].dt == date(2024, 3, 27)


def test_feed_is_deterministic_and_instances_get_their_own_uid() -> None:
    assert feed() == feed()
    (instance,) = expand(
        maintenance(), datetime(2024, 3, 15, tzinfo=UTC), datetime(2024, 3, 16, tzinfo=UTC)
    )
    assert instance_uid(instance) == "maintenance-1-20240315T210000Z@atlas-hub"
    raw = build_feed("x", [instance, deadline()], "UTC", now=NOW)
    assert set(events_by_uid(raw)) == {
        "maintenance-1-20240315T210000Z@atlas-hub",
        "sla_deadline-77@atlas-hub",
    }
    assert b"BEGIN:VTIMEZONE" not in raw and b"DTSTART:20240315T210000Z" in raw


@pytest.mark.parametrize(
    "tzid",
    ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Europe/Istanbul"],
)
def test_vtimezone_matches_zoneinfo_hour_by_hour(tzid: str) -> None:
    component = vtimezone(tzid, 2014, 2026)
    assert b"RDATE" not in component.to_ical()  # ical.js 2.2 reads only the first RDATE value
    parsed = (
        Calendar.from_ical(
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
            + component.to_ical()
            + b"END:VCALENDAR\r\n"
        )
        .walk("VTIMEZONE")[0]
        .to_tz()
    )
    local = ZoneInfo(tzid)
    moment = datetime(2014, 1, 1, tzinfo=UTC)
    # Past the covered years the open yearly rules must still be right (2030).
    while moment < datetime(2031, 1, 1, tzinfo=UTC):
        wall = moment.astimezone(local).replace(tzinfo=None)
        expected = moment.astimezone(local).utcoffset()
        if (
            moment.astimezone(local).fold == 0
            and wall.replace(tzinfo=local).astimezone(UTC) == moment
        ):
            assert wall.replace(tzinfo=parsed).utcoffset() == expected, (tzid, wall)
        moment += timedelta(hours=7)


# --- ical.js ---------------------------------------------------------------------------


def run_icaljs(raw: bytes, limit: int = 20) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: ical.js cross-check skipped")
    if not (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        pytest.skip(f"ical.js is not installed: run `npm install --prefix {JS_DIR}`")
    done = subprocess.run(
        [node, str(JS_DIR / "read_feed.mjs"), str(limit)],
        input=raw,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def test_icaljs_expands_berlin_window_across_dst_at_22_local() -> None:
    data = run_icaljs(feed())
    assert data["name"] == "Team Ops, Berlin" and data["version"] == "2.0"
    events = {e["uid"]: e for e in data["events"]}
    patch = events["maintenance-1@atlas-hub"]
    assert patch["summary"] == clean_text(NASTY)
    assert patch["sequence"] == 4 and patch["tzid"] == "Europe/Berlin"
    starts = [i["start_local"] for i in patch["instances"]]
    assert starts == [
        f"2024-{d}T22:00:00"
        for d in ("03-08", "03-15", "03-29", "04-05", "04-12", "04-19", "04-26", "05-03", "05-10")
    ]
    assert [i["start_utc"][11:16] for i in patch["instances"]][2:4] == ["21:00", "20:00"]
    assert all(i["end_local"].endswith("T06:00:00") for i in patch["instances"])
    # ical.js and our own expansion agree instance by instance.
    ours = expand(maintenance(), datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    assert [i["start_utc"] for i in patch["instances"]] == [
        o.start.strftime("%Y-%m-%dT%H:%M:%S.000Z") for o in ours
    ]
    assert [i["end_utc"] for i in patch["instances"]] == [
        o.end.strftime("%Y-%m-%dT%H:%M:%S.000Z") for o in ours
    ]


def test_icaljs_new_york_across_fall_dst_and_count() -> None:
    ny = next(e for e in run_icaljs(feed())["events"] if e["uid"] == "availability-2@atlas-hub")
    assert [i["start_local"][5:] for i in ny["instances"]] == [
        "10-21T09:00:00",
        "10-28T09:00:00",
        "11-04T09:00:00",
        "11-11T09:00:00",
        "11-18T09:00:00",
        "11-25T09:00:00",
    ]
    assert [i["start_utc"][11:13] for i in ny["instances"]] == ["13", "13", "14", "14", "14", "14"]


def test_icaljs_reads_the_valarm_trigger_and_all_day_dates() -> None:
    events = {e["uid"]: e for e in run_icaljs(feed())["events"]}
    sla = events["sla_deadline-77@atlas-hub"]
    assert sla["alarms"] == [
        {
            "action": "DISPLAY",
            "trigger": "-PT30M",
            "trigger_seconds": -1800,
            "description": "SLA resolution due: task 77",
        }
    ]
    assert sla["start_utc"] == "2024-03-12T15:30:00.000Z"
    assert sla["categories"] == "sla_deadline"
    leave = events["leave-9@atlas-hub"]
    assert leave["is_date"] is True and leave["start_local"] == "2024-03-25"
