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


class DeviceRegistry:
    """The registry rows of a batch's devices, read at once and kept current in memory.

    ``load`` reads every device an alert of the batch names (by host name or agent id);
    devices registered or changed while the batch is applied are updated here too, so a
    later alert sees them as it would have seen the table.
    """

    _COLUMNS = (Device.id, Device.customer, Device.hostname, Device.site, Device.agent_id)

    def __init__(self) -> None:
        self._by_agent: dict[str, dict[str, Any]] = {}
        self._by_host: dict[str, list[dict[str, Any]]] = {}

    async def load(self, hostnames: set[str], agent_ids: set[str]) -> None:
        """Read the devices named by host name (lower case) or agent id."""
        rows: list[dict[str, Any]] = []
        names, agents = sorted(hostnames), sorted(a for a in agent_ids if a)
        for start in range(0, len(names), 500):
            part = names[start : start + 500]
            rows += await Device.select(*self._COLUMNS).where(Device.hostname.is_in(part))
        for start in range(0, len(agents), 500):
            part = agents[start : start + 500]
            rows += await Device.select(*self._COLUMNS).where(Device.agent_id.is_in(part))
        seen: set[int] = set()
        for row in sorted(rows, key=lambda r: r["id"]):
            if row["id"] not in seen:
                seen.add(row["id"])
                self.add(row)

    def add(self, row: dict[str, Any]) -> None:
        """A device registered (or read) during the batch."""
        if row["agent_id"]:
            self._by_agent.setdefault(row["agent_id"], row)
        self._by_host.setdefault(row["hostname"], []).append(row)

    def find(
        self, name: str | None, agent_id: str | None, customer_id: int | None
    ) -> dict[str, Any] | None:
        """The registry row of an alert's device, preferring the label-mapped customer's."""
        if agent_id and agent_id in self._by_agent:
            return self._by_agent[agent_id]
        if not name:
            return None
        rows = self._by_host.get(device_key(name), [])
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
    directory: Directory, registry: DeviceRegistry, source: Source, alert: NormalizedAlert
) -> tuple[int | None, dict[str, Any] | None, str]:
    """``(customer id, device row, how)`` for an alert; ``how`` explains the mapping."""
    by_label = await directory.by_label(alert.customer_hint, source)
    device = registry.find(alert.device, alert.labels.get("agent_id"), by_label)
    if device is not None and device["customer"] is not None:
        return device["customer"], device, "device"
    if by_label is not None:
        return by_label, device, "label"
    default = await directory.by_ref(source.config.default_customer)
    if default is not None:
        return default, device, "source default"
    return None, device, "unmapped"


async def touch_device(
    registry: DeviceRegistry,
    device: dict[str, Any] | None,
    alert: NormalizedAlert,
    customer_id: int | None,
    now: datetime,
) -> int | None:
    """Register the alert's device or fill in its customer and site; return its id.

    Its last seen time is the caller's to record (written once per batch).
    """
    if not alert.device:
        return None
    if device is None:
        row = Device(
            hostname=device_key(alert.device),
            customer=customer_id,
            agent_id=alert.labels.get("agent_id", ""),
            site=alert.site or "",
            os=alert.labels.get("os", ""),
            last_seen=now,
        )
        inserted = await Device.insert(row).returning(Device.id)
        device_id = int(inserted[0]["id"])
        registry.add(
            {
                "id": device_id,
                "customer": customer_id,
                "hostname": row.hostname,
                "site": row.site,
                "agent_id": row.agent_id,
            }
        )
        return device_id
    values: dict[Any, Any] = {}
    if device["customer"] is None and customer_id is not None:
        values[Device.customer] = device["customer"] = customer_id
    if not device["site"] and alert.site:
        values[Device.site] = device["site"] = alert.site
    if values:
        await Device.update(values).where(Device.id == device["id"])
    return int(device["id"])
