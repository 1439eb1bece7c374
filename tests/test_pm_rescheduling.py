"""Changing a PM work order after it was scheduled: rescheduling re-arms pm.overdue, and moving it
onto an asset that already has an open PM of the same template is a 409, not a 500."""
from __future__ import annotations

import pytest
from test_pm_scheduling import day, events, make_equipment, make_template, pm_orders

from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.common.errors import Conflict
from portal.services.pm import scheduler as pm_scheduler
from portal.services.work_orders import lifecycle as work_order_service


def test_rescheduled_pm_is_announced_overdue_again(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    pm_scheduler.schedule_due(day(5))
    [wo] = pm_orders(template.id)

    pm_scheduler.notify_overdue(day(11))
    assert len(events("pm.overdue")) == 1
    work_order_service.update_work_order(manager, wo.id, WorkOrderUpdate(dueDate=day(20)), now=day(12))
    pm_scheduler.notify_overdue(day(15))
    assert len(events("pm.overdue")) == 1  # not overdue yet under the new date
    pm_scheduler.notify_overdue(day(21))
    assert len(events("pm.overdue")) == 2


def test_moving_a_pm_onto_an_asset_with_an_open_one_is_a_conflict(app, users, client, auth):
    manager = users.actor("north", "manager")
    pump, fan = make_equipment(manager, "PUMP-1"), make_equipment(manager, "FAN-1")
    template = make_template(manager, [pump.id, fan.id])
    pm_scheduler.schedule_due(day(5))
    by_asset = {wo.equipment_id: wo for wo in pm_orders(template.id)}

    with pytest.raises(Conflict) as err:
        work_order_service.update_work_order(manager, by_asset[pump.id].id, WorkOrderUpdate(equipmentId=fan.id))
    assert err.value.errors[0]["field"] == "equipmentId"
    r = client.patch(f"/api/work-orders/{by_asset[pump.id].id}", json={"equipmentId": fan.id},
                     headers=auth("north", "manager"))
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "equipmentId"


def test_status_back_to_new_releases_the_assignee(client, auth, users):
    h = auth("north", "manager")
    tech = users["north"]["technician"].id
    wo = client.post("/api/work-orders", json={"title": "Noisy fan", "assignedTo": tech}, headers=h).json
    assert wo["status"] == "assigned"
    r = client.patch(f"/api/work-orders/{wo['id']}", json={"status": "new"}, headers=h)
    assert r.status_code == 200
    assert r.json["status"] == "new" and r.json["assignedTo"] is None
    assert r.json["history"][-1]["changes"]["assignedTo"] == {"from": tech, "to": None}
