"""Faults and load (issue 10): parallel writers on PostgreSQL, Redis stopped and back, the database
unreachable, a gunicorn worker killed inside a transaction. Real servers on 127.0.0.1 only; every
wait is bounded and waits for a condition, never for time.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import factories
import psutil
import pytest
import redis as redis_lib
from conftest import USING_POSTGRES, make_app, token_for
from receiver import Receiver
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import func, select, text

from portal.jobs import QUEUES
from portal.jobs.scheduler import AppSimpleWorker
from portal.models import Part, PartConsumption, StockMovement, WebhookDelivery, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import redis_server_binary
from portal.schemas.webhooks import WebhookCreate
from portal.services.integrations import delivery
from portal.services.integrations import webhooks as webhook_service

ROOT = Path(__file__).resolve().parent.parent
postgres_only = pytest.mark.skipif(not USING_POSTGRES, reason="row locks and parallel writers need PostgreSQL "
                                   "(SQLite serialises every writer; CI's second run covers this)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(condition, what: str, timeout: float = 30.0, detail=lambda: "") -> None:  # noqa: B008
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} {detail()}")
        time.sleep(0.02)  # polling a condition, not timing anything


# --- Parallel writers (PostgreSQL) ---------------------------------------------------------------

@postgres_only
def test_fifty_parallel_consumptions_of_ten_in_stock(app, users, auth):
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    belt = factories.part(manager, stockLevel=10, reorderPoint=0)
    headers = [auth("north", "manager") for _ in range(50)]
    body = {"workOrderId": job.id, "partsUsage": [{"partId": belt.id, "quantityUsed": 1}]}
    results = factories.run_together(app, 50, lambda i: app.test_client().post(
        "/api/parts/consume", json=body, headers=headers[i]).status_code)
    assert Counter(value for _, value in results) == {201: 10, 409: 40}, results
    db.session.rollback()
    assert db.session.get(Part, belt.id).stock_level == 0
    assert db.session.scalar(select(func.sum(StockMovement.quantity)).where(StockMovement.part_id == belt.id)) == 0


@postgres_only
def test_fifty_parallel_creations_get_fifty_gap_free_numbers(app, users, auth):
    headers = [auth("north", "technician") for _ in range(50)]
    results = factories.run_together(app, 50, lambda i: app.test_client().post(
        "/api/work-orders", json={"title": f"Leak {i}"}, headers=headers[i]).get_json()["foNumber"])
    assert all(kind == "ok" for kind, _ in results), results
    year = utcnow().year
    assert sorted(v for _, v in results) == [f"WO-{year}-{n:03d}" for n in range(1, 51)]


@postgres_only
def test_parallel_movements_and_consumptions_keep_the_ledger_equal_to_the_level(app, users, auth):
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    grease = factories.part(manager, stockLevel=20, reorderPoint=0)
    headers = [auth("north", "manager") for _ in range(40)]

    def work(i: int) -> int:
        client = app.test_client()
        if i % 4 == 0:
            return client.post(f"/api/parts/{grease.id}/stock-movements", headers=headers[i],
                               json={"type": "receipt", "quantity": 3}).status_code
        if i % 4 == 1:
            return client.post(f"/api/parts/{grease.id}/stock-movements", headers=headers[i],
                               json={"type": "adjustment", "quantity": -2}).status_code
        return client.post("/api/parts/consume", headers=headers[i], json={
            "workOrderId": job.id, "partsUsage": [{"partId": grease.id, "quantityUsed": 2}]}).status_code

    results = factories.run_together(app, 40, work)
    assert {v for _, v in results} <= {201, 409}, results
    db.session.rollback()
    level = db.session.get(Part, grease.id).stock_level
    ledger = db.session.scalar(select(func.sum(StockMovement.quantity)).where(StockMovement.part_id == grease.id))
    assert level == ledger >= 0
    consumed = db.session.scalar(select(func.sum(PartConsumption.quantity)).where(PartConsumption.part_id == grease.id))
    assert consumed == 2 * Counter(v for i, (_, v) in enumerate(results) if i % 4 >= 2)[201]


# --- Redis stopped while the API is used -----------------------------------------------------------

def _redis_server(port: int, workdir: str) -> subprocess.Popen:
    proc = subprocess.Popen([redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis_lib.Redis(port=port)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis_lib.ConnectionError:
            return False

    _until(up, "redis-server to start")
    return proc


def test_redis_stopped_then_back_events_are_delivered(app, users):
    port, workdir = _free_port(), tempfile.mkdtemp(prefix="mp-redis-")
    server = _redis_server(port, workdir)
    try:
        own = make_app(REDIS_URL=f"redis://127.0.0.1:{port}/0", WEBHOOK_ALLOW_PRIVATE_TARGETS=True)
        token = token_for(users["north"]["manager"])
        h = {"Authorization": f"Bearer {token}"}
        with Receiver() as receiver, own.app_context():
            webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
                {"url": receiver.url, "events": ["work_order.created"], "secret": "s" * 24}))
            client = own.test_client()
            # No retries: redis-py would retry the connection error a successful SHUTDOWN causes (~7 s).
            redis_lib.Redis(port=port, retry=Retry(NoBackoff(), 0)).shutdown(nosave=True)
            server.wait(timeout=10)

            created = client.post("/api/work-orders", headers=h, json={"title": "Redis is down"})
            assert created.status_code == 201, created.get_json()
            wo_id = created.get_json()["id"]
            assert client.get(f"/api/work-orders/{wo_id}", headers=h).status_code == 200
            assert client.get("/api/work-orders", headers=h).status_code == 200
            db.session.remove()
            assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                     .where(WebhookDelivery.state == "pending")) == 1

            server = _redis_server(port, workdir)  # back, empty: the queue lost nothing it ever had
            assert delivery.sweep()["enqueued"] == 1  # the outbox sweep (every 30 s in production)
            db.session.remove()
            # The project's worker: it ends RQ's command channel at once (plain SimpleWorker waits for its
            # pubsub thread, up to a minute).
            AppSimpleWorker(QUEUES, connection=redis_lib.Redis(port=port)).work(burst=True, logging_level="WARNING")
            bodies = [json.loads(r.body) for r in receiver.wait_for(1, timeout=10)]
            assert [b["data"]["entityId"] for b in bodies] == [wo_id]
            db.session.remove()
    finally:
        server.kill()
        server.wait()


# --- The database unavailable --------------------------------------------------------------------

def test_database_unreachable_answers_503_in_the_error_format(app, users):
    token = token_for(users["north"]["manager"])
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{_free_port()}/none",
                      SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}})
    client = broken.test_client()
    h = {"Authorization": f"Bearer {token}"}
    for method, url, body in (("get", "/api/work-orders", None), ("post", "/api/work-orders", {"title": "x"})):
        r = getattr(client, method)(url, headers=h, json=body)
        assert r.status_code == 503, r.get_data(as_text=True)
        payload = r.get_json()
        assert payload["message"] and payload["errors"][0]["field"] == "database"
        assert r.headers["Retry-After"] == "5"
        assert "Traceback" not in r.get_data(as_text=True) and "127.0.0.1" not in r.get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["database"] == "unreachable"


# --- A gunicorn worker killed inside a transaction ----------------------------------------------------

@postgres_only
def test_worker_killed_mid_transaction_writes_nothing(app, users, auth):
    """A consumption of two parts updates the first, then waits for the second's row lock (held
    here); its gunicorn worker is SIGKILLed there. PostgreSQL rolls the transaction back: no stock
    change, no consumption, no ledger row. The respawned worker then serves the same request."""
    manager = users.actor("north", "manager")
    job = factories.work_order(manager)
    first, second = sorted([factories.part(manager, stockLevel=5), factories.part(manager, stockLevel=5)],
                           key=lambda p: p.id)  # locked in id order by the service
    first_id, second_id, job_id = first.id, second.id, job.id
    h = auth("north", "manager")
    db.session.commit()
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=app.config.get("REDIS_URL") or os.environ.get("REDIS_URL", ""),
               SECRET_KEY=app.config["SECRET_KEY"], RATELIMIT_ENABLED="0", PYTHONPATH=str(ROOT))
    log = open(Path(tempfile.mkdtemp()) / "gunicorn.log", "wb")  # noqa: SIM115
    web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
                            "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    body = json.dumps({"workOrderId": job_id, "partsUsage": [{"partId": first_id, "quantityUsed": 2},
                                                              {"partId": second_id, "quantityUsed": 2}]}).encode()

    def post(timeout: float):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/parts/consume", data=body, method="POST",
                                     headers={**h, "Content-Type": "application/json"})
        return urllib.request.urlopen(req, timeout=timeout)

    def serving() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    locker = db.engine.connect()
    try:
        _until(serving, "gunicorn to serve")
        tx = locker.begin()
        locker.execute(text("SELECT id FROM parts WHERE id = :id FOR UPDATE"), {"id": second_id})
        outcome: list = []
        thread = threading.Thread(target=lambda: outcome.append(_try(post, 60)), daemon=True)
        thread.start()

        def waiting_on_lock() -> bool:
            # A connection of its own: pg_stat_activity is a snapshot fixed for a transaction's life.
            with db.engine.connect() as probe:
                return bool(probe.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")).scalar())

        _until(waiting_on_lock, "the request to wait on the second part's row lock",
               detail=lambda: f"(request answered: {outcome})")
        workers = psutil.Process(web.pid).children()
        assert len(workers) == 1
        os.kill(workers[0].pid, signal.SIGKILL)
        thread.join(timeout=30)
        assert outcome and outcome[0] != 201  # the client saw the connection drop, not a success
        tx.rollback()

        db.session.remove()
        assert db.session.get(Part, first_id).stock_level == 5
        assert db.session.get(Part, second_id).stock_level == 5
        assert db.session.scalar(select(func.count()).select_from(PartConsumption)) == 0
        assert db.session.scalar(select(func.count()).select_from(StockMovement)
                                 .where(StockMovement.kind == "consumption")) == 0

        _until(serving, "gunicorn to respawn its worker")
        assert _try(post, 30) == 201
        db.session.remove()
        assert db.session.get(Part, first_id).stock_level == 3
        assert db.session.get(WorkOrder, job_id) is not None
    finally:
        locker.close()
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=30)
        log.close()


def _try(post, timeout: float):
    try:
        with post(timeout) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return type(exc).__name__


# --- An unreadable SQLite database file --------------------------------------------------------------

@pytest.mark.parametrize("damage", ["directory", "not_a_database"])
def test_unreadable_sqlite_file_answers_503_and_readyz_says_so(app, users, damage, tmp_path):
    """Tests run as root, so chmod does not stop reads: the database path is a directory, or a
    file of garbage. Every API request answers 503 in the error format; /readyz says why."""
    token = token_for(users["north"]["manager"])
    path = tmp_path / "maintainpro.db"
    if damage == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"this is not an SQLite database, just bytes " * 200)
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    client = broken.test_client()
    h = {"Authorization": f"Bearer {token}"}
    for method, url, body in (("get", "/api/work-orders", None), ("post", "/api/work-orders", {"title": "x"}),
                              ("get", "/api/parts", None)):
        r = getattr(client, method)(url, headers=h, json=body)
        assert r.status_code == 503, (url, r.get_data(as_text=True))
        payload = r.get_json()
        assert set(payload) == {"message", "errors"} and payload["errors"][0]["field"] == "database"
        text_ = r.get_data(as_text=True)
        assert "Traceback" not in text_ and str(tmp_path) not in text_
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"] == "unreachable"
    assert ready.get_json()["checks"]["redis"] == "ok"
    assert client.get("/healthz").status_code == 200  # the process itself is up
