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

