"""Every event type of the contract, those added after it and the test ping are emitted by the service
layer, reach a subscribed receiver in the contract's payload structure, and match the schema the
OpenAPI document's `webhooks` section gives them; the document's verification examples verify them."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from event_schemas import DeliveryChecker
from receiver import Receiver
from signatures import signature_png
from sqlalchemy import func, select

from portal.api.docs import build_openapi
from portal.api.webhook_docs import HEADERS, VERIFY_JS, VERIFY_PYTHON
from portal.jobs import QUEUES
from portal.jobs.scheduler import AppWorker
from portal.models import EVENT_TYPES, TEST_EVENT, WebhookDelivery
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.attachments import CommentCreate, SignatureCreate
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.schemas.parts import PartCreate, PartRequestCreate, ReorderReceiptCreate
from portal.schemas.planning import ScheduleCreate
from portal.schemas.pm import ChecklistItemUpdate, PMTemplateCreate
from portal.schemas.requests import RequestApprove, RequestDecline, RequestMerge
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.schemas.webhooks import WebhookCreate
from portal.schemas.work_orders import ConsumeParts, WorkOrderCreate, WorkOrderUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.identity import warehouses as warehouse_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.inventory import parts as parts_service
from portal.services.inventory import requests as request_service
from portal.services.planning import schedules
from portal.services.pm import scheduler as pm_scheduler
from portal.services.pm import templates as pm_templates
from portal.services.work_orders import checklists, comments, escalation, failure_codes, problem_reports, signoff
from portal.services.work_orders import lifecycle as wo_service
from portal.services.work_orders import requests as inbox

SECRET = "s" * 32


def test_every_event_reaches_the_receiver_as_documented(app, users, upload_dir, tmp_path):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    manager = users.actor("north", "manager")
    technician_id = users["north"]["technician"].id
    with Receiver() as receiver:
        hook = webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
            {"url": receiver.url, "events": ["*"], "secret": SECRET}))
        hook_id = hook.id
        eq = equipment_service.create_equipment(manager, EquipmentCreate.model_validate({"assetTag": "PMP-001"}))
        equipment_service.update_equipment(manager, eq.id, EquipmentUpdate.model_validate(
            {"status": "down", "location": "Bay 4"}))
        wo = wo_service.create_work_order(manager, WorkOrderCreate.model_validate(
            {"title": "Pump seal", "equipmentId": eq.id, "assignedTo": technician_id}))
        wo_id = wo.id
        wo_service.update_work_order(manager, wo_id, WorkOrderUpdate.model_validate({"title": "Pump seal leak"}))
        part = parts_service.create_part(manager, PartCreate.model_validate(
            {"partNumber": "SEAL-22", "stockLevel": 6, "reorderPoint": 5, "unitCost": "12.50",
             "reorderQuantity": 10, "autoReorder": True}))
        parts_service.consume_parts(manager, ConsumeParts.model_validate(
            {"workOrderId": wo_id, "partsUsage": [{"partId": part.id, "quantityUsed": 2}]}))
        requested, _ = request_service.request_part(manager, wo_id, PartRequestCreate.model_validate(
            {"partId": part.id, "quantity": 8}))
        parts_service.receive_against_request(manager, requested.id, ReorderReceiptCreate(quantity=3))
        signoff.sign(manager, wo_id, SignatureCreate.model_validate({"signerName": "Line lead"}), signature_png())
        comments.add_comment(manager, wo_id, CommentCreate.model_validate({"body": "Seal kit on the shelf"}))
        with unit_of_work():
            failure_codes.seed_defaults(manager.warehouse_id)
        wo_service.update_work_order(manager, wo_id, WorkOrderUpdate.model_validate(
            {"failureMode": "ELP", "failureCause": "WEAR", "failureRemedy": "REPL"}))
        wo_service.update_work_order(manager, wo_id, WorkOrderUpdate.model_validate({"status": "completed"}))
        wo_service.create_work_order(manager, WorkOrderCreate.model_validate(
            {"title": "Conveyor stopped", "priority": "critical",
             "dueDate": (utcnow() - timedelta(hours=2)).isoformat()}))
        assert escalation.escalate_overdue() == {"overdue": 1, "escalated": 1, "failed": 0}
        # A PM due yesterday: scheduled, overdue, a reading out of range that raises its own
        # follow-up, then completed.
        now = utcnow()
        pm_templates.create_template(manager, PMTemplateCreate.model_validate({
            "name": "Monthly pump check", "frequencyType": "calendar", "frequency": 30, "leadDays": 5,
            "startDate": (now - timedelta(days=31)).isoformat(), "equipmentIds": [eq.id],
            "assignedTo": technician_id,
            "checklist": [{"id": "temp", "description": "Bearing temperature", "type": "measurement",
                           "required": True, "unit": "C", "min": 10, "max": 80, "autoFollowUp": True}]}),
            now=now - timedelta(days=31))
        [pm_id] = pm_scheduler.schedule_due(now)["workOrderIds"]
        assert pm_scheduler.notify_overdue()["notified"] == 1
        technician = users.actor("north", "technician")
        [item] = checklists.get_checklist(technician, pm_id)
        assert checklists.update_item(technician, pm_id, item.id, ChecklistItemUpdate(value=95)).flagged
        wo_service.update_work_order(technician, pm_id, WorkOrderUpdate.model_validate({"status": "in_progress"}))
        wo_service.update_work_order(technician, pm_id, WorkOrderUpdate.model_validate({"status": "completed"}))
        # The requests inbox: three reports, approved, merged into the open pump order, declined.
        warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(
            problemReportsEnabled=True, requestRouting="inbox"))
        reports = [problem_reports.submit_report(eq.report_token, ProblemReportCreate(
            description=f"Drip under the pump ({n})", reporterName="Kim")).request.id for n in range(3)]
        open_wo = wo_service.create_work_order(manager, WorkOrderCreate.model_validate(
            {"title": "Pump drip", "equipmentId": eq.id}))
        inbox.approve(manager, reports[0], RequestApprove(priority="high"))
        inbox.merge(manager, reports[1], RequestMerge(workOrderId=open_wo.id))
        inbox.decline(manager, reports[2], RequestDecline(reason="Already planned"))
        plan, _ = schedules.create_schedule(manager, ScheduleCreate.model_validate({"weekStart": "2026-12-07"}))
        schedules.freeze(manager, plan.schedule.id)
        assert webhook_service.send_test(users.actor("north", "admin"), hook_id).sent  # straight to the receiver

        db.session.rollback()
        AppWorker(QUEUES, connection=get_redis()).work(burst=True, with_scheduler=True, logging_level="WARNING")
        sent = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                 .where(WebhookDelivery.webhook_id == hook_id))
        got = receiver.wait_for(sent)

    bodies = [json.loads(g.body) for g in got]
    by_event: dict[str, list[dict]] = {}
    for body in bodies:
        by_event.setdefault(body["event"], []).append(body)
    assert len(got) == sent and set(by_event) == {*EVENT_TYPES, TEST_EVENT}
    for body in bodies:
        assert set(body) == {"id", "event", "timestamp", "data"}
        assert set(body["data"]) == {"entity", "entityId", "warehouseId", "payload"}
        assert body["timestamp"].endswith("Z")
    eq_updated = by_event["equipment.updated"][0]["data"]["payload"]
    assert eq_updated["changes"]["status"] == {"from": "active", "to": "down"}
    status = by_event["equipment.status_changed"][0]["data"]["payload"]
    assert (status["previousStatus"], status["status"]) == ("active", "down")
    titled = [b["data"]["payload"]["changes"] for b in by_event["work_order.updated"]]
    assert {"from": "Pump seal", "to": "Pump seal leak"} in [c.get("title") for c in titled]
    completed = by_event["work_order.completed"][0]["data"]["payload"]
    assert completed["metrics"]["partsCost"] == "25.00" and completed["metrics"]["timeToCompleteHours"] is not None
    low = by_event["inventory.low_stock"][0]["data"]["payload"]
    assert (low["stockLevel"], low["reorderPoint"]) == (4, 5)
    assert by_event["inventory.reorder"][0]["data"]["payload"]["quantity"] == 10
    assert by_event["parts.consumed"][0]["data"]["payload"]["totalCost"] == "25.00"
    requested = by_event["parts.requested"][0]["data"]
    assert (requested["entity"], requested["entityId"]) == ("work_order", wo_id)
    assert (requested["payload"]["quantity"], requested["payload"]["part"]["partNumber"]) == (8, "SEAL-22")
    received = by_event["reorder_request.received"][0]["data"]
    assert (received["entity"], received["payload"]["quantity"], received["payload"]["remainingQuantity"],
            received["payload"]["closed"]) == ("reorder_request", 3, 5, False)
    assert by_event["work_order.signed"][0]["data"]["payload"]["signature"]["signerName"] == "Line lead"
    assert len(by_event["request.created"]) == 3
    assert by_event["request.declined"][0]["data"]["payload"]["reason"] == "Already planned"
    merged = by_event["request.merged"][0]["data"]
    assert (merged["entity"], merged["payload"]["workOrder"]["title"]) == ("request", "Pump drip")
    commented = by_event["work_order.commented"][0]["data"]["payload"]
    assert (commented["comment"]["body"], commented["assignedTo"]) == ("Seal kit on the shelf", technician_id)
    escalated = by_event["work_order.escalated"][0]["data"]["payload"]
    assert escalated["newAssignee"] == users["north"]["manager"].id and escalated["reason"]
    # Each event went out once, under its own delivery id.
    assert len({g.headers["X-MaintainPro-Delivery"] for g in got}) == len(got)

    # Each delivery matches its event's documented schema (closed objects: no undocumented field).
    checker = DeliveryChecker(app)
    for body in bodies:
        assert checker.errors(body) == [], body["event"]

    # The document's verification examples accept a real delivery, and refuse a changed body.
    delivery = next(g for g in got if g.headers["X-MaintainPro-Event"] == "work_order.created")
    (tmp_path / "body.json").write_bytes(delivery.body)
    (tmp_path / "tampered.json").write_bytes(delivery.body.replace(b"Pump seal", b"Pump seat"))
    (tmp_path / "headers.json").write_text(json.dumps(delivery.headers))
    assert run_example(sys.executable, "verify.py", VERIFY_PYTHON + PYTHON_DRIVER, tmp_path) == ["True True", "False False"]
    if shutil.which("node"):
        assert run_example("node", "verify.js", VERIFY_JS + JS_DRIVER, tmp_path) == ["true true", "false false"]


# Both read body.json / tampered.json and headers.json from the working folder and print, for each
# body, the body signature's and the timestamp signature's verdicts.
PYTHON_DRIVER = f"""
import json
headers = json.load(open("headers.json"))
for name in ("body.json", "tampered.json"):
    body = open(name, "rb").read()
    print(verify_signature(body, headers["X-MaintainPro-Signature"], {SECRET!r}),
          verify_timestamped(body, headers["X-MaintainPro-Timestamp"],
                             headers["X-MaintainPro-Timestamp-Signature"], {SECRET!r}))
"""
JS_DRIVER = f"""
const fs = require('fs');
const headers = JSON.parse(fs.readFileSync('headers.json', 'utf8'));
for (const name of ['body.json', 'tampered.json']) {{
  const body = fs.readFileSync(name);
  console.log(verifySignature(body, headers['X-MaintainPro-Signature'], '{SECRET}'),
    verifyTimestamped(body, headers['X-MaintainPro-Timestamp'], headers['X-MaintainPro-Timestamp-Signature'], '{SECRET}'));
}}
"""


def run_example(program: str, name: str, source: str, folder) -> list[str]:
    (folder / name).write_text(source)
    done = subprocess.run([program, name], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n")[:-1]


def test_every_event_and_the_ping_is_documented(app):
    with app.test_request_context():
        spec = build_openapi()
    assert set(spec["webhooks"]) == {*EVENT_TYPES, TEST_EVENT}
    wanted = {"X-MaintainPro-Signature", "X-MaintainPro-Timestamp", "X-MaintainPro-Timestamp-Signature",
              "X-MaintainPro-Event", "X-MaintainPro-Delivery"}
    assert wanted <= {h["name"] for h in HEADERS.values()}
    for event, item in spec["webhooks"].items():
        op = item["post"]
        headers = {spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"] for p in op["parameters"]}
        assert wanted <= headers, event
        body = op["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["event"]["const"] == event
        payload = body["properties"]["data"]["properties"]["payload"]["$ref"].rsplit("/", 1)[1]
        assert spec["components"]["schemas"][payload]["properties"], event
    # The integration guide shows the same examples the document has (and this suite runs).
    guide = (Path(__file__).parents[1] / "docs" / "integrating.md").read_text()
    assert VERIFY_PYTHON in guide and VERIFY_JS in guide
    assert all(f"| `{event}` |" in guide for event in spec["webhooks"])


def test_the_docs_page_shows_each_event_its_payload_and_the_signature_headers(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert 'href="#events"' in html
    for name in ("X-MaintainPro-Signature", "X-MaintainPro-Timestamp", "X-MaintainPro-Timestamp-Signature"):
        assert f"<code>{name}</code>" in html
    assert "def verify_timestamped(" in html and "function verifyTimestamped(" in html
    for event in {*EVENT_TYPES, TEST_EVENT}:
        start = html.index(f'<section id="event_{event.replace(".", "_")}"')
        section = html[start:html.index("</section>", start)]
        assert f"<code>{event}</code>" in section
        assert "<code>timestamp</code>" in section  # its payload's fields
    signed = html[html.index('<section id="event_work_order_signed"'):]
    assert "<code>signature</code>" in signed[:signed.index("</section>")]
