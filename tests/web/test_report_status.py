"""The reporter follows up: the private status link of a problem report (services/work_orders/
report_status.py, /report/status/<token>), comments visible to the reporter, the kept e-mail."""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import factories
import pytest
from sqlalchemy import select

from portal.models import Warehouse, WorkOrder, WorkOrderComment
from portal.platform.extensions import db
from portal.schemas.attachments import CommentCreate
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.schemas.work_orders import ConsumeParts, WorkOrderUpdate
from portal.services.common.errors import NotFound, ValidationFailed
from portal.services.identity import warehouses as warehouse_service
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import comments as comment_service
from portal.services.work_orders import problem_reports, report_status
from portal.services.work_orders.lifecycle import update_work_order
from web.conftest import Tags, csrf_from

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LINK = re.compile(r'value="(http://localhost/report/status/([A-Za-z0-9_-]+))"')


@pytest.fixture
def pump(users):
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    return factories.equipment(users.actor("north", "manager"), assetTag="PMP-7", description="Cooling pump")


def _submit(pump, now=T0, **fields):
    body = {"description": "Loud grinding noise", "reporterName": "Alex from packing", **fields}
    return problem_reports.submit_report(pump.report_token, ProblemReportCreate.model_validate(body), now=now)


def _comment(actor, wo_id, body, public=False, now=T0):
    return comment_service.add_comment(actor, wo_id, CommentCreate(body=body, visibleToReporter=public), now=now)


# --- the service -------------------------------------------------------------------------------

def test_only_the_tokens_sha256_is_stored_and_it_is_unguessable(users, pump):
    first, second = _submit(pump), _submit(pump)
    assert first.status_token != second.status_token and len(first.status_token) == 32  # 192 bits
    wo = db.session.get(WorkOrder, first.work_order.id)
    assert wo.status_token_hash == hashlib.sha256(first.status_token.encode()).hexdigest()
    assert first.status_token not in (wo.status_token_hash, wo.description, wo.title)
    assert report_status.status_for(first.status_token, now=T0).fo_number == wo.fo_number
    for wrong in ("", first.status_token[:-1], first.status_token.upper(), wo.status_token_hash, "x" * 65, "a\x00"):
        with pytest.raises(NotFound):
            report_status.status_for(wrong, now=T0)


def test_status_in_words(users, pump):
    manager, tech = users.actor("north", "manager"), users.actor("north", "technician")
    done = _submit(pump)
    token, wo_id = done.status_token, done.work_order.id

    def words(now=T0 + timedelta(days=1)):
        return report_status.status_for(token, now=now).words

    assert words() == "Received"
    update_work_order(manager, wo_id, WorkOrderUpdate(status="assigned", assignedTo=tech.id), now=T0)
    assert words() == "Received: a technician will look at it"
    update_work_order(tech, wo_id, WorkOrderUpdate(status="in_progress"), now=T0)
    assert words() == "Being worked on"
    update_work_order(tech, wo_id, WorkOrderUpdate(status="on_hold", holdReason="Supplier X, bearing 480 EUR"), now=T0)
    assert words() == "On hold"  # the hold reason is the team's own words: not shown
    update_work_order(tech, wo_id, WorkOrderUpdate(status="in_progress"), now=T0)
    update_work_order(tech, wo_id, WorkOrderUpdate(status="completed"), now=datetime(2026, 12, 5, 23, 30, tzinfo=UTC))
    db.session.get(Warehouse, pump.warehouse_id).timezone = "Europe/Paris"  # 00:30 on 6 Dec there
    assert words() == "Done on 6 Dec"
    assert words(now=datetime(2027, 1, 2, tzinfo=UTC)) == "Done on 6 Dec 2026"
    cancelled = _submit(pump)
    update_work_order(manager, cancelled.work_order.id, WorkOrderUpdate(status="cancelled"), now=T0)
    assert report_status.status_for(cancelled.status_token, now=T0).words == "Cancelled"


def test_only_comments_marked_for_the_reporter_are_public_notes(users, pump):
    tech = users.actor("north", "technician")
    done = _submit(pump)
    _comment(tech, done.work_order.id, "Internal: the seal costs 480 EUR", now=T0 + timedelta(hours=1))
    _comment(tech, done.work_order.id, "We ordered a new seal", public=True, now=T0 + timedelta(hours=2))
    _comment(tech, done.work_order.id, "Fitted, running again", public=True, now=T0 + timedelta(hours=3))
    status = report_status.status_for(done.status_token, now=T0 + timedelta(hours=4))
    assert [n.body for n in status.notes] == ["Fitted, running again", "We ordered a new seal"]  # newest first
    assert status.last_change == T0 + timedelta(hours=3)  # a public note is a change the reporter sees


def test_a_public_comment_needs_a_work_order_from_a_problem_report(users):
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager)
    with pytest.raises(ValidationFailed) as exc:
        _comment(manager, wo.id, "For the reporter", public=True)
    assert exc.value.errors[0]["field"] == "visibleToReporter"
    assert db.session.scalars(select(WorkOrderComment)).first() is None


def test_the_link_works_while_open_and_for_the_kept_days_after_closing(app, users, pump):
    manager = users.actor("north", "manager")
    done = _submit(pump)
    assert report_status.status_for(done.status_token, now=T0 + timedelta(days=400)).words == "Received"  # open
    closed_at = T0 + timedelta(days=2)
    update_work_order(manager, done.work_order.id, WorkOrderUpdate(status="cancelled"), now=closed_at)
    days = app.config["REPORT_STATUS_DAYS"]
    assert days == 30
    assert report_status.status_for(done.status_token, now=closed_at + timedelta(days=days)).words == "Cancelled"
    with pytest.raises(report_status.StatusLinkExpired) as exc:
        report_status.status_for(done.status_token, now=closed_at + timedelta(days=days, seconds=1))
    assert exc.value.report_token == pump.report_token  # "report a new problem on this machine"


def test_the_email_is_kept_validated_and_shown_to_the_team(client, users, pump, portal_login):
    assert _submit(pump, reporterEmail="alex@plant.example").work_order.reporter_email == "alex@plant.example"
    page = client.get(f"/report/{pump.report_token}").get_data(as_text=True)
    assert "One e-mail when the work is done" in page  # said on the form
    resp = client.post(f"/report/{pump.report_token}", data={
        "csrf_token": csrf_from(page), "description": "Leak", "reporterName": "Sam", "reporterEmail": "sam at home"})
    assert resp.status_code == 422
    assert "Enter an e-mail address such as name@example.com, or leave it empty" in resp.get_data(as_text=True)
    wo = db.session.scalars(select(WorkOrder).where(WorkOrder.reporter_email.is_not(None))).one()
    portal_login(users["north"]["technician"])
    assert "wants an e-mail when done: alex@plant.example" in client.get(f"/work-orders/{wo.id}").get_data(as_text=True)


# --- the pages ---------------------------------------------------------------------------------

def _report_page(client, pump, **fields):
    page = client.get(f"/report/{pump.report_token}").get_data(as_text=True)
    return client.post(f"/report/{pump.report_token}", data={
        "csrf_token": csrf_from(page), "description": "Loud grinding noise", "reporterName": "Alex from packing",
        **fields})


def test_the_thank_you_page_shows_the_link_once(client, users, pump):
    resp = _report_page(client, pump, reporterEmail="alex@plant.example")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in resp.headers["Cache-Control"]
    url, token = LINK.search(html).groups()
    assert html.count(token) == 2  # the field and the "Open it" link (the QR code encodes it as modules)
    assert "it is shown only once" in html and "<svg" in html
    copy = Tags(html).find("button", **{"data-copy": "#status-link"})
    assert copy is not None
    assert "alex@plant.example" in html and "We will send one e-mail to alex@plant.example when the work is done" in html
    # The token is not stored: nothing shows it again, not even the team's page of the work order.
    wo = db.session.scalars(select(WorkOrder)).one()
    assert wo.status_token_hash == hashlib.sha256(token.encode()).hexdigest()
    status = client.get(url.removeprefix("http://localhost"))
    assert status.status_code == 200 and wo.fo_number in status.get_data(as_text=True)
    assert token not in status.get_data(as_text=True)


def test_the_status_page_shows_public_notes_and_nothing_else(client, users, pump, portal_login):
    manager, tech = users.actor("north", "manager"), users.actor("north", "technician")
    done = _submit(pump, reporterContact="+33 6 12 34 56 78", reporterEmail="alex@plant.example")
    wo_id = done.work_order.id
    update_work_order(manager, wo_id, WorkOrderUpdate(status="assigned", assignedTo=tech.id,
                                                      description="Check the seal; spare is 480 EUR"), now=T0)
    update_work_order(tech, wo_id, WorkOrderUpdate(status="in_progress"), now=T0)
    bearing = factories.part(manager, unitCost="987.65", partNumber="BRG-6205")
    parts_service.consume_parts(tech, ConsumeParts(workOrderId=wo_id, partsUsage=[
        {"partId": bearing.id, "quantityUsed": 2}]), now=T0)
    _comment(tech, wo_id, "Internal: supplier says Friday", now=T0 + timedelta(hours=1))
    _comment(tech, wo_id, "The new seal arrives on Friday", public=True, now=T0 + timedelta(hours=2))
    update_work_order(tech, wo_id, WorkOrderUpdate(status="completed", completionNotes="Seal replaced, torque 25 Nm"),
                      now=T0 + timedelta(hours=3))
    resp = client.get(f"/report/status/{done.status_token}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.headers["Referrer-Policy"] == "no-referrer"
    assert done.work_order.fo_number in html and "PMP-7: Loud grinding noise" in html
    assert "Done on 1 Dec" in html and "The new seal arrives on Friday" in html
    for secret in ("Internal: supplier says Friday", "north technician", "north manager", "Alex from packing",
                   "+33 6 12 34 56 78", "alex@plant.example", "987", "1975", "BRG-6205", "480 EUR",
                   "Seal replaced", "Cooling pump", "My work", "Log out"):
        assert secret not in html, secret


def test_a_wrong_token_is_a_404_written_for_people(client, users, pump):
    resp = client.get("/report/status/not-a-real-token")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "This status link does not work" in html and "Check that the whole link was copied" in html
    assert "Report a problem" in html  # how to report a new one: the label's code
    assert "My work" not in html and "Back to" not in html and 'href="/"' not in html


def test_an_expired_link_offers_a_new_report_on_the_same_machine(client, users, pump):
    done = _submit(pump, now=T0 - timedelta(days=90))
    update_work_order(users.actor("north", "manager"), done.work_order.id, WorkOrderUpdate(status="cancelled"),
                      now=T0 - timedelta(days=60))
    resp = client.get(f"/report/status/{done.status_token}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 404 and "more than 30 days ago" in html
    assert Tags(html).find("a", href=f"/report/{pump.report_token}") is not None


def test_the_comment_form_offers_the_flag_only_for_reported_work_orders(client, users, pump, portal_login):
    done = _submit(pump)
    plain = factories.work_order(users.actor("north", "manager"))
    portal_login(users["north"]["technician"])
    page = client.get(f"/work-orders/{done.work_order.id}").get_data(as_text=True)
    assert Tags(page).find("input", name="visibleToReporter") is not None
    assert 'name="visibleToReporter"' not in client.get(f"/work-orders/{plain.id}").get_data(as_text=True)
    resp = client.post(f"/work-orders/{done.work_order.id}/comments", headers={"HX-Request": "true"},
                       data={"csrf_token": csrf_from(page), "body": "Seal ordered", "visibleToReporter": "true"})
    assert resp.status_code == 200 and "Visible to the reporter</span>" in resp.get_data(as_text=True)
    assert db.session.scalars(select(WorkOrderComment.visible_to_reporter)).one() is True
    refused = client.post(f"/work-orders/{plain.id}/comments", headers={"HX-Request": "true"},
                          data={"csrf_token": csrf_from(page), "body": "Hi", "visibleToReporter": "true"})
    assert refused.status_code == 422
    assert "Only a work order from a problem report" in refused.get_data(as_text=True)


def test_the_comments_api_carries_the_flag(client, users, pump, auth):
    done = _submit(pump)
    headers = auth("north", "technician")
    url = f"/api/work-orders/{done.work_order.id}/comments"
    made = client.post(url, json={"body": "Seal ordered", "visibleToReporter": True}, headers=headers)
    assert made.status_code == 201 and made.get_json()["visibleToReporter"] is True
    plain = client.post(url, json={"body": "Internal"}, headers=headers)
    assert plain.get_json()["visibleToReporter"] is False  # the contract's old requests keep their meaning
    assert [c["visibleToReporter"] for c in client.get(url, headers=headers).get_json()] == [True, False]
    assert client.post(url, json={"body": "x", "visibleToReporter": "yes"}, headers=headers).status_code == 400
    plain_wo = factories.work_order(users.actor("north", "manager"))
    refused = client.post(f"/api/work-orders/{plain_wo.id}/comments", json={"body": "x", "visibleToReporter": True},
                          headers=headers)
    assert refused.status_code == 400 and refused.get_json()["errors"][0]["field"] == "visibleToReporter"
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert schema["CommentOut"]["properties"]["visibleToReporter"]["type"] == "boolean"
    assert schema["CommentCreate"]["properties"]["visibleToReporter"]["default"] is False


def test_status_views_are_rate_limited_per_address(_schema, users):
    from conftest import make_app

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_REPORT_STATUS_IP="2/minute")
    with app.app_context():
        warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
        done = _submit(factories.equipment(users.actor("north", "manager")))
        one = app.test_client()
        assert [one.get(f"/report/status/{done.status_token}").status_code for _ in range(2)] == [200, 200]
        refused = one.get("/report/status/guessing")  # wrong guesses count too
        assert refused.status_code == 429 and "Too many attempts" in refused.get_data(as_text=True)
        other = app.test_client()
        assert other.get(f"/report/status/{done.status_token}",
                         environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
