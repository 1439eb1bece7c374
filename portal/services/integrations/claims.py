"""Claiming webhook deliveries: the lease a worker takes before sending, and its release.

A short lease in the row (claimed_until, platform/leases.py) makes a second copy of a delivery's
job (double enqueue, the outbox sweep racing the queue) stop without sending. A lease left
behind means a worker took the delivery and never recorded an outcome (killed mid-POST): that
attempt counts, so such a delivery cannot loop forever.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from portal.models import TEST_EVENT, DomainEvent, WebhookDelivery, WebhookEndpoint
from portal.platform import queue
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.leases import LeasedWork, Statuses
from portal.services.common.events import envelope
from portal.services.integrations.signing import body_bytes, ping_envelope

# The RQ job of a delivery (job id = delivery id); the name is stored with every queued job.
DELIVER = queue.Task("portal.jobs.webhooks.deliver", queue="webhooks", timeout=120,
                     description="webhook delivery {job_id}")
# A delivery stays "pending" while it waits and while a worker sends it (the API shows no other state).
STATUS = Statuses(waiting="pending", running="pending", done="delivered", failed="failed")
DELIVERIES = LeasedWork(name="webhook delivery", model=WebhookDelivery, status_column="state",
                        statuses=STATUS, task=DELIVER)
# Longer than the 10 s timeout plus bookkeeping: a crashed sender's delivery is free again after it.
LEASE = timedelta(seconds=60)


def lease() -> timedelta:
    """WEBHOOK_LEASE_SECONDS (default 60): longer than WEBHOOK_TIMEOUT, so a live worker's POST
    always ends inside its lease."""
    return timedelta(seconds=float(current_app.config.get("WEBHOOK_LEASE_SECONDS", LEASE.total_seconds())))


def due(now: datetime) -> ColumnElement[bool]:
    """Never attempted yet, or its retry time has come."""
    d = WebhookDelivery
    return or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now)


@dataclass
class Claimed:
    """Plain values read while claiming: the POST then runs with no transaction open."""

    delivery_id: str
    event: str
    url: str
    secret: str
    body: bytes
    active: bool
    # The lease was taken before and never released: that attempt's worker died mid-way.
    unfinished_before: bool = False
    attempts: int = 0  # attempts recorded so far, the unfinished one included
    webhook_id: str = ""
    claimed_until: datetime | None = None  # the lease this worker holds
    # More due deliveries of the same endpoint claimed in the same transaction (see delivery.attempt()).
    extras: list[Claimed] = field(default_factory=list)


def claim(delivery_id: str, now: datetime, batch: int = 1) -> Claimed | None:
    """Take the lease (one conditional UPDATE: two copies of the job cannot both win) and read
    what the POST needs in one more query. With batch > 1, up to batch - 1 more due deliveries
    of the same endpoint are claimed in the same transaction (see claim_extras)."""
    d = WebhookDelivery
    until = now + lease()
    with unit_of_work() as s:
        # Read before the UPDATE: only the winner of the conditional UPDATE below uses it.
        previous_lease = s.scalar(select(d.claimed_until).where(d.id == delivery_id))
        row = DELIVERIES.claim(
            s, delivery_id, now, until, where=[due(now)],
            # A lease left behind: that attempt counts (see the module's doc).
            values={"attempts": d.attempts + (1 if previous_lease is not None else 0)},
            returning=[d.webhook_id, d.warehouse_id, d.event_id, d.event, d.created_at, d.attempts])
        if row is None:
            return None
        url, secret, active, event = s.execute(
            select(WebhookEndpoint.url, WebhookEndpoint.secret, WebhookEndpoint.active, DomainEvent)
            .select_from(WebhookEndpoint)
            .outerjoin(DomainEvent, DomainEvent.id == row.event_id)
            .where(WebhookEndpoint.id == row.webhook_id)
        ).one()
        payload = (envelope(event) if event is not None
                   else ping_envelope(delivery_id, row.webhook_id, row.warehouse_id, row.created_at))
        claimed = Claimed(delivery_id=delivery_id, event=row.event, url=url, secret=secret,
                          body=body_bytes(payload), active=active, unfinished_before=previous_lease is not None,
                          attempts=row.attempts, webhook_id=row.webhook_id, claimed_until=until)
        if batch > 1 and active and previous_lease is None and row.event != TEST_EVENT:
            claimed.extras = claim_extras(s, claimed, now, batch - 1)
        return claimed


def claim_extras(s: Session, main: Claimed, now: datetime, limit: int) -> list[Claimed]:
    """Claim up to `limit` more due, unclaimed deliveries of main's endpoint, oldest first, in
    one UPDATE. Only fresh work is taken: no test ping (its API request sends it itself) and no
    lease left behind by a dead worker (the single path counts that attempt). On PostgreSQL
    rows another worker is claiming right now are skipped rather than waited for."""
    d = WebhookDelivery
    # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT): PostgreSQL may run such a
    # subquery more than once and claim more than `limit` rows.
    ids = s.scalars(
        select(d.id)
        .where(d.webhook_id == main.webhook_id, d.state == STATUS.waiting, d.id != main.delivery_id,
               d.event != TEST_EVENT, d.claimed_until.is_(None), due(now))
        .order_by(d.created_at).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return []
    rows = s.execute(
        update(d).where(d.id.in_(ids), d.state == STATUS.waiting, d.claimed_until.is_(None))
        .values(claimed_until=main.claimed_until)
        .returning(d.id, d.event_id, d.event, d.created_at, d.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    if not rows:
        return []
    events = {e.id: e for e in s.scalars(select(DomainEvent).where(DomainEvent.id.in_(
        [r.event_id for r in rows if r.event_id is not None])))}
    extras = []
    for r in sorted(rows, key=lambda r: (r.created_at, r.id)):
        event = events.get(r.event_id)
        if event is None:  # no event behind it (cannot happen for a non-ping): leave it to its own job
            s.execute(update(d).where(d.id == r.id).values(claimed_until=None)
                      .execution_options(synchronize_session=False))
            continue
        extras.append(Claimed(delivery_id=r.id, event=r.event, url=main.url, secret=main.secret,
                              body=body_bytes(envelope(event)), active=True, attempts=r.attempts,
                              webhook_id=main.webhook_id, claimed_until=main.claimed_until))
    return extras


def release(delivery_ids: list[str], claimed_until: datetime | None) -> None:
    """Give back leases this worker holds without an attempt counted."""
    d = WebhookDelivery
    with unit_of_work() as s:
        s.execute(update(d).where(d.id.in_(delivery_ids), d.claimed_until == claimed_until)
                  .values(claimed_until=None).execution_options(synchronize_session=False))


def give_up(delivery_id: str, error: str) -> None:
    """Fail a claimed delivery without sending it (endpoint deactivated, attempts used up)."""
    with unit_of_work() as s:
        delivery = s.get(WebhookDelivery, delivery_id, populate_existing=True)
        if delivery is not None:
            delivery.state, delivery.claimed_until, delivery.next_attempt_at = STATUS.failed, None, None
            delivery.last_error = error


def started_early_by(delivery_id: str, now: datetime) -> int | None:
    """Whole seconds (at least 1) until a pending, unclaimed delivery is due; None if it is not
    waiting for its time (delivered, failed, gone, or held by a live worker's lease)."""
    d = WebhookDelivery
    row = db.session.execute(
        select(d.state, d.next_attempt_at, d.claimed_until).where(d.id == delivery_id)
    ).first()
    db.session.rollback()
    if row is None or row.state != STATUS.waiting or row.next_attempt_at is None or row.next_attempt_at <= now:
        return None
    if row.claimed_until is not None and row.claimed_until >= now:
        return None
    return max(1, math.ceil((row.next_attempt_at - now).total_seconds()))
