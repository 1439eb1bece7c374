from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.enums import CRITICALITY, EQUIPMENT_STATUS
from portal.models.search import trigram_index
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

EQUIPMENT_STATUSES = EQUIPMENT_STATUS.values


def new_report_token() -> str:
    """256 random bits, url-safe: the secret in a label's /report/<token> QR code."""
    return secrets.token_urlsafe(32)
CRITICALITIES = CRITICALITY.values


class Equipment(db.Model):
    """An asset: the contract calls it equipment."""

    __tablename__ = "equipment"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "asset_tag"),
        # Sync reads (cursor paging) in (updated_at, id) order per warehouse (migration 0016).
        Index("ix_equipment_warehouse_id_updated_at_id", "warehouse_id", "updated_at", "id"),
        # The tree's children and the rolled-up KPIs' subtree (migration 0032).
        Index("ix_equipment_warehouse_id_parent_id", "warehouse_id", "parent_id"),
        # The KPIs' assets in service (status != retired) counted from the index alone (migration 0034).
        Index("ix_equipment_warehouse_id_status", "warehouse_id", "status"),
    )
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
    # The ISO 14224 equipment class ("pump", "electric_motor"...): which failure codes are offered for it.
    equipment_class: Mapped[str | None] = mapped_column(String(60))
    # The asset this one is part of (site → area → line → machine → component); same warehouse, no
    # cycles (services/assets/hierarchy.py).
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("equipment.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Names the asset on its public problem-report page; an admin rotates it (the old one stops at once).
    # A unique index (not a constraint): SQLite adds one without copying the table (migration 0007).
    report_token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_report_token)


# The `q=` search's trigram index (PostgreSQL only; portal/models/search.py, migration 0026).
trigram_index(Equipment.__table__, "asset_tag", "model", "manufacturer", "description", "location")


class DowntimePeriod(db.Model):
    """A time the asset did not run: opened when it goes `down`, closed when it comes back up."""

    __tablename__ = "downtime_periods"
    __table_args__ = (
        Index("ix_downtime_periods_equipment_started", "equipment_id", "started_at"),
        # The KPI window: the periods still open or ended after its start, per warehouse (migration 0033;
        # was a seq scan at a million work orders, bench/README.md).
        Index("ix_downtime_periods_warehouse_id_ended_at", "warehouse_id", "ended_at"),
    )
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    equipment_id: Mapped[str] = mapped_column(ForeignKey("equipment.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    # Why it stopped, one of enums.DOWNTIME_REASON, and whether the stop was planned (a PM, a changeover):
    # planned stops are no failures, and MTBF and availability leave them out (services/reporting/kpis.py).
    reason_code: Mapped[str] = mapped_column(String(40), default="breakdown", server_default="breakdown")
    planned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    work_order_id: Mapped[str | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    started_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    ended_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
