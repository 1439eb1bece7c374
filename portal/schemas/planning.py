"""The weekly plan's payloads: schedules, their items, technicians' weekly hours and absences."""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, model_validator

from portal.schemas.common import Out, Payload, Query, UtcOut

# Dates are calendar days (YYYY-MM-DD): JSON has no date type, so the strict payloads accept the text.
DAY = {"strict": False}


class ScheduleCreate(Payload):
    """A week's plan: weekStart is any day of it (the Monday of that week is stored)."""

    week_start: date = Field(description="A day of the week (YYYY-MM-DD); the plan starts on its Monday", **DAY)


class ScheduleQuery(Query):
    week_start: date | None = Field(None, description="Only the plan of the week holding this day (YYYY-MM-DD)")


class ScheduleItemCreate(Payload):
    work_order_id: str = Field(min_length=1, max_length=36, description="An open work order of the warehouse")
    user_id: str = Field(min_length=1, max_length=36, description=(
        "The technician (or manager) who does it; technicianId is accepted as its other name"))
    day: date = Field(description="A day of the plan's week (YYYY-MM-DD)", **DAY)
    hours: float | None = Field(None, gt=0, le=24, description=(
        "Planned hours; default: the work order's estimatedDuration in hours (400 without one)"))

    @model_validator(mode="before")
    @classmethod
    def _technician_id(cls, data: Any) -> Any:
        # The trade says technician: technicianId is the same field as userId (not both).
        if isinstance(data, dict) and "technicianId" in data and "userId" not in data:
            data = {**data, "userId": data["technicianId"]}
            del data["technicianId"]
        return data


class WeeklyHoursUpdate(Payload):
    weekly_hours: float = Field(ge=0, le=80, description="Hours a week the person is planned for (default 40)")


class WeeklyHoursOut(Out):
    user_id: str
    name: str | None
    weekly_hours: float


class AbsenceCreate(Payload):
    user_id: str = Field(min_length=1, max_length=36)
    start_date: date = Field(description="First day away (YYYY-MM-DD)", **DAY)
    end_date: date = Field(description="Last day away, included (YYYY-MM-DD)", **DAY)
    reason: str = Field(min_length=1, max_length=120, description="Holiday, training, sick leave...")


class AbsenceQuery(Query):
    user_id: str | None = None


class AbsenceOut(Out):
    id: str
    user_id: str
    start_date: date
    end_date: date
    reason: str
    created_at: UtcOut


class ScheduleItemOut(Out):
    id: str
    work_order_id: str
    user_id: str
    technician_id: str = Field(description="The same as userId")
    day: date
    hours: float
    break_in: bool = Field(description="Added after the plan was frozen: break-in work, reported apart")
    created_by: str | None
    created_at: UtcOut


class TechnicianCapacity(Out):
    user_id: str
    name: str
    weekly_hours: float
    days: dict[str, float] = Field(description="Hours available per day (YYYY-MM-DD), absences taken off")
    available_hours: float = Field(description="The week's hours net of absences")
    scheduled_hours: float


class ScheduleOut(Out):
    id: str
    week_start: date
    week_end: date = Field(description="The Sunday of the week")
    frozen: bool
    frozen_at: UtcOut | None
    frozen_by: str | None
    created_at: UtcOut
    items: list[ScheduleItemOut]
    scheduled_hours: float = Field(description="Sum of the items' hours, break-in included")
    break_in_hours: float
    capacity: list[TechnicianCapacity] = Field(description="Per technician: hours per day net of absences")


class PlanningKpisOut(Out):
    days: int
    from_: UtcOut = Field(alias="from")
    to: UtcOut
    weeks: int = Field(description="Frozen plans whose week started in the window")
    scheduled_hours: float = Field(description="Hours on those frozen plans, break-in left out")
    done_as_scheduled_hours: float
    schedule_compliance: float | None
    break_in_hours: float
    break_in_share: float | None
    planned_labor_minutes: int
    labor_minutes: int
    planned_work_percent: float | None
    open_estimated_hours: float
    crew_weekly_hours: float
    backlog_crew_weeks: float | None
    definitions: dict[str, str] = Field(description="The formula of each figure, in words")
