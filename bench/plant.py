"""A plant's whole crew on one machine: how many technicians gunicorn, an RQ worker, PostgreSQL and
Redis on this host serve within the latency targets.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/plant.py
    ... bench/plant.py --quick                       # short phases, for iteration
    ... bench/plant.py --steps 500,1000,1250 --seconds 40               # the Procfile's gthread -w 2 --threads 8
    ... bench/plant.py --steps 50 --seconds 10 --calibrate 20          # the CPU per request, quickly
    ... bench/plant.py --worker-class sync                              # -w 4 sync, a connection per request

PostgreSQL only: a database of its own (maintainpro_plant, dropped and rebuilt) on the server
DATABASE_URL names; a redis-server of its own on a free port (so its CPU is the plant's alone);
gunicorn as the Procfile's `web` line starts it (the repository's gunicorn.conf.py, `-k gthread -w 2
--threads 8` by default) and one `python worker.py` (RQ). Rate limits on, read cache on: as in production.

The plant: T technicians, T/10 managers, 5 integrations, each on their own clock:
- a technician's tablet polls GET /work-orders/<id>/changes every 5 s (the open work order's live
  changes: 204 when nothing changed, the re-rendered page part when it did; with the poll token the
  last checked answer handed out, as the page's script sends it), and every 60 s does
  the next step of their work as the work order page posts it (htmx, its CSRF token, an
  Idempotency-Key and Device-Time as static/js/offline.js adds): open (the page, then "Start work"),
  tick the checklist item, add a part, book labor, comment, complete; then the next work order
  assigned to them. Each starts at a random step of a job (the steady state: one step in six opens a
  page; --shift-start: all at "open", as in a shift's first minute). Like the page (static/js/portal.js), each step sends the page's live version
  (X-Live-Since) and takes the one its answer carries (X-Live-Version) when only its own write moved
  it, and a status answer's page carries its own; --no-live-since: the tablet sends none, so each
  step's next poll re-renders (the page before issue 22's own-change rule);
- a manager loads the board (/work-orders) every 30 s, the KPI page every 5 minutes, and now and
  then (every 5 minutes on average) bulk-assigns 5 new work orders;
- an integration polls GET /api/work-orders?sort=-updatedAt every 10 s.
Portal sessions and API tokens are issued before the run (as logins would have), so the phases
measure the work, not argon2.

The load generator is one asyncio loop in this process (with gthread, each person keeps their
connections open between requests as a browser does, --no-keep-alive to open one per request; sync
gunicorn closes every one); its own CPU is measured and printed with the others'. T steps up
through --steps; each phase prints requests/s, p50/p95/p99 for the portal and the API, errors,
and the CPU seconds per second of gunicorn, the RQ worker, PostgreSQL's backends for this
database, redis-server, the load generator, and everything else on the machine (other engineers'
work: the load average is printed beside). A phase passes when portal and API p95 < 300 ms,
p99 < 1 s, and no request failed.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import common
import psutil
import requests
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from portal.web.live_poll import POLL_TOKEN_SECONDS
from portal.web.session import LOGIN_KEY

HOST = "127.0.0.1"
POLL_S, STEP_S, BOARD_S, KPI_S, BULK_S, INTEGRATION_S = 5.0, 60.0, 30.0, 300.0, 300.0, 10.0
FULL_QUIET = "tablet poll, quiet, no token"
CHANGED = "tablet poll, changed (200)"
AFTER = "tablet poll after"  # + a step's name: the poll that follows the tablet's own step
STEPS = ["open (page + status)", "tick", "part", "labor", "comment", "complete"]
ORDERS_PER_TECH = 3


# --- The data set --------------------------------------------------------------------------------

@dataclass
class Person:
    user_id: str
    cookie: str
    token: str
    csrf: str  # the page's CSRF token (its <meta name="csrf-token">) for the portal's posts
    orders: list[tuple[str, str | None]] = field(default_factory=list)  # (work order id, checklist item id)
    first_step: int = 0  # where in the six steps of a job the technician is when the run starts


def prepare(url: str, technicians: int, managers: int, history: int, shift_start: bool = False) -> dict:
    """Schema from the migrations, the plant's people, parts, assets, a year of history and each
    technician's assigned work orders; returns the people with their session cookies and tokens."""
    from flask import g
    from flask import session as flask_session
    from flask_jwt_extended import create_access_token
    from flask_wtf.csrf import generate_csrf

    from portal import create_app
    from portal.models import AuthSession, ChecklistItem, Equipment, Part, User, WorkOrder
    from portal.models.types import new_id, utcnow
    from portal.platform.extensions import db
    from portal.services.identity import auth as auth_service

    os.environ["DATABASE_URL"] = url
    app = create_app(common.app_config())
    rng = random.Random(8)
    with app.app_context():
        common.fresh_schema()
        boss = auth_service.create_user("boss@plant.test", "bench-password", "admin", "Bench Plant", name="Plant Boss")
        wid = boss.warehouse_id
        now = utcnow()
        password_hash = boss.password_hash

        def people(role: str, count: int) -> list[dict]:
            return [{"id": new_id(), "email": f"{role}{n}@plant.test", "name": f"{role.title()} {n}",
                     "password_hash": password_hash, "role": role, "warehouse_id": wid, "active": True,
                     "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "totp_confirmed_at": now, "created_at": now}
                    for n in range(count)]
        techs, bosses = people("technician", technicians), people("manager", managers)
        bots = [{**p, "email": f"integration{n}@plant.test", "name": f"Integration {n}"}
                for n, p in enumerate(people("manager", 5))]
        db.session.execute(insert(User), techs + bosses + bots)
        assets = [{"id": new_id(), "warehouse_id": wid, "asset_tag": f"EQ-{n:05d}", "status": "active",
                   "criticality": "medium", "created_at": now, "updated_at": now,
                   "report_token": secrets.token_urlsafe(16)} for n in range(2000)]
        db.session.execute(insert(Equipment), assets)
        parts = [{"id": new_id(), "warehouse_id": wid, "part_number": f"P-{n:04d}", "description": f"Part {n}",
                  "stock_level": 1_000_000, "reorder_point": 5, "auto_reorder": False, "unit_cost": Decimal("3.50"),
                  "low_stock_alerted": False, "created_at": now, "updated_at": now} for n in range(500)]
        db.session.execute(insert(Part), parts)
        orders, items, n = [], [], 0

        def order(**fields) -> dict:
            nonlocal n
            n += 1
            created = fields.pop("created_at", now - timedelta(days=1))
            row = {"id": new_id(), "warehouse_id": wid, "fo_number": f"WO-{n:07d}", "title": f"Plant job {n}",
                   "priority": rng.choice(["low", "medium", "high"]), "type": "corrective",
                   "equipment_id": rng.choice(assets)["id"], "created_at": created, "updated_at": created,
                   "due_date": created + timedelta(days=7), **fields}
            orders.append(row)
            return row

        for _ in range(history):  # a year of finished work for the board and the KPIs
            created = now - timedelta(minutes=rng.randint(60, 365 * 24 * 60))
            order(status="completed", assigned_to=rng.choice(techs)["id"], created_at=created,
                  completed_at=created + timedelta(hours=rng.randint(1, 48)))
        for _ in range(max(200, managers * 30)):  # what managers bulk-assign
            order(status="new")
        assigned: dict[str, list[tuple[str, str]]] = {}
        # Each technician is somewhere in a job when the run starts (steady state: one step in six is
        # an "open"), its first order already started unless it is at the job's start; --shift-start:
        # everyone at the start of a job, as at 7 o'clock.
        first_step = {tech["id"]: 0 if shift_start else rng.randrange(len(STEPS)) for tech in techs}
        for tech in techs:
            for k in range(ORDERS_PER_TECH):
                started = k == 0 and first_step[tech["id"]] > 0
                row = order(status="in_progress" if started else "assigned", assigned_to=tech["id"],
                            **({"repair_started_at": now - timedelta(minutes=rng.randint(5, 60))} if started else {}))
                item = new_id()
                ticked = started and first_step[tech["id"]] > 1  # past the job's tick step
                items.append({"id": item, "work_order_id": row["id"], "position": 0, "item_key": "i0",
                              "description": "Check the guard is back on", "type": "checkbox", "required": True,
                              "done": ticked, "done_by": tech["id"] if ticked else None,
                              "done_at": now if ticked else None, "flagged": False, "updated_at": now})
                assigned.setdefault(tech["id"], []).append((row["id"], item))
        for start in range(0, len(orders), 5000):
            db.session.execute(insert(WorkOrder), orders[start:start + 5000])
        db.session.execute(insert(ChecklistItem), items)
        sessions = [{"id": new_id(), "user_id": p["id"], "created_at": now, "expires_at": now + timedelta(hours=6)}
                    for p in techs + bosses + bots]
        db.session.execute(insert(AuthSession), sessions)
        db.session.commit()
        common.analyze()
        serializer = app.session_interface.get_signing_serializer(app)
        cookie_name = app.config["SESSION_COOKIE_NAME"]

        def person(session: dict) -> Person:
            token = create_access_token(identity=session["user_id"], additional_claims={"sid": session["id"]},
                                        expires_delta=timedelta(hours=6))
            # The login's cookie with the CSRF secret a first page would have put in it, and the token
            # that page's <meta> would carry (Flask-WTF's generate_csrf, in a request of its own).
            with app.test_request_context():
                g.pop("csrf_token", None)
                flask_session.update({"_user_id": session["id"], "_fresh": True, LOGIN_KEY: session["id"]})
                csrf = generate_csrf()
                cookie = f"{cookie_name}={serializer.dumps(dict(flask_session))}"
            return Person(session["user_id"], cookie, token, csrf, list(assigned.get(session["user_id"], [])),
                          first_step.get(session["user_id"], 0))

        everyone = [person(s) for s in sessions]
        new_orders = [o["id"] for o in orders if o["status"] == "new"]
        return {"technicians": everyone[:len(techs)], "managers": everyone[len(techs):len(techs) + len(bosses)],
                "integrations": everyone[len(techs) + len(bosses):], "new_orders": new_orders,
                "parts": [p["id"] for p in parts], "tech_ids": [t["id"] for t in techs], "warehouse_id": wid}


# --- The load generator --------------------------------------------------------------------------

class Recorder:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {"portal": [], "api": []}
        self.errors: list[str] = []
        self.count = 0
        self.by_label: dict[str, list[float]] = {}
        self.lag: list[float] = []  # ms the load generator's loop woke late, every 50 ms

    def add(self, path: str, label: str, status: int, ms: float) -> None:
        face = "api" if path.startswith("/api/") else "portal"
        self.samples[face].append(ms)
        self.by_label.setdefault(label, []).append(ms)
        self.count += 1
        if status >= 400 or status == 0:
            self.errors.append(f"{status} {label}")


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Client:
    """HTTP/1.1 over asyncio streams: cheap enough that one loop drives thousands of simulated
    people. Without keep-alive, one connection per request (Connection: close, as sync gunicorn
    closes them anyway); with it, each person (their tablet, their browser) keeps its connections
    open between requests, as a browser does, and opens another only while one is busy."""

    def __init__(self, port: int, recorder: Recorder, keep_alive: bool = False, poll_port: int = 0) -> None:
        self.port = port
        self.poll_port = poll_port  # --poll-workers: the live polls go to a gunicorn of their own
        self.recorder = recorder
        self.recording = True
        self.keep_alive = keep_alive
        self.idle: dict[str, list[Connection]] = {}

    async def call(self, method: str, path: str, label: str, *, cookie: str | None = None, token: str | None = None,
                   body: dict | None = None, htmx: bool = False, headers: dict[str, str] | None = None,
                   owner: str | None = None, form: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        port = self.poll_port if self.poll_port and "/changes?" in path else self.port
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
        if not (self.keep_alive and owner):
            lines.append("Connection: close")
        if cookie:
            lines.append(f"Cookie: {cookie}")
        if token:
            lines.append(f"Authorization: Bearer {token}")
        if htmx:
            lines.append("HX-Request: true")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        elif form is not None:
            payload = urlencode(form, doseq=True).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(payload)}"]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        started = time.perf_counter()
        status, answer, content = 0, {}, b""
        try:
            if self.keep_alive and owner:
                status, answer, content = await self._kept(owner, port, request)
            else:
                reader, writer = await asyncio.open_connection(HOST, port)
                writer.write(request)
                raw = await asyncio.wait_for(reader.read(), 30)
                writer.close()
                head, _, content = raw.partition(b"\r\n\r\n")
                status, answer = self._head(head)
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            status = 0
        if self.recording:
            self.recorder.add(path, label, status, (time.perf_counter() - started) * 1000)
        return status, answer, content

    @staticmethod
    def _head(head: bytes) -> tuple[int, dict[str, str]]:
        first, *rest = head.decode("latin-1").split("\r\n")
        return int(first.split(" ", 2)[1]), {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in rest)}

    async def _kept(self, owner: str, port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
        pool = self.idle.setdefault(f"{owner}:{port}", [])
        for attempt in (0, 1):
            reused = bool(pool)
            reader, writer = pool.pop() if pool else await asyncio.open_connection(HOST, port)
            try:
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            except (OSError, asyncio.IncompleteReadError):
                writer.close()
                if reused and attempt == 0:  # the server closed it while idle (its keep-alive ran out):
                    for _, idle in pool:  # so did it the others kept as long; a fresh one, as a browser
                        idle.close()
                    pool.clear()
                    continue
                raise
            status, answer = self._head(head[:-4])
            length = int(answer.get("content-length", "0") or 0)
            content = await asyncio.wait_for(reader.readexactly(length), 30) if length else b""
            if answer.get("connection", "").lower() == "close":
                writer.close()
            else:
                pool.append((reader, writer))
            return status, answer, content
        raise OSError("no connection")

    def close(self) -> None:
        for pool in self.idle.values():
            for _, writer in pool:
                writer.close()
        self.idle.clear()


LIVE_VERSION = re.compile(rb'data-live-version="([^"]*)"')
CSRF_META = re.compile(rb'name="csrf-token" content="([^"]+)"')


class Technician:
    def __init__(self, person: Person, parts: list[str], rng: random.Random, live_since: bool = True) -> None:
        self.p = person
        self.parts = parts
        self.rng = rng
        self.step = person.first_step
        self.version = "0"  # the open page's version: a work order nobody has changed yet reads "0"
        self.poll_token = ""  # X-Live-Token, as the page keeps it (static/js/portal.js)
        self.created = 0
        self.live_since = live_since  # send X-Live-Since with each step and take the answer's version
        self.polling = False  # a poll of the open page is out

    async def post(self, http: Client, path: str, label: str, form: dict) -> tuple[int, dict[str, str], bytes]:
        """One step as the work order page posts it (htmx), and the version the page is at after it."""
        headers = {"X-CSRFToken": self.p.csrf, "Idempotency-Key": "dev-" + secrets.token_hex(16),
                   "Device-Time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if self.live_since and self.version:
            headers["X-Live-Since"] = self.version
        status, answer, content = await http.call("POST", path, label, cookie=self.p.cookie, htmx=True,
                                                  headers=headers, form=form, owner=self.p.user_id)
        rendered = LIVE_VERSION.search(content) if status == 200 else None
        if rendered:  # the whole page answered (a status change): its #live is the page's now
            self.version = rendered.group(1).decode()
        elif status == 200 and self.live_since and answer.get("x-live-version"):
            self.version = answer["x-live-version"]
        return status, answer, content

    @property
    def order(self) -> tuple[str, str | None]:
        return self.p.orders[0]

    async def poll(self, http: Client, *, with_token: bool = True) -> None:
        # As the page (static/js/portal.js): no poll while the last one is still out (a slow server
        # is not asked twice as often); the page also gives one up after two intervals.
        if self.polling:
            return
        self.polling = True
        try:
            await self._poll(http, with_token=with_token)
        finally:
            self.polling = False

    async def _poll(self, http: Client, *, with_token: bool = True) -> None:
        wo, _ = self.order
        status, headers, _ = await http.call("GET", f"/work-orders/{wo}/changes?since={self.version}", "tablet poll",
                                             cookie=self.p.cookie, htmx=True, owner=self.p.user_id,
                                             headers={"X-Live-Token": self.poll_token} if with_token and self.poll_token
                                             else None)
        if headers.get("x-live-token"):
            self.poll_token = headers["x-live-token"]
        if status == 200 and headers.get("x-live-version"):
            self.version = headers["x-live-version"]

    async def work(self, http: Client) -> None:
        wo, item = self.order
        page = f"/work-orders/{wo}"
        me = self.p.user_id
        step, self.step = self.step, (self.step + 1) % 6
        if step == 0:
            status, _, content = await http.call("GET", page, "open: work order page", cookie=self.p.cookie, owner=me)
            self.poll_token = ""  # a page opened anew: its first poll takes the full path and gets one
            if status == 200 and (found := LIVE_VERSION.search(content)):
                self.version = found.group(1).decode()
                self.p.csrf = CSRF_META.search(content).group(1).decode()
            await self.post(http, f"{page}/status", "open: start work", {"status": "in_progress"})
        elif step == 1 and item:
            await self.post(http, f"{page}/checklist/{item}", "tick", {"done": ["false", "true"]})
        elif step == 2:
            await self.post(http, f"{page}/parts", "part", {"partId": self.rng.choice(self.parts), "quantityUsed": "1"})
        elif step == 3:
            await self.post(http, f"{page}/labor", "labor", {"action": "book", "minutes": "30"})
        elif step == 4:
            await self.post(http, f"{page}/comments", "comment", {"body": "Bearing replaced, running smooth"})
        elif step == 5:
            await self.post(http, f"{page}/status", "complete", {"status": "completed", "completionNotes": "Done, tested"})
            self.p.orders.pop(0)
            self.version, self.poll_token = "0", ""
            if not self.p.orders:  # a new job of their own (no checklist: its tick is skipped)
                self.created += 1
                status, _, content = await http.call("POST", "/api/work-orders", "new work order", token=self.p.token,
                                                     body={"title": "Found on the round", "assignedTo": self.p.user_id},
                                                     owner=me)
                if status == 201:
                    self.p.orders.append((json.loads(content)["id"], None))


async def run_phase(port: int, plant: dict, count: int, seconds: float, techs: list[Technician],
                    recorder: Recorder, seed: int, keep_alive: bool, poll_port: int = 0) -> None:
    """T technicians, T/10 managers, 5 integrations for `seconds`, each on its own clock (random phase)."""
    http = Client(port, recorder, keep_alive, poll_port)
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    tasks: list[asyncio.Task] = []

    async def every(interval: float, action, jitter: bool = False) -> None:
        at = loop.time() + rng.uniform(0, interval)
        while True:
            if at >= end:
                return
            await asyncio.sleep(max(0.0, at - loop.time()))
            tasks.append(asyncio.ensure_future(action()))  # a slow answer never delays the next poll
            at += rng.expovariate(1 / interval) if jitter else interval

    managers = plant["managers"][:max(1, count // 10)]
    new_orders = plant["new_orders"]

    async def bulk(m: Person) -> None:
        if len(new_orders) >= 5:
            ids = [new_orders.pop() for _ in range(5)]
            await http.call("POST", "/api/work-orders/bulk-assign", "bulk assign", token=m.token, owner=m.user_id,
                            body={"ids": ids, "assignedTo": rng.choice(plant["tech_ids"])})

    clocks = []
    for tech in techs[:count]:
        clocks += [every(POLL_S, lambda t=tech: t.poll(http)), every(STEP_S, lambda t=tech: t.work(http))]
    for m in managers:
        clocks += [every(BOARD_S, lambda m=m: http.call("GET", "/work-orders", "board", cookie=m.cookie, owner=m.user_id)),
                   every(KPI_S, lambda m=m: http.call("GET", "/kpis", "KPI page", cookie=m.cookie, owner=m.user_id)),
                   every(BULK_S, lambda m=m: bulk(m), jitter=True)]
    for bot in plant["integrations"]:
        clocks.append(every(INTEGRATION_S, lambda b=bot: http.call(
            "GET", "/api/work-orders?sort=-updatedAt&limit=50", "integration poll", token=b.token, owner=b.user_id)))

    async def lag() -> None:
        """How late the load generator's own loop wakes (its lag would count as the server's latency)."""
        while loop.time() < end:
            at = loop.time()
            await asyncio.sleep(0.05)
            recorder.lag.append((loop.time() - at - 0.05) * 1000)

    await asyncio.gather(*clocks, lag())
    if tasks:
        await asyncio.gather(*tasks)
    http.close()


async def calibrate(port: int, plant: dict, techs: list[Technician], n: int, server_cpu,
                    keep_alive: bool, poll_port: int = 0) -> dict[str, float]:
    """Server CPU ms (gunicorn + worker + PostgreSQL + Redis) of each kind of request, one at a time:
    a figure the other engineers' load on this machine inflates far less than latency."""
    recorder = Recorder()
    http = Client(port, recorder, keep_alive, poll_port)
    costs: dict[str, float] = {}

    async def measure(label: str, calls) -> None:
        before = server_cpu()
        for call in calls:
            await call()
        after = server_cpu()
        # Per process: one that started meanwhile counts from zero; one that ended (a PostgreSQL
        # backend, the RQ worker's work horse) is left out rather than subtracted.
        used = sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())
        costs[label] = used * 1000 / max(1, len(calls))

    crew = techs[-n:]  # the last ones: the phases start with the first
    m, bot = plant["managers"][0], plant["integrations"][0]
    # Warm-up, not counted: each gunicorn worker compiles a template and imports a page's modules on
    # its first request of a kind (~0.2 s for the work order page), a one-off cost that belongs to no
    # request; then wait for the RQ worker's start-up jobs (the cron's first round) to finish.
    for _ in range(3):
        for t in techs[:8]:
            await http.call("GET", f"/work-orders/{t.order[0]}", "warm-up", cookie=t.p.cookie, owner=t.p.user_id)
            await t.poll(http)
    for t in techs[:8]:  # each step's answer (its fragment's template) once per worker or so
        for _ in STEPS:
            await t.work(http)
        for url in ("/work-orders", "/kpis", "/work-orders/new"):
            for _ in range(4):
                await http.call("GET", url, "warm-up", cookie=m.cookie, owner=m.user_id)
    for t in crew:  # each at the start of a job, so that the steps below are timed by their names
        while t.step != 0:
            await t.work(http)
    await asyncio.sleep(5)
    for name in STEPS:
        await measure(name, [lambda t=t: t.work(http) for t in crew])
        # The tablet's next poll: a quiet 204 when the step's answer handed the page its version, the
        # re-rendered page part otherwise (--no-live-since).
        await measure(f"{AFTER} {name}", [lambda t=t: t.poll(http) for t in crew])
        if name == "tick":
            # A colleague's change (a manager's comment through the API, not counted): the next poll
            # re-renders the page part. Then the quiet poll with the token that answer handed out, and
            # without (the full path: the login's SQL and the permission check), as a page's first
            # poll and each token's expiry.
            for t in crew:
                await http.call("POST", f"/api/work-orders/{t.order[0]}/comments", "colleague", token=m.token,
                                body={"body": "Check the coupling too"}, owner=m.user_id)
            await measure(CHANGED, [lambda t=t: t.poll(http) for t in crew])
            await measure("tablet poll, quiet (204)", [lambda t=t: t.poll(http) for t in crew] * 5)
            await measure(FULL_QUIET, [lambda t=t: t.poll(http, with_token=False) for t in crew] * 3)
    await measure("board", [lambda: http.call("GET", "/work-orders", "board", cookie=m.cookie, owner=m.user_id)] * n)
    await measure("KPI page", [lambda: http.call("GET", "/kpis", "KPI page", cookie=m.cookie, owner=m.user_id)]
                  * max(3, n // 4))
    await measure("integration poll", [lambda: http.call("GET", "/api/work-orders?sort=-updatedAt&limit=50", "i",
                                                         token=bot.token, owner=bot.user_id)] * n)
    http.close()
    if recorder.errors:  # a step refused (its cost would be a refusal's, not the step's)
        print(f"  calibration: {len(recorder.errors)} requests failed: {sorted(set(recorder.errors))}", flush=True)
    return costs


def projected_capacity(costs: dict[str, float], cores: int, utilisation: float = 0.7) -> tuple[float, float]:
    """CPU ms per second that one technician (with a tenth of a manager) costs, and how many
    technicians `cores` serve at `utilisation` besides the 5 integrations."""
    step_ms = sum(costs[k] for k in STEPS)
    # Of a minute's 12 polls, one follows the step's change (200); the quiet ones carry a token,
    # but the first after each page opens (one step in six) and each token's expiry take the full path.
    full_share = min(1.0, POLL_S / POLL_TOKEN_SECONDS + POLL_S / (6 * STEP_S))
    quiet = costs["tablet poll, quiet (204)"] * (1 - full_share) + costs[FULL_QUIET] * full_share
    per_tech = (quiet / POLL_S + step_ms / (6 * STEP_S)
                + sum(costs[f"{AFTER} {k}"] for k in STEPS) / (6 * STEP_S)  # the poll after each step
                + 0.1 * (costs["board"] / BOARD_S + costs["KPI page"] / KPI_S))
    fixed = 5 * costs["integration poll"] / INTEGRATION_S
    return per_tech, (cores * 1000 * utilisation - fixed) / per_tech


# --- Processes and their CPU ---------------------------------------------------------------------

def groups(server: list[subprocess.Popen], worker: subprocess.Popen, redis: subprocess.Popen, database: str) -> dict:
    """The processes of each part of the plant (looked up again per phase: backends come and go)."""
    def tree(proc: subprocess.Popen) -> list[psutil.Process]:
        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    backends = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if cmd.startswith("postgres:") and f" {database} " in cmd:
                backends.append(proc)
        except psutil.Error:
            continue
    return {"gunicorn": [p for s in server for p in tree(s)], "rq worker": tree(worker), "postgres": backends, "redis": tree(redis),
            "load generator": [psutil.Process()]}


def start_servers(env: dict, workers: int, worker_class: str, threads: int, poll_workers: int = 0) -> tuple:
    """redis-server, gunicorn (and with poll_workers, a second gunicorn for the live polls, as a proxy
    routing /…/changes to a pool of its own would), the RQ worker. -> (port, poll port or 0, [gunicorns],
    worker, redis)"""
    instance = env["MAINTAINPRO_INSTANCE"]
    redis_port = common.free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", HOST, "--save", "",
                              "--appendonly", "no", "--dir", instance], stdout=subprocess.DEVNULL)
    env["REDIS_URL"] = f"redis://{HOST}:{redis_port}/0"
    port = common.free_port()
    here = os.path.dirname(sys.executable)
    gunicorn = os.path.join(here, "gunicorn")
    log = open(os.path.join(instance, "gunicorn.log"), "ab")  # noqa: SIM115 (the child keeps it)
    args = [gunicorn, "-w", str(workers), "-k", worker_class, "-b", f"{HOST}:{port}", "--timeout", "30",
            "--graceful-timeout", "30", "--backlog", "4096"]
    if worker_class == "gthread":
        args += ["--threads", str(threads)]
    server = subprocess.Popen([*args, "wsgi:app"], cwd=common.ROOT, env=env, stdout=log, stderr=log)
    servers, poll_port = [server], 0
    if poll_workers:
        poll_port = common.free_port()
        poll_args = [a if a != f"{HOST}:{port}" else f"{HOST}:{poll_port}" for a in args]
        poll_args[poll_args.index("-w") + 1] = str(poll_workers)
        servers.append(subprocess.Popen([*poll_args, "wsgi:app"], cwd=common.ROOT, env=env, stdout=log, stderr=log))
    worker_log = open(os.path.join(instance, "worker.log"), "ab")  # noqa: SIM115
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=common.ROOT, env=env, stdout=worker_log,
                              stderr=worker_log)
    # Ready when every worker has answered (the master accepts connections before they are booted).
    deadline, answers = time.monotonic() + 120, 0
    while time.monotonic() < deadline and answers < workers * 3:
        try:
            answers += requests.get(f"http://{HOST}:{port}/healthz", timeout=30).status_code == 200
        except requests.RequestException:
            time.sleep(0.5)
    if answers < workers * 3:
        raise common.failed("gunicorn did not start", "gunicorn.log")
    while poll_port and time.monotonic() < deadline:
        try:
            if requests.get(f"http://{HOST}:{poll_port}/healthz", timeout=30).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.5)
    return port, poll_port, servers, worker, redis


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="250,500,1000,1500,2000", help="technician counts, in order")
    parser.add_argument("--seconds", type=float, default=120.0, help="length of each phase")
    parser.add_argument("--quick", action="store_true", help="--steps 250,1000 --seconds 40")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: the Procfile's, 2 for gthread, 4 for sync)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="gunicorn worker class (default gthread, as the Procfile)")
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker (the Procfile's 8)")
    parser.add_argument("--poll-workers", type=int, default=0,
                        help="a second gunicorn of this many workers for the live polls (GET …/changes), as a proxy "
                             "routing them to a pool of their own would; 0: one pool for everything")
    parser.add_argument("--keep-alive", action=argparse.BooleanOptionalAction, default=None,
                        help="each person keeps their connections open between requests (default: on for "
                             "gthread, which holds idle ones without a thread; sync closes every one)")
    parser.add_argument("--history", type=int, default=20_000, help="finished work orders of the past year")
    parser.add_argument("--database", default="maintainpro_plant")
    parser.add_argument("--calibrate", type=int, default=30, help="requests of each kind timed one at a time")
    parser.add_argument("--keep-going", action="store_true", help="run every step even after one fails")
    parser.add_argument("--shift-start", action="store_true",
                        help="every technician starts at the beginning of a job (the first minute is all page "
                             "openings, as at a shift's start); default: each at a random step of a job")
    parser.add_argument("--live-since", action=argparse.BooleanOptionalAction, default=True,
                        help="the tablet sends X-Live-Since with each step and takes the answer's version, as the "
                             "page does (--no-live-since: each step's next poll re-renders, as before)")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.seconds = "250,1000", 40.0
    if args.workers is None:
        args.workers = 2 if args.worker_class == "gthread" else 4
    if args.keep_alive is None:
        args.keep_alive = args.worker_class == "gthread"
    steps = [int(s) for s in args.steps.split(",")]

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        raise SystemExit("bench/plant.py runs on PostgreSQL: set DATABASE_URL (its server; a database of its own is used)")
    import scale

    scale.ensure_database(base, args.database)
    url = make_url(base).set(database=args.database).render_as_string(hide_password=False)
    instance = common.scratch_instance("maintainpro-bench-plant-")
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    started = time.perf_counter()
    plant = prepare(url, max(steps), max(steps) // 10, args.history, args.shift_start)
    print(f"prepared {max(steps):,} technicians, {max(steps) // 10} managers, 5 integrations, {args.history:,} "
          f"finished work orders in {time.perf_counter() - started:.0f} s", flush=True)
    env = {**os.environ, "DATABASE_URL": url, "MAINTAINPRO_INSTANCE": str(instance), "LOG_FORMAT": "text"}
    port, poll_port, server, worker, redis = start_servers(env, args.workers, args.worker_class, args.threads,
                                                           args.poll_workers)
    rng = random.Random(3)
    techs = [Technician(p, plant["parts"], random.Random(n), args.live_since) for n, p in enumerate(plant["technicians"])]
    print(f"gunicorn -w {args.workers} -k {args.worker_class}"
          f"{f' --threads {args.threads}' if args.worker_class == 'gthread' else ''} (gunicorn.conf.py), "
          f"{f'the live polls on a gunicorn of their own (-w {args.poll_workers}), ' if args.poll_workers else ''}"
          f"{'keep-alive' if args.keep_alive else 'a connection per request'}, "
          f"{'X-Live-Since' if args.live_since else 'no X-Live-Since'}, one RQ worker, "
          f"PostgreSQL {args.database}, redis-server of its own; {psutil.cpu_count()} cores; phases of "
          f"{args.seconds:g} s", flush=True)
    best = 0
    try:
        def server_cpu() -> dict[int, float]:
            """CPU seconds so far of each server process (gunicorn, the RQ worker, PostgreSQL, Redis)."""
            found = groups(server, worker, redis, args.database)
            return {proc.pid: common.cpu_seconds([proc]) for k in ("gunicorn", "rq worker", "postgres", "redis")
                    for proc in found[k]}

        costs = asyncio.run(calibrate(port, plant, techs, args.calibrate, server_cpu, args.keep_alive, poll_port))
        per_tech, capacity = projected_capacity(costs, psutil.cpu_count() or 2)
        print(f"server CPU per request, one at a time ({args.calibrate} each; load average "
              f"{os.getloadavg()[0]:.1f}):")
        for label, ms in costs.items():
            print(f"    {label:<40} {ms:6.1f} ms")
        print(f"  one technician (polls, steps, a tenth of a manager) costs {per_tech:.2f} ms of CPU a second: "
              f"{psutil.cpu_count()} cores at 70 % serve about {capacity:,.0f} technicians (projection)", flush=True)
        for count in steps:
            recorder = Recorder()
            procs = groups(server, worker, redis, args.database)
            before = {proc.pid: common.cpu_seconds([proc]) for p in procs.values() for proc in p}
            machine_before = psutil.cpu_times()
            load_before = os.getloadavg()[0]
            wall = time.perf_counter()
            asyncio.run(run_phase(port, plant, count, args.seconds, techs, recorder, rng.randrange(1 << 30),
                                  args.keep_alive, poll_port))
            elapsed = time.perf_counter() - wall
            procs_after = groups(server, worker, redis, args.database)
            # Per process: a backend that started during the phase counts from zero; one that ended is
            # left out (a sum over the group would lose the whole group's share when PIDs change).
            used = {name: sum(max(0.0, common.cpu_seconds([proc]) - before.get(proc.pid, 0.0)) for proc in p)
                    for name, p in procs_after.items()}
            machine_after = psutil.cpu_times()
            busy = (sum(machine_after) - machine_after.idle - getattr(machine_after, "iowait", 0)) - \
                   (sum(machine_before) - machine_before.idle - getattr(machine_before, "iowait", 0))
            used["everything else"] = max(0.0, busy - sum(used.values()))
            portal, api = recorder.samples["portal"], recorder.samples["api"]
            ok = (percentile(portal, 0.95) < 300 and percentile(api, 0.95) < 300 and percentile(portal, 0.99) < 1000
                  and percentile(api, 0.99) < 1000 and not recorder.errors)
            best = count if ok else best
            print(f"\nT = {count:,} technicians, {max(1, count // 10)} managers, 5 integrations: "
                  f"{recorder.count / elapsed:.1f} requests/s over {elapsed:.0f} s; load average "
                  f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}  {'PASS' if ok else 'FAIL'}")
            for face, values in (("portal", portal), ("api", api)):
                print(f"  {face:<6} {len(values):6d} requests  p50 {percentile(values, 0.5):7.1f}  p95 "
                      f"{percentile(values, 0.95):7.1f}  p99 {percentile(values, 0.99):7.1f} ms")
            if recorder.lag:
                print(f"  the load generator's loop woke late by p50 {percentile(recorder.lag, 0.5):.1f}, p95 "
                      f"{percentile(recorder.lag, 0.95):.1f}, max {max(recorder.lag):.1f} ms")
            errors: dict[str, int] = {}
            for e in recorder.errors:
                errors[e] = errors.get(e, 0) + 1
            print(f"  errors: {sum(errors.values())} {dict(sorted(errors.items())) if errors else ''}")
            for label, values in sorted(recorder.by_label.items()):
                print(f"    {label:<26} {len(values):6d}  p50 {statistics.median(values):7.1f}  p95 "
                      f"{percentile(values, 0.95):7.1f}  p99 {percentile(values, 0.99):7.1f} ms")
            print("  CPU (cores busy): " + ", ".join(f"{name} {seconds / elapsed:.2f}" for name, seconds in used.items())
                  + f"; total {busy / elapsed:.2f} of {psutil.cpu_count()}", flush=True)
            server_s = sum(used[k] for k in ("gunicorn", "rq worker", "postgres", "redis"))
            print(f"  server CPU {server_s * 1000 / elapsed / count:.2f} ms a second per technician under load, "
                  f"managers and integrations included (calibration's projection {per_tech:.2f})", flush=True)
            if not ok and not args.keep_going:
                break
    finally:
        for proc in (*server, worker, redis):
            proc.terminate()
        for proc in (*server, worker, redis):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"\nlargest T within the targets (p95 < 300 ms, p99 < 1 s, no errors): {best:,}"
          + ("" if best >= 1000 else "  (target: 1,000)"))


if __name__ == "__main__":
    main()
