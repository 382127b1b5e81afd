"""``/api/v1/tasks`` and ``/api/v1/queue/me``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from hub.api.deps import actor_of, etag, if_match_version, principal_of
from hub.auth import ANY_ROLE, STAFF
from hub.errors import BadRequest
from hub.runtime import Hub
from hub.schemas.tasks import AuditOut, Task, TaskCreate, TaskPage, TaskUpdate
from hub.services import audit, task_queries, tasks
from hub.services.state_machine import OPEN_STATUSES
from hub.services.task_rows import load_row, to_out

StatusList = Annotated[list[str] | None, QueryParameter(name="status", required=False)]
PriorityList = Annotated[list[str] | None, QueryParameter(name="priority", required=False)]


class TaskController(Controller):
    path = "/tasks"
    tags = ["tasks"]
    guards = [ANY_ROLE]

    @get(operation_id="listTasks")
    async def list_tasks(
        self,
        status: StatusList = None,
        priority: PriorityList = None,
        customer_id: FromQuery[int | None] = None,
        assignee_technician_id: FromQuery[int | None] = None,
        team_id: FromQuery[int | None] = None,
        source: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
        unassigned: FromQuery[bool | None] = None,
        sort: FromQuery[str] = "sla_due",
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> TaskPage:
        """The queue: filter, sort (``sla_due`` default, ``priority``, ``created``,
        ``-created``) and page with ``cursor`` (from ``next_cursor``)."""
        f = task_queries.TaskFilter(
            status=status,
            priority=priority,
            customer_id=customer_id,
            assignee_technician_id=assignee_technician_id,
            team_id=team_id,
            source=source,
            q=q,
            unassigned=unassigned,
        )
        return await task_queries.list_tasks(f, sort=sort, limit=limit, cursor=cursor)

    @post(operation_id="createTask")
    async def create_task(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[TaskCreate]
    ) -> Response[Task]:
        """Create a task; SLA targets come from the customer's tier."""
        task = await tasks.create_task(hub, data, actor_of(request))
        return Response(task, status_code=201, headers={"ETag": etag(task.version)})

    @get("/{task_id:int}", operation_id="getTask")
    async def get_task(self, task_id: FromPath[int]) -> Response[Task]:
        """One task with its SLA clocks; the ETag is its version for ``If-Match``."""
        task = to_out(await load_row(task_id))
        return Response(task, headers={"ETag": etag(task.version)})

    @patch("/{task_id:int}", operation_id="updateTask")
    async def update_task(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        task_id: FromPath[int],
        data: JSONBody[TaskUpdate],
    ) -> Response[Task]:
        """Change fields or status. Needs ``If-Match`` (or ``version``): 412 when stale,
        409 for a status change the state machine does not allow."""
        task = await tasks.update_task(
            hub, task_id, data, actor_of(request), expected_version=if_match_version(request)
        )
        return Response(task, headers={"ETag": etag(task.version)})

    @get("/{task_id:int}/audit", operation_id="getTaskAudit")
    async def get_audit(self, task_id: FromPath[int]) -> list[AuditOut]:
        """Who changed what, when, from which channel."""
        await load_row(task_id)
        return await audit.for_entity("task", task_id)


class QueueController(Controller):
    path = "/queue"
    tags = ["tasks"]
    guards = [STAFF]

    @get("/me", operation_id="myQueue")
    async def my_queue(
        self,
        request: Request[Any, Any, Any],
        sort: FromQuery[str] = "sla_due",
        limit: FromQuery[int] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> TaskPage:
        """Open tasks of the calling technician and unclaimed tasks of their teams."""
        principal = principal_of(request)
        if principal.technician_id is None:
            raise BadRequest("this key belongs to no technician; use GET /api/v1/tasks")
        f = task_queries.TaskFilter(
            status=list(OPEN_STATUSES),
            queue_of=principal.technician_id,
            queue_teams=await task_queries.team_ids_of(principal.technician_id),
        )
        return await task_queries.list_tasks(f, sort=sort, limit=limit, cursor=cursor)
