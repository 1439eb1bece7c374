"""Issue 23: the planner's estimate changed on the work order page (managers), as PATCH's estimatedDuration."""
from __future__ import annotations

from bs4 import BeautifulSoup
from test_estimates import create

from web.conftest import csrf_from


def test_the_work_order_page_changes_the_estimate(client, auth, users, portal_login):
    h = auth("north", "manager")
    wo = create(client, h)
    portal_login(users["north"]["manager"])
    page = client.get(f"/work-orders/{wo['id']}").get_data(as_text=True)
    form = BeautifulSoup(page, "html.parser").select_one("#wo-estimate form")
    assert form["action"] == f"/work-orders/{wo['id']}/estimate"
    token = csrf_from(page)
    bad = client.post(form["action"], data={"csrf_token": token, "estimatedDuration": "0"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "Give whole minutes from 1 to 100000" in bad.get_data(as_text=True)
    ok = client.post(form["action"], data={"csrf_token": token, "estimatedDuration": "150"},
                     headers={"HX-Request": "true"})
    assert ok.status_code == 200 and "150 min (2.5 h)" in ok.get_data(as_text=True)
    assert client.get(f"/api/work-orders/{wo['id']}", headers=h).get_json()["estimatedDuration"] == 150
    portal_login(users["north"]["technician"])
    assert BeautifulSoup(client.get(f"/work-orders/{wo['id']}").get_data(as_text=True),
                         "html.parser").select_one("#wo-estimate form") is None
