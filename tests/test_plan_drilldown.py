"""Issue 23: the records behind the weekly plan's KPIs (services/planning/records.py through the KPI
drill-down), on the hand-computed plan of tests/test_weekly_plan.py:

Plan of the week of Mon 30 Nov, frozen 30 Nov; now Sun 6 Dec 12:00, window 7 days (29 Nov 12:00 on).
Items: A 2 h (completed 2 Dec: done), B 4 h (open: not done), C 3 h (completed 5 Dec: done); break-in D 1 h.
Labor in the window: A 90 min 1 Dec + 30 min 29 Nov 13:00 (before the plan's week), C 60, D 30 (break-in:
unplanned). Open: E 3000 min, B 240, D 180 (largest estimate first).
"""
from __future__ import annotations

from datetime import date

from test_weekly_plan import at, item, order

from portal.models import LaborEntry, WorkOrder
from portal.platform.database import unit_of_work
from portal.schemas.planning import ScheduleCreate
from portal.services.planning import schedules
from portal.services.reporting import drilldown

NOW = at(6, 12)


def plan_fixture(users) -> dict[str, str]:
    manager = users.actor("north", "manager")
    tech, tech2 = users["north"]["technician"], users["north"]["technician2"]
    ids = {name: order(manager, name, minutes) for name, minutes in
           (("A", 120), ("B", 240), ("C", 60), ("D", 180), ("E", 3000))}
    plan, _ = schedules.create_schedule(manager, ScheduleCreate.model_validate({"weekStart": "2026-11-30"}))
    pid = plan.schedule.id
    item(manager, pid, ids["A"], tech, date(2026, 12, 1), 2)
    item(manager, pid, ids["B"], tech2, date(2026, 12, 2), 4)
    item(manager, pid, ids["C"], tech, date(2026, 12, 3), 3)
    schedules.freeze(manager, pid, now=at(30, 6, 11))
    item(manager, pid, ids["D"], tech, date(2026, 12, 4), 1)
    with unit_of_work() as s:
        for name, done in (("A", at(2)), ("C", at(5))):
            wo = s.get(WorkOrder, ids[name])
            wo.status, wo.completed_at = "completed", done
        for name, minutes, when in (("A", 90, at(1)), ("A", 30, at(29, 13, 11)), ("C", 60, at(5)), ("D", 30, at(4))):
            s.add(LaborEntry(warehouse_id=tech.warehouse_id, work_order_id=ids[name], user_id=tech.id,
                             minutes=minutes, performed_at=when))
    return ids


def titles(records) -> list[tuple[str, str]]:
    return [(r["title"], r["outcome"]) for r in records.items]


def test_schedule_compliance_and_break_in_records(app, users):
    plan_fixture(users)
    m = users.actor("north", "manager")
    r = drilldown.records(m, "schedule_compliance", 7, now=NOW)
    assert r.kind == "schedule_items" and r.total == 3
    assert titles(r) == [("A", "done"), ("B", "not_done"), ("C", "done")]  # by day
    assert r.summary == {"weeks": 1, "scheduled_hours": 9, "done_as_scheduled_hours": 5, "schedule_compliance": 55.56}
    assert sum(i["hours"] for i in r.items if i["outcome"] == "done") == 5
    done = drilldown.records(m, "schedule_compliance", 7, now=NOW, outcome="done")
    assert titles(done) == [("A", "done"), ("C", "done")] and done.total == 2
    assert titles(drilldown.records(m, "schedule_compliance", 7, now=NOW, outcome="not_done")) == [("B", "not_done")]
    tech2 = users["north"]["technician2"]
    assert r.items[1]["technician"] == (tech2.name or tech2.email)
    brk = drilldown.records(m, "break_in_share", 7, now=NOW)
    assert titles(brk) == [("D", "break_in")] and brk.summary["break_in_hours"] == 1
    assert brk.summary["break_in_share"] == 10.0
    # Another warehouse: nothing; a week later the plan is outside a 1-day window.
    assert drilldown.records(users.actor("south", "manager"), "schedule_compliance", 7, now=NOW).total == 0
    assert drilldown.records(m, "schedule_compliance", 1, now=at(14, 12)).total == 0


def test_planned_work_and_backlog_crew_weeks_records(app, users):
    plan_fixture(users)
    m = users.actor("north", "manager")
    r = drilldown.records(m, "planned_work_percent", 7, now=NOW)
    assert [(i["title"], i["outcome"], i["labor_minutes"], i["planned_minutes"]) for i in r.items] == [
        ("A", "planned", 120, 90), ("C", "planned", 60, 60), ("D", "unplanned", 30, 0)]
    assert r.summary == {"planned_labor_minutes": 150, "labor_minutes": 210, "planned_work_percent": 71.43}
    assert sum(i["planned_minutes"] for i in r.items) == r.summary["planned_labor_minutes"]
    assert titles(drilldown.records(m, "planned_work_percent", 7, now=NOW, outcome="unplanned")) == [
        ("D", "unplanned")]
    backlog = drilldown.records(m, "backlog_crew_weeks", 7, now=NOW)
    assert [(i["title"], i["estimated_duration"]) for i in backlog.items] == [("E", 3000), ("B", 240), ("D", 180)]
    assert backlog.summary["open_estimated_hours"] == 57 and backlog.summary["unestimated"] == 0
    assert drilldown.records(m, "backlog_crew_weeks", 7, now=NOW, outcome="unestimated").total == 0


def test_the_api(client, auth, users):
    plan_fixture(users)
    h = auth("north", "manager")
    got = client.get("/api/kpis/scheduleCompliance/records?days=3650", headers=h)
    assert got.status_code == 200 and got.headers["X-Total-Count"] == "3"
    items = got.get_json()
    assert {i["kind"] for i in items} == {"schedule_item"} and {i["title"] for i in items} == {"A", "B", "C"}
    assert all(i["weekStart"] == "2026-11-30T00:00:00.000Z" for i in items)
    bad = client.get("/api/kpis/breakInShare/records?outcome=done", headers=h)
    assert bad.status_code in (400, 422) and bad.get_json()["errors"][0]["field"] == "outcome"
    backlog = client.get("/api/kpis/backlogCrewWeeks/records", headers=h).get_json()
    assert [i["estimatedDuration"] for i in backlog] == [3000, 240, 180]
