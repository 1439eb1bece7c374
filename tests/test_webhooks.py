"""Webhooks end to end: real HTTP to a receiver on 127.0.0.1, real RQ workers on the test Redis,
signatures checked by the contract's Node.js snippet."""
from __future__ import annotations

import hmac
import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import TEST_CONFIG, make_app
from receiver import Receiver
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import select, update

from portal.jobs import QUEUES
from portal.jobs.scheduler import AppWorker
from portal.models import DomainEvent, WebhookDelivery, WebhookEndpoint
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.js_json import stringify_bytes
from portal.platform.net_guard import BlockedTarget, http_session
from portal.platform.redis import get_redis
from portal.schemas.webhooks import WebhookCreate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.common import events as events_service
from portal.services.integrations import claims
from portal.services.integrations import delivery as delivery_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.work_orders import lifecycle as wo_service

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET = "north-plant-shared-secret-0123456789"


@pytest.fixture(autouse=True)
def _loopback_allowed(app):
    # Receivers run on 127.0.0.1; test_ssrf_* switch this back off to prove the guard.
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    app.config["WEBHOOK_RETRY_DELAYS"] = "0,0,0"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def run_worker() -> None:
    """A real RQ worker (forking a work horse per job) until the queues are empty."""
    db.session.rollback()  # no transaction of ours open across the fork
    AppWorker(QUEUES, connection=get_redis()).work(burst=True, with_scheduler=True, logging_level="WARNING")
    db.session.rollback()  # see what the work horses committed


def endpoint_for(users, warehouse: str, url: str, events=("*",), secret: str = SECRET) -> WebhookEndpoint:
    data = WebhookCreate.model_validate({"url": url, "events": list(events), "secret": secret})
    return webhook_service.create_webhook(users.actor(warehouse, "admin"), data)


def new_work_order(users, warehouse: str = "north", **fields):
    body = {"title": fields.pop("title", "Replace conveyor belt"), **fields}
    return wo_service.create_work_order(users.actor(warehouse, "manager"), WorkOrderCreate.model_validate(body))


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


# --- API ------------------------------------------------------------------------------------
def test_register_list_update_delete_with_secret_shown_once(client, auth, receiver):
    admin = auth("north", "admin")
    r = client.post("/api/webhooks", json={"url": receiver.url, "events": ["work_order.created", "inventory.low_stock"]},
                    headers=admin)
    assert r.status_code == 201, r.json
    created = r.json
    assert set(created) >= {"id", "url", "events", "active", "secret", "createdAt"}
    assert created["active"] is True and created["events"] == ["work_order.created", "inventory.low_stock"]
    assert len(created["secret"]) == 64 and int(created["secret"], 16) >= 0  # 32 random bytes, hex
    hook_id = created["id"]

    listed = client.get("/api/webhooks", headers=auth("north", "manager"))
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert listed.json[0]["secret"] == "****" + created["secret"][-4:]
    one = client.get(f"/api/webhooks/{hook_id}", headers=admin).json
    assert created["secret"] not in json.dumps(one)

    rotated = client.patch(f"/api/webhooks/{hook_id}", json={"rotateSecret": True, "events": ["*"]}, headers=admin)
    assert rotated.status_code == 200, rotated.json
    assert rotated.json["secret"] != created["secret"] and len(rotated.json["secret"]) == 64
    assert rotated.json["events"] == ["*"]
    plain = client.patch(f"/api/webhooks/{hook_id}", json={"active": False}, headers=admin)
    assert plain.json["active"] is False and plain.json["secret"].startswith("****")
    assert plain.json["disabledReason"] == "Deactivated by a user"

    assert client.delete(f"/api/webhooks/{hook_id}", headers=admin).status_code == 204
    assert client.get(f"/api/webhooks/{hook_id}", headers=admin).status_code == 404


def test_events_must_be_known_and_roles_are_enforced(client, auth, receiver):
    r = client.post("/api/webhooks", json={"url": receiver.url, "events": ["work_order.created", "wo.exploded"]},
                    headers=auth("north", "admin"))
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "events[1]", "message": "Unknown event type 'wo.exploded'"}]
    assert client.post("/api/webhooks", json={"url": receiver.url, "events": []},
                       headers=auth("north", "admin")).status_code == 400
    body = {"url": receiver.url, "events": ["*"]}
    assert client.post("/api/webhooks", json=body, headers=auth("north", "manager")).status_code == 403
    assert client.get("/api/webhooks", headers=auth("north", "technician")).status_code == 403
    hook = client.post("/api/webhooks", json=body, headers=auth("north", "admin")).json
    # Another warehouse's endpoint does not exist for you.
    assert client.get(f"/api/webhooks/{hook['id']}", headers=auth("south", "admin")).status_code == 404
    assert client.get(f"/api/webhooks/{hook['id']}/stats", headers=auth("south", "manager")).status_code == 404


def test_ssrf_guard_refuses_loopback_unless_allowed(app, client, auth, users, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    admin = auth("north", "admin")
    for url in (receiver.url, "http://localhost:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest",
                "http://[::1]:8080/", "ftp://example.com/x", "http://user:pw@example.com/"):
        r = client.post("/api/webhooks", json={"url": url, "events": ["*"]}, headers=admin)
        assert r.status_code == 400, url
        assert r.json["errors"][0]["field"] == "url"

    # Registered while allowed, delivered while not: refused again at delivery time.
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    endpoint_for(users, "north", receiver.url)
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    app.config["WEBHOOK_RETRY_DELAYS"] = ""
    new_work_order(users)
    run_worker()
    [d] = deliveries()
    assert d.state == "failed" and "Blocked target" in d.last_error
    assert receiver.requests == []


def test_a_host_without_dns_yet_is_accepted_at_registration_and_refused_at_delivery(app, client, auth, users):
    """The contract's own example URL: registering it must work even where DNS is not set up
    yet (it proves nothing private); delivery checks again and fails without sending."""
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    app.config["WEBHOOK_RETRY_DELAYS"] = ""
    url = "https://maintainpro-receiver.invalid/webhooks/maintainpro"
    r = client.post("/api/webhooks", json={"url": url, "events": ["work_order.created"]},
                    headers=auth("north", "admin"))
    assert r.status_code == 201, r.json
    new_work_order(users)
    run_worker()
    [d] = deliveries()
    assert d.state == "failed" and "does not resolve" in d.last_error


# --- delivery ---------------------------------------------------------------------------------
def test_delivery_is_signed_and_node_verifies_it(app, client, auth, users, receiver, tmp_path):
    endpoint_for(users, "north", receiver.url, events=["work_order.created"])
    r = client.post("/api/work-orders", json={"title": "Hydraulic leak", "priority": "high"},
                    headers=auth("north", "manager"))
    assert r.status_code == 201
    before = int(utcnow().timestamp())
    run_worker()
    [got] = receiver.wait_for(1)
    after = utcnow().timestamp()
    event = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "work_order.created")).one()
    [d] = deliveries()
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-MaintainPro-Event"] == "work_order.created"
    assert got.headers["X-MaintainPro-Delivery"] == d.id
    assert got.headers["User-Agent"].startswith("MaintainPro-Webhooks/")
    # The time of sending, in whole seconds: between the moments before and after (an order, not a speed).
    assert before <= int(got.headers["X-MaintainPro-Timestamp"]) <= after
    # Beyond the contract: the timestamp is signed too, so receivers can refuse replays.
    signed = got.headers["X-MaintainPro-Timestamp"].encode() + b"." + got.body
    assert got.headers["X-MaintainPro-Timestamp-Signature"] == hmac.new(SECRET.encode(), signed, "sha256").hexdigest()
    # The body is exactly the contract's payload structure for the event.
    assert got.body == stringify_bytes(events_service.envelope(event))
    body = json.loads(got.body)
    assert body["event"] == "work_order.created" and body["id"] == event.id
    assert body["data"]["entity"] == "work_order" and body["data"]["entityId"] == r.json["id"]
    assert body["data"]["warehouseId"] == users["north"]["manager"].warehouse_id
    assert body["data"]["payload"]["workOrder"]["foNumber"] == r.json["foNumber"]

    body_file = tmp_path / "body.json"
    body_file.write_bytes(got.body)
    signature = got.headers["X-MaintainPro-Signature"]
    ok = subprocess.run(["node", str(HERE / "verify_webhook.js"), str(body_file), signature, SECRET],
                        capture_output=True, text=True)
    assert (ok.returncode, ok.stdout.strip()) == (0, "valid"), ok.stderr
    body_file.write_bytes(got.body.replace(b"Hydraulic", b"Pneumatic"))
    tampered = subprocess.run(["node", str(HERE / "verify_webhook.js"), str(body_file), signature, SECRET],
                              capture_output=True, text=True)
    assert (tampered.returncode, tampered.stdout.strip()) == (1, "invalid")
    assert d.state == "delivered" and d.attempts == 1 and d.last_status_code == 200


def test_fails_twice_then_delivered_with_the_same_delivery_id(client, auth, users, receiver):
    receiver.script = [(500, {}), (503, {})]
    endpoint = endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    run_worker()
    got = receiver.wait_for(3)
    assert len(got) == 3
    ids = {g.headers["X-MaintainPro-Delivery"] for g in got}
    assert len(ids) == 1
    assert len({g.body for g in got}) == 1
    [d] = deliveries()
    assert (d.id, d.state, d.attempts, d.last_status_code, d.last_error) == (ids.pop(), "delivered", 3, 200, None)
    listed = client.get(f"/api/webhooks/{endpoint.id}/deliveries", headers=auth("north", "manager")).json
    assert listed[0]["attempts"] == 3 and listed[0]["state"] == "delivered" and listed[0]["lastStatusCode"] == 200


def test_retries_follow_the_schedule_then_fail(app, users, receiver):
    app.config["WEBHOOK_RETRY_DELAYS"] = "10,60"
    receiver.default_status = 500
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    [d] = deliveries()
    start = utcnow()
    first = delivery_service.attempt(d.id, now=start)
    assert first.state == "pending" and 8 <= first.retry_in <= 12  # 10 s +-20 % jitter
    assert delivery_service.attempt(d.id, now=start + timedelta(seconds=5)).sent is False  # not due yet
    second = delivery_service.attempt(d.id, now=start + timedelta(seconds=13))
    assert second.state == "pending" and 48 <= second.retry_in <= 72
    third = delivery_service.attempt(d.id, now=start + timedelta(seconds=100))
    assert third.state == "failed" and third.retry_in is None
    [d] = deliveries()
    assert d.attempts == 3 and d.next_attempt_at is None and d.last_error == "HTTP 500"
    assert len(receiver.requests) == 3


def test_retry_after_is_honoured_and_410_disables_the_endpoint(app, client, auth, users, receiver):
    receiver.script = [(429, {"Retry-After": "120"})]
    endpoint = endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    [d] = deliveries()
    start = utcnow()
    outcome = delivery_service.attempt(d.id, now=start)
    assert outcome.status_code == 429 and outcome.retry_in == 120
    [d] = deliveries()
    assert d.next_attempt_at >= start + timedelta(seconds=120)

    receiver.script = [(410, {})]
    gone = delivery_service.attempt(d.id, now=start + timedelta(seconds=121))
    assert gone.state == "failed"
    record = client.get(f"/api/webhooks/{endpoint.id}", headers=auth("north", "admin")).json
    assert record["active"] is False and "410" in record["disabledReason"] and record["disabledAt"]
    # No new deliveries for a deactivated endpoint.
    new_work_order(users, title="Second")
    assert len(deliveries()) == 1


def test_endpoint_failing_in_a_row_is_deactivated(app, client, auth, users, receiver):
    app.config.update(WEBHOOK_RETRY_DELAYS="", WEBHOOK_DISABLE_AFTER=2)
    receiver.default_status = 502
    endpoint = endpoint_for(users, "north", receiver.url)
    for title in ("One", "Two"):
        new_work_order(users, title=title)
    run_worker()
    record = client.get(f"/api/webhooks/{endpoint.id}", headers=auth("north", "admin")).json
    assert record["active"] is False and record["consecutiveFailures"] == 2
    assert record["disabledReason"] == "2 deliveries in a row failed"
    back = client.patch(f"/api/webhooks/{endpoint.id}", json={"active": True}, headers=auth("north", "admin")).json
    assert back["active"] is True and back["consecutiveFailures"] == 0 and back["disabledAt"] is None


def test_redirects_are_not_followed(app, users, receiver):
    app.config["WEBHOOK_RETRY_DELAYS"] = ""
    receiver.script = [(302, {"Location": "http://127.0.0.1:9/elsewhere"})]
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    run_worker()
    [d] = deliveries()
    assert d.state == "failed" and d.last_status_code == 302 and "redirects are not followed" in d.last_error
    assert len(receiver.requests) == 1


def test_double_enqueue_sends_once(users, receiver):
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    [d] = deliveries()
    assert delivery_service.enqueue([d.id]) == 1  # the after-commit hook queued it already
    run_worker()
    assert len(receiver.wait_for(1)) == 1
    assert [x.state for x in deliveries()] == ["delivered"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_down_at_commit_is_caught_up_by_the_sweeper(app, runner, users, receiver):
    endpoint_for(users, "north", receiver.url)
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    with down.app_context():
        wo = new_work_order(users, title="Created while Redis is down")
        wo_id = wo.id
        db.session.remove()
    # Committed: the work order and its delivery exist, nothing is queued.
    [d] = deliveries()
    assert d.state == "pending" and Queue("webhooks", connection=get_redis()).count == 0
    run_worker()
    assert receiver.requests == []

    result = runner.invoke(args=["jobs", "run", "outbox-sweep"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["result"] == {"due": 1, "enqueued": 1}
    run_worker()
    [got] = receiver.wait_for(1)
    assert json.loads(got.body)["data"]["entityId"] == wo_id
    again = runner.invoke(args=["jobs", "run", "outbox-sweep"])
    assert json.loads(again.output)["result"] == {"due": 0, "enqueued": 0}
    run_worker()
    assert len(receiver.requests) == 1


def test_sweeper_leaves_queued_deliveries_alone(users, receiver):
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    assert delivery_service.sweep() == {"due": 1, "enqueued": 0}  # already on the queue


def test_a_retry_stranded_in_rqs_schedule_is_queued_by_the_sweep(app, users, receiver):
    # The worker holding RQ's scheduler lock died: the lock lives on for 61 s and the other workers
    # try to take it only every 2 minutes, so nothing moves a scheduled retry to the queue.
    app.config["WEBHOOK_RETRY_DELAYS"] = "1"
    receiver.script = [(500, {}), (200, {})]
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    run_worker()
    [d] = deliveries()
    assert (d.state, d.attempts) == ("pending", 1)
    job = Job.fetch(d.id, connection=get_redis())
    assert job.get_status() == JobStatus.SCHEDULED
    get_redis().set("rq:scheduler-lock:webhooks", "4194305", ex=60)  # held by a dead worker
    # Just due: the scheduler's business, left alone.
    assert delivery_service.sweep(now=d.next_attempt_at + timedelta(seconds=1)) == {"due": 1, "enqueued": 0}
    # Long overdue and still scheduled: taken off RQ's schedule and queued, once.
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == d.id)
                       .values(next_attempt_at=utcnow() - timedelta(seconds=30)))
    db.session.commit()
    assert delivery_service.sweep() == {"due": 1, "enqueued": 1, "stranded": 1}
    assert delivery_service.sweep() == {"due": 1, "enqueued": 0}  # now on the queue
    run_worker()
    assert len(receiver.wait_for(2)) == 2
    assert [(x.state, x.attempts) for x in deliveries()] == [("delivered", 2)]


def test_each_warehouse_receives_only_its_own_events(users):
    with Receiver() as north, Receiver() as south:
        endpoint_for(users, "north", north.url)
        endpoint_for(users, "south", south.url)
        new_work_order(users, "north", title="North pump")
        new_work_order(users, "south", title="South pump")
        new_work_order(users, "south", title="South fan")
        run_worker()
        north_got, south_got = north.wait_for(1), south.wait_for(2)
        assert len(north_got) == 1 and len(south_got) == 2
        north_wh = users["north"]["admin"].warehouse_id
        south_wh = users["south"]["admin"].warehouse_id
        assert {json.loads(g.body)["data"]["warehouseId"] for g in north_got} == {north_wh}
        assert {json.loads(g.body)["data"]["warehouseId"] for g in south_got} == {south_wh}


def test_stats_match_the_deliveries(app, client, auth, users, receiver):
    app.config["WEBHOOK_RETRY_DELAYS"] = ""
    endpoint = endpoint_for(users, "north", receiver.url)
    empty = client.get(f"/api/webhooks/{endpoint.id}/stats", headers=auth("north", "manager")).json
    assert empty == {"total": 0, "delivered": 0, "failed": 0, "pending": 0, "successRate": 0.0}
    receiver.script = [(200, {}), (500, {}), (200, {})]
    for title in ("A", "B", "C"):
        new_work_order(users, title=title)
    run_worker()
    # One more, left pending: its enqueue fails (Redis unreachable in this app) and no sweep runs.
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    with down.app_context():
        new_work_order(users, title="D")
        db.session.remove()
    stats = client.get(f"/api/webhooks/{endpoint.id}/stats", headers=auth("north", "manager")).json
    states = [d.state for d in deliveries()]
    assert stats == {"total": 4, "delivered": states.count("delivered"), "failed": states.count("failed"),
                     "pending": 1, "successRate": round(states.count("delivered") * 100 / 3, 2)}
    assert stats["delivered"] == 2 and stats["failed"] == 1 and stats["successRate"] == 66.67
    listed = client.get(f"/api/webhooks/{endpoint.id}/deliveries?state=failed", headers=auth("north", "admin"))
    assert listed.headers["X-Total-Count"] == "1" and listed.json[0]["lastError"] == "HTTP 500"


def test_test_ping_reports_the_outcome(client, auth, users, receiver):
    endpoint = endpoint_for(users, "north", receiver.url)
    r = client.post(f"/api/webhooks/{endpoint.id}/test", headers=auth("north", "admin"))
    assert r.status_code == 200, r.json
    assert r.json["success"] is True and r.json["statusCode"] == 200 and r.json["durationMs"] >= 0
    [got] = receiver.wait_for(1)
    assert got.headers["X-MaintainPro-Event"] == "webhook.test"
    assert got.headers["X-MaintainPro-Delivery"] == r.json["deliveryId"]
    receiver.script = [(500, {})]
    failed = client.post(f"/api/webhooks/{endpoint.id}/test", headers=auth("north", "admin")).json
    assert failed["success"] is False and failed["statusCode"] == 500 and failed["error"] == "HTTP 500"
    assert client.post(f"/api/webhooks/{endpoint.id}/test", headers=auth("north", "manager")).status_code == 403


def test_redeliver_sends_the_same_event_under_a_new_delivery_id(app, client, auth, users, receiver):
    app.config["WEBHOOK_RETRY_DELAYS"] = ""
    receiver.script = [(500, {})]
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    run_worker()
    [failed] = deliveries()
    assert failed.state == "failed"
    r = client.post(f"/api/webhooks/deliveries/{failed.id}/redeliver", headers=auth("north", "admin"))
    assert r.status_code == 201, r.json
    assert r.json["redeliveryOf"] == failed.id and r.json["id"] != failed.id and r.json["state"] == "pending"
    run_worker()
    first, second = receiver.wait_for(2)
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]  # same event id
    assert second.headers["X-MaintainPro-Delivery"] == r.json["id"]
    again = client.post(f"/api/webhooks/deliveries/{r.json['id']}/redeliver", headers=auth("south", "admin"))
    assert again.status_code == 404


def test_worker_script_delivers(app, users, receiver):
    """worker.py itself (the process `make run` starts), in burst mode, on this test's DB and Redis."""
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    db.session.rollback()
    env = dict(os.environ, WEBHOOK_ALLOW_PRIVATE_TARGETS="1", PYTHONPATH=str(ROOT),
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=TEST_CONFIG.get("REDIS_URL") or "unix://" + get_redis().connection_pool.connection_kwargs["path"])
    done = subprocess.run([sys.executable, str(ROOT / "worker.py"), "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(receiver.wait_for(1)) == 1
    assert [d.state for d in deliveries()] == ["delivered"]


def test_a_delivery_being_sent_elsewhere_is_not_sent_again(users, receiver):
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    [d] = deliveries()
    assert claims.claim(d.id, utcnow()) is not None  # another worker holds the lease
    assert delivery_service.attempt(d.id).sent is False
    # Once the lease has run out (that worker died), the delivery is free again.
    retry = delivery_service.attempt(d.id, now=utcnow() + claims.LEASE + timedelta(seconds=1))
    assert retry.state == "delivered" and len(receiver.requests) == 1


def test_pending_delivery_of_a_deactivated_endpoint_fails_without_sending(client, auth, users, receiver):
    endpoint = endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    client.patch(f"/api/webhooks/{endpoint.id}", json={"active": False}, headers=auth("north", "admin"))
    run_worker()
    [d] = deliveries()
    assert (d.state, d.last_error) == ("failed", "The endpoint is deactivated")
    assert receiver.requests == []


def test_a_later_retry_waits_in_rq_scheduler_under_the_same_job_id(app, users, receiver):
    app.config["WEBHOOK_RETRY_DELAYS"] = "1"
    receiver.script = [(500, {})]
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    run_worker()
    [d] = deliveries()
    queue = Queue("webhooks", connection=get_redis())
    assert queue.scheduled_job_registry.get_job_ids() == [d.id]
    assert d.state == "pending" and d.attempts == 1
    # The sweeper leaves it to RQ's scheduler, even once it is due (overdue is another matter: the stranded retry test).
    assert delivery_service.sweep(now=d.next_attempt_at + timedelta(seconds=1)) == {"due": 1, "enqueued": 0}
    # Wait until both RQ's scheduled registry (whole seconds) and the row say the retry is due (1 s
    # +-20 %): a worker started then moves it to the queue and delivers it.
    due = max(queue.scheduled_job_registry.get_scheduled_time(d.id).timestamp(), d.next_attempt_at.timestamp())
    time.sleep(max(0.0, due - time.time()) + 0.05)
    run_worker()  # a worker with the scheduler moves due jobs to the queue first
    first, second = receiver.wait_for(2)
    assert first.headers["X-MaintainPro-Delivery"] == second.headers["X-MaintainPro-Delivery"] == d.id
    assert [x.state for x in deliveries()] == ["delivered"]


def test_the_connection_itself_refuses_a_private_peer(receiver):
    """Against DNS rebinding: even past the URL check, the socket's actual peer is checked."""
    with pytest.raises(BlockedTarget, match="127.0.0.1"):
        http_session(allow_private=False).post(receiver.url, data=b"{}", timeout=5)
    assert receiver.requests == []
    assert http_session(allow_private=True).post(receiver.url, data=b"{}", timeout=5).status_code == 200


def test_attempts_whose_worker_died_count_and_the_delivery_ends_failed(app, users, receiver):
    """A worker killed mid-POST leaves its lease behind without an outcome. The next claim counts
    that attempt, so a delivery that kills its worker every time cannot loop forever."""
    app.config["WEBHOOK_RETRY_DELAYS"] = "10"  # two attempts in all
    endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    [d] = deliveries()
    t0 = utcnow()

    assert claims.claim(d.id, t0) is not None  # this worker "dies" here
    assert delivery_service.attempt(d.id, now=t0 + timedelta(seconds=30)).sent is False  # lease still held
    again = claims.claim(d.id, t0 + timedelta(minutes=2))  # dies again
    assert again is not None and again.unfinished_before and again.attempts == 1
    last = delivery_service.attempt(d.id, now=t0 + timedelta(minutes=4))
    assert last.state == "failed" and last.error == delivery_service.UNFINISHED_ATTEMPT
    [d] = deliveries()
    assert d.state == "failed" and d.attempts == 2 and d.claimed_until is None
    assert receiver.requests == []
