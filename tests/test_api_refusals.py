"""Refusals an integrator meets, in the contract's error format and in words: parts on a closed work
order (409), a credential that is no token or key (401), a role without the permission (403)."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import select

from portal.models import Part, PartConsumption
from portal.platform.extensions import db
from portal.services.identity.permissions import ACTIONS, PERMISSIONS, ROLES_IN_WORDS, refusal


def consume(client, headers: dict, wo_id: str, part_id: str):
    return client.post("/api/parts/consume", headers=headers,
                       json={"workOrderId": wo_id, "partsUsage": [{"partId": part_id, "quantityUsed": 1}]})


@pytest.mark.parametrize("closed", ["completed", "cancelled"])
def test_no_parts_on_a_closed_work_order(client, auth, users, closed):
    manager = users.actor("north", "manager")
    technician = users["north"]["technician"]
    part = factories.part(manager, partNumber="BRG-6205", stockLevel=5)
    wo = factories.work_order(manager, assignedTo=technician.id)
    statuses = ("in_progress", "completed") if closed == "completed" else ("cancelled",)
    factories.move_to(manager, wo.id, *statuses, completionNotes="Done")
    for role in ("technician", "manager"):
        r = consume(client, auth("north", role), wo.id, part.id)
        text = f"Parts cannot be used on a {closed} work order"
        assert r.status_code == 409
        assert r.get_json() == {"message": text, "errors": [{"field": "workOrderId", "message": text}]}
    db.session.expire_all()
    assert db.session.get(Part, part.id).stock_level == 5
    assert not db.session.scalars(select(PartConsumption).where(PartConsumption.work_order_id == wo.id)).all()


def test_parts_while_the_work_is_open(client, auth, users):
    manager = users.actor("north", "manager")
    part = factories.part(manager, partNumber="BRG-6206", stockLevel=5)
    wo = factories.work_order(manager, assignedTo=users["north"]["technician"].id)
    factories.move_to(manager, wo.id, "in_progress")
    assert consume(client, auth("north", "technician"), wo.id, part.id).status_code == 201


@pytest.mark.parametrize("credential", ["not-a-key", "mp_live_short", "mp_live_" + "0" * 36, "abc.def"])
def test_a_malformed_api_key_is_an_invalid_api_key(client, credential):
    r = client.get("/api/work-orders", headers={"Authorization": f"Bearer {credential}"})
    assert r.status_code == 401
    body = r.get_json()
    assert body["message"] == "Invalid API key"
    assert [e["field"] for e in body["errors"]] == ["Authorization"]
    assert "segments" not in r.get_data(as_text=True)


def test_an_unknown_well_formed_key_is_invalid_or_revoked(client):
    r = client.get("/api/work-orders", headers={"Authorization": "Bearer mp_live_" + "0" * 36 + "_secret"})
    assert r.status_code == 401 and r.get_json()["message"] == "Invalid or revoked API key"


@pytest.mark.parametrize("credential", ["a.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"])
def test_a_damaged_jwt_is_an_invalid_token_in_words(client, credential):
    r = client.get("/api/work-orders", headers={"Authorization": f"Bearer {credential}"})
    assert r.status_code == 401
    body = r.get_json()
    assert body["message"] == "Invalid token"
    assert body["errors"][0]["message"].startswith("The access token is damaged")


def test_every_permission_is_said_in_words():
    assert set(ACTIONS) == set(PERMISSIONS)
    roles = set().union(*PERMISSIONS.values())
    assert roles <= set(ROLES_IN_WORDS)
    assert refusal("technician", "webhooks.manage") == "Technicians cannot manage webhooks"


def test_a_permission_refusal_reads_as_a_sentence(client, auth):
    r = client.post("/api/webhooks", headers=auth("north", "technician"),
                    json={"url": "https://hooks.example.com/x", "events": ["work_order.created"]})
    assert r.status_code == 403
    assert r.get_json()["message"] == "Technicians cannot manage webhooks"
    r = client.post("/api/equipment", headers=auth("north", "requester"), json={"assetTag": "FAN-9"})
    assert r.get_json()["message"] == "Requesters cannot add or change equipment"
