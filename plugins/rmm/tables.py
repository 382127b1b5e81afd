"""The RMM plugin's own tables (piccolo app ``rmm``).

Alerts are keyed by ``source:fingerprint`` (``alert_key``): the same fingerprint from
two configured sources is two alerts. Times are UTC. JSON-shaped values are text.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Customer, Device, Task


class RmmAlert(Table, tablename="rmm_alert"):
    """One alert (a fingerprint of one source) in its latest state."""

    alert_key = Varchar(length=400, unique=True)
    source = Varchar(length=64, index=True)
    fingerprint = Varchar(length=300)
    status = Varchar(length=16, index=True)  # firing | resolved
    severity = Varchar(length=64, default="")
    severity_rank = Varchar(length=16, default="warning")
    title = Varchar(length=500)
    description = Text(default="")
    # null = unmapped: kept and listed, never dropped
    # SET NULL: deleting a customer, device or task must not erase alert history
    customer = ForeignKey(references=Customer, null=True, index=True, on_delete=OnDelete.set_null)
    device = ForeignKey(references=Device, null=True, index=True, on_delete=OnDelete.set_null)
    device_name = Varchar(length=253, default="")
    site = Varchar(length=200, default="")
    labels = JSON(default="{}")
    url = Varchar(length=2000, default="")
    task = ForeignKey(references=Task, null=True, index=True, on_delete=OnDelete.set_null)
    times_seen = Integer(default=1)  # not "count": that would hide Table.count()
    starts_at = Timestamptz()
    ends_at = Timestamptz(null=True, default=None)
    first_seen = Timestamptz(default=TimestamptzNow())
    last_seen = Timestamptz(default=TimestamptzNow(), index=True)
    # ISO times of recent firing<->resolved changes (flap detection), oldest first
    state_changes = JSON(default="[]")
    flapping = Boolean(default=False)
    last_action = Varchar(length=32, default="")
    last_reason = Varchar(length=300, default="")


class RmmTask(Table, tablename="rmm_task"):
    """What correlation needs to know about a task the plugin opened."""

    task = ForeignKey(references=Task, unique=True)
    customer = ForeignKey(references=Customer, index=True)
    kind = Varchar(length=16)  # device | storm
    device_name = Varchar(length=253, default="", index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    last_alert_at = Timestamptz(default=TimestamptzNow())


class RmmDeviceStart(Table, tablename="rmm_device_start"):
    """Latest time a new problem started on a device of a customer (storm counting)."""

    start_key = Varchar(length=400, unique=True)  # "<customer id>:<device>"
    customer = ForeignKey(references=Customer, index=True)
    device_name = Varchar(length=300)
    last_start = Timestamptz(index=True)


class RmmCustomerMap(Table, tablename="rmm_customer_map"):
    """A customer label value (lower case) and the customer it means."""

    label_value = Varchar(length=200, unique=True)
    customer = ForeignKey(references=Customer, index=True)


class RmmIntake(Table, tablename="rmm_intake"):
    """Bus messages already committed (redelivery after a lost ack is a no-op)."""

    msg_key = Varchar(length=128, unique=True)
    source = Varchar(length=64)
    alerts = Integer(default=0)
    processed_at = Timestamptz(default=TimestamptzNow(), index=True)


RMM_TABLES: list[type[Table]] = [RmmAlert, RmmTask, RmmDeviceStart, RmmCustomerMap, RmmIntake]
