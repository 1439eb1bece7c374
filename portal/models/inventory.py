from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.search import trigram_index
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

MONEY = Numeric(12, 2)


class Part(db.Model):
    __tablename__ = "parts"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "part_number"),
        # The last line of defence: consumption can never drive stock below zero.
        CheckConstraint("stock_level >= 0", name="stock_not_negative"),
        # Sync reads (cursor paging) in (updated_at, id) order per warehouse (migration 0016).
        Index("ix_parts_warehouse_id_updated_at_id", "warehouse_id", "updated_at", "id"),
    )
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    part_number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(120), index=True)
    stock_level: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    reorder_quantity: Mapped[int | None] = mapped_column(Integer)
    auto_reorder: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    supplier: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(120))
    # True once inventory.low_stock was emitted for the current dip; cleared when restocked above.
    low_stock_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The `q=` search's trigram index (PostgreSQL only; portal/models/search.py, migration 0026).
trigram_index(Part.__table__, "part_number", "description", "supplier")


class PartConsumption(db.Model):
    """Parts used on a work order, at the unit cost of the moment."""

    __tablename__ = "part_consumptions"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # The asset of its work order, kept with it (services/reporting/asset_costs.py).
    equipment_id: Mapped[str | None] = mapped_column(ForeignKey("equipment.id"))
    part_id: Mapped[str] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal] = mapped_column(MONEY)
    total_cost: Mapped[Decimal] = mapped_column(MONEY)
    consumed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# One open request per part and work order: asking again changes its quantity (a double tap, or two
# phones, never leave two rows for the manager to reconcile).
_OPEN_FOR_WORK_ORDER = "work_order_id IS NOT NULL AND status = 'open'"


class ReorderRequest(db.Model):
    """Created when a part with auto-reorder on crosses its reorder point, or when a technician
    asks for a part a work order needs (work_order_id and requested_by set).

    status: open -> ordered (purchase placed) -> received (closed: the goods booked in, in one
    receipt or several partial ones, each a ReorderReceipt; received_quantity is their sum).
    """

    __tablename__ = "reorder_requests"
    __table_args__ = (
        Index("uq_reorder_requests_open_work_order_part", "work_order_id", "part_id", unique=True,
              sqlite_where=text(_OPEN_FOR_WORK_ORDER), postgresql_where=text(_OPEN_FOR_WORK_ORDER)),
    )
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    part_id: Mapped[str] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ordered_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # The receipt movement that booked the goods in (one per request, written in the same transaction).
    stock_movement_id: Mapped[str | None] = mapped_column(ForeignKey("stock_movements.id"))
    # A request from a work order: which one waits for the part, and who asked.
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # When the quantity last changed (a second request for the same part and work order).
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The sum of its receipts (ReorderReceipt.quantity): the request closes (received) when it
    # reaches quantity; more than quantity only with the receiver's "more than ordered".
    received_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def remaining_quantity(self) -> int:
        """What is still to come: never below 0 (an over-receipt closes the request)."""
        return max(self.quantity - (self.received_quantity or 0), 0)


class ReorderReceipt(db.Model):
    """Goods booked in against a reorder request: one receipt stock movement, applied to one request
    once (the unique stock_movement_id), so the same delivery cannot be received twice against it."""

    __tablename__ = "reorder_receipts"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    reorder_request_id: Mapped[str] = mapped_column(ForeignKey("reorder_requests.id"), index=True)
    stock_movement_id: Mapped[str] = mapped_column(ForeignKey("stock_movements.id"), unique=True)
    quantity: Mapped[int] = mapped_column(Integer)
    # The receiver confirmed a quantity beyond what remained on the request.
    more_than_ordered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    received_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reorder_request: Mapped[ReorderRequest] = relationship(ReorderRequest)


# "initial": the level a part was created with (or had when the ledger began), so the ledger sums
# to the level. "consumption": parts used on a work order. The others come from
# POST /api/parts/{id}/stock-movements.
STOCK_MOVEMENT_TYPES = ("initial", "receipt", "adjustment", "count", "consumption")
MANUAL_MOVEMENT_TYPES = ("receipt", "adjustment", "count")


class StockMovement(db.Model):
    """One change of a part's stock: the ledger of the storeroom."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_part_created", "part_id", "created_at"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    part_id: Mapped[str] = mapped_column(ForeignKey("parts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)  # signed delta
    level_after: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
