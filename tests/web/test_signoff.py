"""The sign-off fragment of the work order page: the pad (a form hidden without JavaScript), signing
with a PNG data URL, errors in words, the completion refusal linking to the pad, a manager's flag, the
PM editor's flag, and the signature read-only once completed."""
from __future__ import annotations

import base64

import pytest
from signatures import signature_png

from portal.models import PMTemplate, WorkOrder, WorkOrderAttachment
from portal.platform.extensions import db
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.work_orders import lifecycle as wo_service
from web.conftest import Tags, csrf_from

HX = {"HX-Request": "true"}
pytestmark = pytest.mark.usefixtures("upload_dir")


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def post(client, path: str, data: dict, htmx: bool = True):
    token = csrf_from(client.get("/").get_data(as_text=True))
    if htmx:
        return client.post(path, data=data, headers={**HX, "X-CSRFToken": token})
    return client.post(path, data={**data, "csrf_token": token})


@pytest.fixture
def wo_id(users) -> str:
    return wo_service.create_work_order(users.actor("north", "manager"), WorkOrderCreate.model_validate(
        {"title": "Replace light curtain", "assignedTo": users["north"]["technician"].id,
         "requiresSignature": True})).id


def test_the_page_offers_the_pad_with_the_users_name_and_says_what_is_needed(client, users, portal_login, wo_id):
    portal_login(users["north"]["technician"])
    html = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    tags = Tags(html)
    assert tags.find("section", id="signoff") is not None
    assert "This work order needs a signature to be completed" in html
    form = tags.find("form", hx_post=f"/work-orders/{wo_id}/signature")
    assert form is not None and "signoff-form" in form["class"]
    assert tags.find("canvas", id="signoff-pad") is not None
    assert tags.find("input", name="signature", type="hidden") is not None
    assert tags.find("input", name="signerName")["value"] == "north technician"
    assert tags.find("button", type="button") is not None  # Clear
    # Without JavaScript the form stays hidden (CSS) and these words show instead.
    assert "Signing needs a screen that can draw" in html
    # A technician does not decide whether a signature is needed.
    assert tags.find("form", hx_post=f"/work-orders/{wo_id}/signature-required") is None


def test_completion_refused_in_words_with_a_link_then_sign_and_complete(client, users, portal_login, wo_id):
    portal_login(users["north"]["technician"])
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "completed"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    error = html.split('class="signoff-error"')[1].split("</div>")[0]
    assert 'role="alert"' in error and 'id="e-signature"' in error
    assert "The person accepting the work signs before it is completed." in error
    assert 'href="#signoff-pad"' in error

    for data, words in [({"signature": "", "signerName": "Dana"}, "Sign in the box first"),
                        ({"signature": data_url(signature_png(ink=False)), "signerName": "Dana"},
                         "The signature is empty: sign in the box"),
                        ({"signature": "data:image/png;base64,%%%", "signerName": "Dana"},
                         "The signature is not a PNG image: sign again on the screen"),
                        ({"signature": data_url(signature_png()), "signerName": "  "}, "Write the name of who signs")]:
        resp = post(client, f"/work-orders/{wo_id}/signature", data)
        assert resp.status_code == 422
        assert words in resp.get_data(as_text=True)
    assert db.session.query(WorkOrderAttachment).count() == 0

    resp = post(client, f"/work-orders/{wo_id}/signature", {"signature": data_url(signature_png()),
                                                          "signerName": "Dana Ortiz"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="signoff"')  # the fragment alone
    assert "Signed by Dana Ortiz." in html
    assert "Signed by <strong>Dana Ortiz</strong>" in html and "captured by north technician" in html
    sig = db.session.query(WorkOrderAttachment).one()
    img = Tags(html).find("img", alt="Signature of Dana Ortiz")
    assert img["src"] == f"/work-orders/{wo_id}/attachments/{sig.id}"
    assert client.get(img["src"]).data.startswith(b"\x89PNG")
    # The photo gallery does not show the signature as a photo.
    page = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    assert 'Photos <span class="count">0</span>' in page

    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "completed"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Signed by <strong>Dana Ortiz</strong>" in html
    assert Tags(html).find("canvas", id="signoff-pad") is None  # read-only once completed
    resp = post(client, f"/work-orders/{wo_id}/signature", {"signature": data_url(signature_png()),
                                                          "signerName": "Someone else"})
    assert resp.status_code == 422 and "read-only once closed" in resp.get_data(as_text=True)


def test_plain_post_signs_and_redirects_back(client, users, portal_login, wo_id):
    portal_login(users["north"]["manager"])
    resp = post(client, f"/work-orders/{wo_id}/signature", {"signature": data_url(signature_png()),
                                                          "signerName": "Pat Lee"}, htmx=False)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/work-orders/{wo_id}#signoff")
    assert "Signed by Pat Lee." in client.get(f"/work-orders/{wo_id}").get_data(as_text=True)


def test_a_manager_sets_and_clears_the_flag(client, users, portal_login, wo_id):
    portal_login(users["north"]["manager"])
    url = f"/work-orders/{wo_id}/signature-required"
    assert Tags(client.get(f"/work-orders/{wo_id}").get_data(as_text=True)).find("form", hx_post=url) is not None
    resp = post(client, url, {"requiresSignature": "false"})
    assert resp.status_code == 200 and "No signature is needed any more." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).requires_signature is False
    resp = post(client, url, {"requiresSignature": ["true", "false"]})  # the ticked box, then its hidden "false"
    assert "A signature is now needed to complete it." in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).requires_signature is True


def test_a_technician_cannot_set_the_flag(client, users, portal_login, wo_id):
    portal_login(users["north"]["technician"])
    resp = post(client, f"/work-orders/{wo_id}/signature-required", {"requiresSignature": "false"})
    assert resp.status_code == 403
    db.session.expire_all()
    assert db.session.get(WorkOrder, wo_id).requires_signature is True


def test_another_warehouse_cannot_sign(client, users, portal_login, wo_id):
    portal_login(users["south"]["manager"])
    resp = post(client, f"/work-orders/{wo_id}/signature", {"signature": data_url(signature_png()),
                                                          "signerName": "Pat Lee"})
    assert resp.status_code == 404


def test_the_pm_editor_sets_the_flag(client, users, portal_login):
    portal_login(users["north"]["manager"])
    html = client.get("/pm-templates/new").get_data(as_text=True)
    assert Tags(html).find("input", name="requiresSignature", type="checkbox") is not None
    resp = post(client, "/pm-templates/new", {
        "name": "Guard check", "frequencyType": "calendar", "frequency": "30", "leadDays": "7",
        "startDate": "2026-12-01", "priority": "medium", "requiresSignature": ["true", "false"]}, htmx=False)
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:2000]
    template = db.session.query(PMTemplate).one()
    assert template.requires_signature is True
    html = client.get(f"/pm-templates/{template.id}").get_data(as_text=True)
    assert "checked" in Tags(html).find("input", name="requiresSignature", type="checkbox")


def test_a_manager_creates_a_work_order_that_needs_a_signature(client, users, portal_login):
    portal_login(users["north"]["manager"])
    html = client.get("/work-orders/new").get_data(as_text=True)
    assert Tags(html).find("input", name="requiresSignature", type="checkbox") is not None
    resp = post(client, "/work-orders/new", {"title": "Guard door switch", "requiresSignature": "true"}, htmx=False)
    assert resp.status_code == 303
    assert db.session.query(WorkOrder).filter_by(title="Guard door switch").one().requires_signature is True
