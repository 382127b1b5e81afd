"""``/api/v1/sla/...`` and ``/api/v1/tasks/{id}/sla``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from hub.auth import ANY_ROLE
from hub.runtime import Hub
from hub.services import sla_reports


class SlaController(Controller):
    path = "/sla"
    tags = ["sla"]
    guards = [ANY_ROLE]

    @get("/at-risk", operation_id="slaAtRisk")
    async def at_risk(
        self,
        hub: NamedDependency[Hub],
        limit: FromQuery[int] = 50,
        customer_id: FromQuery[int | None] = None,
    ) -> list[sla_reports.AtRiskTask]:
        """Open tasks by time remaining on their nearest clock (overdue first)."""
        return await sla_reports.at_risk(hub.pm, min(max(limit, 1), 500), customer_id)

    @get("/report", operation_id="slaReport")
    async def report(
        self,
        hub: NamedDependency[Hub],
        start: Annotated[datetime, QueryParameter(name="from")],
        end: Annotated[datetime, QueryParameter(name="to")],
        customer: FromQuery[int | None] = None,
    ) -> list[sla_reports.ReportRow]:
        """Met/breached counts and percentages per customer, tier and priority."""
        return await sla_reports.report(hub.pm, start, end, customer)


class TaskSlaController(Controller):
    path = "/tasks/{task_id:int}/sla"
    tags = ["sla"]
    guards = [ANY_ROLE]

    @get(operation_id="explainTaskSla")
    async def explain(
        self, hub: NamedDependency[Hub], task_id: FromPath[int]
    ) -> sla_reports.TaskSlaExplanation:
        """Target, calendar, pauses and the exact intervals that counted, per clock."""
        return await sla_reports.explain_task(hub.pm, task_id)
