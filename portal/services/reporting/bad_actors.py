"""Bad actors (issue 23): the assets that cost the most, stop the most and fail the most over a
window, each with its top failure modes, and the Pareto of failure modes (and causes).

Definitions (also in the OpenAPI description and docs/decisions.md):

- Window [now - days, now]; the assets of the actor's warehouse, optionally of one equipment class.
- downtimeHours: the asset's UNPLANNED downtime periods clipped to the window (an open one runs to
  the window's end). An asset is down or not, so its periods never overlap: the sum is the merged
  time, as GET /api/kpis counts it.
- failures: its unplanned downtime periods STARTING in the window (the failures of MTBF).
- failureWorkOrders: its corrective and emergency work orders created in the window, not cancelled,
  that carry a failure mode: the coded failures, which say why.
- cost = laborCost + partsCost: labor entries' cost (performedAt in the window) and part
  consumptions' totalCost (consumedAt in the window) on the asset's work orders, whatever their type.
- Rankings (each at most `limit`, assets with a zero figure left out): byDowntime downtime, then
  failures, then asset tag; byFailures failures, then downtime, then tag; byCost cost, then tag.
- topFailureModes: per ranked asset, the failure modes of its failureWorkOrders, most frequent first
  (ties by code), at most three.
- Pareto of failure modes over all failureWorkOrders of the window: count, share of the total,
  cumulative share; the vital few are the modes, most frequent first, up to and including the one
  whose cumulative share reaches 80 %. The same over failure causes (work orders with a cause).

Every figure is a GROUP BY in the database; rankings are ORDER BY ... LIMIT there too, and the
details are read only for the ranked assets (at most 3 x limit), never for every asset.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from portal.models import DowntimePeriod, Equipment, FailureCode, LaborEntry, PartConsumption, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.querying import Page
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.reporting.kpis import _at, seconds_between

FAILURE_TYPES = ("corrective", "emergency")
VITAL_FEW_SHARE = 80.0
TOP_MODES = 3
CENT = Decimal("0.01")

DEFINITIONS = (
    "Window [now - days, now], the warehouse's assets (optionally one equipmentClass).\n\n"
    "- downtimeHours: the asset's unplanned downtime periods clipped to the window (an open one runs to its "
    "end), as GET /api/kpis.\n"
    "- failures: its unplanned downtime periods starting in the window (the failures of MTBF).\n"
    "- failureWorkOrders: its corrective and emergency work orders created in the window, not cancelled, with "
    "a failure mode (the coded failures: they say why).\n"
    "- cost = laborCost + partsCost: labor entries' cost (performedAt in the window) and part consumptions' "
    "totalCost (consumedAt in the window) on the asset's work orders, of any type.\n"
    "- byDowntime: most downtime, then most failures, then asset tag; byFailures: most failures, then most "
    "downtime, then asset tag; byCost: highest cost, then asset tag. At most `limit` each; assets whose figure "
    "is zero are left out.\n"
    "- topFailureModes: the failure modes of the asset's failureWorkOrders, most frequent first (ties by code), "
    "at most 3.\n"
    "- pareto (failure modes) and causePareto (failure causes): over all failureWorkOrders of the window "
    "(causePareto: those with a cause), most frequent first, ties by code; share = count / total x 100; "
    "cumulativeShare adds them up; vitalFew marks the modes up to and including the one whose cumulative "
    "share reaches 80 %. uncoded: completed corrective and emergency work orders of the window without a failure "
    "mode (open ones are not coded yet)."
)


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _asset_filter(warehouse_id: str, equipment_class: str | None) -> list[ColumnElement]:
    where = [Equipment.warehouse_id == warehouse_id]
    if equipment_class:
        where.append(Equipment.equipment_class == equipment_class)
    return where


# --- the three figures, per asset, as subqueries -----------------------------------------------

def _downtime(warehouse_id: str, start: datetime, end: datetime, ids: list[str] | None = None):
    """Per asset (of `ids` if given): unplanned downtime seconds clipped to the window, failures starting in it."""
    p = DowntimePeriod
    lo = case((p.started_at > _at(start), p.started_at), else_=_at(start))
    hi_end = func.coalesce(p.ended_at, _at(end))
    hi = case((hi_end < _at(end), hi_end), else_=_at(end))
    return (select(p.equipment_id.label("equipment_id"),
                   func.sum(seconds_between(lo, hi)).label("seconds"),
                   func.sum(case((p.started_at >= _at(start), 1), else_=0)).label("failures"))
            .where(p.warehouse_id == warehouse_id, p.planned.is_(False), p.started_at <= _at(end),
                   or_(p.ended_at.is_(None), p.ended_at >= _at(start)), *_only(p.equipment_id, ids))
            .group_by(p.equipment_id)).subquery("downtime")


def _only(column: Any, ids: list[str] | None) -> list[ColumnElement]:
    return [] if ids is None else [column.in_(ids)]


def _costs(warehouse_id: str, start: datetime, end: datetime, ids: list[str] | None = None):
    """Per asset (of `ids` if given): labor cost and parts cost booked in the window on its work orders.
    Labor and consumptions carry their work order's asset (services/reporting/asset_costs.py): each side
    is read from its (warehouse, time, asset, cost) index alone."""
    le, pc = LaborEntry, PartConsumption
    labor = (select(le.equipment_id.label("equipment_id"), le.cost.label("labor"), literal_column("0").label("parts"))
             .where(le.warehouse_id == warehouse_id, le.performed_at >= _at(start), le.performed_at <= _at(end),
                    le.equipment_id.is_not(None), *_only(le.equipment_id, ids)))
    parts = (select(pc.equipment_id.label("equipment_id"), literal_column("0").label("labor"),
                    pc.total_cost.label("parts"))
             .where(pc.warehouse_id == warehouse_id, pc.consumed_at >= _at(start), pc.consumed_at <= _at(end),
                    pc.equipment_id.is_not(None), *_only(pc.equipment_id, ids)))
    both = union_all(labor, parts).subquery("booked")
    return (select(both.c.equipment_id, func.sum(both.c.labor).label("labor"), func.sum(both.c.parts).label("parts"),
                   (func.sum(both.c.labor) + func.sum(both.c.parts)).label("cost"))
            .group_by(both.c.equipment_id)).subquery("costs")


def _failure_orders(warehouse_id: str, start: datetime, end: datetime) -> list[ColumnElement]:
    """The coded failures of the window: corrective/emergency, created in it, not cancelled, with a mode."""
    wo = WorkOrder
    return [wo.warehouse_id == warehouse_id, wo.type.in_(FAILURE_TYPES), wo.status != "cancelled",
            wo.created_at >= _at(start), wo.created_at <= _at(end)]


def _by_cost(wid: str, start: datetime, end: datetime, equipment_class: str | None, limit: int) -> list[str]:
    """The assets by cost, then tag. Tens of thousands of assets have a cost in a year at a million work
    orders: rather than look up every one's tag to sort, the cost of the `limit`-th is found first
    (from a CTE, computed once), and only the assets at or above it (ties included) are joined to theirs."""
    costs = _costs(wid, start, end).element.cte("costs")
    cost = costs.c.cost
    of_class = ([costs.c.equipment_id.in_(select(Equipment.id).where(*_asset_filter(wid, equipment_class)))]
                if equipment_class else [])
    cutoff = (select(cost).where(cost > 0, *of_class).order_by(cost.desc())
              .offset(max(limit - 1, 0)).limit(1).scalar_subquery())
    return _ranked(select(Equipment.id).join(costs, costs.c.equipment_id == Equipment.id)
                   .where(cost > 0, cost >= func.coalesce(cutoff, 0), *of_class)
                   .order_by(cost.desc(), Equipment.asset_tag), limit)


def _ranked(query, limit: int) -> list[str]:
    return [row[0] for row in db.session.execute(query.limit(limit))]


# --- the answer --------------------------------------------------------------------------------

def _pareto(rows: list[tuple[str, int]], labels: dict[str, str]) -> dict:
    total = sum(n for _, n in rows)
    items, running, reached = [], 0, False
    for code, n in rows:
        running += n
        cumulative = round(running / total * 100, 2)
        items.append({"code": code, "label": labels.get(code, code), "count": n,
                      "share": round(n / total * 100, 2), "cumulative_share": cumulative, "vital_few": not reached})
        reached = reached or cumulative >= VITAL_FEW_SHARE
    return {"total": total, "items": items, "vital_few": sum(1 for i in items if i["vital_few"])}


def _labels(warehouse_id: str, kind: str, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(FailureCode.code, FailureCode.label).where(
        FailureCode.warehouse_id == warehouse_id, FailureCode.kind == kind, FailureCode.code.in_(codes))).all())


def _on_assets(warehouse_id: str, equipment_class: str | None) -> list[ColumnElement]:
    """Work orders on an asset of the warehouse (of the class, if one is asked): without a class, any
    asset will do, and no statement needs to join the equipment."""
    if not equipment_class:
        return [WorkOrder.equipment_id.is_not(None)]
    return [WorkOrder.equipment_id.in_(select(Equipment.id).where(*_asset_filter(warehouse_id, equipment_class)))]


def _code_counts(warehouse_id: str, column: Any, where: list[ColumnElement]) -> list[tuple[str, int]]:
    n = func.count().label("n")
    rows = db.session.execute(
        select(column, n).where(*where, column.is_not(None)).group_by(column).order_by(n.desc(), column)).all()
    return [(code, int(count)) for code, count in rows]


def _asset_rows(wid: str, start: datetime, end: datetime, ids: list[str]) -> dict[str, dict]:
    """The figures of these assets (the ranked ones: a handful), with their top failure modes."""
    rows: dict[str, dict] = {}
    if not ids:
        return rows
    down, costs = _downtime(wid, start, end, ids), _costs(wid, start, end, ids)
    for eid, tag, eclass, seconds, failures, labor, parts in db.session.execute(
            select(Equipment.id, Equipment.asset_tag, Equipment.equipment_class, down.c.seconds, down.c.failures,
                   costs.c.labor, costs.c.parts)
            .outerjoin(down, down.c.equipment_id == Equipment.id)
            .outerjoin(costs, costs.c.equipment_id == Equipment.id)
            .where(Equipment.warehouse_id == wid, Equipment.id.in_(ids))):
        labor, parts = _money(labor), _money(parts)
        rows[eid] = {"equipment_id": eid, "asset_tag": tag, "equipment_class": eclass,
                     "downtime_hours": round(float(seconds or 0) / 3600, 2), "failures": int(failures or 0),
                     "failure_work_orders": 0, "labor_cost": labor, "parts_cost": parts, "cost": labor + parts,
                     "top_failure_modes": []}
    mode_rows = db.session.execute(
        select(WorkOrder.equipment_id, WorkOrder.failure_mode, func.count())
        .where(*_failure_orders(wid, start, end), WorkOrder.failure_mode.is_not(None),
               WorkOrder.equipment_id.in_(ids))
        .group_by(WorkOrder.equipment_id, WorkOrder.failure_mode)).all()
    mode_labels = _labels(wid, "mode", sorted({m for _, m, _ in mode_rows}))
    per_asset: dict[str, list[tuple[str, int]]] = {}
    for eid, mode, n in mode_rows:
        per_asset.setdefault(eid, []).append((mode, int(n)))
    for eid, modes in per_asset.items():
        modes.sort(key=lambda m: (-m[1], m[0]))
        rows[eid]["failure_work_orders"] = sum(n for _, n in modes)
        rows[eid]["top_failure_modes"] = [{"code": m, "label": mode_labels.get(m, m), "count": n}
                                          for m, n in modes[:TOP_MODES]]
    return rows


def bad_actors(actor: Actor, days: int, *, limit: int = 5, equipment_class: str | None = None,
               now: datetime | None = None) -> dict:
    require(actor, "kpis.read")
    end = now or utcnow()
    start = end - timedelta(days=days)
    wid = actor.warehouse_id
    assets = _asset_filter(wid, equipment_class)
    down = _downtime(wid, start, end)

    by_downtime = _ranked(
        select(Equipment.id).join(down, down.c.equipment_id == Equipment.id)
        .where(*assets, down.c.seconds > 0)
        .order_by(down.c.seconds.desc(), down.c.failures.desc(), Equipment.asset_tag), limit)
    by_failures = _ranked(
        select(Equipment.id).join(down, down.c.equipment_id == Equipment.id)
        .where(*assets, down.c.failures > 0)
        .order_by(down.c.failures.desc(), down.c.seconds.desc(), Equipment.asset_tag), limit)
    by_cost = _by_cost(wid, start, end, equipment_class, limit)

    ranked = list(dict.fromkeys(by_downtime + by_failures + by_cost))  # at most 3 x limit assets
    rows = _asset_rows(wid, start, end, ranked)

    coded = [*_failure_orders(wid, start, end), *_on_assets(wid, equipment_class)]
    modes = _code_counts(wid, WorkOrder.failure_mode, coded)
    causes = _code_counts(wid, WorkOrder.failure_cause, [*coded, WorkOrder.failure_mode.is_not(None)])
    uncoded = db.session.scalar(
        select(func.count()).select_from(WorkOrder)
        .where(*coded, WorkOrder.status == "completed", WorkOrder.failure_mode.is_(None))) or 0
    pareto = _pareto(modes, _labels(wid, "mode", [c for c, _ in modes]))
    pareto["uncoded"] = int(uncoded)
    cause_pareto = _pareto(causes, _labels(wid, "cause", [c for c, _ in causes]))
    cause_pareto["uncoded"] = pareto["total"] - cause_pareto["total"]  # coded failures without a cause
    return {
        "days": days, "from_": start, "to": end, "limit": limit, "equipment_class": equipment_class,
        "by_downtime": [rows[e] for e in by_downtime], "by_failures": [rows[e] for e in by_failures],
        "by_cost": [rows[e] for e in by_cost], "pareto": pareto, "cause_pareto": cause_pareto,
    }


# --- one asset's records (the drill-down of a ranked row) ----------------------------------------

@dataclass
class AssetRecords(Page):
    """One page of an asset's work orders behind its row, with the row itself (its figures)."""

    equipment: Any = None
    row: dict = field(default_factory=dict)
    days: int = 0
    from_: datetime | None = None
    to: datetime | None = None


def asset_work_orders(actor: Actor, equipment_id: str, days: int, *, now: datetime | None = None,
                      page: int = 1, limit: int = 50) -> AssetRecords:
    """The asset's work orders behind its row: those with cost booked in the window or created in it as a
    failure (corrective/emergency), each with its failure codes and the cost booked in the window;
    costliest first. Another warehouse's asset is a 404."""
    require(actor, "kpis.read")
    equipment = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    end = now or utcnow()
    start = end - timedelta(days=days)
    wid = actor.warehouse_id
    wo = WorkOrder
    labor = (select(LaborEntry.work_order_id.label("wo_id"), LaborEntry.cost.label("labor"),
                    literal_column("0").label("parts"))
             .join(wo, wo.id == LaborEntry.work_order_id)
             .where(LaborEntry.warehouse_id == wid, wo.equipment_id == equipment.id,
                    LaborEntry.performed_at >= _at(start), LaborEntry.performed_at <= _at(end)))
    parts = (select(PartConsumption.work_order_id.label("wo_id"), literal_column("0").label("labor"),
                    PartConsumption.total_cost.label("parts"))
             .join(wo, wo.id == PartConsumption.work_order_id)
             .where(PartConsumption.warehouse_id == wid, wo.equipment_id == equipment.id,
                    PartConsumption.consumed_at >= _at(start), PartConsumption.consumed_at <= _at(end)))
    both = union_all(labor, parts).subquery("booked")
    booked = (select(both.c.wo_id, func.sum(both.c.labor).label("labor"), func.sum(both.c.parts).label("parts"))
              .group_by(both.c.wo_id)).subquery("per_order")
    failure = and_(*_failure_orders(wid, start, end))
    stmt = (select(wo, booked.c.labor, booked.c.parts).outerjoin(booked, booked.c.wo_id == wo.id)
            .where(wo.warehouse_id == wid, wo.equipment_id == equipment.id,
                   or_(booked.c.wo_id.is_not(None), failure)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    cost = func.coalesce(booked.c.labor, 0) + func.coalesce(booked.c.parts, 0)
    found = db.session.execute(stmt.order_by(cost.desc(), wo.created_at.desc(), wo.id)
                               .limit(limit).offset((page - 1) * limit)).all()
    codes = {(kind, c) for w, _, _ in found for kind, c in
             (("mode", w.failure_mode), ("cause", w.failure_cause), ("remedy", w.failure_remedy)) if c}
    labels = {(k, c): label for k, c, label in db.session.execute(
        select(FailureCode.kind, FailureCode.code, FailureCode.label).where(
            FailureCode.warehouse_id == wid, FailureCode.code.in_({c for _, c in codes})))} if codes else {}
    items = []
    for w, labor_cost, parts_cost in found:
        labor_cost, parts_cost = _money(labor_cost), _money(parts_cost)
        items.append({
            "id": w.id, "fo_number": w.fo_number, "title": w.title, "type": w.type, "status": w.status,
            "created_at": w.created_at, "completed_at": w.completed_at,
            "failure_mode": w.failure_mode, "failure_mode_label": labels.get(("mode", w.failure_mode)),
            "failure_cause": w.failure_cause, "failure_cause_label": labels.get(("cause", w.failure_cause)),
            "failure_remedy": w.failure_remedy, "failure_remedy_label": labels.get(("remedy", w.failure_remedy)),
            "labor_cost": labor_cost, "parts_cost": parts_cost, "cost": labor_cost + parts_cost})
    return AssetRecords(items=items, total=total, page=page, limit=limit, equipment=equipment,
                        row=_asset_rows(wid, start, end, [equipment.id])[equipment.id], days=days, from_=start, to=end)
