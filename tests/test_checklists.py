"""Checklists on PM work orders: ticking, measurements out of range, and the completion gate."""
from __future__ import annotations

import pytest

from portal.services.pm import scheduler as pm_scheduler

CHECKLIST = [
    {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "C",
     "min": 10, "max": 80},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail", "required": True},
    {"id": "notes", "description": "Noise observations", "type": "text"},
    {"id": "guard", "description": "Guard refitted", "type": "checkbox", "required": True},
]


@pytest.fixture
def pm_order(client, auth, users):
    """A PM work order with the checklist above, assigned to north's technician."""
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "MTR-7"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [pump],
        "assignedTo": users["north"]["technician"].id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    items = client.get(f"/api/work-orders/{wo_id}/checklist", headers=h).json
    return wo_id, {i["itemId"]: i["id"] for i in items}


def patch(client, h, wo_id, item_id, body):
    return client.patch(f"/api/work-orders/{wo_id}/checklist/{item_id}", json=body, headers=h)


def complete(client, h, wo_id):
    r = client.patch(f"/api/work-orders/{wo_id}", json={"status": "in_progress"}, headers=h)
    assert r.status_code in (200, 409), r.json
    return client.patch(f"/api/work-orders/{wo_id}", json={"status": "completed"}, headers=h)


def test_checklist_is_copied_from_the_template(client, auth, pm_order):
    wo_id, _ = pm_order
    items = client.get(f"/api/work-orders/{wo_id}/checklist", headers=auth("north", "requester")).json
    assert [(i["itemId"], i["type"], i["required"], i["done"]) for i in items] == [
        ("temp", "measurement", True, False), ("belt", "pass_fail", True, False), ("notes", "text", False, False),
        ("guard", "checkbox", True, False)]
    assert items[0]["unit"] == "C" and items[0]["min"] == 10 and items[0]["max"] == 80
    assert client.get(f"/api/work-orders/{wo_id}/checklist", headers=auth("south", "manager")).status_code == 404


def test_completion_is_blocked_naming_the_unfinished_required_items(client, auth, pm_order):
    wo_id, ids = pm_order
    h = auth("north", "technician")
    assert patch(client, h, wo_id, ids["guard"], {"done": True}).status_code == 200
    r = complete(client, h, wo_id)
    assert r.status_code == 409
    assert r.json["errors"] == [
        {"field": f"checklist.{ids['temp']}", "message": "Required item not done: Motor temperature"},
        {"field": f"checklist.{ids['belt']}", "message": "Required item not done: Belt tension"},
    ]
    assert client.get(f"/api/work-orders/{wo_id}", headers=h).json["status"] == "in_progress"

    assert patch(client, h, wo_id, ids["temp"], {"value": 65.5}).json["done"] is True
    assert patch(client, h, wo_id, ids["belt"], {"value": "PASS", "note": "ok"}).json["value"] == "pass"
    r = complete(client, h, wo_id)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "completed"
    # A completed work order's checklist is frozen.
    assert patch(client, h, wo_id, ids["notes"], {"value": "late note"}).status_code == 409


def test_out_of_range_measurements_and_failed_checks_are_flagged(client, auth, users, pm_order):
    wo_id, ids = pm_order
    h = auth("north", "technician")
    r = patch(client, h, wo_id, ids["temp"], {"value": 95})
    assert r.status_code == 200 and r.json["flagged"] is True and r.json["value"] == 95
    assert patch(client, h, wo_id, ids["temp"], {"value": "9.5"}).json["flagged"] is True
    r = patch(client, h, wo_id, ids["temp"], {"value": 10})
    assert r.json["flagged"] is False and r.json["doneBy"] == users["north"]["technician"].id and r.json["doneAt"]
    assert patch(client, h, wo_id, ids["belt"], {"value": "fail"}).json["flagged"] is True
    # A flagged item is still done: the gate is about doing, the flag about the reading.
    assert patch(client, h, wo_id, ids["guard"], {"done": True}).status_code == 200
    assert complete(client, h, wo_id).status_code == 200


@pytest.mark.parametrize("item, body, field", [
    ("temp", {"value": "warm"}, "value"),
    ("temp", {"done": True}, "value"),
    ("belt", {"value": "maybe"}, "value"),
    ("guard", {"value": "yes"}, "value"),
    ("guard", {"done": None}, "done"),
    ("guard", {"done": True, "extra": 1}, "extra"),
])
def test_invalid_item_updates_are_refused(client, auth, pm_order, item, body, field):
    wo_id, ids = pm_order
    r = patch(client, auth("north", "technician"), wo_id, ids[item], body)
    assert r.status_code == 400, r.json
    assert [e["field"] for e in r.json["errors"]] == [field]


def test_unticking_clears_who_did_it(client, auth, pm_order):
    wo_id, ids = pm_order
    h = auth("north", "manager")
    assert patch(client, h, wo_id, ids["guard"], {"done": True}).json["doneBy"]
    r = patch(client, h, wo_id, ids["guard"], {"done": False})
    assert r.json["done"] is False and r.json["doneBy"] is None and r.json["doneAt"] is None


def test_who_may_tick_items(client, auth, pm_order):
    wo_id, ids = pm_order
    assert patch(client, auth("north", "technician2"), wo_id, ids["guard"], {"done": True}).status_code == 403
    assert patch(client, auth("north", "requester"), wo_id, ids["guard"], {"done": True}).status_code == 403
    assert patch(client, auth("south", "manager"), wo_id, ids["guard"], {"done": True}).status_code == 404
    assert patch(client, auth("north", "manager"), wo_id, "no-such-item", {"done": True}).status_code == 404


def test_work_orders_without_a_checklist_complete_as_before(client, auth):
    h = auth("north", "manager")
    wo = client.post("/api/work-orders", json={"title": "Fix leak"}, headers=h).json
    assert client.get(f"/api/work-orders/{wo['id']}/checklist", headers=h).json == []
    assert complete(client, h, wo["id"]).status_code == 200
