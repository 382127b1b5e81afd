"""Tactical RMM alert-template webhooks (a body template the MSP writes in Tactical).

Documentation followed: Tactical RMM docs, "Webhooks"
(https://docs.tacticalrmm.com/functions/webhooks/: the request body is user-written
JSON with ``{{model.field}}`` variables; ``{{alert.*}}`` is not filled in by the Test
button), "Alerting" (https://docs.tacticalrmm.com/functions/alerting/: severities
``info``/``warning``/``error``, failure and resolved actions run from alert templates)
and "Script Variables" (https://docs.tacticalrmm.com/script_variables/: ``agent.*``,
``client.name``, ``site.name``, ``alert.alert_time``, ``alert.message``,
``alert.severity``, ``alert.alert_type`` = ``availability``/``check``/``task``/``custom``).
Tactical renders a missing value as an empty string and a date as Python's
``str(datetime)`` (``2024-03-05 14:22:11.123456+00:00``).

Because Tactical posts whatever template it is given, this adapter reads the template
below. Configure one webhook as the alert template's *failure* action with
``FAILURE_TEMPLATE`` and one as its *resolved* action with ``RESOLVED_TEMPLATE`` (they
differ only in ``event``)::

    {
      "event": "trigger",
      "alert_id": "{{alert.id}}",
      "alert_type": "{{alert.alert_type}}",
      "severity": "{{alert.severity}}",
      "message": "{{alert.message}}",
      "alert_time": "{{alert.alert_time}}",
      "resolved_on": "{{alert.resolved_on}}",
      "agent_id": "{{agent.agent_id}}",
      "hostname": "{{agent.hostname}}",
      "client": "{{agent.site.client.name}}",
      "site": "{{agent.site.name}}",
      "monitoring_type": "{{agent.monitoring_type}}",
      "check": "{{alert.assigned_check.readable_desc}}",
      "task": "{{alert.assigned_task.name}}"
    }

Fingerprint: ``sha256(source, agent, alert_type, check-or-task)``, so the same check
on the same agent is one alert across failures and resolves (Tactical's own alert id
changes with each failure and is kept in ``labels["alert_id"]``).

Settings: ``source`` (default ``tacticalrmm``), ``dashboard_url`` (link put on the
alert), ``timezone`` (zone for times without an
offset, default UTC), ``severity_map``, ``default_severity_rank``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from plugins.rmm.adapters.payload import local_time, obj, optional_text, received_time
from plugins.rmm.alerts import (
    NormalizedAlert,
    PayloadError,
    SeverityRank,
    fingerprint_for,
    rank_severity,
)

NAME = "tacticalrmm"

FAILURE_TEMPLATE: dict[str, str] = {
    "event": "trigger",
    "alert_id": "{{alert.id}}",
    "alert_type": "{{alert.alert_type}}",
    "severity": "{{alert.severity}}",
    "message": "{{alert.message}}",
    "alert_time": "{{alert.alert_time}}",
    "resolved_on": "{{alert.resolved_on}}",
    "agent_id": "{{agent.agent_id}}",
    "hostname": "{{agent.hostname}}",
    "client": "{{agent.site.client.name}}",
    "site": "{{agent.site.name}}",
    "monitoring_type": "{{agent.monitoring_type}}",
    "check": "{{alert.assigned_check.readable_desc}}",
    "task": "{{alert.assigned_task.name}}",
}
RESOLVED_TEMPLATE: dict[str, str] = {**FAILURE_TEMPLATE, "event": "resolve"}
RECOMMENDED_TEMPLATE_JSON = json.dumps(FAILURE_TEMPLATE, indent=2)

# Tactical has three levels; an "error" is an agent offline or a failed check.
SEVERITY_RANKS: dict[str, SeverityRank] = {"error": "high", "warning": "warning", "info": "info"}
_EVENTS = {
    "trigger": "firing",
    "failure": "firing",
    "firing": "firing",
    "resolve": "resolved",
    "resolved": "resolved",
}
_LABEL_FIELDS = (
    "alert_id",
    "alert_type",
    "agent_id",
    "client",
    "site",
    "monitoring_type",
    "check",
    "task",
)


def parse(
    payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
) -> list[NormalizedAlert]:
    """Parse one Tactical RMM alert rendered from ``FAILURE_TEMPLATE``/``RESOLVED_TEMPLATE``."""
    body = obj(payload, "")
    source = settings.get("source", NAME)
    zone = ZoneInfo(settings.get("timezone", "UTC"))
    event = _field(body, "event", required=True).lower()
    if event not in _EVENTS:
        raise PayloadError("event", f"expected 'trigger' or 'resolve', got {event!r}")
    status = _EVENTS[event]
    hostname = _field(body, "hostname", required=True)
    severity = _field(body, "severity", required=True)
    starts_at = local_time(_field(body, "alert_time", required=True), "alert_time", zone)
    ends_at = None
    if status == "resolved":
        resolved_on = _field(body, "resolved_on")
        ends_at = (
            local_time(resolved_on, "resolved_on", zone) if resolved_on else received_time(headers)
        )

    labels = {key: value for key in _LABEL_FIELDS if (value := _field(body, key))}
    labels["hostname"] = hostname
    alert_type = labels.get("alert_type", "")
    subject = labels.get("check") or labels.get("task") or ""
    message = _field(body, "message")
    identity = {
        "agent": labels.get("agent_id") or hostname,
        "alert_type": alert_type,
        "subject": subject,
    }
    return [
        NormalizedAlert(
            source=source,
            fingerprint=fingerprint_for(source, identity),
            status=status,  # type: ignore[arg-type]
            severity=severity,
            severity_rank=rank_severity(severity, settings, SEVERITY_RANKS),
            title=_title(hostname, alert_type, subject, message),
            description=message,
            starts_at=starts_at,
            ends_at=ends_at,
            device=hostname,
            customer_hint=labels.get("client"),
            site=labels.get("site"),
            labels=labels,
            url=settings.get("dashboard_url"),
            raw=body,
        )
    ]


def _field(body: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = optional_text(body, key, "") or ""
    if "{{" in value:
        # Tactical's Test button leaves {{alert.*}} unrendered; a real alert never does.
        raise PayloadError(key, f"template variable not rendered ({value!r}); test send?")
    if required and not value:
        raise PayloadError(key, "missing")
    return value


def _title(hostname: str, alert_type: str, subject: str, message: str) -> str:
    if subject:
        return f"{hostname}: {subject}"
    if alert_type == "availability":
        return f"{hostname}: agent overdue"
    first_line = message.splitlines()[0] if message else ""
    return f"{hostname}: {first_line or alert_type or 'alert'}"
