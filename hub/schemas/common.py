"""Constrained field types shared by the resource schemas."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, available_timezones

import msgspec

from hub.errors import BadRequest

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, msgspec.Meta(max_length=500)]
LongText = Annotated[str, msgspec.Meta(max_length=100_000)]
Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$")
]
Domain = Annotated[
    str,
    msgspec.Meta(min_length=3, max_length=253, pattern=r"^\s*@?[A-Za-z0-9.-]+\.[A-Za-z]{2,}\s*$"),
]
Id = Annotated[int, msgspec.Meta(ge=1)]
Priority = Literal["critical", "high", "normal", "low"]
Status = Literal["open", "in_progress", "waiting_on_customer", "resolved", "closed"]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=525_600)]

_ZONES: frozenset[str] | None = None


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_domain(value: str) -> str:
    return value.strip().lower().lstrip("@").rstrip(".")


def check_timezone(value: str, field: str = "timezone") -> str:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    if value not in _ZONES and value != "UTC":
        raise BadRequest(f"{field}: unknown time zone {value!r}", field=field)
    ZoneInfo(value)
    return value
