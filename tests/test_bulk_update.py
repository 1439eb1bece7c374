"""Bulk changes of the board (assignee, status, priority, due date): the service in one transaction,
all or nothing, another warehouse's id a 404 for the lot; and POST /api/work-orders/bulk."""
from __future__ import annotations

from datetime import UTC, datetime

import factories
import pytest
from sqlalchemy import func, select

from portal.models import WorkOrder, WorkOrderHistory
from portal.models.events import DomainEvent as Event
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.services.work_orders import hold_reasons
from portal.services.work_orders import lifecycle as service

DUE = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _state(*ids: str) -> list[tuple]:
    db.session.expire_all()
    return [(w.status, w.priority, w.assigned_to, w.due_date) for w in (db.session.get(WorkOrder, i) for i in ids)]


def test_bulk_update_changes_every_field_in_one_call_as_one_by_one(users):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    a, b = (factories.work_order(manager, title=t).id for t in ("A", "B"))
    events, history = _count(Event), _count(WorkOrderHistory)
    done = service.bulk_update(manager, [b, a], {"assigned_to": tech.id, "priority": "high", "due_date": DUE})
    assert [w.id for w in done] == [b, a]
    assert _state(a, b) == [("assigned", "high", tech.id, DUE)] * 2
    # One history row and one work_order.updated event per work order, as a PATCH would write.
    assert _count(Event) - events == 2 and _count(WorkOrderHistory) - history == 2
    changes = db.session.scalars(select(WorkOrderHistory.changes).where(WorkOrderHistory.work_order_id == a)
                                 .order_by(WorkOrderHistory.at.desc(), WorkOrderHistory.id.desc())).first()
    assert set(changes) == {"assignedTo", "status", "priority", "dueDate"}
    # Status alone, then clearing the due date and the assignee (back to new).
    service.bulk_update(manager, [a], {"status": "in_progress"})
    service.bulk_update(manager, [b], {"assigned_to": None, "due_date": None})
    assert _state(a)[0][0] == "in_progress" and _state(b)[0][0::2] == ("new", None) and _state(b)[0][3] is None


def test_bulk_update_is_all_or_nothing(users):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    a = factories.work_order(manager, title="A").id
    closed = factories.work_order(manager, title="Closed").id
    factories.move_to(manager, closed, "completed")
    south = factories.work_order(users.actor("south", "manager"), title="S").id
    before = (_state(a), _count(Event), _count(WorkOrderHistory))
    # A completed one last in the list: the first one's change is rolled back too.
    with pytest.raises(Conflict) as refused:
        service.bulk_update(manager, [a, closed], {"priority": "critical", "assigned_to": tech.id})
    assert refused.value.errors == [{"field": "ids[1]", "message": "A completed work order can no longer change"}]
    # Another warehouse's id (or an unknown one) is not found: 404 for the lot, nothing written.
    with pytest.raises(NotFound) as missing:
        service.bulk_update(manager, [a, south, "no-such-id"], {"priority": "critical"})
    assert [e["field"] for e in missing.value.errors] == ["ids[1]", "ids[2]"]
    # A transition the status machine refuses, an assignee from the other warehouse.
    with pytest.raises(Conflict):
        service.bulk_update(manager, [a, closed], {"status": "in_progress"})
    with pytest.raises(ValidationFailed):
        service.bulk_update(manager, [a], {"assigned_to": users["south"]["technician"].id})
    with pytest.raises(ValidationFailed):
        service.bulk_update(manager, [a], {})
    with pytest.raises(Forbidden):
        service.bulk_update(users.actor("north", "technician"), [a], {"priority": "low"})
    db.session.rollback()
    assert (_state(a), _count(Event), _count(WorkOrderHistory)) == before


def test_reassigning_started_work_names_what_someone_began(users):
    manager = users.actor("north", "manager")
    tech, other = users["north"]["technician"], users["north"]["manager"]
    started = factories.work_order(manager, title="Started", assignedTo=tech.id)
    factories.move_to(manager, started.id, "in_progress")
    fresh = factories.work_order(manager, title="Fresh", assignedTo=tech.id)
    ids = [started.id, fresh.id]
    assert [w.id for w in service.reassigning_started_work(manager, ids, other.id)] == [started.id]
    assert [w.id for w in service.reassigning_started_work(manager, ids, None)] == [started.id]
    assert service.reassigning_started_work(manager, ids, tech.id) == []  # the same person: no question


def test_bulk_api(client, users, auth):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    a, b = (factories.work_order(manager, title=t).id for t in ("A", "B"))
    south = factories.work_order(users.actor("south", "manager"), title="S").id
    h = auth("north", "manager")
    r = client.post("/api/work-orders/bulk", headers=h, json={
        "ids": [a, b], "assignedTo": tech.id, "priority": "low", "dueDate": "2027-03-01T07:00:00Z"})
    assert r.status_code == 200
    assert [(w["id"], w["status"], w["priority"], w["assignedTo"], w["dueDate"]) for w in r.json] == [
        (a, "assigned", "low", tech.id, "2027-03-01T07:00:00.000Z"), (b, "assigned", "low", tech.id, "2027-03-01T07:00:00.000Z")]
    r = client.post("/api/work-orders/bulk", headers=h, json={"ids": [a, south], "status": "in_progress"})
    assert r.status_code == 404
    assert r.json == {"message": "Work order not found", "errors": [{"field": "ids[1]", "message": "Work order not found"}]}
    r = client.post("/api/work-orders/bulk", headers=h, json={"ids": [a]})
    assert r.status_code == 400 and r.json["message"] and r.json["errors"]
    r = client.post("/api/work-orders/bulk", headers=h, json={"ids": [a], "status": None})
    assert r.status_code == 400
    r = client.post("/api/work-orders/bulk", headers=auth("north", "technician"), json={"ids": [a], "priority": "high"})
    assert r.status_code == 403
    assert _state(a)[0][:3] == ("assigned", "low", tech.id)


def test_bulk_hold_with_a_reason_as_one_by_one(client, users, auth):
    """On hold in bulk: the reason (code and words) recorded on each, as a PATCH's hold would; one
    already on hold keeps its hold; a reason without on_hold or an unknown code is refused."""
    manager = users.actor("north", "manager")
    with unit_of_work():  # the fixture's warehouses are made without the default reasons
        hold_reasons.seed_defaults(manager.warehouse_id)
    a, b, held = (factories.work_order(manager, title=t).id for t in ("A", "B", "Held"))
    service.update_work_order(manager, held, WorkOrderUpdate(status="on_hold", holdReasonCode="other",
                                                              holdReason="Crane booked"))
    h = auth("north", "manager")
    r = client.post("/api/work-orders/bulk", headers=h, json={
        "ids": [a, b, held], "status": "on_hold", "holdReasonCode": "waiting_parts", "holdReason": "Bearing 6205"})
    assert r.status_code == 200, r.get_json()
    assert [w["status"] for w in r.get_json()] == ["on_hold"] * 3
    for wo_id in (a, b):
        changes = db.session.scalars(select(WorkOrderHistory.changes).where(WorkOrderHistory.work_order_id == wo_id)
                                     .order_by(WorkOrderHistory.at.desc(), WorkOrderHistory.id.desc())).first()
        assert changes["holdReasonCode"] == {"from": None, "to": "waiting_parts"}
        assert changes["holdReason"] == {"from": None, "to": "Bearing 6205"}
    held_changes = db.session.scalars(select(WorkOrderHistory.changes).where(WorkOrderHistory.work_order_id == held)
                                      .order_by(WorkOrderHistory.at.desc(), WorkOrderHistory.id.desc())).first()
    assert held_changes["holdReason"]["to"] == "Crane booked"  # its own hold, untouched
    c = factories.work_order(manager, title="C").id
    r = client.post("/api/work-orders/bulk", headers=h, json={"ids": [c], "priority": "high", "holdReason": "x"})
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "ids[0]"
    r = client.post("/api/work-orders/bulk", headers=h, json={"ids": [c], "status": "on_hold", "holdReasonCode": "nope"})
    assert r.status_code == 400 and "hold reasons" in r.get_json()["errors"][0]["message"]
    r = client.post("/api/work-orders/bulk", headers=h, json={"ids": [c], "status": "on_hold", "holdReason": None})
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "holdReason"
    assert _state(c)[0][:2] == ("new", "medium")
