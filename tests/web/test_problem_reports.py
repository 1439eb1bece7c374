"""/report/<token>: problem reports without an account; the warehouse switch and token rotation
(admin page and API)."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import select

from portal.models import DomainEvent, Equipment, Warehouse, WebhookDelivery, WorkOrder, WorkOrderHistory
from portal.platform.extensions import db
from portal.schemas.warehouse import WarehouseUpdate
from portal.schemas.webhooks import WebhookCreate
from portal.services.identity import warehouses as warehouse_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.work_orders import problem_reports
from web.conftest import Tags, csrf_from

HX = {"HX-Request": "true"}


def _enable(users, warehouse: str = "north", on: bool = True) -> None:
    warehouse_service.update_settings(users.actor(warehouse, "admin"), WarehouseUpdate(problemReportsEnabled=on))


def _report(client, token: str, **fields):
    page = client.get(f"/report/{token}")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "description": "Loud grinding noise\nand smoke",
            "reporterName": "Alex from packing", "reporterContact": "+33 6 12 34 56 78", **fields}
    return client.post(f"/report/{token}", data=data)


def test_off_by_default_and_unknown_tokens_answer_404(client, users):
    pump = factories.equipment(users.actor("north", "manager"))
    assert db.session.get(Warehouse, pump.warehouse_id).problem_reports_enabled is False
    assert client.get(f"/report/{pump.report_token}").status_code == 404
    _enable(users)
    assert client.get(f"/report/{pump.report_token}").status_code == 200
    for bad in ("nope", pump.report_token[:-1], "x" * 65):
        assert client.get(f"/report/{bad}").status_code == 404
    _enable(users, on=False)
    assert client.get(f"/report/{pump.report_token}").status_code == 404


def test_tokens_are_unguessable_and_unique(app, users):
    manager = users.actor("north", "manager")
    tokens = {factories.equipment(manager).report_token for _ in range(5)}
    assert len(tokens) == 5 and all(len(t) >= 43 for t in tokens)  # 256 bits in url-safe base64
    assert all(set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for t in tokens)


def test_report_creates_a_new_corrective_work_order_with_reporter_and_webhook(app, client, users):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
        {"url": "http://127.0.0.1:9/hook", "events": ["work_order.created"], "secret": "s" * 32}))
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-7", description="Cooling pump")
    _enable(users)
    page = client.get(f"/report/{pump.report_token}").get_data(as_text=True)
    assert "PMP-7" in page and "Cooling pump" in page and 'name="reporterName"' in page
    photo = Tags(page).find_all("input", name="photo")[0]  # the phone's camera
    assert (photo["type"], photo["accept"], photo["capture"]) == ("file", "image/*", "environment")
    resp = _report(client, pump.report_token)
    assert resp.status_code == 200
    wo = db.session.scalars(select(WorkOrder)).one()
    assert wo.fo_number in resp.get_data(as_text=True)
    assert (wo.status, wo.type, wo.equipment_id, wo.requested_by, wo.assigned_to) == (
        "new", "corrective", pump.id, None, None)
    assert wo.title == "PMP-7: Loud grinding noise"
    assert wo.description == "Loud grinding noise\nand smoke"
    assert (wo.reporter_name, wo.reporter_contact) == ("Alex from packing", "+33 6 12 34 56 78")
    event = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "work_order.created")).one()
    assert event.payload["workOrder"]["reporterName"] == "Alex from packing"
    assert event.payload["workOrder"]["requestedBy"] is None and event.payload["createdBy"] is None
    assert db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)).one()
    assert db.session.scalars(select(WorkOrderHistory).where(WorkOrderHistory.work_order_id == wo.id)).one().action \
        == "created"


def test_reporter_contact_is_optional_name_and_description_required(client, users):
    pump = factories.equipment(users.actor("north", "manager"))
    _enable(users)
    resp = _report(client, pump.report_token, reporterName="", description="", reporterContact="")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="e-reporterName"' in html and 'id="e-description"' in html
    assert db.session.query(WorkOrder).count() == 0
    ok = _report(client, pump.report_token, reporterContact="")
    assert ok.status_code == 200
    assert db.session.scalars(select(WorkOrder)).one().reporter_contact is None


def test_bounds_too_long_fields_and_too_large_bodies(client, users):
    pump = factories.equipment(users.actor("north", "manager"))
    _enable(users)
    resp = _report(client, pump.report_token, reporterName="n" * 121, description="d" * 2001)
    assert resp.status_code == 422 and 'id="e-reporterName"' in resp.get_data(as_text=True)
    client.application.config["UPLOAD_MAX_BYTES"] = 16 * 1024  # the page's bound is the photo limit
    big = _report(client, pump.report_token, description="d" * 20_000)
    assert big.status_code == 413
    assert db.session.query(WorkOrder).count() == 0


def test_csrf_is_required(client, users):
    pump = factories.equipment(users.actor("north", "manager"))
    _enable(users)
    client.get(f"/report/{pump.report_token}")
    resp = client.post(f"/report/{pump.report_token}", data={"description": "x", "reporterName": "y"})
    assert resp.status_code == 400
    assert db.session.query(WorkOrder).count() == 0


def test_rotated_token_stops_at_once(client, users):
    pump = factories.equipment(users.actor("north", "manager"))
    _enable(users)
    old = pump.report_token
    rotated = problem_reports.rotate_report_token(users.actor("north", "admin"), pump.id)
    assert rotated.report_token != old
    assert client.get(f"/report/{old}").status_code == 404
    assert client.get(f"/report/{rotated.report_token}").status_code == 200


@pytest.mark.parametrize("role", ["manager", "technician", "requester"])
def test_only_admins_rotate_tokens(users, role):
    from portal.services.common.errors import Forbidden

    pump = factories.equipment(users.actor("north", "manager"))
    with pytest.raises(Forbidden):
        problem_reports.rotate_report_token(users.actor("north", role), pump.id)


def test_reports_are_rate_limited_per_ip_and_per_asset(_schema, users):
    from conftest import make_app

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REPORT_IP="3/minute", RATELIMIT_REPORT_ASSET="2/minute",
                   WTF_CSRF_ENABLED=False)
    with app.app_context():
        manager = users.actor("north", "manager")
        first, second = factories.equipment(manager), factories.equipment(manager)
        _enable(users)
        form = {"description": "Leaking oil", "reporterName": "Sam"}
        one = app.test_client()
        # Per asset: two reports on `first`, the third on it is refused even from another address.
        assert [one.post(f"/report/{first.report_token}", data=form).status_code for _ in range(2)] == [200, 200]
        other = app.test_client()
        refused = other.post(f"/report/{first.report_token}", data=form,
                             environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
        # Per address: the third post of this address is accepted on another asset, the fourth refused.
        assert one.post(f"/report/{second.report_token}", data=form).status_code == 200
        assert one.post(f"/report/{second.report_token}", data=form).status_code == 429
        assert one.get(f"/report/{second.report_token}").status_code == 200  # only posts count
        assert db.session.query(WorkOrder).count() == 3


# --- the admin's page -------------------------------------------------------------------------

def test_admin_page_turns_reports_on_and_sets_time_zone(client, users, portal_login):
    portal_login(users["north"]["admin"])
    page = client.get("/admin/warehouse")
    assert page.status_code == 200 and 'name="problemReportsEnabled"' in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/admin/warehouse", data={"csrf_token": token, "problemReportsEnabled": "true",
                                                 "timezone": "Europe/Paris"})
    assert resp.status_code == 303
    warehouse = db.session.get(Warehouse, users["north"]["admin"].warehouse_id)
    db.session.refresh(warehouse)
    assert (warehouse.problem_reports_enabled, warehouse.timezone) == (True, "Europe/Paris")
    south = db.session.get(Warehouse, users["south"]["admin"].warehouse_id)
    assert south.problem_reports_enabled is False
    assert "Warehouse settings saved." in client.get("/admin/warehouse").get_data(as_text=True)


def test_admin_page_shows_field_errors(client, users, portal_login):
    portal_login(users["north"]["admin"])
    token = csrf_from(client.get("/admin/warehouse").get_data(as_text=True))
    resp = client.post("/admin/warehouse", data={"csrf_token": token, "problemReportsEnabled": "true",
                                                 "timezone": "Mars/Olympus"})
    assert resp.status_code == 422
    assert 'id="e-timezone"' in resp.get_data(as_text=True)
    assert db.session.get(Warehouse, users["north"]["admin"].warehouse_id).problem_reports_enabled is False


def test_admin_page_refuses_csrf_less_posts(client, users, portal_login):
    portal_login(users["north"]["admin"])
    assert client.post("/admin/warehouse", data={"problemReportsEnabled": "true"}).status_code == 400


@pytest.mark.parametrize("role", ["manager", "technician", "requester"])
def test_admin_page_is_for_admins(client, users, portal_login, role):
    portal_login(users["north"][role])
    assert client.get("/admin/warehouse").status_code == 403
    assert client.get("/admin/warehouse", headers=HX).status_code == 403
    assert "/admin/warehouse" not in client.get("/").get_data(as_text=True)


def test_asset_page_rotation_for_admins(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    old = pump.report_token
    portal_login(users["north"]["admin"])
    page = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    assert "New report link" in page
    resp = client.post(f"/assets/{pump.id}/report-token", data={"csrf_token": csrf_from(page)}, headers=HX)
    assert resp.status_code == 200 and f"/assets/{pump.id}" in resp.headers["HX-Redirect"]
    db.session.expire_all()
    assert db.session.get(Equipment, pump.id).report_token != old
    south = factories.equipment(users.actor("south", "manager"))
    assert client.post(f"/assets/{south.id}/report-token", data={"csrf_token": csrf_from(page)}).status_code == 404


def test_asset_page_hides_rotation_from_others(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["manager"])
    page = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    assert "New report link" not in page
    assert client.post(f"/assets/{pump.id}/report-token", data={"csrf_token": csrf_from(page)}).status_code == 403


# --- the API ----------------------------------------------------------------------------------

def test_api_warehouse_settings_and_rotation(client, users, auth):
    admin = auth("north", "admin")
    body = client.get("/api/warehouse", headers=admin).get_json()
    assert body == {"id": users["north"]["admin"].warehouse_id, "name": "North Plant", "timezone": "UTC",
                    "problemReportsEnabled": False, "requestRouting": "work_order", "decimalMark": ".",
                    "requireFailureCodes": False, "pmGrace": "dueDate"}
    changed = client.patch("/api/warehouse", headers=admin, json={"problemReportsEnabled": True})
    assert changed.status_code == 200 and changed.get_json()["problemReportsEnabled"] is True
    assert client.patch("/api/warehouse", headers=admin, json={"problemReportsEnabled": "yes"}).status_code == 400
    assert client.patch("/api/warehouse", headers=admin, json={"problemReportsEnabled": None}).status_code == 400
    bad_zone = client.patch("/api/warehouse", headers=admin, json={"timezone": "Nowhere/Land"})
    assert bad_zone.status_code == 400 and bad_zone.get_json()["errors"][0]["field"] == "timezone"
    pump = factories.equipment(users.actor("north", "manager"))
    old = pump.report_token
    rotated = client.post(f"/api/equipment/{pump.id}/report-token", headers=admin)
    assert rotated.status_code == 200
    new = rotated.get_json()
    assert new["equipmentId"] == pump.id and new["reportToken"] != old
    assert new["reportUrl"] == f"/report/{new['reportToken']}"
    assert client.get(f"/report/{old}").status_code == 404
    assert client.get(new["reportUrl"]).status_code == 200
    south = factories.equipment(users.actor("south", "manager"))
    assert client.post(f"/api/equipment/{south.id}/report-token", headers=admin).status_code == 404
    assert "reportToken" not in client.get(f"/api/equipment/{pump.id}", headers=admin).get_json()


@pytest.mark.parametrize("role", ["manager", "technician", "requester"])
def test_api_warehouse_is_for_admins(client, users, auth, role):
    headers = auth("north", role)
    pump = factories.equipment(users.actor("north", "manager"))
    assert client.get("/api/warehouse", headers=headers).status_code == 403
    assert client.patch("/api/warehouse", headers=headers, json={"problemReportsEnabled": True}).status_code == 403
    assert client.post(f"/api/equipment/{pump.id}/report-token", headers=headers).status_code == 403


def test_openapi_documents_the_warehouse_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    assert {"get", "patch"} <= set(spec["paths"]["/api/warehouse"])
    assert "post" in spec["paths"]["/api/equipment/{equipment_id}/report-token"] or \
        "post" in spec["paths"]["/api/equipment/{equipmentId}/report-token"]
    props = spec["components"]["schemas"]["WarehouseUpdate"]["properties"]
    assert props["problemReportsEnabled"]["type"] == "boolean" and props["timezone"]["maxLength"] == 64
    assert "reporterName" in spec["components"]["schemas"]["WorkOrderOut"]["properties"]


def test_a_photo_comes_with_the_report_without_its_location(client, users):
    import io

    import photos
    from PIL import Image

    from portal.models import WorkOrderAttachment
    from portal.services.work_orders import attachments

    pump = factories.equipment(users.actor("north", "manager"))
    _enable(users)
    resp = _report(client, pump.report_token, photo=(io.BytesIO(photos.jpeg_with_gps()), "IMG_0001.jpg"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    wo = db.session.scalars(select(WorkOrder)).one()
    row = db.session.scalars(select(WorkOrderAttachment)).one()
    assert row.work_order_id == wo.id and row.uploaded_by is None and row.content_type == "image/jpeg"
    stored = attachments.open_attachment(users.actor("north", "technician"), wo.id, row.id)
    with open(stored.path, "rb") as fh:
        assert not Image.open(fh).getexif()  # GPS and every other EXIF tag gone


def test_a_refused_photo_is_shown_by_its_field_and_creates_nothing(client, users):
    import io

    from portal.models import WorkOrderAttachment

    pump = factories.equipment(users.actor("north", "manager"))
    _enable(users)
    resp = _report(client, pump.report_token, photo=(io.BytesIO(b"not an image at all"), "photo.jpg"))
    assert resp.status_code == 422 and 'id="e-photo"' in resp.get_data(as_text=True)
    assert db.session.query(WorkOrder).count() == 0
    assert db.session.query(WorkOrderAttachment).count() == 0
