"""The weekly plan: capacity net of absences, schedules, the freeze and break-in work, its KPIs
(hand-computed), tenancy and permissions, through the services and the API."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.models import LaborEntry, User, WorkOrder
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.planning import AbsenceCreate, ScheduleCreate, ScheduleItemCreate, WeeklyHoursUpdate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.services.planning import kpis, schedules
from portal.services.work_orders import lifecycle

MONDAY = date(2026, 11, 30)


def at(day: int, hour: int = 10, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def order(actor, title: str, minutes: int | None) -> str:
    return lifecycle.create_work_order(actor, WorkOrderCreate.model_validate(
        {"title": title, **({"estimatedDuration": minutes} if minutes else {})})).id


def item(actor, plan_id: str, wo: str, user, day: date, hours: float | None = None):
    body = {"workOrderId": wo, "userId": user.id, "day": day.isoformat(), **({"hours": hours} if hours else {})}
    return schedules.add_item(actor, plan_id, ScheduleItemCreate.model_validate(body))


def test_capacity_is_weekly_hours_over_weekdays_net_of_absences(app, users):
    manager = users.actor("north", "manager")
    tech, tech2 = users["north"]["technician"], users["north"]["technician2"]
    schedules.set_weekly_hours(manager, tech2.id, WeeklyHoursUpdate.model_validate({"weeklyHours": 30}))
    schedules.add_absence(manager, AbsenceCreate.model_validate(
        {"userId": tech.id, "startDate": "2026-11-27", "endDate": "2026-12-01", "reason": "Holiday"}))
    cap = schedules.capacity(users["north"]["manager"].warehouse_id, MONDAY)
    assert [cap[tech.id][d] for d in schedules.week_days(MONDAY)] == [0, 0, 8, 8, 8, 0, 0]
    assert [cap[tech2.id][d] for d in schedules.week_days(MONDAY)] == [6, 6, 6, 6, 6, 0, 0]
    # The crew: technicians only (24 + 30), not the manager who may also be planned.
    assert schedules.crew_weekly_hours(tech.warehouse_id, MONDAY) == 54
    with pytest.raises(ValidationFailed):
        schedules.add_absence(manager, AbsenceCreate.model_validate(
            {"userId": tech.id, "startDate": "2026-12-02", "endDate": "2026-12-01", "reason": "Typo"}))
    with pytest.raises(ValidationFailed):  # another warehouse's person is not one of ours
        schedules.add_absence(manager, AbsenceCreate.model_validate(
            {"userId": users["south"]["technician"].id, "startDate": "2026-12-01", "endDate": "2026-12-01",
             "reason": "Holiday"}))
    with pytest.raises(Forbidden):
        schedules.set_weekly_hours(users.actor("north", "technician"), tech.id, WeeklyHoursUpdate.model_validate({"weeklyHours": 1}))


def test_crew_hours_are_capacity_summed_over_the_active_technicians(app, users):
    """crew_weekly_hours() sums, by distinct weekly hours, what capacity() gives each technician: odd
    weekly hours (their fifths rounded to the hundredth), whole ones not a multiple of five, days away
    (a weekend day of them counts nothing), an inactive technician and an absent manager left out."""
    manager = users.actor("north", "manager")
    north = users["north"]
    wid = north["manager"].warehouse_id
    for who, hours in (("technician", 37.37), ("technician2", 37), ("manager", 12.34)):
        schedules.set_weekly_hours(manager, north[who].id, WeeklyHoursUpdate.model_validate({"weeklyHours": hours}))
    with unit_of_work() as s:
        idle = User(email="idle@north.example.com", name="Idle", role="technician", warehouse_id=wid, active=False,
                    password_hash="x", totp_secret="JBSWY3DPEHPK3PXP")
        odd = User(email="odd@north.example.com", name="Odd", role="technician", warehouse_id=wid,
                   password_hash="x", totp_secret="JBSWY3DPEHPK3PXP", weekly_hours=Decimal("40.03"))
        s.add_all([idle, odd])
    for who, first, last in ((north["technician"].id, "2026-12-03", "2026-12-06"), (odd.id, "2026-11-30", "2026-11-30"),
                             (north["manager"].id, "2026-12-01", "2026-12-01")):
        schedules.add_absence(manager, AbsenceCreate.model_validate(
            {"userId": who, "startDate": first, "endDate": last, "reason": "Away"}))
    crew = schedules.planned_people(wid, schedules.CREW_ROLES)
    expected = round(sum(sum(days.values()) for days in schedules.capacity(wid, MONDAY, crew).values()), 2)
    # 37.37 / 5 = 7.474 -> 7.47 on Mon-Wed; 37 / 5 = 7.4 all week; 40.03 / 5 = 8.006 -> 8.01 on Tue-Fri.
    assert expected == round(3 * 7.47 + 5 * 7.4 + 4 * 8.01, 2)
    assert schedules.crew_weekly_hours(wid, MONDAY) == expected


def test_freeze_makes_later_work_break_in_and_keeps_the_plan(app, users):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    plan, created = schedules.create_schedule(manager, ScheduleCreate.model_validate({"weekStart": "2026-12-02"}))
    assert created and plan.schedule.week_start == MONDAY  # any day: its Monday
    again, created = schedules.create_schedule(manager, ScheduleCreate.model_validate({"weekStart": "2026-11-30"}))
    assert not created and again.schedule.id == plan.schedule.id
    pid = plan.schedule.id
    a, b = order(manager, "Align pump", 120), order(manager, "Grease fans", None)
    first = item(manager, pid, a, tech, date(2026, 12, 1))
    assert float(first.hours) == 2 and not first.break_in  # hours from the estimate
    with pytest.raises(ValidationFailed):  # no estimate, no hours
        item(manager, pid, b, tech, date(2026, 12, 1))
    with pytest.raises(ValidationFailed):  # a day of another week
        item(manager, pid, b, tech, date(2026, 12, 7), 1)
    with pytest.raises(Forbidden):
        item(users.actor("north", "technician"), pid, b, tech, date(2026, 12, 1), 1)
    view = schedules.freeze(manager, pid)
    assert view.as_out()["frozen"] and view.as_out()["scheduled_hours"] == 2
    with pytest.raises(Conflict):
        schedules.freeze(manager, pid)
    late = item(manager, pid, b, tech, date(2026, 12, 3), 1.5)
    assert late.break_in
    with pytest.raises(Conflict):  # a frozen plan's items stay
        schedules.remove_item(manager, pid, first.id)
    out = schedules.get_schedule(users.actor("north", "technician"), pid).as_out()
    assert out["break_in_hours"] == 1.5 and out["scheduled_hours"] == 3.5
    with pytest.raises(NotFound):
        schedules.get_schedule(users.actor("south", "manager"), pid)
    with pytest.raises(NotFound):
        schedules.freeze(users.actor("south", "manager"), pid)


def test_planning_kpis_by_hand(app, users):
    """Plan of the week of Mon 30 Nov, frozen; now Sun 6 Dec 12:00, window 7 days (29 Nov 12:00 on).

    Items: A 2 h (done on 2 Dec), B 4 h (still open), C 3 h (done 5 Dec); break-in D 1 h.
    scheduleCompliance = (2 + 3) / 9 = 55.56 %; breakInShare = 1 / 10 = 10 %.
    Labor: A 90 min on 1 Dec and 30 min on 29 Nov (before the plan's week), C 60 min, D 30 min:
    plannedWorkPercent = (90 + 60) / 210 = 71.43 %.
    Backlog: open B 240 + D 180 + E 3000 minutes = 57 h; crew next week: technician 40 - 16 (absent
    Mon-Tue) + technician2 30 = 54 h -> 57 / 54 = 1.06 crew-weeks.
    """
    manager = users.actor("north", "manager")
    tech, tech2 = users["north"]["technician"], users["north"]["technician2"]
    schedules.set_weekly_hours(manager, tech2.id, WeeklyHoursUpdate.model_validate({"weeklyHours": 30}))
    schedules.add_absence(manager, AbsenceCreate.model_validate(
        {"userId": tech.id, "startDate": "2026-12-07", "endDate": "2026-12-08", "reason": "Training"}))
    a, b, c = order(manager, "A", 120), order(manager, "B", 240), order(manager, "C", 60)
    d, _e = order(manager, "D", 180), order(manager, "E", 3000)
    plan, _ = schedules.create_schedule(manager, ScheduleCreate.model_validate({"weekStart": "2026-11-30"}))
    pid = plan.schedule.id
    item(manager, pid, a, tech, date(2026, 12, 1), 2)
    item(manager, pid, b, tech2, date(2026, 12, 2), 4)
    item(manager, pid, c, tech, date(2026, 12, 3), 3)
    schedules.freeze(manager, pid, now=at(30, 6, 11))
    item(manager, pid, d, tech, date(2026, 12, 4), 1)
    with unit_of_work() as s:
        for wo_id, done in ((a, at(2)), (c, at(5))):
            wo = s.get(WorkOrder, wo_id)
            wo.status, wo.completed_at = "completed", done
        for wo_id, minutes, when in ((a, 90, at(1)), (a, 30, at(29, 13, 11)), (c, 60, at(5)), (d, 30, at(4))):
            s.add(LaborEntry(warehouse_id=tech.warehouse_id, work_order_id=wo_id, user_id=tech.id, minutes=minutes,
                             performed_at=when))
    got = kpis.planning_kpis(manager, 7, now=at(6, 12))
    assert (got["weeks"], got["scheduled_hours"], got["done_as_scheduled_hours"]) == (1, 9, 5)
    assert got["schedule_compliance"] == 55.56
    assert (got["break_in_hours"], got["break_in_share"]) == (1, 10.0)
    assert (got["planned_labor_minutes"], got["labor_minutes"], got["planned_work_percent"]) == (150, 210, 71.43)
    assert (got["open_estimated_hours"], got["crew_weekly_hours"], got["backlog_crew_weeks"]) == (57, 54, 1.06)
    # Another warehouse sees none of it.
    south = kpis.planning_kpis(users.actor("south", "manager"), 7, now=at(6, 12))
    assert south["schedule_compliance"] is None and south["labor_minutes"] == 0
    db.session.rollback()


def test_backlog_puts_ready_work_first(app, users):
    from portal.schemas.equipment import EquipmentCreate
    from portal.services.assets import equipment as equipment_service
    manager = users.actor("north", "manager")
    down = equipment_service.create_equipment(manager, EquipmentCreate.model_validate({"assetTag": "P-1", "status": "down"}))
    blocked = lifecycle.create_work_order(manager, WorkOrderCreate.model_validate(
        {"title": "Fix down pump", "equipmentId": down.id, "priority": "critical"})).id
    ready = order(manager, "Clean filters", 60)
    rows = schedules.backlog(manager, MONDAY)
    assert [r.work_order.id for r in rows] == [ready, blocked]
    assert rows[1].why_not == ["asset down"] and rows[0].ready


def test_the_api(client, auth, users):
    h = auth("north", "manager")
    tech = users["north"]["technician"]
    wo = client.post("/api/work-orders", headers=h, json={"title": "Belt", "estimatedDuration": 90}).json
    assert wo["estimatedDuration"] == 90
    r = client.post("/api/schedules", headers=h, json={"weekStart": "2026-12-09"})
    assert r.status_code == 201 and r.json["weekStart"] == "2026-12-07" and r.json["frozen"] is False
    sid = r.json["id"]
    assert client.post("/api/schedules", headers=h, json={"weekStart": "2026-12-07"}).status_code == 200
    assert client.post("/api/schedules", headers=h, json={"weekStart": "soon"}).status_code == 400
    r = client.post(f"/api/schedules/{sid}/items", headers=h,
                    json={"workOrderId": wo["id"], "technicianId": tech.id, "day": "2026-12-08"})
    assert r.status_code == 201, r.json
    assert (r.json["hours"], r.json["technicianId"], r.json["breakIn"]) == (1.5, tech.id, False)
    item_id = r.json["id"]
    r = client.post(f"/api/schedules/{sid}/items", headers=h,
                    json={"workOrderId": wo["id"], "userId": tech.id, "day": "2026-12-20", "hours": 1})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "day" and r.json["message"]
    assert client.delete(f"/api/schedules/{sid}/items/{item_id}", headers=h).status_code == 204
    client.post(f"/api/schedules/{sid}/items", headers=h, json={"workOrderId": wo["id"], "userId": tech.id,
                                                               "day": "2026-12-08", "hours": 2})
    south = auth("south", "manager")
    assert client.get(f"/api/schedules/{sid}", headers=south).status_code == 404
    assert client.post(f"/api/schedules/{sid}/freeze", headers=south).status_code == 404
    assert client.post(f"/api/schedules/{sid}/freeze", headers=auth("north", "technician")).status_code == 403
    r = client.post(f"/api/schedules/{sid}/freeze", headers=h)
    assert r.status_code == 200 and r.json["frozen"] and r.json["frozenAt"].endswith("Z")
    assert client.post(f"/api/schedules/{sid}/freeze", headers=h).status_code == 409
    listed = client.get("/api/schedules?weekStart=2026-12-10", headers=auth("north", "technician")).json
    assert [s["id"] for s in listed] == [sid] and listed[0]["scheduledHours"] == 2
    assert {c["userId"] for c in listed[0]["capacity"]} >= {tech.id}
    assert client.get("/api/schedules", headers=south).json == []
    r = client.put(f"/api/users/{tech.id}/weekly-hours", headers=h, json={"weeklyHours": 32})
    assert r.status_code == 200 and r.json["weeklyHours"] == 32
    assert client.put(f"/api/users/{tech.id}/weekly-hours", headers=south, json={"weeklyHours": 32}).status_code == 404
    r = client.post("/api/absences", headers=h, json={"userId": tech.id, "startDate": "2026-12-08",
                                                       "endDate": "2026-12-08", "reason": "Dentist"})
    assert r.status_code == 201
    assert client.delete(f"/api/absences/{r.json['id']}", headers=south).status_code == 404
    assert client.get("/api/absences", headers=h).json[0]["reason"] == "Dentist"
    assert client.delete(f"/api/absences/{r.json['id']}", headers=h).status_code == 204
    k = client.get("/api/kpis/planning?days=30", headers=h)
    assert k.status_code == 200 and set(k.json["definitions"]) == {
        "scheduleCompliance", "breakInShare", "plannedWorkPercent", "backlogCrewWeeks"}
    assert client.get("/api/kpis/planning", headers=auth("north", "technician")).status_code == 403
