"""The requests inbox: problem reports and requesters' requests waiting for a manager (GET /api/requests)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.models.requests import REQUEST_STATUSES
from portal.schemas.common import Out, PageQuery, Payload, UtcDateTime, UtcOut, csv_of
from portal.schemas.work_orders import Priority, WorkOrderType

RequestStatus = Literal[REQUEST_STATUSES]  # type: ignore[valid-type]
DECLINE_REASON_MAX = 1000


class RequestPhotoOut(Out):
    filename: str
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size_bytes: int
    width: int
    height: int


class RequestOut(Out):
    id: str
    status: RequestStatus = Field(description=(
        "pending (in the inbox), approved (a work order was made from it), merged (added to an open work "
        "order of the same asset) or declined (with a reason the reporter sees)"))
    title: str
    description: str | None
    equipment_id: str | None
    reporter_name: str | None = Field(description="Who reported it without an account (/report/<token>)")
    reporter_contact: str | None
    requested_by: str | None = Field(description="The user who sent it (a requester), null for a report without an account")
    photo: RequestPhotoOut | None = Field(description=(
        "The photo sent with it; approving or merging adds it to the work order's attachments"))
    work_order_id: str | None = Field(description="The work order made from it (approved) or it was merged into (merged)")
    decline_reason: str | None = Field(description="Declined: why, as the reporter reads it on their status link")
    decided_by: str | None
    decided_at: UtcOut | None
    created_at: UtcOut
    updated_at: UtcOut
    warehouse_id: str


class RequestQuery(PageQuery):
    """Oldest first: the inbox is a queue."""

    status: csv_of(RequestStatus) | None = Field(None, description="Comma-separated; pending for the inbox")
    equipment_id: str | None = None


class RequestCreate(Payload):
    """A request sent by a user with an account (a requester) to a warehouse that takes requests
    through the inbox."""

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10000)
    equipment_id: str | None = None


class RequestApprove(Payload):
    """What the manager chooses for the work order made from the request."""

    title: str | None = Field(None, min_length=1, max_length=200, description="The request's title when absent")
    priority: Priority = "medium"
    type: WorkOrderType = "corrective"
    assigned_to: str | None = Field(None, description="A technician (or manager) of the warehouse: the work order is `assigned`")
    due_date: UtcDateTime | None = None


class RequestMerge(Payload):
    work_order_id: str = Field(min_length=1, max_length=36, title="Work order", description=(
        "An open work order of the same asset: the request's text becomes a comment on it and its photo "
        "an attachment"))


class RequestDecline(Payload):
    reason: str = Field(min_length=1, max_length=DECLINE_REASON_MAX, title="Reason", description=(
        "Why: shown to the reporter on their status link (\"Declined: <reason>\")"))
