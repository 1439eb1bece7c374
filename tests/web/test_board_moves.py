"""The board's kanban moves (POST /work-orders/<id>/move: the status buttons' service, a refusal
in words on the card) and its bulk "on hold" with a reason from the warehouse's list."""
from __future__ import annotations

import factories
import pytest
from sqlalchemy import select

from portal.models import WorkOrder, WorkOrderHistory
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.work_orders import hold_reasons
from web.conftest import csrf_from

HX = {"HX-Request": "true"}
KANBAN = "view=kanban"


def post(client, path: str, data: dict, htmx: bool = True):
    token = csrf_from(client.get("/").get_data(as_text=True))
    if htmx:
        return client.post(path, data=data, headers={**HX, "X-CSRFToken": token})
    return client.post(path, data={**data, "csrf_token": token})


def status_of(wo_id: str) -> str:
    db.session.expire_all()
    return db.session.get(WorkOrder, wo_id).status


def last_changes(wo_id: str) -> dict:
    return db.session.scalars(select(WorkOrderHistory.changes).where(WorkOrderHistory.work_order_id == wo_id)
                              .order_by(WorkOrderHistory.at.desc(), WorkOrderHistory.id.desc())).first()


@pytest.fixture
def kanban(client, users, portal_login):
    manager = users.actor("north", "manager")
    with unit_of_work():
        hold_reasons.seed_defaults(manager.warehouse_id)
    tech = users["north"]["technician"]
    new = factories.work_order(manager, title="Seal leaking")
    started = factories.work_order(manager, title="Belt squeaks", assignedTo=tech.id)
    factories.move_to(manager, started.id, "in_progress")
    signed = factories.work_order(manager, title="Guard rail", assignedTo=tech.id, requiresSignature=True)
    south = factories.work_order(users.actor("south", "manager"), title="South job")
    portal_login(users["north"]["manager"])
    return {"new": new.id, "started": started.id, "signed": signed.id, "south": south.id}


def test_kanban_cards_carry_their_move_url_menu_and_lanes(client, kanban):
    html = client.get("/work-orders?view=kanban").get_data(as_text=True)
    assert f'data-move-url="/work-orders/{kanban["new"]}/move"' in html
    assert 'data-status="in_progress"' in html and "js/kanban.js" in html
    # The Move menu offers only what the service allows: an in-progress card cannot go back to new.
    card = html[html.index(f'id="card-{kanban["started"]}"'):]
    card = card[:card.index("</li>")]
    assert 'value="on_hold"' in card and 'value="completed"' in card and 'value="new"' not in card


def test_a_move_goes_through_the_service_and_redraws_the_lanes(client, kanban):
    r = post(client, f"/work-orders/{kanban['new']}/move", {"status": "in_progress", "back": KANBAN})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "is now in progress." in body
    assert f'data-card="{kanban["new"]}" data-moved="1"' in body
    assert 'id="results"' in body and 'hx-swap-oob="outerHTML"' in body
    assert status_of(kanban["new"]) == "in_progress"
    assert last_changes(kanban["new"])["status"] == {"from": "new", "to": "in_progress"}
    # Without htmx: back to the board with a flash.
    r = post(client, f"/work-orders/{kanban['new']}/move", {"status": "assigned", "back": KANBAN}, htmx=False)
    assert r.status_code == 303 and "view=kanban" in r.headers["Location"]


def test_refused_moves_stay_put_and_say_why_in_words(client, kanban):
    # Not a transition the work allows: the card again, with the reason, and nothing written.
    r = post(client, f"/work-orders/{kanban['started']}/move", {"status": "new", "back": KANBAN})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "cannot go from In progress to New" in body and "it can go to" in body
    assert f'id="card-{kanban["started"]}"' in body and 'class="kanban-note" role="alert"' in body
    assert 'data-moved="0"' in body and status_of(kanban["started"]) == "in_progress"
    # Assigned needs someone.
    r = post(client, f"/work-orders/{kanban['new']}/move", {"status": "assigned", "back": KANBAN})
    assert r.status_code == 422 and "has nobody assigned" in r.get_data(as_text=True)
    # Completing a work order waiting for its sign-off: the service's gate, in its words.
    r = post(client, f"/work-orders/{kanban['signed']}/move", {"status": "completed", "back": KANBAN})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "stays assigned:" in body and "sign" in body.lower()
    assert status_of(kanban["signed"]) == "assigned"


def test_on_hold_asks_why_on_the_card_then_holds_with_the_reason(client, kanban):
    r = post(client, f"/work-orders/{kanban['started']}/move", {"status": "on_hold", "back": KANBAN})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "Why does" in body and "Waiting for parts" in body and "Put on hold" in body
    assert status_of(kanban["started"]) == "in_progress"
    r = post(client, f"/work-orders/{kanban['started']}/move",
             {"status": "on_hold", "holdReasonCode": "waiting_parts", "back": KANBAN})
    assert r.status_code == 200 and status_of(kanban["started"]) == "on_hold"
    assert last_changes(kanban["started"])["holdReasonCode"] == {"from": None, "to": "waiting_parts"}


def test_moves_of_another_warehouses_card_or_by_a_technician(client, users, kanban, portal_login):
    assert post(client, f"/work-orders/{kanban['south']}/move", {"status": "in_progress"}).status_code == 404
    assert status_of(kanban["south"]) == "new"
    assert post(client, f"/work-orders/{kanban['new']}/move", {"status": "in_progress"}).status_code == 200
    assert client.post(f"/work-orders/{kanban['new']}/move", data={"status": "on_hold"}, headers=HX).status_code == 400


def test_bulk_on_hold_asks_for_a_reason_and_refreshes_the_rows(client, kanban):
    html = client.get("/work-orders").get_data(as_text=True)
    assert 'id="f-bulk-hold-code"' in html and ">Waiting for parts<" in html
    ids = [kanban["new"], kanban["started"]]
    r = post(client, "/work-orders/bulk", {"ids": ids, "status": "on_hold"})
    assert r.status_code == 422 and "Pick why the work waits" in r.get_data(as_text=True)
    r = post(client, "/work-orders/bulk", {"ids": ids, "status": "on_hold", "holdReasonCode": "other"})
    assert r.status_code == 422 and "Say why the work waits" in r.get_data(as_text=True)
    assert {status_of(i) for i in ids} == {"new", "in_progress"}
    r = post(client, "/work-orders/bulk", {"ids": ids, "status": "on_hold", "holdReasonCode": "waiting_parts",
                                           "holdReason": "Bearings ordered"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "2 work orders now on hold (waiting for parts)." in body
    for wo_id in ids:  # the rows refreshed in place (out of band), each showing its new status
        assert f'<tr id="wo-{wo_id}"' in body and status_of(wo_id) == "on_hold"
        assert last_changes(wo_id)["holdReason"] == {"from": None, "to": "Bearings ordered"}
    assert body.count(">On hold</span>") == 2
    # A hold reason left filled in the bar counts only with on hold.
    r = post(client, "/work-orders/bulk", {"ids": ids, "priority": "high", "holdReasonCode": "waiting_parts"})
    assert r.status_code == 200 and "high priority" in r.get_data(as_text=True)
