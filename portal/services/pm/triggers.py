"""What else starts or moves a PM schedule: meter readings (a reading crossing a meter template's
threshold creates its work order) and the completion of a PM work order (the schedule counts
from it, and the next calendar occurrence is created if its lead time has begun).

The completion rule is registered on work order completion by portal/wiring.py, not on import.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.models import Equipment, MeterReading, PMTemplate, PMTemplateEquipment, WorkOrder
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderOut
from portal.services.common.actor import Actor
from portal.services.common.events import record_event
from portal.services.pm.scheduler import calendar_due, create_pm_work_order, open_pm_pairs


def normalise_meter(name: str | None) -> str | None:
    return name.strip().lower() if name else None


def latest_reading(equipment_id: str, meter: str) -> float | None:
    return db.session.scalar(
        select(MeterReading.value).where(MeterReading.equipment_id == equipment_id, MeterReading.meter == meter)
        .order_by(MeterReading.read_at.desc(), MeterReading.value.desc()).limit(1)
    )


def meter_reading_recorded(equipment: Equipment, reading: MeterReading, now: datetime) -> list[WorkOrder]:
    """Inside the reading's transaction: start counting, or create the PM whose threshold the
    reading crossed."""
    created: list[WorkOrder] = []
    rows = list(db.session.execute(
        select(PMTemplate, PMTemplateEquipment)
        .join(PMTemplateEquipment, PMTemplateEquipment.template_id == PMTemplate.id)
        .where(PMTemplateEquipment.equipment_id == equipment.id, PMTemplate.active.is_(True),
               PMTemplate.frequency_type == "meter", PMTemplate.meter == reading.meter)
        .order_by(PMTemplate.id)
    ))
    if not rows:
        return created
    state = open_pm_pairs([t.id for t, _ in rows])
    latest = max(reading.value, latest_reading(equipment.id, reading.meter) or 0.0)
    for template, link in rows:
        if link.meter_baseline is None:
            link.meter_baseline = latest  # counting begins with the first reading
            continue
        if latest - link.meter_baseline < template.frequency:
            continue
        if state.get((template.id, equipment.id), (0, None))[0]:
            continue
        due = reading.read_at + timedelta(days=template.lead_days)
        wo = create_pm_work_order(template, equipment, due, trigger="meter", now=now, reading=reading)
        if wo is not None:
            created.append(wo)
    return created


def work_order_completed(wo: WorkOrder, *, actor: Actor, now: datetime) -> None:
    """A completed PM work order moves its schedule on: last completion, meter baseline, pm.completed,
    and the next work order when its lead time has begun (receives work_order_completed, connected
    in portal/wiring.py)."""
    if not wo.pm_template_id:
        return
    template = db.session.get(PMTemplate, wo.pm_template_id)
    link = db.session.get(PMTemplateEquipment, (wo.pm_template_id, wo.equipment_id)) if wo.equipment_id else None
    if link is not None:
        link.last_completed_at = now
        if template.frequency_type == "meter" and template.meter:
            reading = latest_reading(wo.equipment_id, template.meter)
            if reading is not None:
                link.meter_baseline = reading
    db.session.flush()
    next_due = None
    if link is not None and template.frequency_type == "calendar":
        next_due = calendar_due(template, link, wo.pm_due_date)
    record_event(
        "pm.completed", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
        payload={"workOrder": WorkOrderOut.dump(wo), "templateId": wo.pm_template_id,
                 "equipmentId": wo.equipment_id, "dueDate": iso(wo.due_date), "completedAt": iso(now),
                 "onTime": bool(wo.due_date is None or now <= wo.due_date),
                 "actualDuration": wo.actual_duration, "nextDueDate": iso(next_due),
                 "completedBy": actor.id, "timestamp": iso(now)},
        actor=actor, now=now,
    )
    # The next one is counted from this completion; create it now if its lead time has begun.
    if next_due is not None and template.active and next_due - timedelta(days=template.lead_days) <= now:
        equipment = db.session.get(Equipment, wo.equipment_id)
        create_pm_work_order(template, equipment, next_due, trigger="calendar", now=now)
