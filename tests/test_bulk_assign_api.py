"""POST /api/work-orders/bulk-assign: one transaction, 404 for the lot on a foreign id, 403 by role,
the contract's error format, and the same rows as assigning one by one."""
from __future__ import annotations

import factories
from sqlalchemy import func, select

from portal.models import WorkOrder
from portal.models.events import DomainEvent as Event
from portal.platform.extensions import db


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def test_bulk_assign_api(client, users, auth):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    a, b = (factories.work_order(manager, title=t).id for t in ("A", "B"))
    r = client.post("/api/work-orders/bulk-assign", json={"ids": [b, a, b], "assignedTo": tech.id},
                    headers=auth("north", "manager"))
    assert r.status_code == 200
    assert [(w["id"], w["assignedTo"], w["status"]) for w in r.json] == [(b, tech.id, "assigned"), (a, tech.id, "assigned")]
    # null unassigns (back to new), like PATCH assignedTo null.
    r = client.post("/api/work-orders/bulk-assign", json={"ids": [a], "assignedTo": None},
                    headers=auth("north", "manager"))
    assert r.status_code == 200 and r.json[0]["status"] == "new" and r.json[0]["assignedTo"] is None


def test_bulk_assign_api_refusals_write_nothing(client, users, auth):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    a = factories.work_order(manager, title="A").id
    done = factories.work_order(manager, title="Done").id
    factories.move_to(manager, done, "completed")
    south = factories.work_order(users.actor("south", "manager"), title="S").id
    before = _events()
    h = auth("north", "manager")
    r = client.post("/api/work-orders/bulk-assign", json={"ids": [a, south], "assignedTo": tech.id}, headers=h)
    assert r.status_code == 404
    assert r.json == {"message": "Work order not found", "errors": [{"field": "ids[1]", "message": "Work order not found"}]}
    r = client.post("/api/work-orders/bulk-assign", json={"ids": [a, done], "assignedTo": tech.id}, headers=h)
    assert r.status_code == 409 and r.json["errors"] == [
        {"field": "ids[1]", "message": "A completed work order can no longer change"}]
    r = client.post("/api/work-orders/bulk-assign", json={"ids": [], "assignedTo": tech.id}, headers=h)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "ids"
    r = client.post("/api/work-orders/bulk-assign", json={"ids": [a], "assignedTo": tech.id},
                    headers=auth("north", "technician"))
    assert r.status_code == 403
    db.session.expire_all()
    assert db.session.get(WorkOrder, a).assigned_to is None and _events() == before
