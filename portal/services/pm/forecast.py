"""The PM forecast: the calendar PM occurrences that fall due in a span and have no work order
yet, by the scheduler's own rule (scheduler.calendar_due), for the board's calendar. Meter
templates fall due with readings, not dates: they are not forecast."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.models import Equipment, PMTemplate, PMTemplateEquipment, WorkOrder
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.identity.permissions import require
from portal.services.pm.scheduler import calendar_due

# Most occurrences one span lists (a month of a large plant's daily PMs stays readable).
FORECAST_LIMIT = 500


@dataclass(frozen=True)
class ForecastItem:
    due: datetime
    template_id: str
    template_name: str
    equipment_id: str
    asset_tag: str


def forecast(actor: Actor, start: datetime, end: datetime) -> list[ForecastItem]:
    """Occurrences due in [start, end) of the warehouse's active calendar templates, on equipment
    not retired, each after the last one that already has its work order; by due date. Three
    queries whatever the number of templates."""
    require(actor, "pm.read")
    templates = {t.id: t for t in db.session.scalars(select(PMTemplate).where(
        PMTemplate.warehouse_id == actor.warehouse_id, PMTemplate.active.is_(True),
        PMTemplate.frequency_type == "calendar"))}
    if not templates:
        return []
    links = db.session.execute(
        select(PMTemplateEquipment, Equipment.asset_tag)
        .join(Equipment, Equipment.id == PMTemplateEquipment.equipment_id)
        .where(PMTemplateEquipment.template_id.in_(templates), Equipment.status != "retired")).all()
    last_due = {(t, e): due for t, e, due in db.session.execute(
        select(WorkOrder.pm_template_id, WorkOrder.equipment_id, func.max(WorkOrder.pm_due_date))
        .where(WorkOrder.pm_template_id.in_(templates), WorkOrder.warehouse_id == actor.warehouse_id)
        .group_by(WorkOrder.pm_template_id, WorkOrder.equipment_id))}
    items: list[ForecastItem] = []
    for link, tag in links:
        template = templates[link.template_id]
        last = last_due.get((template.id, link.equipment_id))
        while len(items) < FORECAST_LIMIT:
            due = calendar_due(template, link, last)
            if due >= end:
                break
            if due >= start:
                items.append(ForecastItem(due, template.id, template.name, link.equipment_id, tag))
            last = due  # the next occurrence, as if this one had its work order
    return sorted(items, key=lambda i: (i.due, i.template_name, i.asset_tag))
