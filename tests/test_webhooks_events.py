"""Every event type of the contract (PM ones aside: the PM issue), and those added after it, is emitted by
the service layer and reaches a subscribed receiver in the contract's payload structure."""
from __future__ import annotations

import json
from datetime import timedelta

from receiver import Receiver
from signatures import signature_png

from portal.jobs import QUEUES
from portal.jobs.scheduler import AppWorker
from portal.models import EVENT_TYPES
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.platform.redis import get_redis
from portal.schemas.attachments import SignatureCreate
from portal.schemas.equipment import EquipmentCreate, EquipmentUpdate
from portal.schemas.parts import PartCreate, PartRequestCreate
from portal.schemas.webhooks import WebhookCreate
from portal.schemas.work_orders import ConsumeParts, WorkOrderCreate, WorkOrderUpdate
from portal.services.assets import equipment as equipment_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.inventory import parts as parts_service
from portal.services.inventory import requests as request_service
from portal.services.work_orders import escalation, signoff
from portal.services.work_orders import lifecycle as wo_service

PM_EVENTS = {"pm.scheduled", "pm.overdue", "pm.completed"}
CHECKLIST_EVENTS = {"checklist.item_flagged", "work_order.follow_up_created"}


def test_every_contract_event_reaches_the_receiver(app, users, upload_dir):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    manager = users.actor("north", "manager")
    technician_id = users["north"]["technician"].id
    with Receiver() as receiver:
        webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
            {"url": receiver.url, "events": ["*"], "secret": "s" * 32}))
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
        request_service.request_part(manager, wo_id, PartRequestCreate.model_validate(
            {"partId": part.id, "quantity": 8}))
        signoff.sign(manager, wo_id, SignatureCreate.model_validate({"signerName": "Line lead"}), signature_png())
        wo_service.update_work_order(manager, wo_id, WorkOrderUpdate.model_validate({"status": "completed"}))
        wo_service.create_work_order(manager, WorkOrderCreate.model_validate(
            {"title": "Conveyor stopped", "priority": "critical",
             "dueDate": (utcnow() - timedelta(hours=2)).isoformat()}))
        assert escalation.escalate_overdue() == {"overdue": 1, "escalated": 1, "failed": 0}

        db.session.rollback()
        AppWorker(QUEUES, connection=get_redis()).work(burst=True, with_scheduler=True, logging_level="WARNING")
        got = receiver.wait_for(15)

    bodies = [json.loads(g.body) for g in got]
    by_event: dict[str, list[dict]] = {}
    for body in bodies:
        by_event.setdefault(body["event"], []).append(body)
    assert set(by_event) == set(EVENT_TYPES) - PM_EVENTS - CHECKLIST_EVENTS  # those: tests/test_follow_ups.py
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
    assert by_event["work_order.signed"][0]["data"]["payload"]["signature"]["signerName"] == "Line lead"
    escalated = by_event["work_order.escalated"][0]["data"]["payload"]
    assert escalated["newAssignee"] == users["north"]["manager"].id and escalated["reason"]
    # Each event went out once, under its own delivery id.
    assert len({g.headers["X-MaintainPro-Delivery"] for g in got}) == len(got)
