"""The enrolment pages: /enrol (QR code, tap-to-add link, grouped key; after an MFA reset, the
one-time enrolment code first), the link /enrol/<code>, and the admin's reset page showing the code once."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal.models import EnrolmentCode, User
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service
from portal.services.identity import enrolment
from web.conftest import csrf_from

HX = {"HX-Request": "true"}


@pytest.fixture
def admin(client, users, portal_login):
    """Logged in as the north admin; returns a CSRF token for posts."""
    portal_login(users["north"]["admin"])
    return csrf_from(client.get("/admin/users").get_data(as_text=True))


def _reset(users):
    tech = users["north"]["technician"]
    issued = auth_service.reset_mfa(users.actor("north", "admin"), tech.id)
    return db.session.get(User, tech.id), issued


def _error(html: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="e-{name}">([^<]*)</p>', html)
    return found.group(1) if found else ""


def _flash(html: str) -> str:
    return html.split('id="flash"')[1].split("</div>")[0]


def _confirm(client, page: str, user: User):
    db.session.expire_all()
    secret = db.session.get(User, user.id).totp_secret
    return client.post("/enrol", data={"csrf_token": csrf_from(page), "code": pyotp.TOTP(secret).now()})


def test_scan_page_has_a_scalable_qr_code_a_tap_to_add_link_and_the_key_in_groups(client, auth_actions):
    user = auth_service.create_user("new@north.example.com", "correct horse battery", "technician", "North Plant",
                                    mfa_confirmed=False)
    auth_actions.login(user.email, code="")
    html = client.get("/enrol").get_data(as_text=True)
    uri = auth_service.provisioning_uri(user)
    svg = html.split('<figure class="qr">')[1].split("</svg>")[0]
    # A viewBox and no fixed size: the stylesheet scales it, so nothing is cropped at any width.
    assert "viewBox=" in svg and not re.search(r'<svg[^>]* width=', svg)
    assert f'href="{uri.replace("&", "&amp;")}"' in html and ">Add to authenticator app</a>" in html
    key = re.search(r'class="secret"[^>]*>([^<]+)<', html).group(1)
    assert key.split(" ") == [user.totp_secret[i:i + 4] for i in range(0, 32, 4)]
    assert 'name="enrolmentCode"' not in html  # a new user needs no enrolment code


def test_after_a_reset_the_password_leads_to_the_code_form_not_the_secret(client, users, auth_actions):
    user, issued = _reset(users)
    assert auth_actions.login(user.email, code="").headers["Location"] == "/enrol"
    resp = client.get("/enrol")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'name="enrolmentCode"' in html
    assert user.totp_secret not in html and "<svg" not in html and "otpauth://" not in html
    # Confirming without the code changes nothing: the page asks for the code again.
    resp = client.post("/enrol", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 200 and 'name="enrolmentCode"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is None


def test_typed_code_then_authenticator_enrols_and_spends_it(client, users, auth_actions):
    user, issued = _reset(users)
    auth_actions.login(user.email, code="")
    page = client.get("/enrol").get_data(as_text=True)
    bad = client.post("/enrol", data={"csrf_token": csrf_from(page), "enrolmentCode": "ABCD-EFGH"})
    assert bad.status_code == 422 and _error(bad.get_data(as_text=True), "enrolmentCode") == enrolment.INVALID
    empty = client.post("/enrol", data={"csrf_token": csrf_from(page), "enrolmentCode": ""})
    assert empty.status_code == 422 and _error(empty.get_data(as_text=True), "enrolmentCode")
    typed = issued.code.lower().replace("-", " ")
    resp = client.post("/enrol", data={"csrf_token": csrf_from(page), "enrolmentCode": typed})
    assert resp.status_code == 303 and resp.headers["Location"] == "/enrol"
    page = client.get("/enrol").get_data(as_text=True)
    assert "<svg" in page and 'name="enrolmentCode"' not in page
    resp = _confirm(client, page, user)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert db.session.get(EnrolmentCode, issued.id).used_at is not None


def test_the_link_keeps_the_code_through_login_and_out_of_the_cookie(app, client, users, auth_actions):
    user, issued = _reset(users)
    resp = client.get(f"/enrol/{issued.code}")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    with client.session_transaction() as sess:
        assert issued.code not in repr(dict(sess)) and issued.code.replace("-", "") not in repr(dict(sess))
    login = client.get("/login").get_data(as_text=True)
    assert "Enrolment code accepted" in _flash(login) and "leave the 6-digit code empty" in login
    assert auth_actions.login(user.email, code="").headers["Location"] == "/enrol"
    page = client.get("/enrol").get_data(as_text=True)
    assert "<svg" in page  # straight to the QR code
    assert _confirm(client, page, user).headers["Location"] == "/"
    # Used: the same link now says so, in words.
    other = app.test_client()
    resp = other.get(f"/enrol/{issued.code}")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert enrolment.USED in _flash(other.get("/login").get_data(as_text=True))


def test_an_expired_or_replaced_link_says_so(app, client, users):
    user, issued = _reset(users)
    db.session.get(EnrolmentCode, issued.id).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client.get(f"/enrol/{issued.code}")
    assert enrolment.EXPIRED.format(hours=72) in _flash(client.get("/login").get_data(as_text=True))
    _, newer = _reset(users)
    client.get(f"/enrol/{issued.code}")
    flash = _flash(client.get("/login").get_data(as_text=True))
    assert enrolment.REPLACED in flash
    assert client.get("/enrol/not-a-code").status_code == 303
    assert enrolment.INVALID in _flash(client.get("/login").get_data(as_text=True))


def test_code_expiring_between_the_steps_sends_back_to_the_code_form(client, users, auth_actions):
    user, issued = _reset(users)
    client.get(f"/enrol/{issued.code}")
    auth_actions.login(user.email, code="")
    page = client.get("/enrol").get_data(as_text=True)
    assert "<svg" in page
    db.session.get(EnrolmentCode, issued.id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = _confirm(client, page, user)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and _error(html, "enrolmentCode") == enrolment.EXPIRED.format(hours=72)
    assert "<svg" not in html
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is None


def test_a_logged_in_browser_is_told_to_log_out_before_the_link(client, users, portal_login):
    _, issued = _reset(users)
    portal_login(users["north"]["manager"])
    resp = client.get(f"/enrol/{issued.code}")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert "Log out, then open the enrolment link again" in _flash(client.get("/").get_data(as_text=True))
    assert db.session.get(EnrolmentCode, issued.id).used_at is None


def test_admin_reset_page_shows_the_code_and_link_once(client, users, admin):
    tech = users["north"]["technician"]
    for headers in ({"HX-Request": "true", "HX-Boosted": "true"}, {}):  # the boosted form, and without JavaScript
        resp = client.post(f"/admin/users/{tech.id}/reset-mfa", data={"csrf_token": admin}, headers=headers)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "<html" in html
        code = re.search(r'id="enrolment-code">([^<]+)<', html).group(1)
        assert f'value="http://localhost/enrol/{code}"' in html and "It works <strong>once</strong>" in html
        row = db.session.scalars(select(EnrolmentCode).where(EnrolmentCode.user_id == tech.id,
                                                             EnrolmentCode.revoked_at.is_(None))).one()
        assert enrolment.check(code, user_id=tech.id).id == row.id
        # Not on the users list afterwards (only the hash is kept).
        assert code not in client.get("/admin/users").get_data(as_text=True)
    # A fragment request (not boosted) gets the same page's content block.
    resp = client.post(f"/admin/users/{tech.id}/reset-mfa", headers={**HX, "X-CSRFToken": admin})
    assert resp.status_code == 200 and "<html" not in resp.get_data(as_text=True)
    assert 'id="enrolment-code"' in resp.get_data(as_text=True)
