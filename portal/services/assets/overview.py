"""What the asset page shows, read in a fixed number of queries (no query per row)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from portal.models import (
    DomainEvent,
    DowntimePeriod,
    Equipment,
    MeterReading,
    PMTemplate,
    PMTemplateEquipment,
    User,
    WorkOrder,
)
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.work_orders.reads import work_orders_of_equipment

PAST_SHOWN = 20
READINGS_SHOWN = 10


def areas(actor: Actor) -> list[str]:
    """The warehouse's areas, for the asset list's filter."""
    require(actor, "equipment.read")
    return list(db.session.scalars(
        select(Equipment.area).distinct().where(Equipment.warehouse_id == actor.warehouse_id,
                                                Equipment.area.is_not(None)).order_by(Equipment.area)))


# The classes of the default failure catalogue (ISO 14224 names), offered while typing a new class.
COMMON_CLASSES = ("compressor", "conveyor", "electric_motor", "fan", "gearbox", "pump", "valve")


def equipment_classes(actor: Actor) -> list[str]:
    """The classes the warehouse's assets use, and the common ones: the asset form's suggestions."""
    require(actor, "equipment.read")
    used = db.session.scalars(select(Equipment.equipment_class).distinct().where(
        Equipment.warehouse_id == actor.warehouse_id, Equipment.equipment_class.is_not(None)))
    return sorted({*used, *COMMON_CLASSES})


def asset_overview(actor: Actor, equipment_id: str, *, history: bool = False) -> dict:
    """The asset, its open downtime, open and recent past work orders, latest meter readings and
    the PM templates that cover it; with `history`, the first page of its status and downtime
    history too."""
    require(actor, "equipment.read")
    eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    open_orders, past_orders = work_orders_of_equipment(actor, eq.id, past=PAST_SHOWN)
    readings = list(db.session.scalars(
        select(MeterReading).where(MeterReading.equipment_id == eq.id)
        .order_by(MeterReading.read_at.desc(), MeterReading.value.desc(), MeterReading.id).limit(READINGS_SHOWN)))
    templates = list(db.session.scalars(
        select(PMTemplate).join(PMTemplateEquipment, PMTemplateEquipment.template_id == PMTemplate.id)
        .where(PMTemplateEquipment.equipment_id == eq.id, PMTemplate.warehouse_id == actor.warehouse_id)
        .order_by(PMTemplate.name, PMTemplate.id)))
    downtime = db.session.scalars(select(DowntimePeriod).where(
        DowntimePeriod.equipment_id == eq.id, DowntimePeriod.ended_at.is_(None))
        .order_by(DowntimePeriod.started_at.desc())).first()
    result = {"asset": eq, "open_orders": open_orders, "past_orders": past_orders, "readings": readings,
              "templates": templates, "downtime": downtime}
    if history:
        result["timeline"] = state_timeline(eq)
    if history:
        result.update(history_of(actor, eq))
    return result


TIMELINE_DAYS = 30


@dataclass
class Stretch:
    """A stretch of the asset's state timeline: running, planned (a planned stop) or unplanned."""

    state: str
    start: datetime
    end: datetime
    reason_code: str | None = None

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass
class Timeline:
    start: datetime
    end: datetime
    stretches: list[Stretch]

    def hours(self, state: str) -> float:
        return round(sum(s.hours for s in self.stretches if s.state == state), 1)

    def box(self, stretch: Stretch) -> tuple[float, float]:
        """(x, width) of a stretch on a 0..1000 axis (the SVG's viewBox)."""
        total = (self.end - self.start).total_seconds()
        x = (stretch.start - self.start).total_seconds() / total * 1000
        return round(x, 2), round((stretch.end - stretch.start).total_seconds() / total * 1000, 2)


def state_timeline(eq: Equipment, *, days: int = TIMELINE_DAYS, now: datetime | None = None) -> Timeline:
    """The asset's last `days` as running / planned down / unplanned down, from its downtime periods
    (one query). Overlapping periods: an unplanned stop wins over a planned one (the asset failed)."""
    end = now or utcnow()
    start = end - timedelta(days=days)
    periods = db.session.execute(select(DowntimePeriod.started_at, DowntimePeriod.ended_at, DowntimePeriod.planned,
                                        DowntimePeriod.reason_code).where(
        DowntimePeriod.equipment_id == eq.id, DowntimePeriod.started_at <= end,
        or_(DowntimePeriod.ended_at.is_(None), DowntimePeriod.ended_at >= start))
        .order_by(DowntimePeriod.started_at)).all()
    # Cut the window at every period edge, then name each piece by the periods covering it.
    edges = sorted({start, end, *(max(p[0], start) for p in periods), *(min(p[1] or end, end) for p in periods)})
    stretches: list[Stretch] = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        if hi <= lo:
            continue
        covering = [p for p in periods if p[0] <= lo and (p[1] or end) >= hi]
        unplanned = [p for p in covering if not p[2]]
        chosen = (unplanned or covering or [None])[0]
        state = "running" if chosen is None else ("planned" if chosen[2] else "unplanned")
        code = chosen[3] if chosen else None
        if stretches and stretches[-1].state == state and stretches[-1].reason_code == code and stretches[-1].end == lo:
            stretches[-1].end = hi
        else:
            stretches.append(Stretch(state, lo, hi, code))
    return Timeline(start, end, stretches)


HISTORY_PAGE = 10


@dataclass
class HistoryPage:
    """A page of history rows, newest first; `more` when older rows exist (read as limit + 1 rows,
    so a page costs one query and no count)."""

    items: list
    page: int
    more: bool


def _page_of(stmt, page: int, limit: int) -> HistoryPage:
    rows = list(db.session.scalars(stmt.limit(limit + 1).offset((page - 1) * limit)))
    return HistoryPage(rows[:limit], page, len(rows) > limit)


def _status_changes(eq: Equipment, page: int, limit: int) -> HistoryPage:
    # The equipment.status_changed events, recorded in the transaction of each change: the history
    # cannot drift from what happened.
    return _page_of(select(DomainEvent).where(
        DomainEvent.entity_id == eq.id, DomainEvent.warehouse_id == eq.warehouse_id,
        DomainEvent.event == "equipment.status_changed")
        .order_by(DomainEvent.created_at.desc(), DomainEvent.id.desc()), page, limit)


def _downtime(eq: Equipment, page: int, limit: int) -> HistoryPage:
    # The recorded downtime periods (services/assets/equipment.py track_downtime), as list_downtime orders them.
    return _page_of(select(DowntimePeriod).where(DowntimePeriod.equipment_id == eq.id)
                    .order_by(DowntimePeriod.started_at.desc(), DowntimePeriod.id), page, limit)


def _labels(actor: Actor, status: HistoryPage | None, downtime: HistoryPage | None) -> dict:
    """Names of the people and numbers of the work orders the rows mention: two queries at most,
    whatever the number of rows; only the actor's warehouse."""
    users: set[str] = set()
    orders: set[str] = set()
    for event in status.items if status else []:
        users.add(event.payload.get("changedBy"))
        orders.add(event.payload.get("workOrderId"))
    for period in downtime.items if downtime else []:
        users.update((period.started_by, period.ended_by))
        orders.add(period.work_order_id)
    users.discard(None)
    orders.discard(None)
    names: dict[str, str] = {}
    numbers: dict[str, str] = {}
    if users:
        names = {uid: name or email for uid, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(users),
                                                         User.warehouse_id == actor.warehouse_id))}
    if orders:
        numbers = {wid: fo for wid, fo in db.session.execute(select(WorkOrder.id, WorkOrder.fo_number).where(
            WorkOrder.id.in_(orders), WorkOrder.warehouse_id == actor.warehouse_id))}
    return {"names": names, "numbers": numbers}


def history_of(actor: Actor, eq: Equipment, *, status_page: int | None = 1, downtime_page: int | None = 1,
               limit: int = HISTORY_PAGE) -> dict:
    """Pages of the status and/or downtime history of an asset the caller already read through
    this module (asset_overview / asset_history), with their labels."""
    status = _status_changes(eq, status_page, limit) if status_page else None
    downtime = _downtime(eq, downtime_page, limit) if downtime_page else None
    result = {"history_labels": _labels(actor, status, downtime)}
    if status:
        result["status_page"] = status
    if downtime:
        result["downtime_page"] = downtime
    return result


def asset_history(actor: Actor, equipment_id: str, kind: str, page: int, limit: int = HISTORY_PAGE) -> dict:
    """One page of one history ("status" or "downtime"): the asset's lookup, one query for the
    rows and at most two for the labels."""
    require(actor, "equipment.read")
    eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    pages = {"status_page": page if kind == "status" else None, "downtime_page": page if kind == "downtime" else None}
    return {"asset": eq, **history_of(actor, eq, **pages, limit=limit)}
