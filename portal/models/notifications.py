"""Notifications for people: what the portal's bell lists, each person's choice of how to hear of
each kind, and the mail outbox (every e-mail the portal sends or keeps: services/notifications/)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.enums import Choices
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

# What a person can be told of (services/notifications/rules.py says which event makes which kind).
NOTIFICATION_KIND = Choices(
    ("assigned", "Assigned to me"),
    ("commented", "Comments on my work orders"),
    ("overdue", "Overdue work"),
    ("problem_reported", "Problems reported"),
    ("part_requested", "Parts requested"),
    ("stock_low", "Stock low"),
    ("pm_generated", "PM work orders generated"),
)
# How: the portal's list (always, unless off), plus an e-mail at once or in the daily digest.
NOTIFICATION_CHANNEL = Choices(
    ("portal", "In the portal"), ("email", "Portal and e-mail"),
    ("digest", "Portal and the daily e-mail digest"), ("off", "Off"),
)
MAIL_STATE = Choices(("pending", "Waiting"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed"),
                     ("kept", "Kept here (no SMTP_URL)"))


class Notification(db.Model):
    """One thing one person is told, from one domain event: at most one per event and person."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_notifications_event_id_user_id"),
        # The bell's unread count and the list, newest first.
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    )
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[str] = mapped_column(ForeignKey("domain_events.id"))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str | None] = mapped_column(Text)
    # The record it is about (its page is the link): work_order, part, reorder_request...
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36))
    # The person's choice when it was made: "digest" ones wait for the daily digest mail.
    channel: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(db.Model):
    """A person's choice for one kind; no row: the kind's default (services/notifications/rules.py)."""

    __tablename__ = "notification_preferences"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))


class MailMessage(db.Model):
    """One e-mail: written in the transaction of its event (or by the digest job), sent by a worker
    (services/notifications/mail.py). `dedupe_key` (event + recipient + channel, or the digest's
    person and day) makes a second write of the same mail impossible."""

    __tablename__ = "mail_messages"
    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # None: a reporter without an account
    event_id: Mapped[str | None] = mapped_column(ForeignKey("domain_events.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lease of the worker sending it now (platform/leases.py): a second copy of the job stops.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
