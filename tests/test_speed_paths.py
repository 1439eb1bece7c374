"""What the speed work (bench/README.md) relies on, checked by counting queries, never by timing."""
from __future__ import annotations

from contextlib import contextmanager

from factories import work_order
from sqlalchemy import event

from portal.extensions import db


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
