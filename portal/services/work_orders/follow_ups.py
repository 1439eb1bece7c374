"""Follow-up work orders: a reading out of range or a Fail on a checklist item raises one work
order for the same asset, prefilled from the item and linked to its parent (at most one per item).

Called by checklists.py (a tap on the item, or the template item's "create it automatically");
this module writes the follow-up and its events inside the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.models import ChecklistItem, Warehouse, WorkOrder
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderOut
from portal.services.common.actor import Actor
from portal.services.common.events import record_event
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.work_orders import lifecycle
from portal.services.work_orders.readings import format_reading, limits

TITLE_MAX = 200  # WorkOrder.title


def decimal_mark(warehouse_id: str) -> str:
    """The plant's decimal mark ("." or ","), how readings are written in titles and on pages."""
    return db.session.scalar(select(Warehouse.decimal_mark).where(Warehouse.id == warehouse_id)) or "."


def reading_text(item: ChecklistItem, mark: str) -> str:
    """What was found, in words: "95 °C" for a measurement, "Fail" for a failed check."""
    if item.type == "measurement" and item.value is not None:
        return f"{format_reading(float(item.value), mark)}{' ' + item.unit if item.unit else ''}"
    return "Fail" if item.value == "fail" else str(item.value)


def title_for(item: ChecklistItem, mark: str) -> str:
    """"Follow-up: Bearing temperature 95 °C (limit 10–80 °C)", "Follow-up: Belt tension failed"."""
    if item.type == "measurement":
        bounds = limits(item.min_value, item.max_value, item.unit, mark)
        title = f"Follow-up: {item.description} {reading_text(item, mark)}" + (f" (limit {bounds})" if bounds else "")
    else:
        title = f"Follow-up: {item.description} failed"
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1] + "…"


def description_for(parent: WorkOrder, item: ChecklistItem, mark: str, *, automatic: bool) -> str:
    lines = [
        f"Raised {'automatically ' if automatic else ''}from the checklist of {parent.fo_number} ({parent.title}).",
        f"Item: {item.description}",
        f"Reading: {reading_text(item, mark)}"
        + (f" (limit {bounds})" if item.type == "measurement" and (bounds := limits(
            item.min_value, item.max_value, item.unit, mark)) else ""),
    ]
    if item.note:
        lines.append(f"Note: {item.note}")
    lines.append(f"Parent work order: {parent.fo_number}, /work-orders/{parent.id}")
    return "\n".join(lines)


def raise_follow_up(actor: Actor, parent: WorkOrder, item: ChecklistItem, *, now: datetime,
                    automatic: bool) -> WorkOrder:
    """Create the item's follow-up (the caller holds the parent's lock, inside unit_of_work and
    has checked the item is flagged and has none yet): a corrective work order on the same asset
    with the parent's priority, unassigned (`new`) so a manager sees it to plan; then
    work_order.follow_up_created beside the work_order.created that creation records."""
    mark = decimal_mark(parent.warehouse_id)
    data = WorkOrderCreate(title=title_for(item, mark),
                           description=description_for(parent, item, mark, automatic=automatic),
                           priority=parent.priority, type="corrective", equipmentId=parent.equipment_id)
    follow_up = lifecycle.create_work_order(actor, data, now=now, parent_id=parent.id)
    item.follow_up_id = follow_up.id
    record_event(
        "work_order.follow_up_created", entity="work_order", entity_id=follow_up.id,
        warehouse_id=follow_up.warehouse_id, actor=actor, now=now,
        payload={"workOrder": WorkOrderOut.dump(follow_up), "parentId": parent.id,
                 "parentFoNumber": parent.fo_number, "checklistItem": item_payload(item),
                 "automatic": automatic, "createdBy": actor.id, "timestamp": iso(now)},
    )
    return follow_up


def item_payload(item: ChecklistItem) -> dict:
    """The checklist item as events carry it (the fields of WorkOrderChecklistItemOut that say
    what was checked and found)."""
    return {"id": item.id, "itemId": item.item_key, "description": item.description, "type": item.type,
            "unit": item.unit, "min": item.min_value, "max": item.max_value, "value": item.value,
            "note": item.note, "flagged": item.flagged, "followUpId": item.follow_up_id}


@dataclass
class Relations:
    """A work order's place among follow-ups: the order it was raised from, the ones raised from it."""

    parent: WorkOrder | None
    follow_ups: list[WorkOrder]


def relations(actor: Actor, work_order: WorkOrder | WorkOrderOut, items: list[ChecklistItem]) -> Relations:
    """The parent and follow-ups of a work order the actor may read, given its checklist: a
    follow-up is only ever raised from a checklist item, which keeps its id, so an ordinary work
    order (no parent, no item with a follow-up) costs no statement at all; otherwise one."""
    require(actor, "work_orders.read")
    child_ids = [i.follow_up_id for i in items if i.follow_up_id]
    wanted = set(child_ids) | ({work_order.parent_id} if work_order.parent_id else set())
    if not wanted:
        return Relations(parent=None, follow_ups=[])
    found = {wo.id: wo for wo in db.session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_(wanted), WorkOrder.warehouse_id == actor.warehouse_id))}
    children = sorted((found[i] for i in set(child_ids) if i in found), key=lambda w: (w.created_at, w.fo_number))
    return Relations(parent=found.get(work_order.parent_id or ""), follow_ups=children)


def follow_ups_of(actor: Actor, work_order_id: str) -> list[WorkOrder]:
    """GET /api/work-orders/{id}/follow-ups: 404 for another warehouse's work order."""
    require(actor, "work_orders.read")
    parent = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order")
    return list(db.session.scalars(
        select(WorkOrder).where(WorkOrder.parent_id == parent.id, WorkOrder.warehouse_id == actor.warehouse_id)
        .order_by(WorkOrder.created_at, WorkOrder.fo_number)))
