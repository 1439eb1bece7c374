"""Time GET /api/kpis and GET /api/pm-compliance at 100,000 work orders.

    .venv/bin/python bench/kpis.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/kpis.py
                                                        # PostgreSQL: DROPS AND RECREATES ITS TABLES,
                                                        # so point it at a scratch database

Loads the rows with bulk INSERTs (not through the API), then prints, for each endpoint, the
median time of a few requests (the Redis cache off, so each one computes its answer) beside a
bare SELECT count(*) over work_orders in the same run.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from decimal import Decimal

import common
from sqlalchemy import insert, text

from portal import create_app
from portal.models import (
    Equipment,
    LaborEntry,
    Part,
    PartConsumption,
    PMTemplate,
    PMTemplateEquipment,
    WorkOrder,
)
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service

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
    pm_seen: set[tuple] = set()

    def flush() -> None:
        if batch:
            db.session.execute(insert(WorkOrder), batch)
        if labor:
            db.session.execute(insert(LaborEntry), labor)
        if parts:
            db.session.execute(insert(PartConsumption), parts)
        db.session.commit()
        batch.clear()
        labor.clear()
        parts.clear()

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
        if done:
            minutes = rng.randint(15, 240)
            row["actual_duration"] = minutes
            labor.append({"id": new_id(), "warehouse_id": wid, "work_order_id": row["id"], "user_id": user.id,
                          "minutes": minutes, "performed_at": completed, "created_at": completed})
            if rng.random() < 0.3:
                parts.append({"id": new_id(), "warehouse_id": wid, "work_order_id": row["id"], "part_id": part_id,
                              "quantity": 1, "unit_cost": Decimal("12.50"), "total_cost": Decimal("12.50"),
                              "consumed_at": completed})
        batch.append(row)
        if len(batch) >= 5000:
            flush()
    flush()
    return user.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    common.scratch_instance()
    common.quiet_request_log()
    # The cache off: after the warm-up every request would be a hit (one Redis read), and the figure
    # wanted is what computing the answer costs at this size.
    app = create_app(common.app_config(CACHE_ENABLED=False))
    with app.app_context():
        backend = common.fresh_schema()
        started = time.perf_counter()
        user_id = load(args.work_orders, args.assets)
        common.analyze()
        print(f"{backend}: loaded {args.work_orders:,} work orders on {args.assets} assets "
              f"in {time.perf_counter() - started:.1f} s")
        headers = {"Authorization": "Bearer " + common.bearer_token(user_id)}
        count = db.session.execute(text("SELECT count(*) FROM work_orders")).scalar_one()
        assert count == args.work_orders, count
        client = app.test_client()

        def get(url: str):
            def call() -> None:
                r = client.get(url, headers=headers)
                assert r.status_code == 200, r.json
            return call

        def bare_count() -> None:
            db.session.execute(text("SELECT count(*) FROM work_orders")).scalar_one()
            db.session.rollback()

        rows = [("SELECT count(*) FROM work_orders", common.median_ms(bare_count, args.repeat))]
        for url in ("/api/kpis?days=30", "/api/kpis?days=365", "/api/pm-compliance?days=30",
                    "/api/pm-compliance?days=365"):
            get(url)()  # warm up
            rows.append((f"GET {url}", common.median_ms(get(url), args.repeat)))
        print(f"median of {args.repeat} runs, {backend}:")
        for label, ms in rows:
            print(f"  {label:<38} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
