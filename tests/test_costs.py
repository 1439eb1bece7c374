"""Costs on work orders: parts at their cost when consumed, labor at the person's hourly rate when
booked; both on list rows, the detail and the CSV export, kept by the transactions that add them."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import factories
import pytest

from portal.services.work_orders.labor import labor_cost


@pytest.mark.parametrize(("minutes", "rate", "cost"), [
    (60, Decimal("48.00"), Decimal("48.00")),
    (45, Decimal("48.00"), Decimal("36.00")),
    (7, Decimal("50.00"), Decimal("5.83")),     # 5.8333...
    (1, Decimal("0.30"), Decimal("0.01")),      # 0.005 rounds half up
    (90, None, Decimal("0.00")),
])
def test_labor_cost_to_the_cent(minutes, rate, cost):
    assert labor_cost(minutes, rate) == cost


def test_costs_on_rows_detail_and_export(client, auth, users):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    admin_h, h = auth("north", "admin"), auth("north", "manager")
    r = client.patch(f"/api/users/{tech.id}", headers=admin_h, json={"hourlyRate": "48.00"})
    assert r.status_code == 200 and r.json["hourlyRate"] == "48.00", r.json
    wo = factories.work_order(manager, assignedTo=tech.id)
    bearing = factories.part(manager, unitCost="12.50", stockLevel=10)
    assert client.post("/api/parts/consume", headers=h, json={
        "workOrderId": wo.id, "partsUsage": [{"partId": bearing.id, "quantityUsed": 2}]}).status_code == 201
    booked = client.post(f"/api/work-orders/{wo.id}/labor", headers=h, json={"minutes": 45, "userId": tech.id})
    assert booked.status_code == 201 and booked.json["cost"] == "36.00", booked.json
    # A later rate changes later bookings only.
    client.patch(f"/api/users/{tech.id}", headers=admin_h, json={"hourlyRate": "60.00"})
    client.post(f"/api/work-orders/{wo.id}/labor", headers=h, json={"minutes": 30, "userId": tech.id})
    client.post(f"/api/work-orders/{wo.id}/labor", headers=h, json={"minutes": 30})  # the manager: no rate

    row = next(w for w in client.get("/api/work-orders", headers=h).json if w["id"] == wo.id)
    assert (row["partsCost"], row["laborCost"], row["actualDuration"]) == ("25.00", "66.00", 105)
    detail = client.get(f"/api/work-orders/{wo.id}", headers=h).json
    assert (detail["partsCost"], detail["laborCost"]) == ("25.00", "66.00")
    exported = list(csv.DictReader(io.StringIO(client.get("/api/work-orders/export", headers=h).get_data(as_text=True))))
    line = next(e for e in exported if e["id"] == wo.id)
    assert (line["partsCost"], line["laborCost"]) == ("25.00", "66.00")


def test_hourly_rate_is_money_and_admins_only(client, auth, users):
    tech = users["north"]["technician"]
    r = client.patch(f"/api/users/{tech.id}", headers=auth("north", "admin"), json={"hourlyRate": "-1"})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "hourlyRate"
    r = client.patch(f"/api/users/{tech.id}", headers=auth("north", "manager"), json={"hourlyRate": "40.00"})
    assert r.status_code == 403
    r = client.post("/api/users", headers=auth("north", "admin"), json={
        "email": "new.tech@example.com", "role": "technician", "password": "long enough pass", "hourlyRate": "52.50"})
    assert r.status_code == 201 and r.json["hourlyRate"] == "52.50", r.json
