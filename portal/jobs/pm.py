"""Preventive maintenance jobs: create the PM work orders that fall due, announce overdue ones."""
from __future__ import annotations

from datetime import datetime

from portal.jobs.registry import periodic
from portal.services.pm import scheduler


@periodic("pm-schedule", interval=3600,
          description="Create calendar PM work orders whose lead time has begun (idempotent, catch-up safe)")
def pm_schedule(now: datetime | None = None) -> dict:
    return scheduler.schedule_due(now)


@periodic("pm-overdue", interval=900, description="Emit pm.overdue once per open PM work order past its due date")
def pm_overdue(now: datetime | None = None) -> dict:
    return scheduler.notify_overdue(now)
