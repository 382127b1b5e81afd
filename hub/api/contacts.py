"""``/api/v1/contacts``."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from hub.auth import ANY_ROLE, STAFF
from hub.schemas.directory import ContactIn, ContactOut, ContactPatch
from hub.services import customers


class ContactController(Controller):
    path = "/contacts"
    tags = ["contacts"]
    guards = [ANY_ROLE]

    @get(operation_id="listContacts")
    async def list_contacts(self, customer_id: FromQuery[int | None] = None) -> list[ContactOut]:
        return await customers.list_contacts(customer_id)

    @post(operation_id="createContact", guards=[STAFF])
    async def create_contact(self, data: JSONBody[ContactIn]) -> ContactOut:
        """Create a contact; the address is normalised and unique across customers."""
        return await customers.create_contact(data)

    @get("/{contact_id:int}", operation_id="getContact")
    async def get_contact(self, contact_id: FromPath[int]) -> ContactOut:
        return await customers.get_contact(contact_id)

    @patch("/{contact_id:int}", operation_id="updateContact", guards=[STAFF])
    async def update_contact(
        self, contact_id: FromPath[int], data: JSONBody[ContactPatch]
    ) -> ContactOut:
        return await customers.update_contact(contact_id, data)

    @delete("/{contact_id:int}", operation_id="deleteContact", guards=[STAFF])
    async def delete_contact(self, contact_id: FromPath[int]) -> None:
        await customers.delete_contact(contact_id)
