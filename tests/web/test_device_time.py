"""Times from the device (issue 21): a tick or a timer queued offline carries the device's time in
`Device-Time`; the server believes it within bounds (not in the future beyond DEVICE_CLOCK_SKEW, not
before the work order existed) and records when it received the tick."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import ChecklistItem, LaborEntry
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders.device_time import DEVICE_CLOCK_SKEW, accepted_time
from web.conftest import csrf_from

CHECKLIST = [{"id": "guard", "description": "Guard refitted", "type": "checkbox"},
             {"id": "clean", "description": "Area cleaned", "type": "checkbox"},
             {"id": "oil", "description": "Oil topped up", "type": "checkbox"}]


@pytest.fixture(autouse=True)
def _no_timers(app):
    yield
    for key in get_redis().scan_iter("maintainpro:labor-timer:*"):
        get_redis().delete(key)


@pytest.fixture
def week_old_order(client, auth, users):
    """A PM work order with three checkbox items, made a week ago, assigned to north's technician."""
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "PMP-9"}, headers=h).json["id"]
    client.post("/api/pm-templates", headers=h, json={
        "name": "Pump PM", "frequencyType": "calendar", "frequency": 30, "leadDays": 40, "equipmentIds": [pump],
        "assignedTo": users["north"]["technician"].id, "checklist": CHECKLIST})
    [wo_id] = pm_scheduler.schedule_due(utcnow() - timedelta(days=7))["workOrderIds"]
    items = {i.item_key: i.id for i in db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id))}
    return wo_id, items


def test_the_bounds():
    received, made = utcnow(), utcnow() - timedelta(days=2)
    an_hour_ago = received - timedelta(hours=1)
    assert accepted_time(an_hour_ago, not_before=made, received=received) == an_hour_ago
    assert accepted_time(None, not_before=made, received=received) == received
    # A clock a little ahead: the time received, never a time in the future.
    assert accepted_time(received + DEVICE_CLOCK_SKEW / 2, not_before=made, received=received) == received
    assert accepted_time(received + DEVICE_CLOCK_SKEW * 2, not_before=made, received=received) == received
    assert accepted_time(made - timedelta(seconds=1), not_before=made, received=received) == received


def _post(client, path: str, data: dict, device_time: str | None):
    token = csrf_from(client.get("/").get_data(as_text=True))
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    if device_time is not None:
        headers["Device-Time"] = device_time
    return client.post(path, data=data, headers=headers)


def test_a_tick_made_offline_keeps_its_time_and_records_when_it_arrived(client, users, portal_login, week_old_order):
    wo_id, items = week_old_order
    portal_login(users["north"]["technician"])
    ticked_at = utcnow() - timedelta(hours=3)
    tick = {"done": ["false", "true"]}
    assert _post(client, f"/work-orders/{wo_id}/checklist/{items['guard']}", tick,
                 ticked_at.isoformat()).status_code == 200
    # Beyond the bounds, or unreadable: the time the server received it.
    assert _post(client, f"/work-orders/{wo_id}/checklist/{items['clean']}", tick,
                 (utcnow() + timedelta(hours=1)).isoformat()).status_code == 200
    assert _post(client, f"/work-orders/{wo_id}/checklist/{items['oil']}", tick, "yesterday").status_code == 200
    guard, clean, oil = (db.session.get(ChecklistItem, items[k]) for k in ("guard", "clean", "oil"))
    assert guard.done_at == ticked_at and guard.done_received_at > ticked_at + timedelta(hours=2)
    for item in (clean, oil):
        assert item.done_at == item.done_received_at and item.done_at <= utcnow()


def test_a_timer_run_offline_books_the_device_times(client, users, portal_login, week_old_order):
    wo_id, _ = week_old_order
    portal_login(users["north"]["technician"])
    start, stop = utcnow() - timedelta(minutes=90), utcnow() - timedelta(minutes=30)
    assert _post(client, f"/work-orders/{wo_id}/labor", {"action": "start"}, start.isoformat()).status_code == 200
    assert _post(client, f"/work-orders/{wo_id}/labor", {"action": "stop"}, stop.isoformat()).status_code == 200
    entry = db.session.scalars(select(LaborEntry).where(LaborEntry.work_order_id == wo_id)).one()
    assert entry.minutes == 60 and entry.performed_at == start
    assert entry.created_at > stop + timedelta(minutes=29)  # when the server received it
