"""The work order page refuses parts on a closed work order in words (tests/test_api_refusals.py: the API)."""
from __future__ import annotations

import factories

from portal.models import PartConsumption
from portal.platform.extensions import db
from web.conftest import csrf_from


def post(client, path: str, data: dict, htmx: bool = True):
    token = csrf_from(client.get("/").get_data(as_text=True))
    if htmx:
        return client.post(path, data=data, headers={"HX-Request": "true", "X-CSRFToken": token})
    return client.post(path, data={**data, "csrf_token": token})


def test_the_portal_says_why_a_closed_work_order_takes_no_parts(client, users, portal_login):
    manager = users.actor("north", "manager")
    part = factories.part(manager, partNumber="BRG-6207", stockLevel=5)
    wo = factories.work_order(manager)
    factories.move_to(manager, wo.id, "in_progress", "completed", completionNotes="Done")
    portal_login(users["north"]["manager"])
    # A page opened before the order was completed still shows the picker: its request is refused
    # and the page comes back as the order is now, saying why.
    r = post(client, f"/work-orders/{wo.id}/parts", {"partId": part.id, "quantityUsed": "1"})
    assert r.headers["HX-Redirect"] == f"/work-orders/{wo.id}"
    page = client.get(r.headers["HX-Redirect"]).get_data(as_text=True)
    assert '<p class="msg error">Parts cannot be used on a completed work order</p>' in page
    plain = post(client, f"/work-orders/{wo.id}/parts", {"partId": part.id, "quantityUsed": "1"}, htmx=False)
    assert plain.status_code == 303
    assert "Parts cannot be used on a completed work order" in client.get(plain.headers["Location"]).get_data(as_text=True)
    assert db.session.query(PartConsumption).filter_by(work_order_id=wo.id).count() == 0
