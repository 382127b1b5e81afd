"""Grafana adapter: legacy payloads from alerta's tests, unified from Grafana's docs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rmm_testdata import alerta_payload

from plugins.rmm.adapters import grafana
from plugins.rmm.adapters.payload import RECEIVED_AT_HEADER
from plugins.rmm.alerts import PayloadError, fingerprint_for

RECEIVED = {RECEIVED_AT_HEADER: "2026-12-03T18:20:00Z"}
RECEIVED_AT = datetime(2026, 12, 3, 18, 20, tzinfo=UTC)

# Example body from Grafana's "Configure the webhook notifier for Alerting" page
# (grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/
# integrations/webhook-notifier/), second alert resolved and given an instance label.
UNIFIED = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "resolved",
            "labels": {
                "alertname": "High CPU usage",
                "team": "blue",
                "zone": "eu-1",
                "instance": "web02:9100",
                "client": "initech",
            },
            "annotations": {"summary": "This alert was triggered for zone eu-1"},
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "2021-10-12T10:01:03.157076+02:00",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "dashboardURL": "https://play.grafana.org/d/abc",
            "panelURL": "https://play.grafana.org/d/abc?viewPanel=2",
            "valueString": "[ metric='' labels={} value=14151.331895396988 ]",
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": '{}:{alertname="High memory usage"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing** ...",
}


def test_unified_alerting_is_read_like_alertmanager_with_grafana_links() -> None:
    memory, cpu = grafana.parse(UNIFIED, {}, {})
    assert (memory.source, memory.fingerprint, memory.status) == (
        "grafana",
        "c6eadffa33fcdf37",
        "firing",
    )
    assert memory.title == "This alert was triggered for zone us-1"
    assert memory.description == "The system has high memory usage"
    assert memory.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert memory.url == "https://play.grafana.org/alerting/1afz29v7z/edit"
    assert memory.severity_rank == "warning"  # no severity label: the default rank
    assert cpu.status == "resolved"
    assert cpu.ends_at == datetime(2021, 10, 12, 8, 1, 3, 157076, tzinfo=UTC)
    assert cpu.url == "https://play.grafana.org/d/abc?viewPanel=2"  # panel beats generator
    assert (cpu.device, cpu.customer_hint) == ("web02", "initech")


def test_legacy_alerting_with_instance_tag_in_eval_match() -> None:
    body = alerta_payload("grafana_alert_alerting")
    (alert,) = grafana.parse(body, RECEIVED, {})
    assert alert.status == "firing"
    assert alert.title == "Zeta CPU alert"
    assert alert.device == "zeta.domain"
    assert alert.description == "boom!\nuser=97.007606"
    assert alert.starts_at == RECEIVED_AT  # legacy bodies carry no time
    assert alert.ends_at is None
    assert alert.url == body["ruleUrl"]
    assert alert.fingerprint == fingerprint_for("grafana", {"rule_id": "7", "org_id": "1"})
    assert (alert.severity, alert.severity_rank) == ("alerting", "warning")


def test_legacy_ok_resolves_the_same_fingerprint() -> None:
    firing = grafana.parse(alerta_payload("grafana_alert_alerting"), RECEIVED, {})[0]
    (ok,) = grafana.parse(alerta_payload("grafana_alert_ok"), RECEIVED, {})
    assert ok.status == "resolved"
    assert ok.fingerprint == firing.fingerprint
    assert ok.ends_at == RECEIVED_AT
    assert ok.device is None  # a resolve has no evalMatches


def test_legacy_rule_tags_become_labels_and_severity() -> None:
    (alert,) = grafana.parse(alerta_payload("grafana_6"), RECEIVED, {})
    assert alert.labels["severity"] == "warning"
    assert alert.labels["group"] == "BatteryPower"
    assert alert.labels["alertname"] == "Testing -> Battery Voltage alert"
    assert alert.labels["rule_id"] == "58"
    assert alert.severity_rank == "warning"
    assert alert.description.startswith("Battery Voltage dropped below 23.7 Volts")


def test_legacy_example_without_org_uses_rule_id_only() -> None:
    (alert,) = grafana.parse(
        alerta_payload("grafana_example"), {"Date": "Thu, 03 Dec 2026 18:20:00 GMT"}, {}
    )
    assert alert.fingerprint == fingerprint_for("grafana", {"rule_id": "1"})
    assert alert.title == "Load peaking!"
    assert alert.starts_at == RECEIVED_AT  # from the HTTP Date header


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ruleId": 1, "state": "exploded"}, "state: unknown Grafana alert state 'exploded'"),
        ({"ruleId": 1}, "state: missing"),
        ({"evalMatches": [], "state": "ok"}, "ruleId: missing"),
        ({"ruleId": 1, "state": "alerting", "evalMatches": [3]}, "evalMatches[0]: expected"),
        ({"title": "x"}, "alerts: missing"),
        ({"alerts": [{"status": "firing", "labels": {}}]}, "alerts[0].startsAt: missing"),
    ],
)
def test_malformed_grafana_payload_names_the_field(body: dict, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        grafana.parse(body, RECEIVED, {})
    assert str(caught.value).startswith(message)
