"""Sending the mail outbox over SMTP, from a worker (never from a request).

Every mail is a row of mail_messages, written in the transaction of its event (outbox.py) or by the
digest job (digest.py); its RQ job (portal/jobs/notifications.py) claims it with a lease
(platform/leases.py), sends it with smtplib and records the outcome. A mail is sent at most once:
its dedupe key makes a second row impossible, a second copy of its job finds it claimed or sent,
and a mail whose worker died after claiming it (the SMTP server may have taken it) is failed, not
sent again. A refused or unreachable server is retried later (MAIL_RETRY_DELAYS), then failed.

SMTP_URL (portal/config.py): smtp://host:port (plain), smtp+starttls://host:587 (STARTTLS), or
smtps://host:465 (TLS from the start), with an optional user:password@ (URL-encoded). Empty: the
mails are kept in the outbox, "kept", for an admin to read in the portal (/admin/mail).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from portal.models import MailMessage
from portal.models.types import utcnow
from portal.platform import queue
from portal.platform.database import unit_of_work
from portal.platform.leases import LeasedWork, Statuses
from portal.services.common.actor import Actor
from portal.services.common.querying import Page, paginate
from portal.services.identity.permissions import require

log = logging.getLogger(__name__)

SEND = queue.Task("portal.jobs.notifications.send_mail", queue="default", timeout=120,
                  description="mail {job_id}")
STATUS = Statuses(waiting="pending", running="sending", done="sent", failed="failed")
MAILS = LeasedWork(name="mail", model=MailMessage, status_column="state", statuses=STATUS, task=SEND,
                   job_prefix="mail-")
KEPT = "kept"
UNFINISHED = "Its worker stopped while sending; not sent again, so that it is never sent twice"
ERROR_LIMIT = 1000


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str  # smtp, smtp+starttls, smtps
    host: str
    port: int
    user: str | None
    password: str | None


DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


def parse_smtp_url(url: str) -> SmtpTarget | None:
    """SMTP_URL as a target; None when empty. A wrong scheme or no host is a ValueError (at start)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://host:25, smtp+starttls://user:pass@host:587 "
                         "or smtps://user:pass@host:465")
    return SmtpTarget(parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme],
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None)


def lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["MAIL_TIMEOUT"]) * 3 + 30)


def retry_delays() -> list[int]:
    return [int(part) for part in str(current_app.config["MAIL_RETRY_DELAYS"]).split(",") if part.strip()]


def public_link(path: str) -> str:
    """A link for a mail: under PUBLIC_BASE_URL when set (a mail has no request to take a host from)."""
    return current_app.config.get("PUBLIC_BASE_URL", "") + path


# --- queueing -----------------------------------------------------------------------------------
def enqueue(mail_ids: list[str]) -> int:
    """Queue the mails' jobs; Redis down is logged, and the mail sweep queues them later."""
    return MAILS.enqueue(mail_ids)


def _due(now: datetime):
    return or_(MailMessage.next_attempt_at.is_(None), MailMessage.next_attempt_at <= now)


def sweep(now: datetime | None = None, limit: int = 1000) -> dict:
    """Queue pending mails that are due and not on the queue (Redis was down at commit time...)."""
    now = now or utcnow()
    swept = MAILS.sweep(now, due_at=MailMessage.next_attempt_at, where=[_due(now)], limit=limit)
    return {"due": swept.due, "enqueued": swept.enqueued}


# --- one attempt --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claimed:
    mail_id: str
    to_address: str
    subject: str
    body: str
    attempts: int


def claim(mail_id: str, now: datetime) -> Claimed | None | str:
    """Take the mail's lease; None when it is not ours to send (sent, not due, another worker has
    it); UNFINISHED when an earlier worker took it and died (it is then failed, never resent)."""
    m = MailMessage
    with unit_of_work() as s:
        previous_lease = s.scalar(select(m.claimed_until).where(m.id == mail_id))
        row = MAILS.claim(s, mail_id, now, now + lease(), where=[_due(now)],
                          returning=[m.to_address, m.subject, m.body, m.attempts])
        if row is None:
            return None
        if previous_lease is not None:
            s.execute(update(m).where(m.id == mail_id).values(
                state=STATUS.failed, claimed_until=None, next_attempt_at=None, last_error=UNFINISHED)
                .execution_options(synchronize_session=False))
            return UNFINISHED
        return Claimed(mail_id, row.to_address, row.subject, row.body, row.attempts)


def _message(claimed: Claimed) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = claimed.to_address
    msg["Subject"] = claimed.subject
    # The same Message-ID on every attempt of one mail: a server that took it twice can tell.
    msg["Message-ID"] = make_msgid(idstring=claimed.mail_id, domain="maintainpro")
    msg.set_content(claimed.body)
    return msg


def _smtp_send(target: SmtpTarget, msg: EmailMessage) -> None:
    timeout = float(current_app.config["MAIL_TIMEOUT"])
    context = ssl.create_default_context()
    if target.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        if target.scheme == "smtp+starttls":
            client.starttls(context=context)
        if target.user:
            client.login(target.user, target.password or "")
        client.send_message(msg)


def send(mail_id: str, *, now: datetime | None = None) -> dict:
    """One attempt at one mail (the job). Returns a summary; `retryIn` when it is tried again."""
    now = now or utcnow()
    claimed = claim(mail_id, now)
    if claimed is None:
        return {"mailId": mail_id, "sent": False, "note": "not pending, not due, or taken by another worker"}
    if claimed == UNFINISHED:
        return {"mailId": mail_id, "sent": False, "state": STATUS.failed, "error": UNFINISHED}
    target = parse_smtp_url(current_app.config.get("SMTP_URL", ""))
    if target is None:
        _finish(mail_id, state=KEPT)
        return {"mailId": mail_id, "sent": False, "state": KEPT}
    try:
        _smtp_send(target, _message(claimed))
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(claimed, f"{type(exc).__name__}: {exc}", utcnow())
    _finish(mail_id, state=STATUS.done, sent_at=utcnow(), attempts=claimed.attempts + 1)
    return {"mailId": mail_id, "sent": True, "state": STATUS.done}


def _finish(mail_id: str, **values: object) -> None:
    with unit_of_work() as s:
        s.execute(update(MailMessage).where(MailMessage.id == mail_id)
                  .values(claimed_until=None, next_attempt_at=None, last_error=None, **values)
                  .execution_options(synchronize_session=False))


def _failed(claimed: Claimed, error: str, now: datetime) -> dict:
    """Retry after the next delay of MAIL_RETRY_DELAYS, or fail for good once they are used up."""
    attempts = claimed.attempts + 1
    delays = retry_delays()
    retry_in = delays[attempts - 1] if attempts <= len(delays) else None
    with unit_of_work() as s:
        s.execute(update(MailMessage).where(MailMessage.id == claimed.mail_id).values(
            attempts=attempts, claimed_until=None, last_error=error[:ERROR_LIMIT],
            state=STATUS.waiting if retry_in is not None else STATUS.failed,
            next_attempt_at=now + timedelta(seconds=retry_in) if retry_in is not None else None,
        ).execution_options(synchronize_session=False))
    log.warning("mail %s not sent (%s)%s", claimed.mail_id, error,
                f"; tried again in {retry_in} s" if retry_in is not None else "; given up")
    return {"mailId": claimed.mail_id, "sent": False, "error": error, "retryIn": retry_in,
            "state": STATUS.waiting if retry_in is not None else STATUS.failed}


# --- the outbox page ----------------------------------------------------------------------------
def list_mails(actor: Actor, page: int = 1, limit: int = 25) -> Page:
    """The warehouse's mails, newest first (admins: the mail outbox page)."""
    require(actor, "mail.read")
    stmt = (select(MailMessage).where(MailMessage.warehouse_id == actor.warehouse_id)
            .order_by(MailMessage.created_at.desc(), MailMessage.id.desc()))
    return paginate(stmt, page, limit)


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_URL"))

