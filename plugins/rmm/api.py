"""``/api/v1/devices``, ``/api/v1/alerts`` and ``/api/v1/rmm/customer-mappings``.

Lists page by id (newest first): ``next_cursor`` is the id to continue below.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import UNSET

from hub.auth import ADMIN, ANY_ROLE
from hub.db.integrity import is_unique_violation
from hub.db.tables import Customer, Device
from hub.errors import BadRequest, Conflict, NotFound
from plugins.rmm.directory import device_key
from plugins.rmm.schemas import (
    AlertOut,
    AlertPage,
    DeviceIn,
    DeviceOut,
    DevicePage,
    DevicePatch,
    MappingIn,
    MappingOut,
)
from plugins.rmm.tables import RmmAlert, RmmCustomerMap

MAX_LIMIT = 500


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit: must be 1..{MAX_LIMIT}", field="limit")
    return limit


def _cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise BadRequest("cursor: not a cursor this API issued", field="cursor")
    return int(cursor)


async def _check_customer(customer_id: int | None) -> None:
    if customer_id is not None and not await Customer.exists().where(Customer.id == customer_id):
        raise BadRequest(f"customer_id: customer {customer_id} does not exist", field="customer_id")


def _device_out(row: dict[str, Any]) -> DeviceOut:
    return DeviceOut(
        id=row["id"],
        hostname=row["hostname"],
        customer_id=row["customer"],
        serial=row["serial"],
        agent_id=row["agent_id"],
        site=row["site"],
        os=row["os"],
        last_seen=row["last_seen"],
        created_at=row["created_at"],
    )


def _alert_out(row: dict[str, Any]) -> AlertOut:
    return AlertOut(
        id=row["id"],
        source=row["source"],
        fingerprint=row["fingerprint"],
        status=row["status"],
        severity=row["severity"],
        severity_rank=row["severity_rank"],
        title=row["title"],
        description=row["description"],
        customer_id=row["customer"],
        device_id=row["device"],
        device=row["device_name"],
        site=row["site"],
        labels=msgspec.json.decode(row["labels"] or "{}"),
        url=row["url"],
        task_id=row["task"],
        count=row["times_seen"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        flapping=row["flapping"],
        last_action=row["last_action"],
        last_reason=row["last_reason"],
    )


async def _device_row(device_id: int) -> dict[str, Any]:
    row = await Device.select().where(Device.id == device_id).first()
    if row is None:
        raise NotFound("device", device_id)
    return row


class DeviceController(Controller):
    path = "/devices"
    tags = ["devices"]
    guards = [ANY_ROLE]

    @get(operation_id="listDevices")
    async def list_devices(
        self,
        customer_id: FromQuery[int | None] = None,
        q: FromQuery[str | None] = None,
        unmapped: FromQuery[bool | None] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> DevicePage:
        """Devices, newest first; ``q`` matches the start of the host name, ``unmapped``
        lists devices without a customer."""
        limit, after = _limit(limit), _cursor(cursor)
        query = Device.select().order_by(Device.id, ascending=False).limit(limit + 1)
        if customer_id is not None:
            query = query.where(Device.customer == customer_id)
        if unmapped is not None:
            query = query.where(
                Device.customer.is_null() if unmapped else Device.customer.is_not_null()
            )
        if q:
            escaped = device_key(q).replace("%", r"\%").replace("_", r"\_")
            query = query.where(Device.hostname.like(f"{escaped}%"))
        if after is not None:
            query = query.where(Device.id < after)
        rows = await query
        more = len(rows) > limit
        items = [_device_out(r) for r in rows[:limit]]
        return DevicePage(items=items, next_cursor=str(items[-1].id) if more else None)

    @get("/{device_id:int}", operation_id="getDevice")
    async def get_device(self, device_id: FromPath[int]) -> DeviceOut:
        """One device of the registry."""
        return _device_out(await _device_row(device_id))

    @post(operation_id="createDevice")
    async def create_device(self, data: JSONBody[DeviceIn]) -> DeviceOut:
        """Register a device (host names are stored lower-case); alerts then map by it."""
        await _check_customer(data.customer_id)
        inserted = await Device.insert(
            Device(
                hostname=device_key(data.hostname),
                customer=data.customer_id,
                serial=data.serial,
                agent_id=data.agent_id,
                site=data.site,
                os=data.os,
            )
        ).returning(Device.id)
        return _device_out(await _device_row(inserted[0]["id"]))

    @patch("/{device_id:int}", operation_id="updateDevice")
    async def update_device(
        self, device_id: FromPath[int], data: JSONBody[DevicePatch]
    ) -> DeviceOut:
        """Change fields; assigning a customer maps the device's future alerts to it."""
        await _device_row(device_id)
        values: dict[Any, Any] = {}
        if data.customer_id is not UNSET:
            await _check_customer(data.customer_id)
            values[Device.customer] = data.customer_id
        if data.hostname is not UNSET:
            values[Device.hostname] = device_key(data.hostname)
        for field in ("serial", "agent_id", "site", "os"):
            value = getattr(data, field)
            if value is not UNSET:
                values[getattr(Device, field)] = value
        if values:
            await Device.update(values).where(Device.id == device_id)
        return _device_out(await _device_row(device_id))


class AlertController(Controller):
    path = "/alerts"
    tags = ["alerts"]
    guards = [ANY_ROLE]

    @get(operation_id="listAlerts")
    async def list_alerts(
        self,
        firing: FromQuery[bool | None] = None,
        customer_id: FromQuery[int | None] = None,
        unmapped: FromQuery[bool | None] = None,
        device: FromQuery[str | None] = None,
        device_id: FromQuery[int | None] = None,
        source: FromQuery[str | None] = None,
        task_id: FromQuery[int | None] = None,
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> AlertPage:
        """Alerts, newest first. ``unmapped=true`` lists alerts no customer claims;
        ``device`` is a host name."""
        limit, after = _limit(limit), _cursor(cursor)
        query = RmmAlert.select().order_by(RmmAlert.id, ascending=False).limit(limit + 1)
        if firing is not None:
            query = query.where(RmmAlert.status == ("firing" if firing else "resolved"))
        if customer_id is not None:
            query = query.where(RmmAlert.customer == customer_id)
        if unmapped is not None:
            query = query.where(
                RmmAlert.customer.is_null() if unmapped else RmmAlert.customer.is_not_null()
            )
        if device:
            query = query.where(RmmAlert.device_name == device_key(device))
        if device_id is not None:
            query = query.where(RmmAlert.device == device_id)
        if source:
            query = query.where(RmmAlert.source == source)
        if task_id is not None:
            query = query.where(RmmAlert.task == task_id)
        if after is not None:
            query = query.where(RmmAlert.id < after)
        rows = await query
        more = len(rows) > limit
        items = [_alert_out(r) for r in rows[:limit]]
        return AlertPage(items=items, next_cursor=str(items[-1].id) if more else None)

    @get("/{alert_id:int}", operation_id="getAlert")
    async def get_alert(self, alert_id: FromPath[int]) -> AlertOut:
        """One alert with its count, task and last correlation decision."""
        row = await RmmAlert.select().where(RmmAlert.id == alert_id).first()
        if row is None:
            raise NotFound("alert", alert_id)
        return _alert_out(row)


class CustomerMappingController(Controller):
    path = "/rmm/customer-mappings"
    tags = ["alerts"]
    guards = [ANY_ROLE]

    @get(operation_id="listRmmCustomerMappings")
    async def list_mappings(self) -> list[MappingOut]:
        """Customer-label values and the customers they map to."""
        rows = await RmmCustomerMap.select().order_by(RmmCustomerMap.label_value)
        return [
            MappingOut(id=r["id"], label_value=r["label_value"], customer_id=r["customer"])
            for r in rows
        ]

    @post(operation_id="createRmmCustomerMapping", guards=[ADMIN])
    async def create_mapping(self, data: JSONBody[MappingIn]) -> MappingOut:
        """Map a customer-label value (case-insensitive) to a customer."""
        await _check_customer(data.customer_id)
        value = data.label_value.strip().lower()
        try:
            inserted = await RmmCustomerMap.insert(
                RmmCustomerMap(label_value=value, customer=data.customer_id)
            ).returning(RmmCustomerMap.id)
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"label_value: {value!r} is already mapped") from None
            raise
        return MappingOut(id=inserted[0]["id"], label_value=value, customer_id=data.customer_id)

    @delete("/{mapping_id:int}", operation_id="deleteRmmCustomerMapping", guards=[ADMIN])
    async def delete_mapping(self, mapping_id: FromPath[int]) -> None:
        """Remove a mapping; alerts already stored keep their customer."""
        if not await RmmCustomerMap.exists().where(RmmCustomerMap.id == mapping_id):
            raise NotFound("customer mapping", mapping_id)
        await RmmCustomerMap.delete().where(RmmCustomerMap.id == mapping_id)


API_CONTROLLERS = [DeviceController, AlertController, CustomerMappingController]
