"""Structs at the API edge: devices, alerts and customer-label mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

Hostname = Annotated[str, msgspec.Meta(min_length=1, max_length=253, pattern=r"^[^\s]+$")]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Ident = Annotated[str, msgspec.Meta(max_length=128)]
Id = Annotated[int, msgspec.Meta(ge=1)]


class DeviceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    hostname: Hostname
    customer_id: Id | None = None
    serial: Ident = ""
    agent_id: Ident = ""
    site: Short = ""
    os: Short = ""


class DevicePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    hostname: Hostname | UnsetType = UNSET
    customer_id: Id | UnsetType | None = UNSET
    serial: Ident | UnsetType = UNSET
    agent_id: Ident | UnsetType = UNSET
    site: Short | UnsetType = UNSET
    os: Short | UnsetType = UNSET


class DeviceOut(msgspec.Struct, kw_only=True):
    id: int
    hostname: str
    customer_id: int | None
    serial: str
    agent_id: str
    site: str
    os: str
    last_seen: datetime | None
    created_at: datetime


class DevicePage(msgspec.Struct, kw_only=True):
    items: list[DeviceOut]
    next_cursor: str | None


class AlertOut(msgspec.Struct, kw_only=True):
    id: int
    source: str
    fingerprint: str
    status: str
    severity: str
    severity_rank: str
    title: str
    description: str
    customer_id: int | None
    device_id: int | None
    device: str
    site: str
    labels: dict[str, Any]
    url: str
    task_id: int | None
    count: int
    starts_at: datetime
    ends_at: datetime | None
    first_seen: datetime
    last_seen: datetime
    flapping: bool
    last_action: str
    last_reason: str


class AlertPage(msgspec.Struct, kw_only=True):
    items: list[AlertOut]
    next_cursor: str | None


class MappingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    label_value: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    customer_id: Id


class MappingOut(msgspec.Struct, kw_only=True):
    id: int
    label_value: str
    customer_id: int
