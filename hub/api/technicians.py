"""``/api/v1/technicians``."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from hub.auth import ADMIN, ANY_ROLE
from hub.schemas.directory import TechnicianIn, TechnicianOut, TechnicianPatch
from hub.services import staff


class TechnicianController(Controller):
    path = "/technicians"
    tags = ["technicians"]
    guards = [ANY_ROLE]

    @get(operation_id="listTechnicians")
    async def list_technicians(self, active: FromQuery[bool | None] = None) -> list[TechnicianOut]:
        return await staff.list_technicians(active)

    @post(operation_id="createTechnician", guards=[ADMIN])
    async def create_technician(self, data: JSONBody[TechnicianIn]) -> TechnicianOut:
        return await staff.create_technician(data)

    @get("/{technician_id:int}", operation_id="getTechnician")
    async def get_technician(self, technician_id: FromPath[int]) -> TechnicianOut:
        return await staff.get_technician(technician_id)

    @patch("/{technician_id:int}", operation_id="updateTechnician", guards=[ADMIN])
    async def update_technician(
        self, technician_id: FromPath[int], data: JSONBody[TechnicianPatch]
    ) -> TechnicianOut:
        return await staff.update_technician(technician_id, data)

    @delete("/{technician_id:int}", operation_id="deleteTechnician", guards=[ADMIN])
    async def delete_technician(self, technician_id: FromPath[int]) -> None:
        """Delete a technician without assigned tasks (deactivate otherwise)."""
        await staff.delete_technician(technician_id)
