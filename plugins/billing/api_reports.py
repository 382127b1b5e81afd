"""``/api/v1/billing/reports/...``: unbilled time, profitability, utilisation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from hub.auth import STAFF
from hub.runtime import Hub
from plugins.billing import reports
from plugins.billing.runtime import runtime_of
from plugins.billing.schemas import ProfitRow, UnbilledRow, UtilisationRow


class ReportController(Controller):
    path = "/billing/reports"
    tags = ["billing"]
    guards = [STAFF]

    @get("/unbilled", operation_id="reportUnbilled")
    async def unbilled(
        self, up_to: Annotated[date | None, QueryParameter(name="up_to")] = None
    ) -> list[UnbilledRow]:
        """Uninvoiced time per customer (optionally only work up to a date)."""
        return await reports.unbilled(up_to)

    @get("/profitability", operation_id="reportProfitability")
    async def profitability(self, customer_id: FromQuery[int | None] = None) -> list[ProfitRow]:
        """Per project: hours, cost (hours x cost rate), net invoiced, margin."""
        return await reports.profitability(customer_id)

    @get("/utilisation", operation_id="reportUtilisation")
    async def utilisation(
        self,
        hub: NamedDependency[Hub],
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
    ) -> list[UtilisationRow]:
        """Per technician over ``[from, to]``: hours, billable hours, capacity, ratios."""
        return await reports.utilisation(runtime_of(hub).settings, start, end)
