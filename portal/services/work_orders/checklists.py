"""Checklists on work orders: tick items, record measurements, and block completion while a
required item is not done."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.models import ChecklistItem, WorkOrder
from portal.models.enums import CLOSED_STATUSES
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.pm import ChecklistItemUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, Forbidden, NotFound, field_error
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.work_orders import lifecycle as work_order_service

PASS_FAIL = ("pass", "fail")


def items_of(work_order_id: str) -> list[ChecklistItem]:
    return list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.work_order_id == work_order_id)
        .order_by(ChecklistItem.position, ChecklistItem.id)
    ))


def get_checklist(actor: Actor, work_order_id: str) -> list[ChecklistItem]:
    wo = work_order_service.get_work_order(actor, work_order_id)
    return items_of(wo.id)


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


def update_item(actor: Actor, work_order_id: str, item_id: str, data: ChecklistItemUpdate,
                *, now: datetime | None = None) -> ChecklistItem:
    now = now or utcnow()
    given = data.model_fields_set
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        check_work_rights(actor, wo)
        item = db.session.scalars(
            select(ChecklistItem).where(ChecklistItem.id == item_id, ChecklistItem.work_order_id == wo.id)
        ).first()
        if item is None:
            raise NotFound("Checklist item not found")
        if wo.status in CLOSED_STATUSES:
            raise Conflict(f"The checklist of a {wo.status} work order can no longer change")
        if "done" in given and data.done is None:
            raise field_error("done", "May not be null")
        if "value" in given:
            item.value = _normalise_value(item, data.value)
        if "note" in given:
            item.note = data.note
        done = data.done if "done" in given else item.done
        if "value" in given and "done" not in given and item.value is not None:
            done = True  # recording a reading is doing the item
        if done and item.type in ("measurement", "pass_fail") and item.value is None:
            raise field_error("value", f"A {item.type.replace('_', '/')} item needs a value to be done")
        if done and not item.done:
            item.done_by, item.done_at = actor.id, now
        elif not done:
            item.done_by, item.done_at = None, None
        item.done = done
        item.flagged = is_flagged(item)
        item.updated_at = now
        db.session.flush()
        return item


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

