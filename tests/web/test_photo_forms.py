"""Photo bounds on the portal's photo form and the public problem report form: words for people,
the public form stricter, one decode per upload (services/work_orders/attachments.py)."""
from __future__ import annotations

import io

import factories
import pytest
from photos import bomb_png, jpeg_with_gps, smooth

from portal.models import WorkOrder, WorkOrderAttachment
from portal.platform.extensions import db
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from web.conftest import Tags, csrf_from

HX = {"HX-Request": "true"}


pytestmark = pytest.mark.usefixtures("upload_dir")




@pytest.fixture
def pump(users):
    eq = factories.equipment(users.actor("north", "manager"))
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    return eq


def portal_upload(client, wo, data: bytes, name: str = "photo.png"):
    page = client.get(f"/work-orders/{wo.id}/attachments")
    return client.post(f"/work-orders/{wo.id}/attachments", headers=HX, content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "file": (io.BytesIO(data), name)})


def report(client, pump, data: bytes, name: str = "photo.png"):
    page = client.get(f"/report/{pump.report_token}")
    return client.post(f"/report/{pump.report_token}", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)), "description": "Loud noise",
                             "reporterName": "Alex", "photo": (io.BytesIO(data), name)})


def test_the_issues_png_is_refused_on_the_portal_form_in_words_for_people(client, users, portal_login, photo_decodes):
    wo = factories.work_order(users.actor("north", "requester"), title="Pump 3 leaking")
    portal_login(users["north"]["technician"])
    r = portal_upload(client, wo, bomb_png((7000, 7000)))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "This photo is too large: at most 3.2 megapixels" in html
    assert Tags(html).find("input", id="f-photo-file")["aria-invalid"] == "true"
    assert photo_decodes == [] and db.session.query(WorkOrderAttachment).count() == 0


def test_the_issues_png_is_refused_on_the_public_form_and_creates_nothing(client, pump, photo_decodes):
    r = report(client, pump, bomb_png((7000, 7000)))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="e-photo"' in html
    assert "This photo is too large: at most 2 megapixels" in html
    assert photo_decodes == []
    assert db.session.query(WorkOrder).count() == 0 and db.session.query(WorkOrderAttachment).count() == 0


def test_the_public_form_is_stricter_than_the_portal(client, users, portal_login, pump):
    png = smooth((1600, 1600), "PNG")  # 2.56 MP: within the portal's 3.2, above the public form's 2
    r = report(client, pump, png)
    assert r.status_code == 422 and "at most 2 megapixels" in r.get_data(as_text=True)
    wo = factories.work_order(users.actor("north", "requester"), title="Pump 3 leaking")
    portal_login(users["north"]["technician"])
    r = portal_upload(client, wo, png)
    assert r.status_code == 200 and "Photo attached." in r.get_data(as_text=True)
    assert db.session.query(WorkOrderAttachment).one().width == 1600


def test_a_reported_photo_is_decoded_once_and_a_large_jpeg_stored_reduced(client, pump, photo_decodes):
    r = report(client, pump, smooth((4032, 3024), "JPEG"), "IMG_0001.jpg")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert photo_decodes == [(1008, 756)]  # once, at 1/4: 1/2 would be 3.05 MP, above the public 2
    row = db.session.query(WorkOrderAttachment).one()
    assert (row.width, row.height) == (1008, 756)


def test_a_portal_upload_is_decoded_once(client, users, portal_login, photo_decodes):
    wo = factories.work_order(users.actor("north", "requester"), title="Pump 3 leaking")
    portal_login(users["north"]["technician"])
    r = portal_upload(client, wo, jpeg_with_gps(), "a.jpg")
    assert r.status_code == 200 and photo_decodes == [(64, 32)]
