"""The portal shell: login, enrolment, sessions, CSRF, per-face errors, render modes."""
from __future__ import annotations

import re

import pyotp
from conftest import PASSWORD
from sqlalchemy import select

from portal.models import AuthSession, User
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service
from web.conftest import csrf_from

HX = {"HX-Request": "true"}


def test_anonymous_home_redirects_to_login(client, users):
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    # An htmx fragment request cannot follow a redirect into a page: it is told to navigate.
    resp = client.get("/", headers=HX)
    assert resp.status_code == 401 and resp.headers["HX-Redirect"] == "/login"


def test_login_form_with_totp_lands_on_my_work(client, users, auth_actions):
    user = users["north"]["technician"]
    page = client.get("/login").get_data(as_text=True)
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    resp = auth_actions.login(user.email, user=user)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "<h1>My work</h1>" in home.get_data(as_text=True)
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_failures_answer_identically(client, users, auth_actions):
    user = users["north"]["technician"]
    good_code = pyotp.TOTP(user.totp_secret).now()
    wrong_code = f"{(int(good_code) + 1) % 1_000_000:06d}"
    answers = [
        auth_actions.login("nobody@north.example.com", code=good_code),
        auth_actions.login(user.email, password="wrong password", code=good_code),
        auth_actions.login(user.email, code=wrong_code),
        auth_actions.login(user.email, code=""),
    ]
    # Same page apart from the fresh CSRF token and the email typed back into its input.
    bodies = {re.sub(r'(content|value)="[^"]*"', "", r.get_data(as_text=True)) for r in answers}
    statuses = {r.status_code for r in answers}
    assert statuses == {401}
    texts = [r.get_data(as_text=True) for r in answers]
    assert all(auth_service.LOGIN_FAILED in t for t in texts)
    assert len(bodies) == 1
    assert client.get("/").status_code == 302  # still logged out


def test_csrf_token_missing_is_refused(client, users):
    user = users["north"]["technician"]
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 400
    assert "This form expired" in resp.get_data(as_text=True)
    assert db.session.scalar(select(AuthSession).where(AuthSession.user_id == user.id)) is None


def test_htmx_request_with_csrf_header_passes_and_api_stays_exempt(client, users, portal_login, auth):
    portal_login(users["north"]["technician"])
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", headers={**HX, "X-CSRFToken": token}).status_code == 302
    # The API has no cookies to forge: no CSRF token needed there.
    resp = client.post("/api/auth/logout", headers=auth("north", "manager"))
    assert resp.status_code == 200


def test_enrolment_flow_for_a_user_without_authenticator(client, app, auth_actions):
    user = auth_service.create_user("new@north.example.com", PASSWORD, "technician", "North Plant",
                                    mfa_confirmed=False)
    # The API refuses with a message sending them to the portal.
    resp = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD, "mfaToken": "123456"})
    assert resp.status_code == 401 and resp.get_json()["message"] == auth_service.ENROL_FIRST
    resp = auth_actions.login(user.email, code="")
    assert resp.status_code == 302 and resp.headers["Location"] == "/enrol"
    page = client.get("/enrol").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'class="secret"[^>]*>([^<]+)<', page).group(1).replace(" ", "")
    assert secret == db.session.get(User, user.id).totp_secret
    token = csrf_from(page)
    bad = client.post("/enrol", data={"csrf_token": token, "code": "12"})
    assert bad.status_code == 422, bad.get_data(as_text=True)[-600:]
    assert "6-digit" in bad.get_data(as_text=True)
    resp = client.post("/enrol", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is not None


def test_wrong_password_never_reaches_enrolment(client, app, auth_actions):
    user = auth_service.create_user("new2@north.example.com", PASSWORD, "technician", "North Plant",
                                    mfa_confirmed=False)
    resp = auth_actions.login(user.email, password="not the password", code="")
    assert resp.status_code == 401
    assert client.get("/enrol").status_code == 302


def test_reset_mfa_sends_the_user_back_to_enrolment(client, users, auth_actions, portal_login):
    user = users["north"]["technician"]
    portal_login(user)
    auth_service.reset_mfa(users.actor("north", "admin"), user.id)
    assert client.get("/").status_code == 302  # their sessions ended
    assert auth_actions.login(user.email, code="").headers["Location"] == "/enrol"


def test_revoked_session_is_logged_out(client, users, portal_login):
    sid = portal_login(users["north"]["technician"])
    assert client.get("/").status_code == 200
    auth_service.revoke_session(sid)
    assert client.get("/").status_code == 302


def test_deactivated_user_is_logged_out(client, users, portal_login):
    user = users["north"]["technician"]
    portal_login(user)
    assert client.get("/").status_code == 200
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_logout_revokes_the_session_row(client, users, auth_actions):
    user = users["north"]["technician"]
    auth_actions.login(user.email, user=user)
    assert client.get("/").status_code == 200
    resp = auth_actions.logout()
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    row = db.session.scalar(select(AuthSession).where(AuthSession.user_id == user.id))
    db.session.refresh(row)
    assert row.revoked_at is not None


def test_logout_without_csrf_is_refused(client, users, portal_login):
    portal_login(users["north"]["technician"])
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_page_fragment_and_history_restore(client, users, portal_login):
    portal_login(users["north"]["technician"])
    full = client.get("/")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]
    fragment = client.get("/", headers=HX)
    text = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in text and "<h1>My work</h1>" in text
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = client.get("/", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    restore = client.get("/", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_login_page_modes(client, users):
    assert "<html" in client.get("/login").get_data(as_text=True)
    assert "<html" not in client.get("/login", headers=HX).get_data(as_text=True)
    assert "<html" in client.get("/login", headers={**HX, "HX-History-Restore-Request": "true"}).get_data(as_text=True)


def test_errors_per_face(client, users, portal_login):
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.get_json()["message"]
    portal_login(users["north"]["technician"])
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)
    assert "Not found" in page.get_data(as_text=True)
    fragment = client.get("/no-such-page", headers=HX)
    assert fragment.status_code == 404 and "<html" not in fragment.get_data(as_text=True)
    assert 'data-status="404"' in fragment.get_data(as_text=True)


def test_no_inline_script_or_style(client, users, portal_login):
    for path in ("/login",):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    portal_login(users["north"]["technician"])
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html


def test_unexpected_error_is_a_portal_page_or_fragment(_schema):
    from conftest import make_app

    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("broken on purpose")

    with app.app_context():
        client = app.test_client()
        page = client.get("/boom")
        assert page.status_code == 500 and "<html" in page.get_data(as_text=True)
        assert "broken on purpose" not in page.get_data(as_text=True)
        fragment = client.get("/boom", headers=HX)
        assert fragment.status_code == 500 and 'data-status="500"' in fragment.get_data(as_text=True)
        assert "<html" not in fragment.get_data(as_text=True)


def test_login_posts_are_rate_limited(_schema, users):
    from conftest import make_app

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AUTH="2/minute", WTF_CSRF_ENABLED=False)
    with app.app_context():
        client = app.test_client()
        form = {"email": "nobody@north.example.com", "password": "x", "code": "000000"}
        assert [client.post("/login", data=form).status_code for _ in range(3)] == [401, 401, 429]
        assert "Too many attempts" in client.post("/login", data=form).get_data(as_text=True)
        assert client.get("/login").status_code == 200  # only posts count


def test_login_returns_to_the_page_asked_for_and_never_off_site(client, users, auth_actions):
    user = users["north"]["technician"]
    resp = client.get("/no-such-page?x=1")
    assert resp.status_code == 404  # unknown pages are 404 before any login question
    token = auth_actions.token()
    code = pyotp.TOTP(user.totp_secret).now()
    resp = client.post("/login?next=//evil.example.com/", data={
        "csrf_token": token, "email": user.email, "password": PASSWORD, "code": code})
    assert resp.headers["Location"] == "/"


def test_static_files_have_fingerprinted_urls_kept_for_a_year(client, users):
    import hashlib
    from pathlib import Path

    page = client.get("/login").get_data(as_text=True)
    root = Path(__file__).resolve().parents[2] / "static"
    # The tab icon too: without one, every first page of a browser asked for /favicon.ico (a 404).
    for name in ("css/base.css", "css/components.css", "css/areas.css", "js/portal.js", "vendor/htmx-2.0.11.min.js",
                 "vendor/idiomorph-ext-0.8.0.min.js", "favicon.svg"):
        version = hashlib.sha256((root / name).read_bytes()).hexdigest()[:12]
        url = f"/static/{name}?v={version}"
        assert f'"{url}"' in page  # a changed file gets a new URL, so a year's caching is safe
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        resp.close()
    # Without the fingerprint (an old bookmark, a hand-typed URL): revalidated as before.
    resp = client.get("/static/css/base.css")
    assert resp.status_code == 200 and "immutable" not in resp.headers.get("Cache-Control", "")
    resp.close()
    assert client.get("/static/no-such-file.css").status_code == 404


def test_a_logged_out_404_offers_the_login_not_my_work(client, users):
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "Back to My work" not in html and '<a class="button secondary" href="/login">Log in</a>' in html
    # The public report's link, no longer valid: what to do instead, and no hint why it failed.
    resp = client.get("/report/no-such-token")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "Back to My work" not in html
    assert "Tell the maintenance team" in html and '<a class="button secondary" href="/login">Log in</a>' in html


def test_too_many_attempts_says_so_in_words_not_the_limiters_rule(users):
    from conftest import make_app

    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_AUTH="2/minute")
    client = limited.test_client()
    with limited.app_context():
        token = csrf_from(client.get("/login").get_data(as_text=True))
        answers = [client.post("/login", data={"csrf_token": token, "email": "nobody@north.example.com",
                                               "password": "x", "code": ""}) for _ in range(3)]
    assert answers[-1].status_code == 429
    html = answers[-1].get_data(as_text=True)
    assert "You can try twice per minute. Try again in" in html  # the limit and the wait, in words
    assert "per 1 minute" not in html and "2 per" not in html
