"""Project and milestone tables (piccolo app ``projects``).

Amounts (budget, contract value, milestone fee) are decimal strings, never floats;
``None`` means "not set". Dates are calendar dates in the customer's zone.
"""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Customer


class Project(Table, tablename="project"):
    customer = ForeignKey(references=Customer, index=True)
    name = Varchar(length=200)
    description = Text(default="")
    # planned | active | on_hold | completed | cancelled
    status = Varchar(length=16, default="planned", index=True)
    # time_and_materials | fixed_fee_milestones | fixed_fee_completion | retainer
    billing_mode = Varchar(length=32, default="time_and_materials")
    budget_hours = Varchar(length=32, null=True, default=None)
    budget_amount = Varchar(length=32, null=True, default=None)
    contract_value = Varchar(length=32, null=True, default=None)
    starts_on = Date(null=True, default=None)
    due_on = Date(null=True, default=None)
    completed_on = Date(null=True, default=None)
    # the invoice that billed the fixed fee on completion (set by billing)
    fee_invoice_id = Integer(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Milestone(Table, tablename="milestone"):
    project = ForeignKey(references=Project, index=True)
    name = Varchar(length=200)
    description = Text(default="")
    position = Integer(default=0)
    target_date = Date(null=True, default=None)
    fee = Varchar(length=32, null=True, default=None)
    completed_on = Date(null=True, default=None)
    # the invoice that billed this milestone's fee (set by billing)
    invoice_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


PROJECT_TABLES: list[type[Table]] = [Project, Milestone]
