"""A person's own requests (the requester's "My requests", /my-requests): what they asked for and
what became of it, never anyone else's.

Whatever the warehouse's routing, a person with an account asks the same way (`submit`): through
the inbox, a pending request a manager decides on (requests.py); straight as work orders, a `new`
work order requested by them (lifecycle.create_work_order). Their list holds both: their requests
(pending, approved, merged, declined) and the work orders they requested that no request of
theirs led to. Each reads as one line of words: "Waiting for review", "Approved: WO-… in progress",
"Merged into WO-…", "Declined: <reason>".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.models import WorkOrder
from portal.models.enums import WORK_ORDER_STATUS
from portal.models.requests import WorkRequest
from portal.platform.extensions import db
from portal.schemas.requests import RequestCreate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound
from portal.services.identity.permissions import require
from portal.services.work_orders import requests as inbox
from portal.services.work_orders.lifecycle import create_work_order

# The most a person's page lists (newest first): far more than anyone asks for in a season.
LIMIT = 200
NOT_FOUND = "Request not found"


@dataclass(frozen=True)
class MyRequest:
    """One line of the page: a request (kind "request") or a work order asked for directly."""

    kind: str  # "request" or "work_order"
    id: str
    title: str
    description: str | None
    equipment_id: str | None
    created_at: datetime
    state: str  # pending, approved, merged, declined; or the work order's status
    words: str
    work_order: WorkOrder | None
    decline_reason: str | None


def _words(req: WorkRequest | None, wo: WorkOrder | None) -> tuple[str, str]:
    """(state, words) of a request and the work order it led to (or of a work order alone)."""
    status = WORK_ORDER_STATUS.label(wo.status).lower() if wo else ""
    if req is None:
        return wo.status, f"Work order {wo.fo_number}: {status}"
    if req.status == "pending":
        return "pending", "Waiting for review"
    if req.status == "declined":
        return "declined", f"Declined: {req.decline_reason}" if req.decline_reason else "Declined"
    if req.status == "merged":
        return "merged", f"Merged into {wo.fo_number} ({status})" if wo else "Merged into another work order"
    return "approved", f"Approved: {wo.fo_number} {status}" if wo else "Approved"


def _line(req: WorkRequest | None, wo: WorkOrder | None) -> MyRequest:
    state, words = _words(req, wo)
    src = req if req is not None else wo
    return MyRequest(kind="request" if req is not None else "work_order", id=src.id, title=src.title,
                     description=src.description, equipment_id=src.equipment_id, created_at=src.created_at,
                     state=state, words=words, work_order=wo,
                     decline_reason=req.decline_reason if req is not None else None)


def list_mine(actor: Actor) -> list[MyRequest]:
    """The actor's requests and directly requested work orders of their warehouse, newest first
    (two statements)."""
    require(actor, "requests.submit")
    rows = db.session.execute(
        select(WorkRequest, WorkOrder).outerjoin(WorkOrder, WorkOrder.id == WorkRequest.work_order_id)
        .where(WorkRequest.warehouse_id == actor.warehouse_id, WorkRequest.requested_by == actor.id)
        .order_by(WorkRequest.created_at.desc(), WorkRequest.id).limit(LIMIT)).all()
    lines = [_line(req, wo) for req, wo in rows]
    from_requests = select(WorkRequest.work_order_id).where(
        WorkRequest.requested_by == actor.id, WorkRequest.work_order_id.is_not(None))
    direct = db.session.scalars(
        select(WorkOrder).where(WorkOrder.warehouse_id == actor.warehouse_id, WorkOrder.requested_by == actor.id,
                                WorkOrder.id.not_in(from_requests))
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id).limit(LIMIT))
    lines += [_line(None, wo) for wo in direct]
    return sorted(lines, key=lambda line: line.created_at, reverse=True)[:LIMIT]


def get_mine(actor: Actor, request_id: str) -> MyRequest:
    """One of the actor's own requests (or work orders they asked for directly); anyone else's, or
    another warehouse's, is not found."""
    require(actor, "requests.submit")
    if not request_id or "\x00" in request_id:  # PostgreSQL refuses a NUL: simply not found
        raise NotFound(NOT_FOUND)
    row = db.session.execute(
        select(WorkRequest, WorkOrder).outerjoin(WorkOrder, WorkOrder.id == WorkRequest.work_order_id)
        .where(WorkRequest.id == request_id, WorkRequest.warehouse_id == actor.warehouse_id,
               WorkRequest.requested_by == actor.id)).first()
    if row is not None:
        return _line(*row)
    wo = db.session.scalar(select(WorkOrder).where(
        WorkOrder.id == request_id, WorkOrder.warehouse_id == actor.warehouse_id, WorkOrder.requested_by == actor.id))
    if wo is None:
        raise NotFound(NOT_FOUND)
    return _line(None, wo)


def submit(actor: Actor, data: RequestCreate) -> MyRequest:
    """Ask for work: into the inbox when the warehouse takes requests there, else a `new` work order
    (the same services as POST /api/requests and POST /api/work-orders)."""
    require(actor, "requests.submit")
    if inbox.routing(actor.warehouse_id) == "inbox":
        return _line(inbox.submit_request(actor, data), None)
    wo = create_work_order(actor, WorkOrderCreate.model_validate(
        {"title": data.title, "description": data.description, "equipmentId": data.equipment_id}))
    return _line(None, wo)
