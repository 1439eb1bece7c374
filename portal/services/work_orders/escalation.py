"""Escalation of overdue urgent work orders (the `escalate` periodic job).

A high or critical work order past its due date and neither completed nor cancelled is
escalated once per due date: it goes to the warehouse's manager, or, when a manager (or admin)
already has it or the warehouse has no manager, its priority is raised. The reason is kept in the
work order's history (action "escalated") and work_order.escalated is emitted. A later run does
not escalate it again unless its due date changed and passed again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.models import OPEN_STATUSES, User, WorkOrder, WorkOrderHistory
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderOut, WorkOrderUpdate
from portal.services.common.actor import Actor
from portal.services.common.events import record_event
from portal.services.common.isolation import each_isolated
from portal.services.common.tenancy import get_in_warehouse
from portal.services.work_orders.lifecycle import update_work_order

URGENT = ("high", "critical")
SUPERVISORS = ("manager", "admin")
RAISE = {"high": "critical"}


def _due(wo: WorkOrder, now: datetime) -> bool:
    return (wo.priority in URGENT and wo.status in OPEN_STATUSES and wo.due_date is not None
            and wo.due_date < now)


def _already_escalated(wo: WorkOrder) -> bool:
    last = db.session.scalars(
        select(WorkOrderHistory)
        .where(WorkOrderHistory.work_order_id == wo.id, WorkOrderHistory.action == "escalated")
        .order_by(WorkOrderHistory.at.desc(), WorkOrderHistory.id.desc())
    ).first()
    return last is not None and (last.changes or {}).get("escalation", {}).get("dueDate") == iso(wo.due_date)


def _manager_of(warehouse_id: str) -> User | None:
    return db.session.scalars(
        select(User).where(User.warehouse_id == warehouse_id, User.role == "manager", User.active.is_(True))
        .order_by(User.created_at, User.id)
    ).first()


def escalate_work_order(work_order_id: str, warehouse_id: str, now: datetime) -> bool:
    """Escalate one work order if it is still due for it; True when it was escalated."""
    system = Actor.system(warehouse_id)
    with unit_of_work() as s:
        wo = get_in_warehouse(WorkOrder, work_order_id, system, what="Work order", lock=True)
        if not _due(wo, now) or _already_escalated(wo):
            return False
        before_assignee, before_priority = wo.assigned_to, wo.priority
        assignee = s.get(User, wo.assigned_to) if wo.assigned_to else None
        manager = _manager_of(warehouse_id)
        overdue_hours = round((now - wo.due_date).total_seconds() / 3600, 2)
        if manager is not None and (assignee is None or assignee.role not in SUPERVISORS):
            change = {"assignedTo": manager.id}
            reason = f"{wo.priority} priority work order {overdue_hours} h past due: reassigned to the manager"
        elif wo.priority in RAISE:
            change = {"priority": RAISE[wo.priority]}
            who = "a manager already has it" if manager is not None else "the warehouse has no manager"
            reason = f"{wo.priority} priority work order {overdue_hours} h past due and {who}: priority raised"
        else:
            change = {}
            reason = (f"critical work order {overdue_hours} h past due, already with "
                      f"{'a manager' if manager is not None else 'no manager to take it'}: flagged")
        if change:
            update_work_order(system, wo.id, WorkOrderUpdate.model_validate(change), now=now)
        changes = {"escalation": {"reason": reason, "dueDate": iso(wo.due_date), "overdueHours": overdue_hours}}
        if wo.assigned_to != before_assignee:
            changes["assignedTo"] = {"from": before_assignee, "to": wo.assigned_to}
        if wo.priority != before_priority:
            changes["priority"] = {"from": before_priority, "to": wo.priority}
        s.add(WorkOrderHistory(work_order_id=wo.id, user_id=None, action="escalated", changes=changes, at=now))
        record_event(
            "work_order.escalated", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrder": WorkOrderOut.dump(wo), "reason": reason, "overdueHours": overdue_hours,
                     "previousAssignee": before_assignee, "newAssignee": wo.assigned_to,
                     "previousPriority": before_priority, "newPriority": wo.priority,
                     "escalatedBy": "system", "timestamp": iso(now)},
            actor=system, now=now,
        )
        return True


def escalate_overdue(now: datetime | None = None) -> dict:
    """Escalate every overdue urgent work order, each in its own transaction."""
    now = now or utcnow()
    rows = list(db.session.execute(
        select(WorkOrder.id, WorkOrder.warehouse_id)
        .where(WorkOrder.priority.in_(URGENT), WorkOrder.status.in_(OPEN_STATUSES),
               WorkOrder.due_date.is_not(None), WorkOrder.due_date < now)
        .order_by(WorkOrder.due_date, WorkOrder.id)
    ))
    db.session.rollback()
    summary = {"overdue": len(rows), "escalated": 0, "failed": 0}

    def escalate_one(row: tuple[str, str]) -> None:
        if escalate_work_order(row[0], row[1], now):
            summary["escalated"] += 1

    each_isolated("escalate", rows, escalate_one, summary, describe=lambda row: f"work order {row[0]}")
    return summary
