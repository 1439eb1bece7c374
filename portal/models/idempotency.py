"""Idempotency keys: the first answer to a write sent with an `Idempotency-Key`, kept so that a
repeat of the same request (a retry after a timeout, an offline queue replayed) gets that answer
again instead of doing the work twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (
        # One answer per caller and key: keys are the caller's own, two callers never collide.
        UniqueConstraint("principal", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )
    id: Mapped[str] = id_column()
    principal: Mapped[str] = mapped_column(String(80))  # "user:<id>" or "key:<api key id>"
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2048))
    # SHA-256 of method, path, query string and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    # Null while the first request runs; then its answer.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
