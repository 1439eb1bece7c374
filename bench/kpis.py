"""Time GET /api/kpis and GET /api/pm-compliance at 100,000 (or 1,000,000) work orders.

    .venv/bin/python bench/kpis.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql+psycopg://.../scratch .venv/bin/python bench/kpis.py --explain
                                                        # PostgreSQL: DROPS AND RECREATES ITS TABLES,
                                                        # so point it at a scratch database
    DATABASE_URL=postgresql+psycopg://.../copy .venv/bin/python bench/kpis.py --reuse --explain
                                                        # a database bench/scale.py loaded (a COPY of it,
                                                        # upgraded to the head migration): measured as it
                                                        # is, plus a hierarchy added once (--reuse WRITES
                                                        # parent ids when no asset has children)

Loads the rows with bulk INSERTs (not through the API): work orders over a year, with labor, parts,
PM links, unplanned downtime periods for a third of the finished repairs (their response and repair
start recorded), planned stops for some PMs, and a hierarchy (every tenth asset the parent of the
nine after it). Then prints, for each request, the median time of a few (the Redis cache off, so
each one computes its answer) beside a bare SELECT count(*) over work_orders and the load average,
and with --explain (PostgreSQL) EXPLAIN (ANALYZE, BUFFERS) of every statement GET /api/kpis sends.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from datetime import timedelta
from decimal import Decimal

import common
from sqlalchemy import event, insert, text, update

from portal import create_app
from portal.models import (
    DowntimePeriod,
    Equipment,
    LaborEntry,
    Part,
    PartConsumption,
    PMTemplate,
    PMTemplateEquipment,
    User,
    WorkOrder,
    WorkOrderDay,
)
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service
from portal.services.reporting import days

TYPES = ["corrective"] * 4 + ["preventive"] * 3 + ["inspection"] * 2 + ["emergency"]
OPEN = ["new", "assigned", "in_progress", "on_hold"]


def load(work_orders: int, assets: int, seed: int = 7) -> str:
    """Bulk-load the data set; return the manager's user id."""
    rng = random.Random(seed)
    now = utcnow()
    user = auth_service.create_user("bench@maintainpro.test", "bench-password", "manager", "Bench Plant")
    wid = user.warehouse_id
    equipment = [{"id": new_id(), "warehouse_id": wid, "asset_tag": f"EQ-{n:05d}", "status": "active",
                  "criticality": "medium", "created_at": now, "updated_at": now} for n in range(assets)]
    db.session.execute(insert(Equipment), equipment)
    # A hierarchy for the rollup: every tenth asset is the parent of the nine after it.
    for n, e in enumerate(equipment):
        if n % 10:
            db.session.execute(update(Equipment).where(Equipment.id == e["id"])
                               .values(parent_id=equipment[n - n % 10]["id"]))
    templates = [{"id": new_id(), "warehouse_id": wid, "name": f"PM {n}", "frequency_type": "calendar",
                  "frequency": 30, "priority": "medium", "lead_days": 7, "start_date": now - timedelta(days=400),
                  "checklist": [], "active": True, "created_at": now, "updated_at": now} for n in range(20)]
    db.session.execute(insert(PMTemplate), templates)
    db.session.execute(insert(PMTemplateEquipment), [
        {"template_id": templates[n % 20]["id"], "equipment_id": e["id"], "added_at": now, "position": 0}
        for n, e in enumerate(equipment)])
    part_id = new_id()
    db.session.execute(insert(Part), [{"id": part_id, "warehouse_id": wid, "part_number": "BRG-1", "stock_level": 10,
                                       "reorder_point": 0, "auto_reorder": False, "unit_cost": Decimal("12.50"),
                                       "low_stock_alerted": False, "created_at": now, "updated_at": now}])
    db.session.commit()

    batch: list[dict] = []
    labor: list[dict] = []
    parts: list[dict] = []
    downtime: list[dict] = []
    pm_seen: set[tuple] = set()

    def flush() -> None:
        if batch:
            db.session.execute(insert(WorkOrder), batch)
        if labor:
            db.session.execute(insert(LaborEntry), labor)
        if parts:
            db.session.execute(insert(PartConsumption), parts)
        if downtime:
            db.session.execute(insert(DowntimePeriod), downtime)
        db.session.commit()
        batch.clear()
        labor.clear()
        parts.clear()
        downtime.clear()

    for n in range(work_orders):
        created = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        type_ = rng.choice(TYPES)
        eq = equipment[rng.randrange(assets)]
        # Old work orders are closed; about a third of last month's are still open.
        done = created < now - timedelta(days=30) or rng.random() < 0.65
        completed = created + timedelta(minutes=rng.randint(30, 72 * 60)) if done else None
        if completed and completed > now:
            completed, done = None, False
        status = "completed" if done else rng.choice(OPEN)
        row = {"id": new_id(), "warehouse_id": wid, "fo_number": f"WO-B-{n:06d}", "title": "Bench work order",
               "status": status, "priority": "medium", "type": type_, "equipment_id": eq["id"],
               "due_date": created + timedelta(days=rng.randint(1, 14)), "completed_at": completed,
               "created_at": created, "updated_at": completed or created, "actual_duration": 0,
               "estimated_duration": rng.choice([None, 30, 60, 120])}
        if type_ == "preventive":
            template = templates[rng.randrange(20)]["id"]
            key = (template, eq["id"], row["due_date"])
            if key not in pm_seen and not (status in OPEN and (template, eq["id"]) in pm_seen):
                pm_seen.add(key)
                if status in OPEN:
                    pm_seen.add((template, eq["id"]))
                row["pm_template_id"], row["pm_due_date"] = template, row["due_date"]
        if done and type_ in ("corrective", "emergency") and rng.random() < 0.33:
            # The asset stopped when the work order was reported and ran again when it was completed.
            row["responded_at"] = created + (completed - created) / 6
            row["repair_started_at"] = created + (completed - created) / 3
            downtime.append({"id": new_id(), "warehouse_id": wid, "equipment_id": eq["id"], "started_at": created,
                             "ended_at": completed, "reason": "bench", "reason_code": "breakdown", "planned": False,
                             "work_order_id": row["id"]})
        elif done and type_ == "preventive" and rng.random() < 0.2:
            downtime.append({"id": new_id(), "warehouse_id": wid, "equipment_id": eq["id"], "started_at": created,
                             "ended_at": created + timedelta(hours=2), "reason": "bench", "reason_code": "pm",
                             "planned": True, "work_order_id": row["id"]})
        if done:
            minutes = rng.randint(15, 240)
            row["actual_duration"] = minutes
            labor.append({"id": new_id(), "warehouse_id": wid, "work_order_id": row["id"], "equipment_id": eq["id"],
                          "user_id": user.id,
                          "minutes": minutes, "performed_at": completed, "created_at": completed})
            if rng.random() < 0.3:
                parts.append({"id": new_id(), "warehouse_id": wid, "work_order_id": row["id"], "equipment_id": eq["id"],
                              "part_id": part_id,
                              "quantity": 1, "unit_cost": Decimal("12.50"), "total_cost": Decimal("12.50"),
                              "consumed_at": completed})
        batch.append(row)
        if len(batch) >= 5000:
            flush()
    flush()
    # The bulk INSERTs above bypass the flushes that keep the KPI day rows: count them once.
    days.rebuild(wid)
    db.session.commit()
    return user.id


def reuse() -> str:
    """The manager of a database bench/scale.py loaded; a hierarchy added when it has none (as load() makes)."""
    user_id = db.session.scalars(db.select(User.id).where(
        User.email.in_(["manager@scale.test", "bench@maintainpro.test"])).order_by(User.email)).first()
    if not db.session.scalar(db.select(db.func.count()).select_from(Equipment).where(Equipment.parent_id.is_not(None))):
        # One UPDATE: EQ-000011's parent is EQ-000010, and so on (the tags are EQ-%06d in load order).
        db.session.execute(text(
            "UPDATE equipment AS child SET parent_id = parent.id FROM equipment AS parent "
            "WHERE child.warehouse_id = parent.warehouse_id AND right(child.asset_tag, 1) <> '0' "
            "AND parent.asset_tag = left(child.asset_tag, length(child.asset_tag) - 1) || '0'"))
        db.session.commit()
    if not db.session.scalar(db.select(db.func.count()).select_from(WorkOrderDay)):
        # A set loaded before migration 0034 upgraded after a restore without its data: count them.
        for wid in db.session.scalars(db.select(db.distinct(WorkOrder.warehouse_id))):
            days.rebuild(wid)
        db.session.commit()
    common.analyze()  # a restored copy has no planner statistics: without them every plan is a guess
    return user_id


def explain(user_id: str, days: int, scope_id: str | None) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement kpis() sends (PostgreSQL), its plan's top lines."""
    from portal.services.common.actor import Actor
    from portal.services.reporting import kpis as figures

    actor = Actor.of(db.session.get(User, user_id))
    statements: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        scope = figures.Scope(actor, scope_id, include_children=True) if scope_id else None
        figures.kpis(actor, days, scope=scope)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    db.session.rollback()
    print(f"EXPLAIN ANALYZE, kpis({days} days{', rollup' if scope_id else ''}), {len(statements)} statements, "
          f"load average {os.getloadavg()[0]:.1f}:")
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT") and not statement.lstrip().upper().startswith("WITH"):
                continue
            plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            first = " ".join(statement.split())[:110]
            print(f"  -- {first}")
            for line in plan:
                if "actual time" in line and ("Scan" in line or "Join" in line or "Aggregate" in line
                                              or "Loop" in line or "Sort" in line or "CTE" in line) \
                        or line.startswith("Execution Time"):
                    print("     " + line.strip()[:150])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="measure DATABASE_URL as it is (a copy of bench/scale.py's database, upgraded)")
    parser.add_argument("--explain", action="store_true", help="PostgreSQL: EXPLAIN ANALYZE of the KPI statements")
    args = parser.parse_args()

    common.scratch_instance()
    common.quiet_request_log()
    # The cache off: after the warm-up every request would be a hit (one Redis read), and the figure
    # wanted is what computing the answer costs at this size.
    app = create_app(common.app_config(CACHE_ENABLED=False, RATELIMIT_ENABLED=False))
    with app.app_context():
        if args.reuse:
            import flask_migrate

            from portal.platform.extensions import migrate

            migrate.bind(app)
            flask_migrate.upgrade(directory=str(common.ROOT / "migrations"))  # to the head, as a deploy would
            backend = db.engine.dialect.name
            user_id = reuse()
        else:
            backend = common.fresh_schema()
            started = time.perf_counter()
            user_id = load(args.work_orders, args.assets)
            common.analyze()
            print(f"{backend}: loaded {args.work_orders:,} work orders on {args.assets} assets "
                  f"in {time.perf_counter() - started:.1f} s")
        headers = {"Authorization": "Bearer " + common.bearer_token(user_id)}
        count = db.session.execute(text("SELECT count(*) FROM work_orders")).scalar_one()
        assert args.reuse or count == args.work_orders, count
        # The rollup's subject: a parent and its nine children (the first parent with most downtime).
        root = db.session.execute(text(
            "SELECT e.id, e.asset_tag FROM equipment e WHERE e.parent_id IS NULL AND EXISTS "
            "(SELECT 1 FROM equipment c WHERE c.parent_id = e.id) ORDER BY e.asset_tag LIMIT 1")).first()
        db.session.rollback()
        client = app.test_client()

        def get(url: str):
            def call() -> None:
                r = client.get(url, headers=headers)
                assert r.status_code == 200, r.json
            return call

        def bare_count() -> None:
            db.session.execute(text("SELECT count(*) FROM work_orders")).scalar_one()
            db.session.rollback()

        rows = [("SELECT count(*) FROM work_orders", common.median_ms(bare_count, args.repeat), os.getloadavg()[0])]
        rollup = f"&equipmentId={root.id}&includeChildren=true" if root else ""
        urls = ["/api/kpis?days=30", "/api/kpis?days=365"]
        if root:
            urls += [f"/api/kpis?days=30{rollup}", f"/api/kpis?days=365{rollup}"]
        urls += ["/api/kpis?days=365&mttrBasis=repairStartToRestore&pmGrace=smrp",
                 "/api/pm-compliance?days=30", "/api/pm-compliance?days=365",
                 "/api/pm-compliance?days=365&pmGrace=smrp"]
        for url in urls:
            get(url)()  # warm up
            rows.append((f"GET {url.replace(rollup, '&<rollup>')}", common.median_ms(get(url), args.repeat),
                         os.getloadavg()[0]))
        print(f"median of {args.repeat} runs, {backend}, {count:,} work orders"
              + (f"; <rollup> = equipmentId of {root.asset_tag} with includeChildren=true" if root else "") + ":")
        for label, ms, load_average in rows:
            print(f"  {label:<72} {ms:9.1f} ms   (load average {load_average:.1f})")
        if args.explain and backend == "postgresql":
            for days in (30, 365):
                explain(user_id, days, None)
            explain(user_id, 365, root.id if root else None)


if __name__ == "__main__":
    main()
