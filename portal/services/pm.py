"""Preventive maintenance: templates, the scheduler, meter triggers, overdue and completion.

Scheduling rules (README: "Preventive maintenance"):
- calendar: every `frequency` days, counted from the last completion, or before the first one
  from startDate (equipment joining later takes the template's next occurrence after it
  joined). An occurrence whose work order was cancelled is skipped: the next one is a whole
  period later.
- meter: due as soon as a reading reaches baseline + frequency, the baseline being the reading
  at the last PM completion (or when counting began).
- A work order is created `leadDays` before a calendar due date; at most one open PM work order
  exists per template and equipment (a unique index), and one per scheduled date (another), so
  concurrent or repeated runs never duplicate and a missed run catches up with one work order.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    ChecklistItem,
    Equipment,
    MeterReading,
    PMTemplate,
    PMTemplateEquipment,
    User,
    WorkOrder,
)
from ..models.types import utcnow
from ..schemas.common import iso
from ..schemas.pm import PMTemplateCreate, PMTemplateQuery, PMTemplateUpdate, check_calendar_frequency
from ..schemas.work_orders import WorkOrderCreate, WorkOrderOut
from . import work_orders as work_order_service
from .actor import Actor
from .changes import apply_changes, given_fields
from .db import get_in_warehouse, unit_of_work
from .errors import ValidationFailed, field_error
from .events import record_event
from .isolation import each_isolated
from .permissions import require
from .querying import Page, paginate, text_filter

log = logging.getLogger(__name__)

NOT_NULL = ("name", "frequency_type", "frequency", "priority", "lead_days", "start_date", "active",
            "equipment_ids", "checklist")
ASSIGNABLE_ROLES = work_order_service.ASSIGNABLE_ROLES


def normalise_meter(name: str | None) -> str | None:
    return name.strip().lower() if name else None


# --- templates -------------------------------------------------------------------------------

def _checklist(items: list) -> list[dict]:
    """Template checklist items as stored: every item gets a stable id, unique in the template."""
    result: list[dict] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        item_id = item.id or f"item-{n + 1}"
        if item_id in seen:
            raise field_error(f"checklist[{n}].id", f"Duplicate checklist item id {item_id}")
        seen.add(item_id)
        result.append({
            "id": item_id, "description": item.description, "type": item.type, "required": item.required,
            "unit": item.unit, "min": item.min, "max": item.max,
        })
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


def _latest_reading(equipment_id: str, meter: str) -> float | None:
    return db.session.scalar(
        select(MeterReading.value).where(MeterReading.equipment_id == equipment_id, MeterReading.meter == meter)
        .order_by(MeterReading.read_at.desc(), MeterReading.value.desc()).limit(1)
    )


def _link(template: PMTemplate, equipment_id: str, now: datetime, position: int) -> PMTemplateEquipment:
    baseline = _latest_reading(equipment_id, template.meter) if template.meter else None
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
        last_due = _last_scheduled_dues(template.id)
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
            lead_days=data.lead_days, start_date=data.start_date or now, checklist=_checklist(data.checklist),
            active=True, created_at=now, updated_at=now,
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
            values["checklist"] = _checklist(data.checklist or [])
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
                link.meter_baseline = _latest_reading(link.equipment_id, template.meter)
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


# --- scheduling ------------------------------------------------------------------------------

def calendar_due(template: PMTemplate, link: PMTemplateEquipment, last_scheduled_due: datetime | None) -> datetime:
    """Due date of the next calendar occurrence for one piece of equipment."""
    period = timedelta(days=template.frequency)
    if link.last_completed_at is not None:
        due = link.last_completed_at + period
    else:
        due = template.start_date + period
        if due < link.added_at:
            # Equipment that joined later takes the template's next occurrence after it joined.
            due += math.ceil((link.added_at - due) / period) * period
    if last_scheduled_due is not None and due <= last_scheduled_due:
        # That occurrence already had its work order (e.g. it was cancelled): take the next one.
        periods = math.floor((last_scheduled_due - due) / period) + 1
        due = due + periods * period
    return due


def calendar_preview(frequency: int, start_date: datetime, *, added_at: datetime, count: int = 5,
                     last_completed_at: datetime | None = None,
                     last_scheduled_due: datetime | None = None) -> list[datetime]:
    """The next `count` calendar due dates of one piece of equipment, by the scheduler's own rule
    (calendar_due), assuming each occurrence gets its work order: pure, no database."""
    template = PMTemplate(frequency=frequency, start_date=start_date)
    link = PMTemplateEquipment(added_at=added_at, last_completed_at=last_completed_at)
    dues: list[datetime] = []
    last = last_scheduled_due
    for _ in range(count):
        last = calendar_due(template, link, last)
        dues.append(last)
    return dues


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


def _last_scheduled_dues(template_id: str) -> dict[str, datetime]:
    rows = db.session.execute(
        select(WorkOrder.equipment_id, func.max(WorkOrder.pm_due_date))
        .where(WorkOrder.pm_template_id == template_id).group_by(WorkOrder.equipment_id)
    )
    return {eid: due for eid, due in rows}


@contextmanager
def _savepoint() -> Iterator[None]:
    """A savepoint that also forgets the events recorded inside it when it is rolled back."""
    session = db.session()
    pending = session.info.setdefault("pending_event_ids", [])
    mark = len(pending)
    try:
        with session.begin_nested():
            yield
    except IntegrityError:
        del session.info.get("pending_event_ids", [])[mark:]
        raise


def _is_pm_duplicate(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return "uq_work_orders_pm_occurrence" in text or "uq_work_orders_open_pm" in text or (
        "UNIQUE constraint failed" in text and "work_orders.pm_template_id" in text)


def _valid_assignee(warehouse_id: str, user_id: str | None) -> str | None:
    """The template's default assignee, unless they left or can no longer take work orders."""
    if user_id is None:
        return None
    ok = db.session.scalar(select(func.count()).select_from(User).where(
        User.id == user_id, User.warehouse_id == warehouse_id, User.active.is_(True),
        User.role.in_(ASSIGNABLE_ROLES)))
    return user_id if ok else None


def create_pm_work_order(template: PMTemplate, equipment: Equipment, due: datetime, *, trigger: str,
                         now: datetime, reading: MeterReading | None = None) -> WorkOrder | None:
    """Create one PM work order (checklist copied, pm.scheduled recorded) inside the caller's
    transaction. Returns None when another run already created it (a unique index said so).

    The system creates it, whoever's action triggered it: a technician recording the meter
    reading that crossed the threshold may not create assigned work orders."""
    actor = Actor.system(template.warehouse_id)
    body = WorkOrderCreate.model_validate({
        "title": f"PM: {template.name} - {equipment.asset_tag}"[:200],
        "description": template.description,
        "priority": template.priority,
        "type": "preventive",
        "equipmentId": equipment.id,
        "assignedTo": _valid_assignee(template.warehouse_id, template.assigned_to),
        "dueDate": due,
    })
    try:
        with _savepoint():
            wo = work_order_service.create_work_order(
                actor, body, now=now, pm_template_id=template.id, pm_due_date=due,
                estimated_duration=template.estimated_duration)
            for position, item in enumerate(template.checklist or []):
                db.session.add(ChecklistItem(
                    work_order_id=wo.id, position=position, item_key=item["id"], description=item["description"],
                    type=item["type"], required=bool(item.get("required")), unit=item.get("unit"),
                    min_value=item.get("min"), max_value=item.get("max"), updated_at=now))
            db.session.flush()
            payload = {
                "workOrder": WorkOrderOut.dump(wo), "templateId": template.id, "templateName": template.name,
                "equipmentId": equipment.id, "dueDate": iso(due), "trigger": trigger, "timestamp": iso(now),
            }
            if reading is not None:
                payload["meter"] = {"name": reading.meter, "value": reading.value, "readAt": iso(reading.read_at)}
            record_event("pm.scheduled", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
                         payload=payload, actor=actor, now=now)
    except IntegrityError as exc:
        if not _is_pm_duplicate(exc):
            raise
        return None
    return wo


def _open_pm_pairs(template_ids: list[str]) -> dict[tuple[str, str], tuple[int, datetime | None]]:
    """(template, equipment) -> (open PM work orders, latest scheduled due date), one GROUP BY."""
    if not template_ids:
        return {}
    rows = db.session.execute(
        select(WorkOrder.pm_template_id, WorkOrder.equipment_id,
               func.sum(case((WorkOrder.status.in_(OPEN_STATUSES), 1), else_=0)),
               func.max(WorkOrder.pm_due_date))
        .where(WorkOrder.pm_template_id.in_(template_ids))
        .group_by(WorkOrder.pm_template_id, WorkOrder.equipment_id)
    )
    return {(t, e): (int(n or 0), due) for t, e, n, due in rows}


def schedule_due(now: datetime | None = None, *, warehouse_id: str | None = None,
                 template_id: str | None = None, equipment_id: str | None = None) -> dict:
    """Create the calendar PM work orders whose lead time has begun. Safe to run at any time,
    as often as wanted and from several workers at once."""
    now = now or utcnow()
    stmt = (select(PMTemplate, PMTemplateEquipment, Equipment)
            .join(PMTemplateEquipment, PMTemplateEquipment.template_id == PMTemplate.id)
            .join(Equipment, Equipment.id == PMTemplateEquipment.equipment_id)
            .where(PMTemplate.active.is_(True), PMTemplate.frequency_type == "calendar",
                   Equipment.status != "retired")
            .order_by(PMTemplate.warehouse_id, PMTemplate.id, Equipment.id))
    if warehouse_id:
        stmt = stmt.where(PMTemplate.warehouse_id == warehouse_id)
    if template_id:
        stmt = stmt.where(PMTemplate.id == template_id)
    if equipment_id:
        stmt = stmt.where(Equipment.id == equipment_id)
    summary = {"created": 0, "skipped": 0, "notDue": 0, "failed": 0, "workOrderIds": []}
    candidates = [(t.id, link.equipment_id) for t, link, _eq in db.session.execute(stmt)]
    state = _open_pm_pairs(sorted({template_id for template_id, _ in candidates}))

    def schedule_one(pair: tuple[str, str]) -> None:
        # Re-read by id: a failed row before this one rolled the session back.
        template = db.session.get(PMTemplate, pair[0])
        link = db.session.get(PMTemplateEquipment, pair)
        equipment = db.session.get(Equipment, pair[1])
        open_count, last_due = state.get(pair, (0, None))
        if open_count:
            summary["skipped"] += 1  # one open PM per template and equipment
            return
        due = calendar_due(template, link, last_due)
        if due - timedelta(days=template.lead_days) > now:
            summary["notDue"] += 1
            return
        with unit_of_work():
            wo = create_pm_work_order(template, equipment, due, trigger="calendar", now=now)
        if wo is None:
            summary["skipped"] += 1  # another run created it first
        else:
            summary["created"] += 1
            summary["workOrderIds"].append(wo.id)

    each_isolated("pm-schedule", candidates, schedule_one, summary,
                  describe=lambda pair: f"PM template {pair[0]}, equipment {pair[1]}")
    return summary


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
    state = _open_pm_pairs([t.id for t, _ in rows])
    latest = max(reading.value, _latest_reading(equipment.id, reading.meter) or 0.0)
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


def notify_overdue(now: datetime | None = None) -> dict:
    """Emit pm.overdue once per PM work order past its due date and still open."""
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(WorkOrder.id).where(WorkOrder.pm_template_id.is_not(None), WorkOrder.status.in_(OPEN_STATUSES),
                                   WorkOrder.due_date < now, WorkOrder.overdue_notified_at.is_(None))
        .order_by(WorkOrder.due_date, WorkOrder.id)
    ))
    summary = {"notified": 0, "candidates": len(ids), "failed": 0}

    def notify(batch: list[str]) -> None:
        notified = 0
        with unit_of_work() as s:
            for wo_id in batch:
                # The WHERE makes "once" hold when two workers race: the loser updates no row.
                claimed = s.execute(
                    update(WorkOrder)
                    .where(WorkOrder.id == wo_id, WorkOrder.overdue_notified_at.is_(None),
                           WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.due_date < now)
                    .values(overdue_notified_at=now)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed != 1:
                    continue
                wo = s.get(WorkOrder, wo_id, populate_existing=True)
                record_event(
                    "pm.overdue", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
                    payload={"workOrder": WorkOrderOut.dump(wo), "templateId": wo.pm_template_id,
                             "equipmentId": wo.equipment_id, "dueDate": iso(wo.due_date),
                             "hoursOverdue": round((now - wo.due_date).total_seconds() / 3600, 2),
                             "timestamp": iso(now)},
                    now=now,
                )
                notified += 1
        summary["notified"] += notified  # counted once committed

    for start in range(0, len(ids), 200):
        batch = ids[start:start + 200]
        try:
            notify(batch)  # the usual case: one transaction per 200 work orders
        except Exception:  # noqa: BLE001 - a bad row: redo this batch row by row, isolating it
            db.session.rollback()
            each_isolated("pm-overdue", [[wo_id] for wo_id in batch], notify, summary,
                          describe=lambda one: f"work order {one[0]}")
    return summary


# --- completion (hooked into services/work_orders.py) ----------------------------------------

def _pm_completed(actor: Actor, wo: WorkOrder, now: datetime) -> None:
    if not wo.pm_template_id:
        return
    template = db.session.get(PMTemplate, wo.pm_template_id)
    link = db.session.get(PMTemplateEquipment, (wo.pm_template_id, wo.equipment_id)) if wo.equipment_id else None
    if link is not None:
        link.last_completed_at = now
        if template.frequency_type == "meter" and template.meter:
            reading = _latest_reading(wo.equipment_id, template.meter)
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


# Registered on work order completion by services/wiring.py (create_app), not on import.


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
