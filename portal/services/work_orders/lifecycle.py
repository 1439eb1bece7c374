"""Work orders: creation with gap-free foNumbers, the status machine, history and events."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.models import Equipment, PartConsumption, User, WorkOrder, WorkOrderCounter, WorkOrderHistory
from portal.models.types import utcnow
from portal.models.work_orders import CLOSED_STATUSES, WORK_ORDER_STATUSES
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderOut, WorkOrderUpdate
from portal.services.common.actor import Actor
from portal.services.common.changes import apply_changes, camel, given_fields
from portal.services.common.errors import Conflict, DomainError, Forbidden, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.signals import work_order_completed, work_order_completing
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import can, require
from portal.services.work_orders import failure_codes, hold_reasons

FAILURE_COLUMNS = tuple(failure_codes.COLUMN_OF.values())
# What may still change on a closed work order: its notes, and its failure codes (coded after the fact).
CLOSED_EDITABLE = frozenset({"completion_notes", *FAILURE_COLUMNS})

# Allowed status changes (README: "Work order statuses"). The closed ones (completed, cancelled) are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    # new → in_progress / completed: the quick fix a technician does on the spot (issue 7 item 11).
    "new": frozenset({"assigned", "in_progress", "on_hold", "completed", "cancelled"}),
    "assigned": frozenset({"new", "in_progress", "on_hold", "completed", "cancelled"}),
    "in_progress": frozenset({"assigned", "on_hold", "completed", "cancelled"}),
    "on_hold": frozenset({"assigned", "in_progress", "cancelled"}),
    **dict.fromkeys(CLOSED_STATUSES, frozenset()),
}
# What a technician may change on a work order assigned to them.
TECHNICIAN_FIELDS = frozenset({"status", "completion_notes", "description", *FAILURE_COLUMNS})
ASSIGNABLE_ROLES = ("admin", "manager", "technician")
# Statuses by which a technician takes an unassigned work order on (and becomes its assignee).
SELF_ASSIGNING_STATUSES = frozenset({"in_progress", "completed"})
# Most work orders one bulk assignment takes (a page of the board is 25).
BULK_LIMIT = 100
# Work someone has begun: reassigning it takes it out of their hands (the board asks first).
STARTED_STATUSES = ("in_progress", "on_hold")


def next_fo_number(warehouse_id: str, year: int) -> str:
    """Bump the warehouse's counter inside the caller's transaction: the row lock (PostgreSQL)
    or the write lock (SQLite) serialises creators, and a rollback returns the number."""
    s = db.session
    bump = (
        update(WorkOrderCounter)
        .where(WorkOrderCounter.warehouse_id == warehouse_id, WorkOrderCounter.year == year)
        .values(last_number=WorkOrderCounter.last_number + 1)
        .returning(WorkOrderCounter.last_number)
    )
    number = s.execute(bump).scalar_one_or_none()
    if number is None:
        try:
            with s.begin_nested():
                s.add(WorkOrderCounter(warehouse_id=warehouse_id, year=year, last_number=1))
            number = 1
        except IntegrityError:  # another transaction created this year's counter first
            number = s.execute(bump).scalar_one()
    return f"WO-{year}-{number:03d}"


def _check_equipment(actor: Actor, equipment_id: str | None) -> None:
    if equipment_id is None:
        return
    found = db.session.scalar(
        select(func.count()).select_from(Equipment)
        .where(Equipment.id == equipment_id, Equipment.warehouse_id == actor.warehouse_id)
    )
    if not found:
        raise field_error("equipmentId", "Equipment not found")


def _check_assignee(actor: Actor, user_id: str | None) -> None:
    if user_id is None:
        return
    user = db.session.scalars(
        select(User).where(User.id == user_id, User.warehouse_id == actor.warehouse_id, User.active.is_(True))
    ).first()
    if user is None:
        raise field_error("assignedTo", "User not found")
    if user.role not in ASSIGNABLE_ROLES:
        raise field_error("assignedTo", f"A {user.role} cannot be assigned work orders")


def get_work_order(actor: Actor, work_order_id: str) -> WorkOrder:
    require(actor, "work_orders.read")
    return get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order")


def parts_on_work_order(work_order_id: str) -> tuple[list[PartConsumption], Decimal]:
    rows = list(db.session.scalars(
        select(PartConsumption).where(PartConsumption.work_order_id == work_order_id)
        .order_by(PartConsumption.consumed_at, PartConsumption.id)
    ))
    return rows, sum((r.total_cost for r in rows), Decimal("0.00"))


def _history(wo: WorkOrder, actor: Actor, action: str, changes: dict, now: datetime) -> None:
    db.session.add(WorkOrderHistory(work_order_id=wo.id, user_id=actor.id, action=action, changes=changes, at=now))


record_history = _history  # for the work order's other services (checklists) writing the same history


def create_work_order(actor: Actor, data: WorkOrderCreate, *, now: datetime | None = None, **extra: Any) -> WorkOrder:
    """Create a work order; `extra` carries model fields set by other services (PM links; requested_by
    when a manager approves someone else's request: services/work_orders/requests.py)."""
    require(actor, "work_orders.create")
    now = now or utcnow()
    if data.assigned_to is not None and not can(actor, "work_orders.assign"):
        raise field_error("assignedTo", f"A {actor.role} cannot assign work orders", Forbidden)
    if data.requires_signature and not can(actor, "work_orders.assign"):
        raise field_error("requiresSignature", f"A {actor.role} cannot require a signature", Forbidden)
    if data.equipment_down and (data.equipment_id is None or data.type not in ("corrective", "emergency")):
        raise field_error("equipmentDown", "Only a corrective or emergency work order with equipmentId can mark "
                                           "its equipment down")
    with unit_of_work() as s:
        _check_equipment(actor, data.equipment_id)
        _check_assignee(actor, data.assigned_to)
        extra.setdefault("estimated_duration", data.estimated_duration)  # a PM's comes from its template
        wo = WorkOrder(
            warehouse_id=actor.warehouse_id,
            fo_number=next_fo_number(actor.warehouse_id, now.year),
            title=data.title,
            description=data.description,
            status="assigned" if data.assigned_to else "new",
            priority=data.priority,
            type=data.type,
            equipment_id=data.equipment_id,
            assigned_to=data.assigned_to,
            requested_by=extra.pop("requested_by", actor.id),
            due_date=data.due_date,
            requires_signature=data.requires_signature,
            responded_at=now if data.assigned_to else None,  # taken up at once: assigned when created
            created_at=now,
            updated_at=now,
            **extra,
        )
        s.add(wo)
        s.flush()
        _history(wo, actor, "created", {}, now)
        record_event(
            "work_order.created", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrder": WorkOrderOut.dump(wo), "createdBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
        if data.equipment_down:
            from portal.services.assets.equipment import mark_down_for_work_order  # equipment's downtime bookkeeping
            mark_down_for_work_order(actor, wo, now)
        return wo


def _check_update_rights(actor: Actor, wo: WorkOrder, values: dict[str, Any]) -> None:
    """Rights are checked on what changes: `values` holds only fields whose value differs, so a
    technician saving a full edit form with untouched manager-only fields is not refused."""
    require(actor, "work_orders.update")
    fields = set(values)
    if actor.role == "technician":
        taking_on = wo.assigned_to is None and values.get("status") in SELF_ASSIGNING_STATUSES
        if wo.assigned_to != actor.id and not taking_on:
            raise Forbidden("Technicians may only update work orders assigned to them")
        extra = sorted(fields - TECHNICIAN_FIELDS)
        if extra:
            raise Forbidden(None, [{"field": camel(f), "message": "Technicians may not change this field"} for f in extra])
    elif "assigned_to" in fields:
        require(actor, "work_orders.assign")


def allowed_transitions(actor: Actor, wo: WorkOrder) -> list[str]:
    """The statuses `actor` may move `wo` to now: the transition table narrowed by the same rights
    update_work_order checks, so the portal offers only buttons the service will accept."""
    if not can(actor, "work_orders.update"):
        return []
    allowed = []
    for status in WORK_ORDER_STATUSES:
        if status not in TRANSITIONS[wo.status]:
            continue
        if status == "assigned" and not wo.assigned_to:
            continue  # needs an assignee: that is an assignment, not a status button
        try:
            _check_update_rights(actor, wo, {"status": status})
        except Forbidden:
            continue
        allowed.append(status)
    return allowed


def may_change(actor: Actor, wo: WorkOrder, field: str) -> bool:
    """Whether `actor` may change `field` (a column name) of `wo`, by the same rights
    update_work_order checks, so the portal offers only the forms the service will accept."""
    try:
        _check_update_rights(actor, wo, {field: None})
    except Forbidden:
        return False
    return True


def update_work_order(actor: Actor, work_order_id: str, data: WorkOrderUpdate, *, now: datetime | None = None) -> WorkOrder:
    now = now or utcnow()
    values = given_fields(data, ("title", "status", "priority", "type", "requires_signature"))
    # Why it waits: not a column, recorded in the history and the event's changes with the status.
    hold_reason = values.pop("hold_reason", None)
    hold_code = values.pop("hold_reason_code", None)
    for column in FAILURE_COLUMNS:  # codes are stored upper-case; "vib" is VIB
        if values.get(column) is not None:
            values[column] = values[column].upper()
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        return _update_locked(actor, wo, values, hold_reason, now, hold_code=hold_code)


def bulk_assign(actor: Actor, work_order_ids: list[str], assignee_id: str | None, *,
                now: datetime | None = None) -> list[WorkOrder]:
    """Assign (or, with None, unassign) many work orders at once: bulk_update of assigned_to."""
    return bulk_update(actor, work_order_ids, {"assigned_to": assignee_id}, now=now)


# What a bulk change may set (the board's bulk bar): model field names; the hold reason (text
# and code) only with status on_hold, as on one work order.
BULK_FIELDS = frozenset({"assigned_to", "status", "priority", "due_date", "hold_reason", "hold_reason_code"})


def bulk_update(actor: Actor, work_order_ids: list[str], values: dict[str, Any], *,
                now: datetime | None = None) -> list[WorkOrder]:
    """Change many work orders alike (assignee, status, priority, due date) in ONE transaction, all
    or nothing.

    Every id is looked up first: one that is not in the actor's warehouse answers 404 for the
    lot and nothing is written. Then each work order goes through the same path as
    `update_work_order(actor, id, WorkOrderUpdate(**values))`, so the history rows and the
    work_order.updated events (and their webhooks) are exactly those of changing them one by one;
    any refusal (a completed work order, a transition not allowed, an assignee who cannot take
    work) rolls back all of them. Answers the work orders in the order of the ids.

    `hold_reason` / `hold_reason_code` go with status on_hold (refused otherwise, as one by one);
    a work order already on hold keeps its hold as it was (a value sent again is no change).
    """
    now = now or utcnow()
    require(actor, "work_orders.assign")  # the board's tool: managers and admins
    unknown = sorted(set(values) - BULK_FIELDS)
    if unknown:
        raise field_error(camel(unknown[0]), "Cannot be changed in bulk")
    for name in ("status", "priority", "hold_reason", "hold_reason_code"):
        if name in values and values[name] is None:
            raise field_error(camel(name), "May not be null")
    values = dict(values)
    hold_reason = values.pop("hold_reason", None)
    hold_code = values.pop("hold_reason_code", None)
    if not values:
        raise field_error("ids", "Say what to change")
    ids = list(dict.fromkeys(str(i) for i in work_order_ids))  # a repeated id is changed once
    if not ids:
        raise field_error("ids", "Pick at least one work order")
    if len(ids) > BULK_LIMIT:
        raise field_error("ids", f"At most {BULK_LIMIT} work orders at once")
    with unit_of_work() as s:
        clean = [i for i in ids if "\x00" not in i]  # PostgreSQL refuses a NUL: simply not found
        found = {wo.id: wo for wo in s.scalars(
            select(WorkOrder).where(WorkOrder.id.in_(clean), WorkOrder.warehouse_id == actor.warehouse_id)
            .order_by(WorkOrder.id).with_for_update())}  # a fixed lock order: no deadlock between two bulks
        missing = [n for n, i in enumerate(ids) if i not in found]
        if missing:
            raise NotFound("Work order not found", [
                {"field": f"ids[{n}]", "message": "Work order not found"} for n in missing])
        if "assigned_to" in values:
            _check_assignee(actor, values["assigned_to"])
        updated = []
        for n, wo_id in enumerate(ids):
            try:
                wo = found[wo_id]
                held = wo.status == "on_hold" and values.get("status") == "on_hold"  # no new hold
                updated.append(_update_locked(actor, wo, dict(values), None if held else hold_reason, now,
                                              assignee_checked=True, hold_code=None if held else hold_code))
            except DomainError as exc:  # say which one refused; the whole lot rolls back
                raise type(exc)(f"{found[wo_id].fo_number}: {exc.message}", [
                    {"field": f"ids[{n}]", "message": e["message"]} for e in exc.errors]
                    or [{"field": f"ids[{n}]", "message": exc.message}]) from None
        return updated


def reassigning_started_work(actor: Actor, work_order_ids: list[str], assignee_id: str | None) -> list[WorkOrder]:
    """The work orders among these that someone has started (in progress or on hold) and that
    would go to another person: the board asks before taking work out of a technician's hands."""
    require(actor, "work_orders.read")
    ids = [i for i in dict.fromkeys(str(i) for i in work_order_ids) if "\x00" not in i]
    if not ids:
        return []
    return list(db.session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_(ids), WorkOrder.warehouse_id == actor.warehouse_id,
                                WorkOrder.status.in_(STARTED_STATUSES), WorkOrder.assigned_to.is_not(None),
                                WorkOrder.assigned_to != assignee_id if assignee_id else WorkOrder.id.is_not(None))
        .order_by(WorkOrder.fo_number)))


def _update_locked(actor: Actor, wo: WorkOrder, values: dict[str, Any], hold_reason: str | None,
                   now: datetime, *, assignee_checked: bool = False, hold_code: str | None = None) -> WorkOrder:
    """The body of an update, inside the caller's transaction, on a work order locked for update."""
    # A value sent again unchanged is no change: a client resending {"status": "completed"}
    # with corrected notes must not be told a completed work order can no longer change, and
    # a technician's full edit form must not be refused for fields they left as they were.
    values = {name: value for name, value in values.items() if getattr(wo, name) != value}
    fields = set(values)
    _check_update_rights(actor, wo, values)
    if "equipment_id" in fields:
        _check_equipment(actor, values["equipment_id"])
    if "assigned_to" in fields and not assignee_checked:
        _check_assignee(actor, values["assigned_to"])
    # Assigning a new work order moves it to assigned; unassigning an assigned one back to new.
    if "status" not in values and "assigned_to" in values:
        if values["assigned_to"] and wo.status == "new":
            values["status"] = "assigned"
        elif values["assigned_to"] is None and wo.status == "assigned":
            values["status"] = "new"
    values = {name: value for name, value in values.items() if getattr(wo, name) != value}
    new_status = values.get("status", wo.status)
    if new_status != wo.status:
        if new_status not in TRANSITIONS[wo.status]:
            raise Conflict(
                f"A work order cannot go from {wo.status} to {new_status}",
                [{"field": "status", "message": f"Allowed from {wo.status}: {', '.join(sorted(TRANSITIONS[wo.status])) or 'none'}"}],
            )
        assignee = values.get("assigned_to", wo.assigned_to)
        if new_status == "assigned" and not assignee:
            raise field_error("status", "An assigned work order needs assignedTo")
    elif wo.status in CLOSED_STATUSES and set(values) - CLOSED_EDITABLE:
        raise Conflict(f"A {wo.status} work order can no longer change", [])
    if (actor.role == "technician" and wo.assigned_to is None and "assigned_to" not in values
            and values.get("status") in SELF_ASSIGNING_STATUSES):
        values["assigned_to"] = actor.id  # whoever starts or completes it does the work (in the history)
    if values.get("status") == "new" and "assigned_to" not in values and wo.assigned_to:
        values["assigned_to"] = None  # back to the unassigned pool
    if hold_reason is not None and values.get("status") != "on_hold":
        raise field_error("holdReason", "Give a hold reason only when putting the work order on hold")
    if hold_code is not None:
        if values.get("status") != "on_hold":
            raise field_error("holdReasonCode", "Give a hold reason code only when putting the work order on hold")
        hold_reasons.check_code(wo.warehouse_id, hold_code)
    failure_codes.check_work_order_codes(wo, values)
    completing = values.get("status") == "completed"
    if completing:
        # A repair closed without its failure codes where the warehouse requires them: 400 naming them.
        failure_codes.check_completion(wo, values)
        # Other domains may refuse (the checklist gate): before anything of the change is applied.
        work_order_completing.send(wo, actor=actor, now=now)
    changes = apply_changes(wo, values)
    if not changes:
        return wo
    if hold_reason is not None:
        changes["holdReason"] = {"from": None, "to": hold_reason}
    if hold_code is not None:
        changes["holdReasonCode"] = {"from": None, "to": hold_code}
    if "dueDate" in changes:
        wo.overdue_notified_at = None  # a rescheduled PM may go overdue (and be announced) again
    if completing:
        wo.completed_at = now
    mark_response(wo, values.get("status"), now)
    wo.updated_at = now
    try:
        db.session.flush()
    except IntegrityError:
        # The only unique rule an update can break: one open PM work order per template and asset.
        raise field_error("equipmentId", "This equipment already has an open work order from the same PM template",
                          Conflict) from None
    _history(wo, actor, "completed" if completing else "updated", changes, now)
    record_event(
        "work_order.updated", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
        payload={"workOrder": WorkOrderOut.dump(wo), "changes": changes, "updatedBy": actor.id,
                 "timestamp": iso(now)},
        actor=actor, now=now,
    )
    coded = {name: change for name, change in changes.items() if name in failure_codes.FIELDS.values()}
    if coded:
        record_event(
            "work_order.failure_coded", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrderId": wo.id, "foNumber": wo.fo_number, "equipmentId": wo.equipment_id,
                     "failureMode": wo.failure_mode, "failureCause": wo.failure_cause,
                     "failureRemedy": wo.failure_remedy, "changes": coded, "codedBy": actor.id,
                     "timestamp": iso(now)},
            actor=actor, now=now,
        )
    if completing:
        record_event(
            "work_order.completed", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrder": WorkOrderOut.dump(wo), "completedBy": actor.id,
                     "metrics": completion_metrics(wo), "timestamp": iso(now)},
            actor=actor, now=now,
        )
        work_order_completed.send(wo, actor=actor, now=now)  # the asset back up, the PM schedule (wiring.py)
    return wo


def mark_response(wo: WorkOrder, status: str | None, now: datetime) -> None:
    """The raw times of SMRP's MTTR variants (services/reporting/kpis.py), set once: respondedAt when the
    work order first leaves `new` (assigned, started, held or completed), repairStartedAt when it is first
    started (in_progress). Labor booked earlier moves repairStartedAt back (services/work_orders/labor.py)."""
    if status is None or status in ("new", "cancelled"):
        return
    if wo.responded_at is None:
        wo.responded_at = now
    if status == "in_progress" and (wo.repair_started_at is None or wo.repair_started_at > now):
        wo.repair_started_at = now


def completion_metrics(wo: WorkOrder) -> dict:
    """Figures sent with work_order.completed."""
    parts, cost = parts_on_work_order(wo.id)
    parts_count = sum(p.quantity for p in parts)
    hours = (wo.completed_at - wo.created_at).total_seconds() / 3600 if wo.completed_at else None
    late = bool(wo.due_date and wo.completed_at and wo.completed_at > wo.due_date)
    return {
        "timeToCompleteHours": round(hours, 2) if hours is not None else None,
        "partsCost": f"{cost:.2f}",
        "partsQuantity": int(parts_count or 0),
        "completedLate": late,
        "laborMinutes": int(wo.actual_duration or 0),
    }


def require_open_for_parts(wo: WorkOrder) -> None:
    """Parts are used while the work is open: a completed work order's cost is settled (its parts
    cost is in the reports), and a cancelled one had no work done."""
    if wo.status in ("completed", "cancelled"):
        text = f"Parts cannot be used on a {wo.status} work order"
        raise Conflict(text, [{"field": "workOrderId", "message": text}])

