"""The contract's Preventive Maintenance API: PM templates over HTTP."""
from __future__ import annotations

import pytest

from portal.services.pm import scheduler as pm_scheduler


def create_equipment(client, headers, tag: str) -> str:
    r = client.post("/api/equipment", json={"assetTag": tag}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json["id"]


def contract_body(equipment_ids: list[str]) -> dict:
    # The contract's example, verbatim apart from the ids.
    return {
        "name": "Monthly Motor Inspection",
        "description": "Monthly preventive maintenance for motors",
        "frequencyType": "calendar",
        "frequency": 30,
        "estimatedDuration": 120,
        "equipmentIds": equipment_ids,
        "checklist": [{"id": "check-1", "description": "Check motor temperature", "type": "measurement",
                       "required": True}],
    }


def test_manager_creates_reads_and_lists_a_template(client, auth, users):
    h = auth("north", "manager")
    ids = [create_equipment(client, h, "MTR-1"), create_equipment(client, h, "MTR-2")]
    body = contract_body(ids) | {"priority": "high", "leadDays": 3, "assignedTo": users["north"]["technician"].id,
                                 "startDate": "2026-12-01T00:00:00Z"}
    r = client.post("/api/pm-templates", json=body, headers=h)
    assert r.status_code == 201, r.json
    t = r.json
    assert t["name"] == "Monthly Motor Inspection" and t["frequencyType"] == "calendar" and t["frequency"] == 30
    assert t["estimatedDuration"] == 120 and t["equipmentIds"] == ids and t["active"] is True
    assert t["checklist"] == [{"id": "check-1", "description": "Check motor temperature", "type": "measurement",
                               "required": True, "unit": None, "min": None, "max": None, "autoFollowUp": False}]
    assert t["priority"] == "high" and t["leadDays"] == 3 and t["startDate"] == "2026-12-01T00:00:00.000Z"
    assert [s["nextDueDate"] for s in t["schedule"]] == ["2026-12-31T00:00:00.000Z"] * 2  # startDate + 30 days

    r = client.get(f"/api/pm-templates/{t['id']}", headers=auth("north", "technician"))
    assert r.status_code == 200 and r.json["id"] == t["id"]
    r = client.get("/api/pm-templates", headers=auth("north", "requester"))
    assert r.status_code == 200 and [x["id"] for x in r.json] == [t["id"]]
    assert r.json[0]["equipmentIds"] == ids and r.headers["X-Total-Count"] == "1"
    r = client.get(f"/api/pm-templates?equipmentId={ids[1]}", headers=h)
    assert len(r.json) == 1
    r = client.get("/api/pm-templates?active=false", headers=h)
    assert r.json == []


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_only_staff_write_templates(client, auth, role):
    r = client.post("/api/pm-templates", json=contract_body([]), headers=auth("north", role))
    assert r.status_code == 403
    assert r.json["message"]


def test_another_warehouse_sees_nothing(client, auth):
    h = auth("north", "manager")
    r = client.post("/api/pm-templates", json=contract_body([]), headers=h)
    template_id = r.json["id"]
    south = auth("south", "manager")
    assert client.get(f"/api/pm-templates/{template_id}", headers=south).status_code == 404
    assert client.patch(f"/api/pm-templates/{template_id}", json={"name": "x"}, headers=south).status_code == 404
    assert client.get("/api/pm-templates", headers=south).json == []
    # Nor can a template point at another warehouse's equipment.
    foreign = create_equipment(client, south, "SOUTH-1")
    r = client.post("/api/pm-templates", json=contract_body([foreign]), headers=h)
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "equipmentIds[0]", "message": "Equipment not found"}]


@pytest.mark.parametrize("change, field", [
    ({"frequencyType": "meter"}, "meter"),
    ({"frequency": 0}, "frequency"),
    ({"frequencyType": "weekly"}, "frequencyType"),
    ({"checklist": [{"description": "x", "type": "photo"}]}, "checklist[0].type"),
    ({"checklist": [{"description": "x", "type": "measurement", "min": 5, "max": 1}]}, "checklist[0]"),
    ({"checklist": [{"description": "x", "min": 1}]}, "checklist[0]"),
    ({"checklist": [{"id": "a", "description": "x"}, {"id": "a", "description": "y"}]}, "checklist[1].id"),
    ({"assignedTo": "nobody"}, "assignedTo"),
    ({"leadDays": -1}, "leadDays"),
    ({"foNumber": "x"}, "foNumber"),
])
def test_invalid_templates_are_refused(client, auth, change, field):
    r = client.post("/api/pm-templates", json=contract_body([]) | change, headers=auth("north", "manager"))
    assert r.status_code == 400, r.json
    assert field in [e["field"] for e in r.json["errors"]]


def test_patch_replaces_equipment_and_checklist(client, auth):
    h = auth("north", "manager")
    a, b, c = (create_equipment(client, h, tag) for tag in ("A", "B", "C"))
    template_id = client.post("/api/pm-templates", json=contract_body([a, b]), headers=h).json["id"]
    r = client.patch(f"/api/pm-templates/{template_id}", headers=h, json={
        "equipmentIds": [b, c], "checklist": [{"description": "Grease bearings", "required": True}],
        "frequencyType": "meter", "meter": "Hours", "frequency": 500})
    assert r.status_code == 200, r.json
    assert sorted(r.json["equipmentIds"]) == sorted([b, c])
    assert r.json["checklist"][0]["id"] == "item-1" and r.json["checklist"][0]["type"] == "checkbox"
    assert r.json["meter"] == "hours" and r.json["frequencyType"] == "meter"
    assert client.patch(f"/api/pm-templates/{template_id}", json={"name": None}, headers=h).status_code == 400
    r = client.patch(f"/api/pm-templates/{template_id}", json={"frequencyType": "calendar"}, headers=h)
    assert r.json["meter"] is None


def test_delete_removes_an_unused_template_and_deactivates_a_used_one(app, client, auth, users):
    h = auth("north", "manager")
    pump = create_equipment(client, h, "PUMP-1")
    unused = client.post("/api/pm-templates", json=contract_body([pump]), headers=h).json["id"]
    assert client.delete(f"/api/pm-templates/{unused}", headers=h).status_code == 204
    assert client.get(f"/api/pm-templates/{unused}", headers=h).status_code == 404

    used = client.post("/api/pm-templates", json=contract_body([pump]) | {"leadDays": 30}, headers=h).json["id"]
    assert pm_scheduler.schedule_due()["created"] == 1
    r = client.delete(f"/api/pm-templates/{used}", headers=h)
    assert r.status_code == 200 and r.json["active"] is False
    assert client.get(f"/api/pm-templates/{used}", headers=h).json["active"] is False
    wo = client.get("/api/work-orders?type=preventive", headers=h).json[0]
    assert wo["pmTemplateId"] == used and wo["estimatedDuration"] == 120 and wo["actualDuration"] == 0


def test_openapi_documents_the_pm_endpoints(client):
    spec = client.get("/api/openapi.json").json
    for path in ("/api/pm-templates", "/api/pm-templates/{template_id}", "/api/pm-compliance", "/api/kpis",
                 "/api/equipment/{equipment_id}/meter-readings", "/api/work-orders/{work_order_id}/checklist",
                 "/api/work-orders/{work_order_id}/checklist/{item_id}", "/api/work-orders/{work_order_id}/labor"):
        assert path in spec["paths"], path
    assert "availability = operatingHours / (assetsInService x window hours)" in spec["paths"]["/api/kpis"]["get"]["description"]
    assert "completedOnTime / due" in spec["paths"]["/api/pm-compliance"]["get"]["description"]
