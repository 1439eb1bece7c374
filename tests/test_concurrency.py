"""Real threads against the real database (SQLite here, PostgreSQL in CI's second run).

Each thread pushes its own app context, so it gets its own session and connection, exactly like
concurrent requests in gunicorn workers.
"""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import factories
from conftest import PASSWORD, TEST_CONFIG
from sqlalchemy import func, select

from portal.models import DomainEvent, Part, PartConsumption, WorkOrder, WorkOrderHistory
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.work_orders import ConsumeParts, WorkOrderUpdate
from portal.services.common.errors import Conflict, Unauthorized
from portal.services.identity import auth as auth_service
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import lifecycle as work_order_service


def test_concurrent_creations_get_gap_free_unique_fo_numbers(app, users):
    manager = users.actor("north", "manager")
    year = utcnow().year
    results = factories.run_together(app, 20, lambda i: factories.work_order(manager, title=f"Leak #{i}").fo_number)
    errors = [value for kind, value in results if kind != "ok"]
    assert errors == []
    numbers = sorted(value for _, value in results)
    assert numbers == [f"WO-{year}-{n:03d}" for n in range(1, 21)]
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 20
    assert db.session.scalar(
        select(func.count()).select_from(DomainEvent).where(DomainEvent.event == "work_order.created")) == 20


def test_two_warehouses_create_concurrently_without_sharing_numbers(app, users):
    actors = [users.actor("north", "manager"), users.actor("south", "manager")]
    results = factories.run_together(app, 16, lambda i: (i % 2, factories.work_order(actors[i % 2]).fo_number))
    assert all(kind == "ok" for kind, _ in results), results
    for side in (0, 1):
        numbers = sorted(v[1] for _, v in results if v[0] == side)
        assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 9))


def _consume(actor, work_order_id: str, *lines: tuple[str, int]):
    def work(_i: int):
        body = ConsumeParts(workOrderId=work_order_id,
                            partsUsage=[{"partId": pid, "quantityUsed": qty} for pid, qty in lines])
        try:
            parts_service.consume_parts(actor, body)
            return "taken"
        except Conflict:
            return "short"
    return work


def test_concurrent_consumption_takes_exactly_the_last_units(app, users):
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    seal = factories.part(manager, partNumber="SEAL-35", stockLevel=5, reorderPoint=2)
    results = factories.run_together(app, 12, _consume(manager, job.id, (seal.id, 1)))
    assert [kind for kind, _ in results] == ["ok"] * 12, results
    assert Counter(value for _, value in results) == {"taken": 5, "short": 7}
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    assert db.session.get(Part, seal.id).stock_level == 0
    assert db.session.scalar(select(func.sum(PartConsumption.quantity))) == 5
    events = Counter(db.session.scalars(select(DomainEvent.event)))
    assert events["parts.consumed"] == 5
    assert events["inventory.low_stock"] == 1


def test_concurrent_consumption_never_goes_negative_with_larger_lines(app, users):
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    belt = factories.part(manager, stockLevel=7, reorderPoint=0)
    results = factories.run_together(app, 10, _consume(manager, job.id, (belt.id, 2)))
    assert Counter(value for _, value in results) == {"taken": 3, "short": 7}, results
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    assert db.session.get(Part, belt.id).stock_level == 1


def test_crossing_multi_part_requests_do_not_deadlock(app, users):
    """Half the requests list A then B, the other half B then A: all must succeed."""
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    a = factories.part(manager, partNumber="A-1", stockLevel=100)
    b = factories.part(manager, partNumber="B-1", stockLevel=100)
    forward = _consume(manager, job.id, (a.id, 1), (b.id, 1))
    backward = _consume(manager, job.id, (b.id, 1), (a.id, 1))
    results = factories.run_together(app, 16, lambda i: (forward if i % 2 else backward)(i))
    assert results == [("ok", "taken")] * 16
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    assert (db.session.get(Part, a.id).stock_level, db.session.get(Part, b.id).stock_level) == (84, 84)


def test_concurrent_consumption_over_http(app, users, auth):
    """The same race through the API: every answer is 201 or 409, never a 500."""
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    oil = factories.part(manager, stockLevel=4, reorderPoint=0)
    headers = [auth("north", "manager") for _ in range(8)]
    body = {"workOrderId": job.id, "partsUsage": [{"partId": oil.id, "quantityUsed": 1}]}
    results = factories.run_together(app, 8, lambda i: app.test_client().post("/api/parts/consume", json=body,
                                                                     headers=headers[i]).status_code)
    assert Counter(value for _, value in results) == {201: 4, 409: 4}, results
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    assert db.session.get(Part, oil.id).stock_level == 0


def test_racing_duplicate_asset_tags_get_one_409_each(app, users):
    """The unique constraint catches what the pre-check cannot see: the losers get 409, not 500."""
    manager = users.actor("north", "manager")

    def work(_i: int) -> str:
        try:
            factories.equipment(manager, assetTag="PUMP-RACE")
            return "created"
        except Conflict as exc:
            assert exc.errors == [{"field": "assetTag", "message": "Asset tag PUMP-RACE is already in use"}]
            return "conflict"

    results = factories.run_together(app, 8, work)
    assert Counter(value for _, value in results) == {"created": 1, "conflict": 7}, results
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DomainEvent)) == 1


def test_racing_duplicate_part_numbers_get_one_409_each(app, users):
    manager = users.actor("north", "manager")

    def work(_i: int) -> str:
        try:
            factories.part(manager, partNumber="BRG-RACE")
            return "created"
        except Conflict:
            return "conflict"

    results = factories.run_together(app, 8, work)
    assert Counter(value for _, value in results) == {"created": 1, "conflict": 7}, results


def test_one_totp_code_logs_in_once_even_when_raced(app, users):
    user = users["north"]["technician"]
    email, now = user.email, utcnow()
    code = factories.totp_code(user, now)

    def work(_i: int) -> str:
        try:
            auth_service.login(email, PASSWORD, code, now=now)
            return "in"
        except Unauthorized:
            return "refused"

    results = factories.run_together(app, 6, work)
    assert Counter(value for _, value in results) == {"in": 1, "refused": 5}, results


WORKER = """
import json, sys
from portal import create_app
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.work_orders import lifecycle as work_orders
from portal.services.common.actor import Actor

config, actor, count = json.loads(sys.argv[1])
app = create_app(config)
with app.app_context():
    print("ready", flush=True)
    sys.stdin.readline()  # the go: every process has imported the app and waits here
    numbers = [work_orders.create_work_order(Actor(**actor), WorkOrderCreate(title="From another process")).fo_number
               for _ in range(count)]
print(json.dumps(numbers))
"""


def test_several_processes_share_one_counter(app, users):
    """Like gunicorn workers: separate processes, one database (SQLite file with WAL, or PostgreSQL)."""
    manager = users.actor("north", "manager")
    config = {k: v for k, v in TEST_CONFIG.items() if k != "TESTING"}
    config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    config["REDIS_URL"] = app.config["REDIS_URL"]
    args = json.dumps([config, {"id": manager.id, "role": manager.role, "warehouse_id": manager.warehouse_id}, 5])
    root = Path(__file__).resolve().parent.parent
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, args], cwd=root, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for proc in procs:  # a barrier: all four start creating at once, whatever their import took
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    numbers = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        numbers += json.loads(out.strip().splitlines()[-1])
    year = utcnow().year
    assert sorted(numbers) == [f"WO-{year}-{n:03d}" for n in range(1, 21)]


def test_racing_completions_complete_once(app, users):
    """The work order row is locked for the update: one completion, one work_order.completed."""
    manager = users.actor("north", "manager")
    job_id = factories.work_order(manager, assignedTo=users["north"]["technician"].id).id  # plain id for threads

    def work(i: int) -> str:
        body = WorkOrderUpdate(status="completed", completionNotes=f"Done by crew {i}")
        return work_order_service.update_work_order(manager, job_id, body).status

    results = factories.run_together(app, 6, work)
    assert results == [("ok", "completed")] * 6
    db.session.rollback()
    events = Counter(db.session.scalars(select(DomainEvent.event)))
    assert events["work_order.completed"] == 1
    history = db.session.scalars(select(WorkOrderHistory.action).where(WorkOrderHistory.work_order_id == job_id))
    assert Counter(history)["completed"] == 1


def test_two_first_users_of_a_new_warehouse_share_it(app):
    """Two create-user runs naming the same new warehouse at once: one warehouse, two users."""
    emails = ["first@east.example.com", "second@east.example.com"]
    results = factories.run_together(
        app, 2, lambda i: auth_service.create_user(emails[i], PASSWORD, "technician", "East Plant").warehouse_id)
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert len({warehouse_id for _, warehouse_id in results}) == 1


def test_a_receipt_racing_consumption_loses_none_of_it(app, users):
    """Issue 7, item 9: stock 5, seven consumes of 1 and a receipt of +95 in parallel. The end level
    is exactly initial - successful consumes + receipt, and the ledger sums to it."""
    from portal.models import StockMovement
    from portal.schemas.parts import StockMovementCreate

    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    seal = factories.part(manager, partNumber="SEAL-40", stockLevel=5, reorderPoint=2)
    take = _consume(manager, job.id, (seal.id, 1))

    def work(i: int) -> str:
        if i == 7:
            parts_service.record_stock_movement(
                manager, seal.id, StockMovementCreate(type="receipt", quantity=95, note="PO 4711"))
            return "received"
        return take(i)

    results = factories.run_together(app, 8, work)
    assert all(kind == "ok" for kind, _ in results), results
    counts = Counter(value for _, value in results)
    assert counts["received"] == 1 and counts["taken"] + counts["short"] == 7
    assert counts["taken"] >= 5  # at least the first five always find stock
    db.session.rollback()  # end the test's own read snapshot (SQLite WAL) to see the threads' commits
    final = db.session.get(Part, seal.id).stock_level
    assert final == 5 - counts["taken"] + 95
    movements = list(db.session.scalars(select(StockMovement).where(StockMovement.part_id == seal.id)))
    assert sum(m.quantity for m in movements) == final
    assert Counter(m.kind for m in movements) == {"initial": 1, "consumption": counts["taken"], "receipt": 1}
    # Each movement's level_after is a level the part really passed through: all distinct, last = final.
    assert len({m.level_after for m in movements if m.kind != "initial"}) == counts["taken"] + 1
    assert final in {m.level_after for m in movements}


def test_a_count_racing_consumption_records_the_true_difference(app, users):
    """A stocktake sets the level; its recorded difference comes from the locked row, so the ledger
    still sums to the level whatever order the consumes and the count commit in."""
    from portal.models import StockMovement
    from portal.schemas.parts import StockMovementCreate

    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    belt = factories.part(manager, partNumber="BLT-40", stockLevel=20, reorderPoint=0)
    take = _consume(manager, job.id, (belt.id, 1))

    def work(i: int) -> str:
        if i == 0:
            parts_service.record_stock_movement(manager, belt.id, StockMovementCreate(type="count", quantity=50))
            return "counted"
        return take(i)

    results = factories.run_together(app, 8, work)
    assert all(kind == "ok" for kind, _ in results), results
    db.session.rollback()
    final = db.session.get(Part, belt.id).stock_level
    movements = list(db.session.scalars(select(StockMovement).where(StockMovement.part_id == belt.id)))
    [count] = [m for m in movements if m.kind == "count"]
    consumed_after = sum(1 for m in movements if m.kind == "consumption" and m.level_after < count.level_after
                         and m.level_after >= final)
    assert count.level_after == 50 and final == 50 - consumed_after
    assert sum(m.quantity for m in movements) == final
