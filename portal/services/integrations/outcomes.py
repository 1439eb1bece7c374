"""Recording what an attempt of a webhook delivery came to: delivered, retried later, or failed,
and the endpoint's failure streak (which deactivates it: services/integrations/retry.py)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from sqlalchemy import bindparam, insert, select, update

from portal.models import TEST_EVENT, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from portal.models.types import UTCDateTime
from portal.models.webhooks import ATTEMPT_ERROR_LIMIT
from portal.platform.database import unit_of_work
from portal.services.integrations import retry
from portal.services.integrations.claims import STATUS, Claimed

log = logging.getLogger(__name__)

ERROR_LIMIT = 1000
GONE = "gone"  # an outcome's state when the delivery was deleted meanwhile (with its endpoint)


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


def _disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:300]
    endpoint.updated_at = now
    log.warning("webhook endpoint %s deactivated: %s", endpoint.id, reason)


def attempt_row(delivery_id: str, number: int, finished_at: datetime, duration_ms: int, status_code: int | None,
                error: str | None, next_retry_at: datetime | None = None) -> dict:
    """The delivery log's line for one attempt; the attempt time is taken after the POST, so it
    started duration_ms before."""
    return {"delivery_id": delivery_id, "attempt": number, "duration_ms": duration_ms,
            "started_at": finished_at - timedelta(milliseconds=duration_ms), "status_code": status_code,
            "error": error[:ATTEMPT_ERROR_LIMIT] if error else None, "next_retry_at": next_retry_at}


def record(claimed: Claimed, response: requests.Response | None, error: str | None, duration_ms: int,
           now: datetime) -> Outcome:
    """Record one attempt: delivered, or failed with its retry scheduled in the row, or failed for good."""
    outcome = Outcome(delivery_id=claimed.delivery_id, sent=True, duration_ms=duration_ms, error=error,
                      status_code=response.status_code if response is not None else None)
    if error is None:
        return record_delivered(claimed, outcome, now)
    with unit_of_work() as s:
        delivery = s.get(WebhookDelivery, claimed.delivery_id, with_for_update=True, populate_existing=True)
        if delivery is None:  # the endpoint was deleted meanwhile
            outcome.state = GONE
            return outcome
        endpoint = s.get(WebhookEndpoint, delivery.webhook_id, with_for_update=True, populate_existing=True)
        delivery.attempts += 1
        delivery.claimed_until = None
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_duration_ms = duration_ms
        delivery.last_error = error[:ERROR_LIMIT] if error else None
        wait = retry.next_retry(delivery.attempts, delivery.event, response, now)
        if wait is not None:
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            outcome.retry_in = wait
        else:
            delivery.state = STATUS.failed
            delivery.next_attempt_at = None
            if outcome.status_code == retry.GONE:
                _disable(endpoint, "The receiver answered 410 Gone", now)
            elif delivery.event != TEST_EVENT:
                endpoint.consecutive_failures += 1
                limit = retry.disable_after()
                if limit and endpoint.consecutive_failures >= limit and endpoint.active:
                    _disable(endpoint, f"{endpoint.consecutive_failures} deliveries in a row failed", now)
        s.execute(insert(WebhookDeliveryAttempt), [attempt_row(
            delivery.id, delivery.attempts, now, duration_ms, outcome.status_code, error, delivery.next_attempt_at)])
        outcome.state = delivery.state
    return outcome


def record_delivered(claimed: Claimed, outcome: Outcome, now: datetime) -> Outcome:
    """The common case in two plain UPDATEs (no row read back)."""
    d = WebhookDelivery
    with unit_of_work() as s:
        row = s.execute(
            update(d).where(d.id == claimed.delivery_id)
            .values(attempts=d.attempts + 1, claimed_until=None, last_attempt_at=now, delivered_at=now,
                    last_status_code=outcome.status_code, last_duration_ms=outcome.duration_ms, last_error=None,
                    state=STATUS.done, next_attempt_at=None)
            .returning(d.webhook_id, d.attempts)
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:  # the endpoint was deleted meanwhile
            outcome.state = GONE
            return outcome
        s.execute(insert(WebhookDeliveryAttempt), [attempt_row(
            claimed.delivery_id, row.attempts, now, outcome.duration_ms, outcome.status_code, None)])
        if claimed.event != TEST_EVENT:
            s.execute(update(WebhookEndpoint)
                      .where(WebhookEndpoint.id == row.webhook_id, WebhookEndpoint.consecutive_failures != 0)
                      .values(consecutive_failures=0).execution_options(synchronize_session=False))
    outcome.state = STATUS.done
    return outcome


def record_delivered_many(results: list) -> dict[str, str]:
    """The successes of a batch in one transaction: one executemany UPDATE, and the endpoint's
    failure streak reset once. Returns each delivery's state ("gone" if its row was deleted)."""
    t = WebhookDelivery.__table__
    stmt = (update(t).where(t.c.id == bindparam("b_id"))
            .values(attempts=t.c.attempts + 1, claimed_until=None, last_error=None, state=STATUS.done,
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
        # The claim counted the attempts so far and holds the lease: this one is the next.
        attempts = [attempt_row(claimed.delivery_id, claimed.attempts + 1, at, duration_ms, response.status_code, None)
                    for claimed, response, _error, duration_ms, at in results if claimed.delivery_id in existing]
        if attempts:
            s.execute(insert(WebhookDeliveryAttempt), attempts)
        webhook_id = results[0][0].webhook_id
        if existing and results[0][0].event != TEST_EVENT:
            s.execute(update(WebhookEndpoint)
                      .where(WebhookEndpoint.id == webhook_id, WebhookEndpoint.consecutive_failures != 0)
                      .values(consecutive_failures=0).execution_options(synchronize_session=False))
    return {delivery_id: STATUS.done if delivery_id in existing else GONE for delivery_id in ids}
