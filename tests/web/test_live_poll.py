"""The quiet live poll (portal/web/live_poll.py): with the poll token the full path handed out,
"nothing changed" is answered without SQL; anything else takes the full path (the login, the
permission check) as before."""
from __future__ import annotations

import re
import socket
import time

import factories
import pytest
from conftest import make_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update

from portal.models import AuthSession
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.web import live_poll
from web.conftest import PortalClient, count_queries

HX = {"HX-Request": "true"}


@pytest.fixture
def plant(client, users, portal_login):
    """North's technician logged in, a work order of theirs, another in north and one in south."""
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    mine = factories.work_order(manager, title="Seal leaking", assignedTo=tech.id)
    other = factories.work_order(manager, title="Belt squeaks")
    south = factories.work_order(users.actor("south", "manager"), title="South job")
    session_id = portal_login(tech)
    return {"mine": mine.id, "other": other.id, "south": south.id, "session": session_id}


def _version(html: str) -> str:
    return re.search(r'data-live-version="([^"]*)"', html).group(1)


def _first_poll(client, path: str) -> tuple[str, str]:
    """The page's first poll (no token yet): the full path, 204, with a token. -> (since, token)"""
    page = path.rsplit("/changes", 1)[0] if "/changes" in path else path
    since = _version(client.get(page).get_data(as_text=True))
    r = client.get(f"{path}?since={since}", headers=HX)
    assert r.status_code == 204 and r.headers[live_poll.HEADER]
    return since, r.headers[live_poll.HEADER]


def _poll(client, path: str, since: str, token: str | None):
    headers = {**HX, live_poll.HEADER: token} if token else HX
    return client.get(f"{path}?since={since}", headers=headers)


def test_quiet_poll_with_its_token_runs_no_sql(client, plant, users, auth):
    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    # Without the token: the session's login check, one statement. With it: none, and no new token.
    assert count_queries(client, f"{path}?since={since}", 204, headers=HX) == 1
    assert count_queries(client, f"{path}?since={since}", 204, headers={**HX, live_poll.HEADER: token}) == 0
    r = _poll(client, path, since, token)
    assert r.status_code == 204 and live_poll.HEADER not in r.headers
    assert r.headers["Cache-Control"] == "no-store" and r.headers.get("X-Request-Id")  # the usual answer's headers
    # A change: the token does not hide it; the full path renders the part and hands a new token.
    r = client.post(f"/api/work-orders/{plant['mine']}/comments", json={"body": "Bearing ordered"},
                    headers=auth("north", "manager"))
    assert r.status_code == 201
    r = _poll(client, path, since, token)
    assert r.status_code == 200 and "Bearing ordered" in r.get_data(as_text=True)
    since, token = r.headers["X-Live-Version"], r.headers[live_poll.HEADER]
    assert count_queries(client, f"{path}?since={since}", 204, headers={**HX, live_poll.HEADER: token}) == 0


def test_the_board_and_the_bell_answer_quietly_too(client, plant):
    since, token = _first_poll(client, "/work-orders/changes")
    assert count_queries(client, f"/work-orders/changes?since={since}", 204,
                         headers={**HX, live_poll.HEADER: token}) == 0
    r = client.get("/notifications/bell?since=", headers=HX)  # the assignment notified them: the bell anew
    assert r.status_code == 200
    seen, bell = r.headers["X-Live-Version"], r.headers[live_poll.HEADER]
    assert count_queries(client, f"/notifications/bell?since={seen}", 204, headers={**HX, live_poll.HEADER: bell}) == 0
    # Each token answers only the poll it was issued for.
    assert count_queries(client, f"/work-orders/changes?since={since}", 204, headers={**HX, live_poll.HEADER: bell}) == 1


def _signed(app, claims: dict, *, key: str | None = None, age: float = 0) -> str:
    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age)

    return URLSafeTimedSerializer(key or app.secret_key, salt=live_poll.SALT, signer=Then).dumps(claims)


def test_expired_forged_or_misplaced_tokens_take_the_full_path(app, client, plant, portal_login, users):
    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    claims = URLSafeTimedSerializer(app.secret_key, salt=live_poll.SALT).loads(token)
    expired = _signed(app, claims, age=live_poll.POLL_TOKEN_SECONDS + 5)
    forged = _signed(app, claims, key="not-the-secret-key-of-this-app-at-all")
    fresh_copy = _signed(app, claims, age=1)  # the same claims, properly signed: quiet
    assert count_queries(client, f"{path}?since={since}", 204, headers={**HX, live_poll.HEADER: fresh_copy}) == 0
    for bad in (expired, forged, token[:-2] + "xx", "garbage"):
        r = _poll(client, path, since, bad)
        assert r.status_code == 204 and r.headers[live_poll.HEADER] != bad  # the full path's answer, a new token
        assert count_queries(client, f"{path}?since={since}", 204, headers={**HX, live_poll.HEADER: bad}) == 1
    # Another work order's token, even of the same person, warehouse and cookie.
    since_other = _version(client.get(f"/work-orders/{plant['other']}").get_data(as_text=True))
    assert count_queries(client, f"/work-orders/{plant['other']}/changes?since={since_other}", 204,
                         headers={**HX, live_poll.HEADER: token}) == 1
    # Another session (logged in again): the token was bound to the old one.
    portal_login(users["north"]["technician"])
    assert count_queries(client, f"{path}?since={since}", 204, headers={**HX, live_poll.HEADER: token}) == 1


def test_a_revoked_session_learns_only_nothing_changed_until_a_change(client, plant, auth):
    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    db.session.execute(update(AuthSession).where(AuthSession.id == plant["session"]).values(revoked_at=utcnow()))
    db.session.commit()
    assert _poll(client, path, since, None).status_code == 401  # no token: the full path refuses at once
    assert _poll(client, path, since, token).status_code == 204  # the decision: until a change or expiry
    client.post(f"/api/work-orders/{plant['mine']}/comments", json={"body": "x"}, headers=auth("north", "manager"))
    r = _poll(client, path, since, token)
    assert r.status_code == 401 and "Bearing" not in r.get_data(as_text=True)


def test_another_warehouses_work_order_never_reads_changed(client, plant, auth):
    path = f"/work-orders/{plant['south']}/changes"
    r = _poll(client, path, "0", None)
    assert r.status_code == 204  # its counter in north's namespace: "0"
    token = r.headers[live_poll.HEADER]
    r = client.patch(f"/api/work-orders/{plant['south']}", json={"title": "South job, urgent"},
                     headers=auth("south", "manager"))
    assert r.status_code == 200
    assert count_queries(client, f"{path}?since=0", 204, headers={**HX, live_poll.HEADER: token}) == 0
    r = _poll(client, path, "", token)  # asking for it: the full path, and it is not found here
    assert r.status_code == 404 and "South job" not in r.get_data(as_text=True)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_down_nothing_changed(client, plant):
    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0", RATELIMIT_ENABLED=False)
    down.test_client_class = PortalClient
    cookie = client.get_cookie(down.config["SESSION_COOKIE_NAME"])
    with down.app_context():
        c = down.test_client()
        c.set_cookie(cookie.key, cookie.value)
        for sent in (token, None):  # with or without the token: no counter to compare, so nothing changed
            r = _poll(c, path, since, sent)
            assert r.status_code == 204, r.get_data(as_text=True)
        db.session.remove()


def _route_count(app, route: str) -> int:
    from portal.platform.telemetry import metrics

    figures = metrics.request_figures(app)
    return next((r["requestCount"] for r in figures["busiestEndpoints"] if r["endpoint"] == f"GET {route}"), 0)


def test_a_quiet_poll_is_answered_before_flask_with_the_apps_headers_and_figures(app, client, plant):
    """QuietPolls answers in front of the app (Flask never starts a request for it), with what the app
    gives every answer: the protective headers, the request id, the access line and the figures."""
    from flask import request_started

    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    by_app = _poll(client, path, since, None)  # the full path: the app's own 204
    started = []

    def seen(sender, **extra):
        started.append(1)

    route = "/work-orders/<work_order_id>/changes"
    before = _route_count(app, route)
    with request_started.connected_to(seen, app):
        quiet = client.get(f"{path}?since={since}", headers={**HX, live_poll.HEADER: token, "X-Request-Id": "tablet-7:42"})
        assert quiet.status_code == 204 and started == []
        assert _poll(client, path, since, None).status_code == 204 and started == [1]  # the app's, for contrast
    assert quiet.headers["X-Request-Id"] == "tablet-7:42"
    skipped = {"X-Live-Token", "Set-Cookie", "Content-Type", "Content-Length", "X-Request-Id"}
    assert {k: v for k, v in quiet.headers.items() if k not in skipped} == \
           {k: v for k, v in by_app.headers.items() if k not in skipped}
    assert _route_count(app, route) == before + 2  # the quiet answer is counted like the app's


def test_a_quiet_poll_with_a_too_long_url_is_the_apps_414(client, plant):
    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    r = client.get(f"{path}?since={since}&pad={'x' * 5000}", headers={**HX, live_poll.HEADER: token})
    assert r.status_code == 414


def test_a_token_on_another_route_or_method_goes_to_the_app(client, plant):
    path = f"/work-orders/{plant['mine']}/changes"
    since, token = _first_poll(client, path)
    r = client.get(f"/work-orders/{plant['mine']}", headers={live_poll.HEADER: token})
    assert r.status_code == 200 and "Seal leaking" in r.get_data(as_text=True)
    assert client.get(f"/work-orders/{plant['mine']}/changez?since={since}",
                      headers={**HX, live_poll.HEADER: token}).status_code == 404


def test_a_page_read_after_its_version_shows_what_that_version_holds(app, users):
    """The work order page reads its version first, then its rows. A request whose transaction began
    before someone else's change (its login read, say) and which reads the version that change moved
    to, shows the change too: on SQLite the request's snapshot moves on after the version is read
    (database.reads_from_now). Else the page took the new version with the old rows, and no poll
    brought the change until the next one."""
    import threading

    from portal.schemas.work_orders import WorkOrderUpdate
    from portal.services.work_orders import lifecycle
    from portal.web.work_orders import detail_context

    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, title="Pump seal swap")
    wo_id = wo.id
    assert db.session.get(type(wo), wo_id).priority != "critical"  # this request's transaction has begun

    def elsewhere() -> None:  # another request: its own session and connection
        with app.app_context():
            lifecycle.update_work_order(manager, wo_id, WorkOrderUpdate(priority="critical"))
            db.session.remove()

    other = threading.Thread(target=elsewhere)
    other.start()
    other.join()
    db.session.expire_all()  # what this session holds is no proof: the rows come from the database
    with app.test_request_context(f"/work-orders/{wo_id}"):
        ctx = detail_context(manager, wo_id)
    assert ctx["wo"].priority == "critical"
