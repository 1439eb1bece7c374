"""PM compliance and maintenance KPIs, aggregated in SQL (GROUP BY) so they stay fast at
hundreds of thousands of work orders. Definitions (also in the OpenAPI descriptions):

- PM compliance over the PM work orders (generated from a template) due in [now - days, now],
  cancelled ones left out: compliance = completedOnTime / due x 100, completed on time meaning
  completedAt <= dueDate. due = completedOnTime + completedLate + open; overdue is the part of
  open whose due date has passed.
- Downtime is recorded, never inferred from open work orders: a period starts when the asset
  goes `down` (POST /api/equipment/{id}/status, PATCH status, or a failure work order created
  with equipmentDown) and ends when it leaves `down` (or that work order is completed).
- Each period is planned (a PM, a changeover: its reason code) or unplanned. Only unplanned periods
  count below: a failure is an unplanned period starting inside the window; a repair one ending
  inside it. Planned stops and their downtime are reported beside (plannedStops, plannedDowntimeHours).
- Downtime of an asset = its periods clipped to the window, overlapping periods merged, an open
  period running to the window's end. Operating time = window length - downtime.
- MTTR = total length of the periods that ended in the window / their count, in hours.
- MTBF of an asset = its operating time / its failures (null without failures); fleet MTBF = sum
  of operating time over all non-retired assets / all failures.
- Availability = operating time / window length x 100, per asset; fleet: summed over non-retired
  assets.
- Planned maintenance percentage = labor minutes on preventive work orders / all labor minutes
  x 100, labor counted by when it was performed.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Integer

from portal.models import OPEN_STATUSES, DowntimePeriod, Equipment, LaborEntry, PartConsumption, PMTemplate, WorkOrder
from portal.models.types import UTCDateTime, utcnow
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require

COMPLIANCE_DEFINITION = (
    "Over the PM work orders (created from a PM template) whose dueDate is in [now - days, now], cancelled "
    "ones left out (counted in `cancelled`): due = completedOnTime + completedLate + open; completedOnTime: "
    "completedAt <= dueDate; completedLate: completedAt > dueDate; open: not completed yet; overdue: the "
    "open ones whose dueDate has passed (a part of open). compliance = completedOnTime / due x 100, two "
    "places (null when nothing was due). byTemplate and byEquipment break the same counts down."
)
KPI_DEFINITIONS = (
    "Window: [now - days, now]. Downtime is recorded (GET /api/equipment/{id}/downtime): a period starts "
    "when the equipment goes `down` and ends when it leaves `down`; open work orders do not count. Each "
    "period is planned or unplanned (its reasonCode); only UNPLANNED periods count in failures, repairs, "
    "downtime, MTBF, MTTR and availability.\n\n"
    "- failures: unplanned downtime periods starting in the window; repairs: those ending in the window.\n"
    "- plannedStops, plannedDowntimeHours: the planned periods (PM, changeover, shutdown...) starting in the "
    "window, and their downtime clipped to it (overlaps merged), over non-retired assets: reported beside.\n"
    "- downtimeHours (per asset) = its periods clipped to the window, overlapping periods merged once, an open "
    "period running to the window's end.\n"
    "- operatingHours (per asset) = window length - downtime; fleet: sum over non-retired assets.\n"
    "- mttrHours = total length of the periods ended in the window / repairs.\n"
    "- mtbfHours = operatingHours / failures (per asset; fleet: all assets), null without failures.\n"
    "- availability = operatingHours / window length x 100 (fleet: over non-retired assets).\n"
    "- plannedMaintenancePercentage = labor minutes on preventive work orders / all labor minutes x 100, "
    "labor counted by performedAt in the window.\n"
    "- backlog: open work orders now, sum of their estimatedDuration in hours, how many have no estimate, "
    "how many are past their due date.\n"
    "- workOrdersPerWeek: work orders created / completed per week (Monday 00:00 UTC) in the window.\n"
    "- assets: per asset failures, repairs, downtime, MTBF, MTTR, availability, labor minutes and parts "
    "cost (consumedAt in the window); topAssets: the 5 with most downtime, then most failures."
)
FAILURE_TYPES = ("corrective", "emergency")
WEEK = 7 * 24 * 3600


def _at(value: datetime) -> ColumnElement:
    """A time as a typed SQL value: stored the same way as the columns it is compared with."""
    return literal(value, UTCDateTime())


def seconds_between(start: Any, end: Any) -> ColumnElement:
    """end - start in seconds, as SQL, on SQLite (julianday) and PostgreSQL (epoch)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


def _floor(expr: ColumnElement) -> ColumnElement:
    # SQLite's CAST truncates (fine for the non-negative values used here); PostgreSQL's rounds.
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(expr, Integer)
    return cast(func.floor(expr), Integer)


def _later(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    return case((a > b, a), else_=b)


def _earlier(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    return case((a < b, a), else_=b)


def _pct(part: float, whole: float) -> float | None:
    return round(part / whole * 100, 2) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _window(days: int, now: datetime | None) -> tuple[datetime, datetime]:
    to = now or utcnow()
    return to - timedelta(days=days), to


# --- PM compliance ---------------------------------------------------------------------------

def _counts(due: int, on_time: int, late: int, overdue: int, open_: int) -> dict:
    return {"due": due, "completed_on_time": on_time, "completed_late": late, "overdue": overdue, "open": open_,
            "compliance": _pct(on_time, due)}


def pm_compliance(actor: Actor, days: int, *, now: datetime | None = None) -> dict:
    require(actor, "pm.read")
    start, end = _window(days, now)
    wo = WorkOrder
    live = wo.status != "cancelled"
    rows = db.session.execute(
        select(
            wo.pm_template_id, wo.equipment_id,
            func.sum(case((live, 1), else_=0)),
            func.sum(case((and_(wo.status == "completed", wo.completed_at <= wo.due_date), 1), else_=0)),
            func.sum(case((and_(wo.status == "completed", wo.completed_at > wo.due_date), 1), else_=0)),
            func.sum(case((and_(wo.status.in_(OPEN_STATUSES), wo.due_date < _at(end)), 1), else_=0)),
            func.sum(case((wo.status.in_(OPEN_STATUSES), 1), else_=0)),
            func.sum(case((wo.status == "cancelled", 1), else_=0)),
        )
        .where(wo.warehouse_id == actor.warehouse_id, wo.pm_template_id.is_not(None),
               wo.due_date >= _at(start), wo.due_date <= _at(end))
        .group_by(wo.pm_template_id, wo.equipment_id)
    ).all()
    # The groups are few (templates x equipment): the totals are summed from them here.
    total = [0] * 6
    by_template: dict[str, list[int]] = {}
    by_equipment: dict[str | None, list[int]] = {}
    for template_id, equipment_id, *numbers in rows:
        numbers = [int(n or 0) for n in numbers]
        for bucket in (total, by_template.setdefault(template_id, [0] * 6),
                       by_equipment.setdefault(equipment_id, [0] * 6)):
            for i, n in enumerate(numbers):
                bucket[i] += n
    names = dict(db.session.execute(select(PMTemplate.id, PMTemplate.name).where(
        PMTemplate.id.in_(list(by_template)))).all()) if by_template else {}
    tags = dict(db.session.execute(select(Equipment.id, Equipment.asset_tag).where(
        Equipment.id.in_([e for e in by_equipment if e]))).all()) if by_equipment else {}
    return {
        "days": days, "from_": start, "to": end, **_counts(*total[:5]), "cancelled": total[5],
        "by_template": sorted(
            ({"template_id": t, "name": names.get(t, ""), **_counts(*n[:5])} for t, n in by_template.items()),
            key=lambda r: (r["name"], r["template_id"])),
        "by_equipment": sorted(
            ({"equipment_id": e, "asset_tag": tags.get(e), **_counts(*n[:5])} for e, n in by_equipment.items()),
            key=lambda r: (r["asset_tag"] or "", r["equipment_id"] or "")),
    }


# --- KPIs ------------------------------------------------------------------------------------

def _downtime_rows(warehouse_id: str, start: datetime, end: datetime, *, planned: bool = False) -> list[tuple]:
    """Per asset, from the recorded unplanned (or, with `planned`, planned) downtime periods: failures (periods starting in the window),
    downtime seconds (the periods clipped to the window, overlaps merged, an open one running to the
    window's end), repairs (periods ended in the window) and their total length in seconds.

    Periods are few next to work orders (one per breakdown), so they are merged here in Python.
    """
    p = DowntimePeriod
    rows = db.session.execute(
        select(p.equipment_id, p.started_at, p.ended_at)
        .where(p.warehouse_id == warehouse_id, p.planned.is_(planned), p.started_at <= _at(end),
               or_(p.ended_at.is_(None), p.ended_at >= _at(start)))
        .order_by(p.equipment_id, p.started_at)
    ).all()
    per_asset: dict[str, list] = {}
    for eid, started, ended in rows:
        per_asset.setdefault(eid, []).append((started, ended))
    result = []
    for eid, periods in per_asset.items():
        failures = sum(1 for started, _ in periods if start <= started <= end)
        repaired = [(started, ended) for started, ended in periods if ended is not None and start <= ended <= end]
        repair_seconds = sum((ended - started).total_seconds() for started, ended in repaired)
        downtime, covered_to = 0.0, start
        for started, ended in periods:  # ordered by start: each adds what reaches past the last end
            lo, hi = max(started, covered_to), min(ended or end, end)
            if hi > lo:
                downtime += (hi - lo).total_seconds()
            covered_to = max(covered_to, hi)
        result.append((eid, failures, downtime, len(repaired), repair_seconds))
    return result


def _weekly(warehouse_id: str, column: Any, start: datetime, end: datetime, anchor: datetime) -> dict[int, int]:
    week = _floor(seconds_between(_at(anchor), column) / WEEK)
    rows = db.session.execute(
        select(week, func.count())
        .where(WorkOrder.warehouse_id == warehouse_id, column >= _at(start), column <= _at(end))
        .group_by(week)
    )
    return {int(w): int(n) for w, n in rows}


def _open_at(at: datetime) -> ColumnElement:
    """Open at `at` (so the previous period's backlog can be compared): created by then, not completed by
    then, not cancelled by then. A cancelled work order changes no more (only its notes), so its
    updatedAt is when it was cancelled. At `at` = now this is exactly the open statuses."""
    wo = WorkOrder
    return and_(wo.created_at <= _at(at), or_(wo.completed_at.is_(None), wo.completed_at > _at(at)),
                or_(wo.status.in_(OPEN_STATUSES), wo.status == "completed",
                    and_(wo.status == "cancelled", wo.updated_at > _at(at))))


def _week_anchor(start: datetime) -> datetime:
    """Weeks start on Monday 00:00 UTC; the first is the week holding the window's start."""
    return (start - timedelta(days=start.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def _week_count(anchor: datetime, end: datetime) -> int:
    return int((end - anchor).total_seconds() // WEEK) + 1


def _work_orders_per_week(warehouse_id: str, start: datetime, end: datetime) -> list[dict]:
    anchor = _week_anchor(start)
    opened = _weekly(warehouse_id, WorkOrder.created_at, start, end, anchor)
    completed = _weekly(warehouse_id, WorkOrder.completed_at, start, end, anchor)
    return [{"week_start": anchor + timedelta(weeks=w), "opened": opened.get(w, 0),
             "completed": completed.get(w, 0)} for w in range(_week_count(anchor, end))]


def kpis(actor: Actor, days: int, *, now: datetime | None = None) -> dict:
    require(actor, "kpis.read")
    start, end = _window(days, now)
    wid = actor.warehouse_id
    window_seconds = (end - start).total_seconds()

    equipment = db.session.execute(
        select(Equipment.id, Equipment.asset_tag, Equipment.status).where(Equipment.warehouse_id == wid)
        .order_by(Equipment.asset_tag)
    ).all()
    assets: dict[str, dict] = {
        eid: {"equipment_id": eid, "asset_tag": tag, "status": status, "failures": 0, "downtime": 0.0,
              "repairs": 0, "repair_seconds": 0.0, "labor_minutes": 0, "parts_cost": Decimal("0.00"),
              "planned_stops": 0, "planned_downtime": 0.0}
        for eid, tag, status in equipment
    }
    # Planned stops (a PM, a changeover) are no failures: reported beside MTBF and availability only.
    fleet_planned_stops, fleet_planned_seconds = 0, 0.0
    for eid, stops, downtime, _repairs, _seconds in _downtime_rows(wid, start, end, planned=True):
        if eid in assets:
            assets[eid]["planned_stops"], assets[eid]["planned_downtime"] = int(stops or 0), float(downtime or 0)
            if assets[eid]["status"] != "retired":
                fleet_planned_stops += int(stops or 0)
                fleet_planned_seconds += float(downtime or 0)
    total_repairs, total_repair_seconds = 0, 0.0
    for eid, failures, downtime, repairs, repair_seconds in _downtime_rows(wid, start, end):
        total_repairs += int(repairs or 0)
        total_repair_seconds += float(repair_seconds or 0)
        if eid in assets:
            a = assets[eid]
            a["failures"], a["downtime"] = int(failures or 0), float(downtime or 0)
            a["repairs"], a["repair_seconds"] = int(repairs or 0), float(repair_seconds or 0)

    preventive = WorkOrder.type == "preventive"
    labor_rows = db.session.execute(
        select(WorkOrder.equipment_id, func.sum(case((preventive, LaborEntry.minutes), else_=0)),
               func.sum(LaborEntry.minutes))
        .join(WorkOrder, WorkOrder.id == LaborEntry.work_order_id)
        .where(LaborEntry.warehouse_id == wid, LaborEntry.performed_at >= _at(start),
               LaborEntry.performed_at <= _at(end))
        .group_by(WorkOrder.equipment_id)
    ).all()
    preventive_minutes = total_minutes = 0
    for eid, prev_minutes, minutes in labor_rows:
        preventive_minutes += int(prev_minutes or 0)
        total_minutes += int(minutes or 0)
        if eid in assets:
            assets[eid]["labor_minutes"] = int(minutes or 0)

    for eid, cost in db.session.execute(
        select(WorkOrder.equipment_id, func.sum(PartConsumption.total_cost))
        .join(WorkOrder, WorkOrder.id == PartConsumption.work_order_id)
        .where(PartConsumption.warehouse_id == wid, PartConsumption.consumed_at >= _at(start),
               PartConsumption.consumed_at <= _at(end))
        .group_by(WorkOrder.equipment_id)
    ):
        if eid in assets:
            assets[eid]["parts_cost"] = Decimal(cost or 0).quantize(Decimal("0.01"))

    open_count, estimated, estimated_count, overdue = db.session.execute(
        select(func.count(), func.sum(WorkOrder.estimated_duration), func.count(WorkOrder.estimated_duration),
               func.sum(case((WorkOrder.due_date < _at(end), 1), else_=0)))
        .where(WorkOrder.warehouse_id == wid, _open_at(end))
    ).one()

    per_week = _work_orders_per_week(wid, start, end)

    asset_rows = []
    fleet_operating, fleet_failures, fleet_window = 0.0, 0, 0.0
    for a in assets.values():
        operating = max(window_seconds - a["downtime"], 0.0)
        if a["status"] != "retired":
            fleet_operating += operating
            fleet_window += window_seconds
        fleet_failures += a["failures"]
        mtbf = operating / a["failures"] if a["failures"] else None
        mttr = a["repair_seconds"] / a["repairs"] if a["repairs"] else None
        asset_rows.append({
            "equipment_id": a["equipment_id"], "asset_tag": a["asset_tag"], "failures": a["failures"],
            "repairs": a["repairs"], "downtime_hours": _hours(a["downtime"]), "operating_hours": _hours(operating),
            "mtbf_hours": _hours(mtbf), "mttr_hours": _hours(mttr), "availability": _pct(operating, window_seconds),
            "labor_minutes": a["labor_minutes"], "parts_cost": a["parts_cost"],
            "planned_stops": a["planned_stops"], "planned_downtime_hours": _hours(a["planned_downtime"]),
        })
    mttr = total_repair_seconds / total_repairs if total_repairs else None
    mtbf = fleet_operating / fleet_failures if fleet_failures else None
    top = sorted((r for r in asset_rows if r["failures"] or r["downtime_hours"]),
                 key=lambda r: (-(r["downtime_hours"] or 0), -r["failures"], r["asset_tag"]))[:5]
    return {
        "days": days, "from_": start, "to": end,
        "mttr_hours": _hours(mttr), "repairs": total_repairs,
        "mtbf_hours": _hours(mtbf), "failures": fleet_failures, "operating_hours": _hours(fleet_operating),
        "availability": _pct(fleet_operating, fleet_window),
        "planned_stops": fleet_planned_stops, "planned_downtime_hours": _hours(fleet_planned_seconds),
        "planned_maintenance_percentage": _pct(preventive_minutes, total_minutes),
        "preventive_labor_minutes": preventive_minutes, "labor_minutes": total_minutes,
        "backlog": {"open": int(open_count or 0), "estimated_hours": round(int(estimated or 0) / 60, 2),
                    "unestimated": int(open_count or 0) - int(estimated_count or 0), "overdue": int(overdue or 0)},
        "work_orders_per_week": per_week,
        "assets": asset_rows,
        "top_assets": top,
    }



# --- Trends and the dashboard's comparison with the previous period ---------------------------

def _pm_weekly(warehouse_id: str, start: datetime, end: datetime, anchor: datetime) -> dict[int, tuple[int, int]]:
    """Per week of dueDate: PM work orders due (cancelled left out) and completed on time, as in pm_compliance."""
    wo = WorkOrder
    week = _floor(seconds_between(_at(anchor), wo.due_date) / WEEK)
    rows = db.session.execute(
        select(week, func.count(),
               func.sum(case((and_(wo.status == "completed", wo.completed_at <= wo.due_date), 1), else_=0)))
        .where(wo.warehouse_id == warehouse_id, wo.pm_template_id.is_not(None), wo.status != "cancelled",
               wo.due_date >= _at(start), wo.due_date <= _at(end))
        .group_by(week)
    )
    return {int(w): (int(due), int(on_time or 0)) for w, due, on_time in rows}


def trends(actor: Actor, days: int, *, now: datetime | None = None) -> dict:
    """Weekly series over [now - days, now]: work orders opened and completed, PM due and done on time.

    One GROUP BY query per series (three in all), whatever the number of weeks; a week without any
    work order is there with zeros (its compliance null: nothing was due).
    """
    require(actor, "kpis.read")
    start, end = _window(days, now)
    wid = actor.warehouse_id
    anchor = _week_anchor(start)
    pm = _pm_weekly(wid, start, end, anchor)
    weeks = []
    for row in _work_orders_per_week(wid, start, end):
        due, on_time = pm.get(len(weeks), (0, 0))
        weeks.append({**row, "pm_due": due, "pm_completed_on_time": on_time, "pm_compliance": _pct(on_time, due)})
    return {"days": days, "from_": start, "to": end, "weeks": weeks}


class Figure:
    """A headline figure of the dashboard: where it comes from, its unit, which way is better."""

    def __init__(self, key: str, label: str, unit: str, better: str, definition: str):
        self.key, self.label, self.unit, self.better, self.definition = key, label, unit, better, definition


# One place for the short definitions: the dashboard shows them, the OpenAPI descriptions use them.
FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("mttr_hours", "MTTR", "h", "lower",
           "Mean time to repair: total length of the downtime periods that ended in the period ÷ their number."),
    Figure("mtbf_hours", "MTBF", "h", "higher",
           "Mean time between failures: operating hours of the non-retired assets ÷ failures (unplanned "
           "downtime periods starting in the period; planned stops are no failures)."),
    Figure("availability", "Availability", "%", "higher",
           "Operating hours (period length − unplanned downtime) ÷ period length × 100, over non-retired "
           "assets. Planned stops are left out and reported beside."),
    Figure("planned_downtime_hours", "Planned downtime", "h", "neither",
           "Hours of planned stops (preventive work, changeovers, shutdowns) in the period, over non-retired "
           "assets: not failures, so outside MTBF and availability."),
    Figure("planned_maintenance_percentage", "Planned maintenance", "%", "higher",
           "Labor minutes on preventive work orders ÷ all labor minutes performed in the period × 100."),
    Figure("pm_compliance", "PM compliance", "%", "higher",
           "PM work orders due in the period (cancelled left out) completed by their due date ÷ all of "
           "them due × 100."),
    Figure("backlog", "Backlog", "open", "lower",
           "Work orders open at the period's end (new, assigned, in progress, on hold); compared with "
           "those open at the previous period's end."),
)}


def _change(figure: Figure, value: float | None, previous: float | None) -> dict:
    if value is None or previous is None:
        return {"change": None, "direction": None, "verdict": None}
    change = round(value - previous, 2)
    if change == 0:
        return {"change": 0, "direction": "same", "verdict": "same"}
    direction = "up" if change > 0 else "down"
    if figure.better == "neither":  # more planned stops is neither good nor bad by itself
        return {"change": change, "direction": direction, "verdict": None}
    good = (direction == "up") == (figure.better == "higher")
    return {"change": change, "direction": direction, "verdict": "better" if good else "worse"}


def dashboard(actor: Actor, days: int, *, now: datetime | None = None) -> dict:
    """The KPI dashboard: kpis() and pm_compliance() for this period and the previous one of the same
    length (ending where this one starts), the figures with their change, and the weekly trends."""
    require(actor, "kpis.read")
    end = now or utcnow()
    before = end - timedelta(days=days)
    current, previous = kpis(actor, days, now=end), kpis(actor, days, now=before)
    compliance, previous_compliance = pm_compliance(actor, days, now=end), pm_compliance(actor, days, now=before)
    values = {key: (current[key], previous[key]) for key in
              ("mttr_hours", "mtbf_hours", "availability", "planned_downtime_hours",
               "planned_maintenance_percentage")}
    values["pm_compliance"] = (compliance["compliance"], previous_compliance["compliance"])
    values["backlog"] = (current["backlog"]["open"], previous["backlog"]["open"])
    figures = [{"key": f.key, "label": f.label, "unit": f.unit, "better": f.better, "definition": f.definition,
                "value": values[f.key][0], "previous": values[f.key][1], **_change(f, *values[f.key])}
               for f in FIGURES.values()]
    return {"days": days, "from_": current["from_"], "to": end, "previous_from": previous["from_"],
            "figures": figures, "kpis": current, "previous_kpis": previous, "compliance": compliance,
            "previous_compliance": previous_compliance, "trends": trends(actor, days, now=end)}
