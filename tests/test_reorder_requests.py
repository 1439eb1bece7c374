"""Reorder requests over the API: open -> ordered -> received, receiving = one receipt movement."""
from __future__ import annotations

from collections import Counter

import factories
from sqlalchemy import select

from portal.models import Part, ReorderRequest, StockMovement
from portal.platform.extensions import db
from portal.schemas.parts import StockMovementCreate
from portal.services.common.errors import Conflict
from portal.services.inventory import parts as parts_service


def _raise_reorder(manager, **fields) -> tuple[str, str]:
    """A part with auto-reorder that runs low through a real movement: (request id, part id)."""
    part = factories.part(manager, stockLevel=12, reorderPoint=10, reorderQuantity=40, autoReorder=True, **fields)
    parts_service.record_stock_movement(manager, part.id, StockMovementCreate(type="adjustment", quantity=-5))
    request = db.session.scalars(select(ReorderRequest).where(ReorderRequest.part_id == part.id)).one()
    return request.id, part.id


def test_ordered_then_received_books_one_receipt(client, auth, users):
    request_id, part_id = _raise_reorder(users.actor("north", "manager"))
    h = auth("north", "manager")
    listed = client.get("/api/parts/reorder-requests?status=open", headers=h)
    assert [r["id"] for r in listed.json] == [request_id]
    assert listed.json[0]["orderedAt"] is None and listed.json[0]["stockMovementId"] is None
    r = client.post(f"/api/reorder-requests/{request_id}/ordered", headers=h)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "ordered" and r.json["orderedAt"].endswith("Z")
    assert r.json["orderedBy"] == users["north"]["manager"].id
    assert client.post(f"/api/reorder-requests/{request_id}/ordered", headers=h).status_code == 409
    assert client.get("/api/parts/reorder-requests?status=open", headers=h).json == []
    r = client.post(f"/api/reorder-requests/{request_id}/received", json={"note": "Delivery note 881"}, headers=h)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "received" and r.json["receivedAt"].endswith("Z")
    ledger = client.get(f"/api/parts/{part_id}/stock-movements", headers=h).json
    assert ledger[0]["id"] == r.json["stockMovementId"]
    assert (ledger[0]["type"], ledger[0]["quantity"], ledger[0]["levelAfter"], ledger[0]["note"]) == \
        ("receipt", 40, 47, "Delivery note 881")
    again = client.post(f"/api/reorder-requests/{request_id}/received", headers=h)
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "status"
    assert client.get(f"/api/parts/{part_id}", headers=h).json["stockLevel"] == 47
    assert client.get(f"/api/reorder-requests/{request_id}", headers=h).json["status"] == "received"


def test_roles_bad_input_and_other_warehouse(client, auth, users):
    request_id, _ = _raise_reorder(users.actor("north", "manager"))
    assert client.post(f"/api/reorder-requests/{request_id}/ordered",
                       headers=auth("north", "technician")).status_code == 403
    assert client.post(f"/api/reorder-requests/{request_id}/received",
                       headers=auth("north", "requester")).status_code == 403
    for path in (f"/api/reorder-requests/{request_id}", f"/api/reorder-requests/{request_id}/ordered",
                 f"/api/reorder-requests/{request_id}/received"):
        method = client.get if path.endswith(request_id) else client.post
        r = method(path, headers=auth("south", "manager"))
        assert r.status_code == 404 and r.json["message"] == "Reorder request not found", path
    bad = client.post(f"/api/reorder-requests/{request_id}/received", json={"note": 5},
                      headers=auth("north", "manager"))
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "note"
    assert client.get("/api/parts/reorder-requests?status=lost", headers=auth("north", "manager")).status_code == 400
    # A technician books a delivery in straight from open (receiving is storeroom routine).
    r = client.post(f"/api/reorder-requests/{request_id}/received", headers=auth("north", "technician"))
    assert r.status_code == 200 and r.json["orderedAt"] is None


def test_receiving_twice_at_once_books_one_receipt(app, users):
    manager = users.actor("north", "manager")
    request_id, part_id = _raise_reorder(manager)

    def work(_i: int) -> str:
        try:
            parts_service.mark_reorder_received(manager, request_id)
            return "received"
        except Conflict:
            return "refused"

    results = factories.run_together(app, 6, work)
    assert all(kind == "ok" for kind, _ in results), results
    assert Counter(value for _, value in results) == {"received": 1, "refused": 5}
    db.session.rollback()
    receipts = list(db.session.scalars(select(StockMovement).where(StockMovement.part_id == part_id,
                                                                   StockMovement.kind == "receipt")))
    assert len(receipts) == 1 and receipts[0].quantity == 40
    assert db.session.get(Part, part_id).stock_level == 7 + 40
    assert db.session.get(ReorderRequest, request_id).stock_movement_id == receipts[0].id


def test_a_failed_receipt_leaves_the_request_open(app, users):
    """Status and receipt are one transaction: a receipt the service refuses marks nothing received."""
    manager = users.actor("north", "manager")
    request_id, part_id = _raise_reorder(manager)
    parts_service.record_stock_movement(manager, part_id, StockMovementCreate(type="count", quantity=999_999_990))
    try:
        parts_service.mark_reorder_received(manager, request_id)
    except Exception as exc:  # the level would pass 1000000000
        assert getattr(exc, "errors", None) and exc.errors[0]["field"] == "quantity"
    else:
        raise AssertionError("receipt over the stock limit was accepted")
    db.session.rollback()
    assert db.session.get(ReorderRequest, request_id).status == "open"
    assert db.session.scalar(select(StockMovement).where(StockMovement.part_id == part_id,
                                                         StockMovement.kind == "receipt")) is None
