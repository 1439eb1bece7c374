"""Capped totals (LIST_COUNT_CAP): a list counts its rows exactly up to the cap (or to the end of the
page asked for); beyond, X-Total-Count is that lower bound with X-Total-Count-Exact: false, Link
keeps rel="next" and drops rel="last"; ?count=exact counts every row. The same on SQLite and
PostgreSQL (the suite runs on both); on PostgreSQL the count reads at most cap + 1 rows (a Limit
under the Aggregate of the statement the API sends)."""
from __future__ import annotations

import re

import factories
import pytest
from conftest import USING_POSTGRES
from sqlalchemy import event, insert

from portal.models import WorkOrder
from portal.platform.extensions import db

CAP = 5


@pytest.fixture
def capped(app, users):
    """North: 7 work orders (3 of them high priority), 7 assets, 7 parts; South: one of each."""
    app.config["LIST_COUNT_CAP"] = CAP
    boss = users.actor("north", "manager")
    for n in range(7):
        factories.work_order(boss, title=f"Task {n}", priority="high" if n < 3 else "low")
        factories.equipment(boss, assetTag=f"EQ-{n}")
        factories.part(boss, partNumber=f"P-{n}")
    south = users.actor("south", "manager")
    factories.work_order(south, title="South task")
    factories.equipment(south, assetTag="EQ-SOUTH")
    factories.part(south, partNumber="P-SOUTH")
    return users


def _rels(resp) -> dict[str, int]:
    """rel -> page number of the Link header."""
    return {rel: int(page) for page, rel in re.findall(r'[?&]page=(\d+)[^>]*>; rel="(\w+)"', resp.headers["Link"])}


def _get(client, headers, path: str, **params):
    resp = client.get(path, query_string=params, headers=headers)
    assert resp.status_code == 200, resp.json
    return resp


@pytest.mark.parametrize("path", ["/api/work-orders", "/api/equipment", "/api/parts"])
def test_count_stops_at_the_cap_and_says_so(client, auth, capped, path):
    headers = auth("north", "manager")
    resp = _get(client, headers, path, limit=2)
    assert len(resp.json) == 2
    assert resp.headers["X-Total-Count"] == str(CAP) and resp.headers["X-Total-Count-Exact"] == "false"
    assert _rels(resp) == {"first": 1, "next": 2}  # no last: it is not known

    exact = _get(client, headers, path, limit=2, count="exact")
    assert exact.headers["X-Total-Count"] == "7" and exact.headers["X-Total-Count-Exact"] == "true"
    assert _rels(exact) == {"first": 1, "next": 2, "last": 4}


@pytest.mark.parametrize("path", ["/api/work-orders", "/api/equipment", "/api/parts"])
def test_below_the_cap_the_count_is_exact(client, auth, capped, path):
    headers = auth("north", "manager")
    app_cap = {"/api/work-orders": {"priority": "high"}, "/api/equipment": {"q": "EQ-1"}, "/api/parts": {"q": "P-2"}}
    resp = _get(client, headers, path, limit=2, **app_cap[path])
    expected = "3" if path == "/api/work-orders" else "1"
    assert resp.headers["X-Total-Count"] == expected and resp.headers["X-Total-Count-Exact"] == "true"
    assert "last" in _rels(resp)
    # Exactly at the cap: still exact (cap + 1 rows are read to tell "5" from "more than 5").
    db.session.execute(insert(WorkOrder), [{"warehouse_id": capped["north"]["manager"].warehouse_id,
                                            "fo_number": f"X-{n}", "title": "Extra", "priority": "high"}
                                           for n in range(2)])
    db.session.commit()  # (behind the read cache's back: another page size is another entry)
    at_cap = _get(client, headers, "/api/work-orders", limit=3, priority="high")
    assert at_cap.headers["X-Total-Count"] == "5" and at_cap.headers["X-Total-Count-Exact"] == "true"


def test_a_page_past_the_cap_is_counted_to_its_end(client, auth, capped):
    """page * limit beyond the cap: the count reaches the end of the asked page, so the total is
    exact when the rows end there, and a next page is announced when more follow."""
    headers = auth("north", "manager")
    third = _get(client, headers, "/api/work-orders", limit=2, page=3)  # rows 5-6 of 7: counted to 6, more follow
    assert third.headers["X-Total-Count"] == "6" and third.headers["X-Total-Count-Exact"] == "false"
    assert _rels(third) == {"first": 1, "prev": 2, "next": 4}
    fourth = _get(client, headers, "/api/work-orders", limit=2, page=4)  # row 7: counted to 8, found 7
    assert len(fourth.json) == 1
    assert fourth.headers["X-Total-Count"] == "7" and fourth.headers["X-Total-Count-Exact"] == "true"
    assert _rels(fourth) == {"first": 1, "prev": 3, "last": 4}
    past = _get(client, headers, "/api/work-orders", limit=2, page=9)  # past the end: no row, the count alone
    assert past.json == [] and past.headers["X-Total-Count"] == "7"
    assert past.headers["X-Total-Count-Exact"] == "true"


@pytest.mark.parametrize("path", ["/api/work-orders", "/api/equipment", "/api/parts"])
def test_a_sync_read_caps_its_remaining_count(client, auth, capped, app, path):
    app.config["SYNC_SETTLE_SECONDS"] = 0
    headers = auth("north", "manager")
    first = _get(client, headers, path, cursor="*", limit=2)
    assert first.headers["X-Total-Count"] == str(CAP) and first.headers["X-Total-Count-Exact"] == "false"
    assert 'rel="next"' in first.headers["Link"]
    exact = _get(client, headers, path, cursor="*", limit=2, count="exact")
    assert exact.headers["X-Total-Count"] == "7" and exact.headers["X-Total-Count-Exact"] == "true"


def test_the_cached_list_answer_keeps_whether_it_is_exact(client, auth, capped, app):
    app.config["CACHE_ENABLED"] = True
    headers = auth("north", "manager")
    for _ in range(2):  # computed, then read back from the cache
        resp = _get(client, headers, "/api/work-orders", limit=2)
        assert resp.headers["X-Total-Count-Exact"] == "false"
    assert _get(client, headers, "/api/work-orders", limit=2, count="exact").headers["X-Total-Count"] == "7"


def test_count_takes_only_capped_or_exact(client, auth, capped):
    resp = client.get("/api/work-orders?count=estimate", headers=auth("north", "manager"))
    assert resp.status_code == 400
    assert [e["field"] for e in resp.json["errors"]] == ["count"]


def test_the_openapi_document_describes_the_count(client):
    doc = client.get("/api/openapi.json").json
    listing = doc["paths"]["/api/work-orders"]["get"]
    assert "X-Total-Count-Exact" in listing["responses"]["200"]["headers"]
    count = next(p for p in listing["parameters"] if p["name"] == "count")
    assert count["schema"]["enum"] == ["capped", "exact"] and count["schema"]["default"] == "capped"


@pytest.mark.skipif(not USING_POSTGRES, reason="the plan is PostgreSQL's")
def test_the_count_reads_at_most_cap_plus_one_rows(client, auth, capped):
    """The count the API sends (a scalar subquery beside the page) has a Limit under its Aggregate:
    PostgreSQL stops reading at cap + 1 rows, whatever the table's size."""
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "count(" in statement.lower():
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        _get(client, auth("north", "manager"), "/api/work-orders", limit=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert sent
    with db.engine.connect() as conn:
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sent[0][0], sent[0][1]))
    aggregate = plan.index("Aggregate")
    assert "Limit" in plan[aggregate:], plan


# --- Searches (q=) count to SEARCH_COUNT_CAP ------------------------------------------------------

SEARCH_CAP = 3


@pytest.fixture
def searched(app, users):
    """North: 7 work orders titled "Pump n" created a day apart (mixed priorities and due dates), 2
    titled "Fan n"; 7 assets and parts matching "PUMP"; South: one more pump of each."""
    from datetime import timedelta

    from portal.models.types import utcnow

    app.config["LIST_COUNT_CAP"] = CAP
    app.config["SEARCH_COUNT_CAP"] = SEARCH_CAP
    boss = users.actor("north", "manager")
    start = utcnow() - timedelta(days=30)
    for n in range(7):
        factories.work_order(boss, title=f"Pump {n}", priority=["low", "high", "critical", "medium"][n % 4],
                             dueDate=(start + timedelta(days=(n * 3) % 7)).isoformat() if n % 3 else None,
                             now=start + timedelta(days=n))
        factories.equipment(boss, assetTag=f"PUMP-{n}")
        factories.part(boss, partNumber=f"PUMP-{n}")
    for n in range(2):
        factories.work_order(boss, title=f"Fan {n}", now=start + timedelta(days=10 + n))
    south = users.actor("south", "manager")
    factories.work_order(south, title="Pump south")
    factories.equipment(south, assetTag="PUMP-SOUTH")
    factories.part(south, partNumber="PUMP-SOUTH")
    return users


@pytest.mark.parametrize("path", ["/api/work-orders", "/api/equipment", "/api/parts"])
def test_a_search_counts_to_the_search_cap(client, auth, searched, path):
    """q= counts its matches up to SEARCH_COUNT_CAP (below LIST_COUNT_CAP), then says "at least";
    count=exact still counts them all, and the rows are the same either way."""
    headers = auth("north", "manager")
    resp = _get(client, headers, path, q="pump", limit=2)
    assert resp.headers["X-Total-Count"] == str(SEARCH_CAP) and resp.headers["X-Total-Count-Exact"] == "false"
    assert _rels(resp) == {"first": 1, "next": 2}
    exact = _get(client, headers, path, q="pump", limit=2, count="exact")
    assert exact.headers["X-Total-Count"] == "7" and exact.headers["X-Total-Count-Exact"] == "true"
    assert [r["id"] for r in resp.json] == [r["id"] for r in exact.json]
    # The list without q= keeps LIST_COUNT_CAP: 9 work orders (7 assets, 7 parts) counted to 5.
    assert _get(client, headers, path, limit=2).headers["X-Total-Count"] == str(CAP)


def test_a_search_below_the_search_cap_is_exact(client, auth, searched):
    resp = _get(client, auth("north", "manager"), "/api/work-orders", q="fan", limit=1)
    assert resp.headers["X-Total-Count"] == "2" and resp.headers["X-Total-Count-Exact"] == "true"
    assert [r["title"] for r in resp.json] == ["Fan 1"]
    assert _rels(resp) == {"first": 1, "next": 2, "last": 2}
    second = _get(client, auth("north", "manager"), "/api/work-orders", q="fan", limit=1, page=2)
    assert [r["title"] for r in second.json] == ["Fan 0"] and second.headers["X-Total-Count"] == "2"
    past = _get(client, auth("north", "manager"), "/api/work-orders", q="fan", limit=1, page=5)
    assert past.json == [] and past.headers["X-Total-Count"] == "2"
    none = _get(client, auth("north", "manager"), "/api/work-orders", q="nothing like it")
    assert none.json == [] and none.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize("sort", ["-createdAt", "createdAt", "dueDate", "-dueDate", "priority", "-priority",
                                  "foNumber", "-updatedAt"])
@pytest.mark.parametrize("cap", [3, 100])
def test_a_search_page_is_the_sorted_matches(client, auth, searched, app, sort, cap):
    """Whether a search's matches fit under the cap (the page is sorted from them) or not (the
    list is paged in order), every page holds the rows of the fully counted list, in its order."""
    app.config["SEARCH_COUNT_CAP"] = app.config["LIST_COUNT_CAP"] = cap
    headers = auth("north", "manager")
    every = _get(client, headers, "/api/work-orders", q="pump", sort=sort, limit=100, count="exact").json
    assert len(every) == 7 and {r["title"] for r in every} == {f"Pump {n}" for n in range(7)}
    pages = [_get(client, headers, "/api/work-orders", q="pump", sort=sort, limit=3, page=p) for p in (1, 2, 3)]
    assert [r["id"] for p in pages for r in p.json] == [r["id"] for r in every]
    last = pages[-1].headers
    assert last["X-Total-Count"] == "7" and last["X-Total-Count-Exact"] == "true"  # page 3 counts to its end
    assert pages[0].headers["X-Total-Count-Exact"] == ("false" if cap == 3 else "true")


def test_a_search_with_other_filters_counts_only_its_matches(client, auth, searched):
    resp = _get(client, auth("north", "manager"), "/api/work-orders", q="pump", priority="high", limit=10)
    assert {r["title"] for r in resp.json} == {"Pump 1", "Pump 5"}
    assert resp.headers["X-Total-Count"] == "2" and resp.headers["X-Total-Count-Exact"] == "true"


@pytest.mark.parametrize("path", ["/api/work-orders", "/api/equipment", "/api/parts"])
def test_a_sync_search_caps_its_remaining_count_at_the_search_cap(client, auth, searched, app, path):
    app.config["SYNC_SETTLE_SECONDS"] = 0
    first = _get(client, auth("north", "manager"), path, q="pump", cursor="*", limit=2)
    assert first.headers["X-Total-Count"] == str(SEARCH_CAP) and first.headers["X-Total-Count-Exact"] == "false"


@pytest.mark.skipif(not USING_POSTGRES, reason="the plan is PostgreSQL's")
def test_a_search_reads_at_most_cap_plus_one_matches(client, auth, searched):
    """The search's statement gathers its matches under a Limit (cap + 1) before sorting them."""
    sent: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "matches" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        _get(client, auth("north", "manager"), "/api/work-orders", q="pump", limit=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert sent
    with db.engine.connect() as conn:
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sent[0][0], sent[0][1]))
    cte = plan.index("CTE matches")
    assert "Limit" in plan[cte:], plan
