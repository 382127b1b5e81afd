"""``/api/v1/projects`` and ``/api/v1/projects/{id}/milestones``."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from hub.auth import ANY_ROLE, STAFF
from hub.projects import milestones, services
from hub.projects.schemas import (
    MilestoneIn,
    MilestoneOut,
    MilestonePatch,
    MilestoneTask,
    Progress,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    ProjectStatus,
)


class ProjectController(Controller):
    path = "/projects"
    tags = ["projects"]
    guards = [ANY_ROLE]

    @get(operation_id="listProjects")
    async def list_projects(
        self,
        customer_id: FromQuery[int | None] = None,
        status: FromQuery[ProjectStatus | None] = None,
    ) -> list[ProjectOut]:
        """Projects by name, optionally of one customer or in one status."""
        return await services.list_projects(customer_id, status)

    @post(operation_id="createProject", guards=[STAFF])
    async def create_project(self, data: JSONBody[ProjectIn]) -> ProjectOut:
        """Create a project for a customer with its billing mode and budget."""
        return await services.create_project(data)

    @get("/{project_id:int}", operation_id="getProject")
    async def get_project(self, project_id: FromPath[int]) -> ProjectOut:
        """A project with its milestones, progress, completion indicator and fee check."""
        return await services.get_project(project_id)

    @patch("/{project_id:int}", operation_id="updateProject", guards=[STAFF])
    async def update_project(
        self, project_id: FromPath[int], data: JSONBody[ProjectPatch]
    ) -> ProjectOut:
        """Change fields or status; a fixed-fee project runs only with complete terms."""
        return await services.update_project(project_id, data)

    @delete("/{project_id:int}", operation_id="deleteProject", guards=[STAFF])
    async def delete_project(self, project_id: FromPath[int]) -> None:
        """Delete a project with nothing invoiced (its tasks stay, unlinked)."""
        await services.delete_project(project_id)

    @get("/{project_id:int}/progress", operation_id="getProjectProgress")
    async def project_progress(self, project_id: FromPath[int]) -> Progress:
        """Tasks done / total, checklist items, hours vs budget, overdue, indicator."""
        return (await services.get_project(project_id)).progress


class MilestoneController(Controller):
    path = "/projects/{project_id:int}/milestones"
    tags = ["projects"]
    guards = [ANY_ROLE]

    @get(operation_id="listMilestones")
    async def list_milestones(self, project_id: FromPath[int]) -> list[MilestoneOut]:
        """The project's milestones in order, each with its progress."""
        return await milestones.list_milestones(project_id)

    @post(operation_id="createMilestone", guards=[STAFF])
    async def create_milestone(
        self, project_id: FromPath[int], data: JSONBody[MilestoneIn]
    ) -> MilestoneOut:
        """Add a milestone (target date, order, fee for fixed fee per milestone)."""
        return await milestones.create_milestone(project_id, data)

    @get("/{milestone_id:int}", operation_id="getMilestone")
    async def get_milestone(
        self, project_id: FromPath[int], milestone_id: FromPath[int]
    ) -> MilestoneOut:
        """One milestone with its progress."""
        return await milestones.get_milestone(project_id, milestone_id)

    @patch("/{milestone_id:int}", operation_id="updateMilestone", guards=[STAFF])
    async def update_milestone(
        self, project_id: FromPath[int], milestone_id: FromPath[int], data: JSONBody[MilestonePatch]
    ) -> MilestoneOut:
        """Edit, complete (``completed: true``) or reopen a milestone."""
        return await milestones.update_milestone(project_id, milestone_id, data)

    @delete("/{milestone_id:int}", operation_id="deleteMilestone", guards=[STAFF])
    async def delete_milestone(
        self, project_id: FromPath[int], milestone_id: FromPath[int]
    ) -> None:
        """Delete a milestone that is not invoiced (its tasks stay, unlinked)."""
        await milestones.delete_milestone(project_id, milestone_id)

    @get("/{milestone_id:int}/tasks", operation_id="listMilestoneTasks")
    async def milestone_tasks(
        self, project_id: FromPath[int], milestone_id: FromPath[int]
    ) -> list[MilestoneTask]:
        """Tasks under the milestone (assign with ``PATCH /tasks/{id}`` ``milestone_id``)."""
        return await milestones.milestone_tasks(project_id, milestone_id)

    @get("/{milestone_id:int}/progress", operation_id="getMilestoneProgress")
    async def milestone_progress(
        self, project_id: FromPath[int], milestone_id: FromPath[int]
    ) -> Progress:
        """The milestone's progress block alone."""
        return (await milestones.get_milestone(project_id, milestone_id)).progress


ROUTES = [ProjectController, MilestoneController]
