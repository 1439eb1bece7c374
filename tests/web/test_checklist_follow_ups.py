"""The checklist item and follow-ups on the work order page: a reading typed with a decimal comma,
shown back the plant's way, the one-tap follow-up on a flagged item, the parent's follow-ups
fragment and the follow-up's parent; the warehouse's decimal mark and the PM editor's auto flag."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import ChecklistItem, PMTemplate, Warehouse, WorkOrder
from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler
from web.conftest import csrf_from

HX = {"HX-Request": "true"}
CHECKLIST = [
    {"id": "temp", "description": "Bearing temperature", "type": "measurement", "required": True, "unit": "°C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail"},
]


@pytest.fixture
def pm_order(client, auth, users):
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "MTR-7"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump],
        "assignedTo": users["north"]["technician"].id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    rows = db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))
    return wo_id, {i.item_key: i.id for i in rows}


def comma_plant(name: str = "North Plant") -> None:
    db.session.execute(Warehouse.__table__.update().where(Warehouse.name == name).values(decimal_mark=","))
    db.session.commit()


def post(client, path: str, data: dict, htmx: bool = True):
    token = csrf_from(client.get("/").get_data(as_text=True))
    if htmx:
        return client.post(path, data=data, headers={**HX, "X-CSRFToken": token})
    return client.post(path, data={**data, "csrf_token": token})


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_a_decimal_comma_reading_is_flagged_and_shown_back_the_plants_way(client, users, portal_login, pm_order):
    comma_plant()
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    url = f"/work-orders/{wo_id}/checklist/{items['temp']}"
    resp = post(client, url, {"value": "95,5"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'value="95,5"' in html and "(10–80 °C)" in text(html)
    assert "Out of range: 95,5 °C (limit 10–80 °C)" in text(html)
    assert ">Create a follow-up work order</button>" in html
    assert db.session.get(ChecklistItem, items["temp"]).value == 95.5

    refused = post(client, url, {"value": "1,234.5"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Write the number with one decimal mark and no thousands separator, e.g. 1234,5" in page
    assert 'value="1,234.5"' in page  # kept as typed, beside what is wrong with it
    db.session.expire_all()
    assert db.session.get(ChecklistItem, items["temp"]).value == 95.5


def test_one_tap_follow_up_then_the_link_the_parent_lists_it_and_it_shows_its_parent(
        client, users, portal_login, pm_order):
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    post(client, f"/work-orders/{wo_id}/checklist/{items['temp']}", {"value": "95.5"})
    parent_page = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert 'id="follow-ups"' not in parent_page  # nothing to show yet

    resp = post(client, f"/work-orders/{wo_id}/checklist/{items['temp']}/follow-up", {})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    fu = db.session.scalars(select(WorkOrder).where(WorkOrder.parent_id == wo_id)).one()
    assert f'<a href="/work-orders/{fu.id}">Follow-up {fu.fo_number} created</a>' in html
    assert "Create a follow-up work order" not in html
    # A second tap (another tab, a retry): the same follow-up, no second one.
    again = post(client, f"/work-orders/{wo_id}/checklist/{items['temp']}/follow-up", {}, htmx=False)
    assert again.status_code == 302 and again.headers["Location"] == f"/work-orders/{wo_id}"
    assert db.session.scalars(select(WorkOrder).where(WorkOrder.parent_id == wo_id)).all() == [fu]
    flashed = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert f"Follow-up {fu.fo_number} already exists." in flashed

    parent_page = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    section = parent_page[parent_page.index('id="follow-ups"'):]
    section = section[:section.index("</section>")]
    assert f'href="/work-orders/{fu.id}"' in section
    assert "Follow-up: Bearing temperature 95.5 °C (limit 10–80 °C)" in text(section)

    child = client.get(f"/work-orders/{fu.id}", headers=HX).get_data(as_text=True)
    section = child[child.index('id="follow-ups"'):]
    wo = db.session.get(WorkOrder, wo_id)
    assert f'href="/work-orders/{wo_id}"' in section and f"Follow-up of {wo.fo_number} {wo.title}" in text(section[:section.index("</section>")])


def test_follow_up_refusals_in_the_page(client, users, portal_login, pm_order):
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    resp = post(client, f"/work-orders/{wo_id}/checklist/{items['belt']}/follow-up", {})
    assert resp.status_code == 422
    assert "Only a reading out of range or a Fail raises a follow-up work order" in resp.get_data(as_text=True)
    portal_login(users["south"]["manager"])
    assert post(client, f"/work-orders/{wo_id}/checklist/{items['temp']}/follow-up", {}).status_code == 404
    portal_login(users["north"]["requester"])
    post_as_requester = post(client, f"/work-orders/{wo_id}/checklist/{items['belt']}", {"value": "fail"})
    assert post_as_requester.status_code == 403
    page = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert "Create a follow-up work order" not in page


def test_the_admin_sets_the_decimal_mark(client, users, portal_login):
    portal_login(users["north"]["admin"])
    page = client.get("/admin/warehouse").get_data(as_text=True)
    assert "Comma: 65,5" in page
    resp = post(client, "/admin/warehouse", {"decimalMark": ","}, htmx=False)
    assert resp.status_code == 303
    assert db.session.scalars(select(Warehouse.decimal_mark).where(Warehouse.name == "North Plant")).one() == ","
    assert post(client, "/admin/warehouse", {"decimalMark": ";"}, htmx=False).status_code == 422


def test_the_pm_editor_saves_the_auto_follow_up_flag(client, users, portal_login):
    portal_login(users["north"]["manager"])
    token = csrf_from(client.get("/pm-templates/new").get_data(as_text=True))
    resp = client.post("/pm-templates/new", data={
        "csrf_token": token, "name": "Bearing check", "frequencyType": "calendar", "frequency": "7",
        "priority": "medium", "leadDays": "3",
        "checklist-0-id": "temp", "checklist-0-description": "Bearing temperature", "checklist-0-type": "measurement",
        "checklist-0-min": "10,5", "checklist-0-max": "80", "checklist-0-auto": "true",
        "checklist-1-id": "guard", "checklist-1-description": "Guard on", "checklist-1-type": "checkbox",
        "checklist-1-auto": "true"})  # hidden for a checkbox item: not sent on
    assert resp.status_code == 303, resp.get_data(as_text=True)
    template = db.session.scalars(select(PMTemplate)).one()
    assert [(i["id"], i.get("min"), i.get("auto_follow_up", False)) for i in template.checklist] == [
        ("temp", 10.5, True), ("guard", None, False)]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert re.search(r'name="checklist-0-auto" value="true"\s+checked', page)
    assert not re.search(r'name="checklist-1-auto" value="true"\s+checked', page)
