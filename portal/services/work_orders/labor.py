"""Labor: wrench time booked on work orders; the work order's actualDuration is its sum."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select, update

from portal.models import LaborEntry, User, WorkOrder
from portal.models.enums import CLOSED_STATUSES
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.pm import LaborCreate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, Forbidden, field_error
from portal.services.common.tenancy import get_in_warehouse
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders.checklists import check_work_rights
from portal.services.work_orders.device_time import accepted_time


def labor_cost(minutes: int, hourly_rate: Decimal | None) -> Decimal:
    """What `minutes` of work cost at an hourly rate, to the cent (0.00 without a rate)."""
    if hourly_rate is None:
        return Decimal("0.00")
    return (hourly_rate * minutes / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def list_labor(actor: Actor, work_order_id: str) -> tuple[list[LaborEntry], int]:
    wo = work_order_service.get_work_order(actor, work_order_id)
    entries = list(db.session.scalars(
        select(LaborEntry).where(LaborEntry.work_order_id == wo.id)
        .order_by(LaborEntry.performed_at, LaborEntry.id)
    ))
    return entries, wo.actual_duration


def add_labor(actor: Actor, work_order_id: str, data: LaborCreate, *, now: datetime | None = None) -> tuple[LaborEntry, int]:
    """Book minutes on a work order; returns the entry and the new actualDuration."""
    now = now or utcnow()
    performed_at = data.performed_at or now
    if performed_at > now + timedelta(minutes=5):
        raise field_error("performedAt", "Labor cannot be booked in the future")
    with unit_of_work() as s:
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        check_work_rights(actor, wo)
        if wo.status == "cancelled":
            raise Conflict("Labor cannot be booked on a cancelled work order")
        user_id = data.user_id or actor.id
        if user_id is None:
            raise field_error("userId", "Name who did the work")
        if actor.role == "technician" and user_id != actor.id:
            raise field_error("userId", "Technicians book their own time only", Forbidden)
        found = s.execute(select(User.hourly_rate).where(
            User.id == user_id, User.warehouse_id == actor.warehouse_id)).first()
        if found is None:
            raise field_error("userId", "User not found")
        cost = labor_cost(data.minutes, found.hourly_rate)
        entry = LaborEntry(warehouse_id=wo.warehouse_id, work_order_id=wo.id, user_id=user_id, minutes=data.minutes,
                           cost=cost, note=data.note, performed_at=performed_at, created_by=actor.id, created_at=now)
        s.add(entry)
        # One atomic UPDATE: two bookings at once both count. actualDuration is part of the work
        # order as the API writes it, so its updatedAt moves too (a sync reads the new total).
        s.execute(update(WorkOrder).where(WorkOrder.id == wo.id, WorkOrder.warehouse_id == wo.warehouse_id)
                  .values(actual_duration=WorkOrder.actual_duration + data.minutes,
                          labor_cost=WorkOrder.labor_cost + cost, updated_at=now)
                  .execution_options(synchronize_session=False))
        # The repair started no later than this labor did (MTTR from the repair's start: reporting/kpis.py).
        labor_start = performed_at - timedelta(minutes=data.minutes)
        s.execute(update(WorkOrder).where(WorkOrder.id == wo.id, or_(WorkOrder.repair_started_at.is_(None),
                                                                      WorkOrder.repair_started_at > labor_start))
                  .values(repair_started_at=labor_start).execution_options(synchronize_session=False))
        s.flush()
        total = s.scalar(select(WorkOrder.actual_duration).where(WorkOrder.id == wo.id))
        s.expire(wo, ["actual_duration", "labor_cost", "updated_at", "repair_started_at"])
        return entry, int(total)


# The labor timer: the start instant is kept server-side in Redis (per user and work order), so a
# reload, another tab or a tablet that went to sleep still shows it running; stopping books the
# minutes through add_labor. Kept for two days at most (a forgotten timer does not live forever).
TIMER_TTL_SECONDS = 2 * 24 * 3600


def _timer_key(actor: Actor, work_order_id: str) -> str:
    return f"maintainpro:labor-timer:{actor.warehouse_id}:{actor.id}:{work_order_id}"


def running_timer(actor: Actor, work_order_id: str) -> datetime | None:
    """When the actor's timer on this work order started, or None."""
    from portal.platform.redis import get_redis

    raw = get_redis().get(_timer_key(actor, work_order_id))
    return datetime.fromisoformat(raw.decode()) if raw else None


def start_timer(actor: Actor, work_order_id: str, *, now: datetime | None = None,
                device_at: datetime | None = None) -> datetime:
    """Start (or keep) the actor's timer; the same rights as booking labor. `device_at`: when the
    technician tapped Start on their device (a start queued offline), within device_time's bounds."""
    from portal.platform.redis import get_redis

    now = now or utcnow()
    wo = work_order_service.get_work_order(actor, work_order_id)
    check_work_rights(actor, wo)
    if wo.status in CLOSED_STATUSES:
        raise Conflict(f"Labor cannot be timed on a {wo.status} work order")
    started = accepted_time(device_at, not_before=wo.created_at, received=now)
    # NX: a second tap (or a second tab) keeps the first start time.
    get_redis().set(_timer_key(actor, wo.id), started.isoformat(), nx=True, ex=TIMER_TTL_SECONDS)
    return running_timer(actor, wo.id) or started


def stop_timer(actor: Actor, work_order_id: str, *, note: str | None = None,
               now: datetime | None = None, device_at: datetime | None = None) -> tuple[LaborEntry, int]:
    """Book the minutes since the timer started (at least one, rounded up) and clear the timer.
    `device_at`: when Stop was tapped on the device (bounded: not before the start); the entry's
    created_at is when the server received it."""
    now = now or utcnow()
    started = running_timer(actor, work_order_id)
    if started is None:
        work_order_service.get_work_order(actor, work_order_id)  # 404 for another warehouse's id
        raise field_error("timer", "No timer is running on this work order", Conflict)
    stopped = accepted_time(device_at, not_before=started, received=now)
    minutes = max(1, -(-int((stopped - started).total_seconds()) // 60))
    if minutes > 24 * 60:
        raise field_error("minutes", "The timer ran more than 24 hours: discard it and type the minutes in")
    entry, total = add_labor(actor, work_order_id, LaborCreate(minutes=minutes, note=note, performedAt=started),
                             now=now)
    discard_timer(actor, work_order_id)
    return entry, total


def discard_timer(actor: Actor, work_order_id: str) -> None:
    from portal.platform.redis import get_redis

    get_redis().delete(_timer_key(actor, work_order_id))
