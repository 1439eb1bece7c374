"""Equipment (assets): register, change, and announce status changes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Equipment
from ..models.types import utcnow
from ..schemas.common import iso
from ..schemas.equipment import EquipmentCreate, EquipmentOut, EquipmentQuery, EquipmentUpdate
from .actor import Actor
from .changes import apply_changes, given_fields
from .db import assert_unique_in_warehouse, get_in_warehouse, unique_violation_as_conflict, unit_of_work
from .events import record_event
from .permissions import require
from .querying import Page, paginate, text_filter

NOT_NULL = ("asset_tag", "status", "criticality")


def _assert_tag_free(actor: Actor, asset_tag: str, except_id: str | None = None) -> None:
    assert_unique_in_warehouse(Equipment.asset_tag, asset_tag, actor, field="assetTag",
                               message=f"Asset tag {asset_tag} is already in use", except_id=except_id)


def _flush_tag(asset_tag: str) -> None:
    """Flush; a concurrent insert of the same tag that won the race is the same 409."""
    with unique_violation_as_conflict(Equipment.asset_tag, field="assetTag",
                                      message=f"Asset tag {asset_tag} is already in use"):
        db.session.flush()


def list_equipment(actor: Actor, query: EquipmentQuery) -> Page:
    require(actor, "equipment.read")
    stmt = select(Equipment).where(Equipment.warehouse_id == actor.warehouse_id)
    if query.status:
        stmt = stmt.where(Equipment.status.in_(query.status))
    if query.criticality:
        stmt = stmt.where(Equipment.criticality.in_(query.criticality))
    if query.q:
        stmt = stmt.where(text_filter(query.q, Equipment.asset_tag, Equipment.model, Equipment.manufacturer,
                                      Equipment.description, Equipment.location))
    return paginate(stmt.order_by(Equipment.asset_tag, Equipment.id), query.page, query.limit)


def get_equipment(actor: Actor, equipment_id: str) -> Equipment:
    require(actor, "equipment.read")
    return get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")


def create_equipment(actor: Actor, data: EquipmentCreate, *, now: datetime | None = None) -> Equipment:
    require(actor, "equipment.write")
    now = now or utcnow()
    with unit_of_work() as s:
        _assert_tag_free(actor, data.asset_tag)
        eq = Equipment(warehouse_id=actor.warehouse_id, created_at=now, updated_at=now, **data.model_dump())
        s.add(eq)
        _flush_tag(eq.asset_tag)
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
        eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment", lock=True)
        if "asset_tag" in values and values["asset_tag"] != eq.asset_tag:
            _assert_tag_free(actor, values["asset_tag"], except_id=eq.id)
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
            record_event(
                "equipment.status_changed", entity="equipment", entity_id=eq.id, warehouse_id=eq.warehouse_id,
                payload={"equipment": body, "previousStatus": changes["status"]["from"],
                         "status": changes["status"]["to"], "changedBy": actor.id, "timestamp": iso(now)},
                actor=actor, now=now,
            )
        return eq
