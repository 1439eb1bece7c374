"""Preventive maintenance payloads: templates, meter readings, checklists, labor, compliance."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from portal.models.enums import CHECKLIST_TYPE, FREQUENCY_TYPE, PRIORITY
from portal.schemas.common import MoneyOut, Out, PageQuery, Payload, Query, UtcDateTime, UtcOut, not_null

FrequencyType = Literal[FREQUENCY_TYPE.values]  # type: ignore[valid-type]
ChecklistType = Literal[CHECKLIST_TYPE.values]  # type: ignore[valid-type]
Priority = Literal[PRIORITY.values]  # type: ignore[valid-type]

# Bounds of every number a PM payload carries (documented in the OpenAPI document).
CALENDAR_MAX_DAYS = 36_500  # 100 years: beyond that a schedule is a typo, and date arithmetic overflows
FREQUENCY_MAX = 1_000_000  # meter units between two PMs (hours, cycles, km)
MEASURE_LIMIT = 1e15  # checklist min/max and measured values
FLAGGABLE = ("measurement", "pass_fail")  # the item types whose reading can be flagged
FREQUENCY_TEXT = (f"Days between two PMs for calendar templates (1..{CALENDAR_MAX_DAYS}), meter units for "
                  f"meter templates (1..{FREQUENCY_MAX})")


def check_calendar_frequency(frequency_type: str | None, frequency: int | None) -> None:
    """Raise ValueError when a calendar template's frequency is out of range."""
    if frequency_type == "calendar" and frequency is not None and frequency > CALENDAR_MAX_DAYS:
        raise ValueError(f"A calendar frequency is at most {CALENDAR_MAX_DAYS} days")


class ChecklistItemIn(Payload):
    # unit, min and max belong to measurement items (type defaults to checkbox); min <= max.
    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"type": {"const": "measurement"}}, "required": ["type"]},
        "else": {"properties": {"unit": {"type": "null"}, "min": {"type": "null"}, "max": {"type": "null"}}},
    })

    id: str | None = Field(None, min_length=1, max_length=64, description="Stable item id; generated when omitted")
    description: str = Field(min_length=1, max_length=500)
    type: ChecklistType = "checkbox"
    required: bool = False
    unit: str | None = Field(None, max_length=32, description="Measurements only")
    min: float | None = Field(None, ge=-MEASURE_LIMIT, le=MEASURE_LIMIT,
                              description="Measurements only: lowest acceptable value (not above max)")
    max: float | None = Field(None, ge=-MEASURE_LIMIT, le=MEASURE_LIMIT,
                              description="Measurements only: highest acceptable value")
    auto_follow_up: bool = Field(False, description=(
        "Measurement and pass_fail items: a reading out of min/max, or a fail, creates the follow-up work order "
        "by itself (once per work order item), without anyone asking for it"))

    @model_validator(mode="after")
    def _measurement_fields(self) -> ChecklistItemIn:
        if self.type != "measurement" and (self.unit is not None or self.min is not None or self.max is not None):
            raise ValueError("unit, min and max are for measurement items only")
        if self.auto_follow_up and self.type not in FLAGGABLE:
            raise ValueError("autoFollowUp is for measurement and pass/fail items only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


# What the field rules cannot say on their own, said to generated clients as JSON Schema.
_CREATE_RULES = {"allOf": [
    {"if": {"properties": {"frequencyType": {"const": "meter"}}, "required": ["frequencyType"]},
     "then": {"required": ["meter"], "properties": {"meter": {"type": "string"}}}},
    {"if": {"properties": {"frequencyType": {"const": "calendar"}}, "required": ["frequencyType"]},
     "then": {"properties": {"frequency": {"maximum": CALENDAR_MAX_DAYS}}}},
]}


SIGNATURE_TEXT = ("Sign-off: the work orders generated from this template need a signature to be completed "
                  "(they carry requiresSignature: true; changing it applies to work orders generated after)")


class PMTemplateCreate(Payload):
    model_config = ConfigDict(json_schema_extra=_CREATE_RULES)

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10000)
    frequency_type: FrequencyType
    frequency: int = Field(gt=0, le=FREQUENCY_MAX, description=FREQUENCY_TEXT)
    meter: str | None = Field(None, min_length=1, max_length=64,
                              description="Meter followed by a meter template, e.g. hours; required for meter")
    estimated_duration: int | None = Field(None, gt=0, le=100_000, description="Minutes")
    equipment_ids: list[str] = Field(default_factory=list, max_length=1000)
    checklist: list[ChecklistItemIn] = Field(default_factory=list, max_length=200)
    priority: Priority = "medium"
    assigned_to: str | None = Field(None, description="Default assignee of the PM work orders")
    lead_days: int = Field(7, ge=0, le=365, description="Calendar: days ahead the work order is created. "
                                                         "Meter: days allowed after the threshold is crossed")
    start_date: UtcDateTime | None = Field(None, description="Calendar: counting starts here until the first "
                                                             "completion, first due startDate + frequency "
                                                             "(default: now)")
    requires_signature: bool = Field(False, description=SIGNATURE_TEXT)

    @field_validator("frequency")
    @classmethod
    def _calendar_bound(cls, value: int, info: ValidationInfo) -> int:
        check_calendar_frequency(info.data.get("frequency_type"), value)
        return value


class PMTemplateUpdate(Payload):
    name: str | None = Field(None, min_length=1, max_length=200, json_schema_extra=not_null)
    description: str | None = Field(None, max_length=10000)
    frequency_type: FrequencyType | None = Field(None, json_schema_extra=not_null)
    frequency: int | None = Field(None, gt=0, le=FREQUENCY_MAX, description=FREQUENCY_TEXT,
                                  json_schema_extra=not_null)
    meter: str | None = Field(None, min_length=1, max_length=64)
    estimated_duration: int | None = Field(None, gt=0, le=100_000, description="Minutes")
    equipment_ids: list[str] | None = Field(None, max_length=1000, json_schema_extra=not_null)
    checklist: list[ChecklistItemIn] | None = Field(None, max_length=200, json_schema_extra=not_null)
    priority: Priority | None = Field(None, json_schema_extra=not_null)
    assigned_to: str | None = None
    lead_days: int | None = Field(None, ge=0, le=365, json_schema_extra=not_null)
    start_date: UtcDateTime | None = Field(None, json_schema_extra=not_null)
    active: bool | None = Field(None, json_schema_extra=not_null)
    requires_signature: bool | None = Field(None, json_schema_extra=not_null, description=SIGNATURE_TEXT)


class PMSchedulePreviewQuery(Query):
    """The portal's preview of a calendar template's next due dates (the editor's fields, same bounds)."""

    frequency_type: FrequencyType = "calendar"
    frequency: int = Field(gt=0, le=FREQUENCY_MAX, description=FREQUENCY_TEXT)
    start_date: UtcDateTime | None = None
    lead_days: int = Field(7, ge=0, le=365)
    meter: str | None = Field(None, max_length=64)

    @field_validator("frequency")
    @classmethod
    def _calendar_bound(cls, value: int, info: ValidationInfo) -> int:
        check_calendar_frequency(info.data.get("frequency_type"), value)
        return value


class PMTemplateQuery(PageQuery):
    active: bool | None = None
    frequency_type: FrequencyType | None = None
    equipment_id: str | None = None
    q: str | None = Field(None, max_length=200, description="Text search in name and description")


class ChecklistItemOut(Out):
    id: str
    description: str
    type: ChecklistType
    required: bool
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    auto_follow_up: bool = Field(False, description="A flagged reading creates the follow-up work order by itself")


class ScheduleOut(Out):
    equipment_id: str
    last_completed_at: UtcOut | None
    next_due_date: UtcOut | None = Field(None, description="Calendar templates: the next due date")
    meter_baseline: float | None = Field(None, description="Meter templates: reading at the last PM")
    next_due_reading: float | None = Field(None, description="Meter templates: baseline + frequency")


class PMTemplateOut(Out):
    id: str
    name: str
    description: str | None
    frequency_type: FrequencyType
    frequency: int
    meter: str | None
    estimated_duration: int | None
    equipment_ids: list[str]
    checklist: list[ChecklistItemOut]
    priority: Priority
    assigned_to: str | None
    lead_days: int
    start_date: UtcOut
    active: bool
    requires_signature: bool = Field(False, description=SIGNATURE_TEXT)
    warehouse_id: str
    created_at: UtcOut
    updated_at: UtcOut
    schedule: list[ScheduleOut] = []


class MeterReadingCreate(Payload):
    meter: str = Field(min_length=1, max_length=64, description="e.g. hours, cycles, km")
    value: float = Field(ge=0, le=1e15)
    unit: str | None = Field(None, max_length=32)
    read_at: UtcDateTime | None = Field(None, description="Default: now; may not be in the future")


class MeterReadingQuery(PageQuery):
    meter: str | None = None


class MeterReadingOut(Out):
    id: str
    equipment_id: str
    meter: str
    value: float
    unit: str | None
    read_at: UtcOut
    recorded_by: str | None
    created_at: UtcOut


class MeterReadingCreated(MeterReadingOut):
    pm_work_order_ids: list[str] = Field(default_factory=list,
                                         description="PM work orders this reading triggered")


class WorkOrderChecklistItemOut(Out):
    id: str
    item_id: str = Field(validation_alias="item_key", description="The template item's id")
    position: int
    description: str
    type: ChecklistType
    required: bool
    unit: str | None
    min: float | None = Field(validation_alias="min_value")
    max: float | None = Field(validation_alias="max_value")
    done: bool
    value: float | str | None
    note: str | None
    flagged: bool = Field(description="Measurement outside min/max, or a failed pass/fail check")
    auto_follow_up: bool = Field(False, description=(
        "From the template item: a flagged reading creates the follow-up work order by itself"))
    follow_up_id: str | None = Field(None, description=(
        "The follow-up work order raised from this item (POST .../checklist/{itemId}/follow-up, or automatically)"))
    done_by: str | None
    done_at: UtcOut | None
    updated_at: UtcOut


class ChecklistAdd(Payload):
    """Items added to an ad-hoc work order's checklist: copied from a PM template's checklist, or
    typed in (the same item shape as a template's). Either, not both."""

    items: list[ChecklistItemIn] | None = Field(None, min_length=1, max_length=200, json_schema_extra=not_null,
                                               description="Items typed in, appended in this order")
    from_template_id: str | None = Field(None, min_length=1, max_length=64, json_schema_extra=not_null,
                                         description="A PM template of the warehouse whose checklist is copied")

    @model_validator(mode="after")
    def _one_source(self) -> ChecklistAdd:
        if (self.items is None) == (self.from_template_id is None):
            raise ValueError("Send either items or fromTemplateId")
        return self


class ChecklistItemUpdate(Payload):
    done: bool | None = Field(None, json_schema_extra=not_null)
    value: str | Annotated[float, Field(ge=-MEASURE_LIMIT, le=MEASURE_LIMIT)] | None = Field(
        None, description="Measurement: a number; pass_fail: pass or fail; text: any")
    note: str | None = Field(None, max_length=10000)


class LaborCreate(Payload):
    user_id: str | None = Field(None, description="Who did the work (default: the caller)")
    minutes: int = Field(gt=0, le=24 * 60)
    note: str | None = Field(None, max_length=10000)
    performed_at: UtcDateTime | None = Field(None, description="Default: now")


class LaborOut(Out):
    id: str
    work_order_id: str
    user_id: str
    minutes: int
    cost: MoneyOut = Field(Decimal("0"), description="minutes at the person's hourly rate when booked")
    note: str | None
    performed_at: UtcOut
    created_by: str | None
    created_at: UtcOut


class LaborList(Out):
    entries: list[LaborOut]
    actual_duration: int = Field(description="Sum of the minutes of all entries")


class DaysQuery(Query):
    days: int = Field(30, ge=1, le=3650, description="Window: the last N days up to now")


# PM compliance's grace rules (services/reporting/kpis.py PM_GRACE): the warehouse's setting and the
# query parameter overriding it.
PmGrace = Literal["dueDate", "oneDay", "tenPercent", "smrp"]
PM_GRACE_DESCRIPTION = (
    "PM compliance's grace: dueDate (completed by the due date), oneDay (within 24 h after it), tenPercent "
    "(within 10 % of the PM's interval after it), smrp (within 20 % of the interval, at most 28 days: SMRP). "
    "Exactly at the boundary is on time. Interval: a calendar PM's frequency in days; a meter PM's leadDays")


class ScopeQuery(DaysQuery):
    """The window, and the asset (with or without the assets below it) the figures are limited to."""

    equipment_id: str | None = Field(None, max_length=64, description=(
        "Only this asset's figures (its work orders, downtime, labor, parts); another warehouse's asset is a 404"))
    include_children: bool = Field(False, description=(
        "With equipmentId: the asset and every asset below it (parentId), rolled up as one fleet"))

    @model_validator(mode="after")
    def _children_of_something(self) -> ScopeQuery:
        if self.include_children and self.equipment_id is None:
            raise ValueError("includeChildren needs equipmentId")
        return self


class ComplianceQuery(ScopeQuery):
    """GET /api/pm-compliance."""

    pm_grace: PmGrace | None = Field(None, description=PM_GRACE_DESCRIPTION + ". Default: the warehouse's "
                                                                             "pmGrace (GET /api/warehouse)")


class ComplianceCounts(Out):
    due: int
    completed_on_time: int
    completed_late: int
    overdue: int
    open: int
    compliance: float | None


class ComplianceByTemplate(ComplianceCounts):
    template_id: str
    name: str


class ComplianceByEquipment(ComplianceCounts):
    equipment_id: str | None
    asset_tag: str | None


class ComplianceOut(ComplianceCounts):
    days: int
    from_: UtcOut = Field(alias="from")
    to: UtcOut
    pm_grace: PmGrace = Field("dueDate", description="The grace rule the counts use: " + PM_GRACE_DESCRIPTION)
    equipment_id: str | None = Field(None, description="The asset the counts are limited to (null: the warehouse)")
    include_children: bool = Field(False, description="Whether the assets below equipmentId are included")
    cancelled: int
    by_template: list[ComplianceByTemplate]
    by_equipment: list[ComplianceByEquipment]
