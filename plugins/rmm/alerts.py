"""The normalised alert every RMM / monitoring adapter produces.

Adapters (``plugins.rmm.adapters``) turn one webhook POST into an ``AlertBatch``; the
intake and the correlation logic only ever see ``NormalizedAlert``. The helpers here
are shared by the adapters: the fingerprint rule, severity ranking and the
``PayloadError`` they raise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, TypeAlias, get_args

import msgspec

AlertStatus: TypeAlias = Literal["firing", "resolved"]
SeverityRank: TypeAlias = Literal["critical", "high", "warning", "info"]
SEVERITY_RANKS: tuple[SeverityRank, ...] = get_args(SeverityRank)

# Labels, in order of preference, that name the customer an alert belongs to.
DEFAULT_CUSTOMER_LABELS: tuple[str, ...] = ("customer", "client", "tenant")
DEFAULT_SITE_LABELS: tuple[str, ...] = ("site", "location")

# Names monitoring tools commonly use for their levels. Each adapter adds its own
# table on top; a source's ``severity_map`` setting overrides both.
COMMON_SEVERITY_RANKS: dict[str, SeverityRank] = {
    "critical": "critical",
    "crit": "critical",
    "fatal": "critical",
    "emergency": "critical",
    "disaster": "critical",
    "page": "critical",
    "high": "high",
    "error": "high",
    "err": "high",
    "major": "high",
    "warning": "warning",
    "warn": "warning",
    "average": "warning",
    "medium": "warning",
    "moderate": "warning",
    "minor": "warning",
    "info": "info",
    "informational": "info",
    "information": "info",
    "notice": "info",
    "low": "info",
    "none": "info",
    "debug": "info",
    "ok": "info",
}


class PayloadError(ValueError):
    """A webhook body that does not have the shape its format documents.

    ``field`` is the dotted path of the offending value (``alerts[2].startsAt``) and
    the message names it, so the sender sees what to fix in the 400 response.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


class NormalizedAlert(msgspec.Struct, frozen=True, kw_only=True):
    """One alert state change from one monitoring source, in the hub's terms."""

    source: str
    """Adapter name (``alertmanager``, ``zabbix``...) or the source's configured name."""
    fingerprint: str
    """Stable identity of the alert across firing/resolved and repeats."""
    status: AlertStatus
    severity: str
    """The source's own severity text, unchanged (``critical``, ``Disaster``, ``error``)."""
    severity_rank: SeverityRank
    title: str
    description: str = ""
    starts_at: datetime
    """When the problem started (aware, UTC); the SLA clock starts here."""
    ends_at: datetime | None = None
    device: str | None = None
    customer_hint: str | None = None
    site: str | None = None
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    url: str | None = None
    raw: dict[str, Any] = msgspec.field(default_factory=dict)


AlertBatch: TypeAlias = list[NormalizedAlert]
"""Everything one webhook POST carried, in payload order."""


def fingerprint_for(source: str, identifying: Mapping[str, str]) -> str:
    """Return the hex sha256 of the source and its sorted identifying labels.

    Used when a format has no fingerprint of its own. Sorting makes the result
    independent of label order; the NUL separators keep ``a=b,c`` from colliding
    with ``a=b`` + ``c``.
    """
    digest = hashlib.sha256(source.encode())
    for key in sorted(identifying):
        digest.update(b"\0" + key.encode() + b"=" + identifying[key].encode())
    return digest.hexdigest()


def rank_severity(
    raw: str,
    settings: Mapping[str, Any],
    source_table: Mapping[str, SeverityRank] | None = None,
    fallback: SeverityRank = "warning",
) -> SeverityRank:
    """Map a source's severity text to a rank.

    Lookup order: the source's ``severity_map`` setting (keys case-insensitive), the
    adapter's own table, ``COMMON_SEVERITY_RANKS``, then the ``default_severity_rank``
    setting or ``fallback``. An unknown level never fails an alert: it is better to
    open a task at a middling priority than to drop it.
    """
    key = raw.strip().lower()
    overrides = {str(k).lower(): v for k, v in (settings.get("severity_map") or {}).items()}
    for table in (overrides, source_table or {}, COMMON_SEVERITY_RANKS):
        if key in table:
            return _checked_rank(table[key], f"severity_map[{key!r}]")
    return _checked_rank(settings.get("default_severity_rank", fallback), "default_severity_rank")


def _checked_rank(value: object, where: str) -> SeverityRank:
    if value not in SEVERITY_RANKS:
        raise ValueError(f"settings.{where}: {value!r} is not one of {', '.join(SEVERITY_RANKS)}")
    return value  # type: ignore[return-value]


def first_label(labels: Mapping[str, str], keys: Iterable[str]) -> str | None:
    """Return the first non-empty value among ``keys`` in ``labels``."""
    for key in keys:
        value = labels.get(key)
        if value:
            return value
    return None


def customer_hint_from(labels: Mapping[str, str], settings: Mapping[str, Any]) -> str | None:
    """The customer-naming label, honouring a source's ``customer_labels`` setting."""
    return first_label(labels, settings.get("customer_labels") or DEFAULT_CUSTOMER_LABELS)


def site_from(labels: Mapping[str, str], settings: Mapping[str, Any]) -> str | None:
    """The site-naming label, honouring a source's ``site_labels`` setting."""
    return first_label(labels, settings.get("site_labels") or DEFAULT_SITE_LABELS)


def host_of(instance: str) -> str:
    """Strip the port from a Prometheus-style ``instance`` (``dc01:9182`` -> ``dc01``).

    Several exporters on one machine report different ports; without this each
    would count as a separate device and device grouping would not work.
    """
    if instance.startswith("["):  # [2001:db8::1]:9100
        end = instance.find("]")
        return instance[1:end] if end > 0 else instance
    host, sep, port = instance.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host
    return instance
