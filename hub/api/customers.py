"""``/api/v1/customers``."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from hub.auth import ADMIN, ANY_ROLE
from hub.schemas.directory import CustomerIn, CustomerOut, CustomerPatch
from hub.services import customers


class CustomerController(Controller):
    path = "/customers"
    tags = ["customers"]
    guards = [ANY_ROLE]

    @get(operation_id="listCustomers")
    async def list_customers(self, q: FromQuery[str | None] = None) -> list[CustomerOut]:
        """All customers, by name; ``q`` filters by name."""
        return await customers.list_customers(q)

    @post(operation_id="createCustomer", guards=[ADMIN])
    async def create_customer(self, data: JSONBody[CustomerIn]) -> CustomerOut:
        """Create a customer; its email domains must not belong to another customer."""
        return await customers.create_customer(data)

    @get("/{customer_id:int}", operation_id="getCustomer")
    async def get_customer(self, customer_id: FromPath[int]) -> CustomerOut:
        return await customers.get_customer(customer_id)

    @patch("/{customer_id:int}", operation_id="updateCustomer", guards=[ADMIN])
    async def update_customer(
        self, customer_id: FromPath[int], data: JSONBody[CustomerPatch]
    ) -> CustomerOut:
        """Change fields; changing the SLA tier recomputes open tasks' SLA targets."""
        return await customers.update_customer(customer_id, data)

    @delete("/{customer_id:int}", operation_id="deleteCustomer", guards=[ADMIN])
    async def delete_customer(self, customer_id: FromPath[int]) -> None:
        """Delete a customer without tasks (409 otherwise)."""
        await customers.delete_customer(customer_id)
