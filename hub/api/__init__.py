"""The core HTTP API under ``/api/v1``: one module per resource."""

from hub.api.contacts import ContactController
from hub.api.customers import CustomerController
from hub.api.sla import SlaController, TaskSlaController
from hub.api.sla_tiers import CalendarController, SlaTierController
from hub.api.task_details import (
    ChecklistController,
    CustomerTimeController,
    MessageController,
    TimeEntryController,
)
from hub.api.tasks import QueueController, TaskController
from hub.api.teams import TeamController
from hub.api.technicians import TechnicianController
from hub.projects.api import ROUTES as PROJECT_ROUTES

ROUTERS = [
    CustomerController,
    ContactController,
    TechnicianController,
    TeamController,
    SlaTierController,
    CalendarController,
    TaskController,
    QueueController,
    ChecklistController,
    TimeEntryController,
    CustomerTimeController,
    MessageController,
    SlaController,
    TaskSlaController,
    *PROJECT_ROUTES,
]
