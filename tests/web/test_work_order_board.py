"""The manager's board on /work-orders: controls by role, create, inline edits, bulk assign (one
transaction, the same events as one by one), the CSV link, and the live "changed since" checks."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs

import factories
import pytest
from sqlalchemy import select

from portal.models import WebhookDelivery, WorkOrder, WorkOrderHistory
from portal.models.events import DomainEvent as Event
from portal.models.types import utcnow
from portal.platform import live
from portal.platform.extensions import db
from portal.schemas.webhooks import WebhookCreate
from portal.services.common.errors import Conflict, NotFound
from portal.services.integrations import webhooks as webhook_service
from portal.services.work_orders import lifecycle as work_order_service
from web.conftest import Tags, count_queries, csrf_from

HX = {"HX-Request": "true"}


def token(client) -> str:
    return csrf_from(client.get("/").get_data(as_text=True))


def post(client, path: str, data: dict | list, htmx: bool = True):
    headers = {**HX, "X-CSRFToken": token(client)} if htmx else {}
    if not htmx:
        data = {**data, "csrf_token": token(client)}
    return client.post(path, data=data, headers=headers)



@pytest.fixture
def board(client, users, portal_login):
    """North's manager logged in; two open work orders and a completed one; one in south."""
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PUMP-1", location="Hall A")
    a = factories.work_order(manager, title="Seal leaking", equipmentId=pump.id)
    b = factories.work_order(manager, title="Belt squeaks", priority="high")
    done = factories.work_order(manager, title="Old job")
    factories.move_to(manager, done.id, "completed")
    south = factories.work_order(users.actor("south", "manager"), title="South job")
    portal_login(users["north"]["manager"])
    return {"a": a.id, "b": b.id, "done": done.id, "south": south.id, "pump": pump.id}


def assignee_of(wo_id: str) -> str | None:
    db.session.expire_all()
    return db.session.get(WorkOrder, wo_id).assigned_to


# ---- controls by role ---------------------------------------------------------------------------

def test_manager_sees_board_controls_technician_keeps_the_plain_list(client, users, board, portal_login):
    page = Tags(client.get("/work-orders").get_data(as_text=True))
    assert page.find_all("form", id="board-bulk") and page.find_all("input", id="board-all")
    assert len(page.find_all("input", name="ids", form="board-bulk")) == 3
    # Inline edits only on open work orders; each control posts on change and gets its row back.
    edits = [e for tag in ("select", "input") for e in page.find_all(tag) if e.get("hx-post", "").endswith("/board")]
    assert len(edits) == 6
    assert {e["hx-target"] for e in edits} == {f"#wo-{board['a']}", f"#wo-{board['b']}"}
    assert all(e["hx-trigger"] == "change" and e["hx-swap"] == "morph" for e in edits)
    assert page.find_all("a", href="/work-orders/new")
    assert page.find_all("select", name="equipmentId")  # the asset filter

    portal_login(users["north"]["technician"])
    html = client.get("/work-orders").get_data(as_text=True)
    tech = Tags(html)
    assert not tech.find_all("form", id="board-bulk") and not tech.find_all("input", name="ids")
    assert "/board" not in html and "/work-orders/new" not in html
    assert "Seal leaking" in html and tech.find_all("select", name="equipmentId")


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_other_roles_posting_board_controls_get_what_the_service_decides(client, users, board, portal_login, role):
    tech = users["north"]["technician"]
    work_order_service.update_work_order(users.actor("north", "manager"), board["a"],
                                         _update(assignedTo=tech.id))
    portal_login(users["north"][role])
    # Reprioritising, even one's own work order, is a manager's change: 403, nothing written.
    r = post(client, f"/work-orders/{board['a']}/board", {"priority": "critical"})
    assert r.status_code == 403
    assert db.session.get(WorkOrder, board["a"]).priority == "medium"
    r = post(client, "/work-orders/bulk", {"ids": [board["b"]], "assignedTo": tech.id})
    assert r.status_code == 403 and assignee_of(board["b"]) is None
    # Another warehouse's id stays a 404 for everyone.
    assert post(client, f"/work-orders/{board['south']}/board", {"priority": "low"}).status_code == 404


def _update(**fields):
    from portal.schemas.work_orders import WorkOrderUpdate

    return WorkOrderUpdate.model_validate(fields)


# ---- create --------------------------------------------------------------------------------------

def test_create_from_the_board_with_field_errors_next_to_fields(client, users, board):
    tech = users["north"]["technician"]
    assert client.get("/work-orders/new").status_code == 200
    r = post(client, "/work-orders/new", {"title": "", "priority": "urgent", "dueDate": "soon"}, htmx=False)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    page = Tags(html)
    assert page.find_all("input", name="title", **{"aria-describedby": "e-title"})
    assert page.find_all("p", id="e-title") and page.find_all("p", id="e-priority") and page.find_all("p", id="e-dueDate")
    before = db.session.scalar(select(db.func.count()).select_from(WorkOrder))
    assert before == 4  # nothing written

    r = post(client, "/work-orders/new", {
        "title": "Replace filter", "description": "Filter clogged", "type": "preventive", "priority": "high",
        "equipmentId": board["pump"], "assignedTo": tech.id, "dueDate": "2030-05-04T09:30"}, htmx=False)
    wo = db.session.scalars(select(WorkOrder).where(WorkOrder.title == "Replace filter")).one()
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/work-orders/{wo.id}")  # the new order
    assert (wo.type, wo.priority, wo.equipment_id, wo.assigned_to, wo.status) == (
        "preventive", "high", board["pump"], tech.id, "assigned")
    assert wo.due_date.isoformat().startswith("2030-05-04T09:30")  # warehouse zone UTC in tests
    # The same event as the API's create.
    assert db.session.scalars(select(Event.event).where(Event.entity_id == wo.id)).all() == ["work_order.created"]


def test_create_refuses_another_warehouses_asset_and_assignee(client, users, board):
    south_tech = users["south"]["technician"]
    r = post(client, "/work-orders/new", {"title": "X", "assignedTo": south_tech.id}, htmx=False)
    assert r.status_code == 422 and "User not found" in r.get_data(as_text=True)
    assert Tags(r.get_data(as_text=True)).find_all("p", id="e-assignedTo")


def test_create_needs_csrf(client, board):
    assert client.post("/work-orders/new", data={"title": "No token"}).status_code == 400
    assert not db.session.scalars(select(WorkOrder).where(WorkOrder.title == "No token")).first()


# ---- inline edits --------------------------------------------------------------------------------

def test_inline_assign_priority_due_date_answer_only_the_row(client, users, board):
    tech = users["north"]["technician"]
    wo_id = board["a"]
    r = post(client, f"/work-orders/{wo_id}/board",
             {"assignedTo": tech.id, "priority": "critical", "dueDate": "2031-01-02T08:00"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="wo-{wo_id}" class="priority-critical"')
    assert "<html" not in html and "north technician" in html
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.assigned_to, wo.priority, wo.status) == (tech.id, "critical", "assigned")
    assert wo.due_date.isoformat().startswith("2031-01-02T08:00")
    # One update, one history row and one event, like a PATCH with the three fields.
    changes = db.session.scalars(select(WorkOrderHistory.changes).where(
        WorkOrderHistory.work_order_id == wo_id, WorkOrderHistory.action == "updated")).all()
    assert len(changes) == 1 and set(changes[0]) == {"assignedTo", "priority", "dueDate", "status"}
    # Clearing the select and the date unassigns and removes the due date.
    r = post(client, f"/work-orders/{wo_id}/board", {"assignedTo": "", "priority": "critical", "dueDate": ""})
    assert r.status_code == 200
    db.session.expire_all()
    wo = db.session.get(WorkOrder, wo_id)
    assert (wo.assigned_to, wo.due_date, wo.status) == (None, None, "new")


def test_inline_errors_show_in_the_row_and_write_nothing(client, users, board):
    r = post(client, f"/work-orders/{board['a']}/board", {"priority": "high", "dueDate": "1850-01-01T10:00"})
    assert r.status_code == 422
    row = Tags(r.get_data(as_text=True))
    assert row.find_all("tr", id=f"wo-{board['a']}") and row.find_all("p", id=f"e-dueDate-{board['a']}")
    assert row.find_all("input", name="dueDate", value="1850-01-01T10:00")  # what was typed stays
    assert db.session.get(WorkOrder, board["a"]).priority == "medium"
    # A refused transition (a completed work order cannot change) is said in the row.
    r = post(client, f"/work-orders/{board['done']}/board", {"assignedTo": users["north"]["technician"].id})
    assert r.status_code == 422 and "can no longer change" in r.get_data(as_text=True)
    # A requester cannot take work: the message goes next to the assignee select.
    r = post(client, f"/work-orders/{board['b']}/board", {"assignedTo": users["north"]["requester"].id})
    assert r.status_code == 422 and Tags(r.get_data(as_text=True)).find_all("p", id=f"e-assignedTo-{board['b']}")
    assert assignee_of(board["b"]) is None


def test_inline_edit_needs_csrf(client, users, board):
    r = client.post(f"/work-orders/{board['a']}/board", data={"priority": "low"}, headers=HX)
    assert r.status_code == 400 and db.session.get(WorkOrder, board["a"]).priority == "medium"


# ---- bulk assign ---------------------------------------------------------------------------------

def test_bulk_assign_through_the_page(client, users, board):
    tech = users["north"]["technician"]
    r = post(client, "/work-orders/bulk", {"ids": [board["a"], board["b"]], "assignedTo": tech.id})
    assert r.status_code == 200 and r.headers["HX-Trigger"] == "board-assigned"
    assert "2 work orders assigned to north technician" in r.get_data(as_text=True)
    assert assignee_of(board["a"]) == assignee_of(board["b"]) == tech.id
    r = post(client, "/work-orders/bulk", {"assignedTo": tech.id})
    assert r.status_code == 422 and "Tick the work orders" in r.get_data(as_text=True)
    assert client.post("/work-orders/bulk", data={"ids": [board["a"]], "assignedTo": tech.id},
                       headers=HX).status_code == 400  # no CSRF token


def test_bulk_assign_is_one_transaction_a_failure_on_the_last_id_writes_nothing(client, users, board):
    tech = users["north"]["technician"]
    events_before = db.session.scalar(select(db.func.count()).select_from(Event))
    # The completed work order last: the first two pass their checks, then the lot rolls back.
    r = post(client, "/work-orders/bulk", {"ids": [board["a"], board["b"], board["done"]], "assignedTo": tech.id})
    assert r.status_code == 422 and "can no longer change" in r.get_data(as_text=True)
    assert assignee_of(board["a"]) is None and assignee_of(board["b"]) is None
    assert db.session.scalar(select(db.func.count()).select_from(Event)) == events_before
    with pytest.raises(Conflict) as exc:
        work_order_service.bulk_assign(users.actor("north", "manager"), [board["a"], board["done"]], tech.id)
    assert exc.value.errors == [{"field": "ids[1]", "message": "A completed work order can no longer change"}]
    assert assignee_of(board["a"]) is None


def test_bulk_assign_another_warehouses_id_is_404_for_the_lot(client, users, board):
    tech = users["north"]["technician"]
    events_before = db.session.scalar(select(db.func.count()).select_from(Event))
    r = post(client, "/work-orders/bulk", {"ids": [board["a"], board["south"]], "assignedTo": tech.id})
    assert r.status_code == 404
    assert assignee_of(board["a"]) is None and assignee_of(board["south"]) is None
    assert db.session.scalar(select(db.func.count()).select_from(Event)) == events_before
    with pytest.raises(NotFound) as exc:
        work_order_service.bulk_assign(users.actor("north", "manager"), [board["b"], "nope", board["south"]], tech.id)
    assert [e["field"] for e in exc.value.errors] == ["ids[1]", "ids[2]"]


def _normalised(rows, ids: list[str]) -> list[tuple]:
    """Events with each work order's own identity replaced by its position in `ids`."""
    out = []
    for row in rows:
        payload = dict(row.payload)
        wo = dict(payload["workOrder"])
        for key in ("id", "foNumber", "title", "createdAt"):
            wo.pop(key)
        payload["workOrder"] = wo
        out.append((row.event, ids.index(row.entity_id), row.actor_id, payload))
    return out


def test_bulk_assign_emits_the_same_events_and_webhooks_as_one_by_one(app, users):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    manager = users.actor("north", "manager")
    tech = users["north"]["technician"]
    webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
        {"url": "http://127.0.0.1:9/hook", "events": ["*"], "secret": "s" * 32}))
    now = utcnow().replace(microsecond=0)
    one = [factories.work_order(manager, title=f"One {i}", now=now).id for i in range(3)]
    bulk = [factories.work_order(manager, title=f"Bulk {i}", now=now).id for i in range(3)]
    # One already assigned to the same person: no change, so no event either way.
    for wo_id in (one[1], bulk[1]):
        work_order_service.update_work_order(manager, wo_id, _update(assignedTo=tech.id), now=now)
    mark = db.session.scalar(select(db.func.count()).select_from(Event))

    later = now + timedelta(minutes=5)
    for wo_id in one:
        work_order_service.update_work_order(manager, wo_id, _update(assignedTo=tech.id), now=later)
    work_order_service.bulk_assign(manager, bulk, tech.id, now=later)

    rows = list(db.session.scalars(select(Event).order_by(Event.created_at, Event.id)))[mark:]
    by_one = sorted((r for r in rows if r.entity_id in one), key=lambda r: one.index(r.entity_id))
    by_bulk = sorted((r for r in rows if r.entity_id in bulk), key=lambda r: bulk.index(r.entity_id))
    assert len(by_one) == 2 and [r.event for r in by_one] == ["work_order.updated"] * 2
    assert _normalised(by_one, one) == _normalised(by_bulk, bulk)
    # The same webhook deliveries (one per event, same event names) and the same history rows.
    deliveries = {d.event_id: d.event for d in db.session.scalars(select(WebhookDelivery))}
    assert [deliveries[r.id] for r in by_one] == [deliveries[r.id] for r in by_bulk] == ["work_order.updated"] * 2
    history = {wo_id: db.session.scalars(select(WorkOrderHistory.changes).where(
        WorkOrderHistory.work_order_id == wo_id).order_by(WorkOrderHistory.at, WorkOrderHistory.id)).all()
        for wo_id in one + bulk}
    assert [sorted(map(repr, history[i])) for i in one] == [sorted(map(repr, history[i])) for i in bulk]


# ---- CSV link ------------------------------------------------------------------------------------

def test_export_csv_link_carries_the_filters(client, board):
    html = client.get(f"/work-orders?priority=medium&q=seal&equipmentId={board['pump']}").get_data(as_text=True)
    [link] = Tags(html).find_all("a", id="wo-csv")
    assert link["href"].startswith("/work-orders/export.csv?")
    assert parse_qs(link["href"].split("?", 1)[1]) == {"priority": ["medium"], "q": ["seal"], "equipmentId": [board["pump"]]}
    # The fragment the filters swap in carries the same link.
    frag = client.get("/work-orders?status=new", headers=HX).get_data(as_text=True)
    assert Tags(frag).find_all("a", id="wo-csv")[0]["href"] == "/work-orders/export.csv?status=new"


# ---- live updates --------------------------------------------------------------------------------

def _version(html: str) -> str:
    return re.search(r'data-live-version="([^"]*)"', html).group(1)


def test_list_changes_204_until_a_change_through_the_api(client, users, auth, board):
    html = client.get("/work-orders?priority=high").get_data(as_text=True)
    since = _version(html)
    assert since
    # The check itself is a Redis GET; the one SQL statement is the session's login check.
    assert count_queries(client, f"/work-orders/changes?since={since}&priority=high", 204, headers=HX) == 1
    r = client.patch(f"/api/work-orders/{board['b']}", json={"title": "Belt squeaks loudly"},
                     headers=auth("north", "manager"))
    assert r.status_code == 200
    r = client.get(f"/work-orders/changes?since={since}&priority=high", headers=HX)
    assert r.status_code == 200 and r.headers["X-Live-Version"] != since
    body = r.get_data(as_text=True)
    assert "Belt squeaks loudly" in body and "Seal leaking" not in body  # the filters apply
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert client.get(f"/work-orders/changes?since={r.headers['X-Live-Version']}").status_code == 204
    # A change in another warehouse is not a change here.
    client.patch(f"/api/work-orders/{board['south']}", json={"title": "x"}, headers=auth("south", "manager"))
    assert client.get(f"/work-orders/changes?since={r.headers['X-Live-Version']}").status_code == 204


def test_work_order_page_sees_comments_checklist_and_deletion(client, users, auth, board):
    html = client.get(f"/work-orders/{board['a']}").get_data(as_text=True)
    since = _version(html)
    assert 'data-live-target="#wo"' in html
    path = f"/work-orders/{board['a']}/changes?since={since}"
    assert client.get(path, headers=HX).status_code == 204
    # Another work order's change does not wake this page.
    client.patch(f"/api/work-orders/{board['b']}", json={"title": "Other"}, headers=auth("north", "manager"))
    assert client.get(path, headers=HX).status_code == 204
    r = client.post(f"/api/work-orders/{board['a']}/comments", json={"body": "Bearing ordered"},
                    headers=auth("north", "manager"))
    assert r.status_code == 201
    r = client.get(path, headers=HX)
    assert r.status_code == 200 and "Bearing ordered" in r.get_data(as_text=True)
    assert r.get_data(as_text=True).lstrip().startswith('<div id="wo"')
    # Parts and labor on it wake it too.
    since = r.headers["X-Live-Version"]
    r = client.post(f"/api/work-orders/{board['a']}/labor", json={"minutes": 15}, headers=auth("north", "manager"))
    assert r.status_code == 201, r.json
    r = client.get(f"/work-orders/{board['a']}/changes?since={since}", headers=HX)
    assert r.status_code == 200
    # A deletion (no route deletes work orders today; a script or a future one might) is seen too.
    since = r.headers["X-Live-Version"]
    from portal.models import LaborEntry, WorkOrderComment

    for cls in (WorkOrderHistory, WorkOrderComment, LaborEntry):
        for row in db.session.scalars(select(cls).where(cls.work_order_id == board["a"])):
            db.session.delete(row)
    db.session.commit()
    db.session.delete(db.session.get(WorkOrder, board["a"]))
    db.session.commit()
    r = client.get(f"/work-orders/{board['a']}/changes?since={since}", headers=HX)
    assert r.status_code == 404


def test_changes_of_another_warehouses_work_order(client, board):
    # Its counter is never this warehouse's: nothing to report, and fetching it is a 404.
    assert client.get(f"/work-orders/{board['south']}/changes?since=", headers=HX).status_code == 404
    assert client.get(f"/work-orders/{board['south']}/changes?since=0", headers=HX).status_code == 204


def test_version_counters_follow_commits_not_rollbacks(app, users, board):
    manager = users.actor("north", "manager")
    wh = manager.warehouse_id
    before = live.version(wh), live.version(wh, board["a"])
    with pytest.raises(Conflict):
        work_order_service.bulk_assign(manager, [board["a"], board["done"]], users["north"]["technician"].id)
    assert (live.version(wh), live.version(wh, board["a"])) == before
    work_order_service.update_work_order(manager, board["a"], _update(priority="low"))
    assert int(live.version(wh)) == int(before[0]) + 1
    assert int(live.version(wh, board["a"])) == int(before[1]) + 1
