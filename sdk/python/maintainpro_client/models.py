# ruff: noqa: E501
"""The API's objects as TypedDicts. Generated from the MaintainPro OpenAPI document by
tools/gen_models.py: do not edit by hand.

Times are ISO-8601 UTC strings with milliseconds; money is a decimal string ("12.50").
A key that is not always present is NotRequired.
"""
from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class AbsenceCreate(TypedDict):
    """AbsenceCreate"""

    userId: str
    # First day away (YYYY-MM-DD)
    startDate: str
    # Last day away, included (YYYY-MM-DD)
    endDate: str
    # Holiday, training, sick leave...
    reason: str


class AbsenceOut(TypedDict):
    """AbsenceOut"""

    id: str
    userId: str
    startDate: str
    endDate: str
    reason: str
    createdAt: str


class ApiKeyCreate(TypedDict):
    """ApiKeyCreate"""

    # What the key is for, e.g. 'ERP sync'.
    name: str
    # The key acts with this role; it cannot be higher than the creator's role (403), and is capped at use time by the creator's current role.
    role: Literal["admin", "manager", "technician", "requester"]


class ApiKeyCreatedOut(TypedDict):
    """ApiKeyCreatedOut"""

    id: str
    name: str
    role: Literal["admin", "manager", "technician", "requester"]
    # The key's first characters (mp_live_ and 8 of its id), to recognise it.
    prefix: str
    warehouseId: str
    createdBy: str
    createdAt: str
    # Last request made with the key, to the minute (written at most once a minute).
    lastUsedAt: str | None
    revokedAt: str | None
    # The full key, mp_live_<id>_<secret>: shown in this response only, stored hashed. Send it as 'Authorization: Bearer <key>'.
    key: str


class ApiKeyOut(TypedDict):
    """ApiKeyOut"""

    id: str
    name: str
    role: Literal["admin", "manager", "technician", "requester"]
    # The key's first characters (mp_live_ and 8 of its id), to recognise it.
    prefix: str
    warehouseId: str
    createdBy: str
    createdAt: str
    # Last request made with the key, to the minute (written at most once a minute).
    lastUsedAt: str | None
    revokedAt: str | None


class AssetKpiOut(TypedDict):
    """AssetKpiOut"""

    equipmentId: str
    assetTag: str
    # Unplanned downtime periods starting in the window
    failures: int
    # Unplanned downtime periods ended in the window
    repairs: int
    # Recorded downtime periods clipped to the window, overlaps merged
    downtimeHours: float
    # Window length - downtime
    operatingHours: float
    # operatingHours / failures
    mtbfHours: float | None
    # Mean length of its downtime periods that ended in the window
    mttrHours: float | None
    # operatingHours / window length x 100
    availability: float | None
    laborMinutes: int
    partsCost: str
    # Planned downtime periods starting in the window (not failures)
    plannedStops: NotRequired[int]
    # Planned downtime clipped to the window, overlaps merged
    plannedDowntimeHours: NotRequired[float]


class AttachmentOut(TypedDict):
    """AttachmentOut"""

    id: str
    workOrderId: str
    # A safe ASCII version of the uploaded file's name
    filename: str
    contentType: Literal["image/jpeg", "image/png", "image/webp"]
    # Size of the stored (re-encoded, metadata-free) image
    sizeBytes: int
    width: int
    height: int
    uploadedBy: str | None
    uploadedByName: str | None
    createdAt: str
    # `signature`: the work order's sign-off signature (a PNG drawn on the screen, signerName set; see `GET /api/work-orders/{id}/signature`)
    kind: NotRequired[Literal["photo", "signature"]]
    # Signatures only: the name of who signed
    signerName: NotRequired[str | None]


class BacklogOut(TypedDict):
    """BacklogOut"""

    # Open work orders (new, assigned, in_progress, on_hold)
    open: int
    # Sum of their estimatedDuration, in hours
    estimatedHours: float
    # Open work orders without an estimate
    unestimated: int
    # Open work orders whose due date has passed
    overdue: int


class BadActorOut(TypedDict):
    """BadActorOut"""

    equipmentId: str
    assetTag: str
    equipmentClass: str | None
    # Unplanned downtime clipped to the window
    downtimeHours: float
    # Unplanned downtime periods starting in the window
    failures: int
    # Corrective and emergency work orders created in the window, not cancelled, with a failure mode
    failureWorkOrders: int
    # Labor entries' cost performed in the window on its work orders
    laborCost: str
    # Part consumptions' totalCost consumed in the window on its work orders
    partsCost: str
    # laborCost + partsCost
    cost: str
    # Why: its most frequent failure modes (at most 3)
    topFailureModes: list[FailureModeCountOut]


BadActorsOut = TypedDict("BadActorsOut", {"days": "int", "from": "str", "to": "str", "limit": "int", "equipmentClass": "str | None", "byDowntime": "list[BadActorOut]", "byFailures": "list[BadActorOut]", "byCost": "list[BadActorOut]", "pareto": "ParetoOut", "causePareto": "ParetoOut"})


class ChecklistAdd(TypedDict):
    """Items added to an ad-hoc work order's checklist: copied from a PM template's checklist, or typed in (the same item shape as a template's). Either, not both."""

    # Items typed in, appended in this order
    items: NotRequired[list[ChecklistItemIn]]
    # A PM template of the warehouse whose checklist is copied
    fromTemplateId: NotRequired[str]


class ChecklistItemFlaggedPayload(TypedDict):
    """ChecklistItemFlaggedPayload"""

    workOrderId: str
    foNumber: str
    equipmentId: str | None
    checklistItem: FlaggedChecklistItem
    # The item raises its follow-up by itself (work_order.follow_up_created follows)
    autoFollowUp: bool
    # The user who did it; null when the system did (a periodic job)
    recordedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class ChecklistItemIn(TypedDict):
    """ChecklistItemIn"""

    # Stable item id; generated when omitted
    id: NotRequired[str | None]
    description: str
    type: NotRequired[Literal["checkbox", "measurement", "text", "pass_fail"]]
    required: NotRequired[bool]
    # Measurements only
    unit: NotRequired[str | None]
    # Measurements only: lowest acceptable value (not above max)
    min: NotRequired[float | None]
    # Measurements only: highest acceptable value
    max: NotRequired[float | None]
    # Measurement and pass_fail items: a reading out of min/max, or a fail, creates the follow-up work order by itself (once per work order item), without anyone asking for it
    autoFollowUp: NotRequired[bool]


class ChecklistItemOut(TypedDict):
    """ChecklistItemOut"""

    id: str
    description: str
    type: Literal["checkbox", "measurement", "text", "pass_fail"]
    required: bool
    unit: NotRequired[str | None]
    min: NotRequired[float | None]
    max: NotRequired[float | None]
    # A flagged reading creates the follow-up work order by itself
    autoFollowUp: NotRequired[bool]


class ChecklistItemUpdate(TypedDict):
    """ChecklistItemUpdate"""

    done: NotRequired[bool]
    # Measurement: a number; pass_fail: pass or fail; text: any
    value: NotRequired[str | float | None]
    note: NotRequired[str | None]


class CommentCreate(TypedDict):
    """CommentCreate"""

    # The message, 1 to 4000 characters (surrounding whitespace is trimmed).
    body: str
    # Show this comment to the person who reported the problem without an account, on their private status page (only on work orders from a problem report; false: the team only).
    visibleToReporter: NotRequired[bool]


class CommentOut(TypedDict):
    """CommentOut"""

    id: str
    workOrderId: str
    body: str
    authorId: str | None
    # The author's name, or email when no name is set
    authorName: str | None
    # Shown on the reporter's private status page (the text only: never the author's name)
    visibleToReporter: NotRequired[bool]
    createdAt: str


class CompletionMetrics(TypedDict):
    """CompletionMetrics"""

    # From creation to completion, two decimals
    timeToCompleteHours: float | None
    # All parts consumed on it
    partsCost: str
    # Units of parts consumed on it
    partsQuantity: int
    # Completed after its due date
    completedLate: bool
    # Labor booked on it
    laborMinutes: int


class ComplianceByEquipment(TypedDict):
    """ComplianceByEquipment"""

    due: int
    completedOnTime: int
    completedLate: int
    overdue: int
    open: int
    compliance: float | None
    equipmentId: str | None
    assetTag: str | None


class ComplianceByTemplate(TypedDict):
    """ComplianceByTemplate"""

    due: int
    completedOnTime: int
    completedLate: int
    overdue: int
    open: int
    compliance: float | None
    templateId: str
    name: str


ComplianceOut = TypedDict("ComplianceOut", {"due": "int", "completedOnTime": "int", "completedLate": "int", "overdue": "int", "open": "int", "compliance": "float | None", "days": "int", "from": "str", "to": "str", "pmGrace": "NotRequired[Literal[\"dueDate\", \"oneDay\", \"tenPercent\", \"smrp\"]]", "equipmentId": "NotRequired[str | None]", "includeChildren": "NotRequired[bool]", "cancelled": "int", "byTemplate": "list[ComplianceByTemplate]", "byEquipment": "list[ComplianceByEquipment]"})


class ConsumeParts(TypedDict):
    """ConsumeParts"""

    workOrderId: str
    partsUsage: list[PartUsage]


class ConsumedPartLine(TypedDict):
    """ConsumedPartLine"""

    id: str
    partId: str
    quantity: int
    # A decimal string with two places, e.g. "25.00"
    unitCost: str
    # A decimal string with two places, e.g. "25.00"
    totalCost: str
    consumedBy: str | None
    # ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z
    consumedAt: str
    partNumber: str
    # The part's stock level after this consumption
    stockLevel: int


class ConsumptionOut(TypedDict):
    """ConsumptionOut"""

    workOrderId: str
    consumptions: list[PartUsageOut]
    totalCost: str
    # All parts consumed on the work order so far
    partsCost: str


class DeliveryAttemptOut(TypedDict):
    """DeliveryAttemptOut"""

    # 1 for the first POST of the delivery, 2 for its first retry, ...
    attempt: int
    startedAt: str
    durationMs: int | None
    # The receiver's answer; null when none came (timeout, refused)
    statusCode: int | None
    # Why the attempt failed, at most 300 characters; null when delivered
    error: str | None
    # When the delivery was to be tried again after this attempt; null when it was not
    nextRetryAt: str | None


class DeliveryOut(TypedDict):
    """DeliveryOut"""

    # Also the X-MaintainPro-Delivery header, the same on every attempt
    id: str
    webhookId: str
    eventId: str | None
    event: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    lastStatusCode: int | None
    lastError: str | None
    lastDurationMs: int | None
    lastAttemptAt: str | None
    nextAttemptAt: str | None
    deliveredAt: str | None
    redeliveryOf: str | None
    createdAt: str
    # One entry per attempt, first to last (`attempts` stays their count). A delivery made before attempts were kept lists its last attempt only.
    attemptLog: NotRequired[list[DeliveryAttemptOut]]


class DowntimePeriodOut(TypedDict):
    """DowntimePeriodOut"""

    id: str
    equipmentId: str
    startedAt: str
    # null while the asset is still down
    endedAt: str | None
    reason: str | None
    # Why it stopped (see POST /api/equipment/{id}/status)
    reasonCode: Literal["breakdown", "operational", "utility", "preventive", "changeover", "shutdown", "no_demand", "other"]
    # A planned stop (PM, changeover...): not a failure, left out of MTBF and availability
    planned: bool
    workOrderId: str | None
    startedBy: str | None
    endedBy: str | None


class EndpointFigureOut(TypedDict):
    """EndpointFigureOut"""

    # Method and URL rule, e.g. `GET /api/work-orders/<id>`.
    endpoint: str
    requestCount: int
    # Milliseconds.
    averageResponseTime: float


class EquipmentCreate(TypedDict):
    """EquipmentCreate"""

    assetTag: str
    model: NotRequired[str | None]
    manufacturer: NotRequired[str | None]
    description: NotRequired[str | None]
    status: NotRequired[Literal["active", "inactive", "maintenance", "down", "retired"]]
    location: NotRequired[str | None]
    area: NotRequired[str | None]
    criticality: NotRequired[Literal["low", "medium", "high", "critical"]]
    installDate: NotRequired[str | None]
    equipmentClass: NotRequired[str | None]
    # The asset this one is part of (site → area → line → machine → component): an asset of the same warehouse (400 `parentId` otherwise, as for an unknown one), never the asset itself or one below it (400), at most 12 levels deep (400).
    parentId: NotRequired[str | None]


class EquipmentCreatedPayload(TypedDict):
    """EquipmentCreatedPayload"""

    # The asset as GET /api/equipment/{id} writes it
    equipment: EquipmentOut
    # The user who did it; null when the system did (a periodic job)
    createdBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class EquipmentOut(TypedDict):
    """EquipmentOut"""

    id: str
    assetTag: str
    model: str | None
    manufacturer: str | None
    description: str | None
    status: Literal["active", "inactive", "maintenance", "down", "retired"]
    location: str | None
    area: str | None
    criticality: Literal["low", "medium", "high", "critical"]
    installDate: str | None
    # ISO 14224 equipment class (failure codes offered for it)
    equipmentClass: NotRequired[str | None]
    # The asset this one is part of (null: top-level)
    parentId: NotRequired[str | None]
    warehouseId: str
    createdAt: str
    updatedAt: str


class EquipmentStatusChange(TypedDict):
    """EquipmentStatusChange"""

    # `down` opens a downtime period; leaving `down` closes it.
    status: Literal["active", "inactive", "maintenance", "down", "retired"]
    # Why (e.g. 'bearing seized'); kept on the period
    reason: NotRequired[str | None]
    # The work order repairing it, if any
    workOrderId: NotRequired[str | None]
    # Why it stops, only with status down (400 otherwise): `breakdown` (breakdown, unplanned), `operational` (operating error or process upset, unplanned), `utility` (utility or supply loss, unplanned), `preventive` (preventive maintenance, planned), `changeover` (changeover or set-up, planned), `shutdown` (planned shutdown, planned), `no_demand` (no production demand, planned), `other` (other, either). Left out: `breakdown` (unplanned), or `other` when planned is true: a caller that sends neither records a failure, as before these fields existed.
    reasonCode: NotRequired[Literal["breakdown", "operational", "utility", "preventive", "changeover", "shutdown", "no_demand", "other"] | None]
    # Whether the stop is planned. Defaults from reasonCode; must agree with it where the code decides (400 otherwise); with `other` it decides (unplanned when left out). Only with status down.
    planned: NotRequired[bool | None]


class EquipmentStatusChangedPayload(TypedDict):
    """EquipmentStatusChangedPayload"""

    equipment: EquipmentOut
    previousStatus: Literal["active", "inactive", "maintenance", "down", "retired"]
    status: Literal["active", "inactive", "maintenance", "down", "retired"]
    # Why, when given (kept on the downtime period)
    reason: str | None
    # The work order behind the change, if any
    workOrderId: str | None
    # Going down or coming back up: the downtime period's reason code (breakdown when none was given); null for a change that neither opens nor closes a period
    reasonCode: Literal["breakdown", "operational", "utility", "preventive", "changeover", "shutdown", "no_demand", "other"] | None
    # With reasonCode: whether the stop is planned (planned stops count neither in MTBF nor in availability)
    planned: bool | None
    # The downtime period opened or closed, if any
    downtimePeriodId: str | None
    # The user who did it; null when the system did (a periodic job)
    changedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class EquipmentUpdate(TypedDict):
    """EquipmentUpdate"""

    assetTag: NotRequired[str]
    model: NotRequired[str | None]
    manufacturer: NotRequired[str | None]
    description: NotRequired[str | None]
    status: NotRequired[Literal["active", "inactive", "maintenance", "down", "retired"]]
    location: NotRequired[str | None]
    area: NotRequired[str | None]
    criticality: NotRequired[Literal["low", "medium", "high", "critical"]]
    installDate: NotRequired[str | None]
    equipmentClass: NotRequired[str | None]
    # The asset this one is part of (site → area → line → machine → component): an asset of the same warehouse (400 `parentId` otherwise, as for an unknown one), never the asset itself or one below it (400), at most 12 levels deep (400). null makes it top-level.
    parentId: NotRequired[str | None]


class EquipmentUpdatedPayload(TypedDict):
    """EquipmentUpdatedPayload"""

    # The asset after the change
    equipment: EquipmentOut
    # The fields that changed, by their API name: {field: {from, to}}. Putting a work order on hold also carries holdReason (and holdReasonCode when given); ignore keys you do not know
    changes: dict[str, FieldChange]
    # The user who did it; null when the system did (a periodic job)
    updatedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class ErrorItem(TypedDict):
    """ErrorItem"""

    field: str
    message: str


class ErrorResponse(TypedDict):
    """ErrorResponse"""

    message: str
    errors: NotRequired[list[ErrorItem]]


class EventComment(TypedDict):
    """EventComment"""

    # The comment's id (GET /api/work-orders/{id}/comments)
    id: str
    body: str
    # Shown on the reporter's private status page
    visibleToReporter: bool
    # The user who did it; null when the system did (a periodic job)
    authorId: str | None


class FailureCodeCreate(TypedDict):
    """FailureCodeCreate"""

    # mode (what was observed), cause (why) or remedy (what was done)
    kind: Literal["mode", "cause", "remedy"]
    # Short and stable (e.g. VIB), unique per kind in the warehouse; stored upper-case. Work orders carry it
    code: str
    # What people read (e.g. Vibration)
    label: str
    # Equipment classes it is offered for (an asset's equipmentClass, e.g. pump, electric_motor); empty: every asset
    equipmentClasses: NotRequired[list[str]]


class FailureCodeImportOut(TypedDict):
    """FailureCodeImportOut"""

    created: int
    updated: int
    unchanged: int


class FailureCodeOut(TypedDict):
    """FailureCodeOut"""

    id: str
    kind: Literal["mode", "cause", "remedy"]
    code: str
    label: str
    equipmentClasses: list[str]
    # false: retired, no longer offered
    active: bool
    # Work orders carrying it (any of failureMode, failureCause, failureRemedy)
    uses: NotRequired[int]
    warehouseId: str
    createdAt: str
    updatedAt: str


class FailureCodeUpdate(TypedDict):
    """A code never changes (work orders carry it): its label, classes, and active (false: retired)."""

    label: NotRequired[str]
    # Equipment classes it is offered for (an asset's equipmentClass, e.g. pump, electric_motor); empty: every asset
    equipmentClasses: NotRequired[list[str]]
    # false: retired (no longer offered, still shown on the work orders that carry it); true: offered again
    active: NotRequired[bool]


class FailureModeCountOut(TypedDict):
    """FailureModeCountOut"""

    code: str
    # The catalogue's label (the code itself when the catalogue no longer has it)
    label: str
    # The asset's coded failures with this mode in the window
    count: int


FieldChange = TypedDict("FieldChange", {"from": "Any", "to": "Any"})


class FlaggedChecklistItem(TypedDict):
    """A checklist item as events carry it: what was checked and what was found."""

    # The checklist item's id (PATCH /api/work-orders/{id}/checklist/{itemId})
    id: str
    # The template item's stable id
    itemId: str
    description: str
    type: Literal["checkbox", "measurement", "text", "pass_fail"]
    unit: str | None
    min: float | None
    max: float | None
    # A number for a measurement; pass or fail for a pass/fail item
    value: float | str | None
    note: str | None
    flagged: bool
    # The follow-up work order raised from it, if any
    followUpId: str | None


class FollowUpCreated(TypedDict):
    """FollowUpCreated"""

    # The follow-up work order
    workOrder: WorkOrderOut
    # true: created by this request (201); false: the item already had its follow-up, returned as it is (200)
    created: bool
    parentId: str
    # The checklist item (its id on the work order) it was raised from
    itemId: str


class FollowUpCreatedPayload(TypedDict):
    """FollowUpCreatedPayload"""

    # The follow-up work order
    workOrder: WorkOrderOut
    # The work order whose checklist item raised it
    parentId: str
    parentFoNumber: str
    checklistItem: FlaggedChecklistItem
    # Raised by the item itself (autoFollowUp), not by a person's request
    automatic: bool
    # The user who did it; null when the system did (a periodic job)
    createdBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class FrozenSchedule(TypedDict):
    """FrozenSchedule"""

    id: str
    # The Monday of the plan's week (YYYY-MM-DD)
    weekStart: str
    # ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z
    frozenAt: str
    # Items on the plan at the freeze
    items: int
    # Their hours: what schedule compliance is measured against
    scheduledHours: float


class HistoryOut(TypedDict):
    """HistoryOut"""

    action: str
    userId: str | None
    at: str
    changes: dict[str, Any]


class ImportDetailOut(TypedDict):
    """ImportDetailOut"""

    id: str
    kind: Literal["assets", "parts"]
    # pending (uploaded in the portal, awaiting its start after the preview), queued, running, done, or failed (see error)
    status: Literal["pending", "queued", "running", "done", "failed"]
    fileName: str
    # Data rows in the file (blank lines not counted)
    totalRows: int
    # Rows done so far: created + updated + unchanged + refused
    processedRows: int
    # Rows that created an asset or part
    createdCount: int
    # Rows whose key (assetTag, partNumber) existed: updated with their non-empty cells
    updatedCount: int
    # Rows whose key existed and whose non-empty cells held what it already had: nothing written, no event
    unchangedCount: int
    # Rows refused (nothing of them written); see refused
    refusedCount: int
    # Why a failed import stopped
    error: str | None
    # Runs started; more than 1 when a worker died and the import resumed
    attempts: int
    createdBy: str
    createdAt: str
    startedAt: str | None
    finishedAt: str | None
    # When the uploaded file was removed (IMPORT_KEEP_DAYS after the import finished); refused.csv then answers 410, the refusals' lines and reasons stay
    filePurgedAt: str | None
    warehouseId: str
    # Every refused row, by line; also as CSV at /api/imports/{id}/refused.csv
    refused: NotRequired[list[ImportRefusalOut]]


class ImportOut(TypedDict):
    """ImportOut"""

    id: str
    kind: Literal["assets", "parts"]
    # pending (uploaded in the portal, awaiting its start after the preview), queued, running, done, or failed (see error)
    status: Literal["pending", "queued", "running", "done", "failed"]
    fileName: str
    # Data rows in the file (blank lines not counted)
    totalRows: int
    # Rows done so far: created + updated + unchanged + refused
    processedRows: int
    # Rows that created an asset or part
    createdCount: int
    # Rows whose key (assetTag, partNumber) existed: updated with their non-empty cells
    updatedCount: int
    # Rows whose key existed and whose non-empty cells held what it already had: nothing written, no event
    unchangedCount: int
    # Rows refused (nothing of them written); see refused
    refusedCount: int
    # Why a failed import stopped
    error: str | None
    # Runs started; more than 1 when a worker died and the import resumed
    attempts: int
    createdBy: str
    createdAt: str
    startedAt: str | None
    finishedAt: str | None
    # When the uploaded file was removed (IMPORT_KEEP_DAYS after the import finished); refused.csv then answers 410, the refusals' lines and reasons stay
    filePurgedAt: str | None
    warehouseId: str


class ImportRefusalOut(TypedDict):
    """ImportRefusalOut"""

    # Line of the refused row in the file (the header is line 1)
    line: int
    # Why: `field: message` for each problem, as the API would answer
    reason: str


class KpiRecordOut(TypedDict):
    """One record behind a figure: a downtime period (mttrHours, mtbfHours, availability), a work order (pmCompliance, backlog, plannedMaintenancePercentage, plannedWorkPercent, backlogCrewWeeks) or an item of a frozen weekly plan (scheduleCompliance, breakInShare); the other kinds' fields are null."""

    # downtime_period, work_order or schedule_item
    kind: Literal["downtime_period", "work_order", "schedule_item"]
    id: str
    equipmentId: str | None
    assetTag: str | None
    # Downtime: when the asset went down
    startedAt: NotRequired[str | None]
    # Downtime: when it came back up; null while still down
    endedAt: NotRequired[str | None]
    # Downtime: the period's length (to now while still down)
    hours: NotRequired[float | None]
    # Downtime: the part inside the window
    hoursInPeriod: NotRequired[float | None]
    reason: NotRequired[str | None]
    # Downtime: the work order that took the asset down
    workOrderId: NotRequired[str | None]
    foNumber: NotRequired[str | None]
    title: NotRequired[str | None]
    type: NotRequired[str | None]
    status: NotRequired[str | None]
    priority: NotRequired[str | None]
    dueDate: NotRequired[str | None]
    completedAt: NotRequired[str | None]
    # Work orders: on_time, late, open or overdue (pmCompliance), open or overdue (backlog), preventive or other (plannedMaintenancePercentage), planned or unplanned (plannedWorkPercent), estimated or unestimated (backlogCrewWeeks); schedule items: done or not_done (scheduleCompliance), break_in
    outcome: NotRequired[str | None]
    # plannedMaintenancePercentage, plannedWorkPercent: minutes performed in the window
    laborMinutes: NotRequired[int | None]
    # plannedWorkPercent: of laborMinutes, those performed within the week of a frozen plan holding the work order
    plannedMinutes: NotRequired[int | None]
    # backlogCrewWeeks: the estimate in minutes (null: none)
    estimatedDuration: NotRequired[int | None]
    # Schedule item: its plan's Monday 00:00 UTC
    weekStart: NotRequired[str | None]
    # Schedule item: the day it was planned for
    day: NotRequired[str | None]
    # Schedule item: who it was given to
    technician: NotRequired[str | None]
    # Schedule item: added after the plan's freeze
    breakIn: NotRequired[bool | None]


KpisOut = TypedDict("KpisOut", {"days": "int", "from": "str", "to": "str", "equipmentId": "NotRequired[str | None]", "includeChildren": "NotRequired[bool]", "mttrHours": "float | None", "repairs": "int", "mttrBasis": "NotRequired[Literal[\"failureToRestore\", \"repairStartToRestore\"]]", "mttrRepairs": "NotRequired[int]", "meanResponseHours": "NotRequired[float | None]", "responses": "NotRequired[int]", "mtbfHours": "float | None", "failures": "int", "assetsInService": "NotRequired[int]", "operatingHours": "float", "availability": "float | None", "plannedStops": "NotRequired[int]", "plannedDowntimeHours": "NotRequired[float]", "plannedMaintenancePercentage": "float | None", "preventiveLaborMinutes": "int", "laborMinutes": "int", "pmCompliance": "NotRequired[float | None]", "pmDue": "NotRequired[int]", "pmCompletedOnTime": "NotRequired[int]", "pmGrace": "NotRequired[Literal[\"dueDate\", \"oneDay\", \"tenPercent\", \"smrp\"]]", "backlog": "BacklogOut", "workOrdersPerWeek": "list[WeekOut]", "assets": "list[AssetKpiOut]", "assetsWithDowntime": "NotRequired[int]", "assetLimit": "NotRequired[int]", "topAssets": "list[AssetKpiOut]"})


class LaborCreate(TypedDict):
    """LaborCreate"""

    # Who did the work (default: the caller)
    userId: NotRequired[str | None]
    minutes: int
    note: NotRequired[str | None]
    # Default: now
    performedAt: NotRequired[str | None]


class LaborList(TypedDict):
    """LaborList"""

    entries: list[LaborOut]
    # Sum of the minutes of all entries
    actualDuration: int


class LaborOut(TypedDict):
    """LaborOut"""

    id: str
    workOrderId: str
    userId: str
    minutes: int
    # minutes at the person's hourly rate when booked
    cost: NotRequired[str]
    note: str | None
    performedAt: str
    createdBy: str | None
    createdAt: str


class LoginRequest(TypedDict):
    """LoginRequest"""

    email: str
    password: str
    # Current TOTP code: six ASCII digits
    mfaToken: NotRequired[str]


class LoginResponse(TypedDict):
    """LoginResponse"""

    user: UserOut
    token: str
    refreshToken: str
    sessionId: str


class LowStockPayload(TypedDict):
    """LowStockPayload"""

    # The part as GET /api/parts/{id} writes it
    part: PartOut
    previousStockLevel: int
    stockLevel: int
    reorderPoint: int
    # When it happened (the envelope's timestamp)
    timestamp: str


class MeterReadingCreate(TypedDict):
    """MeterReadingCreate"""

    # e.g. hours, cycles, km
    meter: str
    value: float
    unit: NotRequired[str | None]
    # Default: now; may not be in the future
    readAt: NotRequired[str | None]


class MeterReadingCreated(TypedDict):
    """MeterReadingCreated"""

    id: str
    equipmentId: str
    meter: str
    value: float
    unit: str | None
    readAt: str
    recordedBy: str | None
    createdAt: str
    # PM work orders this reading triggered
    pmWorkOrderIds: NotRequired[list[str]]


class MeterReadingOut(TypedDict):
    """MeterReadingOut"""

    id: str
    equipmentId: str
    meter: str
    value: float
    unit: str | None
    readAt: str
    recordedBy: str | None
    createdAt: str


class MeterTrigger(TypedDict):
    """MeterTrigger"""

    name: str
    value: float
    # ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z
    readAt: str


class NotificationOut(TypedDict):
    """NotificationOut"""

    id: str
    kind: Literal["assigned", "commented", "overdue", "problem_reported", "part_requested", "stock_low", "pm_generated"]
    title: str
    detail: str | None
    # What it is about: work_order, part or reorder_request
    entity: str
    entityId: str
    # The record's page in the portal (a path)
    link: str
    # The domain event it came from (the webhook envelope's id)
    eventId: str
    createdAt: str
    readAt: str | None


class PMCompletedPayload(TypedDict):
    """PMCompletedPayload"""

    workOrder: WorkOrderOut
    templateId: str
    equipmentId: str | None
    dueDate: str | None
    # ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z
    completedAt: str
    onTime: bool
    # Labor minutes booked on it
    actualDuration: int | None
    # Calendar templates: the next PM's due date
    nextDueDate: str | None
    # The user who did it; null when the system did (a periodic job)
    completedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class PMOverduePayload(TypedDict):
    """PMOverduePayload"""

    workOrder: WorkOrderOut
    templateId: str
    equipmentId: str | None
    # ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z
    dueDate: str
    # Hours past its due date, two decimals
    hoursOverdue: float
    # When it happened (the envelope's timestamp)
    timestamp: str


class PMScheduledPayload(TypedDict):
    """PMScheduledPayload"""

    # The preventive work order created
    workOrder: WorkOrderOut
    templateId: str
    templateName: str
    equipmentId: str
    # ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z
    dueDate: str
    trigger: Literal["calendar", "meter"]
    # Meter templates only (absent otherwise): the reading that triggered it
    meter: NotRequired[MeterTrigger | None]
    # When it happened (the envelope's timestamp)
    timestamp: str


class PMTemplateCreate(TypedDict):
    """PMTemplateCreate"""

    name: str
    description: NotRequired[str | None]
    frequencyType: Literal["calendar", "meter"]
    # Days between two PMs for calendar templates (1..36500), meter units for meter templates (1..1000000)
    frequency: int
    # Meter followed by a meter template, e.g. hours; required for meter
    meter: NotRequired[str | None]
    # Minutes
    estimatedDuration: NotRequired[int | None]
    equipmentIds: NotRequired[list[str]]
    checklist: NotRequired[list[ChecklistItemIn]]
    priority: NotRequired[Literal["low", "medium", "high", "critical"]]
    # Default assignee of the PM work orders
    assignedTo: NotRequired[str | None]
    # Calendar: days ahead the work order is created. Meter: days allowed after the threshold is crossed
    leadDays: NotRequired[int]
    # Calendar: counting starts here until the first completion, first due startDate + frequency (default: now)
    startDate: NotRequired[str | None]
    # Sign-off: the work orders generated from this template need a signature to be completed (they carry requiresSignature: true; changing it applies to work orders generated after)
    requiresSignature: NotRequired[bool]


class PMTemplateOut(TypedDict):
    """PMTemplateOut"""

    id: str
    name: str
    description: str | None
    frequencyType: Literal["calendar", "meter"]
    frequency: int
    meter: str | None
    estimatedDuration: int | None
    equipmentIds: list[str]
    checklist: list[ChecklistItemOut]
    priority: Literal["low", "medium", "high", "critical"]
    assignedTo: str | None
    leadDays: int
    startDate: str
    active: bool
    # Sign-off: the work orders generated from this template need a signature to be completed (they carry requiresSignature: true; changing it applies to work orders generated after)
    requiresSignature: NotRequired[bool]
    warehouseId: str
    createdAt: str
    updatedAt: str
    schedule: NotRequired[list[portal__schemas__pm__ScheduleOut]]


class PMTemplateUpdate(TypedDict):
    """PMTemplateUpdate"""

    name: NotRequired[str]
    description: NotRequired[str | None]
    frequencyType: NotRequired[Literal["calendar", "meter"]]
    # Days between two PMs for calendar templates (1..36500), meter units for meter templates (1..1000000)
    frequency: NotRequired[int]
    meter: NotRequired[str | None]
    # Minutes
    estimatedDuration: NotRequired[int | None]
    equipmentIds: NotRequired[list[str]]
    checklist: NotRequired[list[ChecklistItemIn]]
    priority: NotRequired[Literal["low", "medium", "high", "critical"]]
    assignedTo: NotRequired[str | None]
    leadDays: NotRequired[int]
    # ISO-8601 date-time between 1900-01-01T00:00:00Z and 2999-12-31T23:59:59Z; without an offset it is UTC
    startDate: NotRequired[str]
    active: NotRequired[bool]
    # Sign-off: the work orders generated from this template need a signature to be completed (they carry requiresSignature: true; changing it applies to work orders generated after)
    requiresSignature: NotRequired[bool]


class ParetoItemOut(TypedDict):
    """ParetoItemOut"""

    code: str
    label: str
    count: int
    # count / total x 100, two places
    share: float
    # The shares of this code and all before it, two places
    cumulativeShare: float
    # Before or at the code whose cumulative share reaches 80 %
    vitalFew: bool


class ParetoOut(TypedDict):
    """ParetoOut"""

    # Coded failures counted
    total: int
    # How many codes make the vital few
    vitalFew: int
    # pareto: completed corrective/emergency work orders of the window without a failure mode; causePareto: coded failures without a cause
    uncoded: int
    # Most frequent first, ties by code
    items: list[ParetoItemOut]


class PartCreate(TypedDict):
    """PartCreate"""

    partNumber: str
    description: NotRequired[str | None]
    category: NotRequired[str | None]
    stockLevel: NotRequired[int]
    reorderPoint: NotRequired[int]
    reorderQuantity: NotRequired[int | None]
    autoReorder: NotRequired[bool]
    # Money: a decimal string such as "12.50" or a number; at most 10 integer digits and 2 decimals, not negative
    unitCost: NotRequired[float | str]
    supplier: NotRequired[str | None]
    location: NotRequired[str | None]


class PartOut(TypedDict):
    """PartOut"""

    id: str
    partNumber: str
    description: str | None
    category: str | None
    stockLevel: int
    reorderPoint: int
    unitCost: str
    supplier: str | None
    location: str | None
    warehouseId: str
    reorderQuantity: int | None
    autoReorder: bool
    createdAt: str
    updatedAt: str


class PartRequestCreate(TypedDict):
    """Ask for a part a work order needs (out of stock, or not enough): a reorder request the manager sees, linked to the work order."""

    partId: str
    # How many the work order needs. Asking again for the same part while the request is open sets this quantity on it instead of adding a request.
    quantity: int


class PartUpdate(TypedDict):
    """PartUpdate"""

    partNumber: NotRequired[str]
    description: NotRequired[str | None]
    category: NotRequired[str | None]
    # Refused (400): use POST /api/parts/{id}/stock-movements.
    stockLevel: NotRequired[int]
    reorderPoint: NotRequired[int]
    reorderQuantity: NotRequired[int | None]
    autoReorder: NotRequired[bool]
    # Money: a decimal string such as "12.50" or a number; at most 10 integer digits and 2 decimals, not negative
    unitCost: NotRequired[float | str]
    supplier: NotRequired[str | None]
    location: NotRequired[str | None]


class PartUsage(TypedDict):
    """PartUsage"""

    partId: str
    quantityUsed: int
    # Defaults to the part's current unit cost
    unitCost: NotRequired[float | str | None]


class PartUsageOut(TypedDict):
    """PartUsageOut"""

    id: str
    partId: str
    quantity: int
    unitCost: str
    totalCost: str
    consumedBy: str | None
    consumedAt: str


class PartsConsumedPayload(TypedDict):
    """PartsConsumedPayload"""

    workOrderId: str
    foNumber: str
    partsUsage: list[ConsumedPartLine]
    # This consumption's cost (the work order's partsCost has it added)
    totalCost: str
    # The user who did it; null when the system did (a periodic job)
    consumedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class PartsRequestedPayload(TypedDict):
    """PartsRequestedPayload"""

    workOrderId: str
    foNumber: str
    part: PartOut
    # GET /api/reorder-requests/{id}
    reorderRequestId: str
    quantity: int
    # null for a new request; the former quantity when changed
    previousQuantity: int | None
    status: Literal["open", "ordered", "received"]
    # The user who did it; null when the system did (a periodic job)
    requestedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class PerformanceSummaryOut(TypedDict):
    """PerformanceSummaryOut"""

    # When the summary was made (ISO-8601 UTC).
    timestamp: str
    # Seconds since the oldest web process still serving (one that answered a request in the last 10 minutes) started.
    uptime: int
    # Requests over the window, all web processes together (/healthz and /readyz not counted).
    requestCount: int
    # Mean response time over the window, milliseconds.
    averageResponseTime: float
    # Share of responses with a 5xx status over the window, 0..1.
    errorRate: float
    # Hits among cacheable lookups over the window, %; 0 when there were none (no lookup is cached yet).
    cacheHitRate: float
    systemMetrics: SystemMetricsOut
    # Minutes the request figures cover (PERF_WINDOW_MINUTES).
    windowMinutes: int
    # Median response time, ms (upper bound of its histogram bucket); null without requests.
    p50: float | None
    # 95th percentile response time, ms (bucket upper bound).
    p95: float | None
    # 99th percentile response time, ms (bucket upper bound).
    p99: float | None
    # Top 5 routes by requests over the window.
    busiestEndpoints: list[EndpointFigureOut]
    # Top 5 routes by mean response time.
    slowestEndpoints: list[EndpointFigureOut]
    # Cacheable lookups counted for cacheHitRate.
    cacheLookups: int
    # Jobs waiting per RQ queue.
    queueDepths: dict[str, int]
    # Jobs in each RQ queue's failed registry.
    failedJobs: dict[str, int]
    # Seconds since the oldest webhook delivery of your warehouse still pending was created; null if none.
    oldestPendingDeliveryAge: float | None
    # ok, degraded (Redis unreachable: limits counted per process) or disabled.
    rateLimiting: str
    # ok, or unavailable when Redis could not be read (figures then 0).
    metricsStore: str


class PingResultOut(TypedDict):
    """PingResultOut"""

    deliveryId: str
    event: str
    success: bool
    statusCode: int | None
    durationMs: int | None
    error: str | None


PlanningKpisOut = TypedDict("PlanningKpisOut", {"days": "int", "from": "str", "to": "str", "weeks": "int", "scheduledHours": "float", "doneAsScheduledHours": "float", "scheduleCompliance": "float | None", "breakInHours": "float", "breakInShare": "float | None", "plannedLaborMinutes": "int", "laborMinutes": "int", "plannedWorkPercent": "float | None", "openEstimatedHours": "float", "crewWeeklyHours": "float", "backlogCrewWeeks": "float | None", "definitions": "dict[str, str]"})


class PreferenceIn(TypedDict):
    """PreferenceIn"""

    kind: Literal["assigned", "commented", "overdue", "problem_reported", "part_requested", "stock_low", "pm_generated"]
    # portal: the portal's list only; email: the list and an e-mail at once; digest: the list and the daily e-mail digest; off: nothing
    channel: Literal["portal", "email", "digest", "off"]


class PreferenceOut(TypedDict):
    """PreferenceOut"""

    kind: Literal["assigned", "commented", "overdue", "problem_reported", "part_requested", "stock_low", "pm_generated"]
    label: str
    # Who is told of this kind, in words
    audience: str
    # portal: the portal's list only; email: the list and an e-mail at once; digest: the list and the daily e-mail digest; off: nothing
    channel: Literal["portal", "email", "digest", "off"]
    defaultChannel: Literal["portal", "email", "digest", "off"]


class PreferencesOut(TypedDict):
    """PreferencesOut"""

    # Every kind, in the portal's order
    preferences: list[PreferenceOut]


class PreferencesUpdate(TypedDict):
    """PreferencesUpdate"""

    # The kinds to change, each once; kinds left out keep their setting
    preferences: list[PreferenceIn]


class ReadAllOut(TypedDict):
    """ReadAllOut"""

    # Notifications marked read by this call
    marked: int


class RefreshRequest(TypedDict):
    """RefreshRequest"""

    # Or send it as the Bearer token
    refreshToken: NotRequired[str | None]


class ReorderPayload(TypedDict):
    """ReorderPayload"""

    part: PartOut
    # GET /api/reorder-requests/{id}
    reorderRequestId: str
    quantity: int
    supplier: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class ReorderReceiptCreate(TypedDict):
    """Goods arrived for a reorder request: all that remains, or part of it."""

    # How many arrived; omitted: what remains on the request
    quantity: NotRequired[int | None]
    # Written on the receipt movement (delivery note, PO number)
    note: NotRequired[str | None]
    # Confirms a quantity beyond what remains on the reorder request (the supplier sent more); without it such a receipt answers 409 and books nothing
    moreThanOrdered: NotRequired[bool]


class ReorderReceiptCreated(TypedDict):
    """ReorderReceiptCreated"""

    id: str
    reorderRequestId: str
    # The receipt movement in the part's ledger
    stockMovementId: str
    quantity: int
    moreThanOrdered: bool
    receivedBy: str | None
    createdAt: str
    # The request after this receipt (closed when its remainingQuantity is 0: status received)
    reorderRequest: ReorderRequestOut


class ReorderReceiptOut(TypedDict):
    """ReorderReceiptOut"""

    id: str
    reorderRequestId: str
    # The receipt movement in the part's ledger
    stockMovementId: str
    quantity: int
    moreThanOrdered: bool
    receivedBy: str | None
    createdAt: str


class ReorderReceivedPayload(TypedDict):
    """ReorderReceivedPayload"""

    # The part after the receipt (its new stockLevel)
    part: PartOut
    # GET /api/reorder-requests/{id}
    reorderRequestId: str
    # One of GET /api/reorder-requests/{id}/receipts
    receiptId: str
    # The receipt movement in the part's ledger
    stockMovementId: str
    # The work order waiting for the part, if it was requested from one
    workOrderId: str | None
    # Booked in by this receipt
    quantity: int
    # The request's quantity
    orderedQuantity: int
    # Booked in against the request so far, this receipt included
    receivedQuantity: int
    # Still to come (0 once closed)
    remainingQuantity: int
    # The receiver confirmed more than remained
    moreThanOrdered: bool
    # This receipt closed the request (status received)
    closed: bool
    status: Literal["open", "ordered", "received"]
    # The user who did it; null when the system did (a periodic job)
    receivedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class ReorderRequestOut(TypedDict):
    """ReorderRequestOut"""

    id: str
    partId: str
    quantity: int
    # open (raised), ordered (purchase placed), received (closed: its receipts reached quantity)
    status: str
    createdAt: str
    warehouseId: str
    orderedAt: NotRequired[str | None]
    orderedBy: NotRequired[str | None]
    receivedAt: NotRequired[str | None]
    receivedBy: NotRequired[str | None]
    # The receipt movement that closed the request (all its receipts: GET /api/reorder-requests/{id}/receipts)
    stockMovementId: NotRequired[str | None]
    # The work order waiting for the part (a part request from a work order); null for an automatic reorder
    workOrderId: NotRequired[str | None]
    # Who asked for the part on the work order
    requestedBy: NotRequired[str | None]
    # When the quantity last changed (asked again)
    updatedAt: NotRequired[str | None]
    # Booked in so far against this request (partial receipts add up)
    receivedQuantity: NotRequired[int]
    # Still to come: quantity - receivedQuantity, never below 0
    remainingQuantity: NotRequired[int]


class ReorderRequestReceived(TypedDict):
    """ReorderRequestReceived"""

    # Written on the receipt movement (delivery note, PO number)
    note: NotRequired[str | None]


class ReportTokenOut(TypedDict):
    """ReportTokenOut"""

    equipmentId: str
    # The asset's new token: 256 random bits, url-safe. The previous token stops working at once; labels carrying it must be reprinted.
    reportToken: str
    # /report/<token>, absolute under PUBLIC_BASE_URL when that is set
    reportUrl: str


class RequestApprove(TypedDict):
    """What the manager chooses for the work order made from the request."""

    # The request's title when absent
    title: NotRequired[str | None]
    priority: NotRequired[Literal["low", "medium", "high", "critical"]]
    type: NotRequired[Literal["corrective", "preventive", "inspection", "emergency"]]
    # A technician (or manager) of the warehouse: the work order is `assigned`
    assignedTo: NotRequired[str | None]
    dueDate: NotRequired[str | None]


class RequestApprovedPayload(TypedDict):
    """RequestApprovedPayload"""

    # The request as GET /api/requests/{id} writes it, after the change
    request: RequestOut
    # The work order made from it (its work_order.created comes first)
    workOrder: WorkOrderOut
    # The user who did it; null when the system did (a periodic job)
    approvedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class RequestCreate(TypedDict):
    """A request sent by a user with an account (a requester) to a warehouse that takes requests through the inbox."""

    title: str
    description: NotRequired[str | None]
    equipmentId: NotRequired[str | None]


class RequestCreatedPayload(TypedDict):
    """RequestCreatedPayload"""

    # The request as GET /api/requests/{id} writes it, after the change
    request: RequestOut
    # The requester; null for a problem report without an account
    createdBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class RequestDecline(TypedDict):
    """RequestDecline"""

    # Why: shown to the reporter on their status link ("Declined: <reason>")
    reason: str


class RequestDeclinedPayload(TypedDict):
    """RequestDeclinedPayload"""

    # The request as GET /api/requests/{id} writes it, after the change
    request: RequestOut
    # Why, as the reporter reads it on their status link
    reason: str
    # The user who did it; null when the system did (a periodic job)
    declinedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class RequestMerge(TypedDict):
    """RequestMerge"""

    # An open work order of the same asset: the request's text becomes a comment on it and its photo an attachment
    workOrderId: str


class RequestMergedPayload(TypedDict):
    """RequestMergedPayload"""

    # The request as GET /api/requests/{id} writes it, after the change
    request: RequestOut
    # The open work order it was added to (a comment, and its photo)
    workOrder: WorkOrderOut
    # The user who did it; null when the system did (a periodic job)
    mergedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class RequestOut(TypedDict):
    """RequestOut"""

    id: str
    # pending (in the inbox), approved (a work order was made from it), merged (added to an open work order of the same asset) or declined (with a reason the reporter sees)
    status: Literal["pending", "approved", "merged", "declined"]
    title: str
    description: str | None
    equipmentId: str | None
    # Who reported it without an account (/report/<token>)
    reporterName: str | None
    reporterContact: str | None
    # The user who sent it (a requester), null for a report without an account
    requestedBy: str | None
    # The photo sent with it; approving or merging adds it to the work order's attachments
    photo: RequestPhotoOut | None
    # The work order made from it (approved) or it was merged into (merged)
    workOrderId: str | None
    # Declined: why, as the reporter reads it on their status link
    declineReason: str | None
    decidedBy: str | None
    decidedAt: str | None
    createdAt: str
    updatedAt: str
    warehouseId: str


class RequestPhotoOut(TypedDict):
    """RequestPhotoOut"""

    filename: str
    contentType: Literal["image/jpeg", "image/png", "image/webp"]
    sizeBytes: int
    width: int
    height: int


class ScheduleCreate(TypedDict):
    """A week's plan: weekStart is any day of it (the Monday of that week is stored)."""

    # A day of the week (YYYY-MM-DD); the plan starts on its Monday
    weekStart: str


class ScheduleFrozenPayload(TypedDict):
    """ScheduleFrozenPayload"""

    schedule: FrozenSchedule
    # The user who did it; null when the system did (a periodic job)
    frozenBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class ScheduleItemCreate(TypedDict):
    """ScheduleItemCreate"""

    # An open work order of the warehouse
    workOrderId: str
    # The technician (or manager) who does it; technicianId is accepted as its other name
    userId: str
    # A day of the plan's week (YYYY-MM-DD)
    day: str
    # Planned hours; default: the work order's estimatedDuration in hours (400 without one)
    hours: NotRequired[float | None]


class ScheduleItemOut(TypedDict):
    """ScheduleItemOut"""

    id: str
    workOrderId: str
    userId: str
    # The same as userId
    technicianId: str
    day: str
    hours: float
    # Added after the plan was frozen: break-in work, reported apart
    breakIn: bool
    createdBy: str | None
    createdAt: str


class SignatureOut(TypedDict):
    """SignatureOut"""

    # The attachment id: its bytes at GET .../attachments/{id}
    id: str
    workOrderId: str
    # Who signed, as typed when signing
    signerName: str
    # The user who captured it
    capturedBy: str | None
    capturedByName: str | None
    signedAt: str
    contentType: Literal["image/png"]
    width: int
    height: int


class StockMovementCreate(TypedDict):
    """StockMovementCreate"""

    # receipt: goods received (quantity > 0); adjustment: a signed correction (quantity != 0); count: a stocktake, quantity is the counted level (>= 0) and the movement records the difference from the level at that moment.
    type: Literal["receipt", "adjustment", "count"]
    quantity: int
    note: NotRequired[str | None]
    # receipt only: apply it to this open or ordered reorder request of the same part (reduces what remains; closes it when nothing remains), in the same transaction
    reorderRequestId: NotRequired[str | None]
    # With reorderRequestId: Confirms a quantity beyond what remains on the reorder request (the supplier sent more); without it such a receipt answers 409 and books nothing
    moreThanOrdered: NotRequired[bool]


class StockMovementOut(TypedDict):
    """StockMovementOut"""

    id: str
    type: str
    partId: str
    # Signed change of the stock level
    quantity: int
    # The part's stock level right after this movement
    levelAfter: int
    note: str | None
    workOrderId: str | None
    createdBy: str | None
    createdAt: str
    # The reorder request this receipt was applied to
    reorderRequestId: NotRequired[str | None]


class SystemMetricsOut(TypedDict):
    """SystemMetricsOut"""

    # CPU use of this host, % (psutil, since the previous reading).
    cpuUsage: float
    # Memory in use on this host, %.
    memoryUsage: float
    # Disk in use on the volume of the instance folder, %.
    diskUsage: float


class TechnicianCapacity(TypedDict):
    """TechnicianCapacity"""

    userId: str
    name: str
    weeklyHours: float
    # Hours available per day (YYYY-MM-DD), absences taken off
    days: dict[str, float]
    # The week's hours net of absences
    availableHours: float
    scheduledHours: float


class TokenResponse(TypedDict):
    """TokenResponse"""

    token: str


class TrendWeekOut(TypedDict):
    """TrendWeekOut"""

    # Monday 00:00 UTC; the first week holds the window's start
    weekStart: str
    # Work orders created that week (inside the window)
    opened: int
    # Work orders completed that week (inside the window)
    completed: int
    # PM work orders (from a template) due that week, cancelled ones left out
    pmDue: int
    # Those of pmDue completed by their due date
    pmCompletedOnTime: int
    # pmCompletedOnTime / pmDue x 100, two places; null when no PM was due that week
    pmCompliance: float | None


TrendsOut = TypedDict("TrendsOut", {"days": "int", "from": "str", "to": "str", "weeks": "list[TrendWeekOut]"})


class UserAdminOut(TypedDict):
    """UserAdminOut"""

    id: str
    email: str
    name: str | None
    role: str
    warehouseId: str
    active: bool
    hourlyRate: NotRequired[str | None]
    # The user has confirmed an authenticator; false after creation or an MFA reset until their next portal login enrols one.
    mfaEnrolled: bool
    # When their most recent session (portal or API) started; null if they never logged in.
    lastLoginAt: str | None
    createdAt: str


class UserCreate(TypedDict):
    """UserCreate"""

    # Login name; stored lower-case, unique across the site.
    email: str
    # Shown in lists and on work orders.
    name: NotRequired[str | None]
    # admin, manager, technician or requester (README: Roles).
    role: Literal["admin", "manager", "technician", "requester"]
    # What an hour of their work costs; labor they book from now on is costed at it (null: no cost).
    hourlyRate: NotRequired[float | str | None]
    # Initial password, set by the admin and handed over in person. The first login at /login then enrols the user's authenticator app.
    password: str


class UserMfaResetOut(TypedDict):
    """The reset's answer: the user, and the one-time enrolment code to hand over (shown only here)."""

    id: str
    email: str
    name: str | None
    role: str
    warehouseId: str
    active: bool
    hourlyRate: NotRequired[str | None]
    # The user has confirmed an authenticator; false after creation or an MFA reset until their next portal login enrols one.
    mfaEnrolled: bool
    # When their most recent session (portal or API) started; null if they never logged in.
    lastLoginAt: str | None
    createdAt: str
    # One-time code (20 characters in groups of four) the user enters, with their password, to enrol a new authenticator at the portal. Only its hash is kept: it is not shown again. A later reset replaces it.
    enrolmentCode: str
    # The portal's enrolment link carrying the same code (open it on the user's phone, or send it): it asks for their password, then shows the QR code.
    enrolmentUrl: str
    # When the code stops working (ENROLMENT_CODE_TTL_HOURS after the reset, 72 h by default).
    enrolmentExpiresAt: str


class UserOut(TypedDict):
    """UserOut"""

    id: str
    email: str
    role: str
    warehouseId: str
    name: NotRequired[str | None]


class UserUpdate(TypedDict):
    """UserUpdate"""

    name: NotRequired[str | None]
    # An admin cannot change their own role; the last active admin stays.
    role: NotRequired[Literal["admin", "manager", "technician", "requester"]]
    # false deactivates: every session (API tokens and portal logins) ends at once. An admin cannot deactivate themselves.
    active: NotRequired[bool]
    # What an hour of their work costs; changes the cost of labor booked from now on, never of labor already booked (null: no cost).
    hourlyRate: NotRequired[float | str | None]


class WarehouseOut(TypedDict):
    """WarehouseOut"""

    id: str
    name: str
    # IANA time zone the portal shows times in (the API stays UTC)
    timezone: str
    # Anyone who scans an asset label may report a problem without an account at /report/<token> (a `new` corrective work order). Off: those pages answer 404.
    problemReportsEnabled: bool
    # Problem reports (and requesters' requests): work_order, each becomes a `new` work order at once; inbox, each waits in the requests inbox (GET /api/requests) for a manager to approve, merge or decline
    requestRouting: NotRequired[Literal["work_order", "inbox"]]
    # How the portal writes readings back to this plant's people: 65.5 or 65,5 (typing accepts both); the API keeps JSON numbers
    decimalMark: NotRequired[Literal[".", ","]]
    # Completing a corrective or emergency work order needs failureMode, failureCause and failureRemedy (400 naming the missing ones otherwise)
    requireFailureCodes: NotRequired[bool]
    # The PM compliance grace rule of GET /api/kpis and GET /api/pm-compliance (their pmGrace query parameter overrides it): PM compliance's grace: dueDate (completed by the due date), oneDay (within 24 h after it), tenPercent (within 10 % of the PM's interval after it), smrp (within 20 % of the interval, at most 28 days: SMRP). Exactly at the boundary is on time. Interval: a calendar PM's frequency in days; a meter PM's leadDays
    pmGrace: NotRequired[Literal["dueDate", "oneDay", "tenPercent", "smrp"]]


class WarehouseUpdate(TypedDict):
    """WarehouseUpdate"""

    # Turn problem reports without an account on or off for the whole warehouse; labels printed afterwards carry (or no longer carry) the report QR code
    problemReportsEnabled: NotRequired[bool]
    # IANA name, e.g. Europe/Paris (400 when unknown)
    timezone: NotRequired[str]
    # work_order (straight to a work order) or inbox (through the requests inbox); requests already in the inbox stay there until decided
    requestRouting: NotRequired[Literal["work_order", "inbox"]]
    # The plant's decimal mark, "." or ",": how the portal shows checklist readings
    decimalMark: NotRequired[Literal[".", ","]]
    # On: completing a corrective or emergency work order needs its three failure codes (managers also switch this on the portal's failure codes page)
    requireFailureCodes: NotRequired[bool]
    # PM compliance's grace rule: dueDate, oneDay, tenPercent or smrp (PM_GRACE in GET /api/pm-compliance's description)
    pmGrace: NotRequired[Literal["dueDate", "oneDay", "tenPercent", "smrp"]]


class WebhookCreate(TypedDict):
    """WebhookCreate"""

    # http(s) URL whose host is a valid host name (labels of 1..63 letters, digits and inner hyphens, at most 253 characters; xn-- punycode for international names) or an IPv4 address; no spaces, percent-escapes or credentials in the host part. At registration the host must not resolve to a private or reserved address.
    url: str
    # Event types of the contract, or '*' for all of them
    events: list[Literal["*", "work_order.created", "work_order.updated", "work_order.completed", "work_order.escalated", "equipment.created", "equipment.updated", "equipment.status_changed", "inventory.low_stock", "inventory.reorder", "parts.consumed", "pm.scheduled", "pm.overdue", "pm.completed", "parts.requested", "checklist.item_flagged", "work_order.follow_up_created", "work_order.signed", "reorder_request.received", "request.created", "request.approved", "request.merged", "request.declined", "work_order.commented", "work_order.failure_coded", "schedule.frozen"]]
    # HMAC key; 32 random bytes (hex) are generated when omitted
    secret: NotRequired[str | None]
    active: NotRequired[bool]


class WebhookOut(TypedDict):
    """WebhookOut"""

    id: str
    url: str
    events: list[str]
    active: bool
    # Masked except in the responses that create or rotate it
    secret: str
    createdAt: str
    updatedAt: str
    warehouseId: str
    consecutiveFailures: int
    disabledAt: str | None
    disabledReason: str | None


class WebhookStatsOut(TypedDict):
    """WebhookStatsOut"""

    total: int
    delivered: int
    failed: int
    pending: int
    # delivered / (delivered + failed) in %, 2 decimals; 0 when no delivery has finished yet
    successRate: float


class WebhookTestPayload(TypedDict):
    """WebhookTestPayload"""

    message: Literal["Test delivery from MaintainPro"]
    # When it happened (the envelope's timestamp)
    timestamp: str


class WebhookUpdate(TypedDict):
    """WebhookUpdate"""

    # http(s) URL whose host is a valid host name (labels of 1..63 letters, digits and inner hyphens, at most 253 characters; xn-- punycode for international names) or an IPv4 address; no spaces, percent-escapes or credentials in the host part. At registration the host must not resolve to a private or reserved address.
    url: NotRequired[str]
    events: NotRequired[list[Literal["*", "work_order.created", "work_order.updated", "work_order.completed", "work_order.escalated", "equipment.created", "equipment.updated", "equipment.status_changed", "inventory.low_stock", "inventory.reorder", "parts.consumed", "pm.scheduled", "pm.overdue", "pm.completed", "parts.requested", "checklist.item_flagged", "work_order.follow_up_created", "work_order.signed", "reorder_request.received", "request.created", "request.approved", "request.merged", "request.declined", "work_order.commented", "work_order.failure_coded", "schedule.frozen"]]]
    # true re-enables a deactivated endpoint (failure count reset)
    active: NotRequired[bool]
    # Replace the secret
    secret: NotRequired[str | None]
    # Generate a new secret; the response shows it once
    rotateSecret: NotRequired[bool]


class WeekOut(TypedDict):
    """WeekOut"""

    # Monday 00:00 UTC
    weekStart: str
    opened: int
    completed: int


class WeeklyHoursOut(TypedDict):
    """WeeklyHoursOut"""

    userId: str
    name: str | None
    weeklyHours: float


class WeeklyHoursUpdate(TypedDict):
    """WeeklyHoursUpdate"""

    # Hours a week the person is planned for (default 40)
    weeklyHours: float


class WorkOrderBulkAssign(TypedDict):
    """WorkOrderBulkAssign"""

    # Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, answers 404 for the lot, with `ids[n]` in the errors, and nothing is assigned.
    ids: list[str]
    # The user every listed work order is assigned to (null: unassign them). Each one changes exactly as with `PATCH /api/work-orders/{id}` `{"assignedTo": ...}` (a new one becomes assigned), with the same history rows, work_order.updated events and webhooks; one refusal (a completed work order, a user who cannot take work) rolls back all of them.
    assignedTo: str | None


class WorkOrderBulkUpdate(TypedDict):
    """Several work orders changed alike in one call (the board's bulk bar): assign, status, priority and due date, any of them, all or nothing."""

    # Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, answers 404 for the lot, with `ids[n]` in the errors, and nothing is changed.
    ids: list[str]
    # Assign them all to this user (null: unassign them)
    assignedTo: NotRequired[str | None]
    # Move them all to this status (the transitions of `PATCH /api/work-orders/{id}`)
    status: NotRequired[Literal["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]]
    priority: NotRequired[Literal["low", "medium", "high", "critical"]]
    # The new due date (null: no due date)
    dueDate: NotRequired[str | None]
    # Only with status on_hold: why the work waits, in words, as with `PATCH /api/work-orders/{id}` (recorded in each one's history and work_order.updated changes as holdReason). A work order already on hold keeps its hold unchanged.
    holdReason: NotRequired[str]
    # Only with status on_hold: one of the warehouse's active hold reason codes, as PATCH's holdReasonCode; an unknown or retired code is refused (400, field holdReasonCode).
    holdReasonCode: NotRequired[str]


class WorkOrderChecklistItemOut(TypedDict):
    """WorkOrderChecklistItemOut"""

    id: str
    # The template item's id
    itemId: str
    position: int
    description: str
    type: Literal["checkbox", "measurement", "text", "pass_fail"]
    required: bool
    unit: str | None
    min: float | None
    max: float | None
    done: bool
    value: float | str | None
    note: str | None
    # Measurement outside min/max, or a failed pass/fail check
    flagged: bool
    # From the template item: a flagged reading creates the follow-up work order by itself
    autoFollowUp: NotRequired[bool]
    # The follow-up work order raised from this item (POST .../checklist/{itemId}/follow-up, or automatically)
    followUpId: NotRequired[str | None]
    doneBy: str | None
    doneAt: str | None
    updatedAt: str


class WorkOrderCommentedPayload(TypedDict):
    """WorkOrderCommentedPayload"""

    workOrderId: str
    foNumber: str
    # The work order's title
    title: str
    # The work order's assignee when the comment was written
    assignedTo: str | None
    # Who asked for the work order (null for a problem report or a PM)
    requestedBy: str | None
    comment: EventComment
    # The user who did it; null when the system did (a periodic job)
    commentedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class WorkOrderCompletedPayload(TypedDict):
    """WorkOrderCompletedPayload"""

    workOrder: WorkOrderOut
    # The user who did it; null when the system did (a periodic job)
    completedBy: str | None
    metrics: CompletionMetrics
    # When it happened (the envelope's timestamp)
    timestamp: str


class WorkOrderCreate(TypedDict):
    """WorkOrderCreate"""

    title: str
    description: NotRequired[str | None]
    priority: NotRequired[Literal["low", "medium", "high", "critical"]]
    type: NotRequired[Literal["corrective", "preventive", "inspection", "emergency"]]
    equipmentId: NotRequired[str | None]
    assignedTo: NotRequired[str | None]
    dueDate: NotRequired[str | None]
    # A breakdown report: the equipment goes `down` now, the downtime period is linked to this work order and closed when it is completed. Needs equipmentId and type corrective or emergency.
    equipmentDown: NotRequired[bool]
    # Sign-off: the work order cannot be completed until a signature was given (`POST /api/work-orders/{id}/signature`). Managers and admins only.
    requiresSignature: NotRequired[bool]
    # The planner's estimate of the work, in minutes: the weekly plan schedules it (default: none; PM work orders take their template's)
    estimatedDuration: NotRequired[int | None]


class WorkOrderCreatedPayload(TypedDict):
    """WorkOrderCreatedPayload"""

    # The work order as GET /api/work-orders/{id} writes it
    workOrder: WorkOrderOut
    # The user who did it; null when the system did (a periodic job)
    createdBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class WorkOrderDetailOut(TypedDict):
    """WorkOrderDetailOut"""

    id: str
    # WO-<year>-<NNN>, per warehouse, gap-free
    foNumber: str
    title: str
    description: str | None
    status: Literal["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]
    priority: Literal["low", "medium", "high", "critical"]
    type: Literal["corrective", "preventive", "inspection", "emergency"]
    equipmentId: str | None
    assignedTo: str | None
    requestedBy: str | None
    dueDate: str | None
    createdAt: str
    warehouseId: str
    updatedAt: str
    completedAt: str | None
    completionNotes: str | None
    # The PM template a preventive work order came from
    pmTemplateId: NotRequired[str | None]
    # Minutes (from the PM template)
    estimatedDuration: NotRequired[int | None]
    # Sum of the labor minutes booked on it
    actualDuration: NotRequired[int]
    # All parts consumed on it, at their cost when consumed
    partsCost: NotRequired[str]
    # All labor booked on it: each entry's minutes at the person's hourly rate when booked (0.00 for people without a rate)
    laborCost: NotRequired[str]
    # Who reported the problem through an asset label's public page (/report/<token>), without an account; requestedBy is null then
    reporterName: NotRequired[str | None]
    # How to reach that reporter (phone, e-mail), if given
    reporterContact: NotRequired[str | None]
    # A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; its follow-ups are listed at GET /api/work-orders/{id}/follow-ups
    parentId: NotRequired[str | None]
    # Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or inherited from its PM template
    requiresSignature: NotRequired[bool]
    # ISO 14224 failure mode code (what was observed), e.g. VIB
    failureMode: NotRequired[str | None]
    # Failure cause/mechanism code (why), e.g. WEAR
    failureCause: NotRequired[str | None]
    # Remedy code (what was done), e.g. REPL
    failureRemedy: NotRequired[str | None]
    parts: NotRequired[list[PartUsageOut]]
    # With expand=checklist
    checklist: NotRequired[list[WorkOrderChecklistItemOut]]
    # With expand=labor
    labor: NotRequired[list[LaborOut]]
    # With expand=comments
    comments: NotRequired[list[CommentOut]]
    history: NotRequired[list[HistoryOut]]


class WorkOrderEscalatedPayload(TypedDict):
    """WorkOrderEscalatedPayload"""

    # The work order after the escalation
    workOrder: WorkOrderOut
    # What was done and why, in words
    reason: str
    # Hours past its due date, two decimals
    overdueHours: float
    previousAssignee: str | None
    newAssignee: str | None
    previousPriority: Literal["low", "medium", "high", "critical"]
    newPriority: Literal["low", "medium", "high", "critical"]
    escalatedBy: Literal["system"]
    # When it happened (the envelope's timestamp)
    timestamp: str


class WorkOrderExpandedOut(TypedDict):
    """A work order of the list, with what `expand` asked for (absent otherwise)."""

    id: str
    # WO-<year>-<NNN>, per warehouse, gap-free
    foNumber: str
    title: str
    description: str | None
    status: Literal["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]
    priority: Literal["low", "medium", "high", "critical"]
    type: Literal["corrective", "preventive", "inspection", "emergency"]
    equipmentId: str | None
    assignedTo: str | None
    requestedBy: str | None
    dueDate: str | None
    createdAt: str
    warehouseId: str
    updatedAt: str
    completedAt: str | None
    completionNotes: str | None
    # The PM template a preventive work order came from
    pmTemplateId: NotRequired[str | None]
    # Minutes (from the PM template)
    estimatedDuration: NotRequired[int | None]
    # Sum of the labor minutes booked on it
    actualDuration: NotRequired[int]
    # All parts consumed on it, at their cost when consumed
    partsCost: NotRequired[str]
    # All labor booked on it: each entry's minutes at the person's hourly rate when booked (0.00 for people without a rate)
    laborCost: NotRequired[str]
    # Who reported the problem through an asset label's public page (/report/<token>), without an account; requestedBy is null then
    reporterName: NotRequired[str | None]
    # How to reach that reporter (phone, e-mail), if given
    reporterContact: NotRequired[str | None]
    # A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; its follow-ups are listed at GET /api/work-orders/{id}/follow-ups
    parentId: NotRequired[str | None]
    # Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or inherited from its PM template
    requiresSignature: NotRequired[bool]
    # ISO 14224 failure mode code (what was observed), e.g. VIB
    failureMode: NotRequired[str | None]
    # Failure cause/mechanism code (why), e.g. WEAR
    failureCause: NotRequired[str | None]
    # Remedy code (what was done), e.g. REPL
    failureRemedy: NotRequired[str | None]
    # With expand=parts
    parts: NotRequired[list[PartUsageOut]]
    # With expand=checklist
    checklist: NotRequired[list[WorkOrderChecklistItemOut]]
    # With expand=labor
    labor: NotRequired[list[LaborOut]]
    # With expand=comments
    comments: NotRequired[list[CommentOut]]


class WorkOrderFailureCodedPayload(TypedDict):
    """WorkOrderFailureCodedPayload"""

    workOrderId: str
    foNumber: str
    equipmentId: str | None
    # The failure mode code now on the work order (GET /api/failure-codes)
    failureMode: str | None
    # The cause code now on the work order
    failureCause: str | None
    # The remedy code now on the work order
    failureRemedy: str | None
    # Only the failure fields that changed: {failureMode: {from, to}, ...}
    changes: dict[str, FieldChange]
    # The user who did it; null when the system did (a periodic job)
    codedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class WorkOrderOut(TypedDict):
    """WorkOrderOut"""

    id: str
    # WO-<year>-<NNN>, per warehouse, gap-free
    foNumber: str
    title: str
    description: str | None
    status: Literal["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]
    priority: Literal["low", "medium", "high", "critical"]
    type: Literal["corrective", "preventive", "inspection", "emergency"]
    equipmentId: str | None
    assignedTo: str | None
    requestedBy: str | None
    dueDate: str | None
    createdAt: str
    warehouseId: str
    updatedAt: str
    completedAt: str | None
    completionNotes: str | None
    # The PM template a preventive work order came from
    pmTemplateId: NotRequired[str | None]
    # Minutes (from the PM template)
    estimatedDuration: NotRequired[int | None]
    # Sum of the labor minutes booked on it
    actualDuration: NotRequired[int]
    # All parts consumed on it, at their cost when consumed
    partsCost: NotRequired[str]
    # All labor booked on it: each entry's minutes at the person's hourly rate when booked (0.00 for people without a rate)
    laborCost: NotRequired[str]
    # Who reported the problem through an asset label's public page (/report/<token>), without an account; requestedBy is null then
    reporterName: NotRequired[str | None]
    # How to reach that reporter (phone, e-mail), if given
    reporterContact: NotRequired[str | None]
    # A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; its follow-ups are listed at GET /api/work-orders/{id}/follow-ups
    parentId: NotRequired[str | None]
    # Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or inherited from its PM template
    requiresSignature: NotRequired[bool]
    # ISO 14224 failure mode code (what was observed), e.g. VIB
    failureMode: NotRequired[str | None]
    # Failure cause/mechanism code (why), e.g. WEAR
    failureCause: NotRequired[str | None]
    # Remedy code (what was done), e.g. REPL
    failureRemedy: NotRequired[str | None]


class WorkOrderSignedPayload(TypedDict):
    """WorkOrderSignedPayload"""

    workOrder: WorkOrderOut
    # As GET /api/work-orders/{id}/signature writes it
    signature: SignatureOut
    # It replaced an earlier signature
    replaced: bool
    # The user who did it; null when the system did (a periodic job)
    signedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class WorkOrderUpdate(TypedDict):
    """WorkOrderUpdate"""

    title: NotRequired[str]
    description: NotRequired[str | None]
    status: NotRequired[Literal["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]]
    priority: NotRequired[Literal["low", "medium", "high", "critical"]]
    type: NotRequired[Literal["corrective", "preventive", "inspection", "emergency"]]
    equipmentId: NotRequired[str | None]
    assignedTo: NotRequired[str | None]
    dueDate: NotRequired[str | None]
    completionNotes: NotRequired[str | None]
    # Why the work order waits ("waiting for the bearing"); only with status on_hold. Recorded in the history and in the work_order.updated event's changes as holdReason.
    holdReason: NotRequired[str | None]
    # Sign-off: true, the work order cannot be completed until a signature was given (`POST /api/work-orders/{id}/signature`). Managers and admins only; not on a closed work order.
    requiresSignature: NotRequired[bool]
    # Optional: one of the warehouse's hold reason codes (`waiting_parts`, `waiting_access`, `waiting_trade`, `safety_permit`, `other` by default; a manager edits the list in the portal); only with status on_hold, with or without holdReason. An unknown or retired code is refused (400, field holdReasonCode). Recorded in the history and in the work_order.updated event's changes as holdReasonCode.
    holdReasonCode: NotRequired[str | None]
    # Code of the warehouse's failure catalogue (GET /api/failure-codes?kind=mode), offered for the asset's equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not offered code: 400 on this field. May be set on a completed work order too (coding after the fact). When the warehouse requires failure codes, completing a corrective or emergency work order without the three is a 400 naming the missing fields.
    failureMode: NotRequired[str | None]
    # Code of the warehouse's failure catalogue (GET /api/failure-codes?kind=cause), offered for the asset's equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not offered code: 400 on this field. May be set on a completed work order too (coding after the fact). When the warehouse requires failure codes, completing a corrective or emergency work order without the three is a 400 naming the missing fields.
    failureCause: NotRequired[str | None]
    # Code of the warehouse's failure catalogue (GET /api/failure-codes?kind=remedy), offered for the asset's equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not offered code: 400 on this field. May be set on a completed work order too (coding after the fact). When the warehouse requires failure codes, completing a corrective or emergency work order without the three is a 400 naming the missing fields.
    failureRemedy: NotRequired[str | None]
    # The planner's estimate in whole minutes, 1 to 100000 (null clears it): the weekly plan schedules by it and the backlog's crew-weeks add it up. Managers and admins (a technician's change is 403); not on a completed or cancelled work order (409). Recorded in the history and in the work_order.updated event's changes as estimatedDuration.
    estimatedDuration: NotRequired[int | None]


class WorkOrderUpdatedPayload(TypedDict):
    """WorkOrderUpdatedPayload"""

    # The work order after the change
    workOrder: WorkOrderOut
    # The fields that changed, by their API name: {field: {from, to}}. Putting a work order on hold also carries holdReason (and holdReasonCode when given); ignore keys you do not know
    changes: dict[str, FieldChange]
    # The user who did it; null when the system did (a periodic job)
    updatedBy: str | None
    # When it happened (the envelope's timestamp)
    timestamp: str


class portal__schemas__planning__ScheduleOut(TypedDict):
    """ScheduleOut"""

    id: str
    weekStart: str
    # The Sunday of the week
    weekEnd: str
    frozen: bool
    frozenAt: str | None
    frozenBy: str | None
    createdAt: str
    items: list[ScheduleItemOut]
    # Sum of the items' hours, break-in included
    scheduledHours: float
    breakInHours: float
    # Per technician: hours per day net of absences
    capacity: list[TechnicianCapacity]


class portal__schemas__pm__ScheduleOut(TypedDict):
    """ScheduleOut"""

    equipmentId: str
    lastCompletedAt: str | None
    # Calendar templates: the next due date
    nextDueDate: NotRequired[str | None]
    # Meter templates: reading at the last PM
    meterBaseline: NotRequired[float | None]
    # Meter templates: baseline + frequency
    nextDueReading: NotRequired[float | None]
