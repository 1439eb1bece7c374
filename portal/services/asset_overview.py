"""What the asset page shows, read in a fixed number of queries (no query per row)."""
from __future__ import annotations

from sqlalchemy import distinct, select

from ..extensions import db
from ..models import DowntimePeriod, Equipment, MeterReading, PMTemplate, PMTemplateEquipment, WorkOrder
from ..models.enums import OPEN_STATUS
from .actor import Actor
from .db import get_in_warehouse
from .permissions import require

PAST_SHOWN = 20
READINGS_SHOWN = 10


def areas(actor: Actor) -> list[str]:
    """The warehouse's areas, for the asset list's filter."""
    require(actor, "equipment.read")
    return list(db.session.scalars(
        select(distinct(Equipment.area)).where(Equipment.warehouse_id == actor.warehouse_id,
                                               Equipment.area.is_not(None)).order_by(Equipment.area)))


def asset_overview(actor: Actor, equipment_id: str) -> dict:
    """The asset, its open downtime, open and recent past work orders, latest meter readings and
    the PM templates that cover it."""
    require(actor, "equipment.read")
    eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    work = select(WorkOrder).where(WorkOrder.equipment_id == eq.id)
    open_orders = list(db.session.scalars(
        work.where(WorkOrder.status.in_(OPEN_STATUS.values))
        .order_by(WorkOrder.due_date.asc().nulls_last(), WorkOrder.created_at.desc(), WorkOrder.id)))
    past_orders = list(db.session.scalars(
        work.where(WorkOrder.status.not_in(OPEN_STATUS.values))
        .order_by(WorkOrder.updated_at.desc(), WorkOrder.id).limit(PAST_SHOWN)))
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
    return {"asset": eq, "open_orders": open_orders, "past_orders": past_orders, "readings": readings,
            "templates": templates, "downtime": downtime}
