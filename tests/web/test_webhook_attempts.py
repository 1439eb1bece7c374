"""The delivery log keeps one line per attempt (issue 22, part 7): a real receiver on 127.0.0.1,
real RQ workers on the test Redis, the admin page read as a person reads it."""
from __future__ import annotations

import re
from datetime import timedelta

import test_webhooks
from bs4 import BeautifulSoup
from sqlalchemy import select
from test_webhooks import deliveries, endpoint_for, new_work_order, run_worker

from portal.models import WebhookDelivery, WebhookDeliveryAttempt
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.integrations import delivery as delivery_service
from portal.services.integrations import webhooks as webhook_service

# Its fixtures, the same here: receivers on 127.0.0.1 allowed, retries without waiting, a receiver per test.
_loopback_allowed, receiver = test_webhooks._loopback_allowed, test_webhooks.receiver
LINE = r"Attempt (\d) · \d\d:\d\d:\d\d · (.+)"


def attempt_rows(delivery_id: str) -> list[WebhookDeliveryAttempt]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDeliveryAttempt).where(
        WebhookDeliveryAttempt.delivery_id == delivery_id).order_by(WebhookDeliveryAttempt.attempt)))


def log_lines(client, webhook_id: str) -> dict[str, list[str]]:
    """Each delivery row of the admin log -> the text of its attempt lines."""
    page = BeautifulSoup(client.get(f"/admin/webhooks/{webhook_id}").get_data(as_text=True), "html.parser")
    return {row["id"].removeprefix("delivery-"): [li.get_text(" ", strip=True) for li in row.select("li.attempt")]
            for row in page.select("tr.delivery")}


def test_500_then_200_gives_two_attempts_in_the_table_the_log_and_the_api(client, auth, users, receiver,
                                                                           portal_login):
    receiver.script = [(500, {})]
    endpoint = endpoint_for(users, "north", receiver.url)
    new_work_order(users)
    run_worker()
    assert len(receiver.wait_for(2)) == 2
    [d] = deliveries()
    assert (d.state, d.attempts) == ("delivered", 2)
    first, second = attempt_rows(d.id)
    assert (first.attempt, first.status_code, first.error) == (1, 500, "HTTP 500")
    assert (second.attempt, second.status_code, second.error, second.next_retry_at) == (2, 200, None, None)
    assert first.next_retry_at is not None and first.started_at <= second.started_at
    assert second.started_at <= d.delivered_at and second.duration_ms >= 0

    portal_login(users["north"]["admin"])
    [lines] = log_lines(client, endpoint.id).values()
    assert len(lines) == 2, lines
    one, two = (re.fullmatch(LINE, line) for line in lines)
    assert one and one.group(1) == "1" and re.fullmatch(r"HTTP 500 · [\d,]+ ms · retry at \d\d:\d\d", one.group(2))
    assert two and two.group(1) == "2" and re.fullmatch(r"HTTP 200 · [\d,]+ ms", two.group(2))
    assert "HTTP 500 · HTTP 500" not in lines[0] and "HTTP 500" in lines[0]  # said once

    listed = client.get(f"/api/webhooks/{endpoint.id}/deliveries", headers=auth("north", "manager")).json
    assert listed[0]["attempts"] == 2  # the count stays what it was
    log = listed[0]["attemptLog"]
    assert [(a["attempt"], a["statusCode"], a["error"]) for a in log] == [(1, 500, "HTTP 500"), (2, 200, None)]
    assert log[0]["nextRetryAt"] is not None and log[1]["nextRetryAt"] is None
    assert set(log[0]) == {"attempt", "startedAt", "durationMs", "statusCode", "error", "nextRetryAt"}


def test_a_test_ping_and_a_redelivery_each_add_their_attempt(client, auth, users, receiver):
    endpoint = endpoint_for(users, "north", receiver.url)
    receiver.script = [(500, {})]
    ping = client.post(f"/api/webhooks/{endpoint.id}/test", headers=auth("north", "admin")).json
    assert ping["success"] is False
    [only] = attempt_rows(ping["deliveryId"])
    # A ping is never retried: its one attempt says so (no next retry).
    assert (only.attempt, only.status_code, only.error, only.next_retry_at) == (1, 500, "HTTP 500", None)
    copy = client.post(f"/api/webhooks/deliveries/{ping['deliveryId']}/redeliver", headers=auth("north", "admin"))
    assert copy.status_code == 201 and copy.json["attemptLog"] == []  # queued, not tried yet
    run_worker()
    [again] = attempt_rows(copy.json["id"])
    assert (again.attempt, again.status_code, again.error) == (1, 200, None)
    assert len(attempt_rows(ping["deliveryId"])) == 1  # the original keeps its own line only


def test_an_older_delivery_without_attempt_rows_still_shows_its_last_attempt(client, users, portal_login):
    endpoint = endpoint_for(users, "north", "http://127.0.0.1:9/hook")
    at = utcnow().replace(microsecond=0)
    old = WebhookDelivery(webhook_id=endpoint.id, warehouse_id=endpoint.warehouse_id, event="work_order.created",
                          state="failed", attempts=4, last_status_code=None, last_error="Timed out",
                          last_duration_ms=10000, last_attempt_at=at, created_at=at - timedelta(hours=2))
    never = WebhookDelivery(webhook_id=endpoint.id, warehouse_id=endpoint.warehouse_id, event="pm.overdue",
                            state="pending", attempts=0, next_attempt_at=at, created_at=at)
    db.session.add_all([old, never])
    db.session.commit()
    portal_login(users["north"]["admin"])
    page = BeautifulSoup(client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True), "html.parser")
    old_row, never_row = page.select_one(f"#delivery-{old.id}"), page.select_one(f"#delivery-{never.id}")
    [line] = [li.get_text(" ", strip=True) for li in old_row.select("li.attempt")]
    assert re.fullmatch(r"Attempt 4 · \d\d:\d\d:\d\d · 10,000 ms · Timed out", line), line
    assert old_row.select_one("form button").get_text(strip=True) == "Redeliver"
    assert never_row.select("li.attempt") == [] and "Not tried yet" in never_row.get_text()
    assert never_row.select_one("form") is None  # pending: it is tried again on its own


def test_deleting_a_webhook_takes_its_attempts_with_its_deliveries(users, receiver):
    endpoint = endpoint_for(users, "north", receiver.url)
    outcome = webhook_service.send_test(users.actor("north", "admin"), endpoint.id)
    assert len(attempt_rows(outcome.delivery_id)) == 1
    webhook_service.delete_webhook(users.actor("north", "admin"), endpoint.id)
    assert attempt_rows(outcome.delivery_id) == [] and deliveries() == []


def test_a_batched_success_records_each_deliverys_attempt(app, users, receiver):
    app.config["WEBHOOK_BATCH"] = 10
    endpoint_for(users, "north", receiver.url)
    for n in range(3):
        new_work_order(users, title=f"Belt {n}")
    first = deliveries()[0]
    delivery_service.attempt(first.id, batch=10)
    for d in deliveries():
        assert d.state == "delivered"
        assert [(a.attempt, a.status_code) for a in attempt_rows(d.id)] == [(1, 200)]
