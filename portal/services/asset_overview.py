"""What the asset page shows, read in a fixed number of queries (no query per row)."""
from __future__ import annotations

from sqlalchemy import distinct, select

from ..extensions import db
from ..models import (
    DomainEvent,
    DowntimePeriod,
    Equipment,
    MeterReading,
    PMTemplate,
    PMTemplateEquipment,
    User,
    WorkOrder,
)
from ..models.enums import OPEN_STATUS
from . import equipment as equipment_service
from .actor import Actor
from .db import get_in_warehouse
from .permissions import require
from .querying import Page, paginate

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


HISTORY_PAGE = 10


def status_history(actor: Actor, equipment_id: str, page: int = 1, limit: int = HISTORY_PAGE) -> Page:
    """Status changes of the asset, newest first: the equipment.status_changed events the
    services record in the same transaction as the change (so the history cannot drift)."""
    require(actor, "equipment.read")
    eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    stmt = (select(DomainEvent).where(DomainEvent.entity_id == eq.id, DomainEvent.warehouse_id == eq.warehouse_id,
                                      DomainEvent.event == "equipment.status_changed")
            .order_by(DomainEvent.created_at.desc(), DomainEvent.id.desc()))
    return paginate(stmt, page, limit)


def downtime_history(actor: Actor, equipment_id: str, page: int = 1, limit: int = HISTORY_PAGE) -> Page:
    """Recorded downtime periods, newest first (services/equipment.list_downtime)."""
    return equipment_service.list_downtime(actor, equipment_id, page, limit)


def history_labels(actor: Actor, user_ids: list[str | None], work_order_ids: list[str | None]) -> dict:
    """Names of the people and numbers of the work orders a history page mentions: two queries
    at most, whatever the number of rows; only the actor's warehouse."""
    users = {i for i in user_ids if i}
    orders = {i for i in work_order_ids if i}
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
