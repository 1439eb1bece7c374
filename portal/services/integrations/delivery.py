"""Sending webhook deliveries: one attempt (claim, sign, POST, record, retry decision), the
queueing of deliveries and the outbox sweep.

The pieces live beside this module: claims.py (the lease), signing.py (body, headers,
signatures), sending.py (the POST), outcomes.py (recording an attempt), retry.py (the retry
schedule). The delivery id is the queue's job id and the X-MaintainPro-Delivery header on
every attempt; a retry waits in the queue's scheduler under the same job id.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import requests

from portal.models import WebhookDelivery
from portal.models.types import utcnow
from portal.platform import queue
from portal.services.integrations import claims, outcomes, retry, sending
from portal.services.integrations.claims import DELIVER, DELIVERIES, Claimed
from portal.services.integrations.outcomes import Outcome

log = logging.getLogger(__name__)

__all__ = ["Outcome", "attempt", "enqueue", "sweep"]

UNFINISHED_ATTEMPT = "The previous attempt did not finish (its worker stopped)"


# --- queueing ---------------------------------------------------------------------------------
def enqueue(delivery_ids: list[str]) -> int:
    """Put deliveries on the queue, job id = delivery id. A Redis failure is logged and
    swallowed: the rows are committed, and the outbox-sweep job enqueues them later."""
    return DELIVERIES.enqueue(delivery_ids)


def sweep(now: datetime | None = None, limit: int = 1000) -> dict:
    """Enqueue due pending deliveries that the queue does not hold (Redis was down at commit
    time, the process died between commit and enqueue, a worker died mid-attempt, or a retry
    was left in the scheduler with no scheduler): platform/leases.py."""
    now = now or utcnow()
    swept = DELIVERIES.sweep(now, due_at=WebhookDelivery.next_attempt_at, where=[claims.due(now)],
                             limit=limit)
    result = {"due": swept.due, "enqueued": swept.enqueued}
    if swept.restarted:
        result["abandoned"] = swept.restarted  # jobs of workers that died mid-attempt
    if swept.stranded:
        result["stranded"] = swept.stranded  # retries left in the scheduler with no scheduler
    return result


# --- one attempt ------------------------------------------------------------------------------
def attempt(delivery_id: str, *, now: datetime | None = None, batch: int = 1) -> Outcome:
    """Make one delivery attempt if the delivery is pending, due and not being sent elsewhere.

    batch > 1 (the job passes WEBHOOK_BATCH): also send up to batch - 1 more due deliveries of
    the same endpoint, claimed in the same transaction, over the same kept-alive connection, and
    record them together (see _send_extras). The outcome returned is that of `delivery_id`."""
    claimed = claims.claim(delivery_id, now or utcnow(), batch)
    if claimed is None:
        early = claims.started_early_by(delivery_id, now or utcnow())
        if early is not None:
            # The scheduler keeps whole seconds, so a retry can start up to a second before
            # next_attempt_at: the same job runs again for the time that remains instead of
            # leaving the delivery to the next outbox sweep.
            return Outcome(delivery_id=delivery_id, retry_in=early, notes=["started early; rescheduled"])
        return Outcome(delivery_id=delivery_id, notes=["not pending, not due, or taken by another worker"])
    if not claimed.active:
        claims.give_up(delivery_id, "The endpoint is deactivated")
        return Outcome(delivery_id=delivery_id, state=claims.STATUS.failed, error="The endpoint is deactivated")
    if claimed.unfinished_before and retry.attempts_exhausted(claimed.attempts):
        # Its workers died on every attempt the schedule allows: give up instead of looping.
        claims.give_up(delivery_id, UNFINISHED_ATTEMPT)
        return Outcome(delivery_id=delivery_id, state=claims.STATUS.failed, error=UNFINISHED_ATTEMPT)
    if claimed.extras:
        _take_off_queue([extra.delivery_id for extra in claimed.extras])
    clock = time.monotonic()
    response, error, duration_ms = sending.post(claimed)
    # The attempt time is taken after the POST: a retry is counted from when this one ended.
    finished_at = now or utcnow()
    if not claimed.extras:
        return outcomes.record(claimed, response, error, duration_ms, finished_at)
    return _send_extras(claimed, (response, error, duration_ms, finished_at), clock, now)


def _take_off_queue(delivery_ids: list[str]) -> None:
    """Claimed as extras: take their own jobs off the queue, so no worker spends a job on them
    just to find them taken. A job already dequeued elsewhere runs, finds the lease taken and
    stops. The outbox sweep re-enqueues a delivery whose job is gone should this worker die with it."""
    try:
        queue.withdraw(DELIVER, [DELIVERIES.job_id(delivery_id) for delivery_id in delivery_ids])
    except queue.Unavailable as exc:  # their jobs run and stop at the lease: slower, never wrong
        log.warning("could not take %d batched webhook deliveries off the queue (%s)", len(delivery_ids), exc)


def _send_extras(main: Claimed, main_result: tuple, clock: float, now: datetime | None) -> Outcome:
    """POST the extras after `main`, then record every outcome: the successes in one transaction,
    each failure as the single path does (its retry scheduled under its own job id).

    An extra is only sent while its lease is sure to outlast the POST (lease minus the timeout
    and a margin, counted from the claim); after a POST with no answer at all (timeout, refused)
    the endpoint is left alone. Extras not sent are released without an attempt counted and go
    back on the queue."""
    send_until = clock + claims.lease().total_seconds() - sending.timeout() - 5
    results: list[tuple[Claimed, requests.Response | None, str | None, int, datetime]] = [(main, *main_result)]
    unsent: list[Claimed] = []
    reachable = main_result[0] is not None
    for extra in main.extras:
        if not reachable or time.monotonic() > send_until:
            unsent.append(extra)
            continue
        response, error, duration_ms = sending.post(extra)
        results.append((extra, response, error, duration_ms, now or utcnow()))
        reachable = response is not None
    if unsent:
        unsent_ids = [extra.delivery_id for extra in unsent]
        claims.release(unsent_ids, main.claimed_until)
        enqueue(unsent_ids)
    main_outcome: Outcome | None = None
    delivered = [r for r in results if r[2] is None]
    if delivered:
        states = outcomes.record_delivered_many(delivered)
        for claimed, response, _error, duration_ms, _at in delivered:
            if claimed is main:
                main_outcome = Outcome(delivery_id=main.delivery_id, sent=True, duration_ms=duration_ms,
                                       status_code=response.status_code, state=states[main.delivery_id])
    for claimed, response, error, duration_ms, at in results:
        if error is None:
            continue
        outcome = outcomes.record(claimed, response, error, duration_ms, at)
        if claimed is main:
            main_outcome = outcome
        elif outcome.retry_in is not None:
            _schedule_retry(claimed.delivery_id, outcome.retry_in)
    assert main_outcome is not None
    main_outcome.notes.append(f"sent {len(results) - 1} more deliveries of the endpoint in this job")
    return main_outcome


def _schedule_retry(delivery_id: str, seconds: int) -> None:
    """An extra's retry waits in the scheduler under its own job id, as a single delivery's does."""
    try:
        queue.enqueue(DELIVER, delivery_id, job_id=DELIVERIES.job_id(delivery_id), delay=timedelta(seconds=seconds))
    except queue.Unavailable as exc:  # the row is pending with its next_attempt_at: the sweep enqueues it
        log.warning("could not schedule the retry of webhook delivery %s (%s)", delivery_id, exc)
