"""The admin console: /admin/users, /admin/webhooks, /admin/performance (issue 9, "Admins")."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from conftest import PASSWORD, token_for
from receiver import Receiver
from sqlalchemy import event, func, select

from portal.models import AuthSession, User, WebhookDelivery, WebhookEndpoint
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.webhooks import WebhookCreate
from portal.services.identity import users as user_service
from portal.services.integrations import webhooks as webhook_service
from web.conftest import csrf_from

HX = {"HX-Request": "true"}
PAGES = ("/admin/users", "/admin/webhooks", "/admin/performance")


@pytest.fixture(autouse=True)
def _loopback_allowed(app):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # receivers run on 127.0.0.1
    app.config["WEBHOOK_RETRY_DELAYS"] = "0,0,0"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def admin(client, users, portal_login):
    """Logged in as the north admin; returns a CSRF token for posts."""
    portal_login(users["north"]["admin"])
    return csrf_from(client.get("/admin/users").get_data(as_text=True))


def hook_for(users, warehouse: str, url: str) -> WebhookEndpoint:
    return webhook_service.create_webhook(users.actor(warehouse, "admin"),
                                          WebhookCreate.model_validate({"url": url, "events": ["*"]}))


# --- access -----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["manager", "technician", "requester"])
def test_other_roles_are_refused_and_see_no_admin_link(client, users, portal_login, role):
    portal_login(users["north"][role])
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
        assert client.get(path, headers=HX).status_code == 403, path
    token = csrf_from(client.get("/").get_data(as_text=True))
    target = users["north"]["technician2"].id
    resp = client.post(f"/admin/users/{target}", data={"csrf_token": token, "active": "false"}, headers=HX)
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target).active is True


def test_anonymous_is_sent_to_login(client, users):
    for path in PAGES:
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_admin_sees_the_admin_nav_and_tabs(client, admin):
    html = client.get("/admin/users").get_data(as_text=True)
    assert '<a href="/admin/users" aria-current="page">Admin</a>' in html
    assert 'class="admin-tabs"' in html and 'href="/admin/performance"' in html
    assert client.get("/admin").headers["Location"] == "/admin/users"


# --- users ------------------------------------------------------------------------------------
def test_user_list_shows_role_state_mfa_and_last_login(client, users, admin):
    html = client.get("/admin/users").get_data(as_text=True)
    assert "technician@north.example.com" in html and "south.example.com" not in html
    me_row = html.split(f'id="user-{users["north"]["admin"].id}"')[1].split("</tr>")[0]
    assert "Enrolled" in me_row and "never" not in me_row and "Deactivate" not in me_row  # not on yourself
    tech_row = html.split(f'id="user-{users["north"]["technician"].id}"')[1].split("</tr>")[0]
    assert "never" in tech_row and "Deactivate" in tech_row and "Reset MFA" in tech_row


def test_user_list_query_count_does_not_grow_with_rows(client, users, admin):
    def count_queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/users").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    actor = users.actor("north", "admin")

    def add_users(count: int) -> None:
        for _ in range(count):
            n = db.session.scalar(select(func.count()).select_from(User))
            created = user_service.create_user(actor, user_service.UserCreate(
                email=f"fitter{n}@north.example.com", role="technician", password=PASSWORD))
            token_for(db.session.get(User, created.id))  # a last login to show

    add_users(1)
    few = count_queries()
    add_users(6)
    assert count_queries() == few


def test_user_search_answers_the_results_block(client, admin):
    resp = client.get("/admin/users?q=requester", headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<section id="results"')
    assert "requester@north.example.com" in html and "manager@north.example.com" not in html
    assert "HX-Request" in resp.headers["Vary"]
    empty = client.get("/admin/users?q=nobody-at-all", headers=HX).get_data(as_text=True)
    assert "No user matches" in empty


def test_create_user_then_first_login_enrols(client, users, admin, auth_actions):
    resp = client.post("/admin/users", data={"csrf_token": admin, "name": "New fitter",
                                             "email": "fitter@north.example.com", "role": "technician",
                                             "password": PASSWORD})
    assert resp.status_code == 303 and resp.headers["Location"] == "/admin/users"
    assert "fitter@north.example.com created" in client.get("/admin/users").get_data(as_text=True)
    user = db.session.scalars(select(User).where(User.email == "fitter@north.example.com")).one()
    assert (user.role, user.warehouse_id, user.totp_confirmed_at) == (
        "technician", users["north"]["admin"].warehouse_id, None)
    auth_actions.logout()
    resp = auth_actions.login(user.email, code="")
    assert resp.headers["Location"] == "/enrol"


def test_create_user_field_errors_next_to_their_field(client, admin):
    resp = client.post("/admin/users", data={"csrf_token": admin, "email": "not-an-email", "role": "boss",
                                             "password": "short"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for name in ("email", "role", "password"):
        assert f'id="e-{name}"' in html, name
    assert 'value="not-an-email"' in html  # what was typed stays
    dup = client.post("/admin/users", data={"csrf_token": admin, "email": "manager@north.example.com",
                                            "role": "manager", "password": PASSWORD})
    assert dup.status_code == 422 and "already exists" in dup.get_data(as_text=True).split('id="e-email"')[1][:200]
    assert db.session.scalar(select(User).where(User.email == "not-an-email")) is None


def test_csrf_is_required_on_every_admin_form(client, users, admin, receiver):
    tech = users["north"]["technician"]
    hook = hook_for(users, "north", receiver.url)
    posts = [("/admin/users", {"email": "x@north.example.com", "role": "admin", "password": PASSWORD}),
             (f"/admin/users/{tech.id}", {"active": "false"}),
             (f"/admin/users/{tech.id}/reset-mfa", {}),
             ("/admin/webhooks", {"url": receiver.url, "events": "*"}),
             (f"/admin/webhooks/{hook.id}", {"url": "http://127.0.0.1:1/other"}),
             (f"/admin/webhooks/{hook.id}/rotate", {}),
             (f"/admin/webhooks/{hook.id}/test", {})]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 400, path
    db.session.expire_all()
    assert db.session.get(User, tech.id).active is True and db.session.get(User, tech.id).totp_confirmed_at
    assert db.session.get(WebhookEndpoint, hook.id).url == receiver.url
    assert receiver.requests == []


def test_deactivate_ends_api_token_and_portal_session_at_once(client, app, users, admin):
    tech = users["north"]["technician"]
    api_headers = {"Authorization": f"Bearer {token_for(tech)}"}
    other = app.test_client()  # the technician's own browser
    with other.session_transaction() as sess:
        row = AuthSession(user_id=tech.id, expires_at=utcnow() + timedelta(hours=1))
        db.session.add(row)
        db.session.commit()
        sess["_user_id"] = row.id
        sess["_fresh"] = True
    assert other.get("/").status_code == 200
    assert client.get("/api/auth/me", headers=api_headers).status_code == 200

    resp = client.post(f"/admin/users/{tech.id}", data={"active": "false"}, headers={**HX, "X-CSRFToken": admin})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith(f'<tr id="user-{tech.id}"')
    assert "Deactivated" in html and "every session ended" in html and "Reactivate" in html
    assert client.get("/api/auth/me", headers=api_headers).status_code == 401
    assert other.get("/").status_code == 302

    resp = client.post(f"/admin/users/{tech.id}", data={"active": "true"}, headers={**HX, "X-CSRFToken": admin})
    assert resp.status_code == 200 and "Reactivated" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, tech.id).active is True


def test_change_role_from_the_row(client, users, admin):
    tech = users["north"]["technician"]
    resp = client.post(f"/admin/users/{tech.id}", data={"role": "manager"}, headers={**HX, "X-CSRFToken": admin})
    assert resp.status_code == 200 and "Role changed to Manager" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, tech.id).role == "manager"
    bad = client.post(f"/admin/users/{tech.id}", data={"role": "boss"}, headers={**HX, "X-CSRFToken": admin})
    assert bad.status_code == 422 and 'id="e-user-' in bad.get_data(as_text=True)


def test_admin_cannot_deactivate_or_demote_themselves_from_the_page(client, users, admin):
    me = users["north"]["admin"]
    resp = client.post(f"/admin/users/{me.id}", data={"active": "false"}, headers={**HX, "X-CSRFToken": admin})
    assert resp.status_code == 422
    assert user_service.SELF_DEACTIVATE in resp.get_data(as_text=True).split(f'id="e-user-{me.id}"')[1]
    resp = client.post(f"/admin/users/{me.id}", data={"role": "manager"}, headers={**HX, "X-CSRFToken": admin})
    assert resp.status_code == 422 and user_service.SELF_DEMOTE in resp.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(User, me.id).role, db.session.get(User, me.id).active) == ("admin", True)
    assert client.get("/admin/users").status_code == 200  # still logged in


def test_reset_mfa_from_the_page_forces_enrolment(client, app, users, admin):
    tech = users["north"]["technician"]
    api_headers = {"Authorization": f"Bearer {token_for(tech)}"}
    resp = client.post(f"/admin/users/{tech.id}/reset-mfa", headers={**HX, "X-CSRFToken": admin})
    html = resp.get_data(as_text=True)
    # A page of its own (the code is shown once), not the row: kept off the address bar and out of caches.
    assert resp.status_code == 200 and "Enrolment code for tech" in html and 'hx-history="false"' in html
    assert resp.headers["HX-Push-Url"] == "false" and resp.headers["Cache-Control"] == "no-store"
    assert client.get("/api/auth/me", headers=api_headers).status_code == 401
    assert "At next login" in client.get("/admin/users").get_data(as_text=True).split(f'id="user-{tech.id}"')[1]
    fresh = app.test_client()
    token = csrf_from(fresh.get("/login").get_data(as_text=True))
    resp = fresh.post("/login", data={"csrf_token": token, "email": tech.email, "password": PASSWORD, "code": ""})
    assert resp.headers["Location"] == "/enrol"


def test_another_warehouse_user_is_404_page_and_fragment(client, users, admin):
    south = users["south"]["technician"]
    for headers in ({}, HX):
        h = {**headers, "X-CSRFToken": admin}
        assert client.post(f"/admin/users/{south.id}", data={"active": "false"}, headers=h).status_code == 404
        assert client.post(f"/admin/users/{south.id}/reset-mfa", headers=h).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, south.id).active is True
    assert db.session.get(User, south.id).totp_confirmed_at is not None


# --- webhooks ---------------------------------------------------------------------------------
def test_webhooks_empty_state_and_list(client, users, admin, receiver):
    assert "No webhook yet" in client.get("/admin/webhooks").get_data(as_text=True)
    hook_for(users, "north", receiver.url)
    hook_for(users, "south", "http://127.0.0.1:9/south-only")
    html = client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url in html and "south-only" not in html and "All events" in html


def test_register_shows_the_secret_once(client, users, admin, receiver):
    resp = client.post("/admin/webhooks", data={"csrf_token": admin, "url": receiver.url,
                                                "events": ["work_order.created", "inventory.low_stock"]})
    assert resp.status_code == 201
    hook = db.session.scalars(select(WebhookEndpoint)).one()
    html = resp.get_data(as_text=True)
    assert hook.events == ["work_order.created", "inventory.low_stock"]
    assert f'value="{hook.secret}"' in html and "only time it is shown" in html
    assert resp.headers["HX-Push-Url"] == f"/admin/webhooks/{hook.id}"
    again = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    # Not even a hint such as its last characters (8 at a time: 4 hex digits also occur in the page's ids).
    assert not any(hook.secret[i:i + 8] in again for i in range(len(hook.secret) - 7))


def test_register_with_own_secret_and_field_errors(client, admin):
    resp = client.post("/admin/webhooks", data={"csrf_token": admin, "url": "ftp://nowhere", "secret": "short"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="e-url"' in html and 'id="e-events"' in html and 'id="e-secret"' in html
    assert db.session.scalar(select(WebhookEndpoint)) is None
    resp = client.post("/admin/webhooks", data={"csrf_token": admin, "url": "http://127.0.0.1:9/x",
                                                "events": "no.such_event"})
    assert resp.status_code == 422 and "Unknown event type" in resp.get_data(as_text=True)


def test_edit_and_rotate_the_secret(client, users, admin, receiver):
    hook = hook_for(users, "north", receiver.url)
    old = hook.secret
    resp = client.post(f"/admin/webhooks/{hook.id}", data={"csrf_token": admin, "url": receiver.url + "/v2",
                                                           "events": ["pm.overdue"], "active": "false"})
    assert resp.status_code == 303
    db.session.expire_all()
    saved = db.session.get(WebhookEndpoint, hook.id)
    assert (saved.url, saved.events, saved.active) == (receiver.url + "/v2", ["pm.overdue"], False)
    bad = client.post(f"/admin/webhooks/{hook.id}", data={"csrf_token": admin, "url": "not a url"})
    assert bad.status_code == 422 and 'id="e-url"' in bad.get_data(as_text=True)
    resp = client.post(f"/admin/webhooks/{hook.id}/rotate", data={"csrf_token": admin})
    db.session.expire_all()
    new = db.session.get(WebhookEndpoint, hook.id).secret
    assert resp.status_code == 200 and new != old and f'value="{new}"' in resp.get_data(as_text=True)
    assert new not in client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)


def test_send_test_shows_the_outcome_and_the_log(client, users, admin, receiver):
    hook = hook_for(users, "north", receiver.url)
    assert "Nothing delivered yet" in client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    resp = client.post(f"/admin/webhooks/{hook.id}/test", data={"csrf_token": admin})
    assert resp.status_code == 303
    assert len(receiver.requests) == 1 and receiver.requests[0].headers["X-MaintainPro-Event"] == "webhook.test"
    html = client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True)
    assert "Test delivered: HTTP 200" in html
    log = html.split('id="results"')[1]
    assert "webhook.test" in log and "Delivered" in log and "HTTP 200" in log
    assert '<span class="n">1</span> delivered' in html


def test_delivery_log_filters_paging_and_redeliver(client, users, admin, receiver):
    hook = hook_for(users, "north", receiver.url)
    now = utcnow()
    rows = [WebhookDelivery(webhook_id=hook.id, warehouse_id=hook.warehouse_id, event="work_order.created",
                            state="failed" if n % 2 else "delivered", attempts=1,
                            created_at=now - timedelta(days=n)) for n in range(30)]
    db.session.add_all(rows)
    db.session.commit()
    page1 = client.get(f"/admin/webhooks/{hook.id}?state=failed", headers=HX).get_data(as_text=True)
    assert page1.lstrip().startswith('<div id="results"')
    assert page1.count('class="delivery state-failed"') == 15 and "state-delivered" not in page1
    everything = client.get(f"/admin/webhooks/{hook.id}", headers=HX).get_data(as_text=True)
    assert everything.count('class="delivery ') == 25 and "Page 1 of 2" in everything
    assert f"/admin/webhooks/{hook.id}?page=2" in everything
    assert client.get(f"/admin/webhooks/{hook.id}?page=2", headers=HX).get_data(as_text=True).count(
        'class="delivery ') == 5
    day = (now - timedelta(days=3)).date().isoformat()
    one_day = client.get(f"/admin/webhooks/{hook.id}?since={day}&until={day}", headers=HX).get_data(as_text=True)
    assert one_day.count('class="delivery ') == 1
    none = client.get(f"/admin/webhooks/{hook.id}?event=pm.overdue", headers=HX).get_data(as_text=True)
    assert "No delivery matches these filters" in none
    # A bad date is said next to its filter; the log then shows everything rather than nothing.
    bad = client.get(f"/admin/webhooks/{hook.id}?since=yesterday").get_data(as_text=True)
    assert 'id="e-since"' in bad and bad.count('class="delivery ') == 25
    # Redeliver a failed one: a new pending delivery of the same event.
    failed = rows[1]
    resp = client.post(f"/admin/webhooks/deliveries/{failed.id}/redeliver",
                       data={"csrf_token": admin, "webhook_id": hook.id})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/admin/webhooks/{hook.id}"
    copies = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.redelivery_of == failed.id)).all()
    assert len(copies) == 1 and copies[0].event == "work_order.created"


def test_another_warehouse_webhook_is_404_page_and_fragment(client, users, admin):
    south = hook_for(users, "south", "http://127.0.0.1:9/south")
    delivery = WebhookDelivery(webhook_id=south.id, warehouse_id=south.warehouse_id, event="work_order.created",
                               state="failed", attempts=1, created_at=utcnow())
    db.session.add(delivery)
    db.session.commit()
    for headers in ({}, HX):
        h = {**headers, "X-CSRFToken": admin}
        assert client.get(f"/admin/webhooks/{south.id}", headers=h).status_code == 404
        assert client.post(f"/admin/webhooks/{south.id}", data={"url": "http://127.0.0.1:9/n"},
                           headers=h).status_code == 404
        assert client.post(f"/admin/webhooks/{south.id}/rotate", headers=h).status_code == 404
        assert client.post(f"/admin/webhooks/{south.id}/test", headers=h).status_code == 404
        assert client.post(f"/admin/webhooks/deliveries/{delivery.id}/redeliver", headers=h).status_code == 404
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, south.id).url == "http://127.0.0.1:9/south"
    assert db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.redelivery_of == delivery.id)) is None


# --- performance ------------------------------------------------------------------------------
def test_performance_page_and_its_polled_fragment(client, admin):
    html = client.get("/admin/performance").get_data(as_text=True)
    assert 'hx-trigger="every 10s"' in html and "<h1>Performance</h1>" in html
    for label in ("Requests", "Average response", "95th percentile", "Error rate", "Cache hit rate", "CPU",
                  "Memory", "Disk", "Queue webhooks", "Failed jobs", "Oldest pending webhook", "Rate limiting"):
        assert f'<span class="perf-label">{label}</span>' in html, label
    frag = client.get("/admin/performance", headers=HX)
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and body.lstrip().startswith('<div id="perf"') and "<h1>" not in body
    assert "HX-Request" in frag.headers["Vary"]
    figures = re.search(r'Requests</span><span class="perf-value">([\d,]+)<', body)
    assert figures and int(figures.group(1).replace(",", "")) >= 1  # the page view above was counted


def test_no_inline_script_or_style_on_admin_pages(client, users, admin, receiver):
    hook = hook_for(users, "north", receiver.url)
    for path in (*PAGES, f"/admin/webhooks/{hook.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "style=" not in html and " onclick=" not in html and "<script>" not in html, path


def test_totp_of_new_user_works_after_enrolment(client, users, admin, app):
    """The whole chain without a browser: create, enrol with the page's secret, log in to the API."""
    client.post("/admin/users", data={"csrf_token": admin, "email": "new@north.example.com", "role": "manager",
                                      "password": PASSWORD})
    other = app.test_client()
    token = csrf_from(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"csrf_token": token, "email": "new@north.example.com", "password": PASSWORD,
                               "code": ""})
    page = other.get("/enrol").get_data(as_text=True)
    secret = re.search(r'class="secret"[^>]*>([^<]+)<', page).group(1).replace(" ", "")
    resp = other.post("/enrol", data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302
    html = client.get("/admin/users").get_data(as_text=True)
    user = db.session.scalars(select(User).where(User.email == "new@north.example.com")).one()
    row = html.split(f'id="user-{user.id}"')[1].split("</tr>")[0]
    assert "Enrolled" in row and "never" not in row


def test_a_failed_test_ping_reads_once_and_can_be_redelivered(client, users, admin):
    """Issue 22: the log said "HTTP 500 · 2 ms HTTP 500", and a failed test had no Redeliver."""
    from bs4 import BeautifulSoup

    from portal.services.integrations import delivery as delivery_service

    with Receiver(default_status=500) as failing:
        hook = hook_for(users, "north", failing.url)
        client.post(f"/admin/webhooks/{hook.id}/test", data={"csrf_token": admin})
        page = BeautifulSoup(client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True), "html.parser")
        (row,) = page.select("tr.delivery")
        answer = row.select_one("td.answer").get_text(" ", strip=True)
        assert re.fullmatch(r"Attempt 1 · \d\d:\d\d:\d\d · HTTP 500 · [\d,]+ ms", answer), answer
        assert "webhook.test" in row.get_text() and "Failed" in row.get_text()
        form = row.select_one("form")
        assert form is not None and form.button.get_text(strip=True) == "Redeliver"
        resp = client.post(form["action"], data={"csrf_token": admin, "webhook_id": hook.id})
        assert resp.status_code == 303
        first = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.redelivery_of.is_(None))).one()
        copy = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.redelivery_of == first.id)).one()
        assert (copy.event, copy.state) == ("webhook.test", "pending")
        assert "Sent again as a new ping" in client.get(resp.headers["Location"]).get_data(as_text=True)
        # The worker's attempt sends a ping again: a test is never retried, it fails for good.
        delivery_service.attempt(copy.id)
        assert len(failing.requests) == 2
        assert all(r.headers["X-MaintainPro-Event"] == "webhook.test" for r in failing.requests)
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, copy.id).state == "failed"
    page = BeautifulSoup(client.get(f"/admin/webhooks/{hook.id}").get_data(as_text=True), "html.parser")
    assert [r.select_one("form") is not None for r in page.select("tr.delivery")] == [True, True]
    assert "(sent again)" in page.select("tr.delivery")[0].get_text()


def test_the_webhook_form_groups_events_and_starts_with_sensible_ones_ticked(client, users, admin):
    from bs4 import BeautifulSoup

    from portal.models.events import EVENT_TYPES
    from portal.web.admin_console import DEFAULT_EVENTS

    page = BeautifulSoup(client.get("/admin/webhooks").get_data(as_text=True), "html.parser")
    groups = {g.legend.get_text(strip=True): [i["value"] for i in g.select("input[name=events]")]
              for g in page.select("fieldset.event-group")}
    assert list(groups)[:5] == ["Work orders", "Assets", "Stock and parts", "Preventive maintenance", "Checklists"]
    assert "parts.consumed" in groups["Stock and parts"] and "pm.overdue" in groups["Preventive maintenance"]
    assert sorted(e for events in groups.values() for e in events) == sorted(EVENT_TYPES)  # each once
    ticked = [i["value"] for i in page.select("input[name=events][checked]")]
    assert ticked == list(DEFAULT_EVENTS)
    # Each box says what its event means, tied to it.
    box = page.select_one("#f-events-pm-overdue")
    assert page.select_one(f"#{box['aria-describedby']}").get_text(strip=True).startswith("A preventive work order")
    # Posted back with an error: the boxes are as the admin left them, not the defaults.
    resp = client.post("/admin/webhooks", data={"csrf_token": admin, "url": "", "events": ["pm.completed"]})
    again = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert resp.status_code == 422 and [i["value"] for i in again.select("input[name=events][checked]")] == ["pm.completed"]
    assert again.select_one("#e-url").get_text(strip=True) == "URL is required"
    # The address guard's refusal, in plain words (private targets are allowed in this file's other tests).
    client.application.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    resp = client.post("/admin/webhooks", data={"csrf_token": admin, "url": "http://10.1.2.3/hook",
                                                "events": ["pm.completed"]})
    message = BeautifulSoup(resp.get_data(as_text=True), "html.parser").select_one("#e-url").get_text(strip=True)
    assert resp.status_code == 422 and message.startswith("This address is inside a private network")
