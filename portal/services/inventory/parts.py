"""Parts and stock: all-or-nothing consumption that never drives stock below zero."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, case, func, select, update

from portal.models import Part, PartConsumption, ReorderReceipt, ReorderRequest, StockMovement, WorkOrder
from portal.models.inventory import MONEY
from portal.models.types import utcnow
from portal.platform.cache import cached
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.schemas.parts import (
    PartCreate,
    PartOut,
    PartQuery,
    PartUpdate,
    ReorderReceiptCreate,
    StockMovementCreate,
)
from portal.schemas.work_orders import ConsumeParts, PartUsageOut
from portal.services.common.actor import Actor
from portal.services.common.changes import apply_changes, given_fields
from portal.services.common.errors import Conflict, Forbidden, ValidationFailed, field_error
from portal.services.common.events import record_event
from portal.services.common.isolation import each_isolated
from portal.services.common.querying import Page, SyncPage, like_pattern, paginate, sync_filters, sync_page, text_filter
from portal.services.common.tenancy import assert_unique_in_warehouse, get_in_warehouse, unique_violation_as_conflict
from portal.services.identity.permissions import require
from portal.services.work_orders.lifecycle import parts_on_work_order, require_open_for_parts

# Largest amount + 0.01 that a money column (Numeric(12, 2)) holds.
MONEY_LIMIT = Decimal(10) ** (MONEY.precision - MONEY.scale)
NOT_NULL = ("part_number", "stock_level", "reorder_point", "unit_cost", "auto_reorder")


def _assert_number_free(actor: Actor, part_number: str, except_id: str | None = None) -> None:
    assert_unique_in_warehouse(Part.part_number, part_number, actor, field="partNumber",
                               message=f"Part number {part_number} already exists", except_id=except_id)


def _number_guard(part_number: str):
    """Around a flush: a concurrent insert of the same part number that won the race is the same 409."""
    return unique_violation_as_conflict(Part.part_number, field="partNumber",
                                        message=f"Part number {part_number} already exists")


def list_parts(actor: Actor, query: PartQuery) -> Page:
    return paginate(parts_select(actor, query), query.page, query.limit, exact=query.exact_count,
                    search=bool(query.q))


def sync_parts(actor: Actor, query: PartQuery) -> SyncPage:
    """A sync read of the list (query.cursor set): parts after the cursor, oldest change first."""
    return sync_page(parts_select(actor, query), Part, query, search=bool(query.q))


def parts_select(actor: Actor, query: PartQuery) -> Select:
    """The list's filtered, ordered query (no paging): the list pages it, the CSV export streams it."""
    require(actor, "parts.read")
    stmt = select(Part).where(Part.warehouse_id == actor.warehouse_id)
    if query.category:
        stmt = stmt.where(Part.category == query.category)
    if query.low_stock is True:
        stmt = stmt.where(Part.stock_level <= Part.reorder_point)
    elif query.low_stock is False:
        stmt = stmt.where(Part.stock_level > Part.reorder_point)
    if query.q:
        stmt = stmt.where(text_filter(query.q, Part.part_number, Part.description, Part.supplier))
    stmt = sync_filters(stmt, Part, query)
    return stmt.order_by(Part.part_number, Part.id)


@dataclass(frozen=True)
class PartChoice:
    """One option of the work page's part picker: the part, and what its stock means for the
    quantity asked, said before the pick."""

    part: Part
    wanted: int

    @property
    def in_stock(self) -> bool:
        return self.part.stock_level > 0

    @property
    def short(self) -> bool:
        """Some on the shelf, but fewer than asked: pickable for what there is, requestable for the rest."""
        return 0 < self.part.stock_level < self.wanted

    @property
    def missing(self) -> int:
        """How many to ask the storeroom for: all of them when none are in stock, else the shortfall."""
        return max(self.wanted - self.part.stock_level, 0) if self.in_stock else self.wanted

    @property
    def stock_note(self) -> str:
        if not self.in_stock:
            return "Out of stock"
        if self.short:
            return f"Only {self.part.stock_level} in stock"
        return f"{self.part.stock_level} in stock"


def pick_parts(actor: Actor, q: str | None, wanted: int = 1, limit: int = 12) -> list[PartChoice]:
    """The part picker's options for text `q` and the quantity asked: parts in stock first, then the
    out-of-stock ones (which can be requested, not taken); within each group the best match first
    (part number equal to q, starting with it, containing it, then a match in the description or
    supplier only), then by part number. One query."""
    require(actor, "parts.read")
    wanted = max(int(wanted or 1), 1)
    stmt = select(Part).where(Part.warehouse_id == actor.warehouse_id)
    order: list = [case((Part.stock_level > 0, 0), else_=1)]
    if q:
        stmt = stmt.where(text_filter(q, Part.part_number, Part.description, Part.supplier))
        number = func.lower(Part.part_number)
        needle = q.lower()
        order.append(case((number == needle, 0),
                          (number.like(like_pattern(q).lower()[1:], escape="\\"), 1),
                          (number.like(like_pattern(q).lower(), escape="\\"), 2),
                          else_=3))
    order += [Part.part_number, Part.id]
    return [PartChoice(p, wanted) for p in db.session.scalars(stmt.order_by(*order).limit(limit))]


def picker_catalogue(actor: Actor) -> list[Part]:
    """Every part of the warehouse in the picker's order without a search (in stock first, then by
    part number): what a technician's device keeps so the picker works without a network. No cap:
    a few hundred bytes a part (bench/offline.py)."""
    require(actor, "parts.read")
    stmt = select(Part).where(Part.warehouse_id == actor.warehouse_id)
    return list(db.session.scalars(stmt.order_by(case((Part.stock_level > 0, 0), else_=1), Part.part_number, Part.id)))


def get_part(actor: Actor, part_id: str) -> Part:
    require(actor, "parts.read")
    return get_in_warehouse(Part, part_id, actor, what="Part")


def part_answer(actor: Actor, part_id: str) -> dict:
    """GET /api/parts/{id} as the API writes it, kept in the read cache (portal/platform/cache.py)
    until the warehouse's next write of a part, consumption or stock movement. The permission
    first: a kept answer never skips it. Keyed by the reader's warehouse, so another warehouse's
    id misses and answers 404 as without the cache."""
    require(actor, "parts.read")
    return cached("part", actor.warehouse_id, (part_id,),
                  lambda: PartOut.dump(get_in_warehouse(Part, part_id, actor, what="Part")))


def stock_changed(part: Part, old_level: int, actor: Actor | None, now: datetime) -> None:
    """Announce a crossing to or below the reorder point once per dip; re-arm when restocked above.

    Runs inside the caller's transaction, after the stock row was updated.
    """
    if part.stock_level > part.reorder_point:
        part.low_stock_alerted = False
        return
    if part.low_stock_alerted:
        return
    part.low_stock_alerted = True
    body = PartOut.dump(part)
    record_event(
        "inventory.low_stock", entity="part", entity_id=part.id, warehouse_id=part.warehouse_id,
        payload={"part": body, "previousStockLevel": old_level, "stockLevel": part.stock_level,
                 "reorderPoint": part.reorder_point, "timestamp": iso(now)},
        actor=actor, now=now,
    )
    if part.auto_reorder and part.reorder_quantity:
        request = ReorderRequest(warehouse_id=part.warehouse_id, part_id=part.id,
                                 quantity=part.reorder_quantity, created_at=now)
        db.session.add(request)
        db.session.flush()
        record_event(
            "inventory.reorder", entity="part", entity_id=part.id, warehouse_id=part.warehouse_id,
            payload={"part": body, "reorderRequestId": request.id, "quantity": request.quantity,
                     "supplier": part.supplier, "timestamp": iso(now)},
            actor=actor, now=now,
        )


def create_part(actor: Actor, data: PartCreate, *, now: datetime | None = None) -> Part:
    require(actor, "parts.write")
    now = now or utcnow()
    with unit_of_work() as s:
        _assert_number_free(actor, data.part_number)
        part = Part(warehouse_id=actor.warehouse_id, created_at=now, updated_at=now, **data.model_dump())
        # A part created at or below its reorder point is announced by the low-stock job
        # (alert_unannounced_low_stock), which finds it with low_stock_alerted still false.
        part.low_stock_alerted = False
        s.add(part)
        with _number_guard(part.part_number):
            s.flush()
        if part.stock_level:
            # The ledger starts with the level the part was created with, so it sums to the level.
            s.add(StockMovement(warehouse_id=part.warehouse_id, part_id=part.id, kind="initial",
                                quantity=part.stock_level, level_after=part.stock_level,
                                user_id=actor.id, created_at=now))
            s.flush()
        return part


def update_part(actor: Actor, part_id: str, data: PartUpdate, *, now: datetime | None = None) -> Part:
    require(actor, "parts.write")
    if "stock_level" in data.model_fields_set:
        # An absolute level written over a concurrent consumption loses it (issue 7, item 9).
        raise field_error("stockLevel", f"Stock changes through POST /api/parts/{part_id}/stock-movements "
                                        "(receipt, adjustment or count)")
    now = now or utcnow()
    values = given_fields(data, NOT_NULL)
    with unit_of_work():
        part = get_in_warehouse(Part, part_id, actor, what="Part", lock=True)
        if "part_number" in values and values["part_number"] != part.part_number:
            _assert_number_free(actor, values["part_number"], except_id=part.id)
        old_level = part.stock_level
        with _number_guard(values.get("part_number", part.part_number)):
            changes = apply_changes(part, values)
            if changes:
                part.updated_at = now
                if "reorderPoint" in changes:
                    stock_changed(part, old_level, actor, now)
            db.session.flush()
        return part


def alert_unannounced_low_stock(now: datetime | None = None) -> dict:
    """Periodic job: parts at or below their reorder point whose alert was never emitted
    (created low, or changed outside the services) get it now, one transaction per part."""
    now = now or utcnow()
    ids = list(db.session.execute(
        select(Part.id, Part.warehouse_id)
        .where(Part.stock_level <= Part.reorder_point, Part.low_stock_alerted.is_(False))
        .order_by(Part.warehouse_id, Part.part_number)
    ))
    db.session.rollback()
    summary = {"checked": len(ids), "alerted": 0, "failed": 0}

    def alert(row: tuple[str, str]) -> None:
        part_id, warehouse_id = row
        alerted = False
        with unit_of_work():
            part = get_in_warehouse(Part, part_id, Actor.system(warehouse_id), what="Part", lock=True)
            if part.stock_level <= part.reorder_point and not part.low_stock_alerted:
                stock_changed(part, part.stock_level, None, now)
                alerted = True
        summary["alerted"] += alerted  # counted once committed

    each_isolated("low-stock", ids, alert, summary, describe=lambda row: f"part {row[0]}")
    return summary


def list_reorder_requests(actor: Actor, page: int = 1, limit: int = 100, status: str | None = None) -> Page:
    require(actor, "parts.read")
    stmt = select(ReorderRequest).where(ReorderRequest.warehouse_id == actor.warehouse_id)
    if status:
        stmt = stmt.where(ReorderRequest.status == status)
    return paginate(stmt.order_by(ReorderRequest.created_at.desc(), ReorderRequest.id), page, limit)


def get_reorder_request(actor: Actor, request_id: str) -> ReorderRequest:
    require(actor, "parts.read")
    return get_in_warehouse(ReorderRequest, request_id, actor, what="Reorder request")


def mark_reorder_ordered(actor: Actor, request_id: str, *, now: datetime | None = None) -> ReorderRequest:
    """open -> ordered: the purchase was placed. Placing orders is the manager's call (parts.write)."""
    require(actor, "parts.write")
    now = now or utcnow()
    with unit_of_work():
        request = get_in_warehouse(ReorderRequest, request_id, actor, what="Reorder request", lock=True)
        if request.status != "open":
            raise Conflict(f"This reorder request is already {request.status}",
                           [{"field": "status", "message": f"Only an open request can be marked ordered "
                                                           f"(it is {request.status})"}])
        request.status, request.ordered_at, request.ordered_by = "ordered", now, actor.id
        return request


def mark_reorder_received(actor: Actor, request_id: str, note: str | None = None, *,
                          now: datetime | None = None) -> ReorderRequest:
    """open or ordered -> received: books in what remains on the request (all of it when nothing
    was received yet) as one receipt, and closes it, in one transaction (receive_against_request).

    The request's row is locked first, so two people receiving the same delivery at once get one
    receipt and one 409, never two receipts.
    """
    receipt = receive_against_request(actor, request_id, ReorderReceiptCreate.model_validate({"note": note}),
                                      now=now)
    return receipt.reorder_request


def receive_against_request(actor: Actor, request_id: str, data: ReorderReceiptCreate, *,
                            now: datetime | None = None) -> ReorderReceipt:
    """Goods arrived for a reorder request: a receipt movement of `data.quantity` (what remains when
    omitted) applied to the request; the request closes (received) when nothing remains.
    A quantity beyond what remains needs `data.more_than_ordered` (409 otherwise); a closed
    request answers 409. See record_stock_movement for the locks."""
    require(actor, "parts.receive")
    with unit_of_work():
        request = get_in_warehouse(ReorderRequest, request_id, actor, what="Reorder request", lock=True)
        _check_receivable(request, data.quantity or 1, data.more_than_ordered)
        quantity = data.quantity or request.remaining_quantity
        movement = record_stock_movement(
            actor, request.part_id,
            StockMovementCreate.model_validate({
                "type": "receipt", "quantity": quantity, "reorderRequestId": request.id,
                "moreThanOrdered": data.more_than_ordered,
                "note": data.note or f"Reorder request received ({quantity})"}),
            now=now)
        return db.session.scalars(select(ReorderReceipt).where(ReorderReceipt.stock_movement_id == movement.id)).one()


def _check_receivable(request: ReorderRequest, quantity: int, more_than_ordered: bool) -> None:
    """The same goods are never received twice against a request: a closed one takes no more, and
    a quantity beyond what remains is refused unless the receiver confirmed it (the supplier sent
    more than was ordered). The caller holds the request's row lock."""
    if request.status == "received":
        raise Conflict("This reorder request was already received",
                       [{"field": "status", "message": "Already received: its stock was booked in"}])
    remaining = request.remaining_quantity
    if quantity > remaining and not more_than_ordered:
        raise Conflict("More than ordered", [{"field": "quantity", "message": (
            f"Only {remaining} of {request.quantity} remain on this reorder request: confirm that "
            f"{quantity} arrived (moreThanOrdered) to book more than ordered")}])


def _apply_receipt(actor: Actor, request: ReorderRequest, movement: StockMovement, more_than_ordered: bool,
                   part: Part, now: datetime) -> ReorderReceipt:
    """Record the receipt against the request (locked by the caller) and close it when complete."""
    receipt = ReorderReceipt(warehouse_id=request.warehouse_id, reorder_request=request,
                             stock_movement_id=movement.id, quantity=movement.quantity,
                             more_than_ordered=movement.quantity > request.remaining_quantity and more_than_ordered,
                             received_by=actor.id, created_at=now)
    db.session.add(receipt)
    request.received_quantity = (request.received_quantity or 0) + movement.quantity
    closed = request.received_quantity >= request.quantity
    if closed:
        request.status, request.received_at, request.received_by = "received", now, actor.id
        request.stock_movement_id = movement.id
    db.session.flush()
    record_event(
        "reorder_request.received", entity="reorder_request", entity_id=request.id,
        warehouse_id=request.warehouse_id, actor=actor, now=now,
        payload={"part": PartOut.dump(part), "reorderRequestId": request.id, "receiptId": receipt.id,
                 "stockMovementId": movement.id, "workOrderId": request.work_order_id,
                 "quantity": movement.quantity, "orderedQuantity": request.quantity,
                 "receivedQuantity": request.received_quantity, "remainingQuantity": request.remaining_quantity,
                 "moreThanOrdered": receipt.more_than_ordered, "closed": closed, "status": request.status,
                 "receivedBy": actor.id, "timestamp": iso(now)},
    )
    return receipt


def open_requests_of_part(actor: Actor, part_id: str) -> list[ReorderRequest]:
    """The part's reorder requests still waiting for goods (open or ordered), oldest first: the part
    page offers to apply a receipt to one of them."""
    require(actor, "parts.read")
    return list(db.session.scalars(
        select(ReorderRequest).where(ReorderRequest.warehouse_id == actor.warehouse_id,
                                     ReorderRequest.part_id == part_id,
                                     ReorderRequest.status.in_(("open", "ordered")))
        .order_by(ReorderRequest.created_at, ReorderRequest.id)))


def list_receipts(actor: Actor, request_id: str) -> list[ReorderReceipt]:
    """The receipts booked against a reorder request, oldest first (another warehouse's: 404)."""
    request = get_reorder_request(actor, request_id)
    return list(db.session.scalars(select(ReorderReceipt).where(ReorderReceipt.reorder_request_id == request.id)
                                   .order_by(ReorderReceipt.created_at, ReorderReceipt.id)))


def applied_requests(movement_ids: list[str]) -> dict[str, str]:
    """movement id -> the reorder request its receipt was applied to, in one query (the ledger)."""
    if not movement_ids:
        return {}
    return dict(db.session.execute(select(ReorderReceipt.stock_movement_id, ReorderReceipt.reorder_request_id)
                                   .where(ReorderReceipt.stock_movement_id.in_(movement_ids))).all())


def consume_parts(actor: Actor, data: ConsumeParts, *, now: datetime | None = None) -> dict:
    """Take parts out of stock for a work order: every line or none.

    Each line is one conditional UPDATE (stock >= quantity), so two requests racing for the last
    units cannot both win, on PostgreSQL as on SQLite. Shortages are collected for all lines
    before the transaction is rolled back, so the 409 names every short part.
    """
    require(actor, "parts.consume")
    now = now or utcnow()
    # Stock is taken per part (the quantities of its lines added); each line stays its own usage
    # record and movement at its own unit cost, so a second line of the same part keeps its price.
    wanted: OrderedDict[str, dict] = OrderedDict()
    for index, line in enumerate(data.parts_usage):
        entry = wanted.setdefault(line.part_id, {"quantity": 0, "index": index})
        entry["quantity"] += line.quantity_used
    with unit_of_work() as s:
        wo = get_in_warehouse(WorkOrder, data.work_order_id, actor, what="Work order")
        if actor.role == "technician" and wo.assigned_to != actor.id:
            raise Forbidden("Technicians may only consume parts on work orders assigned to them")
        require_open_for_parts(wo)
        parts = {p.id: p for p in s.scalars(
            select(Part).where(Part.id.in_(list(wanted)), Part.warehouse_id == actor.warehouse_id)
        )}
        missing = [{"field": f"partsUsage[{w['index']}].partId", "message": "Part not found"}
                   for pid, w in wanted.items() if pid not in parts]
        if missing:
            raise ValidationFailed("Unknown parts", missing)
        # A line's total must fit the money column (Numeric(12, 2)); PostgreSQL would refuse it late.
        too_dear = [{"field": f"partsUsage[{index}].quantityUsed",
                     "message": f"Line total may not exceed {MONEY_LIMIT - Decimal('0.01')}"}
                    for index, line in enumerate(data.parts_usage)
                    if (line.unit_cost if line.unit_cost is not None else parts[line.part_id].unit_cost)
                    * line.quantity_used >= MONEY_LIMIT]
        if too_dear:
            raise ValidationFailed("Validation failed", too_dear)
        shortages = []
        # Rows are locked in id order, whatever order the request lists them in: two requests
        # naming the same parts the other way round would otherwise deadlock on PostgreSQL.
        for part_id in sorted(wanted):
            want = wanted[part_id]
            # RETURNING the whole row refreshes the loaded Part with what the row holds now, under
            # its lock (a concurrent request may have changed low_stock_alerted since our SELECT).
            updated = s.execute(
                update(Part)
                # warehouse_id in the WHERE also tells the cache (portal/platform/cache.py) whose answers to drop.
                .where(Part.id == part_id, Part.warehouse_id == actor.warehouse_id,
                       Part.stock_level >= want["quantity"])
                .values(stock_level=Part.stock_level - want["quantity"], updated_at=now)
                .returning(Part)
                .execution_options(synchronize_session=False, populate_existing=True)
            ).scalar_one_or_none()
            if updated is None:
                part = parts[part_id]
                s.refresh(part)
                shortages.append((want["index"], {
                    "field": f"partsUsage[{want['index']}].quantityUsed",
                    "message": f"{part.part_number}: {part.stock_level} in stock, {want['quantity']} requested",
                }))
        if shortages:
            raise Conflict("Insufficient stock", [error for _, error in sorted(shortages, key=lambda e: e[0])])
        consumptions = []
        # Levels before this request, per part: the conditional UPDATE above took the whole quantity.
        level = {pid: parts[pid].stock_level + w["quantity"] for pid, w in wanted.items()}
        for line in data.parts_usage:  # the request's order
            part = parts[line.part_id]
            unit_cost = Decimal(line.unit_cost if line.unit_cost is not None else part.unit_cost)
            row = PartConsumption(
                warehouse_id=actor.warehouse_id, work_order_id=wo.id, part_id=part.id,
                quantity=line.quantity_used, unit_cost=unit_cost,
                total_cost=(unit_cost * line.quantity_used).quantize(Decimal("0.01")),
                consumed_by=actor.id, consumed_at=now,
            )
            s.add(row)
            consumptions.append(row)
            level[part.id] -= line.quantity_used
            s.add(StockMovement(warehouse_id=actor.warehouse_id, part_id=part.id, kind="consumption",
                                quantity=-line.quantity_used, level_after=level[part.id],
                                work_order_id=wo.id, user_id=actor.id, created_at=now))
        for part_id, want in wanted.items():
            stock_changed(parts[part_id], parts[part_id].stock_level + want["quantity"], actor, now)
        total = sum((c.total_cost for c in consumptions), Decimal("0.00"))
        # The work order's running total moves with it (list rows and exports read it), and so
        # does its updatedAt: a sync reads the new partsCost.
        # warehouse_id in the WHERE tells the cache (portal/platform/cache.py) whose answers to drop.
        s.execute(update(WorkOrder).where(WorkOrder.id == wo.id, WorkOrder.warehouse_id == wo.warehouse_id)
                  .values(parts_cost=WorkOrder.parts_cost + total, updated_at=now)
                  .execution_options(synchronize_session=False))
        s.flush()
        s.expire(wo, ["parts_cost", "updated_at"])
        _, parts_cost = parts_on_work_order(wo.id)
        lines = PartUsageOut.dump_many(consumptions)
        record_event(
            "parts.consumed", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrderId": wo.id, "foNumber": wo.fo_number, "partsUsage": [
                dict(line, partNumber=parts[line["partId"]].part_number,
                     stockLevel=parts[line["partId"]].stock_level) for line in lines],
                     "totalCost": f"{total:.2f}", "consumedBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
        return {"work_order_id": wo.id, "consumptions": consumptions, "total_cost": total, "parts_cost": parts_cost}



def record_stock_movement(actor: Actor, part_id: str, data: StockMovementCreate, *,
                          now: datetime | None = None) -> StockMovement:
    """Receive, adjust or count a part's stock, as one relative change under the part's row lock.

    The row is locked first (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite), so a count's
    difference is computed from the level no concurrent consumption can change before our UPDATE;
    the UPDATE itself is relative and conditional, so stock can never go below zero.

    A receipt with `reorder_request_id` is applied to that request in the same transaction. The
    request's row is locked before the part's (as receive_against_request does), so two receipts
    against one request at once are counted one after the other: the second sees what the first
    left remaining, and neither closes nor over-books it unseen.
    """
    require(actor, "parts.receive" if data.type == "receipt" else "parts.write")
    if data.reorder_request_id is not None and data.type != "receipt":
        raise field_error("reorderRequestId", "Only a receipt can be applied to a reorder request")
    if data.type == "receipt" and data.quantity <= 0:
        raise field_error("quantity", "A receipt's quantity must be greater than 0")
    if data.type == "adjustment" and data.quantity == 0:
        raise field_error("quantity", "An adjustment's quantity may not be 0")
    if data.type == "count" and data.quantity < 0:
        raise field_error("quantity", "A counted level may not be negative")
    now = now or utcnow()
    with unit_of_work() as s:
        request = None
        if data.reorder_request_id is not None:
            request = s.scalars(select(ReorderRequest).where(
                ReorderRequest.id == data.reorder_request_id, ReorderRequest.warehouse_id == actor.warehouse_id,
                ReorderRequest.part_id == part_id).with_for_update()).first()
            if request is None:
                raise field_error("reorderRequestId", "Reorder request not found for this part")
            _check_receivable(request, data.quantity, data.more_than_ordered)
        part = get_in_warehouse(Part, part_id, actor, what="Part", lock=True)
        old_level = part.stock_level
        delta = data.quantity - old_level if data.type == "count" else data.quantity
        if old_level + delta > 1_000_000_000:
            raise field_error("quantity", "The stock level may not exceed 1000000000")
        updated = s.execute(
            update(Part)
            .where(Part.id == part.id, Part.warehouse_id == part.warehouse_id, Part.stock_level + delta >= 0)
            .values(stock_level=Part.stock_level + delta, updated_at=now)
            .returning(Part)
            .execution_options(synchronize_session=False, populate_existing=True)
        ).scalar_one_or_none()
        if updated is None:
            raise Conflict("Insufficient stock", [{"field": "quantity", "message":
                           f"{part.part_number}: {old_level} in stock, adjustment of {delta} refused"}])
        movement = StockMovement(warehouse_id=part.warehouse_id, part_id=part.id, kind=data.type,
                                 quantity=delta, level_after=updated.stock_level, note=data.note,
                                 user_id=actor.id, created_at=now)
        s.add(movement)
        stock_changed(updated, updated.stock_level - delta, actor, now)
        s.flush()
        if request is not None:
            _apply_receipt(actor, request, movement, data.more_than_ordered, updated, now)
        return movement


def list_stock_movements(actor: Actor, part_id: str, page: int = 1, limit: int = 100) -> Page:
    """The part's ledger, newest first."""
    require(actor, "parts.read")
    part = get_in_warehouse(Part, part_id, actor, what="Part")
    stmt = (select(StockMovement).where(StockMovement.part_id == part.id)
            .order_by(StockMovement.created_at.desc(), StockMovement.id))
    return paginate(stmt, page, limit)


def part_categories(actor: Actor) -> list[str]:
    """The categories in use in the actor's warehouse, for the list's filter."""
    require(actor, "parts.read")
    return list(db.session.scalars(
        select(Part.category).where(Part.warehouse_id == actor.warehouse_id, Part.category.is_not(None))
        .distinct().order_by(Part.category)))


def parts_by_id(actor: Actor, ids: list[str]) -> dict[str, Part]:
    """Parts of the actor's warehouse by id, in one query (a list page names each row's part)."""
    require(actor, "parts.read")
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(
        select(Part).where(Part.id.in_(set(ids)), Part.warehouse_id == actor.warehouse_id))}


def user_names(actor: Actor, ids: list[str | None]) -> dict[str, str]:
    """Who recorded each ledger row, in one query; only users of the actor's warehouse."""
    from portal.models import User

    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.session.execute(select(User.id, User.name, User.email)
                              .where(User.id.in_(wanted), User.warehouse_id == actor.warehouse_id))
    return {uid: name or email for uid, name, email in rows}
