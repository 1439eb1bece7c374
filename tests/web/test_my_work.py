"""`/` My work: ordering, PM due today/this week, counts, warehouse isolation, fixed query count."""
from __future__ import annotations

from datetime import timedelta

import factories
from sqlalchemy import event

from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate
from portal.services.pm import templates as pm_templates
from portal.services.work_orders import lifecycle as work_order_service
from portal.web.timefmt import when, zone


def _titles(html: str, section_id: str) -> list[str]:
    part = html.split(f'id="{section_id}"')[1].split("</ul>")[0]
    return [chunk.split("</span>")[0] for chunk in part.split('<span class="title">')[1:]]


def test_my_work_orders_overdue_then_priority_then_due(client, users, portal_login):
    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    now = utcnow()
    make = lambda title, **kw: factories.work_order(manager, title=title, assignedTo=me.id, **kw)  # noqa: E731
    make("later low", priority="low", dueDate=now + timedelta(days=3))
    make("overdue low", priority="low", dueDate=now - timedelta(days=3))
    make("soon critical", priority="critical", dueDate=now + timedelta(days=5))
    make("soon high", priority="high", dueDate=now + timedelta(days=1))
    make("overdue high", priority="high", dueDate=now - timedelta(hours=2))
    make("high no date", priority="high")
    done = make("finished", priority="critical")
    factories.move_to(manager, done.id, "in_progress", "completed")
    factories.work_order(manager, title="someone else's", assignedTo=users["north"]["technician2"].id)
    factories.work_order(users.actor("south", "manager"), title="south work",
                         assignedTo=users["south"]["technician"].id, priority="critical")

    portal_login(me)
    html = client.get("/").get_data(as_text=True)
    assert _titles(html, "assigned") == [
        "overdue high", "overdue low", "soon critical", "soon high", "high no date", "later low"]
    assert "3 days overdue" in html
    assert "finished" not in html and "someone else" not in html and "south work" not in html
    counts = html.split('class="counts"')[1].split("</ul>")[0]
    assert '<span class="n">6</span> Assigned' in counts  # the status's label, as on its tags


def test_pm_due_today_and_this_week(client, users, portal_login):
    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    template = pm_templates.create_template(manager, PMTemplateCreate.model_validate({
        "name": "Lubricate pump", "frequencyType": "calendar", "frequency": 30, "equipmentIds": []}))
    now = utcnow()
    warehouse_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # Halfway between now and midnight: due later today at any hour the suite runs (a fixed offset
    # crossed midnight in the last minutes of a day).
    today = now + (warehouse_start + timedelta(days=1) - now) / 2
    later = warehouse_start + timedelta(days=7 - now.weekday() - 1, hours=12)  # Sunday noon (UTC warehouse)
    for title, due in (("PM today", today), ("PM next month", now + timedelta(days=40))):
        work_order_service.create_work_order(
            manager, factories.WorkOrderCreate(title=title, type="preventive", dueDate=due,
                                      equipmentId=factories.equipment(manager).id),
            pm_template_id=template.id)
    if later.date() > today.date():
        work_order_service.create_work_order(
            manager, factories.WorkOrderCreate(title="PM later", type="preventive",
                                               equipmentId=factories.equipment(manager).id,
                                               dueDate=later), pm_template_id=template.id)
    portal_login(me)
    html = client.get("/").get_data(as_text=True)
    assert _titles(html, "pm-today") == ["PM today"]
    assert "PM next month" not in html
    if later.date() > today.date():
        assert _titles(html, "pm-week") == ["PM later"]


def test_my_work_query_count_does_not_grow_with_rows(client, users, portal_login):
    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    portal_login(me)

    def count_queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    pump = factories.equipment(manager)
    factories.work_order(manager, assignedTo=me.id, equipmentId=pump.id)
    few = count_queries()
    for _ in range(8):
        factories.work_order(manager, assignedTo=me.id, equipmentId=factories.equipment(manager).id)
    assert count_queries() == few


def test_set_timezone_cli_changes_what_the_portal_shows(runner, client, users, portal_login):
    from portal.models import Warehouse

    bad = runner.invoke(args=["set-timezone", "North Plant", "Mars/Olympus"])
    assert bad.exit_code == 1 and "Unknown time zone" in bad.output
    ok = runner.invoke(args=["set-timezone", "North Plant", "Asia/Tokyo"])
    assert ok.exit_code == 0, ok.output
    db.session.expire_all()
    assert db.session.scalars(db.select(Warehouse).where(Warehouse.name == "North Plant")).one().timezone == "Asia/Tokyo"
    manager = users.actor("north", "manager")
    me = users["north"]["technician"]
    due = utcnow().replace(hour=23, minute=30, second=0, microsecond=0) + timedelta(days=1)  # 08:30 in Tokyo
    factories.work_order(manager, title="Tokyo time", assignedTo=me.id, dueDate=due)
    portal_login(me)
    in_tokyo, in_utc = when(due, zone("Asia/Tokyo")), when(due, zone("UTC"))
    assert in_tokyo != in_utc
    html = client.get("/").get_data(as_text=True)
    assert f"due {in_tokyo}" in html and f"due {in_utc}" not in html
