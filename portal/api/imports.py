"""CSV imports: POST /api/imports (202, runs on the worker), GET /api/imports[/{id}[/refused.csv]]."""
from __future__ import annotations

from flask import jsonify, request

from portal.api.blueprint import api
from portal.api.common import UnsupportedMediaType, actor, documented, page_response, query_args
from portal.platform.http.security import body_limit, read_body
from portal.platform.http.serving import csv_download
from portal.schemas.imports import ImportDetailOut, ImportListQuery, ImportOut, ImportUploadQuery
from portal.services.common.errors import ValidationFailed, field_error
from portal.services.data_exchange import imports as service
from portal.services.data_exchange.columns import COLUMNS

UPLOAD_DESCRIPTION = (
    "Upload a CSV of assets or parts: multipart/form-data with a part `file` and a field `kind` (or `?kind=`), "
    "or the raw file as `text/csv` with `?kind=`. Answers 202 with the import and its `Location`; a worker "
    "runs it (queue `imports`): poll GET /api/imports/{id} until status is done. The first line names the "
    "columns, the API's field names matched case-insensitively ignoring spaces, `_` and `-` (assets: "
    + ", ".join(COLUMNS["assets"]) + "; parts: " + ", ".join(COLUMNS["parts"]) + "); "
    "other columns are ignored. assetTag / partNumber is required: a row whose key exists in your warehouse "
    "updates it with its non-empty cells (PATCH rules; a part's stockLevel must then equal its current "
    "level, stock changes through stock movements), otherwise it is created (POST rules). Each row is "
    "validated like the API's create/update bodies and written whole or not at all; refused rows are "
    "reported with their line and reason, the others are kept. Events and webhooks fire as for the API. "
    "UTF-8 (a BOM is fine; other bytes are read as Windows-1252); comma, semicolon or tab separated. "
    "At most MAX_IMPORT_BYTES (default 5 MiB) and MAX_IMPORT_ROWS rows (default 10,000): 413 above, "
    "nothing stored. A file without the key column, empty, or without rows: 400. Admins and managers.")


@api.post("/imports")
@body_limit(service.upload_body_limit)
@documented(summary="Import assets or parts from CSV", query=ImportUploadQuery, response=ImportOut, status=202,
            permission="imports.manage", description=UPLOAD_DESCRIPTION,
            request_content={
                "multipart/form-data": {"schema": {
                    "type": "object", "required": ["file"],
                    "properties": {"file": {"type": "string", "contentMediaType": "text/csv",
                                            "description": "The CSV file"},
                                   "kind": {"type": "string", "enum": ["assets", "parts"]}}}},
                "text/csv": {"schema": {"type": "string", "description": "The CSV file itself (with ?kind=)"}}},
            other_responses={413: "File larger than MAX_IMPORT_BYTES or with more than MAX_IMPORT_ROWS rows",
                             415: "Body is neither multipart/form-data nor text/csv"})
def create_import():
    query = query_args(ImportUploadQuery)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise field_error("file", "Field required: a multipart part named `file`")
        kind = request.form.get("kind") or query.kind
        content, name = upload.read(), upload.filename
    elif request.mimetype == "text/csv":
        content, name, kind = read_body(), "upload.csv", query.kind
    else:
        raise UnsupportedMediaType(None, [{"field": "Content-Type",
                                           "message": "Send multipart/form-data (part `file`) or text/csv"}])
    if not kind:
        raise ValidationFailed(None, [{"field": "kind", "message": "Field required: assets or parts"}])
    job = service.create_import(actor(), kind, name, content, start=True)
    resp = jsonify(ImportOut.dump(job))
    resp.status_code = 202
    resp.headers["Location"] = f"/api/imports/{job.id}"
    return resp


@api.get("/imports")
@documented(summary="Imports of my warehouse, newest first", query=ImportListQuery, response=list[ImportOut],
            permission="imports.manage")
def list_imports():
    q = query_args(ImportListQuery)
    page = service.list_imports(actor(), q.page, q.limit)
    return page_response(page, ImportOut.dump_many(page.items))


@api.get("/imports/<import_id>")
@documented(summary="One import: status, counters and refused rows", response=ImportDetailOut,
            permission="imports.manage",
            description="Poll while status is queued or running (processedRows of totalRows moves batch by batch). "
                        "Another warehouse's import answers 404.")
def get_import(import_id: str):
    who = actor()
    job = service.get_import(who, import_id)
    return jsonify(ImportDetailOut.dump(job, refused=[{"line": r.line, "reason": r.reason}
                                                      for r in service.refusals(job)]))


@api.get("/imports/<import_id>/refused.csv")
@documented(summary="The refused rows as CSV", permission="imports.manage",
            description="Columns line, reason, then the file's own columns with the refused row's cells: fix the "
                        "rows and upload this file again (line and reason are ignored as unknown columns).",
            response_content={"text/csv": {"schema": {"type": "string"}}},
            other_responses={410: "The import's file is no longer kept (IMPORT_KEEP_DAYS after it finished); "
                                  "the refusals' lines and reasons are in GET /api/imports/{id}"})
def get_import_refused_csv(import_id: str):
    return csv_download(service.refused_csv(actor(), import_id), f"import-{import_id[:8]}-refused.csv")
