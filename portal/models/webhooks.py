"""Webhook endpoints (per warehouse) and their deliveries: the transactional outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.enums import DELIVERY_STATE
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

DELIVERY_STATES = DELIVERY_STATE.values
# The ping sent by POST /api/webhooks/{id}/test; not a domain event, never retried.
TEST_EVENT = "webhook.test"


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Event types subscribed to; ["*"] means all of them.
    events: Mapped[list] = mapped_column(JSON, default=list)
    # HMAC key: kept readable because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Deliveries that ended failed in a row; reset by any delivered one.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(db.Model):
    """One event for one endpoint. Its id is the X-MaintainPro-Delivery header and the RQ job id,
    the same on every attempt, so receivers and the queue can both de-duplicate."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[str] = id_column()
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(ForeignKey("domain_events.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Lease of the worker sending it now: a second copy of the job finds it taken and stops.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redelivery_of: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# An attempt's error is kept short: the log shows one line per attempt, and a receiver's long
# answer would only crowd it (the delivery's last_error keeps up to 1000 characters).
ATTEMPT_ERROR_LIMIT = 300


class WebhookDeliveryAttempt(db.Model):
    """One POST of a delivery (or its last, for deliveries older than this table: the log then
    shows one line from the delivery's own last_* fields). Written in the transaction that records
    the delivery's outcome; deleted with its delivery."""

    __tablename__ = "webhook_delivery_attempts"
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
                                             primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1, 2, ... as counted in the delivery
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)  # None: no answer at all
    error: Mapped[str | None] = mapped_column(String(ATTEMPT_ERROR_LIMIT))  # None: delivered
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: not tried again
