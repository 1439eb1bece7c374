"""/assets/new, /assets/<id>/edit (managers and admins) and the asset page's status and downtime
history with "Show more": roles, isolation, CSRF, field errors, round trips through the services."""
from __future__ import annotations

import re
from datetime import timedelta

import factories
import pytest
from sqlalchemy import select

from portal.models import DomainEvent, DowntimePeriod, Equipment
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentStatusChange
from portal.schemas.warehouse import WarehouseUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.identity import warehouses as warehouse_service
from portal.web.assets import downtime_duration
from web.conftest import count_queries, csrf_from

HX = {"HX-Request": "true"}


def _token(client, path: str = "/assets") -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return csrf_from(resp.get_data(as_text=True))


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_create_round_trip(client, users, portal_login, role):
    portal_login(users["north"][role])
    html = client.get("/assets").get_data(as_text=True)
    assert 'href="/assets/new"' in html
    token = _token(client, "/assets/new")
    resp = client.post("/assets/new", data={
        "csrf_token": token, "assetTag": "CMP-7", "description": "Air compressor\nSecond line", "manufacturer": "Atlas",
        "model": "GA 30", "location": "Hall 2", "area": "Utilities", "criticality": "high", "status": "active",
        "installDate": "2021-06-15"})
    assert resp.status_code == 303
    eq = db.session.scalars(select(Equipment).where(Equipment.asset_tag == "CMP-7")).one()
    assert resp.headers["Location"] == f"/assets/{eq.id}"
    assert (eq.description, eq.manufacturer, eq.model, eq.location, eq.area, eq.criticality, eq.status) == (
        "Air compressor\nSecond line", "Atlas", "GA 30", "Hall 2", "Utilities", "high", "active")
    assert eq.install_date.isoformat() == "2021-06-15T00:00:00+00:00"
    assert eq.warehouse_id == users["north"][role].warehouse_id
    created = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "equipment.created")).one()
    assert created.entity_id == eq.id  # the same service as the API: its event too
    assert "Asset CMP-7 registered." in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_install_date_is_a_local_date_of_the_warehouse(client, users, portal_login):
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(timezone="Europe/Berlin"))
    portal_login(users["north"]["manager"])
    token = _token(client, "/assets/new")
    assert client.post("/assets/new", data={"csrf_token": token, "assetTag": "T-1",
                                            "installDate": "2024-07-01"}).status_code == 303
    eq = db.session.scalars(select(Equipment)).one()
    assert eq.install_date.isoformat() == "2024-06-30T22:00:00+00:00"  # midnight in Berlin (summer time)
    assert 'value="2024-07-01"' in client.get(f"/assets/{eq.id}/edit").get_data(as_text=True)


def test_edit_round_trip_clears_optional_fields_and_changes_status(client, users, portal_login):
    manager = users.actor("north", "manager")
    install = utcnow().replace(microsecond=0) - timedelta(days=400, hours=5)
    pump = factories.equipment(manager, assetTag="PMP-1", installDate=install)
    portal_login(users["north"]["manager"])
    path = f"/assets/{pump.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="PMP-1"' in page and 'value="Grundfos"' in page
    date_value = re.search(r'name="installDate" type="date" value="([^"]+)"', page).group(1)
    resp = client.post(path, data={"csrf_token": csrf_from(page), "assetTag": "PMP-1A", "description": "",
                                   "manufacturer": "", "model": "CR 90", "location": "", "area": "",
                                   "criticality": "critical", "status": "down", "installDate": date_value})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/assets/{pump.id}"
    db.session.expire_all()
    eq = db.session.get(Equipment, pump.id)
    assert (eq.asset_tag, eq.description, eq.manufacturer, eq.model, eq.location, eq.area, eq.criticality,
            eq.status) == ("PMP-1A", None, None, "CR 90", None, None, "critical", "down")
    assert eq.install_date == install  # the unchanged date field kept its time of day
    assert db.session.scalars(select(DowntimePeriod)).one().ended_at is None  # the service opened a period
    updated = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "equipment.updated")).one()
    assert set(updated.payload["changes"]) == {"assetTag", "description", "manufacturer", "model", "location",
                                               "area", "criticality", "status"}
    # Emptying the date clears it.
    resp = client.post(path, data={"csrf_token": csrf_from(page), "assetTag": "PMP-1A", "installDate": ""})
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(Equipment, pump.id).install_date is None


def test_field_errors_next_to_fields_nothing_written(client, users, portal_login):
    manager = users.actor("north", "manager")
    factories.equipment(manager, assetTag="TAKEN")
    other = factories.equipment(manager, assetTag="OTHER")
    portal_login(users["north"]["manager"])
    token = _token(client, "/assets/new")
    resp = client.post("/assets/new", data={"csrf_token": token, "assetTag": "", "model": "M" * 121,
                                            "criticality": "extreme", "installDate": "1700-01-01"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert re.search(r'<p class="error" id="e-assetTag">Asset tag is required</p>', html)
    assert re.search(r'id="e-model">Model must be at most 120 characters', html)
    assert re.search(r'id="e-criticality">Criticality must be one of: low, medium, high, critical', html)
    assert re.search(r'id="e-installDate">Install date must be a date between 1900-01-01 and 2999-12-31', html)
    assert 'value="' + "M" * 121 + '"' in html  # what was typed comes back
    dup = client.post("/assets/new", data={"csrf_token": token, "assetTag": "TAKEN"})
    assert dup.status_code == 422 and re.search(r'id="e-assetTag">Asset tag TAKEN is already in use',
                                                dup.get_data(as_text=True))
    dup = client.post(f"/assets/{other.id}/edit", data={"csrf_token": token, "assetTag": "TAKEN"})
    assert dup.status_code == 422 and "Asset tag TAKEN is already in use" in dup.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Equipment)) == 2
    db.session.expire_all()
    assert db.session.get(Equipment, other.id).asset_tag == "OTHER"


@pytest.mark.parametrize("role", ["technician", "requester"])
def test_technicians_and_requesters_neither_see_nor_use_the_forms(client, users, portal_login, role):
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-1")
    portal_login(users["north"][role])
    assert 'href="/assets/new"' not in client.get("/assets").get_data(as_text=True)
    assert f'href="/assets/{pump.id}/edit"' not in client.get(f"/assets/{pump.id}").get_data(as_text=True)
    assert client.get("/assets/new").status_code == 403
    assert client.get(f"/assets/{pump.id}/edit").status_code == 403
    token = _token(client)
    # The POSTs reach the service, which refuses the role (equipment.write).
    assert client.post("/assets/new", data={"csrf_token": token, "assetTag": "NEW-1"}).status_code == 403
    assert client.post(f"/assets/{pump.id}/edit", data={"csrf_token": token, "assetTag": "X"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Equipment, pump.id).asset_tag == "PMP-1"
    assert db.session.scalar(select(db.func.count()).select_from(Equipment)) == 1


def test_another_warehouses_asset_is_404(client, users, portal_login):
    south = factories.equipment(users.actor("south", "manager"), assetTag="SOUTH-1")
    portal_login(users["north"]["manager"])
    token = _token(client)
    for headers in ({}, HX):
        assert client.get(f"/assets/{south.id}/edit", headers=headers).status_code == 404
        assert client.get(f"/assets/{south.id}/history/status", headers=headers).status_code == 404
        assert client.get(f"/assets/{south.id}/history/downtime", headers=headers).status_code == 404
        assert client.post(f"/assets/{south.id}/edit", data={"csrf_token": token, "assetTag": "MINE"},
                           headers=headers).status_code == 404
    db.session.expire_all()
    assert db.session.get(Equipment, south.id).asset_tag == "SOUTH-1"


def test_posts_without_csrf_are_refused(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-1")
    portal_login(users["north"]["manager"])
    assert client.post("/assets/new", data={"assetTag": "NEW-1"}).status_code == 400
    assert client.post(f"/assets/{pump.id}/edit", data={"assetTag": "X"}).status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(Equipment)) == 1
    assert db.session.get(Equipment, pump.id).asset_tag == "PMP-1"


def _flip(actor, pump, times: int, start):
    """Down and up `times` times, an hour apart; with a reason and a work order on the first."""
    wo = factories.work_order(actor, equipmentId=pump.id, title="Fix seal")
    for n in range(times):
        equipment_service.change_status(actor, pump.id, EquipmentStatusChange(
            status="down", reason=f"Stop {n}", workOrderId=wo.id if n == 0 else None),
            now=start + timedelta(hours=2 * n))
        equipment_service.change_status(actor, pump.id, EquipmentStatusChange(status="active"),
                                        now=start + timedelta(hours=2 * n, minutes=45))
    return wo


def test_history_newest_first_with_show_more(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    start = utcnow() - timedelta(days=3)
    wo = _flip(manager, pump, 6, start)  # 12 status changes, 6 periods
    equipment_service.change_status(manager, pump.id, EquipmentStatusChange(status="down", reason="Now"),
                                    now=utcnow() - timedelta(minutes=90))
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    status = re.search(r'<tbody id="status-rows">(.*?)</tbody>', html, re.S).group(1)
    downtime = re.search(r'<tbody id="downtime-rows">(.*?)</tbody>', html, re.S).group(1)
    assert status.count('<tr class="ah-row">') == 10 and "Show more" in status
    assert downtime.count('class="ah-row') == 7 and "Show more" not in downtime
    # Newest first: the ongoing period on top, then Stop 5 ... Stop 0 with its work order link.
    assert downtime.index("<strong>ongoing</strong>") < downtime.index("Stop 5") < downtime.index("Stop 0")
    assert re.search(r"1 h 30 min so far", downtime)
    assert downtime.count("45 min") == 6
    assert f'href="/work-orders/{wo.id}">{wo.fo_number}</a>' in downtime
    assert status.index("Now") < status.index("Stop 5")
    assert "north manager" in status
    more = client.get(f"/assets/{pump.id}/history/status?page=2", headers=HX)
    rows = more.get_data(as_text=True)
    assert more.status_code == 200 and "<html" not in rows and "<table" not in rows
    assert rows.count('<tr class="ah-row">') == 3 and "Show more" not in rows
    assert "Stop 0" in rows and "Stop 5" not in rows
    # Without JavaScript the same link is a page of its own.
    page = client.get(f"/assets/{pump.id}/history/status?page=2").get_data(as_text=True)
    assert "<html" in page and "Stop 0" in page and 'href="/assets/' in page


def test_history_query_count_does_not_grow_with_rows(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    _flip(manager, pump, 1, utcnow() - timedelta(days=2))
    portal_login(users["north"]["technician"])
    _flip(manager, pump, 1, utcnow() - timedelta(days=1))
    few = count_queries(client, f"/assets/{pump.id}")
    _flip(manager, pump, 4, utcnow() - timedelta(hours=20))
    assert count_queries(client, f"/assets/{pump.id}") == few


def test_empty_history_says_so(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"))
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    assert "No status change recorded yet." in html and "No downtime recorded." in html


def test_downtime_duration_text():
    start = utcnow()
    period = DowntimePeriod(started_at=start, ended_at=start + timedelta(minutes=59))
    assert downtime_duration(period) == "59 min"
    period.ended_at = start + timedelta(hours=3, minutes=20)
    assert downtime_duration(period) == "3 h 20 min"
    period.ended_at = start + timedelta(days=2, hours=4, minutes=10)
    assert downtime_duration(period) == "2 d 4 h"
    period.ended_at = None
    assert downtime_duration(period, now=start + timedelta(minutes=5)) == "5 min"


def test_history_times_always_show_the_time_of_day():
    from zoneinfo import ZoneInfo

    from portal.web.assets import when_at

    tz = ZoneInfo("Europe/Berlin")
    old = utcnow().replace(hour=12, minute=5) - timedelta(days=40)
    assert when_at(old, tz).endswith(old.astimezone(tz).strftime(" %H:%M"))
    recent = utcnow() - timedelta(minutes=1)
    assert when_at(recent, tz).count(":") == 1


def test_emptying_the_tag_on_edit_is_an_error(client, users, portal_login):
    pump = factories.equipment(users.actor("north", "manager"), assetTag="PMP-1")
    portal_login(users["north"]["manager"])
    token = _token(client, f"/assets/{pump.id}/edit")
    resp = client.post(f"/assets/{pump.id}/edit", data={"csrf_token": token, "assetTag": "", "model": "New"})
    assert resp.status_code == 422 and re.search(r'id="e-assetTag">Asset tag is required', resp.get_data(as_text=True))
    db.session.expire_all()
    assert (db.session.get(Equipment, pump.id).asset_tag, db.session.get(Equipment, pump.id).model) == ("PMP-1", "CR 64")


def test_exactly_one_page_of_history_offers_no_more(client, users, portal_login):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    _flip(manager, pump, 5, utcnow() - timedelta(days=1))  # 10 status changes: one full page
    portal_login(users["north"]["technician"])
    html = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    status = re.search(r'<tbody id="status-rows">(.*?)</tbody>', html, re.S).group(1)
    assert status.count('<tr class="ah-row">') == 10 and "Show more" not in status
