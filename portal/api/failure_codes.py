"""The failure catalogue (ISO 14224): GET/POST /api/failure-codes, PATCH/DELETE /api/failure-codes/{id},
and its CSV export and import."""
from __future__ import annotations

from flask import Response, jsonify, request

from portal.api.blueprint import api
from portal.api.common import UnsupportedMediaType, actor, documented, json_body, query_args
from portal.platform.http.security import body_limit, read_body
from portal.schemas.failure_codes import (
    FailureCodeCreate,
    FailureCodeImportOut,
    FailureCodeOut,
    FailureCodeQuery,
    FailureCodeUpdate,
)
from portal.services.common.errors import field_error
from portal.services.data_exchange import imports as import_service
from portal.services.work_orders import failure_codes as service

CSV_TEXT = ", ".join(service.CSV_COLUMNS)


@api.get("/failure-codes")
@documented(summary="The failure catalogue: modes, causes, remedies", query=FailureCodeQuery,
            response=list[FailureCodeOut],
            description="Per kind, in code order. Work orders carry these codes as failureMode, failureCause and "
                        "failureRemedy. A code with equipmentClasses is offered only for assets of those classes. "
                        "Retired codes (active false) only with includeRetired=true. Every new warehouse starts "
                        "with a default ISO 14224-style set.")
def list_failure_codes():
    return jsonify(FailureCodeOut.dump_many(service.list_codes(actor(), query_args(FailureCodeQuery))))


@api.post("/failure-codes")
@documented(summary="Add a failure code", body=FailureCodeCreate, response=FailureCodeOut, status=201,
            permission="failure_codes.manage",
            description="The code is stored upper-case and never changes; the same code again in the same kind: 409.")
def create_failure_code():
    return jsonify(FailureCodeOut.dump(service.create_code(actor(), json_body(FailureCodeCreate)))), 201


@api.patch("/failure-codes/<code_id>")
@documented(summary="Change a failure code's label or classes, retire it or offer it again",
            body=FailureCodeUpdate, response=FailureCodeOut, permission="failure_codes.manage")
def update_failure_code(code_id: str):
    return jsonify(FailureCodeOut.dump(service.update_code(actor(), code_id, json_body(FailureCodeUpdate))))


@api.delete("/failure-codes/<code_id>")
@documented(summary="Delete a failure code, or retire it when work orders carry it", response=FailureCodeOut,
            permission="failure_codes.manage", other_responses={204: "Deleted: no work order carried it"},
            description="204 when no work order carries it; otherwise it is retired (200 with the code, active "
                        "false): no longer offered, still shown on the work orders that carry it.")
def delete_failure_code(code_id: str):
    row = service.delete_code(actor(), code_id)
    if row is None:
        return "", 204
    return jsonify(FailureCodeOut.dump(row))


@api.get("/failure-codes/export")
@documented(summary="Export the failure catalogue as CSV", permission="failure_codes.manage",
            response_content={"text/csv": {"schema": {"type": "string"}}},
            description=f"Columns {CSV_TEXT}; retired codes too; equipmentClasses joined with |. The file imports "
                        "again unchanged.")
def export_failure_codes():
    resp = Response(service.export_csv(actor()), mimetype="text/csv")
    resp.headers["Content-Disposition"] = 'attachment; filename="failure-codes.csv"'
    return resp


@api.post("/failure-codes/import")
@body_limit(import_service.upload_body_limit)
@documented(summary="Import failure codes from CSV", response=FailureCodeImportOut,
            permission="failure_codes.manage",
            description=f"Columns {CSV_TEXT} (kind, code and label required; equipmentClasses joined with |; active "
                        "true by default). A code of the file that exists is updated (label, classes, active), a new "
                        "one created; codes not in the file are left alone. All rows or none: any bad line answers "
                        "400 with one error per line (field `line N`) and nothing is imported. multipart/form-data "
                        "(part `file`) or the raw text/csv body.",
            request_content={
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "contentMediaType": "text/csv"}}}},
                "text/csv": {"schema": {"type": "string"}}},
            other_responses={413: "File larger than MAX_IMPORT_BYTES",
                             415: "Body is neither multipart/form-data nor text/csv"})
def import_failure_codes():
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise field_error("file", "Field required: a multipart part named `file`")
        content = upload.read()
    elif request.mimetype == "text/csv":
        content = read_body()
    else:
        raise UnsupportedMediaType(None, [{"field": "Content-Type",
                                           "message": "Send multipart/form-data (part `file`) or text/csv"}])
    return jsonify(FailureCodeImportOut.dump(service.import_csv(actor(), content)))
