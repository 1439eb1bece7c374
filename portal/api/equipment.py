from __future__ import annotations

from flask import jsonify

from ..schemas.equipment import EquipmentCreate, EquipmentOut, EquipmentQuery, EquipmentUpdate
from ..services import equipment as service
from . import api
from .common import actor, documented, json_body, page_response, query_args


@api.get("/equipment")
@documented(summary="List equipment", query=EquipmentQuery, response=list[EquipmentOut])
def list_equipment():
    page = service.list_equipment(actor(), query_args(EquipmentQuery))
    return page_response(page, EquipmentOut.dump_many(page.items))


@api.post("/equipment")
@documented(summary="Register equipment", body=EquipmentCreate, response=EquipmentOut, status=201,
            permission="equipment.write", description="assetTag is unique per warehouse (409 otherwise).")
def create_equipment():
    return jsonify(EquipmentOut.dump(service.create_equipment(actor(), json_body(EquipmentCreate)))), 201


@api.get("/equipment/<equipment_id>")
@documented(summary="One piece of equipment", response=EquipmentOut)
def get_equipment(equipment_id: str):
    return jsonify(EquipmentOut.dump(service.get_equipment(actor(), equipment_id)))


@api.patch("/equipment/<equipment_id>")
@documented(summary="Update equipment", body=EquipmentUpdate, response=EquipmentOut, permission="equipment.write")
def update_equipment(equipment_id: str):
    return jsonify(EquipmentOut.dump(service.update_equipment(actor(), equipment_id, json_body(EquipmentUpdate))))
