from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args, sync_response
from portal.schemas.common import PageQuery
from portal.schemas.equipment import DowntimePeriodOut, EquipmentCreate, EquipmentOut, EquipmentQuery, EquipmentStatusChange, EquipmentUpdate
from portal.services.assets import equipment as service


@api.get("/equipment")
@documented(summary="List equipment", query=EquipmentQuery, response=list[EquipmentOut])
def list_equipment():
    query = query_args(EquipmentQuery)
    if query.cursor:
        synced = service.sync_equipment(actor(), query)
        return sync_response(synced, EquipmentOut.dump_many(synced.items))
    page = service.list_equipment(actor(), query)
    return page_response(page, EquipmentOut.dump_many(page.items))


@api.post("/equipment")
@documented(summary="Register equipment", body=EquipmentCreate, response=EquipmentOut, status=201,
            permission="equipment.write", description="assetTag is unique per warehouse (409 otherwise).")
def create_equipment():
    return jsonify(EquipmentOut.dump(service.create_equipment(actor(), json_body(EquipmentCreate)))), 201


@api.get("/equipment/<equipment_id>")
@documented(summary="One piece of equipment", response=EquipmentOut)
def get_equipment(equipment_id: str):
    return jsonify(service.equipment_answer(actor(), equipment_id))  # the service keeps it in the read cache


@api.patch("/equipment/<equipment_id>")
@documented(summary="Update equipment", body=EquipmentUpdate, response=EquipmentOut, permission="equipment.write")
def update_equipment(equipment_id: str):
    return jsonify(EquipmentOut.dump(service.update_equipment(actor(), equipment_id, json_body(EquipmentUpdate))))


@api.post("/equipment/<equipment_id>/status")
@documented(summary="Mark equipment down or back up", body=EquipmentStatusChange, response=EquipmentOut,
            permission="equipment.status",
            description="Changing to `down` opens a downtime period (with reason and workOrderId); leaving `down` "
                        "closes it. Emits equipment.status_changed with previousStatus, status, reason and "
                        "workOrderId. The same status again changes nothing. PATCH of status does the same "
                        "bookkeeping, without a reason.")
def change_equipment_status(equipment_id: str):
    return jsonify(EquipmentOut.dump(service.change_status(actor(), equipment_id, json_body(EquipmentStatusChange))))


@api.get("/equipment/<equipment_id>/downtime")
@documented(summary="Downtime periods of the equipment, newest first", query=PageQuery,
            response=list[DowntimePeriodOut],
            description="Recorded periods during which the asset did not run; endedAt is null while it is down. "
                        "MTBF, MTTR and availability in /api/kpis are computed from these.")
def list_downtime(equipment_id: str):
    q = query_args(PageQuery)
    page = service.list_downtime(actor(), equipment_id, q.page, q.limit)
    return page_response(page, DowntimePeriodOut.dump_many(page.items))
