"""How long the bell's and the mail outbox's rows are kept: the `notifications-purge` job removes
notifications read more than NOTIFY_KEEP_DAYS ago and mails sent or failed more than
MAIL_KEEP_DAYS ago. Unread notifications, digest ones still waiting for their digest, and mails
still pending, sending or kept (no SMTP_URL: /admin/mail is where an admin reads them) stay."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_

from portal.models import MailMessage, Notification
from portal.models.types import utcnow
from portal.platform.database import unit_of_work

# The outbox's states that are over: nothing will send them again.
FINISHED_MAIL = ("sent", "failed")


def purge(now: datetime | None = None, *, notification_days: int | None = None,
          mail_days: int | None = None) -> dict:
    """Delete what is past its keeping time (the settings unless given; 0 keeps for ever); counts."""
    now = now or utcnow()
    if notification_days is None:
        notification_days = int(current_app.config["NOTIFY_KEEP_DAYS"])
    if mail_days is None:
        mail_days = int(current_app.config["MAIL_KEEP_DAYS"])
    counts = {"notifications": 0, "mails": 0}
    if notification_days > 0:
        before = now - timedelta(days=notification_days)
        with unit_of_work() as s:
            counts["notifications"] = s.execute(
                delete(Notification).where(
                    Notification.read_at.is_not(None), Notification.read_at < before,
                    # one waiting for tonight's digest is still news for that mail
                    or_(Notification.channel != "digest", Notification.digested_at.is_not(None)))
                .execution_options(synchronize_session=False)).rowcount or 0
    if mail_days > 0:
        before = now - timedelta(days=mail_days)
        with unit_of_work() as s:
            counts["mails"] = s.execute(
                delete(MailMessage).where(MailMessage.state.in_(FINISHED_MAIL),
                                          func.coalesce(MailMessage.sent_at, MailMessage.created_at) < before)
                .execution_options(synchronize_session=False)).rowcount or 0
    return counts
