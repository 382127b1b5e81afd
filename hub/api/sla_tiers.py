"""``/api/v1/sla-tiers`` and ``/api/v1/calendars`` (business hours)."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody

from hub.auth import ADMIN, ANY_ROLE
from hub.schemas.directory import CalendarIn, CalendarOut, SlaTierIn, SlaTierOut, SlaTierPatch
from hub.services import sla_tiers


class SlaTierController(Controller):
    path = "/sla-tiers"
    tags = ["sla"]
    guards = [ANY_ROLE]

    @get(operation_id="listSlaTiers")
    async def list_tiers(self) -> list[SlaTierOut]:
        return await sla_tiers.list_tiers()

    @post(operation_id="createSlaTier", guards=[ADMIN])
    async def create_tier(self, data: JSONBody[SlaTierIn]) -> SlaTierOut:
        """Create a tier with targets for all four priorities."""
        return await sla_tiers.create_tier(data)

    @get("/{tier_id:int}", operation_id="getSlaTier")
    async def get_tier(self, tier_id: FromPath[int]) -> SlaTierOut:
        return await sla_tiers.get_tier(tier_id)

    @patch("/{tier_id:int}", operation_id="updateSlaTier", guards=[ADMIN])
    async def update_tier(self, tier_id: FromPath[int], data: JSONBody[SlaTierPatch]) -> SlaTierOut:
        return await sla_tiers.update_tier(tier_id, data)

    @delete("/{tier_id:int}", operation_id="deleteSlaTier", guards=[ADMIN])
    async def delete_tier(self, tier_id: FromPath[int]) -> None:
        await sla_tiers.delete_tier(tier_id)


class CalendarController(Controller):
    path = "/business-calendars"
    tags = ["sla"]
    guards = [ANY_ROLE]

    @get(operation_id="listBusinessCalendars")
    async def list_calendars(self) -> list[CalendarOut]:
        return await sla_tiers.list_calendars()

    @post(operation_id="createBusinessCalendar", guards=[ADMIN])
    async def create_calendar(self, data: JSONBody[CalendarIn]) -> CalendarOut:
        """Opening hours per weekday in the calendar's time zone, holidays, or 24x7."""
        return await sla_tiers.create_calendar(data)

    @get("/{calendar_id:int}", operation_id="getBusinessCalendar")
    async def get_calendar(self, calendar_id: FromPath[int]) -> CalendarOut:
        return await sla_tiers.get_calendar(calendar_id)

    @put("/{calendar_id:int}", operation_id="replaceBusinessCalendar", guards=[ADMIN])
    async def update_calendar(
        self, calendar_id: FromPath[int], data: JSONBody[CalendarIn]
    ) -> CalendarOut:
        return await sla_tiers.update_calendar(calendar_id, data)

    @delete("/{calendar_id:int}", operation_id="deleteBusinessCalendar", guards=[ADMIN])
    async def delete_calendar(self, calendar_id: FromPath[int]) -> None:
        await sla_tiers.delete_calendar(calendar_id)
