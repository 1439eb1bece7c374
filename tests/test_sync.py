"""Incremental sync over the API: change/creation windows and cursor paging on work orders,
equipment and parts (nothing skipped, no version read twice, even with writers in between)."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import factories
import pytest
from sqlalchemy import func, select

from portal.models import WorkOrder
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.common import SyncCursor, decode_cursor, encode_cursor
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.work_orders import lifecycle

RESOURCES = ("work-orders", "equipment", "parts")
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_settle(app):
    app.config["SYNC_SETTLE_SECONDS"] = 0


def make(resource: str, actor, now: datetime | None = None, **fields):
    """A record of a resource created at `now` (the services stamp createdAt and updatedAt)."""
    if resource == "work-orders":
        return factories.work_order(actor, now=now, **fields)
    record = factories.equipment(actor, **fields) if resource == "equipment" else factories.part(actor, **fields)
    if now is not None:
        record.created_at = record.updated_at = now
        db.session.commit()
    return record


def next_link(resp) -> str | None:
    link = resp.headers.get("Link", "")
    return link[1:link.index(">")] if 'rel="next"' in link else None


def walk(client, headers, url: str) -> tuple[list[dict], str, int]:
    """Follow rel="next" from url; the rows read, the last X-Next-Cursor, and how many pages."""
    rows, pages = [], 0
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.json
        rows += r.json
        pages += 1
        cursor, url = r.headers["X-Next-Cursor"], next_link(r)
    return rows, cursor, pages


def test_cursor_round_trip_and_foreign_tokens():
    at = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(SyncCursor(at, "abc"))) == SyncCursor(at, "abc")
    assert encode_cursor(None) == "*" and decode_cursor("*") is None
    for token in ("zz", "bm90IGEgY3Vyc29y", encode_cursor(SyncCursor(at, "x"))[:-3] + "!!!"):
        with pytest.raises(ValueError, match="Not a cursor"):
            decode_cursor(token)


@pytest.mark.parametrize("resource", RESOURCES)
def test_windows_filter_on_updated_and_created(client, auth, users, resource):
    manager = users.actor("north", "manager")
    old, mid, new = (make(resource, manager, now=T0 + timedelta(days=d)) for d in (0, 10, 20))
    h = auth("north", "manager")

    def ids(query: str) -> set[str]:
        r = client.get(f"/api/{resource}?{query}", headers=h)
        assert r.status_code == 200, r.json
        return {row["id"] for row in r.json}

    assert ids("updatedSince=2026-03-11T08:00:00Z") == {mid.id, new.id}  # inclusive
    assert ids("createdAfter=2026-03-05T00:00:00Z&createdBefore=2026-03-15T00:00:00Z") == {mid.id}
    assert ids("createdBefore=2026-03-01T08:00:00Z") == set()  # exclusive
    assert ids("createdAfter=2026-03-01T08:00:00Z") == {old.id, mid.id, new.id}
    r = client.get(f"/api/{resource}?updatedSince=yesterday", headers=h)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "updatedSince"


@pytest.mark.parametrize("resource", RESOURCES)
def test_cursor_walk_reads_everything_once_in_change_order(client, auth, users, resource):
    manager = users.actor("north", "manager")
    made = [make(resource, manager, now=T0 + timedelta(minutes=i % 3)) for i in range(7)]  # equal times too
    factories.work_order(users.actor("south", "manager"))  # another warehouse: never in the sync
    h = auth("north", "manager")
    rows, cursor, pages = walk(client, h, f"/api/{resource}?cursor=*&limit=3")
    assert pages == 3
    assert sorted(r["id"] for r in rows) == sorted(m.id for m in made)
    order = [(r["updatedAt"], r["id"]) for r in rows]
    assert order == sorted(order)
    last = rows[-1]
    assert decode_cursor(cursor).id == last["id"]
    # Nothing changed since: the kept cursor reads an empty page, says there is nothing to go,
    # and hands the same position back.
    r = client.get(f"/api/{resource}?cursor={cursor}", headers=h)
    assert r.json == [] and r.headers["X-Total-Count"] == "0" and r.headers["X-Next-Cursor"] == cursor
    assert "Link" not in r.headers


def test_first_page_headers(client, auth, users):
    manager = users.actor("north", "manager")
    for i in range(5):
        factories.work_order(manager, now=T0 + timedelta(minutes=i))
    r = client.get("/api/work-orders?cursor=*&limit=2&status=new", headers=auth("north", "manager"))
    assert r.status_code == 200
    assert r.headers["X-Total-Count"] == "5"  # rows from the cursor on
    url = next_link(r)
    assert urlsplit(url).path == "/api/work-orders"
    assert parse_qs(urlsplit(url).query) == {"cursor": [r.headers["X-Next-Cursor"]], "limit": ["2"],
                                             "status": ["new"]}
    second = client.get(url, headers=auth("north", "manager"))
    assert second.headers["X-Total-Count"] == "3"


def test_writes_between_pages_are_neither_skipped_nor_read_twice(client, auth, users):
    """Offset paging under writes shifts rows between pages; a cursor does not: a record changed
    after it was read comes again in its new version, one not yet read comes once."""
    manager = users.actor("north", "manager")
    made = [factories.work_order(manager, now=T0 + timedelta(minutes=i)) for i in range(6)]
    h = auth("north", "manager")
    first = client.get("/api/work-orders?cursor=*&limit=3", headers=h)
    read = {row["id"]: row for row in first.json}
    # Between pages: one already read and one not yet read are edited; a new one is created.
    lifecycle.update_work_order(manager, made[0].id, WorkOrderUpdate(title="Edited after reading"),
                                now=T0 + timedelta(hours=1))
    lifecycle.update_work_order(manager, made[4].id, WorkOrderUpdate(title="Edited before reading"),
                                now=T0 + timedelta(hours=2))
    created = factories.work_order(manager, now=T0 + timedelta(hours=3))
    rest, _, _ = walk(client, h, next_link(first))
    versions = [(row["id"], row["updatedAt"]) for row in first.json + rest]
    assert len(versions) == len(set(versions))  # no version twice
    assert [row["id"] for row in rest] == [made[3].id, made[5].id, made[0].id, made[4].id, created.id]
    for row in rest:
        read[row["id"]] = row
    assert read[made[0].id]["title"] == "Edited after reading"
    assert read[made[4].id]["title"] == "Edited before reading"
    assert set(read) == {m.id for m in made} | {created.id}


def test_cancelled_work_order_shows_up_in_the_sync(client, auth, users):
    """Work orders are never deleted: a cancellation is a change the sync reads."""
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, now=T0)
    h = auth("north", "manager")
    _, cursor, _ = walk(client, h, "/api/work-orders?cursor=*")
    lifecycle.update_work_order(manager, wo.id, WorkOrderUpdate(status="cancelled"), now=T0 + timedelta(days=1))
    r = client.get(f"/api/work-orders?cursor={cursor}", headers=h)
    assert [(row["id"], row["status"]) for row in r.json] == [(wo.id, "cancelled")]


def test_the_settle_horizon_holds_back_the_newest_changes(app, client, auth, users):
    manager = users.actor("north", "manager")
    settled = factories.work_order(manager, now=utcnow() - timedelta(minutes=5))
    fresh = factories.work_order(manager)
    app.config["SYNC_SETTLE_SECONDS"] = 60
    h = auth("north", "manager")
    r = client.get("/api/work-orders?cursor=*", headers=h)
    assert [row["id"] for row in r.json] == [settled.id]
    app.config["SYNC_SETTLE_SECONDS"] = 0
    r = client.get(f"/api/work-orders?cursor={r.headers['X-Next-Cursor']}", headers=h)
    assert [row["id"] for row in r.json] == [fresh.id]


@pytest.mark.parametrize(("query", "field"), [
    ("cursor=notacursor", "cursor"),
    ("cursor=*&page=2", "cursor"),
    ("cursor=*&sort=-createdAt", "sort"),
])
def test_cursor_misuse_is_a_400(client, auth, query, field):
    r = client.get(f"/api/work-orders?{query}", headers=auth("north", "manager"))
    assert r.status_code == 400
    assert [e["field"] for e in r.json["errors"]] == [field]


def test_offset_paging_is_unchanged(client, auth, users):
    manager = users.actor("north", "manager")
    for i in range(3):
        factories.work_order(manager, now=T0 + timedelta(minutes=i))
    r = client.get("/api/work-orders?limit=2&page=2&sort=updatedAt", headers=auth("north", "manager"))
    assert r.status_code == 200 and len(r.json) == 1 and "X-Next-Cursor" not in r.headers
    assert r.headers["X-Total-Count"] == "3"


def test_sync_with_concurrent_writers_ends_with_the_servers_state(app, client, auth, users):
    """A reader walks the list while two writers create and edit work orders; once the writers
    stop and the horizon has passed them, the reader's copy equals the server's, and it never
    read the same version twice."""
    app.config["SYNC_SETTLE_SECONDS"] = 0.5
    manager = users.actor("north", "manager")
    seed = [factories.work_order(manager, now=utcnow() - timedelta(minutes=10)) for _ in range(10)]
    stop = threading.Event()
    writes = [0, 0]

    def writer(n: int) -> None:
        with app.app_context():
            i = 0
            while not stop.is_set() and i < 40:
                if i % 2:
                    factories.work_order(manager, title=f"New from writer {n} #{i}")
                else:
                    lifecycle.update_work_order(manager, seed[(i + n) % len(seed)].id,
                                                WorkOrderUpdate(title=f"Writer {n} edit {i}"))
                writes[n] += 1
                i += 1
            db.session.remove()

    h = auth("north", "manager")
    threads = [threading.Thread(target=writer, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    copy: dict[str, dict] = {}
    seen: set[tuple[str, str]] = set()
    cursor = "*"

    def read_until_caught_up() -> None:
        nonlocal cursor
        url = f"/api/work-orders?cursor={cursor}&limit=4"
        while url:
            r = client.get(url, headers=h)
            assert r.status_code == 200, r.json
            for row in r.json:
                version = (row["id"], row["updatedAt"])
                assert version not in seen, version  # no version read twice
                seen.add(version)
                copy[row["id"]] = row
            cursor, url = r.headers["X-Next-Cursor"], next_link(r)

    while any(t.is_alive() for t in threads):
        read_until_caught_up()
    for t in threads:
        t.join()
    stop.set()
    # The last writes are younger than the horizon for a moment: read again until the server's
    # horizon has passed the last write (bounded: a few horizons at most).
    last_write = db.session.execute(select(func.max(WorkOrder.updated_at))).scalar()
    for _ in range(50):
        read_until_caught_up()
        if utcnow() - timedelta(seconds=0.5) > last_write:
            read_until_caught_up()
            break
        threading.Event().wait(0.1)
    db.session.expire_all()
    server = {row["id"]: row for row in client.get("/api/work-orders?limit=500", headers=h).json}
    assert sum(writes) > 0
    assert {i: (r["title"], r["updatedAt"]) for i, r in copy.items()} == \
           {i: (r["title"], r["updatedAt"]) for i, r in server.items()}


def test_booked_labor_moves_the_work_order_in_the_sync(client, auth, users):
    """actualDuration is part of the work order as the API writes it: booking time is a change."""
    manager = users.actor("north", "manager")
    wo = factories.work_order(manager, now=T0)
    h = auth("north", "manager")
    _, cursor, _ = walk(client, h, "/api/work-orders?cursor=*")
    r = client.post(f"/api/work-orders/{wo.id}/labor", headers=h, json={"minutes": 30})
    assert r.status_code == 201, r.json
    r = client.get(f"/api/work-orders?cursor={cursor}", headers=h)
    assert [(row["id"], row["actualDuration"]) for row in r.json] == [(wo.id, 30)]


def test_ndjson_export_streams_the_list_and_says_how_many(client, auth, users):
    """BI loaders: format=ndjson writes each work order as the list does, filters (updatedSince
    too) apply, and the last line counts the rows, so a cut stream is told from a whole one."""
    manager = users.actor("north", "manager")
    for i in range(4):
        factories.work_order(manager, now=T0 + timedelta(days=i))
    h = auth("north", "manager")
    r = client.get("/api/work-orders/export?format=ndjson&updatedSince=2026-03-02T08:00:00Z&sort=createdAt",
                   headers=h)
    assert r.status_code == 200 and r.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    listed = client.get("/api/work-orders?updatedSince=2026-03-02T08:00:00Z&sort=createdAt", headers=h).json
    assert lines[:-1] == listed and len(listed) == 3
    assert lines[-1] == {"end": True, "rows": 3}
    for query, field in (("format=xml", "format"), ("format=ndjson&cursor=*", "cursor"),
                         ("expand=parts", "expand")):
        r = client.get(f"/api/work-orders/export?{query}", headers=h)
        assert r.status_code == 400 and r.json["errors"][0]["field"] == field, (query, r.json)
