// Generated from the MaintainPro OpenAPI document by tools/gen_types.py: do not edit by hand.
// Times are ISO-8601 UTC strings with milliseconds; money is a decimal string ("12.50").

export interface AbsenceCreate {
  userId: string;
  /** First day away (YYYY-MM-DD) */
  startDate: string;
  /** Last day away, included (YYYY-MM-DD) */
  endDate: string;
  /** Holiday, training, sick leave... */
  reason: string;
}

export interface AbsenceOut {
  id: string;
  userId: string;
  startDate: string;
  endDate: string;
  reason: string;
  createdAt: string;
}

export interface ApiKeyCreate {
  /** What the key is for, e.g. 'ERP sync'. */
  name: string;
  /** The key acts with this role; it cannot be higher than the creator's role (403), and is capped at use time by the creator's current role. */
  role: "admin" | "manager" | "technician" | "requester";
}

export interface ApiKeyCreatedOut {
  id: string;
  name: string;
  role: "admin" | "manager" | "technician" | "requester";
  /** The key's first characters (mp_live_ and 8 of its id), to recognise it. */
  prefix: string;
  warehouseId: string;
  createdBy: string;
  createdAt: string;
  /** Last request made with the key, to the minute (written at most once a minute). */
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The full key, mp_live_<id>_<secret>: shown in this response only, stored hashed. Send it as 'Authorization: Bearer <key>'. */
  key: string;
}

export interface ApiKeyOut {
  id: string;
  name: string;
  role: "admin" | "manager" | "technician" | "requester";
  /** The key's first characters (mp_live_ and 8 of its id), to recognise it. */
  prefix: string;
  warehouseId: string;
  createdBy: string;
  createdAt: string;
  /** Last request made with the key, to the minute (written at most once a minute). */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AssetKpiOut {
  equipmentId: string;
  assetTag: string;
  /** Unplanned downtime periods starting in the window */
  failures: number;
  /** Unplanned downtime periods ended in the window */
  repairs: number;
  /** Recorded downtime periods clipped to the window, overlaps merged */
  downtimeHours: number;
  /** Window length - downtime */
  operatingHours: number;
  /** operatingHours / failures */
  mtbfHours: number | null;
  /** Mean length of its downtime periods that ended in the window */
  mttrHours: number | null;
  /** operatingHours / window length x 100 */
  availability: number | null;
  laborMinutes: number;
  partsCost: string;
  /** Planned downtime periods starting in the window (not failures) */
  plannedStops?: number;
  /** Planned downtime clipped to the window, overlaps merged */
  plannedDowntimeHours?: number;
}

export interface AttachmentOut {
  id: string;
  workOrderId: string;
  /** A safe ASCII version of the uploaded file's name */
  filename: string;
  contentType: "image/jpeg" | "image/png" | "image/webp";
  /** Size of the stored (re-encoded, metadata-free) image */
  sizeBytes: number;
  width: number;
  height: number;
  uploadedBy: string | null;
  uploadedByName: string | null;
  createdAt: string;
  /** `signature`: the work order's sign-off signature (a PNG drawn on the screen, signerName set; see `GET /api/work-orders/{id}/signature`) */
  kind?: "photo" | "signature";
  /** Signatures only: the name of who signed */
  signerName?: string | null;
}

export interface BacklogOut {
  /** Open work orders (new, assigned, in_progress, on_hold) */
  open: number;
  /** Sum of their estimatedDuration, in hours */
  estimatedHours: number;
  /** Open work orders without an estimate */
  unestimated: number;
  /** Open work orders whose due date has passed */
  overdue: number;
}

export interface BadActorOut {
  equipmentId: string;
  assetTag: string;
  equipmentClass: string | null;
  /** Unplanned downtime clipped to the window */
  downtimeHours: number;
  /** Unplanned downtime periods starting in the window */
  failures: number;
  /** Corrective and emergency work orders created in the window, not cancelled, with a failure mode */
  failureWorkOrders: number;
  /** Labor entries' cost performed in the window on its work orders */
  laborCost: string;
  /** Part consumptions' totalCost consumed in the window on its work orders */
  partsCost: string;
  /** laborCost + partsCost */
  cost: string;
  /** Why: its most frequent failure modes (at most 3) */
  topFailureModes: Array<FailureModeCountOut>;
}

export interface BadActorsOut {
  days: number;
  from: string;
  to: string;
  limit: number;
  equipmentClass: string | null;
  /** Most downtime, then most failures, then asset tag */
  byDowntime: Array<BadActorOut>;
  /** Most failures, then most downtime, then asset tag */
  byFailures: Array<BadActorOut>;
  /** Highest cost, then asset tag */
  byCost: Array<BadActorOut>;
  /** Failure modes of the coded failures */
  pareto: ParetoOut;
  /** Failure causes of the coded failures */
  causePareto: ParetoOut;
}

export interface ChecklistAdd {
  /** Items typed in, appended in this order */
  items?: Array<ChecklistItemIn>;
  /** A PM template of the warehouse whose checklist is copied */
  fromTemplateId?: string;
}

export interface ChecklistItemFlaggedPayload {
  workOrderId: string;
  foNumber: string;
  equipmentId: string | null;
  checklistItem: FlaggedChecklistItem;
  /** The item raises its follow-up by itself (work_order.follow_up_created follows) */
  autoFollowUp: boolean;
  /** The user who did it; null when the system did (a periodic job) */
  recordedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface ChecklistItemIn {
  /** Stable item id; generated when omitted */
  id?: string | null;
  description: string;
  type?: "checkbox" | "measurement" | "text" | "pass_fail";
  required?: boolean;
  /** Measurements only */
  unit?: string | null;
  /** Measurements only: lowest acceptable value (not above max) */
  min?: number | null;
  /** Measurements only: highest acceptable value */
  max?: number | null;
  /** Measurement and pass_fail items: a reading out of min/max, or a fail, creates the follow-up work order by itself (once per work order item), without anyone asking for it */
  autoFollowUp?: boolean;
}

export interface ChecklistItemOut {
  id: string;
  description: string;
  type: "checkbox" | "measurement" | "text" | "pass_fail";
  required: boolean;
  unit?: string | null;
  min?: number | null;
  max?: number | null;
  /** A flagged reading creates the follow-up work order by itself */
  autoFollowUp?: boolean;
}

export interface ChecklistItemUpdate {
  done?: boolean;
  /** Measurement: a number; pass_fail: pass or fail; text: any */
  value?: string | number | null;
  note?: string | null;
}

export interface CommentCreate {
  /** The message, 1 to 4000 characters (surrounding whitespace is trimmed). */
  body: string;
  /** Show this comment to the person who reported the problem without an account, on their private status page (only on work orders from a problem report; false: the team only). */
  visibleToReporter?: boolean;
}

export interface CommentOut {
  id: string;
  workOrderId: string;
  body: string;
  authorId: string | null;
  /** The author's name, or email when no name is set */
  authorName: string | null;
  /** Shown on the reporter's private status page (the text only: never the author's name) */
  visibleToReporter?: boolean;
  createdAt: string;
}

export interface CompletionMetrics {
  /** From creation to completion, two decimals */
  timeToCompleteHours: number | null;
  /** All parts consumed on it */
  partsCost: string;
  /** Units of parts consumed on it */
  partsQuantity: number;
  /** Completed after its due date */
  completedLate: boolean;
  /** Labor booked on it */
  laborMinutes: number;
}

export interface ComplianceByEquipment {
  due: number;
  completedOnTime: number;
  completedLate: number;
  overdue: number;
  open: number;
  compliance: number | null;
  equipmentId: string | null;
  assetTag: string | null;
}

export interface ComplianceByTemplate {
  due: number;
  completedOnTime: number;
  completedLate: number;
  overdue: number;
  open: number;
  compliance: number | null;
  templateId: string;
  name: string;
}

export interface ComplianceOut {
  due: number;
  completedOnTime: number;
  completedLate: number;
  overdue: number;
  open: number;
  compliance: number | null;
  days: number;
  from: string;
  to: string;
  /** The grace rule the counts use: PM compliance's grace: dueDate (completed by the due date), oneDay (within 24 h after it), tenPercent (within 10 % of the PM's interval after it), smrp (within 20 % of the interval, at most 28 days: SMRP). Exactly at the boundary is on time. Interval: a calendar PM's frequency in days; a meter PM's leadDays */
  pmGrace?: "dueDate" | "oneDay" | "tenPercent" | "smrp";
  /** The asset the counts are limited to (null: the warehouse) */
  equipmentId?: string | null;
  /** Whether the assets below equipmentId are included */
  includeChildren?: boolean;
  cancelled: number;
  byTemplate: Array<ComplianceByTemplate>;
  byEquipment: Array<ComplianceByEquipment>;
}

export interface ConsumeParts {
  workOrderId: string;
  partsUsage: Array<PartUsage>;
}

export interface ConsumedPartLine {
  id: string;
  partId: string;
  quantity: number;
  /** A decimal string with two places, e.g. "25.00" */
  unitCost: string;
  /** A decimal string with two places, e.g. "25.00" */
  totalCost: string;
  consumedBy: string | null;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z */
  consumedAt: string;
  partNumber: string;
  /** The part's stock level after this consumption */
  stockLevel: number;
}

export interface ConsumptionOut {
  workOrderId: string;
  consumptions: Array<PartUsageOut>;
  totalCost: string;
  /** All parts consumed on the work order so far */
  partsCost: string;
}

export interface DeliveryAttemptOut {
  /** 1 for the first POST of the delivery, 2 for its first retry, ... */
  attempt: number;
  startedAt: string;
  durationMs: number | null;
  /** The receiver's answer; null when none came (timeout, refused) */
  statusCode: number | null;
  /** Why the attempt failed, at most 300 characters; null when delivered */
  error: string | null;
  /** When the delivery was to be tried again after this attempt; null when it was not */
  nextRetryAt: string | null;
}

export interface DeliveryOut {
  /** Also the X-MaintainPro-Delivery header, the same on every attempt */
  id: string;
  webhookId: string;
  eventId: string | null;
  event: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  redeliveryOf: string | null;
  createdAt: string;
  /** One entry per attempt, first to last (`attempts` stays their count). A delivery made before attempts were kept lists its last attempt only. */
  attemptLog?: Array<DeliveryAttemptOut>;
}

export interface DowntimePeriodOut {
  id: string;
  equipmentId: string;
  startedAt: string;
  /** null while the asset is still down */
  endedAt: string | null;
  reason: string | null;
  /** Why it stopped (see POST /api/equipment/{id}/status) */
  reasonCode: "breakdown" | "operational" | "utility" | "preventive" | "changeover" | "shutdown" | "no_demand" | "other";
  /** A planned stop (PM, changeover...): not a failure, left out of MTBF and availability */
  planned: boolean;
  workOrderId: string | null;
  startedBy: string | null;
  endedBy: string | null;
}

export interface EndpointFigureOut {
  /** Method and URL rule, e.g. `GET /api/work-orders/<id>`. */
  endpoint: string;
  requestCount: number;
  /** Milliseconds. */
  averageResponseTime: number;
}

export interface EquipmentCreate {
  assetTag: string;
  model?: string | null;
  manufacturer?: string | null;
  description?: string | null;
  status?: "active" | "inactive" | "maintenance" | "down" | "retired";
  location?: string | null;
  area?: string | null;
  criticality?: "low" | "medium" | "high" | "critical";
  installDate?: string | null;
  equipmentClass?: string | null;
  /** The asset this one is part of (site → area → line → machine → component): an asset of the same warehouse (400 `parentId` otherwise, as for an unknown one), never the asset itself or one below it (400), at most 12 levels deep (400). */
  parentId?: string | null;
}

export interface EquipmentCreatedPayload {
  /** The asset as GET /api/equipment/{id} writes it */
  equipment: EquipmentOut;
  /** The user who did it; null when the system did (a periodic job) */
  createdBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface EquipmentOut {
  id: string;
  assetTag: string;
  model: string | null;
  manufacturer: string | null;
  description: string | null;
  status: "active" | "inactive" | "maintenance" | "down" | "retired";
  location: string | null;
  area: string | null;
  criticality: "low" | "medium" | "high" | "critical";
  installDate: string | null;
  /** ISO 14224 equipment class (failure codes offered for it) */
  equipmentClass?: string | null;
  /** The asset this one is part of (null: top-level) */
  parentId?: string | null;
  warehouseId: string;
  createdAt: string;
  updatedAt: string;
}

export interface EquipmentStatusChange {
  /** `down` opens a downtime period; leaving `down` closes it. */
  status: "active" | "inactive" | "maintenance" | "down" | "retired";
  /** Why (e.g. 'bearing seized'); kept on the period */
  reason?: string | null;
  /** The work order repairing it, if any */
  workOrderId?: string | null;
  /** Why it stops, only with status down (400 otherwise): `breakdown` (breakdown, unplanned), `operational` (operating error or process upset, unplanned), `utility` (utility or supply loss, unplanned), `preventive` (preventive maintenance, planned), `changeover` (changeover or set-up, planned), `shutdown` (planned shutdown, planned), `no_demand` (no production demand, planned), `other` (other, either). Left out: `breakdown` (unplanned), or `other` when planned is true: a caller that sends neither records a failure, as before these fields existed. */
  reasonCode?: "breakdown" | "operational" | "utility" | "preventive" | "changeover" | "shutdown" | "no_demand" | "other" | null;
  /** Whether the stop is planned. Defaults from reasonCode; must agree with it where the code decides (400 otherwise); with `other` it decides (unplanned when left out). Only with status down. */
  planned?: boolean | null;
}

export interface EquipmentStatusChangedPayload {
  equipment: EquipmentOut;
  previousStatus: "active" | "inactive" | "maintenance" | "down" | "retired";
  status: "active" | "inactive" | "maintenance" | "down" | "retired";
  /** Why, when given (kept on the downtime period) */
  reason: string | null;
  /** The work order behind the change, if any */
  workOrderId: string | null;
  /** Going down or coming back up: the downtime period's reason code (breakdown when none was given); null for a change that neither opens nor closes a period */
  reasonCode: "breakdown" | "operational" | "utility" | "preventive" | "changeover" | "shutdown" | "no_demand" | "other" | null;
  /** With reasonCode: whether the stop is planned (planned stops count neither in MTBF nor in availability) */
  planned: boolean | null;
  /** The downtime period opened or closed, if any */
  downtimePeriodId: string | null;
  /** The user who did it; null when the system did (a periodic job) */
  changedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface EquipmentUpdate {
  assetTag?: string;
  model?: string | null;
  manufacturer?: string | null;
  description?: string | null;
  status?: "active" | "inactive" | "maintenance" | "down" | "retired";
  location?: string | null;
  area?: string | null;
  criticality?: "low" | "medium" | "high" | "critical";
  installDate?: string | null;
  equipmentClass?: string | null;
  /** The asset this one is part of (site → area → line → machine → component): an asset of the same warehouse (400 `parentId` otherwise, as for an unknown one), never the asset itself or one below it (400), at most 12 levels deep (400). null makes it top-level. */
  parentId?: string | null;
}

export interface EquipmentUpdatedPayload {
  /** The asset after the change */
  equipment: EquipmentOut;
  /** The fields that changed, by their API name: {field: {from, to}}. Putting a work order on hold also carries holdReason (and holdReasonCode when given); ignore keys you do not know */
  changes: Record<string, FieldChange>;
  /** The user who did it; null when the system did (a periodic job) */
  updatedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface ErrorItem {
  field: string;
  message: string;
}

export interface ErrorResponse {
  message: string;
  errors?: Array<ErrorItem>;
}

export interface EventComment {
  /** The comment's id (GET /api/work-orders/{id}/comments) */
  id: string;
  body: string;
  /** Shown on the reporter's private status page */
  visibleToReporter: boolean;
  /** The user who did it; null when the system did (a periodic job) */
  authorId: string | null;
}

export interface FailureCodeCreate {
  /** mode (what was observed), cause (why) or remedy (what was done) */
  kind: "mode" | "cause" | "remedy";
  /** Short and stable (e.g. VIB), unique per kind in the warehouse; stored upper-case. Work orders carry it */
  code: string;
  /** What people read (e.g. Vibration) */
  label: string;
  /** Equipment classes it is offered for (an asset's equipmentClass, e.g. pump, electric_motor); empty: every asset */
  equipmentClasses?: Array<string>;
}

export interface FailureCodeImportOut {
  created: number;
  updated: number;
  unchanged: number;
}

export interface FailureCodeOut {
  id: string;
  kind: "mode" | "cause" | "remedy";
  code: string;
  label: string;
  equipmentClasses: Array<string>;
  /** false: retired, no longer offered */
  active: boolean;
  /** Work orders carrying it (any of failureMode, failureCause, failureRemedy) */
  uses?: number;
  warehouseId: string;
  createdAt: string;
  updatedAt: string;
}

export interface FailureCodeUpdate {
  label?: string;
  /** Equipment classes it is offered for (an asset's equipmentClass, e.g. pump, electric_motor); empty: every asset */
  equipmentClasses?: Array<string>;
  /** false: retired (no longer offered, still shown on the work orders that carry it); true: offered again */
  active?: boolean;
}

export interface FailureModeCountOut {
  code: string;
  /** The catalogue's label (the code itself when the catalogue no longer has it) */
  label: string;
  /** The asset's coded failures with this mode in the window */
  count: number;
}

export interface FieldChange {
  from: unknown;
  to: unknown;
}

export interface FlaggedChecklistItem {
  /** The checklist item's id (PATCH /api/work-orders/{id}/checklist/{itemId}) */
  id: string;
  /** The template item's stable id */
  itemId: string;
  description: string;
  type: "checkbox" | "measurement" | "text" | "pass_fail";
  unit: string | null;
  min: number | null;
  max: number | null;
  /** A number for a measurement; pass or fail for a pass/fail item */
  value: number | string | null;
  note: string | null;
  flagged: boolean;
  /** The follow-up work order raised from it, if any */
  followUpId: string | null;
}

export interface FollowUpCreated {
  /** The follow-up work order */
  workOrder: WorkOrderOut;
  /** true: created by this request (201); false: the item already had its follow-up, returned as it is (200) */
  created: boolean;
  parentId: string;
  /** The checklist item (its id on the work order) it was raised from */
  itemId: string;
}

export interface FollowUpCreatedPayload {
  /** The follow-up work order */
  workOrder: WorkOrderOut;
  /** The work order whose checklist item raised it */
  parentId: string;
  parentFoNumber: string;
  checklistItem: FlaggedChecklistItem;
  /** Raised by the item itself (autoFollowUp), not by a person's request */
  automatic: boolean;
  /** The user who did it; null when the system did (a periodic job) */
  createdBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface FrozenSchedule {
  id: string;
  /** The Monday of the plan's week (YYYY-MM-DD) */
  weekStart: string;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z */
  frozenAt: string;
  /** Items on the plan at the freeze */
  items: number;
  /** Their hours: what schedule compliance is measured against */
  scheduledHours: number;
}

export interface HistoryOut {
  action: string;
  userId: string | null;
  at: string;
  changes: Record<string, unknown>;
}

export interface ImportDetailOut {
  id: string;
  kind: "assets" | "parts";
  /** pending (uploaded in the portal, awaiting its start after the preview), queued, running, done, or failed (see error) */
  status: "pending" | "queued" | "running" | "done" | "failed";
  fileName: string;
  /** Data rows in the file (blank lines not counted) */
  totalRows: number;
  /** Rows done so far: created + updated + unchanged + refused */
  processedRows: number;
  /** Rows that created an asset or part */
  createdCount: number;
  /** Rows whose key (assetTag, partNumber) existed: updated with their non-empty cells */
  updatedCount: number;
  /** Rows whose key existed and whose non-empty cells held what it already had: nothing written, no event */
  unchangedCount: number;
  /** Rows refused (nothing of them written); see refused */
  refusedCount: number;
  /** Why a failed import stopped */
  error: string | null;
  /** Runs started; more than 1 when a worker died and the import resumed */
  attempts: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When the uploaded file was removed (IMPORT_KEEP_DAYS after the import finished); refused.csv then answers 410, the refusals' lines and reasons stay */
  filePurgedAt: string | null;
  warehouseId: string;
  /** Every refused row, by line; also as CSV at /api/imports/{id}/refused.csv */
  refused?: Array<ImportRefusalOut>;
}

export interface ImportOut {
  id: string;
  kind: "assets" | "parts";
  /** pending (uploaded in the portal, awaiting its start after the preview), queued, running, done, or failed (see error) */
  status: "pending" | "queued" | "running" | "done" | "failed";
  fileName: string;
  /** Data rows in the file (blank lines not counted) */
  totalRows: number;
  /** Rows done so far: created + updated + unchanged + refused */
  processedRows: number;
  /** Rows that created an asset or part */
  createdCount: number;
  /** Rows whose key (assetTag, partNumber) existed: updated with their non-empty cells */
  updatedCount: number;
  /** Rows whose key existed and whose non-empty cells held what it already had: nothing written, no event */
  unchangedCount: number;
  /** Rows refused (nothing of them written); see refused */
  refusedCount: number;
  /** Why a failed import stopped */
  error: string | null;
  /** Runs started; more than 1 when a worker died and the import resumed */
  attempts: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When the uploaded file was removed (IMPORT_KEEP_DAYS after the import finished); refused.csv then answers 410, the refusals' lines and reasons stay */
  filePurgedAt: string | null;
  warehouseId: string;
}

export interface ImportRefusalOut {
  /** Line of the refused row in the file (the header is line 1) */
  line: number;
  /** Why: `field: message` for each problem, as the API would answer */
  reason: string;
}

export interface KpiRecordOut {
  /** downtime_period, work_order or schedule_item */
  kind: "downtime_period" | "work_order" | "schedule_item";
  id: string;
  equipmentId: string | null;
  assetTag: string | null;
  /** Downtime: when the asset went down */
  startedAt?: string | null;
  /** Downtime: when it came back up; null while still down */
  endedAt?: string | null;
  /** Downtime: the period's length (to now while still down) */
  hours?: number | null;
  /** Downtime: the part inside the window */
  hoursInPeriod?: number | null;
  reason?: string | null;
  /** Downtime: the work order that took the asset down */
  workOrderId?: string | null;
  foNumber?: string | null;
  title?: string | null;
  type?: string | null;
  status?: string | null;
  priority?: string | null;
  dueDate?: string | null;
  completedAt?: string | null;
  /** Work orders: on_time, late, open or overdue (pmCompliance), open or overdue (backlog), preventive or other (plannedMaintenancePercentage), planned or unplanned (plannedWorkPercent), estimated or unestimated (backlogCrewWeeks); schedule items: done or not_done (scheduleCompliance), break_in */
  outcome?: string | null;
  /** plannedMaintenancePercentage, plannedWorkPercent: minutes performed in the window */
  laborMinutes?: number | null;
  /** plannedWorkPercent: of laborMinutes, those performed within the week of a frozen plan holding the work order */
  plannedMinutes?: number | null;
  /** backlogCrewWeeks: the estimate in minutes (null: none) */
  estimatedDuration?: number | null;
  /** Schedule item: its plan's Monday 00:00 UTC */
  weekStart?: string | null;
  /** Schedule item: the day it was planned for */
  day?: string | null;
  /** Schedule item: who it was given to */
  technician?: string | null;
  /** Schedule item: added after the plan's freeze */
  breakIn?: boolean | null;
}

export interface KpisOut {
  days: number;
  from: string;
  to: string;
  /** The asset the figures are limited to (null: the warehouse) */
  equipmentId?: string | null;
  /** Whether the assets below equipmentId are rolled up with it */
  includeChildren?: boolean;
  /** Mean time to repair (SMRP 3.5.2): from the failure (the unplanned downtime period's start) to the return to service (its end), over the periods that ended in the period. mttrBasis=repairStartToRestore starts the clock at the repair's start instead; the mean response time (failure to the work order's first response) is reported beside. Formula: MTTR = Σ (return to service − failure) ÷ repairs. */
  mttrHours: number | null;
  /** Unplanned downtime periods ended in the window */
  repairs: number;
  /** The clock mttrHours uses: failureToRestore: from the failure (the downtime period's start) to the return to service (its end): SMRP 3.5.2, the default; repairStartToRestore: from the repair's start (its work order first in_progress, or the start of its earliest labor) to the return to service; repairs without a recorded start are left out */
  mttrBasis?: "failureToRestore" | "repairStartToRestore";
  /** The repairs mttrHours is the mean of: all repairs (failureToRestore), or those whose work order recorded a repair start (repairStartToRestore) */
  mttrRepairs?: number;
  /** Mean response time: Σ (the work order's first response - the failure) ÷ responses, over the repairs whose work order recorded a response (it left `new`); null without any */
  meanResponseHours?: number | null;
  /** The repairs meanResponseHours is the mean of */
  responses?: number;
  /** Mean time between failures: operating hours of the non-retired assets ÷ failures (unplanned downtime periods starting in the period; planned stops are no failures). Formula: MTBF = (assets in service × period − unplanned downtime) ÷ failures. */
  mtbfHours: number | null;
  /** Unplanned downtime periods starting in the window */
  failures: number;
  /** Non-retired assets in scope: the fleet MTBF and availability count them */
  assetsInService?: number;
  /** assetsInService x window hours - their unplanned downtime hours */
  operatingHours: number;
  /** Operating hours (period length − unplanned downtime) ÷ period length × 100, over non-retired assets. Planned stops are left out and reported beside. Formula: Availability = operating h ÷ (assets in service × period h) × 100. */
  availability: number | null;
  /** Planned downtime periods (reason code planned) starting in the window */
  plannedStops?: number;
  /** Hours of planned stops (preventive work, changeovers, shutdowns) in the period, over non-retired assets: not failures, so outside MTBF and availability. Formula: Planned downtime = Σ planned stops clipped to the period. */
  plannedDowntimeHours?: number;
  /** Labor minutes on preventive work orders ÷ all labor minutes performed in the period × 100. Formula: PMP = preventive labor min ÷ all labor min × 100. */
  plannedMaintenancePercentage: number | null;
  preventiveLaborMinutes: number;
  laborMinutes: number;
  /** PM work orders due in the period (cancelled left out) completed on time ÷ all of them due × 100. On time: by the due date plus the warehouse's grace (pmGrace: none, 1 day, 10 % of the PM's interval, or SMRP's 20 % of it capped at 28 days). The interval of a calendar PM is its template's frequency in days; of a meter PM, its template's leadDays (the days allowed once the meter reaches the threshold). Formula: PM compliance = completed by due date + grace ÷ due × 100. */
  pmCompliance?: number | null;
  /** PM work orders due in the window (cancelled left out): GET /api/pm-compliance due */
  pmDue?: number;
  /** Those completed by their due date + grace */
  pmCompletedOnTime?: number;
  /** The grace rule pmCompliance uses: PM compliance's grace: dueDate (completed by the due date), oneDay (within 24 h after it), tenPercent (within 10 % of the PM's interval after it), smrp (within 20 % of the interval, at most 28 days: SMRP). Exactly at the boundary is on time. Interval: a calendar PM's frequency in days; a meter PM's leadDays */
  pmGrace?: "dueDate" | "oneDay" | "tenPercent" | "smrp";
  /** Work orders open at the period's end (new, assigned, in progress, on hold); compared with those open at the previous period's end. */
  backlog: BacklogOut;
  workOrdersPerWeek: Array<WeekOut>;
  /** One row per asset with downtime (planned or unplanned) in the window, most unplanned downtime first (then failures, planned downtime, asset tag), at most assetLimit rows; assets without downtime are not listed (their labor and parts count in the fleet figures) */
  assets: Array<AssetKpiOut>;
  /** How many assets had downtime in the window (rows before assetLimit) */
  assetsWithDowntime?: number;
  /** The assetLimit applied to `assets` */
  assetLimit?: number;
  /** Top 5 assets by downtime, then failures */
  topAssets: Array<AssetKpiOut>;
}

export interface LaborCreate {
  /** Who did the work (default: the caller) */
  userId?: string | null;
  minutes: number;
  note?: string | null;
  /** Default: now */
  performedAt?: string | null;
}

export interface LaborList {
  entries: Array<LaborOut>;
  /** Sum of the minutes of all entries */
  actualDuration: number;
}

export interface LaborOut {
  id: string;
  workOrderId: string;
  userId: string;
  minutes: number;
  /** minutes at the person's hourly rate when booked */
  cost?: string;
  note: string | null;
  performedAt: string;
  createdBy: string | null;
  createdAt: string;
}

export interface LoginRequest {
  email: string;
  password: string;
  /** Current TOTP code: six ASCII digits */
  mfaToken?: string;
}

export interface LoginResponse {
  user: UserOut;
  token: string;
  refreshToken: string;
  sessionId: string;
}

export interface LowStockPayload {
  /** The part as GET /api/parts/{id} writes it */
  part: PartOut;
  previousStockLevel: number;
  stockLevel: number;
  reorderPoint: number;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface MeterReadingCreate {
  /** e.g. hours, cycles, km */
  meter: string;
  value: number;
  unit?: string | null;
  /** Default: now; may not be in the future */
  readAt?: string | null;
}

export interface MeterReadingCreated {
  id: string;
  equipmentId: string;
  meter: string;
  value: number;
  unit: string | null;
  readAt: string;
  recordedBy: string | null;
  createdAt: string;
  /** PM work orders this reading triggered */
  pmWorkOrderIds?: Array<string>;
}

export interface MeterReadingOut {
  id: string;
  equipmentId: string;
  meter: string;
  value: number;
  unit: string | null;
  readAt: string;
  recordedBy: string | null;
  createdAt: string;
}

export interface MeterTrigger {
  name: string;
  value: number;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z */
  readAt: string;
}

export interface NotificationOut {
  id: string;
  kind: "assigned" | "commented" | "overdue" | "problem_reported" | "part_requested" | "stock_low" | "pm_generated";
  title: string;
  detail: string | null;
  /** What it is about: work_order, part or reorder_request */
  entity: string;
  entityId: string;
  /** The record's page in the portal (a path) */
  link: string;
  /** The domain event it came from (the webhook envelope's id) */
  eventId: string;
  createdAt: string;
  readAt: string | null;
}

export interface PMCompletedPayload {
  workOrder: WorkOrderOut;
  templateId: string;
  equipmentId: string | null;
  dueDate: string | null;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z */
  completedAt: string;
  onTime: boolean;
  /** Labor minutes booked on it */
  actualDuration: number | null;
  /** Calendar templates: the next PM's due date */
  nextDueDate: string | null;
  /** The user who did it; null when the system did (a periodic job) */
  completedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface PMOverduePayload {
  workOrder: WorkOrderOut;
  templateId: string;
  equipmentId: string | null;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z */
  dueDate: string;
  /** Hours past its due date, two decimals */
  hoursOverdue: number;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface PMScheduledPayload {
  /** The preventive work order created */
  workOrder: WorkOrderOut;
  templateId: string;
  templateName: string;
  equipmentId: string;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-12-05T21:40:00.000Z */
  dueDate: string;
  trigger: "calendar" | "meter";
  /** Meter templates only (absent otherwise): the reading that triggered it */
  meter?: MeterTrigger | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface PMTemplateCreate {
  name: string;
  description?: string | null;
  frequencyType: "calendar" | "meter";
  /** Days between two PMs for calendar templates (1..36500), meter units for meter templates (1..1000000) */
  frequency: number;
  /** Meter followed by a meter template, e.g. hours; required for meter */
  meter?: string | null;
  /** Minutes */
  estimatedDuration?: number | null;
  equipmentIds?: Array<string>;
  checklist?: Array<ChecklistItemIn>;
  priority?: "low" | "medium" | "high" | "critical";
  /** Default assignee of the PM work orders */
  assignedTo?: string | null;
  /** Calendar: days ahead the work order is created. Meter: days allowed after the threshold is crossed */
  leadDays?: number;
  /** Calendar: counting starts here until the first completion, first due startDate + frequency (default: now) */
  startDate?: string | null;
  /** Sign-off: the work orders generated from this template need a signature to be completed (they carry requiresSignature: true; changing it applies to work orders generated after) */
  requiresSignature?: boolean;
}

export interface PMTemplateOut {
  id: string;
  name: string;
  description: string | null;
  frequencyType: "calendar" | "meter";
  frequency: number;
  meter: string | null;
  estimatedDuration: number | null;
  equipmentIds: Array<string>;
  checklist: Array<ChecklistItemOut>;
  priority: "low" | "medium" | "high" | "critical";
  assignedTo: string | null;
  leadDays: number;
  startDate: string;
  active: boolean;
  /** Sign-off: the work orders generated from this template need a signature to be completed (they carry requiresSignature: true; changing it applies to work orders generated after) */
  requiresSignature?: boolean;
  warehouseId: string;
  createdAt: string;
  updatedAt: string;
  schedule?: Array<portal__schemas__pm__ScheduleOut>;
}

export interface PMTemplateUpdate {
  name?: string;
  description?: string | null;
  frequencyType?: "calendar" | "meter";
  /** Days between two PMs for calendar templates (1..36500), meter units for meter templates (1..1000000) */
  frequency?: number;
  meter?: string | null;
  /** Minutes */
  estimatedDuration?: number | null;
  equipmentIds?: Array<string>;
  checklist?: Array<ChecklistItemIn>;
  priority?: "low" | "medium" | "high" | "critical";
  assignedTo?: string | null;
  leadDays?: number;
  /** ISO-8601 date-time between 1900-01-01T00:00:00Z and 2999-12-31T23:59:59Z; without an offset it is UTC */
  startDate?: string;
  active?: boolean;
  /** Sign-off: the work orders generated from this template need a signature to be completed (they carry requiresSignature: true; changing it applies to work orders generated after) */
  requiresSignature?: boolean;
}

export interface ParetoItemOut {
  code: string;
  label: string;
  count: number;
  /** count / total x 100, two places */
  share: number;
  /** The shares of this code and all before it, two places */
  cumulativeShare: number;
  /** Before or at the code whose cumulative share reaches 80 % */
  vitalFew: boolean;
}

export interface ParetoOut {
  /** Coded failures counted */
  total: number;
  /** How many codes make the vital few */
  vitalFew: number;
  /** pareto: completed corrective/emergency work orders of the window without a failure mode; causePareto: coded failures without a cause */
  uncoded: number;
  /** Most frequent first, ties by code */
  items: Array<ParetoItemOut>;
}

export interface PartCreate {
  partNumber: string;
  description?: string | null;
  category?: string | null;
  stockLevel?: number;
  reorderPoint?: number;
  reorderQuantity?: number | null;
  autoReorder?: boolean;
  /** Money: a decimal string such as "12.50" or a number; at most 10 integer digits and 2 decimals, not negative */
  unitCost?: number | string;
  supplier?: string | null;
  location?: string | null;
}

export interface PartOut {
  id: string;
  partNumber: string;
  description: string | null;
  category: string | null;
  stockLevel: number;
  reorderPoint: number;
  unitCost: string;
  supplier: string | null;
  location: string | null;
  warehouseId: string;
  reorderQuantity: number | null;
  autoReorder: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface PartRequestCreate {
  partId: string;
  /** How many the work order needs. Asking again for the same part while the request is open sets this quantity on it instead of adding a request. */
  quantity: number;
}

export interface PartUpdate {
  partNumber?: string;
  description?: string | null;
  category?: string | null;
  /** Refused (400): use POST /api/parts/{id}/stock-movements. */
  stockLevel?: number;
  reorderPoint?: number;
  reorderQuantity?: number | null;
  autoReorder?: boolean;
  /** Money: a decimal string such as "12.50" or a number; at most 10 integer digits and 2 decimals, not negative */
  unitCost?: number | string;
  supplier?: string | null;
  location?: string | null;
}

export interface PartUsage {
  partId: string;
  quantityUsed: number;
  /** Defaults to the part's current unit cost */
  unitCost?: number | string | null;
}

export interface PartUsageOut {
  id: string;
  partId: string;
  quantity: number;
  unitCost: string;
  totalCost: string;
  consumedBy: string | null;
  consumedAt: string;
}

export interface PartsConsumedPayload {
  workOrderId: string;
  foNumber: string;
  partsUsage: Array<ConsumedPartLine>;
  /** This consumption's cost (the work order's partsCost has it added) */
  totalCost: string;
  /** The user who did it; null when the system did (a periodic job) */
  consumedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface PartsRequestedPayload {
  workOrderId: string;
  foNumber: string;
  part: PartOut;
  /** GET /api/reorder-requests/{id} */
  reorderRequestId: string;
  quantity: number;
  /** null for a new request; the former quantity when changed */
  previousQuantity: number | null;
  status: "open" | "ordered" | "received";
  /** The user who did it; null when the system did (a periodic job) */
  requestedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface PerformanceSummaryOut {
  /** When the summary was made (ISO-8601 UTC). */
  timestamp: string;
  /** Seconds since the oldest web process still serving (one that answered a request in the last 10 minutes) started. */
  uptime: number;
  /** Requests over the window, all web processes together (/healthz and /readyz not counted). */
  requestCount: number;
  /** Mean response time over the window, milliseconds. */
  averageResponseTime: number;
  /** Share of responses with a 5xx status over the window, 0..1. */
  errorRate: number;
  /** Hits among cacheable lookups over the window, %; 0 when there were none (no lookup is cached yet). */
  cacheHitRate: number;
  systemMetrics: SystemMetricsOut;
  /** Minutes the request figures cover (PERF_WINDOW_MINUTES). */
  windowMinutes: number;
  /** Median response time, ms (upper bound of its histogram bucket); null without requests. */
  p50: number | null;
  /** 95th percentile response time, ms (bucket upper bound). */
  p95: number | null;
  /** 99th percentile response time, ms (bucket upper bound). */
  p99: number | null;
  /** Top 5 routes by requests over the window. */
  busiestEndpoints: Array<EndpointFigureOut>;
  /** Top 5 routes by mean response time. */
  slowestEndpoints: Array<EndpointFigureOut>;
  /** Cacheable lookups counted for cacheHitRate. */
  cacheLookups: number;
  /** Jobs waiting per RQ queue. */
  queueDepths: Record<string, number>;
  /** Jobs in each RQ queue's failed registry. */
  failedJobs: Record<string, number>;
  /** Seconds since the oldest webhook delivery of your warehouse still pending was created; null if none. */
  oldestPendingDeliveryAge: number | null;
  /** ok, degraded (Redis unreachable: limits counted per process) or disabled. */
  rateLimiting: string;
  /** ok, or unavailable when Redis could not be read (figures then 0). */
  metricsStore: string;
}

export interface PingResultOut {
  deliveryId: string;
  event: string;
  success: boolean;
  statusCode: number | null;
  durationMs: number | null;
  error: string | null;
}

export interface PlanningKpisOut {
  days: number;
  from: string;
  to: string;
  /** Frozen plans whose week started in the window */
  weeks: number;
  /** Hours on those frozen plans, break-in left out */
  scheduledHours: number;
  doneAsScheduledHours: number;
  scheduleCompliance: number | null;
  breakInHours: number;
  breakInShare: number | null;
  plannedLaborMinutes: number;
  laborMinutes: number;
  plannedWorkPercent: number | null;
  openEstimatedHours: number;
  crewWeeklyHours: number;
  backlogCrewWeeks: number | null;
  /** The formula of each figure, in words */
  definitions: Record<string, string>;
}

export interface PreferenceIn {
  kind: "assigned" | "commented" | "overdue" | "problem_reported" | "part_requested" | "stock_low" | "pm_generated";
  /** portal: the portal's list only; email: the list and an e-mail at once; digest: the list and the daily e-mail digest; off: nothing */
  channel: "portal" | "email" | "digest" | "off";
}

export interface PreferenceOut {
  kind: "assigned" | "commented" | "overdue" | "problem_reported" | "part_requested" | "stock_low" | "pm_generated";
  label: string;
  /** Who is told of this kind, in words */
  audience: string;
  /** portal: the portal's list only; email: the list and an e-mail at once; digest: the list and the daily e-mail digest; off: nothing */
  channel: "portal" | "email" | "digest" | "off";
  defaultChannel: "portal" | "email" | "digest" | "off";
}

export interface PreferencesOut {
  /** Every kind, in the portal's order */
  preferences: Array<PreferenceOut>;
}

export interface PreferencesUpdate {
  /** The kinds to change, each once; kinds left out keep their setting */
  preferences: Array<PreferenceIn>;
}

export interface ReadAllOut {
  /** Notifications marked read by this call */
  marked: number;
}

export interface RefreshRequest {
  /** Or send it as the Bearer token */
  refreshToken?: string | null;
}

export interface ReorderPayload {
  part: PartOut;
  /** GET /api/reorder-requests/{id} */
  reorderRequestId: string;
  quantity: number;
  supplier: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface ReorderReceiptCreate {
  /** How many arrived; omitted: what remains on the request */
  quantity?: number | null;
  /** Written on the receipt movement (delivery note, PO number) */
  note?: string | null;
  /** Confirms a quantity beyond what remains on the reorder request (the supplier sent more); without it such a receipt answers 409 and books nothing */
  moreThanOrdered?: boolean;
}

export interface ReorderReceiptCreated {
  id: string;
  reorderRequestId: string;
  /** The receipt movement in the part's ledger */
  stockMovementId: string;
  quantity: number;
  moreThanOrdered: boolean;
  receivedBy: string | null;
  createdAt: string;
  /** The request after this receipt (closed when its remainingQuantity is 0: status received) */
  reorderRequest: ReorderRequestOut;
}

export interface ReorderReceiptOut {
  id: string;
  reorderRequestId: string;
  /** The receipt movement in the part's ledger */
  stockMovementId: string;
  quantity: number;
  moreThanOrdered: boolean;
  receivedBy: string | null;
  createdAt: string;
}

export interface ReorderReceivedPayload {
  /** The part after the receipt (its new stockLevel) */
  part: PartOut;
  /** GET /api/reorder-requests/{id} */
  reorderRequestId: string;
  /** One of GET /api/reorder-requests/{id}/receipts */
  receiptId: string;
  /** The receipt movement in the part's ledger */
  stockMovementId: string;
  /** The work order waiting for the part, if it was requested from one */
  workOrderId: string | null;
  /** Booked in by this receipt */
  quantity: number;
  /** The request's quantity */
  orderedQuantity: number;
  /** Booked in against the request so far, this receipt included */
  receivedQuantity: number;
  /** Still to come (0 once closed) */
  remainingQuantity: number;
  /** The receiver confirmed more than remained */
  moreThanOrdered: boolean;
  /** This receipt closed the request (status received) */
  closed: boolean;
  status: "open" | "ordered" | "received";
  /** The user who did it; null when the system did (a periodic job) */
  receivedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface ReorderRequestOut {
  id: string;
  partId: string;
  quantity: number;
  /** open (raised), ordered (purchase placed), received (closed: its receipts reached quantity) */
  status: string;
  createdAt: string;
  warehouseId: string;
  orderedAt?: string | null;
  orderedBy?: string | null;
  receivedAt?: string | null;
  receivedBy?: string | null;
  /** The receipt movement that closed the request (all its receipts: GET /api/reorder-requests/{id}/receipts) */
  stockMovementId?: string | null;
  /** The work order waiting for the part (a part request from a work order); null for an automatic reorder */
  workOrderId?: string | null;
  /** Who asked for the part on the work order */
  requestedBy?: string | null;
  /** When the quantity last changed (asked again) */
  updatedAt?: string | null;
  /** Booked in so far against this request (partial receipts add up) */
  receivedQuantity?: number;
  /** Still to come: quantity - receivedQuantity, never below 0 */
  remainingQuantity?: number;
}

export interface ReorderRequestReceived {
  /** Written on the receipt movement (delivery note, PO number) */
  note?: string | null;
}

export interface ReportTokenOut {
  equipmentId: string;
  /** The asset's new token: 256 random bits, url-safe. The previous token stops working at once; labels carrying it must be reprinted. */
  reportToken: string;
  /** /report/<token>, absolute under PUBLIC_BASE_URL when that is set */
  reportUrl: string;
}

export interface RequestApprove {
  /** The request's title when absent */
  title?: string | null;
  priority?: "low" | "medium" | "high" | "critical";
  type?: "corrective" | "preventive" | "inspection" | "emergency";
  /** A technician (or manager) of the warehouse: the work order is `assigned` */
  assignedTo?: string | null;
  dueDate?: string | null;
}

export interface RequestApprovedPayload {
  /** The request as GET /api/requests/{id} writes it, after the change */
  request: RequestOut;
  /** The work order made from it (its work_order.created comes first) */
  workOrder: WorkOrderOut;
  /** The user who did it; null when the system did (a periodic job) */
  approvedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface RequestCreate {
  title: string;
  description?: string | null;
  equipmentId?: string | null;
}

export interface RequestCreatedPayload {
  /** The request as GET /api/requests/{id} writes it, after the change */
  request: RequestOut;
  /** The requester; null for a problem report without an account */
  createdBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface RequestDecline {
  /** Why: shown to the reporter on their status link ("Declined: <reason>") */
  reason: string;
}

export interface RequestDeclinedPayload {
  /** The request as GET /api/requests/{id} writes it, after the change */
  request: RequestOut;
  /** Why, as the reporter reads it on their status link */
  reason: string;
  /** The user who did it; null when the system did (a periodic job) */
  declinedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface RequestMerge {
  /** An open work order of the same asset: the request's text becomes a comment on it and its photo an attachment */
  workOrderId: string;
}

export interface RequestMergedPayload {
  /** The request as GET /api/requests/{id} writes it, after the change */
  request: RequestOut;
  /** The open work order it was added to (a comment, and its photo) */
  workOrder: WorkOrderOut;
  /** The user who did it; null when the system did (a periodic job) */
  mergedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface RequestOut {
  id: string;
  /** pending (in the inbox), approved (a work order was made from it), merged (added to an open work order of the same asset) or declined (with a reason the reporter sees) */
  status: "pending" | "approved" | "merged" | "declined";
  title: string;
  description: string | null;
  equipmentId: string | null;
  /** Who reported it without an account (/report/<token>) */
  reporterName: string | null;
  reporterContact: string | null;
  /** The user who sent it (a requester), null for a report without an account */
  requestedBy: string | null;
  /** The photo sent with it; approving or merging adds it to the work order's attachments */
  photo: RequestPhotoOut | null;
  /** The work order made from it (approved) or it was merged into (merged) */
  workOrderId: string | null;
  /** Declined: why, as the reporter reads it on their status link */
  declineReason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
  updatedAt: string;
  warehouseId: string;
}

export interface RequestPhotoOut {
  filename: string;
  contentType: "image/jpeg" | "image/png" | "image/webp";
  sizeBytes: number;
  width: number;
  height: number;
}

export interface ScheduleCreate {
  /** A day of the week (YYYY-MM-DD); the plan starts on its Monday */
  weekStart: string;
}

export interface ScheduleFrozenPayload {
  schedule: FrozenSchedule;
  /** The user who did it; null when the system did (a periodic job) */
  frozenBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface ScheduleItemCreate {
  /** An open work order of the warehouse */
  workOrderId: string;
  /** The technician (or manager) who does it; technicianId is accepted as its other name */
  userId: string;
  /** A day of the plan's week (YYYY-MM-DD) */
  day: string;
  /** Planned hours; default: the work order's estimatedDuration in hours (400 without one) */
  hours?: number | null;
}

export interface ScheduleItemOut {
  id: string;
  workOrderId: string;
  userId: string;
  /** The same as userId */
  technicianId: string;
  day: string;
  hours: number;
  /** Added after the plan was frozen: break-in work, reported apart */
  breakIn: boolean;
  createdBy: string | null;
  createdAt: string;
}

export interface SignatureOut {
  /** The attachment id: its bytes at GET .../attachments/{id} */
  id: string;
  workOrderId: string;
  /** Who signed, as typed when signing */
  signerName: string;
  /** The user who captured it */
  capturedBy: string | null;
  capturedByName: string | null;
  signedAt: string;
  contentType: "image/png";
  width: number;
  height: number;
}

export interface StockMovementCreate {
  /** receipt: goods received (quantity > 0); adjustment: a signed correction (quantity != 0); count: a stocktake, quantity is the counted level (>= 0) and the movement records the difference from the level at that moment. */
  type: "receipt" | "adjustment" | "count";
  quantity: number;
  note?: string | null;
  /** receipt only: apply it to this open or ordered reorder request of the same part (reduces what remains; closes it when nothing remains), in the same transaction */
  reorderRequestId?: string | null;
  /** With reorderRequestId: Confirms a quantity beyond what remains on the reorder request (the supplier sent more); without it such a receipt answers 409 and books nothing */
  moreThanOrdered?: boolean;
}

export interface StockMovementOut {
  id: string;
  type: string;
  partId: string;
  /** Signed change of the stock level */
  quantity: number;
  /** The part's stock level right after this movement */
  levelAfter: number;
  note: string | null;
  workOrderId: string | null;
  createdBy: string | null;
  createdAt: string;
  /** The reorder request this receipt was applied to */
  reorderRequestId?: string | null;
}

export interface SystemMetricsOut {
  /** CPU use of this host, % (psutil, since the previous reading). */
  cpuUsage: number;
  /** Memory in use on this host, %. */
  memoryUsage: number;
  /** Disk in use on the volume of the instance folder, %. */
  diskUsage: number;
}

export interface TechnicianCapacity {
  userId: string;
  name: string;
  weeklyHours: number;
  /** Hours available per day (YYYY-MM-DD), absences taken off */
  days: Record<string, number>;
  /** The week's hours net of absences */
  availableHours: number;
  scheduledHours: number;
}

export interface TokenResponse {
  token: string;
}

export interface TrendWeekOut {
  /** Monday 00:00 UTC; the first week holds the window's start */
  weekStart: string;
  /** Work orders created that week (inside the window) */
  opened: number;
  /** Work orders completed that week (inside the window) */
  completed: number;
  /** PM work orders (from a template) due that week, cancelled ones left out */
  pmDue: number;
  /** Those of pmDue completed by their due date */
  pmCompletedOnTime: number;
  /** pmCompletedOnTime / pmDue x 100, two places; null when no PM was due that week */
  pmCompliance: number | null;
}

export interface TrendsOut {
  days: number;
  from: string;
  to: string;
  /** Every week of the window in order; a week without work orders has zeros, not a gap */
  weeks: Array<TrendWeekOut>;
}

export interface UserAdminOut {
  id: string;
  email: string;
  name: string | null;
  role: string;
  warehouseId: string;
  active: boolean;
  hourlyRate?: string | null;
  /** The user has confirmed an authenticator; false after creation or an MFA reset until their next portal login enrols one. */
  mfaEnrolled: boolean;
  /** When their most recent session (portal or API) started; null if they never logged in. */
  lastLoginAt: string | null;
  createdAt: string;
}

export interface UserCreate {
  /** Login name; stored lower-case, unique across the site. */
  email: string;
  /** Shown in lists and on work orders. */
  name?: string | null;
  /** admin, manager, technician or requester (README: Roles). */
  role: "admin" | "manager" | "technician" | "requester";
  /** What an hour of their work costs; labor they book from now on is costed at it (null: no cost). */
  hourlyRate?: number | string | null;
  /** Initial password, set by the admin and handed over in person. The first login at /login then enrols the user's authenticator app. */
  password: string;
}

export interface UserMfaResetOut {
  id: string;
  email: string;
  name: string | null;
  role: string;
  warehouseId: string;
  active: boolean;
  hourlyRate?: string | null;
  /** The user has confirmed an authenticator; false after creation or an MFA reset until their next portal login enrols one. */
  mfaEnrolled: boolean;
  /** When their most recent session (portal or API) started; null if they never logged in. */
  lastLoginAt: string | null;
  createdAt: string;
  /** One-time code (20 characters in groups of four) the user enters, with their password, to enrol a new authenticator at the portal. Only its hash is kept: it is not shown again. A later reset replaces it. */
  enrolmentCode: string;
  /** The portal's enrolment link carrying the same code (open it on the user's phone, or send it): it asks for their password, then shows the QR code. */
  enrolmentUrl: string;
  /** When the code stops working (ENROLMENT_CODE_TTL_HOURS after the reset, 72 h by default). */
  enrolmentExpiresAt: string;
}

export interface UserOut {
  id: string;
  email: string;
  role: string;
  warehouseId: string;
  name?: string | null;
}

export interface UserUpdate {
  name?: string | null;
  /** An admin cannot change their own role; the last active admin stays. */
  role?: "admin" | "manager" | "technician" | "requester";
  /** false deactivates: every session (API tokens and portal logins) ends at once. An admin cannot deactivate themselves. */
  active?: boolean;
  /** What an hour of their work costs; changes the cost of labor booked from now on, never of labor already booked (null: no cost). */
  hourlyRate?: number | string | null;
}

export interface WarehouseOut {
  id: string;
  name: string;
  /** IANA time zone the portal shows times in (the API stays UTC) */
  timezone: string;
  /** Anyone who scans an asset label may report a problem without an account at /report/<token> (a `new` corrective work order). Off: those pages answer 404. */
  problemReportsEnabled: boolean;
  /** Problem reports (and requesters' requests): work_order, each becomes a `new` work order at once; inbox, each waits in the requests inbox (GET /api/requests) for a manager to approve, merge or decline */
  requestRouting?: "work_order" | "inbox";
  /** How the portal writes readings back to this plant's people: 65.5 or 65,5 (typing accepts both); the API keeps JSON numbers */
  decimalMark?: "." | ",";
  /** Completing a corrective or emergency work order needs failureMode, failureCause and failureRemedy (400 naming the missing ones otherwise) */
  requireFailureCodes?: boolean;
  /** The PM compliance grace rule of GET /api/kpis and GET /api/pm-compliance (their pmGrace query parameter overrides it): PM compliance's grace: dueDate (completed by the due date), oneDay (within 24 h after it), tenPercent (within 10 % of the PM's interval after it), smrp (within 20 % of the interval, at most 28 days: SMRP). Exactly at the boundary is on time. Interval: a calendar PM's frequency in days; a meter PM's leadDays */
  pmGrace?: "dueDate" | "oneDay" | "tenPercent" | "smrp";
}

export interface WarehouseUpdate {
  /** Turn problem reports without an account on or off for the whole warehouse; labels printed afterwards carry (or no longer carry) the report QR code */
  problemReportsEnabled?: boolean;
  /** IANA name, e.g. Europe/Paris (400 when unknown) */
  timezone?: string;
  /** work_order (straight to a work order) or inbox (through the requests inbox); requests already in the inbox stay there until decided */
  requestRouting?: "work_order" | "inbox";
  /** The plant's decimal mark, "." or ",": how the portal shows checklist readings */
  decimalMark?: "." | ",";
  /** On: completing a corrective or emergency work order needs its three failure codes (managers also switch this on the portal's failure codes page) */
  requireFailureCodes?: boolean;
  /** PM compliance's grace rule: dueDate, oneDay, tenPercent or smrp (PM_GRACE in GET /api/pm-compliance's description) */
  pmGrace?: "dueDate" | "oneDay" | "tenPercent" | "smrp";
}

export interface WebhookCreate {
  /** http(s) URL whose host is a valid host name (labels of 1..63 letters, digits and inner hyphens, at most 253 characters; xn-- punycode for international names) or an IPv4 address; no spaces, percent-escapes or credentials in the host part. At registration the host must not resolve to a private or reserved address. */
  url: string;
  /** Event types of the contract, or '*' for all of them */
  events: Array<"*" | "work_order.created" | "work_order.updated" | "work_order.completed" | "work_order.escalated" | "equipment.created" | "equipment.updated" | "equipment.status_changed" | "inventory.low_stock" | "inventory.reorder" | "parts.consumed" | "pm.scheduled" | "pm.overdue" | "pm.completed" | "parts.requested" | "checklist.item_flagged" | "work_order.follow_up_created" | "work_order.signed" | "reorder_request.received" | "request.created" | "request.approved" | "request.merged" | "request.declined" | "work_order.commented" | "work_order.failure_coded" | "schedule.frozen">;
  /** HMAC key; 32 random bytes (hex) are generated when omitted */
  secret?: string | null;
  active?: boolean;
}

export interface WebhookOut {
  id: string;
  url: string;
  events: Array<string>;
  active: boolean;
  /** Masked except in the responses that create or rotate it */
  secret: string;
  createdAt: string;
  updatedAt: string;
  warehouseId: string;
  consecutiveFailures: number;
  disabledAt: string | null;
  disabledReason: string | null;
}

export interface WebhookStatsOut {
  total: number;
  delivered: number;
  failed: number;
  pending: number;
  /** delivered / (delivered + failed) in %, 2 decimals; 0 when no delivery has finished yet */
  successRate: number;
}

export interface WebhookTestPayload {
  message: "Test delivery from MaintainPro";
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WebhookUpdate {
  /** http(s) URL whose host is a valid host name (labels of 1..63 letters, digits and inner hyphens, at most 253 characters; xn-- punycode for international names) or an IPv4 address; no spaces, percent-escapes or credentials in the host part. At registration the host must not resolve to a private or reserved address. */
  url?: string;
  events?: Array<"*" | "work_order.created" | "work_order.updated" | "work_order.completed" | "work_order.escalated" | "equipment.created" | "equipment.updated" | "equipment.status_changed" | "inventory.low_stock" | "inventory.reorder" | "parts.consumed" | "pm.scheduled" | "pm.overdue" | "pm.completed" | "parts.requested" | "checklist.item_flagged" | "work_order.follow_up_created" | "work_order.signed" | "reorder_request.received" | "request.created" | "request.approved" | "request.merged" | "request.declined" | "work_order.commented" | "work_order.failure_coded" | "schedule.frozen">;
  /** true re-enables a deactivated endpoint (failure count reset) */
  active?: boolean;
  /** Replace the secret */
  secret?: string | null;
  /** Generate a new secret; the response shows it once */
  rotateSecret?: boolean;
}

export interface WeekOut {
  /** Monday 00:00 UTC */
  weekStart: string;
  opened: number;
  completed: number;
}

export interface WeeklyHoursOut {
  userId: string;
  name: string | null;
  weeklyHours: number;
}

export interface WeeklyHoursUpdate {
  /** Hours a week the person is planned for (default 40) */
  weeklyHours: number;
}

export interface WorkOrderBulkAssign {
  /** Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, answers 404 for the lot, with `ids[n]` in the errors, and nothing is assigned. */
  ids: Array<string>;
  /** The user every listed work order is assigned to (null: unassign them). Each one changes exactly as with `PATCH /api/work-orders/{id}` `{"assignedTo": ...}` (a new one becomes assigned), with the same history rows, work_order.updated events and webhooks; one refusal (a completed work order, a user who cannot take work) rolls back all of them. */
  assignedTo: string | null;
}

export interface WorkOrderBulkUpdate {
  /** Work order ids (at most 100; a repeated id counts once). One of another warehouse, or unknown, answers 404 for the lot, with `ids[n]` in the errors, and nothing is changed. */
  ids: Array<string>;
  /** Assign them all to this user (null: unassign them) */
  assignedTo?: string | null;
  /** Move them all to this status (the transitions of `PATCH /api/work-orders/{id}`) */
  status?: "new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled";
  priority?: "low" | "medium" | "high" | "critical";
  /** The new due date (null: no due date) */
  dueDate?: string | null;
  /** Only with status on_hold: why the work waits, in words, as with `PATCH /api/work-orders/{id}` (recorded in each one's history and work_order.updated changes as holdReason). A work order already on hold keeps its hold unchanged. */
  holdReason?: string;
  /** Only with status on_hold: one of the warehouse's active hold reason codes, as PATCH's holdReasonCode; an unknown or retired code is refused (400, field holdReasonCode). */
  holdReasonCode?: string;
}

export interface WorkOrderChecklistItemOut {
  id: string;
  /** The template item's id */
  itemId: string;
  position: number;
  description: string;
  type: "checkbox" | "measurement" | "text" | "pass_fail";
  required: boolean;
  unit: string | null;
  min: number | null;
  max: number | null;
  done: boolean;
  value: number | string | null;
  note: string | null;
  /** Measurement outside min/max, or a failed pass/fail check */
  flagged: boolean;
  /** From the template item: a flagged reading creates the follow-up work order by itself */
  autoFollowUp?: boolean;
  /** The follow-up work order raised from this item (POST .../checklist/{itemId}/follow-up, or automatically) */
  followUpId?: string | null;
  doneBy: string | null;
  doneAt: string | null;
  updatedAt: string;
}

export interface WorkOrderCommentedPayload {
  workOrderId: string;
  foNumber: string;
  /** The work order's title */
  title: string;
  /** The work order's assignee when the comment was written */
  assignedTo: string | null;
  /** Who asked for the work order (null for a problem report or a PM) */
  requestedBy: string | null;
  comment: EventComment;
  /** The user who did it; null when the system did (a periodic job) */
  commentedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WorkOrderCompletedPayload {
  workOrder: WorkOrderOut;
  /** The user who did it; null when the system did (a periodic job) */
  completedBy: string | null;
  metrics: CompletionMetrics;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WorkOrderCreate {
  title: string;
  description?: string | null;
  priority?: "low" | "medium" | "high" | "critical";
  type?: "corrective" | "preventive" | "inspection" | "emergency";
  equipmentId?: string | null;
  assignedTo?: string | null;
  dueDate?: string | null;
  /** A breakdown report: the equipment goes `down` now, the downtime period is linked to this work order and closed when it is completed. Needs equipmentId and type corrective or emergency. */
  equipmentDown?: boolean;
  /** Sign-off: the work order cannot be completed until a signature was given (`POST /api/work-orders/{id}/signature`). Managers and admins only. */
  requiresSignature?: boolean;
  /** The planner's estimate of the work, in minutes: the weekly plan schedules it (default: none; PM work orders take their template's) */
  estimatedDuration?: number | null;
}

export interface WorkOrderCreatedPayload {
  /** The work order as GET /api/work-orders/{id} writes it */
  workOrder: WorkOrderOut;
  /** The user who did it; null when the system did (a periodic job) */
  createdBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WorkOrderDetailOut {
  id: string;
  /** WO-<year>-<NNN>, per warehouse, gap-free */
  foNumber: string;
  title: string;
  description: string | null;
  status: "new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled";
  priority: "low" | "medium" | "high" | "critical";
  type: "corrective" | "preventive" | "inspection" | "emergency";
  equipmentId: string | null;
  assignedTo: string | null;
  requestedBy: string | null;
  dueDate: string | null;
  createdAt: string;
  warehouseId: string;
  updatedAt: string;
  completedAt: string | null;
  completionNotes: string | null;
  /** The PM template a preventive work order came from */
  pmTemplateId?: string | null;
  /** Minutes (from the PM template) */
  estimatedDuration?: number | null;
  /** Sum of the labor minutes booked on it */
  actualDuration?: number;
  /** All parts consumed on it, at their cost when consumed */
  partsCost?: string;
  /** All labor booked on it: each entry's minutes at the person's hourly rate when booked (0.00 for people without a rate) */
  laborCost?: string;
  /** Who reported the problem through an asset label's public page (/report/<token>), without an account; requestedBy is null then */
  reporterName?: string | null;
  /** How to reach that reporter (phone, e-mail), if given */
  reporterContact?: string | null;
  /** A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; its follow-ups are listed at GET /api/work-orders/{id}/follow-ups */
  parentId?: string | null;
  /** Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or inherited from its PM template */
  requiresSignature?: boolean;
  /** ISO 14224 failure mode code (what was observed), e.g. VIB */
  failureMode?: string | null;
  /** Failure cause/mechanism code (why), e.g. WEAR */
  failureCause?: string | null;
  /** Remedy code (what was done), e.g. REPL */
  failureRemedy?: string | null;
  parts?: Array<PartUsageOut>;
  /** With expand=checklist */
  checklist?: Array<WorkOrderChecklistItemOut>;
  /** With expand=labor */
  labor?: Array<LaborOut>;
  /** With expand=comments */
  comments?: Array<CommentOut>;
  history?: Array<HistoryOut>;
}

export interface WorkOrderEscalatedPayload {
  /** The work order after the escalation */
  workOrder: WorkOrderOut;
  /** What was done and why, in words */
  reason: string;
  /** Hours past its due date, two decimals */
  overdueHours: number;
  previousAssignee: string | null;
  newAssignee: string | null;
  previousPriority: "low" | "medium" | "high" | "critical";
  newPriority: "low" | "medium" | "high" | "critical";
  escalatedBy: "system";
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WorkOrderExpandedOut {
  id: string;
  /** WO-<year>-<NNN>, per warehouse, gap-free */
  foNumber: string;
  title: string;
  description: string | null;
  status: "new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled";
  priority: "low" | "medium" | "high" | "critical";
  type: "corrective" | "preventive" | "inspection" | "emergency";
  equipmentId: string | null;
  assignedTo: string | null;
  requestedBy: string | null;
  dueDate: string | null;
  createdAt: string;
  warehouseId: string;
  updatedAt: string;
  completedAt: string | null;
  completionNotes: string | null;
  /** The PM template a preventive work order came from */
  pmTemplateId?: string | null;
  /** Minutes (from the PM template) */
  estimatedDuration?: number | null;
  /** Sum of the labor minutes booked on it */
  actualDuration?: number;
  /** All parts consumed on it, at their cost when consumed */
  partsCost?: string;
  /** All labor booked on it: each entry's minutes at the person's hourly rate when booked (0.00 for people without a rate) */
  laborCost?: string;
  /** Who reported the problem through an asset label's public page (/report/<token>), without an account; requestedBy is null then */
  reporterName?: string | null;
  /** How to reach that reporter (phone, e-mail), if given */
  reporterContact?: string | null;
  /** A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; its follow-ups are listed at GET /api/work-orders/{id}/follow-ups */
  parentId?: string | null;
  /** Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or inherited from its PM template */
  requiresSignature?: boolean;
  /** ISO 14224 failure mode code (what was observed), e.g. VIB */
  failureMode?: string | null;
  /** Failure cause/mechanism code (why), e.g. WEAR */
  failureCause?: string | null;
  /** Remedy code (what was done), e.g. REPL */
  failureRemedy?: string | null;
  /** With expand=parts */
  parts?: Array<PartUsageOut>;
  /** With expand=checklist */
  checklist?: Array<WorkOrderChecklistItemOut>;
  /** With expand=labor */
  labor?: Array<LaborOut>;
  /** With expand=comments */
  comments?: Array<CommentOut>;
}

export interface WorkOrderFailureCodedPayload {
  workOrderId: string;
  foNumber: string;
  equipmentId: string | null;
  /** The failure mode code now on the work order (GET /api/failure-codes) */
  failureMode: string | null;
  /** The cause code now on the work order */
  failureCause: string | null;
  /** The remedy code now on the work order */
  failureRemedy: string | null;
  /** Only the failure fields that changed: {failureMode: {from, to}, ...} */
  changes: Record<string, FieldChange>;
  /** The user who did it; null when the system did (a periodic job) */
  codedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WorkOrderOut {
  id: string;
  /** WO-<year>-<NNN>, per warehouse, gap-free */
  foNumber: string;
  title: string;
  description: string | null;
  status: "new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled";
  priority: "low" | "medium" | "high" | "critical";
  type: "corrective" | "preventive" | "inspection" | "emergency";
  equipmentId: string | null;
  assignedTo: string | null;
  requestedBy: string | null;
  dueDate: string | null;
  createdAt: string;
  warehouseId: string;
  updatedAt: string;
  completedAt: string | null;
  completionNotes: string | null;
  /** The PM template a preventive work order came from */
  pmTemplateId?: string | null;
  /** Minutes (from the PM template) */
  estimatedDuration?: number | null;
  /** Sum of the labor minutes booked on it */
  actualDuration?: number;
  /** All parts consumed on it, at their cost when consumed */
  partsCost?: string;
  /** All labor booked on it: each entry's minutes at the person's hourly rate when booked (0.00 for people without a rate) */
  laborCost?: string;
  /** Who reported the problem through an asset label's public page (/report/<token>), without an account; requestedBy is null then */
  reporterName?: string | null;
  /** How to reach that reporter (phone, e-mail), if given */
  reporterContact?: string | null;
  /** A follow-up's parent: the work order whose checklist reading (out of range, or a Fail) raised it; its follow-ups are listed at GET /api/work-orders/{id}/follow-ups */
  parentId?: string | null;
  /** Completion needs a signature (`GET /api/work-orders/{id}/signature`): set on the work order or inherited from its PM template */
  requiresSignature?: boolean;
  /** ISO 14224 failure mode code (what was observed), e.g. VIB */
  failureMode?: string | null;
  /** Failure cause/mechanism code (why), e.g. WEAR */
  failureCause?: string | null;
  /** Remedy code (what was done), e.g. REPL */
  failureRemedy?: string | null;
}

export interface WorkOrderSignedPayload {
  workOrder: WorkOrderOut;
  /** As GET /api/work-orders/{id}/signature writes it */
  signature: SignatureOut;
  /** It replaced an earlier signature */
  replaced: boolean;
  /** The user who did it; null when the system did (a periodic job) */
  signedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface WorkOrderUpdate {
  title?: string;
  description?: string | null;
  status?: "new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled";
  priority?: "low" | "medium" | "high" | "critical";
  type?: "corrective" | "preventive" | "inspection" | "emergency";
  equipmentId?: string | null;
  assignedTo?: string | null;
  dueDate?: string | null;
  completionNotes?: string | null;
  /** Why the work order waits ("waiting for the bearing"); only with status on_hold. Recorded in the history and in the work_order.updated event's changes as holdReason. */
  holdReason?: string | null;
  /** Sign-off: true, the work order cannot be completed until a signature was given (`POST /api/work-orders/{id}/signature`). Managers and admins only; not on a closed work order. */
  requiresSignature?: boolean;
  /** Optional: one of the warehouse's hold reason codes (`waiting_parts`, `waiting_access`, `waiting_trade`, `safety_permit`, `other` by default; a manager edits the list in the portal); only with status on_hold, with or without holdReason. An unknown or retired code is refused (400, field holdReasonCode). Recorded in the history and in the work_order.updated event's changes as holdReasonCode. */
  holdReasonCode?: string | null;
  /** Code of the warehouse's failure catalogue (GET /api/failure-codes?kind=mode), offered for the asset's equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not offered code: 400 on this field. May be set on a completed work order too (coding after the fact). When the warehouse requires failure codes, completing a corrective or emergency work order without the three is a 400 naming the missing fields. */
  failureMode?: string | null;
  /** Code of the warehouse's failure catalogue (GET /api/failure-codes?kind=cause), offered for the asset's equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not offered code: 400 on this field. May be set on a completed work order too (coding after the fact). When the warehouse requires failure codes, completing a corrective or emergency work order without the three is a 400 naming the missing fields. */
  failureCause?: string | null;
  /** Code of the warehouse's failure catalogue (GET /api/failure-codes?kind=remedy), offered for the asset's equipmentClass; case does not matter (stored upper-case); null clears it. An unknown, retired or not offered code: 400 on this field. May be set on a completed work order too (coding after the fact). When the warehouse requires failure codes, completing a corrective or emergency work order without the three is a 400 naming the missing fields. */
  failureRemedy?: string | null;
  /** The planner's estimate in whole minutes, 1 to 100000 (null clears it): the weekly plan schedules by it and the backlog's crew-weeks add it up. Managers and admins (a technician's change is 403); not on a completed or cancelled work order (409). Recorded in the history and in the work_order.updated event's changes as estimatedDuration. */
  estimatedDuration?: number | null;
}

export interface WorkOrderUpdatedPayload {
  /** The work order after the change */
  workOrder: WorkOrderOut;
  /** The fields that changed, by their API name: {field: {from, to}}. Putting a work order on hold also carries holdReason (and holdReasonCode when given); ignore keys you do not know */
  changes: Record<string, FieldChange>;
  /** The user who did it; null when the system did (a periodic job) */
  updatedBy: string | null;
  /** When it happened (the envelope's timestamp) */
  timestamp: string;
}

export interface portal__schemas__planning__ScheduleOut {
  id: string;
  weekStart: string;
  /** The Sunday of the week */
  weekEnd: string;
  frozen: boolean;
  frozenAt: string | null;
  frozenBy: string | null;
  createdAt: string;
  items: Array<ScheduleItemOut>;
  /** Sum of the items' hours, break-in included */
  scheduledHours: number;
  breakInHours: number;
  /** Per technician: hours per day net of absences */
  capacity: Array<TechnicianCapacity>;
}

export interface portal__schemas__pm__ScheduleOut {
  equipmentId: string;
  lastCompletedAt: string | null;
  /** Calendar templates: the next due date */
  nextDueDate?: string | null;
  /** Meter templates: reading at the last PM */
  meterBaseline?: number | null;
  /** Meter templates: baseline + frequency */
  nextDueReading?: number | null;
}

/** Every operation of the API by operationId: method, path below /api, query, body, answer. */
export interface Operations {
  list_absences: {
    method: "GET";
    path: "/absences";
    query: { userId?: string | null; };
    body: undefined;
    response: Array<AbsenceOut>;
  };
  add_absence: {
    method: "POST";
    path: "/absences";
    query: {};
    body: AbsenceCreate;
    response: AbsenceOut;
  };
  remove_absence: {
    method: "DELETE";
    path: "/absences/{absence_id}";
    query: {};
    body: undefined;
    response: unknown;
  };
  performance_summary: {
    method: "GET";
    path: "/admin/performance/summary";
    query: {};
    body: undefined;
    response: PerformanceSummaryOut;
  };
  list_api_keys: {
    method: "GET";
    path: "/api-keys";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<ApiKeyOut>;
  };
  create_api_key: {
    method: "POST";
    path: "/api-keys";
    query: {};
    body: ApiKeyCreate;
    response: ApiKeyCreatedOut;
  };
  get_api_key: {
    method: "GET";
    path: "/api-keys/{key_id}";
    query: {};
    body: undefined;
    response: ApiKeyOut;
  };
  revoke_api_key: {
    method: "DELETE";
    path: "/api-keys/{key_id}";
    query: {};
    body: undefined;
    response: unknown;
  };
  login: {
    method: "POST";
    path: "/auth/login";
    query: {};
    body: LoginRequest;
    response: LoginResponse;
  };
  logout: {
    method: "POST";
    path: "/auth/logout";
    query: {};
    body: undefined;
    response: unknown;
  };
  me: {
    method: "GET";
    path: "/auth/me";
    query: {};
    body: undefined;
    response: UserOut;
  };
  refresh: {
    method: "POST";
    path: "/auth/refresh";
    query: {};
    body: RefreshRequest;
    response: TokenResponse;
  };
  docs_page: {
    method: "GET";
    path: "/docs";
    query: {};
    body: undefined;
    response: unknown;
  };
  list_equipment: {
    method: "GET";
    path: "/equipment";
    query: { limit?: number; page?: number; updatedSince?: string | null; createdAfter?: string | null; createdBefore?: string | null; cursor?: string | null; count?: "capped" | "exact"; status?: Array<"active" | "inactive" | "maintenance" | "down" | "retired"> | ("active" | "inactive" | "maintenance" | "down" | "retired") | string | null; criticality?: Array<"low" | "medium" | "high" | "critical"> | ("low" | "medium" | "high" | "critical") | string | null; area?: string | null; q?: string | null; parentId?: string | null; };
    body: undefined;
    response: Array<EquipmentOut>;
  };
  create_equipment: {
    method: "POST";
    path: "/equipment";
    query: {};
    body: EquipmentCreate;
    response: EquipmentOut;
  };
  export_equipment: {
    method: "GET";
    path: "/equipment/export";
    query: { limit?: number; page?: number; updatedSince?: string | null; createdAfter?: string | null; createdBefore?: string | null; cursor?: string | null; count?: "capped" | "exact"; status?: Array<"active" | "inactive" | "maintenance" | "down" | "retired"> | ("active" | "inactive" | "maintenance" | "down" | "retired") | string | null; criticality?: Array<"low" | "medium" | "high" | "critical"> | ("low" | "medium" | "high" | "critical") | string | null; area?: string | null; q?: string | null; parentId?: string | null; };
    body: undefined;
    response: string;
  };
  get_equipment: {
    method: "GET";
    path: "/equipment/{equipment_id}";
    query: {};
    body: undefined;
    response: EquipmentOut;
  };
  update_equipment: {
    method: "PATCH";
    path: "/equipment/{equipment_id}";
    query: {};
    body: EquipmentUpdate;
    response: EquipmentOut;
  };
  list_downtime: {
    method: "GET";
    path: "/equipment/{equipment_id}/downtime";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<DowntimePeriodOut>;
  };
  list_meter_readings: {
    method: "GET";
    path: "/equipment/{equipment_id}/meter-readings";
    query: { limit?: number; page?: number; meter?: string | null; };
    body: undefined;
    response: Array<MeterReadingOut>;
  };
  record_meter_reading: {
    method: "POST";
    path: "/equipment/{equipment_id}/meter-readings";
    query: {};
    body: MeterReadingCreate;
    response: MeterReadingCreated;
  };
  rotate_report_token: {
    method: "POST";
    path: "/equipment/{equipment_id}/report-token";
    query: {};
    body: undefined;
    response: ReportTokenOut;
  };
  change_equipment_status: {
    method: "POST";
    path: "/equipment/{equipment_id}/status";
    query: {};
    body: EquipmentStatusChange;
    response: EquipmentOut;
  };
  list_failure_codes: {
    method: "GET";
    path: "/failure-codes";
    query: { kind?: Array<"mode" | "cause" | "remedy"> | ("mode" | "cause" | "remedy") | string | null; equipmentClass?: string | null; includeRetired?: boolean; };
    body: undefined;
    response: Array<FailureCodeOut>;
  };
  create_failure_code: {
    method: "POST";
    path: "/failure-codes";
    query: {};
    body: FailureCodeCreate;
    response: FailureCodeOut;
  };
  export_failure_codes: {
    method: "GET";
    path: "/failure-codes/export";
    query: {};
    body: undefined;
    response: string;
  };
  import_failure_codes: {
    method: "POST";
    path: "/failure-codes/import";
    query: {};
    body: FormData;
    response: FailureCodeImportOut;
  };
  update_failure_code: {
    method: "PATCH";
    path: "/failure-codes/{code_id}";
    query: {};
    body: FailureCodeUpdate;
    response: FailureCodeOut;
  };
  delete_failure_code: {
    method: "DELETE";
    path: "/failure-codes/{code_id}";
    query: {};
    body: undefined;
    response: FailureCodeOut;
  };
  list_imports: {
    method: "GET";
    path: "/imports";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<ImportOut>;
  };
  create_import: {
    method: "POST";
    path: "/imports";
    query: { kind?: "assets" | "parts" | null; };
    body: FormData;
    response: ImportOut;
  };
  get_import: {
    method: "GET";
    path: "/imports/{import_id}";
    query: {};
    body: undefined;
    response: ImportDetailOut;
  };
  get_import_refused_csv: {
    method: "GET";
    path: "/imports/{import_id}/refused.csv";
    query: {};
    body: undefined;
    response: string;
  };
  get_kpis: {
    method: "GET";
    path: "/kpis";
    query: { days?: number; equipmentId?: string | null; includeChildren?: boolean; pmGrace?: "dueDate" | "oneDay" | "tenPercent" | "smrp" | null; mttrBasis?: "failureToRestore" | "repairStartToRestore"; assetLimit?: number; };
    body: undefined;
    response: KpisOut;
  };
  get_bad_actors: {
    method: "GET";
    path: "/kpis/bad-actors";
    query: { days?: number; limit?: number; equipmentClass?: string | null; };
    body: undefined;
    response: BadActorsOut;
  };
  get_planning_kpis: {
    method: "GET";
    path: "/kpis/planning";
    query: { days?: number; };
    body: undefined;
    response: PlanningKpisOut;
  };
  get_kpi_trends: {
    method: "GET";
    path: "/kpis/trends";
    query: { days?: number; };
    body: undefined;
    response: TrendsOut;
  };
  get_kpi_records: {
    method: "GET";
    path: "/kpis/{name}/records";
    query: { limit?: number; page?: number; days?: number; outcome?: string | null; };
    body: undefined;
    response: Array<KpiRecordOut>;
  };
  get_notification_preferences: {
    method: "GET";
    path: "/me/notification-preferences";
    query: {};
    body: undefined;
    response: PreferencesOut;
  };
  put_notification_preferences: {
    method: "PUT";
    path: "/me/notification-preferences";
    query: {};
    body: PreferencesUpdate;
    response: PreferencesOut;
  };
  list_notifications: {
    method: "GET";
    path: "/notifications";
    query: { limit?: number; page?: number; unread?: boolean | null; };
    body: undefined;
    response: Array<NotificationOut>;
  };
  read_all_notifications: {
    method: "POST";
    path: "/notifications/read-all";
    query: {};
    body: undefined;
    response: ReadAllOut;
  };
  read_notification: {
    method: "POST";
    path: "/notifications/{notification_id}/read";
    query: {};
    body: undefined;
    response: NotificationOut;
  };
  openapi_json: {
    method: "GET";
    path: "/openapi.json";
    query: {};
    body: undefined;
    response: unknown;
  };
  list_parts: {
    method: "GET";
    path: "/parts";
    query: { limit?: number; page?: number; updatedSince?: string | null; createdAfter?: string | null; createdBefore?: string | null; cursor?: string | null; count?: "capped" | "exact"; category?: string | null; lowStock?: boolean | null; q?: string | null; };
    body: undefined;
    response: Array<PartOut>;
  };
  create_part: {
    method: "POST";
    path: "/parts";
    query: {};
    body: PartCreate;
    response: PartOut;
  };
  consume_parts: {
    method: "POST";
    path: "/parts/consume";
    query: {};
    body: ConsumeParts;
    response: ConsumptionOut;
  };
  export_parts: {
    method: "GET";
    path: "/parts/export";
    query: { limit?: number; page?: number; updatedSince?: string | null; createdAfter?: string | null; createdBefore?: string | null; cursor?: string | null; count?: "capped" | "exact"; category?: string | null; lowStock?: boolean | null; q?: string | null; };
    body: undefined;
    response: string;
  };
  list_reorder_requests: {
    method: "GET";
    path: "/parts/reorder-requests";
    query: { limit?: number; page?: number; status?: "open" | "ordered" | "received" | null; };
    body: undefined;
    response: Array<ReorderRequestOut>;
  };
  get_part: {
    method: "GET";
    path: "/parts/{part_id}";
    query: {};
    body: undefined;
    response: PartOut;
  };
  update_part: {
    method: "PATCH";
    path: "/parts/{part_id}";
    query: {};
    body: PartUpdate;
    response: PartOut;
  };
  list_stock_movements: {
    method: "GET";
    path: "/parts/{part_id}/stock-movements";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<StockMovementOut>;
  };
  create_stock_movement: {
    method: "POST";
    path: "/parts/{part_id}/stock-movements";
    query: {};
    body: StockMovementCreate;
    response: StockMovementOut;
  };
  pm_compliance: {
    method: "GET";
    path: "/pm-compliance";
    query: { days?: number; equipmentId?: string | null; includeChildren?: boolean; pmGrace?: "dueDate" | "oneDay" | "tenPercent" | "smrp" | null; };
    body: undefined;
    response: ComplianceOut;
  };
  list_pm_templates: {
    method: "GET";
    path: "/pm-templates";
    query: { limit?: number; page?: number; active?: boolean | null; frequencyType?: "calendar" | "meter" | null; equipmentId?: string | null; q?: string | null; };
    body: undefined;
    response: Array<PMTemplateOut>;
  };
  create_pm_template: {
    method: "POST";
    path: "/pm-templates";
    query: {};
    body: PMTemplateCreate;
    response: PMTemplateOut;
  };
  get_pm_template: {
    method: "GET";
    path: "/pm-templates/{template_id}";
    query: {};
    body: undefined;
    response: PMTemplateOut;
  };
  update_pm_template: {
    method: "PATCH";
    path: "/pm-templates/{template_id}";
    query: {};
    body: PMTemplateUpdate;
    response: PMTemplateOut;
  };
  delete_pm_template: {
    method: "DELETE";
    path: "/pm-templates/{template_id}";
    query: {};
    body: undefined;
    response: PMTemplateOut;
  };
  get_reorder_request: {
    method: "GET";
    path: "/reorder-requests/{request_id}";
    query: {};
    body: undefined;
    response: ReorderRequestOut;
  };
  mark_reorder_ordered: {
    method: "POST";
    path: "/reorder-requests/{request_id}/ordered";
    query: {};
    body: undefined;
    response: ReorderRequestOut;
  };
  list_receipts: {
    method: "GET";
    path: "/reorder-requests/{request_id}/receipts";
    query: {};
    body: undefined;
    response: Array<ReorderReceiptOut>;
  };
  receive_against_request: {
    method: "POST";
    path: "/reorder-requests/{request_id}/receipts";
    query: {};
    body: ReorderReceiptCreate;
    response: ReorderReceiptCreated;
  };
  mark_reorder_received: {
    method: "POST";
    path: "/reorder-requests/{request_id}/received";
    query: {};
    body: ReorderRequestReceived;
    response: ReorderRequestOut;
  };
  list_requests: {
    method: "GET";
    path: "/requests";
    query: { limit?: number; page?: number; status?: Array<"pending" | "approved" | "merged" | "declined"> | ("pending" | "approved" | "merged" | "declined") | string | null; equipmentId?: string | null; };
    body: undefined;
    response: Array<RequestOut>;
  };
  create_request: {
    method: "POST";
    path: "/requests";
    query: {};
    body: RequestCreate;
    response: RequestOut;
  };
  get_request: {
    method: "GET";
    path: "/requests/{request_id}";
    query: {};
    body: undefined;
    response: RequestOut;
  };
  approve_request: {
    method: "POST";
    path: "/requests/{request_id}/approve";
    query: {};
    body: RequestApprove;
    response: RequestOut;
  };
  decline_request: {
    method: "POST";
    path: "/requests/{request_id}/decline";
    query: {};
    body: RequestDecline;
    response: RequestOut;
  };
  merge_request: {
    method: "POST";
    path: "/requests/{request_id}/merge";
    query: {};
    body: RequestMerge;
    response: RequestOut;
  };
  get_request_photo: {
    method: "GET";
    path: "/requests/{request_id}/photo";
    query: { size?: "full" | "thumb"; };
    body: undefined;
    response: ArrayBuffer;
  };
  list_schedules: {
    method: "GET";
    path: "/schedules";
    query: { weekStart?: string | null; };
    body: undefined;
    response: Array<portal__schemas__planning__ScheduleOut>;
  };
  create_schedule: {
    method: "POST";
    path: "/schedules";
    query: {};
    body: ScheduleCreate;
    response: portal__schemas__planning__ScheduleOut;
  };
  get_schedule: {
    method: "GET";
    path: "/schedules/{schedule_id}";
    query: {};
    body: undefined;
    response: portal__schemas__planning__ScheduleOut;
  };
  freeze_schedule: {
    method: "POST";
    path: "/schedules/{schedule_id}/freeze";
    query: {};
    body: undefined;
    response: portal__schemas__planning__ScheduleOut;
  };
  add_schedule_item: {
    method: "POST";
    path: "/schedules/{schedule_id}/items";
    query: {};
    body: ScheduleItemCreate;
    response: ScheduleItemOut;
  };
  remove_schedule_item: {
    method: "DELETE";
    path: "/schedules/{schedule_id}/items/{item_id}";
    query: {};
    body: undefined;
    response: unknown;
  };
  list_users: {
    method: "GET";
    path: "/users";
    query: { limit?: number; page?: number; q?: string | null; active?: boolean | null; };
    body: undefined;
    response: Array<UserAdminOut>;
  };
  create_user: {
    method: "POST";
    path: "/users";
    query: {};
    body: UserCreate;
    response: UserAdminOut;
  };
  get_user: {
    method: "GET";
    path: "/users/{user_id}";
    query: {};
    body: undefined;
    response: UserAdminOut;
  };
  update_user: {
    method: "PATCH";
    path: "/users/{user_id}";
    query: {};
    body: UserUpdate;
    response: UserAdminOut;
  };
  reset_mfa: {
    method: "POST";
    path: "/users/{user_id}/reset-mfa";
    query: {};
    body: undefined;
    response: UserMfaResetOut;
  };
  set_weekly_hours: {
    method: "PUT";
    path: "/users/{user_id}/weekly-hours";
    query: {};
    body: WeeklyHoursUpdate;
    response: WeeklyHoursOut;
  };
  get_warehouse: {
    method: "GET";
    path: "/warehouse";
    query: {};
    body: undefined;
    response: WarehouseOut;
  };
  update_warehouse: {
    method: "PATCH";
    path: "/warehouse";
    query: {};
    body: WarehouseUpdate;
    response: WarehouseOut;
  };
  list_webhooks: {
    method: "GET";
    path: "/webhooks";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<WebhookOut>;
  };
  create_webhook: {
    method: "POST";
    path: "/webhooks";
    query: {};
    body: WebhookCreate;
    response: WebhookOut;
  };
  redeliver: {
    method: "POST";
    path: "/webhooks/deliveries/{delivery_id}/redeliver";
    query: {};
    body: undefined;
    response: DeliveryOut;
  };
  get_webhook: {
    method: "GET";
    path: "/webhooks/{webhook_id}";
    query: {};
    body: undefined;
    response: WebhookOut;
  };
  update_webhook: {
    method: "PATCH";
    path: "/webhooks/{webhook_id}";
    query: {};
    body: WebhookUpdate;
    response: WebhookOut;
  };
  delete_webhook: {
    method: "DELETE";
    path: "/webhooks/{webhook_id}";
    query: {};
    body: undefined;
    response: unknown;
  };
  list_deliveries: {
    method: "GET";
    path: "/webhooks/{webhook_id}/deliveries";
    query: { limit?: number; page?: number; state?: Array<"pending" | "delivered" | "failed"> | ("pending" | "delivered" | "failed") | string | null; event?: string | null; since?: string | null; until?: string | null; };
    body: undefined;
    response: Array<DeliveryOut>;
  };
  webhook_stats: {
    method: "GET";
    path: "/webhooks/{webhook_id}/stats";
    query: {};
    body: undefined;
    response: WebhookStatsOut;
  };
  test_webhook: {
    method: "POST";
    path: "/webhooks/{webhook_id}/test";
    query: {};
    body: undefined;
    response: PingResultOut;
  };
  list_work_orders: {
    method: "GET";
    path: "/work-orders";
    query: { limit?: number; page?: number; updatedSince?: string | null; createdAfter?: string | null; createdBefore?: string | null; cursor?: string | null; count?: "capped" | "exact"; status?: Array<"new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled"> | ("new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled") | string | null; assignedTo?: string | null; priority?: Array<"low" | "medium" | "high" | "critical"> | ("low" | "medium" | "high" | "critical") | string | null; equipmentId?: string | null; type?: Array<"corrective" | "preventive" | "inspection" | "emergency"> | ("corrective" | "preventive" | "inspection" | "emergency") | string | null; q?: string | null; dueBefore?: string | null; dueAfter?: string | null; overdue?: boolean | null; expand?: Array<"parts" | "checklist" | "labor" | "comments"> | ("parts" | "checklist" | "labor" | "comments") | string | null; sort?: "createdAt" | "-createdAt" | "dueDate" | "-dueDate" | "priority" | "-priority" | "foNumber" | "-foNumber" | "updatedAt" | "-updatedAt"; };
    body: undefined;
    response: Array<WorkOrderExpandedOut>;
  };
  create_work_order: {
    method: "POST";
    path: "/work-orders";
    query: {};
    body: WorkOrderCreate;
    response: WorkOrderOut;
  };
  bulk_update_work_orders: {
    method: "POST";
    path: "/work-orders/bulk";
    query: {};
    body: WorkOrderBulkUpdate;
    response: Array<WorkOrderOut>;
  };
  bulk_assign_work_orders: {
    method: "POST";
    path: "/work-orders/bulk-assign";
    query: {};
    body: WorkOrderBulkAssign;
    response: Array<WorkOrderOut>;
  };
  export_work_orders: {
    method: "GET";
    path: "/work-orders/export";
    query: { limit?: number; page?: number; updatedSince?: string | null; createdAfter?: string | null; createdBefore?: string | null; cursor?: string | null; count?: "capped" | "exact"; status?: Array<"new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled"> | ("new" | "assigned" | "in_progress" | "on_hold" | "completed" | "cancelled") | string | null; assignedTo?: string | null; priority?: Array<"low" | "medium" | "high" | "critical"> | ("low" | "medium" | "high" | "critical") | string | null; equipmentId?: string | null; type?: Array<"corrective" | "preventive" | "inspection" | "emergency"> | ("corrective" | "preventive" | "inspection" | "emergency") | string | null; q?: string | null; dueBefore?: string | null; dueAfter?: string | null; overdue?: boolean | null; expand?: Array<"parts" | "checklist" | "labor" | "comments"> | ("parts" | "checklist" | "labor" | "comments") | string | null; sort?: "createdAt" | "-createdAt" | "dueDate" | "-dueDate" | "priority" | "-priority" | "foNumber" | "-foNumber" | "updatedAt" | "-updatedAt"; format?: "csv" | "ndjson"; };
    body: undefined;
    response: string;
  };
  get_work_order: {
    method: "GET";
    path: "/work-orders/{work_order_id}";
    query: { expand?: Array<"parts" | "checklist" | "labor" | "comments"> | ("parts" | "checklist" | "labor" | "comments") | string | null; };
    body: undefined;
    response: WorkOrderDetailOut;
  };
  update_work_order: {
    method: "PATCH";
    path: "/work-orders/{work_order_id}";
    query: {};
    body: WorkOrderUpdate;
    response: WorkOrderDetailOut;
  };
  list_work_order_attachments: {
    method: "GET";
    path: "/work-orders/{work_order_id}/attachments";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<AttachmentOut>;
  };
  add_work_order_attachment: {
    method: "POST";
    path: "/work-orders/{work_order_id}/attachments";
    query: {};
    body: FormData;
    response: AttachmentOut;
  };
  get_work_order_attachment: {
    method: "GET";
    path: "/work-orders/{work_order_id}/attachments/{attachment_id}";
    query: { size?: "full" | "thumb"; };
    body: undefined;
    response: ArrayBuffer;
  };
  get_checklist: {
    method: "GET";
    path: "/work-orders/{work_order_id}/checklist";
    query: {};
    body: undefined;
    response: Array<WorkOrderChecklistItemOut>;
  };
  add_checklist_items: {
    method: "POST";
    path: "/work-orders/{work_order_id}/checklist";
    query: {};
    body: ChecklistAdd;
    response: Array<WorkOrderChecklistItemOut>;
  };
  update_checklist_item: {
    method: "PATCH";
    path: "/work-orders/{work_order_id}/checklist/{item_id}";
    query: {};
    body: ChecklistItemUpdate;
    response: WorkOrderChecklistItemOut;
  };
  create_follow_up: {
    method: "POST";
    path: "/work-orders/{work_order_id}/checklist/{item_id}/follow-up";
    query: {};
    body: undefined;
    response: FollowUpCreated;
  };
  list_work_order_comments: {
    method: "GET";
    path: "/work-orders/{work_order_id}/comments";
    query: { limit?: number; page?: number; };
    body: undefined;
    response: Array<CommentOut>;
  };
  add_work_order_comment: {
    method: "POST";
    path: "/work-orders/{work_order_id}/comments";
    query: {};
    body: CommentCreate;
    response: CommentOut;
  };
  list_follow_ups: {
    method: "GET";
    path: "/work-orders/{work_order_id}/follow-ups";
    query: {};
    body: undefined;
    response: Array<WorkOrderOut>;
  };
  list_labor: {
    method: "GET";
    path: "/work-orders/{work_order_id}/labor";
    query: {};
    body: undefined;
    response: LaborList;
  };
  add_labor: {
    method: "POST";
    path: "/work-orders/{work_order_id}/labor";
    query: {};
    body: LaborCreate;
    response: LaborOut;
  };
  list_part_requests: {
    method: "GET";
    path: "/work-orders/{work_order_id}/part-requests";
    query: { limit?: number; page?: number; status?: "open" | "ordered" | "received" | null; };
    body: undefined;
    response: Array<ReorderRequestOut>;
  };
  request_part: {
    method: "POST";
    path: "/work-orders/{work_order_id}/part-requests";
    query: {};
    body: PartRequestCreate;
    response: ReorderRequestOut;
  };
  get_work_order_signature: {
    method: "GET";
    path: "/work-orders/{work_order_id}/signature";
    query: {};
    body: undefined;
    response: SignatureOut;
  };
  sign_work_order: {
    method: "POST";
    path: "/work-orders/{work_order_id}/signature";
    query: {};
    body: FormData;
    response: SignatureOut;
  };
}
