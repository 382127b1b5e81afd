"""``/api/v1/teams``."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from hub.auth import ADMIN, ANY_ROLE
from hub.schemas.directory import TeamIn, TeamOut, TeamPatch
from hub.services import staff


class TeamController(Controller):
    path = "/teams"
    tags = ["teams"]
    guards = [ANY_ROLE]

    @get(operation_id="listTeams")
    async def list_teams(self) -> list[TeamOut]:
        return await staff.list_teams()

    @post(operation_id="createTeam", guards=[ADMIN])
    async def create_team(self, data: JSONBody[TeamIn]) -> TeamOut:
        return await staff.create_team(data)

    @get("/{team_id:int}", operation_id="getTeam")
    async def get_team(self, team_id: FromPath[int]) -> TeamOut:
        return await staff.get_team(team_id)

    @patch("/{team_id:int}", operation_id="updateTeam", guards=[ADMIN])
    async def update_team(self, team_id: FromPath[int], data: JSONBody[TeamPatch]) -> TeamOut:
        """Change fields; ``member_ids`` replaces the membership."""
        return await staff.update_team(team_id, data)

    @delete("/{team_id:int}", operation_id="deleteTeam", guards=[ADMIN])
    async def delete_team(self, team_id: FromPath[int]) -> None:
        await staff.delete_team(team_id)
