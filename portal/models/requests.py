"""Work requests: a problem report (or a requester's request) waiting in the manager's inbox when
the warehouse takes them "through the inbox" (Warehouse.request_routing). A manager approves one
(a work order is made from it), merges it into an open work order of the same asset, or declines it
with a reason the reporter reads on their status link."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

REQUEST_STATUSES = ("pending", "approved", "merged", "declined")
# How a warehouse takes problem reports and requesters' requests.
REQUEST_ROUTINGS = ("work_order", "inbox")


@dataclass(frozen=True)
class RequestPhoto:
    filename: str
    content_type: str
    size_bytes: int
    width: int
    height: int


class WorkRequest(db.Model):
    __tablename__ = "work_requests"
    __table_args__ = (
        # The inbox (pending, oldest first) and the nav's pending count, per warehouse.
        Index("ix_work_requests_warehouse_id_status_created_at", "warehouse_id", "status", "created_at"),
    )
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    equipment_id: Mapped[str | None] = mapped_column(ForeignKey("equipment.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # A problem report without an account: who and how to reach them (as on WorkOrder).
    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_contact: Mapped[str | None] = mapped_column(String(200))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    # A requester's request (an account): who asked.
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    # The SHA-256 of the reporter's private status link (services/work_orders/report_status.py).
    status_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # The photo sent with it, stored like a work order's (UPLOAD_DIR/photo_key); approving or merging
    # gives the work order an attachment row naming the same files.
    photo_key: Mapped[str | None] = mapped_column(String(200))
    photo_thumb_key: Mapped[str | None] = mapped_column(String(200))
    photo_filename: Mapped[str | None] = mapped_column(String(200))
    photo_content_type: Mapped[str | None] = mapped_column(String(32))
    photo_size_bytes: Mapped[int | None] = mapped_column(Integer)
    photo_width: Mapped[int | None] = mapped_column(Integer)
    photo_height: Mapped[int | None] = mapped_column(Integer)
    # The decision: the work order made from it (approved) or it was merged into (merged).
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def photo(self) -> RequestPhoto | None:
        if self.photo_key is None:
            return None
        return RequestPhoto(self.photo_filename or "photo", self.photo_content_type or "image/jpeg",
                            self.photo_size_bytes or 0, self.photo_width or 0, self.photo_height or 0)
