from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from portal.models.enums import PRIORITY, WORK_ORDER_STATUS, WORK_ORDER_TYPE
from portal.schemas.common import MoneyIn, MoneyOut, Out, PageQuery, Payload, UtcDateTime, UtcOut, csv_of, not_null

Status = Literal[WORK_ORDER_STATUS.values]  # type: ignore[valid-type]
Priority = Literal[PRIORITY.values]  # type: ignore[valid-type]
WorkOrderType = Literal[WORK_ORDER_TYPE.values]  # type: ignore[valid-type]


class WorkOrderCreate(Payload):
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10000)
    priority: Priority = "medium"
    type: WorkOrderType = "corrective"
    equipment_id: str | None = None
    assigned_to: str | None = None
    due_date: UtcDateTime | None = None
    equipment_down: bool = Field(False, description=(
        "A breakdown report: the equipment goes `down` now, the downtime period is linked to this work "
        "order and closed when it is completed. Needs equipmentId and type corrective or emergency."))


class WorkOrderUpdate(Payload):
    title: str | None = Field(None, min_length=1, max_length=200, json_schema_extra=not_null)
    description: str | None = Field(None, max_length=10000)
    status: Status | None = Field(None, json_schema_extra=not_null)
    priority: Priority | None = Field(None, json_schema_extra=not_null)
    type: WorkOrderType | None = Field(None, json_schema_extra=not_null)
    equipment_id: str | None = None
    assigned_to: str | None = None
    due_date: UtcDateTime | None = None
    completion_notes: str | None = Field(None, max_length=10000)
    hold_reason: str | None = Field(None, min_length=1, max_length=500, description=(
        "Why the work order waits (\"waiting for the bearing\"); only with status on_hold. Recorded in the "
        "history and in the work_order.updated event's changes as holdReason."))
    hold_reason_code: str | None = Field(None, min_length=1, max_length=40, description=(
        "Optional: one of the warehouse's hold reason codes (`waiting_parts`, `waiting_access`, "
        "`waiting_trade`, `safety_permit`, `other` by default; a manager edits the list in the portal); "
        "only with status on_hold, with or without holdReason. An unknown or retired code is refused "
        "(400, field holdReasonCode). Recorded in the history and in the work_order.updated event's "
        "changes as holdReasonCode."))


class WorkOrderBulkAssign(Payload):
    ids: list[str] = Field(min_length=1, max_length=100, description=(
        "Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, "
        "answers 404 for the lot, with `ids[n]` in the errors, and nothing is assigned."))
    assigned_to: str | None = Field(description=(
        "The user every listed work order is assigned to (null: unassign them). Each one changes exactly "
        "as with `PATCH /api/work-orders/{id}` `{\"assignedTo\": ...}` (a new one becomes assigned), with the "
        "same history rows, work_order.updated events and webhooks; one refusal (a completed work order, "
        "a user who cannot take work) rolls back all of them."))


SORTS = ("createdAt", "-createdAt", "dueDate", "-dueDate", "priority", "-priority",
         "foNumber", "-foNumber", "updatedAt", "-updatedAt")


class WorkOrderQuery(PageQuery):
    status: csv_of(Status) | None = None
    assigned_to: str | None = Field(None, description="User id of the assignee")
    priority: csv_of(Priority) | None = None
    equipment_id: str | None = None
    type: csv_of(WorkOrderType) | None = None
    q: str | None = Field(None, max_length=200, description="Text search in foNumber, title, description")
    due_before: UtcDateTime | None = None
    due_after: UtcDateTime | None = None
    overdue: bool | None = Field(None, description=(
        "true: only open work orders whose dueDate has passed; false: all the others"))
    sort: Literal[SORTS] = "-createdAt"  # type: ignore[valid-type]


class WorkOrderOut(Out):
    id: str
    fo_number: str = Field(description="WO-<year>-<NNN>, per warehouse, gap-free")
    title: str
    description: str | None
    status: Status
    priority: Priority
    type: WorkOrderType
    equipment_id: str | None
    assigned_to: str | None
    requested_by: str | None
    due_date: UtcOut | None
    created_at: UtcOut
    warehouse_id: str
    updated_at: UtcOut
    completed_at: UtcOut | None
    completion_notes: str | None
    pm_template_id: str | None = Field(None, description="The PM template a preventive work order came from")
    estimated_duration: int | None = Field(None, description="Minutes (from the PM template)")
    actual_duration: int = Field(0, description="Sum of the labor minutes booked on it")
    reporter_name: str | None = Field(None, description=(
        "Who reported the problem through an asset label's public page (/report/<token>), without an "
        "account; requestedBy is null then"))
    reporter_contact: str | None = Field(None, description="How to reach that reporter (phone, e-mail), if given")


class PartUsageOut(Out):
    id: str
    part_id: str
    quantity: int
    unit_cost: MoneyOut
    total_cost: MoneyOut
    consumed_by: str | None
    consumed_at: UtcOut


class HistoryOut(Out):
    action: str
    user_id: str | None
    at: UtcOut
    changes: dict


class WorkOrderDetailOut(WorkOrderOut):
    parts: list[PartUsageOut] = []
    parts_cost: MoneyOut = Decimal("0")
    history: list[HistoryOut] = []


class PartUsage(Payload):
    part_id: str
    quantity_used: int = Field(gt=0, le=1_000_000)
    unit_cost: MoneyIn | None = Field(None, description="Defaults to the part's current unit cost")


class ConsumeParts(Payload):
    work_order_id: str
    parts_usage: list[PartUsage] = Field(min_length=1, max_length=200)


class ConsumptionOut(Out):
    work_order_id: str
    consumptions: list[PartUsageOut]
    total_cost: MoneyOut
    parts_cost: MoneyOut = Field(description="All parts consumed on the work order so far")



class HoldReasonCreate(Payload):
    """A hold reason a manager adds to the warehouse's list (the code is made from the label)."""

    label: str = Field(min_length=1, max_length=80)


class HoldReasonUpdate(Payload):
    """A new label for a hold reason, or its retirement (active false) / return (active true)."""

    label: str | None = Field(None, min_length=1, max_length=80, json_schema_extra=not_null)
    active: bool | None = Field(None, json_schema_extra=not_null)
