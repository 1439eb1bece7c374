"""Comments and photos of a work order through the API: rights, tenancy, limits, what is stored."""
from __future__ import annotations

import io
import os

import factories
import pytest
from photos import GPS_IFD, bomb_png, gif, jpeg_with_gps, png, webp, with_gps
from PIL import Image

from portal.models import DomainEvent, WorkOrderAttachment, WorkOrderComment, WorkOrderHistory
from portal.platform.extensions import db
from portal.schemas.attachments import COMMENT_MAX_LENGTH
from portal.services.work_orders import attachments as attachment_service

pytestmark = pytest.mark.usefixtures("upload_dir")


@pytest.fixture
def wo(users):
    return factories.work_order(users.actor("north", "requester"), title="Pump 3 leaking")


def comments_url(wo_id: str) -> str:
    return f"/api/work-orders/{wo_id}/comments"


def attachments_url(wo_id: str) -> str:
    return f"/api/work-orders/{wo_id}/attachments"


def upload(client, headers, wo_id, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return client.post(attachments_url(wo_id), headers=headers,
                       data={"file": (io.BytesIO(data), name, content_type)}, content_type="multipart/form-data")


def upload_files() -> list[str]:
    root = attachment_service_dir()
    if not os.path.isdir(root):
        return []
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


def attachment_service_dir() -> str:
    from flask import current_app
    return current_app.config["UPLOAD_DIR"]


# --- comments ---------------------------------------------------------------------------------

def test_technician_comments_and_everyone_of_the_warehouse_reads_the_thread(client, auth, users, wo):
    events = db.session.query(DomainEvent).count()
    history = db.session.query(WorkOrderHistory).count()
    r = client.post(comments_url(wo.id), headers=auth("north", "technician"),
                    json={"body": "  waiting for the bearing "})
    assert r.status_code == 201, r.json
    tech = users["north"]["technician"]
    assert r.json["body"] == "waiting for the bearing"
    assert r.json["authorId"] == tech.id and r.json["authorName"] == "north technician"
    assert r.json["workOrderId"] == wo.id and r.json["createdAt"].endswith("Z")
    client.post(comments_url(wo.id), headers=auth("north", "manager"), json={"body": "needs an electrician"})

    r = client.get(comments_url(wo.id), headers=auth("north", "requester"))
    assert r.status_code == 200
    assert [c["body"] for c in r.json] == ["waiting for the bearing", "needs an electrician"]
    assert r.headers["X-Total-Count"] == "2" and 'rel="first"' in r.headers["Link"]
    # A comment changes nothing of the work order: no history row, and one event each,
    # work_order.commented (its assignee and requester are notified of it), no work_order.updated.
    assert [e.event for e in db.session.query(DomainEvent).order_by(DomainEvent.created_at).all()[events:]] == [
        "work_order.commented", "work_order.commented"]
    assert db.session.query(WorkOrderHistory).count() == history


def test_comments_are_paged(client, auth, wo):
    for n in range(3):
        client.post(comments_url(wo.id), headers=auth("north", "admin"), json={"body": f"note {n}"})
    r = client.get(comments_url(wo.id) + "?limit=2&page=2", headers=auth("north", "admin"))
    assert [c["body"] for c in r.json] == ["note 2"] and r.headers["X-Total-Count"] == "3"


def test_requester_comments_only_on_own_requests(client, auth, users):
    mine = factories.work_order(users.actor("north", "requester"))
    other = factories.work_order(users.actor("north", "manager"))
    r = client.post(comments_url(mine.id), headers=auth("north", "requester"), json={"body": "still leaking"})
    assert r.status_code == 201
    r = client.post(comments_url(other.id), headers=auth("north", "requester"), json={"body": "me too"})
    assert r.status_code == 403 and "requested" in r.json["message"]
    assert db.session.query(WorkOrderComment).filter_by(work_order_id=other.id).count() == 0


def test_another_warehouse_gets_404_for_thread_and_post(client, auth, wo):
    assert client.get(comments_url(wo.id), headers=auth("south", "admin")).status_code == 404
    r = client.post(comments_url(wo.id), headers=auth("south", "admin"), json={"body": "hello"})
    assert r.status_code == 404 and r.json == {"message": "Work order not found", "errors": []}
    assert db.session.query(WorkOrderComment).count() == 0


@pytest.mark.parametrize("body, field_message", [
    ({}, "Field required"),
    ({"body": "   "}, "Must not be blank"),
    ({"body": "x" * (COMMENT_MAX_LENGTH + 1)}, f"at most {COMMENT_MAX_LENGTH} characters"),
    ({"body": 5}, "string"),
    ({"body": "ok", "authorId": "someone"}, "Unknown field"),
])
def test_bad_comment_is_400_on_its_field(client, auth, wo, body, field_message):
    r = client.post(comments_url(wo.id), headers=auth("north", "technician"), json=body)
    assert r.status_code == 400
    assert any(field_message.lower() in e["message"].lower() for e in r.json["errors"]), r.json
    assert db.session.query(WorkOrderComment).count() == 0


def test_comments_need_a_token(client, wo):
    assert client.get(comments_url(wo.id)).status_code == 401
    assert client.post(comments_url(wo.id), json={"body": "x"}).status_code == 401


# --- photos -----------------------------------------------------------------------------------

def test_photo_is_stored_without_gps_with_orientation_applied_and_a_thumbnail(client, auth, users, wo):
    original = jpeg_with_gps(size=(64, 32), orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test photo does carry GPS
    events = db.session.query(DomainEvent).count()
    r = upload(client, auth("north", "technician"), wo.id, original, name="../../etc/pump 3 (leak).JPG")
    assert r.status_code == 201, r.json
    body = r.json
    assert body["contentType"] == "image/jpeg" and body["filename"] == "pump_3_leak.jpg"
    # Orientation 6 means "rotate 90°": the stored image is upright, 32 x 64.
    assert (body["width"], body["height"]) == (32, 64)
    assert body["uploadedBy"] == users["north"]["technician"].id
    assert db.session.query(DomainEvent).count() == events

    r = client.get(f"{attachments_url(wo.id)}/{body['id']}", headers=auth("north", "requester"))
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"] == 'inline; filename="pump_3_leak.jpg"'
    assert r.headers["Cache-Control"] == "private, max-age=3600"
    stored = Image.open(io.BytesIO(r.data))
    assert stored.format == "JPEG" and stored.size == (32, 64)
    exif = stored.getexif()
    assert not exif.get_ifd(GPS_IFD) and GPS_IFD not in exif and len(exif) == 0
    assert b"PhoneMaker" not in r.data and b"Exif" not in r.data
    assert len(r.data) == body["sizeBytes"]

    r = client.get(f"{attachments_url(wo.id)}/{body['id']}?size=thumb", headers=auth("north", "manager"))
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    thumb = Image.open(io.BytesIO(r.data))
    assert thumb.size == (32, 64)  # already smaller than 320 px: not enlarged


def test_thumbnail_is_at_most_320_px_and_png_webp_are_accepted(client, auth, wo):
    r = upload(client, auth("north", "admin"), wo.id, png(size=(1000, 500)), "plate.png", "image/png")
    assert r.status_code == 201 and r.json["contentType"] == "image/png"
    thumb = client.get(f"{attachments_url(wo.id)}/{r.json['id']}?size=thumb", headers=auth("north", "admin"))
    assert Image.open(io.BytesIO(thumb.data)).size == (320, 160)
    assert thumb.headers["Content-Disposition"] == 'inline; filename="plate-thumb.jpg"'
    full = client.get(f"{attachments_url(wo.id)}/{r.json['id']}", headers=auth("north", "admin"))
    assert full.mimetype == "image/png" and Image.open(io.BytesIO(full.data)).size == (1000, 500)
    r = upload(client, auth("north", "admin"), wo.id, webp(), "x.webp", "image/webp")
    assert r.status_code == 201 and r.json["contentType"] == "image/webp" and r.json["filename"] == "x.webp"

    r = client.get(attachments_url(wo.id), headers=auth("north", "technician"))
    assert r.status_code == 200 and r.headers["X-Total-Count"] == "2"
    assert [a["contentType"] for a in r.json] == ["image/png", "image/webp"]


@pytest.mark.parametrize("data, name", [
    (b"this is a text file, not a photo\n" * 10, "photo.jpg"),
    (gif(), "anim.gif"),
    (jpeg_with_gps()[:200], "truncated.jpg"),
    (b"%PDF-1.4\n" + b"0" * 100, "scan.png"),
])
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused_and_nothing_written(client, auth, wo, data, name):
    r = upload(client, auth("north", "technician"), wo.id, data, name)
    assert r.status_code == 400
    assert r.json["errors"] == [{"field": "file", "message": "Not a JPEG, PNG or WebP image"}]
    assert db.session.query(WorkOrderAttachment).count() == 0
    assert upload_files() == []


def test_decompression_bomb_is_refused(client, auth, wo):
    r = upload(client, auth("north", "technician"), wo.id, bomb_png(), "bomb.png", "image/png")
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "file"
    assert "megapixels" in r.json["errors"][0]["message"]
    assert db.session.query(WorkOrderAttachment).count() == 0


def test_over_the_upload_limit_is_413_but_above_max_body_bytes_is_fine(app, client, auth, wo):
    app.config["UPLOAD_MAX_BYTES"] = 3000
    photo = jpeg_with_gps(size=(400, 400))
    assert len(photo) > 3000
    r = upload(client, auth("north", "technician"), wo.id, photo)
    assert r.status_code == 413 and r.is_json and "3000" in r.json["message"]
    # The route's own limit replaces MAX_BODY_BYTES: a photo bigger than the JSON limit goes through.
    app.config["UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
    app.config["MAX_BODY_BYTES"] = 2000
    r = upload(client, auth("north", "technician"), wo.id, photo)
    assert r.status_code == 201, r.json
    # ...while a JSON route still answers 413 above MAX_BODY_BYTES.
    r = client.post(comments_url(wo.id), headers=auth("north", "technician"), json={"body": "x" * 3000})
    assert r.status_code == 413


def test_upload_needs_multipart_with_a_file_field(client, auth, wo):
    r = client.post(attachments_url(wo.id), headers=auth("north", "technician"), json={"file": "x"})
    assert r.status_code == 415
    r = client.post(attachments_url(wo.id), headers=auth("north", "technician"),
                    data={"photo": (io.BytesIO(png()), "a.png")}, content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "file"


def test_photos_of_another_warehouse_are_404(client, auth, wo):
    r = upload(client, auth("north", "technician"), wo.id, png(), "a.png", "image/png")
    aid = r.json["id"]
    south = auth("south", "admin")
    assert client.get(attachments_url(wo.id), headers=south).status_code == 404
    assert client.get(f"{attachments_url(wo.id)}/{aid}", headers=south).status_code == 404
    assert client.get(f"{attachments_url(wo.id)}/{aid}?size=thumb", headers=south).status_code == 404
    assert upload(client, south, wo.id, png(), "b.png", "image/png").status_code == 404
    assert db.session.query(WorkOrderAttachment).count() == 1


def test_attachment_id_must_belong_to_the_work_order_in_the_path(client, auth, users, wo):
    aid = upload(client, auth("north", "technician"), wo.id, png(), "a.png", "image/png").json["id"]
    second = factories.work_order(users.actor("north", "manager"))
    assert client.get(f"{attachments_url(second.id)}/{aid}", headers=auth("north", "manager")).status_code == 404


def test_requester_attaches_only_to_own_requests(client, auth, users, wo):
    other = factories.work_order(users.actor("north", "manager"))
    assert upload(client, auth("north", "requester"), wo.id, png(), "a.png", "image/png").status_code == 201
    r = upload(client, auth("north", "requester"), other.id, png(), "a.png", "image/png")
    assert r.status_code == 403
    assert db.session.query(WorkOrderAttachment).filter_by(work_order_id=other.id).count() == 0


def test_failed_transaction_leaves_no_file(app, users, wo):
    """The rename happens inside the transaction; when the commit fails, the files go too."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    def failing_commit(_session) -> None:
        raise RuntimeError("database went away")

    event.listen(Session, "before_commit", failing_commit)  # SQLAlchemy's public session events
    try:
        with pytest.raises(RuntimeError):
            attachment_service.add_attachment(users.actor("north", "technician"), wo.id, png(), "a.png")
    finally:
        event.remove(Session, "before_commit", failing_commit)
    assert db.session.query(WorkOrderAttachment).count() == 0
    assert upload_files() == []


def test_a_file_without_its_row_is_never_served(client, auth, users, wo):
    """What a crash between rename and commit leaves: a file no row names. Only rows lead to files."""
    aid = upload(client, auth("north", "technician"), wo.id, png(), "a.png", "image/png").json["id"]
    row = db.session.get(WorkOrderAttachment, aid)
    path = os.path.join(attachment_service_dir(), row.storage_key)
    db.session.delete(row)
    db.session.commit()
    assert os.path.exists(path)
    assert client.get(f"{attachments_url(wo.id)}/{aid}", headers=auth("north", "technician")).status_code == 404


def test_missing_file_of_a_row_answers_404_not_500(client, auth, wo):
    aid = upload(client, auth("north", "technician"), wo.id, png(), "a.png", "image/png").json["id"]
    row = db.session.get(WorkOrderAttachment, aid)
    os.unlink(os.path.join(attachment_service_dir(), row.thumb_key))
    r = client.get(f"{attachments_url(wo.id)}/{aid}?size=thumb", headers=auth("north", "technician"))
    assert r.status_code == 404


def test_bad_size_parameter_is_400(client, auth, wo):
    aid = upload(client, auth("north", "technician"), wo.id, png(), "a.png", "image/png").json["id"]
    r = client.get(f"{attachments_url(wo.id)}/{aid}?size=huge", headers=auth("north", "technician"))
    assert r.status_code == 400


def test_openapi_documents_comments_and_photos(client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/work-orders/{work_order_id}/attachments"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert "10 MiB" in post["responses"]["413"]["description"]
    get = spec["paths"]["/api/work-orders/{work_order_id}/attachments/{attachment_id}"]["get"]
    assert set(get["responses"]["200"]["content"]) == {"image/jpeg", "image/png", "image/webp"}
    body = spec["components"]["schemas"]["CommentCreate"]["properties"]["body"]
    assert body["maxLength"] == COMMENT_MAX_LENGTH and body["minLength"] == 1


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_lose_their_exif_too(client, auth, wo, fmt, content_type):
    original = with_gps(fmt)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    r = upload(client, auth("north", "technician"), wo.id, original, f"x.{fmt.lower()}", content_type)
    assert r.status_code == 201 and (r.json["width"], r.json["height"]) == (10, 20)
    data = client.get(f"{attachments_url(wo.id)}/{r.json['id']}", headers=auth("north", "technician")).data
    stored = Image.open(io.BytesIO(data))
    assert stored.format == fmt and len(stored.getexif()) == 0 and b"Exif" not in data
