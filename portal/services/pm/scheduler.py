"""Preventive maintenance scheduling: when an occurrence falls due, creating its work order, the
periodic run that creates the calendar ones, and the announcement of overdue PM work orders.

Scheduling rules (README: "Preventive maintenance"):
- calendar: every `frequency` days, counted from the last completion, or before the first one
  from startDate (equipment joining later takes the template's next occurrence after it
  joined). An occurrence whose work order was cancelled is skipped: the next one is a whole
  period later.
- meter: due as soon as a reading reaches baseline + frequency, the baseline being the reading
  at the last PM completion (or when counting began): triggers.py.
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

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from portal.models import (
    OPEN_STATUSES,
    ChecklistItem,
    Equipment,
    MeterReading,
    PMTemplate,
    PMTemplateEquipment,
    User,
    WorkOrder,
)
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderOut
from portal.services.common.actor import Actor
from portal.services.common.events import record_event
from portal.services.common.isolation import each_isolated
from portal.services.work_orders import lifecycle as work_order_service

log = logging.getLogger(__name__)

ASSIGNABLE_ROLES = work_order_service.ASSIGNABLE_ROLES


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


def last_scheduled_dues(template_id: str) -> dict[str, datetime]:
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
        "requiresSignature": template.requires_signature,  # the sign-off the template asks for
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
                    min_value=item.get("min"), max_value=item.get("max"),
                    auto_follow_up=bool(item.get("auto_follow_up")), updated_at=now))
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


def open_pm_pairs(template_ids: list[str]) -> dict[tuple[str, str], tuple[int, datetime | None]]:
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
    state = open_pm_pairs(sorted({template_id for template_id, _ in candidates}))

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
