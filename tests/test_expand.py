"""expand=parts,checklist,labor,comments on work order reads: one statement per expansion for a
page, bounded, in the order of each record's own page."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import event

from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler

CHECKLIST = [{"id": "oil", "description": "Check oil level", "type": "checkbox", "required": True},
             {"id": "temp", "description": "Bearing temperature", "type": "measurement", "unit": "°C",
              "min": 10, "max": 80}]


@pytest.fixture
def orders(client, auth, users):
    """Two PM work orders with a checklist, parts, labor and comments, and one bare work order."""
    h = auth("north", "manager")
    manager = users.actor("north", "manager")
    pumps = [client.post("/api/equipment", json={"assetTag": f"P-{i}"}, headers=h).json["id"] for i in (1, 2)]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Pump PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": pumps,
        "assignedTo": users["north"]["technician"].id, "checklist": CHECKLIST})
    pm_ids = pm_scheduler.schedule_due()["workOrderIds"]
    bearing = factories.part(manager, stockLevel=50)
    for n, wo_id in enumerate(pm_ids, start=1):
        client.post("/api/parts/consume", headers=h, json={
            "workOrderId": wo_id, "partsUsage": [{"partId": bearing.id, "quantityUsed": n}]})
        client.post(f"/api/work-orders/{wo_id}/labor", headers=h, json={"minutes": 10 * n})
        for text in ("First look", "Bearing ordered")[:n]:
            client.post(f"/api/work-orders/{wo_id}/comments", headers=h, json={"body": text})
    bare = factories.work_order(manager)
    return pm_ids, bare.id


def test_list_expands_every_row_with_one_statement_per_expansion(app, client, auth, orders):
    pm_ids, bare = orders
    h = auth("north", "manager")
    statements = []
    listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        r = client.get("/api/work-orders?expand=parts,checklist,labor,comments&limit=50", headers=h)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert r.status_code == 200, r.json
    rows = {row["id"]: row for row in r.json}
    for n, wo_id in enumerate(pm_ids, start=1):
        row = rows[wo_id]
        assert [p["quantity"] for p in row["parts"]] == [n]
        assert [i["itemId"] for i in row["checklist"]] == ["oil", "temp"]
        assert [e["minutes"] for e in row["labor"]] == [10 * n]
        assert [c["body"] for c in row["comments"]] == ["First look", "Bearing ordered"][:n]
    assert {k: rows[bare][k] for k in ("parts", "checklist", "labor", "comments")} == \
           {"parts": [], "checklist": [], "labor": [], "comments": []}
    expansion_reads = [s for s in statements if "row_number()" in s.lower()]
    assert len(expansion_reads) == 4  # one per expansion for the whole page, not one per work order


def test_without_expand_rows_stay_as_they_were(client, auth, orders):
    r = client.get("/api/work-orders", headers=auth("north", "manager"))
    assert not {"parts", "checklist", "labor", "comments"} & set(r.json[0])


def test_detail_expands_too(client, auth, orders):
    pm_ids, _ = orders
    h = auth("north", "manager")
    r = client.get(f"/api/work-orders/{pm_ids[1]}?expand=checklist,comments", headers=h)
    assert r.status_code == 200, r.json
    assert [c["body"] for c in r.json["comments"]] == ["First look", "Bearing ordered"]
    assert len(r.json["checklist"]) == 2 and "labor" not in r.json and len(r.json["parts"]) == 1


def test_sync_reads_expand(client, auth, orders, app):
    app.config["SYNC_SETTLE_SECONDS"] = 0
    r = client.get("/api/work-orders?cursor=*&expand=labor", headers=auth("north", "manager"))
    assert r.status_code == 200 and all("labor" in row for row in r.json)


@pytest.mark.parametrize(("url", "field"), [
    ("/api/work-orders?expand=history", "expand"),
    ("/api/work-orders?expand=parts&limit=101", "expand"),
    ("/api/work-orders/x?expand=nope&other=ignored", "expand"),
])
def test_expand_is_bounded_and_checked(client, auth, url, field):
    r = client.get(url, headers=auth("north", "manager"))
    assert r.status_code == 400, r.json
    assert r.json["errors"][0]["field"].startswith(field)


def test_another_warehouse_sees_nothing_of_it(client, auth, orders):
    pm_ids, _ = orders
    r = client.get(f"/api/work-orders/{pm_ids[0]}?expand=comments", headers=auth("south", "manager"))
    assert r.status_code == 404
