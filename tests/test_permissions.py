"""Roles (README "Roles") and tenancy: every route, every role, and another warehouse's ids."""
from __future__ import annotations

import factories
import pytest

from portal.models import DomainEvent, WorkOrder
from portal.platform.extensions import db

ROLES = ("admin", "manager", "technician", "requester")
STAFF = {"admin", "manager"}


@pytest.fixture
def north(app, users):
    """North's records: a work order of the technician, one of technician2, equipment and a part."""
    manager = users.actor("north", "manager")
    return {
        "mine": factories.work_order(manager, assignedTo=users["north"]["technician"].id).id,
        "theirs": factories.work_order(manager, assignedTo=users["north"]["technician2"].id).id,
        "equipment": factories.equipment(manager).id,
        "part": factories.part(manager).id,
        "tech": users["north"]["technician"].id,
    }


# (method, path, body, roles that may, status on success)
CASES = [
    ("get", "/api/work-orders", None, set(ROLES), 200),
    ("post", "/api/work-orders", {"title": "Noisy pump"}, set(ROLES), 201),
    ("post", "/api/work-orders", {"title": "Noisy pump", "assignedTo": "{tech}"}, STAFF, 201),
    ("get", "/api/work-orders/{mine}", None, set(ROLES), 200),
    ("patch", "/api/work-orders/{mine}", {"status": "in_progress"}, STAFF | {"technician"}, 200),
    ("patch", "/api/work-orders/{mine}", {"completionNotes": "Greased"}, STAFF | {"technician"}, 200),
    ("patch", "/api/work-orders/{mine}", {"description": "Seal leaks"}, STAFF | {"technician"}, 200),
    ("patch", "/api/work-orders/{mine}", {"status": "completed", "completionNotes": "Done"},
     STAFF | {"technician"}, 200),
    ("patch", "/api/work-orders/{mine}", {"title": "Renamed"}, STAFF, 200),
    ("patch", "/api/work-orders/{mine}", {"priority": "critical"}, STAFF, 200),
    ("patch", "/api/work-orders/{mine}", {"dueDate": "2030-01-01T00:00:00Z"}, STAFF, 200),
    ("patch", "/api/work-orders/{mine}", {"assignedTo": None}, STAFF, 200),
    ("patch", "/api/work-orders/{theirs}", {"status": "in_progress"}, STAFF, 200),
    ("get", "/api/equipment", None, set(ROLES), 200),
    ("get", "/api/equipment/{equipment}", None, set(ROLES), 200),
    ("post", "/api/equipment", {"assetTag": "NEW-1"}, STAFF, 201),
    ("patch", "/api/equipment/{equipment}", {"status": "down"}, STAFF, 200),
    ("get", "/api/parts", None, set(ROLES), 200),
    ("get", "/api/parts/{part}", None, set(ROLES), 200),
    ("get", "/api/parts/reorder-requests", None, set(ROLES), 200),
    ("post", "/api/parts", {"partNumber": "NEW-1"}, STAFF, 201),
    ("patch", "/api/parts/{part}", {"reorderPoint": 3}, STAFF, 200),
    # Receiving goods is storeroom routine for technicians too; adjustments and counts are not.
    ("post", "/api/parts/{part}/stock-movements", {"type": "receipt", "quantity": 5}, STAFF | {"technician"}, 201),
    ("post", "/api/parts/{part}/stock-movements", {"type": "adjustment", "quantity": -1}, STAFF, 201),
    ("post", "/api/parts/{part}/stock-movements", {"type": "count", "quantity": 7}, STAFF, 201),
    ("get", "/api/parts/{part}/stock-movements", None, set(ROLES), 200),
    ("post", "/api/parts/consume", {"workOrderId": "{mine}", "partsUsage": [{"partId": "{part}", "quantityUsed": 1}]},
     STAFF | {"technician"}, 201),
    ("post", "/api/parts/consume", {"workOrderId": "{theirs}", "partsUsage": [{"partId": "{part}", "quantityUsed": 1}]},
     STAFF, 201),
    # Asking the storeroom for a part: on the work orders one may work on.
    ("post", "/api/work-orders/{mine}/part-requests", {"partId": "{part}", "quantity": 2}, STAFF | {"technician"}, 201),
    ("post", "/api/work-orders/{theirs}/part-requests", {"partId": "{part}", "quantity": 2}, STAFF, 201),
    ("get", "/api/work-orders/{mine}/part-requests", None, set(ROLES), 200),
    ("get", "/api/auth/me", None, set(ROLES), 200),
]


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path, body, allowed, ok", CASES,
                         ids=[f"{c[0]} {c[1]} {sorted(c[2] or {})}" for c in CASES])
def test_role_matrix(client, auth, north, role, method, path, body, allowed, ok):
    events_before = db.session.query(DomainEvent).count()
    kwargs = {"headers": auth("north", role)}
    if body is not None:
        kwargs["json"] = _fill(body, north)
    r = getattr(client, method)(_fill(path, north), **kwargs)
    if role in allowed:
        assert r.status_code == ok, r.json
    else:
        assert r.status_code == 403, r.json
        assert set(r.json) == {"message", "errors"} and r.json["message"]
        assert db.session.query(DomainEvent).count() == events_before


def test_requester_creates_new_work_orders_only(client, auth, users):
    r = client.post("/api/work-orders", json={"title": "Leak under line 2"}, headers=auth("north", "requester"))
    assert r.status_code == 201 and r.json["status"] == "new"
    assert r.json["requestedBy"] == users["north"]["requester"].id
    refused = client.post("/api/work-orders", json={"title": "x", "assignedTo": users["north"]["technician"].id},
                          headers=auth("north", "requester"))
    assert refused.status_code == 403 and refused.json["errors"][0]["field"] == "assignedTo"


def test_technician_refusal_names_the_fields(client, auth, north):
    r = client.patch(f"/api/work-orders/{north['mine']}", json={"title": "x", "priority": "low", "status": "on_hold"},
                     headers=auth("north", "technician"))
    assert r.status_code == 403
    assert sorted(e["field"] for e in r.json["errors"]) == ["priority", "title"]
    assert db.session.get(WorkOrder, north["mine"]).status == "assigned"


def test_technician_completes_own_work_order(client, auth, north):
    h = auth("north", "technician")
    r = client.patch(f"/api/work-orders/{north['mine']}", json={"status": "in_progress"}, headers=h)
    assert r.status_code == 200
    r = client.patch(f"/api/work-orders/{north['mine']}",
                     json={"status": "completed", "completionNotes": "Replaced bearing, tested operation"}, headers=h)
    assert r.status_code == 200 and r.json["status"] == "completed" and r.json["completedAt"]


def test_technician_saving_the_full_edit_form_changes_only_what_they_may(client, auth, north):
    """Rights are checked on what changes: manager-only fields resent unchanged are no change."""
    h = auth("north", "technician")
    current = client.get(f"/api/work-orders/{north['mine']}", headers=h).json
    form = {k: current[k] for k in ("title", "description", "priority", "type", "equipmentId", "assignedTo",
                                    "dueDate")}
    form.update(status="in_progress", description="Seal leaks at the gland")
    r = client.patch(f"/api/work-orders/{north['mine']}", json=form, headers=h)
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["description"]) == ("in_progress", "Seal leaks at the gland")
    assert set(r.json["history"][-1]["changes"]) == {"status", "description"}
    # A changed manager-only field in the same form is still refused, naming only that field.
    form.update(priority="critical" if current["priority"] != "critical" else "low", status="on_hold")
    r = client.patch(f"/api/work-orders/{north['mine']}", json=form, headers=h)
    assert r.status_code == 403 and [e["field"] for e in r.json["errors"]] == ["priority"]
    db.session.expire_all()
    assert db.session.get(WorkOrder, north["mine"]).status == "in_progress"


@pytest.mark.parametrize("status", ["in_progress", "completed"])
def test_technician_taking_on_an_unassigned_order_becomes_its_assignee(client, auth, users, status):
    unassigned = factories.work_order(users.actor("north", "manager")).id
    tech = users["north"]["technician"].id
    r = client.patch(f"/api/work-orders/{unassigned}", json={"status": status}, headers=auth("north", "technician"))
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["assignedTo"]) == (status, tech)
    assert r.json["history"][-1]["changes"]["assignedTo"] == {"from": None, "to": tech}
    assert r.json["history"][-1]["userId"] == tech


def test_technician_cannot_take_on_an_unassigned_order_otherwise(client, auth, users):
    unassigned = factories.work_order(users.actor("north", "manager")).id
    h = auth("north", "technician")
    for body in ({"status": "on_hold"}, {"description": "Mine now"}):
        r = client.patch(f"/api/work-orders/{unassigned}", json=body, headers=h)
        assert r.status_code == 403, (body, r.json)
    db.session.expire_all()
    wo = db.session.get(WorkOrder, unassigned)
    assert (wo.status, wo.assigned_to) == ("new", None)


def test_contract_flow_completes_a_new_work_order(client, auth, users):
    """The contract creates without assignedTo and PATCHes {"status": "completed"}."""
    h = auth("north", "manager")
    wo = client.post("/api/work-orders", json={"title": "Replace belt"}, headers=h).json
    r = client.patch(f"/api/work-orders/{wo['id']}", json={"status": "completed",
                     "completionNotes": "Replaced bearing, tested operation"}, headers=h)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "completed" and r.json["completedAt"] and r.json["assignedTo"] is None


def test_technician_lists_every_work_order_of_the_warehouse(client, auth, north):
    r = client.get("/api/work-orders", headers=auth("north", "technician"))
    assert {w["id"] for w in r.json} == {north["mine"], north["theirs"]}


# --- tenancy -------------------------------------------------------------------------------

@pytest.fixture
def south(app, users):
    manager = users.actor("south", "manager")
    return {
        "wo": factories.work_order(manager, assignedTo=users["south"]["technician"].id).id,
        "equipment": factories.equipment(manager, assetTag="SOUTH-PUMP").id,
        "part": factories.part(manager, partNumber="SOUTH-BRG").id,
    }


MISSING = "00000000-0000-0000-0000-000000000000"
ID_ROUTES = [
    ("get", "/api/work-orders/{id}", "wo", None),
    ("patch", "/api/work-orders/{id}", "wo", {"status": "in_progress"}),
    ("patch", "/api/work-orders/{id}", "wo", {"description": "x"}),
    ("get", "/api/equipment/{id}", "equipment", None),
    ("patch", "/api/equipment/{id}", "equipment", {"status": "down"}),
    ("get", "/api/parts/{id}", "part", None),
    ("patch", "/api/parts/{id}", "part", {"reorderPoint": 0}),
    ("get", "/api/parts/{id}/stock-movements", "part", None),
    ("post", "/api/parts/{id}/stock-movements", "part", {"type": "receipt", "quantity": 5}),
]


@pytest.mark.parametrize("role", ["admin", "manager", "technician"])
@pytest.mark.parametrize("method, path, kind, body", ID_ROUTES, ids=[f"{r[0]} {r[1]} {r[2]}" for r in ID_ROUTES])
def test_another_warehouses_id_is_404_like_a_missing_one(client, auth, south, role, method, path, kind, body):
    h = auth("north", role)
    kwargs = {"headers": h} if body is None else {"headers": h, "json": body}
    events_before = db.session.query(DomainEvent).count()
    foreign = getattr(client, method)(path.format(id=south[kind]), **kwargs)
    missing = getattr(client, method)(path.format(id=MISSING), **kwargs)
    if role == "technician" and method == "patch" and kind != "wo":
        # Not allowed at all, whatever the id: 403 tells nothing about the record.
        assert foreign.status_code == missing.status_code == 403
    else:
        assert foreign.status_code == 404
        assert foreign.json == missing.json
    assert db.session.query(DomainEvent).count() == events_before


def test_south_is_unchanged_after_north_tries(client, auth, south):
    h = auth("north", "admin")
    client.patch(f"/api/work-orders/{south['wo']}", json={"title": "hijacked"}, headers=h)
    client.patch(f"/api/equipment/{south['equipment']}", json={"status": "retired"}, headers=h)
    client.patch(f"/api/parts/{south['part']}", json={"reorderPoint": 0}, headers=h)
    client.post(f"/api/parts/{south['part']}/stock-movements", json={"type": "count", "quantity": 0}, headers=h)
    hs = auth("south", "manager")
    assert client.get(f"/api/work-orders/{south['wo']}", headers=hs).json["title"] != "hijacked"
    assert client.get(f"/api/equipment/{south['equipment']}", headers=hs).json["status"] == "active"
    assert client.get(f"/api/parts/{south['part']}", headers=hs).json["stockLevel"] == 45


@pytest.mark.parametrize("path", ["/api/work-orders", "/api/equipment", "/api/parts", "/api/parts/reorder-requests",
                                  "/api/work-orders?q=WO-", "/api/equipment?q=SOUTH", "/api/parts?q=SOUTH",
                                  "/api/parts?lowStock=false", "/api/work-orders?status=assigned"])
def test_lists_never_show_another_warehouse(client, auth, users, south, path):
    for role in ROLES:
        r = client.get(path, headers=auth("north", role))
        assert r.status_code == 200
        assert r.json == [] and r.headers["X-Total-Count"] == "0"


def test_filters_with_foreign_ids_find_nothing(client, auth, users, south):
    h = auth("north", "manager")
    assert client.get(f"/api/work-orders?equipmentId={south['equipment']}", headers=h).json == []
    assert client.get(f"/api/work-orders?assignedTo={users['south']['technician'].id}", headers=h).json == []


def test_foreign_ids_cannot_be_linked(client, auth, users, south, north):
    h = auth("north", "manager")
    r = client.patch(f"/api/work-orders/{north['mine']}", json={"equipmentId": south["equipment"]}, headers=h)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "equipmentId"
    r = client.patch(f"/api/work-orders/{north['mine']}", json={"assignedTo": users["south"]["technician"].id},
                     headers=h)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "assignedTo"
