"""The portal's failure codes: the catalogue page (/failure-codes), the completion step of a repair
(short lists for the asset's class, most used first; required when the warehouse says so), and the
asset page's kinds of stop and state timeline."""
from __future__ import annotations

import io
import re

import factories
import pytest

from portal.models import FailureCode, WorkOrder
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.work_orders import failure_codes, lifecycle
from web.test_work_orders import HX, post, token


@pytest.fixture
def catalogue(users):
    with unit_of_work():
        for plant in ("north", "south"):
            failure_codes.seed_defaults(users[plant]["manager"].warehouse_id)


def north_code(users, kind: str, code: str) -> FailureCode:
    return db.session.query(FailureCode).filter_by(warehouse_id=users["north"]["manager"].warehouse_id, kind=kind,
                                                   code=code).one()


def test_the_catalogue_page_for_managers(client, users, portal_login, catalogue):
    portal_login(users["north"]["technician"])
    assert client.get("/failure-codes").status_code == 403
    portal_login(users["north"]["manager"])
    page = client.get("/failure-codes")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "HX-Request" in page.headers["Vary"]
    assert "External leakage" in html and 'id="fc-mode"' in html and 'id="fc-rule"' in html
    assert "<html" not in client.get("/failure-codes", headers=HX).get_data(as_text=True)
    assert "<html" in client.get("/failure-codes", headers={**HX, "HX-History-Restore-Request": "true"}).get_data(
        as_text=True)

    # Add: a refused code comes back in words for people, next to its input.
    r = post(client, "/failure-codes", {"kind": "mode", "code": "ELP", "label": "Leak again"})
    assert r.status_code == 422 and "There is already a failure mode ELP" in r.get_data(as_text=True)
    r = post(client, "/failure-codes", {"kind": "mode", "code": "", "label": ""})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and 'aria-invalid="true"' in body and "String should" not in body
    r = post(client, "/failure-codes", {"kind": "mode", "code": "cav", "label": "Cavitation",
                                        "equipmentClasses": "pump, Compressor"}, htmx=False)
    assert r.status_code == 303
    cav = north_code(users, "mode", "CAV")
    assert cav.equipment_classes == ["compressor", "pump"]
    # Save with the classes emptied: every class.
    assert post(client, f"/failure-codes/{cav.id}", {"label": "Cavitation", "equipmentClasses": ""},
                htmx=False).status_code == 303
    db.session.refresh(cav)
    assert cav.equipment_classes == []

    # Remove: unused, deleted; used, retired and listed apart with "Offer again".
    job = factories.work_order(users.actor("north", "manager"))
    lifecycle.update_work_order(users.actor("north", "manager"), job.id, WorkOrderUpdate(failureMode="CAV"))
    assert post(client, f"/failure-codes/{cav.id}/remove", {}, htmx=False).status_code == 303
    db.session.refresh(cav)
    assert cav.active is False
    html = client.get("/failure-codes").get_data(as_text=True)
    assert "Offer again: CAV Cavitation" in html and "on 1 work order)" in html
    nff = north_code(users, "remedy", "NFF").id
    assert post(client, f"/failure-codes/{nff}/remove", {}, htmx=False).status_code == 303
    assert db.session.get(FailureCode, nff) is None
    # Another warehouse's code: 404.
    south = db.session.query(FailureCode).filter_by(warehouse_id=users["south"]["manager"].warehouse_id).first()
    assert post(client, f"/failure-codes/{south.id}/remove", {}, htmx=False).status_code == 404

    # The rule, and the CSV both ways.
    assert post(client, "/failure-codes/settings", {"requireFailureCodes": "true"}, htmx=False).status_code == 303
    assert failure_codes.is_required(users["north"]["manager"].warehouse_id)
    csv_text = client.get("/failure-codes/export.csv").get_data(as_text=True)
    assert csv_text.startswith("kind,code,label,equipmentClasses,active") and "mode,CAV,Cavitation,,false" in csv_text
    r = client.post("/failure-codes/import", headers={"X-CSRFToken": token(client)},
                    data={"file": (io.BytesIO(b"kind,code,label\nmode,GRD,Grinding\nmode,,\n"), "codes.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 422 and "Nothing imported. line 3: code" in r.get_data(as_text=True)
    r = client.post("/failure-codes/import", headers={"X-CSRFToken": token(client)},
                    data={"file": (io.BytesIO(b"kind,code,label\nmode,GRD,Grinding\n"), "codes.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    assert north_code(users, "mode", "GRD").label == "Grinding"


def test_the_completion_step_of_a_repair_asks_for_its_codes(client, users, portal_login, catalogue):
    m = users.actor("north", "manager")
    pump = factories.equipment(m, assetTag="PMP-3", equipmentClass="pump")
    motor = factories.equipment(m, assetTag="MOT-3", equipmentClass="electric_motor")
    # Used codes come first: OHE twice, ELP once, on other pumps' repairs.
    for mode in ("OHE", "OHE", "ELP"):
        done = factories.work_order(m, equipmentId=pump.id)
        lifecycle.update_work_order(m, done.id, WorkOrderUpdate(failureMode=mode))
    with unit_of_work():
        failure_codes.set_required(m, True)
    job = factories.work_order(m, equipmentId=pump.id, assignedTo=users["north"]["technician"].id)
    portal_login(users["north"]["technician"])
    html = client.get(f"/work-orders/{job.id}").get_data(as_text=True)
    step = html[html.index('id="failure-codes"'):html.index('id="f-completionNotes"')]
    modes = re.findall(r'<option value="([A-Z]+)"', step[step.index('name="failureMode"'):step.index('name="failureCause"')])
    assert modes[:2] == ["OHE", "ELP"] and "VIB" in modes and "(required)" in step
    assert 'name="failureCause" required' in step
    # A motor's repair is not offered a pump's leakage.
    motor_job = factories.work_order(m, equipmentId=motor.id, assignedTo=users["north"]["technician"].id)
    motor_html = client.get(f"/work-orders/{motor_job.id}").get_data(as_text=True)
    assert 'value="ELP"' not in motor_html and 'value="VIB"' in motor_html

    # Sent without them (a browser without `required`): the step comes back open, each field named.
    r = post(client, f"/work-orders/{job.id}/status", {"status": "completed", "failureMode": "OHE"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and body.count("Required to complete a corrective work order") == 2
    assert 'id="complete" open' in body and db.session.get(WorkOrder, job.id).status != "completed"
    r = post(client, f"/work-orders/{job.id}/status", {"status": "completed", "failureMode": "OHE",
                                                         "failureCause": "CON", "failureRemedy": "CLN",
                                                         "completionNotes": "Cleaned the strainer"})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    wo = db.session.get(WorkOrder, job.id)
    assert (wo.status, wo.failure_mode, wo.failure_cause, wo.failure_remedy) == ("completed", "OHE", "CON", "CLN")
    assert "Overheating" in client.get(f"/work-orders/{job.id}").get_data(as_text=True)  # shown with its label

    # Preventive work is not asked.
    pm = factories.work_order(m, equipmentId=pump.id, type="preventive", assignedTo=users["north"]["technician"].id)
    assert 'id="failure-codes"' not in client.get(f"/work-orders/{pm.id}").get_data(as_text=True)


def test_the_asset_page_marks_kinds_of_stop_and_draws_the_timeline(client, users, portal_login):
    m = users.actor("north", "manager")
    pump = factories.equipment(m, assetTag="PMP-4", equipmentClass="pump")
    portal_login(users["north"]["technician"])
    r = post(client, f"/assets/{pump.id}/status", {"status": "down", "reasonCode": "breakdown", "planned": "true",
                                                     "reason": "PM"})
    assert r.status_code == 422 and "A breakdown stop is unplanned" in r.get_data(as_text=True)
    r = post(client, f"/assets/{pump.id}/status", {"status": "down", "reasonCode": "changeover", "reason": "Size B"})
    assert r.status_code == 200 and "Planned · Changeover or set-up" in r.get_data(as_text=True)
    html = client.get(f"/assets/{pump.id}").get_data(as_text=True)
    timeline = html[html.index('id="timeline"'):html.index('id="history"')]
    assert 'class="st-running"' in timeline and 'class="st-planned"' in timeline and "Unplanned down 0.0 h" in timeline
    assert "Pump" in html  # the equipment class among the facts
