"""The service layer without HTTP: transactions, events, hooks, permissions, helpers."""
from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factories
import pytest
from sqlalchemy import select

from portal.models import DomainEvent, Equipment, WorkOrder, WorkOrderHistory
from portal.models.types import utcnow
from portal.platform import database as platform_database
from portal.platform.extensions import db
from portal.schemas.work_orders import ConsumeParts, WorkOrderUpdate
from portal.services.common import events as events_service
from portal.services.common import signals
from portal.services.common import tenancy as db_service
from portal.services.common.actor import Actor
from portal.services.common.changes import apply_changes, given_fields
from portal.services.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from portal.services.common.querying import paginate, text_filter
from portal.services.identity import auth as auth_service
from portal.services.identity import permissions
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import lifecycle as wo_service

T0 = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)


def event_names() -> list[str]:
    return list(db.session.scalars(select(DomainEvent.event).order_by(DomainEvent.created_at, DomainEvent.event)))


@pytest.fixture
def receivers():
    """Connect real receivers to a signal for one test and disconnect them afterwards."""
    with ExitStack() as stack:
        yield lambda signal, receiver: stack.enter_context(signal.connected_to(receiver))


def test_create_records_work_order_created_with_its_payload(app, users):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, now=T0, title="Pump seal leak")
    [event] = db.session.scalars(select(DomainEvent)).all()
    assert (event.event, event.entity, event.entity_id, event.warehouse_id, event.actor_id) == \
        ("work_order.created", "work_order", wo.id, manager.warehouse_id, manager.id)
    assert event.payload["workOrder"]["foNumber"] == "WO-2025-001"
    assert event.payload["workOrder"]["title"] == "Pump seal leak"
    assert event.payload["createdBy"] == manager.id
    assert event.payload["timestamp"] == "2025-01-20T09:00:00.000Z"
    envelope = events_service.envelope(event)
    assert envelope == {"id": event.id, "event": "work_order.created", "timestamp": "2025-01-20T09:00:00.000Z",
                        "data": {"entity": "work_order", "entityId": wo.id, "warehouseId": manager.warehouse_id,
                                 "payload": event.payload}}


def test_completion_records_updated_and_completed_with_metrics(app, users):
    manager = users.actor("north", "manager")
    tech = users.actor("north", "technician")
    wo = factories.work_order(manager, now=T0, assignedTo=tech.id, dueDate=T0 + timedelta(hours=2))
    bearing = factories.part(manager, unitCost="12.50")
    parts_service.consume_parts(tech, ConsumeParts(workOrderId=wo.id, partsUsage=[
        {"partId": bearing.id, "quantityUsed": 2}]), now=T0 + timedelta(hours=1))
    done = wo_service.update_work_order(tech, wo.id, WorkOrderUpdate(status="completed", completionNotes="Done"),
                                        now=T0 + timedelta(hours=3))
    assert done.completed_at == T0 + timedelta(hours=3)
    assert event_names()[-2:] == ["work_order.completed", "work_order.updated"]
    completed = db.session.scalars(select(DomainEvent).filter_by(event="work_order.completed")).one()
    assert completed.payload["completedBy"] == tech.id
    assert completed.payload["metrics"] == {"timeToCompleteHours": 3.0, "partsCost": "25.00", "partsQuantity": 2, "laborMinutes": 0,
                                            "completedLate": True}
    history = db.session.scalars(select(WorkOrderHistory).where(WorkOrderHistory.work_order_id == wo.id)
                                 .order_by(WorkOrderHistory.at)).all()
    assert [h.action for h in history] == ["created", "completed"]
    assert history[-1].user_id == tech.id
    assert history[-1].changes["status"] == {"from": "assigned", "to": "completed"}


def test_completion_signals_are_sent_inside_the_transaction(app, users, receivers):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, assignedTo=users["north"]["technician"].id)
    seen = []
    receivers(signals.work_order_completing,
              lambda w, actor, now: seen.append(("completing", w.status, w.completed_at, actor.id)))
    receivers(signals.work_order_completed,
              lambda w, actor, now: seen.append(("completed", w.status, w.completed_at, actor.id)))
    now = utcnow()
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="completed"), now=now)
    # Completing: before anything of the change is applied; completed: after, events recorded.
    assert seen == [("completing", "assigned", None, manager.id), ("completed", "completed", now, manager.id)]
    # Neither is sent by a change that completes nothing.
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(completionNotes="Seal replaced"))
    assert len(seen) == 2


def test_a_refusing_receiver_rolls_the_completion_back(app, users, receivers):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, assignedTo=users["north"]["technician"].id)
    completed = []

    def checklist_gate(work_order, actor, now):
        raise ValidationFailed("Checklist incomplete", [{"field": "checklist", "message": "2 required items open"}])

    receivers(signals.work_order_completing, checklist_gate)
    receivers(signals.work_order_completed, lambda w, actor, now: completed.append(w.id))
    with pytest.raises(ValidationFailed):
        wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="completed"))
    assert completed == []
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).status == "assigned"
    assert event_names() == ["work_order.created"]


def test_receivers_run_in_the_order_they_were_connected(app, users, receivers):
    manager = users.actor("north", "manager")
    order = []
    # More receivers than a set keeps in insertion order by chance.
    for i in range(12):
        receivers(signals.work_order_completed, lambda w, actor, now, i=i: order.append(i))
    wo = factories.work_order(manager)
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="completed"))
    assert order == list(range(12))


def test_event_receivers_see_each_event_inside_the_transaction(app, users, receivers):
    seen = []

    def receiver(row: DomainEvent) -> None:
        seen.append((row.event, db.session.get(Equipment, row.entity_id) is not None))

    receivers(signals.event_recorded, receiver)
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, status="active")
    from portal.schemas.equipment import EquipmentUpdate
    from portal.services.assets import equipment as equipment_service

    equipment_service.update_equipment(manager, pump.id, EquipmentUpdate(status="down"))
    assert seen == [("equipment.created", True), ("equipment.updated", True), ("equipment.status_changed", True)]


def test_committed_receivers_get_committed_event_ids_only(app, users, receivers):
    manager = users.actor("north", "manager")
    batches = []
    receivers(platform_database.committed, lambda session, event_ids: batches.append(list(event_ids)))
    wo = factories.work_order(manager)
    assert batches == [[db.session.scalars(select(DomainEvent.id)).one()]]
    with pytest.raises(ValidationFailed):  # assigned needs an assignee (new → completed is allowed)
        wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="assigned"))
    assert len(batches) == 1
    # A failing receiver neither undoes the committed change nor keeps the others from running.
    receivers(platform_database.committed, lambda session, event_ids: 1 / 0)
    receivers(platform_database.committed, lambda session, event_ids: batches.append(list(event_ids)))
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(priority="high"))
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).priority == "high"
    assert len(batches) == 3 and batches[1] == batches[2] and len(batches[1]) == 1


def test_nested_units_of_work_commit_or_fail_together(app, users):
    manager = users.actor("north", "manager")
    with pytest.raises(Conflict), platform_database.unit_of_work():
        factories.work_order(manager, title="first")
        factories.equipment(manager, assetTag="DUP")
        factories.equipment(manager, assetTag="DUP")
    assert db.session.scalars(select(WorkOrder)).all() == []
    assert db.session.scalars(select(Equipment)).all() == []
    assert event_names() == []
    with platform_database.unit_of_work():
        factories.work_order(manager, title="first")
        factories.work_order(manager, title="second")
    assert sorted(w.fo_number[-3:] for w in db.session.scalars(select(WorkOrder))) == ["001", "002"]


def test_failed_requests_record_no_events(app, users):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager)
    part = factories.part(manager, stockLevel=1)
    before = event_names()
    with pytest.raises(Conflict):
        parts_service.consume_parts(manager, ConsumeParts(workOrderId=wo.id, partsUsage=[
            {"partId": part.id, "quantityUsed": 2}]))
    with pytest.raises(ValidationFailed):  # assigned needs an assignee (new → completed is allowed)
        wo_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="assigned"))
    with pytest.raises(Forbidden):
        wo_service.update_work_order(users.actor("north", "requester"), wo.id, WorkOrderUpdate(title="x"))
    with pytest.raises(NotFound):
        wo_service.update_work_order(users.actor("south", "manager"), wo.id, WorkOrderUpdate(title="x"))
    assert event_names() == before


def test_record_event_refuses_unknown_types(app, users):
    with pytest.raises(ValueError):
        events_service.record_event("work_order.exploded", entity="work_order", entity_id="x",
                                    warehouse_id=users["north"]["manager"].warehouse_id, payload={})


def test_get_in_warehouse_hides_other_warehouses(app, users):
    pump = factories.equipment(users.actor("south", "manager"))
    with pytest.raises(NotFound) as exc:
        db_service.get_in_warehouse(Equipment, pump.id, users.actor("north", "admin"), what="Equipment")
    assert exc.value.message == "Equipment not found"
    assert db_service.get_in_warehouse(Equipment, pump.id, users.actor("south", "requester")).id == pump.id
    with pytest.raises(NotFound):
        db_service.get_in_warehouse(Equipment, None, users.actor("south", "admin"))


@pytest.mark.parametrize("permission, roles", [
    ("work_orders.read", {"admin", "manager", "technician", "requester"}),
    ("work_orders.create", {"admin", "manager", "technician", "requester"}),
    ("work_orders.assign", {"admin", "manager"}),
    ("work_orders.update", {"admin", "manager", "technician"}),
    ("equipment.write", {"admin", "manager"}),
    ("parts.write", {"admin", "manager"}),
    ("parts.consume", {"admin", "manager", "technician"}),
    ("users.manage", {"admin"}),
])
def test_permission_matrix_matches_the_readme(permission, roles):
    for role in ("admin", "manager", "technician", "requester"):
        actor = Actor(id="u", role=role, warehouse_id="w")
        assert permissions.can(actor, permission) == (role in roles)
        if role not in roles:
            with pytest.raises(Forbidden):
                permissions.require(actor, permission)
    assert permissions.can(Actor.system("w"), permission)


def test_system_actor_creates_work_orders_for_jobs(app, users):
    wh = users["north"]["manager"].warehouse_id
    wo = factories.work_order(Actor.system(wh), type="preventive", assignedTo=users["north"]["technician"].id)
    assert (wo.requested_by, wo.status, wo.warehouse_id) == (None, "assigned", wh)
    [event] = db.session.scalars(select(DomainEvent)).all()
    assert event.actor_id is None


def test_given_fields_and_apply_changes():
    data = WorkOrderUpdate.model_validate({"title": "New", "description": None})
    assert given_fields(data, ("title",)) == {"title": "New", "description": None}
    with pytest.raises(ValidationFailed) as exc:
        given_fields(WorkOrderUpdate.model_validate({"dueDate": None, "title": None}), ("title",))
    assert exc.value.errors == [{"field": "title", "message": "May not be null"}]

    class Row:
        title = "Old"
        description = "same"
        due_date = None
        unit_cost = Decimal("1.00")

    row = Row()
    changes = apply_changes(row, {"title": "New", "description": "same", "due_date": T0,
                                  "unit_cost": Decimal("2.5")})
    assert changes == {"title": {"from": "Old", "to": "New"},
                       "dueDate": {"from": None, "to": "2025-01-20T09:00:00.000Z"},
                       "unitCost": {"from": "1.00", "to": "2.50"}}
    assert row.title == "New" and row.due_date == T0


def test_text_filter_treats_wildcards_literally(app, users):
    manager = users.actor("north", "manager")
    for title in ("100% done", "100 done", "a_b", "axb", "back\\slash"):
        factories.work_order(manager, title=title)

    def search(q: str) -> list[str]:
        return sorted(db.session.scalars(select(WorkOrder.title).where(text_filter(q, WorkOrder.title))))

    assert search("100%") == ["100% done"]
    assert search("a_b") == ["a_b"]
    assert search("\\") == ["back\\slash"]
    assert search("DONE") == ["100 done", "100% done"]


def test_paginate_counts_and_slices(app, users):
    manager = users.actor("north", "manager")
    for i in range(5):
        factories.work_order(manager, now=T0 + timedelta(minutes=i))
    stmt = select(WorkOrder).order_by(WorkOrder.created_at)
    page = paginate(stmt, 2, 2)
    assert (page.total, page.page, page.limit, page.last_page) == (5, 2, 2, 3)
    assert [w.fo_number for w in page.items] == ["WO-2025-003", "WO-2025-004"]
    assert paginate(select(WorkOrder).where(WorkOrder.id == "none"), 1, 10).last_page == 1


def test_passwords_are_argon2id_and_never_stored_plain(app, users):
    user = users["north"]["manager"]
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_revoked_and_expired_sessions_are_not_active(app, users):
    user = users["north"]["manager"]
    now = utcnow()
    code = factories.totp_code(user, now)
    _, session = auth_service.login(user.email, "correct horse battery", code, now=now)
    assert auth_service.active_session(session.id, now=now) is not None
    assert auth_service.active_session(session.id, now=session.expires_at + timedelta(seconds=1)) is None
    auth_service.revoke_session(session.id)
    assert auth_service.active_session(session.id) is None
    assert auth_service.active_session("no-such-session") is None


def test_create_user_refuses_duplicates_and_bad_input(app, users):
    with pytest.raises(Conflict):
        auth_service.create_user("MANAGER@north.example.com", "long enough", "manager", "North Plant")
    with pytest.raises(ValidationFailed) as exc:
        auth_service.create_user("not-an-email", "short", "boss", "North Plant")
    assert {e["field"] for e in exc.value.errors} == {"email", "password", "role"}
    with pytest.raises(Forbidden):
        auth_service.create_user("x@north.example.com", "long enough", "admin", "North Plant",
                                 actor=users.actor("north", "manager"))
