"""The manager's board on `/work-orders`: create, inline assign / priority / due date, bulk assign,
and the cheap "changed since" checks that keep open boards and work order pages live.

The board is the list of portal/web/work_orders.py with more controls for those who may assign;
every change goes through work_order_service like the API, which decides again who may do what.
"""
from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from portal.models.enums import PRIORITY, WORK_ORDER_TYPE
from portal.platform import live
from portal.schemas.work_orders import WorkOrderCreate, WorkOrderUpdate
from portal.services.common.errors import DomainError, Forbidden, NotFound
from portal.services.identity.permissions import can, require
from portal.services.work_orders import checklists as checklist_service
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders import reads
from portal.web.blueprint import web
from portal.web.errors import error_page
from portal.web.forms import form_model
from portal.web.rendering import render
from portal.web.timefmt import from_local_input, zone
from portal.web.work_order_checklists import creation_checklists
from portal.web.work_orders import _actor, list_context

# The inline edit's fields; an empty select or date clears the value (unassign, no due date).
EDIT_FIELDS = ("assignedTo", "priority", "dueDate")
CLEARABLE = {"assignedTo": "assigned_to", "dueDate": "due_date"}
CREATE_FIELDS = ("title", "description", "type", "priority", "equipmentId", "assignedTo", "dueDate", "requiresSignature")


def _tz():
    return zone(current_user.warehouse.timezone)


def _field_errors(exc: DomainError, default: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors:
        errors.setdefault(str(err.get("field") or default).split("[")[0], err["message"])
    if not errors:
        errors[default] = exc.message
    return errors


# --- Create --------------------------------------------------------------------------------------

def _create_form(errors: dict[str, str] | None = None, values: Any = None, status: int = 200) -> Response:
    actor = _actor()
    labels = reads.labels(actor, people=can(actor, "work_orders.assign"), all_equipment=True)
    return render("work_orders/new.html", status=status, errors=errors or {}, values=values or {},
                  types=WORK_ORDER_TYPE.options, priorities=PRIORITY.options, asset_options=labels.asset_options,
                  people=labels.people, checklist_sources=checklist_service.checklist_sources(actor))


@web.route("/work-orders/new", methods=["GET", "POST"])
@login_required
def board_new() -> Response:
    actor = _actor()
    require(actor, "work_orders.create")
    if request.method == "GET":
        return _create_form()
    form = MultiDict({k: v for k, v in request.form.items() if k in CREATE_FIELDS})
    if form.get("dueDate"):
        form["dueDate"] = from_local_input(form["dueDate"], _tz())
    data = form_model(WorkOrderCreate, form)
    checklists = creation_checklists(request.form)
    if isinstance(data, dict) or isinstance(checklists, dict):
        errors = {**(data if isinstance(data, dict) else {}), **(checklists if isinstance(checklists, dict) else {})}
        return _create_form(errors=errors, values=request.form, status=422)
    try:
        wo = checklist_service.create_with_checklist(actor, data, checklists)
    except DomainError as exc:
        if exc.status not in (400, 403, 409) or not exc.errors:
            raise
        return _create_form(errors=_field_errors(exc, "title"), values=request.form, status=422)
    flash(f"{wo.fo_number} created.", "success")
    # The manager goes on with the new order (its checklist, parts), not back to the list.
    return redirect(url_for("web.work_order_page", work_order_id=wo.id), 303)


# --- Inline edit of one row ----------------------------------------------------------------------

def _row(wo, status: int = 200, **extra: Any) -> Response:
    """The row partial, the one markup of a work order in a list."""
    actor = _actor()
    labels = reads.labels(actor, user_ids={wo.assigned_to}, people=True, equipment_ids={wo.equipment_id})
    ctx = {"wo": wo, "board": can(actor, "work_orders.assign"), "people": labels.people,
           "priorities": PRIORITY.options, "assets": labels.assets, "names": labels.names}
    ctx.update(extra)
    resp = make_response(render_template("work_orders/_row.html", **ctx), status)
    resp.vary.add("HX-Request")
    return resp


@web.post("/work-orders/<work_order_id>/board")
@login_required
def board_edit(work_order_id: str) -> Response:
    """Assign, reprioritise or reschedule one work order from its row; answers the row."""
    actor = _actor()
    wo = work_order_service.get_work_order(actor, work_order_id)  # another warehouse's id: 404 first
    given = {k: request.form[k].strip() for k in EDIT_FIELDS if k in request.form}
    form = MultiDict(given)
    if form.get("dueDate"):
        form["dueDate"] = from_local_input(form["dueDate"], _tz())
    update = form_model(WorkOrderUpdate, form)
    if isinstance(update, dict):
        return _row(wo, 422, row_errors=update, row_form=given)
    # form_model reads "" as absent; here an emptied select or date means "none".
    update = update.model_copy(update={name: None for key, name in CLEARABLE.items() if given.get(key) == ""})
    try:
        wo = work_order_service.update_work_order(actor, work_order_id, update)
    except (Forbidden, NotFound):
        raise  # the service's answer as it is: 403 / 404
    except DomainError as exc:
        errors = _field_errors(exc, "row")
        errors = {k if k in EDIT_FIELDS else "row": v for k, v in errors.items()}
        return _row(work_order_service.get_work_order(actor, work_order_id), 422, row_errors=errors, row_form=given)
    return _row(wo)


# --- Bulk assign ---------------------------------------------------------------------------------

@web.post("/work-orders/bulk-assign")
@login_required
def board_bulk_assign() -> Response:
    """The ticked rows to one assignee: one service call, one transaction (all or nothing)."""
    actor = _actor()
    ids = [i for i in request.form.getlist("ids") if i]
    assignee = request.form.get("assignedTo") or None
    status, msg, error = 200, "", ""
    if not ids:
        status, error = 422, "Tick the work orders to assign first."
    elif assignee is None:
        status, error = 422, "Choose who to assign them to."
    else:
        try:
            done = work_order_service.bulk_assign(actor, ids, assignee)
        except (Forbidden, NotFound):
            raise
        except DomainError as exc:
            status = 422
            error = "; ".join(e["message"] for e in exc.errors) if exc.errors else exc.message
            if exc.message not in error:
                error = f"{exc.message}: {error}"
        else:
            who = reads.labels(actor, user_ids={assignee}).names.get(assignee, "them")
            msg = f"{len(done)} work order{'s' if len(done) != 1 else ''} assigned to {who}."
    if not request.headers.get("HX-Request"):
        flash(error or msg, "error" if error else "success")
        return redirect(url_for("web.work_order_list"), 303)
    resp = make_response(render_template("work_orders/_board_msg.html", bulk_msg=msg, bulk_error=error), status)
    if not error:
        resp.headers["HX-Trigger"] = "board-assigned"  # the board unticks and re-reads its rows at once
    return resp


# --- Live updates --------------------------------------------------------------------------------

def _changed(current: str | None) -> bool:
    since = request.args.get("since", "")
    # Redis down (None): say nothing changed; polling resumes when it is back.
    return current is not None and since != current


@web.get("/work-orders/changes")
@login_required
def board_changes() -> Response:
    """204 when nothing of this warehouse's work orders changed since `since`; else the list's
    rows for the filters in the query (the same as the list), with the new version."""
    actor = _actor()
    require(actor, "work_orders.read")
    current = live.version(actor.warehouse_id)
    if not _changed(current):
        return _nothing()
    ctx = list_context(actor, request.args)
    resp = render("work_orders/list.html", block="results", **ctx)
    resp.headers["X-Live-Version"] = current
    resp.headers["Cache-Control"] = "no-store"
    return resp


@web.get("/work-orders/<work_order_id>/changes")
@login_required
def work_order_changes(work_order_id: str) -> Response:
    """Same for one work order's page; a deleted or foreign id answers 404 (the page says so)."""
    from portal.web.work_orders import detail_context

    actor = _actor()
    require(actor, "work_orders.read")
    current = live.version(actor.warehouse_id, work_order_id)
    if not _changed(current):
        return _nothing()
    try:
        ctx = detail_context(actor, work_order_id)
    except NotFound:
        return error_page(404, "This work order no longer exists.")
    resp = render("work_orders/detail.html", block="detail", **ctx)
    resp.headers["X-Live-Version"] = current
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _nothing() -> Response:
    resp = make_response("", 204)
    resp.headers["Cache-Control"] = "no-store"
    return resp
