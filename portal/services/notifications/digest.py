"""The daily digest: one e-mail a day per person listing the notifications they chose "digest" for.

The `mail-digest` periodic job runs every hour; a person's digest is written once their
warehouse's local time has reached NOTIFY_DIGEST_HOUR (default 7:00), at most once per local day
(its dedupe key names the person and the day). It takes the person's digest notifications not yet
in a digest, marks them, and writes one mail to the outbox, in one transaction; the mail is sent by
a worker like any other (mail.py). Notifications that come after today's digest wait for tomorrow's.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select, update

from portal.models import MailMessage, Notification, User, Warehouse
from portal.models.notifications import NOTIFICATION_KIND
from portal.models.types import new_id, utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.isolation import each_isolated
from portal.services.notifications import mail
from portal.services.notifications.rules import link

MAX_ITEMS = 200  # listed in one digest; the rest are counted, and all are in the portal


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digest_key(user_id: str, day: str) -> str:
    return f"digest:{user_id}:{day}"


def send_digests(now: datetime | None = None) -> dict:
    """Write today's digest of every person whose digest is due; queue their mails."""
    now = now or utcnow()
    hour = int(current_app.config["NOTIFY_DIGEST_HOUR"])
    rows = db.session.execute(
        select(Notification.user_id, Warehouse.timezone).distinct()
        .join(User, User.id == Notification.user_id).join(Warehouse, Warehouse.id == User.warehouse_id)
        .where(Notification.channel == "digest", Notification.digested_at.is_(None), User.active.is_(True))
    ).all()
    db.session.rollback()
    summary = {"people": 0, "written": 0, "failed": 0}
    written: list[str] = []

    def one(row: tuple[str, str]) -> None:
        local = now.astimezone(_zone(row[1]))
        if local.hour < hour:
            return
        summary["people"] += 1
        mail_id = write_digest(row[0], local.date().isoformat(), now)
        if mail_id:
            written.append(mail_id)
            summary["written"] += 1

    each_isolated("mail-digest", rows, one, summary, describe=lambda row: f"the digest of user {row[0]}")
    mail.enqueue(written)
    return summary


def write_digest(user_id: str, day: str, now: datetime) -> str | None:
    """One person's digest for `day`, unless it was written already: the mail's id, or None."""
    with unit_of_work() as s:
        key = digest_key(user_id, day)
        if s.scalar(select(MailMessage.id).where(MailMessage.dedupe_key == key)) is not None:
            return None
        user = s.get(User, user_id)
        notes = list(s.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.channel == "digest",
                                       Notification.digested_at.is_(None))
            .order_by(Notification.created_at, Notification.id)))
        if user is None or not notes:
            return None
        lines = []
        for note in notes[:MAX_ITEMS]:
            lines.append(f"- {note.title}\n  {mail.public_link(link(note.entity, note.entity_id))}")
        if len(notes) > MAX_ITEMS:
            lines.append(f"… and {len(notes) - MAX_ITEMS} more in the portal: {mail.public_link('/notifications')}")
        kinds = sorted({NOTIFICATION_KIND.label(n.kind) for n in notes})
        body = (f"Your MaintainPro digest for {day}: {len(notes)} notification{'s' if len(notes) != 1 else ''}.\n\n"
                + "\n".join(lines)
                + f"\n\nIn this digest: {'; '.join(kinds)}. Change what comes by e-mail: "
                  f"{mail.public_link('/notifications/settings')}\n")
        row = MailMessage(id=new_id(), warehouse_id=user.warehouse_id, user_id=user_id, event_id=None,
                          dedupe_key=key, kind="digest", to_address=user.email,
                          subject=f"MaintainPro digest: {len(notes)} notification{'s' if len(notes) != 1 else ''}",
                          body=body, state="pending", attempts=0, created_at=now)
        s.add(row)
        s.execute(update(Notification).where(Notification.id.in_([n.id for n in notes]))
                  .values(digested_at=now).execution_options(synchronize_session=False))
        return row.id
