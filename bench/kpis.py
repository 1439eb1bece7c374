"""Time GET /api/kpis and GET /api/pm-compliance at 100,000 work orders.

    .venv/bin/python bench/kpis.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/kpis.py
                                                        # PostgreSQL: DROPS AND RECREATES ITS TABLES,
                                                        # so point it at a scratch database

Loads the rows with bulk INSERTs (not through the API), then prints, for each endpoint, the
median time of a few requests beside a bare SELECT count(*) over work_orders in the same run.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_scratch = tempfile.mkdtemp(prefix="maintainpro-bench-")
os.environ.setdefault("MAINTAINPRO_INSTANCE", _scratch)

import flask_migrate  # noqa: E402
from flask_jwt_extended import create_access_token  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.models import (  # noqa: E402
    AuthSession,
    Equipment,
    LaborEntry,
    Part,
    PartConsumption,
    PMTemplate,
    PMTemplateEquipment,
    WorkOrder,
)
from portal.models.types import new_id, utcnow  # noqa: E402
from portal.platform.extensions import (  # noqa: E402
    db,
    stop_embedded_redis,
)
from portal.services.identity import auth as auth_service  # noqa: E402

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


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    config = {"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1}
    if not os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_scratch}/bench.db"
    app = create_app(config)
    with app.app_context():
        backend = db.engine.dialect.name
        # The real schema, from the migrations (drop_all leaves Alembic's own table behind).
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        flask_migrate.upgrade()
        started = time.perf_counter()
        user_id = load(args.work_orders, args.assets)
        if backend == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"{backend}: loaded {args.work_orders:,} work orders on {args.assets} assets "
              f"in {time.perf_counter() - started:.1f} s")
        session = AuthSession(user_id=user_id, expires_at=utcnow() + timedelta(hours=1))
        db.session.add(session)
        db.session.commit()
        headers = {"Authorization": "Bearer " + create_access_token(identity=user_id,
                                                                    additional_claims={"sid": session.id})}
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

        rows = [("SELECT count(*) FROM work_orders", timed(bare_count, args.repeat))]
        for url in ("/api/kpis?days=30", "/api/kpis?days=365", "/api/pm-compliance?days=30",
                    "/api/pm-compliance?days=365"):
            get(url)()  # warm up
            rows.append((f"GET {url}", timed(get(url), args.repeat)))
        print(f"median of {args.repeat} runs, {backend}:")
        for label, ms in rows:
            print(f"  {label:<38} {ms:8.1f} ms")


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_embedded_redis()
        shutil.rmtree(_scratch, ignore_errors=True)
