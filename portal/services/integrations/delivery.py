"""Sending webhook deliveries: claim, sign, POST, record, and decide on the retry.

A delivery goes out as the exact JSON bytes of the contract's payload structure, signed with
HMAC-SHA256 over those bytes. The delivery id is the RQ job id and the X-MaintainPro-Delivery
header on every attempt. A short lease in the row (claimed_until) makes a second copy of the
job (double enqueue, sweeper racing the queue) stop without sending.

Retry schedule: WEBHOOK_RETRY_DELAYS seconds (default 10,60,300,1800,7200,21600), each
multiplied by a random factor in [0.8, 1.2] so a receiver coming back is not hit by every
delivery at once; Retry-After on 429/503 pushes the next attempt later (capped at one day).
After the last delay the delivery is failed. 410 Gone fails it at once and deactivates the
endpoint; WEBHOOK_DISABLE_AFTER failed deliveries in a row (default 20) deactivate it too.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from flask import current_app
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import bindparam, or_, select, update

from portal.models import TEST_EVENT, DomainEvent, WebhookDelivery, WebhookEndpoint
from portal.models.types import UTCDateTime, utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.js_json import stringify_bytes
from portal.platform.net_guard import BlockedTarget, check_url, http_session
from portal.platform.redis import get_redis
from portal.schemas.common import iso
from portal.services.common.events import envelope

log = logging.getLogger(__name__)

QUEUE = "webhooks"
JOB_FUNC = "portal.jobs.webhooks.deliver"
USER_AGENT = "MaintainPro-Webhooks/1.0"
# Longer than the 10 s timeout plus bookkeeping: a crashed sender's delivery is free again after it.
LEASE = timedelta(seconds=60)
UNFINISHED_ATTEMPT = "The previous attempt did not finish (its worker stopped)"
MAX_RETRY_AFTER = 24 * 3600
ERROR_LIMIT = 1000


@dataclass
class Outcome:
    delivery_id: str
    sent: bool = False  # False: not ours to send (already taken, not due, gone)
    state: str | None = None
    status_code: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    retry_in: int | None = None  # seconds until the next attempt, when one is scheduled
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"deliveryId": self.delivery_id, "sent": self.sent, "state": self.state,
                "statusCode": self.status_code, "durationMs": self.duration_ms, "error": self.error,
                "retryIn": self.retry_in}


def lease() -> timedelta:
    """WEBHOOK_LEASE_SECONDS (default 60): longer than WEBHOOK_TIMEOUT, so a live worker's POST
    always ends inside its lease."""
    return timedelta(seconds=float(current_app.config.get("WEBHOOK_LEASE_SECONDS", LEASE.total_seconds())))


def retry_delays() -> list[int]:
    raw = str(current_app.config.get("WEBHOOK_RETRY_DELAYS", ""))
    return [int(part) for part in raw.split(",") if part.strip()]


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_TARGETS"))


def jittered(delay: int) -> int:
    return max(0, math.ceil(delay * random.uniform(0.8, 1.2)))


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body: what the contract's verifyWebhook recomputes."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def ping_envelope(delivery_id: str, webhook_id: str, warehouse_id: str, created_at: datetime) -> dict:
    """The test ping's body: the payload structure, with no domain event behind it."""
    return {
        "id": delivery_id,
        "event": TEST_EVENT,
        "timestamp": iso(created_at),
        "data": {"entity": "webhook", "entityId": webhook_id, "warehouseId": warehouse_id,
                 "payload": {"message": "Test delivery from MaintainPro", "timestamp": iso(created_at)}},
    }


def body_bytes(payload: dict) -> bytes:
    """The request body exactly as JSON.stringify prints it (UTF-8), so a receiver verifying over
    JSON.stringify(JSON.parse(body)) computes the same signature as one verifying the raw bytes."""
    return stringify_bytes(payload)


def headers_for(delivery_id: str, event: str, secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-MaintainPro-Event": event,
        "X-MaintainPro-Delivery": delivery_id,
        "X-MaintainPro-Timestamp": timestamp,
        "X-MaintainPro-Signature": sign(secret, body),
        # The contract's signature covers the body only, so a captured request could be replayed
        # later. This one also covers the timestamp (as Stripe does): a receiver that checks it
        # and refuses old timestamps is safe from replays.
        "X-MaintainPro-Timestamp-Signature": sign(secret, timestamp.encode("ascii") + b"." + body),
    }


# --- queueing ---------------------------------------------------------------------------------
def enqueue(delivery_ids: list[str]) -> int:
    """Put deliveries on the RQ queue, job id = delivery id. A Redis failure is logged and
    swallowed: the rows are committed, and the outbox-sweep job enqueues them later."""
    if not delivery_ids:
        return 0
    try:
        queue = Queue(QUEUE, connection=get_redis())
        queue.enqueue_many([
            Queue.prepare_data(JOB_FUNC, args=(delivery_id,), job_id=delivery_id, timeout=120,
                               result_ttl=3600, failure_ttl=7 * 24 * 3600, description=f"webhook delivery {delivery_id}")
            for delivery_id in delivery_ids
        ])
    except RedisError as exc:
        log.warning("could not enqueue %d webhook deliveries (%s); the outbox sweep will", len(delivery_ids), exc)
        return 0
    return len(delivery_ids)


WAITING_STATUSES = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.STARTED}
# RQ's scheduler moves due jobs every second; a retry still scheduled this long after it fell due
# has no scheduler (see sweep()).
SCHEDULER_GRACE = timedelta(seconds=5)


def sweep(now: datetime | None = None, limit: int = 1000) -> dict:
    """Enqueue due pending deliveries that RQ does not hold (Redis was down at commit time, or
    the process died between commit and enqueue)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.claimed_until, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.state == "pending",
               or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
               or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
        .order_by(WebhookDelivery.created_at).limit(limit)
    ).all()
    ids = [row.id for row in rows]
    leased = {row.id for row in rows if row.claimed_until is not None}  # leases taken and run out
    overdue = {row.id for row in rows
               if row.next_attempt_at is not None and row.next_attempt_at < now - SCHEDULER_GRACE}
    db.session.rollback()  # end the read transaction before talking to Redis
    if not ids:
        return {"due": 0, "enqueued": 0}
    jobs = Job.fetch_many(ids, connection=get_redis())
    missing, abandoned, stranded = [], [], []
    for delivery_id, job in zip(ids, jobs, strict=True):
        status = None if job is None else job.get_status(refresh=False)
        if status == JobStatus.STARTED and delivery_id in leased:
            # RQ still says started, but the lease ran out: the worker died mid-attempt (RQ's own
            # abandoned-job check runs only every 10 minutes). A live worker's lease has not run
            # out (it outlasts the POST timeout), so this never doubles a delivery in flight.
            abandoned.append(job)
        elif status == JobStatus.SCHEDULED and delivery_id in overdue:
            # A retry nobody moved to the queue: the worker holding RQ's scheduler lock died, and
            # the others only try to take the lock over every 2 minutes (it expires after 61 s).
            stranded.append(job)
        elif status not in WAITING_STATUSES:
            missing.append(delivery_id)
    for job in abandoned:
        _forget_started(job)
    unstranded = _take_off_schedule(stranded)
    result = {"due": len(ids), "enqueued": enqueue(missing + [job.id for job in abandoned] + unstranded)}
    if abandoned:
        result["abandoned"] = len(abandoned)  # jobs of workers that died mid-attempt
    if unstranded:
        result["stranded"] = len(unstranded)  # retries left in RQ's schedule with no scheduler
    return result


def _take_off_schedule(jobs: list[Job]) -> list[str]:
    """Remove stranded retries from RQ's scheduled registry; returns the ids this call removed
    (a scheduler that came back and moved a job meanwhile keeps it: never queued twice)."""
    from rq.registry import ScheduledJobRegistry

    taken = []
    for job in jobs:
        try:
            if ScheduledJobRegistry(job.origin or QUEUE, connection=get_redis()).remove(job):
                taken.append(job.id)
        except RedisError as exc:
            log.warning("could not take webhook delivery %s off RQ's schedule (%s)", job.id, exc)
    return taken


def _forget_started(job: Job) -> None:
    """Take a dead worker's job out of RQ's started registry, so RQ's later clean-up of it does
    not mark the re-enqueued job (same id) failed."""
    from rq.registry import StartedJobRegistry

    registry = StartedJobRegistry(job.origin or QUEUE, connection=get_redis())
    try:
        registry.remove_executions(job)
    except RedisError as exc:
        log.warning("could not clear the started entry of webhook delivery %s (%s)", job.id, exc)


# --- one attempt ------------------------------------------------------------------------------
@dataclass
class _Claimed:
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
    # More due deliveries of the same endpoint claimed in the same transaction (see attempt()).
    extras: list[_Claimed] = field(default_factory=list)


def _claim(delivery_id: str, now: datetime, batch: int = 1) -> _Claimed | None:
    """Take the lease (one conditional UPDATE: two copies of the job cannot both win) and read
    what the POST needs in one more query. With batch > 1, up to batch - 1 more due deliveries
    of the same endpoint are claimed in the same transaction (see _claim_extras)."""
    d = WebhookDelivery
    until = now + lease()
    with unit_of_work() as s:
        # Read before the UPDATE: only the winner of the conditional UPDATE below uses it.
        previous_lease = s.scalar(select(d.claimed_until).where(d.id == delivery_id))
        row = s.execute(
            update(d)
            .where(d.id == delivery_id, d.state == "pending",
                   or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now),
                   or_(d.claimed_until.is_(None), d.claimed_until < now))
            # A lease left behind means a worker took this delivery and never recorded an outcome
            # (killed mid-POST): that attempt counts, so such a delivery cannot loop forever.
            .values(claimed_until=until,
                    attempts=d.attempts + (1 if previous_lease is not None else 0))
            .returning(d.webhook_id, d.warehouse_id, d.event_id, d.event, d.created_at, d.attempts)
            .execution_options(synchronize_session=False)
        ).first()
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
        claimed = _Claimed(delivery_id=delivery_id, event=row.event, url=url, secret=secret,
                           body=body_bytes(payload), active=active, unfinished_before=previous_lease is not None,
                           attempts=row.attempts, webhook_id=row.webhook_id, claimed_until=until)
        if batch > 1 and active and previous_lease is None and row.event != TEST_EVENT:
            claimed.extras = _claim_extras(s, claimed, now, batch - 1)
        return claimed


def _claim_extras(s, main: _Claimed, now: datetime, limit: int) -> list[_Claimed]:
    """Claim up to `limit` more due, unclaimed deliveries of main's endpoint, oldest first, in
    one UPDATE. Only fresh work is taken: no test ping (its API request sends it itself) and no
    lease left behind by a dead worker (the single path counts that attempt). On PostgreSQL
    rows another worker is claiming right now are skipped rather than waited for."""
    d = WebhookDelivery
    # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT): PostgreSQL may run such a
    # subquery more than once and claim more than `limit` rows.
    ids = s.scalars(
        select(d.id)
        .where(d.webhook_id == main.webhook_id, d.state == "pending", d.id != main.delivery_id,
               d.event != TEST_EVENT, d.claimed_until.is_(None),
               or_(d.next_attempt_at.is_(None), d.next_attempt_at <= now))
        .order_by(d.created_at).limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not ids:
        return []
    rows = s.execute(
        update(d).where(d.id.in_(ids), d.state == "pending", d.claimed_until.is_(None))
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
        extras.append(_Claimed(delivery_id=r.id, event=r.event, url=main.url, secret=main.secret,
                               body=body_bytes(envelope(event)), active=True, attempts=r.attempts,
                               webhook_id=main.webhook_id, claimed_until=main.claimed_until))
    return extras


def _retry_after(response: requests.Response | None, now: datetime) -> int | None:
    if response is None or response.status_code not in (429, 503):
        return None
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        seconds = int(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = math.ceil((when - now).total_seconds())
    return min(max(seconds, 0), MAX_RETRY_AFTER)


_local = threading.local()


def _session() -> requests.Session:
    """One HTTP session per thread and process, so a worker keeps connections to receivers
    alive between deliveries; a forked child never reuses its parent's sockets."""
    key = (os.getpid(), allow_private())
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    session = sessions.get(key)
    if session is None:
        session = sessions[key] = http_session(allow_private=key[1])
    return session


def _post(claimed: _Claimed) -> tuple[requests.Response | None, str | None, int]:
    started = time.perf_counter()
    response, error = None, None
    try:
        check_url(claimed.url, allow_private=allow_private(),
                  cache_seconds=float(current_app.config.get("WEBHOOK_DNS_CACHE_SECONDS", 0)))
        response = _session().post(
            claimed.url, data=claimed.body,
            headers=headers_for(claimed.delivery_id, claimed.event, claimed.secret, claimed.body),
            timeout=current_app.config.get("WEBHOOK_TIMEOUT", 10), allow_redirects=False,
        )
    except BlockedTarget as exc:
        error = f"Blocked target: {exc}"
    except requests.Timeout:
        error = "Timed out"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = round((time.perf_counter() - started) * 1000)
    if response is not None and not 200 <= response.status_code < 300:
        error = f"HTTP {response.status_code}" + (" (redirects are not followed)" if response.is_redirect else "")
    return response, error, duration_ms


def _disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:300]
    endpoint.updated_at = now
    log.warning("webhook endpoint %s deactivated: %s", endpoint.id, reason)


def _record(claimed: _Claimed, response: requests.Response | None, error: str | None, duration_ms: int,
            now: datetime) -> Outcome:
    outcome = Outcome(delivery_id=claimed.delivery_id, sent=True, duration_ms=duration_ms, error=error,
                      status_code=response.status_code if response is not None else None)
    if error is None:
        return _record_delivered(claimed, outcome, now)
    with unit_of_work() as s:
        delivery = s.get(WebhookDelivery, claimed.delivery_id, with_for_update=True, populate_existing=True)
        if delivery is None:  # the endpoint was deleted meanwhile
            outcome.state = "gone"
            return outcome
        endpoint = s.get(WebhookEndpoint, delivery.webhook_id, with_for_update=True, populate_existing=True)
        delivery.attempts += 1
        delivery.claimed_until = None
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_duration_ms = duration_ms
        delivery.last_error = error[:ERROR_LIMIT] if error else None
        if outcome.status_code == 410:
            delivery.state = "failed"
            delivery.next_attempt_at = None
            _disable(endpoint, "The receiver answered 410 Gone", now)
        else:
            delays = retry_delays()
            retries_used = delivery.attempts - 1
            if delivery.event != TEST_EVENT and retries_used < len(delays):
                wait = jittered(delays[retries_used])
                retry_after = _retry_after(response, now)
                if retry_after is not None:
                    wait = max(wait, retry_after)
                delivery.next_attempt_at = now + timedelta(seconds=wait)
                outcome.retry_in = wait
            else:
                delivery.state = "failed"
                delivery.next_attempt_at = None
                if delivery.event != TEST_EVENT:
                    endpoint.consecutive_failures += 1
                    limit = int(current_app.config.get("WEBHOOK_DISABLE_AFTER", 0) or 0)
                    if limit and endpoint.consecutive_failures >= limit and endpoint.active:
                        _disable(endpoint, f"{endpoint.consecutive_failures} deliveries in a row failed", now)
        outcome.state = delivery.state
    return outcome


def _record_delivered(claimed: _Claimed, outcome: Outcome, now: datetime) -> Outcome:
    """The common case in two plain UPDATEs (no row read back)."""
    d = WebhookDelivery
    with unit_of_work() as s:
        row = s.execute(
            update(d).where(d.id == claimed.delivery_id)
            .values(attempts=d.attempts + 1, claimed_until=None, last_attempt_at=now, delivered_at=now,
                    last_status_code=outcome.status_code, last_duration_ms=outcome.duration_ms, last_error=None,
                    state="delivered", next_attempt_at=None)
            .returning(d.webhook_id)
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:  # the endpoint was deleted meanwhile
            outcome.state = "gone"
            return outcome
        if claimed.event != TEST_EVENT:
            s.execute(update(WebhookEndpoint)
                      .where(WebhookEndpoint.id == row.webhook_id, WebhookEndpoint.consecutive_failures != 0)
                      .values(consecutive_failures=0).execution_options(synchronize_session=False))
    outcome.state = "delivered"
    return outcome


def _started_early_by(delivery_id: str, now: datetime) -> int | None:
    """Whole seconds (at least 1) until a pending, unclaimed delivery is due; None if it is not
    waiting for its time (delivered, failed, gone, or held by a live worker's lease)."""
    d = WebhookDelivery
    row = db.session.execute(
        select(d.state, d.next_attempt_at, d.claimed_until).where(d.id == delivery_id)
    ).first()
    db.session.rollback()
    if row is None or row.state != "pending" or row.next_attempt_at is None or row.next_attempt_at <= now:
        return None
    if row.claimed_until is not None and row.claimed_until >= now:
        return None
    return max(1, math.ceil((row.next_attempt_at - now).total_seconds()))


def attempt(delivery_id: str, *, now: datetime | None = None, batch: int = 1) -> Outcome:
    """Make one delivery attempt if the delivery is pending, due and not being sent elsewhere.

    batch > 1 (the RQ job passes WEBHOOK_BATCH): also send up to batch - 1 more due deliveries of
    the same endpoint, claimed in the same transaction, over the same kept-alive connection, and
    record them together (see _send_extras). The outcome returned is that of `delivery_id`."""
    claimed = _claim(delivery_id, now or utcnow(), batch)
    if claimed is None:
        early = _started_early_by(delivery_id, now or utcnow())
        if early is not None:
            # RQ's scheduled registry keeps whole seconds, so a retry can start up to a second
            # before next_attempt_at: the same job runs again for the time that remains instead of
            # leaving the delivery to the next outbox sweep.
            return Outcome(delivery_id=delivery_id, retry_in=early, notes=["started early; rescheduled"])
        return Outcome(delivery_id=delivery_id, notes=["not pending, not due, or taken by another worker"])
    if not claimed.active:
        with unit_of_work() as s:
            delivery = s.get(WebhookDelivery, delivery_id, populate_existing=True)
            if delivery is not None:
                delivery.state, delivery.claimed_until, delivery.next_attempt_at = "failed", None, None
                delivery.last_error = "The endpoint is deactivated"
        return Outcome(delivery_id=delivery_id, state="failed", error="The endpoint is deactivated")
    if claimed.unfinished_before and claimed.attempts > len(retry_delays()):
        # Its workers died on every attempt the schedule allows: give up instead of looping.
        with unit_of_work() as s:
            delivery = s.get(WebhookDelivery, delivery_id, populate_existing=True)
            if delivery is not None:
                delivery.state, delivery.claimed_until, delivery.next_attempt_at = "failed", None, None
                delivery.last_error = UNFINISHED_ATTEMPT
        return Outcome(delivery_id=delivery_id, state="failed", error=UNFINISHED_ATTEMPT)
    if claimed.extras:
        _take_off_queue([extra.delivery_id for extra in claimed.extras])
    clock = time.monotonic()
    response, error, duration_ms = _post(claimed)
    # The attempt time is taken after the POST: a retry is counted from when this one ended.
    finished_at = now or utcnow()
    if not claimed.extras:
        return _record(claimed, response, error, duration_ms, finished_at)
    return _send_extras(claimed, (response, error, duration_ms, finished_at), clock, now)


def _take_off_queue(delivery_ids: list[str]) -> None:
    """Claimed as extras: take their own jobs off the RQ queue, so no worker spends a job on
    them just to find them taken. Only a job this LREM removed is deleted (nobody else can be
    running it); a job already dequeued elsewhere runs, finds the lease taken and stops. The
    outbox sweep re-enqueues a delivery whose job is gone should this worker die with it."""
    queue_key = Queue(QUEUE, connection=get_redis()).key
    try:
        redis = get_redis()
        with redis.pipeline(transaction=False) as pipe:
            for delivery_id in delivery_ids:
                pipe.lrem(queue_key, 0, delivery_id)
            removed = pipe.execute()
        gone = [delivery_id for delivery_id, n in zip(delivery_ids, removed, strict=True) if n]
        if gone:
            redis.delete(*(Job.key_for(delivery_id) for delivery_id in gone))
    except RedisError as exc:  # their jobs run and stop at the lease: slower, never wrong
        log.warning("could not take %d batched webhook deliveries off the queue (%s)", len(delivery_ids), exc)


def _send_extras(main: _Claimed, main_result: tuple, clock: float, now: datetime | None) -> Outcome:
    """POST the extras after `main`, then record every outcome: the successes in one transaction,
    each failure as the single path does (its retry scheduled under its own job id).

    An extra is only sent while its lease is sure to outlast the POST (lease minus the timeout
    and a margin, counted from the claim); after a POST with no answer at all (timeout, refused)
    the endpoint is left alone. Extras not sent are released without an attempt counted and go
    back on the queue."""
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT", 10))
    send_until = clock + lease().total_seconds() - timeout - 5
    results: list[tuple[_Claimed, requests.Response | None, str | None, int, datetime]] = [(main, *main_result)]
    unsent: list[_Claimed] = []
    reachable = main_result[0] is not None
    for extra in main.extras:
        if not reachable or time.monotonic() > send_until:
            unsent.append(extra)
            continue
        response, error, duration_ms = _post(extra)
        results.append((extra, response, error, duration_ms, now or utcnow()))
        reachable = response is not None
    if unsent:
        _release([extra.delivery_id for extra in unsent], main.claimed_until)
    main_outcome: Outcome | None = None
    delivered = [r for r in results if r[2] is None]
    if delivered:
        states = _record_delivered_many(delivered)
        for claimed, response, _error, duration_ms, _at in delivered:
            if claimed is main:
                main_outcome = Outcome(delivery_id=main.delivery_id, sent=True, duration_ms=duration_ms,
                                       status_code=response.status_code, state=states[main.delivery_id])
    for claimed, response, error, duration_ms, at in results:
        if error is None:
            continue
        outcome = _record(claimed, response, error, duration_ms, at)
        if claimed is main:
            main_outcome = outcome
        elif outcome.retry_in is not None:
            _schedule_retry(claimed.delivery_id, outcome.retry_in)
    assert main_outcome is not None
    main_outcome.notes.append(f"sent {len(results) - 1} more deliveries of the endpoint in this job")
    return main_outcome


def _release(delivery_ids: list[str], claimed_until: datetime | None) -> None:
    """Give back leases this worker holds without an attempt, and queue the deliveries again."""
    d = WebhookDelivery
    with unit_of_work() as s:
        s.execute(update(d).where(d.id.in_(delivery_ids), d.claimed_until == claimed_until)
                  .values(claimed_until=None).execution_options(synchronize_session=False))
    enqueue(delivery_ids)


def _schedule_retry(delivery_id: str, seconds: int) -> None:
    """An extra's retry waits in RQ's scheduler under its own job id, as a single delivery's does."""
    try:
        Queue(QUEUE, connection=get_redis()).enqueue_in(
            timedelta(seconds=seconds), JOB_FUNC, delivery_id, job_id=delivery_id, job_timeout=120,
            result_ttl=3600, failure_ttl=7 * 24 * 3600, description=f"webhook delivery {delivery_id}")
    except RedisError as exc:  # the row is pending with its next_attempt_at: the sweep enqueues it
        log.warning("could not schedule the retry of webhook delivery %s (%s)", delivery_id, exc)


def _record_delivered_many(results: list) -> dict[str, str]:
    """The successes of a batch in one transaction: one executemany UPDATE, and the endpoint's
    failure streak reset once. Returns each delivery's state ("gone" if its row was deleted)."""
    t = WebhookDelivery.__table__
    stmt = (update(t).where(t.c.id == bindparam("b_id"))
            .values(attempts=t.c.attempts + 1, claimed_until=None, last_error=None, state="delivered",
                    next_attempt_at=None, last_attempt_at=bindparam("b_at", type_=UTCDateTime),
                    delivered_at=bindparam("b_at", type_=UTCDateTime), last_status_code=bindparam("b_code"),
                    last_duration_ms=bindparam("b_ms")))
    rows = [{"b_id": claimed.delivery_id, "b_at": at, "b_code": response.status_code, "b_ms": duration_ms}
            for claimed, response, _error, duration_ms, at in results]
    ids = [row["b_id"] for row in rows]
    with unit_of_work() as s:
        updated = s.connection().execute(stmt, rows).rowcount
        existing = set(ids) if updated == len(ids) else set(
            s.scalars(select(WebhookDelivery.id).where(WebhookDelivery.id.in_(ids))))
        webhook_id = results[0][0].webhook_id
        if existing and results[0][0].event != TEST_EVENT:
            s.execute(update(WebhookEndpoint)
                      .where(WebhookEndpoint.id == webhook_id, WebhookEndpoint.consecutive_failures != 0)
                      .values(consecutive_failures=0).execution_options(synchronize_session=False))
    return {delivery_id: "delivered" if delivery_id in existing else "gone" for delivery_id in ids}
