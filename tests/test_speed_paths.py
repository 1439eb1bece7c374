"""What the speed work (bench/README.md) relies on, checked by counting queries, never by timing."""
from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
import redis
from conftest import USING_POSTGRES, make_app
from factories import work_order
from sqlalchemy import event

from portal.platform.extensions import db, jwt, limiter
from portal.platform.ratelimits import OneTripRedisStorage
from portal.platform.redis import get_redis, redis_url_for


@contextmanager
def statements(engine=None):
    """The SQL statements run meanwhile (SQLAlchemy's before_cursor_execute event), on `engine`
    or the current app's."""
    engine = engine or db.engine
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_token_check_is_one_query(app, client, users, auth):
    wo_id = work_order(users.actor("north", "manager")).id
    h = auth("north", "manager")
    db.session.remove()  # as in a real request: nothing loaded yet
    with statements() as seen:
        r = client.get(f"/api/work-orders/{wo_id}", headers=h)
    assert r.status_code == 200
    auth_queries = [s for s in seen if "auth_sessions" in s or "FROM users" in s]
    assert len(auth_queries) == 1, auth_queries  # session and user together


def test_revoked_session_refused_at_once(app, client, users, auth):
    h = auth("north", "manager")
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert client.post("/api/auth/logout", headers=h).status_code in (200, 204)
    r = client.get("/api/work-orders", headers=h)
    assert r.status_code == 401
    assert r.get_json()["message"] == "Session has been revoked"


def test_deactivated_user_refused_at_once(app, client, users, auth):
    h = auth("north", "technician")
    assert client.get("/api/work-orders", headers=h).status_code == 200
    users["north"]["technician"].active = False
    db.session.commit()
    r = client.get("/api/work-orders", headers=h)
    assert r.status_code == 401
    assert r.get_json()["message"] == "User no longer exists or is disabled"


class CountingPool(redis.ConnectionPool):
    """A connection pool counting the commands sent through it: each takes a connection (a pipeline
    once for all its commands). Handed to a client through its public connection_pool option."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.taken = 0

    def get_connection(self, *args, **kwargs):
        self.taken += 1
        return super().get_connection(*args, **kwargs)


@contextmanager
def commands_sent(client: redis.Redis):
    """The commands clients send the Redis server meanwhile, by name (its MONITOR feed), without
    those its Lua scripts run and without a new connection's handshake (redis-py 8 opens each with
    HELLO and CLIENT SETINFO; MONITOR holds one of the pool's connections, so the pool may open one
    more meanwhile): a request's round trips, not the pool's."""
    sent: list[str] = []
    end = "end-of-commands-sent"
    with client.monitor() as monitor:
        yield sent
        client.echo(end)
        while (command := monitor.next_command())["command"] != f"ECHO {end}":
            if command["client_type"] != "lua" and command["command"].split()[0] not in ("HELLO", "CLIENT"):
                sent.append(command["command"].split()[0])


def test_rate_limit_costs_one_redis_round_trip_per_request(app, users, auth):
    """Flask-Limiter's hit and the X-RateLimit-* headers of a request come from one Lua call
    (ratelimits.OneTripRedisStorage), and the headers still count down exactly."""
    pool = CountingPool.from_url(redis_url_for(app))
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="4/hour", RATELIMIT_STORAGE_OPTIONS={"connection_pool": pool})
    h = auth("north", "manager")
    with limited.app_context():
        assert isinstance(limiter.storage, OneTripRedisStorage)
        client = limited.test_client()
        assert client.get("/api/work-orders", headers=h).status_code == 200  # loads the Lua script once
        before = pool.taken
        started = int(time.time())
        seen = []
        for _ in range(3):
            r = client.get("/api/work-orders", headers=h)
            assert r.status_code == 200
            seen.append(r.headers["X-RateLimit-Remaining"])
            assert r.headers["X-RateLimit-Limit"] == "4"
            assert started + 3590 <= int(r.headers["X-RateLimit-Reset"]) <= int(time.time()) + 3601
        assert seen == ["2", "1", "0"]
        assert pool.taken - before == 3  # was EVALSHA, TTL and GET per request
        r = client.get("/api/work-orders", headers=h)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        assert r.get_json()["message"]
    pool.disconnect()


def test_an_api_request_costs_two_redis_round_trips_and_counts_at_once(app, users, auth):
    """The limiter's one Lua call and the request figures' one (platform/telemetry/metrics.py),
    counted by the Redis server itself; the figures count at once."""
    from portal.services.reporting.performance import summary

    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="1000/hour")
    h = auth("north", "manager")
    client = limited.test_client()
    assert client.get("/api/auth/me", headers=h).status_code == 200  # connections opened, scripts loaded
    with commands_sent(get_redis(limited)) as sent:
        for _ in range(3):
            assert client.get("/api/auth/me", headers=h).status_code == 200
    assert sent == ["EVALSHA"] * 6
    with limited.test_request_context():
        figures = summary(users.actor("north", "admin"))
    assert figures["requestCount"] == 4 and figures["metricsStore"] == "ok"


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL only: SQLite reads keep their transaction")
def test_api_reads_run_without_begin_and_rollback_writes_keep_their_transaction(app, users, auth):
    from psycopg.pq import TransactionStatus

    wo_id = work_order(users.actor("north", "manager")).id
    h = auth("north", "manager")
    db.session.remove()
    states: list[TransactionStatus] = []
    ends: list[str] = []

    def after(_conn, cursor, *_args) -> None:  # psycopg's own view: was a transaction open?
        states.append(cursor.connection.info.transaction_status)

    def ended(name: str):
        return lambda *_args: ends.append(name)

    listeners = [("after_cursor_execute", after), ("commit", ended("COMMIT")), ("rollback", ended("ROLLBACK"))]
    for name, fn in listeners:
        event.listen(db.engine, name, fn)
    try:
        client = app.test_client()
        with statements() as seen:
            assert client.get(f"/api/work-orders/{wo_id}", headers=h).status_code == 200
            assert client.get("/api/work-orders?status=new", headers=h).status_code == 200
        # token, then the order with its parts and history; token, then the page with its total
        assert len(seen) == 2 + 2 and set(states) == {TransactionStatus.IDLE}  # no BEGIN sent
        states.clear()
        ends.clear()
        r = client.post("/api/work-orders", json={"title": "Still one transaction"}, headers=h)
        assert r.status_code == 201
    finally:
        for name, fn in listeners:
            event.remove(db.engine, name, fn)
    # The work order, its number and its event in one transaction (the token check before it ran
    # in its own, rolled back by unit_of_work).
    assert set(states) == {TransactionStatus.INTRANS} and ends.count("COMMIT") == 1


def test_pooled_connections_are_pinged_only_after_idling(app, users, auth, monkeypatch):
    from portal.platform import database

    pinging = make_app(DB_PING_IDLE_SECONDS=0.3)
    h = auth("north", "manager")
    pings: list[int] = []
    real = database.ping_connection
    dead = [False]

    def ping(engine, dbapi_connection):
        pings.append(1)
        if dead[0]:
            dead[0] = False
            raise OSError("server closed the connection")
        return real(engine, dbapi_connection)

    monkeypatch.setattr(database, "ping_connection", ping)  # our own function
    client = pinging.test_client()  # each request in its own app context: the session ends with it
    for _ in range(3):  # back to back: the pooled connection was just used
        assert client.get("/api/work-orders", headers=h).status_code == 200
    assert pings == []
    time.sleep(0.35)  # idle long enough to be doubted (a threshold, not a measurement)
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert pings == [1]
    time.sleep(0.35)
    dead[0] = True  # found dead: dropped, and the request gets another connection
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert len(pings) == 2 and not dead[0]
    with pinging.app_context():
        db.engine.dispose()


@pytest.fixture
def verifications():
    """The tokens whose signature flask-jwt-extended verified: its decode_key_loader callback is
    asked for the key once per verification (then the default key, as without the callback)."""
    from flask_jwt_extended.default_callbacks import default_decode_key_callback

    seen: list[str] = []

    def counted(header: dict, payload: dict):
        seen.append(payload["jti"])
        return default_decode_key_callback(header, payload)

    jwt.decode_key_loader(counted)
    yield seen
    jwt.decode_key_loader(default_decode_key_callback)


def test_the_bearer_token_is_verified_once_per_request(app, users, auth, verifications):
    """The rate-limit key and the route both need the verified claims: the key's verification
    (verify_jwt_in_request: signature, expiry, session) serves the route too."""
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="100/hour")
    h = auth("north", "manager")
    client = limited.test_client()
    with limited.app_context():
        engine = db.engine
    with statements(engine) as seen:
        assert client.get("/api/work-orders", headers=h).status_code == 200
    assert len(verifications) == 1  # was 2: once for the rate-limit key, once for the route
    assert len([s for s in seen if "auth_sessions" in s or "FROM users" in s]) == 1  # one session check
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert len(verifications) == 2
    bad = {"Authorization": h["Authorization"][:-4] + ("AAAA" if not h["Authorization"].endswith("AAAA") else "BBBB")}
    r = client.get("/api/work-orders", headers=bad)
    assert r.status_code == 401 and r.get_json()["message"] == "Invalid token"
    assert client.post("/api/auth/logout", headers=h).status_code in (200, 204)
    r = client.get("/api/work-orders", headers=h)  # verified by the key, refused by the route
    assert r.status_code == 401 and r.get_json()["message"] == "Session has been revoked"


# --- The API's list and detail written without a pydantic model per row ----------------------

def _pydantic_detail(actor, work_order_id: str) -> dict:
    """What GET /api/work-orders/{id} answered when every row went through its pydantic model."""
    from portal.models import PartConsumption, WorkOrderHistory
    from portal.schemas.work_orders import HistoryOut, PartUsageOut, WorkOrderOut
    from portal.services.work_orders import lifecycle as service

    wo = service.get_work_order(actor, work_order_id)
    parts, cost = service.parts_on_work_order(wo.id)
    history = db.session.scalars(db.select(WorkOrderHistory).where(WorkOrderHistory.work_order_id == wo.id)
                                 .order_by(WorkOrderHistory.at, WorkOrderHistory.id))
    assert all(isinstance(p, PartConsumption) for p in parts)
    return WorkOrderOut.dump(wo, parts=PartUsageOut.dump_many(parts), partsCost=f"{cost:.2f}",
                             history=HistoryOut.dump_many(history))


def test_fast_list_and_detail_answer_exactly_the_models_dump(app, client, users, auth):
    """Byte for byte what the pydantic models write, for rows with every field set and with
    every optional field empty: the row dumpers are generated from the models, and this keeps
    the two from drifting (names, order, formats of times and money, nulls)."""
    import json
    from datetime import timedelta

    from factories import equipment, move_to, part

    from portal.models import WorkOrder
    from portal.models.types import utcnow
    from portal.schemas.work_orders import ConsumeParts, WorkOrderOut
    from portal.services.inventory import parts as parts_service
    from portal.services.work_orders import reads

    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    pump = equipment(manager)
    full = work_order(manager, equipmentId=pump.id, assignedTo=tech.id, description="Bearing noise – pump 4",
                      dueDate=utcnow() + timedelta(days=2, microseconds=123_456))
    bearing, seal = part(manager, unitCost="12.5"), part(manager, unitCost="0.07")
    parts_service.consume_parts(manager, ConsumeParts(workOrderId=full.id, partsUsage=[
        {"partId": bearing.id, "quantityUsed": 3}, {"partId": seal.id, "quantityUsed": 1, "unitCost": "1999.99"}]))
    move_to(manager, full.id, "in_progress")
    move_to(manager, full.id, "on_hold", holdReason="waiting for the seal")
    move_to(manager, full.id, "in_progress", "completed", completionNotes="Replaced both")
    bare = work_order(manager)  # nothing optional set, no parts, one history row
    db.session.execute(db.update(WorkOrder).where(WorkOrder.id == bare.id).values(
        estimated_duration=45, reporter_name="Night shift", reporter_contact="ext. 4411"))
    db.session.commit()
    h = auth("north", "manager")

    for wo_id in (full.id, bare.id):
        r = client.get(f"/api/work-orders/{wo_id}", headers=h)
        assert r.status_code == 200
        assert json.loads(r.data) == _pydantic_detail(manager, wo_id)
        assert list(json.loads(r.data)) == list(_pydantic_detail(manager, wo_id))  # the same key order
    r = client.get("/api/work-orders?limit=5&sort=-updatedAt", headers=h)
    listed = json.loads(r.data)
    db.session.expire_all()
    orders = {wo.id: wo for wo in db.session.scalars(db.select(WorkOrder))}
    assert [item["id"] for item in listed] and all(
        item == WorkOrderOut.dump(orders[item["id"]]) and list(item) == list(WorkOrderOut.dump(orders[item["id"]]))
        for item in listed)
    page = reads.list_answer(manager, reads.WorkOrderQuery(limit=1, page=2))
    assert page["total"] == 2 and len(page["items"]) == 1
    past = reads.list_answer(manager, reads.WorkOrderQuery(limit=1, page=5))
    assert past["total"] == 2 and past["items"] == []  # past the last page: the total still counts


def test_row_dumpers_refuse_fields_they_cannot_write_like_pydantic():
    from portal.schemas.work_orders import ConsumptionOut, WorkOrderDetailOut

    for model in (ConsumptionOut, WorkOrderDetailOut):  # nested models and lists: the model's dump() only
        with pytest.raises(TypeError):
            model.row_dumper()


def test_json_answers_are_the_standard_providers_json(app):
    """orjson writes jsonify() answers (portal/platform/http/json_provider.py): the same document as Flask's own
    provider (byte for byte here; non-ASCII text and tiny floats are written differently, with
    the same value), with Flask's conversions for what JSON has no type for."""
    import dataclasses
    import json
    from datetime import UTC, datetime
    from decimal import Decimal

    from flask import jsonify
    from flask.json.provider import DefaultJSONProvider

    @dataclasses.dataclass
    class Point:
        x: int

    standard = DefaultJSONProvider(app)
    standard.sort_keys = False
    value = {"b": 1, "a": [None, True, 1.5, "x"], "when": datetime(2026, 11, 26, 3, 0, tzinfo=UTC),
             "cost": Decimal("12.50"), "point": Point(3), 7: "int key", "big": 2**70}
    with app.test_request_context():
        fast = jsonify(value)
        assert fast.get_data() == standard.response(value).get_data()  # 2**70: orjson refuses, falls back
        del value["big"]
        fast = jsonify(value)
        assert fast.get_data() == standard.response(value).get_data()
        assert fast.mimetype == "application/json" and fast.get_data().endswith(b"}\n")
        text = jsonify({"title": "Pompe à chaleur – nº 4"})
        assert json.loads(text.get_data()) == {"title": "Pompe à chaleur – nº 4"}


def test_iso_writes_what_strftime_wrote():
    from datetime import UTC, datetime, timedelta, timezone

    from portal.schemas.common import iso

    for value in (datetime(2026, 11, 26, 3, 4, 5, 678_901, tzinfo=UTC), datetime(1900, 1, 1, tzinfo=UTC),
                  datetime(2999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
                  datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))):
        utc = value.astimezone(UTC)
        assert iso(value) == utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    assert iso(None) is None


def test_the_token_user_answers_what_the_orm_user_did(app, client, users, auth):
    from portal.schemas.auth import UserOut

    manager = users["north"]["manager"]
    r = client.get("/api/auth/me", headers=auth("north", "manager"))
    assert r.status_code == 200 and r.get_json() == UserOut.dump(manager)


def test_figures_survive_a_connection_the_server_closed(app, users, auth):
    """A figure sent after Redis closed the process's connections (a restart) goes out on a new one."""
    from portal.platform.telemetry import metrics

    client = app.test_client()
    h = auth("north", "manager")
    assert client.get("/api/work-orders", headers=h).status_code == 200
    with redis.Redis.from_url(redis_url_for(app)) as other:  # every other client's connection closed
        assert other.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") >= 1
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert metrics.request_figures(app)["requestCount"] == 2


@pytest.mark.parametrize("overdue", ["true", "false"])
def test_every_filter_at_once_binds_every_value_of_the_statement_built_once(app, client, users, auth, overdue):
    """The list's statements are built once per filter shape and their values bound per request:
    each shape must find every value it names (overdue= with status= once answered 500)."""
    from datetime import timedelta

    from factories import equipment

    from portal.models.types import utcnow

    manager = users.actor("north", "manager")
    tech = users["north"]["technician"].id
    pump = equipment(manager).id
    late = work_order(manager, title="Pump seal leaks", priority="low", type="corrective", assignedTo=tech,
                      equipmentId=pump, dueDate=utcnow() - timedelta(days=2)).id
    on_time = work_order(manager, title="Pump seal check", priority="low", type="corrective", assignedTo=tech,
                         equipmentId=pump, dueDate=utcnow() + timedelta(days=2)).id
    since = (utcnow() - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = (f"status=assigned,new&priority=low&type=corrective&assignedTo={tech}&equipmentId={pump}"
             f"&dueAfter={since}&dueBefore={until}&overdue={overdue}&q=Pump&sort=-updatedAt")
    h = auth("north", "manager")
    listed = client.get(f"/api/work-orders?{query}", headers=h)
    assert listed.status_code == 200, listed.json
    assert [wo["id"] for wo in listed.json] == [late if overdue == "true" else on_time]
    assert listed.headers["X-Total-Count"] == "1"
    exported = client.get(f"/api/work-orders/export?{query}", headers=h)
    assert exported.status_code == 200
    assert exported.get_data(as_text=True).count("Pump seal") == 1
