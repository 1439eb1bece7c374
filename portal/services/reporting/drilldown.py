"""The records behind each KPI figure (issue 22: "KPIs you can open"), by the figure's own criteria
and window, so that a card's number and its list always agree:

- mtbf_hours: the failures, downtime periods starting in [now - days, now];
- mttr_hours: the repairs, periods ending in the window (their full length, as MTTR counts it);
- availability: every period overlapping the window, with the part inside it;
- pm_compliance: the PM work orders (from a template) due in the window, cancelled ones left out,
  each with its outcome: on time, late, open (overdue when its due date has passed);
- backlog: the work orders open at the window's end (now: the open statuses);
- planned_maintenance_percentage: the work orders with labor performed in the window, their minutes
  in the window and whether they are preventive.

The windows and conditions are those of kpis.py (kpis() and pm_compliance()); the lists are paged,
the summary (what the card counts) is computed over the whole window with GROUP BY/aggregates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from portal.models import OPEN_STATUSES, DowntimePeriod, Equipment, LaborEntry, PMTemplate, WorkOrder
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound, ValidationFailed
from portal.services.common.querying import Page
from portal.services.identity.permissions import require
from portal.services.planning import records as plan_records
from portal.services.reporting.kpis import _at, _window, needs_template, warehouse_grace
from portal.services.reporting.kpis import on_time as pm_on_time

DOWNTIME = "downtime"
WORK_ORDERS = "work_orders"
# The figure -> the kind of records behind it.
KINDS = {"mtbf_hours": DOWNTIME, "mttr_hours": DOWNTIME, "availability": DOWNTIME,
         "pm_compliance": WORK_ORDERS, "backlog": WORK_ORDERS, "planned_maintenance_percentage": WORK_ORDERS,
         # The weekly plan's figures (services/planning/records.py): their plans' items or work orders.
         **plan_records.KINDS}
# The outcomes a PM work order due in the window can have (the filter of the PM compliance list).
PM_OUTCOMES = ("on_time", "late", "open", "overdue")
DESCRIPTIONS = {
    "mtbf_hours": "The failures: downtime periods that started in the period.",
    "mttr_hours": "The repairs: downtime periods that ended in the period, with their whole length.",
    "availability": "The downtime periods in the period; the hours inside the period are what availability "
                    "subtracts (overlapping periods of one asset counted once).",
    "pm_compliance": "The PM work orders due in the period (cancelled ones left out) and how each ended.",
    "backlog": "The work orders open at the end of the period.",
    "planned_maintenance_percentage": "The work orders with labor performed in the period: minutes on "
                                      "preventive work ÷ all minutes.",
    **plan_records.DESCRIPTIONS,
}


@dataclass
class Records(Page):
    """One page of the records behind a figure, with the window and what the card counts (summary)."""

    figure: str = ""
    kind: str = ""
    days: int = 0
    from_: datetime | None = None
    to: datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None


def _seconds(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0)


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


# --- downtime ---------------------------------------------------------------------------------
def _downtime(actor: Actor, figure: str, start: datetime, end: datetime, page: int, limit: int) -> tuple:
    p = DowntimePeriod
    if figure == "mtbf_hours":
        where = [p.started_at >= _at(start), p.started_at <= _at(end)]
    elif figure == "mttr_hours":
        where = [p.ended_at.is_not(None), p.ended_at >= _at(start), p.ended_at <= _at(end)]
    else:
        where = [p.started_at <= _at(end), or_(p.ended_at.is_(None), p.ended_at >= _at(start))]
    # The cards count unplanned downtime only (kpis.py); planned stops are a figure of their own.
    where.append(p.planned.is_(False))
    base = (select(p, Equipment.asset_tag, WorkOrder.fo_number, WorkOrder.title)
            .join(Equipment, Equipment.id == p.equipment_id)
            .outerjoin(WorkOrder, WorkOrder.id == p.work_order_id)
            .where(p.warehouse_id == actor.warehouse_id, *where))
    total = db.session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    rows = db.session.execute(base.order_by(p.started_at.desc(), p.id).limit(limit).offset((page - 1) * limit)).all()
    items = []
    for period, tag, number, title in rows:
        ended = period.ended_at
        items.append({
            "id": period.id, "equipment_id": period.equipment_id, "asset_tag": tag, "started_at": period.started_at,
            "ended_at": ended, "ongoing": ended is None,
            "hours": _hours(_seconds(period.started_at, ended or end)),
            "hours_in_period": _hours(_seconds(max(period.started_at, start), min(ended or end, end))),
            "reason": period.reason, "work_order_id": period.work_order_id, "work_order_number": number,
            "work_order_title": title,
        })
    summary: dict[str, Any] = {"periods": total}
    if figure == "mttr_hours":  # the card's own arithmetic: total length / count
        length = db.session.execute(
            select(p.started_at, p.ended_at).where(p.warehouse_id == actor.warehouse_id, *where)).all()
        seconds = sum(_seconds(s, e) for s, e in length)
        summary["repair_hours"] = _hours(seconds)
        summary["mttr_hours"] = _hours(seconds / total) if total else None
    return items, total, summary


# --- work orders ------------------------------------------------------------------------------
def _pm_outcome(rule: str) -> Any:
    """on_time / late / open under the warehouse's PM grace rule, as pm_compliance() counts them (the
    percentage rules need PMTemplate joined: needs_template)."""
    wo = WorkOrder
    return case((pm_on_time(rule), "on_time"), (wo.status == "completed", "late"), else_="open")


def _work_orders(actor: Actor, figure: str, start: datetime, end: datetime, page: int, limit: int,
                 outcome: str | None) -> tuple:
    wo = WorkOrder
    minutes = None
    where: list[Any] = [wo.warehouse_id == actor.warehouse_id]
    order: list[Any] = []
    summary: dict[str, Any] = {}
    rule = warehouse_grace(actor.warehouse_id) if figure == "pm_compliance" else None
    if figure == "pm_compliance":
        # As pm_compliance(): due in the window, cancelled ones left out.
        where += [wo.pm_template_id.is_not(None), wo.status != "cancelled",
                  wo.due_date >= _at(start), wo.due_date <= _at(end)]
        # Grouped over a subquery's column: PostgreSQL does not see two renderings of the CASE (each
        # with its own bound literals) as the same expression.
        outcomes = select(_pm_outcome(rule).label("outcome")).where(*where)
        if needs_template(rule):
            outcomes = outcomes.outerjoin(PMTemplate, PMTemplate.id == wo.pm_template_id)
        outcomes = outcomes.subquery()
        counts = db.session.execute(
            select(outcomes.c.outcome, func.count()).group_by(outcomes.c.outcome)).all()
        summary = {"due": 0, "on_time": 0, "late": 0, "open": 0}
        for name, n in counts:
            summary[name] = int(n)
            summary["due"] += int(n)
        summary["overdue"] = db.session.scalar(select(func.count()).select_from(wo).where(
            *where, wo.status.in_(OPEN_STATUSES), wo.due_date < _at(end))) or 0
        if outcome in ("on_time", "late", "open"):
            where.append(_pm_outcome(rule) == outcome)
        elif outcome == "overdue":
            where += [wo.status.in_(OPEN_STATUSES), wo.due_date < _at(end)]
        order = [wo.due_date.desc(), wo.id]
    elif figure == "backlog":
        where.append(wo.status.in_(OPEN_STATUSES))
        summary["open"] = db.session.scalar(select(func.count()).select_from(wo).where(*where)) or 0
        summary["overdue"] = db.session.scalar(select(func.count()).select_from(wo).where(
            *where, wo.due_date < _at(end))) or 0
        if outcome == "overdue":
            where.append(wo.due_date < _at(end))
        # Overdue first, the oldest due date first; then those without a due date, oldest first.
        order = [wo.due_date.is_(None), wo.due_date, wo.created_at, wo.id]
    else:  # planned maintenance: labor performed in the window
        labor = (select(LaborEntry.work_order_id.label("wo_id"), func.sum(LaborEntry.minutes).label("minutes"))
                 .where(LaborEntry.warehouse_id == actor.warehouse_id, LaborEntry.performed_at >= _at(start),
                        LaborEntry.performed_at <= _at(end))
                 .group_by(LaborEntry.work_order_id).subquery())
        minutes = labor.c.minutes
        preventive = wo.type == "preventive"
        totals = db.session.execute(
            select(func.sum(case((preventive, minutes), else_=0)), func.sum(minutes))
            .select_from(labor).join(wo, wo.id == labor.c.wo_id)).one()
        summary = {"preventive_minutes": int(totals[0] or 0), "minutes": int(totals[1] or 0)}
        if outcome == "preventive":
            where.append(preventive)
        elif outcome == "other":
            where.append(~preventive)
        order = [minutes.desc(), wo.id]
    asset = aliased(Equipment)
    stmt = select(wo, asset.asset_tag).outerjoin(asset, asset.id == wo.equipment_id)
    if minutes is not None:
        stmt = stmt.add_columns(minutes).join(labor, labor.c.wo_id == wo.id)
    if rule is not None:
        stmt = stmt.add_columns(_pm_outcome(rule))
        if needs_template(rule):
            stmt = stmt.outerjoin(PMTemplate, PMTemplate.id == wo.pm_template_id)
    stmt = stmt.where(*where)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.execute(stmt.order_by(*order).limit(limit).offset((page - 1) * limit)).all()
    items = []
    for row in rows:
        w, tag = row[0], row[1]
        item = {"id": w.id, "fo_number": w.fo_number, "title": w.title, "type": w.type, "status": w.status,
                "priority": w.priority, "equipment_id": w.equipment_id, "asset_tag": tag, "due_date": w.due_date,
                "completed_at": w.completed_at, "created_at": w.created_at}
        if figure == "pm_compliance":
            if w.status == "completed":
                item["outcome"] = row[2]  # on_time or late, by the grace rule in SQL
            else:
                item["outcome"] = "overdue" if w.due_date < end else "open"
        elif figure == "backlog":
            item["outcome"] = "overdue" if w.due_date is not None and w.due_date < end else "open"
        else:
            item["labor_minutes"] = int(row[2] or 0)
            item["outcome"] = "preventive" if w.type == "preventive" else "other"
        items.append(item)
    return items, total, summary


OUTCOMES = {"pm_compliance": PM_OUTCOMES, "backlog": ("overdue",),
            "planned_maintenance_percentage": ("preventive", "other"), **plan_records.OUTCOMES}


def records(actor: Actor, figure: str, days: int, *, now: datetime | None = None, outcome: str | None = None,
            page: int = 1, limit: int = 50) -> Records:
    """The records behind `figure` over [now - days, now], one page of them, and what the card counts."""
    require(actor, "kpis.read")
    if figure not in KINDS:
        raise NotFound("No such figure: " + ", ".join(sorted(KINDS)) + " have records")
    if outcome and outcome not in OUTCOMES.get(figure, ()):
        choices = OUTCOMES.get(figure, ())
        raise ValidationFailed(None, [{"field": "outcome", "message": (
            "Must be one of: " + ", ".join(choices)) if choices else "This figure has no outcome filter"}])
    start, end = _window(days, now)
    if figure in plan_records.KINDS:
        items, total, summary = plan_records.records(actor, figure, days, start, end, page, limit, outcome)
    elif KINDS[figure] == DOWNTIME:
        items, total, summary = _downtime(actor, figure, start, end, page, limit)
    else:
        items, total, summary = _work_orders(actor, figure, start, end, page, limit, outcome)
    return Records(figure=figure, kind=KINDS[figure], days=days, from_=start, to=end, items=items, total=total,
                   page=page, limit=limit, summary=summary, outcome=outcome or None)


def pm_ahead(actor: Actor, now: datetime) -> tuple[int, datetime | None]:
    """Open PM work orders not due yet, and the next due date: what the PM compliance card says when
    nothing was due in the period (a plant whose PMs are all ahead is not a plant without PM)."""
    require(actor, "kpis.read")
    wo = WorkOrder
    count, first = db.session.execute(
        select(func.count(), func.min(wo.due_date)).where(
            wo.warehouse_id == actor.warehouse_id, wo.pm_template_id.is_not(None), wo.status.in_(OPEN_STATUSES),
            wo.due_date > _at(now))).one()
    return int(count or 0), first
