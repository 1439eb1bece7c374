"""One read model per screen (services/work_orders/reads.py): the API and the portal read the
work order list through the same function and the same cache entry, the permission is checked
before the cache, the work order page reads in a fixed number of statements, and the closed
statuses are one list. Statements are counted with SQLAlchemy's before_cursor_execute event,
cache lookups with the cache's own hit counters."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import factories
import pytest
from sqlalchemy import event

from portal.models.enums import CLOSED_STATUSES, OPEN_STATUSES, WORK_ORDER_STATUS
from portal.models.types import utcnow
from portal.platform import cache
from portal.platform.extensions import db
from portal.schemas.work_orders import ConsumeParts, WorkOrderQuery
from portal.services.common.actor import Actor
from portal.services.common.errors import Forbidden
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import reads
from portal.services.work_orders.lifecycle import TRANSITIONS
from web.conftest import count_queries

HX = {"HX-Request": "true"}


@contextmanager
def statements():
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        if statement not in ("COMMIT", "BEGIN"):  # SQLite's snapshot moved on (database.reads_from_now)
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def reads_of_work_orders(seen: list[str]) -> list[str]:
    return [s for s in seen if "FROM work_orders" in s]


def test_the_portals_list_is_the_apis_list_from_the_same_cache_entry(app, client, users, auth, portal_login):
    manager = users.actor("north", "manager")
    seal = factories.work_order(manager, title="Leaking seal", priority="high", now=utcnow() - timedelta(hours=1))
    belt = factories.work_order(manager, title="Loose belt")
    factories.work_order(users.actor("south", "manager"), title="South pump")
    # The API asks for the portal's page size: the same query, so the same answer.
    r = client.get("/api/work-orders?limit=25", headers=auth("north", "manager"))
    assert r.status_code == 200 and [w["id"] for w in r.get_json()] == [belt.id, seal.id]
    assert cache.hit_rate(app) == (0.0, 1)  # the API's read missed and stored its answer

    portal_login(users["north"]["technician"])
    with statements() as seen:
        html = client.get("/work-orders", headers=HX).get_data(as_text=True)
    assert cache.hit_rate(app) == (50.0, 2)  # the portal's read was a hit on the API's entry
    assert reads_of_work_orders(seen) == []  # so no statement read a work order
    assert "Leaking seal" in html and "Loose belt" in html and "South pump" not in html
    assert html.index(belt.fo_number) < html.index(seal.fo_number)  # the API's order

    # A write shows on both faces at once, and the portal's read then warms the API's.
    factories.move_to(manager, seal.id, "cancelled")
    html = client.get("/work-orders?status=cancelled", headers=HX).get_data(as_text=True)
    assert seal.fo_number in html and belt.fo_number not in html
    r = client.get("/api/work-orders?status=cancelled&limit=25", headers=auth("north", "manager"))
    assert [w["id"] for w in r.get_json()] == [seal.id]
    assert cache.hit_rate(app) == (50.0, 4)  # the portal missed (new filter), the API hit


def test_the_list_answer_is_the_same_from_the_cache_and_from_the_database(app, users):
    manager = users.actor("north", "manager")
    factories.work_order(manager, title="Pump", dueDate="2030-01-02T03:04:05.678Z")
    query = WorkOrderQuery(limit=25)
    with app.test_request_context():
        missed = reads.list_answer(manager, query)
        with statements() as seen:
            hit = reads.list_answer(manager, query)
        assert seen == [] and hit == missed
        page = reads.list_page(manager, query)
        assert page.total == 1 and page.items[0].title == "Pump"
        assert page.items[0].due_date.isoformat() == "2030-01-02T03:04:05.678000+00:00"


def test_a_kept_list_still_checks_the_permission(app, users):
    manager = users.actor("north", "manager")
    factories.work_order(manager)
    stranger = Actor(id=None, role="nobody", warehouse_id=manager.warehouse_id)
    with app.test_request_context():
        reads.list_answer(manager, WorkOrderQuery())
        before = cache.hit_rate(app)
        with pytest.raises(Forbidden):
            reads.list_answer(stranger, WorkOrderQuery())
        assert cache.hit_rate(app) == before  # refused before the cache was looked at


def test_the_work_order_page_reads_in_a_fixed_number_of_statements(client, users, portal_login):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    pump = factories.equipment(manager, assetTag="PUMP-9", location="Cellar")
    wo = factories.work_order(manager, equipmentId=pump.id, assignedTo=tech.id)
    part = factories.part(manager)
    parts_service.consume_parts(manager, ConsumeParts(workOrderId=wo.id, partsUsage=[{"partId": part.id,
                                                                                    "quantityUsed": 2}]))
    wo_id, part_number = wo.id, part.part_number
    portal_login(tech)
    with statements() as seen:
        html = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    # The login session with its user; the work order with its parts and history (the API's
    # detail); the checklist; the labor; the names of people, asset and parts; the parts requested
    # with their numbers; comments; photos; the signature (sign-off); the header bell's unread count. A
    # repair (this corrective order) also: the failure catalogue with the warehouse's rule and the
    # asset's class (one statement), and the codes' use.
    assert len(seen) == 12, seen
    # The work order is read once per page (the failure codes' use is a count over all of them).
    assert len([s for s in reads_of_work_orders(seen) if "GROUP BY" not in s]) == 1
    assert "PUMP-9" in html and part_number in html and "north technician" in html
    assert count_queries(client, f"/work-orders/{wo_id}", headers=HX) == 11  # a fragment: no header, no bell


def test_closed_statuses_are_the_final_ones():
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(WORK_ORDER_STATUS)
    assert not set(OPEN_STATUSES) & set(CLOSED_STATUSES)
    assert CLOSED_STATUSES == ("completed", "cancelled")
    assert [s for s, targets in TRANSITIONS.items() if not targets] == list(CLOSED_STATUSES)


def test_closed_work_orders_offer_no_board_edit(client, users, portal_login):
    manager = users.actor("north", "manager")
    done, open_ = factories.work_order(manager, title="Done"), factories.work_order(manager, title="Open")
    factories.move_to(manager, done.id, "in_progress", "completed")
    portal_login(users["north"]["manager"])
    html = client.get("/work-orders", headers=HX).get_data(as_text=True)
    assert f'hx-target="#wo-{open_.id}"' in html and f'hx-target="#wo-{done.id}"' not in html
