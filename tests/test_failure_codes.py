"""Failure codes (ISO 14224): the catalogue's API, the codes on work orders, the completion rule,
the work_order.failure_coded event and the catalogue's CSV."""
from __future__ import annotations

import factories
import pytest

from portal.models import DomainEvent, FailureCode
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.common.errors import ValidationFailed
from portal.services.work_orders import failure_codes
from portal.services.work_orders import lifecycle as wo_service


@pytest.fixture
def catalogue(users):
    """The default catalogue in both warehouses (the fixture's warehouses are made without one)."""
    with unit_of_work():
        for plant in ("north", "south"):
            failure_codes.seed_defaults(users[plant]["manager"].warehouse_id)


def code_id(users, plant: str, kind: str, code: str) -> str:
    return db.session.query(FailureCode.id).filter_by(
        warehouse_id=users[plant]["manager"].warehouse_id, kind=kind, code=code).scalar()


def coded_events() -> list[dict]:
    return [e.payload for e in db.session.query(DomainEvent).filter_by(event="work_order.failure_coded")
            .order_by(DomainEvent.created_at)]


def test_the_catalogue_over_http(client, auth, users, catalogue):
    h = auth("north", "manager")
    r = client.get("/api/failure-codes", headers=auth("north", "technician"))  # everyone reads it
    assert r.status_code == 200
    assert [c["code"] for c in r.json if c["kind"] == "mode"][:3] == ["BRD", "ELP", "ERO"]  # by kind, then code
    assert len(r.json) == len(failure_codes.DEFAULTS) and all(c["active"] and c["uses"] == 0 for c in r.json)
    # A class filter keeps the codes without classes and those listing it.
    motor = {c["code"] for c in client.get("/api/failure-codes?kind=mode&equipmentClass=Electric motor", headers=h).json}
    pump = {c["code"] for c in client.get("/api/failure-codes?kind=mode&equipmentClass=pump", headers=h).json}
    assert "ELP" in pump and "ELP" not in motor and "VIB" in motor and "FTS" in motor

    r = client.post("/api/failure-codes", headers=h, json={
        "kind": "mode", "code": "cav", "label": "Cavitation", "equipmentClasses": ["Pump", "pump", "compressor"]})
    assert r.status_code == 201, r.json
    assert (r.json["code"], r.json["equipmentClasses"], r.json["active"]) == ("CAV", ["compressor", "pump"], True)
    created = r.json["id"]
    r = client.post("/api/failure-codes", headers=h, json={"kind": "mode", "code": "CAV", "label": "Again"})
    assert r.status_code == 409 and r.json["errors"] == [{"field": "code", "message": "There is already a failure mode CAV"}]
    r = client.post("/api/failure-codes", headers=h, json={"kind": "symptom", "code": "X Y", "label": ""})
    assert r.status_code == 400 and {e["field"] for e in r.json["errors"]} == {"kind", "code", "label"}
    assert r.json["message"]
    assert client.post("/api/failure-codes", headers=auth("north", "technician"),
                       json={"kind": "mode", "code": "ZZ", "label": "Z"}).status_code == 403
    # The same code in another list is another code.
    assert client.post("/api/failure-codes", headers=h, json={"kind": "cause", "code": "CAV", "label": "Cavitation"}
                       ).status_code == 201

    r = client.patch(f"/api/failure-codes/{created}", headers=h, json={"label": "Cavitation (suction)",
                                                                        "equipmentClasses": []})
    assert r.status_code == 200 and (r.json["label"], r.json["equipmentClasses"]) == ("Cavitation (suction)", [])
    assert client.patch(f"/api/failure-codes/{created}", headers=h, json={"code": "CV"}).status_code == 400
    # Another warehouse's code is simply not found.
    for method in ("patch", "delete"):
        r = getattr(client, method)(f"/api/failure-codes/{created}", headers=auth("south", "manager"),
                                    **({"json": {"label": "x"}} if method == "patch" else {}))
        assert r.status_code == 404, method
    # Unused: deleted.
    assert client.delete(f"/api/failure-codes/{created}", headers=h).status_code == 204
    assert db.session.get(FailureCode, created) is None


def test_a_code_in_use_is_retired_not_deleted(client, auth, users, catalogue):
    h = auth("north", "manager")
    job = factories.work_order(users.actor("north", "manager"))
    assert client.patch(f"/api/work-orders/{job.id}", headers=h, json={"failureMode": "vib"}).status_code == 200
    vib = code_id(users, "north", "mode", "VIB")
    assert [c["uses"] for c in client.get("/api/failure-codes?kind=mode", headers=h).json if c["code"] == "VIB"] == [1]
    r = client.delete(f"/api/failure-codes/{vib}", headers=h)
    assert r.status_code == 200 and (r.json["active"], r.json["uses"]) == (False, 1)
    assert "VIB" not in {c["code"] for c in client.get("/api/failure-codes", headers=h).json}
    assert "VIB" in {c["code"] for c in client.get("/api/failure-codes?includeRetired=true", headers=h).json}
    # Still on the old order; offered to no new one; the order that carries it may keep it.
    assert client.get(f"/api/work-orders/{job.id}", headers=h).json["failureMode"] == "VIB"
    other = factories.work_order(users.actor("north", "manager"))
    r = client.patch(f"/api/work-orders/{other.id}", headers=h, json={"failureMode": "VIB"})
    assert r.status_code == 400 and r.json["errors"] == [
        {"field": "failureMode", "message": "VIB is retired: pick another failure mode"}]
    assert client.patch(f"/api/work-orders/{job.id}", headers=h,
                        json={"failureMode": "VIB", "failureCause": "WEAR"}).status_code == 200
    assert client.patch(f"/api/failure-codes/{vib}", headers=h, json={"active": True}).json["active"] is True


def test_codes_on_work_orders_are_checked_against_the_catalogue_and_the_asset_class(client, auth, users, catalogue):
    h = auth("north", "manager")
    motor = factories.equipment(users.actor("north", "manager"), assetTag="MOT-1", equipmentClass="Electric Motor")
    assert client.get(f"/api/equipment/{motor.id}", headers=h).json["equipmentClass"] == "electric_motor"
    job = factories.work_order(users.actor("north", "manager"), equipmentId=motor.id)
    r = client.patch(f"/api/work-orders/{job.id}", headers=h,
                     json={"failureMode": "ELP", "failureCause": "NOPE", "failureRemedy": "REPL"})
    assert r.status_code == 400 and r.json["errors"] == [
        {"field": "failureMode", "message": "ELP is not offered for this asset's class (electric_motor)"},
        {"field": "failureCause", "message": "NOPE is not a cause of this warehouse's catalogue"}]
    # Another warehouse's codes do not exist here; nothing was written.
    assert client.get(f"/api/work-orders/{job.id}", headers=h).json["failureRemedy"] is None
    r = client.patch(f"/api/work-orders/{job.id}", headers=h, json={"failureMode": "bad code!"})
    assert r.status_code == 400 and r.json["errors"][0]["field"] == "failureMode"


def test_completing_a_repair_needs_its_codes_when_the_warehouse_says_so(client, auth, users, catalogue):
    m = users.actor("north", "manager")
    tech = auth("north", "technician")
    tech_id = users["north"]["technician"].id
    assert client.patch("/api/warehouse", headers=auth("north", "admin"),
                        json={"requireFailureCodes": True}).json["requireFailureCodes"] is True
    pump = factories.equipment(m, assetTag="P-1", equipmentClass="pump")
    job = factories.work_order(m, equipmentId=pump.id, type="corrective", assignedTo=tech_id)
    r = client.patch(f"/api/work-orders/{job.id}", headers=tech, json={"status": "completed", "failureMode": "ELP"})
    assert r.status_code == 400
    assert r.json == {"message": "Failure codes are required to complete a corrective work order: failureCause, failureRemedy",
                      "errors": [{"field": "failureCause", "message": "Required to complete a corrective work order"},
                                 {"field": "failureRemedy", "message": "Required to complete a corrective work order"}]}
    assert client.get(f"/api/work-orders/{job.id}", headers=tech).json["failureMode"] is None  # nothing half-written
    assert coded_events() == []
    r = client.patch(f"/api/work-orders/{job.id}", headers=tech, json={
        "status": "completed", "failureMode": "elp", "failureCause": "WEAR", "failureRemedy": "REPL"})
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["failureMode"], r.json["failureCause"], r.json["failureRemedy"]) == (
        "completed", "ELP", "WEAR", "REPL")
    [event] = coded_events()
    assert {k: event[k] for k in ("workOrderId", "foNumber", "equipmentId", "failureMode", "failureCause",
                                  "failureRemedy", "codedBy")} == {
        "workOrderId": job.id, "foNumber": job.fo_number, "equipmentId": pump.id, "failureMode": "ELP",
        "failureCause": "WEAR", "failureRemedy": "REPL", "codedBy": tech_id}
    assert event["changes"] == {"failureMode": {"from": None, "to": "ELP"}, "failureCause": {"from": None, "to": "WEAR"},
                                "failureRemedy": {"from": None, "to": "REPL"}}
    # Coded again after the fact (a reliability engineer's review): allowed on a completed order, one event.
    r = client.patch(f"/api/work-orders/{job.id}", headers=auth("north", "manager"), json={"failureCause": "COR"})
    assert r.status_code == 200 and r.json["failureCause"] == "COR"
    assert coded_events()[-1]["changes"] == {"failureCause": {"from": "WEAR", "to": "COR"}}
    # Other fields of a completed order still cannot change.
    assert client.patch(f"/api/work-orders/{job.id}", headers=auth("north", "manager"),
                        json={"title": "x"}).status_code == 409
    # A preventive order, or a warehouse without the rule, completes without codes.
    pm = factories.work_order(m, equipmentId=pump.id, type="preventive")
    assert client.patch(f"/api/work-orders/{pm.id}", headers=auth("north", "manager"),
                        json={"status": "completed"}).status_code == 200
    south = users.actor("south", "manager")
    other = factories.work_order(south, type="emergency")
    assert client.patch(f"/api/work-orders/{other.id}", headers=auth("south", "manager"),
                        json={"status": "completed"}).status_code == 200


def test_an_emergency_counts_as_a_repair_and_codes_already_set_are_enough(app, users, catalogue):
    m = users.actor("north", "manager")
    with unit_of_work():
        failure_codes.set_required(m, True)
    job = factories.work_order(m, type="emergency")
    with pytest.raises(ValidationFailed) as refused:
        wo_service.update_work_order(m, job.id, WorkOrderUpdate(status="completed"))
    assert [e["field"] for e in refused.value.errors] == ["failureMode", "failureCause", "failureRemedy"]
    wo_service.update_work_order(m, job.id, WorkOrderUpdate(failureMode="BRD", failureCause="FAT", failureRemedy="REP"))
    assert wo_service.update_work_order(m, job.id, WorkOrderUpdate(status="completed")).status == "completed"
    # Changing a repair into preventive work lifts the rule for that completion.
    other = factories.work_order(m, type="corrective")
    assert wo_service.update_work_order(m, other.id, WorkOrderUpdate(status="completed", type="inspection")).status == \
        "completed"


def test_the_catalogue_as_csv_round_trips_and_imports_all_or_nothing(client, auth, users, catalogue):
    h = auth("north", "manager")
    r = client.get("/api/failure-codes/export", headers=h)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0] == "kind,code,label,equipmentClasses,active"
    assert "mode,ELP,External leakage,compressor|gearbox|pump|valve,true" in lines
    again = client.post("/api/failure-codes/import", headers={**h, "Content-Type": "text/csv"}, data=r.get_data())
    assert again.status_code == 200 and again.json == {"created": 0, "updated": 0, "unchanged": len(failure_codes.DEFAULTS)}

    bad = "kind;code;label;equipmentClasses\r\nmode;CAV;Cavitation;pump\r\nsymptom;X;Y;\r\nremedy;;Nothing;\r\n"
    r = client.post("/api/failure-codes/import", headers={**h, "Content-Type": "text/csv"}, data=bad.encode())
    assert r.status_code == 400 and r.json["errors"] == [
        {"field": "line 3", "message": "kind: must be mode, cause or remedy"},
        {"field": "line 4", "message": "code: 1 to 20 letters, digits, _ or -"}]
    assert code_id(users, "north", "mode", "CAV") is None  # nothing imported

    good = "Kind,Code,Label,Equipment classes,Active\nmode,CAV,Cavitation,pump|Compressor,\nmode,VIB,Vibration (any),,true\n" \
           "remedy,NFF,No fault found,,false\n"
    r = client.post("/api/failure-codes/import", headers=h, data={"file": (__import__("io").BytesIO(good.encode()), "c.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and r.json == {"created": 1, "updated": 2, "unchanged": 0}
    rows = {(c["kind"], c["code"]): c for c in client.get("/api/failure-codes?includeRetired=true", headers=h).json}
    assert rows[("mode", "CAV")]["equipmentClasses"] == ["compressor", "pump"]
    assert (rows[("mode", "VIB")]["label"], rows[("mode", "VIB")]["equipmentClasses"]) == ("Vibration (any)", [])
    assert rows[("remedy", "NFF")]["active"] is False
    assert client.post("/api/failure-codes/import", headers={**h, "Content-Type": "text/csv"},
                       data=b"code,label\nX,Y\n").json["errors"] == [{"field": "file", "message": "Missing column: kind"}]
    assert client.post("/api/failure-codes/import", headers={**auth("north", "technician"), "Content-Type": "text/csv"},
                       data=good.encode()).status_code == 403


def test_work_order_csv_export_carries_the_codes(client, auth, users, catalogue):
    h = auth("north", "manager")
    job = factories.work_order(users.actor("north", "manager"))
    client.patch(f"/api/work-orders/{job.id}", headers=h, json={"failureMode": "OHE", "failureRemedy": "CLN"})
    header, row = client.get("/api/work-orders/export", headers=h).get_data(as_text=True).splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert (cells["failureMode"], cells["failureCause"], cells["failureRemedy"]) == ("OHE", "", "CLN")


def test_a_new_warehouse_starts_with_the_default_catalogue(app):
    from portal.services.identity import auth as auth_service

    user = auth_service.create_user("fc@new.example.com", "a-long-password-1", "manager", "New Plant")
    codes = db.session.query(FailureCode).filter_by(warehouse_id=user.warehouse_id).all()
    assert len(codes) == len(failure_codes.DEFAULTS)
    assert {c.kind for c in codes} == {"mode", "cause", "remedy"}
