"""Portal partials for comments and photos: fragments and pages, roles, tenancy, CSRF, errors."""
from __future__ import annotations

import io
import os

import factories
import pytest
from photos import GPS_IFD, jpeg_with_gps, png
from PIL import Image
from sqlalchemy import event

from portal.models import DomainEvent, WorkOrder, WorkOrderAttachment, WorkOrderComment
from portal.platform.extensions import db
from web.conftest import Tags, csrf_from

HX = {"HX-Request": "true"}


pytestmark = pytest.mark.usefixtures("upload_dir")


@pytest.fixture
def wo(users):
    return factories.work_order(users.actor("north", "requester"), title="Pump 3 leaking")


def token(client, wo) -> str:
    return csrf_from(client.get(f"/work-orders/{wo.id}/comments").get_data(as_text=True))


def stored_files(root: str) -> list[str]:
    return [f for _, _, files in os.walk(root) for f in files] if os.path.isdir(root) else []



@pytest.mark.parametrize("area", ["comments", "attachments"])
def test_page_and_fragment_from_one_url(client, users, portal_login, wo, area):
    portal_login(users["north"]["technician"])
    page = client.get(f"/work-orders/{wo.id}/{area}")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert 'id="wo-comments"' in html and 'id="wo-photos"' in html and "Pump 3 leaking" in html
    frag = client.get(f"/work-orders/{wo.id}/{area}", headers=HX)
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in body
    assert body.strip().startswith("<section id=\"wo-" + ("comments" if area == "comments" else "photos"))
    restore = client.get(f"/work-orders/{wo.id}/{area}", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_partials_render_with_only_the_work_order_in_context(app, users, portal_login, client, wo):
    """What p1's detail page needs: {% include %} with `work_order`, nothing else."""
    portal_login(users["north"]["technician"])
    factories_comment(users, wo, "needs an electrician")
    with app.test_request_context():
        from flask import render_template_string
        from flask_login import login_user

        from portal.web.session import PortalUser
        login_user(PortalUser(users["north"]["technician"], "x"))
        html = render_template_string(
            '{% include "work_orders/_comments.html" %}{% include "work_orders/_attachments.html" %}', work_order=wo)
    assert "needs an electrician" in html and 'capture="environment"' in html


def factories_comment(users, wo, body: str, role: str = "manager"):
    from portal.schemas.attachments import CommentCreate
    from portal.services.work_orders import comments
    return comments.add_comment(users.actor("north", role), wo.id, CommentCreate(body=body))


def test_thread_shows_who_and_when_and_the_form_has_htmx_and_labels(client, users, portal_login, wo):
    factories_comment(users, wo, "waiting for the bearing")
    portal_login(users["north"]["technician"])
    html = client.get(f"/work-orders/{wo.id}/comments", headers=HX).get_data(as_text=True)
    assert "waiting for the bearing" in html and "north manager" in html and "<time datetime=" in html
    tags = Tags(html)
    form = tags.find("form", class_="card step comment-form")
    assert form["hx-post"] == f"/work-orders/{wo.id}/comments" and form["hx-target"] == "#wo-comments"
    assert form["hx-disabled-elt"] == "find button"
    assert tags.find("label", for_="f-comment-body") and tags.find("textarea", id="f-comment-body")["name"] == "body"


def test_empty_states_say_what_to_do(client, users, portal_login, wo):
    portal_login(users["north"]["technician"])
    html = client.get(f"/work-orders/{wo.id}/comments").get_data(as_text=True)
    assert "No comments yet." in html and "No photos yet." in html and "button below" in html
    assert "waiting for the bearing" in html
    # A finished job: a comment is still welcome, but not one about waiting for parts.
    db.session.execute(db.update(WorkOrder).where(WorkOrder.id == wo.id).values(status="completed"))
    db.session.commit()
    html = client.get(f"/work-orders/{wo.id}/comments").get_data(as_text=True)
    assert "No comments yet." in html and "waiting for the bearing" not in html and "about this job" in html


def test_post_comment_with_htmx_rerenders_the_thread_and_flashes(client, users, portal_login, wo):
    portal_login(users["north"]["technician"])
    t = token(client, wo)
    events = db.session.query(DomainEvent).count()
    r = client.post(f"/work-orders/{wo.id}/comments", data={"csrf_token": t, "body": "needs an electrician"},
                    headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "needs an electrician" in html and "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html and "Comment added." in html
    row = db.session.query(WorkOrderComment).one()
    assert row.author_id == users["north"]["technician"].id and row.body == "needs an electrician"
    # The same service: one work_order.commented, nothing else.
    assert [e.event for e in db.session.query(DomainEvent).order_by(DomainEvent.created_at).all()[events:]] == [
        "work_order.commented"]


def test_post_comment_without_htmx_redirects_with_a_flash(client, users, portal_login, wo):
    portal_login(users["north"]["technician"])
    r = client.post(f"/work-orders/{wo.id}/comments", data={"csrf_token": token(client, wo), "body": "ok"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/work-orders/{wo.id}/comments")
    assert "Comment added." in client.get(r.headers["Location"]).get_data(as_text=True)


def test_blank_comment_is_422_with_the_error_next_to_the_field(client, users, portal_login, wo):
    portal_login(users["north"]["technician"])
    r = client.post(f"/work-orders/{wo.id}/comments", data={"csrf_token": token(client, wo), "body": ""},
                    headers=HX)
    assert r.status_code == 422
    tags = Tags(r.get_data(as_text=True))
    assert tags.find("textarea", id="f-comment-body")["aria-invalid"] == "true"
    assert tags.find("p", id="e-comment-body") is not None
    assert "Write a comment" in r.get_data(as_text=True)
    assert db.session.query(WorkOrderComment).count() == 0


def test_csrf_is_required(client, users, portal_login, wo):
    portal_login(users["north"]["technician"])
    assert client.post(f"/work-orders/{wo.id}/comments", data={"body": "x"}, headers=HX).status_code == 400
    r = client.post(f"/work-orders/{wo.id}/attachments", headers=HX,
                    data={"file": (io.BytesIO(png()), "a.png")}, content_type="multipart/form-data")
    assert r.status_code == 400
    assert db.session.query(WorkOrderComment).count() == 0 and db.session.query(WorkOrderAttachment).count() == 0


def test_another_warehouse_gets_404_on_every_route(client, users, portal_login, wo):
    from portal.services.work_orders import attachments as svc
    aid = svc.add_attachment(users.actor("north", "technician"), wo.id, png(), "a.png").id
    portal_login(users["south"]["admin"])
    t = csrf_from(client.get("/").get_data(as_text=True))
    for path in (f"/work-orders/{wo.id}/comments", f"/work-orders/{wo.id}/attachments",
                 f"/work-orders/{wo.id}/attachments/{aid}", f"/work-orders/{wo.id}/attachments/{aid}?size=thumb"):
        assert client.get(path).status_code == 404, path
        assert client.get(path, headers=HX).status_code == 404, path
    assert client.post(f"/work-orders/{wo.id}/comments", data={"csrf_token": t, "body": "x"}).status_code == 404
    r = client.post(f"/work-orders/{wo.id}/attachments", data={"csrf_token": t, "file": (io.BytesIO(png()), "a.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 404
    assert db.session.query(WorkOrderComment).count() == 0 and db.session.query(WorkOrderAttachment).count() == 1


def test_logged_out_is_sent_to_login(client, wo):
    r = client.get(f"/work-orders/{wo.id}/comments")
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]


def test_requester_sees_no_form_on_others_requests_and_cannot_post(client, users, portal_login):
    other = factories.work_order(users.actor("north", "manager"), title="Fan noise")
    portal_login(users["north"]["requester"])
    html = client.get(f"/work-orders/{other.id}/comments").get_data(as_text=True)
    assert "comment-form" not in html and "photo-form" not in html
    r = client.post(f"/work-orders/{other.id}/comments", data={"csrf_token": csrf_from(html), "body": "x"},
                    headers=HX)
    assert r.status_code == 403 and db.session.query(WorkOrderComment).count() == 0


def test_photo_upload_through_the_portal_strips_gps_and_shows_a_thumbnail(client, users, portal_login, wo,
                                                                          upload_dir):
    portal_login(users["north"]["technician"])
    r = client.post(f"/work-orders/{wo.id}/attachments", headers=HX, content_type="multipart/form-data",
                    data={"csrf_token": token(client, wo), "file": (io.BytesIO(jpeg_with_gps()), "IMG_0001.jpg")})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Photo attached." in html
    row = db.session.query(WorkOrderAttachment).one()
    assert row.uploaded_by == users["north"]["technician"].id
    tags = Tags(html)
    link = tags.find("a", hx_boost="false")
    assert link["href"] == f"/work-orders/{wo.id}/attachments/{row.id}" and link["target"] == "_blank"
    img = tags.find("img", src=f"/work-orders/{wo.id}/attachments/{row.id}?size=thumb")
    assert img is not None and img["alt"].startswith("Photo 1 by north technician")
    thumb = client.get(img["src"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["Cache-Control"] == "private, max-age=3600"
    full = client.get(link["href"])
    assert full.headers["Content-Disposition"] == 'inline; filename="IMG_0001.jpg"'
    assert not Image.open(io.BytesIO(full.data)).getexif().get_ifd(GPS_IFD)
    with open(os.path.join(upload_dir, row.storage_key), "rb") as stored:
        assert b"Exif" not in stored.read()


def test_text_file_named_jpg_is_422_next_to_the_file_input(client, users, portal_login, wo, upload_dir):
    portal_login(users["north"]["technician"])
    r = client.post(f"/work-orders/{wo.id}/attachments", headers=HX, content_type="multipart/form-data",
                    data={"csrf_token": token(client, wo), "file": (io.BytesIO(b"hello " * 50), "photo.jpg")})
    assert r.status_code == 422
    tags = Tags(r.get_data(as_text=True))
    assert tags.find("input", id="f-photo-file")["aria-invalid"] == "true"
    assert "Not a JPEG, PNG or WebP image" in r.get_data(as_text=True)
    assert db.session.query(WorkOrderAttachment).count() == 0 and stored_files(upload_dir) == []


def test_missing_file_is_422(client, users, portal_login, wo):
    portal_login(users["north"]["technician"])
    r = client.post(f"/work-orders/{wo.id}/attachments", headers=HX, data={"csrf_token": token(client, wo)})
    assert r.status_code == 422 and "Choose a photo" in r.get_data(as_text=True)


def test_too_large_upload_is_413(app, client, users, portal_login, wo, upload_dir):
    portal_login(users["north"]["technician"])
    t = token(client, wo)
    app.config["UPLOAD_MAX_BYTES"] = 2000
    r = client.post(f"/work-orders/{wo.id}/attachments", headers=HX, content_type="multipart/form-data",
                    data={"csrf_token": t, "file": (io.BytesIO(jpeg_with_gps(size=(400, 400))), "big.jpg")})
    assert r.status_code == 413 and "<html" not in r.get_data(as_text=True)
    assert db.session.query(WorkOrderAttachment).count() == 0 and stored_files(upload_dir) == []


def test_bad_size_is_400(client, users, portal_login, wo):
    from portal.services.work_orders import attachments as svc
    aid = svc.add_attachment(users.actor("north", "technician"), wo.id, png(), "a.png").id
    portal_login(users["north"]["technician"])
    assert client.get(f"/work-orders/{wo.id}/attachments/{aid}?size=huge").status_code == 400


def test_query_count_does_not_grow_with_comments_and_photos(client, users, portal_login, wo):
    from portal.services.work_orders import attachments as svc
    portal_login(users["north"]["technician"])

    def count_queries() -> int:
        client.get(f"/work-orders/{wo.id}/comments")  # uncounted: the header's counts kept in Redis, as after any earlier page
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/work-orders/{wo.id}/comments").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    factories_comment(users, wo, "first", role="admin")
    svc.add_attachment(users.actor("north", "admin"), wo.id, png(), "a.png")
    few = count_queries()
    for n, role in enumerate(("manager", "technician", "requester", "admin") * 2):
        factories_comment(users, wo, f"note {n}", role=role)
        svc.add_attachment(users.actor("north", role), wo.id, png(), "a.png")
    assert count_queries() == few
