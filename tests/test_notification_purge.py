"""The notifications-purge job: notifications read long ago and mails sent or failed long ago are
deleted; unread ones, digest ones still waiting for their digest, and mails not finished stay."""
from __future__ import annotations

from datetime import timedelta

import factories
from sqlalchemy import select, update

from portal.jobs import load_all
from portal.jobs import notifications as notification_jobs
from portal.jobs.registry import PERIODIC_JOBS
from portal.models import MailMessage, Notification
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db


def _set(model, row_id: str, **values) -> None:
    with unit_of_work() as s:
        s.execute(update(model).where(model.id == row_id).values(**values))


def test_purge_deletes_what_is_past_its_keeping_time_and_nothing_else(app, users):
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    for n in range(6):  # each assignment: one notification and one mail for the technician
        factories.work_order(manager, title=f"Job {n}", assignedTo=tech.id)
    db.session.rollback()
    notes = list(db.session.scalars(select(Notification.id).order_by(Notification.created_at, Notification.id)))
    mails = list(db.session.scalars(select(MailMessage.id).order_by(MailMessage.created_at, MailMessage.id)))
    assert len(notes) == len(mails) == 6
    now = utcnow()
    long_ago, lately = now - timedelta(days=120), now - timedelta(days=10)
    old_read, new_read, old_unread, old_digest_waiting, old_digest_sent, _fresh = notes
    _set(Notification, old_read, created_at=long_ago, read_at=long_ago)
    _set(Notification, new_read, created_at=long_ago, read_at=lately)
    _set(Notification, old_unread, created_at=long_ago)
    _set(Notification, old_digest_waiting, created_at=long_ago, read_at=long_ago, channel="digest")
    _set(Notification, old_digest_sent, created_at=long_ago, read_at=long_ago, channel="digest", digested_at=long_ago)
    old_sent, old_failed, new_sent, old_pending, old_kept, _queued = mails
    _set(MailMessage, old_sent, state="sent", created_at=long_ago, sent_at=long_ago)
    _set(MailMessage, old_failed, state="failed", created_at=long_ago)
    _set(MailMessage, new_sent, state="sent", created_at=long_ago, sent_at=lately)  # retried until lately
    _set(MailMessage, old_pending, state="pending", created_at=long_ago)
    _set(MailMessage, old_kept, state="kept", created_at=long_ago)

    app.config.update(NOTIFY_KEEP_DAYS=90, MAIL_KEEP_DAYS=30)
    assert notification_jobs.notifications_purge(now) == {"notifications": 2, "mails": 2}
    db.session.rollback()
    assert set(db.session.scalars(select(Notification.id))) == set(notes) - {old_read, old_digest_sent}
    assert set(db.session.scalars(select(MailMessage.id))) == set(mails) - {old_sent, old_failed}
    assert notification_jobs.notifications_purge(now) == {"notifications": 0, "mails": 0}  # again: nothing

    # Shorter settings reach the younger rows; 0 keeps for ever.
    app.config.update(NOTIFY_KEEP_DAYS=0, MAIL_KEEP_DAYS=5)
    assert notification_jobs.notifications_purge(now) == {"notifications": 0, "mails": 1}
    db.session.rollback()
    assert db.session.get(MailMessage, new_sent) is None and db.session.get(Notification, new_read) is not None


def test_purge_is_a_daily_periodic_job():
    load_all()
    job = PERIODIC_JOBS["notifications-purge"]
    assert job.interval == 86400 and job.func is notification_jobs.notifications_purge
