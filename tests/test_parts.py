"""Parts over HTTP: the contract's objects, filters, consumption (all or nothing), stock events."""
from __future__ import annotations

import factories
import pytest

from portal.models import DomainEvent, Part, PartConsumption, ReorderRequest
from portal.platform.extensions import db

CONTRACT_EXAMPLE = {
    "partNumber": "BRG-6205-2RS",
    "description": "Ball Bearing 25x52x15mm",
    "category": "Bearings",
    "stockLevel": 45,
    "reorderPoint": 10,
    "unitCost": "12.50",
    "supplier": "SKF Industrial",
    "location": "Shelf A-12-B",
}


def events(name: str) -> list[DomainEvent]:
    return list(db.session.query(DomainEvent).filter_by(event=name).order_by(DomainEvent.created_at))


def stock(part_id: str) -> int:
    db.session.expire_all()
    return db.session.get(Part, part_id).stock_level


@pytest.fixture
def job(app, users):
    """A work order assigned to north's technician, and the manager who made it."""
    manager = users.actor("north", "manager")
    return factories.work_order(manager, assignedTo=users["north"]["technician"].id)


def consume(client, headers, work_order_id, *lines):
    return client.post("/api/parts/consume", headers=headers, json={
        "workOrderId": work_order_id,
        "partsUsage": [{"partId": pid, "quantityUsed": qty, **extra} for pid, qty, extra in lines]})


def test_create_and_list_with_the_contract_example(client, auth, users):
    h = auth("north", "manager")
    r = client.post("/api/parts", json=CONTRACT_EXAMPLE, headers=h)
    assert r.status_code == 201, r.json
    part = r.json
    assert {k: part[k] for k in CONTRACT_EXAMPLE} == CONTRACT_EXAMPLE
    assert part["warehouseId"] == users["north"]["manager"].warehouse_id
    assert part["autoReorder"] is False and part["reorderQuantity"] is None
    assert client.get("/api/parts", headers=h).json == [part]
    assert client.get(f"/api/parts/{part['id']}", headers=h).json == part


@pytest.mark.parametrize("given, shown", [(12.5, "12.50"), ("7", "7.00"), (0, "0.00"), ("1234.1", "1234.10")])
def test_unit_cost_is_a_two_place_string(client, auth, users, given, shown):
    r = client.post("/api/parts", json={"partNumber": "X-1", "unitCost": given}, headers=auth("north", "manager"))
    assert r.status_code == 201, r.json
    assert r.json["unitCost"] == shown


@pytest.mark.parametrize("body, field", [
    ({"unitCost": "12.505"}, "unitCost"),
    ({"unitCost": -1}, "unitCost"),
    ({"unitCost": "twelve"}, "unitCost"),
    ({"stockLevel": -1}, "stockLevel"),
    ({"stockLevel": 1.5}, "stockLevel"),
    ({"reorderQuantity": 0}, "reorderQuantity"),
    ({"partNumber": ""}, "partNumber"),
])
def test_create_validation(client, auth, users, body, field):
    r = client.post("/api/parts", json={"partNumber": "X-1", **body}, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert db.session.query(Part).count() == 0


def test_duplicate_part_number_is_409(client, auth, users):
    h = auth("north", "manager")
    assert client.post("/api/parts", json=CONTRACT_EXAMPLE, headers=h).status_code == 201
    r = client.post("/api/parts", json=CONTRACT_EXAMPLE, headers=h)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "partNumber"
    assert client.post("/api/parts", json=CONTRACT_EXAMPLE, headers=auth("south", "manager")).status_code == 201


def test_list_filters(client, auth, users):
    manager = users.actor("north", "manager")
    factories.part(manager, partNumber="BRG-1", category="Bearings", stockLevel=5, reorderPoint=10)
    factories.part(manager, partNumber="BRG-2", category="Bearings", stockLevel=10, reorderPoint=10,
                   supplier="FAG")
    factories.part(manager, partNumber="BLT-1", category="Belts", stockLevel=40, reorderPoint=10,
                   description="V-Belt SPA 1250", supplier="Gates")
    h = auth("north", "manager")

    def numbers(query: str) -> list[str]:
        r = client.get(f"/api/parts?{query}", headers=h)
        assert r.status_code == 200, r.json
        return [p["partNumber"] for p in r.json]

    assert numbers("") == ["BLT-1", "BRG-1", "BRG-2"]
    assert numbers("category=Bearings") == ["BRG-1", "BRG-2"]
    assert numbers("lowStock=true") == ["BRG-1", "BRG-2"]
    assert numbers("lowStock=false") == ["BLT-1"]
    assert numbers("q=gates") == ["BLT-1"]
    assert numbers("q=spa 1250") == ["BLT-1"]
    assert numbers("q=fag&category=Bearings") == ["BRG-2"]
    r = client.get("/api/parts?limit=1&page=3", headers=h)
    assert [p["partNumber"] for p in r.json] == ["BRG-2"] and r.headers["X-Total-Count"] == "3"
    assert client.get("/api/parts?lowStock=maybe", headers=h).status_code == 400


def test_consume_with_the_contract_example(client, auth, users, job):
    bearing = factories.part(users.actor("north", "manager"), **CONTRACT_EXAMPLE)
    h = auth("north", "technician")
    r = client.post("/api/parts/consume", headers=h, json={
        "workOrderId": job.id,
        "partsUsage": [{"partId": bearing.id, "quantityUsed": 2, "unitCost": "12.50"}],
    })
    assert r.status_code == 201, r.json
    assert r.json["workOrderId"] == job.id
    assert r.json["totalCost"] == "25.00" and r.json["partsCost"] == "25.00"
    [line] = r.json["consumptions"]
    assert (line["partId"], line["quantity"], line["unitCost"], line["totalCost"]) == (bearing.id, 2, "12.50", "25.00")
    assert line["consumedBy"] == users["north"]["technician"].id
    assert stock(bearing.id) == 43
    [consumed] = events("parts.consumed")
    assert consumed.entity_id == job.id
    assert consumed.payload["partsUsage"][0]["partNumber"] == "BRG-6205-2RS"
    assert consumed.payload["partsUsage"][0]["stockLevel"] == 43
    assert consumed.payload["totalCost"] == "25.00"
    # The work order shows its parts and their total.
    detail = client.get(f"/api/work-orders/{job.id}", headers=h).json
    assert detail["partsCost"] == "25.00" and len(detail["parts"]) == 1


def test_consume_defaults_to_the_current_unit_cost_and_keeps_each_line(client, auth, users, job):
    oil = factories.part(users.actor("north", "manager"), unitCost="9.75", stockLevel=10)
    r = consume(client, auth("north", "manager"), job.id, (oil.id, 2, {}), (oil.id, 3, {}))
    assert r.status_code == 201, r.json
    assert [(line["quantity"], line["unitCost"], line["totalCost"]) for line in r.json["consumptions"]] == [
        (2, "9.75", "19.50"), (3, "9.75", "29.25")]
    assert stock(oil.id) == 5


def test_two_lines_of_one_part_are_each_costed_at_their_own_price(client, auth, users, job):
    # Issue 7, item 6: the second line's price used to be lost (101 units at "0.00").
    h = auth("north", "manager")
    part = factories.part(users.actor("north", "manager"), unitCost="7.00", stockLevel=150)
    r = consume(client, h, job.id, (part.id, 1, {"unitCost": "0.00"}), (part.id, 100, {"unitCost": "50.00"}))
    assert r.status_code == 201, r.json
    assert [(line["quantity"], line["unitCost"], line["totalCost"]) for line in r.json["consumptions"]] == [
        (1, "0.00", "0.00"), (100, "50.00", "5000.00")]
    assert r.json["totalCost"] == "5000.00"
    assert client.get(f"/api/work-orders/{job.id}", headers=h).json["partsCost"] == "5000.00"
    assert stock(part.id) == 49
    ledger = client.get(f"/api/parts/{part.id}/stock-movements", headers=h).json
    assert sorted(m["quantity"] for m in ledger) == [-100, -1, 150]
    assert sum(m["quantity"] for m in ledger) == 49
    # Both lines together must be in stock: 30 + 30 of 49 is short, and nothing is taken.
    r = consume(client, h, job.id, (part.id, 30, {}), (part.id, 30, {}))
    assert r.status_code == 409 and stock(part.id) == 49


def test_consume_is_all_or_nothing_and_names_each_short_part(client, auth, users, job):
    manager = users.actor("north", "manager")
    plenty = factories.part(manager, partNumber="FLT-1", stockLevel=50)
    short1 = factories.part(manager, partNumber="SEAL-1", stockLevel=1)
    short2 = factories.part(manager, partNumber="BLT-9", stockLevel=0)
    r = consume(client, auth("north", "manager"), job.id, (plenty.id, 5, {}), (short1.id, 2, {}), (short2.id, 1, {}))
    assert r.status_code == 409
    assert r.json["message"] == "Insufficient stock"
    assert r.json["errors"] == [
        {"field": "partsUsage[1].quantityUsed", "message": "SEAL-1: 1 in stock, 2 requested"},
        {"field": "partsUsage[2].quantityUsed", "message": "BLT-9: 0 in stock, 1 requested"},
    ]
    assert (stock(plenty.id), stock(short1.id), stock(short2.id)) == (50, 1, 0)
    assert db.session.query(PartConsumption).count() == 0
    assert events("parts.consumed") == [] and events("inventory.low_stock") == []


def test_exactly_the_last_units_can_be_taken(client, auth, users, job):
    seal = factories.part(users.actor("north", "manager"), stockLevel=3, reorderPoint=0)
    h = auth("north", "manager")
    assert consume(client, h, job.id, (seal.id, 3, {})).status_code == 201
    assert stock(seal.id) == 0
    assert consume(client, h, job.id, (seal.id, 1, {})).status_code == 409
    assert stock(seal.id) == 0


@pytest.mark.parametrize("lines, field", [
    ([], "partsUsage"),
    ([{"partId": "x", "quantityUsed": 0}], "partsUsage[0].quantityUsed"),
    ([{"partId": "x", "quantityUsed": -2}], "partsUsage[0].quantityUsed"),
    ([{"partId": "x"}], "partsUsage[0].quantityUsed"),
    ([{"partId": "x", "quantityUsed": 1, "unitCost": "1.234"}], "partsUsage[0].unitCost"),
    ([{"partId": "x", "quantityUsed": 1, "colour": "red"}], "partsUsage[0].colour"),
])
def test_consume_validation(client, auth, users, job, lines, field):
    r = client.post("/api/parts/consume", json={"workOrderId": job.id, "partsUsage": lines},
                    headers=auth("north", "manager"))
    assert r.status_code == 400
    assert field in [e["field"] for e in r.json["errors"]]


def test_consume_refuses_unknown_and_foreign_parts(client, auth, users, job):
    south_part = factories.part(users.actor("south", "manager"))
    north_part = factories.part(users.actor("north", "manager"))
    r = consume(client, auth("north", "manager"), job.id, (north_part.id, 1, {}), (south_part.id, 1, {}),
                ("00000000-0000-0000-0000-000000000000", 1, {}))
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "partsUsage[1].partId", "message": "Part not found"},
                                {"field": "partsUsage[2].partId", "message": "Part not found"}]
    assert stock(north_part.id) == 45 and stock(south_part.id) == 45


def test_consume_on_a_foreign_or_missing_work_order_is_404(client, auth, users):
    south_job = factories.work_order(users.actor("south", "manager"))
    part = factories.part(users.actor("north", "manager"))
    for wo_id in (south_job.id, "00000000-0000-0000-0000-000000000000"):
        r = consume(client, auth("north", "manager"), wo_id, (part.id, 1, {}))
        assert r.status_code == 404 and r.json["message"] == "Work order not found"
    assert stock(part.id) == 45


def test_consume_on_a_cancelled_work_order_is_409(client, auth, users, job):
    manager = users.actor("north", "manager")
    factories.move_to(manager, job.id, "cancelled")
    part = factories.part(manager)
    r = consume(client, auth("north", "manager"), job.id, (part.id, 1, {}))
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "workOrderId"
    assert stock(part.id) == 45


def test_low_stock_is_announced_once_per_dip(client, auth, users, job):
    manager = users.actor("north", "manager")
    belt = factories.part(manager, partNumber="BLT-1", stockLevel=12, reorderPoint=10)
    h = auth("north", "manager")
    assert consume(client, h, job.id, (belt.id, 1, {})).status_code == 201  # 11: above
    assert events("inventory.low_stock") == []
    assert consume(client, h, job.id, (belt.id, 1, {})).status_code == 201  # 10: at the point
    [low] = events("inventory.low_stock")
    assert low.entity_id == belt.id
    assert (low.payload["previousStockLevel"], low.payload["stockLevel"], low.payload["reorderPoint"]) == (11, 10, 10)
    assert low.payload["part"]["partNumber"] == "BLT-1"
    assert consume(client, h, job.id, (belt.id, 3, {})).status_code == 201  # 7: same dip
    assert len(events("inventory.low_stock")) == 1
    # Restocked above the point re-arms the alarm; the next dip is announced again.
    r = client.post(f"/api/parts/{belt.id}/stock-movements", json={"type": "count", "quantity": 30}, headers=h)
    assert r.status_code == 201 and r.json["levelAfter"] == 30 and r.json["quantity"] == 23
    assert len(events("inventory.low_stock")) == 1
    assert consume(client, h, job.id, (belt.id, 25, {})).status_code == 201  # 5
    assert len(events("inventory.low_stock")) == 2
    assert events("inventory.reorder") == [] and db.session.query(ReorderRequest).count() == 0


def test_raising_the_reorder_point_above_stock_is_a_dip(client, auth, users):
    belt = factories.part(users.actor("north", "manager"), stockLevel=12, reorderPoint=10)
    r = client.patch(f"/api/parts/{belt.id}", json={"reorderPoint": 15}, headers=auth("north", "manager"))
    assert r.status_code == 200
    assert len(events("inventory.low_stock")) == 1


def test_auto_reorder_raises_a_reorder_request(client, auth, users, job):
    manager = users.actor("north", "manager")
    filt = factories.part(manager, partNumber="FLT-1", stockLevel=6, reorderPoint=5, reorderQuantity=20,
                          autoReorder=True, supplier="Mann+Hummel")
    h = auth("north", "manager")
    assert consume(client, h, job.id, (filt.id, 2, {})).status_code == 201
    [request] = db.session.query(ReorderRequest).all()
    assert (request.part_id, request.quantity, request.status) == (filt.id, 20, "open")
    [reorder] = events("inventory.reorder")
    assert reorder.payload["reorderRequestId"] == request.id and reorder.payload["quantity"] == 20
    assert reorder.payload["supplier"] == "Mann+Hummel"
    assert len(events("inventory.low_stock")) == 1
    assert consume(client, h, job.id, (filt.id, 1, {})).status_code == 201
    assert db.session.query(ReorderRequest).count() == 1
    listed = client.get("/api/parts/reorder-requests", headers=h)
    assert listed.status_code == 200 and [r["id"] for r in listed.json] == [request.id]
    assert listed.json[0]["partId"] == filt.id and listed.json[0]["quantity"] == 20
    assert client.get("/api/parts/reorder-requests", headers=auth("south", "manager")).json == []


def test_patch_part(client, auth, users):
    part = factories.part(users.actor("north", "manager"))
    h = auth("north", "manager")
    r = client.patch(f"/api/parts/{part.id}", json={"unitCost": "13.10", "supplier": "FAG", "autoReorder": True},
                     headers=h)
    assert r.status_code == 200, r.json
    assert (r.json["unitCost"], r.json["supplier"], r.json["autoReorder"]) == ("13.10", "FAG", True)
    for field in ("partNumber", "stockLevel", "reorderPoint", "unitCost", "autoReorder"):
        bad = client.patch(f"/api/parts/{part.id}", json={field: None}, headers=h)
        assert bad.status_code == 400 and bad.json["errors"][0]["field"] == field
    assert client.patch(f"/api/parts/{part.id}", json={"stockLevel": -1}, headers=h).status_code == 400
    # Stock is not writable by PATCH any more: the 400 points to stock movements.
    r = client.patch(f"/api/parts/{part.id}", json={"stockLevel": 3}, headers=h)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "stockLevel"
    assert "stock-movements" in r.json["errors"][0]["message"]


def test_unknown_part_is_404(client, auth, users):
    r = client.patch("/api/parts/nope", json={"supplier": "x"}, headers=auth("north", "manager"))
    assert r.status_code == 404 and r.json == {"message": "Part not found", "errors": []}


def test_a_line_total_beyond_the_money_column_is_a_400(client, auth, users, job):
    dear = factories.part(users.actor("north", "manager"), stockLevel=10, unitCost="9999999999.99")
    r = consume(client, auth("north", "manager"), job.id, (dear.id, 2, {}))
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "partsUsage[0].quantityUsed",
                                 "message": "Line total may not exceed 9999999999.99"}]
    assert stock(dear.id) == 10
    assert consume(client, auth("north", "manager"), job.id, (dear.id, 1, {})).status_code == 201


def test_unit_cost_in_a_line_overrides_the_part_price_for_that_line_only(client, auth, users, job):
    seal = factories.part(users.actor("north", "manager"), unitCost="89.00", stockLevel=5)
    h = auth("north", "manager")
    r = consume(client, h, job.id, (seal.id, 2, {"unitCost": "80.50"}))
    assert r.status_code == 201
    assert (r.json["consumptions"][0]["unitCost"], r.json["totalCost"]) == ("80.50", "161.00")
    assert client.get(f"/api/parts/{seal.id}", headers=h).json["unitCost"] == "89.00"
    r = consume(client, h, job.id, (seal.id, 1, {}))
    assert r.json["totalCost"] == "89.00" and r.json["partsCost"] == "250.00"
