"""The delivery log's attempts: one line per POST of a delivery, read for a page of deliveries.

Rows are written by outcomes.py with the delivery's outcome. A delivery made before attempts were
kept (migration 0031) has none: its own last_* fields give it one line, its last attempt.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.models import WebhookDelivery, WebhookDeliveryAttempt
from portal.models.webhooks import ATTEMPT_ERROR_LIMIT
from portal.platform.extensions import db


@dataclass(frozen=True)
class Attempt:
    attempt: int
    started_at: datetime
    duration_ms: int | None
    status_code: int | None
    error: str | None
    next_retry_at: datetime | None


def _from_delivery(d: WebhookDelivery) -> list[Attempt]:
    """The one line an older delivery can give: its last attempt (none if it was never tried)."""
    if not d.attempts or d.last_attempt_at is None:
        return []
    started = d.last_attempt_at - timedelta(milliseconds=d.last_duration_ms or 0)
    error = d.last_error[:ATTEMPT_ERROR_LIMIT] if d.last_error else None
    return [Attempt(d.attempts, started, d.last_duration_ms, d.last_status_code, error,
                    d.next_attempt_at if d.state == "pending" else None)]


def attempts_of(deliveries: Iterable[WebhookDelivery]) -> dict[str, list[Attempt]]:
    """Each delivery's attempts, first to last, in one query for the whole page."""
    deliveries = list(deliveries)
    found: dict[str, list[Attempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        a = WebhookDeliveryAttempt
        rows = db.session.execute(
            select(a.delivery_id, a.attempt, a.started_at, a.duration_ms, a.status_code, a.error, a.next_retry_at)
            .where(a.delivery_id.in_(list(found))).order_by(a.delivery_id, a.attempt))
        for row in rows:
            found[row.delivery_id].append(Attempt(*row[1:]))
    for d in deliveries:
        if not found[d.id]:
            found[d.id] = _from_delivery(d)
    return found
