from __future__ import annotations

from flask import jsonify

from ..schemas.common import PageQuery
from ..schemas.parts import PartCreate, PartOut, PartQuery, PartUpdate, ReorderRequestOut
from ..services import parts as service
from . import api
from .common import actor, documented, json_body, page_response, query_args


@api.get("/parts")
@documented(summary="List parts", query=PartQuery, response=list[PartOut])
def list_parts():
    page = service.list_parts(actor(), query_args(PartQuery))
    return page_response(page, PartOut.dump_many(page.items))


@api.post("/parts")
@documented(summary="Create a part", body=PartCreate, response=PartOut, status=201, permission="parts.write",
            description="partNumber is unique per warehouse (409 otherwise).")
def create_part():
    return jsonify(PartOut.dump(service.create_part(actor(), json_body(PartCreate)))), 201


@api.get("/parts/reorder-requests")
@documented(summary="Reorder requests raised by auto-reorder parts", query=PageQuery, response=list[ReorderRequestOut])
def list_reorder_requests():
    q = query_args(PageQuery)
    page = service.list_reorder_requests(actor(), q.page, q.limit)
    return page_response(page, ReorderRequestOut.dump_many(page.items))


@api.get("/parts/<part_id>")
@documented(summary="One part", response=PartOut)
def get_part(part_id: str):
    return jsonify(PartOut.dump(service.get_part(actor(), part_id)))


@api.patch("/parts/<part_id>")
@documented(summary="Update a part (restock by setting stockLevel)", body=PartUpdate, response=PartOut,
            permission="parts.write")
def update_part(part_id: str):
    return jsonify(PartOut.dump(service.update_part(actor(), part_id, json_body(PartUpdate))))
