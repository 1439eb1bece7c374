"""The sign-off of a work order in the portal: templates/work_orders/_signoff.html, included by the work
order page, needs only `wo`; signoff_panel() loads its signature (same services as the API).

The pad (static/js/portal.js) keeps the drawing in the form's hidden `signature` input as a PNG data URL
(canvas.toDataURL), sent with the signer's name; the service judges the PNG itself. Each POST answers
the fragment for htmx (422 with the error next to its field), else redirects to the work order.
"""
from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from portal.models.enums import CLOSED_STATUSES
from portal.platform.http.security import body_limit
from portal.schemas.attachments import SignatureCreate
from portal.schemas.work_orders import WorkOrderUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, DomainError, ValidationFailed
from portal.services.identity.permissions import can
from portal.services.work_orders import lifecycle as work_order_service
from portal.services.work_orders import signoff as signoff_service
from portal.services.work_orders.lifecycle import get_work_order
from portal.web.acting import request_actor, request_name
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import wants_fragment

FRAGMENT = "work_orders/_signoff.html"
DATA_URL_PREFIX = "data:image/png;base64,"


def _actor() -> Actor:
    return request_actor()


@web.app_template_global()
def signoff_panel(wo: Any) -> dict:
    """The signature of `wo` and what the current user may do with it."""
    actor = _actor()
    closed = wo.status in CLOSED_STATUSES
    return {
        "signature": signoff_service.signature_on_page(actor, wo),
        "can_sign": signoff_service.can_sign(actor, wo),
        # Whether a signature is required is a manager's decision, while the work order is open.
        "can_require": not closed and can(actor, "work_orders.assign"),
        "signer_name": request_name() or "",  # the pad's default signer: whoever is signing in
    }


def png_of(data_url: str | None) -> bytes | None:
    """The bytes of the pad's `data:image/png;base64,...`; None when there is nothing (an untouched pad),
    and bytes the service refuses ("not a PNG") for anything else that is not base64."""
    if not data_url:
        return None
    if not data_url.startswith(DATA_URL_PREFIX):
        return data_url.encode()[:64]  # judged, and refused, by the service
    try:
        return base64.b64decode(data_url[len(DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return b"not base64"


def _fragment(wo_id: str, *, status: int = 200, **ctx: Any):
    wo = get_work_order(_actor(), wo_id)
    resp = make_response(render_template(FRAGMENT, wo=wo, errors=ctx.pop("errors", {}), **ctx), status)
    resp.vary.add("HX-Request")
    return resp


def _back(wo_id: str, message: str):
    flash(message, "success")
    return redirect(url_for("web.work_order_page", work_order_id=wo_id) + "#signoff", 303)


def _errors_of(exc: DomainError, field: str) -> dict[str, str]:
    """The service's errors under the form's names (the PNG is `file` to the API, the pad here)."""
    errors: dict[str, str] = {}
    for err in exc.errors:
        name = "signature" if err.get("field") in ("file", "signature") else err.get("field") or "signature"
        errors.setdefault(name, err["message"])
    return errors or {field: exc.message}


@web.post("/work-orders/<work_order_id>/signature")
@body_limit("UPLOAD_MAX_BYTES")
@login_required
def sign_work_order(work_order_id: str):
    actor = _actor()
    name = request.form.get("signerName", "")
    data = form_model(SignatureCreate, MultiDict({"signerName": name}))
    if isinstance(data, dict):
        errors = {"signerName": "Write the name of who signs"} if "signerName" in data else data
        return _fragment(work_order_id, status=422, errors=errors, signer=name)
    try:
        row = signoff_service.sign(actor, work_order_id, data, png_of(request.form.get("signature")))
    except (ValidationFailed, Conflict) as exc:
        if not wants_fragment():
            flash(next(iter(_errors_of(exc, "signature").values())), "error")
            return redirect(url_for("web.work_order_page", work_order_id=work_order_id) + "#signoff", 303)
        return _fragment(work_order_id, status=422, errors=_errors_of(exc, "signature"), signer=name)
    message = f"Signed by {row.signer_name}."
    if not wants_fragment():
        return _back(work_order_id, message)
    return _fragment(work_order_id, signed=message)


@web.post("/work-orders/<work_order_id>/signature-required")
@login_required
def require_work_order_signature(work_order_id: str):
    """A manager's tick: the work order needs (or no longer needs) a signature to complete."""
    wanted = request.form.get("requiresSignature") == "true"
    try:
        work_order_service.update_work_order(_actor(), work_order_id, WorkOrderUpdate.model_validate({"requiresSignature": wanted}))
    except (ValidationFailed, Conflict) as exc:
        return _fragment(work_order_id, status=422, errors={"requiresSignature": exc.message})
    message = "A signature is now needed to complete it." if wanted else "No signature is needed any more."
    if not wants_fragment():
        return _back(work_order_id, message)
    return _fragment(work_order_id, signed=message)
