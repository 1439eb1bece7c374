"""The dashboard's charts at the grain that reads for their period (issue 22: 53 weekly bars on 365
days were squeezed into the chart): by day up to two weeks, by week up to four months, by month
beyond. Same counts as trends() (work orders opened and completed, PM work orders due and done on
time, cancelled PMs left out), over [now - days, now], in UTC like the API's weeks.

One GROUP BY per series by day (at most 366 groups), folded into weeks or months here: the same
queries whatever the grain, on SQLite and PostgreSQL alike. Opened and completed come from the KPI
day rows for the fleet's whole days (services/reporting/days.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from portal.models import PMTemplate, WorkOrder
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require
from portal.services.reporting.kpis import (
    Scope,
    _at,
    _day_rows,
    _floor,
    _in,
    _pct,
    _window,
    needs_template,
    seconds_between,
    warehouse_grace,
)
from portal.services.reporting.kpis import (
    on_time as pm_on_time,
)

DAY = 24 * 3600


def grain(days: int) -> str:
    """The bucket that gives a chart between about 5 and 15 bars for the dashboard's periods."""
    return "day" if days <= 14 else "week" if days <= 120 else "month"


def _bucket_start(day: datetime, unit: str) -> datetime:
    if unit == "week":
        return day - timedelta(days=day.weekday())  # Monday, as the API's weeks
    if unit == "month":
        return day.replace(day=1)
    return day


def _daily(warehouse_id: str, column: Any, spans: list[tuple[datetime, datetime]], anchor: datetime,
           *where: Any, on_time: Any = None, join_template: bool = False) -> dict[int, tuple[int, int]]:
    day = _floor(seconds_between(_at(anchor), column) / DAY)
    extra = func.sum(case((on_time, 1), else_=0)) if on_time is not None else func.count()
    stmt = (select(day, func.count(), extra)
            .where(WorkOrder.warehouse_id == warehouse_id, _in(column, spans), *where)
            .group_by(day))
    if join_template:  # the grace rules in % of the PM's interval read its template
        stmt = stmt.outerjoin(PMTemplate, PMTemplate.id == WorkOrder.pm_template_id)
    rows = db.session.execute(stmt)
    return {int(d): (int(n), int(m or 0)) for d, n, m in rows}


def _opened_and_completed(wid: str, scope: Scope | None, start: datetime, end: datetime,
                          anchor: datetime) -> tuple[dict, dict]:
    """Per day from `anchor`: work orders opened and completed. The fleet's whole days come from the KPI
    day rows (services/reporting/days.py), the window's partial ends (and a scoped request) from the records."""
    rows, ends = _day_rows(wid, scope, start, end)
    opened = {(day - anchor.date()).days: (n, 0) for day, n, _c, *_labor in rows if n}
    completed = {(day - anchor.date()).days: (n, 0) for day, _o, n, *_labor in rows if n}
    if ends:
        in_scope = scope.where(WorkOrder.equipment_id) if scope else []
        opened.update(_daily(wid, WorkOrder.created_at, ends, anchor, *in_scope))
        completed.update(_daily(wid, WorkOrder.completed_at, ends, anchor, *in_scope))
    return opened, completed


def series(actor: Actor, days: int, *, now: datetime | None = None, unit: str | None = None,
           scope: Scope | None = None, pm_grace: str | None = None) -> dict:
    """{"unit", "from_", "to", "buckets": [{start, opened, completed, pm_due, pm_completed_on_time,
    pm_compliance}]}: every bucket of the window in order, zeros included (compliance null when no PM
    was due); the first and last buckets may be partial (they are clipped to the window)."""
    require(actor, "kpis.read")
    start, end = _window(days, now)
    unit = unit or grain(days)
    wid = actor.warehouse_id
    anchor = start.replace(hour=0, minute=0, second=0, microsecond=0)
    wo = WorkOrder
    # The dashboard's filter: one asset's subtree; PM on time under the warehouse's grace rule.
    in_scope = scope.where(wo.equipment_id) if scope else []
    rule = pm_grace or warehouse_grace(wid)
    opened, completed = _opened_and_completed(wid, scope, start, end, anchor)
    pm = _daily(wid, wo.due_date, [(start, end)], anchor, wo.pm_template_id.is_not(None), wo.status != "cancelled",
                *in_scope, on_time=pm_on_time(rule),
                join_template=needs_template(rule))
    buckets: dict[datetime, dict] = {}
    for n in range((end - anchor).days + 1):
        key = _bucket_start(anchor + timedelta(days=n), unit)
        b = buckets.setdefault(key, {"start": key, "opened": 0, "completed": 0, "pm_due": 0,
                                     "pm_completed_on_time": 0})
        b["opened"] += opened.get(n, (0, 0))[0]
        b["completed"] += completed.get(n, (0, 0))[0]
        due, on_time = pm.get(n, (0, 0))
        b["pm_due"] += due
        b["pm_completed_on_time"] += on_time
    for b in buckets.values():
        b["pm_compliance"] = _pct(b["pm_completed_on_time"], b["pm_due"])
    return {"unit": unit, "days": days, "from_": start, "to": end, "buckets": list(buckets.values())}
