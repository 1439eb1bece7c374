"""A person's own notifications: the list, the unread count (the bell), marking them read.

Only ever the actor's own: another person's notification is not found (404), whatever the role."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from portal.models import Notification
from portal.models.types import utcnow
from portal.platform import live
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound
from portal.services.common.querying import Page, paginate

NOT_FOUND = "Notification not found"


def _own(actor: Actor):
    return Notification.user_id == (actor.id or "")


def list_notifications(actor: Actor, *, unread: bool | None = None, page: int = 1, limit: int = 50) -> Page:
    stmt = select(Notification).where(_own(actor))
    if unread is not None:
        stmt = stmt.where(Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None))
    return paginate(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()), page, limit)


def unread_count(actor: Actor) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(_own(actor), Notification.read_at.is_(None))) or 0


def mark_read(actor: Actor, notification_id: str, *, now: datetime | None = None) -> Notification:
    with unit_of_work() as s:
        note = s.scalars(select(Notification).where(Notification.id == notification_id, _own(actor))).first()
        if note is None:
            raise NotFound(NOT_FOUND)
        if note.read_at is None:
            note.read_at = now or utcnow()
            live.touch_user(s, note.user_id)
        return note


def mark_all_read(actor: Actor, *, now: datetime | None = None) -> int:
    with unit_of_work() as s:
        marked = s.execute(update(Notification).where(_own(actor), Notification.read_at.is_(None))
                           .values(read_at=now or utcnow()).execution_options(synchronize_session=False)).rowcount
        if marked and actor.id:
            live.touch_user(s, actor.id)
    return marked
