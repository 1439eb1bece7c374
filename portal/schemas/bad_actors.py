"""GET /api/kpis/bad-actors: the assets that cost, stop and fail the most, and the Pareto of failure
modes (definitions in services/reporting/bad_actors.py and docs/decisions.md)."""
from __future__ import annotations

from pydantic import Field

from portal.schemas.common import MoneyOut, Out, Query, UtcOut


class BadActorsQuery(Query):
    days: int = Field(365, ge=1, le=3650, description="Window: the last N days up to now (default a year)")
    limit: int = Field(5, ge=1, le=50, description="Assets in each ranking (default 5, at most 50)")
    equipment_class: str | None = Field(None, min_length=1, max_length=60, description=(
        "Only assets of this equipment class (as equipment's equipmentClass); the Pareto too"))


class FailureModeCountOut(Out):
    code: str
    label: str = Field(description="The catalogue's label (the code itself when the catalogue no longer has it)")
    count: int = Field(description="The asset's coded failures with this mode in the window")


class BadActorOut(Out):
    equipment_id: str
    asset_tag: str
    equipment_class: str | None
    downtime_hours: float = Field(description="Unplanned downtime clipped to the window")
    failures: int = Field(description="Unplanned downtime periods starting in the window")
    failure_work_orders: int = Field(description=(
        "Corrective and emergency work orders created in the window, not cancelled, with a failure mode"))
    labor_cost: MoneyOut = Field(description="Labor entries' cost performed in the window on its work orders")
    parts_cost: MoneyOut = Field(description="Part consumptions' totalCost consumed in the window on its work orders")
    cost: MoneyOut = Field(description="laborCost + partsCost")
    top_failure_modes: list[FailureModeCountOut] = Field(description="Why: its most frequent failure modes (at most 3)")


class ParetoItemOut(Out):
    code: str
    label: str
    count: int
    share: float = Field(description="count / total x 100, two places")
    cumulative_share: float = Field(description="The shares of this code and all before it, two places")
    vital_few: bool = Field(description="Before or at the code whose cumulative share reaches 80 %")


class ParetoOut(Out):
    total: int = Field(description="Coded failures counted")
    vital_few: int = Field(description="How many codes make the vital few")
    uncoded: int = Field(description=(
        "pareto: completed corrective/emergency work orders of the window without a failure mode; causePareto: "
        "coded failures without a cause"))
    items: list[ParetoItemOut] = Field(description="Most frequent first, ties by code")


class BadActorsOut(Out):
    days: int
    from_: UtcOut = Field(alias="from")
    to: UtcOut
    limit: int
    equipment_class: str | None
    by_downtime: list[BadActorOut] = Field(description="Most downtime, then most failures, then asset tag")
    by_failures: list[BadActorOut] = Field(description="Most failures, then most downtime, then asset tag")
    by_cost: list[BadActorOut] = Field(description="Highest cost, then asset tag")
    pareto: ParetoOut = Field(description="Failure modes of the coded failures")
    cause_pareto: ParetoOut = Field(description="Failure causes of the coded failures")
