"""Stock pages: /parts list, /parts/<id> with receive/adjust/count, create/edit, /parts/reorders."""
from __future__ import annotations

from collections import Counter

import factories
import pytest
from sqlalchemy import select

from portal.models import DomainEvent, Part, ReorderRequest, StockMovement
from portal.platform.extensions import db
from portal.schemas.parts import StockMovementCreate
from portal.services.inventory import parts as parts_service
from web.conftest import count_queries, csrf_from

HX = {"HX-Request": "true"}


def _token(client, path: str = "/parts") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def _reorder(manager, **fields):
    """A part with auto-reorder that runs low through a real movement: the service raises the request."""
    part = factories.part(manager, stockLevel=12, reorderPoint=10, reorderQuantity=40, autoReorder=True, **fields)
    parts_service.record_stock_movement(manager, part.id, StockMovementCreate(type="adjustment", quantity=-5))
    return db.session.scalars(select(ReorderRequest).where(ReorderRequest.part_id == part.id)).one(), part



@pytest.mark.parametrize("role", ["admin", "manager", "technician", "requester"])
def test_every_role_sees_the_list_with_low_stock_marked(client, users, portal_login, role):
    manager = users.actor("north", "manager")
    factories.part(manager, partNumber="BRG-OK", stockLevel=50, reorderPoint=10)
    factories.part(manager, partNumber="BRG-LOW", stockLevel=10, reorderPoint=10)  # at the point counts as low
    factories.part(users.actor("south", "manager"), partNumber="SOUTH-1")
    portal_login(users["north"][role])
    html = client.get("/parts").get_data(as_text=True)
    assert "BRG-OK" in html and "BRG-LOW" in html and "SOUTH-1" not in html
    low_row = html.split('id="part-')[1:]
    low = next(r for r in low_row if "BRG-LOW" in r).split("</tr>")[0]
    ok = next(r for r in low_row if "BRG-OK" in r).split("</tr>")[0]
    assert "Low stock" in low and 'class="part low"' in html and "Low stock" not in ok
    assert ('href="/parts/new"' in html) == (role in ("admin", "manager"))
    assert 'href="/parts"' in html  # nav link for every role


def test_list_filters_paging_and_fragment(client, users, portal_login):
    manager = users.actor("north", "manager")
    factories.part(manager, partNumber="SEAL-1", category="Seals", supplier="Acme Seals", stockLevel=1, reorderPoint=5)
    factories.part(manager, partNumber="SEAL-2", category="Seals", stockLevel=50, reorderPoint=5)
    factories.part(manager, partNumber="BELT-1", category="Belts", description="V-belt A42", stockLevel=50)
    portal_login(users["north"]["technician"])
    html = client.get("/parts?category=Seals").get_data(as_text=True)
    assert "SEAL-1" in html and "SEAL-2" in html and "BELT-1" not in html
    html = client.get("/parts?lowStock=true").get_data(as_text=True)
    assert "SEAL-1" in html and "SEAL-2" not in html
    assert "BELT-1" in client.get("/parts?q=v-belt").get_data(as_text=True)
    assert "SEAL-1" in client.get("/parts?q=acme").get_data(as_text=True)
    fragment = client.get("/parts?q=seal", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="results"')
    assert "HX-Request" in fragment.headers["Vary"]
    empty = client.get("/parts?q=nothing-like-this").get_data(as_text=True)
    assert "No part matches these filters" in empty
    for i in range(30):
        factories.part(manager, partNumber=f"ZZ-{i:03d}")
    first = client.get("/parts").get_data(as_text=True)
    assert "Page 1 of 2" in first and "ZZ-021" in first and "ZZ-022" not in first
    second = client.get("/parts?page=2").get_data(as_text=True)
    assert "ZZ-029" in second
    bad = client.get("/parts?limit=9999")
    assert bad.status_code == 422 and "Limit must be 500 or less" in bad.get_data(as_text=True)


def test_list_query_count_does_not_grow_with_rows(client, users, portal_login):
    manager = users.actor("north", "manager")
    portal_login(users["north"]["manager"])
    factories.part(manager)
    few = count_queries(client, "/parts")
    for i in range(15):
        factories.part(manager, stockLevel=i, reorderPoint=5)
    assert count_queries(client, "/parts") == few
    reorder, _ = _reorder(manager)
    few = count_queries(client, "/parts/reorders")
    for _ in range(6):
        _reorder(manager)
    assert count_queries(client, "/parts/reorders") == few


def test_detail_shows_level_and_ledger_and_other_warehouse_is_404(client, users, portal_login):
    manager = users.actor("north", "manager")
    part = factories.part(manager, partNumber="PUMP-SEAL", stockLevel=7, reorderPoint=3)
    parts_service.record_stock_movement(manager, part.id, StockMovementCreate(type="receipt", quantity=5,
                                                                               note="PO 4711"))
    portal_login(users["north"]["technician"])
    html = client.get(f"/parts/{part.id}").get_data(as_text=True)
    assert 'id="stock-level">12<' in html and "PO 4711" in html and "+5" in html and "Opening level" in html
    assert "north manager" in html  # who recorded it
    # Technicians receive goods; adjustments and counts are for managers (services/identity/permissions.py).
    assert 'value="receipt"' in html and 'value="count"' not in html and "Edit part" not in html
    south = factories.part(users.actor("south", "manager"))
    token = _token(client)
    assert client.get(f"/parts/{south.id}").status_code == 404
    assert client.get(f"/parts/{south.id}", headers=HX).status_code == 404
    assert client.post(f"/parts/{south.id}/movements", headers={**HX, "X-CSRFToken": token},
                       data={"type": "receipt", "quantity": "5"}).status_code == 404
    assert db.session.get(Part, south.id).stock_level == 45


def test_receive_and_count_answer_the_stock_panel_and_write_through_the_service(client, users, portal_login):
    manager = users.actor("north", "manager")
    part = factories.part(manager, partNumber="FLT-9", stockLevel=12, reorderPoint=10)
    portal_login(users["north"]["manager"])
    token = _token(client, f"/parts/{part.id}")
    hx = {**HX, "X-CSRFToken": token}
    resp = client.post(f"/parts/{part.id}/movements", headers=hx,
                       data={"type": "adjustment", "quantity": "-4", "note": "Damaged in transit"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.count('<section id="stock"') == 1 and "<html" not in body
    assert 'id="stock-level">8<' in body and "Low stock" in body and "Damaged in transit" in body
    assert 'hx-swap-oob="innerHTML:#flash"' in body and "Stock now 8" in body
    resp = client.post(f"/parts/{part.id}/movements", headers=hx, data={"type": "count", "quantity": "30"})
    body = resp.get_data(as_text=True)
    assert 'id="stock-level">30<' in body and "Low stock" not in body and "+22" in body
    db.session.rollback()
    kinds = [m.kind for m in db.session.scalars(select(StockMovement).where(StockMovement.part_id == part.id)
                                                 .order_by(StockMovement.created_at))]
    assert Counter(kinds) == {"initial": 1, "adjustment": 1, "count": 1}
    assert db.session.get(Part, part.id).stock_level == 30
    # Dropping to the reorder point emitted the same event the API's movements do.
    assert db.session.scalar(select(DomainEvent).where(DomainEvent.event == "inventory.low_stock")) is not None
    # Without htmx: redirect back to the page with a flash.
    plain = client.post(f"/parts/{part.id}/movements", data={"csrf_token": token, "type": "receipt",
                                                             "quantity": "2"})
    assert plain.status_code == 303
    assert "Stock now 32" in client.get(plain.headers["Location"]).get_data(as_text=True)


def test_a_receipt_on_the_part_page_offers_its_open_reorder_request(client, users, portal_login):
    """The issue's case: 10 received on the part page while its request waits for 9: the form offers
    the request (picked by default), and with "more than ordered" ticked the receipt closes it once."""
    manager = users.actor("north", "manager")
    part = factories.part(manager, partNumber="BRG-1000", stockLevel=12, reorderPoint=10, reorderQuantity=9,
                          autoReorder=True)
    parts_service.record_stock_movement(manager, part.id, StockMovementCreate(type="adjustment", quantity=-5))
    reorder = db.session.scalars(select(ReorderRequest).where(ReorderRequest.part_id == part.id)).one()
    portal_login(users["north"]["technician"])
    page = client.get(f"/parts/{part.id}").get_data(as_text=True)
    assert 'name="reorderRequestId"' in page and f'<option value="{reorder.id}" selected>9 still to come of 9 open' in page
    hx = {**HX, "X-CSRFToken": csrf_from(page)}
    data = {"type": "receipt", "quantity": "10", "reorderRequestId": reorder.id}
    over = client.post(f"/parts/{part.id}/movements", headers=hx, data=data)
    body = over.get_data(as_text=True)
    assert over.status_code == 422 and 'id="e-moreThanOrdered"' in body and "Only 9 of 9 remain" in body
    db.session.rollback()
    assert db.session.get(Part, part.id).stock_level == 7
    part_of = client.post(f"/parts/{part.id}/movements", headers=hx, data=dict(data, quantity="4"))
    body = part_of.get_data(as_text=True)
    assert part_of.status_code == 200 and "Received 4 of 9: 5 still to come." in body
    assert "5 still to come of 9 open" in body and "against a reorder request" in body
    done = client.post(f"/parts/{part.id}/movements", headers=hx, data=dict(data, moreThanOrdered="true"))
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "the reorder request is complete and closed" in body
    assert 'name="reorderRequestId"' not in body  # nothing open any more: no offer
    # Not for a request: booked on the part only.
    client.post(f"/parts/{part.id}/movements", headers=hx, data={"type": "receipt", "quantity": "1"})
    db.session.rollback()
    reorder = db.session.get(ReorderRequest, reorder.id)
    assert (reorder.status, reorder.received_quantity) == ("received", 14)
    assert db.session.get(Part, part.id).stock_level == 7 + 4 + 10 + 1


def test_movement_errors_are_shown_next_to_their_field_and_change_nothing(client, users, portal_login):
    manager = users.actor("north", "manager")
    part = factories.part(manager, stockLevel=3, reorderPoint=1)
    portal_login(users["north"]["manager"])
    hx = {**HX, "X-CSRFToken": _token(client, f"/parts/{part.id}")}
    for data, message in (({"type": "receipt", "quantity": ""}, "Quantity is required"),
                          ({"type": "receipt", "quantity": "0"}, "A receipt&#39;s quantity must be greater than 0"),
                          ({"type": "adjustment", "quantity": "-5"}, "3 in stock, adjustment of -5 refused"),
                          ({"type": "teleport", "quantity": "1"}, "Type must be one of: receipt, adjustment, count")):
        resp = client.post(f"/parts/{part.id}/movements", headers=hx, data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422, data
        field = "type" if data["type"] == "teleport" else "quantity"
        assert f'id="e-{field}"' in body and message in body.split(f'id="e-{field}"')[1].split("</p>")[0], body
        assert f'value="{data["quantity"]}"' in body  # what was typed stays
    # A technician may receive but not count: the service's rule, shown as the form's error.
    portal_login(users["north"]["technician"])
    hx = {**HX, "X-CSRFToken": _token(client, f"/parts/{part.id}")}
    resp = client.post(f"/parts/{part.id}/movements", headers=hx, data={"type": "count", "quantity": "9"})
    assert resp.status_code == 403
    db.session.rollback()
    assert db.session.get(Part, part.id).stock_level == 3
    assert db.session.scalar(select(StockMovement).where(StockMovement.part_id == part.id,
                                                         StockMovement.kind != "initial")) is None


def test_csrf_is_required_for_every_stock_form(client, users, portal_login):
    manager = users.actor("north", "manager")
    part = factories.part(manager, stockLevel=3)
    reorder, _ = _reorder(manager)
    portal_login(users["north"]["manager"])
    for path, data in ((f"/parts/{part.id}/movements", {"type": "receipt", "quantity": "5"}),
                       ("/parts/new", {"partNumber": "NEW-1"}),
                       (f"/parts/{part.id}/edit", {"partNumber": "RENAMED"}),
                       (f"/parts/reorders/{reorder.id}/ordered", {}),
                       (f"/parts/reorders/{reorder.id}/receive", {"quantity": "40", "confirmed": "true"})):
        resp = client.post(path, data=data, headers=HX)
        assert resp.status_code == 400, path
    db.session.rollback()
    assert db.session.get(Part, part.id).stock_level == 3 and db.session.get(Part, part.id).part_number != "RENAMED"
    assert db.session.get(ReorderRequest, reorder.id).status == "open"
    assert db.session.scalar(select(Part).where(Part.part_number == "NEW-1")) is None


def test_create_and_edit_a_part(client, users, portal_login):
    portal_login(users["north"]["manager"])
    token = _token(client, "/parts/new")
    bad = client.post("/parts/new", data={"csrf_token": token, "partNumber": "", "reorderPoint": "-1",
                                          "unitCost": "abc"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422
    for field in ("partNumber", "reorderPoint", "unitCost"):
        assert f'id="e-{field}"' in body, field
    ok = client.post("/parts/new", data={"csrf_token": token, "partNumber": "GBX-1", "description": "Gearbox oil",
                                         "category": "Lubricants", "stockLevel": "6", "reorderPoint": "2",
                                         "reorderQuantity": "12", "unitCost": "8.40", "supplier": "Shell",
                                         "autoReorder": ["true", "false"]})
    assert ok.status_code == 303
    part = db.session.scalars(select(Part).where(Part.part_number == "GBX-1")).one()
    assert (part.stock_level, part.reorder_point, part.auto_reorder, str(part.unit_cost)) == (6, 2, True, "8.40")
    assert db.session.scalar(select(StockMovement.kind).where(StockMovement.part_id == part.id)) == "initial"
    dup = client.post("/parts/new", data={"csrf_token": token, "partNumber": "GBX-1"})
    assert dup.status_code == 422 and "already exists" in dup.get_data(as_text=True).split('id="e-partNumber"')[1]

    edit = client.get(f"/parts/{part.id}/edit").get_data(as_text=True)
    assert 'value="GBX-1"' in edit and 'name="stockLevel"' not in edit  # stock changes only by movements
    saved = client.post(f"/parts/{part.id}/edit", data={
        "csrf_token": token, "partNumber": "GBX-1", "description": "Gearbox oil 5 l", "category": "Lubricants",
        "reorderPoint": "8", "reorderQuantity": "", "unitCost": "8.40", "supplier": "", "location": "B-2",
        "autoReorder": "false"})
    assert saved.status_code == 303
    db.session.expire_all()
    part = db.session.get(Part, part.id)
    assert (part.description, part.reorder_point, part.reorder_quantity, part.supplier, part.auto_reorder) == \
        ("Gearbox oil 5 l", 8, None, None, False)
    assert part.stock_level == 6
    # Raising the reorder point above the level announces low stock, as the API's PATCH does.
    assert db.session.scalar(select(DomainEvent).where(DomainEvent.event == "inventory.low_stock",
                                                       DomainEvent.entity_id == part.id)) is not None
    sneaky = client.post(f"/parts/{part.id}/edit", data={"csrf_token": token, "stockLevel": "999"})
    assert sneaky.status_code == 422 and "stock-movements" in sneaky.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Part, part.id).stock_level == 6


def test_only_managers_create_and_edit_and_other_warehouse_is_404(client, users, portal_login):
    manager = users.actor("north", "manager")
    part = factories.part(manager)
    south = factories.part(users.actor("south", "manager"))
    portal_login(users["north"]["technician"])
    token = _token(client)
    assert client.get("/parts/new").status_code == 403
    assert client.get(f"/parts/{part.id}/edit").status_code == 403
    assert client.post("/parts/new", data={"csrf_token": token, "partNumber": "T-1"}).status_code == 403
    portal_login(users["north"]["admin"])
    assert client.get("/parts/new").status_code == 200
    assert client.get(f"/parts/{south.id}/edit").status_code == 404
    assert client.get(f"/parts/{south.id}/edit", headers=HX).status_code == 404
    token = _token(client)
    resp = client.post(f"/parts/{south.id}/edit", data={"csrf_token": token, "partNumber": "MINE"})
    assert resp.status_code == 404
    db.session.rollback()
    assert db.session.get(Part, south.id).part_number != "MINE"


def test_reorders_page_marks_ordered_then_receives_in_parts_after_a_confirmation(client, users, portal_login):
    manager = users.actor("north", "manager")
    reorder, part = _reorder(manager, partNumber="SEAL-77", supplier="Acme Seals")
    south_reorder, _ = _reorder(users.actor("south", "manager"))
    portal_login(users["north"]["manager"])
    page = client.get("/parts/reorders").get_data(as_text=True)
    assert "SEAL-77" in page and "Mark ordered" in page and "Receive 40" in page and south_reorder.id not in page
    hx = {**HX, "X-CSRFToken": csrf_from(page)}
    resp = client.post(f"/parts/reorders/{reorder.id}/ordered", headers=hx)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.lstrip().startswith(f'<tr id="reorder-{reorder.id}"')
    assert "Ordered" in body and "Mark ordered" not in body and "Marked ordered." in body
    assert "ordered today" in body and "by north manager" in body
    again = client.post(f"/parts/reorders/{reorder.id}/ordered", headers=hx).get_data(as_text=True)
    assert "already ordered" in again
    # "Receive 40…" asks how many (what remains), then confirms; only the confirmed post books.
    form = client.get(f"/parts/reorders/{reorder.id}/receive").get_data(as_text=True)
    assert 'name="quantity" type="number" value="40"' in form and "Still to come" in form
    token = csrf_from(form)
    step = client.post(f"/parts/reorders/{reorder.id}/receive", data={"csrf_token": token, "quantity": "15"})
    body = step.get_data(as_text=True)
    assert step.status_code == 200 and "Book 15 × SEAL-77 into stock?" in body and "25 stay to come" in body
    assert 'name="confirmed" value="true"' in body and 'name="moreThanOrdered"' not in body
    db.session.rollback()
    assert db.session.get(Part, part.id).stock_level == 7  # nothing booked before the confirmation
    done = client.post(f"/parts/reorders/{reorder.id}/receive",
                       data={"csrf_token": token, "quantity": "15", "note": "DN 5", "confirmed": "true"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/parts/reorders")
    page = client.get("/parts/reorders").get_data(as_text=True)
    assert "Received 15 of 40: 25 still to come." in page and "15 received · 25 to come" in page
    assert "Receive 25…" in page
    # More than remains: the confirmation step asks for its own tick, and refuses without it.
    over = client.post(f"/parts/reorders/{reorder.id}/receive", data={"csrf_token": token, "quantity": "30"})
    body = over.get_data(as_text=True)
    assert "5 more than the request still needs" in body and 'name="moreThanOrdered"' in body
    refused = client.post(f"/parts/reorders/{reorder.id}/receive",
                          data={"csrf_token": token, "quantity": "30", "confirmed": "true"})
    assert refused.status_code == 422 and 'id="e-moreThanOrdered"' in refused.get_data(as_text=True)
    done = client.post(f"/parts/reorders/{reorder.id}/receive",
                       data={"csrf_token": token, "quantity": "30", "confirmed": "true", "moreThanOrdered": "true"})
    assert done.status_code == 303
    assert "Received 30: the reorder request is complete and closed." in client.get("/parts/reorders").get_data(
        as_text=True)
    db.session.rollback()
    reorder = db.session.get(ReorderRequest, reorder.id)
    assert (reorder.status, reorder.received_quantity) == ("received", 45)
    assert reorder.received_by == users["north"]["manager"].id
    receipts = list(db.session.scalars(select(StockMovement).where(StockMovement.part_id == part.id,
                                                                   StockMovement.kind == "receipt")
                                       .order_by(StockMovement.created_at, StockMovement.id)))
    assert [m.quantity for m in receipts] == [15, 30] and reorder.stock_movement_id == receipts[1].id
    assert db.session.get(Part, part.id).stock_level == 7 + 45
    twice = client.post(f"/parts/reorders/{reorder.id}/receive",
                        data={"csrf_token": token, "quantity": "1", "confirmed": "true"}).get_data(as_text=True)
    assert "This reorder request is complete" in twice
    db.session.rollback()
    assert db.session.get(Part, part.id).stock_level == 52
    # Filter by status; the other warehouse's request is a 404 for page and fragment.
    assert "SEAL-77" not in client.get("/parts/reorders?status=open").get_data(as_text=True)
    assert "SEAL-77" in client.get("/parts/reorders?status=received", headers=HX).get_data(as_text=True)
    assert client.get(f"/parts/reorders/{south_reorder.id}/receive").status_code == 404
    assert client.post(f"/parts/reorders/{south_reorder.id}/receive",
                       data={"csrf_token": token, "quantity": "1", "confirmed": "true"}).status_code == 404
    assert client.post(f"/parts/reorders/{south_reorder.id}/ordered").status_code in (400, 404)
    db.session.rollback()
    assert db.session.get(ReorderRequest, south_reorder.id).status == "open"


def test_technician_receives_a_reorder_but_cannot_mark_it_ordered(client, users, portal_login):
    reorder, part = _reorder(users.actor("north", "manager"))
    portal_login(users["north"]["technician"])
    page = client.get("/parts/reorders").get_data(as_text=True)
    assert "Mark ordered" not in page and "Receive 40" in page
    hx = {**HX, "X-CSRFToken": csrf_from(page)}
    assert client.post(f"/parts/reorders/{reorder.id}/ordered", headers=hx).status_code == 403
    done = client.post(f"/parts/reorders/{reorder.id}/receive", headers=hx, data={"confirmed": "true"})
    assert done.status_code == 303  # no quantity: what remains
    portal_login(users["north"]["requester"])
    page = client.get("/parts/reorders").get_data(as_text=True)
    assert "Receive 40" not in page and "Mark ordered" not in page
    hx = {**HX, "X-CSRFToken": csrf_from(page)}
    assert client.post(f"/parts/reorders/{reorder.id}/receive", headers=hx, data={}).status_code == 403
    assert client.get(f"/parts/reorders/{reorder.id}/receive").status_code == 403


def test_empty_states_say_what_to_do(client, users, portal_login):
    portal_login(users["north"]["manager"])
    assert "Add the first with" in client.get("/parts").get_data(as_text=True)
    assert "automatic reordering" in client.get("/parts/reorders").get_data(as_text=True)
