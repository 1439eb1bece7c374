"""The requests inbox: problem reports (and requesters' requests) that wait for a manager when their
warehouse takes them "through the inbox" (Warehouse.request_routing = "inbox"); with "work_order"
(today's behaviour, the default) a report becomes a `new` work order at once
(services/work_orders/problem_reports.py).

A pending request is decided once, by a manager or an admin (requests.review):
- approve: a work order is made from it through the work order service (foNumber, history,
  work_order.created), with the reporter kept (reporterName/Contact, or requestedBy for a requester)
  and its photo added to the work order's attachments; the manager picks priority, type, assignee, due date;
- merge: into an open work order of the same asset: its text becomes a comment there, its photo an
  attachment (the same files: a photo is never copied);
- decline: with a reason, which the reporter reads on their status link ("Declined: <reason>").
Each decision locks the request's row: a second decision (or the same one twice) is a 409. Each change
records its event (request.created, request.approved, request.merged, request.declined) in its transaction.
"""
from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import func, select

from portal.models import Equipment, User, Warehouse, WorkOrder, WorkOrderAttachment, WorkOrderComment
from portal.models.requests import WorkRequest
from portal.models.types import new_id, utcnow
from portal.models.work_orders import OPEN_STATUSES
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.attachments import COMMENT_MAX_LENGTH
from portal.schemas.common import iso
from portal.schemas.requests import RequestApprove, RequestCreate, RequestDecline, RequestMerge, RequestOut, RequestQuery
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderOut
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import can, require
from portal.services.work_orders import attachments
from portal.services.work_orders.lifecycle import create_work_order

# The words of a decided request, for the 409 of a second decision.
DECIDED = {"approved": "approved", "merged": "merged into a work order", "declined": "declined"}


def routing(warehouse_id: str) -> str:
    """How the warehouse takes problem reports and requests: "work_order" or "inbox"."""
    return db.session.scalar(select(Warehouse.request_routing).where(Warehouse.id == warehouse_id)) or "work_order"


def _created(req: WorkRequest, actor: Actor | None, now: datetime) -> None:
    record_event("request.created", entity="request", entity_id=req.id, warehouse_id=req.warehouse_id,
                 payload={"request": RequestOut.dump(req), "createdBy": actor.id if actor else None,
                          "timestamp": iso(now)}, actor=actor, now=now)


def receive_report(eq: Equipment, *, title: str, description: str, reporter_name: str,
                   reporter_contact: str | None, reporter_email: str | None, status_token_hash: str,
                   photo: attachments.Photo | None, photo_name: str | None, now: datetime | None = None) -> WorkRequest:
    """A problem report made without an account, into the inbox of the asset's warehouse (the caller,
    problem_reports.submit_report, found the asset by its label's token and judged the photo)."""
    now = now or utcnow()
    req = WorkRequest(id=new_id(), warehouse_id=eq.warehouse_id, equipment_id=eq.id, title=title,
                      description=description, status="pending", reporter_name=reporter_name,
                      reporter_contact=reporter_contact, reporter_email=reporter_email,
                      status_token_hash=status_token_hash, created_at=now, updated_at=now)
    if photo is None:
        with unit_of_work() as s:
            s.add(req)
            s.flush()
            _created(req, None, now)
        return req
    content_type, ext = attachments.FORMATS[photo.fmt]
    with attachments.placed_files(eq.warehouse_id, req.id, photo) as files, unit_of_work() as s:
        req.photo_key, req.photo_thumb_key = files.storage_key, files.thumb_key
        req.photo_filename = attachments.safe_filename(photo_name, ext)
        req.photo_content_type, req.photo_size_bytes = content_type, len(photo.data)
        req.photo_width, req.photo_height = photo.width, photo.height
        s.add(req)
        s.flush()
        files.place()
        _created(req, None, now)
    return req


def submit_request(actor: Actor, data: RequestCreate, *, now: datetime | None = None) -> WorkRequest:
    """A request from a user with an account (a requester), when the warehouse takes requests through
    the inbox; 409 when it takes them straight as work orders (POST /api/work-orders then)."""
    require(actor, "requests.submit")
    now = now or utcnow()
    with unit_of_work() as s:
        if routing(actor.warehouse_id) != "inbox":
            raise Conflict("This warehouse takes requests straight as work orders: create a work order instead")
        if data.equipment_id is not None:
            get_in_warehouse(Equipment, data.equipment_id, actor, what="Equipment")
        req = WorkRequest(id=new_id(), warehouse_id=actor.warehouse_id, equipment_id=data.equipment_id,
                          title=data.title, description=data.description, status="pending",
                          requested_by=actor.id, created_at=now, updated_at=now)
        s.add(req)
        s.flush()
        _created(req, actor, now)
    return req


def list_requests(actor: Actor, query: RequestQuery | None = None) -> Page:
    """The warehouse's requests, oldest first (the inbox is a queue)."""
    require(actor, "requests.review")
    query = query or RequestQuery()
    stmt = select(WorkRequest).where(WorkRequest.warehouse_id == actor.warehouse_id)
    if query.status:
        stmt = stmt.where(WorkRequest.status.in_(query.status))
    if query.equipment_id:
        stmt = stmt.where(WorkRequest.equipment_id == query.equipment_id)
    return paginate(stmt.order_by(WorkRequest.created_at, WorkRequest.id), query.page, query.limit)


def get_request(actor: Actor, request_id: str) -> WorkRequest:
    require(actor, "requests.review")
    return get_in_warehouse(WorkRequest, request_id, actor, what="Request")


def pending_count(actor: Actor) -> int | None:
    """The nav's badge: pending requests of the actor's warehouse; None for people who do not review
    them, or when the warehouse takes reports straight as work orders and none wait (no inbox to show).
    One statement."""
    if not can(actor, "requests.review"):
        return None
    pending = (select(func.count()).select_from(WorkRequest)
               .where(WorkRequest.warehouse_id == actor.warehouse_id, WorkRequest.status == "pending")
               .scalar_subquery())
    row = db.session.execute(select(Warehouse.request_routing, pending).where(Warehouse.id == actor.warehouse_id)).first()
    if row is None or (row[0] != "inbox" and not row[1]):
        return None
    return int(row[1])


def open_orders(actor: Actor, reqs: list[WorkRequest]) -> dict[str, list[WorkOrder]]:
    """The open work orders a pending request may be merged into, by asset (newest first), for a page
    of the inbox: one statement whatever the page's size."""
    require(actor, "requests.review")
    assets = {r.equipment_id for r in reqs if r.equipment_id and r.status == "pending"}
    orders: dict[str, list[WorkOrder]] = {}
    if assets:
        for wo in db.session.scalars(select(WorkOrder).where(
                WorkOrder.warehouse_id == actor.warehouse_id, WorkOrder.equipment_id.in_(assets),
                WorkOrder.status.in_(OPEN_STATUSES)).order_by(WorkOrder.created_at.desc(), WorkOrder.id)):
            orders.setdefault(wo.equipment_id or "", []).append(wo)
    return orders


def _pending(actor: Actor, request_id: str) -> WorkRequest:
    """The request, locked, if it still waits for a decision; 409 once decided."""
    require(actor, "requests.review")
    req = get_in_warehouse(WorkRequest, request_id, actor, what="Request", lock=True)
    if req.status != "pending":
        raise Conflict(f"This request was already {DECIDED.get(req.status, req.status)}")
    return req


def _attach_photo(req: WorkRequest, wo: WorkOrder, now: datetime) -> None:
    """The request's photo on the work order: a row naming the same files (never copied)."""
    if req.photo_key is None:
        return
    db.session.add(WorkOrderAttachment(
        id=new_id(), warehouse_id=wo.warehouse_id, work_order_id=wo.id, uploaded_by=req.requested_by,
        filename=req.photo_filename or "photo.jpg", content_type=req.photo_content_type or "image/jpeg",
        size_bytes=req.photo_size_bytes or 0, width=req.photo_width or 0, height=req.photo_height or 0,
        storage_key=req.photo_key, thumb_key=req.photo_thumb_key or req.photo_key, created_at=now, kind="photo"))


def _decided(req: WorkRequest, actor: Actor, status: str, now: datetime, *, work_order_id: str | None = None,
             reason: str | None = None) -> None:
    req.status, req.work_order_id, req.decline_reason = status, work_order_id, reason
    req.decided_by, req.decided_at, req.updated_at = actor.id, now, now


def approve(actor: Actor, request_id: str, data: RequestApprove, *, now: datetime | None = None) -> tuple[WorkRequest, WorkOrder]:
    """A work order from the request, with its reporter (or requester) and its photo kept."""
    now = now or utcnow()
    with unit_of_work():
        req = _pending(actor, request_id)
        body = WorkOrderCreate(title=data.title or req.title, description=req.description, priority=data.priority,
                               type=data.type, equipmentId=req.equipment_id, assignedTo=data.assigned_to,
                               dueDate=data.due_date)
        wo = create_work_order(actor, body, now=now, requested_by=req.requested_by, reporter_name=req.reporter_name,
                               reporter_contact=req.reporter_contact, reporter_email=req.reporter_email)
        _attach_photo(req, wo, now)
        _decided(req, actor, "approved", now, work_order_id=wo.id)
        db.session.flush()
        record_event("request.approved", entity="request", entity_id=req.id, warehouse_id=req.warehouse_id,
                     payload={"request": RequestOut.dump(req), "workOrder": WorkOrderOut.dump(wo),
                              "approvedBy": actor.id, "timestamp": iso(now)}, actor=actor, now=now)
    return req, wo


def merge_comment(req: WorkRequest, requester: User | None) -> str:
    """What the work order's thread says of a merged request: who reported it, and what they wrote."""
    who = req.reporter_name or (requester.name or requester.email if requester else None) or "someone"
    contact = f" ({req.reporter_contact})" if req.reporter_contact else ""
    text = f"Also reported by {who}{contact}: {req.description or req.title}"
    return text if len(text) <= COMMENT_MAX_LENGTH else text[:COMMENT_MAX_LENGTH - 1] + "…"


def merge(actor: Actor, request_id: str, data: RequestMerge, *, now: datetime | None = None) -> tuple[WorkRequest, WorkOrder]:
    """Into an open work order of the same asset: a comment with the request's text, its photo attached."""
    now = now or utcnow()
    with unit_of_work() as s:
        req = _pending(actor, request_id)
        try:
            wo = get_in_warehouse(WorkOrder, data.work_order_id, actor, what="Work order", lock=True)
        except NotFound:
            raise field_error("workOrderId", "Work order not found", NotFound) from None
        if wo.status not in OPEN_STATUSES:
            raise field_error("workOrderId", "This work order is closed: merge into an open one", Conflict)
        if req.equipment_id is not None and wo.equipment_id != req.equipment_id:
            raise field_error("workOrderId", "This work order is for another asset: merge into one of the same asset",
                              Conflict)
        requester = s.get(User, req.requested_by) if req.requested_by else None
        s.add(WorkOrderComment(warehouse_id=wo.warehouse_id, work_order_id=wo.id, author_id=actor.id,
                               body=merge_comment(req, requester), created_at=now))
        _attach_photo(req, wo, now)
        wo.updated_at = now
        _decided(req, actor, "merged", now, work_order_id=wo.id)
        s.flush()
        record_event("request.merged", entity="request", entity_id=req.id, warehouse_id=req.warehouse_id,
                     payload={"request": RequestOut.dump(req), "workOrder": WorkOrderOut.dump(wo),
                              "mergedBy": actor.id, "timestamp": iso(now)}, actor=actor, now=now)
    return req, wo


def decline(actor: Actor, request_id: str, data: RequestDecline, *, now: datetime | None = None) -> WorkRequest:
    """Declined with a reason the reporter reads on their status link."""
    now = now or utcnow()
    with unit_of_work() as s:
        req = _pending(actor, request_id)
        _decided(req, actor, "declined", now, reason=data.reason)
        s.flush()
        record_event("request.declined", entity="request", entity_id=req.id, warehouse_id=req.warehouse_id,
                     payload={"request": RequestOut.dump(req), "reason": data.reason, "declinedBy": actor.id,
                              "timestamp": iso(now)}, actor=actor, now=now)
    return req


def open_photo(actor: Actor, request_id: str, *, thumb: bool = False) -> attachments.StoredFile:
    """Where a request's photo (or its thumbnail) is, for reviewers of the same warehouse only."""
    req = get_request(actor, request_id)
    key = req.photo_thumb_key if thumb else req.photo_key
    path = os.path.join(attachments.upload_dir(), key) if key else ""
    if not key or not os.path.isfile(path):
        raise NotFound("Photo not found")
    if thumb:
        return attachments.StoredFile(path, "image/jpeg", f"{os.path.splitext(req.photo_filename or 'photo')[0]}-thumb.jpg")
    return attachments.StoredFile(path, req.photo_content_type or "image/jpeg", req.photo_filename or "photo.jpg")
