"""The technician's start page: what is assigned to me, what PM is due, in a fixed number of queries
(the read model of My work, on the work order reads of reads.py: their warehouse filter and counts)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, or_, select

from portal.models import WorkOrder
from portal.models.enums import OPEN_STATUSES
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require
from portal.services.work_orders.reads import IN_WAREHOUSE, PRIORITY_RANK, READ, in_warehouse, labels, open_counts


@dataclass
class MyWork:
    assigned: list[WorkOrder]
    pm_today: list[WorkOrder]
    pm_week: list[WorkOrder]
    counts: dict[str, int]
    equipment_names: dict[str, str] = field(default_factory=dict)  # asset tag · location


def local_day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, datetime]:
    """UTC instants of today's local midnight, tomorrow's, and the end of this week (Sunday night)."""
    local = now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = midnight + timedelta(days=1)
    week_end = midnight + timedelta(days=7 - local.weekday())
    to_utc = lambda d: d.replace(tzinfo=None).replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))  # noqa: E731
    return to_utc(midnight), to_utc(tomorrow), to_utc(week_end)


def my_work(actor: Actor, *, now: datetime, tz: ZoneInfo, limit: int = 50) -> MyWork:
    """Open work orders assigned to the actor (overdue first, then priority, then due date), the PM
    work orders due today and later this week (mine or nobody's yet: PM is picked from the pool),
    and my open work orders counted by status. Four queries whatever the number of rows."""
    require(actor, READ)
    scope = in_warehouse(actor)
    mine = and_(IN_WAREHOUSE, WorkOrder.assigned_to == actor.id, WorkOrder.status.in_(OPEN_STATUSES))
    overdue_first = case((and_(WorkOrder.due_date.is_not(None), WorkOrder.due_date < now), 0), else_=1)
    assigned = list(db.session.scalars(
        select(WorkOrder).where(mine)
        .order_by(overdue_first, case(PRIORITY_RANK, value=WorkOrder.priority).desc(),
                  WorkOrder.due_date.asc().nulls_last(), WorkOrder.created_at, WorkOrder.id)
        .limit(limit), scope
    ))
    start, tomorrow, week_end = local_day_bounds(now, tz)
    pms = list(db.session.scalars(
        select(WorkOrder).where(
            IN_WAREHOUSE,
            WorkOrder.pm_template_id.is_not(None),
            WorkOrder.status.in_(OPEN_STATUSES),
            or_(WorkOrder.assigned_to == actor.id, WorkOrder.assigned_to.is_(None)),
            WorkOrder.due_date >= start, WorkOrder.due_date < week_end,
        ).order_by(WorkOrder.due_date, WorkOrder.id).limit(limit), scope
    ))
    counts = open_counts(actor, assigned_to=actor.id)
    equipment_ids = {wo.equipment_id for wo in assigned + pms if wo.equipment_id}
    names = labels(actor, equipment_ids=equipment_ids).assets if equipment_ids else {}
    return MyWork(
        assigned=assigned,
        pm_today=[wo for wo in pms if wo.due_date < tomorrow],
        pm_week=[wo for wo in pms if wo.due_date >= tomorrow],
        counts=counts,
        equipment_names=names,
    )


def kept_on_device(actor: Actor) -> list[str]:
    """Ids of every open work order assigned to the actor, no cap: what a technician's device keeps
    for reading offline (the portal's /offline/keep). Most urgent first, as on My work."""
    require(actor, READ)
    mine = and_(IN_WAREHOUSE, WorkOrder.assigned_to == actor.id, WorkOrder.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(
        select(WorkOrder.id).where(mine)
        .order_by(case(PRIORITY_RANK, value=WorkOrder.priority).desc(), WorkOrder.due_date.asc().nulls_last(),
                  WorkOrder.id), in_warehouse(actor)))
