"""Generic adapter: its documented format, and field mappings onto real tools' JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rmm_testdata import alerta_payload

from plugins.rmm.adapters import builtin_adapters, generic
from plugins.rmm.adapters.payload import RECEIVED_AT_HEADER
from plugins.rmm.alerts import PayloadError, fingerprint_for

DOCUMENTED = {
    "alerts": [
        {
            "id": "dc01-disk-c",
            "status": "firing",
            "severity": "critical",
            "title": "Disk C: below 5% free",
            "description": "C: has 3.1 GB free",
            "starts_at": "2026-12-03T18:13:13Z",
            "ends_at": None,
            "device": "dc01.acme.local",
            "customer": "acme",
            "site": "HQ",
            "labels": {"check": "disk"},
            "url": "https://rmm.example/alerts/123",
        },
        {
            "status": "resolved",
            "title": "Backup failed",
            "device": "nas01",
            "customer": "acme",
            "starts_at": "2026-12-03T17:00:00+01:00",
            "ends_at": "2026-12-03T18:00:00+01:00",
        },
    ]
}


def test_documented_format() -> None:
    disk, backup = generic.parse(DOCUMENTED, {}, {})
    assert disk.fingerprint == "dc01-disk-c"
    assert (disk.status, disk.severity_rank, disk.title) == (
        "firing",
        "critical",
        "Disk C: below 5% free",
    )
    assert disk.starts_at == datetime(2026, 12, 3, 18, 13, 13, tzinfo=UTC)
    assert (disk.device, disk.customer_hint, disk.site) == ("dc01.acme.local", "acme", "HQ")
    assert disk.labels == {"check": "disk"}
    assert disk.url == "https://rmm.example/alerts/123"
    assert backup.fingerprint == fingerprint_for(
        "generic", {"device": "nas01", "title": "Backup failed", "customer": "acme"}
    )
    assert backup.ends_at == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert backup.severity == ""
    assert backup.severity_rank == "warning"


def test_single_alert_body_and_arrival_time_default() -> None:
    body = {"status": "firing", "title": "Printer offline", "device": "prn01"}
    (alert,) = generic.parse(body, {RECEIVED_AT_HEADER: "2026-12-03T18:00:00Z"}, {})
    assert alert.starts_at == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


PINGDOM_MAPPING = {
    "source": "pingdom",
    "alerts_path": "",
    "fields": {
        "id": "check_id",
        "status": "current_state",
        "severity": "importance_level",
        "title": "check_name",
        "description": "long_description",
        "starts_at": "state_changed_timestamp",
        "device": "check_params.hostname",
        "url": "check_params.full_url",
    },
    "status_map": {"DOWN": "firing", "UP": "resolved"},
    "time_format": "unix",
}


def test_field_mapping_on_a_real_pingdom_down_webhook() -> None:
    (alert,) = generic.parse(alerta_payload("pingdom_down"), {}, PINGDOM_MAPPING)
    assert alert.source == "pingdom"
    assert alert.fingerprint == "803318"
    assert alert.status == "firing"
    assert (alert.severity, alert.severity_rank) == ("HIGH", "high")
    assert alert.title == "Alerta API on OpenShift"
    assert alert.description == "HTTP Server Error 503 Service Unavailable"
    assert alert.starts_at == datetime(2017, 6, 30, 22, 25, 43, tzinfo=UTC)
    assert alert.device == "api.alerta.io"
    assert alert.url == "http://api.alerta.io/"


def test_field_mapping_on_real_pingdom_up_resolves_same_id() -> None:
    (alert,) = generic.parse(alerta_payload("pingdom_up"), {}, PINGDOM_MAPPING)
    assert (alert.status, alert.fingerprint) == ("resolved", "803318")


def test_field_mapping_with_strptime_format_on_riemann() -> None:
    settings = {
        "alerts_path": "",
        "fields": {"title": "service", "device": "host", "status": "state"},
        "status_map": {"ok": "resolved", "critical": "firing"},
        "identity_fields": ["device", "title"],
    }
    headers = {RECEIVED_AT_HEADER: "2026-12-03T18:00:00Z"}
    (alert,) = generic.parse(alerta_payload("riemann_alert"), headers, settings)
    assert (alert.status, alert.device, alert.title) == ("resolved", "hostbob", "servicejane")
    assert alert.ends_at == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def test_nested_list_paths_and_custom_time_format() -> None:
    body = {"data": {"events": [{"info": {"when": "03.12.2026 19:00", "what": "UPS on battery"}}]}}
    settings = {
        "alerts_path": "data.events",
        "fields": {"title": "info.what", "starts_at": "info.when"},
        "default_status": "firing",
        "time_format": "%d.%m.%Y %H:%M",
        "timezone": "Europe/Berlin",
    }
    (alert,) = generic.parse(body, {}, settings)
    assert alert.starts_at == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert generic.dig({"a": [{"b": 1}]}, "a.0.b") == 1


@pytest.mark.parametrize(
    ("body", "settings", "message"),
    [
        ({"alerts": [{"status": "firing"}]}, {}, "alerts[0].title: missing"),
        ({"alerts": [{"title": "x"}]}, {}, "alerts[0].status: missing"),
        (
            {"alerts": [{"title": "x", "status": "open"}]},
            {},
            "alerts[0].status: unknown status 'open'",
        ),
        (
            {"alerts": [{"title": "x", "status": "firing", "starts_at": "soon"}]},
            {},
            "alerts[0].starts_at: not an RFC 3339",
        ),
        (
            {"alerts": [{"title": "x", "status": "firing", "labels": []}]},
            {},
            "alerts[0].labels: expected a JSON object",
        ),
        ({"x": 1}, {"alerts_path": "data.items"}, "data.items: missing"),
        (
            {"title": "x", "status": "firing", "t": "x"},
            {"fields": {"starts_at": "t"}, "time_format": "unix"},
            "t: not a Unix timestamp",
        ),
    ],
)
def test_malformed_generic_payload_names_the_field(
    body: dict, settings: dict, message: str
) -> None:
    with pytest.raises(PayloadError) as caught:
        generic.parse(body, {}, settings)
    assert str(caught.value).startswith(message)


def test_unknown_mapped_field_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        generic.parse({"title": "x", "status": "firing"}, {}, {"fields": {"colour": "c"}})


def test_registry_lists_every_builtin_format() -> None:
    adapters = builtin_adapters()
    assert sorted(adapters) == [
        "alertmanager",
        "generic",
        "grafana",
        "tacticalrmm",
        "uptimekuma",
        "zabbix",
    ]
    assert all(name == adapter.name for name, adapter in adapters.items())
    assert adapters["generic"].parse(DOCUMENTED, {}, {})[0].fingerprint == "dc01-disk-c"
