"""Idempotency-Key on both faces: a repeated write answers the first answer and changes nothing."""
from __future__ import annotations

import threading
from datetime import timedelta

import factories
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.models import IdempotencyKey, PartConsumption, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.http import idempotency


def count(model) -> int:
    db.session.rollback()  # a fresh snapshot: the requests committed on other connections
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_repeated_create_answers_the_first_answer_and_creates_once(client, auth):
    h = {**auth("north", "manager"), "Idempotency-Key": "erp-order-4711"}
    first = client.post("/api/work-orders", json={"title": "Pump leak"}, headers=h)
    again = client.post("/api/work-orders", json={"title": "Pump leak"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert count(WorkOrder) == 1


def test_the_same_key_with_another_body_is_refused(client, auth):
    h = {**auth("north", "manager"), "Idempotency-Key": "k-1"}
    client.post("/api/work-orders", json={"title": "Pump leak"}, headers=h)
    r = client.post("/api/work-orders", json={"title": "Another leak"}, headers=h)
    assert r.status_code == 422
    assert r.json["errors"] == [{"field": "Idempotency-Key", "message": r.json["message"]}]
    assert count(WorkOrder) == 1


def test_keys_belong_to_their_caller(client, auth):
    body = {"title": "Pump leak"}
    a = client.post("/api/work-orders", json=body, headers={**auth("north", "manager"), "Idempotency-Key": "same"})
    b = client.post("/api/work-orders", json=body, headers={**auth("north", "admin"), "Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 201 and a.json["id"] != b.json["id"]


def test_refusals_are_kept_and_failures_that_did_nothing_are_not(client, auth):
    h = {**auth("north", "manager"), "Idempotency-Key": "bad-one"}
    r1 = client.post("/api/work-orders", json={"title": ""}, headers=h)
    r2 = client.post("/api/work-orders", json={"title": ""}, headers=h)
    assert r1.status_code == r2.status_code == 400 and r2.headers["Idempotency-Replayed"] == "true"


def test_a_key_that_is_not_printable_ascii_is_a_400(client, auth):
    for key in ("", "x" * 256, "naïve"):
        r = client.post("/api/work-orders", json={"title": "Leak"},
                        headers={**auth("north", "manager"), "Idempotency-Key": key.encode().decode("latin-1")})
        assert r.status_code == 400 and r.json["errors"][0]["field"] == "Idempotency-Key", key


def test_parallel_repeats_consume_once(app, client, auth, users):
    """Copies of one consumption at the same moment: one runs, the others wait for its answer (or,
    past the wait, a 409 saying the first is still running); stock moves once."""
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager)
    bearing = factories.part(manager, stockLevel=10)
    h = {**auth("north", "manager"), "Idempotency-Key": "consume-1"}
    body = {"workOrderId": wo.id, "partsUsage": [{"partId": bearing.id, "quantityUsed": 3}]}
    answers = []
    barrier = threading.Barrier(4)

    def send() -> None:
        # A plain client (the portal tests' client class reads `g`, which this thread has not).
        with FlaskClient(app, app.response_class) as c:
            barrier.wait(timeout=30)
            answers.append(c.post("/api/parts/consume", json=body, headers=h))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    for r in answers:
        if r.status_code == 409:
            assert r.json["errors"][0]["field"] == "Idempotency-Key"
    created = {r.json["consumptions"][0]["id"] for r in answers if r.status_code == 201}
    assert len(created) == 1
    assert count(PartConsumption) == 1
    assert db.session.get(type(bearing), bearing.id).stock_level == 7


def test_kept_answers_expire_and_are_purged(app, client, auth):
    h = {**auth("north", "manager"), "Idempotency-Key": "old"}
    client.post("/api/work-orders", json={"title": "Leak"}, headers=h)
    assert idempotency.purge(utcnow()) == 0
    assert idempotency.purge(utcnow() + timedelta(days=app.config["IDEMPOTENCY_KEEP_DAYS"], seconds=1)) == 1
    assert count(IdempotencyKey) == 0
    again = client.post("/api/work-orders", json={"title": "Leak"}, headers=h)  # a new request now
    assert again.status_code == 201 and "Idempotency-Replayed" not in again.headers
    assert count(WorkOrder) == 2


def test_login_ignores_the_header(client, users):
    from conftest import PASSWORD

    tech = users["north"]["technician"]
    body = {"email": tech.email, "password": PASSWORD, "mfaToken": factories.totp_code(tech, utcnow())}
    r = client.post("/api/auth/login", json=body, headers={"Idempotency-Key": "login"})
    assert r.status_code == 200 and count(IdempotencyKey) == 0


def test_the_purge_job_runs_from_the_cli(app, client, auth, runner):
    client.post("/api/work-orders", json={"title": "Leak"}, headers={**auth("north", "manager"), "Idempotency-Key": "a"})
    later = (utcnow() + timedelta(days=app.config["IDEMPOTENCY_KEEP_DAYS"] + 1)).isoformat()
    result = runner.invoke(args=["jobs", "run", "idempotency-purge", "--now", later])
    assert result.exit_code == 0, result.output
    assert count(IdempotencyKey) == 0
