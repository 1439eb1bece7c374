"""Batched deliveries: one RQ job sends the due deliveries of its endpoint over one connection,
without giving up the guarantees of the single path (lease, retries under the same delivery id,
nothing lost when the worker dies, the SSRF check per delivery)."""
from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
from rq import Queue
from test_webhooks import (  # noqa: F401
    _loopback_allowed,
    deliveries,
    endpoint_for,
    new_work_order,
    receiver,
    run_worker,
)

from portal.jobs import webhooks as webhook_jobs
from portal.models import TEST_EVENT, WebhookDelivery
from portal.models.types import utcnow
from portal.platform import net_guard
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.services.integrations import claims
from portal.services.integrations import delivery as delivery_service


def _queue() -> Queue:
    return Queue("webhooks", connection=get_redis())


def test_one_job_sends_the_due_deliveries_of_its_endpoint_once_each(app, users, receiver):  # noqa: F811
    app.config["WEBHOOK_BATCH"] = 4
    endpoint_for(users, "north", receiver.url, events=["work_order.created"])
    orders = [new_work_order(users, title=f"Order {i}").id for i in range(6)]
    first, *others = [d.id for d in deliveries()]
    assert _queue().get_job_ids() == [first, *others]

    result = webhook_jobs.deliver(first)
    # The job's own delivery plus the three oldest others, in creation order, one POST each.
    assert result["deliveryId"] == first and result["state"] == "delivered"
    got = receiver.wait_for(4)
    assert [g.headers["X-MaintainPro-Delivery"] for g in got] == [first, *others[:3]]
    assert [json.loads(g.body)["data"]["entityId"] for g in got] == orders[:4]
    # The batched ones' jobs are off the queue (and gone); the rest still wait for their jobs.
    assert _queue().get_job_ids() == [first, *others[3:]]  # this job was not dequeued by a worker here
    assert all(_queue().fetch_job(i) is None for i in others[:3])
    states = {d.id: (d.state, d.attempts, d.claimed_until) for d in deliveries()}
    assert [states[i] for i in [first, *others]] == [("delivered", 1, None)] * 4 + [("pending", 0, None)] * 2

    _queue().empty()
    db.session.rollback()
    run_worker()  # nothing queued: the two left are sent only once the sweep queues them again
    assert len(receiver.requests) == 4
    assert delivery_service.sweep()["enqueued"] == 2
    run_worker()
    assert len(receiver.wait_for(6)) == 6
    assert {g.headers["X-MaintainPro-Delivery"] for g in receiver.requests} == {first, *others}
    assert [d.state for d in deliveries()] == ["delivered"] * 6


def test_a_worker_drains_a_backlog_with_few_jobs_and_no_doubles(app, users, receiver):  # noqa: F811
    app.config["WEBHOOK_BATCH"] = 5
    endpoint_for(users, "north", receiver.url)
    for i in range(12):
        new_work_order(users, title=f"Order {i}")
    run_worker()
    got = receiver.wait_for(12)
    ids = [g.headers["X-MaintainPro-Delivery"] for g in got]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert [d.state for d in deliveries()] == ["delivered"] * 12
    finished = _queue().finished_job_registry.get_job_ids()
    assert len(finished) == 3  # 5 + 5 + 2 deliveries: three jobs ran, the nine others were taken off
    assert _queue().count == 0 and delivery_service.sweep() == {"due": 0, "enqueued": 0}


def test_a_failed_batched_delivery_is_retried_under_its_own_job_id(app, users, receiver):  # noqa: F811
    app.config.update(WEBHOOK_BATCH=3, WEBHOOK_RETRY_DELAYS="30")
    receiver.script = [(200, {}), (500, {}), (200, {})]
    endpoint_for(users, "north", receiver.url)
    for i in range(3):
        new_work_order(users, title=f"Order {i}")
    first, second, third = [d.id for d in deliveries()]
    before = utcnow()
    assert webhook_jobs.deliver(first)["state"] == "delivered"
    after = utcnow()
    states = {d.id: d for d in deliveries()}
    assert states[third].state == "delivered"
    failed = states[second]
    assert (failed.state, failed.attempts, failed.last_status_code, failed.claimed_until) == ("pending", 1, 500, None)
    # 30 s later, jittered by a fifth, counted from the attempt (somewhere between before and after).
    assert before + timedelta(seconds=24) <= failed.next_attempt_at <= after + timedelta(seconds=36)
    # Its retry waits in RQ's scheduler under its own delivery id, as a single delivery's does.
    assert _queue().scheduled_job_registry.get_job_ids() == [second]
    assert _queue().fetch_job(second).args == (second,)
    # Once due, the same delivery id is sent again.
    assert delivery_service.attempt(second, now=failed.next_attempt_at).state == "delivered"
    assert [g.headers["X-MaintainPro-Delivery"] for g in receiver.requests] == [first, second, third, second]


def test_no_answer_at_all_leaves_the_rest_of_the_batch_unattempted(app, users):
    app.config.update(WEBHOOK_BATCH=5, WEBHOOK_RETRY_DELAYS="30", WEBHOOK_TIMEOUT=2)
    with socket.socket() as s:  # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    endpoint_for(users, "north", dead)
    for i in range(3):
        new_work_order(users, title=f"Order {i}")
    first, *others = [d.id for d in deliveries()]
    _queue().empty()
    outcome = delivery_service.attempt(first, batch=5)
    assert outcome.state == "pending" and outcome.retry_in and "ConnectionError" in outcome.error
    states = {d.id: d for d in deliveries()}
    assert states[first].attempts == 1
    # The others were claimed, not sent: released with no attempt counted, and queued again.
    assert [(states[i].attempts, states[i].claimed_until, states[i].state) for i in others] == [
        (0, None, "pending")] * 2
    assert _queue().get_job_ids() == others


def test_a_worker_dying_mid_batch_loses_nothing(app, users, receiver):  # noqa: F811
    """Claimed as extras and their jobs deleted, then the worker dies before sending: once the
    lease has run out the sweep queues them again, and they are sent once."""
    app.config.update(WEBHOOK_BATCH=4, WEBHOOK_LEASE_SECONDS=1)
    endpoint_for(users, "north", receiver.url)
    for i in range(3):
        new_work_order(users, title=f"Order {i}")
    first, *others = [d.id for d in deliveries()]
    now = utcnow()
    claimed = claims.claim(first, now, batch=4)
    assert [e.delivery_id for e in claimed.extras] == others
    delivery_service._take_off_queue(others)  # ... and the worker is killed here
    assert _queue().get_job_ids() == [first] and all(_queue().fetch_job(i) is None for i in others)
    _queue().empty()
    # While the lease holds, nobody touches them; after it, all three go back on the queue.
    assert delivery_service.sweep(now=now + timedelta(seconds=0.5)) == {"due": 0, "enqueued": 0}
    time.sleep(max(0.0, (now + timedelta(seconds=1.05) - utcnow()).total_seconds()))
    assert delivery_service.sweep()["enqueued"] == 3
    run_worker()
    got = receiver.wait_for(3)
    assert sorted(g.headers["X-MaintainPro-Delivery"] for g in got) == sorted([first, *others])
    # The dead worker's claim of the job's own delivery counts as an attempt (its lease was
    # left behind); the extras it never sent were claimed with that same lease, so they count too.
    assert sorted(d.attempts for d in deliveries()) == [2, 2, 2]


def test_extras_are_not_sent_when_their_lease_could_run_out(app, users, receiver):  # noqa: F811
    """A lease shorter than the POST timeout: only the job's own delivery goes out."""
    app.config.update(WEBHOOK_BATCH=4, WEBHOOK_LEASE_SECONDS=5, WEBHOOK_TIMEOUT=10)
    endpoint_for(users, "north", receiver.url)
    for i in range(3):
        new_work_order(users, title=f"Order {i}")
    first, *others = [d.id for d in deliveries()]
    assert delivery_service.attempt(first, batch=4).state == "delivered"
    assert [g.headers["X-MaintainPro-Delivery"] for g in receiver.requests] == [first]
    assert [(d.state, d.attempts, d.claimed_until) for d in deliveries()][1:] == [("pending", 0, None)] * 2
    assert sorted(_queue().get_job_ids()) == sorted([first, *others])  # released and queued again


def test_test_pings_and_other_endpoints_are_never_batched(app, users, receiver):  # noqa: F811
    app.config["WEBHOOK_BATCH"] = 10
    endpoint = endpoint_for(users, "north", receiver.url, events=["work_order.created"])
    endpoint_for(users, "north", receiver.url + "/other", events=["work_order.created"])
    # A test ping waiting for its API request to send it (committed just before that request's POST).
    ping = WebhookDelivery(webhook_id=endpoint.id, warehouse_id=endpoint.warehouse_id, event=TEST_EVENT,
                           state="pending", next_attempt_at=utcnow(), created_at=utcnow() - timedelta(seconds=5))
    db.session.add(ping)
    db.session.commit()
    ping_id = ping.id
    new_work_order(users, title="One")
    new_work_order(users, title="Two")
    mine = [d.id for d in deliveries() if d.webhook_id == endpoint.id and d.id != ping_id]
    outcome = delivery_service.attempt(mine[0], batch=10)
    assert outcome.notes[-1] == "sent 1 more deliveries of the endpoint in this job"
    assert [g.headers["X-MaintainPro-Delivery"] for g in receiver.requests] == mine
    left = {d.id: (d.state, d.claimed_until) for d in deliveries() if d.id not in mine}
    assert len(left) == 3 and set(left.values()) == {("pending", None)}  # the ping and the other endpoint's


def test_delivery_time_dns_answers_are_reused_briefly_but_always_checked(monkeypatch):
    answers = {"hooks.example.com": ["93.184.216.34"]}
    calls = []

    def fake_getaddrinfo(host, port, type=0):  # noqa: A002 (socket's own name)
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers[host]]

    monkeypatch.setattr(net_guard.socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(net_guard, "_dns_cache", {})
    url = "https://hooks.example.com/in"
    for _ in range(3):
        net_guard.check_url(url, allow_private=False, cache_seconds=10)
    assert calls == ["hooks.example.com"]
    # Without a cache (registration) every check resolves afresh and sees the new answer.
    answers["hooks.example.com"] = ["10.0.0.7"]
    with pytest.raises(net_guard.BlockedTarget, match="private"):
        net_guard.check_url(url, allow_private=False)
    assert len(calls) == 2
    # A cached answer is only reused while young; an expired one is resolved again and refused.
    monkeypatch.setattr(net_guard, "_dns_cache", {("hooks.example.com", 443): (0.0, ["93.184.216.34"])})
    with pytest.raises(net_guard.BlockedTarget, match="private"):
        net_guard.check_url(url, allow_private=False, cache_seconds=10)
    assert len(calls) == 3
