"""/work-orders and /work-orders/<id>: filters, transitions, hold reason, completion gate, checklist,
parts, labor (typed and timer), warehouse isolation, CSRF, and query counts that do not grow."""
from __future__ import annotations

import re
from datetime import timedelta

import factories
import pytest
from sqlalchemy import select

from portal.models import ChecklistItem, LaborEntry, Part, PartConsumption, WorkOrder, WorkOrderHistory
from portal.models.events import DomainEvent as Event
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.pm import LaborCreate
from portal.schemas.work_orders import ConsumeParts
from portal.services.common.actor import Actor
from portal.services.inventory import parts as parts_service
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders import labor as labor_service
from portal.services.work_orders import lifecycle as work_order_service
from web.conftest import count_queries, csrf_from

HX = {"HX-Request": "true"}
CHECKLIST = [
    {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
]


@pytest.fixture(autouse=True)
def _no_timers(app):
    yield
    for key in get_redis().scan_iter("maintainpro:labor-timer:*"):
        get_redis().delete(key)


@pytest.fixture
def pm_order(client, auth, users):
    """A PM work order with a checklist, assigned to north's technician."""
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "MTR-7", "location": "Hall 2"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump],
        "assignedTo": users["north"]["technician"].id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    rows = db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))
    items = {i.item_key: i.id for i in rows}
    return wo_id, items


def token(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def post(client, path: str, data: dict, htmx: bool = True):
    headers = {**HX, "X-CSRFToken": token(client)} if htmx else {}
    if not htmx:
        data = {**data, "csrf_token": token(client)}
    return client.post(path, data=data, headers=headers)



# ---- the list ----------------------------------------------------------------------------------

def test_list_filters_search_paging_and_fragment(client, users, portal_login):
    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    pump = factories.equipment(manager, assetTag="PUMP-77", location="Cellar")
    factories.work_order(manager, title="Leaking seal", priority="critical", assignedTo=me.id, equipmentId=pump.id,
                         dueDate=utcnow() - timedelta(days=3))
    factories.work_order(manager, title="Paint railing", priority="low", type="inspection")
    factories.work_order(users.actor("south", "manager"), title="South seal")
    portal_login(me)
    html = client.get("/work-orders").get_data(as_text=True)
    assert "Leaking seal" in html and "Paint railing" in html and "South seal" not in html
    assert "3 days overdue" in html and "PUMP-77 · Cellar" in html and "north technician" in html
    resp = client.get("/work-orders?q=seal&priority=critical", headers=HX)
    body = resp.get_data(as_text=True)
    assert "HX-Request" in resp.headers["Vary"] and body.lstrip().startswith('<div id="results"')
    assert "Leaking seal" in body and "Paint railing" not in body
    assert "Paint railing" in client.get("/work-orders?overdue=false").get_data(as_text=True)
    assert "Paint railing" not in client.get("/work-orders?overdue=true").get_data(as_text=True)
    assert "Leaking seal" not in client.get("/work-orders?type=inspection").get_data(as_text=True)
    assert "Paint railing" not in client.get(f"/work-orders?assignedTo={me.id}").get_data(as_text=True)
    assert "Paint railing" not in client.get(f"/work-orders?equipmentId={pump.id}").get_data(as_text=True)
    assert "No work order matches" in client.get("/work-orders?q=nothing-like-it").get_data(as_text=True)
    bad = client.get("/work-orders?status=broken").get_data(as_text=True)
    assert 'id="e-status"' in bad  # a bad filter is said next to its select, the list still shows
    for _ in range(27):
        factories.work_order(manager, title="Routine check")
    page2 = client.get("/work-orders?q=Routine&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in page2 and page2.count('class="wo ') == 2
    assert 'href="/work-orders?q=Routine&amp;page=1"' in page2  # the pager keeps the filters


def test_overdue_filter_in_the_api_too(client, users, auth):
    manager = users.actor("north", "manager")
    late = factories.work_order(manager, title="Late", dueDate=utcnow() - timedelta(hours=1))
    factories.work_order(manager, title="Fine", dueDate=utcnow() + timedelta(days=1))
    resp = client.get("/api/work-orders?overdue=true", headers=auth("north", "manager"))
    assert [w["id"] for w in resp.json] == [late.id]


def test_list_and_my_work_and_detail_query_counts_do_not_grow(client, users, portal_login, pm_order):
    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    wo_id, _ = pm_order
    portal_login(me)

    def grow():
        for _ in range(6):
            wo = factories.work_order(manager, assignedTo=me.id, equipmentId=factories.equipment(manager).id)
            factories.move_to(manager, wo.id, "in_progress")
        part = factories.part(manager)
        usage = [{"partId": part.id, "quantityUsed": 1}]
        parts_service.consume_parts(manager, ConsumeParts(workOrderId=wo_id, partsUsage=usage))
        labor_service.add_labor(manager, wo_id, LaborCreate(minutes=5, userId=users["north"]["technician2"].id))
        work_order_service.update_work_order(manager, wo_id, factories.WorkOrderUpdate(description="more history"))

    grow()
    before = {p: count_queries(client, p) for p in ("/", "/work-orders", f"/work-orders/{wo_id}")}
    grow()
    grow()
    after = {p: count_queries(client, p) for p in ("/", "/work-orders", f"/work-orders/{wo_id}")}
    assert after == before


# ---- isolation, roles, CSRF ------------------------------------------------------------------

def test_another_warehouses_work_order_is_404_page_and_fragments(client, users, portal_login, pm_order):
    wo_id, items = pm_order
    portal_login(users["south"]["technician"])
    assert client.get(f"/work-orders/{wo_id}").status_code == 404
    assert client.get(f"/work-orders/{wo_id}", headers=HX).status_code == 404
    assert client.get(f"/work-orders/{wo_id}/parts/search?partQ=a", headers=HX).status_code == 404
    for path, data in ((f"/work-orders/{wo_id}/status", {"status": "in_progress"}),
                       (f"/work-orders/{wo_id}/checklist/{items['guard']}", {"done": "true"}),
                       (f"/work-orders/{wo_id}/parts", {"partId": "x", "quantityUsed": "1"}),
                       (f"/work-orders/{wo_id}/labor", {"minutes": "5"}),
                       (f"/work-orders/{wo_id}/labor", {"action": "start"})):
        assert post(client, path, data).status_code == 404, path
    assert db.session.get(WorkOrder, wo_id).status == "assigned"
    assert not get_redis().keys("maintainpro:labor-timer:*")


def test_anonymous_is_sent_to_login(client, users, pm_order):
    wo_id, _ = pm_order
    assert client.get("/work-orders").status_code == 302
    assert client.get(f"/work-orders/{wo_id}", headers=HX).status_code == 401


def test_post_without_csrf_is_refused(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["technician"])
    resp = client.post(f"/work-orders/{wo_id}/status", data={"status": "in_progress"})
    assert resp.status_code == 400 and "form expired" in resp.get_data(as_text=True)
    assert db.session.get(WorkOrder, wo_id).status == "assigned"


def test_buttons_follow_the_services_allowed_transitions(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    other = users["north"]["technician2"]
    portal_login(other)  # not mine: no status buttons, no work forms
    html = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert 'name="status"' not in html and "You cannot change this work order" in html
    assert 'id="f-minutes"' not in html
    assert post(client, f"/work-orders/{wo_id}/status", {"status": "in_progress"}).status_code == 403
    wo = db.session.get(WorkOrder, wo_id)
    tech = Actor.of(users["north"]["technician"])
    assert work_order_service.allowed_transitions(tech, wo) == [
        "new", "in_progress", "on_hold", "completed", "cancelled"]
    assert work_order_service.allowed_transitions(users.actor("north", "requester"), wo) == []


# ---- status, hold reason, completion --------------------------------------------------------

def test_hold_asks_for_the_reason_and_records_it(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["technician"])
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold", "holdReason": " "})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="e-holdReason"' in html and "Say why the work waits" in html
    assert db.session.get(WorkOrder, wo_id).status == "assigned"
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold", "holdReason": "waiting for the bearing"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="wo"')
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).status == "on_hold"
    last = db.session.scalars(select(WorkOrderHistory).where(WorkOrderHistory.work_order_id == wo_id)
                              .order_by(WorkOrderHistory.at.desc())).first()
    assert last.changes["holdReason"] == {"from": None, "to": "waiting for the bearing"}
    assert "set status from assigned to on hold: “waiting for the bearing”" in html
    updated = db.session.scalars(select(Event).where(Event.event == "work_order.updated")).all()[-1]
    assert updated.payload["changes"]["holdReason"]["to"] == "waiting for the bearing"
    assert "Resume work" in html


def test_api_hold_reason_only_with_on_hold(client, auth, pm_order):
    wo_id, _ = pm_order
    h = auth("north", "manager")
    bad = client.patch(f"/api/work-orders/{wo_id}", json={"status": "in_progress", "holdReason": "x"}, headers=h)
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "holdReason"
    ok = client.patch(f"/api/work-orders/{wo_id}", json={"status": "on_hold", "holdReason": "no power"}, headers=h)
    assert ok.status_code == 200
    assert ok.json["history"][-1]["changes"]["holdReason"]["to"] == "no power"


def test_completion_refused_with_missing_items_then_done(client, users, portal_login, pm_order):
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "completed", "completionNotes": "Done"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="missing-items"' in html
    missing = html.split('id="missing-items"')[1].split("</ul>")[0]
    assert "Motor temperature" in missing and "Belt tension" in missing and "Guard refitted" in missing
    for key in ("temp", "belt", "guard"):  # each one a link to its item
        assert f'href="#ci-{items[key]}"' in missing and f'id="ci-{items[key]}"' in html
    assert db.session.get(WorkOrder, wo_id).status == "assigned"
    base = f"/work-orders/{wo_id}/checklist"
    assert post(client, f"{base}/{items['temp']}", {"value": "55"}).status_code == 200
    assert post(client, f"{base}/{items['belt']}", {"value": "pass"}).status_code == 200
    assert post(client, f"{base}/{items['guard']}", {"done": ["false", "true"]}).status_code == 200
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "completed", "completionNotes": "Bearing replaced"})
    assert resp.status_code == 200
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert wo.status == "completed" and wo.completion_notes == "Bearing replaced"
    assert db.session.scalars(select(Event).where(Event.event == "work_order.completed")).first() is not None
    html = resp.get_data(as_text=True)
    assert "nothing more to do" in html and 'id="f-minutes"' not in html


def test_plain_form_post_redirects_with_a_flash(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["technician"])
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "in_progress"}, htmx=False)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/work-orders/{wo_id}")
    assert "is now in progress" in client.get(f"/work-orders/{wo_id}").get_data(as_text=True)


# ---- checklist -----------------------------------------------------------------------------

def test_checklist_inline_measure_flag_and_errors(client, users, portal_login, pm_order):
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    url = f"/work-orders/{wo_id}/checklist/{items['temp']}"
    resp = post(client, url, {"value": "95.5"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html.lstrip().startswith(f'<li class="check flagged done" id="ci-{items["temp"]}"')
    assert "Out of range" in html
    item = db.session.get(ChecklistItem, items["temp"])
    db.session.refresh(item)
    assert item.flagged and item.done and item.value == 95.5
    bad = post(client, url, {"value": "warm"})
    assert bad.status_code == 422 and "Enter the reading as a number only, e.g. 65.5" in bad.get_data(as_text=True)
    guard = f"/work-orders/{wo_id}/checklist/{items['guard']}"
    assert post(client, guard, {"done": ["false", "true"]}).status_code == 200
    assert db.session.get(ChecklistItem, items["guard"]).done
    assert post(client, guard, {"done": "false"}).status_code == 200  # unticked
    db.session.expire_all()
    assert not db.session.get(ChecklistItem, items["guard"]).done
    assert post(client, f"/work-orders/{wo_id}/checklist/nope", {"done": "true"}).status_code == 404


# ---- parts -----------------------------------------------------------------------------------

def test_parts_search_consume_and_short_stock(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    manager = users.actor("north", "manager")
    bearing = factories.part(manager, partNumber="BRG-6205", stockLevel=3, unitCost="12.50")
    factories.part(users.actor("south", "manager"), partNumber="BRG-SOUTH")
    portal_login(users["north"]["technician"])
    found = client.get(f"/work-orders/{wo_id}/parts/search?partQ=BRG", headers=HX).get_data(as_text=True)
    assert "BRG-6205" in found and "3 in stock" in found and "BRG-SOUTH" not in found
    assert "checked" not in found
    # A slower search answer arriving after the pick keeps the picked part picked.
    again = client.get(f"/work-orders/{wo_id}/parts/search?partQ=BRG&partId={bearing.id}", headers=HX).get_data(as_text=True)
    assert f'value="{bearing.id}" checked' in again
    short = post(client, f"/work-orders/{wo_id}/parts", {"partId": bearing.id, "quantityUsed": "5", "partQ": "BRG"})
    html = short.get_data(as_text=True)
    assert short.status_code == 422 and 'id="e-quantityUsed"' in html and "3 in stock, 5 requested" in html
    missing = post(client, f"/work-orders/{wo_id}/parts", {"quantityUsed": "1"})
    assert missing.status_code == 422 and 'id="e-partId"' in missing.get_data(as_text=True)
    ok = post(client, f"/work-orders/{wo_id}/parts", {"partId": bearing.id, "quantityUsed": "2"})
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and html.lstrip().startswith('<section id="parts"')
    assert re.search(r'id="parts-cost">25.00<', html)
    db.session.expire_all()
    assert db.session.get(Part, bearing.id).stock_level == 1
    used = db.session.scalars(select(PartConsumption).where(PartConsumption.work_order_id == wo_id)).one()
    assert used.quantity == 2 and used.consumed_by == users["north"]["technician"].id


# ---- labor -----------------------------------------------------------------------------------

def test_labor_typed_minutes_and_errors(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["technician"])
    bad = post(client, f"/work-orders/{wo_id}/labor", {"minutes": "0"})
    assert bad.status_code == 422 and 'id="e-minutes"' in bad.get_data(as_text=True)
    ok = post(client, f"/work-orders/{wo_id}/labor", {"minutes": "90", "note": "aligned the coupling"})
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and 'id="labor-total">1 h 30 min<' in html
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).actual_duration == 90


def test_labor_timer_survives_a_reload_and_books_minutes(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    me = users["north"]["technician"]
    portal_login(me)
    assert post(client, f"/work-orders/{wo_id}/labor", {"action": "start"}).status_code == 200
    started = labor_service.running_timer(Actor.of(me), wo_id)
    assert started is not None
    page = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)  # a reload: still running
    assert "Timer running since" in page and "Stop timer and book" in page
    # Stopping 42 minutes "later": move the start back instead of waiting.
    key = labor_service._timer_key(Actor.of(me), wo_id)
    get_redis().set(key, (started - timedelta(minutes=42)).isoformat())
    resp = post(client, f"/work-orders/{wo_id}/labor", {"action": "stop"})
    assert resp.status_code == 200 and "Timer running" not in resp.get_data(as_text=True)
    entry = db.session.scalars(select(LaborEntry).where(LaborEntry.work_order_id == wo_id)).one()
    assert entry.minutes in (42, 43) and entry.user_id == me.id
    assert labor_service.running_timer(Actor.of(me), wo_id) is None
    again = post(client, f"/work-orders/{wo_id}/labor", {"action": "stop"})
    assert again.status_code == 422 and "No timer is running" in again.get_data(as_text=True)


def test_detail_page_shows_asset_link_history_and_slots(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["manager"])
    html = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    wo = db.session.get(WorkOrder, wo_id)
    assert f'href="/assets/{wo.equipment_id}">MTR-7</a> · Hall 2' in html
    assert "System</strong>\n        created the work order" in html or "created the work order" in html
    assert "style=" not in html and "<script>" not in html
