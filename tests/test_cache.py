"""The Redis cache of KPI/compliance answers and part/equipment lookups (portal/platform/cache.py).

Every test reads an answer twice (the second one from the cache, checked with the hit counter),
writes through the API, and reads again: the answer must show the write at once.
"""
from __future__ import annotations

import socket

import pytest
from conftest import make_app, token_for
from factories import equipment, move_to, part, work_order

from portal.platform import cache
from portal.platform.extensions import db


def lookups(app) -> tuple[float, int]:
    return cache.hit_rate(app)


def get_twice(client, url: str, headers: dict) -> dict:
    first = client.get(url, headers=headers)
    assert first.status_code == 200, first.get_json()
    second = client.get(url, headers=headers)
    assert second.status_code == 200
    assert second.get_json() == first.get_json()
    return second.get_json()


def test_second_read_is_a_hit_and_counts_in_the_summary(app, client, users, auth):
    p = part(users.actor("north", "manager"))
    h = auth("north", "manager")
    get_twice(client, f"/api/parts/{p.id}", h)
    rate, total = lookups(app)
    assert (rate, total) == (50.0, 2)  # one miss, then one hit
    summary = client.get("/api/admin/performance/summary", headers=auth("north", "admin")).get_json()
    assert summary["cacheHitRate"] == 50.0


def test_part_lookup_shows_consumption_at_once(app, client, users, auth):
    manager = users.actor("north", "manager")
    p = part(manager, stockLevel=20)
    wo = work_order(manager)
    h = auth("north", "manager")
    assert get_twice(client, f"/api/parts/{p.id}", h)["stockLevel"] == 20
    r = client.post("/api/parts/consume", headers=h,
                    json={"workOrderId": wo.id, "partsUsage": [{"partId": p.id, "quantityUsed": 3}]})
    assert r.status_code in (200, 201), r.get_json()
    assert client.get(f"/api/parts/{p.id}", headers=h).get_json()["stockLevel"] == 17


def test_part_lookup_shows_stock_movement_at_once(app, client, users, auth):
    p = part(users.actor("north", "manager"), stockLevel=5)
    h = auth("north", "manager")
    assert get_twice(client, f"/api/parts/{p.id}", h)["stockLevel"] == 5
    r = client.post(f"/api/parts/{p.id}/stock-movements", headers=h, json={"type": "receipt", "quantity": 7})
    assert r.status_code == 201, r.get_json()
    assert client.get(f"/api/parts/{p.id}", headers=h).get_json()["stockLevel"] == 12
    r = client.patch(f"/api/parts/{p.id}", headers=h, json={"location": "Shelf Z"})
    assert r.status_code == 200, r.get_json()
    assert client.get(f"/api/parts/{p.id}", headers=h).get_json()["location"] == "Shelf Z"


def test_kpis_and_compliance_show_work_order_completion_at_once(app, client, users, auth):
    manager = users.actor("north", "manager")
    wo = work_order(manager)
    h = auth("north", "manager")
    before = get_twice(client, "/api/kpis?days=30", h)
    compliance = get_twice(client, "/api/pm-compliance?days=30", h)
    assert before["backlog"]["open"] == 1
    r = client.patch(f"/api/work-orders/{wo.id}", headers=h, json={"status": "completed"})
    assert r.status_code == 200, r.get_json()
    after = client.get("/api/kpis?days=30", headers=h).get_json()
    assert after["backlog"]["open"] == 0
    assert sum(w["completed"] for w in after["workOrdersPerWeek"]) == 1
    assert client.get("/api/pm-compliance?days=30", headers=h).get_json()["due"] == compliance["due"]
    _, total = lookups(app)
    assert total == 6


def test_kpis_and_equipment_show_downtime_change_at_once(app, client, users, auth):
    manager = users.actor("north", "manager")
    eq = equipment(manager)
    h = auth("north", "manager")
    assert get_twice(client, "/api/kpis?days=30", h)["failures"] == 0
    assert get_twice(client, f"/api/equipment/{eq.id}", h)["status"] == "active"
    r = client.post(f"/api/equipment/{eq.id}/status", headers=h, json={"status": "down", "reason": "seized"})
    assert r.status_code == 200, r.get_json()
    assert client.get("/api/kpis?days=30", headers=h).get_json()["failures"] == 1
    assert client.get(f"/api/equipment/{eq.id}", headers=h).get_json()["status"] == "down"


def test_equipment_lookup_shows_edit_at_once(app, client, users, auth):
    eq = equipment(users.actor("north", "manager"), location="Building A")
    h = auth("north", "manager")
    assert get_twice(client, f"/api/equipment/{eq.id}", h)["location"] == "Building A"
    r = client.patch(f"/api/equipment/{eq.id}", headers=h, json={"location": "Building B"})
    assert r.status_code == 200, r.get_json()
    assert client.get(f"/api/equipment/{eq.id}", headers=h).get_json()["location"] == "Building B"


def test_service_writes_outside_the_api_invalidate_too(app, client, users, auth):
    """A write from a job or the CLI (no request) drops the cached answer as well."""
    manager = users.actor("north", "manager")
    wo = work_order(manager)
    h = auth("north", "manager")
    assert get_twice(client, "/api/kpis?days=30", h)["backlog"]["open"] == 1
    move_to(manager, wo.id, "in_progress", "completed")
    assert client.get("/api/kpis?days=30", headers=h).get_json()["backlog"]["open"] == 0


def test_another_warehouse_never_sees_a_cached_answer(app, client, users, auth):
    p = part(users.actor("north", "manager"))
    get_twice(client, f"/api/parts/{p.id}", auth("north", "manager"))
    assert client.get(f"/api/parts/{p.id}", headers=auth("south", "manager")).status_code == 404
    north = get_twice(client, "/api/kpis?days=30", auth("north", "manager"))
    south = client.get("/api/kpis?days=30", headers=auth("south", "manager")).get_json()
    assert north["workOrdersPerWeek"] == south["workOrdersPerWeek"]  # both empty: not the other's numbers
    work_order(users.actor("north", "manager"))
    assert client.get("/api/kpis?days=30", headers=auth("south", "manager")).get_json()["backlog"]["open"] == 0
    assert client.get("/api/kpis?days=30", headers=auth("north", "manager")).get_json()["backlog"]["open"] == 1


def test_a_hit_still_checks_the_permission(app, client, users, auth):
    get_twice(client, "/api/kpis?days=30", auth("north", "manager"))
    assert client.get("/api/kpis?days=30", headers=auth("north", "requester")).status_code == 403


def test_rolled_back_write_keeps_the_cache(app, client, users, auth):
    """A refused write (409) bumps nothing: the cached answer is still served."""
    manager = users.actor("north", "manager")
    p = part(manager, stockLevel=1)
    wo = work_order(manager)
    h = auth("north", "manager")
    get_twice(client, f"/api/parts/{p.id}", h)
    r = client.post("/api/parts/consume", headers=h,
                    json={"workOrderId": wo.id, "partsUsage": [{"partId": p.id, "quantityUsed": 5}]})
    assert r.status_code == 409
    assert client.get(f"/api/parts/{p.id}", headers=h).get_json()["stockLevel"] == 1
    assert lookups(app) == (round(200 / 3, 2), 3)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_redis_down_computes_without_cache(app, users):
    """Redis unreachable: reads and writes answer as without a cache (no error), and a bump the
    write could not send is owed: this process serves no cached entry until it is sent."""
    manager = users.actor("north", "manager")
    p = part(manager, stockLevel=4)
    token = token_for(users["north"]["manager"])
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    h = {"Authorization": f"Bearer {token}"}
    with down.app_context():
        c = down.test_client()
        r = c.get(f"/api/parts/{p.id}", headers=h)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["stockLevel"] == 4
        r = c.post(f"/api/parts/{p.id}/stock-movements", headers=h, json={"type": "receipt", "quantity": 1})
        assert r.status_code == 201, r.get_json()
        assert c.get(f"/api/parts/{p.id}", headers=h).get_json()["stockLevel"] == 5
        assert c.get("/api/kpis?days=7", headers=h).status_code == 200
        db.session.remove()
    assert cache._unsent  # owed to Redis
    # Back on the reachable Redis: the owed bump is sent before the next lookup.
    with app.test_request_context():
        assert cache.cached("probe", "x", (), lambda: 1, app=app) == 1
    assert not cache._unsent


@pytest.mark.parametrize("enabled", [False])
def test_cache_can_be_switched_off(app, users, enabled):
    off = make_app(CACHE_ENABLED=enabled)
    calls = []
    with off.app_context():
        for _ in range(2):
            cache.cached("probe", "x", (), lambda: calls.append(1) or 1, app=off)
    assert len(calls) == 2


def test_only_plain_json_is_kept(app, users):
    """A kept answer reads back exactly as computed: numbers, text, nulls and nesting survive, and
    an answer holding what JSON cannot carry as such (a datetime, a Decimal) is never kept, so a
    hit never answers a string where a miss answered a datetime."""
    from datetime import UTC, datetime
    from decimal import Decimal

    plain = {"total": 3, "items": [{"a": 1.5, "b": None, "c": "é", "d": [True, 0]}], "7": -1}
    calls = []
    with app.test_request_context():
        for _ in range(2):
            assert cache.cached("probe-plain", "x", (), lambda: calls.append(1) or plain, app=app) == plain
        assert len(calls) == 1
        for odd in (datetime(2026, 11, 26, tzinfo=UTC), Decimal("1.50")):
            answers = [cache.cached("probe-odd", "x", (str(odd),), lambda v=odd: calls.append(1) or {"v": v}, app=app)
                       for _ in range(2)]
            assert answers == [{"v": odd}, {"v": odd}]
        assert len(calls) == 5


def test_consumption_drops_only_its_own_warehouse(app, client, users, auth):
    """The stock UPDATE names its warehouse, so south's cached answers survive north's consumption."""
    north, south = users.actor("north", "manager"), users.actor("south", "manager")
    p_north, p_south = part(north, stockLevel=9), part(south, stockLevel=9)
    wo = work_order(north)
    get_twice(client, f"/api/parts/{p_south.id}", auth("south", "manager"))
    r = client.post("/api/parts/consume", headers=auth("north", "manager"),
                    json={"workOrderId": wo.id, "partsUsage": [{"partId": p_north.id, "quantityUsed": 2}]})
    assert r.status_code in (200, 201)
    client.get(f"/api/parts/{p_south.id}", headers=auth("south", "manager"))
    assert lookups(app) == (round(200 / 3, 2), 3)  # miss, hit, hit


def _listed(client, url: str, headers: dict) -> tuple[int, set[str]]:
    """X-Total-Count and the ids of a list's answer."""
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.get_json()
    return int(r.headers["X-Total-Count"]), {row["id"] for row in r.get_json()}


def test_work_order_list_is_kept_and_never_stale_after_a_write(app, client, users, auth):
    """A filtered list is answered from the cache on the second read, and every write that changes it
    (create, status change through the API or a service, edit, bulk assign) shows at once."""
    manager = users.actor("north", "manager")
    first, second = work_order(manager), work_order(manager)
    h = auth("north", "manager")
    url = "/api/work-orders?status=new"
    assert _listed(client, url, h) == (2, {first.id, second.id})
    assert _listed(client, url, h) == (2, {first.id, second.id})
    assert lookups(app) == (50.0, 2)  # a miss, then a hit
    r = client.post("/api/work-orders", json={"title": "Third"}, headers=h)
    assert r.status_code == 201
    third = r.get_json()["id"]
    assert _listed(client, url, h) == (3, {first.id, second.id, third})
    r = client.patch(f"/api/work-orders/{first.id}", json={"status": "in_progress"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert _listed(client, url, h) == (2, {second.id, third})
    move_to(manager, second.id, "cancelled")  # a service write, no request
    assert _listed(client, url, h) == (1, {third})
    r = client.patch(f"/api/work-orders/{third}", json={"title": "Third, renamed"}, headers=h)
    assert r.status_code == 200
    assert client.get(url, headers=h).get_json()[0]["title"] == "Third, renamed"
    technician = users["north"]["technician"].id
    mine = f"/api/work-orders?assignedTo={technician}"
    assert _listed(client, mine, h) == (0, set())
    r = client.post("/api/work-orders/bulk-assign", headers=h, json={"ids": [third], "assignedTo": technician})
    assert r.status_code == 200, r.get_json()
    assert _listed(client, mine, h) == (1, {third})
    # Each page is an answer of its own.
    pages = [_listed(client, f"/api/work-orders?limit=1&page={n}", h) for n in (1, 2, 3, 1, 2, 3)]
    assert [total for total, _ in pages] == [3] * 6
    assert len(set().union(*(ids for _, ids in pages[:3]))) == 3 and pages[:3] == pages[3:]


def test_work_order_lists_are_per_warehouse_and_overdue_ones_are_not_kept(app, client, users, auth):
    wo = work_order(users.actor("north", "manager"))
    assert _listed(client, "/api/work-orders", auth("north", "manager")) == (1, {wo.id})
    assert _listed(client, "/api/work-orders", auth("south", "manager")) == (0, set())
    assert _listed(client, "/api/work-orders", auth("north", "manager")) == (1, {wo.id})
    before = lookups(app)[1]
    # Overdue changes with the clock, without a write: such lists are always read afresh.
    for _ in range(2):
        assert _listed(client, "/api/work-orders?overdue=true", auth("north", "manager")) == (0, set())
    assert lookups(app)[1] == before


def test_the_services_keep_the_answers_and_check_the_permission_first(app, client, users, auth):
    """The cache sits in the service reads: what the API answered is what a service call reads
    from the same entry, and a refused reader is refused before the cache is looked at."""
    from portal.schemas.kpis import KpisQuery
    from portal.schemas.pm import ComplianceQuery
    from portal.services.assets import equipment as equipment_service
    from portal.services.common.errors import Forbidden
    from portal.services.inventory import parts as parts_service
    from portal.services.reporting import reads as reporting_reads

    manager = users.actor("north", "manager")
    p, eq = part(manager), equipment(manager)
    h = auth("north", "manager")
    answers = [client.get(url, headers=h).get_json()
               for url in (f"/api/parts/{p.id}", f"/api/equipment/{eq.id}", "/api/kpis?days=30",
                           "/api/pm-compliance?days=30")]
    assert lookups(app) == (0.0, 4)
    with app.test_request_context():
        assert [parts_service.part_answer(manager, p.id), equipment_service.equipment_answer(manager, eq.id),
                reporting_reads.kpis_answer(manager, KpisQuery(days=30)),
                reporting_reads.compliance_answer(manager, ComplianceQuery(days=30))] == answers
        assert lookups(app) == (50.0, 8)
        with pytest.raises(Forbidden):
            reporting_reads.kpis_answer(users.actor("north", "technician"), KpisQuery(days=30))
    assert lookups(app) == (50.0, 8)
