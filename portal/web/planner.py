"""`/planner`: the weekly plan (services/planning/schedules.py).

One page per week (`?week=YYYY-MM-DD`, default: the coming week): the crew's capacity per day net of
absences with what is scheduled on it, the backlog (ready work first) with a "day and person" select
and a Schedule button on each work order (static/js/planner.js adds drag and drop onto the days: it
fills the same select and presses the same button), the freeze, and the crew's weekly hours and
absences. Every form posts and redirects back to the week (no JavaScript needed).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from pydantic import ValidationError

from portal.models.types import utcnow
from portal.schemas.planning import AbsenceCreate, ScheduleCreate, ScheduleItemCreate, WeeklyHoursUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError
from portal.services.identity.permissions import can, require
from portal.services.planning import schedules as service
from portal.web.blueprint import web
from portal.web.rendering import render

# Words for the fields a refusal names (never a validator's sentence).
FIELD_WORDS = {"hours": "Enter the hours: more than 0, at most 24", "slot": "Pick a day and a person",
               "startDate": "Enter the first and last day away", "endDate": "The last day away cannot be before the first",
               "reason": "Say why (holiday, training...)", "weeklyHours": "Enter the weekly hours: 0 to 80"}


def _week(value: str | None) -> date:
    try:
        return service.monday_of(date.fromisoformat(value or ""))
    except ValueError:
        return service.monday_of(utcnow().date()) + timedelta(days=7)  # the coming week


def _actor() -> Actor:
    actor = Actor.of(current_user.user)
    require(actor, "schedules.read")
    return actor


@web.get("/planner")
@login_required
def planner() -> Response:
    actor = _actor()
    week = _week(request.args.get("week"))
    plan = service.find_week(actor, week)
    view = service.get_schedule(actor, plan.id) if plan else None
    people = view.people if view else service.planned_people(actor.warehouse_id)
    cap = view.capacity if view else service.capacity(actor.warehouse_id, week, people)
    days = service.week_days(week)
    cells: dict[tuple[str, date], list] = {}
    for item in (view.items if view else []):
        cells.setdefault((item.user_id, item.day), []).append(item)
    backlog = service.backlog(actor, week)
    names = {p.id: p.name or p.email for p in people}
    slots = [(f"{d.isoformat()}|{p.id}", f"{d:%a} {d.day} {d:%b} · {names[p.id]}")
             for d in days if d.weekday() < service.WORKDAYS for p in people]
    this_week = service.monday_of(utcnow().date())
    available = round(sum(sum(hours.values()) for hours in cap.values()), 2)
    return render("planner/index.html", week=week, summary=view.as_out() if view else None, available=available,
                  days=days, plan=plan, view=view, people=people, cap=cap,
                  cells=cells, backlog=backlog, slots=slots, names=names, manage=can(actor, "schedules.manage"),
                  absences=service.list_absences(actor, since=week - timedelta(days=7)) if can(actor, "schedules.manage") else [],
                  previous=week - timedelta(days=7), following=week + timedelta(days=7), this_week=this_week,
                  wos={r.work_order.id: r.work_order for r in backlog} | (view.work_orders if view else {}))


def _refused(exc: Exception, bad_number: str) -> str:
    """Words for a refused form: the field's own words, or the service's message (403 and 404 stay
    error pages)."""
    if isinstance(exc, ValidationError):
        fields = [str(e["loc"][0]) for e in exc.errors() if e["loc"]]
        return next((FIELD_WORDS[f] for f in fields if f in FIELD_WORDS), "Check the form and try again")
    if not isinstance(exc, DomainError):  # float("2h"): a number that is not one
        return FIELD_WORDS[bad_number]
    if exc.status in (403, 404):
        raise exc
    return exc.errors[0]["message"] if exc.errors else exc.message


def _posted(week: str, act: Callable[[Actor, date], object], done: Callable[[object], str],
            bad_number: str = "hours") -> Response:
    """Run one form's action for the week; flash what happened (or why not) and go back to the week."""
    actor, monday = _actor(), _week(week)
    try:
        result = act(actor, monday)
    except (ValueError, DomainError) as exc:  # pydantic's ValidationError is a ValueError
        flash(_refused(exc, bad_number), "error")
    else:
        flash(done(result), "success")
    return redirect(url_for("web.planner", week=monday.isoformat()), 303)


def _plan_id(actor: Actor, week: date) -> str:
    view, _ = service.create_schedule(actor, ScheduleCreate.model_validate({"weekStart": week.isoformat()}))
    return view.schedule.id


def _number(name: str) -> float | None:
    raw = request.form.get(name, "").strip().replace(",", ".")  # the decimal comma of the plant
    return float(raw) if raw else None


@web.post("/planner/<week>/items")
@login_required
def planner_add_item(week: str) -> Response:
    def act(actor: Actor, monday: date) -> object:
        day, _, person = request.form.get("slot", "").partition("|")
        hours = _number("hours")
        data = ScheduleItemCreate.model_validate({
            "workOrderId": request.form.get("workOrderId", ""), "userId": person or "-", "day": day or "-",
            **({"hours": hours} if hours is not None else {})})
        return service.add_item(actor, _plan_id(actor, monday), data)

    return _posted(week, act, lambda item: "Scheduled as break-in work: the plan was frozen."
                   if item.break_in else "Scheduled.")


@web.post("/planner/<week>/items/<item_id>/remove")
@login_required
def planner_remove_item(week: str, item_id: str) -> Response:
    def act(actor: Actor, monday: date) -> None:
        plan = service.find_week(actor, monday)
        service.remove_item(actor, plan.id if plan else "-", item_id)

    return _posted(week, act, lambda _: "Taken off the plan.")


@web.post("/planner/<week>/freeze")
@login_required
def planner_freeze(week: str) -> Response:
    return _posted(week, lambda actor, monday: service.freeze(actor, _plan_id(actor, monday)),
                   lambda _: "The plan is frozen: work added from now on is break-in work.")


@web.post("/planner/<week>/crew/<user_id>/hours")
@login_required
def planner_weekly_hours(week: str, user_id: str) -> Response:
    return _posted(week, lambda actor, _: service.set_weekly_hours(actor, user_id, WeeklyHoursUpdate.model_validate(
        {"weeklyHours": _number("weeklyHours")})), lambda _: "Weekly hours saved.", bad_number="weeklyHours")


@web.post("/planner/<week>/absences")
@login_required
def planner_add_absence(week: str) -> Response:
    fields = ("userId", "startDate", "endDate", "reason")
    return _posted(week, lambda actor, _: service.add_absence(actor, AbsenceCreate.model_validate(
        {k: request.form.get(k, "") for k in fields})), lambda _: "Absence recorded.")


@web.post("/planner/<week>/absences/<absence_id>/remove")
@login_required
def planner_remove_absence(week: str, absence_id: str) -> Response:
    return _posted(week, lambda actor, _: service.remove_absence(actor, absence_id), lambda _: "Absence removed.")
