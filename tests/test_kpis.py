"""PM compliance and maintenance KPIs against hand-computed fixtures.

KPI fixture (now = N, window 30 days = 720 h; assets A, B, C, and R retired). Failures are reported
with equipmentDown, so each records a downtime period that its completion closes:
  #4 B corrective  down N-40d, completed N-29d            period 264 h, ends in window: repair;
                                                          starts before it: not a failure; 24 h in window
  #1 A corrective  down N-20d, completed +4h              period 4 h
  #2 A emergency   down N-10d, completed +6h              period 6 h
  #3 B corrective  down N-5d, still in progress           open period: 120 h to the window's end, due N-1d
  #5 A corrective  created N-3d (not down), cancelled     no period
  #6 A preventive  created N-15d, completed N-14d         no period
  #7 -  corrective created N-2d, completed +2h, no asset  no period (nothing went down)
  #8 C inspection  created N-1d, open, estimated 90 min, due N+5d
  MTTR = (264 + 4 + 6) / 3 = 91.33 h
  failures: A 2, B 1 -> 3; downtime: A 10 h, B 144 h; operating: A 710, B 576, C 720 (R retired: left out)
  MTBF = (710 + 576 + 720) / 3 = 668.67 h; A: 710 / 2 = 355 h, MTTR 5 h; B: 576 / 1, MTTR 264 h
  availability = 2006 / (3 x 720) = 92.87 %; A: 710 / 720 = 98.61 %; B: 576 / 720 = 80 %; C 100 %
  labor in window: #6 120 min (preventive), #1 60 min, #3 30 min; #1 999 min performed before the window
  PMP = 120 / 210 = 57.14 %; labor per asset: A 180, B 30
  parts: #1 2 x 12.50 = 25.00 (A); #3 1 x 12.50 = 12.50 (B)
  backlog: #3 and #8 open, (30 + 90) / 60 = 2 h, 1 overdue (#3)
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.models.types import utcnow
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.schemas.parts import PartCreate
from portal.schemas.pm import LaborCreate, PMTemplateCreate
from portal.schemas.work_orders import ConsumeParts, WorkOrderCreate, WorkOrderUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.inventory import parts as parts_service
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates
from portal.services.reporting import kpis as kpi_service
from portal.services.work_orders import labor as labor_service
from portal.services.work_orders import lifecycle as wo_service

FIXED_NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)  # a Tuesday; the window starts Sunday May 31


def at(now: datetime, days: float = 0, hours: float = 0) -> datetime:
    return now + timedelta(days=days, hours=hours)


def new_equipment(actor, tag: str):
    return equipment_service.create_equipment(actor, EquipmentCreate(assetTag=tag), now=at(FIXED_NOW, -400))


def new_order(actor, created: datetime, type_: str, equipment=None, **extra):
    body = WorkOrderCreate.model_validate({"title": f"{type_} job", "type": type_,
                                           "equipmentId": equipment.id if equipment else None,
                                           "dueDate": extra.pop("due", None),
                                           "equipmentDown": extra.pop("down", False)})
    return wo_service.create_work_order(actor, body, now=created, **extra)


def move(actor, wo, when: datetime, *statuses: str) -> None:
    for status in statuses:
        wo_service.update_work_order(actor, wo.id, WorkOrderUpdate(status=status), now=when)


def kpi_fixture(users, now: datetime) -> dict:
    m = users.actor("north", "manager")
    a, b, c, r = (new_equipment(m, tag) for tag in ("PUMP-A", "PUMP-B", "PUMP-C", "PUMP-R"))
    equipment_service.update_equipment(m, r.id, EquipmentUpdate(status="retired"))
    part = parts_service.create_part(m, PartCreate(partNumber="BRG-1", stockLevel=50, unitCost="12.50"))

    w4 = new_order(m, at(now, -40), "corrective", b, down=True)
    move(m, w4, at(now, -29), "in_progress", "completed")
    def use_parts(wo, quantity: int, when: datetime) -> None:
        parts_service.consume_parts(m, ConsumeParts.model_validate(
            {"workOrderId": wo.id, "partsUsage": [{"partId": part.id, "quantityUsed": quantity}]}), now=when)

    w1 = new_order(m, at(now, -20), "corrective", a, down=True)
    use_parts(w1, 2, at(now, -20, 2))  # while the work is open: a completed order takes no parts
    move(m, w1, at(now, -20, 4), "in_progress", "completed")
    w2 = new_order(m, at(now, -10), "emergency", a, down=True)
    move(m, w2, at(now, -10, 6), "in_progress", "completed")
    w3 = new_order(m, at(now, -5), "corrective", b, due=at(now, -1), estimated_duration=30, down=True)
    move(m, w3, at(now, -5, 1), "in_progress")
    w5 = new_order(m, at(now, -3), "corrective", a)
    move(m, w5, at(now, -3, 1), "cancelled")
    w6 = new_order(m, at(now, -15), "preventive", a)
    move(m, w6, at(now, -14), "in_progress", "completed")
    w7 = new_order(m, at(now, -2), "corrective")
    move(m, w7, at(now, -2, 2), "in_progress", "completed")
    new_order(m, at(now, -1), "inspection", c, due=at(now, 5), estimated_duration=90)

    for wo, minutes, when in ((w6, 120, at(now, -14, -2)), (w1, 60, at(now, -20, 3)), (w3, 30, at(now, -4)),
                              (w1, 999, at(now, -40))):
        labor_service.add_labor(m, wo.id, LaborCreate(minutes=minutes, performedAt=when), now=now)
    use_parts(w3, 1, at(now, -4))
    return {"A": a.id, "B": b.id, "C": c.id, "R": r.id}


def check_headline(k: dict) -> None:
    assert k["mttrHours"] == 91.33 and k["repairs"] == 3
    assert k["failures"] == 3 and k["operatingHours"] == 2006.0
    assert k["mtbfHours"] == 668.67
    assert k["availability"] == round(2006 / 2160 * 100, 2) == 92.87
    assert k["plannedMaintenancePercentage"] == 57.14
    assert k["preventiveLaborMinutes"] == 120 and k["laborMinutes"] == 210
    assert k["backlog"] == {"open": 2, "estimatedHours": 2.0, "unestimated": 0, "overdue": 1}


def test_kpis_match_the_hand_computed_fixture(app, users):
    from portal.schemas.kpis import KpisOut

    ids = kpi_fixture(users, FIXED_NOW)
    k = KpisOut.dump(kpi_service.kpis(users.actor("north", "manager"), 30, now=FIXED_NOW))
    assert k["days"] == 30 and k["from"] == "2026-05-31T12:00:00.000Z" and k["to"] == "2026-06-30T12:00:00.000Z"
    check_headline(k)
    assets = {row["assetTag"]: row for row in k["assets"]}
    assert assets["PUMP-A"] == {
        "equipmentId": ids["A"], "assetTag": "PUMP-A", "failures": 2, "repairs": 2, "downtimeHours": 10.0,
        "operatingHours": 710.0, "mtbfHours": 355.0, "mttrHours": 5.0, "availability": 98.61,
        "laborMinutes": 180, "partsCost": "25.00", "plannedStops": 0, "plannedDowntimeHours": 0.0}
    assert assets["PUMP-B"] == {
        "equipmentId": ids["B"], "assetTag": "PUMP-B", "failures": 1, "repairs": 1, "downtimeHours": 144.0,
        "operatingHours": 576.0, "mtbfHours": 576.0, "mttrHours": 264.0, "availability": 80.0,
        "laborMinutes": 30, "partsCost": "12.50", "plannedStops": 0, "plannedDowntimeHours": 0.0}
    # Only assets with downtime in the window have a row (PUMP-C had none); the fleet still counts it.
    assert "PUMP-C" not in assets and k["assetsWithDowntime"] == 2 and k["assetsInService"] == 3
    # The MTTR variants on this fixture: each repair was started and completed at one instant, so from
    # the repair's start #4 and #2 take 0 h; #1's 999 minutes of labor began before its stop: clipped
    # to the stop, 4 h. Responses (left `new`): #4 at its end (264 h), #1 4 h, #2 6 h.
    assert (k["mttrBasis"], k["mttrRepairs"], k["meanResponseHours"], k["responses"]) == (
        "failureToRestore", 3, round(274 / 3, 2), 3)
    variant = kpi_service.kpis(users.actor("north", "manager"), 30, now=FIXED_NOW, mttr_basis="repairStartToRestore")
    assert (variant["mttr_hours"], variant["mttr_repairs"]) == (round(4 / 3, 2), 3)
    assert [row["assetTag"] for row in k["topAssets"]] == ["PUMP-B", "PUMP-A"]
    assert k["workOrdersPerWeek"] == [
        {"weekStart": "2026-05-25T00:00:00.000Z", "opened": 0, "completed": 0},
        {"weekStart": "2026-06-01T00:00:00.000Z", "opened": 0, "completed": 1},
        {"weekStart": "2026-06-08T00:00:00.000Z", "opened": 1, "completed": 1},
        {"weekStart": "2026-06-15T00:00:00.000Z", "opened": 2, "completed": 2},
        {"weekStart": "2026-06-22T00:00:00.000Z", "opened": 3, "completed": 1},
        {"weekStart": "2026-06-29T00:00:00.000Z", "opened": 1, "completed": 0},
    ]


def test_mtbf_comes_from_recorded_downtime_not_from_work_order_age(app, users):
    """Old open work orders (a months-old squeaky guard) must not move MTBF, MTTR or availability."""
    m = users.actor("north", "manager")
    pump = new_equipment(m, "PUMP-1")
    for n in range(5):
        new_order(m, at(FIXED_NOW, -300 - n), "preventive", pump)
    new_order(m, at(FIXED_NOW, -200), "corrective", pump)  # reported, never marked down, still open
    k = kpi_service.kpis(m, 30, now=FIXED_NOW)
    assert k["mttr_hours"] is None and k["mtbf_hours"] is None and k["failures"] == 0
    assert k["availability"] == 100.0
    failure = new_order(m, at(FIXED_NOW, -6), "corrective", pump, down=True)
    move(m, failure, at(FIXED_NOW, -6, 12), "in_progress", "completed")
    k = kpi_service.kpis(m, 30, now=FIXED_NOW)
    assert k["mttr_hours"] == 12.0 and k["failures"] == 1 and k["mtbf_hours"] == 708.0
    assert k["availability"] == round(708 / 720 * 100, 2)


def test_kpis_over_http(client, auth, users):
    kpi_fixture(users, utcnow())
    r = client.get("/api/kpis?days=30", headers=auth("north", "manager"))
    assert r.status_code == 200, r.json
    check_headline(r.json)
    assert client.get("/api/kpis", headers=auth("south", "manager")).json["failures"] == 0
    assert client.get("/api/kpis", headers=auth("north", "technician")).status_code == 403
    assert client.get("/api/kpis?days=0", headers=auth("north", "manager")).status_code == 400


# --- PM compliance ---------------------------------------------------------------------------

def compliance_fixture(users, now: datetime) -> dict:
    """T1 on A and B, T2 on C; 30-day window ending at now:
    T1/A due -25 completed -26 (on time); T1/A due -10 completed -8 (late);
    T1/B due -40 completed -35 (late, outside the window); T1/B due -20 open (overdue);
    T2/C due -5 cancelled; T2/C due -2 completed -2 exactly (on time); T2/C due +3 open (outside).
    due 4, on time 2, late 1, open 1, overdue 1 -> 50 %; T1 1/3 -> 33.33 %; T2 100 %;
    A 1/2 -> 50 %, B 0 %, C 100 %; cancelled 1."""
    m = users.actor("north", "manager")
    a, b, c = (new_equipment(m, tag) for tag in ("PUMP-A", "PUMP-B", "PUMP-C"))
    t1, t2 = (pm_templates.create_template(m, PMTemplateCreate.model_validate({
        "name": name, "frequencyType": "calendar", "frequency": 100, "leadDays": 0,
        "startDate": at(now, 400), "equipmentIds": ids}), now=at(now, -60))
        for name, ids in (("Motor PM", [a.id, b.id]), ("Valve PM", [c.id])))

    def pm(template, equipment, due_days: float):
        with pm_scheduler.unit_of_work():
            return pm_scheduler.create_pm_work_order(template, equipment, at(now, due_days), trigger="calendar",
                                                   now=at(now, due_days - 5))

    move(m, pm(t1, a, -25), at(now, -26), "in_progress", "completed")
    move(m, pm(t1, a, -10), at(now, -8), "in_progress", "completed")
    move(m, pm(t1, b, -40), at(now, -35), "in_progress", "completed")
    pm(t1, b, -20)
    move(m, pm(t2, c, -5), at(now, -4), "cancelled")
    move(m, pm(t2, c, -2), at(now, -2), "in_progress", "completed")
    pm(t2, c, 3)
    return {"T1": t1.id, "T2": t2.id, "A": a.id, "B": b.id, "C": c.id}


def check_compliance(r: dict, ids: dict) -> None:
    assert {k: r[k] for k in ("days", "due", "completedOnTime", "completedLate", "overdue", "open", "compliance",
                              "cancelled")} == {
        "days": 30, "due": 4, "completedOnTime": 2, "completedLate": 1, "overdue": 1, "open": 1, "compliance": 50.0,
        "cancelled": 1}
    assert r["byTemplate"] == [
        {"templateId": ids["T1"], "name": "Motor PM", "due": 3, "completedOnTime": 1, "completedLate": 1,
         "overdue": 1, "open": 1, "compliance": 33.33},
        {"templateId": ids["T2"], "name": "Valve PM", "due": 1, "completedOnTime": 1, "completedLate": 0,
         "overdue": 0, "open": 0, "compliance": 100.0},
    ]
    by_equipment = {row["assetTag"]: (row["equipmentId"], row["due"], row["compliance"]) for row in r["byEquipment"]}
    assert by_equipment == {"PUMP-A": (ids["A"], 2, 50.0), "PUMP-B": (ids["B"], 1, 0.0),
                            "PUMP-C": (ids["C"], 1, 100.0)}


def test_pm_compliance_matches_the_hand_computed_fixture(app, users):
    from portal.schemas.pm import ComplianceOut

    ids = compliance_fixture(users, FIXED_NOW)
    r = ComplianceOut.dump(kpi_service.pm_compliance(users.actor("north", "manager"), 30, now=FIXED_NOW))
    assert r["from"] == "2026-05-31T12:00:00.000Z" and r["to"] == "2026-06-30T12:00:00.000Z"
    check_compliance(r, ids)
    # A wider window takes in the PM due 40 days ago (completed 5 days late).
    wide = kpi_service.pm_compliance(users.actor("north", "manager"), 45, now=FIXED_NOW)
    assert (wide["due"], wide["completed_on_time"], wide["completed_late"], wide["compliance"]) == (5, 2, 2, 40.0)


@pytest.mark.parametrize("role", ["admin", "manager", "technician", "requester"])
def test_pm_compliance_over_http(client, auth, users, role):
    ids = compliance_fixture(users, utcnow())
    r = client.get("/api/pm-compliance?days=30", headers=auth("north", role))
    assert r.status_code == 200, r.json
    check_compliance(r.json, ids)


def test_pm_compliance_with_nothing_due(client, auth):
    r = client.get("/api/pm-compliance", headers=auth("south", "manager"))
    assert r.status_code == 200
    assert r.json["due"] == 0 and r.json["compliance"] is None and r.json["byTemplate"] == []
    assert client.get("/api/pm-compliance?days=abc", headers=auth("south", "manager")).status_code == 400


def _period(actor, equipment, start: datetime, end: datetime | None) -> None:
    from portal.models import DowntimePeriod
    from portal.platform.extensions import db

    db.session.add(DowntimePeriod(warehouse_id=actor.warehouse_id, equipment_id=equipment.id, started_at=start,
                                  ended_at=end, reason="test"))
    db.session.commit()


def test_overlapping_periods_of_one_asset_count_their_downtime_once(app, users):
    # Overlaps cannot come from status changes (one open period per asset), but may from imports.
    m = users.actor("north", "manager")
    pump = new_equipment(m, "PUMP-1")
    base = at(FIXED_NOW, -10)
    # 0-10 h, 5-8 h (inside the first), 9-12 h (overlaps its end): down from 0 to 12 h = 12 h.
    for start, end in ((0, 10), (5, 8), (9, 12)):
        _period(m, pump, at(base, hours=start), at(base, hours=end))
    [row] = kpi_service.kpis(m, 30, now=FIXED_NOW)["assets"]
    assert row["downtime_hours"] == 12.0 and row["failures"] == 3 and row["repairs"] == 3
    assert row["operating_hours"] == 708.0 and row["mtbf_hours"] == 236.0
    assert row["mttr_hours"] == round((10 + 3 + 3) / 3, 2)
    assert row["availability"] == round(708 / 720 * 100, 2)


def test_periods_crossing_the_window_edges_and_an_open_one(app, users):
    """Window [N-30d, N] = 720 h.
    P1 N-32d .. N-29d: 72 h long, 24 h inside, started before: no failure; ended inside: repair of 72 h.
    P2 N-20d .. N-19d12h: 12 h, failure and repair.
    P3 N-1d .. open: 24 h to the window's end, a failure, no repair.
    P4 N-40d .. N-35d: entirely before the window: nothing.
    P5 N+1d ..: after the window: nothing.
    downtime 24 + 12 + 24 = 60 h; operating 660 h; failures 2; MTBF 330 h; MTTR (72 + 12) / 2 = 42 h;
    availability 660 / 720 = 91.67 %."""
    m = users.actor("north", "manager")
    pump = new_equipment(m, "PUMP-1")
    _period(m, pump, at(FIXED_NOW, -32), at(FIXED_NOW, -29))
    _period(m, pump, at(FIXED_NOW, -20), at(FIXED_NOW, -19, -12))
    _period(m, pump, at(FIXED_NOW, -1), None)
    _period(m, pump, at(FIXED_NOW, -40), at(FIXED_NOW, -35))
    _period(m, pump, at(FIXED_NOW, 1), at(FIXED_NOW, 2))
    k = kpi_service.kpis(m, 30, now=FIXED_NOW)
    [row] = k["assets"]
    assert (row["downtime_hours"], row["operating_hours"], row["failures"], row["repairs"]) == (60.0, 660.0, 2, 2)
    assert (row["mtbf_hours"], row["mttr_hours"], row["availability"]) == (330.0, 42.0, 91.67)
    assert (k["mtbf_hours"], k["mttr_hours"], k["availability"]) == (330.0, 42.0, 91.67)
