"""Work orders over HTTP: the contract's shapes, filters, paging, the status machine, history."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import factories
import pytest

from portal.models import DomainEvent, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.work_orders.lifecycle import TRANSITIONS

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CONTRACT_FIELDS = {"id", "foNumber", "title", "description", "status", "priority", "type", "equipmentId",
                   "assignedTo", "requestedBy", "dueDate", "createdAt", "warehouseId"}
STATUSES = tuple(TRANSITIONS)


def create(client, headers, **body):
    body.setdefault("title", "Pump maintenance")
    return client.post("/api/work-orders", json=body, headers=headers)


def test_create_with_the_contract_example(client, auth, users):
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    pump = factories.equipment(manager, assetTag="MOTOR-205")
    h = auth("north", "manager")
    r = client.post("/api/work-orders", headers=h, json={
        "title": "Emergency Repair - Motor M-205",
        "description": "Motor showing unusual vibration patterns",
        "priority": "high",
        "type": "corrective",
        "equipmentId": pump.id,
        "assignedTo": tech.id,
        "dueDate": "2025-01-21T16:00:00.000Z",
    })
    assert r.status_code == 201, r.json
    wo = r.json
    assert set(wo) >= CONTRACT_FIELDS
    assert re.fullmatch(rf"WO-{utcnow().year}-001", wo["foNumber"])
    assert wo["title"] == "Emergency Repair - Motor M-205"
    assert wo["description"] == "Motor showing unusual vibration patterns"
    assert (wo["status"], wo["priority"], wo["type"]) == ("assigned", "high", "corrective")
    assert wo["equipmentId"] == pump.id
    assert wo["assignedTo"] == tech.id
    assert wo["requestedBy"] == manager.id
    assert wo["warehouseId"] == manager.warehouse_id
    assert wo["dueDate"] == "2025-01-21T16:00:00.000Z"
    assert ISO_MS.match(wo["createdAt"]) and ISO_MS.match(wo["updatedAt"])
    assert wo["completedAt"] is None
    again = client.get(f"/api/work-orders/{wo['id']}", headers=h)
    assert again.status_code == 200
    assert {k: again.json[k] for k in CONTRACT_FIELDS} == {k: wo[k] for k in CONTRACT_FIELDS}


def test_create_with_the_curl_example(client, auth, users):
    pump = factories.equipment(users.actor("north", "manager"))
    r = create(client, auth("north", "manager"), title="Bearing Replacement", priority="high", equipmentId=pump.id)
    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["type"], r.json["assignedTo"], r.json["dueDate"]) == ("new", "corrective", None, None)


def test_due_date_offsets_are_normalised_to_utc(client, auth, users):
    r = create(client, auth("north", "manager"), dueDate="2025-01-21T18:00:00.5+02:00")
    assert r.status_code == 201, r.json
    assert r.json["dueDate"] == "2025-01-21T16:00:00.500Z"


def test_fo_numbers_count_per_warehouse(client, auth, users):
    year = utcnow().year
    north, south = auth("north", "manager"), auth("south", "manager")
    numbers = [create(client, north).json["foNumber"] for _ in range(3)] + [create(client, south).json["foNumber"]]
    assert numbers == [f"WO-{year}-001", f"WO-{year}-002", f"WO-{year}-003", f"WO-{year}-001"]


def test_fo_number_restarts_each_year_and_grows_past_999(app, users):
    manager = users.actor("north", "manager")
    last_year = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert factories.work_order(manager, now=last_year).fo_number == "WO-2025-001"
    assert factories.work_order(manager, now=last_year + timedelta(hours=2)).fo_number == "WO-2026-001"
    from portal.models import WorkOrderCounter

    db.session.get(WorkOrderCounter, (manager.warehouse_id, 2026)).last_number = 999
    db.session.commit()
    assert factories.work_order(manager, now=last_year + timedelta(hours=3)).fo_number == "WO-2026-1000"


def test_failed_creation_gives_its_number_back(client, auth, users):
    h = auth("north", "manager")
    assert create(client, h).json["foNumber"].endswith("-001")
    bad = create(client, h, equipmentId="00000000-0000-0000-0000-000000000000")
    assert bad.status_code == 400
    assert create(client, h).json["foNumber"].endswith("-002")


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"description": "no title"}, "title"),
    ({"title": "x", "priority": "urgent"}, "priority"),
    ({"title": "x", "type": "cosmetic"}, "type"),
    ({"title": "x", "dueDate": "next tuesday"}, "dueDate"),
    ({"title": "x" * 201}, "title"),
])
def test_create_validation(client, auth, users, body, field):
    r = client.post("/api/work-orders", json=body, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert r.json["message"] == "Validation failed"
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert db.session.query(WorkOrder).count() == 0


def test_references_must_be_in_the_same_warehouse(client, auth, users):
    south_pump = factories.equipment(users.actor("south", "manager"))
    h = auth("north", "manager")
    r = create(client, h, equipmentId=south_pump.id)
    assert r.status_code == 400 and r.json["errors"] == [{"field": "equipmentId", "message": "Equipment not found"}]
    r = create(client, h, assignedTo=users["south"]["technician"].id)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "assignedTo"
    r = create(client, h, assignedTo=users["north"]["requester"].id)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "assignedTo"


def test_detail_has_parts_cost_and_history(client, auth, users):
    manager = users.actor("north", "manager")
    bearing = factories.part(manager, unitCost="12.50", stockLevel=10)
    h = auth("north", "manager")
    wo = create(client, h, assignedTo=users["north"]["technician"].id).json
    r = client.post("/api/parts/consume", headers=h, json={
        "workOrderId": wo["id"], "partsUsage": [{"partId": bearing.id, "quantityUsed": 2, "unitCost": "12.50"}]})
    assert r.status_code == 201, r.json
    d = client.get(f"/api/work-orders/{wo['id']}", headers=h).json
    assert d["partsCost"] == "25.00"
    assert [(p["partId"], p["quantity"], p["unitCost"], p["totalCost"]) for p in d["parts"]] == \
        [(bearing.id, 2, "12.50", "25.00")]
    assert ISO_MS.match(d["parts"][0]["consumedAt"])
    assert [h["action"] for h in d["history"]] == ["created"]
    assert d["history"][0]["userId"] == manager.id


def test_contract_patch_example_completes_an_assigned_work_order(client, auth, users):
    h = auth("north", "manager")
    wo = create(client, h, assignedTo=users["north"]["technician"].id).json
    assert wo["status"] == "assigned"
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h,
                     json={"status": "completed", "completionNotes": "Replaced bearing, tested operation"})
    assert r.status_code == 200, r.json
    done = r.json
    assert done["status"] == "completed"
    assert done["completionNotes"] == "Replaced bearing, tested operation"
    assert ISO_MS.match(done["completedAt"])
    assert done["foNumber"] == wo["foNumber"]
    last = done["history"][-1]
    assert last["action"] == "completed" and last["userId"] == users["north"]["manager"].id
    assert last["changes"]["status"] == {"from": "assigned", "to": "completed"}
    assert last["changes"]["completionNotes"] == {"from": None, "to": "Replaced bearing, tested operation"}
    # Notes can still be corrected; resending the same status is not a transition.
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h,
                     json={"status": "completed", "completionNotes": "Replaced bearing 6205, tested"})
    assert r.status_code == 200, r.json
    assert r.json["completionNotes"] == "Replaced bearing 6205, tested"
    assert r.json["completedAt"] == done["completedAt"]


def _work_order_in(client, h, users, status: str) -> dict:
    tech = users["north"]["technician"].id
    wo = create(client, h, assignedTo=None if status == "new" else tech).json
    steps = {"new": [], "assigned": [], "in_progress": ["in_progress"], "on_hold": ["on_hold"],
             "completed": ["completed"], "cancelled": ["cancelled"]}[status]
    for step in steps:
        r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"status": step})
        assert r.status_code == 200, r.json
        wo = r.json
    assert wo["status"] == status
    return wo


@pytest.mark.parametrize("source, target", [(a, b) for a in STATUSES for b in STATUSES if a != b])
def test_every_transition_follows_the_table(client, auth, users, source, target):
    h = auth("north", "manager")
    wo = _work_order_in(client, h, users, source)
    body = {"status": target}
    if target == "assigned":
        body["assignedTo"] = users["north"]["technician"].id
    events_before = db.session.query(DomainEvent).count()
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json=body)
    if target in TRANSITIONS[source]:
        assert r.status_code == 200, r.json
        assert r.json["status"] == target
        assert r.json["history"][-1]["changes"]["status"] == {"from": source, "to": target}
        assert (r.json["completedAt"] is not None) == (target == "completed")
    else:
        assert r.status_code == 409, r.json
        assert r.json["message"] == f"A work order cannot go from {source} to {target}"
        assert r.json["errors"][0]["field"] == "status"
        db.session.expire_all()
        assert db.session.get(WorkOrder, wo["id"]).status == source
        assert db.session.query(DomainEvent).count() == events_before


def test_transition_table_is_the_documented_one():
    assert {
        "new": {"assigned", "in_progress", "on_hold", "completed", "cancelled"},
        "assigned": {"new", "in_progress", "on_hold", "completed", "cancelled"},
        "in_progress": {"assigned", "on_hold", "completed", "cancelled"},
        "on_hold": {"assigned", "in_progress", "cancelled"},
        "completed": set(),
        "cancelled": set(),
    } == TRANSITIONS


def test_final_work_orders_refuse_other_changes(client, auth, users):
    h = auth("north", "manager")
    wo = _work_order_in(client, h, users, "cancelled")
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"title": "Reopen please"})
    assert r.status_code == 409
    assert set(r.json) == {"message", "errors"}


def test_assigning_moves_new_to_assigned_and_back(client, auth, users):
    h = auth("north", "manager")
    tech = users["north"]["technician"].id
    wo = create(client, h).json
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"assignedTo": tech})
    assert (r.status_code, r.json["status"], r.json["assignedTo"]) == (200, "assigned", tech)
    assert r.json["history"][-1]["changes"] == {
        "assignedTo": {"from": None, "to": tech}, "status": {"from": "new", "to": "assigned"}}
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"assignedTo": None})
    assert (r.status_code, r.json["status"], r.json["assignedTo"]) == (200, "new", None)
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"status": "assigned"})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "status"


def test_patch_records_history_of_every_field(client, auth, users):
    h = auth("north", "manager")
    pump = factories.equipment(users.actor("north", "manager"))
    wo = create(client, h).json
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={
        "title": "Pump maintenance (P-101)", "priority": "critical", "type": "emergency",
        "equipmentId": pump.id, "dueDate": "2025-02-01T08:30:00Z", "description": "Leaking seal"})
    assert r.status_code == 200, r.json
    changes = r.json["history"][-1]["changes"]
    assert changes == {
        "title": {"from": "Pump maintenance", "to": "Pump maintenance (P-101)"},
        "priority": {"from": "medium", "to": "critical"},
        "type": {"from": "corrective", "to": "emergency"},
        "equipmentId": {"from": None, "to": pump.id},
        "dueDate": {"from": None, "to": "2025-02-01T08:30:00.000Z"},
        "description": {"from": None, "to": "Leaking seal"},
    }
    assert r.json["dueDate"] == "2025-02-01T08:30:00.000Z"
    # A PATCH that changes nothing records nothing.
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={"priority": "critical"})
    assert r.status_code == 200 and len(r.json["history"]) == 2


@pytest.mark.parametrize("field", ["title", "status", "priority", "type"])
def test_patch_refuses_null_for_required_fields(client, auth, users, field):
    h = auth("north", "manager")
    wo = create(client, h).json
    r = client.patch(f"/api/work-orders/{wo['id']}", headers=h, json={field: None})
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": field, "message": "May not be null"}]


# --- listing -------------------------------------------------------------------------------

@pytest.fixture
def fleet(app, users):
    """Six work orders in north with known fields, created at known times."""
    manager = users.actor("north", "manager")
    tech, tech2 = users["north"]["technician"].id, users["north"]["technician2"].id
    pump, fan = factories.equipment(manager), factories.equipment(manager)
    t0 = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)
    spec = [
        ("Pump seal leak", "high", "corrective", pump.id, tech, 1),
        ("Fan belt inspection", "low", "inspection", fan.id, tech2, 3),
        ("Pump bearing noise", "critical", "emergency", pump.id, None, 5),
        ("Monthly greasing", "medium", "preventive", None, tech, None),
        ("Replace 50% worn belt", "medium", "corrective", fan.id, None, 8),
        ("Calibrate flow sensor", "high", "inspection", None, tech2, 2),
    ]
    rows = []
    for i, (title, priority, kind, equipment_id, assignee, due_days) in enumerate(spec):
        rows.append(factories.work_order(
            manager, now=t0 + timedelta(hours=i), title=title, priority=priority, type=kind,
            equipmentId=equipment_id, assignedTo=assignee,
            dueDate=t0 + timedelta(days=due_days) if due_days else None))
    factories.move_to(manager, rows[1].id, "in_progress")
    factories.move_to(manager, rows[5].id, "completed")
    return {"rows": [r.id for r in rows], "pump": pump.id, "fan": fan.id, "tech": tech, "tech2": tech2, "t0": t0}


def titles(r) -> list[str]:
    assert r.status_code == 200, r.json
    return [w["title"] for w in r.json]


def test_list_is_a_bare_array_newest_first(client, auth, fleet):
    r = client.get("/api/work-orders", headers=auth("north", "manager"))
    assert isinstance(r.json, list)
    assert titles(r)[0] == "Calibrate flow sensor" and titles(r)[-1] == "Pump seal leak"
    assert r.headers["X-Total-Count"] == "6"
    assert set(r.json[0]) >= CONTRACT_FIELDS


def test_list_with_the_contract_example_query(client, auth, fleet):
    r = client.get("/api/work-orders?status=new,assigned&priority=high,medium", headers=auth("north", "manager"))
    assert sorted(titles(r)) == ["Monthly greasing", "Pump seal leak", "Replace 50% worn belt"]


@pytest.mark.parametrize("query, expected", [
    ("status=in_progress", ["Fan belt inspection"]),
    ("status=completed,new", ["Calibrate flow sensor", "Pump bearing noise", "Replace 50% worn belt"]),
    ("status=new&status=completed", ["Calibrate flow sensor", "Pump bearing noise", "Replace 50% worn belt"]),
    ("priority=critical", ["Pump bearing noise"]),
    ("priority=low,critical", ["Fan belt inspection", "Pump bearing noise"]),
    ("type=inspection", ["Calibrate flow sensor", "Fan belt inspection"]),
    ("q=PUMP", ["Pump bearing noise", "Pump seal leak"]),
    ("q=50%25", ["Replace 50% worn belt"]),
    ("q=WO-", ["Calibrate flow sensor", "Fan belt inspection", "Monthly greasing", "Pump bearing noise",
               "Pump seal leak", "Replace 50% worn belt"]),
    ("dueBefore=2025-01-23T09:00:00.000Z", ["Calibrate flow sensor", "Pump seal leak"]),
    ("dueAfter=2025-01-23T09:00:00.000Z", ["Fan belt inspection", "Pump bearing noise", "Replace 50% worn belt"]),
    ("dueAfter=2025-01-22T00:00:00Z&dueBefore=2025-01-24T00:00:00Z", ["Calibrate flow sensor", "Fan belt inspection"]),
])
def test_list_filters(client, auth, fleet, query, expected):
    assert sorted(titles(client.get(f"/api/work-orders?{query}", headers=auth("north", "manager")))) == expected


def test_list_filters_by_assignee_and_equipment(client, auth, fleet):
    h = auth("north", "manager")
    assert sorted(titles(client.get(f"/api/work-orders?assignedTo={fleet['tech']}", headers=h))) == \
        ["Monthly greasing", "Pump seal leak"]
    assert sorted(titles(client.get(f"/api/work-orders?equipmentId={fleet['pump']}", headers=h))) == \
        ["Pump bearing noise", "Pump seal leak"]
    r = client.get(f"/api/work-orders?equipmentId={fleet['fan']}&priority=medium", headers=h)
    assert titles(r) == ["Replace 50% worn belt"] and r.headers["X-Total-Count"] == "1"


@pytest.mark.parametrize("sort, expected", [
    ("createdAt", ["Pump seal leak", "Fan belt inspection", "Pump bearing noise", "Monthly greasing",
                   "Replace 50% worn belt", "Calibrate flow sensor"]),
    ("dueDate", ["Pump seal leak", "Calibrate flow sensor", "Fan belt inspection", "Pump bearing noise",
                 "Replace 50% worn belt", "Monthly greasing"]),
    ("-dueDate", ["Replace 50% worn belt", "Pump bearing noise", "Fan belt inspection", "Calibrate flow sensor",
                  "Pump seal leak", "Monthly greasing"]),
    ("-priority", ["Pump bearing noise", "Pump seal leak", "Calibrate flow sensor", "Monthly greasing",
                   "Replace 50% worn belt", "Fan belt inspection"]),
    ("foNumber", ["Pump seal leak", "Fan belt inspection", "Pump bearing noise", "Monthly greasing",
                  "Replace 50% worn belt", "Calibrate flow sensor"]),
])
def test_list_sort(client, auth, fleet, sort, expected):
    got = titles(client.get(f"/api/work-orders?sort={sort}", headers=auth("north", "manager")))
    if sort == "-priority":  # equal priorities keep no promised order between them
        rank = {"Pump bearing noise": 3, "Pump seal leak": 2, "Calibrate flow sensor": 2, "Monthly greasing": 1,
                "Replace 50% worn belt": 1, "Fan belt inspection": 0}
        assert [rank[t] for t in got] == [rank[t] for t in expected]
    else:
        assert got == expected


@pytest.mark.parametrize("query", [
    "status=open", "priority=urgent", "sort=title", "limit=0", "limit=501", "page=0", "dueBefore=soon",
    "colour=red", "type=cosmetic",
])
def test_list_refuses_bad_parameters(client, auth, fleet, query):
    r = client.get(f"/api/work-orders?{query}", headers=auth("north", "manager"))
    assert r.status_code == 400
    assert r.json["message"] and r.json["errors"][0]["field"].startswith(query.split("=")[0])


def _links(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(","):
        url, rel = part.split(";")
        out[rel.strip().removeprefix('rel="').rstrip('"')] = url.strip()[1:-1]
    return out


def test_pagination_headers(client, auth, users):
    manager = users.actor("north", "manager")
    for _ in range(7):
        factories.work_order(manager)
    h = auth("north", "manager")
    r = client.get("/api/work-orders?limit=3&page=2&priority=medium", headers=h)
    assert r.status_code == 200 and len(r.json) == 3
    assert r.headers["X-Total-Count"] == "7"
    links = _links(r.headers["Link"])
    assert set(links) == {"first", "prev", "next", "last"}
    assert "page=1" in links["first"] and "page=1" in links["prev"]
    assert "page=3" in links["next"] and "page=3" in links["last"]
    assert all("limit=3" in url and "priority=medium" in url for url in links.values())
    seen = []
    url = links["first"]
    while url:
        page = client.get(url, headers=h)
        seen += [w["id"] for w in page.json]
        url = _links(page.headers["Link"]).get("next")
    assert len(seen) == len(set(seen)) == 7
    last = client.get(links["last"], headers=h)
    assert len(last.json) == 1 and "next" not in _links(last.headers["Link"])


def test_default_limit_is_100_and_max_500(client, auth, users):
    manager = users.actor("north", "manager")
    for _ in range(101):
        factories.work_order(manager)
    h = auth("north", "manager")
    r = client.get("/api/work-orders", headers=h)
    assert len(r.json) == 100 and r.headers["X-Total-Count"] == "101"
    assert len(client.get("/api/work-orders?limit=500", headers=h).json) == 101
    beyond = client.get("/api/work-orders?page=9", headers=h)
    assert beyond.status_code == 200 and beyond.json == []


def test_unknown_work_order_is_404(client, auth, users):
    for method in ("get", "patch"):
        r = getattr(client, method)("/api/work-orders/00000000-0000-0000-0000-000000000000",
                                    headers=auth("north", "manager"), json={"title": "x"})
        assert r.status_code == 404
        assert r.json == {"message": "Work order not found", "errors": []}


def test_links_keep_repeated_filters(client, auth, fleet):
    h = auth("north", "manager")
    r = client.get("/api/work-orders?status=new&status=completed&limit=1", headers=h)
    assert r.headers["X-Total-Count"] == "3"
    seen = [w["title"] for w in r.json]
    url = _links(r.headers["Link"]).get("next")
    while url:
        page = client.get(url, headers=h)
        assert page.headers["X-Total-Count"] == "3"
        seen += [w["title"] for w in page.json]
        url = _links(page.headers["Link"]).get("next")
    assert sorted(seen) == ["Calibrate flow sensor", "Pump bearing noise", "Replace 50% worn belt"]


def test_who_may_change_a_field_is_what_the_update_accepts(users):
    """may_change answers as update_work_order decides (the portal shows the estimate's form by it):
    managers and admins change the estimate, the assigned technician their fields only, a requester
    nothing."""
    from portal.services.work_orders.lifecycle import may_change

    manager = users.actor("north", "manager")
    tech = users.actor("north", "technician")
    wo = factories.work_order(manager, title="Belt frays", assignedTo=tech.id)
    assert may_change(manager, wo, "estimated_duration") and may_change(users.actor("north", "admin"), wo,
                                                                        "estimated_duration")
    assert not may_change(tech, wo, "estimated_duration") and may_change(tech, wo, "completion_notes")
    assert not may_change(users.actor("north", "requester"), wo, "description")
