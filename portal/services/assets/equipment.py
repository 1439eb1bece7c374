"""Equipment (assets): register, change, and announce status changes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from portal.models import DowntimePeriod, Equipment, WorkOrder
from portal.models.enums import DOWNTIME_PLANNED, DOWNTIME_REASON
from portal.models.types import utcnow
from portal.platform.cache import cached
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.equipment import EquipmentCreate, EquipmentOut, EquipmentQuery, EquipmentStatusChange, EquipmentUpdate
from portal.services.assets import hierarchy
from portal.services.common.actor import Actor
from portal.services.common.changes import apply_changes, given_fields
from portal.services.common.errors import field_error
from portal.services.common.events import record_event
from portal.services.common.querying import Page, SyncPage, paginate, sync_filters, sync_page, text_filter
from portal.services.common.tenancy import assert_unique_in_warehouse, get_in_warehouse, unique_violation_as_conflict
from portal.services.identity.permissions import require

NOT_NULL = ("asset_tag", "status", "criticality")
# GET /api/equipment?parentId=root: the top-level assets (those without a parent).
ROOT = "root"


def _assert_tag_free(actor: Actor, asset_tag: str, except_id: str | None = None) -> None:
    assert_unique_in_warehouse(Equipment.asset_tag, asset_tag, actor, field="assetTag",
                               message=f"Asset tag {asset_tag} is already in use", except_id=except_id)


def _flush_tag(asset_tag: str) -> None:
    """Flush; a concurrent insert of the same tag that won the race is the same 409."""
    with unique_violation_as_conflict(Equipment.asset_tag, field="assetTag",
                                      message=f"Asset tag {asset_tag} is already in use"):
        db.session.flush()


def list_equipment(actor: Actor, query: EquipmentQuery) -> Page:
    return paginate(equipment_select(actor, query), query.page, query.limit, exact=query.exact_count,
                    search=bool(query.q))


def sync_equipment(actor: Actor, query: EquipmentQuery) -> SyncPage:
    """A sync read of the list (query.cursor set): equipment after the cursor, oldest change first."""
    return sync_page(equipment_select(actor, query), Equipment, query, search=bool(query.q))


def equipment_select(actor: Actor, query: EquipmentQuery) -> Select:
    """The list's filtered, ordered query (no paging): the list pages it, the CSV export streams it."""
    require(actor, "equipment.read")
    stmt = select(Equipment).where(Equipment.warehouse_id == actor.warehouse_id)
    if query.status:
        stmt = stmt.where(Equipment.status.in_(query.status))
    if query.criticality:
        stmt = stmt.where(Equipment.criticality.in_(query.criticality))
    if query.area:
        stmt = stmt.where(Equipment.area == query.area)
    if query.parent_id == ROOT:
        stmt = stmt.where(Equipment.parent_id.is_(None))
    elif query.parent_id:
        stmt = stmt.where(Equipment.parent_id == query.parent_id)
    if query.q:
        stmt = stmt.where(text_filter(query.q, Equipment.asset_tag, Equipment.model, Equipment.manufacturer,
                                      Equipment.description, Equipment.location))
    stmt = sync_filters(stmt, Equipment, query)
    return stmt.order_by(Equipment.asset_tag, Equipment.id)


def get_equipment(actor: Actor, equipment_id: str) -> Equipment:
    require(actor, "equipment.read")
    return get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")


def equipment_answer(actor: Actor, equipment_id: str) -> dict:
    """GET /api/equipment/{id} as the API writes it, kept in the read cache
    (portal/platform/cache.py) until the warehouse's next write of equipment or downtime. The
    permission first: a kept answer never skips it."""
    require(actor, "equipment.read")
    return cached("equipment", actor.warehouse_id, (equipment_id,),
                  lambda: EquipmentOut.dump(get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")))


def create_equipment(actor: Actor, data: EquipmentCreate, *, now: datetime | None = None) -> Equipment:
    require(actor, "equipment.write")
    now = now or utcnow()
    with unit_of_work() as s:
        _assert_tag_free(actor, data.asset_tag)
        hierarchy.check_parent(actor, data.parent_id)
        eq = Equipment(warehouse_id=actor.warehouse_id, created_at=now, updated_at=now, **data.model_dump())
        s.add(eq)
        _flush_tag(eq.asset_tag)
        if eq.status == "down":
            track_downtime(eq, "active", "down", actor, now)
        record_event(
            "equipment.created", entity="equipment", entity_id=eq.id, warehouse_id=eq.warehouse_id,
            payload={"equipment": EquipmentOut.dump(eq), "createdBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
        return eq


def update_equipment(actor: Actor, equipment_id: str, data: EquipmentUpdate, *, now: datetime | None = None) -> Equipment:
    require(actor, "equipment.write")
    now = now or utcnow()
    values = given_fields(data, NOT_NULL)
    with unit_of_work():
        if values.get("parent_id") is not None:
            hierarchy.serialise_moves(actor)  # before the asset's own lock (see there)
        eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment", lock=True)
        if "asset_tag" in values and values["asset_tag"] != eq.asset_tag:
            _assert_tag_free(actor, values["asset_tag"], except_id=eq.id)
        if values.get("parent_id", eq.parent_id) != eq.parent_id:
            hierarchy.check_parent(actor, values["parent_id"], eq.id)
        changes = apply_changes(eq, values)
        if not changes:
            return eq
        eq.updated_at = now
        _flush_tag(eq.asset_tag)
        body = EquipmentOut.dump(eq)
        record_event(
            "equipment.updated", entity="equipment", entity_id=eq.id, warehouse_id=eq.warehouse_id,
            payload={"equipment": body, "changes": changes, "updatedBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
        if "status" in changes:
            _status_changed(eq, body, changes["status"]["from"], actor, now)
        return eq


def downtime_kind(reason_code: str | None, planned: bool | None) -> tuple[str, bool]:
    """The (reason code, planned) of a stop. Neither given: a breakdown (what every stop was before
    reasons existed); planned alone: `other`; a code that decides refuses a `planned` that disagrees."""
    if reason_code is None:
        return ("other", True) if planned else ("breakdown", False)
    fixed = DOWNTIME_PLANNED[reason_code]
    if fixed is not None and planned is not None and planned != fixed:
        raise field_error("planned", f"A {DOWNTIME_REASON.label(reason_code).lower()} stop is "
                                     f"{'planned' if fixed else 'unplanned'}: leave planned out or use reasonCode other")
    return reason_code, fixed if fixed is not None else bool(planned)


def track_downtime(eq: Equipment, old: str, new: str, actor: Actor, now: datetime, *,
                   reason: str | None = None, work_order_id: str | None = None,
                   reason_code: str = "breakdown", planned: bool = False) -> DowntimePeriod | None:
    """Going `down` opens a downtime period; leaving `down` closes the open one. Returns the period
    opened or closed (None when the change is neither)."""
    period = None
    if new == "down" and old != "down":
        period = DowntimePeriod(warehouse_id=eq.warehouse_id, equipment_id=eq.id, started_at=now, reason=reason,
                                reason_code=reason_code, planned=planned, work_order_id=work_order_id,
                                started_by=actor.id)
        db.session.add(period)
    elif old == "down" and new != "down":
        for period in db.session.scalars(select(DowntimePeriod).where(
                DowntimePeriod.equipment_id == eq.id, DowntimePeriod.ended_at.is_(None))):
            period.ended_at = max(now, period.started_at)
            period.ended_by = actor.id
    db.session.flush()
    return period


def _status_changed(eq: Equipment, body: dict, old: str, actor: Actor, now: datetime, *,
                    reason: str | None = None, work_order_id: str | None = None,
                    reason_code: str = "breakdown", planned: bool = False) -> None:
    period = track_downtime(eq, old, eq.status, actor, now, reason=reason, work_order_id=work_order_id,
                            reason_code=reason_code, planned=planned)
    record_event(
        "equipment.status_changed", entity="equipment", entity_id=eq.id, warehouse_id=eq.warehouse_id,
        payload={"equipment": body, "previousStatus": old, "status": eq.status, "reason": reason,
                 "workOrderId": work_order_id,
                 # The period's own reason: the one opened, or the one closed by coming back up.
                 "reasonCode": period.reason_code if period else None,
                 "planned": period.planned if period else None,
                 "downtimePeriodId": period.id if period else None,
                 "changedBy": actor.id, "timestamp": iso(now)},
        actor=actor, now=now,
    )


def change_status(actor: Actor, equipment_id: str, data: EquipmentStatusChange, *,
                  now: datetime | None = None) -> Equipment:
    """Mark an asset down or back up (any status), with a reason and optionally the work order; going
    down, with a reason code and planned or not (defaults: downtime_kind)."""
    require(actor, "equipment.status")
    now = now or utcnow()
    with unit_of_work():
        eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment", lock=True)
        if data.work_order_id is not None and db.session.scalar(select(WorkOrder.id).where(
                WorkOrder.id == data.work_order_id, WorkOrder.warehouse_id == actor.warehouse_id)) is None:
            raise field_error("workOrderId", "Work order not found")
        if data.status != "down" and (data.reason_code is not None or data.planned is not None):
            field = "reasonCode" if data.reason_code is not None else "planned"
            raise field_error(field, "Only when marking the equipment down")
        reason_code, planned = downtime_kind(data.reason_code, data.planned)
        old = eq.status
        if old == data.status:
            return eq
        eq.status = data.status
        eq.updated_at = now
        db.session.flush()
        _status_changed(eq, EquipmentOut.dump(eq), old, actor, now, reason=data.reason,
                        work_order_id=data.work_order_id, reason_code=reason_code, planned=planned)
        return eq


def mark_down_for_work_order(actor: Actor, wo: WorkOrder, now: datetime) -> None:
    """A failure reported with equipmentDown: the asset goes down, the period linked to the order."""
    eq = get_in_warehouse(Equipment, wo.equipment_id, actor, what="Equipment", lock=True)
    if eq.status == "down":
        return
    old, eq.status, eq.updated_at = eq.status, "down", now
    db.session.flush()
    _status_changed(eq, EquipmentOut.dump(eq), old, actor, now, reason=wo.title, work_order_id=wo.id)


def work_order_completed(wo: WorkOrder, *, actor: Actor, now: datetime) -> None:
    """Completing the order that took its asset down brings the asset back up (closes the period).
    Receives work_order_completed (connected in portal/wiring.py)."""
    linked = db.session.scalar(select(DowntimePeriod).where(
        DowntimePeriod.work_order_id == wo.id, DowntimePeriod.ended_at.is_(None)))
    if linked is None:
        return
    eq = get_in_warehouse(Equipment, linked.equipment_id, Actor.system(wo.warehouse_id), what="Equipment",
                          lock=True)
    if eq.status != "down":
        linked.ended_at, linked.ended_by = now, actor.id
        return
    eq.status, eq.updated_at = "active", now
    db.session.flush()
    _status_changed(eq, EquipmentOut.dump(eq), "down", actor, now, reason=f"{wo.fo_number} completed",
                    work_order_id=wo.id)


def list_downtime(actor: Actor, equipment_id: str, page: int = 1, limit: int = 100) -> Page:
    require(actor, "equipment.read")
    eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    stmt = (select(DowntimePeriod).where(DowntimePeriod.equipment_id == eq.id)
            .order_by(DowntimePeriod.started_at.desc(), DowntimePeriod.id))
    return paginate(stmt, page, limit)
