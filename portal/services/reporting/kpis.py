"""PM compliance and maintenance KPIs, aggregated in SQL (GROUP BY) so they stay fast at
hundreds of thousands of work orders. Definitions (also in the OpenAPI descriptions):

- PM compliance over the PM work orders (generated from a template) due in [now - days, now],
  cancelled ones left out: compliance = completedOnTime / due x 100, completed on time meaning
  completedAt <= dueDate + grace (the warehouse's pmGrace rule). due = completedOnTime + completedLate + open; overdue is the part of
  open whose due date has passed.
- Downtime is recorded, never inferred from open work orders: a period starts when the asset
  goes `down` (POST /api/equipment/{id}/status, PATCH status, or a failure work order created
  with equipmentDown) and ends when it leaves `down` (or that work order is completed).
- Each period is planned (a PM, a changeover: its reason code) or unplanned. Only unplanned periods
  count below: a failure is an unplanned period starting inside the window; a repair one ending
  inside it. Planned stops and their downtime are reported beside (plannedStops, plannedDowntimeHours).
- Downtime of an asset = its periods clipped to the window, overlapping periods merged, an open
  period running to the window's end. Fleet operating time = non-retired assets x window - their
  unplanned downtime: a count and one aggregate over the periods of the window (merged in SQL), never
  a row per asset of the warehouse (100,000 assets took ~30 s per request: bench/README.md "kpis.py").
- Work orders opened and completed per week and the labor sums come from the day rows of the window's
  whole days (services/reporting/days.py) plus the records of its two partial days; a rollup over an
  asset's subtree counts the records.
- MTTR (SMRP 3.5.2, the default basis failureToRestore) = total length of the periods that ended in
  the window / their count, in hours. repairStartToRestore starts each at its work order's recorded
  repair start; the mean response time (failure -> first response) is reported beside.
- MTBF of an asset = its operating time / its failures (null without failures); fleet MTBF = fleet
  operating time / all failures.
- Availability = operating time / (non-retired assets x window length) x 100.
- Planned maintenance percentage = labor minutes on preventive work orders / all labor minutes
  x 100, labor counted by when it was performed.
- PM compliance: on time = completed by dueDate + the grace of the warehouse's rule (PM_GRACE).
- Per-asset rows: the assets with downtime in the window, the `asset_limit` with most downtime.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, cast, func, literal, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Integer

from portal.models import (
    OPEN_STATUSES,
    DowntimePeriod,
    Equipment,
    LaborEntry,
    PartConsumption,
    PMTemplate,
    Warehouse,
    WorkOrder,
)
from portal.models.types import UTCDateTime, utcnow
from portal.platform.extensions import db
from portal.services.assets.hierarchy import subtree_ids
from portal.services.common.actor import Actor
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.reporting import days

COMPLIANCE_DEFINITION = (
    "Over the PM work orders (created from a PM template) whose dueDate is in [now - days, now], cancelled "
    "ones left out (counted in `cancelled`): due = completedOnTime + completedLate + open; completedOnTime: "
    "completedAt <= dueDate + grace; completedLate: completed after that; open: not completed yet; overdue: "
    "the open ones whose dueDate has passed (a part of open). compliance = completedOnTime / due x 100, two "
    "places (null when nothing was due). byTemplate and byEquipment break the same counts down.\n\n"
    "Grace (`pmGrace`, the warehouse's setting in GET/PATCH /api/warehouse unless the query names one): "
    "dueDate, none; oneDay, 24 h; tenPercent, 10 % of the PM's interval; smrp, 20 % of the interval capped "
    "at 28 days. Completed exactly at dueDate + grace is on time. The interval of a calendar PM is its "
    "template's frequency in days; of a meter PM, its template's leadDays (the days it allows once the meter "
    "reaches the threshold). `equipmentId` (+ `includeChildren`) limits the counts to one asset (and the "
    "assets below it)."
)
KPI_DEFINITIONS = (
    "Window: [now - days, now]. Downtime is recorded (GET /api/equipment/{id}/downtime): a period starts "
    "when the equipment goes `down` and ends when it leaves `down`; open work orders do not count. Each "
    "period is planned or unplanned (its reasonCode); only UNPLANNED periods count in failures, repairs, "
    "downtime, MTBF, MTTR and availability.\n\n"
    "- Scope: the whole warehouse, or with `equipmentId` that asset, and with `includeChildren=true` every "
    "asset below it (parentId); another warehouse's asset is a 404. Work orders count by their equipmentId.\n"
    "- failures: unplanned downtime periods starting in the window; repairs: those ending in the window.\n"
    "- plannedStops, plannedDowntimeHours: the planned periods (PM, changeover, shutdown...) starting in the "
    "window, and their downtime clipped to it (overlaps merged), over non-retired assets: reported beside.\n"
    "- downtimeHours (per asset) = its periods clipped to the window, overlapping periods merged once, an open "
    "period running to the window's end.\n"
    "- assetsInService: non-retired assets in scope. operatingHours = assetsInService x window hours - their "
    "unplanned downtime hours.\n"
    "- mttrHours (mttrBasis=failureToRestore, the default; SMRP 3.5.2) = sum of (end - start) of the periods "
    "ended in the window / repairs. mttrBasis=repairStartToRestore: sum of (end - repair start) / the repairs "
    "whose work order recorded a repair start (first in_progress, or the start of its earliest labor: "
    "performedAt - minutes), clipped to the period; mttrRepairs says how many repairs the mean is over.\n"
    "- meanResponseHours = sum of (first response - failure) / responses, over the repairs whose work order "
    "recorded a response (it left `new`: assigned, started, held or completed); clipped to the period.\n"
    "- mtbfHours = operatingHours / failures (per asset: its own), null without failures.\n"
    "- availability = operatingHours / (assetsInService x window hours) x 100.\n"
    "- plannedMaintenancePercentage = labor minutes on preventive work orders / all labor minutes x 100, "
    "labor counted by performedAt in the window.\n"
    "- pmCompliance, pmDue, pmCompletedOnTime, pmGrace: as GET /api/pm-compliance over the same window and "
    "scope (its description gives the grace rules).\n"
    "- backlog: open work orders now, sum of their estimatedDuration in hours, how many have no estimate, "
    "how many are past their due date.\n"
    "- workOrdersPerWeek: work orders created / completed per week (Monday 00:00 UTC) in the window.\n"
    "- assets: one row per asset WITH DOWNTIME (planned or unplanned) in the window, most unplanned "
    "downtime first (then failures, planned downtime, asset tag), at most `assetLimit` rows (default 100); "
    "assetsWithDowntime says how many there were. Assets without downtime are not listed (their labor and "
    "parts still count in the fleet figures). Per row: failures, repairs, downtime, MTBF, MTTR "
    "(failureToRestore), availability, labor minutes and parts cost (consumedAt in the window); topAssets: "
    "the first 5 with unplanned downtime or failures."
)
FAILURE_TYPES = ("corrective", "emergency")
WEEK = 7 * 24 * 3600


def _at(value: datetime) -> ColumnElement:
    """A time as a typed SQL value: stored the same way as the columns it is compared with."""
    return literal(value, UTCDateTime())


def seconds_between(start: Any, end: Any) -> ColumnElement:
    """end - start in seconds, as SQL, on SQLite (julianday) and PostgreSQL (epoch).

    PostgreSQL: date_part, a double, not EXTRACT, which has answered numeric since PostgreSQL 14:
    summing tens of thousands of numerics per KPI request cost a fifth of the downtime statement
    (bench/README.md, kpis.py). A double holds a span to the microsecond for centuries."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.date_part(literal_column("'epoch'"), end - start)


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


# --- Scope: the whole warehouse, or one asset and (includeChildren) its subtree ----------------

class Scope:
    """Which assets the figures cover: the warehouse's (equipment_id None) or one asset's subtree
    (services/assets/hierarchy.subtree_ids). `ids` is a SELECT to use as `column.in_(scope.ids)`."""

    def __init__(self, actor: Actor, equipment_id: str | None = None, include_children: bool = False):
        self.warehouse_id = actor.warehouse_id
        self.equipment_id = equipment_id
        self.include_children = bool(include_children) and equipment_id is not None
        self.ids = None
        if equipment_id is not None:
            get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")  # another warehouse's: 404
            self.ids = subtree_ids(actor.warehouse_id, equipment_id, include_children=self.include_children)
            # A subquery in each statement, not the ids read once and passed as a list: with 2,499 ids
            # in an IN list PostgreSQL chose plans that took 13.7 s for a year (792 ms with the
            # subquery; bench/README.md, kpis.py).

    def where(self, column: Any) -> list:
        """The condition restricting `column` (an equipment id) to the scope; none for the warehouse."""
        return [] if self.ids is None else [column.in_(self.ids)]

    def echo(self) -> dict:
        return {"equipment_id": self.equipment_id, "include_children": self.include_children}


def _scope(actor: Actor, scope: Scope | None) -> Scope:
    return scope if scope is not None else Scope(actor)


# --- PM compliance ---------------------------------------------------------------------------

DAY = 24 * 3600
# The grace rules of PM compliance (maintenance-domain.md): a PM is on time when completed no later
# than its due date + the grace. The PM's interval: a calendar template's frequency in days; a meter
# template's leadDays (its due date is the day the meter reached the threshold + leadDays, the only
# span in days a meter PM has: docs/decisions.md "PM grace of a meter-based PM").
PM_GRACE = {
    "dueDate": "on time when completed by its due date (no grace)",
    "oneDay": "on time when completed within 1 day after its due date",
    "tenPercent": "on time when completed within 10 % of the PM's interval after its due date",
    "smrp": "on time when completed within 20 % of the PM's interval, at most 28 days, after its due date (SMRP)",
}
PM_GRACE_DEFAULT = "dueDate"
INTERVAL_DEFINITION = ("The interval of a calendar PM is its template's frequency in days; of a meter PM, its "
                       "template's leadDays (the days allowed once the meter reaches the threshold).")


def _interval_days() -> ColumnElement:
    return case((PMTemplate.frequency_type == "calendar", PMTemplate.frequency), else_=PMTemplate.lead_days)


def grace_seconds(rule: str) -> ColumnElement | int:
    """The grace of `rule` in whole seconds, as SQL over the PM template's columns (an int for the fixed
    rules). Integer arithmetic: 10 % of a day is 8,640 s, 20 % is 17,280 s; so the boundary is exact."""
    if rule == "dueDate":
        return 0
    if rule == "oneDay":
        return DAY
    days = func.coalesce(_interval_days(), 0)
    if rule == "tenPercent":
        return days * (DAY // 10)
    if rule == "smrp":
        cap = 28 * DAY
        return case((days * (DAY // 5) > cap, cap), else_=days * (DAY // 5))
    raise ValueError(f"unknown PM grace rule {rule!r}")


def needs_template(rule: str) -> bool:
    """The percentage rules read the PM's interval: the query joins its template."""
    return rule in ("tenPercent", "smrp")


def on_time(rule: str = PM_GRACE_DEFAULT) -> ColumnElement:
    """Completed on time under `rule`: completedAt <= dueDate + grace (exactly at the boundary is on time).
    Join PMTemplate on WorkOrder.pm_template_id when needs_template(rule)."""
    wo = WorkOrder
    done = wo.status == "completed"
    if rule == "dueDate":
        return and_(done, wo.completed_at <= wo.due_date)
    late = seconds_between(wo.due_date, wo.completed_at)
    if db.session.get_bind().dialect.name == "sqlite":
        late = func.round(late, 3)  # julianday's binary fraction: 86400.00004 s must read 86400
    return and_(done, late <= grace_seconds(rule))


def warehouse_grace(warehouse_id: str) -> str:
    rule = db.session.scalar(select(Warehouse.pm_grace).where(Warehouse.id == warehouse_id))
    return rule if rule in PM_GRACE else PM_GRACE_DEFAULT


def _counts(due: int, on_time: int, late: int, overdue: int, open_: int) -> dict:
    return {"due": due, "completed_on_time": on_time, "completed_late": late, "overdue": overdue, "open": open_,
            "compliance": _pct(on_time, due)}


def pm_compliance(actor: Actor, days: int, *, now: datetime | None = None, pm_grace: str | None = None,
                  scope: Scope | None = None, totals_only: bool = False) -> dict:
    """`pm_grace` None: the warehouse's rule (GET/PATCH /api/warehouse pmGrace). `totals_only` (the KPIs,
    which show the warehouse's figure): one row, no breakdown by template and asset (empty lists)."""
    require(actor, "pm.read")
    scope = _scope(actor, scope)
    start, end = _window(days, now)
    rule = pm_grace or warehouse_grace(actor.warehouse_id)
    wo = WorkOrder
    live = wo.status != "cancelled"
    ok = on_time(rule)
    stmt = (
        select(
            wo.pm_template_id, wo.equipment_id,
            func.sum(case((live, 1), else_=0)),
            func.sum(case((ok, 1), else_=0)),
            func.sum(case((and_(wo.status == "completed", ~ok), 1), else_=0)),
            func.sum(case((and_(wo.status.in_(OPEN_STATUSES), wo.due_date < _at(end)), 1), else_=0)),
            func.sum(case((wo.status.in_(OPEN_STATUSES), 1), else_=0)),
            func.sum(case((wo.status == "cancelled", 1), else_=0)),
        )
        .where(wo.warehouse_id == actor.warehouse_id, wo.pm_template_id.is_not(None),
               wo.due_date >= _at(start), wo.due_date <= _at(end), *scope.where(wo.equipment_id))
    )
    if totals_only:  # the same sums, without the columns and groups of the breakdown
        stmt = stmt.with_only_columns(literal(None), literal(None), *stmt.selected_columns[2:])
    else:
        stmt = stmt.group_by(wo.pm_template_id, wo.equipment_id)
    if needs_template(rule):
        stmt = stmt.outerjoin(PMTemplate, PMTemplate.id == wo.pm_template_id)
    rows = [r for r in db.session.execute(stmt).all() if r[2] is not None]  # (no PM: one row of nulls)
    # The groups are few (templates x equipment): the totals are summed from them here.
    total = [0] * 6
    by_template: dict[str, list[int]] = {}
    by_equipment: dict[str | None, list[int]] = {}
    for template_id, equipment_id, *numbers in rows:
        numbers = [int(n or 0) for n in numbers]
        buckets = (total,) if totals_only else (total, by_template.setdefault(template_id, [0] * 6),
                                                by_equipment.setdefault(equipment_id, [0] * 6))
        for bucket in buckets:
            for i, n in enumerate(numbers):
                bucket[i] += n
    names = dict(db.session.execute(select(PMTemplate.id, PMTemplate.name).where(
        PMTemplate.id.in_(list(by_template)))).all()) if by_template else {}
    tags = dict(db.session.execute(select(Equipment.id, Equipment.asset_tag).where(
        Equipment.id.in_([e for e in by_equipment if e]))).all()) if by_equipment else {}
    return {
        "days": days, "from_": start, "to": end, "pm_grace": rule, **scope.echo(),
        **_counts(*total[:5]), "cancelled": total[5],
        "by_template": sorted(
            ({"template_id": t, "name": names.get(t, ""), **_counts(*n[:5])} for t, n in by_template.items()),
            key=lambda r: (r["name"], r["template_id"])),
        "by_equipment": sorted(
            ({"equipment_id": e, "asset_tag": tags.get(e), **_counts(*n[:5])} for e, n in by_equipment.items()),
            key=lambda r: (r["asset_tag"] or "", r["equipment_id"] or "")),
    }


# --- KPIs ------------------------------------------------------------------------------------

MTTR_BASES = {
    "failureToRestore": "from the failure (the downtime period's start) to the return to service (its end): "
                        "SMRP 3.5.2, the default",
    "repairStartToRestore": "from the repair's start (its work order first in_progress, or the start of its "
                            "earliest labor) to the return to service; repairs without a recorded start are "
                            "left out",
}
MTTR_BASIS_DEFAULT = "failureToRestore"
ASSET_LIMIT_DEFAULT = 100
ASSET_LIMIT_MAX = 1000


def _greatest(a: Any, b: Any) -> ColumnElement:
    return func.max(a, b) if db.session.get_bind().dialect.name == "sqlite" else func.greatest(a, b)


def _least(a: Any, b: Any) -> ColumnElement:
    return func.min(a, b) if db.session.get_bind().dialect.name == "sqlite" else func.least(a, b)


def _variants(scope: Scope, start: datetime, end: datetime) -> dict:
    """Over the repairs (unplanned periods ended in the window) whose work order recorded the time:
    Σ (return to service - repair start) and Σ (first response - failure), each clipped to the period,
    with their counts. One aggregate: the repairs' work orders are found by primary key."""
    p, wo = DowntimePeriod, WorkOrder
    repair_start = _least(_greatest(wo.repair_started_at, p.started_at), p.ended_at)
    response = _least(_greatest(wo.responded_at, p.started_at), p.ended_at)
    row = db.session.execute(
        select(func.sum(seconds_between(repair_start, p.ended_at)), func.count(wo.repair_started_at),
               func.sum(seconds_between(p.started_at, response)), func.count(wo.responded_at))
        .select_from(p).join(wo, wo.id == p.work_order_id)
        .where(p.warehouse_id == scope.warehouse_id, p.planned.is_(False), p.ended_at >= _at(start),
               p.ended_at <= _at(end), *scope.where(p.equipment_id))
    ).one()
    return {"repair_from_start": float(row[0] or 0), "repairs_from_start": int(row[1] or 0),
            "response": float(row[2] or 0), "responses": int(row[3] or 0)}


def _per_asset(scope: Scope, start: datetime, end: datetime) -> Any:
    """Per asset with a downtime period overlapping the window (planned or unplanned), as a subquery:
    failures (unplanned starts in the window), unplanned and planned downtime (periods clipped to the
    window, overlapping periods of one asset merged, an open period running to the window's end),
    repairs (unplanned periods ended in the window) and their length, planned stops.

    The merge is SQL: each period counts from the later of its clipped start and the furthest
    clipped end of the asset's earlier periods (a window function), so nothing reads the periods one
    by one (18,600 of them in a year at a million work orders: bench/README.md, kpis.py)."""
    p = DowntimePeriod
    lo = _greatest(p.started_at, _at(start))
    hi = _least(func.coalesce(p.ended_at, _at(end)), _at(end))
    reached = func.max(hi).over(partition_by=(p.equipment_id, p.planned), order_by=(p.started_at, p.id),
                                rows=(None, -1))
    periods = (select(p.equipment_id, p.planned, p.started_at, p.ended_at, lo.label("lo"), hi.label("hi"),
                      reached.label("reached"))
               .where(p.warehouse_id == scope.warehouse_id, or_(p.ended_at.is_(None), p.ended_at >= _at(start)),
                      p.started_at <= _at(end), *scope.where(p.equipment_id))
               .subquery())
    c = periods.c
    gained = seconds_between(_greatest(c.lo, func.coalesce(c.reached, c.lo)), c.hi)
    piece = case((gained > 0, gained), else_=0.0)
    started_in = and_(c.started_at >= _at(start), c.started_at <= _at(end))
    repaired = and_(c.planned.is_(False), c.ended_at >= _at(start), c.ended_at <= _at(end))
    return (select(c.equipment_id.label("equipment_id"),
                   func.sum(case((c.planned.is_(False), piece), else_=0.0)).label("downtime"),
                   func.sum(case((c.planned.is_(True), piece), else_=0.0)).label("planned_downtime"),
                   func.sum(case((and_(c.planned.is_(False), started_in), 1), else_=0)).label("failures"),
                   func.sum(case((and_(c.planned.is_(True), started_in), 1), else_=0)).label("planned_stops"),
                   func.sum(case((repaired, 1), else_=0)).label("repairs"),
                   func.sum(case((repaired, seconds_between(c.started_at, c.ended_at)), else_=0.0))
                   .label("repair_seconds"))
            .group_by(c.equipment_id).subquery())


def _downtime(scope: Scope, start: datetime, end: datetime, asset_limit: int) -> tuple[dict, list]:
    """The fleet's downtime figures and the `asset_limit` assets with most unplanned downtime (then
    failures, planned downtime, tag), in ONE statement over _per_asset: the fleet's sums are window
    aggregates over every asset, computed before the LIMIT, and carried on each listed row.
    Availability and planned stops count non-retired assets; failures and repairs count every asset.

    The equipment is joined for the listed assets only (their tags): the assets ranked first by their
    figures, with ties at the limit kept so the tag can still break them. Joining every asset with
    downtime to the equipment for its tag and status was a third of the statement at 100,000 assets;
    the retired ones, a few, are read by the (warehouse_id, status) index instead."""
    a = _per_asset(scope, start, end)
    live = a.c.equipment_id.not_in(_retired(scope))
    if asset_limit == 0:  # the fleet alone (the dashboard's previous period): no asset's tag to read
        return _fleet_downtime(a, live), []
    e = Equipment
    fleet = [func.count().over(), func.sum(a.c.failures).over(), func.sum(a.c.repairs).over(),
             func.sum(a.c.repair_seconds).over(), func.sum(case((live, a.c.downtime), else_=0.0)).over(),
             func.sum(case((live, a.c.planned_stops), else_=0)).over(),
             func.sum(case((live, a.c.planned_downtime), else_=0.0)).over()]
    by_figures = (a.c.downtime.desc(), a.c.failures.desc(), a.c.planned_downtime.desc())
    ranked = select(a, *(f.label(f"fleet_{i}") for i, f in enumerate(fleet)),
                    func.rank().over(order_by=by_figures).label("rank")).subquery()
    r = ranked.c
    rows = db.session.execute(
        select(r.equipment_id, e.asset_tag, r.failures, r.repairs, r.downtime, r.repair_seconds,
               r.planned_stops, r.planned_downtime, *(r[f"fleet_{i}"] for i in range(len(fleet))))
        .select_from(ranked).join(e, e.id == r.equipment_id)
        .where(r.rank <= asset_limit)
        .order_by(r.downtime.desc(), r.failures.desc(), r.planned_downtime.desc(), e.asset_tag)
        .limit(asset_limit)).all()
    return _downtime_totals(rows[0][8:] if rows else (0,) * 7), rows


def _retired(scope: Scope) -> Any:
    """The ids of the scope's warehouse's retired assets, as a subquery (a few, by an index)."""
    return select(Equipment.id).where(Equipment.warehouse_id == scope.warehouse_id, Equipment.status == "retired")


def _fleet_downtime(a: Any, live: ColumnElement) -> dict:
    """The fleet's downtime figures from _per_asset without joining the equipment: the retired assets
    (a few, by the (warehouse_id, status) index) are left out of availability and planned stops."""
    row = db.session.execute(select(
        func.count(), func.sum(a.c.failures), func.sum(a.c.repairs), func.sum(a.c.repair_seconds),
        func.sum(case((live, a.c.downtime), else_=0.0)), func.sum(case((live, a.c.planned_stops), else_=0)),
        func.sum(case((live, a.c.planned_downtime), else_=0.0)))).one()
    return _downtime_totals(row)


def _downtime_totals(sums: Any) -> dict:
    return {"assets": int(sums[0] or 0), "failures": int(sums[1] or 0), "repairs": int(sums[2] or 0),
            "repair_seconds": float(sums[3] or 0), "downtime": float(sums[4] or 0),
            "planned_stops": int(sums[5] or 0), "planned_downtime": float(sums[6] or 0)}


def _whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The whole UTC days inside [start, end], as [first midnight at or after start, last midnight at or
    before end), or None when the window holds no whole day. The KPI day rows (services/reporting/
    days.py) answer for those days; the two ends are counted from the records themselves."""
    first = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    last = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (first, last) if first < last else None


def _just_before(at: datetime) -> datetime:
    # The statements here take inclusive bounds; times are stored to the microsecond on both
    # databases, so "up to a microsecond before midnight" is "before midnight".
    return at - timedelta(microseconds=1)


def _day_rows(warehouse_id: str, scope: Scope | None, start: datetime,
              end: datetime) -> tuple[list[tuple], list[tuple[datetime, datetime]]]:
    """For the fleet (no asset scope): the day rows of the window's whole days and the two partial
    ends still to count from the records; otherwise no rows and the whole window to count."""
    whole = _whole_days(start, end) if scope is None or scope.equipment_id is None else None
    if whole is None:
        return [], [(start, end)]
    first, last = whole
    ends = [(a, b) for a, b in ((start, _just_before(first)), (last, end)) if a <= b]
    return days.totals(warehouse_id, first.date(), (last - timedelta(days=1)).date()), ends


def _labor(scope: Scope, start: datetime, end: datetime, equipment_ids: list[str] | None = None) -> list[tuple]:
    """Labor minutes performed in the window (preventive, all): in one row, or per asset of `equipment_ids`.
    The fleet's row adds the day rows of the whole days to the records of the partial ends."""
    if equipment_ids is None:
        rows, ends = _day_rows(scope.warehouse_id, scope, start, end)
        preventive, total = sum(r[4] for r in rows), sum(r[3] for r in rows)
        if ends:
            [(p, t)] = _labor_records(scope, ends)
            preventive, total = preventive + int(p or 0), total + int(t or 0)
        return [(preventive, total)]
    return _labor_records(scope, [(start, end)], equipment_ids)


def labor_minutes(actor: Actor, start: datetime, end: datetime) -> tuple[int, int]:
    """The warehouse's labor minutes performed in [start, end]: (on preventive work orders, all)."""
    [(preventive, total)] = _labor(Scope(actor), start, end)
    return int(preventive or 0), int(total or 0)


def _labor_records(scope: Scope, spans: list[tuple[datetime, datetime]],
                   equipment_ids: list[str] | None = None) -> list[tuple]:
    preventive = WorkOrder.type == "preventive"
    columns = [func.sum(case((preventive, LaborEntry.minutes), else_=0)), func.sum(LaborEntry.minutes)]
    stmt = (select(*columns).join(WorkOrder, WorkOrder.id == LaborEntry.work_order_id)
            .where(LaborEntry.warehouse_id == scope.warehouse_id, _in(LaborEntry.performed_at, spans)))
    if equipment_ids is None:
        return db.session.execute(stmt.where(*scope.where(WorkOrder.equipment_id))).all()
    # The listed assets' minutes from the labor rows alone (they carry their work order's asset:
    # services/reporting/asset_costs.py), by the (asset, time, minutes) index: a hundred short ranges.
    # The assets are the warehouse's, in the scope already.
    le = LaborEntry
    return db.session.execute(
        select(literal(0), func.sum(le.minutes), le.equipment_id)
        .where(le.equipment_id.in_(equipment_ids), _in(le.performed_at, spans))
        .group_by(le.equipment_id)).all()


def _parts_cost(scope: Scope, start: datetime, end: datetime, equipment_ids: list[str]) -> dict[str, Decimal]:
    pc = PartConsumption  # by the (asset, time, cost) index, as their labor
    rows = db.session.execute(
        select(pc.equipment_id, func.sum(pc.total_cost))
        .where(pc.equipment_id.in_(equipment_ids), pc.consumed_at >= _at(start), pc.consumed_at <= _at(end))
        .group_by(pc.equipment_id))
    return {eid: Decimal(cost or 0).quantize(Decimal("0.01")) for eid, cost in rows}


def _in(column: Any, spans: list[tuple[datetime, datetime]]) -> ColumnElement:
    """`column` within one of the inclusive spans."""
    return or_(*(and_(column >= _at(a), column <= _at(b)) for a, b in spans))


def _weekly(warehouse_id: str, column: Any, spans: list[tuple[datetime, datetime]], anchor: datetime,
            scope: Scope | None = None) -> dict[int, int]:
    week = _floor(seconds_between(_at(anchor), column) / WEEK)
    rows = db.session.execute(
        select(week, func.count())
        .where(WorkOrder.warehouse_id == warehouse_id, _in(column, spans),
               *(scope.where(WorkOrder.equipment_id) if scope else ()))
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


def _work_orders_per_week(warehouse_id: str, start: datetime, end: datetime,
                          scope: Scope | None = None) -> list[dict]:
    """Opened and completed per week: the day rows of the whole days (fleet), the records elsewhere."""
    anchor = _week_anchor(start)
    rows, ends = _day_rows(warehouse_id, scope, start, end)
    opened: dict[int, int] = defaultdict(int)
    completed: dict[int, int] = defaultdict(int)
    for day, n_opened, n_completed, *_labor_minutes in rows:
        week = (day - anchor.date()).days // 7
        opened[week] += n_opened
        completed[week] += n_completed
    if ends:
        for counts, column in ((opened, WorkOrder.created_at), (completed, WorkOrder.completed_at)):
            for week, n in _weekly(warehouse_id, column, ends, anchor, scope).items():
                counts[week] += n
    return [{"week_start": anchor + timedelta(weeks=w), "opened": opened.get(w, 0),
             "completed": completed.get(w, 0)} for w in range(_week_count(anchor, end))]



def kpis(actor: Actor, days: int, *, now: datetime | None = None, scope: Scope | None = None,
         mttr_basis: str = MTTR_BASIS_DEFAULT, asset_limit: int = ASSET_LIMIT_DEFAULT,
         pm_grace: str | None = None, headline_only: bool = False, weekly: bool = True,
         assets_in_service: int | None = None) -> dict:
    """The figures of GET /api/kpis (KPI_DEFINITIONS). Fleet figures are SQL aggregates plus the
    downtime periods of the window; no statement reads a row per asset of the warehouse. Per-asset
    rows only for the assets with downtime in the window, the `asset_limit` with most downtime.

    `headline_only` (the dashboard's previous period, compared figure by figure): no weekly counts,
    and the MTTR variants' sums only when the MTTR basis needs them (the mean response is then null).
    `weekly` False: no weekly counts either (the dashboard draws its own series).
    `assets_in_service`: the count another period's kpis() read (assets in service are counted as of
    now, whatever the window), so the dashboard's second period does not count them again."""
    require(actor, "kpis.read")
    if mttr_basis not in MTTR_BASES:
        raise ValueError(f"unknown MTTR basis {mttr_basis!r}")
    scope = _scope(actor, scope)
    start, end = _window(days, now)
    wid = actor.warehouse_id
    window_seconds = (end - start).total_seconds()

    in_service = assets_in_service if assets_in_service is not None else db.session.scalar(
        select(func.count()).select_from(Equipment).where(
            Equipment.warehouse_id == wid, Equipment.status != "retired", *scope.where(Equipment.id))) or 0
    downtime, top = _downtime(scope, start, end, asset_limit)
    if headline_only and mttr_basis == "failureToRestore":
        sums = {"repair_from_start": 0.0, "repairs_from_start": 0, "response": 0.0, "responses": 0}
    else:
        sums = _variants(scope, start, end)
    fleet_window = in_service * window_seconds
    fleet_operating = max(fleet_window - downtime["downtime"], 0.0)
    failures, repairs, repair_seconds = downtime["failures"], downtime["repairs"], downtime["repair_seconds"]
    if mttr_basis == "failureToRestore":
        mttr, mttr_repairs = (repair_seconds / repairs if repairs else None), repairs
    else:
        counted = sums["repairs_from_start"]
        mttr, mttr_repairs = (sums["repair_from_start"] / counted if counted else None), counted

    [(preventive_minutes, total_minutes)] = _labor(scope, start, end)
    preventive_minutes, total_minutes = int(preventive_minutes or 0), int(total_minutes or 0)

    wo = WorkOrder
    open_count, estimated, estimated_count, overdue = db.session.execute(
        select(func.count(), func.sum(wo.estimated_duration), func.count(wo.estimated_duration),
               func.sum(case((wo.due_date < _at(end), 1), else_=0)))
        .where(wo.warehouse_id == wid, _open_at(end), *scope.where(wo.equipment_id))
    ).one()

    # The listed assets: those with downtime in the window, most unplanned downtime first.
    ids = [row.equipment_id for row in top]
    labor = {eid: int(total or 0) for _prev, total, eid in _labor(scope, start, end, ids)} if ids else {}
    parts = _parts_cost(scope, start, end, ids) if ids else {}
    asset_rows = []
    for row in top:
        eid, down, failures_, repairs_ = row.equipment_id, float(row.downtime or 0), int(row.failures), int(row.repairs)
        operating = max(window_seconds - down, 0.0)
        asset_rows.append({
            "equipment_id": eid, "asset_tag": row.asset_tag, "failures": failures_, "repairs": repairs_,
            "downtime_hours": _hours(down), "operating_hours": _hours(operating),
            "mtbf_hours": _hours(operating / failures_ if failures_ else None),
            "mttr_hours": _hours(float(row.repair_seconds or 0) / repairs_ if repairs_ else None),
            "availability": _pct(operating, window_seconds),
            "labor_minutes": labor.get(eid, 0), "parts_cost": parts.get(eid, Decimal("0.00")),
            "planned_stops": int(row.planned_stops), "planned_downtime_hours": _hours(float(row.planned_downtime or 0)),
        })
    compliance = pm_compliance(actor, days, now=end, pm_grace=pm_grace, scope=scope, totals_only=True)
    return {
        "days": days, "from_": start, "to": end, **scope.echo(),
        "mttr_hours": _hours(mttr), "repairs": repairs, "mttr_basis": mttr_basis, "mttr_repairs": mttr_repairs,
        "mean_response_hours": _hours(sums["response"] / sums["responses"] if sums["responses"] else None),
        "responses": sums["responses"],
        "mtbf_hours": _hours(fleet_operating / failures if failures else None), "failures": failures,
        "operating_hours": _hours(fleet_operating), "availability": _pct(fleet_operating, fleet_window),
        "assets_in_service": in_service,
        "planned_stops": downtime["planned_stops"],
        "planned_downtime_hours": _hours(downtime["planned_downtime"]),
        "planned_maintenance_percentage": _pct(preventive_minutes, total_minutes),
        "preventive_labor_minutes": preventive_minutes, "labor_minutes": total_minutes,
        "pm_compliance": compliance["compliance"], "pm_due": compliance["due"],
        "pm_completed_on_time": compliance["completed_on_time"], "pm_grace": compliance["pm_grace"],
        "backlog": {"open": int(open_count or 0), "estimated_hours": round(int(estimated or 0) / 60, 2),
                    "unestimated": int(open_count or 0) - int(estimated_count or 0), "overdue": int(overdue or 0)},
        "work_orders_per_week": _work_orders_per_week(wid, start, end, scope) if weekly and not headline_only else [],
        "assets": asset_rows, "assets_with_downtime": downtime["assets"], "asset_limit": asset_limit,
        "top_assets": [r for r in asset_rows if r["failures"] or r["downtime_hours"]][:5],
        "compliance": compliance,  # the whole PM compliance answer, for the dashboard (not in KpisOut)
    }


# --- Trends and the dashboard's comparison with the previous period ---------------------------

def _pm_weekly(warehouse_id: str, start: datetime, end: datetime, anchor: datetime, rule: str = PM_GRACE_DEFAULT,
               scope: Scope | None = None) -> dict[int, tuple[int, int]]:
    """Per week of dueDate: PM work orders due (cancelled left out) and completed on time, as in pm_compliance."""
    wo = WorkOrder
    week = _floor(seconds_between(_at(anchor), wo.due_date) / WEEK)
    stmt = (
        select(week, func.count(), func.sum(case((on_time(rule), 1), else_=0)))
        .where(wo.warehouse_id == warehouse_id, wo.pm_template_id.is_not(None), wo.status != "cancelled",
               wo.due_date >= _at(start), wo.due_date <= _at(end),
               *(scope.where(wo.equipment_id) if scope else ()))
        .group_by(week)
    )
    if needs_template(rule):
        stmt = stmt.outerjoin(PMTemplate, PMTemplate.id == wo.pm_template_id)
    return {int(w): (int(due), int(n or 0)) for w, due, n in db.session.execute(stmt)}


def trends(actor: Actor, days: int, *, now: datetime | None = None, pm_grace: str | None = None,
           scope: Scope | None = None, per_week: list[dict] | None = None) -> dict:
    """Weekly series over [now - days, now]: work orders opened and completed, PM due and done on time
    (under the warehouse's grace rule unless `pm_grace` is given).

    One GROUP BY query per series (three in all), whatever the number of weeks; a week without any
    work order is there with zeros (its compliance null: nothing was due).
    """
    require(actor, "kpis.read")
    start, end = _window(days, now)
    wid = actor.warehouse_id
    anchor = _week_anchor(start)
    pm = _pm_weekly(wid, start, end, anchor, pm_grace or warehouse_grace(wid), scope)
    weeks = []
    # A caller that has just counted the weeks of the same window (kpis()) passes them (`per_week`).
    for row in per_week if per_week is not None else _work_orders_per_week(wid, start, end, scope):
        due, n = pm.get(len(weeks), (0, 0))
        weeks.append({**row, "pm_due": due, "pm_completed_on_time": n, "pm_compliance": _pct(n, due)})
    return {"days": days, "from_": start, "to": end, "weeks": weeks}


class Figure:
    """A headline figure of the dashboard: where it comes from, its unit, which way is better, and its
    formula (shown next to it on the KPI page and in the OpenAPI descriptions)."""

    def __init__(self, key: str, label: str, unit: str, better: str, definition: str, formula: str = ""):
        self.key, self.label, self.unit, self.better = key, label, unit, better
        self.definition, self.formula = definition, formula


# One place for the short definitions: the dashboard shows them, the OpenAPI descriptions use them.
FIGURES: dict[str, Figure] = {f.key: f for f in (
    Figure("mttr_hours", "MTTR", "h", "lower",
           "Mean time to repair (SMRP 3.5.2): from the failure (the unplanned downtime period's start) to the "
           "return to service (its end), over the periods that ended in the period. mttrBasis="
           "repairStartToRestore starts the clock at the repair's start instead; the mean response time "
           "(failure to the work order's first response) is reported beside.",
           "MTTR = Σ (return to service − failure) ÷ repairs"),
    Figure("mtbf_hours", "MTBF", "h", "higher",
           "Mean time between failures: operating hours of the non-retired assets ÷ failures (unplanned "
           "downtime periods starting in the period; planned stops are no failures).",
           "MTBF = (assets in service × period − unplanned downtime) ÷ failures"),
    Figure("availability", "Availability", "%", "higher",
           "Operating hours (period length − unplanned downtime) ÷ period length × 100, over non-retired "
           "assets. Planned stops are left out and reported beside.",
           "Availability = operating h ÷ (assets in service × period h) × 100"),
    Figure("planned_downtime_hours", "Planned downtime", "h", "neither",
           "Hours of planned stops (preventive work, changeovers, shutdowns) in the period, over non-retired "
           "assets: not failures, so outside MTBF and availability.",
           "Planned downtime = Σ planned stops clipped to the period"),
    Figure("planned_maintenance_percentage", "Planned maintenance", "%", "higher",
           "Labor minutes on preventive work orders ÷ all labor minutes performed in the period × 100.",
           "PMP = preventive labor min ÷ all labor min × 100"),
    Figure("pm_compliance", "PM compliance", "%", "higher",
           "PM work orders due in the period (cancelled left out) completed on time ÷ all of them due × 100. "
           "On time: by the due date plus the warehouse's grace (pmGrace: none, 1 day, 10 % of the PM's "
           "interval, or SMRP's 20 % of it capped at 28 days). " + INTERVAL_DEFINITION,
           "PM compliance = completed by due date + grace ÷ due × 100"),
    Figure("backlog", "Backlog", "open", "lower",
           "Work orders open at the period's end (new, assigned, in progress, on hold); compared with "
           "those open at the previous period's end.",
           "Backlog = work orders open at the period's end"),
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


def dashboard(actor: Actor, days: int, *, now: datetime | None = None, scope: Scope | None = None,
              mttr_basis: str = MTTR_BASIS_DEFAULT, pm_grace: str | None = None) -> dict:
    """The KPI dashboard: kpis() (with PM compliance) for this period and the previous one of the same
    length (ending where this one starts) and the figures with their change; all over `scope` (the
    warehouse, or one asset's subtree). No weekly trends: the page draws its charts from
    services/reporting/series.py, and the API serves trends() on its own."""
    require(actor, "kpis.read")
    scope = _scope(actor, scope)
    end = now or utcnow()
    before = end - timedelta(days=days)
    # The grace rule read once for both periods and the trends (the warehouse's unless one is asked).
    options = {"scope": scope, "mttr_basis": mttr_basis, "pm_grace": pm_grace or warehouse_grace(actor.warehouse_id)}
    current = kpis(actor, days, now=end, weekly=False, **options)
    previous = kpis(actor, days, now=before, asset_limit=0, headline_only=True,
                    assets_in_service=current["assets_in_service"], **options)
    compliance, previous_compliance = current["compliance"], previous["compliance"]
    values = {key: (current[key], previous[key]) for key in
              ("mttr_hours", "mtbf_hours", "availability", "planned_downtime_hours",
               "planned_maintenance_percentage")}
    values["pm_compliance"] = (compliance["compliance"], previous_compliance["compliance"])
    values["backlog"] = (current["backlog"]["open"], previous["backlog"]["open"])
    figures = [{"key": f.key, "label": f.label, "unit": f.unit, "better": f.better, "definition": f.definition,
                "formula": f.formula, "value": values[f.key][0], "previous": values[f.key][1],
                **_change(f, *values[f.key])}
               for f in FIGURES.values()]
    return {"days": days, "from_": current["from_"], "to": end, "previous_from": previous["from_"],
            "figures": figures, "kpis": current, "previous_kpis": previous, "compliance": compliance,
            "previous_compliance": previous_compliance}
