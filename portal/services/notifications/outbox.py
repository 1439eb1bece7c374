"""The notifications of each domain event, written in the event's transaction (the same outbox
the webhooks use: services/integrations/webhooks.py): committed with the change, or not at all.

fan_out() receives event_recorded (portal/wiring.py): for each rule of the event (rules.py), one
notification per person told, unless they chose "off" for its kind; "email" adds a mail to the
outbox, sent after the commit by a worker (mail.py), "digest" leaves the notification for the
daily digest (digest.py). A completed work order from a problem report also mails its reporter,
when they left an e-mail address. Nothing is sent here: a request only writes rows.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import DomainEvent, MailMessage, Notification, User, WorkOrder
from portal.models.notifications import NOTIFICATION_CHANNEL, NOTIFICATION_KIND
from portal.models.types import new_id
from portal.platform import live
from portal.platform.database import kept_with_transaction
from portal.platform.extensions import db
from portal.services.notifications import mail
from portal.services.notifications.preferences import channels_for
from portal.services.notifications.rules import BY_EVENT, DEFAULTS, Message, Rule, link

OUTBOX_KEY = "mail_outbox"
REPORTER_KIND = "report_done"


def dedupe_key(event_id: str, recipient: str, channel: str) -> str:
    """One mail per event, recipient and channel: the unique key of mail_messages."""
    return f"event:{event_id}:{recipient}:{channel}"


def fan_out(event: DomainEvent) -> None:
    """Receives event_recorded, inside the event's transaction."""
    rules = BY_EVENT.get(event.event)
    if rules:
        _notify(event, rules)
    if event.event == "work_order.completed":
        _mail_reporter(event)


def _notify(event: DomainEvent, rules: list[Rule]) -> None:
    told: set[str] = set()
    plan: list[tuple[Rule, Message, list[str]]] = []
    for rule in rules:
        if not rule.when(event):
            continue
        people = [uid for uid in dict.fromkeys(rule.recipients(event))
                  if uid and uid != event.actor_id and uid not in told]
        if people:
            told.update(people)
            plan.append((rule, rule.message(event), people))
    if not plan:
        return
    session = db.session
    emails, chosen = _people(session(), event.warehouse_id, told)
    for rule, message, people in plan:
        for user_id in people:
            if user_id not in emails:
                continue
            channel = chosen.get((user_id, rule.kind), DEFAULTS[rule.kind])
            if channel == "off":
                continue
            session.add(Notification(
                id=new_id(), warehouse_id=event.warehouse_id, user_id=user_id, event_id=event.id, kind=rule.kind,
                title=message.title[:300], detail=message.detail, entity=message.entity,
                entity_id=message.entity_id, channel=channel, created_at=event.created_at))
            live.touch_user(session, user_id)
            if channel == "email":
                _add_mail(session, event, user_id=user_id, to=emails[user_id], kind=rule.kind,
                          subject=message.title, body=mail_body(message, rule.kind, channel))


PEOPLE_KEY = "notified_people_of_transaction"


def _people(session: Session, warehouse_id: str, user_ids: set[str]) -> tuple[dict[str, str], dict]:
    """The e-mail of each of these people who is active in the warehouse (an id from a payload never
    reaches another plant), and their chosen channels ((user id, kind) -> channel). Read once per
    person and transaction: a bulk change records one event per work order, all telling the same
    assignee (two statements an event before). Kept with the transaction, so the next one reads
    them again (a person deactivated or a choice changed counts from then on)."""
    def read(ids: list[str]) -> dict[str, tuple[str | None, dict[str, str]]]:
        emails = dict(session.execute(select(User.id, User.email).where(
            User.id.in_(ids), User.warehouse_id == warehouse_id, User.active.is_(True))).all())
        chosen = channels_for(emails)
        return {uid: (emails.get(uid), {kind: channel for (who, kind), channel in chosen.items() if who == uid})
                for uid in ids}

    kept = kept_with_transaction(session, PEOPLE_KEY)
    if kept is None:
        known = read(sorted(user_ids))
    else:
        missing = sorted(uid for uid in user_ids if (warehouse_id, uid) not in kept)
        if missing:
            kept.update({(warehouse_id, uid): found for uid, found in read(missing).items()})
        known = {uid: kept[(warehouse_id, uid)] for uid in user_ids}
    emails = {uid: email for uid, (email, _) in known.items() if email is not None}
    chosen = {(uid, kind): channel for uid, (email, kinds) in known.items() if email is not None
              for kind, channel in kinds.items()}
    return emails, chosen


def mail_body(message: Message, kind: str, channel: str) -> str:
    parts = [message.title]
    if message.detail:
        parts.append(message.detail)
    parts.append(f"Open it: {mail.public_link(link(message.entity, message.entity_id))}")
    parts.append(f"You get this e-mail because \"{NOTIFICATION_KIND.label(kind)}\" is set to "
                 f"\"{NOTIFICATION_CHANNEL.label(channel)}\" in your notification settings: "
                 f"{mail.public_link('/notifications/settings')}")
    return "\n\n".join(parts) + "\n"


def _add_mail(session: Session, event: DomainEvent, *, user_id: str | None, to: str, kind: str,
              subject: str, body: str) -> None:
    row = MailMessage(id=new_id(), warehouse_id=event.warehouse_id, user_id=user_id, event_id=event.id,
                      dedupe_key=dedupe_key(event.id, user_id or to, "email"), kind=kind, to_address=to,
                      subject=subject[:300], body=body, state="pending", attempts=0,
                      created_at=event.created_at)
    session.add(row)
    session.info.setdefault(OUTBOX_KEY, {}).setdefault(event.id, []).append(row.id)


def _mail_reporter(event: DomainEvent) -> None:
    """The person who reported the problem from an asset's label hears that it is done, once."""
    session = db.session
    wo = session.get(WorkOrder, event.entity_id)
    if wo is None or not wo.reporter_email:
        return
    body = (f"Hello {wo.reporter_name or ''},\n\n".replace(" ,", ",")
            + f"The problem you reported ({wo.fo_number}: {wo.title}) has been fixed.\n\n"
            f"Your private status link keeps working for {current_app.config['REPORT_STATUS_DAYS']} days and "
            "shows any note the team left for you.\n\n"
            "Thank you for reporting it.\n")
    _add_mail(session, event, user_id=None, to=wo.reporter_email, kind=REPORTER_KIND,
              subject=f"Fixed: {wo.title}", body=body)


def enqueue_committed(session: Session, *, event_ids: list[str]) -> None:
    """Receives committed (after the commit): queue the mails of the events just committed.
    Entries of a rolled-back transaction name events that never committed and are dropped here."""
    outbox = session.info.pop(OUTBOX_KEY, {})
    ids = [mail_id for event_id in event_ids for mail_id in outbox.get(event_id, ())]
    if ids:
        mail.enqueue(ids)
