"""On-call rotations: hand-overs in local time, DST, custom periods, overrides and swaps."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from plugins.calendar.errors import CalendarError
from plugins.calendar.oncall import (
    OnCallOverride,
    OnCallRotation,
    handover_at,
    scheduled_member,
    shifts,
    who_is_on_call,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def weekly(overrides: list[OnCallOverride] | None = None) -> OnCallRotation:
    # 2024-03-13 is a Wednesday; the first Monday hand-over is 2024-03-18 09:00.
    return OnCallRotation(
        team_id=5,
        members=[1, 2, 3],
        tz="Europe/Berlin",
        start_date=date(2024, 3, 13),
        handover_weekday=0,
        handover_time=time(9, 0),
        overrides=overrides or [],
    )


def test_weekly_handover_on_monday_0900_local() -> None:
    rotation = weekly()
    assert who_is_on_call(rotation, berlin(2024, 3, 18, 8, 59)) is None
    assert who_is_on_call(rotation, berlin(2024, 3, 18, 9, 0)) == 1
    assert who_is_on_call(rotation, berlin(2024, 3, 25, 8, 59)) == 1
    assert who_is_on_call(rotation, berlin(2024, 3, 25, 9, 0)) == 2
    assert who_is_on_call(rotation, berlin(2024, 4, 1, 9, 0)) == 3
    assert who_is_on_call(rotation, berlin(2024, 4, 8, 9, 0)) == 1


def test_shift_across_spring_dst_is_an_hour_shorter_in_utc() -> None:
    found = shifts(weekly(), berlin(2024, 3, 26), berlin(2024, 3, 27))
    (shift,) = found
    assert shift.technician_id == 2 and shift.kind == "oncall" and shift.team_id == 5
    assert shift.start == datetime(2024, 3, 25, 8, tzinfo=UTC)
    assert shift.end == datetime(2024, 4, 1, 7, tzinfo=UTC)
    assert shift.duration == timedelta(hours=167)
    assert shift.end.astimezone(BERLIN).time() == time(9, 0)


def test_custom_period_new_york_across_fall_dst() -> None:
    rotation = OnCallRotation(
        team_id=8,
        members=[10, 20],
        tz="America/New_York",
        start_date=date(2024, 10, 31),
        handover_time=time(18, 0),
        period_days=3,
    )
    found = shifts(rotation, datetime(2024, 10, 31, tzinfo=UTC), datetime(2024, 11, 9, tzinfo=UTC))
    local = [(s.start.astimezone(NEW_YORK).strftime("%m-%d %H:%M"), s.technician_id) for s in found]
    assert local == [("10-31 18:00", 10), ("11-03 18:00", 20), ("11-06 18:00", 10)]
    assert [s.duration for s in found] == [
        timedelta(hours=73),
        timedelta(hours=72),
        timedelta(hours=72),
    ]
    assert handover_at(rotation, 1) == datetime(2024, 11, 3, 23, tzinfo=UTC)


def test_override_splits_a_shift_in_three() -> None:
    cover = OnCallOverride(
        technician_id=9,
        start=berlin(2024, 3, 27, 12),
        end=berlin(2024, 3, 28, 12),
        replaces=2,
        reason="doctor",
    )
    rotation = weekly([cover])
    found = shifts(rotation, berlin(2024, 3, 25, 9), berlin(2024, 4, 1, 9))
    assert [(s.technician_id, s.start.astimezone(BERLIN).strftime("%d %H")) for s in found] == [
        (2, "25 09"),
        (9, "27 12"),
        (2, "28 12"),
    ]
    assert found[1].meta == {"scheduled": 2, "override": True, "shift": 1}
    assert found[1].end == cover.end
    assert who_is_on_call(rotation, berlin(2024, 3, 27, 11, 59)) == 2
    assert who_is_on_call(rotation, berlin(2024, 3, 27, 12)) == 9
    assert who_is_on_call(rotation, berlin(2024, 3, 28, 12)) == 2
    assert scheduled_member(rotation, berlin(2024, 3, 27, 12)) == 2
    assert len({s.uid for s in found}) == 3


def test_override_for_another_member_does_not_apply() -> None:
    swap = OnCallOverride(
        technician_id=3, start=berlin(2024, 3, 26), end=berlin(2024, 3, 27), replaces=1
    )
    rotation = weekly([swap])
    assert who_is_on_call(rotation, berlin(2024, 3, 26, 12)) == 2
    assert [
        s.technician_id for s in shifts(rotation, berlin(2024, 3, 26), berlin(2024, 3, 27))
    ] == [2]


def test_cover_across_a_handover_is_split_at_the_handover() -> None:
    cover = OnCallOverride(technician_id=7, start=berlin(2024, 3, 24), end=berlin(2024, 3, 26))
    found = shifts(weekly([cover]), berlin(2024, 3, 23), berlin(2024, 3, 27))
    summary = [
        (s.technician_id, s.meta["scheduled"], s.start.astimezone(BERLIN).strftime("%d %H"))
        for s in found
    ]
    assert summary == [(1, 1, "18 09"), (7, 1, "24 00"), (7, 2, "25 09"), (2, 2, "26 00")]


def test_later_override_wins() -> None:
    first = OnCallOverride(technician_id=7, start=berlin(2024, 3, 20), end=berlin(2024, 3, 22))
    second = OnCallOverride(technician_id=8, start=berlin(2024, 3, 21), end=berlin(2024, 3, 23))
    rotation = weekly([first, second])
    assert who_is_on_call(rotation, berlin(2024, 3, 20, 12)) == 7
    assert who_is_on_call(rotation, berlin(2024, 3, 21, 12)) == 8
    found = shifts(rotation, berlin(2024, 3, 19), berlin(2024, 3, 24))
    assert [s.technician_id for s in found] == [1, 7, 8, 1]


def test_shifts_and_who_is_on_call_agree_everywhere() -> None:
    overrides = [
        OnCallOverride(technician_id=7, start=berlin(2024, 3, 29, 22), end=berlin(2024, 4, 2)),
        OnCallOverride(
            technician_id=8, start=berlin(2024, 10, 26), end=berlin(2024, 10, 29), replaces=1
        ),
    ]
    rotation = weekly(overrides)
    start, end = berlin(2024, 3, 18, 9), berlin(2024, 11, 30)
    found = shifts(rotation, start, end)
    assert all(a.end == b.start for a, b in itertools.pairwise(found))
    moment = start
    index = 0
    while moment < end:
        while found[index].end <= moment:
            index += 1
        assert who_is_on_call(rotation, moment) == found[index].technician_id, moment
        moment += timedelta(hours=5, minutes=17)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"members": []}, "at least one member"),
        ({"period_days": 10}, "whole weeks"),
        ({"handover_weekday": 7}, "0 \\(Monday\\)"),
        ({"tz": "Nowhere/City"}, "unknown time zone"),
    ],
)
def test_invalid_rotations(changes: dict, message: str) -> None:
    fields = {
        "team_id": 1,
        "members": [1],
        "tz": "UTC",
        "start_date": date(2024, 1, 1),
        "handover_weekday": 0,
    }
    fields.update(changes)
    with pytest.raises(CalendarError, match=message):
        OnCallRotation(**fields)


def test_override_must_have_positive_length() -> None:
    with pytest.raises(CalendarError, match="after its start"):
        OnCallOverride(technician_id=1, start=berlin(2024, 1, 2), end=berlin(2024, 1, 1))
