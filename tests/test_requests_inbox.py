"""The requests inbox (services/work_orders/requests.py): problem reports and requesters' requests
wait for a manager when the warehouse takes them through the inbox; approve, merge, decline; the
reporter's status link; the events; the API (/api/requests)."""
from __future__ import annotations

import os
from datetime import timedelta

import factories
import pytest
from photos import png
from sqlalchemy import func, select

from portal.models import DomainEvent, Warehouse, WorkOrder, WorkOrderAttachment, WorkOrderComment
from portal.models.requests import WorkRequest
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.requests import RequestApprove, RequestCreate, RequestDecline, RequestMerge
from portal.schemas.warehouse import ProblemReportCreate, WarehouseUpdate
from portal.services.common.errors import Conflict, Forbidden, NotFound
from portal.services.identity import warehouses as warehouse_service
from portal.services.work_orders import problem_reports, report_status
from portal.services.work_orders import requests as service

pytestmark = pytest.mark.usefixtures("upload_dir")


def _inbox(users, warehouse: str = "north", routing: str = "inbox") -> None:
    warehouse_service.update_settings(users.actor(warehouse, "admin"), WarehouseUpdate(
        problemReportsEnabled=True, requestRouting=routing))


def _report(eq, *, photo: bytes | None = None, text: str = "Grinding noise at start-up"):
    return problem_reports.submit_report(eq.report_token, ProblemReportCreate(
        description=text, reporterName="Kim from packing", reporterContact="+33 6 12 34 56 78",
        reporterEmail="kim@plant.example"), photo=photo, photo_name="noise.png")


def _events(name: str) -> list[DomainEvent]:
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event == name).order_by(DomainEvent.created_at)))


def test_existing_warehouses_go_straight_to_a_work_order(users):
    manager = users.actor("north", "manager")
    assert db.session.get(Warehouse, manager.warehouse_id).request_routing == "work_order"
    warehouse_service.update_settings(users.actor("north", "admin"), WarehouseUpdate(problemReportsEnabled=True))
    done = _report(factories.equipment(manager))
    assert done.work_order is not None and done.request is None
    assert db.session.scalar(select(func.count()).select_from(WorkRequest)) == 0
    assert service.pending_count(manager) is None  # no inbox to show


def test_a_report_waits_in_the_inbox_with_its_photo_then_approve_makes_the_work_order(users, upload_dir):
    manager, tech = users.actor("north", "manager"), users["north"]["technician"]
    pump = factories.equipment(manager, assetTag="PMP-7")
    _inbox(users)
    done = _report(pump, photo=png((80, 60)))
    assert done.work_order is None and done.request.status == "pending"
    req = done.request
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0
    assert os.path.isfile(os.path.join(upload_dir, req.photo_key)) and req.photo_width == 80
    [created] = _events("request.created")
    assert created.entity == "request" and created.entity_id == req.id and created.actor_id is None
    assert created.payload["request"]["status"] == "pending" and created.payload["request"]["photo"]["width"] == 80
    assert service.pending_count(manager) == 1
    assert service.pending_count(users.actor("north", "technician")) is None
    assert report_status.status_for(done.status_token).words == "Received: waiting for review"

    approved, wo = service.approve(manager, req.id, RequestApprove(priority="high", assignedTo=tech.id))
    assert (approved.status, approved.work_order_id, approved.decided_by) == ("approved", wo.id, manager.id)
    assert (wo.status, wo.priority, wo.assigned_to, wo.equipment_id) == ("assigned", "high", tech.id, pump.id)
    assert (wo.reporter_name, wo.reporter_contact, wo.reporter_email) == (
        "Kim from packing", "+33 6 12 34 56 78", "kim@plant.example")
    assert wo.requested_by is None and wo.title == req.title
    [photo] = db.session.scalars(select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == wo.id)).all()
    assert photo.storage_key == req.photo_key and photo.width == 80
    [ev] = _events("request.approved")
    assert ev.payload["workOrder"]["id"] == wo.id and ev.payload["approvedBy"] == manager.id
    assert len(_events("work_order.created")) == 1
    assert service.pending_count(manager) == 0
    # The reporter now follows the work order, as with a report that went straight to one.
    s = report_status.status_for(done.status_token)
    assert (s.fo_number, s.words) == (wo.fo_number, "Received: a technician will look at it")


@pytest.mark.parametrize("second", ["approve", "merge", "decline"])
def test_a_decided_request_answers_409_and_changes_nothing(users, second):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    open_wo = factories.work_order(manager, equipmentId=pump.id)
    _inbox(users)
    req = _report(pump).request
    service.decline(manager, req.id, RequestDecline(reason="Already fixed this morning"))
    act = {"approve": lambda: service.approve(manager, req.id, RequestApprove()),
           "merge": lambda: service.merge(manager, req.id, RequestMerge(workOrderId=open_wo.id)),
           "decline": lambda: service.decline(manager, req.id, RequestDecline(reason="again"))}[second]
    with pytest.raises(Conflict, match="already declined"):
        act()
    db.session.rollback()
    assert db.session.get(WorkRequest, req.id).decline_reason == "Already fixed this morning"
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 1
    assert len(_events("request.declined")) == 1 and not _events("request.approved") and not _events("request.merged")


def test_merge_adds_the_text_and_photo_to_the_open_order_of_the_same_asset(users):
    manager = users.actor("north", "manager")
    pump, fan = factories.equipment(manager), factories.equipment(manager)
    open_wo = factories.work_order(manager, equipmentId=pump.id, title="Pump noisy")
    fan_wo = factories.work_order(manager, equipmentId=fan.id)
    closed = factories.work_order(manager, equipmentId=pump.id)
    factories.move_to(manager, closed.id, "cancelled")
    _inbox(users)
    done = _report(pump, photo=png())
    req = done.request
    assert service.open_orders(manager, [req]) == {pump.id: [open_wo]}
    with pytest.raises(Conflict) as refused:
        service.merge(manager, req.id, RequestMerge(workOrderId=fan_wo.id))
    assert refused.value.errors[0]["field"] == "workOrderId"
    with pytest.raises(Conflict) as refused:
        service.merge(manager, req.id, RequestMerge(workOrderId=closed.id))
    assert refused.value.errors == [{"field": "workOrderId", "message": "This work order is closed: merge into an open one"}]
    south_wo = factories.work_order(users.actor("south", "manager"))
    with pytest.raises(NotFound):
        service.merge(manager, req.id, RequestMerge(workOrderId=south_wo.id))
    db.session.rollback()
    merged, wo = service.merge(manager, req.id, RequestMerge(workOrderId=open_wo.id))
    assert (merged.status, merged.work_order_id, wo.id) == ("merged", open_wo.id, open_wo.id)
    [comment] = db.session.scalars(select(WorkOrderComment).where(WorkOrderComment.work_order_id == wo.id)).all()
    assert comment.body == "Also reported by Kim from packing (+33 6 12 34 56 78): Grinding noise at start-up"
    assert comment.author_id == manager.id and not comment.visible_to_reporter
    assert db.session.scalar(select(func.count()).select_from(WorkOrderAttachment)
                             .where(WorkOrderAttachment.work_order_id == wo.id)) == 1
    [ev] = _events("request.merged")
    assert ev.payload["workOrder"]["id"] == open_wo.id and ev.payload["request"]["status"] == "merged"
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 4  # nothing new
    assert report_status.status_for(done.status_token).fo_number == open_wo.fo_number


def test_decline_shows_the_reason_on_the_status_link_until_it_expires(app, users):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    _inbox(users)
    done = _report(pump)
    now = utcnow()
    req = service.decline(manager, done.request.id, RequestDecline(reason="Planned shutdown fixes it"), now=now)
    assert (req.status, req.decline_reason, req.work_order_id) == ("declined", "Planned shutdown fixes it", None)
    [ev] = _events("request.declined")
    assert ev.payload["reason"] == "Planned shutdown fixes it" and ev.payload["declinedBy"] == manager.id
    s = report_status.status_for(done.status_token, now=now + timedelta(days=1))
    assert (s.fo_number, s.status, s.words) == (None, "declined", "Declined: Planned shutdown fixes it")
    later = now + timedelta(days=app.config["REPORT_STATUS_DAYS"] + 1)
    with pytest.raises(report_status.StatusLinkExpired) as expired:
        report_status.status_for(done.status_token, now=later)
    assert expired.value.report_token == pump.report_token  # "report a new problem on this machine"


def test_only_staff_review_and_another_warehouse_is_not_found(users):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    _inbox(users)
    req = _report(pump).request
    for role in ("technician", "requester"):
        with pytest.raises(Forbidden, match="cannot review requests"):
            service.approve(users.actor("north", role), req.id, RequestApprove())
        with pytest.raises(Forbidden):
            service.list_requests(users.actor("north", role))
    south = users.actor("south", "manager")
    for act in (lambda: service.approve(south, req.id, RequestApprove()),
                lambda: service.decline(south, req.id, RequestDecline(reason="no")),
                lambda: service.get_request(south, req.id)):
        with pytest.raises(NotFound):
            act()
    assert service.list_requests(south).total == 0
    assert service.approve(users.actor("north", "admin"), req.id, RequestApprove())[0].status == "approved"


def test_a_requesters_request_goes_to_the_inbox_only_where_it_is_on(users):
    requester, manager = users.actor("north", "requester"), users.actor("north", "manager")
    pump = factories.equipment(manager)
    with pytest.raises(Conflict, match="straight as work orders"):
        service.submit_request(requester, RequestCreate(title="Light flickers in bay 3"))
    _inbox(users)
    req = service.submit_request(requester, RequestCreate(title="Guard loose", equipmentId=pump.id))
    assert (req.status, req.requested_by, req.reporter_name) == ("pending", requester.id, None)
    assert _events("request.created")[0].payload["createdBy"] == requester.id
    _, wo = service.approve(manager, req.id, RequestApprove())
    assert wo.requested_by == requester.id  # the requester stays the one who asked
    south_pump = factories.equipment(users.actor("south", "manager"))
    with pytest.raises(NotFound):
        service.submit_request(requester, RequestCreate(title="x", equipmentId=south_pump.id))


# ---- the API ---------------------------------------------------------------------------------


def test_api_lists_decides_and_refuses_in_the_contracts_format(client, users, auth):
    manager = users.actor("north", "manager")
    pump = factories.equipment(manager)
    open_wo = factories.work_order(manager, equipmentId=pump.id)
    _inbox(users)
    first, second, third = (_report(pump, text=f"Leak {n}").request for n in range(3))
    first_id, second_id, third_id = first.id, second.id, third.id
    h = auth("north", "manager")

    resp = client.get("/api/requests?status=pending&limit=2", headers=h)
    assert resp.status_code == 200 and resp.headers["X-Total-Count"] == "3"
    assert [r["id"] for r in resp.json] == [first_id, second_id]  # oldest first
    assert 'rel="next"' in resp.headers["Link"]
    row = resp.json[0]
    assert set(row) == {"id", "status", "title", "description", "equipmentId", "reporterName", "reporterContact",
                        "requestedBy", "photo", "workOrderId", "declineReason", "decidedBy", "decidedAt",
                        "createdAt", "updatedAt", "warehouseId"}
    assert row["reporterName"] == "Kim from packing" and row["photo"] is None and row["createdAt"].endswith("Z")
    assert client.get(f"/api/requests/{first_id}", headers=h).json["id"] == first_id

    resp = client.post(f"/api/requests/{first_id}/approve", headers=h, json={"priority": "urgent"})
    assert resp.status_code == 400 and resp.json["errors"][0]["field"] == "priority"
    resp = client.post(f"/api/requests/{first_id}/approve", headers=h, json={"priority": "critical"})
    assert resp.status_code == 200 and resp.json["status"] == "approved"
    wo = client.get(f"/api/work-orders/{resp.json['workOrderId']}", headers=h).json
    assert (wo["priority"], wo["reporterName"]) == ("critical", "Kim from packing")
    again = client.post(f"/api/requests/{first_id}/approve", headers=h, json={})
    assert again.status_code == 409 and again.json == {"message": "This request was already approved", "errors": []}

    resp = client.post(f"/api/requests/{second_id}/merge", headers=h, json={"workOrderId": open_wo.id})
    assert resp.status_code == 200 and resp.json["workOrderId"] == open_wo.id
    resp = client.post(f"/api/requests/{third_id}/decline", headers=h, json={"reason": ""})
    assert resp.status_code == 400 and resp.json["errors"][0]["field"] == "reason"
    resp = client.post(f"/api/requests/{third_id}/decline", headers=h, json={"reason": "Duplicate"})
    assert resp.status_code == 200 and resp.json["declineReason"] == "Duplicate"
    assert client.get("/api/requests?status=approved,merged", headers=h).headers["X-Total-Count"] == "2"

    assert client.get(f"/api/requests/{first_id}", headers=auth("south", "manager")).status_code == 404
    assert client.post(f"/api/requests/{third_id}/decline", headers=auth("south", "admin"),
                       json={"reason": "x"}).status_code == 404
    assert client.get("/api/requests", headers=auth("north", "technician")).status_code == 403
    assert client.get("/api/requests").status_code == 401

    # A requester sends one; the warehouse setting is in the warehouse API.
    resp = client.post("/api/requests", headers=auth("north", "requester"), json={"title": "Door sticks"})
    assert resp.status_code == 201 and resp.json["requestedBy"] == users["north"]["requester"].id
    ha = auth("north", "admin")
    assert client.get("/api/warehouse", headers=ha).json["requestRouting"] == "inbox"
    resp = client.patch("/api/warehouse", headers=ha, json={"requestRouting": "work_order"})
    assert resp.status_code == 200 and resp.json["requestRouting"] == "work_order"
    assert client.patch("/api/warehouse", headers=ha, json={"requestRouting": "later"}).status_code == 400
    resp = client.post("/api/requests", headers=auth("north", "requester"), json={"title": "Door sticks"})
    assert resp.status_code == 409


def test_api_serves_the_request_photo_to_reviewers_only(client, users, auth):
    manager = users.actor("north", "manager")
    _inbox(users)
    req_id = _report(factories.equipment(manager), photo=png((50, 40))).request.id
    no_photo = _report(factories.equipment(manager)).request.id
    h = auth("north", "manager")
    resp = client.get(f"/api/requests/{req_id}/photo", headers=h)
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert client.get(f"/api/requests/{req_id}/photo?size=thumb", headers=h).mimetype == "image/jpeg"
    assert client.get(f"/api/requests/{no_photo}/photo", headers=h).status_code == 404
    assert client.get(f"/api/requests/{req_id}/photo", headers=auth("south", "manager")).status_code == 404
    assert client.get(f"/api/requests/{req_id}/photo", headers=auth("north", "technician")).status_code == 403
