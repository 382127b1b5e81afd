"""SLA clocks at fixed moments: every state, pauses, explanations.

The task arrives Monday 2026-06-01 10:00 CEST (08:00 UTC) on the Berlin 09:00-17:00 office
calendar; first response is due within 1 business hour, resolution within 8.
"""

from datetime import timedelta

import msgspec
import pytest

from hub.sla.calendars import ALWAYS_OPEN
from hub.sla.clocks import SlaExplanation, SlaTarget, compute_clock, explain, waiting_pauses
from tests.hub.sla.sla_calendars_for_tests import BERLIN_9_TO_5, berlin, utc

TARGET = SlaTarget(
    first_response=timedelta(hours=1),
    resolution=timedelta(hours=8),
    calendar=BERLIN_9_TO_5,
    pause_on_waiting=True,
)
ARRIVED = berlin(2026, 6, 1, 10)


def test_first_response_running() -> None:
    clock = compute_clock(
        "first_response", TARGET, None, ARRIVED, [], None, berlin(2026, 6, 1, 10, 30)
    )
    assert clock.state == "running"
    assert clock.target_seconds == 3600
    assert clock.elapsed_seconds == 1800
    assert clock.remaining_seconds == 1800
    assert clock.due_at == utc(2026, 6, 1, 9)
    assert clock.warn_at == utc(2026, 6, 1, 8, 45)  # 75 % of the hour
    assert (clock.breached_at, clock.met_at, clock.paused_since) == (None, None, None)


def test_first_response_met_by_reply_before_due() -> None:
    reply = berlin(2026, 6, 1, 10, 50)
    clock = compute_clock("first_response", TARGET, None, ARRIVED, [], reply, berlin(2026, 6, 3))
    assert clock.state == "met"
    assert clock.met_at == utc(2026, 6, 1, 8, 50)
    assert clock.elapsed_seconds == 3000
    assert clock.remaining_seconds == 600
    assert clock.breached_at is None


def test_running_clock_past_due_is_breached() -> None:
    clock = compute_clock(
        "first_response", TARGET, None, ARRIVED, [], None, berlin(2026, 6, 1, 11, 30)
    )
    assert clock.state == "breached"
    assert clock.breached_at == utc(2026, 6, 1, 9)
    assert clock.elapsed_seconds == 5400
    assert clock.remaining_seconds == -1800
    assert clock.met_at is None


def test_late_reply_is_breached_and_keeps_met_at() -> None:
    reply = berlin(2026, 6, 1, 11, 10)
    clock = compute_clock("first_response", TARGET, None, ARRIVED, [], reply, berlin(2026, 6, 2))
    assert clock.state == "breached"
    assert clock.met_at == utc(2026, 6, 1, 9, 10)
    assert clock.breached_at == utc(2026, 6, 1, 9)
    assert clock.remaining_seconds == -600


def test_waiting_on_customer_pauses_resolution() -> None:
    pauses = [(berlin(2026, 6, 1, 11), None)]
    clock = compute_clock("resolution", TARGET, None, ARRIVED, pauses, None, berlin(2026, 6, 1, 15))
    assert clock.state == "paused"
    assert clock.paused_since == utc(2026, 6, 1, 9)
    assert clock.elapsed_seconds == 3600
    assert clock.remaining_seconds == 7 * 3600
    # Projected as if the pause ended now: Mon 15-17 (2 h) + Tue 09-14 (5 h).
    assert clock.due_at == utc(2026, 6, 2, 12)
    # Six business hours: 1 before the pause, then Mon 15-17 and Tue 09-12.
    assert clock.warn_at == utc(2026, 6, 2, 10)


def test_paused_clock_due_moves_while_the_pause_lasts() -> None:
    pauses = [(berlin(2026, 6, 1, 11), None)]
    later = compute_clock("resolution", TARGET, None, ARRIVED, pauses, None, berlin(2026, 6, 2, 9))
    # Resumed Tue 09:00 with 7 h left: Tue 16:00 CEST.
    assert later.due_at == utc(2026, 6, 2, 14)
    assert later.elapsed_seconds == 3600


def test_without_pause_on_waiting_the_clock_keeps_running() -> None:
    target = SlaTarget(
        first_response=TARGET.first_response,
        resolution=TARGET.resolution,
        calendar=BERLIN_9_TO_5,
        pause_on_waiting=False,
    )
    pauses = [(berlin(2026, 6, 1, 11), None)]
    clock = compute_clock("resolution", target, None, ARRIVED, pauses, None, berlin(2026, 6, 1, 15))
    assert clock.state == "running"
    assert clock.paused_since is None
    assert clock.elapsed_seconds == 5 * 3600
    assert clock.due_at == utc(2026, 6, 2, 8)  # Mon 10-17 (7 h) + Tue 09-10


def test_resolution_met_after_a_closed_pause() -> None:
    pauses = [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14))]
    resolved = berlin(2026, 6, 2, 12)
    clock = compute_clock("resolution", TARGET, None, ARRIVED, pauses, resolved, berlin(2026, 6, 9))
    assert clock.state == "met"
    assert clock.elapsed_seconds == 7 * 3600  # Mon 10-11, 14-17, Tue 09-12
    assert clock.due_at == utc(2026, 6, 2, 11)  # Mon 4 h, Tue 09-13
    assert clock.met_at == utc(2026, 6, 2, 10)


def test_pause_after_the_due_time_does_not_save_the_clock() -> None:
    pauses = [(berlin(2026, 6, 1, 11, 15), None)]
    clock = compute_clock(
        "first_response", TARGET, None, ARRIVED, pauses, None, berlin(2026, 6, 1, 11, 30)
    )
    assert clock.state == "breached"
    assert clock.breached_at == utc(2026, 6, 1, 9)
    assert clock.paused_since is None


def test_calendar_argument_overrides_and_missing_calendar_means_24x7() -> None:
    clock = compute_clock("resolution", TARGET, ALWAYS_OPEN, ARRIVED, [], None, ARRIVED)
    assert clock.due_at == utc(2026, 6, 1, 16)
    plain = SlaTarget(first_response=timedelta(hours=1), resolution=timedelta(hours=8))
    assert compute_clock("resolution", plain, None, ARRIVED, [], None, ARRIVED).due_at == utc(
        2026, 6, 1, 16
    )


def test_clock_arriving_on_a_saturday_starts_monday() -> None:
    saturday = berlin(2026, 6, 6, 12)
    clock = compute_clock("first_response", TARGET, None, saturday, [], None, berlin(2026, 6, 7))
    assert clock.state == "running"
    assert clock.elapsed_seconds == 0
    assert clock.due_at == utc(2026, 6, 8, 8)


def test_explain_lists_calendar_target_pauses_and_counted_intervals() -> None:
    pauses = [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14))]
    now = berlin(2026, 6, 2, 10)
    report = explain("resolution", TARGET, None, ARRIVED, pauses, None, now)
    assert report.calendar == "Berlin office"
    assert report.timezone == "Europe/Berlin"
    assert report.target_seconds == 8 * 3600
    assert report.pauses[0].start == utc(2026, 6, 1, 9)
    assert report.pauses[0].end == utc(2026, 6, 1, 12)
    assert [(i.start, i.end, i.seconds) for i in report.counted] == [
        (utc(2026, 6, 1, 8), utc(2026, 6, 1, 9), 3600),
        (utc(2026, 6, 1, 12), utc(2026, 6, 1, 15), 3 * 3600),
        (utc(2026, 6, 2, 7), utc(2026, 6, 2, 8), 3600),
    ]
    assert report.counted_seconds == report.clock.elapsed_seconds == 5 * 3600
    # It is what GET /tasks/{id}/sla returns: it must round-trip through JSON.
    again = msgspec.json.decode(msgspec.json.encode(report), type=SlaExplanation)
    assert again == report


def test_waiting_pauses_from_status_history() -> None:
    history = [
        (berlin(2026, 6, 1, 10), "open"),
        (berlin(2026, 6, 1, 11), "waiting_on_customer"),
        (berlin(2026, 6, 1, 14), "in_progress"),
        (berlin(2026, 6, 2, 9), "waiting_on_customer"),
        (berlin(2026, 6, 2, 9, 30), "waiting_on_customer"),
    ]
    assert waiting_pauses(history) == [
        (berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14)),
        (berlin(2026, 6, 2, 9), None),
    ]


def test_bad_clock_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="warn_share"):
        compute_clock("resolution", TARGET, None, ARRIVED, [], None, ARRIVED, warn_share=1.5)
    with pytest.raises(ValueError, match="unknown clock kind"):
        compute_clock("response", TARGET, None, ARRIVED, [], None, ARRIVED)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resolution: an SLA target cannot be negative"):
        SlaTarget(first_response=timedelta(0), resolution=timedelta(hours=-1))


def test_sla_target_decodes_from_json() -> None:
    raw = b'{"first_response": "PT1H", "resolution": "PT8H", "pause_on_waiting": false}'
    target = msgspec.json.decode(raw, type=SlaTarget)
    assert target.resolution == timedelta(hours=8)
    assert target.calendar is None and target.pause_on_waiting is False
