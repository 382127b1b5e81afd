"""``/api/v1/billing/...``: rate card, customer billing profiles, agreements, sinks."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from hub.auth import ADMIN, ANY_ROLE, STAFF
from hub.runtime import Hub
from plugins.billing import setup
from plugins.billing.runtime import runtime_of
from plugins.billing.schemas import (
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    ProfileIn,
    RateCardIn,
    SinkOut,
)
from plugins.billing.sinks import BUILTIN_NAMES


class RateCardController(Controller):
    path = "/billing/rate-card"
    tags = ["billing"]
    guards = [STAFF]

    @get(operation_id="getRateCard")
    async def get_card(self, hub: NamedDependency[Hub]) -> RateCardIn:
        """Rates per work type (with billable flag and tax) and per technician role."""
        return await setup.get_rate_card(runtime_of(hub).settings)

    @put(operation_id="putRateCard", guards=[ADMIN])
    async def put_card(self, data: JSONBody[RateCardIn]) -> RateCardIn:
        """Replace the rate card."""
        return await setup.put_rate_card(data)


class BillingProfileController(Controller):
    path = "/billing/customers/{customer_id:int}"
    tags = ["billing"]
    guards = [STAFF]

    @get(operation_id="getBillingProfile")
    async def get_profile(self, customer_id: FromPath[int]) -> ProfileIn:
        """A customer's rate overrides, rounding rule, tax category and Peppol buyer."""
        return await setup.get_profile(customer_id)

    @put(operation_id="putBillingProfile", guards=[ADMIN])
    async def put_profile(self, customer_id: FromPath[int], data: JSONBody[ProfileIn]) -> ProfileIn:
        """Replace a customer's billing terms."""
        return await setup.put_profile(customer_id, data)


class AgreementController(Controller):
    path = "/billing/agreements"
    tags = ["billing"]
    guards = [STAFF]

    @get(operation_id="listAgreements")
    async def list_agreements(
        self, customer_id: FromQuery[int | None] = None
    ) -> list[AgreementOut]:
        """Retainers, blocks of hours (with balances) and subscriptions."""
        return await setup.list_agreements(customer_id)

    @post(operation_id="createAgreement", guards=[ADMIN])
    async def create_agreement(self, data: JSONBody[AgreementIn]) -> AgreementOut:
        """Create a retainer, block of hours or subscription for a customer."""
        return await setup.create_agreement(data)

    @get("/{agreement_id:int}", operation_id="getAgreement")
    async def get_agreement(self, agreement_id: FromPath[int]) -> AgreementOut:
        """One agreement with its remaining hours."""
        return await setup.get_agreement(agreement_id)

    @patch("/{agreement_id:int}", operation_id="updateAgreement", guards=[ADMIN])
    async def update_agreement(
        self, agreement_id: FromPath[int], data: JSONBody[AgreementPatch]
    ) -> AgreementOut:
        """Rename, suspend/cancel, extend, top up a block, change the fee."""
        return await setup.update_agreement(agreement_id, data)

    @delete("/{agreement_id:int}", operation_id="deleteAgreement", guards=[ADMIN])
    async def delete_agreement(self, agreement_id: FromPath[int]) -> None:
        """Delete an agreement nothing was invoiced against."""
        await setup.delete_agreement(agreement_id)


class SinkController(Controller):
    path = "/billing/sinks"
    tags = ["billing"]
    guards = [ANY_ROLE]

    @get(operation_id="listBillingSinks")
    async def list_sinks(self, hub: NamedDependency[Hub]) -> list[SinkOut]:
        """Every sink offered by a plugin, and whether exports go to it."""
        runtime = runtime_of(hub)
        return [
            SinkOut(name=name, enabled=name in runtime.sinks, builtin=name in BUILTIN_NAMES)
            for name in sorted(runtime.available)
        ]
