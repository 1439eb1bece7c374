"""The work page laid out for working (templates/work_orders/detail.html) and the hold reasons a
manager edits (/work-orders/hold-reasons): what the page offers in each status, the progress
"2 of 4 done", folded forms, the one way to pause with a reason code, and who may edit the codes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import ChecklistItem, HoldReason, WorkOrder, WorkOrderHistory
from portal.models.events import DomainEvent as Event
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders import hold_reasons
from web.test_work_orders import CHECKLIST, HX, post


@pytest.fixture
def pm_order(client, auth, users):
    """A PM work order with three required checklist items, assigned to north's technician."""
    h = auth("north", "manager")
    motor = client.post("/api/equipment", json={"assetTag": "MTR-7", "location": "Hall 2"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Motor PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 30, "equipmentIds": [motor],
        "assignedTo": users["north"]["technician"].id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due()["workOrderIds"]
    rows = db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))
    return wo_id, {i.item_key: i.id for i in rows}


@pytest.fixture
def reasons(users):
    """The default hold reasons in both warehouses (the fixture users' warehouses are made without them)."""
    with unit_of_work():
        for plant in ("north", "south"):
            hold_reasons.seed_defaults(users[plant]["manager"].warehouse_id)
    return {plant: {r.code: r for r in hold_reasons.list_reasons(users.actor(plant, "manager"))}
            for plant in ("north", "south")}


def _page(client, wo_id: str, htmx: bool = False) -> str:
    resp = client.get(f"/work-orders/{wo_id}", headers=HX if htmx else {})
    assert resp.status_code == 200 and "HX-Request" in resp.headers["Vary"]
    return resp.get_data(as_text=True)


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:start + 4000]


def test_bar_has_the_one_next_action_and_the_checklist_comes_first(client, users, portal_login, pm_order, reasons):
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    html = _page(client, wo_id)
    bar = html[html.index('id="wo-bar"'):html.index('id="checklist"')]
    # Before work starts: the bar's one action is Start work; progress counts the required items.
    assert bar.count('class="button') == 1 and ">Start work<" in bar
    assert "0 of 3 done" in bar and "3 required left" in bar
    # The checklist before the hold/complete forms; those forms are folded (closed <details>).
    assert html.index('id="checklist"') < html.index('id="actions"') < html.index('id="more"')
    assert re.search(r'<details class="action-fold" id="complete">', html)
    assert re.search(r'<details class="action-fold" id="hold">', html)
    # No second way to pause; give back and cancel are apart, at the bottom, each behind a confirm step.
    assert "Pause (back to assigned)" not in html and 'value="assigned"' not in html
    more = _section(html, "more")
    assert 'id="give-back"' in more and 'value="new"' in more and "Yes, give it back" in more
    assert 'id="cancel"' in more and 'value="cancelled"' in more and "Yes, cancel" in more
    assert 'value="cancelled"' not in html[:html.index('id="more"')]
    # Facts folded (closed without script, opened on wide screens by portal.js); asset and due stay in view.
    assert '<details class="wo-facts" id="wo-facts" data-open-wide data-print-open>' in html
    head = html[html.index('id="wo-head"'):html.index('id="wo-facts"')]
    assert ">MTR-7</a>" in head and "Due " in head

    # The same page as an htmx fragment (HX-Request): the swappable #wo alone.
    fragment = _page(client, wo_id, htmx=True)
    assert fragment.lstrip().startswith('<div id="wo"') and "<html" not in fragment and 'id="wo-bar"' in fragment


def test_next_action_follows_the_status(client, users, portal_login, pm_order, reasons):
    wo_id, items = pm_order
    portal_login(users["north"]["technician"])
    assert post(client, f"/work-orders/{wo_id}/status", {"status": "in_progress"}).status_code == 200
    bar = _section(_page(client, wo_id), "wo-bar")
    assert 'href="#complete-form"' in bar and "Complete…" in bar and "Start work" not in bar
    done = post(client, f"/work-orders/{wo_id}/checklist/{items['belt']}", {"value": "pass"})
    # The tick answers its item and, out of band, the bar's progress.
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and 'id="bar-progress" hx-swap-oob="true"' in body and "1 of 3 done" in body
    plain = post(client, f"/work-orders/{wo_id}/checklist/{items['temp']}", {"value": "50"}, htmx=False)
    assert plain.status_code == 302  # a plain form post: back to the page, no fragment
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold", "holdReasonCode": "waiting_parts",
                                                          "holdReason": "bearing ordered"})
    bar = _section(resp.get_data(as_text=True), "wo-bar")
    assert ">Resume work<" in bar and "Waiting for parts: bearing ordered" in bar


def test_hold_with_a_reason_code_and_words(client, users, portal_login, pm_order, reasons):
    wo_id, _ = pm_order
    portal_login(users["north"]["technician"])
    html = _page(client, wo_id)
    hold = _section(html, "hold")
    for reason in reasons["north"].values():
        assert f'value="{reason.code}"' in hold and reason.label in hold
    # Nothing chosen: the form comes back open, asking for the reason.
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Pick why the work waits" in html
    assert '<details class="action-fold" id="hold" open>' in html
    # "Other" needs words.
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold", "holdReasonCode": "other"})
    assert resp.status_code == 422 and "Say why the work waits" in resp.get_data(as_text=True)
    # Another warehouse's code, or a made-up one: refused next to the choice.
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold", "holdReasonCode": "nope"})
    assert resp.status_code == 422 and "Not one of the hold reasons offered" in resp.get_data(as_text=True)
    assert db.session.get(WorkOrder, wo_id).status == "assigned"

    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "on_hold", "holdReasonCode": "safety_permit"})
    assert resp.status_code == 200
    db.session.expire_all()
    last = db.session.scalars(select(WorkOrderHistory).where(WorkOrderHistory.work_order_id == wo_id)
                              .order_by(WorkOrderHistory.at.desc())).first()
    assert last.changes["holdReasonCode"] == {"from": None, "to": "safety_permit"} and "holdReason" not in last.changes
    updated = db.session.scalars(select(Event).where(Event.event == "work_order.updated")).all()[-1]
    assert updated.payload["changes"]["holdReasonCode"]["to"] == "safety_permit"
    assert "set status from assigned to on hold: Safety/permit" in resp.get_data(as_text=True)


def test_api_hold_reason_code_extends_the_status_change(client, auth, pm_order, reasons):
    wo_id, _ = pm_order
    h = auth("north", "manager")
    wrong_status = client.patch(f"/api/work-orders/{wo_id}", json={"status": "in_progress",
                                                                   "holdReasonCode": "waiting_parts"}, headers=h)
    assert wrong_status.status_code == 400 and wrong_status.json["errors"][0]["field"] == "holdReasonCode"
    unknown = client.patch(f"/api/work-orders/{wo_id}", json={"status": "on_hold", "holdReasonCode": "lunch"}, headers=h)
    assert unknown.status_code == 400 and unknown.json["errors"][0]["field"] == "holdReasonCode"
    ok = client.patch(f"/api/work-orders/{wo_id}", headers=h, json={
        "status": "on_hold", "holdReasonCode": "waiting_trade", "holdReason": "electrician"})
    assert ok.status_code == 200
    assert ok.json["history"][-1]["changes"]["holdReasonCode"] == {"from": None, "to": "waiting_trade"}
    assert ok.json["history"][-1]["changes"]["holdReason"] == {"from": None, "to": "electrician"}
    # holdReason alone keeps working as before.
    client.patch(f"/api/work-orders/{wo_id}", json={"status": "in_progress"}, headers=h)
    alone = client.patch(f"/api/work-orders/{wo_id}", json={"status": "on_hold", "holdReason": "x"}, headers=h)
    assert alone.status_code == 200 and "holdReasonCode" not in alone.json["history"][-1]["changes"]


def test_closed_work_order_offers_nothing_but_reading(client, users, portal_login, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["manager"])
    assert post(client, f"/work-orders/{wo_id}/status", {"status": "cancelled"}).status_code == 200
    html = _page(client, wo_id)
    assert "nothing more to do" in html and 'name="status"' not in html and 'id="more"' not in html
    # A change the rules refuse (a second tab still showing the old page): said in the status bar.
    resp = post(client, f"/work-orders/{wo_id}/status", {"status": "in_progress"})
    assert resp.status_code == 422 and 'id="e-status"' in _section(resp.get_data(as_text=True), "wo-bar")


# ---- the hold reasons page ---------------------------------------------------------------------

def test_manager_edits_the_hold_reasons(client, users, portal_login, reasons, pm_order):
    wo_id, _ = pm_order
    portal_login(users["north"]["manager"])
    page = client.get("/work-orders/hold-reasons")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Waiting for production/access" in html and "Code: waiting_access" in html
    assert "/work-orders/hold-reasons" in client.get("/pm-templates").get_data(as_text=True)  # where managers go

    added = post(client, "/work-orders/hold-reasons", {"label": "Waiting for the crane"}, htmx=False)
    assert added.status_code == 303
    crane = db.session.scalars(select(HoldReason).where(HoldReason.label == "Waiting for the crane")).one()
    assert crane.code == "waiting_for_the_crane" and crane.warehouse_id == users["north"]["manager"].warehouse_id
    twice = post(client, "/work-orders/hold-reasons", {"label": "waiting for the crane"}, htmx=False)
    assert twice.status_code == 422 and "already a hold reason with this name" in twice.get_data(as_text=True)
    empty = post(client, "/work-orders/hold-reasons", {"label": ""}, htmx=False)
    assert empty.status_code == 422 and 'id="e-label-new"' in empty.get_data(as_text=True)

    # Renamed: the code stays. Removed: no longer offered, kept on past holds, offered again later.
    parts = reasons["north"]["waiting_parts"]
    assert post(client, f"/work-orders/hold-reasons/{parts.id}", {"label": "Waiting for spare parts"},
                htmx=False).status_code == 303
    db.session.expire_all()
    assert db.session.get(HoldReason, parts.id).code == "waiting_parts"
    assert post(client, f"/work-orders/hold-reasons/{parts.id}", {"active": "false"}, htmx=False).status_code == 303
    portal_login(users["north"]["technician"])
    hold = _section(_page(client, wo_id), "hold")
    assert "waiting_parts" not in hold and 'value="waiting_for_the_crane"' in hold
    portal_login(users["north"]["manager"])
    html = client.get("/work-orders/hold-reasons").get_data(as_text=True)
    assert "Removed" in html and "Offer Waiting for spare parts again" in html
    assert post(client, f"/work-orders/hold-reasons/{parts.id}", {"active": "true"}, htmx=False).status_code == 303
    db.session.expire_all()
    assert db.session.get(HoldReason, parts.id).active


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_only_managers_and_admins_edit_hold_reasons(client, users, portal_login, reasons, role):
    portal_login(users["north"][role])
    reason = reasons["north"]["other"]
    assert client.get("/work-orders/hold-reasons").status_code == 403
    assert post(client, "/work-orders/hold-reasons", {"label": "Coffee"}, htmx=False).status_code == 403
    assert post(client, f"/work-orders/hold-reasons/{reason.id}", {"active": "false"}, htmx=False).status_code == 403
    db.session.expire_all()
    assert db.session.get(HoldReason, reason.id).active
    portal_login(users["north"]["admin"])
    assert client.get("/work-orders/hold-reasons").status_code == 200


def test_another_warehouses_hold_reason_is_404(client, users, portal_login, reasons):
    portal_login(users["north"]["manager"])
    theirs = reasons["south"]["other"]
    resp = post(client, f"/work-orders/hold-reasons/{theirs.id}", {"label": "Mine now"}, htmx=False)
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(HoldReason, theirs.id).label == "Other"
    assert "Other" in client.get("/work-orders/hold-reasons").get_data(as_text=True)  # north's own


def test_a_new_warehouse_starts_with_the_default_reasons(app):
    from portal.services.identity import auth as auth_service

    plant = auth_service.get_or_create_warehouse("East Plant")
    codes = db.session.scalars(select(HoldReason.code).where(HoldReason.warehouse_id == plant.id)
                               .order_by(HoldReason.position)).all()
    assert codes == [code for code, _ in hold_reasons.DEFAULTS]
