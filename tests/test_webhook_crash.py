"""Deliveries survive a worker killed mid-POST, and a retry started early by RQ is not dropped."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import psutil
from conftest import TEST_CONFIG
from rq import Queue
from test_webhooks import (  # noqa: F401
    ROOT,
    _loopback_allowed,
    deliveries,
    endpoint_for,
    new_work_order,
    receiver,
    run_worker,
)

from portal.jobs import webhooks as webhook_jobs
from portal.models import WebhookDelivery
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.services.integrations import claims
from portal.services.integrations import delivery as delivery_service

LEASE_SECONDS = 1.0
SWEEP_SECONDS = 0.5


def test_a_worker_killed_mid_post_is_redelivered_within_lease_plus_two_sweeps(app, users, receiver):  # noqa: F811
    app.config["WEBHOOK_LEASE_SECONDS"] = LEASE_SECONDS
    endpoint_for(users, "north", receiver.url, events=["work_order.created"])
    new_work_order(users)
    db.session.rollback()
    release = threading.Event()
    first_arrived = threading.Event()

    def hold_first(_got) -> None:
        # The receiver holds the first POST open until the test has killed the worker.
        if not first_arrived.is_set():
            first_arrived.set()
            release.wait(30)

    receiver.on_request = hold_first
    env = dict(os.environ, WEBHOOK_ALLOW_PRIVATE_TARGETS="1", PYTHONPATH=str(ROOT),
               WEBHOOK_LEASE_SECONDS=str(LEASE_SECONDS), WEBHOOK_RETRY_DELAYS="0,0,0",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=TEST_CONFIG.get("REDIS_URL")
               or "unix://" + get_redis().connection_pool.connection_kwargs["path"])
    worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py"), "--no-cron", "--queues", "webhooks"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert first_arrived.wait(60), "the worker never sent the delivery"
        # The worker runs jobs in its own process; its children (RQ's scheduler) die with it.
        children = psutil.Process(worker.pid).children(recursive=True)
        for process in [worker, *children]:
            os.kill(process.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        release.set()
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    [d] = deliveries()
    assert d.state == "pending" and d.claimed_until is not None  # the dead worker's lease
    job = Queue("webhooks", connection=get_redis()).fetch_job(d.id)
    assert job.get_status() == "started"  # what RQ believes until its own 10-minute check

    # The test plays the cron scheduler, an outbox sweep every SWEEP_SECONDS, with the sweep's clock
    # passed in: the sweep before the lease runs out leaves the delivery to its (dead) worker, the
    # first one after re-enqueues it, so it is redelivered within the lease plus a sweep interval.
    lease_end = d.claimed_until
    assert delivery_service.sweep(now=lease_end - timedelta(seconds=SWEEP_SECONDS)) == {"due": 0, "enqueued": 0}
    # A worker takes the delivery only once the lease has run out on the real clock too.
    deadline = time.monotonic() + 60
    while utcnow() <= lease_end:
        assert time.monotonic() < deadline, "the clock never passed the lease"
        time.sleep(0.05)  # waiting for a condition, not timing anything
    assert delivery_service.sweep(now=lease_end + timedelta(seconds=SWEEP_SECONDS)) == {
        "due": 1, "enqueued": 1, "abandoned": 1}
    run_worker()
    assert len(receiver.requests) == 2, "not redelivered once the lease ran out"
    first, second = receiver.requests
    assert first.headers["X-MaintainPro-Delivery"] == second.headers["X-MaintainPro-Delivery"] == d.id
    [d] = deliveries()
    assert (d.state, d.attempts) == ("delivered", 2)  # the killed attempt counts
    assert delivery_service.sweep() == {"due": 0, "enqueued": 0}


def test_a_live_workers_delivery_is_not_enqueued_again(app, users, receiver):  # noqa: F811
    """The lease has not run out: RQ's 'started' is believed, the delivery is not doubled."""
    endpoint_for(users, "north", receiver.url, events=["work_order.created"])
    new_work_order(users)
    [d] = deliveries()
    queue = Queue("webhooks", connection=get_redis())
    job = queue.fetch_job(d.id)
    queue.remove(job)  # a worker took it off the queue and started it
    job.set_status("started")
    assert claims.claim(d.id, utcnow()) is not None  # a live worker holds it
    assert delivery_service.sweep() == {"due": 0, "enqueued": 0}
    # Once that lease has run out, the same job id goes back on the queue, once.
    later = utcnow() + claims.lease() + timedelta(seconds=1)
    assert delivery_service.sweep(now=later) == {"due": 1, "enqueued": 1, "abandoned": 1}
    assert queue.get_job_ids().count(d.id) == 1


def test_a_retry_started_early_reschedules_itself_for_the_time_that_remains(app, users, receiver):  # noqa: F811
    endpoint_for(users, "north", receiver.url, events=["work_order.created"])
    new_work_order(users)
    [d] = deliveries()
    # Due in a minute: however slow the machine, the job below starts before that.
    due = utcnow() + timedelta(seconds=60)
    db.session.execute(db.update(WebhookDelivery).where(WebhookDelivery.id == d.id).values(next_attempt_at=due))
    db.session.commit()
    result = webhook_jobs.deliver(d.id)  # as RQ would start it, early
    assert receiver.requests == []
    # The job hands RQ a retry for the time that remains instead of ending without one...
    assert type(result).__name__ == "Retry" and len(result.intervals) == 1 and 1 <= result.intervals[0] <= 60
    [d] = deliveries()
    assert d.state == "pending" and d.attempts == 0 and d.claimed_until is None
    # ...in whole seconds, at least one: started 400 ms early, it asks for 1 s; 30.2 s early, 31 s.
    assert claims.started_early_by(d.id, due - timedelta(milliseconds=400)) == 1
    assert claims.started_early_by(d.id, due - timedelta(seconds=30.2)) == 31
    # Not due yet, not held: a finished, delivered or failed delivery is never rescheduled.
    assert claims.started_early_by(d.id, due + timedelta(milliseconds=1)) is None
    assert delivery_service.attempt(d.id, now=due + timedelta(milliseconds=1)).state == "delivered"
    assert claims.started_early_by(d.id, due - timedelta(seconds=5)) is None
