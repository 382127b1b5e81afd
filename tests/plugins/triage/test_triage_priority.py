"""suggest_priority(): cue phrases, negations, floors that text cannot lower, reasons."""

from __future__ import annotations

import pytest

from plugins.triage.priority import PriorityContext, cue_hits, suggest_priority


def test_outage_for_all_users_is_critical_with_reasons() -> None:
    s = suggest_priority("Server down - all users affected")
    assert s.priority == "critical"
    assert s.reasons == ["mentions 'server down' and 'all users'"]


def test_single_outage_cue_is_high() -> None:
    assert suggest_priority("Mail server down").priority == "high"


def test_ransomware_is_critical() -> None:
    s = suggest_priority("Ransomware note on the file server, whole office cannot work")
    assert s.priority == "critical"
    assert "'ransomware'" in s.reasons[0]
    assert s.confidence >= 0.9


def test_plain_request_is_normal() -> None:
    s = suggest_priority("Please install Visio on my laptop")
    assert s.priority == "normal"
    assert s.reasons == ["no urgency or impact cues in the text"]


def test_not_urgent_lowers_instead_of_raising() -> None:
    assert cue_hits("this is not urgent") == [("not urgent", -2)]
    s = suggest_priority("Not urgent: new mouse when you have time")
    assert s.priority == "low"
    assert s.reasons == ["says 'when you have time' and 'not urgent'"]


def test_negation_is_read_next_to_the_cue_however_long_the_text() -> None:
    filler = "The printer on floor two jams now and then, see the log. " * 200
    assert cue_hits(filler + "This is not urgent.") == [("not urgent", -2)]
    # the word before the window's edge is cut in two: its tail ("no") is not a word
    # (80 characters back from "urgent" is the "no" of "casino")
    assert cue_hits("casino " + "y" * 76 + " urgent") == [("urgent", 2)]


def test_longer_cue_is_not_double_counted() -> None:
    assert cue_hits("we had a data breach") == [("data breach", 6)]


def test_tier_floor_raises_and_says_so() -> None:
    s = suggest_priority(
        "No rush, new mouse please", PriorityContext(tier_name="Gold", tier_floor="high")
    )
    assert s.priority == "high"
    assert "customer tier Gold sets floor high" in s.reasons


@pytest.mark.parametrize("text", ["low priority, no rush", "nice to have", "hello"])
def test_text_cannot_lower_below_vip_floor(text: str) -> None:
    s = suggest_priority(text, PriorityContext(vip=True))
    assert s.priority == "high"
    assert "VIP contact sets floor high" in s.reasons


def test_text_above_floor_is_kept() -> None:
    s = suggest_priority(
        "ransomware outage", PriorityContext(tier_name="Bronze", tier_floor="normal", vip=True)
    )
    assert s.priority == "critical"
    assert not any("floor" in r for r in s.reasons)


def test_alert_severity_sets_floor() -> None:
    s = suggest_priority("disk usage 91%", PriorityContext(alert_severity="CRITICAL"))
    assert s.priority == "critical"
    assert "alert severity critical sets floor critical" in s.reasons


def test_unknown_tier_floor_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown tier floor"):
        suggest_priority("x", PriorityContext(tier_floor="urgent"))
