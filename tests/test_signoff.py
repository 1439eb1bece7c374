"""Sign-off: a work order (or the PM template it came from) that requires a signature is not completed
without one; the signature is a judged PNG stored as an attachment, replaced only while open."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import factories
import pytest
from photos import jpeg_with_gps, png
from signatures import signature_png

from portal.models import DomainEvent, WorkOrder, WorkOrderAttachment, WorkOrderHistory
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.attachments import SignatureCreate
from portal.schemas.pm import PMTemplateCreate
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.common.errors import Conflict, Forbidden, ValidationFailed
from portal.services.pm import scheduler
from portal.services.pm import templates as pm_service
from portal.services.work_orders import attachments, signoff
from portal.services.work_orders import lifecycle as wo_service

pytestmark = pytest.mark.usefixtures("upload_dir")

NOT_A_PNG = "The signature is not a PNG image: sign again on the screen"
SIGNER = SignatureCreate.model_validate({"signerName": "Dana Ortiz (line 2 lead)"})


def required_wo(users, **fields):
    manager = users.actor("north", "manager")
    return wo_service.create_work_order(manager, WorkOrderCreate.model_validate(
        {"title": "Replace conveyor belt", "assignedTo": users["north"]["technician"].id,
         "requiresSignature": True, **fields}))


def complete(actor, wo_id):
    return wo_service.update_work_order(actor, wo_id, WorkOrderUpdate.model_validate({"status": "completed"}))


def stored_files() -> list[str]:
    from flask import current_app
    root = current_app.config["UPLOAD_DIR"]
    return sorted(f for _, _, files in os.walk(root) for f in files)


# --- the service ---------------------------------------------------------------------------------

def test_a_required_signature_refuses_completion_until_signed(users):
    wo = required_wo(users)
    tech = users.actor("north", "technician")
    with pytest.raises(Conflict) as refused:
        complete(tech, wo.id)
    assert refused.value.message == "A signature is required to complete this work order"
    assert refused.value.errors == [{"field": "signature", "message": signoff.SIGNATURE_MISSING_DETAIL}]
    assert db.session.get(WorkOrder, wo.id).status == "assigned"

    row = signoff.sign(tech, wo.id, SIGNER, signature_png())
    assert (row.kind, row.signer_name, row.uploaded_by) == ("signature", "Dana Ortiz (line 2 lead)", tech.id)
    assert row.content_type == "image/png"
    done = complete(tech, wo.id)
    assert done.status == "completed"
    [event] = db.session.query(DomainEvent).filter_by(event="work_order.signed").all()
    assert event.payload["signature"]["signerName"] == "Dana Ortiz (line 2 lead)"
    assert event.payload["signature"]["capturedBy"] == tech.id and event.payload["replaced"] is False
    history = db.session.query(WorkOrderHistory).filter_by(work_order_id=wo.id, action="signed").one()
    assert history.changes == {"signature": {"from": None, "to": "Dana Ortiz (line 2 lead)"}}


def test_a_work_order_without_the_flag_completes_unsigned(users):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, title="Grease bearings")
    assert complete(manager, wo.id).status == "completed"


def test_a_new_signature_replaces_the_old_only_before_completion(users):
    wo = required_wo(users)
    tech = users.actor("north", "technician")
    first = signoff.sign(tech, wo.id, SIGNER, signature_png())
    first_files = stored_files()
    second = signoff.sign(tech, wo.id, SignatureCreate.model_validate({"signerName": "  Lee   Park "}),
                          signature_png((500, 180)))
    assert second.signer_name == "Lee Park"
    rows = db.session.query(WorkOrderAttachment).filter_by(work_order_id=wo.id).all()
    assert [r.id for r in rows] == [second.id]
    assert not set(first_files) & set(stored_files())  # the old PNG and thumbnail are gone
    assert db.session.get(WorkOrderAttachment, first.id) is None
    complete(tech, wo.id)
    with pytest.raises(Conflict):
        signoff.sign(tech, wo.id, SIGNER, signature_png())
    assert signoff.get_signature(tech, wo.id).id == second.id


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Sign in the box first"),
    (jpeg_with_gps(), NOT_A_PNG),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, NOT_A_PNG),
    (signature_png(ink=False), "The signature is empty: sign in the box"),
    (signature_png(ink=False, transparent=True), "The signature is empty: sign in the box"),
    (png((3001, 10)), "The signature is too large: at most 3 megapixels, 3000 pixels a side"),
    (png((2000, 1600)), "The signature is too large: at most 3 megapixels, 3000 pixels a side"),
    (b"\x89PNG\r\n\x1a\n" + bytes(attachments.SIGNATURE_MAX_BYTES), "The signature is too large: at most 512 KiB"),
], ids=["nothing", "jpeg", "truncated-png", "blank", "blank-transparent", "too-wide", "too-many-pixels", "too-many-bytes"])
def test_the_drawing_is_judged_as_a_png_bounded_and_not_blank(users, data, message):
    wo = required_wo(users)
    with pytest.raises(ValidationFailed) as refused:
        signoff.sign(users.actor("north", "technician"), wo.id, SIGNER, data)
    assert refused.value.errors == [{"field": "file", "message": message}]
    assert db.session.query(WorkOrderAttachment).count() == 0


def test_a_transparent_drawing_is_stored_flattened_onto_white(users):
    from PIL import Image
    wo = required_wo(users)
    row = signoff.sign(users.actor("north", "technician"), wo.id, SIGNER, signature_png(transparent=True))
    stored = attachments.open_attachment(users.actor("north", "manager"), wo.id, row.id)
    with Image.open(stored.path) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGB", (600, 200))
        assert img.getpixel((0, 0)) == (255, 255, 255)


def test_who_may_sign_and_require(users):
    wo = required_wo(users)
    with pytest.raises(Forbidden):  # not their work order
        signoff.sign(users.actor("north", "technician2"), wo.id, SIGNER, signature_png())
    with pytest.raises(Forbidden):
        signoff.sign(users.actor("north", "requester"), wo.id, SIGNER, signature_png())
    with pytest.raises(Forbidden):  # a technician does not decide whether a signature is needed
        wo_service.update_work_order(users.actor("north", "technician"), wo.id,
                                     WorkOrderUpdate.model_validate({"requiresSignature": False}))
    with pytest.raises(Forbidden):
        wo_service.create_work_order(users.actor("north", "technician"), WorkOrderCreate.model_validate(
            {"title": "x", "requiresSignature": True}))
    from portal.services.common.errors import NotFound
    with pytest.raises(NotFound):  # another warehouse
        signoff.sign(users.actor("south", "manager"), wo.id, SIGNER, signature_png())
    manager = users.actor("north", "manager")
    wo_service.update_work_order(manager, wo.id, WorkOrderUpdate.model_validate({"requiresSignature": False}))
    assert complete(manager, wo.id).status == "completed"


def test_work_orders_generated_from_a_template_inherit_the_flag(users):
    manager = users.actor("north", "manager")
    eq = factories.equipment(manager, assetTag="PRS-7")
    now = utcnow()
    template = pm_service.create_template(manager, PMTemplateCreate.model_validate(
        {"name": "Press guard check", "frequencyType": "calendar", "frequency": 7, "equipmentIds": [eq.id],
         "startDate": (now - timedelta(days=7)).isoformat(), "requiresSignature": True}))
    assert template.requires_signature is True
    scheduler.schedule_due(now)
    wo = db.session.query(WorkOrder).filter_by(pm_template_id=template.id).one()
    assert wo.requires_signature is True
    with pytest.raises(Conflict):
        complete(manager, wo.id)


# --- the API -------------------------------------------------------------------------------------

def sign_url(wo_id: str) -> str:
    return f"/api/work-orders/{wo_id}/signature"


def post_signature(client, headers, wo_id, data: bytes, name: str | None = "Dana Ortiz"):
    form = {"file": (io.BytesIO(data), "signature.png", "image/png")}
    if name is not None:
        form["signerName"] = name
    return client.post(sign_url(wo_id), headers=headers, data=form, content_type="multipart/form-data")


def test_api_flag_sign_and_complete(client, auth, users):
    manager = auth("north", "manager")
    r = client.post("/api/work-orders", headers=manager, json={
        "title": "Replace guard", "assignedTo": users["north"]["technician"].id, "requiresSignature": True})
    assert r.status_code == 201 and r.json["requiresSignature"] is True
    wo_id = r.json["id"]
    tech = auth("north", "technician")
    assert client.get(sign_url(wo_id), headers=tech).status_code == 404
    r = client.patch(f"/api/work-orders/{wo_id}", headers=tech, json={"status": "completed"})
    assert r.status_code == 409
    assert r.json == {"message": "A signature is required to complete this work order",
                      "errors": [{"field": "signature", "message": signoff.SIGNATURE_MISSING_DETAIL}]}

    r = post_signature(client, tech, wo_id, signature_png(ink=False))
    assert r.status_code == 400 and r.json["errors"] == [{"field": "file", "message": "The signature is empty: sign in the box"}]
    r = post_signature(client, tech, wo_id, signature_png(), name=None)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "signerName"
    r = client.post(sign_url(wo_id), headers=tech, json={"signerName": "x"})
    assert r.status_code == 415

    r = post_signature(client, tech, wo_id, signature_png())
    assert r.status_code == 201, r.json
    body = r.json
    assert body["signerName"] == "Dana Ortiz" and body["capturedBy"] == users["north"]["technician"].id
    assert body["capturedByName"] == "north technician" and body["contentType"] == "image/png"
    assert set(body) == {"id", "workOrderId", "signerName", "capturedBy", "capturedByName", "signedAt",
                         "contentType", "width", "height"}
    assert client.get(sign_url(wo_id), headers=manager).json == body
    png_bytes = client.get(f"/api/work-orders/{wo_id}/attachments/{body['id']}", headers=manager)
    assert png_bytes.status_code == 200 and png_bytes.data.startswith(b"\x89PNG")
    listed = client.get(f"/api/work-orders/{wo_id}/attachments", headers=manager).json
    assert [(a["kind"], a["signerName"]) for a in listed] == [("signature", "Dana Ortiz")]
    assert client.get(sign_url(wo_id), headers=auth("south", "manager")).status_code == 404

    r = client.patch(f"/api/work-orders/{wo_id}", headers=tech, json={"status": "completed"})
    assert r.status_code == 200 and r.json["status"] == "completed"
    r = post_signature(client, tech, wo_id, signature_png())
    assert r.status_code == 409
    assert r.json["errors"] == [{"field": "signature", "message": "Signed work orders are read-only once closed"}]
    r = client.patch(f"/api/work-orders/{wo_id}", headers=manager, json={"requiresSignature": False})
    assert r.status_code == 409


def test_api_pm_template_payload_carries_the_flag(client, auth):
    manager = auth("north", "manager")
    r = client.post("/api/pm-templates", headers=manager, json={
        "name": "Guard check", "frequencyType": "calendar", "frequency": 30, "requiresSignature": True})
    assert r.status_code == 201, r.json
    assert r.json["requiresSignature"] is True
    r = client.patch(f"/api/pm-templates/{r.json['id']}", headers=manager, json={"requiresSignature": False})
    assert r.status_code == 200 and r.json["requiresSignature"] is False
    r = client.patch(f"/api/pm-templates/{r.json['id']}", headers=manager, json={"requiresSignature": None})
    assert r.status_code == 400
