"""CSV in and out: `/imports` (upload -> preview -> progress -> report, past imports; managers and
admins) and the CSV exports behind the "Export CSV" links of the asset, stock and work order lists.
Every rule lives in services/data_exchange/ (imports.py, import_runs.py, exports.py), as for the API."""
from __future__ import annotations

from flask import Response, current_app, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal.platform.http.security import body_limit
from portal.platform.http.serving import csv_download
from portal.schemas.equipment import EquipmentQuery
from portal.schemas.parts import PartQuery
from portal.schemas.work_orders import WorkOrderQuery
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, ValidationFailed
from portal.services.data_exchange import exports as export_service
from portal.services.data_exchange import imports as service
from portal.services.data_exchange.columns import COLUMNS, KEY_COLUMN
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render, wants_fragment
from portal.web.work_orders import LIST_FILTERS

KINDS = (("assets", "Assets"), ("parts", "Parts (stock)"))
PAST_PAGE = 20


def _actor() -> Actor:
    return Actor.of(current_user.user)


def _errors_of(exc: DomainError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for item in exc.errors:
        errors.setdefault(item.get("field") or "file", item["message"])
    return errors or {"file": exc.message}


def _index(errors: dict | None = None, values: dict | None = None, status: int = 200) -> Response:
    page = service.list_imports(_actor(), max(1, min(request.args.get("page", 1, type=int), 100_000)), PAST_PAGE)
    return render("imports/index.html", status=status, page=page, errors=errors or {}, values=values or {},
                  kinds=KINDS, columns=COLUMNS, keys=KEY_COLUMN,
                  max_bytes=current_app.config["MAX_IMPORT_BYTES"], max_rows=current_app.config["MAX_IMPORT_ROWS"])


@web.get("/imports")
@login_required
def imports() -> Response:
    return _index()


@web.post("/imports")
@login_required
@body_limit(service.upload_body_limit)
def import_upload() -> Response:
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    chosen = upload is not None and bool(upload.filename)
    try:
        job = service.create_import(_actor(), kind, upload.filename if chosen else None,
                                    upload.read() if chosen else None, start=False)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _index(_errors_of(exc), {"kind": kind}, 422)
    return redirect(url_for("web.import_detail", import_id=job.id), 303)


def _context(job) -> dict:
    ctx: dict = {"job": job}
    if job.status in ("done", "failed"):
        ctx["refused"] = service.refusals(job, limit=200)
    return ctx


@web.get("/imports/<import_id>")
@login_required
def import_detail(import_id: str) -> Response:
    actor = _actor()
    job = service.get_import(actor, import_id)
    ctx = _context(job)
    if job.status == "pending":
        ctx["preview"] = service.preview(actor, import_id)
    return render("imports/detail.html", **ctx)


@web.post("/imports/<import_id>/start")
@login_required
def import_start(import_id: str) -> Response:
    service.start_import(_actor(), import_id)
    return redirect(url_for("web.import_detail", import_id=import_id), 303)


@web.get("/imports/<import_id>/progress")
@login_required
def import_progress(import_id: str) -> Response:
    """The self-replacing progress element: it polls itself while the import is queued or running,
    and answers the report (without a trigger, so polling stops) once it is done."""
    job = service.get_import(_actor(), import_id)
    if not wants_fragment():  # a bookmarked or reloaded poll URL: the import's page
        return redirect(url_for("web.import_detail", import_id=import_id), 303)
    return render("imports/detail.html", block="status", **_context(job))


@web.get("/imports/<import_id>/refused.csv")
@login_required
def import_refused_csv(import_id: str) -> Response:
    return csv_download(service.refused_csv(_actor(), import_id), f"import-{import_id[:8]}-refused.csv")


def _query(model, args: MultiDict):
    query = form_model(model, args)
    if isinstance(query, dict):
        raise ValidationFailed("Invalid filter", [{"field": k, "message": v} for k, v in query.items()])
    return query


def _filters(names: tuple[str, ...] | None = None) -> MultiDict:
    """The list's filters from the query string (empty ones dropped; paging is irrelevant here)."""
    return MultiDict([(k, v) for k, v in request.args.items(multi=True)
                      if v.strip() and k not in ("page", "limit") and (names is None or k in names)])


@web.get("/assets/export.csv")
@login_required
def assets_export() -> Response:
    query = _query(EquipmentQuery, _filters(("q", "status", "criticality", "area")))
    return csv_download(export_service.export_equipment(_actor(), query), "assets.csv")


@web.get("/parts/export.csv")
@login_required
def parts_export() -> Response:
    args = _filters(("q", "category", "lowStock"))
    if args.get("lowStock") == "on":
        args["lowStock"] = "true"
    return csv_download(export_service.export_parts(_actor(), _query(PartQuery, args)), "parts.csv")


@web.get("/work-orders/export.csv")
@login_required
def work_orders_export() -> Response:
    query = _query(WorkOrderQuery, _filters(LIST_FILTERS))
    return csv_download(export_service.export_work_orders(_actor(), query), "work-orders.csv")
