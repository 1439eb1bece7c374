"""The header's two counts (the bell's unread notifications, the inbox's waiting requests) cost no
SQL on a full page while nothing they count changed, and follow every change that does."""
from __future__ import annotations

import re

import factories
from sqlalchemy import event

from portal.platform import header_counts
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from portal.services.notifications import inbox
from portal.services.work_orders import problem_reports

PAGE = "/work-orders"


def _page(client) -> tuple[list[str], str]:
    """The SQL statements of one full page of the board, and its HTML."""
    statements: list[str] = []

    def listener(*args) -> None:
        # Transaction control left out: on SQLite a header count moves its snapshot on first
        # (database.reads_from_now), a local COMMIT and BEGIN with no round trip.
        if args[2] not in ("COMMIT", "BEGIN"):
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        resp = client.get(PAGE)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert resp.status_code == 200
    return statements, resp.get_data(as_text=True)


def _counting(statements: list[str]) -> dict[str, int]:
    """The header's count statements among them: unread notifications, waiting requests."""
    return {"bell": sum("FROM notifications" in s and "count(" in s for s in statements),
            "inbox": sum("FROM work_requests" in s and "count(" in s for s in statements)}


def _badges(html: str) -> tuple[str, str]:
    pending = re.search(r'Requests <span class="nav-count">(\d+)', html)
    unread = re.search(r'<span class="bell-count">(\d+)', html)
    return (pending.group(1) if pending else "", unread.group(1) if unread else "")


def test_a_full_page_counts_the_header_once_per_change(client, users, portal_login):
    admin, manager = users.actor("north", "admin"), users.actor("north", "manager")
    warehouse_service.update_settings(admin, WarehouseUpdate(problemReportsEnabled=True, requestRouting="inbox"))
    conv = factories.equipment(manager, assetTag="CONV-3")
    problem_reports.submit_report(conv.report_token, ProblemReportCreate(description="Belt slips", reporterName="Sam"))
    factories.work_order(admin, title="Check the pump", assignedTo=manager.id)  # with the report: two
    portal_login(users["north"]["manager"])

    first, html = _page(client)
    assert _counting(first) == {"bell": 1, "inbox": 1} and _badges(html) == ("1", "2")
    warm, html = _page(client)
    assert _counting(warm) == {"bell": 0, "inbox": 0} and _badges(html) == ("1", "2")
    assert len(warm) == len(_page(client)[0])  # steady
    # Without the kept counts the same page spends exactly the two statements they save.
    get_redis().delete(f"{header_counts.PREFIX}:unread:{manager.id}",
                       f"{header_counts.PREFIX}:pending:{manager.warehouse_id}")
    cold, _ = _page(client)
    assert len(cold) == len(warm) + 2 and _counting(cold) == {"bell": 1, "inbox": 1}

    # A new request (written elsewhere: the public report form): the inbox is counted again, once.
    problem_reports.submit_report(conv.report_token, ProblemReportCreate(description="Guard loose", reporterName="Kim"))
    statements, html = _page(client)
    assert _counting(statements) == {"bell": 1, "inbox": 1} and _badges(html) == ("2", "3")  # told of it too
    assert _counting(_page(client)[0]) == {"bell": 0, "inbox": 0}
    # A new notification: the bell is counted again, once.
    factories.work_order(admin, title="Check the fan", assignedTo=manager.id)
    statements, html = _page(client)
    assert _counting(statements) == {"bell": 1, "inbox": 0} and _badges(html) == ("2", "4")
    # All read: no count shown from the next page on.
    inbox.mark_all_read(manager)
    statements, html = _page(client)
    assert _counting(statements) == {"bell": 1, "inbox": 0} and _badges(html) == ("2", "")
    # The warehouse's routing changes (reports straight to work orders): counted again.
    warehouse_service.update_settings(admin, WarehouseUpdate(requestRouting="work_order"))
    statements, html = _page(client)
    assert _counting(statements) == {"bell": 0, "inbox": 1} and _badges(html)[0] == "2"  # two still wait



def test_a_count_kept_under_a_version_is_never_older_than_that_version(app, users):
    """A request whose transaction began before a notification was read, and which reads the version
    that reading moved to, keeps the count after the reading under it: on SQLite its own snapshot still
    shows the notification unread, so it moves on first (database.reads_from_now). It used to
    keep the old count under the new version, and the bell showed a read notification's badge until
    the next change (seen in the browser test of the bell under load)."""
    import threading

    from portal.web.notifications import bell_context

    manager, tech = users.actor("north", "manager"), users.actor("north", "technician")
    factories.work_order(manager, title="Check the pump", assignedTo=tech.id)
    note = inbox.list_notifications(tech).items[0]
    assert inbox.unread_count(tech) == 1  # this request's transaction has begun, the note unread in it

    def elsewhere() -> None:  # another request: its own session and connection
        with app.app_context():
            inbox.mark_read(tech, note.id)
            db.session.remove()

    other = threading.Thread(target=elsewhere)
    other.start()
    other.join()
    assert db.session().in_transaction()  # still the snapshot from before the reading
    version, unread = bell_context(tech)["bell_version"], bell_context(tech)["unread"]
    assert unread == 0
    stored = get_redis().get(f"{header_counts.PREFIX}:unread:{tech.id}").decode()
    assert stored == f"{version}|0"
