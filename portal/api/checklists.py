from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body
from portal.schemas.pm import (
    ChecklistAdd,
    ChecklistItemUpdate,
    LaborCreate,
    LaborList,
    LaborOut,
    WorkOrderChecklistItemOut,
)
from portal.schemas.work_orders import FollowUpCreated, WorkOrderOut
from portal.services.work_orders import checklists as service
from portal.services.work_orders import follow_ups
from portal.services.work_orders import labor as labor_service


@api.get("/work-orders/<work_order_id>/checklist")
@documented(summary="The checklist of a work order", response=list[WorkOrderChecklistItemOut])
def get_checklist(work_order_id: str):
    return jsonify(WorkOrderChecklistItemOut.dump_many(service.get_checklist(actor(), work_order_id)))


@api.post("/work-orders/<work_order_id>/checklist")
@documented(summary="Add checklist items to an ad-hoc work order", body=ChecklistAdd,
            response=list[WorkOrderChecklistItemOut], status=201, permission="work_orders.checklist",
            description="Either items (typed in: the PM template item shape, with type checkbox, measurement "
                        "with unit and min/max, or pass_fail) or fromTemplateId (a PM template of the warehouse: "
                        "its checklist is copied). Appended after the items the work order has; answers the "
                        "whole checklist. Managers and admins. A completed or cancelled work order, or a PM work "
                        "order (its checklist is its template's), answers 409; an unknown template, or one "
                        "without a checklist, 400 on fromTemplateId. Item ids (itemId) stay unique on the work "
                        "order: a clash gets a suffix (-2). Records work_order.updated with "
                        "changes.checklistItems {from, to} (the item counts).")
def add_checklist_items(work_order_id: str):
    items = service.add_items(actor(), work_order_id, json_body(ChecklistAdd))
    return jsonify(WorkOrderChecklistItemOut.dump_many(items)), 201


@api.patch("/work-orders/<work_order_id>/checklist/<item_id>")
@documented(summary="Tick a checklist item, record its value or a note", body=ChecklistItemUpdate,
            response=WorkOrderChecklistItemOut, permission="work_orders.update",
            description="Recording a value marks the item done unless done:false is sent. Measurements outside "
                        "min/max and failed pass/fail checks are flagged. Completing a work order whose "
                        "required items are not done answers 409 naming them.")
def update_checklist_item(work_order_id: str, item_id: str):
    item = service.update_item(actor(), work_order_id, item_id, json_body(ChecklistItemUpdate))
    return jsonify(WorkOrderChecklistItemOut.dump(item))


@api.post("/work-orders/<work_order_id>/checklist/<item_id>/follow-up")
@documented(summary="Create the follow-up work order of a flagged checklist item", response=FollowUpCreated,
            status=201, permission="work_orders.update",
            other_responses={200: "The item already had its follow-up: that one, with created false"},
            description="For an item whose reading is out of min/max or a fail (else 409). No body: the follow-up "
                        "is prefilled (same asset, the parent's priority, corrective, `new`; title and description "
                        "from the item and its reading, with a link to the parent) and can be edited afterwards. "
                        "Once per item: when the item already has its follow-up, that one is answered with 200 and "
                        "created false. Records work_order.created and work_order.follow_up_created. Who may: "
                        "whoever may record work on the parent (its technician, managers, admins).")
def create_follow_up(work_order_id: str, item_id: str):
    wo, created = service.create_follow_up(actor(), work_order_id, item_id)
    body = FollowUpCreated.dump({"work_order": WorkOrderOut.model_validate(wo), "created": created,
                                 "parent_id": work_order_id, "item_id": item_id})
    return jsonify(body), 201 if created else 200


@api.get("/work-orders/<work_order_id>/follow-ups")
@documented(summary="The follow-up work orders raised from a work order's checklist", response=list[WorkOrderOut],
            description="Oldest first; each has parentId set to this work order.")
def list_follow_ups(work_order_id: str):
    return jsonify(WorkOrderOut.dump_many(follow_ups.follow_ups_of(actor(), work_order_id)))


@api.get("/work-orders/<work_order_id>/labor")
@documented(summary="Labor booked on a work order", response=LaborList)
def list_labor(work_order_id: str):
    entries, total = labor_service.list_labor(actor(), work_order_id)
    return jsonify(LaborList.dump({"entries": entries, "actual_duration": total}))


@api.post("/work-orders/<work_order_id>/labor")
@documented(summary="Book labor minutes on a work order", body=LaborCreate, response=LaborOut, status=201,
            permission="work_orders.update",
            description="userId defaults to the caller; technicians book their own time on work orders assigned "
                        "to them. The work order's actualDuration is the sum of its labor minutes.")
def add_labor(work_order_id: str):
    entry, total = labor_service.add_labor(actor(), work_order_id, json_body(LaborCreate))
    return jsonify(LaborOut.dump(entry, actualDuration=total)), 201
