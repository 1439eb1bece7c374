"""Webhook jobs: one delivery attempt per RQ job (plus, batched, other due deliveries of the same
endpoint), and the outbox sweep."""
from __future__ import annotations

from datetime import datetime

from rq import Retry

from portal.jobs.registry import periodic
from portal.jobs.scheduler import job_app
from portal.services.integrations import delivery

# RQ counts retries only for immediate ones; our own attempt counter (in the row) decides the end.
RETRY_CAP = 10_000


def deliver(delivery_id: str) -> dict | Retry:
    """RQ job (id = delivery id): one attempt of it, and of up to WEBHOOK_BATCH - 1 other due
    deliveries of its endpoint (their own jobs are taken off the queue). A failure of its own
    delivery that will be retried returns RQ's Retry with the delay chosen by the delivery
    service, so the same job runs again later."""
    with job_app() as app:
        outcome = delivery.attempt(delivery_id, batch=max(1, int(app.config.get("WEBHOOK_BATCH", 1))))
    if outcome.retry_in is not None:
        return Retry(max=RETRY_CAP, interval=outcome.retry_in)
    return outcome.summary()


@periodic("outbox-sweep", interval=30,
          description="Enqueue pending webhook deliveries that are due and not on the queue")
def outbox_sweep(now: datetime | None = None) -> dict:
    return delivery.sweep(now)
