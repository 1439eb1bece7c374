"""POST /api/auth/login, /refresh, /logout and GET /api/auth/me, as the contract shows them."""
from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from conftest import PASSWORD, make_app, token_for

from portal.models import AuthSession, User
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.common.errors import Unauthorized
from portal.services.identity import auth as auth_service

LOGIN_FAILED = "Invalid email, password or MFA code"


def current_code(user) -> str:
    return pyotp.TOTP(user.totp_secret).now()


def login(client, user, *, code: str | None = None, password: str = PASSWORD, email: str | None = None):
    return client.post("/api/auth/login", json={
        "email": email or user.email, "password": password, "mfaToken": code or current_code(user)})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_login_answers_the_contract_shape(client, users):
    tech = users["north"]["technician"]
    r = login(client, tech)
    assert r.status_code == 200, r.json
    body = r.json
    assert set(body) == {"user", "token", "refreshToken", "sessionId"}
    assert {"id", "email", "role", "warehouseId"} <= set(body["user"])
    assert body["user"]["id"] == tech.id
    assert body["user"]["email"] == "technician@north.example.com"
    assert body["user"]["role"] == "technician"
    assert body["user"]["warehouseId"] == tech.warehouse_id
    assert db.session.get(AuthSession, body["sessionId"]).user_id == tech.id
    me = client.get("/api/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json["id"] == tech.id and me.json["warehouseId"] == tech.warehouse_id


def test_login_email_is_case_and_space_insensitive(client, users):
    manager = users["north"]["manager"]
    r = login(client, manager, email="  Manager@North.Example.com ")
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("wrong", ["email", "password", "code"])
def test_wrong_email_password_or_code_look_the_same(client, users, wrong):
    manager = users["north"]["manager"]
    good_code = current_code(manager)
    bad_code = f"{(int(good_code) + 1) % 1_000_000:06d}"
    r = login(client, manager,
              email="nobody@north.example.com" if wrong == "email" else None,
              password="wrong password" if wrong == "password" else PASSWORD,
              code=bad_code if wrong == "code" else good_code)
    assert r.status_code == 401
    assert r.json == {"message": LOGIN_FAILED, "errors": []}


def test_wrong_password_does_not_spend_the_code(client, users):
    manager = users["north"]["manager"]
    code = current_code(manager)
    assert login(client, manager, code=code, password="wrong password").status_code == 401
    assert login(client, manager, code=code).status_code == 200


def test_a_code_cannot_be_replayed(client, users):
    manager = users["north"]["manager"]
    code = current_code(manager)
    assert login(client, manager, code=code).status_code == 200
    again = login(client, manager, code=code)
    assert again.status_code == 401
    assert again.json["message"] == LOGIN_FAILED


def test_a_code_of_one_user_is_not_spent_for_another(client, users):
    a, b = users["north"]["manager"], users["north"]["admin"]
    assert login(client, a).status_code == 200
    assert login(client, b).status_code == 200


def test_disabled_user_cannot_log_in(client, users):
    manager = users["north"]["manager"]
    db.session.get(User, manager.id).active = False
    db.session.commit()
    r = login(client, manager)
    assert r.status_code == 401 and r.json["message"] == LOGIN_FAILED


@pytest.mark.parametrize("offset_steps, accepted", [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_totp_window_is_one_step_each_side(app, users, offset_steps, accepted):
    user = users["north"]["technician"]
    # Middle of a step, so the boundary cannot be crossed while the test runs.
    now = utcnow().replace(microsecond=0)
    now = now - timedelta(seconds=now.second % 30) + timedelta(seconds=15)
    code = pyotp.TOTP(user.totp_secret).at(now + timedelta(seconds=30 * offset_steps))
    if accepted:
        logged_in, session = auth_service.login(user.email, PASSWORD, code, now=now)
        assert logged_in.id == user.id and session.revoked_at is None
    else:
        with pytest.raises(Unauthorized):
            auth_service.login(user.email, PASSWORD, code, now=now)


def test_an_older_code_is_refused_once_a_newer_one_was_used(app, users):
    user = users["north"]["technician"]
    now = utcnow()
    totp = pyotp.TOTP(user.totp_secret)
    auth_service.login(user.email, PASSWORD, totp.at(now), now=now)
    with pytest.raises(Unauthorized):
        auth_service.login(user.email, PASSWORD, totp.at(now - timedelta(seconds=30)), now=now)


@pytest.mark.parametrize("body", [
    # (a missing mfaToken is a failed login, 401: tests/test_security.py)
    {"email": "a@b.c", "password": "x", "mfaToken": "1" * 65},
    {"email": "a@b.c", "mfaToken": "123456"},
    {"password": "x", "mfaToken": "123456"},
    {"email": "a@b.c", "password": "x", "mfaToken": "123456", "role": "admin"},
])
def test_login_body_is_validated(client, users, body):
    r = client.post("/api/auth/login", json=body)
    assert r.status_code == 400
    assert r.json["message"] and r.json["errors"]
    assert all(set(e) == {"field", "message"} for e in r.json["errors"])


def test_refresh_with_bearer_refresh_token(client, users):
    manager = users["north"]["manager"]
    tokens = login(client, manager).json
    r = client.post("/api/auth/refresh", headers=bearer(tokens["refreshToken"]))
    assert r.status_code == 200, r.json
    assert set(r.json) == {"token"}
    me = client.get("/api/auth/me", headers=bearer(r.json["token"]))
    assert me.status_code == 200 and me.json["id"] == manager.id


def test_refresh_with_body(client, users):
    manager = users["north"]["manager"]
    tokens = login(client, manager).json
    r = client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert r.status_code == 200, r.json
    assert client.get("/api/auth/me", headers=bearer(r.json["token"])).status_code == 200


def test_refresh_with_body_while_still_sending_the_access_token(client, users):
    """A client that always sends its (maybe expired) access token must still be able to refresh."""
    manager = users["north"]["manager"]
    tokens = login(client, manager).json
    r = client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]},
                    headers=bearer(tokens["token"]))
    assert r.status_code == 200, r.json


def test_access_token_is_not_a_refresh_token_and_back(client, users):
    tokens = login(client, users["north"]["manager"]).json
    assert client.post("/api/auth/refresh", headers=bearer(tokens["token"])).status_code == 401
    r = client.get("/api/auth/me", headers=bearer(tokens["refreshToken"]))
    assert r.status_code == 401
    assert r.json["message"]


def test_refresh_without_token(client, users):
    r = client.post("/api/auth/refresh")
    assert r.status_code == 401
    assert set(r.json) == {"message", "errors"}


def test_logout_kills_access_and_refresh_token_at_once(client, users):
    tokens = login(client, users["north"]["manager"]).json
    r = client.post("/api/auth/logout", headers=bearer(tokens["token"]))
    assert r.status_code == 200
    assert r.json["sessionId"] == tokens["sessionId"]
    assert db.session.get(AuthSession, tokens["sessionId"]).revoked_at is not None
    me = client.get("/api/auth/me", headers=bearer(tokens["token"]))
    assert me.status_code == 401 and me.json["message"] == "Session has been revoked"
    assert client.post("/api/auth/refresh", headers=bearer(tokens["refreshToken"])).status_code == 401
    assert client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]}).status_code == 401
    assert client.get("/api/work-orders", headers=bearer(tokens["token"])).status_code == 401


def test_logout_is_seen_by_another_app_instance(client, users):
    """A second app (another gunicorn worker or host) refuses the tokens of a logged-out session."""
    other_app = make_app()
    other = other_app.test_client()
    try:
        tokens = login(client, users["north"]["manager"]).json
        assert other.get("/api/auth/me", headers=bearer(tokens["token"])).status_code == 200
        assert client.post("/api/auth/logout", headers=bearer(tokens["token"])).status_code == 200
        assert other.get("/api/auth/me", headers=bearer(tokens["token"])).status_code == 401
        assert other.post("/api/auth/refresh", headers=bearer(tokens["refreshToken"])).status_code == 401
    finally:
        with other_app.app_context():
            db.engine.dispose()


def test_logout_leaves_other_sessions_alive(client, users):
    manager = users["north"]["manager"]
    first = login(client, manager).json
    second = token_for(manager)  # another session, without spending a second TOTP code
    client.post("/api/auth/logout", headers=bearer(first["token"]))
    assert client.get("/api/auth/me", headers=bearer(second)).status_code == 200


def test_expired_session_is_refused(client, users):
    tokens = login(client, users["north"]["manager"]).json
    db.session.get(AuthSession, tokens["sessionId"]).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/auth/me", headers=bearer(tokens["token"])).status_code == 401


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}])
def test_me_requires_a_valid_token(client, users, headers):
    r = client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401
    assert set(r.json) == {"message", "errors"} and r.json["message"]


def test_token_of_a_disabled_user_stops_working(client, users):
    manager = users["north"]["manager"]
    tokens = login(client, manager).json
    db.session.get(User, manager.id).active = False
    db.session.commit()
    assert client.get("/api/auth/me", headers=bearer(tokens["token"])).status_code == 401


def test_code_may_be_sent_as_a_json_number(client, users):
    manager = users["north"]["manager"]
    code = current_code(manager)
    r = client.post("/api/auth/login", json={"email": manager.email, "password": PASSWORD, "mfaToken": int(code)})
    assert r.status_code == 200, r.json


def test_refreshed_token_dies_with_its_session(client, users):
    tokens = login(client, users["north"]["manager"]).json
    fresh = client.post("/api/auth/refresh", headers=bearer(tokens["refreshToken"])).json["token"]
    assert client.post("/api/auth/logout", headers=bearer(fresh)).status_code == 200
    for token in (fresh, tokens["token"]):
        assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/auth/logout", headers=bearer(tokens["token"])).status_code == 401
