"""CalendarEvent validation and its msgspec boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest

from plugins.calendar.errors import CalendarError, RecurrenceRuleError
from plugins.calendar.events import CalendarEvent, make_uid
from plugins.calendar.rrule_text import parse_rrule

START = datetime(2024, 3, 1, 22, tzinfo=ZoneInfo("Europe/Berlin"))


def event(**changes) -> CalendarEvent:
    fields = {
        "uid": make_uid("maintenance", 12),
        "kind": "maintenance",
        "title": "Patch",
        "start": START,
        "end": START + timedelta(hours=2),
        "tz": "Europe/Berlin",
    }
    fields.update(changes)
    return CalendarEvent(**fields)


def test_make_uid_is_stable() -> None:
    assert make_uid("booking", 42) == "booking-42@atlas-hub"
    assert event().uid == "maintenance-12@atlas-hub"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": datetime(2024, 3, 1, 22)}, "start must be timezone-aware"),
        ({"end": START - timedelta(minutes=1)}, "end is before start"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"kind": "Bad Kind"}, "kind 'Bad Kind'"),
        ({"uid": "a\nb"}, "uid must be"),
        ({"all_day": True}, "all-day start must be local midnight"),
        ({"rrule": "FREQ=FORTNIGHTLY"}, "RRULE needs FREQ"),
        ({"rrule": "FREQ=DAILY;COUNT=2;UNTIL=20240101"}, "both COUNT and UNTIL"),
        ({"exdates": [datetime(2024, 3, 8, 22)]}, "exdates must be timezone-aware"),
        ({"alarm_minutes_before": -5}, "alarm_minutes_before"),
    ],
)
def test_invalid_events_are_rejected_with_a_reason(changes: dict, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        event(**changes)


def test_plugin_kinds_are_allowed() -> None:
    assert event(kind="rmm_patch_window").kind == "rmm_patch_window"


def test_json_round_trip_and_naive_datetimes_fail_decoding() -> None:
    original = event(
        rrule="FREQ=WEEKLY", exdates=[START + timedelta(days=7)], task_id=9, meta={"source": "rmm"}
    )
    raw = msgspec.json.encode(original)
    assert msgspec.json.decode(raw, type=CalendarEvent) == original
    broken = raw.replace(b'"2024-03-01T22:00:00+01:00"', b'"2024-03-01T22:00:00"', 1)
    with pytest.raises(msgspec.ValidationError, match="timezone-aware"):
        msgspec.json.decode(broken, type=CalendarEvent)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "one non-empty line"),
        ("FREQ=DAILY;FREQ=WEEKLY", "appears twice"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY value"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "out of range"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;UNTIL=20240231", "not a real date"),
        ("FREQ=DAILY;BYSETPOS=1", "BYSETPOS needs"),
        ("FREQ=DAILY;X-NAME=1", "unsupported"),
    ],
)
def test_bad_rrules(text: str, message: str) -> None:
    with pytest.raises(RecurrenceRuleError, match=message):
        parse_rrule(text)


def test_rrule_text_round_trip_and_until_rewrite() -> None:
    rule = parse_rrule("RRULE:freq=weekly;byday=MO,-1FR;until=20240601T000000")
    assert rule.byweekday == ((0, None), (4, -1))
    assert rule.until is not None and rule.until.form == "local"
    assert rule.to_text("20240531T220000Z") == "FREQ=WEEKLY;BYDAY=MO,-1FR;UNTIL=20240531T220000Z"


def test_aware_comparisons_use_instants() -> None:
    same = event(start=START.astimezone(UTC), end=START.astimezone(UTC) + timedelta(hours=2))
    assert same.start == event().start
