"""Work order jobs."""
from __future__ import annotations

from datetime import datetime

from portal.jobs.registry import periodic
from portal.services.work_orders import escalation


@periodic("escalate", interval=300,
          description="Escalate high/critical work orders past their due date (once per due date)")
def escalate(now: datetime | None = None) -> dict:
    return escalation.escalate_overdue(now)
