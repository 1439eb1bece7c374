"""/my-requests: a requester's own requests and what became of them, and the form to ask for more.
Every rule is in services/work_orders/my_requests.py (which sends a request to the inbox or makes a
work order, as the warehouse takes them)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user, login_required

from portal.schemas.requests import RequestCreate
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound, ValidationFailed
from portal.services.work_orders import my_requests as service
from portal.services.work_orders import reads
from portal.services.work_orders import requests as inbox
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render

FIELDS = ("title", "description", "equipmentId")


def _page(actor: Actor, *, errors: dict[str, str] | None = None, form=None, status: int = 200) -> Response:
    mine = service.list_mine(actor)
    labels = reads.labels(actor, all_equipment=True)
    return render("requests/mine.html", status=status, mine=mine,
                  asset_options=labels.asset_options, assets=labels.assets, errors=errors or {}, form=form or {},
                  through_inbox=inbox.routing(actor.warehouse_id) == "inbox")


@web.get("/my-requests")
@login_required
def my_requests() -> Response:
    return _page(Actor.of(current_user.user))


@web.post("/my-requests")
@login_required
def my_request_new() -> Response:
    """Ask for work; the form again with what is wrong next to its field, or the list with the new one."""
    actor = Actor.of(current_user.user)
    data = form_model(RequestCreate, request.form)
    if isinstance(data, dict):
        return _page(actor, errors=data, form=request.form, status=422)
    try:
        line = service.submit(actor, data)
    except NotFound:  # the asset picked is not (or no longer) one of the warehouse's
        return _page(actor, errors={"equipmentId": "Pick an asset from the list, or none"}, form=request.form, status=422)
    except ValidationFailed as exc:
        errors = {str(e.get("field") or "title"): e["message"] for e in exc.errors} or {"title": exc.message}
        return _page(actor, errors=errors, form=request.form, status=422)
    flash(f"Sent: “{line.title}”. {line.words}.", "success")
    return redirect(url_for("web.my_request", request_id=line.id), 303)


@web.get("/my-requests/<request_id>")
@login_required
def my_request(request_id: str) -> Response:
    """One of the person's own requests; anyone else's is a 404 (services: get_mine)."""
    actor = Actor.of(current_user.user)
    line = service.get_mine(actor, request_id)
    labels = reads.labels(actor, equipment_ids={line.equipment_id})
    return render("requests/mine_detail.html", line=line, assets=labels.assets)
