"""Grafana alert webhooks: unified alerting and the legacy (dashboard) alerting format.

Documentation followed:

* Unified alerting (Grafana 8+): "Configure the webhook notifier for Alerting"
  (https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/).
  The body is Alertmanager's webhook body (``alerts[]`` with ``status``, ``labels``,
  ``annotations``, ``startsAt``, ``endsAt``, ``fingerprint``) plus ``orgId``,
  ``title``, ``state``, ``message`` and per alert ``silenceURL``, ``dashboardURL``,
  ``panelURL``, ``values`` / ``valueString``; ``version`` is ``"1"``.
* Legacy alerting (Grafana <= 8 dashboard alerts): "Alert notifications > Webhook"
  (https://grafana.com/docs/grafana/v7.5/alerting/notifications/#webhook): ``title``,
  ``ruleId``, ``ruleName``, ``state`` (``alerting``/``ok``/``no_data``/``pending``/
  ``paused``), ``evalMatches[] {metric, value, tags}``, ``tags``, ``ruleUrl``,
  ``imageUrl``, ``message``. Checked against the four Grafana payloads in alerta's tests.

A legacy notification is one alert per rule (its resolve carries no ``evalMatches``), so
its fingerprint is ``sha256(source, rule_id[, org_id])``. It has no time of its own:
``starts_at`` is the time the hub received it (see ``payload.received_time``).

Settings: as for ``alertmanager`` (``source`` defaults to ``grafana``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from plugins.rmm.adapters.alertmanager import DEFAULT_DEVICE_LABELS, parse_alert_list
from plugins.rmm.adapters.payload import (
    array,
    at,
    obj,
    optional_text,
    received_time,
    required,
    string_map,
    text,
)
from plugins.rmm.alerts import (
    NormalizedAlert,
    PayloadError,
    SeverityRank,
    customer_hint_from,
    fingerprint_for,
    first_label,
    host_of,
    rank_severity,
    site_from,
)

NAME = "grafana"
_LEGACY_STATUS = {
    "alerting": "firing",
    "no_data": "firing",
    "pending": "firing",
    "ok": "resolved",
    "paused": "resolved",
}
# Used when a legacy rule has no ``severity`` tag: the state is all there is to rank.
_LEGACY_STATE_RANKS: dict[str, SeverityRank] = {
    "alerting": "warning",
    "no_data": "warning",
    "pending": "info",
    "ok": "info",
    "paused": "info",
}
_UNIFIED_URL_KEYS = ("panelURL", "dashboardURL", "generatorURL")


def parse(
    payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
) -> list[NormalizedAlert]:
    """Parse a Grafana webhook body of either generation."""
    body = obj(payload, "")
    source = settings.get("source", NAME)
    if "alerts" in body:
        return parse_alert_list(body, source, settings, _UNIFIED_URL_KEYS)
    if "evalMatches" in body or "ruleId" in body:
        return [_parse_legacy(body, headers, settings, source)]
    raise PayloadError(
        "alerts", "missing (neither a unified-alerting 'alerts' array nor a legacy 'ruleId')"
    )


def _parse_legacy(
    body: dict[str, Any], headers: Mapping[str, str], settings: Mapping[str, Any], source: str
) -> NormalizedAlert:
    state = text(required(body, "state", ""), "state").lower()
    if state not in _LEGACY_STATUS:
        raise PayloadError("state", f"unknown Grafana alert state {state!r}")
    rule_id = text(required(body, "ruleId", ""), "ruleId")
    tags = string_map(body.get("tags"), "tags")
    rule_url = optional_text(body, "ruleUrl", "")
    matches = [
        obj(m, at("evalMatches", i))
        for i, m in enumerate(array(body.get("evalMatches") or [], "evalMatches"))
    ]
    match_tags = [
        string_map(m.get("tags"), at(at("evalMatches", i), "tags")) for i, m in enumerate(matches)
    ]

    identity = {"rule_id": rule_id}
    org_id = optional_text(body, "orgId", "") or _org_from_url(rule_url)
    if org_id:
        identity["org_id"] = org_id
    rule_name = optional_text(body, "ruleName", "")
    labels = {**tags, **identity}
    if rule_name:
        labels.setdefault("alertname", rule_name)

    severity = tags.get("severity") or state
    received = received_time(headers)
    description = optional_text(body, "message", "") or ""
    summary = "; ".join(f"{m.get('metric', '')}={m.get('value')}" for m in matches)
    return NormalizedAlert(
        source=source,
        fingerprint=fingerprint_for(source, identity),
        status=_LEGACY_STATUS[state],  # type: ignore[arg-type]
        severity=severity,
        severity_rank=rank_severity(severity, settings, _LEGACY_STATE_RANKS),
        title=rule_name or optional_text(body, "title", "") or f"Grafana rule {rule_id}",
        description="\n".join(part for part in (description, summary) if part),
        starts_at=received,
        ends_at=received if _LEGACY_STATUS[state] == "resolved" else None,
        device=_legacy_device([tags, *match_tags], settings),
        customer_hint=customer_hint_from(tags, settings)
        or next((c for t in match_tags if (c := customer_hint_from(t, settings))), None),
        site=site_from(tags, settings),
        labels=labels,
        url=rule_url,
        raw=body,
    )


def _legacy_device(tag_sets: list[dict[str, str]], settings: Mapping[str, Any]) -> str | None:
    keys = settings.get("device_labels") or DEFAULT_DEVICE_LABELS
    for tags in tag_sets:
        value = first_label(tags, keys)
        if value:
            return host_of(value) if value == tags.get("instance") else value
    return None


def _org_from_url(url: str | None) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("orgId")
    return values[0] if values else None
