"""The CPU of a technician's steps, in process: the work order page, "Start work", tick, part, labor,
comment and complete, posted as bench/plant.py's Technician.work posts them (htmx, X-CSRFToken,
Idempotency-Key, Device-Time, X-Live-Since), through Flask's test client.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<plant db> REDIS_URL=redis://127.0.0.1:6379/N \
        .venv/bin/python bench/steps_profile.py --rounds 30 [--profile part] [--sql labor]

Runs against a database bench/plant.py built (its technicians, parts and assigned work orders with
one checklist item each) and WRITES to it: each round takes a fresh assigned work order and takes it
to completed. Prints, per kind of request, the median process CPU (time.process_time: this
process's Python), the mean CPU of the database's PostgreSQL backends (psutil, at the clock tick's
resolution: a mean over the rounds; Redis's is not counted) and the SQL statements it sent; --profile KIND adds
cProfile's top functions for that kind, --sql KIND the statements of one such request.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict

import common  # noqa: F401  (puts the checkout on sys.path)
import psutil
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

LIVE_VERSION = re.compile(rb'data-live-version="(\d*)"')
KINDS = ("page", "start", "tick", "part", "labor", "comment", "complete")


def backends(database: str) -> list[psutil.Process]:
    """PostgreSQL's backend processes serving `database` ("postgres: user db host(port) state")."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if line.startswith("postgres: ") and f" {database} " in line:
            found.append(proc)
    return found


def cpu_of(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--profile", choices=KINDS, action="append", default=[])
    parser.add_argument("--sql", choices=KINDS, action="append", default=[])
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to a database bench/plant.py built (it is written to)")
    os.environ.setdefault("MAINTAINPRO_INSTANCE", tempfile.mkdtemp(prefix="maintainpro-steps-"))
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("LOG_FORMAT", "text")

    from flask import g
    from flask import session as flask_session
    from flask_wtf.csrf import generate_csrf

    from portal import create_app
    from portal.platform.extensions import db
    from portal.web.session import LOGIN_KEY

    app = create_app(common.app_config())
    common.quiet_request_log()
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: statements.append(statement))
        rows = db.session.execute(text(
            "SELECT s.id, w.id, c.id FROM work_orders w JOIN users u ON u.id = w.assigned_to "
            "JOIN auth_sessions s ON s.user_id = u.id "
            "JOIN work_order_checklist_items c ON c.work_order_id = w.id "
            "WHERE w.status = 'assigned' AND u.email LIKE 'technician%' AND s.expires_at > now() "
            "ORDER BY w.fo_number LIMIT :n"), {"n": args.rounds}).all()
        parts = [r[0] for r in db.session.execute(text("SELECT id FROM parts ORDER BY part_number LIMIT 50"))]
        db.session.remove()
    if len(rows) < args.rounds:
        raise SystemExit(f"only {len(rows)} assigned work orders with a checklist left")
    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]

    cpu: dict[str, list[float]] = defaultdict(list)
    pg: dict[str, list[float]] = defaultdict(list)  # CPU of this database's PostgreSQL backends
    database = make_url(os.environ["DATABASE_URL"]).database
    sql: dict[str, list[int]] = defaultdict(list)
    profiles = {kind: cProfile.Profile(time.process_time) for kind in args.profile}  # CPU, not waits
    shown: set[str] = set()
    own: dict[str, int] = defaultdict(int)  # answers that carried X-Live-Version (the own-change rule)
    client = app.test_client()

    def call(kind: str, method: str, path: str, **kw) -> bytes:
        statements.clear()
        prof = profiles.get(kind) if state.get("warm") else None  # not the first round: templates compile
        procs = backends(database)
        pg_started = cpu_of(procs)
        started = time.process_time()
        if prof:
            prof.enable()
        resp = client.open(path, method=method, **kw)
        if prof:
            prof.disable()
        cpu[kind].append((time.process_time() - started) * 1000)
        pg[kind].append((cpu_of(procs) - pg_started) * 1000)
        sql[kind].append(len(statements))
        if resp.status_code != 200:
            raise SystemExit(f"{kind}: {resp.status_code} {resp.get_data(as_text=True)[:500]}")
        if kind in args.sql and kind not in shown:
            shown.add(kind)
            print(f"--- {kind}: {len(statements)} statements", *(s.replace("\n", " ")[:300] for s in statements),
                  sep="\n")
        # The page's version after this answer, as the tablet keeps it (bench/plant.py Technician.post).
        if found := LIVE_VERSION.search(resp.get_data()):
            state["version"] = found.group(1).decode()
        elif resp.headers.get("X-Live-Version"):
            state["version"] = resp.headers["X-Live-Version"]
            own[kind] += 1
        return resp.get_data()

    state: dict[str, str] = {}
    for n, (sid, wo, item) in enumerate(rows):
        with app.test_request_context():
            g.pop("csrf_token", None)
            flask_session.update({"_user_id": sid, "_fresh": True, LOGIN_KEY: sid})
            csrf = generate_csrf()
            cookie = serializer.dumps(dict(flask_session))
        client.set_cookie(cookie_name, cookie)
        page = f"/work-orders/{wo}"
        state["version"] = "0"
        call("page", "GET", page)

        def post(kind: str, path: str, form: dict, csrf: str = csrf) -> None:
            headers = {"HX-Request": "true", "X-CSRFToken": csrf, "Idempotency-Key": "dev-" + secrets.token_hex(16),
                       "Device-Time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "X-Live-Since": state["version"]}
            call(kind, "POST", path, headers=headers, data=form)

        post("start", f"{page}/status", {"status": "in_progress"})
        post("tick", f"{page}/checklist/{item}", {"done": ["false", "true"]})
        post("part", f"{page}/parts", {"partId": parts[n % len(parts)], "quantityUsed": "1"})
        post("labor", f"{page}/labor", {"action": "book", "minutes": "30"})
        post("comment", f"{page}/comments", {"body": "Bearing replaced, running smooth"})
        post("complete", f"{page}/status", {"status": "completed", "completionNotes": "Done, tested"})
        state["warm"] = "yes"

    print(f"{len(rows)} rounds; process CPU ms (median) and SQL statements per request")
    print(f"{'kind':<10}{'cpu ms':>9}{'p90':>8}{'pg ms':>8}{'stmts':>7}{'own':>5}")
    for kind in KINDS:
        values = sorted(cpu[kind])
        print(f"{kind:<10}{statistics.median(values):>9.1f}{values[int(len(values) * 0.9) - 1]:>8.1f}"
              f"{statistics.mean(pg[kind]):>8.1f}"
              f"{statistics.median(sql[kind]):>7.0f}{own[kind]:>5}")
    for kind, prof in profiles.items():
        print(f"\n=== cProfile {kind} (cumulative) ===")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(args.top)
        print(f"\n=== cProfile {kind} (tottime) ===")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
