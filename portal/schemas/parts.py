from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from portal.schemas.common import MoneyIn, MoneyOut, Out, PageQuery, Payload, SyncQuery, UtcOut, not_null


class PartCreate(Payload):
    part_number: str = Field(min_length=1, max_length=64)
    description: str | None = Field(None, max_length=10000)
    category: str | None = Field(None, max_length=120)
    stock_level: int = Field(0, ge=0, le=1_000_000_000)
    reorder_point: int = Field(0, ge=0, le=1_000_000_000)
    reorder_quantity: int | None = Field(None, gt=0, le=1_000_000_000)
    auto_reorder: bool = False
    unit_cost: MoneyIn = Decimal("0.00")  # a Decimal: defaults are not validated
    supplier: str | None = Field(None, max_length=200)
    location: str | None = Field(None, max_length=120)


class PartUpdate(Payload):
    part_number: str | None = Field(None, min_length=1, max_length=64, json_schema_extra=not_null)
    description: str | None = Field(None, max_length=10000)
    category: str | None = Field(None, max_length=120)
    # Not a field any more: stock changes through POST /api/parts/{id}/stock-movements
    # (a PATCH naming stockLevel answers 400 pointing there, see services/parts.update_part).
    stock_level: int | None = Field(None, ge=0, le=1_000_000_000, json_schema_extra=not_null,
                                    description="Refused (400): use POST /api/parts/{id}/stock-movements.")
    reorder_point: int | None = Field(None, ge=0, le=1_000_000_000, json_schema_extra=not_null)
    reorder_quantity: int | None = Field(None, gt=0, le=1_000_000_000)
    auto_reorder: bool | None = Field(None, json_schema_extra=not_null)
    unit_cost: MoneyIn | None = Field(None, json_schema_extra=not_null)
    supplier: str | None = Field(None, max_length=200)
    location: str | None = Field(None, max_length=120)


class PartQuery(SyncQuery):
    category: str | None = None
    low_stock: bool | None = Field(None, description="true: only parts at or below their reorder point")
    q: str | None = Field(None, max_length=200, description="Text search in partNumber, description, supplier")


class PartOut(Out):
    id: str
    part_number: str
    description: str | None
    category: str | None
    stock_level: int
    reorder_point: int
    unit_cost: MoneyOut
    supplier: str | None
    location: str | None
    warehouse_id: str
    reorder_quantity: int | None
    auto_reorder: bool
    created_at: UtcOut
    updated_at: UtcOut


REORDER_STATUSES = ("open", "ordered", "received")


class ReorderRequestOut(Out):
    id: str
    part_id: str
    quantity: int
    status: str = Field(description="open (raised), ordered (purchase placed), received (closed: its "
                                    "receipts reached quantity)")
    created_at: UtcOut
    warehouse_id: str
    ordered_at: UtcOut | None = None
    ordered_by: str | None = None
    received_at: UtcOut | None = None
    received_by: str | None = None
    stock_movement_id: str | None = Field(None, description="The receipt movement that closed the request "
                                                            "(all its receipts: GET /api/reorder-requests/{id}"
                                                            "/receipts)")
    work_order_id: str | None = Field(None, description="The work order waiting for the part (a part request "
                                                        "from a work order); null for an automatic reorder")
    requested_by: str | None = Field(None, description="Who asked for the part on the work order")
    updated_at: UtcOut | None = Field(None, description="When the quantity last changed (asked again)")
    received_quantity: int = Field(0, description="Booked in so far against this request (partial receipts "
                                                  "add up)")
    remaining_quantity: int = Field(0, description="Still to come: quantity - receivedQuantity, never below 0")


class PartRequestCreate(Payload):
    """Ask for a part a work order needs (out of stock, or not enough): a reorder request the
    manager sees, linked to the work order."""

    part_id: str
    quantity: int = Field(gt=0, le=1_000_000, description="How many the work order needs. Asking again for "
                                                           "the same part while the request is open sets this "
                                                           "quantity on it instead of adding a request.")


class PartRequestQuery(PageQuery):
    status: Literal["open", "ordered", "received"] | None = Field(
        None, description="Only requests in this status (open, ordered or received)")


class ReorderRequestQuery(PageQuery):
    status: Literal["open", "ordered", "received"] | None = Field(
        None, description="Only requests in this status (open, ordered or received)")


class ReorderRequestReceived(Payload):
    note: str | None = Field(None, max_length=2000,
                             description="Written on the receipt movement (delivery note, PO number)")


MORE_THAN_ORDERED = ("Confirms a quantity beyond what remains on the reorder request (the supplier sent "
                     "more); without it such a receipt answers 409 and books nothing")


class ReorderReceiptCreate(Payload):
    """Goods arrived for a reorder request: all that remains, or part of it."""

    quantity: int | None = Field(None, gt=0, le=1_000_000_000,
                                 description="How many arrived; omitted: what remains on the request")
    note: str | None = Field(None, max_length=2000,
                             description="Written on the receipt movement (delivery note, PO number)")
    more_than_ordered: bool = Field(False, description=MORE_THAN_ORDERED)


class ReorderReceiptOut(Out):
    id: str
    reorder_request_id: str
    stock_movement_id: str = Field(description="The receipt movement in the part's ledger")
    quantity: int
    more_than_ordered: bool
    received_by: str | None
    created_at: UtcOut


class ReorderReceiptCreated(ReorderReceiptOut):
    reorder_request: ReorderRequestOut = Field(description="The request after this receipt (closed when "
                                                           "its remainingQuantity is 0: status received)")


class StockMovementCreate(Payload):
    type: Literal["receipt", "adjustment", "count"] = Field(
        description="receipt: goods received (quantity > 0); adjustment: a signed correction (quantity != 0); "
                    "count: a stocktake, quantity is the counted level (>= 0) and the movement records "
                    "the difference from the level at that moment.")
    quantity: int = Field(ge=-1_000_000_000, le=1_000_000_000)
    note: str | None = Field(None, max_length=2000)
    reorder_request_id: str | None = Field(None, description=(
        "receipt only: apply it to this open or ordered reorder request of the same part (reduces what "
        "remains; closes it when nothing remains), in the same transaction"))
    more_than_ordered: bool = Field(False, description="With reorderRequestId: " + MORE_THAN_ORDERED)


class StockMovementOut(Out):
    id: str
    type: str = Field(validation_alias="kind")
    part_id: str
    quantity: int = Field(description="Signed change of the stock level")
    level_after: int = Field(description="The part's stock level right after this movement")
    note: str | None
    work_order_id: str | None
    created_by: str | None = Field(validation_alias="user_id")
    created_at: UtcOut
    reorder_request_id: str | None = Field(None, description="The reorder request this receipt was applied to")
