from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body
from portal.schemas.pm import ChecklistItemUpdate, LaborCreate, LaborList, LaborOut, WorkOrderChecklistItemOut
from portal.services.work_orders import checklists as service
from portal.services.work_orders import labor as labor_service


@api.get("/work-orders/<work_order_id>/checklist")
@documented(summary="The checklist of a work order", response=list[WorkOrderChecklistItemOut])
def get_checklist(work_order_id: str):
    return jsonify(WorkOrderChecklistItemOut.dump_many(service.get_checklist(actor(), work_order_id)))


@api.patch("/work-orders/<work_order_id>/checklist/<item_id>")
@documented(summary="Tick a checklist item, record its value or a note", body=ChecklistItemUpdate,
            response=WorkOrderChecklistItemOut, permission="work_orders.update",
            description="Recording a value marks the item done unless done:false is sent. Measurements outside "
                        "min/max and failed pass/fail checks are flagged. Completing a work order whose "
                        "required items are not done answers 409 naming them.")
def update_checklist_item(work_order_id: str, item_id: str):
    item = service.update_item(actor(), work_order_id, item_id, json_body(ChecklistItemUpdate))
    return jsonify(WorkOrderChecklistItemOut.dump(item))


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
