"""/requests: the manager's inbox (approve, merge, decline) as a page and its fragments, the nav's
count, the warehouse setting on /admin/warehouse, and what the reporter sees."""
from __future__ import annotations

import factories
import pytest
from photos import png
from sqlalchemy import select

from portal.models import Warehouse, WorkOrder, WorkOrderAttachment
from portal.models.requests import WorkRequest
from portal.platform.extensions import db
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from portal.services.work_orders import problem_reports
from web.conftest import Tags, count_queries, csrf_from

pytestmark = pytest.mark.usefixtures("upload_dir")
HX = {"HX-Request": "true"}


def _inbox(users) -> None:
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(
        problemReportsEnabled=True, requestRouting="inbox"))


def _report(eq, text: str = "Belt slipping", photo: bytes | None = None):
    return problem_reports.submit_report(eq.report_token, ProblemReportCreate(
        description=text, reporterName="Sam on line 2"), photo=photo, photo_name="belt.png")


def test_the_inbox_lists_pending_requests_and_the_nav_counts_them(client, users, portal_login):
    manager = users.actor("north", "manager")
    conv = factories.equipment(manager, assetTag="CONV-3")
    open_wo = factories.work_order(manager, equipmentId=conv.id, title="Belt worn")
    _inbox(users)
    first = _report(conv, photo=png((60, 40))).request
    _report(conv, text="Second one")
    first_id = first.id
    portal_login(users["north"]["manager"])

    page = client.get("/requests")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "HX-Request" in page.headers["Vary"]
    tags = Tags(html)
    [nav] = tags.find_all("li", id="nav-requests")
    assert 'Requests <span class="nav-count">2<span class="sr-only"> waiting</span></span>' in html
    assert "CONV-3" in html and "reported by Sam on line 2" in html and "Belt slipping" in html
    assert tags.find_all("img", src=f"/requests/{first_id}/photo?size=thumb")
    assert tags.find_all("form", hx_post=f"/requests/{first_id}/approve")
    [merge_select] = tags.find_all("select", id=f"f-workOrderId-{first_id}")
    assert f'<option value="{open_wo.id}">{open_wo.fo_number}: Belt worn</option>' in html
    assert client.get(f"/requests/{first_id}/photo?size=thumb").mimetype == "image/jpeg"
    # The fragment for htmx (the filter), the whole page for a history restore.
    frag = client.get("/requests?status=all", headers=HX).get_data(as_text=True)
    assert "<html" not in frag and 'id="results"' in frag
    restore = client.get("/requests", headers={**HX, "HX-History-Restore-Request": "true"}).get_data(as_text=True)
    assert "<html" in restore
    # The list does not grow in statements with its rows.
    _report(conv, text="One more")  # (each measure after a report: the same session state)
    few = count_queries(client, "/requests")
    for n in range(4):
        _report(conv, text=f"More {n}")
    assert count_queries(client, "/requests") == few


def test_approve_merge_and_decline_from_the_page(client, users, portal_login):
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    conv = factories.equipment(manager)
    open_wo = factories.work_order(manager, equipmentId=conv.id)
    _inbox(users)
    a, b, c = (_report(conv, text=f"Fault {n}", photo=png() if n == 0 else None) for n in range(3))
    a_id, b_id, c_id = a.request.id, b.request.id, c.request.id
    portal_login(users["north"]["manager"])
    token = csrf_from(client.get("/requests").get_data(as_text=True))

    resp = client.post(f"/requests/{a_id}/approve", headers=HX,
                       data={"csrf_token": token, "priority": "high", "assignedTo": tech.id})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html
    assert "Approved: a work order was made from the request." in html
    assert 'id="nav-requests" hx-swap-oob="outerHTML"' in html and '"nav-count">2<' in html
    wo = db.session.scalar(select(WorkOrder).where(WorkOrder.id == db.session.get(WorkRequest, a_id).work_order_id))
    assert (wo.priority, wo.assigned_to, wo.reporter_name) == ("high", tech.id, "Sam on line 2")
    assert db.session.scalar(select(WorkOrderAttachment.id).where(WorkOrderAttachment.work_order_id == wo.id))
    assert f'href="/work-orders/{wo.id}"' in html

    resp = client.post(f"/requests/{b_id}/merge", headers=HX, data={"csrf_token": token, "workOrderId": open_wo.id})
    assert resp.status_code == 200 and "Merged into the work order." in resp.get_data(as_text=True)

    # A reason is needed: the form again with its error next to the field (422, swapped by htmx).
    resp = client.post(f"/requests/{c_id}/decline", headers=HX, data={"csrf_token": token, "reason": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="e-reason-' + c_id + '"' in html and "<details class=\"rq-decline\" open" in html
    resp = client.post(f"/requests/{c_id}/decline", data={"csrf_token": token, "reason": "Out of scope"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/requests"
    assert db.session.get(WorkRequest, c_id).decline_reason == "Out of scope"
    # Decided already (another manager, another tab): the entry as it is now, with why nothing happened.
    resp = client.post(f"/requests/{c_id}/approve", headers=HX, data={"csrf_token": token})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "This request was already declined" in html and "Out of scope" in html
    # The nav's count is gone once nothing waits (the link stays: the warehouse uses the inbox).
    page = client.get("/requests").get_data(as_text=True)
    assert 'id="nav-requests"' in page and "nav-count" not in page
    assert "Nothing waits for you" in page


def test_who_sees_the_inbox(client, users, portal_login):
    _inbox(users)
    req = _report(factories.equipment(users.actor("north", "manager"))).request
    req_id = req.id
    portal_login(users["north"]["technician"])
    assert client.get("/requests").status_code == 403
    assert 'id="nav-requests"' not in client.get("/").get_data(as_text=True)
    portal_login(users["south"]["manager"])
    assert client.get(f"/requests/{req_id}/photo").status_code == 404
    token = csrf_from(client.get("/requests").get_data(as_text=True))
    assert client.post(f"/requests/{req_id}/decline", data={"csrf_token": token, "reason": "x"}).status_code == 404
    # South takes reports straight as work orders and none wait: no link in its managers' menu.
    assert 'id="nav-requests"' not in client.get("/").get_data(as_text=True)


def test_the_admin_chooses_where_reports_go(client, users, portal_login):
    portal_login(users["north"]["admin"])
    html = client.get("/admin/warehouse").get_data(as_text=True)
    assert 'name="requestRouting" value="work_order" checked' in html
    token = csrf_from(html)
    resp = client.post("/admin/warehouse", data={"csrf_token": token, "requestRouting": "inbox",
                                                 "problemReportsEnabled": "true", "timezone": "UTC",
                                                 "decimalMark": "."})
    assert resp.status_code == 303
    assert db.session.get(Warehouse, users["north"]["admin"].warehouse_id).request_routing == "inbox"


def test_the_reporter_sees_waiting_then_declined_with_the_reason(client, users, portal_login):
    manager = users.actor("north", "manager")
    conv = factories.equipment(manager, assetTag="CONV-9")
    _inbox(users)
    page = client.get(f"/report/{conv.report_token}")
    resp = client.post(f"/report/{conv.report_token}", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "description": "Smoke from the gearbox",
        "reporterName": "Lee"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "The maintenance team reviews it first" in html and "WO-" not in html
    link = Tags(html).find_all("input", id="status-link")[0]["value"]
    status_path = link[link.index("/report/status/"):]
    status = client.get(status_path).get_data(as_text=True)
    assert "Received: waiting for review" in status and "<title>Your report: " in status
    [req] = db.session.scalars(select(WorkRequest)).all()
    portal_login(users["north"]["manager"])
    token = csrf_from(client.get("/requests").get_data(as_text=True))
    client.post(f"/requests/{req.id}/decline", data={"csrf_token": token, "reason": "The gearbox is replaced next week"})
    with client.session_transaction() as sess:
        sess.clear()
    status = client.get(status_path).get_data(as_text=True)
    assert "Declined: The gearbox is replaced next week" in status


def test_the_crew_is_listed_once_per_page_not_per_request(client, users, portal_login):
    """Each entry's "Assign to" carries only "Nobody yet" and copies the page's people
    (<template id="assignee-options">) when opened: more people add their options once to the
    page, none per entry and none to the fragments, and no statement."""
    from sqlalchemy import insert

    from portal.models import User
    from portal.models.types import new_id, utcnow

    manager = users.actor("north", "manager")
    conv = factories.equipment(manager, assetTag="CONV-9")
    _inbox(users)
    ids = [_report(conv, text=f"Fault {n}").request.id for n in range(5)]
    portal_login(users["north"]["manager"])
    tech = users["north"]["technician"]

    def measure() -> list[tuple[int, int]]:
        found = []
        for path, headers in (("/requests", {}), ("/requests?status=all", HX)):
            statements = count_queries(client, path, headers=headers)
            found.append((statements, client.get(path, headers=headers).get_data(as_text=True).count("<option")))
        return found

    html = client.get("/requests").get_data(as_text=True)
    tags = Tags(html)
    for request_id in ids:
        entry = tags.find("select", id=f"f-assignedTo-{request_id}")
        assert entry["data-options"] == "#assignee-options"
    assert html.count(f'value="{tech.id}"') == 1  # in the shared list only
    shared = html.split('<template id="assignee-options">', 1)[1].split("</template>", 1)[0]
    people = {u.id for u in users["north"].values() if u.role in ("technician", "manager", "admin")}
    assert {o["value"] for o in Tags(shared).find_all("option")} == people
    # The shared list is outside #results: the filter's fragment carries no people.
    assert '<template id="assignee-options">' not in client.get("/requests?status=all", headers=HX).get_data(as_text=True)

    before = measure()
    now = utcnow()
    db.session.execute(insert(User), [
        {"id": new_id(), "email": f"crew{n}@north.example.com", "name": f"Crew {n}",
         "password_hash": users["north"]["manager"].password_hash, "role": "technician",
         "warehouse_id": manager.warehouse_id, "active": True, "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
         "created_at": now} for n in range(30)])
    db.session.commit()
    after = measure()
    assert [s for s, _ in after] == [s for s, _ in before]  # statements: not one more
    # 30 people: 30 options on the page (the shared list), not 30 per entry; none in the fragment.
    assert [a - b for (_, a), (_, b) in zip(after, before, strict=True)] == [30, 0]

    # Approving with someone picked from the shared list assigns them; the entry's answer lists nobody.
    token = csrf_from(html)
    r = client.post(f"/requests/{ids[0]}/approve", headers=HX,
                    data={"csrf_token": token, "priority": "medium", "assignedTo": tech.id})
    assert r.status_code == 200 and r.get_data(as_text=True).count("<option") == 0
    wo = db.session.scalar(select(WorkOrder).where(WorkOrder.id == db.session.get(WorkRequest, ids[0]).work_order_id))
    assert wo.assigned_to == tech.id
