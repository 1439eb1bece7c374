from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args, sync_response
from portal.schemas.work_orders import (
    ConsumeParts,
    ConsumptionOut,
    HistoryOut,
    PartUsageOut,
    WorkOrderBulkAssign,
    WorkOrderBulkUpdate,
    WorkOrderCreate,
    WorkOrderDetailOut,
    WorkOrderExpandedOut,
    WorkOrderOut,
    WorkOrderQuery,
    WorkOrderReadQuery,
    WorkOrderUpdate,
)
from portal.services.common.querying import Page
from portal.services.inventory import parts as parts_service
from portal.services.work_orders import lifecycle as service
from portal.services.work_orders import reads
from portal.services.work_orders.expansions import expand

# The detail writes its rows without a pydantic model per row: the same fields, names and
# formats as the models' dump() (generated from them; tests/test_speed_paths.py).
_work_order_json = WorkOrderOut.row_dumper()
_part_json = PartUsageOut.row_dumper()
_history_json = HistoryOut.row_dumper()


def _detail(work_order_id: str, expansions: list[str] | None = None) -> dict:
    d = reads.work_order_detail_rows(actor(), work_order_id)
    answer = {
        **_work_order_json(d["work_order"]),
        "parts": [_part_json(p) for p in d["parts"]],
        "history": [_history_json(h) for h in d["history"]],
    }
    others = [name for name in expansions or () if name != "parts"]  # the detail always has its parts
    return expand([answer], others)[0] if others else answer


@api.get("/work-orders")
@documented(summary="List work orders", query=WorkOrderQuery, response=list[WorkOrderExpandedOut],
            description="A bare JSON array; X-Total-Count and Link (first/prev/next/last) announce the pages.")
def list_work_orders():
    who, query = actor(), query_args(WorkOrderQuery)
    if query.cursor:
        synced = reads.sync_answer(who, query)
        return sync_response(synced, synced.items)
    answer = reads.list_answer(who, query)  # the portal's list reads the same, from the same cache entry
    return page_response(Page(items=[], total=answer["total"], page=query.page, limit=query.limit,
                                     exact=answer.get("exact", True)), answer["items"])


@api.post("/work-orders")
@documented(summary="Create a work order", body=WorkOrderCreate, response=WorkOrderOut, status=201,
            permission="work_orders.create",
            description="Status is `new`, or `assigned` when assignedTo is given (managers and admins only).")
def create_work_order():
    wo = service.create_work_order(actor(), json_body(WorkOrderCreate))
    return jsonify(WorkOrderOut.dump(wo)), 201


@api.get("/work-orders/<work_order_id>")
@documented(summary="One work order with its parts, costs and history", query=WorkOrderReadQuery,
            response=WorkOrderDetailOut)
def get_work_order(work_order_id: str):
    return jsonify(_detail(work_order_id, query_args(WorkOrderReadQuery).expand))


@api.patch("/work-orders/<work_order_id>")
@documented(summary="Update a work order", body=WorkOrderUpdate, response=WorkOrderDetailOut,
            permission="work_orders.update",
            description=(
                "Allowed status changes (anything else answers 409): new → assigned, in_progress, on_hold,"
                " completed, cancelled; assigned → new, in_progress, on_hold, completed, cancelled;"
                " in_progress → assigned, on_hold, completed, cancelled; on_hold → assigned, in_progress,"
                " cancelled; completed and cancelled are final (completionNotes may still be corrected)."
                " A technician who starts or completes an unassigned work order becomes its assignee."
                " Rights are checked on the fields whose value changes: a technician may change status,"
                " description and completionNotes; other fields sent unchanged are accepted."
                " holdReason (only with status on_hold) is recorded in the history as changes.holdReason;"
                " holdReasonCode (optional, only with status on_hold, one of the warehouse's hold reason"
                " codes) as changes.holdReasonCode."))
def update_work_order(work_order_id: str):
    service.update_work_order(actor(), work_order_id, json_body(WorkOrderUpdate))
    return jsonify(_detail(work_order_id))


@api.post("/work-orders/bulk-assign")
@documented(summary="Assign many work orders at once (all or nothing)", body=WorkOrderBulkAssign,
            response=list[WorkOrderOut], permission="work_orders.assign",
            description=("One transaction: every id is checked to be in your warehouse first (404 for the lot "
                         "otherwise), then each work order is assigned as a PATCH of assignedTo would; any "
                         "refusal rolls back all. Answers the work orders in the order of `ids`."))
def bulk_assign_work_orders():
    data = json_body(WorkOrderBulkAssign)
    done = service.bulk_assign(actor(), data.ids, data.assigned_to)
    return jsonify(WorkOrderOut.dump_many(done))


@api.post("/work-orders/bulk")
@documented(summary="Change many work orders alike: assignee, status, priority, due date (all or nothing)",
            body=WorkOrderBulkUpdate, response=list[WorkOrderOut], permission="work_orders.assign",
            description=("One transaction: every id is checked to be in your warehouse first (404 for the lot "
                         "otherwise), then each work order changes as a PATCH with the given fields would (same "
                         "transitions, history rows, work_order.updated events and webhooks); any refusal "
                         "rolls back all, its `ids[n]` named in the errors. Fields left out are not touched; "
                         "assignedTo and dueDate null clear them. Answers the work orders in the order of `ids`."))
def bulk_update_work_orders():
    data = json_body(WorkOrderBulkUpdate)
    values = {name: getattr(data, name) for name in data.model_fields_set if name != "ids"}
    done = service.bulk_update(actor(), data.ids, values)
    return jsonify(WorkOrderOut.dump_many(done))


@api.post("/parts/consume")
@documented(summary="Consume parts on a work order (all or nothing)", body=ConsumeParts, response=ConsumptionOut,
            status=201, permission="parts.consume",
            description="Insufficient stock answers 409 naming every short part; nothing is taken then.")
def consume_parts():
    result = parts_service.consume_parts(actor(), json_body(ConsumeParts))
    return jsonify(ConsumptionOut.dump(result)), 201
