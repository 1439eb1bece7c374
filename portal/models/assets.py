from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, id_column, utcnow
from .enums import CRITICALITY, EQUIPMENT_STATUS

EQUIPMENT_STATUSES = EQUIPMENT_STATUS.values
CRITICALITIES = CRITICALITY.values


class Equipment(db.Model):
    """An asset: the contract calls it equipment."""

    __tablename__ = "equipment"
    __table_args__ = (UniqueConstraint("warehouse_id", "asset_tag"),)
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    asset_tag: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")
    location: Mapped[str | None] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(120))
    criticality: Mapped[str] = mapped_column(String(20), default="medium")
    install_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
