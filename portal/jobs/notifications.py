"""Notification jobs: one RQ job per mail of the outbox, the sweep that queues what never reached
the queue (and retries), the daily digest, and the purge of old read notifications and mails."""
from __future__ import annotations

from datetime import datetime

from portal.jobs.registry import periodic
from portal.jobs.scheduler import job_app
from portal.services.notifications import digest, mail, retention


def send_mail(mail_id: str) -> dict:
    """RQ job (id mail-<id>): one attempt at one mail of the outbox."""
    with job_app():
        return mail.send(mail_id)


@periodic("mail-sweep", interval=30,
          description="Queue the outbox's mails that are due (retries, or Redis was down) and not on the queue")
def mail_sweep(now: datetime | None = None) -> dict:
    return mail.sweep(now)


@periodic("mail-digest", interval=3600,
          description="Write each person's daily e-mail digest once their plant's day reaches NOTIFY_DIGEST_HOUR")
def mail_digest(now: datetime | None = None) -> dict:
    return digest.send_digests(now)


@periodic("notifications-purge", interval=86400,
          description="Delete notifications read more than NOTIFY_KEEP_DAYS ago and mails sent or failed "
                      "more than MAIL_KEEP_DAYS ago")
def notifications_purge(now: datetime | None = None) -> dict:
    return retention.purge(now)
