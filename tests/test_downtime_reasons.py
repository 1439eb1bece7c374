"""Downtime with reasons: each period has a reason code and is planned or unplanned; MTBF, MTTR and
availability count unplanned downtime only, planned stops are reported beside them.

Hand-computed fixture (now = N, window 30 days = 720 h; assets A and B):
  A unplanned  N-20d for 4 h (breakdown, a failure work order)      failure, repair
  A unplanned  N-10d for 6 h (operational, POST status)             failure, repair
  A planned    N-15d for 8 h (preventive)                           planned stop
  B planned    N-5d  for 24 h (shutdown)                            planned stop
  B planned    N-40d for 264 h (changeover, ends N-29d: 24 h in the window; starts before it)
  unplanned downtime: A 10 h, B 0 -> operating A 710, B 720, fleet 1430 h
  failures 2 -> MTBF = 1430 / 2 = 715 h; A 710 / 2 = 355 h; B none (null)
  MTTR = (4 + 6) / 2 = 5 h
  availability = 1430 / 1440 = 99.31 %; A 710 / 720 = 98.61 %; B 100 %
  planned: stops starting in the window A 1, B 1 -> 2; downtime A 8 h, B 24 + 24 = 48 h -> 56 h
  (were the planned stops failures, as before reasons existed: 4 failures, MTBF (1440 - 66) / 4 = 343.5 h)
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factories

from portal.models import DomainEvent
from portal.platform.extensions import db
from portal.schemas.equipment import EquipmentStatusChange
from portal.schemas.kpis import KpisOut
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.assets.overview import state_timeline
from portal.services.reporting import kpis as kpi_service
from portal.services.work_orders import lifecycle as wo_service

N = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return N + timedelta(days=days, hours=hours)


def stop(actor, eq, start: datetime, hours: float, **kind) -> None:
    equipment_service.change_status(actor, eq.id, EquipmentStatusChange(status="down", **kind), now=start)
    equipment_service.change_status(actor, eq.id, EquipmentStatusChange(status="active"), now=start + timedelta(hours=hours))


def fixture(users) -> tuple:
    m = users.actor("north", "manager")
    a = factories.equipment(m, assetTag="A")
    b = factories.equipment(m, assetTag="B")
    failure = wo_service.create_work_order(m, WorkOrderCreate(title="Seal leak", equipmentId=a.id, equipmentDown=True),
                                           now=at(-20))
    wo_service.update_work_order(m, failure.id, WorkOrderUpdate(status="completed"), now=at(-20, 4))
    stop(m, a, at(-10), 6, reasonCode="operational")
    stop(m, a, at(-15), 8, reasonCode="preventive")
    stop(m, b, at(-5), 24, reasonCode="shutdown")
    stop(m, b, at(-40), 264, reasonCode="changeover")
    return m, a, b


def test_kpis_count_unplanned_downtime_only_against_the_hand_computed_fixture(app, users):
    m, a, b = fixture(users)
    k = KpisOut.dump(kpi_service.kpis(m, 30, now=N))
    assert {key: k[key] for key in ("failures", "repairs", "mttrHours", "mtbfHours", "operatingHours", "availability",
                                    "plannedStops", "plannedDowntimeHours")} == {
        "failures": 2, "repairs": 2, "mttrHours": 5.0, "mtbfHours": 715.0, "operatingHours": 1430.0,
        "availability": 99.31, "plannedStops": 2, "plannedDowntimeHours": 56.0}
    rows = {r["assetTag"]: r for r in k["assets"]}
    assert {key: rows["A"][key] for key in ("failures", "downtimeHours", "mtbfHours", "availability", "plannedStops",
                                            "plannedDowntimeHours")} == {
        "failures": 2, "downtimeHours": 10.0, "mtbfHours": 355.0, "availability": 98.61, "plannedStops": 1,
        "plannedDowntimeHours": 8.0}
    assert {key: rows["B"][key] for key in ("failures", "downtimeHours", "mtbfHours", "availability", "plannedStops",
                                            "plannedDowntimeHours")} == {
        "failures": 0, "downtimeHours": 0.0, "mtbfHours": None, "availability": 100.0, "plannedStops": 1,
        "plannedDowntimeHours": 48.0}
    # The dashboard shows the planned downtime beside MTBF and availability, without a verdict.
    [figure] = [f for f in kpi_service.dashboard(m, 30, now=N)["figures"] if f["key"] == "planned_downtime_hours"]
    assert (figure["value"], figure["verdict"]) == (56.0, None)


def test_the_state_timeline_names_running_planned_and_unplanned_stretches(app, users):
    m, a, b = fixture(users)
    line = state_timeline(a, days=30, now=N)
    assert [(s.state, s.reason_code, round(s.hours, 2)) for s in line.stretches] == [
        ("running", None, 240.0), ("unplanned", "breakdown", 4.0), ("running", None, 116.0),
        ("planned", "preventive", 8.0), ("running", None, 112.0), ("unplanned", "operational", 6.0),
        ("running", None, 234.0)]
    assert (line.hours("running"), line.hours("planned"), line.hours("unplanned")) == (702.0, 8.0, 10.0)
    assert line.box(line.stretches[1]) == (333.33, 5.56)
    # A stop still open runs to the window's end; an older period clipped to the window's start.
    equipment_service.change_status(m, b.id, EquipmentStatusChange(status="down"), now=at(-1))
    line = state_timeline(b, days=30, now=N)
    assert [(s.state, round(s.hours, 2)) for s in line.stretches] == [
        ("planned", 24.0), ("running", 576.0), ("planned", 24.0), ("running", 72.0), ("unplanned", 24.0)]


def test_the_status_endpoint_takes_reasons_and_old_callers_keep_working(client, auth, users):
    h = auth("north", "technician")
    pump = factories.equipment(users.actor("north", "manager"))
    url = f"/api/equipment/{pump.id}/status"
    # Without the new fields: a breakdown, unplanned, as every stop counted before.
    assert client.post(url, headers=h, json={"status": "down", "reason": "tripped"}).status_code == 200
    assert client.post(url, headers=h, json={"status": "active"}).status_code == 200
    r = client.post(url, headers=h, json={"status": "down", "reasonCode": "changeover", "reason": "size B"})
    assert r.status_code == 200, r.json
    periods = client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json
    assert [(p["reasonCode"], p["planned"]) for p in periods] == [("changeover", True), ("breakdown", False)]
    down, up, changeover = [e.payload for e in db.session.query(DomainEvent).filter_by(event="equipment.status_changed")
                            .order_by(DomainEvent.created_at)]
    assert (down["reasonCode"], down["planned"], up["reasonCode"], up["planned"]) == ("breakdown", False, "breakdown", False)
    assert down["downtimePeriodId"] == up["downtimePeriodId"] == periods[1]["id"]
    assert (changeover["reasonCode"], changeover["planned"], changeover["downtimePeriodId"]) == (
        "changeover", True, periods[0]["id"])
    assert client.post(url, headers=h, json={"status": "active"}).status_code == 200

    # Contract errors: a code that decides refuses a planned that disagrees; reasons only when going down.
    r = client.post(url, headers=h, json={"status": "down", "reasonCode": "breakdown", "planned": True})
    assert r.status_code == 400 and r.json["errors"] == [{"field": "planned", "message": (
        "A breakdown stop is unplanned: leave planned out or use reasonCode other")}]
    r = client.post(url, headers=h, json={"status": "active", "reasonCode": "preventive"})
    assert r.status_code == 400 and r.json["errors"] == [{"field": "reasonCode", "message": "Only when marking the equipment down"}]
    r = client.post(url, headers=h, json={"status": "down", "reasonCode": "lunch"})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "reasonCode"
    assert client.get(f"/api/equipment/{pump.id}", headers=h).json["status"] == "active"  # nothing written
    # `other` lets planned decide; planned alone means `other`.
    assert client.post(url, headers=h, json={"status": "down", "planned": True}).status_code == 200
    latest = client.get(f"/api/equipment/{pump.id}/downtime", headers=h).json[0]
    assert (latest["reasonCode"], latest["planned"]) == ("other", True)
