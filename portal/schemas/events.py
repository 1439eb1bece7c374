"""The payload of every webhook event, as the services record it (record_event(..., payload=...)).

These models document what is sent; they are not used to build it. The OpenAPI document's
`webhooks` section is generated from them (portal/api/docs.py), and tests/test_webhooks_events.py
validates real deliveries against that section, so a payload that drifts from its model fails there.
Closed objects (extra="forbid"): a field added to a payload must be added here too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from portal.models import TEST_EVENT
from portal.schemas.attachments import SignatureOut
from portal.schemas.common import MONEY_PATTERN
from portal.schemas.equipment import DowntimeReason, EquipmentOut, EquipmentStatus
from portal.schemas.parts import PartOut
from portal.schemas.pm import ChecklistType
from portal.schemas.requests import RequestOut
from portal.schemas.work_orders import Priority, WorkOrderOut

# Times as events print them (portal.schemas.common.iso): ISO-8601 UTC with milliseconds and Z.
EventTime = Annotated[str, WithJsonSchema({
    "type": "string", "format": "date-time", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
    "description": "ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z"})]
Money = Annotated[str, WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN,
                                       "description": "A decimal string with two places, e.g. \"25.00\""})]
# Who did it: a user id, or null when the system did (a periodic job: escalation, PM scheduling).
ActorId = Annotated[str | None, Field(description="The user who did it; null when the system did (a periodic job)")]
WHEN = "When it happened (the envelope's timestamp)"


class EventPayload(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class FieldChange(BaseModel):
    """One changed field: its value before and after, as the API writes that field."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    from_: Any = Field(alias="from")
    to: Any


Changes = Annotated[dict[str, FieldChange], Field(description=(
    "The fields that changed, by their API name: {field: {from, to}}. Putting a work order on hold also "
    "carries holdReason (and holdReasonCode when given); ignore keys you do not know"))]


class WorkOrderCreatedPayload(EventPayload):
    work_order: WorkOrderOut = Field(description="The work order as GET /api/work-orders/{id} writes it")
    created_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class WorkOrderUpdatedPayload(EventPayload):
    work_order: WorkOrderOut = Field(description="The work order after the change")
    changes: Changes
    updated_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class WorkOrderFailureCodedPayload(EventPayload):
    work_order_id: str
    fo_number: str
    equipment_id: str | None
    failure_mode: str | None = Field(description="The failure mode code now on the work order (GET /api/failure-codes)")
    failure_cause: str | None = Field(description="The cause code now on the work order")
    failure_remedy: str | None = Field(description="The remedy code now on the work order")
    changes: Changes = Field(description="Only the failure fields that changed: {failureMode: {from, to}, ...}")
    coded_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class CompletionMetrics(EventPayload):
    time_to_complete_hours: float | None = Field(description="From creation to completion, two decimals")
    parts_cost: Money = Field(description="All parts consumed on it")
    parts_quantity: int = Field(description="Units of parts consumed on it")
    completed_late: bool = Field(description="Completed after its due date")
    labor_minutes: int = Field(description="Labor booked on it")


class WorkOrderCompletedPayload(EventPayload):
    work_order: WorkOrderOut
    completed_by: ActorId
    metrics: CompletionMetrics
    timestamp: EventTime = Field(description=WHEN)


class WorkOrderEscalatedPayload(EventPayload):
    work_order: WorkOrderOut = Field(description="The work order after the escalation")
    reason: str = Field(description="What was done and why, in words")
    overdue_hours: float = Field(description="Hours past its due date, two decimals")
    previous_assignee: str | None
    new_assignee: str | None
    previous_priority: Priority
    new_priority: Priority
    escalated_by: Literal["system"]
    timestamp: EventTime = Field(description=WHEN)


class WorkOrderSignedPayload(EventPayload):
    work_order: WorkOrderOut
    signature: SignatureOut = Field(description="As GET /api/work-orders/{id}/signature writes it")
    replaced: bool = Field(description="It replaced an earlier signature")
    signed_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class EventComment(EventPayload):
    id: str = Field(description="The comment's id (GET /api/work-orders/{id}/comments)")
    body: str
    visible_to_reporter: bool = Field(description="Shown on the reporter's private status page")
    author_id: ActorId


class WorkOrderCommentedPayload(EventPayload):
    work_order_id: str
    fo_number: str
    title: str = Field(description="The work order's title")
    assigned_to: str | None = Field(description="The work order's assignee when the comment was written")
    requested_by: str | None = Field(description="Who asked for the work order (null for a problem report or a PM)")
    comment: EventComment
    commented_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class FlaggedChecklistItem(EventPayload):
    """A checklist item as events carry it: what was checked and what was found."""

    id: str = Field(description="The checklist item's id (PATCH /api/work-orders/{id}/checklist/{itemId})")
    item_id: str = Field(description="The template item's stable id")
    description: str
    type: ChecklistType
    unit: str | None
    min: float | None
    max: float | None
    value: float | str | None = Field(description="A number for a measurement; pass or fail for a pass/fail item")
    note: str | None
    flagged: bool
    follow_up_id: str | None = Field(description="The follow-up work order raised from it, if any")


class ChecklistItemFlaggedPayload(EventPayload):
    work_order_id: str
    fo_number: str
    equipment_id: str | None
    checklist_item: FlaggedChecklistItem
    auto_follow_up: bool = Field(description="The item raises its follow-up by itself (work_order.follow_up_created follows)")
    recorded_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class FollowUpCreatedPayload(EventPayload):
    work_order: WorkOrderOut = Field(description="The follow-up work order")
    parent_id: str = Field(description="The work order whose checklist item raised it")
    parent_fo_number: str
    checklist_item: FlaggedChecklistItem
    automatic: bool = Field(description="Raised by the item itself (autoFollowUp), not by a person's request")
    created_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class EquipmentCreatedPayload(EventPayload):
    equipment: EquipmentOut = Field(description="The asset as GET /api/equipment/{id} writes it")
    created_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class EquipmentUpdatedPayload(EventPayload):
    equipment: EquipmentOut = Field(description="The asset after the change")
    changes: Changes
    updated_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class EquipmentStatusChangedPayload(EventPayload):
    equipment: EquipmentOut
    previous_status: EquipmentStatus
    status: EquipmentStatus
    reason: str | None = Field(description="Why, when given (kept on the downtime period)")
    work_order_id: str | None = Field(description="The work order behind the change, if any")
    reason_code: DowntimeReason | None = Field(description=(
        "Going down or coming back up: the downtime period's reason code (breakdown when none was given); "
        "null for a change that neither opens nor closes a period"))
    planned: bool | None = Field(description=(
        "With reasonCode: whether the stop is planned (planned stops count neither in MTBF nor in availability)"))
    downtime_period_id: str | None = Field(description="The downtime period opened or closed, if any")
    changed_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class LowStockPayload(EventPayload):
    part: PartOut = Field(description="The part as GET /api/parts/{id} writes it")
    previous_stock_level: int
    stock_level: int
    reorder_point: int
    timestamp: EventTime = Field(description=WHEN)


class ReorderPayload(EventPayload):
    part: PartOut
    reorder_request_id: str = Field(description="GET /api/reorder-requests/{id}")
    quantity: int
    supplier: str | None
    timestamp: EventTime = Field(description=WHEN)


class ConsumedPartLine(EventPayload):
    id: str
    part_id: str
    quantity: int
    unit_cost: Money
    total_cost: Money
    consumed_by: str | None
    consumed_at: EventTime
    part_number: str
    stock_level: int = Field(description="The part's stock level after this consumption")


class PartsConsumedPayload(EventPayload):
    work_order_id: str
    fo_number: str
    parts_usage: list[ConsumedPartLine]
    total_cost: Money = Field(description="This consumption's cost (the work order's partsCost has it added)")
    consumed_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class PartsRequestedPayload(EventPayload):
    work_order_id: str
    fo_number: str
    part: PartOut
    reorder_request_id: str = Field(description="GET /api/reorder-requests/{id}")
    quantity: int
    previous_quantity: int | None = Field(description="null for a new request; the former quantity when changed")
    status: Literal["open", "ordered", "received"]
    requested_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class ReorderReceivedPayload(EventPayload):
    part: PartOut = Field(description="The part after the receipt (its new stockLevel)")
    reorder_request_id: str = Field(description="GET /api/reorder-requests/{id}")
    receipt_id: str = Field(description="One of GET /api/reorder-requests/{id}/receipts")
    stock_movement_id: str = Field(description="The receipt movement in the part's ledger")
    work_order_id: str | None = Field(description="The work order waiting for the part, if it was requested from one")
    quantity: int = Field(description="Booked in by this receipt")
    ordered_quantity: int = Field(description="The request's quantity")
    received_quantity: int = Field(description="Booked in against the request so far, this receipt included")
    remaining_quantity: int = Field(description="Still to come (0 once closed)")
    more_than_ordered: bool = Field(description="The receiver confirmed more than remained")
    closed: bool = Field(description="This receipt closed the request (status received)")
    status: Literal["open", "ordered", "received"]
    received_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class MeterTrigger(EventPayload):
    name: str
    value: float
    read_at: EventTime


class PMScheduledPayload(EventPayload):
    work_order: WorkOrderOut = Field(description="The preventive work order created")
    template_id: str
    template_name: str
    equipment_id: str
    due_date: EventTime
    trigger: Literal["calendar", "meter"]
    meter: MeterTrigger | None = Field(None, description="Meter templates only (absent otherwise): the reading that triggered it")
    timestamp: EventTime = Field(description=WHEN)


class PMOverduePayload(EventPayload):
    work_order: WorkOrderOut
    template_id: str
    equipment_id: str | None
    due_date: EventTime
    hours_overdue: float = Field(description="Hours past its due date, two decimals")
    timestamp: EventTime = Field(description=WHEN)


class PMCompletedPayload(EventPayload):
    work_order: WorkOrderOut
    template_id: str
    equipment_id: str | None
    due_date: EventTime | None
    completed_at: EventTime
    on_time: bool
    actual_duration: int | None = Field(description="Labor minutes booked on it")
    next_due_date: EventTime | None = Field(description="Calendar templates: the next PM's due date")
    completed_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


REQUEST = "The request as GET /api/requests/{id} writes it, after the change"


class RequestCreatedPayload(EventPayload):
    request: RequestOut = Field(description=REQUEST)
    created_by: ActorId = Field(description="The requester; null for a problem report without an account")
    timestamp: EventTime = Field(description=WHEN)


class RequestApprovedPayload(EventPayload):
    request: RequestOut = Field(description=REQUEST)
    work_order: WorkOrderOut = Field(description="The work order made from it (its work_order.created comes first)")
    approved_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class RequestMergedPayload(EventPayload):
    request: RequestOut = Field(description=REQUEST)
    work_order: WorkOrderOut = Field(description="The open work order it was added to (a comment, and its photo)")
    merged_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class RequestDeclinedPayload(EventPayload):
    request: RequestOut = Field(description=REQUEST)
    reason: str = Field(description="Why, as the reporter reads it on their status link")
    declined_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class FrozenSchedule(EventPayload):
    id: str
    week_start: str = Field(description="The Monday of the plan's week (YYYY-MM-DD)")
    frozen_at: EventTime
    items: int = Field(description="Items on the plan at the freeze")
    scheduled_hours: float = Field(description="Their hours: what schedule compliance is measured against")


class ScheduleFrozenPayload(EventPayload):
    schedule: FrozenSchedule
    frozen_by: ActorId
    timestamp: EventTime = Field(description=WHEN)


class WebhookTestPayload(EventPayload):
    message: Literal["Test delivery from MaintainPro"]
    timestamp: EventTime = Field(description=WHEN)


@dataclass(frozen=True)
class EventDoc:
    """One event of the catalogue: the entity its envelope names, its payload, what it means."""

    entity: str
    payload: type[EventPayload]
    summary: str


EVENTS: dict[str, EventDoc] = {
    "work_order.created": EventDoc("work_order", WorkOrderCreatedPayload, "A work order was created"),
    "work_order.updated": EventDoc("work_order", WorkOrderUpdatedPayload, (
        "A work order changed (every change, completion included), with the changed fields")),
    "work_order.completed": EventDoc("work_order", WorkOrderCompletedPayload, (
        "A work order was completed (after its work_order.updated), with its figures")),
    "work_order.escalated": EventDoc("work_order", WorkOrderEscalatedPayload, (
        "An urgent work order past its due date was escalated (reassigned to a manager, or its priority raised)")),
    "equipment.created": EventDoc("equipment", EquipmentCreatedPayload, "An asset was created"),
    "equipment.updated": EventDoc("equipment", EquipmentUpdatedPayload, "An asset changed, with the changed fields"),
    "equipment.status_changed": EventDoc("equipment", EquipmentStatusChangedPayload, (
        "An asset's status changed (after its equipment.updated when edited): down opens a downtime period")),
    "inventory.low_stock": EventDoc("part", LowStockPayload, (
        "A part's stock fell to or below its reorder point (once per dip; re-armed when restocked above it)")),
    "inventory.reorder": EventDoc("part", ReorderPayload, (
        "A reorder request was raised by itself for a low part with autoReorder")),
    "parts.consumed": EventDoc("work_order", PartsConsumedPayload, "Parts were used on a work order"),
    "pm.scheduled": EventDoc("work_order", PMScheduledPayload, (
        "A preventive work order was created from a PM template (calendar lead time, or a meter reading)")),
    "pm.overdue": EventDoc("work_order", PMOverduePayload, "A preventive work order went past its due date (once)"),
    "pm.completed": EventDoc("work_order", PMCompletedPayload, (
        "A preventive work order was completed; the next one is counted from it")),
    "parts.requested": EventDoc("work_order", PartsRequestedPayload, (
        "A part was requested for a work order (new, or its open request's quantity changed)")),
    "checklist.item_flagged": EventDoc("checklist_item", ChecklistItemFlaggedPayload, (
        "A reading left a checklist item flagged (a measurement out of range, a fail); entityId is the item")),
    "work_order.follow_up_created": EventDoc("work_order", FollowUpCreatedPayload, (
        "A follow-up work order was raised from a flagged checklist item; entityId is the follow-up")),
    "work_order.signed": EventDoc("work_order", WorkOrderSignedPayload, "A work order was signed off"),
    "reorder_request.received": EventDoc("reorder_request", ReorderReceivedPayload, (
        "Goods were booked in against a reorder request: a partial receipt, or the one that closed it "
        "(closed true, status received); entityId is the request")),
    "request.created": EventDoc("request", RequestCreatedPayload, (
        "A problem report or a requester's request arrived in the requests inbox (warehouses that take them "
        "through the inbox)")),
    "request.approved": EventDoc("request", RequestApprovedPayload, "A request was approved: a work order was made from it"),
    "request.merged": EventDoc("request", RequestMergedPayload, "A request was merged into an open work order of the same asset"),
    "request.declined": EventDoc("request", RequestDeclinedPayload, "A request was declined, with the reason the reporter sees"),
    "work_order.commented": EventDoc("work_order", WorkOrderCommentedPayload, (
        "Someone commented on a work order (the work order itself does not change: no work_order.updated)")),
    "work_order.failure_coded": EventDoc("work_order", WorkOrderFailureCodedPayload, (
        "A work order's failure mode, cause or remedy code was set, changed or cleared (after its "
        "work_order.updated)")),
    "schedule.frozen": EventDoc("schedule", ScheduleFrozenPayload, (
        "A week's plan was frozen: work added to it afterwards is break-in work; entityId is the plan")),
    TEST_EVENT: EventDoc("webhook", WebhookTestPayload, (
        "The ping of POST /api/webhooks/{id}/test (sent whatever the endpoint subscribes to; entityId is the "
        "webhook's id)")),
}
