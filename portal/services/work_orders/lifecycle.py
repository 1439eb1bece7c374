"""Work orders: creation with gap-free foNumbers, the status machine, history and events."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from portal.models import Equipment, PartConsumption, User, WorkOrder, WorkOrderCounter, WorkOrderHistory
from portal.models.types import utcnow
from portal.models.work_orders import OPEN_STATUSES, WORK_ORDER_STATUSES
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderOut, WorkOrderQuery, WorkOrderUpdate
from portal.services.common.actor import Actor
from portal.services.common.changes import apply_changes, camel, given_fields
from portal.services.common.errors import Conflict, DomainError, Forbidden, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.querying import Page, like_pattern, paginate
from portal.services.common.signals import work_order_completed, work_order_completing
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import can, require

# Allowed status changes (README: "Work order statuses"). completed and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    # new → in_progress / completed: the quick fix a technician does on the spot (issue 7 item 11).
    "new": frozenset({"assigned", "in_progress", "on_hold", "completed", "cancelled"}),
    "assigned": frozenset({"new", "in_progress", "on_hold", "completed", "cancelled"}),
    "in_progress": frozenset({"assigned", "on_hold", "completed", "cancelled"}),
    "on_hold": frozenset({"assigned", "in_progress", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
# What a technician may change on a work order assigned to them.
TECHNICIAN_FIELDS = frozenset({"status", "completion_notes", "description"})
ASSIGNABLE_ROLES = ("admin", "manager", "technician")
# Statuses by which a technician takes an unassigned work order on (and becomes its assignee).
SELF_ASSIGNING_STATUSES = frozenset({"in_progress", "completed"})
# Most work orders one bulk assignment takes (a page of the board is 25).
BULK_LIMIT = 100
PRIORITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


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


def list_work_orders(actor: Actor, query: WorkOrderQuery) -> Page:
    return paginate(work_order_select(actor, query), query.page, query.limit)


def work_order_select(actor: Actor, query: WorkOrderQuery) -> Select:
    """The list's filtered, sorted query (no paging): the list pages it, the CSV export streams it."""
    require(actor, "work_orders.read")
    return _filtered(_shape(query)).params(_filter_values(actor, query))


def _shape(query: WorkOrderQuery) -> tuple:
    """Which filters a query uses and its sort: what the statement's text depends on."""
    return (bool(query.status), bool(query.priority), bool(query.type), bool(query.assigned_to),
            bool(query.equipment_id), bool(query.due_before), bool(query.due_after), query.overdue,
            bool(query.q), query.sort)


def _filter_values(actor: Actor, query: WorkOrderQuery) -> dict[str, Any]:
    """The values of _filtered()'s parameters (those of unused filters are never read)."""
    return {"warehouse_id": actor.warehouse_id, "status": query.status, "priority": query.priority,
            "type": query.type, "assigned_to": query.assigned_to, "equipment_id": query.equipment_id,
            "due_before": query.due_before, "due_after": query.due_after, "now": utcnow(),
            "open_statuses": list(OPEN_STATUSES),
            "q": like_pattern(query.q) if query.q else None}


@lru_cache(maxsize=256)
def _filtered(shape: tuple) -> Select:
    """The filtered, sorted statement of one shape, with bound parameters for every value: built
    and hashed once per shape instead of per request (that cost ~0.2 ms of a list's CPU)."""
    status, priority, type_, assigned_to, equipment_id, due_before, due_after, overdue, q, sort = shape
    stmt = select(WorkOrder).where(WorkOrder.warehouse_id == bindparam("warehouse_id"))
    if status:
        stmt = stmt.where(WorkOrder.status.in_(bindparam("status", expanding=True)))
    if priority:
        stmt = stmt.where(WorkOrder.priority.in_(bindparam("priority", expanding=True)))
    if type_:
        stmt = stmt.where(WorkOrder.type.in_(bindparam("type", expanding=True)))
    if assigned_to:
        stmt = stmt.where(WorkOrder.assigned_to == bindparam("assigned_to"))
    if equipment_id:
        stmt = stmt.where(WorkOrder.equipment_id == bindparam("equipment_id"))
    if due_before:
        stmt = stmt.where(WorkOrder.due_date < bindparam("due_before"))
    if due_after:
        stmt = stmt.where(WorkOrder.due_date >= bindparam("due_after"))
    if overdue is not None:
        # Named like every other value: an anonymous parameter of a statement built once is not
        # found when the values are bound per request (a 500 once status= and overdue= met).
        late = and_(WorkOrder.due_date.is_not(None), WorkOrder.due_date < bindparam("now"),
                    WorkOrder.status.in_(bindparam("open_statuses", expanding=True)))
        stmt = stmt.where(late if overdue else not_(late))
    if q:
        pattern = bindparam("q")
        stmt = stmt.where(or_(*(column.ilike(pattern, escape="\\")
                                for column in (WorkOrder.fo_number, WorkOrder.title, WorkOrder.description))))
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column = {
        "createdAt": WorkOrder.created_at,
        "updatedAt": WorkOrder.updated_at,
        "dueDate": WorkOrder.due_date,
        "foNumber": WorkOrder.fo_number,
        "priority": case(PRIORITY_RANK, value=WorkOrder.priority),
    }[key]
    order = column.desc() if descending else column.asc()
    if key in ("dueDate", "priority"):  # nullable: NULLs last either way
        order = order.nulls_last()
    # createdAt/updatedAt/foNumber are never NULL: without NULLS LAST a descending list is read
    # backwards from the (warehouse, [status,] created_at) index and stops at `limit` (bench/README.md).
    return stmt.order_by(order, WorkOrder.id)


# The columns of the API's answers (WorkOrderOut), read as plain rows: the list and the detail
# answer every API client, and an ORM object per row cost more CPU than the query (bench/README.md).
ROW_COLUMNS = tuple(WorkOrder.__table__.c[name] for name in WorkOrderOut.model_fields)


@lru_cache(maxsize=256)
def _page_statement(shape: tuple) -> Select:
    """One page of rows of a shape, each with the total count (a scalar subquery that PostgreSQL
    runs once beside the page: one round trip instead of two)."""
    stmt = _filtered(shape)
    total = stmt.with_only_columns(func.count()).order_by(None).scalar_subquery().correlate(None)
    return (stmt.with_only_columns(*ROW_COLUMNS, total.label("_total"))
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


def list_answer_depends_on_rows_only(query: WorkOrderQuery) -> bool:
    """Whether a list's answer changes only when work orders are written, so that the cache
    (portal/platform/cache.py) may keep it until the next write: an overdue filter changes with the clock."""
    return query.overdue is None


def list_work_order_rows(actor: Actor, query: WorkOrderQuery) -> Page:
    """The page of list_work_orders() as read-only rows (mappings by attribute name, the columns
    of ROW_COLUMNS), and its total, in one statement."""
    require(actor, "work_orders.read")
    shape, values = _shape(query), _filter_values(actor, query)
    rows = db.session.connection().execute(  # Core: no ORM object is loaded, so no ORM execution either
        _page_statement(shape), {**values, "limit": query.limit, "offset": (query.page - 1) * query.limit},
    ).mappings().all()
    if rows:
        count = rows[0]["_total"]
    elif query.page == 1:
        count = 0
    else:  # past the last page: no row carries the total
        count = db.session.scalar(_filtered(shape).with_only_columns(func.count()).order_by(None), values) or 0
    return Page(items=list(rows), total=count, page=query.page, limit=query.limit)


@cache
def _detail_statement() -> Select:
    """The work order LEFT JOINed with its parts and its history (one UNION ALL, ordered as the
    detail lists them), built once: building and hashing this statement per request cost more
    than running it. Plain table columns, so it runs on the connection without the ORM."""
    wo, pc, h = WorkOrder.__table__.c, PartConsumption.__table__.c, WorkOrderHistory.__table__.c
    lines = union_all(
        select(literal_column("0", Integer).label("kind"), pc.work_order_id.label("wo"), pc.id.label("line_id"),
               pc.consumed_at.label("at"), pc.consumed_by.label("who"), pc.part_id.label("what"),
               pc.quantity.label("quantity"), pc.unit_cost.label("unit_cost"), pc.total_cost.label("total_cost"),
               type_coerce(null(), JSON).label("changes")),
        select(literal_column("1", Integer), h.work_order_id, h.id, h.at, h.user_id, h.action,
               null(), null(), null(), h.changes),
    ).subquery()
    return (
        select(*ROW_COLUMNS, *(c for c in lines.c if c.name != "wo"))
        .outerjoin(lines, lines.c.wo == wo.id)
        .where(wo.id == bindparam("work_order_id"), wo.warehouse_id == bindparam("warehouse_id"))
        .order_by(lines.c.kind, lines.c.at, lines.c.line_id)
    )


def work_order_detail_rows(actor: Actor, work_order_id: str) -> dict:
    """work_order_detail() as read-only rows, in one statement (one round trip instead of three).
    Parts are mappings with PartConsumption's attribute names, history rows with WorkOrderHistory's."""
    require(actor, "work_orders.read")
    if not work_order_id or "\x00" in work_order_id:  # PostgreSQL refuses a NUL: simply not found
        raise NotFound("Work order not found")
    rows = db.session.connection().execute(
        _detail_statement(), {"work_order_id": str(work_order_id), "warehouse_id": actor.warehouse_id},
    ).mappings().all()
    if not rows:
        raise NotFound("Work order not found")
    parts = [{"id": r["line_id"], "part_id": r["what"], "quantity": r["quantity"], "unit_cost": r["unit_cost"],
              "total_cost": r["total_cost"], "consumed_by": r["who"], "consumed_at": r["at"]}
             for r in rows if r["kind"] == 0]
    history = [{"action": r["what"], "user_id": r["who"], "at": r["at"], "changes": r["changes"]}
               for r in rows if r["kind"] == 1]
    cost = sum((p["total_cost"] for p in parts), Decimal("0.00"))
    return {"work_order": rows[0], "parts": parts, "parts_cost": cost, "history": history}


def get_work_order(actor: Actor, work_order_id: str) -> WorkOrder:
    require(actor, "work_orders.read")
    return get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order")


def parts_on_work_order(work_order_id: str) -> tuple[list[PartConsumption], Decimal]:
    rows = list(db.session.scalars(
        select(PartConsumption).where(PartConsumption.work_order_id == work_order_id)
        .order_by(PartConsumption.consumed_at, PartConsumption.id)
    ))
    return rows, sum((r.total_cost for r in rows), Decimal("0.00"))


def work_order_detail(actor: Actor, work_order_id: str) -> dict:
    """The work order with its parts, parts cost and change history."""
    wo = get_work_order(actor, work_order_id)
    parts, cost = parts_on_work_order(wo.id)
    history = list(db.session.scalars(
        select(WorkOrderHistory).where(WorkOrderHistory.work_order_id == wo.id)
        .order_by(WorkOrderHistory.at, WorkOrderHistory.id)
    ))
    return {"work_order": wo, "parts": parts, "parts_cost": cost, "history": history}


def _history(wo: WorkOrder, actor: Actor, action: str, changes: dict, now: datetime) -> None:
    db.session.add(WorkOrderHistory(work_order_id=wo.id, user_id=actor.id, action=action, changes=changes, at=now))


def create_work_order(actor: Actor, data: WorkOrderCreate, *, now: datetime | None = None, **extra: Any) -> WorkOrder:
    """Create a work order; `extra` carries model fields set by other services (PM links)."""
    require(actor, "work_orders.create")
    now = now or utcnow()
    if data.assigned_to is not None and not can(actor, "work_orders.assign"):
        raise field_error("assignedTo", f"A {actor.role} cannot assign work orders", Forbidden)
    if data.equipment_down and (data.equipment_id is None or data.type not in ("corrective", "emergency")):
        raise field_error("equipmentDown", "Only a corrective or emergency work order with equipmentId can mark "
                                           "its equipment down")
    with unit_of_work() as s:
        _check_equipment(actor, data.equipment_id)
        _check_assignee(actor, data.assigned_to)
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
            requested_by=actor.id,
            due_date=data.due_date,
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


def update_work_order(actor: Actor, work_order_id: str, data: WorkOrderUpdate, *, now: datetime | None = None) -> WorkOrder:
    now = now or utcnow()
    values = given_fields(data, ("title", "status", "priority", "type"))
    # Why it waits: not a column, recorded in the history and the event's changes with the status.
    hold_reason = values.pop("hold_reason", None)
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        return _update_locked(actor, wo, values, hold_reason, now)


def bulk_assign(actor: Actor, work_order_ids: list[str], assignee_id: str | None, *,
                now: datetime | None = None) -> list[WorkOrder]:
    """Assign (or, with None, unassign) many work orders in ONE transaction, all or nothing.

    Every id is looked up first: one that is not in the actor's warehouse answers 404 for the
    lot and nothing is written. Then each work order goes through the same path as
    `update_work_order(actor, id, WorkOrderUpdate(assignedTo=...))`, so the history rows and the
    work_order.updated events (and their webhooks) are exactly those of assigning them one by one;
    any refusal (a completed work order, an assignee who cannot take work) rolls back all of them.
    """
    now = now or utcnow()
    require(actor, "work_orders.assign")
    ids = list(dict.fromkeys(str(i) for i in work_order_ids))  # a repeated id is assigned once
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
        _check_assignee(actor, assignee_id)
        updated = []
        for n, wo_id in enumerate(ids):
            try:
                updated.append(_update_locked(actor, found[wo_id], {"assigned_to": assignee_id}, None, now,
                                              assignee_checked=True))
            except DomainError as exc:  # say which one refused; the whole lot rolls back
                raise type(exc)(f"{found[wo_id].fo_number}: {exc.message}", [
                    {"field": f"ids[{n}]", "message": e["message"]} for e in exc.errors]
                    or [{"field": f"ids[{n}]", "message": exc.message}]) from None
        return updated


def _update_locked(actor: Actor, wo: WorkOrder, values: dict[str, Any], hold_reason: str | None,
                   now: datetime, *, assignee_checked: bool = False) -> WorkOrder:
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
    elif wo.status in ("completed", "cancelled") and set(values) - {"completion_notes"}:
        raise Conflict(f"A {wo.status} work order can no longer change", [])
    if (actor.role == "technician" and wo.assigned_to is None and "assigned_to" not in values
            and values.get("status") in SELF_ASSIGNING_STATUSES):
        values["assigned_to"] = actor.id  # whoever starts or completes it does the work (in the history)
    if values.get("status") == "new" and "assigned_to" not in values and wo.assigned_to:
        values["assigned_to"] = None  # back to the unassigned pool
    if hold_reason is not None and values.get("status") != "on_hold":
        raise field_error("holdReason", "Give a hold reason only when putting the work order on hold")
    completing = values.get("status") == "completed"
    if completing:
        # Other domains may refuse (the checklist gate): before anything of the change is applied.
        work_order_completing.send(wo, actor=actor, now=now)
    changes = apply_changes(wo, values)
    if not changes:
        return wo
    if hold_reason is not None:
        changes["holdReason"] = {"from": None, "to": hold_reason}
    if "dueDate" in changes:
        wo.overdue_notified_at = None  # a rescheduled PM may go overdue (and be announced) again
    if completing:
        wo.completed_at = now
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
    if completing:
        record_event(
            "work_order.completed", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrder": WorkOrderOut.dump(wo), "completedBy": actor.id,
                     "metrics": completion_metrics(wo), "timestamp": iso(now)},
            actor=actor, now=now,
        )
        work_order_completed.send(wo, actor=actor, now=now)  # the asset back up, the PM schedule (wiring.py)
    return wo


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
    if wo.status == "cancelled":
        raise field_error("workOrderId", "Parts cannot be consumed on a cancelled work order", Conflict)

