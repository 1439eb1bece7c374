"""Server time of the technician's pages, and the manager's board, with 10,000 work orders in the warehouse.

    .venv/bin/python bench/portal.py                    # SQLite in a temporary directory
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/portal.py
                                                        # PostgreSQL: DROPS AND RECREATES ITS TABLES,
                                                        # so point it at a scratch database

Loads the rows with bulk INSERTs, logs a technician in (a portal session cookie), then prints for
each page the median server time of N requests through the in-process test client, beside a bare
page of the same stack (a logged-in route rendering base.html with nothing in it), and the number
of SQL statements each page runs; then the manager's board (its table of 100 rows, sorted and
filtered, the kanban and the calendar with the PM forecast) with the number of open work orders.
`--work-orders 1000` gives about 500 open ones (half the statuses drawn are open). Target: every
page under 100 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

import common
from flask import render_template
from flask_login import login_required
from sqlalchemy import event, func, insert, select

from portal import create_app
from portal.models import (
    OPEN_STATUSES,
    AuthSession,
    ChecklistItem,
    Equipment,
    LaborEntry,
    Part,
    PartConsumption,
    PMTemplate,
    PMTemplateEquipment,
    WorkOrder,
    WorkOrderHistory,
)
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service

STATUSES = ["new", "assigned", "in_progress", "on_hold", "completed", "completed", "completed", "cancelled"]
PRIORITIES = ["low", "medium", "medium", "high", "critical"]


def load(work_orders: int, assets: int, seed: int = 11) -> tuple[str, str, str]:
    """Bulk-load the warehouse; return (technician id, id of a well-used work order of theirs, manager id)."""
    rng = random.Random(seed)
    now = utcnow()
    manager = auth_service.create_user("manager@bench.test", "bench-password", "manager", "Bench Plant",
                                       name="Bench Manager")
    tech = auth_service.create_user("tech@bench.test", "bench-password", "technician", "Bench Plant",
                                    name="Anna Technician")
    others = [auth_service.create_user(f"tech{n}@bench.test", "bench-password", "technician", "Bench Plant",
                                       name=f"Technician {n}") for n in range(8)]
    wid = tech.warehouse_id
    people = [tech.id] + [u.id for u in others]
    equipment = [{"id": new_id(), "warehouse_id": wid, "asset_tag": f"EQ-{n:05d}", "location": f"Hall {n % 9}",
                  "status": "active", "criticality": "medium", "created_at": now, "updated_at": now}
                 for n in range(assets)]
    db.session.execute(insert(Equipment), equipment)
    parts = [{"id": new_id(), "warehouse_id": wid, "part_number": f"BRG-{n:04d}", "description": f"Bearing {n}",
              "stock_level": 500, "reorder_point": 5, "auto_reorder": False, "unit_cost": Decimal("12.50"),
              "low_stock_alerted": False, "created_at": now, "updated_at": now} for n in range(300)]
    db.session.execute(insert(Part), parts)
    rows, history = [], []
    for n in range(work_orders):
        created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        status = rng.choice(STATUSES)
        assignee = None if status == "new" else rng.choice(people)
        row = {"id": new_id(), "warehouse_id": wid, "fo_number": f"WO-B-{n:06d}", "title": f"Bench work order {n}",
               "description": "Bearing noise on the drive end", "status": status, "priority": rng.choice(PRIORITIES),
               "type": "corrective", "equipment_id": rng.choice(equipment)["id"], "assigned_to": assignee,
               "requested_by": manager.id, "due_date": created + timedelta(days=rng.randint(1, 30)),
               "completed_at": created + timedelta(hours=5) if status == "completed" else None,
               "created_at": created, "updated_at": created, "actual_duration": 0}
        rows.append(row)
        history.append({"id": new_id(), "work_order_id": row["id"], "user_id": manager.id, "action": "created",
                        "changes": {}, "at": created})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(WorkOrder), rows[start:start + 5000])
        db.session.execute(insert(WorkOrderHistory), history[start:start + 5000])
    # The work order the detail page shows: a busy one (checklist, parts, labor, a long history).
    busy = next(r for r in rows if r["assigned_to"] == tech.id and r["status"] == "in_progress")
    db.session.execute(insert(ChecklistItem), [
        {"id": new_id(), "work_order_id": busy["id"], "position": n, "item_key": f"i{n}",
         "description": f"Check point {n}", "type": "measurement" if n % 2 else "checkbox", "required": True,
         "unit": "mm", "min_value": 1.0, "max_value": 5.0, "done": n % 3 == 0, "flagged": False, "updated_at": now}
        for n in range(20)])
    db.session.execute(insert(PartConsumption), [
        {"id": new_id(), "warehouse_id": wid, "work_order_id": busy["id"], "part_id": parts[n]["id"], "quantity": 2,
         "unit_cost": Decimal("12.50"), "total_cost": Decimal("25.00"), "consumed_by": tech.id, "consumed_at": now}
        for n in range(15)])
    db.session.execute(insert(LaborEntry), [
        {"id": new_id(), "warehouse_id": wid, "work_order_id": busy["id"], "user_id": rng.choice(people),
         "minutes": 30, "performed_at": now, "created_by": tech.id, "created_at": now} for _ in range(15)])
    db.session.execute(insert(WorkOrderHistory), [
        {"id": new_id(), "work_order_id": busy["id"], "user_id": rng.choice(people), "action": "updated",
         "changes": {"status": {"from": "assigned", "to": "in_progress"}}, "at": now} for _ in range(30)])
    # A monthly PM on 50 assets: the board's calendar forecasts it.
    template = {"id": new_id(), "warehouse_id": wid, "name": "Monthly lubrication", "frequency_type": "calendar",
                "frequency": 30, "priority": "medium", "lead_days": 7, "start_date": now - timedelta(days=20),
                "checklist": [], "active": True, "requires_signature": False, "created_at": now, "updated_at": now}
    db.session.execute(insert(PMTemplate), [template])
    db.session.execute(insert(PMTemplateEquipment), [
        {"template_id": template["id"], "equipment_id": e["id"], "added_at": now - timedelta(days=20), "position": n}
        for n, e in enumerate(equipment[:50])])
    db.session.commit()
    return tech.id, busy["id"], manager.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=10_000)
    parser.add_argument("--assets", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    common.scratch_instance()
    common.quiet_request_log()
    app = create_app(common.app_config(RATELIMIT_ENABLED=False))

    @app.get("/_bench/bare")
    @login_required
    def bare():  # the same stack (session, user loader, CSRF meta, layout) with no content
        return render_template("base.html")

    with app.app_context():
        backend = common.fresh_schema()
        started = time.perf_counter()
        tech_id, busy_id, manager_id = load(args.work_orders, args.assets)
        open_count = db.session.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.status.in_(OPEN_STATUSES)))
        common.analyze()
        print(f"{backend}: loaded {args.work_orders:,} work orders on {args.assets} assets "
              f"in {time.perf_counter() - started:.1f} s")
        session = AuthSession(user_id=tech_id, expires_at=utcnow() + timedelta(hours=1))
        manager_session = AuthSession(user_id=manager_id, expires_at=utcnow() + timedelta(hours=1))
        db.session.add_all([session, manager_session])
        db.session.commit()
        session_id, manager_session_id = session.id, manager_session.id
        engine = db.engine
    # Requests run outside this app context, each in its own, as in production (a shared context
    # would keep the logged-in user cached in `g` and skip the session check).
    client, manager_client = app.test_client(), app.test_client()
    for c, sid in ((client, session_id), (manager_client, manager_session_id)):
        with c.session_transaction() as sess:
            sess["_user_id"] = sid
            sess["_fresh"] = True

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def get(url: str, headers: dict | None = None, by=client):
        def call() -> None:
            r = by.get(url, headers=headers or {})
            assert r.status_code == 200, (url, r.status_code)
        return call

    pages = [
        ("bare page (base.html, logged in)", "/_bench/bare", None),
        ("My work /", "/", None),
        ("/work-orders (first page of 25)", "/work-orders", None),
        ("/work-orders?q=drive&status=in_progress", "/work-orders?q=drive&status=in_progress", None),
        ("/work-orders?overdue=true (fragment)", "/work-orders?overdue=true", {"HX-Request": "true"}),
        ("/work-orders?page=200", "/work-orders?page=200", None),
        ("/work-orders/<id> (20 checks, 15 parts)", f"/work-orders/{busy_id}", None),
    ]
    hx = {"HX-Request": "true"}
    board = [
        ("board: table, 100 rows (manager)", "/work-orders", None),
        ("board: table sorted by priority (fragment)", "/work-orders?sort=priority", hx),
        ("board: table, status+q filter (fragment)", "/work-orders?status=new,assigned&q=work&sort=dueDate", hx),
        ("board: kanban (4 lanes of 50)", "/work-orders?view=kanban", None),
        ("board: calendar month + PM forecast", "/work-orders?view=calendar", None),
        ("board: calendar week (fragment)", "/work-orders?view=calendar&span=week", hx),
        ("board: filtered by an asset", "/work-orders?equipmentId={asset}", None),
        ("asset picker: typed EQ-0047 (fragment)", "/work-orders/asset-options?assetQ=EQ-0047", hx),
        ("asset picker: typed Hall 3 (fragment)", "/work-orders/asset-options?assetQ=Hall%203", hx),
        ("new work order form", "/work-orders/new", None),
    ]
    print(f"median of {args.repeat} requests, {backend}, in-process test client "
          f"({open_count:,} open work orders of {args.work_orders:,}):")
    with app.app_context():
        asset = db.session.scalar(select(WorkOrder.equipment_id).where(WorkOrder.id == busy_id))
    for label, url, headers, by in [(*p, client) for p in pages] + [(*p, manager_client) for p in board]:
        call = get(url.format(asset=asset), headers, by)
        call()  # warm up (template compilation, connection pool)
        statements.clear()
        call()
        queries = len(statements)
        wall, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            call()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        ms = statistics.median(wall)
        flag = "" if ms < 100 else "  OVER 100 ms"
        # The app's own CPU beside the wall time: on a shared host the wall time is mostly waiting for
        # a core; the CPU time is the request's Python (PostgreSQL's side is in the wall time only).
        print(f"  {label:<44} {ms:7.1f} ms  {statistics.median(cpu):6.1f} ms CPU  {queries:3d} queries{flag}")


if __name__ == "__main__":
    main()
