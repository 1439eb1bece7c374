"""The manager's board views on /work-orders: table (sort, columns, page or fragment), kanban,
calendar with the PM forecast, saved views, inline edits alike, and the bulk bar (one service call,
rows refreshed out of band, a question before reassigning started work)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factories
import pytest
from bs4 import BeautifulSoup

from portal.models import WorkOrder
from portal.platform.extensions import db
from web.conftest import csrf_from

HX = {"HX-Request": "true"}


def token(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def post(client, path: str, data: dict, htmx: bool = True):
    if htmx:
        return client.post(path, data=data, headers={**HX, "X-CSRFToken": token(client)})
    return client.post(path, data={**data, "csrf_token": token(client)})


@pytest.fixture
def board(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PUMP-1", location="Hall A")
    soon = datetime.now(UTC) + timedelta(days=1)
    a = factories.work_order(manager, title="Seal leaking", equipmentId=pump.id, priority="low", dueDate=soon.isoformat())
    b = factories.work_order(manager, title="Belt squeaks", priority="high")
    south = factories.work_order(users.actor("south", "manager"), title="South job")
    portal_login(users["north"]["manager"])
    return {"a": a.id, "b": b.id, "south": south.id, "pump": pump.id}


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def test_table_page_fragment_sort_and_columns(client, board):
    page = client.get("/work-orders")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    html = soup(page)
    rows = html.select("#board-table tbody tr")
    assert [r["id"] for r in rows] == [f"wo-{board['b']}", f"wo-{board['a']}"]  # newest first
    assert [th.get_text(" ", strip=True) for th in html.select("#board-table thead th")][1:] == [
        "Number", "Title", "Status", "Priority", "Asset", "Assignee", "Due"]
    # The fragment (live filters): the results only, sorted by the URL's sort, the header saying so.
    frag = client.get("/work-orders?sort=priority&q=e", headers=HX)
    text = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in text and 'id="results"' in text
    assert [r["id"] for r in soup(frag).select("tbody tr")] == [f"wo-{board['a']}", f"wo-{board['b']}"]
    assert soup(frag).select_one("th[aria-sort]")["aria-sort"] == "ascending"
    restored = client.get("/work-orders?sort=priority", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)
    # The filters' GET form carries the sort (works without JavaScript, the URL is the state).
    html = soup(client.get("/work-orders?sort=priority&view=table"))
    form = html.select_one("form.filters")
    assert form["method"] == "get" and form["hx-push-url"] == "true"
    assert form.select_one("input[name=sort]")["value"] == "priority"
    # Columns the manager picks are kept for them.
    resp = post(client, "/work-orders/columns", {"columns": ["title", "type", "nonsense"], "back": "sort=priority"}, htmx=False)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/work-orders?sort=priority")
    html = soup(client.get("/work-orders"))
    assert [th.get_text(" ", strip=True) for th in html.select("#board-table thead th")][1:] == ["Number", "Title", "Type"]


def test_kanban_and_calendar_with_pm_forecast(client, users, auth, board):
    h = auth("north", "manager")
    start = datetime.now(UTC) - timedelta(days=1)
    r = client.post("/api/pm-templates", headers=h, json={
        "name": "Pump weekly", "frequencyType": "calendar", "frequency": 7, "leadDays": 0, "startDate": start.isoformat(),
        "equipmentIds": [board["pump"]]})
    assert r.status_code == 201, r.json
    kanban = client.get("/work-orders?view=kanban", headers=HX)
    html = soup(kanban)
    assert [h2.get_text(" ", strip=True) for h2 in html.select(".kanban-lane h2")] == [
        "New 2", "Assigned 0", "In progress 0", "On hold 0"]
    assert html.select_one(f"#card-{board['a']} input[name=ids]")["form"] == "board-bulk"
    assert "South job" not in kanban.get_data(as_text=True)
    # A refused filter is said next to its select; the lanes show without the filters.
    refused = soup(client.get("/work-orders?view=kanban&priority=urgent"))
    assert refused.select_one("#f-priority")["aria-invalid"] == "true" and len(refused.select(".kanban-card")) == 2
    cal = soup(client.get("/work-orders?view=calendar"))
    assert "Seal leaking" in cal.select_one(".cal").get_text()
    forecast = [li.get_text(" ", strip=True) for li in cal.select(".cal-pm")]
    assert forecast and all("Pump weekly · PUMP-1" in f for f in forecast)
    first_due = (start + timedelta(days=7)).date().isoformat()  # the warehouse's zone is UTC here
    week = soup(client.get(f"/work-orders?view=calendar&span=week&date={first_due}", headers=HX))
    assert len(week.select(".cal-day")) == 7
    assert len(week.select(".cal-pm")) == 1  # one weekly occurrence in a week


def test_saved_views_are_the_users_own(client, users, board, portal_login):
    resp = post(client, "/work-orders/views", {"name": " Late highs ", "back": "view=kanban&priority=high&sort=dueDate"}, htmx=False)
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/work-orders?") and "view=kanban" in resp.headers["Location"]
    html = soup(client.get("/work-orders"))
    link = html.select_one(".board-saved-list a")
    assert link.get_text() == "Late highs" and "priority=high" in link["href"] and "sort=dueDate" in link["href"]
    assert post(client, "/work-orders/views", {"name": "", "back": ""}, htmx=False).status_code == 303
    # Another manager does not see it, nor delete it.
    from portal.models import BoardView
    view_id = db.session.query(BoardView.id).scalar()
    portal_login(users["north"]["admin"])
    assert not soup(client.get("/work-orders")).select(".board-saved-list a")
    assert post(client, f"/work-orders/views/{view_id}/delete", {"back": ""}, htmx=False).status_code == 404


def test_inline_edits_answer_the_row_with_the_same_note(client, users, board):
    tech = users["north"]["technician"]
    a = board["a"]
    for field, value in (("priority", "critical"), ("assignedTo", tech.id), ("dueDate", "2027-01-05T08:30")):
        resp = post(client, f"/work-orders/{a}/board", {field: value, "back": ""})
        assert resp.status_code == 200
        row = soup(resp).select_one("tr")
        assert row["id"] == f"wo-{a}" and row.select_one(".row-note").get_text() == "Saved"
    db.session.expire_all()
    wo = db.session.get(WorkOrder, a)
    assert (wo.priority, wo.assigned_to, wo.status) == ("critical", tech.id, "assigned")
    # A refused value: the row with the error, nothing written.
    resp = post(client, f"/work-orders/{a}/board", {"priority": "urgent", "back": ""})
    assert resp.status_code == 422 and soup(resp).select_one("#f-priority-" + a)["aria-invalid"] == "true"
    assert post(client, f"/work-orders/{board['south']}/board", {"priority": "low"}).status_code == 404


def test_reassigning_started_work_asks_first(client, users, board):
    tech, admin = users["north"]["technician"], users["north"]["admin"]
    manager = users.actor("north", "manager")
    factories.move_to(manager, board["a"], "in_progress", assignedTo=tech.id)
    # Inline: the row asks, nothing written; its button confirms.
    resp = post(client, f"/work-orders/{board['a']}/board", {"assignedTo": admin.id, "back": ""})
    assert resp.status_code == 200 and "has started this work" in soup(resp).select_one(".row-warn").get_text()
    db.session.expire_all()
    assert db.session.get(WorkOrder, board["a"]).assigned_to == tech.id
    resp = post(client, f"/work-orders/{board['a']}/board", {"assignedTo": admin.id, "confirm": "reassign", "back": ""})
    db.session.expire_all()
    assert resp.status_code == 200 and db.session.get(WorkOrder, board["a"]).assigned_to == admin.id
    # Bulk: the same question in the bar, with a button that sends the form again, confirmed.
    factories.move_to(manager, board["a"], "in_progress")
    resp = post(client, "/work-orders/bulk", {"ids": [board["a"], board["b"]], "assignedTo": tech.id, "back": ""})
    msg = soup(resp).select_one("#board-msg")
    assert resp.status_code == 200 and "Reassign anyway?" in msg.get_text()
    assert msg.select_one("button[name=confirm]")["value"] == "reassign" and "HX-Trigger" not in resp.headers
    db.session.expire_all()
    assert db.session.get(WorkOrder, board["b"]).assigned_to is None


def test_bulk_bar_changes_and_refreshes_the_rows(client, users, board):
    tech = users["north"]["technician"]
    resp = post(client, "/work-orders/bulk", {"ids": [board["a"], board["b"]], "assignedTo": tech.id,
                                              "priority": "critical", "status": "", "dueDate": "", "back": "sort=priority"})
    assert resp.status_code == 200 and resp.headers["HX-Trigger"] == "board-assigned"
    html = soup(resp)
    assert html.select_one("#board-msg").get_text(strip=True) == (
        "2 work orders assigned to north technician, critical priority.")
    # The changed rows, out of band, already showing what changed.
    assert resp.get_data(as_text=True).count("<template>") == 2  # rows out of band go inside <template>
    rows = html.find_all("tr", attrs={"hx-swap-oob": "outerHTML"})  # (soupsieve skips <template> contents)
    assert {r["id"] for r in rows} == {f"wo-{board['a']}", f"wo-{board['b']}"}
    for r in rows:
        assert r.find("select", attrs={"name": "assignedTo"}).find("option", selected=True)["value"] == tech.id
        assert r.find("select", attrs={"name": "priority"}).find("option", selected=True)["value"] == "critical"
    # Kanban: the view again, out of band (a card may change lanes).
    resp = post(client, "/work-orders/bulk", {"ids": [board["a"]], "status": "in_progress", "back": "view=kanban"})
    assert soup(resp).select_one("#results[hx-swap-oob]").select_one(f"#card-{board['a']}")
    # Refusals: nothing ticked, nothing to change, a foreign id (404 for the lot), a closed one.
    assert post(client, "/work-orders/bulk", {"priority": "low"}).status_code == 422
    assert post(client, "/work-orders/bulk", {"ids": [board["a"]]}).status_code == 422
    assert post(client, "/work-orders/bulk", {"ids": [board["b"], board["south"]], "priority": "low"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(WorkOrder, board["b"]).priority == "critical"
    # Without JavaScript: back to the board with a message.
    resp = post(client, "/work-orders/bulk", {"ids": [board["b"]], "priority": "low", "back": "view=kanban"}, htmx=False)
    assert resp.status_code == 303 and resp.headers["Location"] == "/work-orders?view=kanban"
