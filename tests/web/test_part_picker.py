"""The work page's part picker and part requests: in stock first, short stock said before the pick,
"Request this part" as a fragment (htmx) or a redirect with a flash (plain post), the requested
parts on the work order, and the work orders waiting on the manager's reorder page."""
from __future__ import annotations

import re

import factories
import pytest
from sqlalchemy import select

from portal.models import ReorderRequest
from portal.platform.extensions import db
from web.conftest import csrf_from

HX = {"HX-Request": "true"}


@pytest.fixture
def job(users):
    manager = users.actor("north", "manager")
    parts = {n: factories.part(manager, partNumber=n, description=d, stockLevel=s) for n, d, s in (
        ("BRG-1000", "Ball bearing 1000", 0), ("BRG-6205", "Ball bearing 6205", 7), ("BRG-6300", "Ball bearing 6300", 2))}
    wo = factories.work_order(manager, assignedTo=users["north"]["technician"].id)
    return wo, parts


def _post(client, path: str, htmx: bool = True):
    token = csrf_from(client.get("/").get_data(as_text=True))
    if htmx:
        return client.post(path, headers={**HX, "X-CSRFToken": token})
    return client.post(path, data={"csrf_token": token})


def test_search_lists_in_stock_first_and_says_short_stock(client, users, portal_login, job):
    wo, parts = job
    portal_login(users["north"]["technician"])
    html = client.get(f"/work-orders/{wo.id}/parts/search?partQ=BRG&quantityUsed=3", headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="part-options"')
    order = re.findall(r'class="pn">([^<]+)<', html)
    assert order == ["BRG-6205", "BRG-6300", "BRG-1000"]
    assert "7 in stock" in html and "Only 2 in stock" in html and "Request 1 more" in html
    # Out of stock: marked, offered for request, never a radio to pick for consumption.
    out = html[html.index('id="out-of-stock"'):]
    assert "Out of stock" in out and "Request this part (3)" in out and 'name="partId"' not in out
    assert f'value="{parts["BRG-1000"].id}"' not in html
    assert f'partId={parts["BRG-1000"].id}&amp;quantity=3' in html


def test_request_from_the_picker_fragment_then_plain_post(client, users, portal_login, job):
    wo, parts = job
    portal_login(users["north"]["technician"])
    path = f"/work-orders/{wo.id}/part-requests?partId={parts['BRG-1000'].id}&quantity=3"
    r = _post(client, path)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith('<section id="parts"')
    assert "BRG-1000: 3 requested" in html
    requested = html[html.index('id="part-requests"'):]
    assert "BRG-1000" in requested and "Qty 3" in requested and "Requested" in requested
    # Without htmx: back to the page, which says it and shows the request (now for 4, not a second one).
    plain = _post(client, path.replace("quantity=3", "quantity=4"), htmx=False)
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/work-orders/{wo.id}")
    page = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert "the request is now for 4" in page and "Qty 4" in page
    assert [r.quantity for r in db.session.scalars(select(ReorderRequest))] == [4]


def test_request_refused_in_words_on_a_closed_work_order_and_404_elsewhere(client, users, portal_login, job):
    wo, parts = job
    factories.move_to(users.actor("north", "manager"), wo.id, "cancelled")
    portal_login(users["north"]["manager"])
    r = _post(client, f"/work-orders/{wo.id}/part-requests?partId={parts['BRG-1000'].id}&quantity=1")
    assert r.status_code == 422
    assert "is cancelled: parts can no longer be requested for it" in r.get_data(as_text=True)
    bad = _post(client, f"/work-orders/{wo.id}/part-requests?partId={parts['BRG-1000'].id}&quantity=x")
    assert bad.status_code == 422 and 'id="e-request"' in bad.get_data(as_text=True)
    portal_login(users["south"]["manager"])
    assert _post(client, f"/work-orders/{wo.id}/part-requests?partId={parts['BRG-1000'].id}&quantity=1").status_code == 404
    assert db.session.scalars(select(ReorderRequest)).all() == []


def test_reorders_page_names_the_waiting_work_order_and_who_asked(client, users, portal_login, job):
    wo, parts = job
    portal_login(users["north"]["technician"])
    _post(client, f"/work-orders/{wo.id}/part-requests?partId={parts['BRG-1000'].id}&quantity=2")
    portal_login(users["north"]["manager"])
    for headers in ({}, HX):
        html = client.get("/parts/reorders", headers=headers).get_data(as_text=True)
        assert f'href="/work-orders/{wo.id}">{wo.fo_number}</a>' in html
        assert f"asked by {users['north']['technician'].name or users['north']['technician'].email}" in html
    [request] = db.session.scalars(select(ReorderRequest)).all()
    ordered = _post(client, f"/parts/reorders/{request.id}/ordered")
    assert ordered.status_code == 200 and wo.fo_number in ordered.get_data(as_text=True)
    page = client.get(f"/work-orders/{wo.id}").get_data(as_text=True)
    assert re.search(r'class="tag st-ordered">Ordered<', page)


def test_an_option_already_requested_says_so_and_offers_only_a_change(client, users, portal_login, job):
    wo, parts = job
    portal_login(users["north"]["technician"])
    _post(client, f"/work-orders/{wo.id}/part-requests?partId={parts['BRG-1000'].id}&quantity=3")
    same = client.get(f"/work-orders/{wo.id}/parts/search?partQ=BRG-1000&quantityUsed=3", headers=HX).get_data(as_text=True)
    assert "3 requested" in same and "Request this part" not in same and "Change the request" not in same
    more = client.get(f"/work-orders/{wo.id}/parts/search?partQ=BRG-1000&quantityUsed=5", headers=HX).get_data(as_text=True)
    assert "3 requested" in more and ">Change the request to 5</button>" in more
    # Someone who may not work on it sees the state, and no button.
    portal_login(users["north"]["requester"])
    seen = client.get(f"/work-orders/{wo.id}/parts/search?partQ=BRG-1000", headers=HX).get_data(as_text=True)
    assert "3 requested" in seen and "<button" not in seen
