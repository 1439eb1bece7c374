"""Maintenance KPIs: the response of GET /api/kpis (definitions in services/reporting/kpis.py and the README)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from portal.schemas.common import MoneyOut, Out, PageQuery, Query, UtcOut
from portal.schemas.pm import PM_GRACE_DESCRIPTION, ComplianceQuery, PmGrace
from portal.services.reporting.kpis import ASSET_LIMIT_DEFAULT, ASSET_LIMIT_MAX, FIGURES, MTTR_BASES

MttrBasis = Literal["failureToRestore", "repairStartToRestore"]
MTTR_BASIS_DESCRIPTION = "; ".join(f"{name}: {text}" for name, text in MTTR_BASES.items())


def with_formula(key: str) -> str:
    """A figure's definition and its formula, for the OpenAPI description of its field."""
    return f"{FIGURES[key].definition} Formula: {FIGURES[key].formula}."


class KpisQuery(ComplianceQuery):
    """GET /api/kpis: the window, the scope (one asset, its subtree), the MTTR basis, the PM grace rule
    and how many per-asset rows."""

    mttr_basis: MttrBasis = Field("failureToRestore", description="MTTR's clock: " + MTTR_BASIS_DESCRIPTION)
    asset_limit: int = Field(ASSET_LIMIT_DEFAULT, ge=1, le=ASSET_LIMIT_MAX, description=(
        "At most this many rows in `assets` (the assets with downtime in the window, most downtime first)"))


class BacklogOut(Out):
    open: int = Field(description="Open work orders (new, assigned, in_progress, on_hold)")
    estimated_hours: float = Field(description="Sum of their estimatedDuration, in hours")
    unestimated: int = Field(description="Open work orders without an estimate")
    overdue: int = Field(description="Open work orders whose due date has passed")


class WeekOut(Out):
    week_start: UtcOut = Field(description="Monday 00:00 UTC")
    opened: int
    completed: int


class AssetKpiOut(Out):
    equipment_id: str
    asset_tag: str
    failures: int = Field(description="Unplanned downtime periods starting in the window")
    repairs: int = Field(description="Unplanned downtime periods ended in the window")
    downtime_hours: float = Field(description="Recorded downtime periods clipped to the window, overlaps merged")
    operating_hours: float = Field(description="Window length - downtime")
    mtbf_hours: float | None = Field(description="operatingHours / failures")
    mttr_hours: float | None = Field(description="Mean length of its downtime periods that ended in the window")
    availability: float | None = Field(description="operatingHours / window length x 100")
    labor_minutes: int
    parts_cost: MoneyOut
    planned_stops: int = Field(0, description="Planned downtime periods starting in the window (not failures)")
    planned_downtime_hours: float = Field(0, description="Planned downtime clipped to the window, overlaps merged")


class KpisOut(Out):
    days: int
    from_: UtcOut = Field(alias="from")
    to: UtcOut
    equipment_id: str | None = Field(None, description="The asset the figures are limited to (null: the warehouse)")
    include_children: bool = Field(False, description="Whether the assets below equipmentId are rolled up with it")
    mttr_hours: float | None = Field(description=with_formula("mttr_hours"))
    repairs: int = Field(description="Unplanned downtime periods ended in the window")
    mttr_basis: MttrBasis = Field("failureToRestore", description="The clock mttrHours uses: " + MTTR_BASIS_DESCRIPTION)
    mttr_repairs: int = Field(0, description=(
        "The repairs mttrHours is the mean of: all repairs (failureToRestore), or those whose work order "
        "recorded a repair start (repairStartToRestore)"))
    mean_response_hours: float | None = Field(None, description=(
        "Mean response time: Σ (the work order's first response - the failure) ÷ responses, over the repairs "
        "whose work order recorded a response (it left `new`); null without any"))
    responses: int = Field(0, description="The repairs meanResponseHours is the mean of")
    mtbf_hours: float | None = Field(description=with_formula("mtbf_hours"))
    failures: int = Field(description="Unplanned downtime periods starting in the window")
    assets_in_service: int = Field(0, description="Non-retired assets in scope: the fleet MTBF and availability count them")
    operating_hours: float = Field(description="assetsInService x window hours - their unplanned downtime hours")
    availability: float | None = Field(description=with_formula("availability"))
    planned_stops: int = Field(0, description="Planned downtime periods (reason code planned) starting in the window")
    planned_downtime_hours: float = Field(0, description=with_formula("planned_downtime_hours"))
    planned_maintenance_percentage: float | None = Field(description=with_formula("planned_maintenance_percentage"))
    preventive_labor_minutes: int
    labor_minutes: int
    pm_compliance: float | None = Field(None, description=with_formula("pm_compliance"))
    pm_due: int = Field(0, description="PM work orders due in the window (cancelled left out): GET /api/pm-compliance due")
    pm_completed_on_time: int = Field(0, description="Those completed by their due date + grace")
    pm_grace: PmGrace = Field("dueDate", description="The grace rule pmCompliance uses: " + PM_GRACE_DESCRIPTION)
    backlog: BacklogOut = Field(description=FIGURES["backlog"].definition)
    work_orders_per_week: list[WeekOut]
    assets: list[AssetKpiOut] = Field(description=(
        "One row per asset with downtime (planned or unplanned) in the window, most unplanned downtime first "
        "(then failures, planned downtime, asset tag), at most assetLimit rows; assets without downtime are "
        "not listed (their labor and parts count in the fleet figures)"))
    assets_with_downtime: int = Field(0, description="How many assets had downtime in the window (rows before assetLimit)")
    asset_limit: int = Field(ASSET_LIMIT_DEFAULT, description="The assetLimit applied to `assets`")
    top_assets: list[AssetKpiOut] = Field(description="Top 5 assets by downtime, then failures")


class TrendWeekOut(Out):
    week_start: UtcOut = Field(description="Monday 00:00 UTC; the first week holds the window's start")
    opened: int = Field(description="Work orders created that week (inside the window)")
    completed: int = Field(description="Work orders completed that week (inside the window)")
    pm_due: int = Field(description="PM work orders (from a template) due that week, cancelled ones left out")
    pm_completed_on_time: int = Field(description="Those of pmDue completed by their due date")
    pm_compliance: float | None = Field(
        description="pmCompletedOnTime / pmDue x 100, two places; null when no PM was due that week")


class TrendsOut(Out):
    days: int
    from_: UtcOut = Field(alias="from")
    to: UtcOut
    weeks: list[TrendWeekOut] = Field(
        description="Every week of the window in order; a week without work orders has zeros, not a gap")


PERIODS = (7, 30, 90, 365)


class DashboardQuery(Query):
    """The portal's /kpis period selector (only the periods it offers) and its filter: one asset by its
    tag (with the assets below it), MTTR's basis, the PM grace rule (the warehouse's when not given)."""

    days: int = Field(30, description="Period: the last 7, 30, 90 or 365 days",
                      json_schema_extra={"enum": list(PERIODS)})
    asset: str | None = Field(None, max_length=64, description="An asset tag: only its figures")
    children: bool = Field(False, description="With asset: the assets below it too")
    mttr_basis: MttrBasis = Field("failureToRestore")
    pm_grace: PmGrace | None = None

    @field_validator("days")
    @classmethod
    def _offered(cls, value: int) -> int:
        if value not in PERIODS:
            raise ValueError("Choose 7, 30, 90 or 365 days")
        return value


KPI_RECORD_FIGURES = ("mttr_hours", "mtbf_hours", "availability", "planned_maintenance_percentage",
                      "pm_compliance", "backlog",
                      # The weekly plan's (GET /api/kpis/planning; services/planning/records.py).
                      "schedule_compliance", "break_in_share", "planned_work_percent", "backlog_crew_weeks")


class KpiRecordsQuery(PageQuery):
    """GET /api/kpis/{name}/records: the window of GET /api/kpis, an outcome filter, the usual paging."""

    days: int = Field(30, ge=1, le=3650, description="Window: the last N days up to now (as GET /api/kpis)")
    outcome: str | None = Field(None, description=(
        "pmCompliance: on_time, late, open or overdue; backlog: overdue; plannedMaintenancePercentage: "
        "preventive or other; scheduleCompliance: done or not_done; plannedWorkPercent: planned or unplanned; "
        "backlogCrewWeeks: unestimated"))


class KpiRecordOut(Out):
    """One record behind a figure: a downtime period (mttrHours, mtbfHours, availability), a work order
    (pmCompliance, backlog, plannedMaintenancePercentage, plannedWorkPercent, backlogCrewWeeks) or an item of
    a frozen weekly plan (scheduleCompliance, breakInShare); the other kinds' fields are null."""

    kind: str = Field(description="downtime_period, work_order or schedule_item", json_schema_extra={
        "enum": ["downtime_period", "work_order", "schedule_item"]})
    id: str
    equipment_id: str | None
    asset_tag: str | None
    started_at: UtcOut | None = Field(None, description="Downtime: when the asset went down")
    ended_at: UtcOut | None = Field(None, description="Downtime: when it came back up; null while still down")
    hours: float | None = Field(None, description="Downtime: the period's length (to now while still down)")
    hours_in_period: float | None = Field(None, description="Downtime: the part inside the window")
    reason: str | None = None
    work_order_id: str | None = Field(None, description="Downtime: the work order that took the asset down")
    fo_number: str | None = None
    title: str | None = None
    type: str | None = None
    status: str | None = None
    priority: str | None = None
    due_date: UtcOut | None = None
    completed_at: UtcOut | None = None
    outcome: str | None = Field(None, description=(
        "Work orders: on_time, late, open or overdue (pmCompliance), open or overdue (backlog), preventive or "
        "other (plannedMaintenancePercentage), planned or unplanned (plannedWorkPercent), estimated or "
        "unestimated (backlogCrewWeeks); schedule items: done or not_done (scheduleCompliance), break_in"))
    labor_minutes: int | None = Field(None, description=(
        "plannedMaintenancePercentage, plannedWorkPercent: minutes performed in the window"))
    planned_minutes: int | None = Field(None, description=(
        "plannedWorkPercent: of laborMinutes, those performed within the week of a frozen plan holding the work order"))
    estimated_duration: int | None = Field(None, description="backlogCrewWeeks: the estimate in minutes (null: none)")
    week_start: UtcOut | None = Field(None, description="Schedule item: its plan's Monday 00:00 UTC")
    day: date | None = Field(None, description="Schedule item: the day it was planned for")
    technician: str | None = Field(None, description="Schedule item: who it was given to")
    break_in: bool | None = Field(None, description="Schedule item: added after the plan's freeze")
