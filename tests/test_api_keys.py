"""API keys: admins create (shown once, stored hashed), list, revoke; keys work on every route as Bearer."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from conftest import make_app

from portal.models import ApiKey, WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.services.common.errors import Forbidden, ValidationFailed
from portal.services.identity import api_keys as service


def create(client, auth, name="ERP sync", role="manager", warehouse="north", who="admin"):
    return client.post("/api/api-keys", json={"name": name, "role": role}, headers=auth(warehouse, who))


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_admin_creates_a_key_shown_once_and_stored_hashed(client, auth, users):
    answer = create(client, auth)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    key = body["key"]
    assert key.startswith(f"mp_live_{body['id']}_") and body["prefix"] == f"mp_live_{body['id'][:8]}"
    assert body["role"] == "manager" and body["name"] == "ERP sync"
    assert body["warehouseId"] == users["north"]["admin"].warehouse_id
    assert body["createdBy"] == users["north"]["admin"].id and body["lastUsedAt"] is None
    row = db.session.get(ApiKey, body["id"])
    secret = key.rsplit("_", 1)[1]
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.secret_hash
    listed = client.get("/api/api-keys", headers=auth("north", "admin")).get_json()
    assert [k["id"] for k in listed] == [body["id"]] and "key" not in listed[0]
    one = client.get(f"/api/api-keys/{body['id']}", headers=auth("north", "admin")).get_json()
    assert "key" not in one and one["prefix"] == body["prefix"]


@pytest.mark.parametrize("role", ["manager", "technician", "requester"])
def test_only_admins_manage_keys(client, auth, role):
    assert create(client, auth, who=role).status_code == 403
    assert client.get("/api/api-keys", headers=auth("north", role)).status_code == 403
    key_id = create(client, auth).get_json()["id"]
    assert client.delete(f"/api/api-keys/{key_id}", headers=auth("north", role)).status_code == 403


def test_bad_input_is_a_400_and_writes_nothing(client, auth):
    for body in ({"name": "", "role": "manager"}, {"name": "x", "role": "system"}, {"name": "x"},
                 {"name": "x", "role": "manager", "secret": "mine"}):
        answer = client.post("/api/api-keys", json=body, headers=auth("north", "admin"))
        assert answer.status_code == 400, body
        assert answer.get_json()["errors"]
    assert db.session.query(ApiKey).count() == 0


def test_a_key_acts_on_every_route_with_its_role_in_its_warehouse(client, auth, users):
    key = create(client, auth, role="technician").get_json()["key"]
    me = client.get("/api/auth/me", headers=bearer(key)).get_json()
    assert me["role"] == "technician" and me["warehouseId"] == users["north"]["admin"].warehouse_id
    made = client.post("/api/work-orders", json={"title": "Via key", "priority": "high"}, headers=bearer(key))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["requestedBy"] == users["north"]["admin"].id
    # Technician rights only, though an admin created it.
    assert client.get("/api/webhooks", headers=bearer(key)).status_code == 403
    assert client.post("/api/equipment", json={"assetTag": "P-1"}, headers=bearer(key)).status_code == 403
    assert client.get("/api/api-keys", headers=bearer(key)).status_code == 403
    # Another warehouse's work order is not found, not forbidden.
    south = client.post("/api/work-orders", json={"title": "South job"}, headers=auth("south", "manager"))
    assert client.get(f"/api/work-orders/{south.get_json()['id']}", headers=bearer(key)).status_code == 404
    assert [w["title"] for w in client.get("/api/work-orders", headers=bearer(key)).get_json()] == ["Via key"]


def test_other_warehouse_admin_neither_sees_nor_revokes(client, auth):
    body = create(client, auth).get_json()
    assert client.get("/api/api-keys", headers=auth("south", "admin")).get_json() == []
    assert client.get(f"/api/api-keys/{body['id']}", headers=auth("south", "admin")).status_code == 404
    assert client.delete(f"/api/api-keys/{body['id']}", headers=auth("south", "admin")).status_code == 404
    assert client.get("/api/work-orders", headers=bearer(body["key"])).status_code == 200


def test_revoked_key_is_refused_at_once(client, auth):
    body = create(client, auth).get_json()
    assert client.get("/api/work-orders", headers=bearer(body["key"])).status_code == 200
    assert client.delete(f"/api/api-keys/{body['id']}", headers=auth("north", "admin")).status_code == 204
    answer = client.get("/api/work-orders", headers=bearer(body["key"]))
    assert answer.status_code == 401
    assert answer.get_json()["message"] == "Invalid or revoked API key"
    listed = client.get(f"/api/api-keys/{body['id']}", headers=auth("north", "admin")).get_json()
    assert listed["revokedAt"] is not None


def test_wrong_secret_or_malformed_key_is_401(client, auth):
    key = create(client, auth).get_json()["key"]
    for bad in (key[:-1] + ("0" if key[-1] != "0" else "1"), "mp_live_", "mp_live_x_y", key + "\x01"):
        answer = client.get("/api/work-orders", headers=bearer(bad))
        assert answer.status_code == 401, bad
        assert answer.get_json()["errors"][0]["field"] == "Authorization"


def test_role_cap_at_creation_and_at_use(app, client, auth, users):
    admin = users.actor("north", "admin")
    with pytest.raises(ValidationFailed):
        service.create_key(admin, "x", "system")
    manager = users.actor("north", "manager")
    with pytest.raises(Forbidden):
        service.create_key(manager, "x", "requester")  # only admins create keys at all
    # The cap at creation: never above the creator's own role.
    from portal.services.common.actor import Actor
    demoted_admin_view = Actor(id=admin.id, role="technician", warehouse_id=admin.warehouse_id)
    with pytest.raises(Forbidden):
        service.create_key(demoted_admin_view, "x", "manager")
    _, text = service.create_key(admin, "Admin key", "admin")
    assert client.get("/api/api-keys", headers=bearer(text)).status_code == 200
    # The creator is demoted: the key is capped at their new role at once.
    users["north"]["admin"].role = "technician"
    db.session.commit()
    assert client.get("/api/api-keys", headers=bearer(text)).status_code == 403
    assert client.get("/api/auth/me", headers=bearer(text)).get_json()["role"] == "technician"
    # Disabled creator: the key stops working.
    users["north"]["admin"].active = False
    db.session.commit()
    assert client.get("/api/work-orders", headers=bearer(text)).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(app, client, auth, users):
    body = create(client, auth).get_json()
    key = body["key"]
    t0 = utcnow()
    assert service.authenticate(key, now=t0) is not None
    row = db.session.get(ApiKey, body["id"])
    db.session.refresh(row)
    first = row.last_used_at
    assert first is not None and abs((first - t0).total_seconds()) < 0.01
    service.authenticate(key, now=t0 + timedelta(seconds=59))
    db.session.refresh(row)
    assert row.last_used_at == first
    service.authenticate(key, now=t0 + timedelta(seconds=61))
    db.session.refresh(row)
    assert row.last_used_at > first


def test_logout_with_a_key_is_refused_and_the_key_still_works(client, auth):
    key = create(client, auth).get_json()["key"]
    assert client.post("/api/auth/logout", headers=bearer(key)).status_code == 400
    assert client.get("/api/work-orders", headers=bearer(key)).status_code == 200


def test_each_key_has_its_own_rate_limit(_schema, users_for_limits):
    app, admin_token, manager_token = users_for_limits
    client = app.test_client()
    key1 = client.post("/api/api-keys", json={"name": "one", "role": "manager"}, headers=bearer(admin_token))
    key2 = client.post("/api/api-keys", json={"name": "two", "role": "manager"}, headers=bearer(admin_token))
    k1, k2 = key1.get_json()["key"], key2.get_json()["key"]
    for _ in range(3):
        assert client.get("/api/work-orders", headers=bearer(k1)).status_code == 200
    refused = client.get("/api/work-orders", headers=bearer(k1))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Limit"] == "3"
    # Neither the other key nor the admin who made them is counted on that budget.
    assert client.get("/api/work-orders", headers=bearer(k2)).status_code == 200
    assert client.get("/api/work-orders", headers=bearer(manager_token)).status_code == 200


@pytest.fixture
def users_for_limits(_schema):
    from conftest import _empty_tables, token_for

    from portal.services.identity import auth as auth_service

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="3/minute")
    with app.app_context():
        _empty_tables()
        get_redis().flushdb()
        admin = auth_service.create_user("admin@limits.example.com", "correct horse battery", "admin", "Limits")
        manager = auth_service.create_user("mgr@limits.example.com", "correct horse battery", "manager", "Limits")
        yield app, token_for(admin), token_for(manager)
        _empty_tables()
        get_redis().flushdb()
        db.engine.dispose()


def test_work_order_made_with_a_key_is_in_the_keys_warehouse(client, auth, users):
    key = create(client, auth, role="manager").get_json()["key"]
    wo_id = client.post("/api/work-orders", json={"title": "K"}, headers=bearer(key)).get_json()["id"]
    assert db.session.get(WorkOrder, wo_id).warehouse_id == users["north"]["admin"].warehouse_id
