"""Issue 23: bad actors and the Pareto of failure modes (services/reporting/bad_actors.py) against a
hand-computed fixture. now = N, window 30 days [N-30d, N]; north's assets P1, P2, P3 (pumps), M1 (an
electric motor); south's S1 (never seen by north).

Unplanned downtime periods (planned ones never count):
  P1  N-10d +5h, N-3d +3h                      8 h, 2 failures
  P2  N-35d -> N-28d (starts before the window) 48 h clipped, 0 failures; planned N-5d +20h: left out
  P3  N-31d -> N-30d-1h (before the window)     not counted; N-20d +8h: 8 h, 1 failure
  M1  N-1d, still down                          24 h to the window's end, 1 failure
  S1  (south) N-20d +500h                       another warehouse
byDowntime: P2 48, M1 24, P1 8 (2 failures) before P3 8 (1 failure)
byFailures: P1 2, M1 1 (24 h) before P3 1 (8 h); P2 (0) left out

Cost = labor entries' cost (performedAt in the window) + part consumptions' totalCost (consumedAt in it):
  P1  a: labor 100.00 N-10d, parts 50.00 N-10d; b (preventive): labor 30.00 N-7d; a: labor 999.00 N-40d (out)
      = 180.00 (labor 130.00, parts 50.00)
  P2  c: parts 180.00 at exactly N-30d (the window's first instant: in)     = 180.00
  M1  d: labor 400.00 N-1d                                                   = 400.00
  P3  e: labor 20.00 at N-30d-1min (out)                                     = 0: left out
  S1  10000.00
byCost: M1 400, P1 180 before P2 180 (tie: asset tag)

Coded failures (corrective/emergency, created in the window, not cancelled, with a mode):
  a P1 VIB/WEAR N-10d   f P1 VIB/MIS N-3d   g P1 LEAK/- N-3d   c P2 LEAK/MIS N-29d
  d M1 OHE/WEAR N-1d    e P3 VIB/WEAR N-20d
  left out: h P1 VIB cancelled; i P1 preventive BRD; j P3 VIB created N-31d; S1's five VIB
  k P2 corrective completed without a mode: uncoded 1 (l, open without one, is not)
Pareto of modes: VIB 3 (50 %, 50), LEAK 2 (33.33 %, 83.33), OHE 1 (16.67 %, 100); vital few VIB, LEAK
Pareto of causes: WEAR 3 (60 %), MIS 2 (40 %); g has no cause: uncoded 1
Pumps only: byCost P1, P2; modes VIB 3 (60 %), LEAK 2 (40 %)
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.models import DowntimePeriod, Equipment, FailureCode, LaborEntry, Part, PartConsumption, WorkOrder
from portal.platform.database import unit_of_work
from portal.schemas.bad_actors import BadActorsOut
from portal.services.common.errors import Forbidden, NotFound
from portal.services.reporting import bad_actors as service

N = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return N + timedelta(days=days, hours=hours, minutes=minutes)


def fixture(users) -> dict[str, str]:
    north, south = users.actor("north", "manager"), users.actor("south", "manager")
    tech, south_tech = users["north"]["technician"].id, users["south"]["technician"].id
    ids: dict[str, str] = {}
    with unit_of_work() as s:
        def asset(actor, tag: str, eclass: str) -> Equipment:
            e = Equipment(warehouse_id=actor.warehouse_id, asset_tag=tag, equipment_class=eclass)
            s.add(e)
            s.flush()
            ids[tag] = e.id
            return e

        p1, p2, p3 = (asset(north, t, "pump") for t in ("P1", "P2", "P3"))
        m1, s1 = asset(north, "M1", "electric_motor"), asset(south, "S1", "pump")
        for kind, code, label in (("mode", "VIB", "Vibration"), ("mode", "LEAK", "External leakage"),
                                  ("mode", "OHE", "Overheating"), ("mode", "BRD", "Breakdown"),
                                  ("cause", "WEAR", "Wear"), ("cause", "MIS", "Misalignment")):
            s.add(FailureCode(warehouse_id=north.warehouse_id, kind=kind, code=code, label=label))
        numbers = iter(range(1, 100))

        def order(e: Equipment, name: str, created: datetime, mode=None, cause=None, type_="corrective",
                  status="completed") -> WorkOrder:
            wo = WorkOrder(warehouse_id=e.warehouse_id, fo_number=f"FO-{next(numbers)}", title=name, type=type_,
                           status=status, equipment_id=e.id, created_at=created, updated_at=created,
                           failure_mode=mode, failure_cause=cause)
            s.add(wo)
            s.flush()
            ids[name] = wo.id
            return wo

        def down(e: Equipment, start: datetime, end: datetime | None, planned: bool = False) -> None:
            s.add(DowntimePeriod(warehouse_id=e.warehouse_id, equipment_id=e.id, started_at=start, ended_at=end,
                                 planned=planned, reason_code="preventive" if planned else "breakdown"))

        down(p1, at(-10), at(-10, 5))
        down(p1, at(-3), at(-3, 3))
        down(p2, at(-35), at(-28))
        down(p2, at(-5), at(-5, 20), planned=True)
        down(p3, at(-31), at(-30, -1))
        down(p3, at(-20), at(-20, 8))
        down(m1, at(-1), None)
        down(s1, at(-20), at(-20, 500))

        a = order(p1, "a", at(-10), "VIB", "WEAR")
        b = order(p1, "b", at(-8), type_="preventive")
        order(p1, "f", at(-3), "VIB", "MIS")
        order(p1, "g", at(-3), "LEAK")
        c = order(p2, "c", at(-29), "LEAK", "MIS")
        d = order(m1, "d", at(-1), "OHE", "WEAR", type_="emergency", status="in_progress")
        e = order(p3, "e", at(-20), "VIB", "WEAR")
        order(p1, "h", at(-2), "VIB", status="cancelled")
        order(p1, "i", at(-2), "BRD", type_="preventive")
        order(p3, "j", at(-31), "VIB")
        order(p2, "k", at(-4))
        order(p2, "l", at(-4), status="new")  # open, not coded yet: not "uncoded"
        south_orders = [order(s1, f"s{n}", at(-5), "VIB") for n in range(5)]

        def labor(wo: WorkOrder, cost: str, when: datetime, user: str = tech) -> None:
            s.add(LaborEntry(warehouse_id=wo.warehouse_id, work_order_id=wo.id, user_id=user, minutes=60,
                             cost=Decimal(cost), performed_at=when))

        def parts(wo: WorkOrder, cost: str, when: datetime) -> None:
            part = Part(warehouse_id=wo.warehouse_id, part_number=f"P-{wo.fo_number}", stock_level=10)
            s.add(part)
            s.flush()
            s.add(PartConsumption(warehouse_id=wo.warehouse_id, work_order_id=wo.id, part_id=part.id, quantity=1,
                                  unit_cost=Decimal(cost), total_cost=Decimal(cost), consumed_at=when))

        labor(a, "100.00", at(-10))
        parts(a, "50.00", at(-10))
        labor(b, "30.00", at(-7))
        labor(a, "999.00", at(-40))
        parts(c, "180.00", at(-30))
        labor(d, "400.00", at(-1))
        labor(e, "20.00", at(-30, minutes=-1))
        labor(south_orders[0], "10000.00", at(-5), user=south_tech)
    return ids


def tags(rows: list[dict]) -> list[str]:
    return [r["asset_tag"] for r in rows]


def test_rankings_pareto_and_costs_match_the_hand_computed_fixture(app, users):
    ids = fixture(users)
    m = users.actor("north", "manager")
    r = service.bad_actors(m, 30, now=N)
    assert (r["from_"], r["to"]) == (at(-30), N)
    assert tags(r["by_downtime"]) == ["P2", "M1", "P1", "P3"]  # P1 before P3: same 8 h, more failures
    assert [x["downtime_hours"] for x in r["by_downtime"]] == [48.0, 24.0, 8.0, 8.0]
    assert tags(r["by_failures"]) == ["P1", "M1", "P3"]  # M1 before P3: same count, more downtime
    assert tags(r["by_cost"]) == ["M1", "P1", "P2"]  # P1 before P2: the same 180.00, by tag
    p1 = r["by_cost"][1]
    assert p1 == {"equipment_id": ids["P1"], "asset_tag": "P1", "equipment_class": "pump", "downtime_hours": 8.0,
                  "failures": 2, "failure_work_orders": 3, "labor_cost": Decimal("130.00"),
                  "parts_cost": Decimal("50.00"), "cost": Decimal("180.00"),
                  "top_failure_modes": [{"code": "VIB", "label": "Vibration", "count": 2},
                                        {"code": "LEAK", "label": "External leakage", "count": 1}]}
    assert r["by_cost"][2]["cost"] == Decimal("180.00")  # consumed at the window's first instant: in
    assert r["by_cost"][0]["top_failure_modes"] == [{"code": "OHE", "label": "Overheating", "count": 1}]

    pareto = r["pareto"]
    assert pareto["total"] == 6 and pareto["uncoded"] == 1 and pareto["vital_few"] == 2
    assert [(i["code"], i["count"], i["share"], i["cumulative_share"], i["vital_few"]) for i in pareto["items"]] == [
        ("VIB", 3, 50.0, 50.0, True), ("LEAK", 2, 33.33, 83.33, True), ("OHE", 1, 16.67, 100.0, False)]
    causes = r["cause_pareto"]
    assert [(i["code"], i["count"], i["share"]) for i in causes["items"]] == [("WEAR", 3, 60.0), ("MIS", 2, 40.0)]
    assert causes["uncoded"] == 1 and causes["vital_few"] == 2

    # The API's JSON: money as strings, camelCase.
    out = BadActorsOut.dump(r)
    assert out["byCost"][1]["cost"] == "180.00" and out["pareto"]["items"][1]["cumulativeShare"] == 83.33


def test_limit_class_filter_and_window(app, users):
    fixture(users)
    m = users.actor("north", "manager")
    r = service.bad_actors(m, 30, now=N, limit=2)
    assert tags(r["by_downtime"]) == ["P2", "M1"] and tags(r["by_cost"]) == ["M1", "P1"]
    pumps = service.bad_actors(m, 30, now=N, equipment_class="pump")
    assert tags(pumps["by_cost"]) == ["P1", "P2"] and tags(pumps["by_downtime"]) == ["P2", "P1", "P3"]
    assert [(i["code"], i["count"], i["share"]) for i in pumps["pareto"]["items"]] == [
        ("VIB", 3, 60.0), ("LEAK", 2, 40.0)]
    # A window of 2 days: M1's open period (24 h) and P1's N-1d..: only what lies inside.
    short = service.bad_actors(m, 2, now=N)
    assert tags(short["by_downtime"]) == ["M1"] and short["by_downtime"][0]["downtime_hours"] == 24.0
    assert [i["code"] for i in short["pareto"]["items"]] == ["OHE"]


def test_another_warehouse_sees_only_its_own_and_technicians_are_refused(app, users):
    fixture(users)
    south = service.bad_actors(users.actor("south", "manager"), 30, now=N)
    assert tags(south["by_cost"]) == ["S1"] and south["by_cost"][0]["cost"] == Decimal("10000.00")
    assert south["pareto"]["total"] == 5 and south["pareto"]["items"][0]["label"] == "VIB"  # no catalogue: the code
    with pytest.raises(Forbidden):
        service.bad_actors(users.actor("north", "technician"), 30, now=N)


def test_asset_work_orders_behind_a_row(app, users):
    ids = fixture(users)
    m = users.actor("north", "manager")
    rows = service.asset_work_orders(m, ids["P1"], 30, now=N)
    assert rows.row["cost"] == Decimal("180.00") and rows.total == 4  # a, b (cost), f, g (coded)
    assert [w["id"] for w in rows.items][:2] == [ids["a"], ids["b"]]  # costliest first
    assert {w["id"] for w in rows.items[2:]} == {ids["f"], ids["g"]}  # h cancelled, i preventive without cost
    first = rows.items[0]
    assert (first["cost"], first["failure_mode"], first["failure_mode_label"], first["failure_cause_label"]) == (
        Decimal("150.00"), "VIB", "Vibration", "Wear")
    with pytest.raises(NotFound):
        service.asset_work_orders(users.actor("south", "manager"), ids["P1"], 30, now=N)


def test_api_answers_and_refuses_in_the_contracts_format(client, auth, users):
    fixture(users)
    headers = auth("north", "manager")
    ok = client.get("/api/kpis/bad-actors?days=3650&limit=1&equipmentClass=pump", headers=headers)
    assert ok.status_code == 200
    body = ok.get_json()
    assert body["limit"] == 1 and body["equipmentClass"] == "pump" and len(body["byCost"]) == 1
    for query, field in (("limit=0", "limit"), ("limit=51", "limit"), ("days=0", "days"), ("bogus=1", "bogus")):
        bad = client.get(f"/api/kpis/bad-actors?{query}", headers=headers)
        assert bad.status_code == 400, query
        assert bad.get_json()["errors"][0]["field"] == field and bad.get_json()["message"]
    assert client.get("/api/kpis/bad-actors", headers=auth("north", "technician")).status_code == 403
