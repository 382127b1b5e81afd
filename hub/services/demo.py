"""A small demo MSP (``atlas-hub run --demo``): tiers, a calendar, customers, people.

Loading is idempotent: an existing demo is left as it is.
"""

from __future__ import annotations

from hub.db.tables import Customer
from hub.logs import get_logger
from hub.schemas.directory import (
    CalendarIn,
    ContactIn,
    CustomerIn,
    CustomerSettings,
    SlaTierIn,
    TeamIn,
    TechnicianIn,
    TierTarget,
)
from hub.services import customers, sla_tiers, staff

log = get_logger("hub.demo")


def _targets(fr: list[int], res: list[int], critical_24x7: bool) -> dict[str, TierTarget]:
    out: dict[str, TierTarget] = {}
    for i, prio in enumerate(("critical", "high", "normal", "low")):
        coverage = "24x7" if (prio == "critical" and critical_24x7) else "business_hours"
        out[prio] = TierTarget(
            first_response_minutes=fr[i], resolution_minutes=res[i], coverage=coverage
        )
    return out


async def load_demo() -> bool:
    """Create the demo records; returns False when they already exist."""
    if await Customer.exists().where(Customer.name == "Northwind Dental"):
        return False
    office = await sla_tiers.create_calendar(
        CalendarIn(
            name="Office hours (Berlin)",
            spec={
                "timezone": "Europe/Berlin",
                "weekly": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                "holiday_rules": [{"country": "DE", "first_year": 2025, "last_year": 2030}],
            },
        )
    )
    gold = await sla_tiers.create_tier(
        SlaTierIn(
            name="Gold",
            targets=_targets([15, 30, 120, 480], [240, 480, 1440, 4320], True),
            priority_floor="normal",
            rank=1,
        )
    )
    silver = await sla_tiers.create_tier(
        SlaTierIn(
            name="Silver",
            targets=_targets([30, 60, 240, 960], [480, 960, 2880, 7200], True),
            rank=2,
        )
    )
    bronze = await sla_tiers.create_tier(
        SlaTierIn(
            name="Bronze",
            targets=_targets([60, 240, 480, 1440], [960, 1920, 4800, 9600], False),
            rank=3,
        )
    )
    alice = await staff.create_technician(
        TechnicianIn(
            name="Alice Meyer",
            email="alice@msp.example",
            skills=["windows", "m365"],
            timezone="Europe/Berlin",
        )
    )
    bob = await staff.create_technician(
        TechnicianIn(
            name="Bob Okafor",
            email="bob@msp.example",
            skills=["network", "linux"],
            timezone="Europe/Berlin",
        )
    )
    carol = await staff.create_technician(
        TechnicianIn(
            name="Carol Nguyen",
            email="carol@msp.example",
            skills=["hardware", "windows"],
            timezone="Europe/Berlin",
            role="senior",
        )
    )
    await staff.create_team(
        TeamIn(name="Service Desk", member_ids=[alice.id, carol.id], timezone="Europe/Berlin")
    )
    await staff.create_team(
        TeamIn(name="Infrastructure", member_ids=[bob.id, carol.id], timezone="Europe/Berlin")
    )
    for name, domains, tier, auto in (
        ("Northwind Dental", ["northwind-dental.example"], gold.id, True),
        ("Contoso Legal", ["contoso-legal.example"], silver.id, False),
        ("Fabrikam Bakery", ["fabrikam.example"], bronze.id, False),
    ):
        customer = await customers.create_customer(
            CustomerIn(
                name=name,
                email_domains=domains,
                sla_tier_id=tier,
                timezone="Europe/Berlin",
                calendar_id=office.id,
                settings=CustomerSettings(auto_convert=auto),
            )
        )
        domain = domains[0]
        await customers.create_contact(
            ContactIn(
                customer_id=customer.id,
                email=f"office@{domain}",
                name="Office Manager",
                vip=False,
                portal_admin=True,
            )
        )
        await customers.create_contact(
            ContactIn(
                customer_id=customer.id, email=f"ceo@{domain}", name="Managing Director", vip=True
            )
        )
    log.info("demo_loaded", customers=3, technicians=3, teams=2)
    return True
