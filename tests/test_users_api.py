"""/api/users: admins manage the users of their own warehouse (issue 9, "Admins")."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyotp
from conftest import PASSWORD, token_for
from sqlalchemy import select

from portal.models import AuthSession, EnrolmentCode, User
from portal.platform.extensions import db
from portal.services.identity import auth as auth_service
from portal.services.identity import users as user_service


def test_admin_lists_own_warehouse_users_with_mfa_and_last_login(client, auth, users):
    resp = client.get("/api/users", headers=auth("north", "admin"))
    assert resp.status_code == 200
    emails = {u["email"] for u in resp.json}
    assert "technician@north.example.com" in emails and not any("south" in e for e in emails)
    assert resp.headers["X-Total-Count"] == str(len(resp.json)) == "5"
    admin = next(u for u in resp.json if u["email"] == "admin@north.example.com")
    assert admin["mfaEnrolled"] is True and admin["lastLoginAt"] is not None  # the token's session
    tech = next(u for u in resp.json if u["email"] == "technician@north.example.com")
    assert tech["lastLoginAt"] is None


def test_only_admins_manage_users(client, auth, users):
    target = users["north"]["technician"].id
    for role in ("manager", "technician", "requester"):
        headers = auth("north", role)
        assert client.get("/api/users", headers=headers).status_code == 403
        assert client.post("/api/users", headers=headers, json={"email": "a@b.c", "role": "admin",
                                                                 "password": PASSWORD}).status_code == 403
        assert client.patch(f"/api/users/{target}", headers=headers, json={"role": "admin"}).status_code == 403
        assert client.post(f"/api/users/{target}/reset-mfa", headers=headers).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target).role == "technician"


def test_another_warehouse_user_is_not_found(client, auth, users):
    south = users["south"]["technician"]
    headers = auth("north", "admin")
    assert client.get(f"/api/users/{south.id}", headers=headers).status_code == 404
    assert client.patch(f"/api/users/{south.id}", headers=headers, json={"active": False}).status_code == 404
    assert client.post(f"/api/users/{south.id}/reset-mfa", headers=headers).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, south.id).active is True


def test_created_user_enrols_at_first_portal_login(client, auth, users):
    resp = client.post("/api/users", headers=auth("north", "admin"),
                       json={"email": "New.Fitter@north.example.com", "name": "New fitter", "role": "technician",
                             "password": PASSWORD})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["email"] == "new.fitter@north.example.com" and body["mfaEnrolled"] is False
    assert body["warehouseId"] == users["north"]["admin"].warehouse_id and body["lastLoginAt"] is None
    login = client.post("/api/auth/login", json={"email": body["email"], "password": PASSWORD, "mfaToken": "123456"})
    assert login.status_code == 401 and login.json["message"] == auth_service.ENROL_FIRST
    again = client.post("/api/users", headers=auth("north", "admin"),
                        json={"email": body["email"], "role": "technician", "password": PASSWORD})
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "email"


def test_create_refuses_bad_fields(client, auth, users):
    resp = client.post("/api/users", headers=auth("north", "admin"),
                       json={"email": "no-at-sign", "role": "boss", "password": "short"})
    assert resp.status_code == 400
    assert {e["field"] for e in resp.json["errors"]} == {"email", "role", "password"}
    assert db.session.scalar(select(User).where(User.email == "no-at-sign")) is None


def test_deactivate_ends_every_session_at_once_and_reactivate(client, auth, users):
    tech = users["north"]["technician"]
    token = token_for(tech)
    tech_headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=tech_headers).status_code == 200
    resp = client.patch(f"/api/users/{tech.id}", headers=auth("north", "admin"), json={"active": False})
    assert resp.status_code == 200 and resp.json["active"] is False
    assert client.get("/api/auth/me", headers=tech_headers).status_code == 401
    sessions = db.session.scalars(select(AuthSession).where(AuthSession.user_id == tech.id)).all()
    assert sessions and all(s.revoked_at is not None for s in sessions)
    code = pyotp.TOTP(tech.totp_secret).now()
    assert client.post("/api/auth/login", json={"email": tech.email, "password": PASSWORD,
                                                "mfaToken": code}).status_code == 401
    resp = client.patch(f"/api/users/{tech.id}", headers=auth("north", "admin"), json={"active": True})
    assert resp.status_code == 200 and resp.json["active"] is True
    assert client.post("/api/auth/login", json={"email": tech.email, "password": PASSWORD,
                                                "mfaToken": code}).status_code == 200


def test_admin_cannot_deactivate_or_demote_themselves(client, auth, users):
    me = users["north"]["admin"]
    headers = auth("north", "admin")
    resp = client.patch(f"/api/users/{me.id}", headers=headers, json={"active": False})
    assert resp.status_code == 409 and resp.json["message"] == user_service.SELF_DEACTIVATE
    assert resp.json["errors"] == [{"field": "active", "message": user_service.SELF_DEACTIVATE}]
    resp = client.patch(f"/api/users/{me.id}", headers=headers, json={"role": "manager"})
    assert resp.status_code == 409 and resp.json["errors"][0]["field"] == "role"
    db.session.expire_all()
    assert (db.session.get(User, me.id).role, db.session.get(User, me.id).active) == ("admin", True)
    # Their name they may change.
    assert client.patch(f"/api/users/{me.id}", headers=headers, json={"name": "Chief"}).json["name"] == "Chief"


def test_last_active_admin_stays(client, auth, users):
    north = users.actor("north", "admin")
    second = user_service.create_user(north, user_service.UserCreate(email="admin2@north.example.com",
                                                                     role="admin", password=PASSWORD))
    headers = {"Authorization": f"Bearer {token_for(db.session.get(User, second.id))}"}
    first = users["north"]["admin"]
    # The second admin demotes the first: allowed, one admin remains.
    resp = client.patch(f"/api/users/{first.id}", headers=headers, json={"role": "manager"})
    assert resp.status_code == 200 and resp.json["role"] == "manager"
    # A system actor (no own account) cannot remove the last one either.
    from portal.services.common.actor import Actor
    system = Actor.system(first.warehouse_id)
    try:
        user_service.update_user(system, second.id, user_service.UserUpdate(active=False))
    except user_service.Conflict as exc:
        assert exc.message == user_service.LAST_ADMIN
    else:
        raise AssertionError("the last admin was deactivated")
    db.session.expire_all()
    assert db.session.get(User, second.id).active is True


def test_role_change_applies_to_existing_tokens(client, auth, users):
    manager = users["north"]["manager"]
    headers = {"Authorization": f"Bearer {token_for(manager)}"}
    assert client.get("/api/kpis", headers=headers).status_code == 200
    client.patch(f"/api/users/{manager.id}", headers=auth("north", "admin"), json={"role": "requester"})
    assert client.get("/api/kpis", headers=headers).status_code == 403


def test_reset_mfa_ends_sessions_and_forces_enrolment(client, auth, users):
    tech = users["north"]["technician"]
    old_secret = tech.totp_secret
    tech_headers = {"Authorization": f"Bearer {token_for(tech)}"}
    resp = client.post(f"/api/users/{tech.id}/reset-mfa", headers=auth("north", "admin"))
    assert resp.status_code == 200 and resp.json["mfaEnrolled"] is False
    # The user as before, plus the one-time enrolment code and its link (hash kept, code shown once).
    code = resp.json["enrolmentCode"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}", code)
    assert resp.json["enrolmentUrl"] == f"http://localhost/enrol/{code}"
    stored = db.session.scalars(select(EnrolmentCode).where(EnrolmentCode.user_id == tech.id)).one()
    # The API writes milliseconds.
    assert abs(datetime.fromisoformat(resp.json["enrolmentExpiresAt"]) - stored.expires_at) < timedelta(milliseconds=1)
    assert set(resp.json) - {"enrolmentCode", "enrolmentUrl", "enrolmentExpiresAt"} == set(
        client.get(f"/api/users/{tech.id}", headers=auth("north", "admin")).json)
    assert client.get("/api/auth/me", headers=tech_headers).status_code == 401
    db.session.expire_all()
    assert db.session.get(User, tech.id).totp_secret != old_secret
    login = client.post("/api/auth/login", json={"email": tech.email, "password": PASSWORD,
                                                 "mfaToken": pyotp.TOTP(old_secret).now()})
    assert login.status_code == 401 and login.json["message"] == auth_service.ENROL_FIRST


def test_users_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/users"])
    user_path = next(p for p in paths if p.startswith("/api/users/{") and p.count("/") == 3)
    assert "patch" in paths[user_path]
    assert any(p.endswith("/reset-mfa") for p in paths)
