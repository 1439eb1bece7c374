"""API keys: how integrations (services, not people with phones) authenticate."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db


class ApiKey(db.Model):
    """A named key of one warehouse. Only the SHA-256 of its secret part is stored; the full key
    (``mp_live_<id>_<secret>``) is shown once, at creation."""

    __tablename__ = "api_keys"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    # The first characters of the key (prefix and id), so an admin can tell keys apart in logs and lists.
    prefix: Mapped[str] = mapped_column(String(60))
    secret_hash: Mapped[str] = mapped_column(String(64))
    # The admin who created it: the key acts as this user (audit trails name them), with the key's role.
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
