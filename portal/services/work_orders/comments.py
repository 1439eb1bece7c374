"""A work order's comment thread: who said what, when. One service for the API and the portal.

Rules: whoever may read the work order reads its thread; staff and technicians of the warehouse
may comment on any of its work orders (open or closed: "part arrived, fixed for good" comes after
completion), a requester only on the work orders they requested. A comment records the event
`work_order.commented` (the assignee and the requester are notified of it) but no history row and
no `work_order.updated`: it does not change the work order (`work_order.updated` means "Work
order modified" in the contract and carries changes; a comment has none).

A comment on a work order from a problem report (a reporter without an account) may be marked
"visible to the reporter": its text (never its author) then shows on the reporter's private status
page (services/work_orders/report_status.py). The mark is set when the comment is written; like
the comment, it is never edited.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.models import WorkOrder, WorkOrderComment
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.schemas.attachments import CommentCreate, CommentQuery
from portal.schemas.common import iso
from portal.services.common.actor import Actor
from portal.services.common.errors import Forbidden, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.querying import Page, first_page, paginate
from portal.services.identity.permissions import require
from portal.services.work_orders.lifecycle import get_work_order


def check_contributor(actor: Actor, wo: WorkOrder, permission: str) -> None:
    """May `actor` add to `wo`'s thread or photos? Requesters only on their own requests."""
    require(actor, permission)
    if actor.role == "requester" and wo.requested_by != actor.id:
        raise Forbidden("A requester may only add to the work orders they requested")


def can_contribute(actor: Actor, wo: WorkOrder, permission: str = "work_orders.comment") -> bool:
    try:
        check_contributor(actor, wo, permission)
    except Forbidden:
        return False
    return True


def has_reporter(wo: Any) -> bool:
    """Did `wo` come from a problem report without an account (a reporter who may follow it)?"""
    return wo.reporter_name is not None


def list_comments(actor: Actor, work_order_id: str, query: CommentQuery | None = None) -> Page:
    wo = get_work_order(actor, work_order_id)
    query = query or CommentQuery()
    stmt = (select(WorkOrderComment).where(WorkOrderComment.work_order_id == wo.id)
            .order_by(WorkOrderComment.created_at, WorkOrderComment.id))
    return paginate(stmt, query.page, query.limit)


def first_comments(actor: Actor, wo: Any, limit: int) -> Page:
    """The first `limit` comments of a work order just read in the actor's warehouse (the work
    order page's), with their total, in one statement instead of a second lookup and two."""
    require(actor, "work_orders.read")
    if wo.warehouse_id != actor.warehouse_id:
        raise NotFound("Work order not found")
    return first_page(select(WorkOrderComment).where(WorkOrderComment.work_order_id == wo.id)
                      .order_by(WorkOrderComment.created_at, WorkOrderComment.id), limit)


def add_comment(actor: Actor, work_order_id: str, data: CommentCreate, *,
                now: datetime | None = None) -> WorkOrderComment:
    now = now or utcnow()
    with unit_of_work() as s:
        wo = get_work_order(actor, work_order_id)
        check_contributor(actor, wo, "work_orders.comment")
        if data.visible_to_reporter and not has_reporter(wo):
            raise field_error("visibleToReporter", "Only a work order from a problem report has a reporter "
                                                   "to show a comment to")
        comment = WorkOrderComment(warehouse_id=wo.warehouse_id, work_order_id=wo.id, author_id=actor.id,
                                   body=data.body, visible_to_reporter=data.visible_to_reporter, created_at=now)
        s.add(comment)
        s.flush()
        record_event(
            "work_order.commented", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrderId": wo.id, "foNumber": wo.fo_number, "title": wo.title,
                     "assignedTo": wo.assigned_to, "requestedBy": wo.requested_by,
                     "comment": {"id": comment.id, "body": comment.body,
                                 "visibleToReporter": comment.visible_to_reporter, "authorId": actor.id},
                     "commentedBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
    return comment
