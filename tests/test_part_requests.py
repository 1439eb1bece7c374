"""The part picker's order and stock notes, and part requests from a work order: the service (one
request per work order and part, its quantity updated, parts.requested once per change) and the API
(POST/GET /api/work-orders/{id}/part-requests, roles, other warehouse, closed work orders)."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import func, select

from portal.models import ReorderRequest
from portal.models.events import DomainEvent
from portal.platform.extensions import db
from portal.schemas.parts import PartRequestCreate
from portal.services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.services.inventory import parts as parts_service
from portal.services.inventory import requests as request_service


def _events(name: str) -> list[DomainEvent]:
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event == name)
                                   .order_by(DomainEvent.created_at, DomainEvent.id)))


def _requests() -> list[ReorderRequest]:
    return list(db.session.scalars(select(ReorderRequest).order_by(ReorderRequest.created_at)))


@pytest.fixture
def shelf(users):
    """Parts matching "brg" in every way, in and out of stock, and an assigned work order."""
    manager = users.actor("north", "manager")
    parts = {n: factories.part(manager, partNumber=n, description=d, stockLevel=s) for n, d, s in (
        ("BRG", "Bearing, generic", 0),           # exact number, out of stock
        ("BRG-6205", "Ball bearing 6205", 7),     # number starts with it
        ("ABRG-1", "Adapter", 1),                 # number contains it
        ("SEAL-9", "Seal for the brg housing", 4),  # description only
        ("BRG-1000", "Ball bearing 1000", 0),     # number starts with it, out of stock
        ("BELT-A42", "V-belt", 3),                # no match
    )}
    wo = factories.work_order(manager, assignedTo=users["north"]["technician"].id)
    return parts, wo


def test_picker_lists_in_stock_first_best_match_first_and_says_short_stock(users, shelf):
    tech = users.actor("north", "technician")
    choices = parts_service.pick_parts(tech, "brg", wanted=3)
    assert [c.part.part_number for c in choices] == ["BRG-6205", "ABRG-1", "SEAL-9", "BRG", "BRG-1000"]
    notes = {c.part.part_number: (c.stock_note, c.short, c.missing) for c in choices}
    assert notes["BRG-6205"] == ("7 in stock", False, 0)
    assert notes["ABRG-1"] == ("Only 1 in stock", True, 2)
    assert notes["BRG"] == ("Out of stock", False, 3)
    # With nothing typed: in stock first, then by part number; another warehouse's parts never.
    factories.part(users.actor("south", "manager"), partNumber="AAA-SOUTH", stockLevel=9)
    every = [c.part.part_number for c in parts_service.pick_parts(tech, None)]
    assert every == ["ABRG-1", "BELT-A42", "BRG-6205", "SEAL-9", "BRG", "BRG-1000"]
    # % and _ are letters in a search, not wildcards.
    assert parts_service.pick_parts(tech, "B_G") == []


def test_request_creates_once_then_updates_the_quantity_with_one_event_per_change(users, shelf):
    parts, wo = shelf
    tech = users.actor("north", "technician")
    first, created = request_service.request_part(tech, wo.id, PartRequestCreate(partId=parts["BRG"].id, quantity=2))
    assert created and (first.status, first.quantity, first.work_order_id, first.requested_by) == \
        ("open", 2, wo.id, tech.id)
    [event] = _events("parts.requested")
    assert (event.entity, event.entity_id, event.actor_id) == ("work_order", wo.id, tech.id)
    payload = event.payload
    assert (payload["workOrderId"], payload["foNumber"], payload["reorderRequestId"]) == (wo.id, wo.fo_number, first.id)
    assert (payload["quantity"], payload["previousQuantity"], payload["status"]) == (2, None, "open")
    assert payload["part"]["partNumber"] == "BRG" and payload["part"]["stockLevel"] == 0
    assert payload["requestedBy"] == tech.id and payload["timestamp"].endswith("Z")

    # The same again (a double tap): nothing changes, nothing is recorded.
    same, created = request_service.request_part(tech, wo.id, PartRequestCreate(partId=parts["BRG"].id, quantity=2))
    assert not created and same.id == first.id and len(_events("parts.requested")) == 1
    # Another quantity: the same request, now for 5; one more event saying what it was.
    more, created = request_service.request_part(tech, wo.id, PartRequestCreate(partId=parts["BRG"].id, quantity=5))
    assert not created and more.id == first.id and more.quantity == 5 and more.updated_at is not None
    assert [e.payload["previousQuantity"] for e in _events("parts.requested")] == [None, 2]
    assert len(_requests()) == 1
    # No inventory.reorder: that event stays the automatic reorder's.
    assert _events("inventory.reorder") == []


def test_ordered_request_is_not_changed_and_a_received_one_allows_a_new_request(users, shelf):
    parts, wo = shelf
    tech, manager = users.actor("north", "technician"), users.actor("north", "manager")
    ask = PartRequestCreate(partId=parts["BRG-1000"].id, quantity=2)
    first, _ = request_service.request_part(tech, wo.id, ask)
    parts_service.mark_reorder_ordered(manager, first.id)
    with pytest.raises(Conflict) as refused:
        request_service.request_part(tech, wo.id, PartRequestCreate(partId=parts["BRG-1000"].id, quantity=4))
    assert "already ordered" in refused.value.errors[0]["message"]
    parts_service.mark_reorder_received(tech, first.id)
    again, created = request_service.request_part(tech, wo.id, ask)
    assert created and again.id != first.id
    assert [r.status for r in _requests()] == ["received", "open"]


def test_who_may_request_and_where(users, shelf):
    parts, wo = shelf
    manager = users.actor("north", "manager")
    ask = PartRequestCreate(partId=parts["BRG"].id, quantity=1)
    theirs = factories.work_order(manager)  # not assigned to the technician
    with pytest.raises(Forbidden):
        request_service.request_part(users.actor("north", "technician"), theirs.id, ask)
    with pytest.raises(Forbidden):
        request_service.request_part(users.actor("north", "requester"), wo.id, ask)
    with pytest.raises(NotFound):
        request_service.request_part(users.actor("south", "manager"), wo.id, ask)
    south_part = factories.part(users.actor("south", "manager"), stockLevel=0)
    with pytest.raises(ValidationFailed) as unknown:
        request_service.request_part(manager, wo.id, PartRequestCreate(partId=south_part.id, quantity=1))
    assert unknown.value.errors == [{"field": "partId", "message": "Part not found"}]
    factories.move_to(manager, wo.id, "cancelled")
    with pytest.raises(Conflict) as closed:
        request_service.request_part(manager, wo.id, ask)
    assert closed.value.errors[0]["message"] == f"{wo.fo_number} is cancelled: parts can no longer be requested for it"
    assert db.session.scalar(select(func.count()).select_from(ReorderRequest)) == 0
    assert _events("parts.requested") == []


# ---- the API ----------------------------------------------------------------------------------

def test_api_request_update_list_and_reorder_list(client, auth, users, shelf):
    parts, wo = shelf
    h = auth("north", "technician")
    path = f"/api/work-orders/{wo.id}/part-requests"
    r = client.post(path, json={"partId": parts["BRG"].id, "quantity": 2}, headers=h)
    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["quantity"], r.json["workOrderId"], r.json["requestedBy"]) == \
        ("open", 2, wo.id, users["north"]["technician"].id)
    again = client.post(path, json={"partId": parts["BRG"].id, "quantity": 3}, headers=h)
    assert again.status_code == 200 and again.json["id"] == r.json["id"] and again.json["quantity"] == 3
    assert again.json["updatedAt"].endswith("Z")
    listed = client.get(path, headers=h)
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert [(x["id"], x["quantity"]) for x in listed.json] == [(r.json["id"], 3)]
    assert client.get(path + "?status=ordered", headers=h).json == []
    # The manager's list of reorder requests carries it, with the work order waiting for it.
    reorders = client.get("/api/parts/reorder-requests", headers=auth("north", "manager")).json
    assert [(x["id"], x["workOrderId"]) for x in reorders] == [(r.json["id"], wo.id)]
    assert len(_events("parts.requested")) == 2


def test_api_refusals_in_the_contract_format(client, auth, users, shelf):
    parts, wo = shelf
    path = f"/api/work-orders/{wo.id}/part-requests"
    ask = {"partId": parts["BRG"].id, "quantity": 1}
    other = client.post(path, json=ask, headers=auth("south", "manager"))
    assert other.status_code == 404 and other.json["message"] == "Work order not found"
    assert client.get(path, headers=auth("south", "manager")).status_code == 404
    assert client.post(path, json=ask, headers=auth("north", "requester")).status_code == 403
    bad = client.post(path, json={"partId": parts["BRG"].id, "quantity": 0, "note": "x"}, headers=auth("north", "manager"))
    assert bad.status_code == 400 and {e["field"] for e in bad.json["errors"]} == {"quantity", "note"}
    factories.move_to(users.actor("north", "manager"), wo.id, "cancelled")
    closed = client.post(path, json=ask, headers=auth("north", "manager"))
    assert closed.status_code == 409 and set(closed.json) == {"message", "errors"}
    assert closed.json["errors"] == [{"field": "workOrderId",
                                      "message": f"{wo.fo_number} is cancelled: parts can no longer be requested for it"}]


def test_openapi_documents_the_part_requests(client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/work-orders/{work_order_id}/part-requests"]["post"]
    assert {"201", "200", "400", "403", "404", "409"} <= set(post["responses"])
    assert post["responses"]["200"]["content"] == post["responses"]["201"]["content"]
    assert "PartRequestCreate" in str(post["requestBody"])
    assert "get" in spec["paths"]["/api/work-orders/{work_order_id}/part-requests"]


def test_taps_at_the_same_moment_leave_one_request(app, users, shelf):
    parts, wo = shelf
    tech = users.actor("north", "technician")
    ask = PartRequestCreate(partId=parts["BRG"].id, quantity=2)
    results = factories.run_together(app, 6, lambda i: request_service.request_part(tech, wo.id, ask)[1])
    assert sorted(value for kind, value in results if kind == "ok") == [False] * 5 + [True], results
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    assert [(r.quantity, r.status) for r in _requests()] == [(2, "open")]
    assert len(_events("parts.requested")) == 1
