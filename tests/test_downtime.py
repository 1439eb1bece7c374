"""Recorded downtime over HTTP: status changes open and close periods, failures can take an asset down."""
from __future__ import annotations

import factories

from portal.models import DomainEvent
from portal.platform.extensions import db


def status_events() -> list[DomainEvent]:
    return list(db.session.query(DomainEvent).filter_by(event="equipment.status_changed")
                .order_by(DomainEvent.created_at))


def test_down_and_back_up_records_a_period_and_events(client, auth, users):
    h = auth("north", "technician")
    tech = users["north"]["technician"]
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PUMP-9")
    job = factories.work_order(users.actor("north", "manager"), equipmentId=pump.id)
    r = client.post(f"/api/equipment/{pump.id}/status", headers=h,
                    json={"status": "down", "reason": "bearing seized", "workOrderId": job.id})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "down"
    [event] = status_events()
    assert {k: event.payload[k] for k in ("previousStatus", "status", "reason", "workOrderId", "changedBy")} == {
        "previousStatus": "active", "status": "down", "reason": "bearing seized", "workOrderId": job.id,
        "changedBy": tech.id}
    # The same status again changes nothing.
    assert client.post(f"/api/equipment/{pump.id}/status", headers=h, json={"status": "down"}).status_code == 200
    assert len(status_events()) == 1
    [period] = client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json
    assert (period["reason"], period["workOrderId"], period["endedAt"], period["startedBy"]) == (
        "bearing seized", job.id, None, tech.id)
    r = client.post(f"/api/equipment/{pump.id}/status", headers=h, json={"status": "active", "reason": "bearing replaced"})
    assert r.status_code == 200 and r.json["status"] == "active"
    ledger = client.get(f"/api/equipment/{pump.id}/downtime", headers=h)
    [period] = ledger.json
    assert period["endedAt"] is not None and period["endedBy"] == tech.id and ledger.headers["X-Total-Count"] == "1"
    assert [e.payload["status"] for e in status_events()] == ["down", "active"]


def test_patch_of_status_keeps_the_same_books(client, auth, users):
    h = auth("north", "manager")
    pump = factories.equipment(users.actor("north", "manager"))
    assert client.patch(f"/api/equipment/{pump.id}", json={"status": "down"}, headers=h).status_code == 200
    assert client.patch(f"/api/equipment/{pump.id}", json={"status": "maintenance"}, headers=h).status_code == 200
    assert client.patch(f"/api/equipment/{pump.id}", json={"status": "down"}, headers=h).status_code == 200
    periods = client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json
    assert len(periods) == 2 and periods[0]["endedAt"] is None and periods[1]["endedAt"] is not None


def test_a_breakdown_report_takes_the_asset_down_until_its_order_is_completed(client, auth, users):
    h = auth("north", "manager")
    pump = factories.equipment(users.actor("north", "manager"))
    r = client.post("/api/work-orders", headers=auth("north", "requester"), json={
        "title": "Conveyor stopped", "type": "corrective", "equipmentId": pump.id, "equipmentDown": True})
    assert r.status_code == 201, r.json
    wo = r.json["id"]
    assert client.get(f"/api/equipment/{pump.id}", headers=h).json["status"] == "down"
    [period] = client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json
    assert period["workOrderId"] == wo and period["endedAt"] is None
    assert client.patch(f"/api/work-orders/{wo}", json={"status": "in_progress"}, headers=h).status_code == 200
    assert client.get(f"/api/equipment/{pump.id}", headers=h).json["status"] == "down"
    assert client.patch(f"/api/work-orders/{wo}", json={"status": "completed"}, headers=h).status_code == 200
    assert client.get(f"/api/equipment/{pump.id}", headers=h).json["status"] == "active"
    [period] = client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json
    assert period["endedAt"] is not None
    assert [e.payload["workOrderId"] for e in status_events()] == [wo, wo]


def test_bad_status_changes_are_400_or_404(client, auth, users):
    h = auth("north", "manager")
    pump = factories.equipment(users.actor("north", "manager"))
    south_wo = factories.work_order(users.actor("south", "manager"))
    for body, field in (({"status": "broken"}, "status"), ({}, "status"),
                        ({"status": "down", "workOrderId": south_wo.id}, "workOrderId")):
        r = client.post(f"/api/equipment/{pump.id}/status", json=body, headers=h)
        assert r.status_code == 400 and r.json["errors"][0]["field"] == field, r.json
    r = client.post("/api/work-orders", headers=h, json={"title": "x", "type": "preventive", "equipmentId": pump.id,
                                                         "equipmentDown": True})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "equipmentDown"
    r = client.post("/api/work-orders", headers=h, json={"title": "x", "equipmentDown": True})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "equipmentDown"
    assert client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json == []
    assert status_events() == []
    # Another warehouse's equipment is not found; a requester may not change status.
    hs = auth("south", "manager")
    assert client.post(f"/api/equipment/{pump.id}/status", json={"status": "down"}, headers=hs).status_code == 404
    assert client.get(f"/api/equipment/{pump.id}/downtime", headers=hs).status_code == 404
    r = client.post(f"/api/equipment/{pump.id}/status", json={"status": "down"}, headers=auth("north", "requester"))
    assert r.status_code == 403
