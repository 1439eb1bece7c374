"""Every error on /api has the contract's shape {message, errors:[{field, message}]}."""
from __future__ import annotations

import factories
import pytest

from portal.models import DomainEvent, Equipment, Part, WorkOrder
from portal.platform.extensions import db


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"message", "errors"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    for item in body["errors"]:
        assert set(item) == {"field", "message"}
        assert isinstance(item["field"], str) and isinstance(item["message"], str)


POSTS = ["/api/work-orders", "/api/equipment", "/api/parts", "/api/parts/consume", "/api/auth/login"]


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("raw", ['{"title": "Pump",', "not json", '{"title": "x"} trailing', "\xff\xfe"])
def test_malformed_json(client, auth, path, raw):
    r = client.post(path, data=raw.encode("latin-1"), content_type="application/json",
                    headers=auth("north", "manager"))
    assert r.status_code == 400
    assert_error_shape(r.json)
    assert r.json["message"] == "Malformed JSON body"
    assert r.json["errors"] == [{"field": "body", "message": "Body is not valid JSON"}]


@pytest.mark.parametrize("raw", ["[]", '["title"]', '"title"', "42", "null"])
def test_body_must_be_an_object(client, auth, raw):
    r = client.post("/api/work-orders", data=raw, content_type="application/json", headers=auth("north", "manager"))
    assert r.status_code == 400
    assert_error_shape(r.json)
    assert r.json["errors"][0]["field"] == "body"


def test_json_without_content_type_is_still_read(client, auth):
    r = client.post("/api/work-orders", data='{"title": "Pump maintenance"}', headers=auth("north", "manager"))
    assert r.status_code == 201, r.json


@pytest.mark.parametrize("path, body", [
    ("/api/work-orders", {"title": "Pump"}),
    ("/api/equipment", {"assetTag": "PUMP-9"}),
    ("/api/parts", {"partNumber": "BRG-9"}),
])
@pytest.mark.parametrize("field", ["id", "warehouseId", "createdAt", "updatedAt"])
def test_read_only_fields_are_refused_on_create(client, auth, path, body, field):
    r = client.post(path, json={**body, field: "x"}, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert_error_shape(r.json)
    assert r.json["errors"] == [{"field": field, "message": "Read-only field"}]
    assert db.session.query(WorkOrder).count() + db.session.query(Equipment).count() + \
        db.session.query(Part).count() == 0


@pytest.mark.parametrize("field", ["foNumber", "requestedBy", "completedAt", "partsCost", "history", "id",
                                   "warehouseId"])
def test_read_only_work_order_fields_are_refused_on_patch(client, auth, users, field):
    wo = factories.work_order(users.actor("north", "manager"))
    r = client.patch(f"/api/work-orders/{wo.id}", json={"title": "Still here", field: "x"},
                     headers=auth("north", "manager"))
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": field, "message": "Read-only field"}]
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo.id).title != "Still here"


@pytest.mark.parametrize("path, body", [
    ("/api/work-orders", {"title": "Pump", "colour": "red"}),
    ("/api/equipment", {"assetTag": "PUMP-9", "serial_number": "123"}),
    ("/api/parts", {"partNumber": "BRG-9", "part_number": "BRG-9"}),
    ("/api/auth/login", {"email": "a@b.c", "password": "x", "mfaToken": "123456", "remember": True}),
])
def test_unknown_fields_are_refused(client, auth, path, body):
    r = client.post(path, json=body, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert_error_shape(r.json)
    unknown = next(k for k in body if k not in ("title", "assetTag", "partNumber", "email", "password", "mfaToken"))
    assert {"field": unknown, "message": "Unknown field"} in r.json["errors"]


@pytest.mark.parametrize("path, body, field", [
    ("/api/work-orders", {"title": None}, "title"),
    ("/api/work-orders", {"title": "x", "priority": None}, "priority"),
    ("/api/work-orders", {"title": "x", "type": None}, "type"),
    ("/api/equipment", {"assetTag": None}, "assetTag"),
    ("/api/equipment", {"assetTag": "X", "status": None}, "status"),
    ("/api/parts", {"partNumber": None}, "partNumber"),
    ("/api/parts", {"partNumber": "X", "stockLevel": None}, "stockLevel"),
    ("/api/parts", {"partNumber": "X", "unitCost": None}, "unitCost"),
    ("/api/parts/consume", {"workOrderId": None, "partsUsage": [{"partId": "p", "quantityUsed": 1}]}, "workOrderId"),
    ("/api/auth/login", {"email": None, "password": "x", "mfaToken": "123456"}, "email"),
])
def test_null_for_required_fields(client, auth, path, body, field):
    r = client.post(path, json=body, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert_error_shape(r.json)
    assert [e["field"] for e in r.json["errors"]] == [field]
    assert db.session.query(DomainEvent).count() == 0


@pytest.mark.parametrize("path, body, field", [
    ("/api/work-orders", {"title": 42}, "title"),
    ("/api/work-orders", {"title": "x", "assignedTo": 7}, "assignedTo"),
    ("/api/equipment", {"assetTag": ["A"]}, "assetTag"),
    ("/api/parts", {"partNumber": "X", "stockLevel": "many"}, "stockLevel"),
    ("/api/parts", {"partNumber": "X", "autoReorder": "perhaps"}, "autoReorder"),
])
def test_wrong_types(client, auth, path, body, field):
    r = client.post(path, json=body, headers=auth("north", "manager"))
    assert r.status_code == 400
    assert [e["field"] for e in r.json["errors"]] == [field]


def test_several_errors_are_reported_together(client, auth):
    r = client.post("/api/work-orders", json={"priority": "urgent", "type": "cosmetic", "id": "x"},
                    headers=auth("north", "manager"))
    assert r.status_code == 400
    assert {e["field"] for e in r.json["errors"]} == {"title", "priority", "type", "id"}


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/work-orders/x/y", "/api/", "/api"])
def test_unknown_api_path_is_a_json_404(client, auth, path):
    r = client.get(path, headers=auth("north", "manager"))
    assert r.status_code == 404
    assert r.is_json
    assert_error_shape(r.json)


@pytest.mark.parametrize("method, path, allowed", [
    ("delete", "/api/work-orders/abc", {"GET", "PATCH"}),
    ("put", "/api/work-orders/abc", {"GET", "PATCH"}),
    ("delete", "/api/work-orders", {"GET", "POST"}),
    ("post", "/api/auth/me", {"GET"}),
    ("get", "/api/auth/login", {"POST"}),
    ("put", "/api/equipment/abc", {"GET", "PATCH"}),
])
def test_wrong_method_is_a_json_405(client, auth, method, path, allowed):
    r = getattr(client, method)(path, headers=auth("north", "manager"))
    assert r.status_code == 405
    assert r.is_json
    assert_error_shape(r.json)
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= allowed


@pytest.mark.parametrize("method, path", [
    ("get", "/api/work-orders"), ("post", "/api/work-orders"), ("get", "/api/work-orders/x"),
    ("patch", "/api/work-orders/x"), ("get", "/api/equipment"), ("post", "/api/parts/consume"),
    ("post", "/api/auth/logout"), ("get", "/api/auth/me"),
])
def test_missing_token_is_a_json_401(client, method, path):
    r = getattr(client, method)(path, json={})
    assert r.status_code == 401
    assert_error_shape(r.json)


def test_expired_token_is_a_json_401(app, client, users):
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    token = create_access_token(identity=users["north"]["manager"].id, additional_claims={"sid": "x"},
                                expires_delta=timedelta(seconds=-5))
    r = client.get("/api/work-orders", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert_error_shape(r.json)


def test_pages_outside_api_keep_html_errors(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert not r.is_json


@pytest.mark.parametrize("method, path, body, field", [
    ("post", "/api/work-orders", {"title": "Pump\u0000"}, "title"),
    ("post", "/api/equipment", {"assetTag": "P\u0000"}, "assetTag"),
    ("post", "/api/parts", {"partNumber": "B\u0000"}, "partNumber"),
    ("post", "/api/auth/login", {"email": "a\u0000@b.c", "password": "x", "mfaToken": "123456"}, "email"),
    ("post", "/api/parts/consume", {"workOrderId": "w", "partsUsage": [{"partId": "\u0000", "quantityUsed": 1}]},
     "partsUsage[0].partId"),
    ("get", "/api/work-orders?q=%00", None, "q"),
    ("get", "/api/work-orders?assignedTo=%00", None, "assignedTo"),
    ("get", "/api/parts?category=%00", None, "category"),
])
def test_nul_characters_are_a_400_not_a_database_error(client, auth, method, path, body, field):
    """PostgreSQL refuses NUL in text; the API must say so as a 400 on the field, on both databases."""
    assert_400_on(client, auth, method, path, body, field)


def assert_400_on(client, auth, method: str, path: str, body, field: str) -> None:
    kwargs = {"headers": auth("north", "manager")}
    if body is not None:
        kwargs["json"] = body
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == 400, r.json
    assert [e["field"] for e in r.json["errors"]] == [field]


@pytest.mark.parametrize("path", ["/api/work-orders/%00", "/api/equipment/a%00b", "/api/parts/%00"])
def test_nul_in_an_id_is_simply_not_found(client, auth, path):
    r = client.get(path, headers=auth("north", "manager"))
    assert r.status_code == 404
    assert_error_shape(r.json)


@pytest.mark.parametrize("method, path, body, field", [
    ("post", "/api/work-orders", {"title": "x", "dueDate": "0001-01-01T00:00:00+01:00"}, "dueDate"),
    ("get", "/api/work-orders?dueBefore=0001-01-01T00:00:00%2B01:00", None, "dueBefore"),
    ("get", "/api/work-orders?page=100000000000000000000", None, "page"),
    ("post", "/api/parts", {"partNumber": "x", "unitCost": "1e400"}, "unitCost"),
    ("post", "/api/parts", {"partNumber": "x", "stockLevel": 2 ** 40}, "stockLevel"),
])
def test_out_of_range_values_are_a_400(client, auth, method, path, body, field):
    assert_400_on(client, auth, method, path, body, field)
