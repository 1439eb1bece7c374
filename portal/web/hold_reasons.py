"""/work-orders/hold-reasons (managers and admins): the warehouse's list of why work waits,
picked when a work order is put on hold. Renaming keeps a reason's code; removing retires it."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required

from portal.schemas.work_orders import HoldReasonCreate, HoldReasonUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, Forbidden
from portal.services.identity.permissions import can
from portal.services.work_orders import hold_reasons as hold_reasons_service
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render


def _manager() -> Actor:
    """The page is for those who may edit the list; the services decide again on every post."""
    actor = Actor.of(current_user.user)
    if not can(actor, "hold_reasons.manage"):
        raise Forbidden("Only managers and admins edit the hold reasons")
    return actor


def _page(actor: Actor, *, status: int = 200, errors: dict[str, str] | None = None, editing: str | None = None,
          form: dict[str, str] | None = None) -> Response:
    reasons = hold_reasons_service.list_reasons(actor, retired=True)
    return render("work_orders/hold_reasons.html", status=status, errors=errors or {}, editing=editing,
                  form=form or {}, active=[r for r in reasons if r.active],
                  retired=[r for r in reasons if not r.active], most=hold_reasons_service.MAX_ACTIVE)


def _refused(exc: DomainError) -> dict[str, str]:
    if exc.status in (403, 404):
        raise exc
    return {e["field"]: e["message"] for e in exc.errors} or {"label": exc.message}


@web.get("/work-orders/hold-reasons")
@login_required
def hold_reasons() -> Response:
    return _page(_manager())


@web.post("/work-orders/hold-reasons")
@login_required
def add_hold_reason() -> Response:
    actor = _manager()
    data = form_model(HoldReasonCreate, request.form)
    try:
        if isinstance(data, dict):
            return _page(actor, status=422, errors=data, editing="new", form=request.form)
        reason = hold_reasons_service.add_reason(actor, data)
    except DomainError as exc:
        return _page(actor, status=422, errors=_refused(exc), editing="new", form=request.form)
    flash(f"“{reason.label}” added.", "success")
    return redirect(url_for("web.hold_reasons"), 303)


@web.post("/work-orders/hold-reasons/<reason_id>")
@login_required
def update_hold_reason(reason_id: str) -> Response:
    """Rename (label), remove (active=false) or bring back (active=true) one reason."""
    actor = _manager()
    data = form_model(HoldReasonUpdate, request.form)
    try:
        if isinstance(data, dict):
            return _page(actor, status=422, errors=data, editing=reason_id, form=request.form)
        reason = hold_reasons_service.update_reason(actor, reason_id, data)
    except DomainError as exc:
        return _page(actor, status=422, errors=_refused(exc), editing=reason_id, form=request.form)
    if data.active is False:
        message = f"“{reason.label}” removed: it is no longer offered (past holds keep it)."
    elif data.active:
        message = f"“{reason.label}” is offered again."
    else:
        message = f"“{reason.label}” saved."
    flash(message, "success")
    return redirect(url_for("web.hold_reasons"), 303)
