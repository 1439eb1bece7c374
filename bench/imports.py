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
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_scratch = tempfile.mkdtemp(prefix="maintainpro-bench-")
os.environ.setdefault("MAINTAINPRO_INSTANCE", _scratch)

from sqlalchemy import insert  # noqa: E402

from portal import create_app  # noqa: E402
from portal.models import Equipment, ImportJob  # noqa: E402
from portal.models.types import new_id, utcnow  # noqa: E402
from portal.platform.extensions import db  # noqa: E402
from portal.platform.redis import stop_embedded_redis  # noqa: E402
from portal.schemas.equipment import EquipmentQuery  # noqa: E402
from portal.services.common.actor import Actor  # noqa: E402
from portal.services.data_exchange import exports, imports  # noqa: E402
from portal.services.identity import auth as auth_service  # noqa: E402


def csv_of(rows: int) -> bytes:
    lines = ["assetTag,model,manufacturer,description,criticality,location,area"]
    lines += [f"IMP-{i:06d},CR {i % 90},Grundfos,Circulation pump {i},{('low', 'medium', 'high')[i % 3]},"
              f"Building {'ABC'[i % 3]},Hall {i % 9}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def timed_import(actor: Actor, content: bytes) -> tuple[float, ImportJob]:
    job = imports.create_import(actor, "assets", "bench.csv", content, start=False)
    imports.start_import(actor, job.id)  # queued (the queue is not worked here: we run it)
    started = time.perf_counter()
    imports.run(job.id)
    elapsed = time.perf_counter() - started
    return elapsed, db.session.get(ImportJob, job.id, populate_existing=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    args = parser.parse_args()
    config = {"ARGON2_MEMORY_KIB": 1024, "ARGON2_TIME_COST": 1, "RATELIMIT_ENABLED": False,
              "MAX_IMPORT_ROWS": max(args.rows, 10_000)}
    if not os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{_scratch}/bench.db"
    app = create_app(config)
    try:
        with app.app_context():
            backend = db.engine.dialect.name
            db.drop_all()
            db.create_all()
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
    finally:
        stop_embedded_redis()
        shutil.rmtree(_scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
