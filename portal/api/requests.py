"""The requests inbox: problem reports and requesters' requests waiting for a manager
(services/work_orders/requests.py)."""
from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args
from portal.platform.http.serving import send_stored
from portal.schemas.attachments import AttachmentFileQuery
from portal.schemas.requests import RequestApprove, RequestCreate, RequestDecline, RequestMerge, RequestOut, RequestQuery
from portal.services.work_orders import requests as service

ONCE = " A request is decided once: a second decision answers 409."


@api.get("/requests")
@documented(summary="List requests (the inbox)", query=RequestQuery, response=list[RequestOut], permission="requests.review",
            description="Oldest first. A bare JSON array; X-Total-Count and Link (first/prev/next/last) announce the "
                        "pages. `status=pending` is the inbox.")
def list_requests():
    page = service.list_requests(actor(), query_args(RequestQuery))
    return page_response(page, RequestOut.dump_many(page.items))


@api.post("/requests")
@documented(summary="Send a request to the inbox", body=RequestCreate, response=RequestOut, status=201,
            permission="requests.submit",
            description="For warehouses whose requestRouting is `inbox` (GET /api/warehouse); others answer 409: "
                        "create a work order there. A request.created event follows.")
def create_request():
    return jsonify(RequestOut.dump(service.submit_request(actor(), json_body(RequestCreate)))), 201


@api.get("/requests/<request_id>")
@documented(summary="One request", response=RequestOut, permission="requests.review")
def get_request(request_id: str):
    return jsonify(RequestOut.dump(service.get_request(actor(), request_id)))


@api.get("/requests/<request_id>/photo")
@documented(summary="The photo sent with a request (or its thumbnail)", query=AttachmentFileQuery,
            permission="requests.review", description="404 when the request has no photo.",
            response_content={"image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}},
                              "image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}},
                              "image/webp": {"schema": {"type": "string", "contentMediaType": "image/webp"}}})
def get_request_photo(request_id: str):
    query = query_args(AttachmentFileQuery)
    return send_stored(service.open_photo(actor(), request_id, thumb=query.size == "thumb"))


@api.post("/requests/<request_id>/approve")
@documented(summary="Approve a request: a work order is made from it", body=RequestApprove, response=RequestOut,
            permission="requests.review",
            description="The work order (workOrderId in the answer) keeps the reporter (reporterName, reporterContact) "
                        "or the requester (requestedBy) and the photo (its attachments); work_order.created then "
                        "request.approved follow." + ONCE)
def approve_request(request_id: str):
    req, _ = service.approve(actor(), request_id, json_body(RequestApprove))
    return jsonify(RequestOut.dump(req))


@api.post("/requests/<request_id>/merge")
@documented(summary="Merge a request into an open work order of the same asset", body=RequestMerge, response=RequestOut,
            permission="requests.review",
            description="Its text becomes a comment on the work order and its photo an attachment; request.merged "
                        "follows. A closed work order or one of another asset answers 409, another warehouse's 404."
                        + ONCE)
def merge_request(request_id: str):
    req, _ = service.merge(actor(), request_id, json_body(RequestMerge))
    return jsonify(RequestOut.dump(req))


@api.post("/requests/<request_id>/decline")
@documented(summary="Decline a request, with a reason the reporter sees", body=RequestDecline, response=RequestOut,
            permission="requests.review",
            description="The reporter's status link shows \"Declined: <reason>\"; request.declined follows." + ONCE)
def decline_request(request_id: str):
    return jsonify(RequestOut.dump(service.decline(actor(), request_id, json_body(RequestDecline))))
