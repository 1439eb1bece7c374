"""/assets, /assets/<id> and its fragments, labels: roles, isolation, CSRF, field errors, the same
services as the API (downtime periods, meter readings, work orders and their events)."""
from __future__ import annotations

import re

import factories
import pytest
from sqlalchemy import event, select

from portal.models import DomainEvent, DowntimePeriod, Equipment, MeterReading, WorkOrder
from portal.platform.extensions import db
from portal.schemas.pm import PMTemplateCreate
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.identity import warehouses as warehouse_service
from portal.services.pm import templates as pm_templates
from web.conftest import csrf_from

HX = {"HX-Request": "true"}


def _page(client, path: str) -> tuple[str, str]:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    html = resp.get_data(as_text=True)
    return html, csrf_from(html)


def test_list_filters_text_area_status_and_pages(client, users, portal_login):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="CMP-1", description="Air compressor", area="Utilities")
    factories.equipment(manager, assetTag="PMP-1", description="Feed pump", area="Mechanical Room")
    down = factories.equipment(manager, assetTag="PMP-2", description="Spare pump", area="Mechanical Room")
    down.status = "down"
    db.session.commit()
    factories.equipment(users.actor("south", "manager"), assetTag="PMP-SOUTH")
    portal_login(users["north"]["technician"])
    html, _ = _page(client, "/assets")
    assert "CMP-1" in html and "PMP-1" in html and "PMP-SOUTH" not in html
    assert '<option value="Utilities"' in html  # the warehouse's areas in the filter
    resp = client.get("/assets?q=pump&area=Mechanical+Room&status=down", headers=HX)
    fragment = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Vary" in resp.headers and "HX-Request" in resp.headers["Vary"]
    assert "<html" not in fragment and 'id="results"' in fragment
    assert "PMP-2" in fragment and "PMP-1<" not in fragment and "CMP-1" not in fragment
    empty = client.get("/assets?q=nothing-like-this", headers=HX).get_data(as_text=True)
    assert "No asset matches" in empty
    bad = client.get("/assets?status=exploded")
    assert bad.status_code == 200 and "Status must be one of: active, " in bad.get_data(as_text=True)
    for n in range(30):
        factories.equipment(manager, assetTag=f"ZZ-{n:02d}")
    first = client.get("/assets").get_data(as_text=True)
    assert "Page 1 of 2" in first and "ZZ-29" not in first
    assert "ZZ-29" in client.get("/assets?page=2").get_data(as_text=True)


def test_list_query_count_does_not_grow_with_rows(client, users, portal_login):
    manager = users.actor("north", "manager")
    portal_login(users["north"]["technician"])

    def count() -> int:
        client.get("/assets")  # uncounted: the header's counts kept in Redis, as after any earlier page
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/assets").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    factories.equipment(manager)
    few = count()
    for _ in range(10):
        factories.equipment(manager)
    assert count() == few


def test_detail_shows_orders_readings_and_pm_templates(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager, assetTag="PMP-9", description="Boiler feed pump")
    open_wo = factories.work_order(manager, title="Seal leaking", equipmentId=pump.id)
    done = factories.work_order(manager, title="Old fix", equipmentId=pump.id)
    factories.move_to(manager, done.id, "in_progress", "completed")
    factories.work_order(manager, title="Other asset's job")
    pm_templates.create_template(manager, PMTemplateCreate.model_validate({
        "name": "Grease bearings", "frequencyType": "calendar", "frequency": 30, "equipmentIds": [pump.id]}))
    portal_login(users["north"]["technician"])
    html, _ = _page(client, f"/assets/{pump.id}")
    assert "PMP-9" in html and "Boiler feed pump" in html
    opened = html.split('id="open-orders"')[1].split("</ul>")[0]
    past = html.split('id="past-orders"')[1].split("</ul>")[0]
    assert "Seal leaking" in opened and f'href="/work-orders/{open_wo.id}"' in opened and "Old fix" not in opened
    assert "Old fix" in past and "Other asset" not in html
    assert "Grease bearings" in html and "every 30 days" in html
    assert "No reading yet" in html


def test_detail_query_count_does_not_grow_with_orders(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    portal_login(users["north"]["technician"])

    def count() -> int:
        client.get(f"/assets/{pump.id}")  # uncounted: the header's counts kept in Redis, as after any earlier page
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/assets/{pump.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    factories.work_order(manager, equipmentId=pump.id)
    few = count()
    for _ in range(6):
        factories.work_order(manager, equipmentId=pump.id)
    assert count() == few


def test_mark_down_with_reason_and_back_up(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    wo = factories.work_order(manager, equipmentId=pump.id)
    me = users["north"]["technician"]
    portal_login(me)
    html, token = _page(client, f"/assets/{pump.id}")
    missing = client.post(f"/assets/{pump.id}/status", data={"csrf_token": token, "status": "down"}, headers=HX)
    assert missing.status_code == 422 and 'id="e-reason"' in missing.get_data(as_text=True)
    assert "<html" not in missing.get_data(as_text=True)
    assert db.session.query(DowntimePeriod).count() == 0
    resp = client.post(f"/assets/{pump.id}/status", headers=HX, data={
        "csrf_token": token, "status": "down", "reason": "Bearing seized", "workOrderId": wo.id})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Marked down." in body and "Back up" in body
    period = db.session.scalars(select(DowntimePeriod)).one()
    assert (period.reason, period.work_order_id, period.started_by, period.ended_at) == (
        "Bearing seized", wo.id, me.id, None)
    changed = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "equipment.status_changed")).one()
    assert changed.payload["reason"] == "Bearing seized" and changed.payload["status"] == "down"
    up = client.post(f"/assets/{pump.id}/status", data={"csrf_token": token, "status": "active"}, headers=HX)
    assert up.status_code == 200 and "Mark down" in up.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(DowntimePeriod)).one().ended_at is not None
    assert db.session.get(Equipment, pump.id).status == "active"


def test_mark_down_refuses_another_warehouses_work_order_next_to_the_field(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    foreign = factories.work_order(users.actor("south", "manager"))
    portal_login(users["north"]["technician"])
    _, token = _page(client, f"/assets/{pump.id}")
    resp = client.post(f"/assets/{pump.id}/status", headers=HX, data={
        "csrf_token": token, "status": "down", "reason": "x", "workOrderId": foreign.id})
    assert resp.status_code == 422 and "Work order not found" in resp.get_data(as_text=True)
    assert db.session.get(Equipment, pump.id).status == "active"


def test_requester_cannot_change_status_nor_read_meters(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["requester"])
    html, token = _page(client, f"/assets/{pump.id}")
    assert "Mark down" not in html and "Save reading" not in html
    assert client.post(f"/assets/{pump.id}/status", data={
        "csrf_token": token, "status": "down", "reason": "x"}).status_code == 403
    assert client.post(f"/assets/{pump.id}/readings", data={
        "csrf_token": token, "meter": "hours", "value": "5"}).status_code == 403


def test_meter_reading_entered_and_errors_next_to_field(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["technician"])
    _, token = _page(client, f"/assets/{pump.id}")
    ok = client.post(f"/assets/{pump.id}/readings", headers=HX,
                     data={"csrf_token": token, "meter": "hours", "value": "1250.5", "unit": "h"})
    assert ok.status_code == 200 and "Reading saved: 1250.5 h." in ok.get_data(as_text=True)
    reading = db.session.scalars(select(MeterReading)).one()
    assert (reading.meter, reading.value, reading.recorded_by) == ("hours", 1250.5, users["north"]["technician"].id)
    lower = client.post(f"/assets/{pump.id}/readings", headers=HX,
                        data={"csrf_token": token, "meter": "hours", "value": "100"})
    html = lower.get_data(as_text=True)
    assert lower.status_code == 422 and "Must be at least 1250.5" in html and 'id="e-value"' in html
    typo = client.post(f"/assets/{pump.id}/readings", headers=HX,
                       data={"csrf_token": token, "meter": "hours", "value": "12,5x"})
    assert typo.status_code == 422 and 'id="e-value"' in typo.get_data(as_text=True)
    assert db.session.query(MeterReading).count() == 1


def test_report_a_problem_in_two_taps(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-3")
    me = users["north"]["technician"]
    portal_login(me)
    _, token = _page(client, f"/assets/{pump.id}")
    form = client.get(f"/assets/{pump.id}/report", headers=HX).get_data(as_text=True)
    assert 'value="Fault on PMP-3"' in form and "<html" not in form
    resp = client.post(f"/assets/{pump.id}/report", headers=HX, data={
        "csrf_token": token, "title": "Fault on PMP-3", "description": "", "priority": "high",
        "equipmentDown": "true", "type": "preventive", "equipmentId": "ignored"})
    assert resp.status_code == 200 and resp.headers["HX-Redirect"]
    wo = db.session.scalars(select(WorkOrder)).one()
    assert (wo.title, wo.type, wo.priority, wo.equipment_id, wo.requested_by, wo.status) == (
        "Fault on PMP-3", "corrective", "high", pump.id, me.id, "new")
    assert db.session.get(Equipment, pump.id).status == "down"  # equipmentDown, linked period
    assert db.session.scalars(select(DowntimePeriod)).one().work_order_id == wo.id
    assert db.session.scalars(select(DomainEvent).where(DomainEvent.event == "work_order.created")).one()
    page = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    assert f"Work order {wo.fo_number} created." in page


def test_report_form_errors_next_to_field(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["technician"])
    _, token = _page(client, f"/assets/{pump.id}")
    resp = client.post(f"/assets/{pump.id}/report", headers=HX, data={"csrf_token": token, "title": ""})
    assert resp.status_code == 422 and 'id="e-title"' in resp.get_data(as_text=True)
    assert db.session.query(WorkOrder).count() == 0


def _main(html: str) -> str:
    return html[html.index("<main"):]


def test_label_and_sheet_carry_qr_codes(app, client, users, portal_login):
    manager = users.actor("north", "manager")
    a, b = factories.equipment(manager, assetTag="LBL-1"), factories.equipment(manager, assetTag="LBL-2")
    south = factories.equipment(users.actor("south", "manager"), assetTag="LBL-SOUTH")
    portal_login(users["north"]["technician"])
    single, _ = _page(client, f"/assets/{a.id}/label")
    # QR codes in the page's main part (the header's bell is an icon of its own)
    assert "LBL-1" in single and _main(single).count("<svg") == 1 and "Scan to report" not in single
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    single, _ = _page(client, f"/assets/{a.id}/label")
    assert _main(single).count("<svg") == 2 and "Something wrong?</strong> Scan to report" in single
    sheet, _ = _page(client, f"/assets/labels?id={b.id}&id={a.id}&id={south.id}&id=nope")
    assert sheet.count('<article class="label') == 2 and "LBL-SOUTH" not in sheet
    assert sheet.index("LBL-1") < sheet.index("LBL-2")
    assert "No asset selected" in _page(client, "/assets/labels")[0]


def test_label_qr_encodes_the_public_base_url(app, client, users, portal_login):
    """The QR code is the asset page's absolute URL with the label's token (a logged-out phone gets
    the asset's public page with it): under PUBLIC_BASE_URL when set, else the request's root."""
    import segno

    a = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["technician"])
    expected_local = segno.make(f"http://localhost/assets/{a.id}?label={a.report_token}", error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True)
    html = client.get(f"/assets/{a.id}/label").get_data(as_text=True)
    assert expected_local in html
    # Said so a manager can act on it, without naming a setting of the server.
    assert "PUBLIC_BASE_URL" not in html and "The codes open <strong>http://localhost/</strong>" in html
    app.config["PUBLIC_BASE_URL"] = "https://cmms.example.com"
    expected = segno.make(f"https://cmms.example.com/assets/{a.id}?label={a.report_token}", error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True)
    html = client.get(f"/assets/{a.id}/label").get_data(as_text=True)
    assert expected in html and "PUBLIC_BASE_URL" not in html and "The codes open" not in html
    assert re.search(r"<svg[^>]*style=", html) is None  # the CSP allows no inline style


@pytest.mark.parametrize("path", ["/assets/{id}", "/assets/{id}/label", "/assets/{id}/report"])
def test_another_warehouses_asset_is_404_page_and_fragment(client, users, portal_login, path):
    south = factories.equipment(users.actor("south", "manager"))
    portal_login(users["north"]["admin"])
    url = path.format(id=south.id)
    assert client.get(url).status_code == 404
    assert client.get(url, headers=HX).status_code == 404


@pytest.mark.parametrize("path", ["/assets/{id}/status", "/assets/{id}/readings", "/assets/{id}/report"])
def test_another_warehouses_asset_is_404_on_posts(client, users, portal_login, path):
    south = factories.equipment(users.actor("south", "manager"))
    portal_login(users["north"]["manager"])
    _, token = _page(client, "/assets")
    data = {"csrf_token": token, "status": "down", "reason": "x", "meter": "hours", "value": "1", "title": "t"}
    assert client.post(path.format(id=south.id), data=data).status_code == 404
    assert client.post(path.format(id=south.id), data=data, headers=HX).status_code == 404
    assert db.session.query(WorkOrder).count() == 0 and db.session.query(MeterReading).count() == 0


@pytest.mark.parametrize("path", ["/assets/{id}/status", "/assets/{id}/readings", "/assets/{id}/report"])
def test_posts_without_csrf_are_refused(client, users, portal_login, path):
    pump = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["manager"])
    resp = client.post(path.format(id=pump.id), data={"status": "down", "reason": "x", "meter": "h", "value": "1",
                                                      "title": "t"})
    assert resp.status_code == 400
    assert db.session.get(Equipment, pump.id).status == "active" and db.session.query(WorkOrder).count() == 0


def test_pages_need_a_login(client, users):
    pump = factories.equipment(users.actor("north", "manager"))
    assert client.get("/assets").status_code == 302
    assert client.get(f"/assets/{pump.id}", headers=HX).status_code == 401


def test_nav_links_by_role(client, users, portal_login):
    portal_login(users["north"]["technician"])
    html = client.get("/").get_data(as_text=True)
    assert 'href="/assets"' in html and 'href="/admin/warehouse"' not in html
