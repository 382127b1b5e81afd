"""A task's checklist, time entries and conversation (``/api/v1/tasks/{id}/...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from hub.api.deps import actor_of
from hub.auth import ANY_ROLE, STAFF
from hub.runtime import Hub
from hub.schemas.tasks import (
    Checklist,
    ChecklistItemIn,
    ChecklistItemPatch,
    ChecklistOrder,
    MessageIn,
    MessageOut,
    TimeEntryIn,
    TimeEntryOut,
    TimeEntryPatch,
    TimeTotals,
)
from hub.services import checklist, messages, time_entries


class ChecklistController(Controller):
    path = "/tasks/{task_id:int}/checklist"
    tags = ["checklist"]
    guards = [ANY_ROLE]

    @get(operation_id="getChecklist")
    async def get_checklist(self, task_id: FromPath[int]) -> Checklist:
        return await checklist.get_checklist(task_id)

    @post(operation_id="addChecklistItem", guards=[STAFF])
    async def add_item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        data: JSONBody[ChecklistItemIn],
    ) -> Checklist:
        return await checklist.add_item(hub, task_id, data, actor_of(request))

    @patch("/{item_id:int}", operation_id="updateChecklistItem", guards=[STAFF])
    async def update_item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        item_id: FromPath[int],
        data: JSONBody[ChecklistItemPatch],
    ) -> Checklist:
        """Edit the text or check/uncheck (records who and when)."""
        return await checklist.update_item(hub, task_id, item_id, data, actor_of(request))

    @put("/order", operation_id="reorderChecklist", guards=[STAFF])
    async def reorder(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        data: JSONBody[ChecklistOrder],
    ) -> Checklist:
        return await checklist.reorder(hub, task_id, data.item_ids, actor_of(request))

    @delete("/{item_id:int}", operation_id="deleteChecklistItem", guards=[STAFF], status_code=200)
    async def delete_item(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        item_id: FromPath[int],
    ) -> Checklist:
        return await checklist.delete_item(hub, task_id, item_id, actor_of(request))


class TimeEntryController(Controller):
    path = "/tasks/{task_id:int}/time"
    tags = ["time"]
    guards = [ANY_ROLE]

    @get(operation_id="listTimeEntries")
    async def list_entries(self, task_id: FromPath[int]) -> list[TimeEntryOut]:
        return await time_entries.list_entries(task_id)

    @get("/totals", operation_id="taskTimeTotals")
    async def totals(self, task_id: FromPath[int]) -> TimeTotals:
        return await time_entries.task_totals(task_id)

    @post(operation_id="logTime", guards=[STAFF])
    async def log_time(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        data: JSONBody[TimeEntryIn],
    ) -> TimeEntryOut:
        """Log time: ``minutes`` or ``ended_at``; billable flag and work type."""
        return await time_entries.log_time(hub, task_id, data, actor_of(request))

    @patch("/{entry_id:int}", operation_id="updateTimeEntry", guards=[STAFF])
    async def update_entry(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[int],
        entry_id: FromPath[int],
        data: JSONBody[TimeEntryPatch],
    ) -> TimeEntryOut:
        """Edit an entry not yet invoiced (409 once it is on an invoice)."""
        return await time_entries.update_entry(task_id, entry_id, data, actor_of(request))

    @delete("/{entry_id:int}", operation_id="deleteTimeEntry", guards=[STAFF])
    async def delete_entry(
        self, request: Request[Any, Any, Any], task_id: FromPath[int], entry_id: FromPath[int]
    ) -> None:
        await time_entries.delete_entry(task_id, entry_id, actor_of(request))


class CustomerTimeController(Controller):
    path = "/customers/{customer_id:int}/time-totals"
    tags = ["time"]
    guards = [ANY_ROLE]

    @get(operation_id="customerTimeTotals")
    async def totals(
        self,
        customer_id: FromPath[int],
        start: Annotated[datetime, QueryParameter(name="from")],
        end: Annotated[datetime, QueryParameter(name="to")],
    ) -> TimeTotals:
        """Time logged on a customer's tasks in ``[from, to)``."""
        return await time_entries.customer_totals(customer_id, start, end)


class MessageController(Controller):
    path = "/tasks/{task_id:int}/messages"
    tags = ["messages"]
    guards = [ANY_ROLE]

    @get(operation_id="listTaskMessages")
    async def list_messages(self, task_id: FromPath[int]) -> list[MessageOut]:
        """The whole conversation in order, internal notes included."""
        return await messages.list_messages(task_id)

    @post(operation_id="addTaskMessage", guards=[STAFF])
    async def add_message(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        data: JSONBody[MessageIn],
    ) -> MessageOut:
        """An internal note, or a public comment (counts as first response). To mail
        the customer use ``POST /tasks/{id}/reply``."""
        actor = actor_of(request)
        public = data.kind == "public_comment"
        return await messages.add_message(
            hub,
            task_id,
            direction="outbound" if public else "internal",
            channel="api",
            author=actor.name,
            author_kind="technician",
            body=data.body,
            public=public,
            actor=actor,
        )
