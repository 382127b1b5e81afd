"""route(): team by category, skills, load, availability, round robin, review threshold."""

from __future__ import annotations

from plugins.triage.routing import RoutingRequest, TechnicianInfo, route

TEAM = {"Hardware": "Field", "Access": "Desk"}


def techs() -> list[TechnicianInfo]:
    return [
        TechnicianInfo("ann", "Field", frozenset({"printers"}), open_load=3),
        TechnicianInfo("bob", "Field", frozenset({"laptops"}), open_load=1),
        TechnicianInfo("cat", "Field", frozenset({"laptops"}), open_load=1),
        TechnicianInfo("dan", "Field", frozenset({"laptops"}), open_load=0, available=False),
        TechnicianInfo("eve", "Desk", open_load=0),
    ]


def test_low_confidence_goes_to_review() -> None:
    d = route(RoutingRequest("Hardware", 0.4), techs(), counter=7, teams=TEAM, threshold=0.6)
    assert d.review and d.team == "Review" and d.technician_id is None
    assert d.reasons == ["confidence 0.40 below threshold 0.60"]
    assert d.next_counter == 7


def test_unmapped_category_goes_to_review() -> None:
    d = route(RoutingRequest("Storage", 0.9), techs(), teams=TEAM)
    assert d.review and d.reasons == ["no team configured for category Storage"]


def test_fewest_open_tasks_wins_and_unavailable_skipped() -> None:
    d = route(RoutingRequest("Hardware", 0.9), techs(), teams=TEAM)
    assert d.team == "Field" and not d.review
    assert d.technician_id in {"bob", "cat"}  # dan has 0 open but is unavailable


def test_round_robin_among_equals_is_deterministic() -> None:
    picks, counter = [], 0
    for _ in range(4):
        d = route(RoutingRequest("Hardware", 0.9), techs(), counter=counter, teams=TEAM)
        picks.append(d.technician_id)
        counter = d.next_counter
    assert picks == ["bob", "cat", "bob", "cat"]
    assert "round robin among 2 equal technicians" in d.reasons


def test_skills_beat_load() -> None:
    req = RoutingRequest("Hardware", 0.9, required_skills=frozenset({"printers"}))
    d = route(req, techs(), teams=TEAM)
    assert d.technician_id == "ann"
    assert "1 of 1 required skills matched" in d.reasons


def test_on_call_counts_as_available() -> None:
    d = route(RoutingRequest("Hardware", 0.9), techs(), teams=TEAM, on_call=frozenset({"dan"}))
    assert d.technician_id == "dan"
    assert "dan is on call" in d.reasons


def test_no_one_available_leaves_item_in_team_queue() -> None:
    busy = [TechnicianInfo("eve", "Desk", available=False)]
    d = route(RoutingRequest("Access", 0.9), busy, counter=3, teams=TEAM)
    assert d.team == "Desk" and d.technician_id is None and not d.review
    assert d.next_counter == 3
