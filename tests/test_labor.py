"""Labor on work orders: wrench time booked, actualDuration as its sum."""
from __future__ import annotations

import pytest


@pytest.fixture
def order(client, auth, users):
    r = client.post("/api/work-orders", headers=auth("north", "manager"),
                    json={"title": "Replace bearing", "assignedTo": users["north"]["technician"].id})
    return r.json["id"]


def book(client, h, wo_id, body):
    return client.post(f"/api/work-orders/{wo_id}/labor", json=body, headers=h)


def test_labor_adds_up_to_the_actual_duration(client, auth, users, order):
    tech = auth("north", "technician")
    r = book(client, tech, order, {"minutes": 45, "note": "Removed the old bearing"})
    assert r.status_code == 201, r.json
    assert r.json["userId"] == users["north"]["technician"].id and r.json["minutes"] == 45
    assert r.json["actualDuration"] == 45
    r = book(client, auth("north", "manager"), order,
             {"userId": users["north"]["technician2"].id, "minutes": 30, "performedAt": "2026-01-05T10:00:00Z"})
    assert r.status_code == 201 and r.json["actualDuration"] == 75
    listing = client.get(f"/api/work-orders/{order}/labor", headers=auth("north", "requester")).json
    assert listing["actualDuration"] == 75
    assert [e["minutes"] for e in listing["entries"]] == [30, 45]  # by performedAt
    assert client.get(f"/api/work-orders/{order}", headers=tech).json["actualDuration"] == 75


def test_technicians_book_their_own_time_on_their_own_work_orders(client, auth, users, order):
    r = book(client, auth("north", "technician"), order, {"userId": users["north"]["technician2"].id, "minutes": 5})
    assert r.status_code == 403 and r.json["errors"][0]["field"] == "userId"
    assert book(client, auth("north", "technician2"), order, {"minutes": 5}).status_code == 403
    assert book(client, auth("north", "requester"), order, {"minutes": 5}).status_code == 403
    assert book(client, auth("south", "manager"), order, {"minutes": 5}).status_code == 404
    assert client.get(f"/api/work-orders/{order}/labor", headers=auth("south", "manager")).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"minutes": 0}, "minutes"),
    ({"minutes": 24 * 60 + 1}, "minutes"),
    ({}, "minutes"),
    ({"minutes": 5, "userId": "nobody"}, "userId"),
    ({"minutes": 5, "performedAt": "2999-01-01T00:00:00Z"}, "performedAt"),
])
def test_invalid_labor_is_refused(client, auth, order, body, field):
    r = book(client, auth("north", "manager"), order, body)
    assert r.status_code == 400
    assert [e["field"] for e in r.json["errors"]] == [field]


def test_no_labor_on_a_cancelled_work_order(client, auth, order):
    h = auth("north", "manager")
    client.patch(f"/api/work-orders/{order}", json={"status": "cancelled"}, headers=h)
    assert book(client, h, order, {"minutes": 10}).status_code == 409


def test_user_of_another_warehouse_is_not_found(client, auth, users, order):
    r = book(client, auth("north", "manager"), order, {"minutes": 10, "userId": users["south"]["technician"].id})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "userId"
