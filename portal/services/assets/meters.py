"""Equipment meters (run hours, cycles, km): readings only go up; crossing a meter PM's
threshold creates its work order in the same transaction as the reading."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.models import Equipment, MeterReading, WorkOrder
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.schemas.pm import MeterReadingCreate, MeterReadingQuery
from portal.services.common.actor import Actor
from portal.services.common.errors import ValidationFailed, field_error
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.pm import triggers as pm_triggers

# Whoever works on maintenance reads meters on their rounds: the same roles that update work orders.
RECORD_PERMISSION = "work_orders.update"


def list_readings(actor: Actor, equipment_id: str, query: MeterReadingQuery) -> Page:
    require(actor, "equipment.read")
    equipment = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment")
    stmt = select(MeterReading).where(MeterReading.equipment_id == equipment.id)
    if query.meter:
        stmt = stmt.where(MeterReading.meter == pm_triggers.normalise_meter(query.meter))
    return paginate(stmt.order_by(MeterReading.read_at.desc(), MeterReading.value.desc(), MeterReading.id),
                    query.page, query.limit)


def record_reading(actor: Actor, equipment_id: str, data: MeterReadingCreate,
                   *, now: datetime | None = None) -> tuple[MeterReading, list[WorkOrder]]:
    """Record a reading; returns it and the PM work orders it triggered."""
    require(actor, RECORD_PERMISSION)
    now = now or utcnow()
    read_at = data.read_at or now
    if read_at > now + timedelta(minutes=5):
        raise field_error("readAt", "A reading cannot be taken in the future")
    meter = pm_triggers.normalise_meter(data.meter)
    with unit_of_work() as s:
        # The equipment row lock orders concurrent readings of one machine.
        equipment = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment", lock=True)
        same_meter = (MeterReading.equipment_id == equipment.id, MeterReading.meter == meter)
        before = s.scalar(select(func.max(MeterReading.value)).where(*same_meter, MeterReading.read_at <= read_at))
        if before is not None and data.value < before:
            raise ValidationFailed(
                f"Meter {meter} reads lower than before",
                [{"field": "value", "message": f"Must be at least {before:g}, the last reading of {meter}"}])
        after = s.scalar(select(func.min(MeterReading.value)).where(*same_meter, MeterReading.read_at > read_at))
        if after is not None and data.value > after:
            raise ValidationFailed(
                f"Meter {meter} reads higher than a later reading",
                [{"field": "value", "message": f"Must be at most {after:g}, a later reading of {meter}"}])
        reading = MeterReading(warehouse_id=equipment.warehouse_id, equipment_id=equipment.id, meter=meter,
                               value=data.value, unit=data.unit, read_at=read_at, recorded_by=actor.id,
                               created_at=now)
        s.add(reading)
        s.flush()
        created = pm_triggers.meter_reading_recorded(equipment, reading, now)
        return reading, created
