"""What technicians add to a work order besides its fields: a comment thread and photos."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.models.users import User
from portal.platform.extensions import db


def _name_of(user: User | None) -> str | None:
    return (user.name or user.email) if user is not None else None


class WorkOrderComment(db.Model):
    """One message of a work order's thread ("waiting for the bearing"); never edited."""

    __tablename__ = "work_order_comments"
    __table_args__ = (Index("ix_work_order_comments_work_order_id_created_at", "work_order_id", "created_at"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    # Shown on the reporter's status page (report/status/<token>); every other comment stays in the team.
    visible_to_reporter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Joined: a thread page shows every author's name without a query per comment.
    author: Mapped[User | None] = relationship(User, lazy="joined")

    @property
    def author_name(self) -> str | None:
        return _name_of(self.author)


ATTACHMENT_KINDS = ("photo", "signature")


class WorkOrderAttachment(db.Model):
    """A photo of a work order, or its sign-off signature (kind "signature": at most one per work
    order, a PNG drawn on the screen, with the signer's name; uploaded_by is who captured it). The
    bytes live on disk (UPLOAD_DIR/storage_key), re-encoded without metadata; the thumbnail next to
    it (thumb_key). A row exists only once both are."""

    __tablename__ = "work_order_attachments"
    __table_args__ = (Index("ix_work_order_attachments_work_order_id_created_at", "work_order_id", "created_at"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"))
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(200))  # safe ASCII name for Content-Disposition
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="photo", server_default="photo")
    signer_name: Mapped[str | None] = mapped_column(String(120))  # signatures only
    uploader: Mapped[User | None] = relationship(User, lazy="joined")

    @property
    def uploaded_by_name(self) -> str | None:
        return _name_of(self.uploader)
