"""Issue 23: the planner's estimate (estimatedDuration, minutes) is changed by PATCH /api/work-orders/{id}
and on the work order page: validated (whole minutes, 1 to 100000), null clears it, managers only, not on
a closed work order, recorded in the history and the work_order.updated event."""
from __future__ import annotations

import pytest

from portal.models import DomainEvent
from portal.platform.extensions import db


def create(client, headers, **body):
    return client.post("/api/work-orders", json={"title": "Pump alignment", **body}, headers=headers).get_json()


def test_patch_sets_changes_and_clears_the_estimate(client, auth, users):
    h = auth("north", "manager")
    wo = create(client, h)
    assert wo["estimatedDuration"] is None
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"estimatedDuration": 90})
    assert r.status_code == 200 and r.get_json()["estimatedDuration"] == 90
    assert r.get_json()["history"][-1]["changes"] == {"estimatedDuration": {"from": None, "to": 90}}
    events = db.session.query(DomainEvent).filter_by(event="work_order.updated", entity_id=wo["id"]).all()
    assert len(events) == 1 and events[0].payload["changes"] == {"estimatedDuration": {"from": None, "to": 90}}
    assert client.patch(f"/api/work-orders/{wo['id']}", headers=h,
                        json={"estimatedDuration": 100000}).get_json()["estimatedDuration"] == 100000
    cleared = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"estimatedDuration": None})
    assert cleared.status_code == 200 and cleared.get_json()["estimatedDuration"] is None


@pytest.mark.parametrize("value", [0, -5, 100001, 1.5, "ninety", True])
def test_bad_estimates_are_400_on_the_field(client, auth, users, value):
    h = auth("north", "manager")
    wo = create(client, h, estimatedDuration=60)
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"estimatedDuration": value})
    assert r.status_code == 400, r.get_json()
    body = r.get_json()
    assert body["message"] and body["errors"][0]["field"] == "estimatedDuration"
    assert client.get(f"/api/work-orders/{wo['id']}", headers=h).get_json()["estimatedDuration"] == 60


def test_technicians_closed_work_orders_and_other_warehouses_are_refused(client, auth, users):
    h = auth("north", "manager")
    tech = users["north"]["technician"]
    wo = create(client, h, assignedTo=tech.id)
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=auth("north", "technician"), json={"estimatedDuration": 30})
    assert r.status_code == 403 and r.get_json()["errors"][0]["field"] == "estimatedDuration"
    assert client.patch(f"/api/work-orders/{wo['id']}", headers=auth("south", "manager"),
                        json={"estimatedDuration": 30}).status_code == 404
    client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"status": "cancelled"})
    closed = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"estimatedDuration": 30})
    assert closed.status_code == 409 and closed.get_json()["message"]
