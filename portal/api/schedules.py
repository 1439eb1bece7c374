"""The weekly plan: /api/schedules (a week's plan, its items, its freeze), the crew's weekly hours
(/api/users/{id}/weekly-hours) and absences (/api/absences), and its KPIs (/api/kpis/planning)."""
from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, query_args
from portal.schemas.planning import (
    AbsenceCreate,
    AbsenceOut,
    AbsenceQuery,
    PlanningKpisOut,
    ScheduleCreate,
    ScheduleItemCreate,
    ScheduleItemOut,
    ScheduleOut,
    ScheduleQuery,
    WeeklyHoursOut,
    WeeklyHoursUpdate,
)
from portal.schemas.pm import DaysQuery
from portal.services.planning import kpis as planning_kpis
from portal.services.planning import schedules as service

PLAN_RULES = (
    "A week runs Monday to Sunday. Capacity per technician and day = weeklyHours / 5 on Monday to Friday, "
    "0 at the weekend and on the days of an absence. Items added to a frozen plan are break-in work "
    "(breakIn true); items of a frozen plan cannot be removed (409).")


@api.get("/schedules")
@documented(summary="The weekly plans", query=ScheduleQuery, response=list[ScheduleOut],
            permission="schedules.read",
            description="Newest week first (the last 52 plans); with weekStart, the plan of that week only (an "
                        "empty list when it has none). " + PLAN_RULES)
def list_schedules():
    query = query_args(ScheduleQuery)
    return jsonify([ScheduleOut.model_validate(v.as_out()).model_dump(mode="json", by_alias=True)
                    for v in service.list_schedules(actor(), week_start=query.week_start)])


@api.post("/schedules")
@documented(summary="Start the plan of a week", body=ScheduleCreate, response=ScheduleOut, status=201,
            permission="schedules.manage",
            other_responses={200: "The week had its plan already: that one"},
            description="weekStart may be any day of the week: the plan starts on its Monday. " + PLAN_RULES)
def create_schedule():
    view, created = service.create_schedule(actor(), json_body(ScheduleCreate))
    return jsonify(ScheduleOut.dump(view.as_out())), 201 if created else 200


@api.get("/schedules/<schedule_id>")
@documented(summary="A weekly plan with its items and the crew's capacity", response=ScheduleOut,
            permission="schedules.read", description=PLAN_RULES)
def get_schedule(schedule_id: str):
    return jsonify(ScheduleOut.dump(service.get_schedule(actor(), schedule_id).as_out()))


@api.post("/schedules/<schedule_id>/items")
@documented(summary="Schedule hours of a work order onto a day and a technician", body=ScheduleItemCreate,
            response=ScheduleItemOut, status=201, permission="schedules.manage",
            description="The work order must be open (a closed one answers 409) and of the warehouse; the person "
                        "an active technician or manager of it; the day one of the plan's week (400 otherwise). "
                        "Without hours, the work order's estimatedDuration is used. On a frozen plan the item is "
                        "break-in work (breakIn true). A work order may be split over several items.")
def add_schedule_item(schedule_id: str):
    item = service.add_item(actor(), schedule_id, json_body(ScheduleItemCreate))
    return jsonify(ScheduleItemOut.dump(service.item_out(item))), 201


@api.delete("/schedules/<schedule_id>/items/<item_id>")
@documented(summary="Take an item off a plan that is not frozen", status=204, permission="schedules.manage",
            description="A frozen plan's items stay (409): compliance is measured against them.")
def remove_schedule_item(schedule_id: str, item_id: str):
    service.remove_item(actor(), schedule_id, item_id)
    return "", 204


@api.post("/schedules/<schedule_id>/freeze")
@documented(summary="Freeze a weekly plan", response=ScheduleOut, permission="schedules.manage",
            description="Once: a frozen plan answers 409. Work added afterwards is break-in work. Records the "
                        "schedule.frozen event.")
def freeze_schedule(schedule_id: str):
    return jsonify(ScheduleOut.dump(service.freeze(actor(), schedule_id).as_out()))


@api.put("/users/<user_id>/weekly-hours")
@documented(summary="Set a person's weekly hours (the plan's capacity)", body=WeeklyHoursUpdate, response=WeeklyHoursOut,
            permission="schedules.manage", description="Default 40; spread over Monday to Friday.")
def set_weekly_hours(user_id: str):
    user = service.set_weekly_hours(actor(), user_id, json_body(WeeklyHoursUpdate))
    return jsonify(WeeklyHoursOut.dump({"user_id": user.id, "name": user.name, "weekly_hours": float(user.weekly_hours)}))


@api.get("/absences")
@documented(summary="The crew's absences", query=AbsenceQuery, response=list[AbsenceOut],
            permission="schedules.read", description="Oldest first; userId filters one person's.")
def list_absences():
    query = query_args(AbsenceQuery)
    return jsonify(AbsenceOut.dump_many(service.list_absences(actor(), user_id=query.user_id)))


@api.post("/absences")
@documented(summary="Record an absence (both days included)", body=AbsenceCreate, response=AbsenceOut, status=201,
            permission="schedules.manage",
            description="The person's capacity is 0 on those days. endDate before startDate answers 400.")
def add_absence():
    return jsonify(AbsenceOut.dump(service.add_absence(actor(), json_body(AbsenceCreate)))), 201


@api.delete("/absences/<absence_id>")
@documented(summary="Remove an absence", status=204, permission="schedules.manage")
def remove_absence(absence_id: str):
    service.remove_absence(actor(), absence_id)
    return "", 204


@api.get("/kpis/planning")
@documented(summary="The weekly plan's KPIs over the last `days` days", query=DaysQuery, response=PlanningKpisOut,
            permission="kpis.read", description=planning_kpis.DESCRIPTION)
def get_planning_kpis():
    return jsonify(PlanningKpisOut.dump(planning_kpis.planning_kpis(actor(), query_args(DaysQuery).days)))
