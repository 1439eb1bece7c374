"""CSV import and export throughput, in process.

    .venv/bin/python bench/imports.py                   # SQLite in a temporary directory
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/imports.py
                                                        # PostgreSQL: DROPS AND RECREATES ITS TABLES,
                                                        # so point it at a scratch database

Imports a file of --rows assets (default 10,000, MAX_IMPORT_ROWS) through the import job's own
code (the batches, savepoints, services and events a worker runs), then the same file again (all
updates, nothing changed), and prints rows per second. Then bulk-loads --export-rows assets
(default 100,000) and streams their CSV export, printing the time, the size and the peak Python
memory of the export (tracemalloc), which should stay flat whatever the row count.
"""
from __future__ import annotations

import argparse
import time
import tracemalloc

import common
from sqlalchemy import insert

from portal import create_app
from portal.models import Equipment, ImportJob
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentQuery
from portal.services.common.actor import Actor
from portal.services.data_exchange import exports, import_runs, imports
from portal.services.identity import auth as auth_service


def csv_of(rows: int) -> bytes:
    lines = ["assetTag,model,manufacturer,description,criticality,location,area"]
    lines += [f"IMP-{i:06d},CR {i % 90},Grundfos,Circulation pump {i},{('low', 'medium', 'high')[i % 3]},"
              f"Building {'ABC'[i % 3]},Hall {i % 9}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def timed_import(actor: Actor, content: bytes) -> tuple[float, ImportJob]:
    job = imports.create_import(actor, "assets", "bench.csv", content, start=False)
    imports.start_import(actor, job.id)  # queued (the queue is not worked here: we run it)
    started = time.perf_counter()
    import_runs.run(job.id)
    elapsed = time.perf_counter() - started
    return elapsed, db.session.get(ImportJob, job.id, populate_existing=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    args = parser.parse_args()
    common.scratch_instance()
    app = create_app(common.app_config(RATELIMIT_ENABLED=False, MAX_IMPORT_ROWS=max(args.rows, 10_000)))
    with app.app_context():
        backend = common.fresh_schema()
        user = auth_service.create_user("manager@bench.example.com", "bench-password-1", "manager", "Bench Plant")
        actor = Actor.of(user)
        content = csv_of(args.rows)
        print(f"{backend}: import of {args.rows:,} asset rows ({len(content) / 1e6:.1f} MB), "
              f"batches of {app.config['IMPORT_BATCH_ROWS']}")
        for label in ("first import (creates)", "same file again (unchanged)"):
            seconds, job = timed_import(actor, content)
            print(f"  {label:<28} {seconds:7.1f} s  {args.rows / seconds:7.0f} rows/s  "
                  f"created {job.created_count}, updated {job.updated_count}, unchanged {job.unchanged_count}, "
                  f"refused {job.refused_count}")

        now = utcnow()
        n = args.export_rows
        for start in range(0, n, 10_000):
            db.session.execute(insert(Equipment), [
                {"id": new_id(), "warehouse_id": user.warehouse_id, "asset_tag": f"BULK-{i:07d}",
                 "model": "CR 64", "manufacturer": "Grundfos", "description": f"Pump {i}", "status": "active",
                 "criticality": "medium", "location": "Building A", "created_at": now, "updated_at": now,
                 "report_token": new_id()} for i in range(start, min(n, start + 10_000))])
        db.session.commit()
        total = n + args.rows
        tracemalloc.start()
        started = time.perf_counter()
        size = chunks = 0
        for chunk in exports.export_equipment(actor, EquipmentQuery()):
            size += len(chunk)
            chunks += 1
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{backend}: export of {total:,} assets: {seconds:.1f} s ({total / seconds:,.0f} rows/s), "
              f"{size / 1e6:.1f} MB in {chunks} chunks, peak Python memory {peak / 1e6:.1f} MB")
        db.session.remove()
        db.drop_all()


if __name__ == "__main__":
    main()
