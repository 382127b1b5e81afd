"""Which customer and device an alert belongs to; the device registry fed by alerts.

Resolution order (the first that answers wins):

1. the device registry: a known device (by agent id, else host name) with a customer;
2. the alert's customer label (``customer_hint``): the ``rmm_customer_map`` table, the
   source's ``customer_mapping``, the plugin-wide ``customer_mapping``, then a customer
   whose name equals the label (case-insensitive);
3. the source's ``default_customer``.

An alert none of these map is stored with customer ``NULL`` and listed, never dropped.
A ``Directory`` caches customer names and mappings for one intake batch only, so
changes made through the API apply from the next batch on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.db.tables import Customer, Device
from hub.services import sla as sla_service
from plugins.rmm.alerts import NormalizedAlert
from plugins.rmm.config import CustomerRef, RmmSettings, Source
from plugins.rmm.tables import RmmCustomerMap


def device_key(name: str) -> str:
    """Host names are case-insensitive; the registry stores them lower-cased."""
    return name.strip().lower()


class Directory:
    """Customer and mapping lookups cached for one batch."""

    def __init__(self, settings: RmmSettings) -> None:
        self.settings = settings
        self._by_name: dict[str, int] | None = None
        self._names: dict[int, str] = {}
        self._mapping: dict[str, int] | None = None
        self._floors: dict[int, str | None] = {}

    async def _load(self) -> None:
        rows = await Customer.select(Customer.id, Customer.name)
        self._by_name = {r["name"].strip().lower(): r["id"] for r in rows}
        self._names = {r["id"]: r["name"] for r in rows}
        maps = await RmmCustomerMap.select(RmmCustomerMap.label_value, RmmCustomerMap.customer)
        self._mapping = {r["label_value"]: r["customer"] for r in maps}

    async def customer_name(self, customer_id: int) -> str:
        if self._by_name is None:
            await self._load()
        return self._names.get(customer_id, f"customer {customer_id}")

    async def by_ref(self, ref: CustomerRef | None) -> int | None:
        """A configured customer reference (id or name) as an id; ``None`` if unknown."""
        if ref is None:
            return None
        if self._by_name is None:
            await self._load()
        if isinstance(ref, int):
            return ref if ref in self._names else None
        return self._by_name.get(ref.strip().lower()) if self._by_name else None

    async def by_label(self, hint: str | None, source: Source) -> int | None:
        """The customer a customer-label value names, through the mappings."""
        if not hint:
            return None
        if self._by_name is None:
            await self._load()
        value = hint.strip().lower()
        if self._mapping and value in self._mapping:
            return self._mapping[value]
        for table in (source.config.customer_mapping, self.settings.customer_mapping):
            lowered = {k.strip().lower(): v for k, v in table.items()}
            if value in lowered:
                return await self.by_ref(lowered[value])
        return await self.by_ref(value)

    async def tier_floor(self, customer_id: int) -> str | None:
        """The customer's SLA tier priority floor (``None`` without a tier)."""
        if customer_id not in self._floors:
            context = await sla_service.customer_context(customer_id)
            tier = context.get("sla_tier") or {}
            self._floors[customer_id] = tier.get("priority_floor")
        return self._floors[customer_id]


async def find_device(
    name: str | None, agent_id: str | None, customer_id: int | None
) -> dict[str, Any] | None:
    """The registry row of an alert's device, preferring the label-mapped customer's."""
    columns = (Device.id, Device.customer, Device.hostname, Device.site)
    if agent_id:
        row = await Device.select(*columns).where(Device.agent_id == agent_id).first()
        if row is not None:
            return row
    if not name:
        return None
    rows = await Device.select(*columns).where(Device.hostname == device_key(name))
    if not rows:
        return None
    if customer_id is not None:
        for row in rows:
            if row["customer"] == customer_id:
                return row
    unowned = [r for r in rows if r["customer"] is None]
    if unowned:
        return unowned[0]
    # one known device of that name: an alert without a customer label still maps
    return rows[0] if len(rows) == 1 and customer_id is None else None


async def resolve(
    directory: Directory, source: Source, alert: NormalizedAlert
) -> tuple[int | None, dict[str, Any] | None, str]:
    """``(customer id, device row, how)`` for an alert; ``how`` explains the mapping."""
    by_label = await directory.by_label(alert.customer_hint, source)
    device = await find_device(alert.device, alert.labels.get("agent_id"), by_label)
    if device is not None and device["customer"] is not None:
        return device["customer"], device, "device"
    if by_label is not None:
        return by_label, device, "label"
    default = await directory.by_ref(source.config.default_customer)
    if default is not None:
        return default, device, "source default"
    return None, device, "unmapped"


async def touch_device(
    device: dict[str, Any] | None,
    alert: NormalizedAlert,
    customer_id: int | None,
    now: datetime,
) -> int | None:
    """Register or refresh the alert's device (last seen); return its id."""
    if not alert.device:
        return None
    if device is None:
        inserted = await Device.insert(
            Device(
                hostname=device_key(alert.device),
                customer=customer_id,
                agent_id=alert.labels.get("agent_id", ""),
                site=alert.site or "",
                os=alert.labels.get("os", ""),
                last_seen=now,
            )
        ).returning(Device.id)
        return int(inserted[0]["id"])
    values: dict[Any, Any] = {Device.last_seen: now}
    if device["customer"] is None and customer_id is not None:
        values[Device.customer] = customer_id
    if not device["site"] and alert.site:
        values[Device.site] = alert.site
    await Device.update(values).where(Device.id == device["id"])
    return int(device["id"])
