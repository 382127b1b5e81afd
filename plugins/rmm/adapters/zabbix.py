"""Zabbix webhook media type posting its parameters as JSON.

Documentation followed: Zabbix manual, "Media types > Webhook"
(https://www.zabbix.com/documentation/current/en/manual/config/notifications/media/webhook:
parameters are name/value pairs whose values are macros, handed to the media type's
JavaScript as ``value``) and "Macros supported by location"
(https://www.zabbix.com/documentation/current/en/manual/appendix/macros/supported_by_location:
``{EVENT.ID}``, ``{EVENT.VALUE}`` 1 = problem / 0 = recovery, ``{EVENT.SEVERITY}``
Not classified/Information/Warning/Average/High/Disaster, ``{EVENT.NSEVERITY}`` 0-5,
``{EVENT.DATE}`` yyyy.mm.dd, ``{EVENT.TIME}`` hh:mm:ss, ``{EVENT.RECOVERY.DATE}``,
``{EVENT.RECOVERY.TIME}``, ``{EVENT.TAGSJSON}``, ``{HOST.HOST}``, ``{HOST.NAME}``,
``{TRIGGER.ID}``, ``{TRIGGER.NAME}``). In recovery messages ``{EVENT.ID}`` is the
problem's id. Zabbix leaves a macro that does not apply unexpanded (``{EVENT.RECOVERY.DATE}``
in a problem message); such values are read as absent.

Recommended media type: parameters ``event_id={EVENT.ID}``, ``event_value={EVENT.VALUE}``,
``event_update_status={EVENT.UPDATE.STATUS}``, ``event_severity={EVENT.SEVERITY}``,
``event_nseverity={EVENT.NSEVERITY}``, ``event_name={EVENT.NAME}``,
``event_date={EVENT.DATE}``, ``event_time={EVENT.TIME}``,
``event_recovery_date={EVENT.RECOVERY.DATE}``, ``event_recovery_time={EVENT.RECOVERY.TIME}``,
``event_tags={EVENT.TAGSJSON}``, ``host_host={HOST.HOST}``, ``host_name={HOST.NAME}``,
``host_ip={HOST.IP}``, ``trigger_id={TRIGGER.ID}``, ``trigger_name={TRIGGER.NAME}``,
``trigger_description={TRIGGER.DESCRIPTION}``, ``zabbix_url={$ZABBIX.URL}``, ``url`` (the
hub's webhook URL), ``token`` (its secret); and the script in ``MEDIA_TYPE_SCRIPT``.
Keys may also be written as the macro names themselves (``EVENT.ID``), as several
vendor media types do.

Fingerprint: ``sha256(source, host, trigger)``, stable across occurrences of the same
trigger on the same host, so a re-fire can reopen its task; the event id is kept in
``labels["event_id"]``. Times carry no zone: set ``timezone`` to the Zabbix server's.

Settings: ``source`` (default ``zabbix``), ``timezone`` (default UTC),
``customer_labels``, ``site_labels`` (matched against event tags), ``severity_map``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from plugins.rmm.adapters.payload import obj, received_time, text
from plugins.rmm.alerts import (
    NormalizedAlert,
    PayloadError,
    SeverityRank,
    customer_hint_from,
    fingerprint_for,
    rank_severity,
    site_from,
)

NAME = "zabbix"
SEVERITY_RANKS: dict[str, SeverityRank] = {
    "disaster": "critical",
    "high": "high",
    "average": "warning",
    "warning": "warning",
    "information": "info",
    "not classified": "info",
}
_NSEVERITY_NAMES = ("Not classified", "Information", "Warning", "Average", "High", "Disaster")
_UNEXPANDED_MACRO = re.compile(r"^\{\$?[A-Z0-9_.]+\}$")

MEDIA_TYPE_SCRIPT = """\
var params = JSON.parse(value), req = new HttpRequest(), url = params.url;
req.addHeader('Content-Type: application/json');
if (params.token) { req.addHeader('Authorization: Bearer ' + params.token); }
delete params.url; delete params.token;
var response = req.post(url, JSON.stringify(params));
if (req.getStatus() < 200 || req.getStatus() > 299) {
    throw 'Atlas Hub answered ' + req.getStatus() + ': ' + response;
}
return 'OK';
"""


def parse(
    payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
) -> list[NormalizedAlert]:
    """Parse one Zabbix webhook message (problem, recovery or update)."""
    params = _normalised(obj(payload, ""))
    source = settings.get("source", NAME)
    zone = ZoneInfo(settings.get("timezone", "UTC"))

    value = _need(params, "event_value")
    if value not in ("0", "1"):
        raise PayloadError("event_value", f"expected 1 (problem) or 0 (recovery), got {value!r}")
    status = "firing" if value == "1" else "resolved"
    event_id = _need(params, "event_id")
    host = params.get("host_host") or _need(params, "host_name", also="host_host")
    trigger = params.get("trigger_name") or _need(params, "event_name", also="trigger_name")
    starts_at = _zabbix_time(params, "event_date", "event_time", zone)
    ends_at = None
    if status == "resolved":
        ends_at = (
            _zabbix_time(params, "event_recovery_date", "event_recovery_time", zone)
            if params.get("event_recovery_date")
            else received_time(headers)
        )
    severity = _severity(params)
    tags = _tags(
        payload.get("event_tags"), params.get("event_tags") or params.get("event_tagsjson")
    )
    labels = {**tags, "event_id": event_id, "host": host}
    for key in ("trigger_id", "event_update_status", "host_ip"):
        if params.get(key):
            labels[key] = params[key]
    identity = {"host": host, "trigger": params.get("trigger_id") or trigger}
    return [
        NormalizedAlert(
            source=source,
            fingerprint=fingerprint_for(source, identity),
            status=status,  # type: ignore[arg-type]
            severity=severity,
            severity_rank=rank_severity(severity, settings, SEVERITY_RANKS),
            title=params.get("event_name") or trigger,
            description=params.get("trigger_description", ""),
            starts_at=starts_at,
            ends_at=ends_at,
            device=params.get("host_name") or host,
            customer_hint=customer_hint_from(tags, settings),
            site=site_from(tags, settings),
            labels=labels,
            url=_event_url(params),
            raw=payload,
        )
    ]


def _normalised(body: dict[str, Any]) -> dict[str, str]:
    """Key ``EVENT.ID`` and ``event_id`` alike; drop unexpanded macros and blanks."""
    result: dict[str, str] = {}
    for key, raw in body.items():
        if raw is None or isinstance(raw, dict | list):
            continue
        value = text(raw, key).strip()
        if value and not _UNEXPANDED_MACRO.match(value):
            result[key.lower().replace(".", "_")] = value
    return result


def _need(params: Mapping[str, str], key: str, *, also: str | None = None) -> str:
    value = params.get(key)
    if not value:
        alternatives = f" (or {also})" if also else ""
        raise PayloadError(key, f"missing{alternatives}")
    return value


def _zabbix_time(
    params: Mapping[str, str], date_key: str, time_key: str, zone: ZoneInfo
) -> datetime:
    date, clock = _need(params, date_key), _need(params, time_key)
    try:
        local = datetime.strptime(f"{date} {clock}", "%Y.%m.%d %H:%M:%S")
    except ValueError:
        raise PayloadError(
            date_key, f"not a Zabbix date/time yyyy.mm.dd hh:mm:ss ({date!r} {clock!r})"
        ) from None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _severity(params: Mapping[str, str]) -> str:
    if params.get("event_severity"):
        return params["event_severity"]
    number = params.get("event_nseverity", "")
    if number.isdigit() and int(number) < len(_NSEVERITY_NAMES):
        return _NSEVERITY_NAMES[int(number)]
    if number:
        raise PayloadError("event_nseverity", f"expected 0-5, got {number!r}")
    raise PayloadError("event_severity", "missing (or event_nseverity)")


def _tags(parsed: Any, raw: str | None) -> dict[str, str]:
    """``{EVENT.TAGSJSON}`` (a JSON array, as text or already parsed) or ``{EVENT.TAGS}``."""
    raw = raw or ""
    value: Any = parsed if isinstance(parsed, list) else raw
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise PayloadError("event_tags", "not valid JSON") from None
    if isinstance(value, list):
        tags: dict[str, str] = {}
        for index, item in enumerate(value):
            entry = obj(item, f"event_tags[{index}]")
            if "tag" not in entry:
                raise PayloadError(f"event_tags[{index}].tag", "missing")
            tags[text(entry["tag"], f"event_tags[{index}].tag")] = text(
                entry.get("value", ""), f"event_tags[{index}].value"
            )
        return tags
    # {EVENT.TAGS} is "name:value, name2:value2".
    pairs = (part.partition(":") for part in raw.split(",") if part.strip())
    return {name.strip(): tag_value.strip() for name, _, tag_value in pairs}


def _event_url(params: Mapping[str, str]) -> str | None:
    base = params.get("zabbix_url")
    if not base:
        return None
    if params.get("trigger_id") and params.get("event_id"):
        return (
            f"{base.rstrip('/')}/tr_events.php?triggerid={params['trigger_id']}"
            f"&eventid={params['event_id']}"
        )
    return base
