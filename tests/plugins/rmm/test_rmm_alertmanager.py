"""Alertmanager adapter against five POSTs captured from Alertmanager 0.25.0."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import msgspec
import pytest
from rmm_testdata import alerta_payload, captured_post

from plugins.rmm.adapters import alertmanager
from plugins.rmm.alerts import AlertBatch, PayloadError, fingerprint_for
from plugins.rmm.memory_state import InMemoryAlertState


def test_grouped_firing_post_gives_one_alert_per_entry() -> None:
    body, headers = captured_post(1)
    assert headers["User-Agent"] == "Alertmanager/0.25.0"
    dc01, fs01 = alertmanager.parse(body, headers, {})

    assert dc01.source == "alertmanager"
    assert dc01.fingerprint == "f99f1b64fd4cbf1b"
    assert dc01.status == "firing"
    assert (dc01.severity, dc01.severity_rank) == ("critical", "critical")
    assert dc01.title == "Disk C: below 5% free on dc01"
    assert dc01.description == ""
    assert dc01.starts_at == datetime(2026, 12, 3, 18, 13, 13, tzinfo=UTC)
    assert dc01.ends_at is None
    assert dc01.device == "dc01.acme.local"  # port 9182 stripped from instance
    assert dc01.customer_hint == "acme"
    assert dc01.labels["instance"] == "dc01.acme.local:9182"
    assert dc01.url == "http://127.0.0.1:19093"  # empty generatorURL -> externalURL
    assert dc01.raw is body["alerts"][0]

    assert fs01.fingerprint == "54796278c83e98a8"
    assert (fs01.severity, fs01.severity_rank) == ("warning", "warning")
    assert fs01.description == "C: has 7.2% free space"
    assert fs01.url == (
        "http://prometheus.local:9090/graph?g0.expr=windows_logical_disk_free_bytes"
    )


def test_nanosecond_start_time_is_kept_to_the_microsecond() -> None:
    body, headers = captured_post(2)
    (fw01,) = alertmanager.parse(body, headers, {})
    assert fw01.starts_at == datetime(2026, 12, 3, 18, 13, 13, 282059, tzinfo=UTC)
    assert (fw01.device, fw01.customer_hint) == ("fw01.globex.lan", "globex")


def test_mixed_group_carries_resolved_and_firing() -> None:
    body, headers = captured_post(3)
    dc01, fs01 = alertmanager.parse(body, headers, {})
    assert body["status"] == "firing"  # the group status says nothing per alert
    assert dc01.status == "resolved"
    assert dc01.ends_at == datetime(2026, 12, 3, 18, 13, 17, tzinfo=UTC)
    assert fs01.status == "firing"
    assert fs01.ends_at is None


@pytest.mark.parametrize(
    ("number", "fingerprint", "ends_at"),
    [
        (4, "c987d427bce2f291", datetime(2026, 12, 3, 18, 14, 13, 282059, tzinfo=UTC)),
        (5, "54796278c83e98a8", datetime(2026, 12, 3, 18, 14, 17, 314622, tzinfo=UTC)),
    ],
)
def test_resolved_posts(number: int, fingerprint: str, ends_at: datetime) -> None:
    body, headers = captured_post(number)
    (alert,) = alertmanager.parse(body, headers, {})
    assert (alert.status, alert.fingerprint, alert.ends_at) == ("resolved", fingerprint, ends_at)


def test_captured_sequence_opens_three_tasks_and_resolves_them() -> None:
    state = InMemoryAlertState()
    actions = []
    for number in range(1, 6):
        body, headers = captured_post(number)
        for alert in alertmanager.parse(body, headers, {}):
            now = alert.ends_at or alert.starts_at
            actions.append(state.handle(alert, now).action)
    assert actions == [
        "create_task",
        "create_task",
        "create_task",
        "resolve_task",
        "update_existing",
        "resolve_task",
        "resolve_task",
    ]
    assert {t.status for t in state.tasks.values()} == {"resolved"}


def test_alerta_prometheus_v4_without_fingerprint_is_hashed_from_labels() -> None:
    body = alerta_payload("prometheus_v4_alert")
    (alert,) = alertmanager.parse(body, {}, {})
    assert alert.fingerprint == fingerprint_for(
        "alertmanager", {"alertname": "thing_dead", "severity": "critical"}
    )
    assert alert.title == "No things for over 10 minutes"
    assert alert.starts_at == datetime(2017, 8, 3, 19, 17, 37, 804000, tzinfo=UTC)
    assert alert.device is None
    assert alert.customer_hint is None


def test_alerta_prometheus_v3_is_accepted() -> None:
    (alert,) = alertmanager.parse(alerta_payload("prometheus_v3_alert"), {}, {})
    assert alert.device == "host2"
    assert alert.severity_rank == "critical"
    assert alert.starts_at == datetime(2016, 8, 1, 10, 27, 8, 8000, tzinfo=UTC)


def test_settings_choose_customer_label_and_override_severity() -> None:
    body, headers = captured_post(1)
    settings = {"customer_labels": ["job"], "severity_map": {"warning": "high"}}
    _, fs01 = alertmanager.parse(body, headers, settings)
    assert fs01.customer_hint == "windows"
    assert fs01.severity_rank == "high"


def test_invalid_severity_map_is_a_settings_error() -> None:
    body, headers = captured_post(2)
    with pytest.raises(ValueError, match="severity_map"):
        alertmanager.parse(body, headers, {"severity_map": {"critical": "urgent"}})


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda b: b["alerts"][1].update(startsAt="yesterday"),
            "alerts[1].startsAt: not an RFC 3339",
        ),
        (lambda b: b["alerts"][1].update(startsAt="2026-12-03T18:13:13"), "alerts[1].startsAt"),
        (lambda b: b["alerts"][0].update(status="pending"), "alerts[0].status: expected 'firing'"),
        (lambda b: b["alerts"][0].pop("labels"), "alerts[0].labels: missing"),
        (
            lambda b: b["alerts"][0]["labels"].update(x={"a": 1}),
            "alerts[0].labels.x: expected a string",
        ),
        (lambda b: b["alerts"][1].update(endsAt=5), "alerts[1].endsAt: not an RFC 3339"),
        (lambda b: b.update(alerts={}), "alerts: expected an array"),
        (lambda b: b["alerts"].append("oops"), "alerts[2]: expected a JSON object"),
        (lambda b: b.update(version="5"), "version: unsupported Alertmanager webhook version '5'"),
        (lambda b: b.pop("version"), "version: missing"),
    ],
)
def test_malformed_payload_names_the_field(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    body, headers = captured_post(1)
    body = copy.deepcopy(body)
    mutate(body)
    with pytest.raises(PayloadError) as caught:
        alertmanager.parse(body, headers, {})
    assert str(caught.value).startswith(message)


def test_body_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(PayloadError, match="body: expected a JSON object"):
        alertmanager.parse([], {}, {})  # type: ignore[arg-type]


def test_batch_round_trips_through_msgspec_json_for_the_bus() -> None:
    body, headers = captured_post(3)
    batch = alertmanager.parse(body, headers, {})
    encoded = msgspec.json.encode(batch)
    assert msgspec.json.decode(encoded, type=AlertBatch) == batch
