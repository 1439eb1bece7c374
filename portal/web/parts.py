"""Stock: `/parts` (list, create, edit), `/parts/<id>` (level, ledger, receive/adjust/count) and
`/parts/reorders` (mark ordered; receive, all or part, after a confirmation step at
`/parts/reorders/<id>/receive`). Every rule lives in services/inventory/parts.py, as for the API."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required

from portal.schemas.parts import (
    PartCreate,
    PartQuery,
    PartUpdate,
    ReorderReceiptCreate,
    ReorderRequestQuery,
    StockMovementCreate,
)
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Forbidden
from portal.services.identity.permissions import can
from portal.services.inventory import parts as service
from portal.services.inventory import requests as request_service
from portal.web.blueprint import web
from portal.web.forms import form_data, form_model, validate_model
from portal.web.rendering import render, wants_fragment

LEDGER_PAGE = 20
LIST_PAGE = 25
# Optional part fields a manager may clear by emptying their input (PATCH null in the API).
CLEARABLE = {"description": "description", "category": "category", "reorderQuantity": "reorder_quantity",
             "supplier": "supplier", "location": "location"}
MOVEMENT_DONE = {"receipt": "Received {n}.", "adjustment": "Adjusted by {n}.", "count": "Counted: level set to {n}."}


def _actor() -> Actor:
    return Actor.of(current_user.user)


def _errors_of(exc: DomainError) -> dict[str, str]:
    """A service refusal as {field: message}; one without a field goes to the form's top."""
    errors: dict[str, str] = {}
    for item in exc.errors:
        errors.setdefault(item.get("field") or "form", item["message"])
    return errors or {"form": exc.message}


def _list_args(query: PartQuery) -> dict:
    args = {"q": query.q, "category": query.category, "lowStock": "true" if query.low_stock else None}
    return {k: v for k, v in args.items() if v}


@web.get("/parts")
@login_required
def parts_list() -> Response:
    actor = _actor()
    args = request.args.copy()
    args.setdefault("limit", str(LIST_PAGE))
    if args.get("lowStock") in ("on",):  # a checkbox without JS posts "on"
        args["lowStock"] = "true"
    query = form_model(PartQuery, args)
    errors: dict[str, str] = {}
    if isinstance(query, dict):
        errors, query = query, PartQuery(limit=LIST_PAGE)
    page = service.list_parts(actor, query)
    return render("parts/list.html", block="results",
                  status=422 if errors else 200, page=page, query=query, errors=errors,
                  args=_list_args(query), categories=service.part_categories(actor),
                  may_write=can(actor, "parts.write"))


def _part_form(part=None, errors: dict | None = None, values: dict | None = None, status: int = 200) -> Response:
    return render("parts/form.html", status=status, part=part, errors=errors or {}, values=values or {})


def _require_write() -> Actor:
    actor = _actor()
    if not can(actor, "parts.write"):
        raise Forbidden("Only managers and admins create and edit parts")
    return actor


@web.route("/parts/new", methods=["GET", "POST"])
@login_required
def part_new() -> Response:
    actor = _require_write()
    if request.method == "GET":
        return _part_form()
    data = form_model(PartCreate, request.form)
    if isinstance(data, dict):
        return _part_form(errors=data, values=request.form, status=422)
    try:
        part = service.create_part(actor, data)
    except DomainError as exc:
        if exc.status not in (400, 409):
            raise
        return _part_form(errors=_errors_of(exc), values=request.form, status=422)
    flash(f"Part {part.part_number} created.", "success")
    return redirect(url_for("web.part_detail", part_id=part.id), 303)


@web.route("/parts/<part_id>/edit", methods=["GET", "POST"])
@login_required
def part_edit(part_id: str) -> Response:
    actor = _require_write()
    part = service.get_part(actor, part_id)  # another warehouse's part: 404
    if request.method == "GET":
        return _part_form(part=part)
    data = form_model(PartUpdate, request.form)
    if isinstance(data, dict):
        return _part_form(part=part, errors=data, values=request.form, status=422)
    cleared = {name: None for key, name in CLEARABLE.items() if key in request.form and request.form[key] == ""}
    if cleared:
        data = data.model_copy(update=cleared)
    try:
        part = service.update_part(actor, part_id, data)
    except DomainError as exc:
        if exc.status not in (400, 409):
            raise
        return _part_form(part=part, errors=_errors_of(exc), values=request.form, status=422)
    flash(f"Part {part.part_number} saved.", "success")
    return redirect(url_for("web.part_detail", part_id=part.id), 303)


def _stock_context(actor: Actor, part, ledger_page: int = 1) -> dict:
    ledger = service.list_stock_movements(actor, part.id, ledger_page, LEDGER_PAGE)
    may_receive = can(actor, "parts.receive")
    requests = service.open_requests_of_part(actor, part.id) if may_receive else []
    return {"part": part, "ledger": ledger, "names": service.user_names(actor, [m.user_id for m in ledger.items]),
            "may_write": can(actor, "parts.write"), "may_receive": may_receive, "open_requests": requests,
            "applied": service.applied_requests([m.id for m in ledger.items]),
            "work_orders": request_service.work_order_numbers(actor, [r.work_order_id for r in requests])}


@web.get("/parts/<part_id>")
@login_required
def part_detail(part_id: str) -> Response:
    actor = _actor()
    part = service.get_part(actor, part_id)
    ledger_page = request.args.get("page", "1")
    ledger_page = int(ledger_page) if ledger_page.isdigit() and 0 < int(ledger_page) < 1_000_000 else 1
    return render("parts/detail.html", errors={}, values={}, **_stock_context(actor, part, ledger_page))


@web.post("/parts/<part_id>/movements")
@login_required
def part_movement(part_id: str) -> Response:
    """Receive, adjust or count; htmx gets the stock panel again (new level, new ledger row)."""
    actor = _actor()
    part = service.get_part(actor, part_id)
    form = request.form.copy()
    if form.get("type") != "receipt":
        # The request picker belongs to receipts; an adjustment or count leaves requests alone.
        form.pop("reorderRequestId", None)
        form.pop("moreThanOrdered", None)
    data = form_model(StockMovementCreate, form)
    errors: dict[str, str] = {}
    if isinstance(data, dict):
        errors = data
    else:
        try:
            movement = service.record_stock_movement(actor, part.id, data)
        except DomainError as exc:
            if exc.status not in (400, 409):
                raise
            errors = _errors_of(exc)
            if data.reorder_request_id and exc.message == "More than ordered":
                errors = {"moreThanOrdered": errors["quantity"]}  # the tick that confirms it, shown now
        else:
            done = MOVEMENT_DONE[data.type].format(n=data.quantity)
            message = f"{part.part_number}: {done} Stock now {movement.level_after}."
            if data.reorder_request_id:
                reorder = service.get_reorder_request(actor, data.reorder_request_id)
                message += " Reorder request: " + receipt_done(data.quantity, reorder)
            if not wants_fragment():
                flash(message, "success")
                return redirect(url_for("web.part_detail", part_id=part.id), 303)
            part = service.get_part(actor, part.id)
            return render("parts/detail.html", block="stock", errors={}, values={}, done=message,
                          **_stock_context(actor, part))
    if not wants_fragment():
        return render("parts/detail.html", status=422, errors=errors, values=request.form,
                      **_stock_context(actor, part))
    return render("parts/detail.html", block="stock", status=422, errors=errors, values=request.form,
                  **_stock_context(actor, part))


@web.get("/parts/reorders")
@login_required
def reorders_list() -> Response:
    actor = _actor()
    args = request.args.copy()
    args.setdefault("limit", str(LIST_PAGE))
    query = form_model(ReorderRequestQuery, args)
    errors: dict[str, str] = {}
    if isinstance(query, dict):
        errors, query = query, ReorderRequestQuery(limit=LIST_PAGE)
    page = service.list_reorder_requests(actor, query.page, query.limit, query.status)
    return render("parts/reorders.html", block="results",
                  status=422 if errors else 200, page=page, query=query, errors=errors,
                  args={"status": query.status} if query.status else {},
                  parts=service.parts_by_id(actor, [r.part_id for r in page.items]),
                  names=service.user_names(actor, [u for r in page.items
                                                   for u in (r.ordered_by, r.received_by, r.requested_by)]),
                  work_orders=request_service.work_order_numbers(actor, [r.work_order_id for r in page.items]),
                  may_write=can(actor, "parts.write"), may_receive=can(actor, "parts.receive"))


def _reorder_done(actor: Actor, request_id: str, message: str | None, error: str | None = None,
                  status: int = 200) -> Response:
    """htmx: the request's row again (its markup lives once, in parts/_reorder_row.html)."""
    reorder = service.get_reorder_request(actor, request_id)
    if not wants_fragment():
        flash(error or message, "error" if error else "success")
        return redirect(url_for("web.reorders_list"), 303)
    return render("parts/_reorder_row.html", block="row", status=status, r=reorder, done=message, error=error,
                  parts=service.parts_by_id(actor, [reorder.part_id]),
                  names=service.user_names(actor, [reorder.ordered_by, reorder.received_by, reorder.requested_by]),
                  work_orders=request_service.work_order_numbers(actor, [reorder.work_order_id]),
                  may_write=can(actor, "parts.write"), may_receive=can(actor, "parts.receive"))


@web.post("/parts/reorders/<request_id>/ordered")
@login_required
def reorder_ordered(request_id: str) -> Response:
    actor = _actor()
    try:
        reorder = service.mark_reorder_ordered(actor, request_id)
    except DomainError as exc:
        if exc.status != 409:
            raise
        # Someone else moved it on meanwhile: show the row as it is now, with why nothing happened.
        return _reorder_done(actor, request_id, None, error=exc.message)
    return _reorder_done(actor, reorder.id, "Marked ordered.")


def receipt_done(quantity: int, reorder) -> str:
    """What a receipt against a request did, in words (the list's flash, the part page's message)."""
    if reorder.status == "received":
        return f"Received {quantity}: the reorder request is complete and closed."
    return f"Received {quantity} of {reorder.quantity}: {reorder.remaining_quantity} still to come."


@web.route("/parts/reorders/<request_id>/receive", methods=["GET", "POST"])
@login_required
def reorder_receive(request_id: str) -> Response:
    """Goods arrived for a request: how many (what remains, by default), then a confirmation step
    that says what will be booked; only the confirmed post books it. More than remains needs its
    own tick on the confirmation step ("More than ordered arrived")."""
    actor = _actor()
    if not can(actor, "parts.receive"):
        raise Forbidden("Only managers, admins and technicians receive goods")
    reorder = service.get_reorder_request(actor, request_id)
    ctx = {"r": reorder, "part": service.get_part(actor, reorder.part_id),
           "work_orders": request_service.work_order_numbers(actor, [reorder.work_order_id])}
    if request.method == "GET" or reorder.status == "received":
        return render("parts/receive.html", step="form", errors={}, values={"quantity": reorder.remaining_quantity},
                      **ctx)
    data = validate_model(ReorderReceiptCreate, form_data(ReorderReceiptCreate, request.form, skip=("confirmed",)))
    if isinstance(data, dict):
        return render("parts/receive.html", status=422, step="form", errors=data, values=request.form, **ctx)
    quantity = data.quantity or reorder.remaining_quantity
    values = {"quantity": quantity, "note": data.note or ""}
    if request.form.get("confirmed") != "true":
        return render("parts/receive.html", step="confirm", errors={}, values=values, **ctx)
    try:
        receipt = service.receive_against_request(actor, request_id, data)
    except DomainError as exc:
        if exc.status not in (400, 409):
            raise
        errors = _errors_of(exc)
        if "quantity" in errors and quantity > service.get_reorder_request(actor, request_id).remaining_quantity:
            # Only the receiver's tick books more than ordered: ask for it on the same step.
            errors = {"moreThanOrdered": errors["quantity"]}
        ctx["r"] = service.get_reorder_request(actor, request_id)  # someone else may have received some
        return render("parts/receive.html", status=422, step="confirm" if "moreThanOrdered" in errors else "form",
                      errors=errors, values=values, **ctx)
    flash(f"{ctx['part'].part_number}: {receipt_done(quantity, receipt.reorder_request)}", "success")
    return redirect(url_for("web.reorders_list"), 303)
