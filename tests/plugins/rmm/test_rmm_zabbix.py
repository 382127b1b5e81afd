"""Zabbix adapter.

Payloads are the recommended media type's parameters as Zabbix expands them (Zabbix
manual, "Media types > Webhook" and "Macros supported by location"): {EVENT.VALUE} 1/0,
{EVENT.SEVERITY} names, {EVENT.DATE} yyyy.mm.dd, {EVENT.TIME} hh:mm:ss, {EVENT.TAGSJSON}.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plugins.rmm.adapters import zabbix
from plugins.rmm.alerts import PayloadError

PROBLEM = {
    "event_id": "1234567",
    "event_value": "1",
    "event_update_status": "0",
    "event_severity": "High",
    "event_nseverity": "4",
    "event_name": "Zabbix agent on sql01 is unreachable for 5 minutes",
    "event_date": "2026.12.03",
    "event_time": "19:13:13",
    "event_recovery_date": "{EVENT.RECOVERY.DATE}",
    "event_recovery_time": "{EVENT.RECOVERY.TIME}",
    "event_tags": '[{"tag":"customer","value":"globex"},{"tag":"site","value":"Plant 2"}]',
    "host_host": "sql01.globex.lan",
    "host_name": "SQL01",
    "host_ip": "10.2.0.15",
    "trigger_id": "23456",
    "trigger_name": "Zabbix agent is not available (for 5m)",
    "trigger_description": "For passive agents only",
    "zabbix_url": "https://zabbix.example.net/",
}
RECOVERY = {
    **PROBLEM,
    "event_value": "0",
    "event_recovery_date": "2026.12.03",
    "event_recovery_time": "19:30:00",
}


def test_problem_event() -> None:
    (alert,) = zabbix.parse(PROBLEM, {}, {"timezone": "Europe/Berlin"})
    assert alert.source == "zabbix"
    assert alert.status == "firing"
    assert (alert.severity, alert.severity_rank) == ("High", "high")
    assert alert.title == "Zabbix agent on sql01 is unreachable for 5 minutes"
    assert alert.starts_at == datetime(2026, 12, 3, 18, 13, 13, tzinfo=UTC)  # CET -> UTC
    assert alert.ends_at is None  # unexpanded recovery macros read as absent
    assert (alert.device, alert.customer_hint, alert.site) == ("SQL01", "globex", "Plant 2")
    assert alert.labels["event_id"] == "1234567"
    assert alert.url == "https://zabbix.example.net/tr_events.php?triggerid=23456&eventid=1234567"


def test_recovery_resolves_the_same_fingerprint() -> None:
    (problem,) = zabbix.parse(PROBLEM, {}, {})
    (recovery,) = zabbix.parse(RECOVERY, {}, {})
    assert recovery.status == "resolved"
    assert recovery.fingerprint == problem.fingerprint
    assert recovery.ends_at == datetime(2026, 12, 3, 19, 30, tzinfo=UTC)


def test_next_problem_of_same_trigger_keeps_fingerprint() -> None:
    (first,) = zabbix.parse(PROBLEM, {}, {})
    (again,) = zabbix.parse({**PROBLEM, "event_id": "1239999"}, {}, {})
    (other_host,) = zabbix.parse({**PROBLEM, "host_host": "sql02.globex.lan"}, {}, {})
    assert again.fingerprint == first.fingerprint
    assert other_host.fingerprint != first.fingerprint


@pytest.mark.parametrize(
    ("severity", "rank"),
    [
        ("Disaster", "critical"),
        ("Average", "warning"),
        ("Information", "info"),
        ("Not classified", "info"),
    ],
)
def test_severity_names(severity: str, rank: str) -> None:
    (alert,) = zabbix.parse({**PROBLEM, "event_severity": severity}, {}, {})
    assert alert.severity_rank == rank


def test_macro_named_keys_and_numeric_severity_and_plain_tags() -> None:
    body = {
        "EVENT.ID": "42",
        "EVENT.VALUE": "1",
        "EVENT.NSEVERITY": "5",
        "EVENT.DATE": "2026.12.03",
        "EVENT.TIME": "18:00:00",
        "EVENT.TAGS": "client:acme, service:mail",
        "HOST.NAME": "mx01",
        "TRIGGER.NAME": "Mail queue too long",
    }
    (alert,) = zabbix.parse(body, {}, {})
    assert (alert.severity, alert.severity_rank) == ("Disaster", "critical")
    assert alert.customer_hint == "acme"
    assert alert.labels["service"] == "mail"
    assert alert.title == "Mail queue too long"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"event_value": "2"}, "event_value: expected 1 (problem) or 0 (recovery)"),
        ({"event_value": "{EVENT.VALUE}"}, "event_value: missing"),
        ({"event_date": "03/12/2026"}, "event_date: not a Zabbix date/time"),
        ({"event_severity": "", "event_nseverity": "9"}, "event_nseverity: expected 0-5"),
        ({"event_tags": '[{"value": "x"}]'}, "event_tags[0].tag: missing"),
        ({"event_tags": "[not json"}, "event_tags: not valid JSON"),
        ({"host_name": "", "host_host": ""}, "host_name: missing (or host_host)"),
    ],
)
def test_malformed_zabbix_payload_names_the_field(change: dict, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        zabbix.parse({**PROBLEM, **change}, {}, {})
    assert str(caught.value).startswith(message)
