"""Request helpers shared by the API modules."""

from __future__ import annotations

from typing import Any

from litestar import Request

from hub.errors import BadRequest, Unauthorized
from hub.services.apikeys import Principal
from hub.services.context import Actor


def principal_of(request: Request[Any, Any, Any]) -> Principal:
    user = request.scope.get("user")
    if not isinstance(user, Principal):
        raise Unauthorized("authentication required")
    return user


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    p = principal_of(request)
    return Actor(name=p.actor, channel="api", technician_id=p.technician_id, role=p.role)


def if_match_version(request: Request[Any, Any, Any]) -> int | None:
    """The version in an ``If-Match: "v7"`` header (None when absent)."""
    header = request.headers.get("if-match")
    if not header:
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.startswith("v") or not tag[1:].isdigit():
        raise BadRequest('If-Match: expected an ETag of this API such as "v3"', field="If-Match")
    return int(tag[1:])


def etag(version: int) -> str:
    return f'"v{version}"'
