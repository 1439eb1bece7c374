from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args
from portal.schemas.pm import (
    ComplianceOut,
    ComplianceQuery,
    MeterReadingCreate,
    MeterReadingCreated,
    MeterReadingOut,
    MeterReadingQuery,
    PMTemplateCreate,
    PMTemplateOut,
    PMTemplateQuery,
    PMTemplateUpdate,
)
from portal.services.assets import meters as meter_service
from portal.services.pm import templates as service
from portal.services.reporting import kpis as kpi_service
from portal.services.reporting import reads as reporting_reads

SCHEDULING = (
    "calendar: due every `frequency` days, counted from the last completion (before the first one: from "
    "startDate; equipment that joins later takes the next occurrence after joining); the work order is "
    "created `leadDays` before its due date. A missed run creates one work order, not a pile. "
    "meter: due when a reading of `meter` reaches the reading at the last PM + `frequency` "
    "(counting starts with the latest reading when the equipment joins, or its first reading). "
    "At most one open PM work order per template and equipment."
)


@api.get("/pm-templates")
@documented(summary="List PM templates", query=PMTemplateQuery, response=list[PMTemplateOut], permission="pm.read")
def list_pm_templates():
    page = service.list_templates(actor(), query_args(PMTemplateQuery))
    return page_response(page, PMTemplateOut.dump_many(service.describe_templates(page.items)))


@api.post("/pm-templates")
@documented(summary="Create a PM template", body=PMTemplateCreate, response=PMTemplateOut, status=201,
            permission="pm.write", description=SCHEDULING)
def create_pm_template():
    template = service.create_template(actor(), json_body(PMTemplateCreate))
    return jsonify(PMTemplateOut.dump(service.describe_template(template))), 201


@api.get("/pm-templates/<template_id>")
@documented(summary="One PM template with its schedule per equipment", response=PMTemplateOut, permission="pm.read")
def get_pm_template(template_id: str):
    return jsonify(PMTemplateOut.dump(service.describe_template(service.get_template(actor(), template_id))))


@api.patch("/pm-templates/<template_id>")
@documented(summary="Update a PM template", body=PMTemplateUpdate, response=PMTemplateOut, permission="pm.write",
            description="equipmentIds and checklist replace the current lists. `active: false` stops scheduling; "
                        "open PM work orders stay. A changed checklist applies to work orders created afterwards.")
def update_pm_template(template_id: str):
    template = service.update_template(actor(), template_id, json_body(PMTemplateUpdate))
    return jsonify(PMTemplateOut.dump(service.describe_template(template)))


@api.delete("/pm-templates/<template_id>")
@documented(summary="Delete a PM template, or deactivate it once work orders exist", response=PMTemplateOut,
            permission="pm.write", other_responses={204: "Deleted: no work order was ever created from it"},
            description="204 when no work order was ever created from it; otherwise it is deactivated "
                        "(200 with the template, active false) so the PM history keeps its template.")
def delete_pm_template(template_id: str):
    template = service.delete_template(actor(), template_id)
    if template is None:
        return "", 204
    return jsonify(PMTemplateOut.dump(service.describe_template(template)))


@api.get("/equipment/<equipment_id>/meter-readings")
@documented(summary="Meter readings of a piece of equipment (newest first)", query=MeterReadingQuery,
            response=list[MeterReadingOut], permission="equipment.read")
def list_meter_readings(equipment_id: str):
    page = meter_service.list_readings(actor(), equipment_id, query_args(MeterReadingQuery))
    return page_response(page, MeterReadingOut.dump_many(page.items))


@api.post("/equipment/<equipment_id>/meter-readings")
@documented(summary="Record a meter reading", body=MeterReadingCreate, response=MeterReadingCreated, status=201,
            permission=meter_service.RECORD_PERMISSION,
            description="A value lower than an earlier reading of the same meter (or higher than a later one) "
                        "answers 400. Reaching a meter PM template's threshold creates its work order in the "
                        "same transaction; their ids are in pmWorkOrderIds.")
def record_meter_reading(equipment_id: str):
    reading, created = meter_service.record_reading(actor(), equipment_id, json_body(MeterReadingCreate))
    return jsonify(MeterReadingCreated.dump(reading, pmWorkOrderIds=[wo.id for wo in created])), 201


@api.get("/pm-compliance")
@documented(summary="PM compliance over the last `days` days", query=ComplianceQuery, response=ComplianceOut,
            permission="pm.read", other_responses={404: "equipmentId is not an asset of your warehouse"},
            description=kpi_service.COMPLIANCE_DEFINITION)
def pm_compliance():
    query = query_args(ComplianceQuery)
    return jsonify(reporting_reads.compliance_answer(actor(), query))  # the service keeps it in the read cache
