"""Building an MSP's billing set-up through the API, for the billing API tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

RATE_CARD = {
    "currency": "EUR",
    "default_hourly": "90.00",
    "work_types": {
        "remote": {"hourly": "95.00", "label": "Remote support"},
        "onsite": {"hourly": "120.00", "label": "On-site support"},
        "internal": {"billable": False, "label": "Internal"},
        "training": {
            "label": "Training",
            "tax": {"code": "E", "rate": "0", "exemption_reason": "Education"},
        },
    },
    "roles": {"senior": "140.00"},
}
SELLER = {
    "name": "Atlas IT Services BV",
    "endpoint_id": "NL123456789B01",
    "endpoint_scheme": "9944",
    "country_code": "NL",
    "vat_id": "NL123456789B01",
    "legal_id": "12345678",
    "city": "Amsterdam",
    "iban": "NL91ABNA0417164300",
}
BUYER = {
    "name": "Acme BV",
    "endpoint_id": "0123456789",
    "endpoint_scheme": "0208",
    "country_code": "BE",
    "vat_id": "BE0123456789",
    "city": "Brussels",
}


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (
        response.request.url,
        response.status_code,
        response.text,
    )
    return response.json() if response.content else None


class Msp:
    """An admin-keyed client with shortcuts for the objects billing needs."""

    def __init__(self, client: AsyncClient, headers: dict[str, str]) -> None:
        self.c = client
        self.h = headers

    async def post(self, path: str, body: dict[str, Any], status: int = 201) -> Any:
        return await ok(await self.c.post(f"/api/v1{path}", json=body, headers=self.h), status)

    async def put(self, path: str, body: dict[str, Any]) -> Any:
        return await ok(await self.c.put(f"/api/v1{path}", json=body, headers=self.h))

    async def patch(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        return await ok(await self.c.patch(f"/api/v1{path}", json=body, headers=self.h), status)

    async def get(self, path: str, **params: Any) -> Any:
        return await ok(await self.c.get(f"/api/v1{path}", params=params, headers=self.h))

    async def customer(self, name: str = "Acme BV", tax_rate: str = "21", **profile: Any) -> int:
        body = {
            "name": name,
            "settings": {"currency": "EUR", "tax_rate": tax_rate, "payment_terms_days": 14},
        }
        customer = await self.post("/customers", body)
        if profile:
            await self.put(f"/billing/customers/{customer['id']}", profile)
        return int(customer["id"])

    async def technician(self, name: str, role: str = "technician", cost: str = "40") -> int:
        email = f"{name.lower()}@msp.example"
        tech = await self.post(
            "/technicians", {"name": name, "email": email, "role": role, "cost_rate": cost}
        )
        return int(tech["id"])

    async def task(self, customer_id: int, title: str, milestone_id: int | None = None) -> int:
        body: dict[str, Any] = {"customer_id": customer_id, "title": title}
        if milestone_id is not None:
            body["milestone_id"] = milestone_id
        return int((await self.post("/tasks", body))["id"])

    async def log(
        self,
        task_id: int,
        technician_id: int,
        minutes: int,
        day: str = "2026-05-06",
        work_type: str = "remote",
        billable: bool = True,
    ) -> int:
        started = datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=UTC)
        entry = await self.post(
            f"/tasks/{task_id}/time",
            {
                "technician_id": technician_id,
                "started_at": started.isoformat(),
                "minutes": minutes,
                "work_type": work_type,
                "billable": billable,
            },
        )
        return int(entry["id"])

    async def draft(
        self, customer_id: int, start: str = "2026-05-01", end: str = "2026-05-31", **extra: Any
    ) -> Any:
        body = {"customer_id": customer_id, "period_start": start, "period_end": end, **extra}
        return await self.post("/invoices/draft", body, status=201)

    async def finalise(self, invoice_id: int) -> Any:
        return await self.post(f"/invoices/{invoice_id}/finalise", {}, status=201)
