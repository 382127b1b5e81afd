"""``/api/v1/calendar/{maintenance-windows,availability,leave,bookings}``: CRUD.

Reads are open to every role; writes to staff. A write that breaks a conflict rule
answers 409 listing the conflicts under ``extra.conflicts``; ``?force=true`` saves it
anyway and records the conflicts on the entry and in the audit trail.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from hub.api.deps import actor_of
from hub.auth import ANY_ROLE, STAFF
from hub.runtime import Hub
from plugins.calendar import entries
from plugins.calendar.entry_views import entry_out, get_entry, list_entries
from plugins.calendar.events import AVAILABILITY, BOOKING, LEAVE, MAINTENANCE
from plugins.calendar.runtime import settings_of
from plugins.calendar.schemas import (
    AvailabilityIn,
    AvailabilityPatch,
    BookingIn,
    BookingPatch,
    EntryOut,
    LeaveIn,
    LeavePatch,
    MaintenanceIn,
    MaintenancePatch,
)


def _horizon(hub: Hub) -> timedelta:
    return timedelta(days=settings_of(hub).conflict_horizon_days)


class MaintenanceController(Controller):
    path = "/calendar/maintenance-windows"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="listMaintenanceWindows")
    async def list_windows(self, customer_id: FromQuery[int | None] = None) -> list[EntryOut]:
        """Maintenance windows (of one customer)."""
        return await list_entries(MAINTENANCE, customer=customer_id)

    @post(operation_id="createMaintenanceWindow", guards=[STAFF])
    async def create_window(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        data: JSONBody[MaintenanceIn],
        force: FromQuery[bool] = False,
    ) -> EntryOut:
        """A one-off or recurring (RRULE, EXDATE, RDATE) window, optionally device-scoped."""
        return await entries.create_entry(
            MAINTENANCE, data, actor_of(request), force=force, horizon=_horizon(hub)
        )

    @get("/{entry_id:int}", operation_id="getMaintenanceWindow")
    async def get_window(self, entry_id: FromPath[int]) -> EntryOut:
        """One maintenance window."""
        return entry_out(await get_entry(MAINTENANCE, entry_id))

    @patch("/{entry_id:int}", operation_id="updateMaintenanceWindow", guards=[STAFF])
    async def update_window(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        entry_id: FromPath[int],
        data: JSONBody[MaintenancePatch],
        force: FromQuery[bool] = False,
    ) -> EntryOut:
        """Change a window; its SEQUENCE goes up by one."""
        return await entries.update_entry(
            MAINTENANCE, entry_id, data, actor_of(request), force=force, horizon=_horizon(hub)
        )

    @delete("/{entry_id:int}", operation_id="deleteMaintenanceWindow", guards=[STAFF])
    async def delete_window(self, request: Request[Any, Any, Any], entry_id: FromPath[int]) -> None:
        """Delete a window."""
        await entries.delete_entry(MAINTENANCE, entry_id, actor_of(request))


class AvailabilityController(Controller):
    path = "/calendar/availability"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="listAvailability")
    async def list_hours(self, technician_id: FromQuery[int | None] = None) -> list[EntryOut]:
        """Working hours (of one technician)."""
        return await list_entries(AVAILABILITY, technician=technician_id)

    @post(operation_id="createAvailability", guards=[STAFF])
    async def create_hours(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        data: JSONBody[AvailabilityIn],
    ) -> EntryOut:
        """Working hours, usually a weekly RRULE in the technician's zone."""
        return await entries.create_entry(
            AVAILABILITY, data, actor_of(request), force=False, horizon=_horizon(hub)
        )

    @get("/{entry_id:int}", operation_id="getAvailability")
    async def get_hours(self, entry_id: FromPath[int]) -> EntryOut:
        """One working-hours entry."""
        return entry_out(await get_entry(AVAILABILITY, entry_id))

    @patch("/{entry_id:int}", operation_id="updateAvailability", guards=[STAFF])
    async def update_hours(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        entry_id: FromPath[int],
        data: JSONBody[AvailabilityPatch],
    ) -> EntryOut:
        """Change working hours (SEQUENCE + 1)."""
        return await entries.update_entry(
            AVAILABILITY, entry_id, data, actor_of(request), force=False, horizon=_horizon(hub)
        )

    @delete("/{entry_id:int}", operation_id="deleteAvailability", guards=[STAFF])
    async def delete_hours(self, request: Request[Any, Any, Any], entry_id: FromPath[int]) -> None:
        """Delete working hours."""
        await entries.delete_entry(AVAILABILITY, entry_id, actor_of(request))


class LeaveController(Controller):
    path = "/calendar/leave"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="listLeave")
    async def list_leave(self, technician_id: FromQuery[int | None] = None) -> list[EntryOut]:
        """Leave (of one technician)."""
        return await list_entries(LEAVE, technician=technician_id)

    @post(operation_id="createLeave", guards=[STAFF])
    async def create_leave(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[LeaveIn]
    ) -> EntryOut:
        """Leave for a span or whole days (``all_day``: local midnights, end exclusive)."""
        return await entries.create_entry(
            LEAVE, data, actor_of(request), force=False, horizon=_horizon(hub)
        )

    @get("/{entry_id:int}", operation_id="getLeave")
    async def get_leave(self, entry_id: FromPath[int]) -> EntryOut:
        """One leave entry."""
        return entry_out(await get_entry(LEAVE, entry_id))

    @patch("/{entry_id:int}", operation_id="updateLeave", guards=[STAFF])
    async def update_leave(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        entry_id: FromPath[int],
        data: JSONBody[LeavePatch],
    ) -> EntryOut:
        """Change leave (SEQUENCE + 1)."""
        return await entries.update_entry(
            LEAVE, entry_id, data, actor_of(request), force=False, horizon=_horizon(hub)
        )

    @delete("/{entry_id:int}", operation_id="deleteLeave", guards=[STAFF])
    async def delete_leave(self, request: Request[Any, Any, Any], entry_id: FromPath[int]) -> None:
        """Delete leave."""
        await entries.delete_entry(LEAVE, entry_id, actor_of(request))


class BookingController(Controller):
    path = "/calendar/bookings"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="listBookings")
    async def list_bookings(
        self, technician_id: FromQuery[int | None] = None, task_id: FromQuery[int | None] = None
    ) -> list[EntryOut]:
        """Bookings (of one technician or task)."""
        return await list_entries(BOOKING, technician=technician_id, task=task_id)

    @post(operation_id="createBooking", guards=[STAFF])
    async def create_booking(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        data: JSONBody[BookingIn],
        force: FromQuery[bool] = False,
    ) -> EntryOut:
        """Book a technician on a task; 409 if booked, on leave or off duty then."""
        return await entries.create_entry(
            BOOKING, data, actor_of(request), force=force, horizon=_horizon(hub)
        )

    @get("/{entry_id:int}", operation_id="getBooking")
    async def get_booking(self, entry_id: FromPath[int]) -> EntryOut:
        """One booking."""
        return entry_out(await get_entry(BOOKING, entry_id))

    @patch("/{entry_id:int}", operation_id="updateBooking", guards=[STAFF])
    async def update_booking(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        entry_id: FromPath[int],
        data: JSONBody[BookingPatch],
        force: FromQuery[bool] = False,
    ) -> EntryOut:
        """Move or reassign a booking (SEQUENCE + 1); checked like a new one."""
        return await entries.update_entry(
            BOOKING, entry_id, data, actor_of(request), force=force, horizon=_horizon(hub)
        )

    @delete("/{entry_id:int}", operation_id="deleteBooking", guards=[STAFF])
    async def delete_booking(
        self, request: Request[Any, Any, Any], entry_id: FromPath[int]
    ) -> None:
        """Cancel a booking."""
        await entries.delete_entry(BOOKING, entry_id, actor_of(request))


ENTRY_CONTROLLERS = [
    MaintenanceController,
    AvailabilityController,
    LeaveController,
    BookingController,
]
