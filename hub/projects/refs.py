"""Checks the task services use when a task is put under a milestone."""

from __future__ import annotations

from hub.errors import BadRequest
from hub.projects.tables import Milestone


async def check_task_milestone(milestone_id: int, customer_id: int) -> None:
    """400 unless the milestone exists and its project belongs to the task's customer."""
    row = (
        await Milestone.select(Milestone.project.customer.as_alias("customer"))
        .where(Milestone.id == milestone_id)
        .first()
    )
    if row is None:
        raise BadRequest(
            f"milestone_id: milestone {milestone_id} does not exist", field="milestone_id"
        )
    if row["customer"] != customer_id:
        raise BadRequest(
            f"milestone_id: milestone {milestone_id} belongs to another customer's project",
            field="milestone_id",
        )
