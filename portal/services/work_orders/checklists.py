"""Checklists on work orders: tick items, record measurements, flag readings out of range or
failed checks (and raise their follow-up work orders), and block completion while a required item
is not done."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.models import ChecklistItem, PMTemplate, WorkOrder
from portal.models.enums import CLOSED_STATUSES
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.pm import ChecklistAdd, ChecklistItemUpdate
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderOut
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, Forbidden, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import can, require
from portal.services.pm.templates import stored_checklist
from portal.services.work_orders import follow_ups
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders.device_time import accepted_time
from portal.services.work_orders.readings import parse_reading

PASS_FAIL = ("pass", "fail")


def items_of(work_order_id: str) -> list[ChecklistItem]:
    return list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == work_order_id)
        .order_by(ChecklistItem.position, ChecklistItem.id)
    ))


def get_checklist(actor: Actor, work_order_id: str) -> list[ChecklistItem]:
    wo = work_order_service.get_work_order(actor, work_order_id)
    return items_of(wo.id)


def add_items(actor: Actor, work_order_id: str, data: ChecklistAdd, *,
              now: datetime | None = None) -> list[ChecklistItem]:
    """Give an ad-hoc work order checklist items: a PM template's checklist copied, or items typed
    in; appended after those it has. Returns the whole checklist.

    Managers and admins (work_orders.checklist), while the work order is open: a completed or
    cancelled one answers 409, and so does a PM work order, whose checklist is its template's (the
    PM history compares like with like). Item ids stay unique on the work order (a copy's clash
    gets a suffix). Records work_order.updated with changes.checklistItems {from, to}: the count.
    """
    require(actor, "work_orders.checklist")
    now = now or utcnow()
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        if wo.status in CLOSED_STATUSES:
            raise Conflict(f"The checklist of a {wo.status} work order can no longer change")
        if wo.pm_template_id is not None:
            raise Conflict("A preventive work order's checklist comes from its PM template",
                           [{"field": "workOrderId", "message": "Change the PM template's checklist instead"}])
        if data.from_template_id is not None:
            template = db.session.scalars(select(PMTemplate).where(
                PMTemplate.id == data.from_template_id, PMTemplate.warehouse_id == actor.warehouse_id)).first()
            if template is None:
                raise field_error("fromTemplateId", "PM template not found")
            if not template.checklist:
                raise field_error("fromTemplateId", f"The PM template {template.name} has no checklist")
            new = list(template.checklist)
        else:
            new = stored_checklist(data.items or [])
        existing = items_of(wo.id)
        taken = {item.item_key for item in existing}
        for offset, item in enumerate(new):
            key, n = item["id"], 1
            while key in taken:
                n += 1
                key = f"{item['id']}-{n}"[:64]
            taken.add(key)
            db.session.add(ChecklistItem(
                work_order_id=wo.id, position=len(existing) + offset, item_key=key, description=item["description"],
                type=item["type"], required=bool(item.get("required")), unit=item.get("unit"),
                min_value=item.get("min"), max_value=item.get("max"),
                auto_follow_up=bool(item.get("auto_follow_up")), updated_at=now))
        wo.updated_at = now  # sync reads and the open work order pages see the change
        db.session.flush()
        changes = {"checklistItems": {"from": len(existing), "to": len(existing) + len(new)}}
        work_order_service.record_history(wo, actor, "updated", changes, now)
        record_event(
            "work_order.updated", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrder": WorkOrderOut.dump(wo), "changes": changes, "updatedBy": actor.id,
                     "timestamp": iso(now)},
            actor=actor, now=now,
        )
        return items_of(wo.id)


def checklist_sources(actor: Actor, wo: WorkOrder | None = None) -> list[tuple[str, str]] | None:
    """What the "add checklist" forms offer: the warehouse's PM templates that have a checklist, as
    (id, "name (n items)"), by name; None when the actor may not add items (or, for `wo`, when it
    is a PM work order or closed). The service decides again on each post."""
    if not can(actor, "work_orders.checklist"):
        return None
    if wo is not None and (wo.pm_template_id is not None or wo.status in CLOSED_STATUSES):
        return None
    rows = db.session.execute(select(PMTemplate.id, PMTemplate.name, PMTemplate.checklist)
                              .where(PMTemplate.warehouse_id == actor.warehouse_id)
                              .order_by(PMTemplate.name, PMTemplate.id))
    return [(tid, f"{name} ({len(items)} item{'s' if len(items) != 1 else ''})") for tid, name, items in rows if items]


def create_with_checklist(actor: Actor, data: WorkOrderCreate, checklists: list[ChecklistAdd], *,
                          now: datetime | None = None) -> WorkOrder:
    """The portal's "New work order" with its checklist (a template's, then items typed in): all of
    it or nothing (one transaction)."""
    with unit_of_work():
        wo = work_order_service.create_work_order(actor, data, now=now)
        for checklist in checklists:
            add_items(actor, wo.id, checklist, now=now)
        return wo


def check_work_rights(actor: Actor, wo: WorkOrder) -> None:
    """Who may record work (checklist, labor) on a work order: staff, or its technician."""
    require(actor, "work_orders.update")
    if actor.role == "technician" and wo.assigned_to != actor.id:
        raise Forbidden("Technicians may only record work on work orders assigned to them")


def _measurement(value: float | str) -> float:
    if isinstance(value, bool):
        raise field_error("value", "A measurement is a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise field_error("value", "A measurement is a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise field_error("value", "A measurement is a finite number")
    return number


def _normalise_value(item: ChecklistItem, value: float | str | None) -> float | str | None:
    if value is None:
        return None
    if item.type == "checkbox":
        raise field_error("value", "A checkbox item takes no value; send done")
    if item.type == "measurement":
        return _measurement(value)
    text = str(value).strip()
    if item.type == "pass_fail":
        text = text.lower()
        if text not in PASS_FAIL:
            raise field_error("value", "A pass/fail item takes pass or fail")
    if len(text) > 2000:
        raise field_error("value", "At most 2000 characters")
    return text


def is_flagged(item: ChecklistItem) -> bool:
    if item.value is None:
        return False
    if item.type == "measurement":
        value = float(item.value)
        return (item.min_value is not None and value < item.min_value) or (
            item.max_value is not None and value > item.max_value)
    return item.type == "pass_fail" and item.value == "fail"


def _item_of(wo: WorkOrder, item_id: str) -> ChecklistItem:
    item = db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.id == item_id, ChecklistItem.work_order_id == wo.id)
    ).first()
    if item is None:
        raise NotFound("Checklist item not found")
    return item


def update_item(actor: Actor, work_order_id: str, item_id: str, data: ChecklistItemUpdate,
                *, now: datetime | None = None, typed: bool = False,
                device_at: datetime | None = None) -> ChecklistItem:
    """Record a tick, a value or a note. `typed`: the value is text a person typed in the portal,
    so a measurement may carry the plant's decimal comma ("65,5"); the API sends JSON numbers.
    A reading that leaves the item flagged records checklist.item_flagged, and raises the
    follow-up at once when the template item says so (once per item). `device_at`: when the
    technician did it on their device (device_time.accepted_time bounds it); done_received_at
    records when the server got it."""
    now = now or utcnow()
    given = data.model_fields_set
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        check_work_rights(actor, wo)
        item = _item_of(wo, item_id)
        if wo.status in CLOSED_STATUSES:
            raise Conflict(f"The checklist of a {wo.status} work order can no longer change")
        if "done" in given and data.done is None:
            raise field_error("done", "May not be null")
        was_flagged, old_value = item.flagged, item.value
        if "value" in given:
            value = data.value
            if typed and item.type == "measurement" and isinstance(value, str):
                value = parse_reading(value, follow_ups.decimal_mark(wo.warehouse_id))
            item.value = _normalise_value(item, value)
        if "note" in given:
            item.note = data.note
        done = data.done if "done" in given else item.done
        if "value" in given and "done" not in given and item.value is not None:
            done = True  # recording a reading is doing the item
        if done and item.type in ("measurement", "pass_fail") and item.value is None:
            raise field_error("value", f"A {item.type.replace('_', '/')} item needs a value to be done")
        if done and not item.done:
            done_at = accepted_time(device_at, not_before=wo.created_at, received=now)
            item.done_by, item.done_at, item.done_received_at = actor.id, done_at, now
        elif not done:
            item.done_by, item.done_at, item.done_received_at = None, None, None
        item.done = done
        item.flagged = is_flagged(item)
        item.updated_at = now
        db.session.flush()
        if item.flagged and (not was_flagged or item.value != old_value):
            record_event(
                "checklist.item_flagged", entity="checklist_item", entity_id=item.id,
                warehouse_id=wo.warehouse_id, actor=actor, now=now,
                payload={"workOrderId": wo.id, "foNumber": wo.fo_number, "equipmentId": wo.equipment_id,
                         "checklistItem": follow_ups.item_payload(item),
                         "autoFollowUp": item.auto_follow_up, "recordedBy": actor.id, "timestamp": iso(now)},
            )
            if item.auto_follow_up and item.follow_up_id is None:
                follow_ups.raise_follow_up(actor, wo, item, now=now, automatic=True)
                db.session.flush()
        return item


def create_follow_up(actor: Actor, work_order_id: str, item_id: str,
                     *, now: datetime | None = None) -> tuple[WorkOrder, bool]:
    """The one tap on a flagged item: its follow-up work order, and whether it was created now.
    Idempotent: an item that already has one answers it (created False), whoever asks. Who may:
    whoever may record work on the parent (its technician, managers, admins), at any status, so a
    manager can still raise one after the parent was completed."""
    now = now or utcnow()
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        check_work_rights(actor, wo)
        item = _item_of(wo, item_id)
        if item.follow_up_id is not None:
            existing = db.session.get(WorkOrder, item.follow_up_id)
            if existing is not None:
                return existing, False
        if not item.flagged:
            raise Conflict("Only a reading out of range or a Fail raises a follow-up work order",
                           [{"field": "itemId", "message": "This item's reading is not flagged"}])
        follow_up = follow_ups.raise_follow_up(actor, wo, item, now=now, automatic=False)
        db.session.flush()
        return follow_up, True


def required_items_done(wo: WorkOrder, *, actor: Actor, now: datetime) -> None:
    """Completion gate (work_order_completing): every required checklist item must be done (409
    naming the others)."""
    missing = list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == wo.id, ChecklistItem.required.is_(True),
                                    ChecklistItem.done.is_(False))
        .order_by(ChecklistItem.position)
    ))
    if missing:
        raise Conflict(
            f"{len(missing)} required checklist item(s) not done",
            [{"field": f"checklist.{item.id}", "message": f"Required item not done: {item.description}"}
             for item in missing],
        )

