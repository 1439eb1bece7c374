from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from portal.models.enums import PRIORITY, WORK_ORDER_STATUS, WORK_ORDER_TYPE
from portal.schemas.attachments import CommentOut
from portal.schemas.common import (
    MoneyIn,
    MoneyOut,
    Out,
    Payload,
    Query,
    SyncQuery,
    UtcDateTime,
    UtcOut,
    csv_of,
    not_null,
)
from portal.schemas.pm import LaborOut, WorkOrderChecklistItemOut

Status = Literal[WORK_ORDER_STATUS.values]  # type: ignore[valid-type]
Priority = Literal[PRIORITY.values]  # type: ignore[valid-type]
WorkOrderType = Literal[WORK_ORDER_TYPE.values]  # type: ignore[valid-type]


FAILURE_TEXT = (
    "Code of the warehouse's failure catalogue (GET /api/failure-codes?kind={kind}), offered for the asset's "
    "equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not "
    "offered code: 400 on this field. May be set on a completed work order too (coding after the fact). "
    "When the warehouse requires failure codes, completing a corrective or emergency work order without "
    "the three is a 400 naming the missing fields.")


def failure_field(kind: str) -> Any:
    return Field(None, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$",
                 description=FAILURE_TEXT.format(kind=kind))


ESTIMATE_MAX = 100000  # minutes: about ten weeks of one person's work


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
    requires_signature: bool = Field(False, description=(
        "Sign-off: the work order cannot be completed until a signature was given "
        "(`POST /api/work-orders/{id}/signature`). Managers and admins only."))
    estimated_duration: int | None = Field(None, ge=1, le=ESTIMATE_MAX, description=(
        "The planner's estimate of the work, in minutes: the weekly plan schedules it (default: none; PM work "
        "orders take their template's)"))


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
    requires_signature: bool | None = Field(None, json_schema_extra=not_null, description=(
        "Sign-off: true, the work order cannot be completed until a signature was given "
        "(`POST /api/work-orders/{id}/signature`). Managers and admins only; not on a closed work order."))
    hold_reason_code: str | None = Field(None, min_length=1, max_length=40, description=(
        "Optional: one of the warehouse's hold reason codes (`waiting_parts`, `waiting_access`, "
        "`waiting_trade`, `safety_permit`, `other` by default; a manager edits the list in the portal); "
        "only with status on_hold, with or without holdReason. An unknown or retired code is refused "
        "(400, field holdReasonCode). Recorded in the history and in the work_order.updated event's "
        "changes as holdReasonCode."))
    failure_mode: str | None = failure_field("mode")
    failure_cause: str | None = failure_field("cause")
    failure_remedy: str | None = failure_field("remedy")
    estimated_duration: int | None = Field(None, ge=1, le=ESTIMATE_MAX, description=(
        f"The planner's estimate in whole minutes, 1 to {ESTIMATE_MAX} (null clears it): the weekly plan "
        "schedules by it and the backlog's crew-weeks add it up. Managers and admins (a technician's change is "
        "403); not on a completed or cancelled work order (409). Recorded in the history and in the "
        "work_order.updated event's changes as estimatedDuration."))


class WorkOrderBulkAssign(Payload):
    ids: list[str] = Field(min_length=1, max_length=100, description=(
        "Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, "
        "answers 404 for the lot, with `ids[n]` in the errors, and nothing is assigned."))
    assigned_to: str | None = Field(description=(
        "The user every listed work order is assigned to (null: unassign them). Each one changes exactly "
        "as with `PATCH /api/work-orders/{id}` `{\"assignedTo\": ...}` (a new one becomes assigned), with the "
        "same history rows, work_order.updated events and webhooks; one refusal (a completed work order, "
        "a user who cannot take work) rolls back all of them."))



class WorkOrderBulkUpdate(Payload):
    """Several work orders changed alike in one call (the board's bulk bar): assign, status,
    priority and due date, any of them, all or nothing."""

    ids: list[str] = Field(min_length=1, max_length=100, description=(
        "Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, "
        "answers 404 for the lot, with `ids[n]` in the errors, and nothing is changed."))
    assigned_to: str | None = Field(None, description="Assign them all to this user (null: unassign them)")
    status: Status | None = Field(None, json_schema_extra=not_null, description=(
        "Move them all to this status (the transitions of `PATCH /api/work-orders/{id}`)"))
    priority: Priority | None = Field(None, json_schema_extra=not_null)
    due_date: UtcDateTime | None = Field(None, description="The new due date (null: no due date)")
    hold_reason: str | None = Field(None, min_length=1, max_length=500, json_schema_extra=not_null, description=(
        "Only with status on_hold: why the work waits, in words, as with `PATCH /api/work-orders/{id}` "
        "(recorded in each one's history and work_order.updated changes as holdReason). A work order "
        "already on hold keeps its hold unchanged."))
    hold_reason_code: str | None = Field(None, min_length=1, max_length=40, json_schema_extra=not_null, description=(
        "Only with status on_hold: one of the warehouse's active hold reason codes, as PATCH's "
        "holdReasonCode; an unknown or retired code is refused (400, field holdReasonCode)."))

    @field_validator("ids")
    @classmethod
    def _no_blank_ids(cls, value: list[str]) -> list[str]:
        if any(not i.strip() for i in value):
            raise ValueError("An id may not be blank")
        return value

    @model_validator(mode="after")
    def _something_to_change(self) -> WorkOrderBulkUpdate:
        if not self.model_fields_set & {"assigned_to", "status", "priority", "due_date"}:
            raise ValueError("Give at least one of assignedTo, status, priority, dueDate")
        return self


EXPANSIONS = ("parts", "checklist", "labor", "comments")
Expansion = Literal[EXPANSIONS]  # type: ignore[valid-type]
# Bounds of expand: related records per work order, and work orders per page when expanding.
EXPAND_ITEMS_MAX = 200
EXPAND_PAGE_MAX = 100
EXPAND_TEXT = (
    f"Related records to include in each work order: parts (consumptions), checklist, labor, comments "
    f"(comma list). At most {EXPAND_ITEMS_MAX} of each per work order, in their own pages' order; "
    f"on a list, limit may not exceed {EXPAND_PAGE_MAX} when expanding.")


class WorkOrderReadQuery(Query):
    """A single work order's read: other parameters are ignored, as they were before expand."""

    model_config = ConfigDict(extra="ignore")
    expand: csv_of(Expansion) | None = Field(None, description=EXPAND_TEXT)


SORTS = ("createdAt", "-createdAt", "dueDate", "-dueDate", "priority", "-priority",
         "foNumber", "-foNumber", "updatedAt", "-updatedAt")


class WorkOrderQuery(SyncQuery):
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
    expand: csv_of(Expansion) | None = Field(None, description=EXPAND_TEXT)
    sort: Literal[SORTS] = Field("-createdAt", description=(  # type: ignore[valid-type]
        "With `cursor`, only `updatedAt` (a sync reads in that order)."))

    @field_validator("expand")
    @classmethod
    def _expand_bounded(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        if value and info.data.get("limit", 0) > EXPAND_PAGE_MAX:
            raise ValueError(f"With expand, limit may not exceed {EXPAND_PAGE_MAX}")
        return list(dict.fromkeys(value)) if value else value

    @field_validator("sort")
    @classmethod
    def _cursor_order(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("cursor") is not None and value != "updatedAt":
            raise ValueError("A cursor reads in updatedAt order: leave sort out or set it to updatedAt")
        return value


class WorkOrderExportQuery(WorkOrderQuery):
    """The list's filters and sort, every row; page, limit, cursor and expand do not apply."""

    format: Literal["csv", "ndjson"] = Field("csv", description=(
        "csv (the columns below) or ndjson: one work order per line as GET /api/work-orders writes it, "
        "then a last line {\"end\": true, \"rows\": N}; a stream cut short has no such line."))

    @field_validator("cursor", "expand")
    @classmethod
    def _not_for_exports(cls, value: object, info: ValidationInfo) -> object:
        if value:
            raise ValueError(f"{info.field_name} does not apply to an export: it sends every row")
        return value


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
    parts_cost: MoneyOut = Field(Decimal("0"), description="All parts consumed on it, at their cost when consumed")
    labor_cost: MoneyOut = Field(Decimal("0"), description=(
        "All labor booked on it: each entry's minutes at the person's hourly rate when booked "
        "(0.00 for people without a rate)"))
    reporter_name: str | None = Field(None, description=(
        "Who reported the problem through an asset label's public page (/report/<token>), without an "
        "account; requestedBy is null then"))
    reporter_contact: str | None = Field(None, description="How to reach that reporter (phone, e-mail), if given")
    parent_id: str | None = Field(None, description=(
        "A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; "
        "its follow-ups are listed at GET /api/work-orders/{id}/follow-ups"))
    requires_signature: bool = Field(False, description=(
        "Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or "
        "inherited from its PM template"))
    failure_mode: str | None = Field(None, description="ISO 14224 failure mode code (what was observed), e.g. VIB")
    failure_cause: str | None = Field(None, description="Failure cause/mechanism code (why), e.g. WEAR")
    failure_remedy: str | None = Field(None, description="Remedy code (what was done), e.g. REPL")


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


class WorkOrderExpandedOut(WorkOrderOut):
    """A work order of the list, with what `expand` asked for (absent otherwise)."""

    parts: list[PartUsageOut] = Field([], description="With expand=parts")
    checklist: list[WorkOrderChecklistItemOut] = Field([], description="With expand=checklist")
    labor: list[LaborOut] = Field([], description="With expand=labor")
    comments: list[CommentOut] = Field([], description="With expand=comments")


class WorkOrderDetailOut(WorkOrderOut):
    parts: list[PartUsageOut] = []
    checklist: list[WorkOrderChecklistItemOut] = Field([], description="With expand=checklist")
    labor: list[LaborOut] = Field([], description="With expand=labor")
    comments: list[CommentOut] = Field([], description="With expand=comments")
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



class FollowUpCreated(Out):
    work_order: WorkOrderOut = Field(description="The follow-up work order")
    created: bool = Field(description=(
        "true: created by this request (201); false: the item already had its follow-up, returned as it is (200)"))
    parent_id: str
    item_id: str = Field(description="The checklist item (its id on the work order) it was raised from")


class HoldReasonCreate(Payload):
    """A hold reason a manager adds to the warehouse's list (the code is made from the label)."""

    label: str = Field(min_length=1, max_length=80)


class HoldReasonUpdate(Payload):
    """A new label for a hold reason, or its retirement (active false) / return (active true)."""

    label: str | None = Field(None, min_length=1, max_length=80, json_schema_extra=not_null)
    active: bool | None = Field(None, json_schema_extra=not_null)
