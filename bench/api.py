"""API throughput under gunicorn: requests/s, p50/p99 latency and errors with N concurrent clients,
beside a bare Flask route (bench/bare_app.py) under the same gunicorn settings, in the same run.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/api.py [--clients 16] [--seconds 10] [--work-orders 10000] [--parts 1000]

DATABASE_URL names the PostgreSQL server (its database is only used to connect): a scratch
database maintainpro_bench_<pid> is created there, migrated, loaded and dropped at the end.
REDIS_URL (default redis://127.0.0.1:6379/0) should be a database index of its own; the bench
deletes its rate-limit, figure and cache keys before each phase. Phases: the bare 50-row route,
`GET /api/work-orders?status=new,assigned&limit=50`, the bare one-row route, `GET
/api/work-orders/{id}`, `GET /api/auth/me` (an authenticated route that reads nothing but its
token's session: the floor of any API route), then a mix (40 % filtered lists, 30 % gets,
10 % creates, 10 % patches, 10 % consumptions). The list is also driven on a second server with the Redis cache off
(CACHE_ENABLED=0): the list phase repeats one filter, so on the first server it is answered from
the cache after the first miss, while the mix's writes keep invalidating it (each API phase prints
its cache hits). Clients are processes (http.client, one request at a time each). It also prints
the PostgreSQL plan of the filtered list (EXPLAIN ANALYZE).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("MAINTAINPRO_INSTANCE", tempfile.mkdtemp(prefix="maintainpro-bench-api-"))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

LIST_UNCACHED = "the same list, cache off (CACHE_ENABLED=0)"
TOKEN_ONLY = "GET /api/auth/me (token, session check, limit)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app_path: str, port: int, env: dict, chdir: Path) -> subprocess.Popen:
    log = open(Path(os.environ["MAINTAINPRO_INSTANCE"]) / f"gunicorn-{port}.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--chdir", str(chdir), app_path], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gunicorn {app_path} did not start; see {log.name}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def _client(port: int, token: str, plan: dict, seconds: float, seed: int, out) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, errors, statuses = [], 0, {}
    deadline = time.perf_counter() + seconds
    kinds, weights = zip(*plan["mix"], strict=True)
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        method, path, body = "GET", kind, None
        if kind == "list":
            path = "/api/work-orders?status=new,assigned&limit=50"
        elif kind == "get":
            path = f"/api/work-orders/{rng.choice(plan['work_orders'])}"
        elif kind == "create":
            method, path, body = "POST", "/api/work-orders", {"title": "Bench order", "priority": "low"}
        elif kind == "patch":
            method, path = "PATCH", f"/api/work-orders/{rng.choice(plan['work_orders'])}"
            body = {"priority": rng.choice(["low", "medium", "high"])}
        elif kind == "consume":
            method, path = "POST", "/api/parts/consume"
            body = {"workOrderId": rng.choice(plan["work_orders"]),
                    "partsUsage": [{"partId": rng.choice(plan["parts"]), "quantityUsed": 1}]}
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status >= 400:
                errors += 1
        except OSError:
            errors += 1
        latencies.append((time.perf_counter() - started) * 1000)
    out.put((latencies, errors, statuses))


def drive(port: int, token: str, plan: dict, clients: int, seconds: float) -> dict:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(port, token, plan, seconds, i, out)) for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    latencies = sorted(lat for r in results for lat in r[0])
    statuses: dict = {}
    for r in results:
        for k, v in r[2].items():
            statuses[k] = statuses.get(k, 0) + v
    return {"rps": len(latencies) / seconds, "p50": statistics.median(latencies),
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)], "errors": sum(r[1] for r in results),
            "requests": len(latencies), "statuses": statuses}


def load(app, work_orders: int, parts: int) -> dict:
    """The data, inserted in bulk (the services would take minutes for 10,000 orders)."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import insert

    from portal.extensions import db
    from portal.models import AuthSession, Part, WorkOrder, WorkOrderCounter
    from portal.models.types import utcnow
    from portal.services import auth as auth_service

    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        user = auth_service.create_user("manager@bench.example.com", "bench password 1", "manager", "Bench Plant")
        other = auth_service.create_user("manager@other.example.com", "bench password 1", "manager", "Other Plant")
        now = utcnow()
        statuses = ["new", "assigned", "in_progress", "on_hold", "completed", "cancelled"]
        rows, ids = [], []
        for i in range(work_orders):
            wid = str(uuid.uuid4())
            status = statuses[i % len(statuses)]
            rows.append({"id": wid, "warehouse_id": user.warehouse_id, "fo_number": f"WO-{now.year}-{i + 1:03d}",
                         "title": f"Bench order {i}", "status": status, "priority": "medium", "type": "corrective",
                         "created_at": now - timedelta(minutes=work_orders - i), "updated_at": now,
                         "completed_at": now if status == "completed" else None, "actual_duration": 0})
            if status in ("new", "assigned", "in_progress"):
                ids.append(wid)
        # Another warehouse's orders too, so the warehouse filter has something to leave out.
        for i in range(work_orders // 10):
            rows.append({"id": str(uuid.uuid4()), "warehouse_id": other.warehouse_id,
                         "fo_number": f"WO-{now.year}-{i + 1:03d}", "title": "Other", "status": "new",
                         "priority": "medium", "type": "corrective", "created_at": now, "updated_at": now,
                         "actual_duration": 0})
        db.session.execute(insert(WorkOrder), rows)
        db.session.execute(insert(WorkOrderCounter), [
            {"warehouse_id": user.warehouse_id, "year": now.year, "last_number": work_orders},
            {"warehouse_id": other.warehouse_id, "year": now.year, "last_number": work_orders // 10}])
        part_rows = [{"id": str(uuid.uuid4()), "warehouse_id": user.warehouse_id, "part_number": f"P-{i:05d}",
                      "description": "Bench part", "stock_level": 1_000_000, "reorder_point": 1, "unit_cost": 1,
                      "auto_reorder": False, "low_stock_alerted": False, "created_at": now, "updated_at": now}
                     for i in range(parts)]
        db.session.execute(insert(Part), part_rows)
        session = AuthSession(user_id=user.id, expires_at=now + timedelta(hours=2))
        db.session.add(session)
        db.session.commit()
        token = create_access_token(identity=user.id, additional_claims={"sid": session.id},
                                    expires_delta=timedelta(hours=2))
        # VACUUM as autovacuum does soon after a bulk load: the visibility map lets X-Total-Count's
        # count be an index-only scan (0.8 ms instead of 2.2 ms of a freshly loaded table's heap).
        warehouse_id = user.warehouse_id
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(db.text("VACUUM ANALYZE"))
        plan = [r[0] for r in db.session.execute(db.text(
            "EXPLAIN ANALYZE SELECT * FROM work_orders WHERE warehouse_id = :w AND status IN ('new', 'assigned') "
            "ORDER BY created_at DESC, id LIMIT 50"), {"w": warehouse_id})]
        count_plan = [r[0] for r in db.session.execute(db.text(
            "EXPLAIN ANALYZE SELECT count(*) FROM work_orders WHERE warehouse_id = :w AND status IN ('new', "
            "'assigned')"), {"w": warehouse_id})]
        return {"token": token, "work_orders": ids, "parts": [r["id"] for r in part_rows], "plan": plan,
                "count_plan": count_plan}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--work-orders", type=int, default=10_000)
    parser.add_argument("--parts", type=int, default=1_000)
    args = parser.parse_args()

    server = make_url(os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    if not server.drivername.startswith("postgresql"):
        raise SystemExit("bench/api.py runs on PostgreSQL (DATABASE_URL=postgresql+psycopg://...)")
    scratch = f"maintainpro_bench_{os.getpid()}"
    admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    database_url = server.set(database=scratch).render_as_string(hide_password=False)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONPATH=str(ROOT),
               SECRET_KEY=os.environ.get("SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hs256"),
               RATELIMIT_API="100000000/hour")  # the bench measures the API, not its rate limit
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "RATELIMIT_API")})
    procs: list[subprocess.Popen] = []
    try:
        from portal import create_app
        from portal.cache import hit_rate
        from portal.extensions import get_redis

        app = create_app()
        plan = load(app, args.work_orders, args.parts)
        redis = get_redis(app)

        def clean() -> None:
            for pattern in ("mp:*", "LIMITS*"):
                keys = list(redis.scan_iter(pattern, count=1000))
                if keys:
                    redis.delete(*keys)

        bare_port, api_port, uncached_port = free_port(), free_port(), free_port()
        procs.append(gunicorn("bare_app:app", bare_port, env, ROOT / "bench"))
        procs.append(gunicorn("wsgi:app", api_port, env, ROOT))
        # The same app with its Redis cache off: what a list costs when every read is a miss.
        procs.append(gunicorn("wsgi:app", uncached_port, dict(env, CACHE_ENABLED="0"), ROOT))
        phases = [("bare route, 50 rows", bare_port, [("/rows", 1)]),
                  ("GET /api/work-orders?status=new,assigned&limit=50", api_port, [("list", 1)]),
                  (LIST_UNCACHED, uncached_port, [("list", 1)]),
                  ("bare route, 1 row", bare_port, [("/row", 1)]),
                  ("GET /api/work-orders/{id}", api_port, [("get", 1)]),
                  (TOKEN_ONLY, api_port, [("/api/auth/me", 1)]),
                  ("mix 40 list/30 get/10 create/10 patch/10 consume", api_port,
                   [("list", 40), ("get", 30), ("create", 10), ("patch", 10), ("consume", 10)])]
        results = {}
        for name, port, mix in phases:
            clean()
            drive(port, plan["token"], dict(plan, mix=mix), min(args.clients, 2), 1.0)  # warm-up
            results[name] = drive(port, plan["token"], dict(plan, mix=mix), args.clients, args.seconds)
            results[name]["cache"] = hit_rate(app)  # this phase and its warm-up: clean() reset the counters
        print(f"PostgreSQL + Redis, gunicorn -w 2 (sync), {args.clients} client processes, {args.seconds:.0f} s "
              f"per phase, {args.work_orders} work orders, {args.parts} parts, cpus: {os.cpu_count()}")
        for name, r in results.items():
            print(f"{name:<52} {r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                  f"errors {r['errors']} of {r['requests']} {r['statuses']}"
                  + (f"  cache hits {r['cache'][0]:.1f} % of {r['cache'][1]}" if r["cache"][1] else ""))
        ratio_list = results["GET /api/work-orders?status=new,assigned&limit=50"]["rps"] / \
            results["bare route, 50 rows"]["rps"]
        ratio_uncached = results[LIST_UNCACHED]["rps"] / results["bare route, 50 rows"]["rps"]
        ratio_get = results["GET /api/work-orders/{id}"]["rps"] / results["bare route, 1 row"]["rps"]
        ratio_get_50 = results["GET /api/work-orders/{id}"]["rps"] / results["bare route, 50 rows"]["rps"]
        ratio_me = results[TOKEN_ONLY]["rps"] / results["bare route, 1 row"]["rps"]
        print(f"list / bare: {ratio_list:.3f} (target 0.25; with the cache off {ratio_uncached:.3f}); "
              f"get / bare: {ratio_get:.3f} (target 0.4; against the 50-row bare route {ratio_get_50:.3f}); "
              f"auth/me / bare: {ratio_me:.3f}")
        print("\nEXPLAIN ANALYZE of the filtered list:\n  " + "\n  ".join(plan["plan"]))
        print("EXPLAIN ANALYZE of its X-Total-Count:\n  " + "\n  ".join(plan["count_plan"]))
    finally:
        for proc in procs:
            stop(proc)
        try:
            from portal.extensions import db

            with app.app_context():
                db.engine.dispose()
        except Exception:
            pass
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
