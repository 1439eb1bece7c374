"""Checklists for ad-hoc work orders over the API: typed in or copied from a PM template, appended,
only while the work order is open, never on a PM work order; and the completion gate applies."""
from __future__ import annotations

from sqlalchemy import select

from portal.models import DomainEvent
from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler

TEMPLATE_CHECKLIST = [
    {"id": "temp", "description": "Motor temperature", "type": "measurement", "required": True, "unit": "C",
     "min": 10, "max": 80, "autoFollowUp": True},
    {"id": "belt", "description": "Belt tension", "type": "pass_fail"},
]


def _template(client, h, **fields) -> str:
    body = {"name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "checklist": TEMPLATE_CHECKLIST}
    r = client.post("/api/pm-templates", headers=h, json={**body, **fields})
    assert r.status_code == 201, r.json
    return r.json["id"]


def _order(client, h, **fields) -> str:
    r = client.post("/api/work-orders", headers=h, json={"title": "Conveyor noise", **fields})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_typed_items_then_a_template_copy_are_appended(client, auth):
    h = auth("north", "manager")
    wo = _order(client, h)
    r = client.post(f"/api/work-orders/{wo}/checklist", headers=h, json={"items": [
        {"description": "Guard refitted", "required": True},
        {"id": "temp", "description": "Gearbox temperature", "type": "measurement", "unit": "C", "max": 90}]})
    assert r.status_code == 201, r.json
    assert [(i["itemId"], i["position"], i["type"], i["required"], i["max"]) for i in r.json] == [
        ("item-1", 0, "checkbox", True, None), ("temp", 1, "measurement", False, 90.0)]
    r = client.post(f"/api/work-orders/{wo}/checklist", headers=h, json={"fromTemplateId": _template(client, h)})
    assert r.status_code == 201, r.json
    # The template's "temp" clashes with the typed one: the copy gets a suffix; its rules come along.
    assert [(i["itemId"], i["position"]) for i in r.json] == [("item-1", 0), ("temp", 1), ("temp-2", 2), ("belt", 3)]
    copied = r.json[2]
    assert (copied["unit"], copied["min"], copied["max"], copied["autoFollowUp"], copied["done"]) == \
        ("C", 10.0, 80.0, True, False)
    assert client.get(f"/api/work-orders/{wo}/checklist", headers=h).json == r.json
    # An item typed in works like a PM's: the reading is flagged, and the required ones gate completion.
    temp = r.json[1]["id"]
    flagged = client.patch(f"/api/work-orders/{wo}/checklist/{temp}", headers=h, json={"value": 95})
    assert flagged.status_code == 200 and flagged.json["flagged"] is True
    client.patch(f"/api/work-orders/{wo}", headers=h, json={"status": "in_progress"})
    refused = client.patch(f"/api/work-orders/{wo}", headers=h, json={"status": "completed"})
    assert refused.status_code == 409 and {e["message"] for e in refused.json["errors"]} == {
        "Required item not done: Guard refitted", "Required item not done: Motor temperature"}
    events = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "work_order.updated",
                                                          DomainEvent.entity_id == wo)
                                .order_by(DomainEvent.created_at)).all()
    counts = [e.payload["changes"]["checklistItems"] for e in events if "checklistItems" in e.payload["changes"]]
    assert counts == [{"from": 0, "to": 2}, {"from": 2, "to": 4}]


def test_refusals_in_the_contract_format_and_nothing_half_written(client, auth, users):
    h = auth("north", "manager")
    wo = _order(client, h)
    url = f"/api/work-orders/{wo}/checklist"
    for body, field in (({}, ""), ({"items": [], "fromTemplateId": "x"}, "items"),
                        ({"items": [{"description": "ok"}, {"description": ""}]}, "items[1].description"),
                        ({"items": [{"description": "Temp", "type": "checkbox", "unit": "C"}]}, "items[0]"),
                        ({"fromTemplateId": "nope"}, "fromTemplateId")):
        r = client.post(url, headers=h, json=body)
        assert r.status_code == 400 and set(r.json) == {"message", "errors"}, (body, r.json)
        assert r.json["errors"][0]["field"].startswith(field), (body, r.json)
    empty = _template(client, h, name="No checks", checklist=[])
    r = client.post(url, headers=h, json={"fromTemplateId": empty})
    assert r.status_code == 400 and "has no checklist" in r.json["errors"][0]["message"]
    assert client.get(url, headers=h).json == []
    # Technicians and requesters may not; another warehouse's order or template is not found.
    for role in ("technician", "requester"):
        assert client.post(url, headers=auth("north", role), json={"items": [{"description": "x"}]}).status_code == 403
    r = client.post(url, headers=auth("south", "manager"), json={"items": [{"description": "x"}]})
    assert r.status_code == 404 and r.json["message"] == "Work order not found"
    south_template = _template(client, auth("south", "manager"))
    r = client.post(url, headers=h, json={"fromTemplateId": south_template})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "fromTemplateId"
    # Closed work orders and PM work orders: 409.
    client.patch(f"/api/work-orders/{wo}", headers=h, json={"status": "cancelled"})
    r = client.post(url, headers=h, json={"items": [{"description": "x"}]})
    assert r.status_code == 409 and set(r.json) == {"message", "errors"}
    pump = client.post("/api/equipment", json={"assetTag": "MTR-8"}, headers=h).json["id"]
    _template(client, h, name="Pump PM", leadDays=30, equipmentIds=[pump])
    [pm_wo] = pm_scheduler.schedule_due()["workOrderIds"]
    r = client.post(f"/api/work-orders/{pm_wo}/checklist", headers=h, json={"items": [{"description": "x"}]})
    assert r.status_code == 409 and "PM template" in r.json["message"]
    assert len(client.get(f"/api/work-orders/{pm_wo}/checklist", headers=h).json) == 2
