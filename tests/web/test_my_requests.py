"""/my-requests: a requester asks for work and follows it (waiting, approved with the work order's
status, merged, declined with the reason), seeing only their own; another warehouse's is a 404."""
from __future__ import annotations

import factories
import pytest

from portal.schemas.requests import RequestApprove, RequestCreate, RequestDecline, RequestMerge
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from portal.services.work_orders import requests as inbox
from web.conftest import Tags, csrf_from

pytestmark = pytest.mark.usefixtures("upload_dir")


def _route(users, plant: str, routing: str) -> None:
    warehouse_service.update_settings(users.actor(plant, "admin"), WarehouseUpdate(requestRouting=routing))


def _post(client, data: dict):
    token = csrf_from(client.get("/my-requests").get_data(as_text=True))
    return client.post("/my-requests", data={**data, "csrf_token": token})


@pytest.fixture
def requester(users, portal_login):
    return users["north"]["requester"]


def test_a_requester_asks_and_follows_only_their_own(client, users, portal_login, requester):
    _route(users, "north", "inbox")
    manager = users.actor("north", "manager")
    me = users.actor("north", "requester")
    pump = factories.equipment(manager, assetTag="PUMP-7", location="Hall B")
    open_wo = factories.work_order(manager, title="Pump noisy", equipmentId=pump.id)
    # Someone else's request in the same warehouse, and one in another warehouse.
    other = inbox.submit_request(users.actor("north", "technician"), RequestCreate(title="Not yours"))
    _route(users, "south", "inbox")
    south = inbox.submit_request(users.actor("south", "requester"), RequestCreate(title="South request"))
    portal_login(requester)

    page = client.get("/my-requests")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nothing asked yet" in html
    [link] = Tags(html).find_all("a", href="/my-requests")
    assert link.get("aria-current") == "page"  # the nav shows it to requesters
    r = _post(client, {"title": "", "description": "x"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.get_data(as_text=True)
    r = _post(client, {"title": "Door of bay 3 sticks", "description": "It scrapes the floor", "equipmentId": pump.id})
    assert r.status_code == 303
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Door of bay 3 sticks" in html and "Waiting for review" in html and "PUMP-7" in html
    # Three more of mine, decided three ways.
    approved = inbox.submit_request(me, RequestCreate(title="Light out"))
    merged = inbox.submit_request(me, RequestCreate(title="Pump whines", equipmentId=pump.id))
    declined = inbox.submit_request(me, RequestCreate(title="New coffee machine"))
    _, wo = inbox.approve(manager, approved.id, RequestApprove())
    inbox.merge(manager, merged.id, RequestMerge(workOrderId=open_wo.id))
    inbox.decline(manager, declined.id, RequestDecline(reason="Not maintenance: ask facilities"))
    factories.move_to(manager, wo.id, "in_progress")

    html = client.get("/my-requests").get_data(as_text=True)
    assert f"Approved: {wo.fo_number} in progress" in html
    assert f"Merged into {open_wo.fo_number} (new)" in html
    assert "Declined: Not maintenance: ask facilities" in html
    assert "Not yours" not in html and "South request" not in html and "Pump noisy" not in html
    assert html.count('class="card mine-item') == 4
    assert client.get(f"/my-requests/{approved.id}").status_code == 200
    # Anyone else's: not found, in this warehouse or another.
    assert client.get(f"/my-requests/{other.id}").status_code == 404
    assert client.get(f"/my-requests/{south.id}").status_code == 404
    assert client.get(f"/my-requests/{open_wo.id}").status_code == 404  # a work order someone else asked for
    # An asset of another warehouse is refused next to its field.
    south_asset = factories.equipment(users.actor("south", "manager"), assetTag="SOUTH-1")
    r = _post(client, {"title": "Fix it", "equipmentId": south_asset.id})
    assert r.status_code == 422 and "Pick an asset from the list" in r.get_data(as_text=True)


def test_straight_to_work_orders_the_request_is_a_work_order(client, users, portal_login, requester):
    _route(users, "north", "work_order")
    portal_login(requester)
    r = _post(client, {"title": "Gate squeaks"})
    assert r.status_code == 303
    html = client.get("/my-requests").get_data(as_text=True)
    assert "Gate squeaks" in html and "Work order WO-" in html and ": new" in html
    wo_id = r.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/my-requests/{wo_id}").status_code == 200


def test_other_roles_have_no_my_requests_link(client, users, portal_login):
    portal_login(users["north"]["manager"])
    assert 'href="/my-requests"' not in client.get("/work-orders").get_data(as_text=True)
