"""/requests: the manager's inbox of problem reports and requesters' requests (approve, merge,
decline). Every rule lives in services/work_orders/requests.py, as for the API."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required

from portal.platform.http.serving import send_stored
from portal.schemas.requests import RequestApprove, RequestDecline, RequestMerge, RequestQuery
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError
from portal.services.work_orders import reads
from portal.services.work_orders import requests as service
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render, wants_fragment

LIST_PAGE = 20
# The status filter's choices; the inbox opens on the pending ones.
FILTERS = [("pending", "Waiting"), ("approved", "Approved"), ("merged", "Merged"), ("declined", "Declined"), ("all", "All")]


def _actor() -> Actor:
    return Actor.of(current_user.user)


def _context(actor: Actor, reqs: list, *, people: bool = False) -> dict:
    """What the entries show beside the requests: asset tags, requesters' names, the open work orders
    of each asset (two statements) and, for the whole page (`people`), who work can be assigned to:
    listed once on the page, never per entry (templates/requests/index.html)."""
    labels = reads.labels(actor, user_ids=[r.requested_by for r in reqs] + [r.decided_by for r in reqs], people=people,
                          equipment_ids=[r.equipment_id for r in reqs])
    orders = {asset: [(wo.id, f"{wo.fo_number}: {wo.title}") for wo in found]
              for asset, found in service.open_orders(actor, reqs).items()}
    return {"labels": labels, "orders": orders,
            "priorities": [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]}


@web.get("/requests")
@login_required
def requests_inbox() -> Response:
    actor = _actor()
    status = request.args.get("status") or "pending"
    args = request.args.copy()
    args.pop("status", None)
    args.setdefault("limit", str(LIST_PAGE))
    if status != "all":
        args["status"] = status
    query = form_model(RequestQuery, args)
    errors: dict[str, str] = {}
    if isinstance(query, dict):
        errors, query, status = query, RequestQuery(status=["pending"], limit=LIST_PAGE), "pending"
    page = service.list_requests(actor, query)
    return render("requests/index.html", block="results", status=422 if errors else 200, page=page,
                  chosen=status, status_choices=FILTERS, errors=errors, args={"status": status} if status != "pending" else {},
                  **_context(actor, page.items, people=not wants_fragment()))


@web.get("/requests/<request_id>/photo")
@login_required
def request_photo(request_id: str) -> Response:
    return send_stored(service.open_photo(_actor(), request_id, thumb=request.args.get("size") == "thumb"))


def _decided(actor: Actor, request_id: str, message: str | None, *, errors: dict[str, str] | None = None,
             status: int = 200) -> Response:
    """htmx: the request's entry again (decided, or its form with `errors`), the flash and the nav's
    count out of band; without htmx, back to the inbox with a flash."""
    if not wants_fragment():
        if errors:
            flash(next(iter(errors.values())), "error")
        else:
            flash(message, "success")
        return redirect(url_for("web.requests_inbox"), 303)
    req = service.get_request(actor, request_id)
    return render("requests/_entry.html", block="entry", status=status, r=req, done=message, errors=errors or {},
                  pending=service.pending_count(actor), **_context(actor, [req]))


def _refusal(exc: DomainError) -> dict[str, str]:
    """A service refusal as {field: message}; 403 and a missing request stay errors of the page."""
    if exc.status == 403 or (exc.status == 404 and not exc.errors):
        raise exc
    errors: dict[str, str] = {}
    for item in exc.errors:
        errors.setdefault(item.get("field") or "form", item["message"])
    return errors or {"form": exc.message}


def _act(request_id: str, schema: type, run, done: str) -> Response:
    actor = _actor()
    form = form_model(schema, request.form)
    if isinstance(form, dict):
        return _decided(actor, request_id, None, errors=form, status=422)
    try:
        run(actor, request_id, form)
    except DomainError as exc:
        # Decided meanwhile by someone else: the entry as it is now, with why nothing happened (200,
        # swapped); a refused field (a closed work order to merge into): the form with its error (422).
        errors = _refusal(exc)
        return _decided(actor, request_id, None, errors=errors, status=200 if list(errors) == ["form"] else 422)
    return _decided(actor, request_id, done)


@web.post("/requests/<request_id>/approve")
@login_required
def request_approve(request_id: str) -> Response:
    return _act(request_id, RequestApprove, service.approve, "Approved: a work order was made from the request.")


@web.post("/requests/<request_id>/merge")
@login_required
def request_merge(request_id: str) -> Response:
    return _act(request_id, RequestMerge, service.merge, "Merged into the work order.")


@web.post("/requests/<request_id>/decline")
@login_required
def request_decline(request_id: str) -> Response:
    return _act(request_id, RequestDecline, service.decline, "Declined: the reporter sees your reason.")
