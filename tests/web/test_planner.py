"""`/planner`: the weekly plan page. Scheduling through the no-JavaScript form (day and person
select + button), break-in after the freeze, the crew's hours and absences, roles and tenancy."""
from __future__ import annotations

import re
from datetime import timedelta

import factories

from portal.models import LaborEntry
from portal.models.planning import Schedule, ScheduleItem
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.planning.kpis import planning_kpis
from portal.services.work_orders import lifecycle
from web.conftest import csrf_from

WEEK = "2026-12-07"


def post(client, path: str, data: dict):
    token = csrf_from(client.get(f"/planner?week={WEEK}").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_the_manager_plans_and_freezes_a_week_without_javascript(client, users, portal_login):
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    wo = lifecycle.create_work_order(manager, WorkOrderCreate.model_validate(
        {"title": "Replace conveyor belt", "estimatedDuration": 150}))
    other = lifecycle.create_work_order(users.actor("south", "manager"), WorkOrderCreate.model_validate(
        {"title": "South only"}))
    portal_login(users["north"]["manager"])
    r = client.get("/planner?week=2026-12-09")  # any day: its week
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Draft" in html and "7 Dec – 13 Dec 2026" in html
    assert "Replace conveyor belt" in html and "South only" not in html and "Ready" in html
    assert f'value="2026-12-08|{tech.id}"' in html  # the keyboard alternative: a day and a person
    assert 'data-slot="2026-12-08|' in html and 'draggable="true"' in html
    r = post(client, f"/planner/{WEEK}/items", {"workOrderId": wo.id, "slot": f"2026-12-08|{tech.id}", "hours": ""})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/planner?week={WEEK}")
    [item] = db.session.query(ScheduleItem).all()
    assert (float(item.hours), item.day.isoformat(), item.break_in) == (2.5, "2026-12-08", False)
    html = client.get(f"/planner?week={WEEK}").get_data(as_text=True)
    assert "2.5 / 8 h" in html and wo.fo_number in html
    # Words, not a validator's sentence, for bad hours; another warehouse's work order is refused.
    post(client, f"/planner/{WEEK}/items", {"workOrderId": wo.id, "slot": f"2026-12-08|{tech.id}", "hours": "lots"})
    assert "Enter the hours" in client.get(f"/planner?week={WEEK}").get_data(as_text=True)
    post(client, f"/planner/{WEEK}/items", {"workOrderId": other.id, "slot": f"2026-12-08|{tech.id}", "hours": "1"})
    assert "No such work order in this warehouse" in client.get(f"/planner?week={WEEK}").get_data(as_text=True)
    # Freeze, then a second item is break-in work.
    assert post(client, f"/planner/{WEEK}/freeze", {}).status_code == 303
    r = post(client, f"/planner/{WEEK}/items", {"workOrderId": wo.id, "slot": f"2026-12-09|{tech.id}", "hours": "1,5"})
    html = client.get(f"/planner?week={WEEK}").get_data(as_text=True)
    assert "Frozen" in html and "break-in work" in html and "Break-in" in html and "Freeze the plan" not in html
    assert db.session.query(Schedule).one().frozen_at is not None
    assert sorted(i.break_in for i in db.session.query(ScheduleItem)) == [False, True]
    # The crew: weekly hours and an absence change the capacity shown.
    post(client, f"/planner/{WEEK}/crew/{tech.id}/hours", {"weeklyHours": "30"})
    post(client, f"/planner/{WEEK}/absences", {"userId": tech.id, "startDate": "2026-12-10", "endDate": "2026-12-11",
                                                "reason": "Training"})
    html = client.get(f"/planner?week={WEEK}").get_data(as_text=True)
    assert "2.5 / 6 h" in html and "Training" in html
    cell = re.search(r'data-slot="2026-12-10\|' + tech.id + r'">\s*<span class="plan-load">(.*? h)</span>', html)
    assert cell and re.sub(r"<[^>]+>", "", cell.group(1)) == "Thu 10: 0 / 0 h"


def test_technicians_read_the_plan_and_requesters_do_not(client, users, portal_login):
    portal_login(users["north"]["technician"])
    html = client.get(f"/planner?week={WEEK}").get_data(as_text=True)
    assert "Crew and days" in html and "Freeze the plan" not in html and "Day and person" not in html
    assert client.post(f"/planner/{WEEK}/freeze", data={"csrf_token": csrf_from(html)}).status_code == 403
    portal_login(users["north"]["requester"])
    assert client.get("/planner").status_code == 403


def test_the_kpi_page_shows_the_plan_figures_with_their_formulas(client, users, portal_login):
    portal_login(users["north"]["manager"])
    html = client.get("/kpis?days=30").get_data(as_text=True)
    for key in ("schedule-compliance", "break-in-share", "planned-work-percent", "backlog-crew-weeks"):
        assert f'id="figure-{key}"' in html
    assert "÷ all those hours × 100" in html and "Open the planner" in html


def test_the_kpi_page_counts_the_plans_labor_as_the_service_does(client, users, portal_login):
    """The page hands the plan the labor minutes its figures have just counted (the same window):
    whole days from the day rows and the partial ends from the records, alike for the whole warehouse;
    an asset's filter leaves the plan to count the warehouse's own."""
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    pump = lifecycle.create_work_order(manager, WorkOrderCreate.model_validate({"title": "Pump"}))
    now = utcnow()
    with unit_of_work() as s:  # today, a week ago, at the window's far end, and before it
        for minutes, ago in ((25, timedelta(hours=1)), (40, timedelta(days=7)), (15, timedelta(days=30, hours=-1)),
                             (999, timedelta(days=31))):
            s.add(LaborEntry(warehouse_id=tech.warehouse_id, work_order_id=pump.id, user_id=tech.id,
                             minutes=minutes, performed_at=now - ago))
    portal_login(users["north"]["manager"])
    html = client.get("/kpis?days=30").get_data(as_text=True)
    assert planning_kpis(manager, 30)["labor_minutes"] == 80
    assert re.search(r"0 of 80 labor minutes", html)
    # Filtered to an asset none of this labor is on: the figures count none of it, the plan all 80.
    factories.equipment(manager, assetTag="FAN-9")
    html = client.get("/kpis?days=30&asset=FAN-9").get_data(as_text=True)
    assert "Only <strong>FAN-9</strong>" in html and re.search(r"0 of 80 labor minutes", html)
