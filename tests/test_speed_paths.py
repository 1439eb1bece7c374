"""What the speed work (bench/README.md) relies on, checked by counting queries, never by timing."""
from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from conftest import USING_POSTGRES, make_app
from factories import work_order
from sqlalchemy import event

from portal.extensions import db, limiter
from portal.ratelimits import OneTripRedisStorage


@contextmanager
def statements():
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


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


def test_rate_limit_costs_one_redis_round_trip_per_request(app, users, auth, monkeypatch):
    """Flask-Limiter's hit and the X-RateLimit-* headers of a request come from one Lua call
    (ratelimits.OneTripRedisStorage), and the headers still count down exactly."""
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="4/hour")
    h = auth("north", "manager")
    with limited.app_context():
        storage = limiter.storage
        assert isinstance(storage, OneTripRedisStorage)
        redis = storage.get_connection()
        commands: list[str] = []
        real = redis.execute_command

        def counted(*args, **kwargs):
            commands.append(str(args[0]))
            return real(*args, **kwargs)

        client = limited.test_client()
        assert client.get("/api/work-orders", headers=h).status_code == 200  # loads the Lua script once
        monkeypatch.setattr(redis, "execute_command", counted)
        started = int(time.time())
        seen = []
        for _ in range(3):
            r = client.get("/api/work-orders", headers=h)
            assert r.status_code == 200
            seen.append(r.headers["X-RateLimit-Remaining"])
            assert r.headers["X-RateLimit-Limit"] == "4"
            assert started + 3590 <= int(r.headers["X-RateLimit-Reset"]) <= int(time.time()) + 3601
        assert seen == ["2", "1", "0"]
        assert commands == ["EVALSHA"] * 3  # was EVALSHA, TTL and GET per request
        r = client.get("/api/work-orders", headers=h)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
        assert r.get_json()["message"]


@pytest.mark.skipif(not USING_POSTGRES, reason="PostgreSQL only: SQLite reads keep their transaction")
def test_api_reads_run_without_begin_and_rollback_writes_keep_their_transaction(app, users, auth, monkeypatch):
    import psycopg._connection_base as psycopg_base

    wo_id = work_order(users.actor("north", "manager")).id
    h = auth("north", "manager")
    db.session.remove()
    sent: list[bytes] = []
    real = psycopg_base.BaseConnection._exec_command

    def counted(self, command, *args, **kwargs):
        sent.append(bytes(command).split()[0])
        return real(self, command, *args, **kwargs)

    monkeypatch.setattr(psycopg_base.BaseConnection, "_exec_command", counted)
    client = app.test_client()
    with statements() as seen:
        assert client.get(f"/api/work-orders/{wo_id}", headers=h).status_code == 200
        assert client.get("/api/work-orders?status=new", headers=h).status_code == 200
    assert sent == [] and len(seen) == 4 + 3  # token, order, parts, history; token, count, page
    r = client.post("/api/work-orders", json={"title": "Still one transaction"}, headers=h)
    assert r.status_code == 201
    # The work order, its number and its event in one transaction (the token check before it ran
    # in its own, rolled back by unit_of_work).
    assert b"COMMIT" in sent and sent[sent.index(b"COMMIT") - 1] == b"BEGIN"


def test_pooled_connections_are_pinged_only_after_idling(app, users, auth, monkeypatch):
    pinging = make_app(DB_PING_IDLE_SECONDS=0.3)
    h = auth("north", "manager")
    with pinging.app_context():
        engine = db.engine
    pings: list[int] = []
    real = engine.dialect.do_ping
    dead = [False]

    def ping(dbapi_connection):
        pings.append(1)
        if dead[0]:
            dead[0] = False
            raise OSError("server closed the connection")
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
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


def test_the_bearer_token_is_verified_once_per_request(app, users, auth, monkeypatch):
    """The rate-limit key and the route both need the verified claims: one verification serves both."""
    import flask_jwt_extended.jwt_manager as manager_module

    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="100/hour")
    h = auth("north", "manager")
    decodes: list[bool] = []
    real = manager_module.jwt.decode

    def counted(*args, **kwargs):
        decodes.append(kwargs.get("options", {}).get("verify_signature", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(manager_module.jwt, "decode", counted)
    client = limited.test_client()
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert decodes.count(True) == 1  # was 2: once for the rate-limit key, once for the route
    decodes.clear()
    assert client.get("/api/work-orders", headers=h).status_code == 200
    assert decodes.count(True) == 1  # per request, not cached across requests
    bad = {"Authorization": h["Authorization"][:-4] + "AAAA"}
    assert client.get("/api/work-orders", headers=bad).status_code == 401
