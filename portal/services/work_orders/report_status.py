"""The reporter follows up: a private status link for the person who reported a problem without an
account (/report/status/<token>).

The token is handed out once, on the thank-you page of the report; only its SHA-256 is stored (the
token has 192 random bits, so a fast hash is enough: nothing to guess from it, as for enrolment
codes). The page it opens shows what the reporter may know and nothing else: the work order's
number, title, status in words, the time of its last change, and the comments the team marked
"visible to the reporter" (their text and time, never the author). No names, costs, internal
comments, completion notes or asset details.

A link works while the work order is open and for REPORT_STATUS_DAYS after it closed (completed:
its completion time; cancelled: its last change). After that, and for any unknown token, 404.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import select

from portal.models import Equipment, Warehouse, WorkOrder, WorkOrderComment
from portal.models.enums import CLOSED_STATUSES
from portal.models.requests import WorkRequest
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.common.errors import NotFound

# 24 bytes: 192 random bits, 32 url-safe characters (fits a QR code and a chat message).
TOKEN_BYTES = 24
NOT_FOUND = "Status link not found"

# The status in the reporter's words; "completed" is "Done on <date>" (status_words()).
WORDS = {
    "new": "Received",
    "assigned": "Received: a technician will look at it",
    "in_progress": "Being worked on",
    "on_hold": "On hold",
    "cancelled": "Cancelled",
}
# A report in the manager's inbox (declined ones read "Declined: <reason>").
REQUEST_WORDS = {"pending": "Received: waiting for review"}


class StatusLinkExpired(NotFound):
    """The token was right but its work order closed more than REPORT_STATUS_DAYS ago: still a 404,
    but the page may offer a new report on the same asset (the reporter holds the link)."""

    def __init__(self, report_token: str | None) -> None:
        super().__init__(NOT_FOUND)
        self.report_token = report_token


@dataclass(frozen=True)
class PublicNote:
    body: str
    at: datetime


@dataclass(frozen=True)
class ReportStatus:
    """Everything the status page shows, and nothing more."""

    fo_number: str | None  # None while the report waits in the inbox (or was declined there)
    title: str
    status: str
    words: str
    last_change: datetime
    notes: list[PublicNote]
    tz: ZoneInfo


def new_token() -> tuple[str, str]:
    """A fresh status token and the hash to store for it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep_days() -> int:
    return current_app.config["REPORT_STATUS_DAYS"]


def closed_at(wo: WorkOrder) -> datetime | None:
    """When `wo` closed, or None while it is open. A cancelled order has no completion time: its
    last change is its cancellation (only the completion notes may change afterwards)."""
    if wo.status not in CLOSED_STATUSES:
        return None
    return wo.completed_at or wo.updated_at


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_words(value: datetime, tz: ZoneInfo, now: datetime) -> str:
    """"5 Dec", with the year when it is not this one ("5 Dec 2025")."""
    local = value.astimezone(tz)
    text = f"{local.day} {local:%b}"
    return text if local.year == now.astimezone(tz).year else f"{text} {local.year}"


def status_words(wo: WorkOrder, tz: ZoneInfo, now: datetime) -> str:
    if wo.status == "completed":
        return f"Done on {day_words(wo.completed_at or wo.updated_at, tz, now)}"
    return WORDS.get(wo.status, "Received")


def status_for(token: str, *, now: datetime | None = None) -> ReportStatus:
    """What the holder of `token` may see of their report; NotFound for a wrong or expired token.
    A report that went to the inbox (services/work_orders/requests.py) shows "waiting for review" or
    "Declined: <reason>" until approved or merged, then the status of its work order as any other."""
    now = now or utcnow()
    if not token or len(token) > 64 or "\x00" in token:
        raise NotFound(NOT_FOUND)
    digest = token_hash(token)
    req = db.session.scalars(select(WorkRequest).where(WorkRequest.status_token_hash == digest)).first()
    if req is not None and req.work_order_id is None:
        return _request_status(req, now)
    if req is not None:
        wo = db.session.get(WorkOrder, req.work_order_id)
    else:
        wo = db.session.scalars(select(WorkOrder).where(WorkOrder.status_token_hash == digest)).first()
    if wo is None:
        raise NotFound(NOT_FOUND)
    closed = closed_at(wo)
    if closed is not None and now - closed > timedelta(days=keep_days()):
        raise StatusLinkExpired(_report_token_of(wo.equipment_id))
    notes = [PublicNote(c.body, c.created_at) for c in db.session.scalars(
        select(WorkOrderComment).where(WorkOrderComment.work_order_id == wo.id,
                                       WorkOrderComment.visible_to_reporter.is_(True))
        .order_by(WorkOrderComment.created_at.desc(), WorkOrderComment.id.desc()))]
    tz = _zone(db.session.scalar(select(Warehouse.timezone).where(Warehouse.id == wo.warehouse_id)))
    last = max([wo.updated_at, *(n.at for n in notes)])
    return ReportStatus(fo_number=wo.fo_number, title=wo.title, status=wo.status,
                        words=status_words(wo, tz, now), last_change=last, notes=notes, tz=tz)


def _request_status(req: WorkRequest, now: datetime) -> ReportStatus:
    """A report still in the inbox, or declined there (the link works REPORT_STATUS_DAYS after that)."""
    if req.status == "declined" and req.decided_at is not None and now - req.decided_at > timedelta(days=keep_days()):
        raise StatusLinkExpired(_report_token_of(req.equipment_id))
    tz = _zone(db.session.scalar(select(Warehouse.timezone).where(Warehouse.id == req.warehouse_id)))
    words = f"Declined: {req.decline_reason}" if req.status == "declined" else REQUEST_WORDS["pending"]
    return ReportStatus(fo_number=None, title=req.title, status=req.status, words=words,
                        last_change=req.updated_at, notes=[], tz=tz)


def _report_token_of(equipment_id: str | None) -> str | None:
    """The asset's current report token when its warehouse still takes reports (for "report a new
    problem on this machine"), else None."""
    if equipment_id is None:
        return None
    return db.session.scalar(
        select(Equipment.report_token).join(Warehouse, Warehouse.id == Equipment.warehouse_id)
        .where(Equipment.id == equipment_id, Warehouse.problem_reports_enabled.is_(True)))
