"""Server time at plant scale: 1,000,000 work orders, 100,000 assets, 20,000 parts, five years.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/scale.py            # loads once into the database maintainpro_scale
    ... bench/scale.py --reuse                     # measures again on the loaded database (seconds)
    ... bench/scale.py --work-orders 100000 --database maintainpro_scale_small   # a smaller set

PostgreSQL only. The data set goes into a database of its own on the server DATABASE_URL names
(created when missing; its tables are dropped and rebuilt by a load, never those of DATABASE_URL's
database). It is bulk-loaded with COPY (psycopg's copy API), five years of work orders with
their labor, part consumptions, a history row each, and downtime; then VACUUM ANALYZE. With
--reuse a database that already holds a set of the asked size is measured as it is.

Each request goes through the Flask test client in this process (server time, no network), the
read cache off (CACHE_ENABLED=False: every request computes its answer), as the manager of the
plant; the figure is the median (p50) and the slowest of --repeat requests after a warm-up (fewer when a
case has spent --budget seconds), with the CPU time of this process per request (the app's side:
on a shared host the wall clock also counts the wait for a CPU). The
full CSV export is streamed to the end, its rows counted, and the process's resident memory
sampled every 20,000 rows (the measuring process never loads data: the load runs in a child).
Targets (issue 22): pages and lists p50 < 100 ms, KPIs over 365 days < 300 ms, the export
>= 20,000 rows/s in flat memory.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

import common
import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url

TITLES = ["Replace bearing", "Pump seal leak", "Belt tension check", "Motor overheating", "Lubricate gearbox",
          "Inspect conveyor", "Calibrate sensor", "Hydraulic hose leak", "Valve stuck open", "Filter change",
          "Vibration alarm", "Electrical fault", "Coupling alignment", "Compressor noise", "Brake pad wear"]
DESCRIPTIONS = ["Noise on the drive end, check the bearing and the grease", "Oil under the gearbox after the shift",
                "Operator reports intermittent stops on line {n}", "Monthly preventive round per the checklist",
                "Temperature above 80 C on the motor housing", None, None]
MAKERS = ["Grundfos", "SKF", "Siemens", "ABB", "Bosch Rexroth", "Festo", "Sew Eurodrive", "Atlas Copco", None]
STATUSES_OPEN = ["new", "assigned", "in_progress", "on_hold"]
PRIORITIES = ["low", "medium", "medium", "high", "critical"]
TYPES = ["corrective"] * 4 + ["preventive"] * 3 + ["inspection"] * 2 + ["emergency"]
YEARS = 5


def parent_of(n: int, ids: list[str]) -> str | None:
    """The asset hierarchy (migration 0032): 40 areas, then lines under them (1 in 25 assets), then the
    machines under the lines; every asset has its place, four levels at most."""
    if n < 40:
        return None                     # areas (roots)
    if n < len(ids) // 25:
        return ids[n % 40]              # lines, under an area
    lines = len(ids) // 25 - 40
    return ids[40 + n % lines] if lines > 0 else ids[n % 40]   # machines, under a line


def scale_url(base: str, database: str) -> str:
    return make_url(base).set(database=database).render_as_string(hide_password=False)


def ensure_database(base: str, database: str) -> None:
    import psycopg

    admin = make_url(base).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{database}"')


def loaded_size(url: str) -> int | None:
    """How many work orders a previous load left (None: no complete load)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT work_orders FROM bench_scale_loaded")).scalar_one_or_none()
    except Exception:  # noqa: BLE001 (no table yet: never loaded)
        return None
    finally:
        engine.dispose()


def load(args: argparse.Namespace) -> None:
    """Build the schema from the migrations and COPY the data set in (run in a child process)."""
    from portal import create_app
    from portal.models.types import new_id, utcnow
    from portal.platform.extensions import db
    from portal.services.identity import auth as auth_service
    from portal.services.reporting import days

    app = create_app(common.app_config())
    rng = random.Random(22)
    with app.app_context():
        common.fresh_schema()
        db.session.execute(text("DROP TABLE IF EXISTS bench_scale_loaded"))
        db.session.commit()
        started = time.perf_counter()
        manager = auth_service.create_user("manager@scale.test", "bench-password", "manager", "Scale Plant",
                                           name="Scale Manager")
        techs = [auth_service.create_user(f"tech{n}@scale.test", "bench-password", "technician", "Scale Plant",
                                          name=f"Technician {n}") for n in range(40)]
        db.session.commit()
        wid = manager.warehouse_id
        people = [t.id for t in techs]
        now = utcnow().replace(tzinfo=None)
        raw = db.engine.raw_connection()
        conn = raw.driver_connection  # psycopg's connection: its public COPY API

        def copy(table: str, columns: list[str], rows) -> int:
            count = 0
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row(row)
                    count += 1
            conn.commit()
            return count

        equipment_ids = [new_id() for _ in range(args.assets)]
        copy("equipment", ["id", "warehouse_id", "asset_tag", "model", "manufacturer", "description", "location",
                           "area", "status", "criticality", "created_at", "updated_at", "report_token", "parent_id"],
             ((eid, wid, f"EQ-{n:06d}", f"M{n % 400}", rng.choice(MAKERS),
               rng.choice(["Circulation pump", "Belt conveyor", "Air compressor", "Gearbox", None]),
               f"Hall {n % 40}", f"Area {n % 12}", "active", rng.choice(["low", "medium", "high"]), now, now,
               new_id().replace("-", ""), parent_of(n, equipment_ids))
              for n, eid in enumerate(equipment_ids)))
        part_ids = [new_id() for _ in range(args.parts)]
        copy("parts", ["id", "warehouse_id", "part_number", "description", "category", "stock_level", "reorder_point",
                       "auto_reorder", "unit_cost", "supplier", "location", "low_stock_alerted", "created_at",
                       "updated_at"],
             ((pid, wid, f"P-{n:06d}", f"{rng.choice(['Ball bearing', 'V-belt', 'Seal kit', 'Filter', 'Fuse'])} {n}",
               rng.choice(["Bearings", "Belts", "Seals", "Filters", "Electrical"]), rng.randint(0, 500), 5, False,
               Decimal("12.50"), rng.choice(["SKF Industrial", "Gates", "Local", None]), f"Shelf {n % 300}", False,
               now, now) for n, pid in enumerate(part_ids)))
        print(f"  assets and parts in {time.perf_counter() - started:.0f} s", flush=True)

        span = YEARS * 365 * 24 * 60
        labor, consumptions, history, downtime = [], [], [], []

        # Written oldest first, as a plant's work orders are: the table's physical order follows
        # created_at (and the numbers), so a newest-first page reads a few recent heap pages, not
        # one page per row as a randomly ordered load made it (bench/README.md).
        ages = sorted((rng.randint(0, span) for _ in range(args.work_orders)), reverse=True)

        def work_orders():
            for n in range(args.work_orders):
                created = now - timedelta(minutes=ages[n])
                recent = created > now - timedelta(days=30)
                done = not recent or rng.random() < 0.6
                completed = created + timedelta(minutes=rng.randint(30, 72 * 60)) if done else None
                if completed and completed > now:
                    completed, done = None, False
                status = ("completed" if rng.random() < 0.95 else "cancelled") if done else rng.choice(STATUSES_OPEN)
                type_ = rng.choice(TYPES)
                woid = new_id()
                eq = equipment_ids[rng.randrange(args.assets)]
                assignee = None if status == "new" else rng.choice(people)
                minutes = rng.randint(15, 240) if status == "completed" else 0
                if minutes:
                    labor.append((new_id(), wid, woid, eq, assignee, minutes, completed, completed))
                    if rng.random() < 0.3:
                        consumptions.append((new_id(), wid, woid, eq, part_ids[rng.randrange(args.parts)], 1,
                                             Decimal("12.50"), Decimal("12.50"), completed))
                    if type_ in ("corrective", "emergency") and rng.random() < 0.2:
                        downtime.append((new_id(), wid, eq, created, completed))
                history.append((new_id(), woid, manager.id, "created", "{}", created))
                description = rng.choice(DESCRIPTIONS)
                yield (woid, wid, f"WO-{n:07d}", f"{rng.choice(TITLES)} {eq[:4]}",
                       description.format(n=n % 30) if description else None, status, rng.choice(PRIORITIES), type_,
                       eq, assignee, manager.id, created + timedelta(days=rng.randint(1, 21)), completed, created,
                       completed or created, minutes, Decimal("12.50") if minutes else Decimal("0"))

        columns = ["id", "warehouse_id", "fo_number", "title", "description", "status", "priority", "type",
                   "equipment_id", "assigned_to", "requested_by", "due_date", "completed_at", "created_at",
                   "updated_at", "actual_duration", "labor_cost"]
        copy("work_orders", columns, work_orders())
        print(f"  work orders in {time.perf_counter() - started:.0f} s", flush=True)
        copy("labor_entries", ["id", "warehouse_id", "work_order_id", "equipment_id", "user_id", "minutes",
                               "performed_at", "created_at"], labor)
        copy("part_consumptions", ["id", "warehouse_id", "work_order_id", "equipment_id", "part_id", "quantity",
                                   "unit_cost", "total_cost", "consumed_at"], consumptions)
        copy("work_order_history", ["id", "work_order_id", "user_id", "action", "changes", "at"], history)
        copy("downtime_periods", ["id", "warehouse_id", "equipment_id", "started_at", "ended_at"], downtime)
        raw.close()
        print(f"  {len(labor):,} labor entries, {len(consumptions):,} consumptions, {len(history):,} history rows, "
              f"{len(downtime):,} downtime periods in {time.perf_counter() - started:.0f} s", flush=True)
        # COPY bypasses the flushes that keep the KPI day rows (services/reporting/days.py): count them.
        days.rebuild(wid)
        db.session.commit()
        common.analyze()
        with db.engine.begin() as c:
            c.execute(text("CREATE TABLE bench_scale_loaded (work_orders integer)"))
            c.execute(text("INSERT INTO bench_scale_loaded VALUES (:n)"), {"n": args.work_orders})
        print(f"loaded in {time.perf_counter() - started:.0f} s (VACUUM ANALYZE included)", flush=True)


def measure(args: argparse.Namespace) -> None:
    from flask import g

    from portal import create_app
    from portal.models import AuthSession, User, WorkOrder
    from portal.models.types import utcnow
    from portal.platform.extensions import db

    common.quiet_request_log()
    app = create_app(common.app_config(CACHE_ENABLED=False, RATELIMIT_ENABLED=False))
    with app.app_context():
        manager = db.session.scalars(db.select(User).where(User.email == "manager@scale.test")).one()
        session = AuthSession(user_id=manager.id, expires_at=utcnow() + timedelta(hours=2))
        db.session.add(session)
        db.session.commit()
        session_id = session.id
        token = common.bearer_token(manager.id)
        busy = db.session.execute(text(
            "SELECT id FROM work_orders WHERE status = 'in_progress' ORDER BY created_at DESC LIMIT 1")).scalar_one()
        old = db.session.execute(text(
            "SELECT id FROM work_orders WHERE status = 'completed' ORDER BY created_at LIMIT 1")).scalar_one()
        tech = db.session.execute(text("SELECT assigned_to FROM work_orders WHERE id = :id"), {"id": busy}).scalar_one()
        total = db.session.scalar(db.select(db.func.count()).select_from(WorkOrder))
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = session_id
        sess["_fresh"] = True
    api = {"Authorization": f"Bearer {token}"}
    htmx = {"HX-Request": "true"}
    _ = g  # (requests run each in their own app context, as in production)

    def timed(url: str, headers: dict | None = None) -> tuple[list[float], list[float]]:
        """Wall and CPU (this process: the app's side) milliseconds of each request; a case stops
        repeating once it has spent --budget seconds (a slow case then has fewer samples)."""
        def call() -> None:
            r = client.get(url, headers=headers or {})
            assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
        call()  # warm up: templates, statement caches, connection pool
        samples, cpu = [], []
        began = time.perf_counter()
        for _ in range(args.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            if time.perf_counter() - began > args.budget:
                break
        return samples, cpu

    load_avg = os.getloadavg()
    print(f"PostgreSQL, {total:,} work orders; median and slowest of {args.repeat} requests, in-process test "
          f"client, cache off; load average {load_avg[0]:.1f} {load_avg[1]:.1f}")
    checks = [
        ("page", "board: /work-orders (first page)", "/work-orders", None),
        ("page", "board fragment, status=in_progress", "/work-orders?status=in_progress", htmx),
        ("page", "board, overdue", "/work-orders?overdue=true", htmx),
        ("page", "board, sort dueDate", "/work-orders?sort=dueDate", htmx),
        ("page", "board, page 200", "/work-orders?page=200", htmx),
        ("list", "API list, 50 newest", "/api/work-orders?limit=50", api),
        ("list", "API list, status+priority+type", "/api/work-orders?status=in_progress&priority=high&type=corrective",
         api),
        ("list", "API list, assignedTo + sort dueDate", f"/api/work-orders?assignedTo={tech}&sort=dueDate", api),
        ("list", "API list, one asset's history", "/api/work-orders?equipmentId=" + "{eq}", api),
        ("list", "API list, overdue", "/api/work-orders?overdue=true", api),
        ("search", "search WO: q=WO-0123456 (one)", "/api/work-orders?q=WO-0123456", api),
        ("search", "search WO: q=hydraulic (1 in 15)", "/api/work-orders?q=hydraulic", api),
        ("search", "search WO: q=line 17 (rare phrase)", "/api/work-orders?q=line%2017", api),
        ("search", "search WO: q=WO-01234 (100 matches)", "/api/work-orders?q=WO-01234", api),
        ("search", "search WO, portal: q=gearbox", "/work-orders?q=gearbox", htmx),
        ("search", "search assets: q=EQ-04711", "/api/equipment?q=EQ-04711", api),
        ("search", "search assets: q=grundfos", "/api/equipment?q=grundfos", api),
        ("search", "search parts: q=seal kit 12", "/api/parts?q=seal%20kit%2012", api),
        ("page", "work order page (in progress)", f"/work-orders/{busy}", None),
        ("page", "work order page (5 years old)", f"/work-orders/{old}", None),
        ("list", "API work order", f"/api/work-orders/{busy}", api),
        ("kpi", "KPIs 30 days (API)", "/api/kpis?days=30", api),
        ("kpi", "KPIs 365 days (API)", "/api/kpis?days=365", api),
        ("kpi", "KPIs page 30 days", "/kpis?days=30", None),
        ("kpi", "KPIs page 365 days", "/kpis?days=365", None),
    ]
    with app.app_context():
        equipment_id = db.session.execute(text("SELECT equipment_id FROM work_orders WHERE id = :id"),
                                          {"id": busy}).scalar_one()
        db.session.remove()
    only = set(args.only.split(",")) if args.only else None
    figures = []
    for kind, label, url, headers in checks:
        if only and kind not in only:
            continue
        url = url.replace("{eq}", equipment_id)
        samples, cpu = timed(url, headers)
        p50 = statistics.median(samples)
        target = 300 if kind == "kpi" else 100
        flag = "" if p50 < target else f"  OVER {target} ms"
        figures.append((label, p50, max(samples)))
        print(f"  {label:<42} p50 {p50:8.1f} ms   max {max(samples):8.1f} ms   app CPU p50 "
              f"{statistics.median(cpu):7.1f} ms   n={len(samples)}{flag}", flush=True)
        if args.explain:
            explain(app, client, url, headers)
    if not only or "export" in only:
        export(client, api, total)


def explain(app, client, url: str, headers: dict | None) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT one request sends, run again on a connection of its
    own after the request: the plan's nodes with their times, and the execution time."""
    from sqlalchemy import event

    from portal.platform.extensions import db

    statements: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
            execution = next((line for line in plan if line.startswith("Execution Time")), "")
            if not any("work_orders" in line or "equipment" in line or "parts" in line for line in plan):
                continue
            print(f"     -- {' '.join(statement.split())[:120]}  [{execution}, load {os.getloadavg()[0]:.1f}]")
            for line in plan:
                if "actual time" in line or "Buffers" in line or "Heap Blocks" in line or "Removed" in line:
                    print("       " + line.rstrip()[:160])


def server_cpu() -> float:
    """CPU seconds so far of the PostgreSQL backends serving the scale database on this host (0
    when the server is elsewhere): the other side of the export."""
    database = make_url(os.environ["DATABASE_URL"]).database
    total = 0.0
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info["name"] == "postgres" and f" {database} " in " ".join(proc.info["cmdline"] or []) + " ":
                times = proc.cpu_times()
                total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def export(client, api: dict, total: int) -> None:
    """The full CSV export of work orders, streamed: rows/s and the resident memory along the way."""
    process = psutil.Process()
    before = process.memory_info().rss
    server_before = server_cpu()
    peak = before
    samples = []
    rows = 0
    cpu_before = process.cpu_times()
    started = time.perf_counter()
    response = client.get("/api/work-orders/export", headers=api, buffered=False)
    assert response.status_code == 200, response.status_code
    size = 0
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(data)
        rows += data.count(b"\n")
        if rows // 20_000 != (rows - data.count(b"\n")) // 20_000:
            rss = process.memory_info().rss
            peak = max(peak, rss)
            samples.append(rss)
    response.close()
    seconds = time.perf_counter() - started
    cpu_after = process.cpu_times()
    # On a shared host the wall clock counts the time spent waiting for a CPU: rows per CPU second of
    # this process (the app's side of the export; PostgreSQL's backend is apart) is the steadier figure.
    cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    server = server_cpu() - server_before
    mb = 1024 * 1024
    spread = (max(samples) - min(samples)) / mb if samples else 0
    print(f"  full CSV export: {rows - 1:,} rows ({size / mb:.0f} MB) in {seconds:.1f} s = "
          f"{(rows - 1) / seconds:,.0f} rows/s; resident memory {before / mb:.0f} MB before, peak {peak / mb:.0f} MB, "
          f"spread over the stream {spread:.1f} MB ({len(samples)} samples)"
          + ("" if (rows - 1) / seconds >= 20_000 else "  UNDER 20,000 rows/s")
          + f"; {cpu:.1f} CPU s in this process = {(rows - 1) / max(cpu, 0.001):,.0f} rows per CPU second"
          + (f", {server:.1f} CPU s in PostgreSQL's backends of this database" if server else ""))
    assert rows - 1 >= total * 0.99, (rows, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=1_000_000)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=20_000)
    parser.add_argument("--database", default="maintainpro_scale")
    parser.add_argument("--reuse", action="store_true", help="measure an already loaded database of this size")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--only", help="comma-separated kinds to time: page,list,search,kpi,export")
    parser.add_argument("--budget", type=float, default=60,
                        help="seconds a case may spend on its repeats (after one warm-up request)")
    parser.add_argument("--explain", action="store_true",
                        help="after each case, EXPLAIN (ANALYZE, BUFFERS) of the statements one request sends")
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        raise SystemExit("bench/scale.py runs on PostgreSQL: set DATABASE_URL (its server; a database of its own is used)")
    url = scale_url(base, args.database)
    if args.load_only:
        os.environ["DATABASE_URL"] = url
        common.scratch_instance()
        load(args)
        return
    ensure_database(base, args.database)
    if not (args.reuse and loaded_size(url) == args.work_orders):
        print(f"loading {args.work_orders:,} work orders, {args.assets:,} assets, {args.parts:,} parts into "
              f"{args.database} ...", flush=True)
        subprocess.run([sys.executable, __file__, "--load-only", *sys.argv[1:]], check=True)
    os.environ["DATABASE_URL"] = url
    common.scratch_instance()
    measure(args)


if __name__ == "__main__":
    main()
