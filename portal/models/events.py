from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

# The contract's "Webhook Events" table.
EVENT_TYPES = (
    "work_order.created",
    "work_order.updated",
    "work_order.completed",
    "work_order.escalated",
    "equipment.created",
    "equipment.updated",
    "equipment.status_changed",
    "inventory.low_stock",
    "inventory.reorder",
    "parts.consumed",
    "pm.scheduled",
    "pm.overdue",
    "pm.completed",
    # Added to the contract's table (docs/integrating.md): a part asked for from a work order.
    "parts.requested",
    "checklist.item_flagged",
    "work_order.follow_up_created",
    # Added after the contract's table (docs/integrating.md, "Events beyond the contract").
    "work_order.signed",
    # Goods booked in against a reorder request (partial or closing it).
    "reorder_request.received",
    # The requests inbox (services/work_orders/requests.py; docs/integrating.md).
    "request.created",
    "request.approved",
    "request.merged",
    "request.declined",
    "work_order.commented",
    # ISO 14224 failure codes set or changed on a work order (docs/integrating.md).
    "work_order.failure_coded",
    # The weekly plan was frozen (docs/integrating.md).
    "schedule.frozen",
)


class DomainEvent(db.Model):
    """A business event, written in the same transaction as the change it describes."""

    __tablename__ = "domain_events"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    event: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
