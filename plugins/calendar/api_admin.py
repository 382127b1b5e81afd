"""``/api/v1/calendar/oncall-rotations`` (+ overrides) and ``/api/v1/calendar/feeds``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from hub.api.deps import actor_of, principal_of
from hub.auth import ANY_ROLE, STAFF
from hub.runtime import Hub
from plugins.calendar import feeds, rotations
from plugins.calendar.runtime import settings_of
from plugins.calendar.schemas import (
    FeedCreated,
    FeedIn,
    FeedOut,
    OverrideIn,
    OverrideOut,
    RotationIn,
    RotationOut,
    RotationPatch,
)


class RotationController(Controller):
    path = "/calendar/oncall-rotations"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="listOnCallRotations")
    async def list_rotations(self, team_id: FromQuery[int | None] = None) -> list[RotationOut]:
        """Rotations (of one team) with their overrides."""
        return await rotations.list_rotations(team_id)

    @post(operation_id="createOnCallRotation", guards=[STAFF])
    async def create_rotation(
        self, request: Request[Any, Any, Any], data: JSONBody[RotationIn]
    ) -> RotationOut:
        """A weekly (``handover_weekday``) or custom (``period_days``) rotation."""
        return await rotations.create_rotation(data, actor_of(request))

    @get("/{rotation_id:int}", operation_id="getOnCallRotation")
    async def get_rotation(self, rotation_id: FromPath[int]) -> RotationOut:
        """One rotation with its overrides."""
        return await rotations.get_rotation(rotation_id)

    @patch("/{rotation_id:int}", operation_id="updateOnCallRotation", guards=[STAFF])
    async def update_rotation(
        self,
        request: Request[Any, Any, Any],
        rotation_id: FromPath[int],
        data: JSONBody[RotationPatch],
    ) -> RotationOut:
        """Change a rotation (SEQUENCE + 1)."""
        return await rotations.update_rotation(rotation_id, data, actor_of(request))

    @delete("/{rotation_id:int}", operation_id="deleteOnCallRotation", guards=[STAFF])
    async def delete_rotation(
        self, request: Request[Any, Any, Any], rotation_id: FromPath[int]
    ) -> None:
        """Delete a rotation with its overrides."""
        await rotations.delete_rotation(rotation_id, actor_of(request))

    @post("/{rotation_id:int}/overrides", operation_id="createOnCallOverride", guards=[STAFF])
    async def add_override(
        self,
        request: Request[Any, Any, Any],
        rotation_id: FromPath[int],
        data: JSONBody[OverrideIn],
    ) -> OverrideOut:
        """A cover (no ``replaces``) or one half of a swap (``replaces`` a member)."""
        return await rotations.add_override(rotation_id, data, actor_of(request))

    @delete(
        "/{rotation_id:int}/overrides/{override_id:int}",
        operation_id="deleteOnCallOverride",
        guards=[STAFF],
    )
    async def delete_override(
        self,
        request: Request[Any, Any, Any],
        rotation_id: FromPath[int],
        override_id: FromPath[int],
    ) -> None:
        """Remove an override."""
        await rotations.delete_override(rotation_id, override_id, actor_of(request))


class FeedController(Controller):
    path = "/calendar/feeds"
    tags = ["calendar"]
    guards = [STAFF]

    @get(operation_id="listCalendarFeeds")
    async def list_feeds(self, request: Request[Any, Any, Any]) -> list[FeedOut]:
        """Feeds: every feed for admins, their own for technicians (never the tokens)."""
        return await feeds.list_feeds(principal_of(request))

    @post(operation_id="createCalendarFeed")
    async def create_feed(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[FeedIn]
    ) -> FeedCreated:
        """A feed of a technician, team or customer; the token is shown this once."""
        return await feeds.create_feed(
            data, principal_of(request), actor_of(request), settings_of(hub)
        )

    @delete("/{feed_id:int}", operation_id="revokeCalendarFeed", status_code=200)
    async def revoke_feed(self, request: Request[Any, Any, Any], feed_id: FromPath[int]) -> FeedOut:
        """Revoke a feed; its URL answers 404 from now on."""
        return await feeds.revoke_feed(feed_id, principal_of(request))
