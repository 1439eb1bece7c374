"""Maintenance KPIs: the response of GET /api/kpis (definitions in services/kpis.py and the README)."""
from __future__ import annotations

from pydantic import Field

from .common import MoneyOut, Out, UtcOut


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
    failures: int = Field(description="Corrective/emergency work orders reported in the window")
    repairs: int = Field(description="Failures completed in the window")
    downtime_hours: float = Field(description="Recorded downtime periods clipped to the window, overlaps merged")
    operating_hours: float = Field(description="Window length - downtime")
    mtbf_hours: float | None = Field(description="operatingHours / failures")
    mttr_hours: float | None = Field(description="Mean length of its downtime periods that ended in the window")
    availability: float | None = Field(description="operatingHours / window length x 100")
    labor_minutes: int
    parts_cost: MoneyOut


class KpisOut(Out):
    days: int
    from_: UtcOut = Field(alias="from")
    to: UtcOut
    mttr_hours: float | None = Field(description="Total length of downtime periods ended in the window / their count")
    repairs: int
    mtbf_hours: float | None = Field(description="operatingHours / failures")
    failures: int = Field(description="Corrective/emergency work orders (not cancelled) reported in the window")
    operating_hours: float = Field(description="Sum over non-retired assets of (window - downtime)")
    availability: float | None = Field(description="operatingHours / window length x 100")
    planned_maintenance_percentage: float | None = Field(description="preventiveLaborMinutes / laborMinutes x 100")
    preventive_labor_minutes: int
    labor_minutes: int
    backlog: BacklogOut
    work_orders_per_week: list[WeekOut]
    assets: list[AssetKpiOut]
    top_assets: list[AssetKpiOut] = Field(description="Top 5 assets by downtime, then failures")
