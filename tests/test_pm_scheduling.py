"""PM scheduling across simulated dates: calendar triggers, lead time, idempotency, catch-up,
completion and the next occurrence, overdue notices, and two concurrent runs on PostgreSQL."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from conftest import USING_POSTGRES
from factories import run_together
from sqlalchemy import func, select

from portal.jobs.registry import PERIODIC_JOBS
from portal.models import ChecklistItem, DomainEvent, WorkOrder
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.schemas.pm import PMTemplateCreate, PMTemplateUpdate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates
from portal.services.work_orders import lifecycle as work_order_service

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def make_equipment(actor, tag: str):
    return equipment_service.create_equipment(actor, EquipmentCreate(assetTag=tag), now=T0)


def make_template(actor, equipment_ids, **fields):
    """Created at T0 (day 0); unless told otherwise, its first PM is due on day 10."""
    frequency = fields.get("frequency", 30)
    body = {"name": "Monthly motor inspection", "frequencyType": "calendar", "frequency": frequency, "leadDays": 5,
            "startDate": day(10 - frequency), "equipmentIds": equipment_ids, "estimatedDuration": 90,
            "checklist": [{"id": "temp", "description": "Motor temperature", "type": "measurement",
                           "required": True, "unit": "C", "min": 10, "max": 80},
                          {"description": "Clean fan cover", "type": "checkbox"}], **fields}
    return pm_templates.create_template(actor, PMTemplateCreate.model_validate(body), now=T0)


def pm_orders(template_id: str) -> list[WorkOrder]:
    db.session.expire_all()
    return list(db.session.scalars(select(WorkOrder).where(WorkOrder.pm_template_id == template_id)
                                   .order_by(WorkOrder.pm_due_date, WorkOrder.equipment_id)))


def events(name: str) -> list[DomainEvent]:
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event == name)
                                   .order_by(DomainEvent.created_at, DomainEvent.id)))


def complete(actor, wo_id: str, at: datetime) -> WorkOrder:
    for item in db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo_id,
                                                               ChecklistItem.required.is_(True))):
        item.done, item.value = True, 42.0
    db.session.commit()
    work_order_service.update_work_order(actor, wo_id, WorkOrderUpdate(status="in_progress"), now=at)
    return work_order_service.update_work_order(actor, wo_id, WorkOrderUpdate(status="completed"), now=at)


def test_calendar_pm_is_created_lead_days_before_its_due_date(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id], assignedTo=users["north"]["technician"].id)

    assert pm_scheduler.schedule_due(day(4))["created"] == 0  # due day 10, lead 5: opens on day 5
    assert pm_orders(template.id) == []

    summary = pm_scheduler.schedule_due(day(5))
    assert summary["created"] == 1
    [wo] = pm_orders(template.id)
    assert wo.type == "preventive" and wo.equipment_id == pump.id
    assert wo.due_date == day(10) and wo.pm_due_date == day(10)
    assert wo.estimated_duration == 90
    assert wo.assigned_to == users["north"]["technician"].id and wo.status == "assigned"
    items = db.session.scalars(select(ChecklistItem).where(ChecklistItem.work_order_id == wo.id)
                               .order_by(ChecklistItem.position)).all()
    assert [(i.item_key, i.type, i.required, i.min_value, i.max_value) for i in items] == [
        ("temp", "measurement", True, 10.0, 80.0), ("item-2", "checkbox", False, None, None)]
    [scheduled] = events("pm.scheduled")
    assert scheduled.entity_id == wo.id
    assert scheduled.payload["templateId"] == template.id
    assert scheduled.payload["dueDate"] == "2026-03-12T08:00:00.000Z"
    assert scheduled.payload["trigger"] == "calendar"


def test_running_the_scheduler_again_creates_nothing(app, users):
    manager = users.actor("north", "manager")
    a, b = make_equipment(manager, "PUMP-A"), make_equipment(manager, "PUMP-B")
    template = make_template(manager, [a.id, b.id])
    first = pm_scheduler.schedule_due(day(6))
    second = pm_scheduler.schedule_due(day(6))
    third = pm_scheduler.schedule_due(day(9))
    assert first["created"] == 2
    assert second["created"] == 0 and second["skipped"] == 2
    assert third["created"] == 0
    assert len(pm_orders(template.id)) == 2
    assert len(events("pm.scheduled")) == 2


def test_completion_schedules_the_next_one_from_the_completion(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    pm_scheduler.schedule_due(day(5))
    [first] = pm_orders(template.id)
    complete(manager, first.id, day(13))  # three days late

    [done] = events("pm.completed")
    assert done.entity_id == first.id
    assert done.payload["onTime"] is False
    assert done.payload["nextDueDate"] == "2026-04-14T08:00:00.000Z"  # day 13 + 30 = day 43

    assert pm_scheduler.schedule_due(day(37))["created"] == 0  # 43 - 5 = 38
    assert pm_scheduler.schedule_due(day(38))["created"] == 1
    second = pm_orders(template.id)[-1]
    assert second.due_date == day(43) and second.status == "new"


def test_completion_inside_the_next_lead_time_creates_the_next_one_at_once(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id], frequency=3, leadDays=5)
    pm_scheduler.schedule_due(day(5))
    [first] = pm_orders(template.id)
    complete(manager, first.id, day(9))
    orders = pm_orders(template.id)
    assert len(orders) == 2
    assert orders[1].due_date == day(12) and orders[1].status == "new"


def test_a_missed_run_catches_up_with_one_work_order(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id], frequency=7)
    # Nothing ran for 100 days: one work order (the first missed occurrence, overdue), not 13.
    summary = pm_scheduler.schedule_due(day(110))
    assert summary["created"] == 1
    [wo] = pm_orders(template.id)
    assert wo.due_date == day(10)
    assert pm_scheduler.schedule_due(day(111))["created"] == 0
    # Completed on day 111: the next one is a week after that, not a back-dated pile.
    complete(manager, wo.id, day(111))
    pm_scheduler.schedule_due(day(113))
    orders = pm_orders(template.id)
    assert [o.due_date for o in orders] == [day(10), day(118)]


def test_a_cancelled_occurrence_is_skipped_not_recreated(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    pm_scheduler.schedule_due(day(5))
    [wo] = pm_orders(template.id)
    work_order_service.update_work_order(manager, wo.id, WorkOrderUpdate(status="cancelled"), now=day(6))
    assert pm_scheduler.schedule_due(day(7))["created"] == 0  # day 10 had its work order
    assert pm_scheduler.schedule_due(day(35))["created"] == 1
    assert [o.due_date for o in pm_orders(template.id)] == [day(10), day(40)]


def test_inactive_templates_and_retired_equipment_are_not_scheduled(app, users):
    manager = users.actor("north", "manager")
    a, b = make_equipment(manager, "PUMP-A"), make_equipment(manager, "PUMP-B")
    inactive = make_template(manager, [a.id])
    pm_templates.update_template(manager, inactive.id, PMTemplateUpdate(active=False), now=T0)
    retired = make_template(manager, [b.id], name="Retired one")
    equipment_service.update_equipment(manager, b.id, EquipmentUpdate(status="retired"))
    assert pm_scheduler.schedule_due(day(30))["created"] == 0
    assert pm_orders(inactive.id) == [] and pm_orders(retired.id) == []


def test_equipment_added_later_starts_from_when_it_joined(app, users):
    manager = users.actor("north", "manager")
    a, b = make_equipment(manager, "PUMP-A"), make_equipment(manager, "PUMP-B")
    template = make_template(manager, [a.id])
    pm_templates.update_template(manager, template.id, PMTemplateUpdate(equipmentIds=[a.id, b.id]),
                               now=day(20))
    pm_scheduler.schedule_due(day(20))
    due = {o.equipment_id: o.due_date for o in pm_orders(template.id)}
    assert due == {a.id: day(10)}  # B joined on day 20: the template's next occurrence is day 40
    pm_scheduler.schedule_due(day(35))
    due = {o.equipment_id: o.due_date for o in pm_orders(template.id)}
    assert due == {a.id: day(10), b.id: day(40)}


def test_overdue_is_emitted_once(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    pm_scheduler.schedule_due(day(5))
    assert pm_scheduler.notify_overdue(day(10))["notified"] == 0  # due exactly now: not yet past
    assert pm_scheduler.notify_overdue(day(10.5))["notified"] == 1
    assert pm_scheduler.notify_overdue(day(11))["notified"] == 0
    [overdue] = events("pm.overdue")
    [wo] = pm_orders(template.id)
    assert overdue.entity_id == wo.id and overdue.payload["hoursOverdue"] == 12.0
    assert wo.overdue_notified_at == day(10.5)


def test_completed_pm_is_never_overdue(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    pm_scheduler.schedule_due(day(5))
    [wo] = pm_orders(template.id)
    complete(manager, wo.id, day(9))
    assert pm_scheduler.notify_overdue(day(30))["notified"] == 0
    assert events("pm.overdue") == []
    assert events("pm.completed")[0].payload["onTime"] is True


def test_jobs_are_registered_and_run_from_the_cli(app, users, runner):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    from portal.jobs import load_all

    load_all()
    assert {"pm-schedule", "pm-overdue"} <= set(PERIODIC_JOBS)
    result = runner.invoke(args=["jobs", "run", "pm-schedule", "--now", "2026-03-08T08:00:00Z"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["result"]["created"] == 1
    result = runner.invoke(args=["jobs", "run", "pm-overdue", "--now", "2026-03-13T08:00:00Z"])
    assert json.loads(result.output.strip().splitlines()[-1])["result"]["notified"] == 1
    assert len(pm_orders(template.id)) == 1


def test_the_database_refuses_a_second_open_pm_for_the_same_equipment(app, users):
    """The guarantee is a unique index, not the scheduler's own check."""
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    template = make_template(manager, [pump.id])
    with pm_scheduler.unit_of_work():
        first = pm_scheduler.create_pm_work_order(template, pump, day(10), trigger="calendar", now=day(5))
        again = pm_scheduler.create_pm_work_order(template, pump, day(10), trigger="calendar", now=day(5))
        other_date = pm_scheduler.create_pm_work_order(template, pump, day(40), trigger="calendar", now=day(5))
    assert first is not None and again is None and other_date is None
    assert len(pm_orders(template.id)) == 1
    assert len(events("pm.scheduled")) == 1
    # The rolled-back attempts gave their foNumbers back.
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 1


@pytest.mark.skipif(not USING_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_two_concurrent_runs_never_duplicate(app, users):
    manager = users.actor("north", "manager")
    pumps = [make_equipment(manager, f"PUMP-{n:02d}") for n in range(20)]
    template_id = make_template(manager, [p.id for p in pumps]).id
    db.session.remove()

    outcomes = run_together(app, 2, lambda _i: pm_scheduler.schedule_due(day(6)))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    results = [value for _, value in outcomes]
    assert sum(r["created"] for r in results) == 20
    assert sum(r["skipped"] for r in results) == 20
    orders = pm_orders(template_id)
    assert len(orders) == 20 and len({o.equipment_id for o in orders}) == 20
    assert len(events("pm.scheduled")) == 20
    numbers = sorted(int(o.fo_number.rsplit("-", 1)[1]) for o in orders)
    assert numbers == list(range(1, 21))  # losers gave their numbers back: gap-free


@pytest.mark.skipif(not USING_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_two_concurrent_overdue_runs_notify_once(app, users):
    manager = users.actor("north", "manager")
    pumps = [make_equipment(manager, f"PUMP-{n:02d}") for n in range(10)]
    make_template(manager, [p.id for p in pumps])
    assert pm_scheduler.schedule_due(day(6))["created"] == 10
    db.session.remove()

    outcomes = run_together(app, 2, lambda _i: pm_scheduler.notify_overdue(day(11)))
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert sum(value["notified"] for _, value in outcomes) == 10
    overdue = events("pm.overdue")
    assert len(overdue) == 10 and len({e.entity_id for e in overdue}) == 10


def test_a_start_date_in_the_past_sets_the_cycle_without_back_dating(app, users):
    manager = users.actor("north", "manager")
    pump = make_equipment(manager, "PUMP-1")
    # Created on day 0 with startDate day -100 and a 30-day cycle: occurrences -70, -40, -10, 20...
    template = make_template(manager, [pump.id], startDate=day(-100))
    assert pm_templates.describe_template(template)["schedule"][0]["next_due_date"] == day(20)
    assert pm_scheduler.schedule_due(day(14))["created"] == 0
    assert pm_scheduler.schedule_due(day(15))["created"] == 1
    assert [o.due_date for o in pm_orders(template.id)] == [day(20)]
