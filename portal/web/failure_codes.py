"""/failure-codes (managers and admins): the warehouse's failure catalogue (ISO 14224 modes, causes,
remedies), whether closing a repair needs them, and the catalogue as CSV. Each code is its own
small form; the one refused comes back with its error."""
from __future__ import annotations

from flask import Response as FlaskResponse
from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal.models.enums import FAILURE_CODE_KIND
from portal.schemas.failure_codes import FailureCodeCreate, FailureCodeQuery, FailureCodeUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Forbidden
from portal.services.identity.permissions import can
from portal.services.work_orders import failure_codes as service
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render


def _manager() -> Actor:
    """The page is for those who may edit the catalogue; the services decide again on every post."""
    actor = Actor.of(current_user.user)
    if not can(actor, "failure_codes.manage"):
        raise Forbidden("Only managers and admins edit the failure codes")
    return actor


def _page(actor: Actor, *, status: int = 200, errors: dict[str, str] | None = None, editing: str | None = None,
          form: MultiDict | None = None) -> Response:
    codes = service.list_codes(actor, FailureCodeQuery(includeRetired=True))
    kinds = [(kind, label, [c for c in codes if c.kind == kind and c.active]) for kind, label in FAILURE_CODE_KIND.options]
    return render("failure_codes/index.html", status=status, errors=errors or {}, editing=editing,
                  form=form or MultiDict(), kinds=kinds, retired=[c for c in codes if not c.active],
                  kind_options=FAILURE_CODE_KIND.options, required=service.is_required(actor.warehouse_id))


def _refused(exc: DomainError, default: str = "label") -> dict[str, str]:
    if exc.status in (403, 404):
        raise exc
    return {e["field"]: e["message"] for e in exc.errors} or {default: exc.message}


def _with_classes(form: MultiDict) -> MultiDict:
    """The classes input ("pump, compressor") as the schema's list."""
    data = MultiDict((k, v) for k, v in form.items(multi=True) if k != "equipmentClasses")
    for name in form.get("equipmentClasses", "").replace(";", ",").split(","):
        if name.strip():
            data.add("equipmentClasses", name.strip())
    return data


@web.get("/failure-codes")
@login_required
def failure_codes() -> Response:
    return _page(_manager())


@web.post("/failure-codes")
@login_required
def add_failure_code() -> Response:
    actor = _manager()
    data = form_model(FailureCodeCreate, _with_classes(request.form))
    try:
        if isinstance(data, dict):
            return _page(actor, status=422, errors=data, editing="new", form=request.form)
        row = service.create_code(actor, data)
    except DomainError as exc:
        return _page(actor, status=422, errors=_refused(exc, "code"), editing="new", form=request.form)
    flash(f"{row.code} “{row.label}” added.", "success")
    return redirect(url_for("web.failure_codes"), 303)


@web.post("/failure-codes/<code_id>")
@login_required
def update_failure_code(code_id: str) -> Response:
    """Save the label and classes, or offer a retired code again (active=true)."""
    actor = _manager()
    data = form_model(FailureCodeUpdate, _with_classes(request.form))
    try:
        if isinstance(data, dict):
            return _page(actor, status=422, errors=data, editing=code_id, form=request.form)
        if "equipmentClasses" in request.form and data.equipment_classes is None:
            data.equipment_classes = []  # an emptied classes input: every class
        row = service.update_code(actor, code_id, data)
    except DomainError as exc:
        return _page(actor, status=422, errors=_refused(exc), editing=code_id, form=request.form)
    flash(f"{row.code} is offered again." if data.active else f"{row.code} “{row.label}” saved.", "success")
    return redirect(url_for("web.failure_codes"), 303)


@web.post("/failure-codes/<code_id>/remove")
@login_required
def remove_failure_code(code_id: str) -> Response:
    actor = _manager()
    row = service.delete_code(actor, code_id)
    flash(f"{row.code} retired: no longer offered; the {row.uses} work orders that carry it keep it."
          if row else "Code deleted (no work order carried it).", "success")
    return redirect(url_for("web.failure_codes"), 303)


@web.post("/failure-codes/settings")
@login_required
def failure_code_settings() -> Response:
    actor = _manager()
    required = request.form.get("requireFailureCodes") == "true"
    service.set_required(actor, required)
    flash("Closing a corrective work order now needs its failure codes." if required
          else "Failure codes are now optional when closing work orders.", "success")
    return redirect(url_for("web.failure_codes"), 303)


@web.post("/failure-codes/import")
@login_required
def import_failure_codes() -> Response:
    actor = _manager()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(actor, status=422, errors={"file": "Choose a CSV file to import"}, editing="import")
    try:
        counts = service.import_csv(actor, upload.read())
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        lines = "; ".join(f"{e['field']}: {e['message']}" if e["field"].startswith("line") else e["message"]
                          for e in exc.errors[:5]) or exc.message
        return _page(actor, status=422, errors={"file": f"Nothing imported. {lines}"}, editing="import")
    flash(f"Imported: {counts['created']} new, {counts['updated']} changed, {counts['unchanged']} unchanged.", "success")
    return redirect(url_for("web.failure_codes"), 303)


@web.get("/failure-codes/export.csv")
@login_required
def export_failure_codes() -> FlaskResponse:
    resp = FlaskResponse(service.export_csv(_manager()), mimetype="text/csv")
    resp.headers["Content-Disposition"] = 'attachment; filename="failure-codes.csv"'
    return resp
