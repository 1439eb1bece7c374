"""The manager's board, per user: the table's columns they picked, and their saved views."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db


class BoardSettings(db.Model):
    """One row per user who changed the board's columns (no row: the default columns)."""

    __tablename__ = "board_settings"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardView(db.Model):
    """A view of the board a user named ("My late highs"): the view kind (table, kanban, calendar),
    the filters and sort as the board's URL carries them, and the table's columns."""

    __tablename__ = "board_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
