"""Idempotency-Key on the portal's writes: the offline queue of a tablet replays an action once."""
from __future__ import annotations

import factories
from sqlalchemy import func, select

from portal.models import WorkOrderComment
from portal.platform.extensions import db
from web.conftest import csrf_from


def test_a_replayed_comment_is_added_once(client, users, portal_login):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    wo = factories.work_order(manager, assignedTo=tech.id)
    portal_login(tech)
    token = csrf_from(client.get(f"/work-orders/{wo.id}").get_data(as_text=True))
    h = {"Idempotency-Key": "tablet-action-1", "HX-Request": "true", "X-CSRFToken": token}
    data = {"body": "Waiting for the bearing"}
    first = client.post(f"/work-orders/{wo.id}/comments", data=data, headers=h)
    again = client.post(f"/work-orders/{wo.id}/comments", data=data, headers=h)
    assert first.status_code == again.status_code and first.status_code < 400, first.status_code
    assert again.get_data() == first.get_data() and again.headers["Idempotency-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(WorkOrderComment)) == 1
    other = client.post(f"/work-orders/{wo.id}/comments", data={"body": "Something else"}, headers=h)
    assert other.status_code == 422 and "another request" in other.get_data(as_text=True)


def test_logged_out_posts_ignore_the_header(client):
    r = client.post("/login", data={"email": "x@example.com", "password": "nope", "code": ""},
                    headers={"Idempotency-Key": "k"})
    assert r.status_code in (200, 400, 422)
