"""A tablet's own step does not make its next live poll re-render (portal/web/live_poll.py,
answers_own_change): the step's answer carries the version after the write when only that write
moved it, and a poll from that version is a quiet 204. The invariant tested hard: a change by
anyone else in between is never hidden; the next poll fetches it."""
from __future__ import annotations

import io
import re

import pytest
from flask import request
from photos import png
from sqlalchemy import event, insert

from portal.models import WorkOrderComment
from portal.models.types import new_id, utcnow
from portal.platform import live
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.web import live_poll
from web.conftest import csrf_from

HX = {"HX-Request": "true"}




def page_version(client, wo_id: str) -> tuple[str, str]:
    """The work order page as a tablet opens it: (its live version, its CSRF token)."""
    html = client.get(f"/work-orders/{wo_id}").get_data(as_text=True)
    return re.search(r'data-live-version="([^"]*)"', html).group(1), csrf_from(html)


def step(client, wo_id: str, path: str, data: dict, since: str | None, csrf: str, **headers: str):
    sent = {**HX, "X-CSRFToken": csrf, **headers}
    if since is not None:
        sent[live_poll.SINCE] = since
    return client.post(f"/work-orders/{wo_id}/{path}", data=data, headers=sent)


def poll(client, wo_id: str, since: str):
    return client.get(f"/work-orders/{wo_id}/changes?since={since}", headers=HX)


def counter(job) -> int:
    return int(live.read(live.work_order_key(job["warehouse"], job["id"])))


def others_comment(job, users, body: str) -> None:
    """The manager's comment committed outside the app's session: no bump of its own (yet), as a
    concurrent request between its commit and its after-commit bump."""
    with db.engine.begin() as conn:
        conn.execute(insert(WorkOrderComment.__table__).values(
            id=new_id(), warehouse_id=job["warehouse"], work_order_id=job["id"],
            author_id=users["north"]["manager"].id, body=body, visible_to_reporter=False, created_at=utcnow()))


def steps(job) -> list[tuple[str, str, dict, str]]:
    """Each step of the work order page whose answer carries everything it changed: (name, path,
    form, what the answer shows)."""
    photo = (io.BytesIO(png()), "gauge.png")
    return [
        ("tick", f"checklist/{job['items'][0]}", {"done": ["false", "true"]}, "1 of 2 done"),
        ("part", "parts", {"partId": job["part"], "quantityUsed": "2"}, 'id="parts-cost">25.00<'),
        ("part request", f"part-requests?partId={job['part']}&quantity=3", {}, "3 requested"),
        ("labor", "labor", {"action": "book", "minutes": "30"}, 'id="labor-total">30 min<'),
        ("comment", "comments", {"body": "Bearing replaced"}, "Bearing replaced"),
        ("photo", "attachments", {"file": photo}, "Photo attached."),
    ]


@pytest.mark.parametrize("name", ["tick", "part", "part request", "labor", "comment", "photo"])
def test_each_own_step_hands_the_page_its_version_and_the_next_poll_is_quiet(client, job, name):
    _, path, data, shown = next(s for s in steps(job) if s[0] == name)
    since, csrf = page_version(client, job["id"])
    r = step(client, job["id"], path, data, since, csrf)
    assert r.status_code == 200 and shown in r.get_data(as_text=True)
    assert r.headers[live_poll.VERSION] == str(int(since) + 1) == str(counter(job))
    assert poll(client, job["id"], r.headers[live_poll.VERSION]).status_code == 204
    # The page that did not take it (an old script, no header) re-renders as before.
    assert poll(client, job["id"], since).status_code == 200


def test_without_the_header_the_answer_carries_no_version(client, job):
    since, csrf = page_version(client, job["id"])
    r = step(client, job["id"], "comments", {"body": "No header"}, None, csrf)
    assert r.status_code == 200 and live_poll.VERSION not in r.headers
    assert poll(client, job["id"], since).status_code == 200


def test_someone_elses_change_before_the_step_is_fetched_by_the_next_poll(client, job, users, auth):
    since, csrf = page_version(client, job["id"])
    r = client.post(f"/api/work-orders/{job['id']}/comments", json={"body": "Manager: use the new seal"},
                    headers=auth("north", "manager"))
    assert r.status_code == 201
    r = step(client, job["id"], f"checklist/{job['items'][0]}", {"done": ["false", "true"]}, since, csrf)
    assert r.status_code == 200 and live_poll.VERSION not in r.headers  # moved by two: not only ours
    r = poll(client, job["id"], since)
    assert r.status_code == 200 and "Manager: use the new seal" in r.get_data(as_text=True)


def test_someone_elses_change_after_the_step_is_fetched_by_the_next_poll(client, job, users, auth):
    since, csrf = page_version(client, job["id"])
    r = step(client, job["id"], "labor", {"action": "book", "minutes": "15"}, since, csrf)
    adopted = r.headers[live_poll.VERSION]
    client.post(f"/api/work-orders/{job['id']}/comments", json={"body": "Manager: done?"},
                headers=auth("north", "manager"))
    r = poll(client, job["id"], adopted)
    assert r.status_code == 200 and "Manager: done?" in r.get_data(as_text=True)


def test_a_write_committed_before_ours_but_bumped_after_is_still_fetched(client, job, users):
    """The race the INCR's own answer decides: another request committed first, its bump lands
    after ours. Ours took since + 1 (only ours moved the counter that far) and is adopted; the
    other's bump takes the counter on, and the next poll brings its comment."""
    since, csrf = page_version(client, job["id"])
    others_comment(job, users, "Committed first, bumped late")
    r = step(client, job["id"], "comments", {"body": "Mine"}, since, csrf)
    assert r.headers[live_poll.VERSION] == str(int(since) + 1)
    get_redis().incr(live.work_order_key(job["warehouse"], job["id"]))  # the other request's bump, late
    r = poll(client, job["id"], str(int(since) + 1))
    assert r.status_code == 200 and "Committed first, bumped late" in r.get_data(as_text=True)


def test_a_bump_landing_between_our_commit_and_ours_is_not_adopted(client, job, users):
    """The other order: the other request's bump lands between our commit and our bump. Our INCR
    answers since + 2, so the answer carries no version and the next poll fetches both."""
    since, csrf = page_version(client, job["id"])
    others_comment(job, users, "Bumped in between")
    key = live.work_order_key(job["warehouse"], job["id"])

    def concurrent_bump(_session):
        if request.path.endswith("/comments"):
            get_redis().incr(key)

    event.listen(db.session, "after_commit", concurrent_bump, insert=True)  # before live.bump_committed
    try:
        r = step(client, job["id"], "comments", {"body": "Mine"}, since, csrf)
    finally:
        event.remove(db.session, "after_commit", concurrent_bump)
    assert r.status_code == 200 and live_poll.VERSION not in r.headers and counter(job) == int(since) + 2
    r = poll(client, job["id"], since)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Bumped in between" in html and "Mine" in html


def test_two_steps_sent_from_the_same_version(client, job):
    """Two tabs (or two quick taps) at the same version: the first write adopts, the second moved
    the counter by two from where its page stood and does not; that page's poll fetches the first."""
    since, csrf = page_version(client, job["id"])
    first = step(client, job["id"], f"checklist/{job['items'][0]}", {"done": ["false", "true"]}, since, csrf)
    second = step(client, job["id"], f"checklist/{job['items'][1]}", {"done": ["false", "true"]}, since, csrf)
    assert first.headers[live_poll.VERSION] == str(int(since) + 1)
    assert live_poll.VERSION not in second.headers
    r = poll(client, job["id"], first.headers[live_poll.VERSION])
    assert r.status_code == 200 and "2 of 2 done" in r.get_data(as_text=True)


def test_a_stale_or_foreign_since_and_error_answers_carry_no_version(client, job, users):
    since, csrf = page_version(client, job["id"])
    for bad in ("", "x", str(int(since) - 1), str(int(since) + 5)):
        r = step(client, job["id"], "comments", {"body": f"since {bad!r}"}, bad, csrf)
        assert r.status_code == 200 and live_poll.VERSION not in r.headers
    since = str(counter(job))
    r = step(client, job["id"], "labor", {"action": "book", "minutes": "0"}, since, csrf)  # refused: 422
    assert r.status_code == 422 and live_poll.VERSION not in r.headers
    r = step(client, job["id"], "labor", {"action": "start"}, since, csrf)  # the timer: nothing written
    assert r.status_code == 200 and live_poll.VERSION not in r.headers
    assert poll(client, job["id"], since).status_code == 204


def test_the_outbox_replay_never_adopts(client, job):
    """A step whose answer was lost is queued (static/js/offline.js) and replayed with the same
    Idempotency-Key and without X-Live-Since. Whatever a repeat sends, the kept answer carries no
    version (nothing ran, nothing bumped), and the page's next poll fetches what the first did."""
    since, csrf = page_version(client, job["id"])
    key = {"Idempotency-Key": "dev-replay-1"}
    first = step(client, job["id"], f"checklist/{job['items'][0]}", {"done": ["false", "true"]}, since, csrf, **key)
    assert first.headers[live_poll.VERSION] == str(int(since) + 1)  # the answer the tablet never got
    for sent in (None, since, first.headers[live_poll.VERSION]):
        again = step(client, job["id"], f"checklist/{job['items'][0]}", {"done": ["false", "true"]}, sent, csrf, **key)
        assert again.status_code == 200 and again.headers.get("Idempotency-Replayed") == "true"
        assert live_poll.VERSION not in again.headers
    assert counter(job) == int(since) + 1
    r = poll(client, job["id"], since)
    assert r.status_code == 200 and "1 of 2 done" in r.get_data(as_text=True)


def test_status_answers_render_the_page_at_a_version_read_before_its_rows(client, job):
    """Complete (and every status change) answers the whole page: its #live carries the version
    read before the rows, so the next poll is quiet and a later change is never inside it unseen."""
    since, csrf = page_version(client, job["id"])
    for item in job["items"]:
        step(client, job["id"], f"checklist/{item}", {"done": ["false", "true"]}, None, csrf)
    r = step(client, job["id"], "status", {"status": "completed", "completionNotes": "Tested"}, since, csrf)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "is now completed" in html
    rendered = re.search(r'data-live-version="([^"]*)"', html).group(1)
    assert rendered == str(counter(job))
    assert poll(client, job["id"], rendered).status_code == 204


def test_a_step_that_changed_another_work_order_too_is_not_adopted(app, job):
    """A follow-up raised by a reading shows in the page's follow-ups, outside the item's answer."""
    mine, other = live.work_order_key(job["warehouse"], job["id"]), live.work_order_key(job["warehouse"], "fu")
    with app.test_request_context():
        request.environ[live.OWN_BUMPS] = {mine: [8]}
        assert live_poll.own_change_version(job["warehouse"], job["id"], "7") == "8"
        request.environ[live.OWN_BUMPS] = {mine: [8, 9]}  # two commits of its own
        assert live_poll.own_change_version(job["warehouse"], job["id"], "7") == "9"
        request.environ[live.OWN_BUMPS] = {mine: [8, 10]}  # someone else's 9 in between
        assert live_poll.own_change_version(job["warehouse"], job["id"], "7") is None
        request.environ[live.OWN_BUMPS] = {mine: [8], other: [1]}
        assert live_poll.own_change_version(job["warehouse"], job["id"], "7") is None
