"""Equipment meter readings and meter-based PM triggers."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from event_schemas import DeliveryChecker
from sqlalchemy import select

from portal.models import DomainEvent, MeterReading, WorkOrder
from portal.platform.extensions import db
from portal.platform.js_json import stringify_bytes
from portal.schemas.pm import MeterReadingCreate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.assets import meters as meter_service
from portal.services.common.events import envelope
from portal.services.work_orders import lifecycle as work_order_service

T0 = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)


def setup_pump(client, h, *, frequency=500, lead_days=3, checklist=None) -> tuple[str, str]:
    pump = client.post("/api/equipment", json={"assetTag": "CMP-1"}, headers=h).json["id"]
    r = client.post("/api/pm-templates", headers=h, json={
        "name": "Compressor service", "frequencyType": "meter", "meter": "hours", "frequency": frequency,
        "leadDays": lead_days, "equipmentIds": [pump], "estimatedDuration": 60, "checklist": checklist or []})
    assert r.status_code == 201, r.json
    return pump, r.json["id"]


def read(client, h, pump: str, value: float, **extra):
    return client.post(f"/api/equipment/{pump}/meter-readings", json={"meter": "hours", "value": value, **extra},
                       headers=h)


def pm_orders(template_id: str) -> list[WorkOrder]:
    db.session.expire_all()
    return list(db.session.scalars(select(WorkOrder).where(WorkOrder.pm_template_id == template_id)
                                   .order_by(WorkOrder.created_at, WorkOrder.fo_number)))


def test_readings_are_recorded_and_listed(client, auth):
    h = auth("north", "manager")
    pump, _ = setup_pump(client, h)
    r = read(client, h, pump, 10.5, unit="h", readAt="2026-01-01T00:00:00Z")
    assert r.status_code == 201, r.json
    assert r.json["meter"] == "hours" and r.json["value"] == 10.5 and r.json["unit"] == "h"
    assert r.json["readAt"] == "2026-01-01T00:00:00.000Z" and r.json["pmWorkOrderIds"] == []
    read(client, h, pump, 20)
    client.post(f"/api/equipment/{pump}/meter-readings", json={"meter": "cycles", "value": 3}, headers=h)
    r = client.get(f"/api/equipment/{pump}/meter-readings", headers=auth("north", "requester"))
    assert r.status_code == 200 and [x["value"] for x in r.json] == [3, 20, 10.5]
    r = client.get(f"/api/equipment/{pump}/meter-readings?meter=HOURS", headers=h)
    assert [x["value"] for x in r.json] == [20, 10.5]


def test_a_lower_reading_is_refused(client, auth):
    h = auth("north", "technician")
    pump, _ = setup_pump(client, auth("north", "manager"))
    assert read(client, h, pump, 100).status_code == 201
    r = read(client, h, pump, 99.5)
    assert r.status_code == 400
    assert r.json["errors"][0]["field"] == "value" and "100" in r.json["errors"][0]["message"]
    # Backdated readings must fit between their neighbours too.
    assert read(client, h, pump, 150, readAt="2020-01-01T00:00:00Z").status_code == 400
    assert read(client, h, pump, 50, readAt="2020-01-01T00:00:00Z").status_code == 201
    assert read(client, h, pump, 100).status_code == 201  # equal is fine: the machine stood still
    assert read(client, h, pump, 1, readAt="2999-01-01T00:00:00Z").status_code == 400  # future
    assert db.session.query(MeterReading).count() == 3


def test_meter_readings_respect_roles_and_warehouses(client, auth):
    pump, _ = setup_pump(client, auth("north", "manager"))
    assert read(client, auth("north", "requester"), pump, 1).status_code == 403
    assert read(client, auth("south", "manager"), pump, 1).status_code == 404
    assert client.get(f"/api/equipment/{pump}/meter-readings", headers=auth("south", "manager")).status_code == 404
    r = client.post(f"/api/equipment/{pump}/meter-readings", json={"meter": "hours", "value": -1},
                    headers=auth("north", "manager"))
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "value"


def test_crossing_the_threshold_creates_the_pm_at_once(client, auth, users):
    h = auth("north", "technician")
    pump, template_id = setup_pump(client, auth("north", "manager"),
                                   checklist=[{"description": "Change oil filter", "required": True}])
    assert read(client, h, pump, 1000, readAt="2026-05-01T06:00:00Z").json["pmWorkOrderIds"] == []  # counting starts
    assert read(client, h, pump, 1499, readAt="2026-05-02T06:00:00Z").json["pmWorkOrderIds"] == []
    r = read(client, h, pump, 1500, readAt="2026-05-04T06:00:00Z")
    [wo_id] = r.json["pmWorkOrderIds"]
    [wo] = pm_orders(template_id)
    assert wo.id == wo_id and wo.type == "preventive" and wo.equipment_id == pump
    assert wo.due_date == T0 + timedelta(days=3)  # leadDays after the crossing
    event = db.session.scalars(select(DomainEvent).where(DomainEvent.event == "pm.scheduled")).one()
    assert event.payload["trigger"] == "meter" and event.payload["meter"]["value"] == 1500
    assert DeliveryChecker(client.application).errors(json.loads(stringify_bytes(envelope(event)))) == []
    r = client.get(f"/api/work-orders/{wo_id}/checklist", headers=h)
    assert [i["description"] for i in r.json] == ["Change oil filter"]
    # Further readings while it is open: still one open PM.
    assert read(client, h, pump, 2100).json["pmWorkOrderIds"] == []
    assert len(pm_orders(template_id)) == 1


def test_after_completion_the_count_restarts_from_the_reading_at_completion(client, auth, users):
    manager_h = auth("north", "manager")
    manager = users.actor("north", "manager")
    pump, template_id = setup_pump(client, manager_h)
    read(client, manager_h, pump, 0)
    [wo_id] = read(client, manager_h, pump, 520).json["pmWorkOrderIds"]
    read(client, manager_h, pump, 560)
    work_order_service.update_work_order(manager, wo_id, WorkOrderUpdate(status="in_progress"))
    work_order_service.update_work_order(manager, wo_id, WorkOrderUpdate(status="completed"))
    template = client.get(f"/api/pm-templates/{template_id}", headers=manager_h).json
    assert template["schedule"][0]["meterBaseline"] == 560
    assert template["schedule"][0]["nextDueReading"] == 1060
    assert read(client, manager_h, pump, 1059).json["pmWorkOrderIds"] == []
    assert len(read(client, manager_h, pump, 1060).json["pmWorkOrderIds"]) == 1
    assert [o.status for o in pm_orders(template_id)] == ["completed", "new"]


def test_equipment_joining_a_meter_template_counts_from_its_latest_reading(client, auth, users):
    h = auth("north", "manager")
    pump = client.post("/api/equipment", json={"assetTag": "CMP-9"}, headers=h).json["id"]
    read(client, h, pump, 7000)
    r = client.post("/api/pm-templates", headers=h, json={
        "name": "Compressor service", "frequencyType": "meter", "meter": "hours", "frequency": 500,
        "equipmentIds": [pump]})
    assert r.json["schedule"][0]["meterBaseline"] == 7000
    assert read(client, h, pump, 7499).json["pmWorkOrderIds"] == []
    assert len(read(client, h, pump, 7500).json["pmWorkOrderIds"]) == 1


def test_an_inactive_template_is_not_triggered(client, auth):
    h = auth("north", "manager")
    pump, template_id = setup_pump(client, h)
    read(client, h, pump, 0)
    client.patch(f"/api/pm-templates/{template_id}", json={"active": False}, headers=h)
    assert read(client, h, pump, 900).json["pmWorkOrderIds"] == []


def test_service_returns_the_triggered_work_orders(app, users):
    manager = users.actor("north", "manager")
    from portal.schemas.equipment import EquipmentCreate
    from portal.schemas.pm import PMTemplateCreate
    from portal.services.assets import equipment as equipment_service
    from portal.services.pm import templates as pm_templates

    pump = equipment_service.create_equipment(manager, EquipmentCreate(assetTag="GEN-1"))
    for meter, frequency in (("hours", 250), ("cycles", 10)):
        pm_templates.create_template(manager, PMTemplateCreate.model_validate({
            "name": f"Every {frequency} {meter}", "frequencyType": "meter", "meter": meter, "frequency": frequency,
            "equipmentIds": [pump.id]}))
    meter_service.record_reading(manager, pump.id, MeterReadingCreate(meter="hours", value=0), now=T0)
    meter_service.record_reading(manager, pump.id, MeterReadingCreate(meter="cycles", value=0), now=T0)
    _, created = meter_service.record_reading(manager, pump.id, MeterReadingCreate(meter="Hours", value=300), now=T0)
    assert [wo.title for wo in created] == ["PM: Every 250 hours - GEN-1"]
