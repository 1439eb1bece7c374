"""The KPI core against hand-computed fixtures: MTTR variants (SMRP), MTBF and availability from
unplanned downtime only, the rollup over an asset's subtree, the per-asset rows' bound, and PM
compliance under the four grace rules exactly at their boundaries.

Window of every fixture: 30 days = 720 h ending at N (FIXED_NOW), unless a test says otherwise.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from portal.models import DowntimePeriod, Equipment
from portal.platform.extensions import db
from portal.schemas.pm import LaborCreate, PMTemplateCreate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.common.errors import NotFound
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates
from portal.services.reporting import kpis as kpi_service
from portal.services.work_orders import labor as labor_service
from portal.services.work_orders import lifecycle as wo_service
from tests.test_kpis import FIXED_NOW, at, move, new_equipment, new_order

N = FIXED_NOW
H = 3600


def period(actor, equipment, start: datetime, end: datetime | None, *, planned: bool = False) -> None:
    db.session.add(DowntimePeriod(warehouse_id=actor.warehouse_id, equipment_id=equipment.id, started_at=start,
                                  ended_at=end, reason="test", planned=planned,
                                  reason_code="changeover" if planned else "breakdown"))
    db.session.commit()


# --- MTTR variants ---------------------------------------------------------------------------

def mttr_fixture(users):
    """Pump P (30-day window):
      WO1 down N-10d; assigned +1 h (the response); in_progress +3 h (repair start); completed +7 h.
      WO2 down N-5d; labor of 60 min performed at +1h30 (so begun at +30 min: the repair start);
          in_progress +2 h (the response); completed +5 h.
      A period recorded by hand N-3d .. N-3d+3 h, no work order: no response, no repair start.
    failureToRestore = (7 + 5 + 3) / 3 = 5 h over 3 repairs
    repairStartToRestore = ((7 - 3) + (5 - 0.5)) / 2 = 4.25 h over 2 repairs (the third has no start)
    mean response = (1 + 2) / 2 = 1.5 h over 2 responses."""
    m = users.actor("north", "manager")
    tech = users.actor("north", "technician")
    pump = new_equipment(m, "PUMP-P")
    t0 = at(N, -10)
    wo1 = new_order(m, t0, "corrective", pump, down=True)
    wo_service.update_work_order(m, wo1.id, WorkOrderUpdate(assignedTo=tech.id), now=t0 + timedelta(hours=1))
    move(m, wo1, t0 + timedelta(hours=3), "in_progress")
    move(m, wo1, t0 + timedelta(hours=7), "completed")
    t1 = at(N, -5)
    wo2 = new_order(m, t1, "corrective", pump, down=True)
    labor_service.add_labor(m, wo2.id, LaborCreate(minutes=60, performedAt=t1 + timedelta(hours=1, minutes=30)),
                            now=t1 + timedelta(hours=1, minutes=30))
    move(m, wo2, t1 + timedelta(hours=2), "in_progress")
    move(m, wo2, t1 + timedelta(hours=5), "completed")
    period(m, pump, at(N, -3), at(N, -3, 3))
    return m, pump, wo1, wo2


def test_the_lifecycle_records_the_response_and_the_repair_start(app, users):
    _m, _pump, wo1, wo2 = mttr_fixture(users)
    db.session.refresh(wo1)
    db.session.refresh(wo2)
    t0, t1 = at(N, -10), at(N, -5)
    assert (wo1.responded_at, wo1.repair_started_at) == (t0 + timedelta(hours=1), t0 + timedelta(hours=3))
    # The labor began before the work order was started: the repair started then.
    assert (wo2.responded_at, wo2.repair_started_at) == (t1 + timedelta(hours=2), t1 + timedelta(minutes=30))


def test_mttr_variants_and_the_mean_response(app, users):
    m, *_ = mttr_fixture(users)
    k = kpi_service.kpis(m, 30, now=N)
    assert (k["mttr_basis"], k["mttr_hours"], k["repairs"], k["mttr_repairs"]) == ("failureToRestore", 5.0, 3, 3)
    assert (k["mean_response_hours"], k["responses"]) == (1.5, 2)
    k = kpi_service.kpis(m, 30, now=N, mttr_basis="repairStartToRestore")
    assert (k["mttr_basis"], k["mttr_hours"], k["repairs"], k["mttr_repairs"]) == ("repairStartToRestore", 4.25, 3, 2)
    # The asset's own row keeps SMRP's basis (failure to restore): 15 h / 3.
    [row] = k["assets"]
    assert row["mttr_hours"] == 5.0


def test_mttr_basis_over_http(client, auth, users):
    mttr_fixture(users)  # relative to FIXED_NOW, which is in the past: a window ending then is asked below
    h = auth("north", "manager")
    r = client.get("/api/kpis?days=3650&mttrBasis=repairStartToRestore", headers=h)
    assert r.status_code == 200, r.json
    assert (r.json["mttrBasis"], r.json["mttrHours"], r.json["mttrRepairs"]) == ("repairStartToRestore", 4.25, 2)
    assert (r.json["meanResponseHours"], r.json["responses"]) == (1.5, 2)
    assert client.get("/api/kpis?days=3650", headers=h).json["mttrHours"] == 5.0  # the default basis
    bad = client.get("/api/kpis?mttrBasis=arrival", headers=h)
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "mttrBasis"


# --- MTBF from unplanned stops only, availability ----------------------------------------------

def test_mtbf_and_availability_count_unplanned_stops_only(app, users):
    """Assets A and B in service, R retired.
      A: unplanned N-10d for 10 h; planned (changeover) N-8d for 20 h.
      B: planned N-6d for 4 h only.
      R (retired): unplanned N-4d for 6 h: a failure, but neither its time nor its downtime is fleet time.
    operating = 2 x 720 - 10 = 1430 h; failures 2 (A, R); MTBF = 1430 / 2 = 715 h;
    availability = 1430 / 1440 = 99.31 %; planned stops 2, planned downtime 24 h."""
    m = users.actor("north", "manager")
    a, b, r = (new_equipment(m, tag) for tag in ("PUMP-A", "PUMP-B", "PUMP-R"))
    db.session.get(Equipment, r.id).status = "retired"
    db.session.commit()
    period(m, a, at(N, -10), at(N, -10, 10))
    period(m, a, at(N, -8), at(N, -8, 20), planned=True)
    period(m, b, at(N, -6), at(N, -6, 4), planned=True)
    period(m, r, at(N, -4), at(N, -4, 6))
    k = kpi_service.kpis(m, 30, now=N)
    assert (k["assets_in_service"], k["operating_hours"], k["failures"]) == (2, 1430.0, 2)
    assert (k["mtbf_hours"], k["availability"]) == (715.0, 99.31)
    assert (k["planned_stops"], k["planned_downtime_hours"]) == (2, 24.0)
    rows = {row["asset_tag"]: row for row in k["assets"]}
    assert list(rows) == ["PUMP-A", "PUMP-R", "PUMP-B"]  # most unplanned downtime first
    assert (rows["PUMP-A"]["mtbf_hours"], rows["PUMP-A"]["availability"]) == (710.0, 98.61)
    assert (rows["PUMP-B"]["failures"], rows["PUMP-B"]["availability"], rows["PUMP-B"]["planned_downtime_hours"]) == (
        0, 100.0, 4.0)


def test_ties_at_the_asset_limit_are_broken_by_the_tag(app, users):
    """Three assets with the same figures (10 h unplanned each) and a retired one with more: with
    assetLimit 2 the retired asset comes first and the tie for the second place goes to the lowest
    tag, whatever the order the assets were made in; the retired asset's downtime is no fleet time."""
    m = users.actor("north", "manager")
    c, a, b, r = (new_equipment(m, tag) for tag in ("EQ-C", "EQ-A", "EQ-B", "EQ-R"))
    db.session.get(Equipment, r.id).status = "retired"
    db.session.commit()
    for eq in (c, a, b):
        period(m, eq, at(N, -5), at(N, -5, 10))
    period(m, r, at(N, -3), at(N, -3, 12))
    k = kpi_service.kpis(m, 30, now=N, asset_limit=2)
    assert [row["asset_tag"] for row in k["assets"]] == ["EQ-R", "EQ-A"]
    assert (k["assets_with_downtime"], k["assets_in_service"], k["failures"]) == (4, 3, 4)
    assert k["operating_hours"] == 3 * 720 - 30


def test_the_asset_rows_are_bounded_and_the_statements_do_not_grow_with_the_assets(app, users):
    """40 assets, three with downtime (30, 20 and 10 h): with assetLimit 2 the two with most downtime
    are listed and assetsWithDowntime says 3; the fleet counts all 40 (28,800 h - 60 h)."""
    m = users.actor("north", "manager")
    assets = [new_equipment(m, f"EQ-{n:02d}") for n in range(40)]
    for hours, eq in zip((10, 30, 20), assets[:3], strict=True):
        period(m, eq, at(N, -5), at(N, -5, hours))
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        k = kpi_service.kpis(m, 30, now=N, asset_limit=2)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [row["asset_tag"] for row in k["assets"]] == ["EQ-01", "EQ-02"]
    assert (k["assets_with_downtime"], k["asset_limit"], k["assets_in_service"]) == (3, 2, 40)
    assert k["operating_hours"] == 40 * 720 - 60 and k["availability"] == round((28800 - 60) / 28800 * 100, 2)
    # No statement reads the 40 assets one row each: the fleet is a count; tags, labor and parts are
    # asked for the ids with downtime only.
    reads = [s for s in statements if "FROM equipment" in s]
    assert reads and all("count(" in s or "equipment.id IN (" in s for s in reads), reads


# --- Rollup over the hierarchy ------------------------------------------------------------------

def hierarchy_fixture(users):
    """LINE-1 > (M-1 > C-1), M-2; its sibling LINE-2 > M-3. One unplanned stop each, in the window:
    LINE-1 1 h, M-1 2 h, C-1 3 h, M-2 4 h, LINE-2 5 h, M-3 6 h (each N-10d, repaired in the window).
    LINE-1 with children: 4 assets, failures 4, downtime 10 h, operating 2880 - 10 = 2870 h,
    MTTR 10 / 4 = 2.5 h, MTBF 2870 / 4 = 717.5 h, availability 2870 / 2880 = 99.65 %.
    LINE-1 alone: 1 failure, MTTR 1 h, operating 719 h, MTBF 719 h, availability 99.86 %.
    A corrective work order (open, 30 min estimated) on C-1 and one on M-3: backlog 1 in the rollup."""
    m = users.actor("north", "manager")
    tags = ("LINE-1", "M-1", "C-1", "M-2", "LINE-2", "M-3")
    eq = {tag: new_equipment(m, tag) for tag in tags}
    for child, parent in (("M-1", "LINE-1"), ("C-1", "M-1"), ("M-2", "LINE-1"), ("M-3", "LINE-2")):
        db.session.get(Equipment, eq[child].id).parent_id = eq[parent].id
    db.session.commit()
    for hours, tag in enumerate(tags, start=1):
        period(m, eq[tag], at(N, -10), at(N, -10, hours))
    new_order(m, at(N, -2), "corrective", eq["C-1"], estimated_duration=30)
    new_order(m, at(N, -2), "corrective", eq["M-3"], estimated_duration=30)
    return m, eq


def test_the_rollup_includes_the_children_and_leaves_out_the_siblings(app, users):
    m, eq = hierarchy_fixture(users)
    k = kpi_service.kpis(m, 30, now=N, scope=kpi_service.Scope(m, eq["LINE-1"].id, include_children=True))
    assert (k["equipment_id"], k["include_children"], k["assets_in_service"]) == (eq["LINE-1"].id, True, 4)
    assert (k["failures"], k["repairs"], k["mttr_hours"], k["operating_hours"]) == (4, 4, 2.5, 2870.0)
    assert (k["mtbf_hours"], k["availability"]) == (717.5, 99.65)
    assert sorted(row["asset_tag"] for row in k["assets"]) == ["C-1", "LINE-1", "M-1", "M-2"]
    assert k["backlog"]["open"] == 1
    alone = kpi_service.kpis(m, 30, now=N, scope=kpi_service.Scope(m, eq["LINE-1"].id))
    assert (alone["include_children"], alone["assets_in_service"], alone["failures"], alone["mttr_hours"]) == (
        False, 1, 1, 1.0)
    assert (alone["mtbf_hours"], alone["availability"], alone["backlog"]["open"]) == (719.0, 99.86, 0)
    fleet = kpi_service.kpis(m, 30, now=N)
    assert (fleet["failures"], fleet["assets_in_service"], fleet["backlog"]["open"]) == (6, 6, 2)


def test_rollup_over_http_and_tenancy(client, auth, users):
    _m, eq = hierarchy_fixture(users)
    h = auth("north", "manager")
    r = client.get(f"/api/kpis?days=3650&equipmentId={eq['LINE-1'].id}&includeChildren=true", headers=h)
    assert r.status_code == 200, r.json
    assert (r.json["equipmentId"], r.json["includeChildren"], r.json["failures"]) == (eq["LINE-1"].id, True, 4)
    r = client.get(f"/api/kpis?days=3650&equipmentId={eq['LINE-2'].id}", headers=h)
    assert (r.json["includeChildren"], r.json["failures"]) == (False, 1)
    south = auth("south", "manager")
    for url in (f"/api/kpis?equipmentId={eq['LINE-1'].id}", f"/api/pm-compliance?equipmentId={eq['LINE-1'].id}",
                "/api/kpis?equipmentId=no-such-asset"):
        r = client.get(url, headers=south)
        assert r.status_code == 404 and r.json["message"] == "Equipment not found", (url, r.json)
    r = client.get("/api/kpis?includeChildren=true", headers=h)
    assert r.status_code == 400 and "includeChildren needs equipmentId" in str(r.json)


def test_scope_refuses_another_warehouses_asset(app, users):
    _m, eq = hierarchy_fixture(users)
    with pytest.raises(NotFound):
        kpi_service.Scope(users.actor("south", "manager"), eq["LINE-1"].id, include_children=True)


# --- PM compliance grace rules ------------------------------------------------------------------

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def grace_fixture(users):
    """60-day window ending at N. Each PM is completed at its due date + the offset given.
      Calendar, every 30 days (grace: oneDay 1 d, tenPercent 3 d, smrp 6 d), on PUMP-A, due N-50d..N-43d:
        +0, +1 s, +1 d, +1 d 1 s, +3 d, +3 d 1 s, +6 d, +6 d 1 s
      Calendar, every 200 days (tenPercent 20 d, smrp 40 d capped at 28 d), on PUMP-B:
        +28 d (due N-40d), +28 d 1 s (due N-39d)
      Meter, leadDays 10 (its interval: tenPercent 1 d, smrp 2 d), on PUMP-C:
        +1 d (due N-35d), +2 d 1 s (due N-34d)
    due 12. On time, by rule:
      dueDate    1 (+0)                                                     ->  8.33 %
      oneDay     3 + 0 + 1 (the meter's +1 d)                                -> 33.33 %
      tenPercent 5 + 0 + 1 (the meter's +1 d is 10 % of 10 d exactly)        -> 50 %
      smrp       7 + 1 (28 d, the cap) + 1 (+1 d; +2 d 1 s is late)          -> 75 %"""
    m = users.actor("north", "manager")
    a, b, c = (new_equipment(m, tag) for tag in ("PUMP-A", "PUMP-B", "PUMP-C"))

    def template(name, frequency_type, frequency, lead_days, equipment):
        return pm_templates.create_template(m, PMTemplateCreate.model_validate({
            "name": name, "frequencyType": frequency_type, "frequency": frequency, "leadDays": lead_days,
            **({"meter": "hours"} if frequency_type == "meter" else {}),
            "startDate": at(N, 400), "equipmentIds": [equipment.id]}), now=at(N, -90))

    monthly = template("Monthly", "calendar", 30, 0, a)
    long = template("Long", "calendar", 200, 0, b)
    meter = template("Meter", "meter", 500, 10, c)
    plan = [(monthly, a, -50 + n, offset) for n, offset in enumerate(
        (timedelta(0), SECOND, DAY, DAY + SECOND, 3 * DAY, 3 * DAY + SECOND, 6 * DAY, 6 * DAY + SECOND))]
    plan += [(long, b, -40, 28 * DAY), (long, b, -39, 28 * DAY + SECOND),
             (meter, c, -35, DAY), (meter, c, -34, 2 * DAY + SECOND)]
    for tmpl, eq, due_days, offset in plan:
        due = at(N, due_days)
        with pm_scheduler.unit_of_work():
            wo = pm_scheduler.create_pm_work_order(tmpl, eq, due, trigger="calendar", now=due - 5 * DAY)
        move(m, wo, due + offset, "in_progress", "completed")
    return m


@pytest.mark.parametrize("rule, on_time, compliance", [
    ("dueDate", 1, 8.33), ("oneDay", 4, 33.33), ("tenPercent", 6, 50.0), ("smrp", 9, 75.0)])
def test_pm_compliance_under_each_grace_rule_at_the_boundaries(app, users, rule, on_time, compliance):
    m = grace_fixture(users)
    r = kpi_service.pm_compliance(m, 60, now=N, pm_grace=rule)
    assert (r["pm_grace"], r["due"], r["completed_on_time"], r["completed_late"], r["compliance"]) == (
        rule, 12, on_time, 12 - on_time, compliance)
    k = kpi_service.kpis(m, 60, now=N, pm_grace=rule)
    assert (k["pm_grace"], k["pm_due"], k["pm_completed_on_time"], k["pm_compliance"]) == (rule, 12, on_time, compliance)
    weeks = kpi_service.trends(m, 60, now=N, pm_grace=rule)["weeks"]
    assert sum(w["pm_completed_on_time"] for w in weeks) == on_time


def test_pm_grace_setting_and_query_parameter(client, auth, users):
    grace_fixture(users)  # FIXED_NOW is in the past: a 3650-day window ending now holds it all
    h = auth("north", "manager")
    assert client.get("/api/pm-compliance?days=3650", headers=h).json["compliance"] == 8.33  # default dueDate
    admin = auth("north", "admin")
    assert client.get("/api/warehouse", headers=admin).json["pmGrace"] == "dueDate"
    r = client.patch("/api/warehouse", json={"pmGrace": "smrp"}, headers=admin)
    assert r.status_code == 200 and r.json["pmGrace"] == "smrp"
    r = client.get("/api/pm-compliance?days=3650", headers=h).json
    assert (r["pmGrace"], r["completedOnTime"], r["compliance"]) == ("smrp", 9, 75.0)
    k = client.get("/api/kpis?days=3650", headers=h).json
    assert (k["pmGrace"], k["pmCompliance"]) == ("smrp", 75.0)
    r = client.get("/api/pm-compliance?days=3650&pmGrace=oneDay", headers=h).json
    assert (r["pmGrace"], r["compliance"]) == ("oneDay", 33.33)
    assert client.get("/api/kpis?days=3650&pmGrace=tenPercent", headers=h).json["pmCompliance"] == 50.0
    for url in ("/api/pm-compliance?pmGrace=week", "/api/kpis?pmGrace=30d"):
        r = client.get(url, headers=h)
        assert r.status_code == 400 and r.json["errors"][0]["field"] == "pmGrace", r.json
    r = client.patch("/api/warehouse", json={"pmGrace": "twoDays"}, headers=admin)
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "pmGrace"
    # The other warehouse keeps its own rule.
    assert client.get("/api/pm-compliance", headers=auth("south", "manager")).json["pmGrace"] == "dueDate"


def test_the_pm_records_follow_the_warehouses_grace_rule(app, users):
    """The records behind the PM compliance card add up to it under the warehouse's rule (smrp: 9 of 12)."""
    from portal.models import Warehouse
    from portal.services.reporting import drilldown

    m = grace_fixture(users)
    db.session.get(Warehouse, m.warehouse_id).pm_grace = "smrp"
    db.session.commit()
    records = drilldown.records(m, "pm_compliance", 60, now=N, limit=50)
    assert (records.summary["due"], records.summary["on_time"], records.summary["late"]) == (12, 9, 3)
    assert sorted(item["outcome"] for item in records.items).count("on_time") == 9
    on_time = drilldown.records(m, "pm_compliance", 60, now=N, outcome="on_time", limit=50)
    assert on_time.total == 9 == kpi_service.pm_compliance(m, 60, now=N)["completed_on_time"]
