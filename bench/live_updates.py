"""What open boards cost the server: N tablets polling `GET /work-orders/changes` every few seconds.

    .venv/bin/python bench/live_updates.py [--tablets 50] [--interval 5] [--seconds 30]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/live_updates.py          # a scratch database is created and dropped there

The app runs as in production, under `gunicorn -w 2` (sync workers), through tests/live_server.py:
a migrated scratch database (SQLite in a temporary directory by default) and Redis (embedded
unless REDIS_URL is set), 200 work orders in the warehouse. A manager logs in through the real
form once; the tablets share that session cookie (the cheapest equivalent of 50 logins: each poll
still loads its session and user like any page). Each tablet polls every `interval` seconds, at
its own phase, with one HTTP connection per request (sync gunicorn closes them anyway).

Phases, `seconds` each:
  quiet    nobody changes anything: every poll answers 204;
  busy     a work order changes through the API every 10 s: after each change every tablet gets
           the re-rendered rows once (200), the other polls are 204;
  bare     the same tablets polling a bare Flask route (bench/bare_app.py `/row`) under the same
           gunicorn settings: the floor of a request on this machine.
Printed per phase: polls/s served, p50/p99 latency, status counts, and the CPU seconds the
gunicorn processes (master + 2 workers, psutil) used per minute; then the ratio against bare.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import threading
import time

import common
import psutil
import pyotp
import requests
from live_server import PASSWORD, live_server


def gunicorn_processes() -> list[psutil.Process]:
    """Our gunicorn master(s) and workers (children of this process)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if "gunicorn" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found


def get(port: int, path: str, cookie: str | None) -> tuple[int, float, str | None]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"HX-Request": "true"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    version = response.getheader("X-Live-Version")
    conn.close()
    return response.status, (time.perf_counter() - started) * 1000, version


def tablets(port: int, path_of, cookie: str | None, count: int, interval: float, seconds: float,
            while_running=None) -> dict:
    """`count` pollers, each every `interval` s at its own phase, for `seconds`; gunicorn's CPU meanwhile."""
    procs = gunicorn_processes()
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def tablet(n: int) -> None:
        rng = random.Random(n)
        version = {"v": None}
        time.sleep(rng.uniform(0, interval))
        while time.monotonic() < stop_at:
            began = time.monotonic()
            try:
                status, ms, new_version = get(port, path_of(version), cookie)
            except OSError:
                status, ms, new_version = 599, 0.0, None
            if status == 200 and new_version:
                version["v"] = new_version
            with lock:
                results.append((status, ms))
            time.sleep(max(0.0, interval - (time.monotonic() - began)))

    cpu_before = common.cpu_seconds(procs)
    wall = time.monotonic()
    threads = [threading.Thread(target=tablet, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    if while_running:
        while_running(stop_at)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - wall
    cpu = common.cpu_seconds(procs) - cpu_before
    latencies = sorted(ms for _, ms in results)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {"polls": len(results), "polls_per_s": len(results) / elapsed,
            "p50": statistics.median(latencies), "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)],
            "statuses": statuses, "cpu_per_min": cpu * 60 / elapsed, "cpu_per_poll_ms": cpu * 1000 / len(results)}


def login(base: str, email: str, secret: str) -> str:
    """A portal session through the real form; returns the Cookie header. The next step's code (the
    server accepts one step either side): the current one was spent on the API login."""
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = s.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD,
                                      "code": pyotp.TOTP(secret).at(time.time() + 30)}, timeout=30, allow_redirects=False)
    if r.status_code not in (302, 303):
        raise SystemExit(f"login failed: {r.status_code}")
    return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def api_token(base: str, email: str, secret: str) -> str:
    r = requests.post(f"{base}/api/auth/login", json={"email": email, "password": PASSWORD,
                                                      "mfaToken": pyotp.TOTP(secret).now()}, timeout=30)
    r.raise_for_status()
    return r.json()["token"]


def show(name: str, r: dict) -> None:
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
    print(f"{name:<6} polls/s {r['polls_per_s']:6.2f}   p50 {r['p50']:6.2f} ms   p99 {r['p99']:7.2f} ms   "
          f"gunicorn CPU {r['cpu_per_min']:5.2f} s/min ({r['cpu_per_poll_ms']:.2f} ms a poll)   [{codes}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=50)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--work-orders", type=int, default=200)
    args = parser.parse_args()

    instance = common.scratch_instance("maintainpro-bench-live-")
    users = {"manager": ("planner@bench.example.com", "manager", "Bench Plant")}
    with live_server(str(instance), users) as server:
        port = int(server.base.rsplit(":", 1)[1])
        account = server.accounts["manager"]
        token = api_token(server.base, account.email, account.totp_secret)
        h = {"Authorization": f"Bearer {token}"}
        ids = [requests.post(f"{server.base}/api/work-orders", json={"title": f"Bench order {i}"},
                             headers=h, timeout=30).json()["id"] for i in range(args.work_orders)]
        cookie = login(server.base, account.email, account.totp_secret)
        board = requests.get(f"{server.base}/work-orders", headers={"Cookie": cookie}, timeout=30).text
        start_version = re.search(r'data-live-version="([^"]*)"', board).group(1)

        def path_of(version: dict) -> str:
            return f"/work-orders/changes?since={version['v'] or start_version}"

        # One poll by hand: its cost in SQL is the session's one query (tests/web/test_work_order_board.py).
        print(f"{args.tablets} tablets, one poll every {args.interval:g} s each, {args.seconds:g} s a phase; "
              f"gunicorn -w 2 (sync); {args.work_orders} work orders; "
              f"{'PostgreSQL' if 'DATABASE_URL' in server.env else 'SQLite'}, "
              f"{'Redis ' + os.environ['REDIS_URL'] if os.environ.get('REDIS_URL') else 'embedded Redis'}")
        quiet = tablets(port, path_of, cookie, args.tablets, args.interval, args.seconds)
        show("quiet", quiet)

        def change_every_10s(stop_at: float) -> None:
            n = 0
            while time.monotonic() < stop_at - 1:
                time.sleep(10)
                requests.patch(f"{server.base}/api/work-orders/{ids[n % len(ids)]}",
                               json={"title": f"Changed {n}"}, headers=h, timeout=30)
                n += 1

        busy = tablets(port, path_of, cookie, args.tablets, args.interval, args.seconds, change_every_10s)
        show("busy", busy)
        rows = requests.get(f"{server.base}/work-orders/changes?since=x", headers={"Cookie": cookie,
                            "HX-Request": "true"}, timeout=30)
        print(f"       a 200 carries the rows of one page: {len(rows.content) / 1024:.1f} kB")

    bare_port = common.free_port()
    bare = common.gunicorn("bare_app:app", bare_port, chdir=common.ROOT / "bench")
    try:
        floor = tablets(bare_port, lambda _v: "/row", None, args.tablets, args.interval, args.seconds)
        show("bare", floor)
    finally:
        common.stop(bare)
    print(f"ratio quiet/bare: CPU {quiet['cpu_per_poll_ms'] / floor['cpu_per_poll_ms']:.2f}x a poll, "
          f"p50 {quiet['p50'] / floor['p50']:.2f}x; busy/bare: CPU "
          f"{busy['cpu_per_poll_ms'] / floor['cpu_per_poll_ms']:.2f}x, p50 {busy['p50'] / floor['p50']:.2f}x")
    cores = psutil.cpu_count() or 1
    print(f"capacity: {cores} cores / {quiet['cpu_per_poll_ms']:.2f} ms a quiet poll = about "
          f"{cores * 1000 / quiet['cpu_per_poll_ms']:.0f} polls/s, i.e. "
          f"{cores * 1000 / quiet['cpu_per_poll_ms'] * args.interval:.0f} tablets at one poll every "
          f"{args.interval:g} s if the machine did nothing else")


if __name__ == "__main__":
    main()
