"""Maintenance KPIs: the response of GET /api/kpis (definitions in services/reporting/kpis.py and the README)."""
from __future__ import annotations

from datetime import date

from pydantic import Field, field_validator

from portal.schemas.common import MoneyOut, Out, PageQuery, Query, UtcOut
from portal.services.reporting.kpis import FIGURES


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
    mttr_hours: float | None = Field(description=FIGURES["mttr_hours"].definition)
    repairs: int
    mtbf_hours: float | None = Field(description=FIGURES["mtbf_hours"].definition)
    failures: int = Field(description="Unplanned downtime periods starting in the window")
    operating_hours: float = Field(description="Sum over non-retired assets of (window - downtime)")
    availability: float | None = Field(description=FIGURES["availability"].definition)
    planned_stops: int = Field(0, description="Planned downtime periods (reason code planned) starting in the window")
    planned_downtime_hours: float = Field(0, description=FIGURES["planned_downtime_hours"].definition)
    planned_maintenance_percentage: float | None = Field(
        description=FIGURES["planned_maintenance_percentage"].definition)
    preventive_labor_minutes: int
    labor_minutes: int
    backlog: BacklogOut
    work_orders_per_week: list[WeekOut]
    assets: list[AssetKpiOut]
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
    """The portal's /kpis period selector: only the periods it offers."""

    days: int = Field(30, description="Period: the last 7, 30, 90 or 365 days",
                      json_schema_extra={"enum": list(PERIODS)})

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
