"""Prometheus Alertmanager webhook receiver payloads (webhook version 4).

Documentation followed: Prometheus docs, "Alerting > Configuration > <webhook_config>"
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), which gives
the body: ``version``, ``groupKey``, ``truncatedAlerts``, ``status``, ``receiver``,
``groupLabels``, ``commonLabels``, ``commonAnnotations``, ``externalURL`` and
``alerts[]`` of ``{status, labels, annotations, startsAt, endsAt, generatorURL,
fingerprint}``. Checked against five POSTs captured from Alertmanager 0.25.0.

One POST is a *group*: it may mix firing and resolved alerts, and each alert becomes
one ``NormalizedAlert``. The alert's own ``fingerprint`` (a hash of its label set) is
kept; version 3 bodies, which lack it, get ``sha256(source, labels)``.

Settings (all optional): ``source`` (name recorded on alerts, default
``alertmanager``), ``device_labels``, ``customer_labels``, ``site_labels``,
``severity_map``, ``default_severity_rank``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from plugins.rmm.adapters.payload import (
    array,
    at,
    end_time,
    obj,
    optional_text,
    required,
    rfc3339,
    string_map,
    text,
)
from plugins.rmm.alerts import (
    NormalizedAlert,
    PayloadError,
    customer_hint_from,
    fingerprint_for,
    first_label,
    host_of,
    rank_severity,
    site_from,
)

NAME = "alertmanager"
# Version 3 bodies differ only by lacking per-alert fingerprints, so they are accepted.
SUPPORTED_VERSIONS = ("4", "3")
DEFAULT_DEVICE_LABELS = ("instance", "host", "hostname", "nodename", "node", "device")
_TITLE_ANNOTATIONS = ("summary", "title")
_DESCRIPTION_ANNOTATIONS = ("description", "message")


def parse(
    payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
) -> list[NormalizedAlert]:
    """Parse an Alertmanager webhook body into one alert per entry of ``alerts``."""
    body = obj(payload, "")
    version = text(required(body, "version", ""), "version")
    if version not in SUPPORTED_VERSIONS:
        raise PayloadError(
            "version", f"unsupported Alertmanager webhook version {version!r} (expected '4')"
        )
    return parse_alert_list(body, settings.get("source", NAME), settings, ("generatorURL",))


def parse_alert_list(
    body: dict[str, Any],
    source: str,
    settings: Mapping[str, Any],
    url_keys: Sequence[str],
) -> list[NormalizedAlert]:
    """Parse the Alertmanager-shaped ``alerts`` array (shared with Grafana unified).

    ``url_keys`` are the per-alert link fields to try in order; the body's
    ``externalURL`` is the last resort.
    """
    alerts = array(required(body, "alerts", ""), "alerts")
    external_url = optional_text(body, "externalURL", "")
    device_labels = settings.get("device_labels") or DEFAULT_DEVICE_LABELS
    result: list[NormalizedAlert] = []
    for index, item in enumerate(alerts):
        path = at("alerts", index)
        alert = obj(item, path)
        status = text(required(alert, "status", path), at(path, "status"))
        if status not in ("firing", "resolved"):
            raise PayloadError(
                at(path, "status"), f"expected 'firing' or 'resolved', got {status!r}"
            )
        labels = string_map(required(alert, "labels", path), at(path, "labels"))
        annotations = string_map(alert.get("annotations"), at(path, "annotations"))
        starts_at = rfc3339(required(alert, "startsAt", path), at(path, "startsAt"))
        ends_at = end_time(alert.get("endsAt"), at(path, "endsAt"))
        fingerprint = optional_text(alert, "fingerprint", path) or fingerprint_for(source, labels)
        severity = labels.get("severity") or annotations.get("severity") or ""
        url = next((u for key in url_keys if (u := optional_text(alert, key, path))), external_url)
        result.append(
            NormalizedAlert(
                source=source,
                fingerprint=fingerprint,
                status=status,  # type: ignore[arg-type]  # checked above
                severity=severity,
                severity_rank=rank_severity(severity, settings),
                title=first_label(annotations, _TITLE_ANNOTATIONS)
                or labels.get("alertname")
                or "untitled alert",
                description=first_label(annotations, _DESCRIPTION_ANNOTATIONS) or "",
                starts_at=starts_at,
                # A firing alert's endsAt is an expiry Prometheus keeps pushing forward,
                # not the time the problem ended.
                ends_at=ends_at if status == "resolved" else None,
                device=_device(labels, device_labels),
                customer_hint=customer_hint_from(labels, settings),
                site=site_from(labels, settings),
                labels=labels,
                url=url,
                raw=alert,
            )
        )
    return result


def _device(labels: Mapping[str, str], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = labels.get(key)
        if value:
            return host_of(value) if key == "instance" else value
    return None
