from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args, sync_response
from portal.schemas.common import PageQuery
from portal.schemas.parts import (
    PartCreate,
    PartOut,
    PartQuery,
    PartRequestCreate,
    PartRequestQuery,
    PartUpdate,
    ReorderReceiptCreate,
    ReorderReceiptCreated,
    ReorderReceiptOut,
    ReorderRequestOut,
    ReorderRequestQuery,
    ReorderRequestReceived,
    StockMovementCreate,
    StockMovementOut,
)
from portal.services.inventory import parts as service
from portal.services.inventory import requests as request_service


@api.get("/parts")
@documented(summary="List parts", query=PartQuery, response=list[PartOut])
def list_parts():
    query = query_args(PartQuery)
    if query.cursor:
        synced = service.sync_parts(actor(), query)
        return sync_response(synced, PartOut.dump_many(synced.items))
    page = service.list_parts(actor(), query)
    return page_response(page, PartOut.dump_many(page.items))


@api.post("/parts")
@documented(summary="Create a part", body=PartCreate, response=PartOut, status=201, permission="parts.write",
            description="partNumber is unique per warehouse (409 otherwise).")
def create_part():
    return jsonify(PartOut.dump(service.create_part(actor(), json_body(PartCreate)))), 201


@api.get("/parts/reorder-requests")
@documented(summary="Reorder requests: automatic, and requested for work orders", query=ReorderRequestQuery,
            response=list[ReorderRequestOut], description="Newest first; filter with status. A request made "
                                                          "for a work order carries workOrderId and requestedBy.")
def list_reorder_requests():
    q = query_args(ReorderRequestQuery)
    page = service.list_reorder_requests(actor(), q.page, q.limit, q.status)
    return page_response(page, ReorderRequestOut.dump_many(page.items))


@api.get("/parts/<part_id>")
@documented(summary="One part", response=PartOut)
def get_part(part_id: str):
    return jsonify(service.part_answer(actor(), part_id))  # the service keeps it in the read cache


@api.patch("/parts/<part_id>")
@documented(summary="Update a part", body=PartUpdate, response=PartOut, permission="parts.write",
            description="stockLevel is not writable here (400): stock changes through "
                        "POST /api/parts/{id}/stock-movements.")
def update_part(part_id: str):
    return jsonify(PartOut.dump(service.update_part(actor(), part_id, json_body(PartUpdate))))


@api.post("/parts/<part_id>/stock-movements")
@documented(summary="Receive, adjust or count stock", body=StockMovementCreate, response=StockMovementOut,
            status=201, permission="parts.receive",
            description="Applied as a relative change under the part's row lock, so concurrent consumption "
                        "is never lost. receipt: quantity > 0 (admin, manager, technician); adjustment: signed "
                        "quantity != 0 (admin, manager); count: quantity is the counted level >= 0, the "
                        "movement records the difference (admin, manager). An adjustment below zero stock "
                        "answers 409. Low-stock and reorder events follow as for consumption. A receipt with "
                        "reorderRequestId is applied to that open or ordered request of the same part in the "
                        "same transaction (as POST /api/reorder-requests/{id}/receipts): a closed request, or "
                        "more than remains on it without moreThanOrdered, answers 409 and books nothing; "
                        "another part's or warehouse's request answers 400.")
def create_stock_movement(part_id: str):
    data = json_body(StockMovementCreate)
    movement = service.record_stock_movement(actor(), part_id, data)
    return jsonify(StockMovementOut.dump(movement, reorderRequestId=data.reorder_request_id)), 201


@api.get("/parts/<part_id>/stock-movements")
@documented(summary="The part's stock ledger, newest first", query=PageQuery, response=list[StockMovementOut],
            description="Every change of the stock level: initial level, receipts, adjustments, counts and "
                        "consumption on work orders. The quantities sum to the current stockLevel.")
def list_stock_movements(part_id: str):
    q = query_args(PageQuery)
    page = service.list_stock_movements(actor(), part_id, q.page, q.limit)
    applied = service.applied_requests([m.id for m in page.items])
    return page_response(page, [StockMovementOut.dump(m, reorderRequestId=applied.get(m.id)) for m in page.items])


@api.get("/reorder-requests/<request_id>")
@documented(summary="One reorder request", response=ReorderRequestOut)
def get_reorder_request(request_id: str):
    return jsonify(ReorderRequestOut.dump(service.get_reorder_request(actor(), request_id)))


@api.post("/reorder-requests/<request_id>/ordered")
@documented(summary="Mark a reorder request ordered", response=ReorderRequestOut, permission="parts.write",
            description="open -> ordered (the purchase was placed); records orderedAt and orderedBy. "
                        "A request that is not open answers 409.")
def mark_reorder_ordered(request_id: str):
    return jsonify(ReorderRequestOut.dump(service.mark_reorder_ordered(actor(), request_id)))


@api.post("/reorder-requests/<request_id>/received")
@documented(summary="Receive a reorder request", body=ReorderRequestReceived, response=ReorderRequestOut,
            permission="parts.receive",
            description="open or ordered -> received: books in what remains on the request (its whole "
                        "quantity when nothing was received yet) as one receipt stock movement "
                        "(stockMovementId), in the same transaction. Receiving a request twice answers 409 and "
                        "books nothing more, even when both arrive at once. The body is optional. Partial "
                        "deliveries: POST /api/reorder-requests/{id}/receipts.")
def mark_reorder_received(request_id: str):
    body = json_body(ReorderRequestReceived)
    return jsonify(ReorderRequestOut.dump(service.mark_reorder_received(actor(), request_id, body.note)))


@api.post("/reorder-requests/<request_id>/receipts")
@documented(summary="Receive goods against a reorder request (all or part of it)", body=ReorderReceiptCreate,
            response=ReorderReceiptCreated, status=201, permission="parts.receive",
            description="Books a receipt stock movement of quantity (omitted: what remains) and applies it to "
                        "the request in one transaction: receivedQuantity grows, remainingQuantity shrinks, and "
                        "the request closes (status received) when nothing remains. More than remains answers "
                        "409 unless moreThanOrdered is true; a closed request answers 409. Two receipts at "
                        "once are counted one after the other under the request's row lock. Records "
                        "reorder_request.received (and inventory.low_stock re-arms as for any receipt). "
                        "Purchase orders are not part of the API yet.")
def receive_against_request(request_id: str):
    receipt = service.receive_against_request(actor(), request_id, json_body(ReorderReceiptCreate))
    return jsonify(ReorderReceiptCreated.dump(receipt)), 201


@api.get("/reorder-requests/<request_id>/receipts")
@documented(summary="The receipts booked against a reorder request", response=list[ReorderReceiptOut],
            description="Oldest first; their quantities add up to the request's receivedQuantity.")
def list_receipts(request_id: str):
    return jsonify(ReorderReceiptOut.dump_many(service.list_receipts(actor(), request_id)))


@api.post("/work-orders/<work_order_id>/part-requests")
@documented(summary="Request a part for a work order", body=PartRequestCreate, response=ReorderRequestOut,
            status=201, permission="parts.request",
            description="Asks the storeroom for a part the work order needs (out of stock or short): an open "
                        "reorder request with workOrderId and requestedBy, listed with the others at "
                        "GET /api/parts/reorder-requests and marked ordered and received the same way. "
                        "Technicians only on the work orders assigned to them (403). One open request per "
                        "work order and part: asking again while it is open sets the new quantity on it and "
                        "answers 200 (201 when created); the same quantity again changes nothing. A request "
                        "already ordered, or a completed or cancelled work order, answers 409. An unknown "
                        "partId answers 400. Records parts.requested when created or its quantity changed.",
            other_responses={200: "An open request for this part existed: its quantity is now the one given"})
def request_part(work_order_id: str):
    reorder, created = request_service.request_part(actor(), work_order_id, json_body(PartRequestCreate))
    return jsonify(ReorderRequestOut.dump(reorder)), 201 if created else 200


@api.get("/work-orders/<work_order_id>/part-requests")
@documented(summary="The parts requested for a work order", query=PartRequestQuery,
            response=list[ReorderRequestOut],
            description="Oldest first, with their state: open (requested), ordered, received; filter with status.")
def list_part_requests(work_order_id: str):
    q = query_args(PartRequestQuery)
    page = request_service.list_part_requests(actor(), work_order_id, q.page, q.limit, q.status)
    return page_response(page, ReorderRequestOut.dump_many(page.items))
