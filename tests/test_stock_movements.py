"""The stock ledger over HTTP: receipts, adjustments, counts, consumption, and the events they raise."""
from __future__ import annotations

import factories

from portal.models import DomainEvent, ReorderRequest
from portal.platform.extensions import db


def events(name: str) -> list[DomainEvent]:
    return list(db.session.query(DomainEvent).filter_by(event=name).order_by(DomainEvent.created_at))


def move(client, headers, part_id, kind, quantity, note=None):
    body = {"type": kind, "quantity": quantity}
    if note is not None:
        body["note"] = note
    return client.post(f"/api/parts/{part_id}/stock-movements", json=body, headers=headers)


def test_receipt_adjustment_and_count_are_recorded_and_summed(client, auth, users):
    h = auth("north", "manager")
    manager = users["north"]["manager"]
    part = factories.part(users.actor("north", "manager"), stockLevel=10)
    r = move(client, h, part.id, "receipt", 25, "PO 4711")
    assert r.status_code == 201, r.json
    assert {k: r.json[k] for k in ("type", "quantity", "levelAfter", "note", "workOrderId", "createdBy")} == {
        "type": "receipt", "quantity": 25, "levelAfter": 35, "note": "PO 4711", "workOrderId": None,
        "createdBy": manager.id}
    assert r.json["createdAt"].endswith("Z")
    assert move(client, h, part.id, "adjustment", -3, "dropped in the sump").json["levelAfter"] == 32
    r = move(client, h, part.id, "count", 30, "quarterly stocktake")
    assert (r.json["quantity"], r.json["levelAfter"]) == (-2, 30)
    assert client.get(f"/api/parts/{part.id}", headers=h).json["stockLevel"] == 30
    ledger = client.get(f"/api/parts/{part.id}/stock-movements", headers=h)
    assert ledger.status_code == 200 and ledger.headers["X-Total-Count"] == "4"
    assert [m["type"] for m in ledger.json] == ["count", "adjustment", "receipt", "initial"]  # newest first
    assert sum(m["quantity"] for m in ledger.json) == 30
    page = client.get(f"/api/parts/{part.id}/stock-movements?limit=1&page=2", headers=h)
    assert len(page.json) == 1 and 'rel="next"' in page.headers["Link"]


def test_consumption_appears_in_the_ledger_with_its_work_order(client, auth, users):
    h = auth("north", "manager")
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    part = factories.part(manager, stockLevel=8)
    r = client.post("/api/parts/consume", headers=h, json={
        "workOrderId": job.id, "partsUsage": [{"partId": part.id, "quantityUsed": 3}]})
    assert r.status_code == 201
    ledger = client.get(f"/api/parts/{part.id}/stock-movements", headers=h).json
    [used] = [m for m in ledger if m["type"] == "consumption"]
    assert (used["quantity"], used["levelAfter"], used["workOrderId"]) == (-3, 5, job.id)


def test_bad_movements_are_400_or_409_and_change_nothing(client, auth, users):
    h = auth("north", "manager")
    part = factories.part(users.actor("north", "manager"), stockLevel=4)
    for body in ({"type": "receipt", "quantity": 0}, {"type": "receipt", "quantity": -5},
                 {"type": "adjustment", "quantity": 0}, {"type": "count", "quantity": -1}):
        r = client.post(f"/api/parts/{part.id}/stock-movements", json=body, headers=h)
        assert r.status_code == 400 and r.json["errors"][0]["field"] == "quantity", (body, r.json)
    for body in ({"type": "initial", "quantity": 3}, {"type": "consumption", "quantity": 1}, {"quantity": 1}):
        r = client.post(f"/api/parts/{part.id}/stock-movements", json=body, headers=h)
        assert r.status_code == 400 and r.json["errors"][0]["field"] == "type", (body, r.json)
    r = move(client, h, part.id, "adjustment", -5)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "quantity"
    r = move(client, h, part.id, "receipt", 1_000_000_000)
    assert r.status_code == 400
    assert client.get(f"/api/parts/{part.id}", headers=h).json["stockLevel"] == 4
    assert client.get(f"/api/parts/{part.id}/stock-movements", headers=h).headers["X-Total-Count"] == "1"
    assert client.get("/api/parts/nope/stock-movements", headers=h).status_code == 404


def test_low_stock_and_reorder_follow_movements(client, auth, users):
    h = auth("north", "manager")
    part = factories.part(users.actor("north", "manager"), partNumber="FLT-9", stockLevel=12, reorderPoint=10,
                          autoReorder=True, reorderQuantity=40)
    assert move(client, h, part.id, "adjustment", -2).status_code == 201  # 10: at the point
    [low] = events("inventory.low_stock")
    assert (low.payload["previousStockLevel"], low.payload["stockLevel"]) == (12, 10)
    [reorder] = events("inventory.reorder")
    assert reorder.payload["quantity"] == 40 and db.session.query(ReorderRequest).count() == 1
    assert move(client, h, part.id, "count", 8).status_code == 201  # same dip: no new alert
    assert len(events("inventory.low_stock")) == 1
    assert move(client, h, part.id, "receipt", 40).status_code == 201  # 48: re-armed
    assert move(client, h, part.id, "count", 3).status_code == 201  # a new dip
    assert len(events("inventory.low_stock")) == 2 and len(events("inventory.reorder")) == 2


def test_a_part_created_without_stock_has_an_empty_ledger(client, auth, users):
    h = auth("north", "manager")
    part = factories.part(users.actor("north", "manager"), stockLevel=0)
    r = client.get(f"/api/parts/{part.id}/stock-movements", headers=h)
    assert r.json == [] and r.headers["X-Total-Count"] == "0"
