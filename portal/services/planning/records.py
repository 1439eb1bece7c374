"""The records behind the weekly plan's KPIs (issue 23), for the KPI drill-down (services/reporting/
drilldown.py): the same window and criteria as planning_kpis(), and the summary IS planning_kpis()'s
figure, so a card and its list always agree.

- schedule_compliance: the items of the frozen plans whose week started in the window, break-in left
  out, each done as scheduled (its work order completed within the item's week) or not;
- break_in_share: the break-in items (added after the freeze) of those plans;
- planned_work_percent: the work orders with labor performed in the window, each planned (on one of
  those plans, not as break-in) or unplanned, with its minutes and the minutes inside its plan's week;
- backlog_crew_weeks: the work orders open now with their estimates (largest first; those without an
  estimate last).
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select

from portal.models import OPEN_STATUSES, Equipment, LaborEntry, User, WorkOrder
from portal.models.planning import Schedule, ScheduleItem
from portal.models.types import UTCDateTime
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.planning.kpis import planning_kpis

SCHEDULE_ITEMS = "schedule_items"
WORK_ORDERS = "work_orders"
KINDS = {"schedule_compliance": SCHEDULE_ITEMS, "break_in_share": SCHEDULE_ITEMS,
         "planned_work_percent": WORK_ORDERS, "backlog_crew_weeks": WORK_ORDERS}
OUTCOMES = {"schedule_compliance": ("done", "not_done"), "planned_work_percent": ("planned", "unplanned"),
            "backlog_crew_weeks": ("unestimated",)}
DESCRIPTIONS = {
    "schedule_compliance": "The items of the frozen weekly plans that started in the period (break-in left out), "
                           "each done as scheduled (its work order completed within the item's week) or not.",
    "break_in_share": "The break-in work: hours added to the frozen plans of the period after their freeze.",
    "planned_work_percent": "The work orders with labor performed in the period: planned (on a frozen plan of the "
                            "period, not as break-in) or not, and the minutes performed within the plan's week.",
    "backlog_crew_weeks": "The work orders open now and their estimates: what the crew-weeks are made of.",
}


def _start_of(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _frozen_items(warehouse_id: str, start: datetime, end: datetime) -> list[Any]:
    return [Schedule.warehouse_id == warehouse_id, Schedule.frozen_at.is_not(None),
            Schedule.week_start >= start.date(), Schedule.week_start <= end.date()]


def _page(stmt, order: list[Any], page: int, limit: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return db.session.execute(stmt.order_by(*order).limit(limit).offset((page - 1) * limit)).all(), total


def _items(actor: Actor, figure: str, start: datetime, end: datetime, page: int, limit: int, outcome: str | None):
    wo, item = WorkOrder, ScheduleItem
    stmt = (select(item, Schedule.week_start, wo.fo_number, wo.title, wo.status, wo.completed_at, wo.equipment_id,
                   Equipment.asset_tag, User.name, User.email)
            .join(Schedule, Schedule.id == item.schedule_id)
            .join(wo, wo.id == item.work_order_id)
            .outerjoin(Equipment, Equipment.id == wo.equipment_id)
            .outerjoin(User, User.id == item.user_id)
            .where(*_frozen_items(actor.warehouse_id, start, end), item.break_in.is_(figure == "break_in_share")))
    if outcome in ("done", "not_done"):
        done = _done_in_week()
        stmt = stmt.where(done if outcome == "done" else ~done)
    rows, total = _page(stmt, [Schedule.week_start.desc(), item.day, wo.fo_number, item.id], page, limit)
    items = []
    for it, week_start, number, title, status, completed_at, equipment_id, tag, name, email in rows:
        first, last = _start_of(week_start), _start_of(week_start + timedelta(days=7))
        done = status == "completed" and completed_at is not None and first <= completed_at < last
        items.append({
            "id": it.id, "work_order_id": it.work_order_id, "fo_number": number, "title": title, "status": status,
            "completed_at": completed_at, "equipment_id": equipment_id, "asset_tag": tag, "week_start": first,
            "day": it.day, "hours": float(it.hours), "technician": name or email, "break_in": it.break_in,
            "outcome": "break_in" if it.break_in else ("done" if done else "not_done")})
    return items, total


def _done_in_week():
    """SQL: the item's work order completed within its plan's week, [Monday, next Monday) UTC. Times are
    stored as naive UTC, so the completion's date is its UTC date on both databases."""
    wo = WorkOrder
    completed_day, week = func.date(wo.completed_at), Schedule.week_start
    if db.session.get_bind().dialect.name == "sqlite":
        in_week = and_(completed_day >= func.date(week), completed_day < func.date(week, "+7 days"))
    else:
        in_week = and_(completed_day >= week, completed_day < week + 7)
    return and_(wo.status == "completed", wo.completed_at.is_not(None), in_week)


def _work_orders(actor: Actor, figure: str, start: datetime, end: datetime, page: int, limit: int,
                 outcome: str | None):
    wo = WorkOrder
    wid = actor.warehouse_id
    asset = Equipment
    if figure == "backlog_crew_weeks":
        stmt = (select(wo, asset.asset_tag).outerjoin(asset, asset.id == wo.equipment_id)
                .where(wo.warehouse_id == wid, wo.status.in_(OPEN_STATUSES)))
        if outcome == "unestimated":
            stmt = stmt.where(wo.estimated_duration.is_(None))
        rows, total = _page(stmt, [wo.estimated_duration.is_(None), wo.estimated_duration.desc(), wo.created_at,
                                   wo.id], page, limit)
        items = [{"id": w.id, "fo_number": w.fo_number, "title": w.title, "type": w.type, "status": w.status,
                  "priority": w.priority, "equipment_id": w.equipment_id, "asset_tag": tag, "due_date": w.due_date,
                  "completed_at": w.completed_at, "estimated_duration": w.estimated_duration,
                  "outcome": "estimated" if w.estimated_duration else "unestimated"} for w, tag in rows]
        return items, total
    # planned_work_percent: the work orders with labor in the window, planned or not.
    planned = (select(ScheduleItem.work_order_id).join(Schedule, Schedule.id == ScheduleItem.schedule_id)
               .where(*_frozen_items(wid, start, end), ScheduleItem.break_in.is_(False)))
    labor = (select(LaborEntry.work_order_id.label("wo_id"), func.sum(LaborEntry.minutes).label("minutes"))
             .where(LaborEntry.warehouse_id == wid, LaborEntry.performed_at >= _typed(start),
                    LaborEntry.performed_at <= _typed(end))
             .group_by(LaborEntry.work_order_id).subquery())
    is_planned = wo.id.in_(planned)
    stmt = (select(wo, asset.asset_tag, labor.c.minutes, case((is_planned, 1), else_=0))
            .join(labor, labor.c.wo_id == wo.id).outerjoin(asset, asset.id == wo.equipment_id))
    if outcome == "planned":
        stmt = stmt.where(is_planned)
    elif outcome == "unplanned":
        stmt = stmt.where(~is_planned)
    rows, total = _page(stmt, [labor.c.minutes.desc(), wo.id], page, limit)
    # The minutes inside the plans' weeks, for this page's planned work orders only (as planning_kpis()).
    weeks: dict[str, list[tuple[datetime, datetime]]] = {}
    page_planned = [w.id for w, _, _, flag in rows if flag]
    if page_planned:
        for wo_id, week_start in db.session.execute(
                select(ScheduleItem.work_order_id, Schedule.week_start).distinct()
                .join(Schedule, Schedule.id == ScheduleItem.schedule_id)
                .where(*_frozen_items(wid, start, end), ScheduleItem.break_in.is_(False),
                       ScheduleItem.work_order_id.in_(page_planned))):
            weeks.setdefault(wo_id, []).append((_start_of(week_start), _start_of(week_start + timedelta(days=7))))
    in_week: dict[str, int] = {}
    if weeks:
        for wo_id, performed_at, minutes in db.session.execute(
                select(LaborEntry.work_order_id, LaborEntry.performed_at, LaborEntry.minutes)
                .where(LaborEntry.warehouse_id == wid, LaborEntry.performed_at >= _typed(start),
                       LaborEntry.performed_at <= _typed(end), LaborEntry.work_order_id.in_(list(weeks)))):
            if any(first <= performed_at < last for first, last in weeks[wo_id]):
                in_week[wo_id] = in_week.get(wo_id, 0) + int(minutes)
    items = [{"id": w.id, "fo_number": w.fo_number, "title": w.title, "type": w.type, "status": w.status,
              "priority": w.priority, "equipment_id": w.equipment_id, "asset_tag": tag, "due_date": w.due_date,
              "completed_at": w.completed_at, "labor_minutes": int(minutes or 0),
              "planned_minutes": in_week.get(w.id, 0), "outcome": "planned" if flag else "unplanned"}
             for w, tag, minutes, flag in rows]
    return items, total


def _typed(value: datetime):
    return literal(value, UTCDateTime())


def _summary(actor: Actor, figure: str, days: int, end: datetime) -> dict:
    k = planning_kpis(actor, days, now=end)
    if figure == "schedule_compliance":
        keys = ("weeks", "scheduled_hours", "done_as_scheduled_hours", "schedule_compliance")
    elif figure == "break_in_share":
        keys = ("weeks", "break_in_hours", "scheduled_hours", "break_in_share")
    elif figure == "planned_work_percent":
        keys = ("planned_labor_minutes", "labor_minutes", "planned_work_percent")
    else:
        keys = ("open_estimated_hours", "crew_weekly_hours", "backlog_crew_weeks")
    summary = {key: k[key] for key in keys}
    if figure == "backlog_crew_weeks":
        wo = WorkOrder
        summary["open"], summary["unestimated"] = db.session.execute(
            select(func.count(), func.sum(case((wo.estimated_duration.is_(None), 1), else_=0)))
            .where(wo.warehouse_id == actor.warehouse_id, wo.status.in_(OPEN_STATUSES))).one()
        summary["open"], summary["unestimated"] = int(summary["open"] or 0), int(summary["unestimated"] or 0)
    return summary


def records(actor: Actor, figure: str, days: int, start: datetime, end: datetime, page: int, limit: int,
            outcome: str | None) -> tuple[list[dict], int, dict]:
    """One page of the records behind a plan figure, their total, and the figure's own numbers."""
    if KINDS[figure] == SCHEDULE_ITEMS:
        items, total = _items(actor, figure, start, end, page, limit, outcome)
    else:
        items, total = _work_orders(actor, figure, start, end, page, limit, outcome)
    return items, total, _summary(actor, figure, days, end)

