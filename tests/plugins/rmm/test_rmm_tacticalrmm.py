"""Tactical RMM adapter.

Payloads are ``FAILURE_TEMPLATE``/``RESOLVED_TEMPLATE`` rendered the way Tactical RMM
renders webhook bodies (docs.tacticalrmm.com "Webhooks" and "Script Variables": missing
values become "", dates are Python ``str(datetime)``, ``{{alert.*}}`` stays unrendered
on the Test button).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from plugins.rmm.adapters import tacticalrmm
from plugins.rmm.alerts import PayloadError

CHECK_FAILURE = {
    "event": "trigger",
    "alert_id": "4711",
    "alert_type": "check",
    "severity": "error",
    "message": "DC01(Server) Disk Space Drive C: - Percent Used: 96%",
    "alert_time": "2026-12-03 18:13:13.514512+00:00",
    "resolved_on": "",
    "agent_id": "RvzxTjUWKbHrpzLmIKIwqUvUGXbsGbnFrIfqSKbk",
    "hostname": "DC01",
    "client": "Acme Ltd",
    "site": "Head Office",
    "monitoring_type": "server",
    "check": "Disk Space Drive C: > 90%",
    "task": "",
}


def test_recommended_template_constant_matches_its_json() -> None:
    assert json.loads(tacticalrmm.RECOMMENDED_TEMPLATE_JSON) == tacticalrmm.FAILURE_TEMPLATE
    assert tacticalrmm.RESOLVED_TEMPLATE["event"] == "resolve"
    assert set(tacticalrmm.RESOLVED_TEMPLATE) == set(CHECK_FAILURE)
    # The docstring shows the same template an MSP pastes into Tactical.
    assert '"hostname": "{{agent.hostname}}"' in (tacticalrmm.__doc__ or "")


def test_check_failure() -> None:
    (alert,) = tacticalrmm.parse(CHECK_FAILURE, {}, {})
    assert alert.source == "tacticalrmm"
    assert alert.status == "firing"
    assert (alert.severity, alert.severity_rank) == ("error", "high")
    assert alert.title == "DC01: Disk Space Drive C: > 90%"
    assert alert.description == CHECK_FAILURE["message"]
    assert alert.starts_at == datetime(2026, 12, 3, 18, 13, 13, 514512, tzinfo=UTC)
    assert alert.ends_at is None
    assert (alert.device, alert.customer_hint, alert.site) == ("DC01", "Acme Ltd", "Head Office")
    assert alert.labels["alert_id"] == "4711"
    assert "task" not in alert.labels  # empty values are not labels


def test_resolve_keeps_fingerprint_even_though_tactical_alert_id_changes() -> None:
    resolved = {
        **CHECK_FAILURE,
        "event": "resolve",
        "alert_id": "4790",
        "resolved_on": "2026-12-03 18:43:00.000001+00:00",
    }
    (first,) = tacticalrmm.parse(CHECK_FAILURE, {}, {})
    (second,) = tacticalrmm.parse(resolved, {}, {})
    assert second.status == "resolved"
    assert second.fingerprint == first.fingerprint
    assert second.ends_at == datetime(2026, 12, 3, 18, 43, 0, 1, tzinfo=UTC)


def test_availability_alert_without_check_and_local_time_zone() -> None:
    overdue = {
        **CHECK_FAILURE,
        "alert_type": "availability",
        "check": "",
        "message": "DC01 is overdue",
        "alert_time": "2026-07-01 09:00:00",
    }
    (alert,) = tacticalrmm.parse(overdue, {}, {"timezone": "Europe/Berlin"})
    assert alert.title == "DC01: agent overdue"
    assert alert.starts_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    (check,) = tacticalrmm.parse(CHECK_FAILURE, {}, {})
    assert alert.fingerprint != check.fingerprint


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"alert_time": "{{alert.alert_time}}"}, "alert_time: template variable not rendered"),
        ({"hostname": ""}, "hostname: missing"),
        ({"event": "explode"}, "event: expected 'trigger' or 'resolve'"),
        ({"alert_time": "last tuesday"}, "alert_time: not a time"),
        ({"severity": ["error"]}, "severity: expected a string"),
    ],
)
def test_malformed_tactical_payload_names_the_field(change: dict, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        tacticalrmm.parse({**CHECK_FAILURE, **change}, {}, {})
    assert str(caught.value).startswith(message)
