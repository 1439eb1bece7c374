"""The weekly plan (issue 23, part 5; docs/domain.md "The weekly plan").

- A week starts on Monday. A technician's capacity is their weekly hours spread over Monday to
  Friday (weekly / 5 a day), with the days of their absences at 0.
- A plan (Schedule) holds items: hours of an open work order given to a technician on a day of the
  week. A manager freezes it (normally at the start of the week); it never thaws. An item added to a
  frozen plan is break-in work (break_in true). Items of a frozen plan cannot be removed (409):
  schedule compliance is measured against what the plan held at the freeze.
- The backlog offered for planning: open work orders of the warehouse, ready ones first. Ready: its
  asset is not down, and no part request of it is waiting for stock (open or ordered, with less in
  stock than it asks for).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.models import OPEN_STATUSES, Equipment, Part, ReorderRequest, User, WorkOrder
from portal.models.planning import Absence, Schedule, ScheduleItem
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.planning import AbsenceCreate, ScheduleCreate, ScheduleItemCreate, WeeklyHoursUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require

WORKDAYS = 5  # Monday to Friday carry the weekly hours
PLANNED_ROLES = ("technician", "manager")  # who can be given work on the plan
CREW_ROLES = ("technician",)  # whose hours make the crew's capacity (backlog in crew-weeks)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_days(week_start: date) -> list[date]:
    return [week_start + timedelta(days=n) for n in range(7)]


# --- Capacity -------------------------------------------------------------------------------------

def planned_people(warehouse_id: str, roles: tuple[str, ...] = PLANNED_ROLES) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.warehouse_id == warehouse_id, User.active.is_(True), User.role.in_(roles)).order_by(User.role.desc(), User.name, User.email)))


def _absent_days(warehouse_id: str, first: date, last: date) -> dict[str, set[date]]:
    """user id -> the days of [first, last] they are away."""
    away: dict[str, set[date]] = {}
    for a in db.session.scalars(select(Absence).where(
            Absence.warehouse_id == warehouse_id, Absence.start_date <= last, Absence.end_date >= first)):
        day = max(a.start_date, first)
        while day <= min(a.end_date, last):
            away.setdefault(a.user_id, set()).add(day)
            day += timedelta(days=1)
    return away


def capacity(warehouse_id: str, week_start: date, people: list[User] | None = None) -> dict[str, dict[date, float]]:
    """user id -> hours available per day of the week: weekly hours / 5 on Monday to Friday, 0 on
    the weekend and on the days of an absence."""
    people = planned_people(warehouse_id) if people is None else people
    days = week_days(week_start)
    away = _absent_days(warehouse_id, days[0], days[-1])
    result = {}
    for user in people:
        daily = float(user.weekly_hours or 0) / WORKDAYS
        result[user.id] = {d: (0.0 if d.weekday() >= WORKDAYS or d in away.get(user.id, ()) else round(daily, 2))
                           for d in days}
    return result


def crew_weekly_hours(warehouse_id: str, week_start: date) -> float:
    """The crew's (active technicians') hours in the week, net of absences: what capacity() gives
    them, summed. Counted by the crew's distinct weekly hours (a plant has a thousand technicians on
    a handful of contracts) and the days off of those away, not from a User per technician: the KPI
    page asks it on every load."""
    days = week_days(week_start)
    workdays = [d for d in days if d.weekday() < WORKDAYS]
    away = _absent_days(warehouse_id, days[0], days[-1])
    crew = (User.warehouse_id == warehouse_id, User.active.is_(True), User.role.in_(CREW_ROLES))

    def daily(weekly: Decimal | None) -> Decimal:  # a day's hours, rounded as capacity() rounds them
        return Decimal(str(round(float(weekly or 0) / WORKDAYS, 2)))

    total = Decimal(0)
    for weekly, people in db.session.execute(
            select(User.weekly_hours, func.count()).where(*crew).group_by(User.weekly_hours)):
        total += daily(weekly) * people * len(workdays)
    if away:
        for user_id, weekly in db.session.execute(
                select(User.id, User.weekly_hours).where(*crew, User.id.in_(list(away)))):
            total -= daily(weekly) * sum(1 for d in workdays if d in away[user_id])
    # Two decimals exactly, as the sum of capacity()'s days rounded to two.
    return round(float(total), 2)


def set_weekly_hours(actor: Actor, user_id: str, data: WeeklyHoursUpdate) -> User:
    require(actor, "schedules.manage")
    with unit_of_work():
        user = get_in_warehouse(User, user_id, actor, what="User")
        user.weekly_hours = Decimal(str(data.weekly_hours)).quantize(Decimal("0.01"))
        return user


def list_absences(actor: Actor, *, user_id: str | None = None, since: date | None = None) -> list[Absence]:
    require(actor, "schedules.read")
    stmt = select(Absence).where(Absence.warehouse_id == actor.warehouse_id)
    if user_id:
        stmt = stmt.where(Absence.user_id == user_id)
    if since:
        stmt = stmt.where(Absence.end_date >= since)
    return list(db.session.scalars(stmt.order_by(Absence.start_date, Absence.created_at)))


def add_absence(actor: Actor, data: AbsenceCreate) -> Absence:
    require(actor, "schedules.manage")
    if data.end_date < data.start_date:
        raise field_error("endDate", "The last day away cannot be before the first")
    if (data.end_date - data.start_date).days > 366:
        raise field_error("endDate", "An absence lasts a year at most")
    with unit_of_work() as s:
        try:
            get_in_warehouse(User, data.user_id, actor, what="User")
        except NotFound:
            raise field_error("userId", "No such person in this warehouse") from None
        absence = Absence(warehouse_id=actor.warehouse_id, user_id=data.user_id, start_date=data.start_date,
                          end_date=data.end_date, reason=data.reason.strip())
        s.add(absence)
        s.flush()
        return absence


def remove_absence(actor: Actor, absence_id: str) -> None:
    require(actor, "schedules.manage")
    with unit_of_work() as s:
        s.delete(get_in_warehouse(Absence, absence_id, actor, what="Absence"))


# --- Schedules ------------------------------------------------------------------------------------

@dataclass
class ScheduleView:
    """A plan with what its page and the API show beside it."""

    schedule: Schedule
    items: list[ScheduleItem]
    people: list[User]
    capacity: dict[str, dict[date, float]]
    work_orders: dict[str, WorkOrder] = field(default_factory=dict)

    def as_out(self) -> dict:
        sch = self.schedule
        booked: dict[str, float] = {}
        for i in self.items:
            booked[i.user_id] = booked.get(i.user_id, 0.0) + float(i.hours)
        return {
            "id": sch.id, "week_start": sch.week_start, "week_end": sch.week_start + timedelta(days=6),
            "frozen": sch.frozen_at is not None, "frozen_at": sch.frozen_at, "frozen_by": sch.frozen_by,
            "created_at": sch.created_at,
            "items": [item_out(i) for i in self.items],
            "scheduled_hours": round(sum(float(i.hours) for i in self.items), 2),
            "break_in_hours": round(sum(float(i.hours) for i in self.items if i.break_in), 2),
            "capacity": [{"user_id": u.id, "name": u.name or u.email, "weekly_hours": float(u.weekly_hours or 0),
                          "days": {d.isoformat(): h for d, h in self.capacity.get(u.id, {}).items()},
                          "available_hours": round(sum(self.capacity.get(u.id, {}).values()), 2),
                          "scheduled_hours": round(booked.get(u.id, 0.0), 2)} for u in self.people],
        }


def item_out(i: ScheduleItem) -> dict:
    return {"id": i.id, "work_order_id": i.work_order_id, "user_id": i.user_id, "technician_id": i.user_id,
            "day": i.day, "hours": float(i.hours), "break_in": i.break_in, "created_by": i.created_by,
            "created_at": i.created_at}


def _view(schedule: Schedule) -> ScheduleView:
    items = list(db.session.scalars(select(ScheduleItem).where(ScheduleItem.schedule_id == schedule.id)
                                    .order_by(ScheduleItem.day, ScheduleItem.created_at)))
    people = planned_people(schedule.warehouse_id)
    ids = {i.work_order_id for i in items}
    wos = {w.id: w for w in db.session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids)))} if ids else {}
    return ScheduleView(schedule, items, people, capacity(schedule.warehouse_id, schedule.week_start, people), wos)


def list_schedules(actor: Actor, *, week_start: date | None = None) -> list[ScheduleView]:
    """The warehouse's plans, newest week first (the one of week_start's week only, when given)."""
    require(actor, "schedules.read")
    stmt = select(Schedule).where(Schedule.warehouse_id == actor.warehouse_id)
    if week_start:
        stmt = stmt.where(Schedule.week_start == monday_of(week_start))
    return [_view(s) for s in db.session.scalars(stmt.order_by(Schedule.week_start.desc()).limit(52))]


def get_schedule(actor: Actor, schedule_id: str) -> ScheduleView:
    require(actor, "schedules.read")
    return _view(get_in_warehouse(Schedule, schedule_id, actor, what="Schedule"))


def find_week(actor: Actor, week_start: date) -> Schedule | None:
    require(actor, "schedules.read")
    return db.session.scalar(select(Schedule).where(Schedule.warehouse_id == actor.warehouse_id,
                                                    Schedule.week_start == monday_of(week_start)))


def create_schedule(actor: Actor, data: ScheduleCreate) -> tuple[ScheduleView, bool]:
    """The plan of data.weekStart's week; (plan, created): a week has one plan, asked twice it is
    answered as it is."""
    require(actor, "schedules.manage")
    monday = monday_of(data.week_start)
    with unit_of_work() as s:
        existing = s.scalar(select(Schedule).where(Schedule.warehouse_id == actor.warehouse_id,
                                                   Schedule.week_start == monday))
        if existing is not None:
            return _view(existing), False
        schedule = Schedule(warehouse_id=actor.warehouse_id, week_start=monday)
        s.add(schedule)
        s.flush()
        return _view(schedule), True


def add_item(actor: Actor, schedule_id: str, data: ScheduleItemCreate, *, now: datetime | None = None) -> ScheduleItem:
    """Give hours of an open work order to a person on a day of the plan's week. On a frozen plan the
    item is break-in work."""
    require(actor, "schedules.manage")
    with unit_of_work() as s:
        schedule = get_in_warehouse(Schedule, schedule_id, actor, what="Schedule", lock=True)
        if not schedule.week_start <= data.day <= schedule.week_start + timedelta(days=6):
            raise field_error("day", f"Pick a day of the week of {schedule.week_start.isoformat()}")
        wo = db.session.scalar(select(WorkOrder).where(WorkOrder.id == data.work_order_id,
                                                       WorkOrder.warehouse_id == actor.warehouse_id))
        if wo is None:
            raise field_error("workOrderId", "No such work order in this warehouse")
        if wo.status not in OPEN_STATUSES:
            raise field_error("workOrderId", "This work order is closed: only open work can be planned", Conflict)
        person = db.session.scalar(select(User).where(User.id == data.user_id, User.warehouse_id == actor.warehouse_id,
                                                      User.active.is_(True), User.role.in_(PLANNED_ROLES)))
        if person is None:
            raise field_error("userId", "No such technician in this warehouse")
        hours = data.hours
        if hours is None:
            if not wo.estimated_duration:
                raise field_error("hours", "This work order has no estimate: enter the hours")
            hours = wo.estimated_duration / 60
        item = ScheduleItem(schedule_id=schedule.id, warehouse_id=actor.warehouse_id, work_order_id=wo.id,
                            user_id=person.id, day=data.day, hours=Decimal(str(round(hours, 2))),
                            break_in=schedule.frozen_at is not None, created_by=actor.id, created_at=now or utcnow())
        s.add(item)
        s.flush()
        return item


def remove_item(actor: Actor, schedule_id: str, item_id: str) -> None:
    require(actor, "schedules.manage")
    with unit_of_work() as s:
        schedule = get_in_warehouse(Schedule, schedule_id, actor, what="Schedule", lock=True)
        item = s.scalar(select(ScheduleItem).where(ScheduleItem.id == item_id, ScheduleItem.schedule_id == schedule.id))
        if item is None:
            raise NotFound("Schedule item not found")
        if schedule.frozen_at is not None:
            raise Conflict("The plan is frozen: its items stay as they were (compliance is measured against them)")
        s.delete(item)


def freeze(actor: Actor, schedule_id: str, *, now: datetime | None = None) -> ScheduleView:
    """Freeze the plan (once: freezing a frozen plan is a 409). Records schedule.frozen."""
    require(actor, "schedules.manage")
    when = now or utcnow()
    with unit_of_work():
        schedule = get_in_warehouse(Schedule, schedule_id, actor, what="Schedule", lock=True)
        if schedule.frozen_at is not None:
            raise Conflict("This plan is frozen already")
        schedule.frozen_at, schedule.frozen_by = when, actor.id
        view = _view(schedule)
        record_event("schedule.frozen", entity="schedule", entity_id=schedule.id, warehouse_id=actor.warehouse_id,
                     actor=actor, now=when, payload={
                         "schedule": {"id": schedule.id, "weekStart": schedule.week_start.isoformat(),
                                      "frozenAt": iso(when), "items": len(view.items),
                                      "scheduledHours": round(sum(float(i.hours) for i in view.items), 2)},
                         "frozenBy": actor.id, "timestamp": iso(when)})
        return view


# --- The backlog offered for planning ------------------------------------------------------------

@dataclass
class BacklogRow:
    work_order: WorkOrder
    ready: bool
    why_not: list[str]
    scheduled_hours: float  # already on this week's plan


def backlog(actor: Actor, week_start: date, limit: int = 100) -> list[BacklogRow]:
    """Open work orders, ready ones first, then by priority and due date."""
    require(actor, "schedules.read")
    wid = actor.warehouse_id
    wos = list(db.session.scalars(select(WorkOrder).where(WorkOrder.warehouse_id == wid,
                                                          WorkOrder.status.in_(OPEN_STATUSES))
                                  .order_by(WorkOrder.due_date.is_(None), WorkOrder.due_date, WorkOrder.created_at)
                                  .limit(limit)))
    ids = [w.id for w in wos]
    down = set(db.session.scalars(select(Equipment.id).where(Equipment.warehouse_id == wid, Equipment.status == "down")))
    short = set(db.session.scalars(
        select(ReorderRequest.work_order_id).join(Part, Part.id == ReorderRequest.part_id)
        .where(ReorderRequest.warehouse_id == wid, ReorderRequest.work_order_id.in_(ids),
               ReorderRequest.status.in_(("open", "ordered")), Part.stock_level < ReorderRequest.quantity))) if ids else set()
    planned: dict[str, float] = {}
    if ids:
        for wo_id, hours in db.session.execute(
                select(ScheduleItem.work_order_id, func.sum(ScheduleItem.hours)).join(Schedule, Schedule.id == ScheduleItem.schedule_id)
                .where(Schedule.warehouse_id == wid, Schedule.week_start == week_start, ScheduleItem.work_order_id.in_(ids))
                .group_by(ScheduleItem.work_order_id)):
            planned[wo_id] = float(hours or 0)
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    rows = []
    for w in wos:
        why = []
        if w.equipment_id in down:
            why.append("asset down")
        if w.id in short:
            why.append("parts not in stock")
        rows.append(BacklogRow(w, not why, why, planned.get(w.id, 0.0)))
    rows.sort(key=lambda r: (not r.ready, rank.get(r.work_order.priority, 9)))
    return rows
