"""Part requests: a technician asks for a part a work order needs and the storeroom does not have
(or not enough of). The request is a reorder request (the manager's list at /parts/reorders, the
same open -> ordered -> received steps) that names the work order waiting for it and who asked.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select

from portal.models import Part, ReorderRequest, WorkOrder
from portal.models.enums import CLOSED_STATUSES, WORK_ORDER_STATUS
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.parts import PartOut, PartRequestCreate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, Forbidden, field_error
from portal.services.common.events import record_event
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require


def _check_may_request(actor: Actor, wo: WorkOrder) -> None:
    """Who may ask for parts on this work order: staff, or the technician it is assigned to; and
    only while the work goes on (a closed work order needs no more parts)."""
    if actor.role == "technician" and wo.assigned_to != actor.id:
        raise Forbidden("Technicians may only request parts on work orders assigned to them")
    if wo.status in CLOSED_STATUSES:
        raise field_error("workOrderId", f"{wo.fo_number} is {WORK_ORDER_STATUS.label(wo.status).lower()}: "
                                         "parts can no longer be requested for it", Conflict)


def request_part(actor: Actor, work_order_id: str, data: PartRequestCreate, *,
                 now: datetime | None = None) -> tuple[ReorderRequest, bool]:
    """Ask for `data.quantity` of a part for the work order; returns (the request, created).

    One open request per work order and part: asking again while it is open sets the new quantity
    on it (the latest word of the person at the machine), and asking again with the same quantity
    changes nothing and records nothing. Once the purchase is placed (ordered) the quantity is no
    longer changed here: that answers 409, for the manager to decide. The work order's row is locked
    first, so two taps at once give one request (a partial unique index backs this up).
    Records `parts.requested` for a new request and for a changed quantity.
    """
    require(actor, "parts.request")
    now = now or utcnow()
    with unit_of_work() as s:
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        _check_may_request(actor, wo)
        part = s.scalars(select(Part).where(Part.id == data.part_id,
                                            Part.warehouse_id == actor.warehouse_id)).first()
        if part is None:
            raise field_error("partId", "Part not found")
        pending = s.scalars(
            select(ReorderRequest)
            .where(ReorderRequest.work_order_id == wo.id, ReorderRequest.part_id == part.id,
                   ReorderRequest.status.in_(("open", "ordered")))
            .order_by(ReorderRequest.created_at.desc(), ReorderRequest.id)
            .with_for_update()
        ).all()
        request = next((r for r in pending if r.status == "open"), None)
        ordered = next((r for r in pending if r.status == "ordered"), None)
        previous: int | None = None
        if request is None and ordered is not None:
            raise field_error("quantity", f"{part.part_number} is already ordered for {wo.fo_number} "
                                          f"({ordered.quantity}): ask your manager if you need more", Conflict)
        if request is None:
            request = ReorderRequest(warehouse_id=wo.warehouse_id, part_id=part.id, quantity=data.quantity,
                                     status="open", created_at=now, work_order_id=wo.id,
                                     requested_by=actor.id)
            s.add(request)
            created = True
        else:
            created = False
            if request.quantity == data.quantity:
                return request, False
            previous, request.quantity, request.updated_at = request.quantity, data.quantity, now
        s.flush()
        record_event(
            "parts.requested", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrderId": wo.id, "foNumber": wo.fo_number, "part": PartOut.dump(part),
                     "reorderRequestId": request.id, "quantity": request.quantity,
                     "previousQuantity": previous, "status": request.status,
                     "requestedBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
        return request, created


def part_requests_select(actor: Actor, work_order_id: str, status: str | None = None) -> Select:
    require(actor, "parts.read")
    wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order")
    stmt = select(ReorderRequest).where(ReorderRequest.warehouse_id == actor.warehouse_id,
                                        ReorderRequest.work_order_id == wo.id)
    if status:
        stmt = stmt.where(ReorderRequest.status == status)
    return stmt.order_by(ReorderRequest.created_at, ReorderRequest.id)


def list_part_requests(actor: Actor, work_order_id: str, page: int = 1, limit: int = 100,
                       status: str | None = None) -> Page:
    """The parts asked for on a work order, oldest first (another warehouse's work order: 404)."""
    return paginate(part_requests_select(actor, work_order_id, status), page, limit)


def part_requests_of(actor: Actor, work_order_id: str) -> list[tuple[ReorderRequest, str, str | None]]:
    """All of them with their part's number and description, for the work order page (a handful at
    most): one statement. The page has read (and 404'd) the work order already; the warehouse in the
    WHERE keeps another warehouse's rows out all the same."""
    require(actor, "parts.read")
    rows = db.session.execute(
        select(ReorderRequest, Part.part_number, Part.description)
        .join(Part, Part.id == ReorderRequest.part_id)
        .where(ReorderRequest.warehouse_id == actor.warehouse_id, ReorderRequest.work_order_id == work_order_id)
        .order_by(ReorderRequest.created_at, ReorderRequest.id))
    return [(r, number, description) for r, number, description in rows]


def work_order_numbers(actor: Actor, ids: list[str | None]) -> dict[str, str]:
    """The work order numbers (foNumber) the reorder list names, in one query; the actor's warehouse only."""
    require(actor, "work_orders.read")
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.session.execute(select(WorkOrder.id, WorkOrder.fo_number)
                              .where(WorkOrder.id.in_(wanted), WorkOrder.warehouse_id == actor.warehouse_id))
    return {wo_id: number for wo_id, number in rows}
