"""Equipment over HTTP: the contract's objects, filters, unique asset tags, status events."""
from __future__ import annotations

import factories
import pytest

from portal.models import DomainEvent, Equipment
from portal.platform.extensions import db

CONTRACT_FIELDS = {"id", "assetTag", "model", "manufacturer", "description", "status", "location", "area",
                   "criticality", "installDate", "warehouseId"}
CONTRACT_EXAMPLE = {
    "assetTag": "MOTOR-205",
    "model": "ABB M3BP 160MLA4",
    "manufacturer": "ABB",
    "description": "Conveyor drive motor",
    "location": "Production Line 2",
    "area": "Assembly",
    "criticality": "medium",
}


def events(name: str) -> list[DomainEvent]:
    return list(db.session.query(DomainEvent).filter_by(event=name).order_by(DomainEvent.created_at))


def test_create_with_the_contract_example(client, auth, users):
    h = auth("north", "manager")
    r = client.post("/api/equipment", json=CONTRACT_EXAMPLE, headers=h)
    assert r.status_code == 201, r.json
    eq = r.json
    assert set(eq) >= CONTRACT_FIELDS
    assert {k: eq[k] for k in CONTRACT_EXAMPLE} == CONTRACT_EXAMPLE
    assert eq["status"] == "active" and eq["installDate"] is None
    assert eq["warehouseId"] == users["north"]["manager"].warehouse_id
    listed = client.get("/api/equipment", headers=h)
    assert listed.status_code == 200 and listed.json == [eq]
    assert client.get(f"/api/equipment/{eq['id']}", headers=h).json == eq
    [created] = events("equipment.created")
    assert created.entity_id == eq["id"] and created.payload["equipment"]["assetTag"] == "MOTOR-205"
    assert created.payload["createdBy"] == users["north"]["manager"].id


def test_list_example_fields_round_trip(client, auth, users):
    body = {"assetTag": "PUMP-001", "model": "Grundfos CR 64", "manufacturer": "Grundfos",
            "description": "Main circulation pump", "status": "active", "location": "Building A - Basement",
            "area": "Mechanical Room", "criticality": "high", "installDate": "2023-06-15T00:00:00.000Z"}
    h = auth("north", "admin")
    assert client.post("/api/equipment", json=body, headers=h).status_code == 201
    [row] = client.get("/api/equipment", headers=h).json
    assert {k: row[k] for k in body} == body


def test_install_date_may_be_a_plain_date(client, auth, users):
    r = client.post("/api/equipment", json={"assetTag": "FAN-1", "installDate": "2023-06-15"},
                    headers=auth("north", "manager"))
    assert r.status_code == 201, r.json
    assert r.json["installDate"] == "2023-06-15T00:00:00.000Z"


def test_duplicate_asset_tag_is_409_per_warehouse(client, auth, users):
    h = auth("north", "manager")
    assert client.post("/api/equipment", json=CONTRACT_EXAMPLE, headers=h).status_code == 201
    r = client.post("/api/equipment", json=CONTRACT_EXAMPLE, headers=h)
    assert r.status_code == 409
    assert r.json["errors"] == [{"field": "assetTag", "message": "Asset tag MOTOR-205 is already in use"}]
    assert len(events("equipment.created")) == 1
    # Another warehouse may use the same tag.
    assert client.post("/api/equipment", json=CONTRACT_EXAMPLE, headers=auth("south", "manager")).status_code == 201


def test_renaming_onto_an_existing_tag_is_409(client, auth, users):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="PUMP-1")
    other = factories.equipment(manager, assetTag="PUMP-2")
    h = auth("north", "manager")
    r = client.patch(f"/api/equipment/{other.id}", json={"assetTag": "PUMP-1"}, headers=h)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "assetTag"
    # Keeping its own tag is fine.
    assert client.patch(f"/api/equipment/{other.id}", json={"assetTag": "PUMP-2"}, headers=h).status_code == 200


def test_patch_updates_and_records_events(client, auth, users):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, status="active", location="Building A")
    h = auth("north", "manager")
    r = client.patch(f"/api/equipment/{pump.id}", json={"location": "Building B"}, headers=h)
    assert r.status_code == 200 and r.json["location"] == "Building B"
    [updated] = events("equipment.updated")
    assert updated.payload["changes"] == {"location": {"from": "Building A", "to": "Building B"}}
    assert events("equipment.status_changed") == []
    r = client.patch(f"/api/equipment/{pump.id}", json={"status": "down", "installDate": "2020-01-01T00:00:00Z"},
                     headers=h)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "down" and r.json["installDate"] == "2020-01-01T00:00:00.000Z"
    [changed] = events("equipment.status_changed")
    assert (changed.payload["previousStatus"], changed.payload["status"]) == ("active", "down")
    assert changed.payload["changedBy"] == manager.id
    assert len(events("equipment.updated")) == 2
    # Same values again: nothing changes, nothing is announced.
    assert client.patch(f"/api/equipment/{pump.id}", json={"status": "down"}, headers=h).status_code == 200
    assert len(events("equipment.updated")) == 2 and len(events("equipment.status_changed")) == 1


@pytest.mark.parametrize("body, field", [
    ({}, "assetTag"),
    ({"assetTag": ""}, "assetTag"),
    ({"assetTag": "X", "status": "broken"}, "status"),
    ({"assetTag": "X", "criticality": "extreme"}, "criticality"),
    ({"assetTag": "X", "installDate": "yesterday"}, "installDate"),
])
def test_create_validation(client, auth, users, body, field):
    r = client.post("/api/equipment", json=body, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert db.session.query(Equipment).count() == 0
    assert events("equipment.created") == []


@pytest.mark.parametrize("field", ["assetTag", "status", "criticality"])
def test_patch_refuses_null_for_required_fields(client, auth, users, field):
    pump = factories.equipment(users.actor("north", "manager"))
    r = client.patch(f"/api/equipment/{pump.id}", json={field: None}, headers=auth("north", "manager"))
    assert r.status_code == 400 and r.json["errors"] == [{"field": field, "message": "May not be null"}]


def test_list_filters(client, auth, users):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="PUMP-101", status="active", criticality="high", manufacturer="Grundfos")
    factories.equipment(manager, assetTag="MOTOR-205", status="down", criticality="critical", manufacturer="ABB",
                        model="M3BP", description="Conveyor drive motor")
    factories.equipment(manager, assetTag="FAN-7", status="maintenance", criticality="low", manufacturer="Ziehl",
                        model="ZN063", description="Exhaust fan", location="Roof")
    h = auth("north", "manager")

    def tags(query: str) -> list[str]:
        r = client.get(f"/api/equipment?{query}", headers=h)
        assert r.status_code == 200, r.json
        return [e["assetTag"] for e in r.json]

    assert tags("") == ["FAN-7", "MOTOR-205", "PUMP-101"]
    assert tags("status=down,maintenance") == ["FAN-7", "MOTOR-205"]
    assert tags("criticality=high") == ["PUMP-101"]
    assert tags("q=abb") == ["MOTOR-205"]
    assert tags("q=roof") == ["FAN-7"]
    assert tags("q=conveyor&status=down") == ["MOTOR-205"]
    r = client.get("/api/equipment?limit=2", headers=h)
    assert len(r.json) == 2 and r.headers["X-Total-Count"] == "3" and 'rel="next"' in r.headers["Link"]
    assert client.get("/api/equipment?status=broken", headers=h).status_code == 400


def test_unknown_equipment_is_404(client, auth, users):
    r = client.get("/api/equipment/nope", headers=auth("north", "manager"))
    assert r.status_code == 404 and r.json == {"message": "Equipment not found", "errors": []}
