"""PM templates: what maintenance is done on which equipment and how often; their list, detail
(with where each equipment's schedule stands), editor choices, create, update and delete.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from portal.models import Equipment, PMTemplate, PMTemplateEquipment, User, WorkOrder
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate, PMTemplateQuery, PMTemplateUpdate, check_calendar_frequency
from portal.services.common.actor import Actor
from portal.services.common.changes import apply_changes, given_fields
from portal.services.common.errors import ValidationFailed, field_error
from portal.services.common.querying import Page, paginate, text_filter
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.pm.scheduler import ASSIGNABLE_ROLES, calendar_due, last_scheduled_dues
from portal.services.pm.triggers import latest_reading, normalise_meter
from portal.services.work_orders import lifecycle as work_order_service

NOT_NULL = ("name", "frequency_type", "frequency", "priority", "lead_days", "start_date", "active", "requires_signature",
            "equipment_ids", "checklist")


def stored_checklist(items: list) -> list[dict]:
    """Template checklist items as stored: every item gets a stable id, unique in the template."""
    result: list[dict] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        item_id = item.id or f"item-{n + 1}"
        if item_id in seen:
            raise field_error(f"checklist[{n}].id", f"Duplicate checklist item id {item_id}")
        seen.add(item_id)
        stored = {
            "id": item_id, "description": item.description, "type": item.type, "required": item.required,
            "unit": item.unit, "min": item.min, "max": item.max,
        }
        if item.auto_follow_up:  # kept only when set: templates stored before it read the same
            stored["auto_follow_up"] = True
        result.append(stored)
    return result


def _check_equipment_ids(actor: Actor, ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        return unique
    found = set(db.session.scalars(
        select(Equipment.id).where(Equipment.warehouse_id == actor.warehouse_id, Equipment.id.in_(unique))
    ))
    missing = [n for n, eid in enumerate(ids) if eid not in found]
    if missing:
        raise ValidationFailed(None, [{"field": f"equipmentIds[{n}]", "message": "Equipment not found"} for n in missing])
    return unique


def _check_template_rules(frequency_type: str, meter: str | None) -> None:
    if frequency_type == "meter" and not meter:
        raise field_error("meter", "A meter template names the meter it follows (e.g. hours)")


def _link(template: PMTemplate, equipment_id: str, now: datetime, position: int) -> PMTemplateEquipment:
    baseline = latest_reading(equipment_id, template.meter) if template.meter else None
    link = PMTemplateEquipment(template_id=template.id, equipment_id=equipment_id, added_at=now,
                               meter_baseline=baseline, position=position)
    db.session.add(link)
    return link


def links_of(template_id: str) -> list[PMTemplateEquipment]:
    return list(db.session.scalars(
        select(PMTemplateEquipment).where(PMTemplateEquipment.template_id == template_id)
        .order_by(PMTemplateEquipment.position, PMTemplateEquipment.equipment_id)
    ))


def list_templates(actor: Actor, query: PMTemplateQuery) -> Page:
    require(actor, "pm.read")
    stmt = select(PMTemplate).where(PMTemplate.warehouse_id == actor.warehouse_id)
    if query.active is not None:
        stmt = stmt.where(PMTemplate.active.is_(query.active))
    if query.frequency_type:
        stmt = stmt.where(PMTemplate.frequency_type == query.frequency_type)
    if query.equipment_id:
        stmt = stmt.where(PMTemplate.id.in_(
            select(PMTemplateEquipment.template_id).where(PMTemplateEquipment.equipment_id == query.equipment_id)))
    if query.q:
        stmt = stmt.where(text_filter(query.q, PMTemplate.name, PMTemplate.description))
    return paginate(stmt.order_by(PMTemplate.name, PMTemplate.id), query.page, query.limit)


def get_template(actor: Actor, template_id: str) -> PMTemplate:
    require(actor, "pm.read")
    return get_in_warehouse(PMTemplate, template_id, actor, what="PM template")


def describe_template(template: PMTemplate, *, with_schedule: bool = True) -> dict:
    """The template with its equipment and, per equipment, where the schedule stands."""
    links = links_of(template.id)
    data = {c.key: getattr(template, c.key) for c in PMTemplate.__table__.columns}
    data["equipment_ids"] = [link.equipment_id for link in links]
    data["schedule"] = []
    if with_schedule:
        last_due = last_scheduled_dues(template.id)
        for link in links:
            row = {"equipment_id": link.equipment_id, "last_completed_at": link.last_completed_at}
            if template.frequency_type == "calendar":
                row["next_due_date"] = calendar_due(template, link, last_due.get(link.equipment_id))
            else:
                row["meter_baseline"] = link.meter_baseline
                if link.meter_baseline is not None:
                    row["next_due_reading"] = link.meter_baseline + template.frequency
            data["schedule"].append(row)
    return data


def describe_templates(templates: list[PMTemplate]) -> list[dict]:
    """For lists: equipment ids of every template in one query, no per-row schedule."""
    ids = [t.id for t in templates]
    by_template: dict[str, list[str]] = {t: [] for t in ids}
    if ids:
        for tid, eid in db.session.execute(
            select(PMTemplateEquipment.template_id, PMTemplateEquipment.equipment_id)
            .where(PMTemplateEquipment.template_id.in_(ids))
            .order_by(PMTemplateEquipment.position, PMTemplateEquipment.equipment_id)
        ):
            by_template[tid].append(eid)
    result = []
    for t in templates:
        data = {c.key: getattr(t, c.key) for c in PMTemplate.__table__.columns}
        data["equipment_ids"] = by_template[t.id]
        data["schedule"] = []
        result.append(data)
    return result


def create_template(actor: Actor, data: PMTemplateCreate, *, now: datetime | None = None) -> PMTemplate:
    require(actor, "pm.write")
    now = now or utcnow()
    meter = normalise_meter(data.meter)
    _check_template_rules(data.frequency_type, meter)
    with unit_of_work() as s:
        equipment_ids = _check_equipment_ids(actor, data.equipment_ids)
        work_order_service._check_assignee(actor, data.assigned_to)
        template = PMTemplate(
            warehouse_id=actor.warehouse_id, name=data.name, description=data.description,
            frequency_type=data.frequency_type, frequency=data.frequency,
            meter=meter if data.frequency_type == "meter" else None,
            estimated_duration=data.estimated_duration, priority=data.priority, assigned_to=data.assigned_to,
            lead_days=data.lead_days, start_date=data.start_date or now, checklist=stored_checklist(data.checklist),
            active=True, requires_signature=data.requires_signature, created_at=now, updated_at=now,
        )
        s.add(template)
        s.flush()
        for position, equipment_id in enumerate(equipment_ids):
            _link(template, equipment_id, now, position)
        s.flush()
        return template


def update_template(actor: Actor, template_id: str, data: PMTemplateUpdate, *, now: datetime | None = None) -> PMTemplate:
    require(actor, "pm.write")
    now = now or utcnow()
    values = given_fields(data, NOT_NULL)
    with unit_of_work() as s:
        template = get_in_warehouse(PMTemplate, template_id, actor, what="PM template", lock=True)
        equipment_ids = values.pop("equipment_ids", None)
        if "checklist" in values:
            values["checklist"] = stored_checklist(data.checklist or [])
        if "meter" in values:
            values["meter"] = normalise_meter(values["meter"])
        if "assigned_to" in values:
            work_order_service._check_assignee(actor, values["assigned_to"])
        frequency_type = values.get("frequency_type", template.frequency_type)
        if frequency_type == "calendar":
            values["meter"] = None
        _check_template_rules(frequency_type, values.get("meter", template.meter))
        try:  # switching an existing template to calendar keeps the calendar bound too
            check_calendar_frequency(frequency_type, values.get("frequency", template.frequency))
        except ValueError as exc:
            raise field_error("frequency", str(exc)) from None
        changes = apply_changes(template, values)
        links_changed = False
        if equipment_ids is not None:
            wanted = _check_equipment_ids(actor, equipment_ids)
            current = {link.equipment_id: link for link in links_of(template.id)}
            removed = set(current) - set(wanted)
            if removed:
                s.execute(delete(PMTemplateEquipment).where(
                    PMTemplateEquipment.template_id == template.id,
                    PMTemplateEquipment.equipment_id.in_(removed)))
            for position, equipment_id in enumerate(wanted):
                if equipment_id in current:
                    current[equipment_id].position = position  # kept: its schedule history stays
                else:
                    _link(template, equipment_id, now, position)
            links_changed = bool(removed or set(wanted) - set(current))
        if "meter" in changes and template.meter:
            # A different meter: count from its latest reading.
            for link in links_of(template.id):
                link.meter_baseline = latest_reading(link.equipment_id, template.meter)
        if changes or links_changed:
            template.updated_at = now
        s.flush()
        return template


def delete_template(actor: Actor, template_id: str, *, now: datetime | None = None) -> PMTemplate | None:
    """Delete a template no work order refers to; otherwise deactivate it (the history stays).

    Returns None when deleted, the deactivated template otherwise."""
    require(actor, "pm.write")
    now = now or utcnow()
    with unit_of_work() as s:
        template = get_in_warehouse(PMTemplate, template_id, actor, what="PM template", lock=True)
        used = s.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.pm_template_id == template.id))
        if not used:
            s.execute(delete(PMTemplateEquipment).where(PMTemplateEquipment.template_id == template.id))
            s.delete(template)
            return None
        if template.active:
            template.active = False
            template.updated_at = now
        return template


def template_summaries(templates: list[PMTemplate]) -> dict[str, dict]:
    """For the template list: assets covered and the nearest calendar due date per template,
    in two queries whatever the number of templates (links, then the last scheduled dues)."""
    ids = [t.id for t in templates]
    result: dict[str, dict] = {t: {"assets": 0, "next_due": None} for t in ids}
    if not ids:
        return result
    links = list(db.session.scalars(select(PMTemplateEquipment).join(
        Equipment, Equipment.id == PMTemplateEquipment.equipment_id).where(
        PMTemplateEquipment.template_id.in_(ids), Equipment.status != "retired")))
    last_due = dict(((t, e), due) for t, e, due in db.session.execute(
        select(WorkOrder.pm_template_id, WorkOrder.equipment_id, func.max(WorkOrder.pm_due_date))
        .where(WorkOrder.pm_template_id.in_(ids)).group_by(WorkOrder.pm_template_id, WorkOrder.equipment_id)))
    by_id = {t.id: t for t in templates}
    for link in links:
        summary = result[link.template_id]
        summary["assets"] += 1
        template = by_id[link.template_id]
        if template.frequency_type == "calendar":
            due = calendar_due(template, link, last_due.get((template.id, link.equipment_id)))
            if summary["next_due"] is None or due < summary["next_due"]:
                summary["next_due"] = due
    return result


# --- the portal's template editor ------------------------------------------------------------

def template_choices(actor: Actor) -> dict:
    """What a template may point at in the actor's warehouse: its equipment (not retired) and the
    people PM work orders can be assigned to. Two queries."""
    require(actor, "pm.write")
    equipment = list(db.session.execute(
        select(Equipment.id, Equipment.asset_tag, Equipment.description, Equipment.location, Equipment.status)
        .where(Equipment.warehouse_id == actor.warehouse_id).order_by(Equipment.asset_tag, Equipment.id)))
    people = [(uid, name or email) for uid, name, email in db.session.execute(
        select(User.id, User.name, User.email).where(
            User.warehouse_id == actor.warehouse_id, User.active.is_(True), User.role.in_(ASSIGNABLE_ROLES))
        .order_by(User.name, User.email))]
    return {"equipment": equipment, "people": people}
