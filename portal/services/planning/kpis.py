"""The weekly plan's KPIs (SMRP 5.3.x and 5.4.x; docs/domain.md "The weekly plan").

Window [now - days, now]; weeks are Monday to Sunday, by UTC dates. The plans measured are the
frozen ones whose weekStart lies in the window.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, literal, select

from portal.models import OPEN_STATUSES, LaborEntry, WorkOrder
from portal.models.planning import Schedule, ScheduleItem
from portal.models.types import UTCDateTime, utcnow
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require
from portal.services.planning.schedules import crew_weekly_hours, monday_of
from portal.services.reporting.kpis import labor_minutes

# One place for the formulas: the KPI page, the OpenAPI description and docs/domain.md say the same.
DEFINITIONS: dict[str, str] = {
    "scheduleCompliance": (
        "Hours of the frozen plans' items (break-in left out) whose work order was completed within the "
        "item's week (Monday 00:00 to next Monday 00:00 UTC) ÷ all those hours × 100."),
    "breakInShare": (
        "Hours added to the plans after their freeze (break-in) ÷ all hours on those plans × 100."),
    "plannedWorkPercent": (
        "Labor minutes performed in the period on work orders of a frozen plan (not break-in), within that "
        "plan's week ÷ all labor minutes performed in the period × 100."),
    "backlogCrewWeeks": (
        "Estimated hours (estimatedDuration) of the work orders open now ÷ the crew's (active technicians') "
        "hours in the coming week net of absences."),
}
DESCRIPTION = (
    "The weekly plan's KPIs over [now - days, now]; the plans measured are the frozen ones whose weekStart "
    "is in the window.\n\n" + "\n".join(f"- {k} = {v}" for k, v in DEFINITIONS.items()))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _typed(value: datetime):
    """A time as a typed SQL value, stored as the column it is compared with."""
    return literal(value, UTCDateTime())


def _pct(part: float, whole: float) -> float | None:
    return round(part / whole * 100, 2) if whole else None


def planning_kpis(actor: Actor, days: int, *, now: datetime | None = None, labor: int | None = None) -> dict:
    """The plan's figures over [now - days, now]. `labor`: the warehouse's labor minutes performed in
    that window when the caller has just counted them (the KPI page: kpis() of the same window)."""
    require(actor, "kpis.read")
    end = now or utcnow()
    start = end - timedelta(days=days)
    wid = actor.warehouse_id
    rows = db.session.execute(
        select(Schedule.week_start, ScheduleItem.work_order_id, ScheduleItem.hours, ScheduleItem.break_in,
               WorkOrder.status, WorkOrder.completed_at)
        .join(ScheduleItem, ScheduleItem.schedule_id == Schedule.id)
        .join(WorkOrder, WorkOrder.id == ScheduleItem.work_order_id)
        .where(Schedule.warehouse_id == wid, Schedule.frozen_at.is_not(None),
               Schedule.week_start >= start.date(), Schedule.week_start <= end.date())).all()
    weeks = db.session.scalar(select(func.count()).select_from(Schedule).where(
        Schedule.warehouse_id == wid, Schedule.frozen_at.is_not(None),
        Schedule.week_start >= start.date(), Schedule.week_start <= end.date()))
    scheduled = done = break_in = 0.0
    planned_weeks: dict[str, list[tuple[datetime, datetime]]] = {}
    for week_start, wo_id, hours, is_break_in, status, completed_at in rows:
        hours = float(hours)
        if is_break_in:
            break_in += hours
            continue
        first, after = _start_of(week_start), _start_of(week_start + timedelta(days=7))
        scheduled += hours
        if status == "completed" and completed_at is not None and first <= completed_at < after:
            done += hours
        planned_weeks.setdefault(wo_id, []).append((first, after))

    window = (LaborEntry.warehouse_id == wid, LaborEntry.performed_at >= _typed(start), LaborEntry.performed_at <= _typed(end))
    if labor is None:
        _preventive, labor = labor_minutes(actor, start, end)  # the KPI day rows (services/reporting/days.py)
    planned_minutes = 0
    if planned_weeks:
        for wo_id, performed_at, minutes in db.session.execute(
                select(LaborEntry.work_order_id, LaborEntry.performed_at, LaborEntry.minutes)
                .where(*window, LaborEntry.work_order_id.in_(list(planned_weeks)))):
            if any(first <= performed_at < after for first, after in planned_weeks[wo_id]):
                planned_minutes += int(minutes)

    estimated = db.session.scalar(select(func.coalesce(func.sum(WorkOrder.estimated_duration), 0)).where(
        WorkOrder.warehouse_id == wid, WorkOrder.status.in_(OPEN_STATUSES)))
    open_hours = round(int(estimated or 0) / 60, 2)
    crew = crew_weekly_hours(wid, monday_of(end.date()) + timedelta(days=7))
    return {
        "days": days, "from_": start, "to": end, "weeks": int(weeks or 0),
        "scheduled_hours": round(scheduled, 2), "done_as_scheduled_hours": round(done, 2),
        "schedule_compliance": _pct(done, scheduled),
        "break_in_hours": round(break_in, 2), "break_in_share": _pct(break_in, scheduled + break_in),
        "planned_labor_minutes": planned_minutes, "labor_minutes": labor,
        "planned_work_percent": _pct(planned_minutes, labor),
        "open_estimated_hours": open_hours, "crew_weekly_hours": crew,
        "backlog_crew_weeks": round(open_hours / crew, 2) if crew else None,
        "definitions": DEFINITIONS,
    }
