"""The server CPU of a manager's pages, in-process: GET /work-orders (the board's whole page and its
htmx fragment) and GET /kpis (30 days), on a database bench/plant.py built (or a copy of it).

    DATABASE_URL=postgresql+psycopg://.../mp_board REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python bench/pages.py [--repeat 20] [--profile 25] [--sql] [--dump DIR]

Signs in as manager0@plant.test the way plant.py's prepare() does (a fresh auth session and the
session cookie, no password hashing), then for each page prints the median time.process_time() of
`--repeat` requests (the Flask test client, so the whole WSGI stack and its hooks, PostgreSQL's
own CPU not included), the statements it sends, and with --profile the top functions of cProfile.
--dump writes each page's HTML (CSRF tokens blanked) to compare before and after a change.
Reads only, but for the auth session it adds: point it at a copy, not a live plant.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import time
from datetime import timedelta
from pathlib import Path

import common
from sqlalchemy import event, insert, select

from portal import create_app
from portal.models import AuthSession, User
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.web.session import LOGIN_KEY

PAGES = {
    "board": ("/work-orders", {}),
    "board-fragment": ("/work-orders", {"HX-Request": "true", "HX-Target": "results"}),
    "kpis": ("/kpis", {}),
    "kanban": ("/work-orders?view=kanban", {}),
    "calendar": ("/work-orders?view=calendar", {}),
}
DEFAULT_PAGES = "board,board-fragment,kpis"
CSRF = re.compile(r'(name="csrf_token" value="|name="csrf-token" content=")[^"]+')


def sign_in(app, client, email: str) -> None:
    """The login's session cookie for `email`, as plant.py's prepare() builds it."""
    from flask import session as flask_session

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        sid = new_id()
        db.session.execute(insert(AuthSession), [{"id": sid, "user_id": user.id, "created_at": utcnow(),
                                                   "expires_at": utcnow() + timedelta(hours=6)}])
        db.session.commit()
    with client.session_transaction() as sess:
        sess.update({"_user_id": sid, "_fresh": True, LOGIN_KEY: sid})
    del flask_session


def _backend_pid(dbapi_connection) -> int:
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    cursor.close()
    return pid


TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _cpu_ms(pids: set[int]) -> float:
    """User + system CPU of these processes so far (clock ticks: 10 ms steps, so a median of
    many requests)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total * TICK_MS


def _explain(app, sql: str, params) -> float:
    """PostgreSQL's execution time of one statement (EXPLAIN ANALYZE), in ms."""
    if not sql.lstrip().upper().startswith("SELECT"):
        return 0.0
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0][0]
            raw.rollback()
        finally:
            raw.close()
    return plan["Planning Time"] + plan["Execution Time"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, help="print this many top functions (cumulative)")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--explain", action="store_true",
                        help="with each statement, its execution time by EXPLAIN ANALYZE")
    parser.add_argument("--dump", help="write each page's HTML here")
    parser.add_argument("--pages", default=DEFAULT_PAGES, help=f"of {', '.join(PAGES)}")
    parser.add_argument("--email", default="manager0@plant.test")
    parser.add_argument("--no-cache", action="store_true",
                        help="the read cache off: every list and figure computed, as in a plant whose "
                             "technicians write all the time (each write makes the warehouse's entries stale)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("DATABASE_URL: the plant's database (a copy)")
    common.scratch_instance()
    common.quiet_request_log()
    app = create_app(common.app_config(**({"CACHE_ENABLED": False} if args.no_cache else {})))
    client = app.test_client()
    sign_in(app, client, args.email)
    statements: list[str] = []
    backends: set[int] = set()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, sql, params, context, many: statements.append((sql, params)))
        # PostgreSQL's side: the CPU of the backends the pool's connections run on (same host, /proc).
        event.listen(db.engine, "connect", lambda dbapi, record: backends.add(_backend_pid(dbapi)))
        db.engine.dispose()
    for name in args.pages.split(","):
        path, headers = PAGES[name]
        for _ in range(3):  # warm: templates compiled, caches filled
            resp = client.get(path, headers=headers)
            assert resp.status_code == 200, (name, resp.status_code, resp.text[:500])
        times, pg = [], []
        for _ in range(args.repeat):
            statements.clear()
            pg_started = _cpu_ms(backends)
            started = time.process_time()
            resp = client.get(path, headers=headers)
            times.append((time.process_time() - started) * 1000)
            pg.append(_cpu_ms(backends) - pg_started)
        print(f"{name:16} {statistics.median(times):7.1f} ms CPU (min {min(times):.1f}, max {max(times):.1f}) "
              f"+ PostgreSQL {statistics.mean(pg):.1f} ms (mean), "
              f"{len(statements)} statements, {len(resp.data):,} bytes")
        if args.sql or args.explain:
            for sql, params in statements:
                took = f"{_explain(app, sql, params):7.2f} ms " if args.explain else ""
                print("   ", took + " ".join(sql.split())[:150])
        if args.dump:
            Path(args.dump).mkdir(parents=True, exist_ok=True)
            Path(args.dump, f"{name}.html").write_text(CSRF.sub(r"\1-", resp.text))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                client.get(path, headers=headers)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("SORT", "tottime")).print_stats(args.profile)


if __name__ == "__main__":
    main()
