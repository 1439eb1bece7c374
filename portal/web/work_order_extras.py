"""Comments and photos of a work order in the portal: partials any work order page includes.

`{% include "work_orders/_comments.html" %}` and `{% include "work_orders/_attachments.html" %}`
need only `work_order` in the context: they load their rows through the template globals
comment_thread() and photo_gallery() (same services as the API). Each partial is also served
alone by the routes below (GET: the partial for htmx, else a page around it; POST: add, then the
partial again with the new row, or with the error next to its field, status 422).
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import login_required

from portal.models.enums import CLOSED_STATUSES
from portal.platform.http.security import body_limit
from portal.platform.http.serving import send_stored
from portal.schemas.attachments import AttachmentFileQuery, CommentCreate
from portal.services.common.actor import Actor
from portal.services.common.errors import DomainError, ValidationFailed
from portal.services.work_orders import attachments as attachment_service
from portal.services.work_orders import comments as comment_service
from portal.services.work_orders.lifecycle import get_work_order
from portal.web import live_poll
from portal.web.acting import request_actor
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.rendering import render, wants_fragment

PAGE = "work_orders/extras.html"
# What a partial shows at most; the API pages through longer threads.
SHOWN = 500


def _actor() -> Actor:
    return request_actor()


@web.app_template_global()
def comment_thread(work_order: Any) -> dict:
    """The comments of `work_order` for the current user, and whether they may add one."""
    actor = _actor()
    page = comment_service.first_comments(actor, work_order, SHOWN)
    return {"comments": page.items, "total": page.total, "finished": work_order.status in CLOSED_STATUSES,
            "can_post": comment_service.can_contribute(actor, work_order, "work_orders.comment"),
            "has_reporter": comment_service.has_reporter(work_order)}


@web.app_template_global()
def photo_gallery(work_order: Any) -> dict:
    """The photos of `work_order` for the current user, and whether they may add one."""
    actor = _actor()
    page = attachment_service.first_attachments(actor, work_order, SHOWN)
    return {"photos": page.items, "total": page.total,
            "can_post": comment_service.can_contribute(actor, work_order, "work_orders.attach")}


def _errors_of(exc: DomainError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors:
        errors.setdefault(err["field"], err["message"])
    return errors or {"": exc.message}


def _answer(block: str, wo: Any, *, status: int = 200, **ctx: Any):
    return render(PAGE, block=block, status=status, work_order=wo, **ctx)


@web.get("/work-orders/<work_order_id>/comments")
@login_required
def work_order_comments(work_order_id: str):
    wo = get_work_order(_actor(), work_order_id)
    return _answer("comments", wo)


@web.post("/work-orders/<work_order_id>/comments")
@login_required
@live_poll.answers_own_change
def add_work_order_comment(work_order_id: str):
    actor = _actor()
    data = form_model(CommentCreate, request.form)
    kept = {"comment_body": request.form.get("body", ""), "comment_public": bool(request.form.get("visibleToReporter"))}
    if isinstance(data, dict):
        return _answer("comments", get_work_order(actor, work_order_id), status=422, comment_errors=data, **kept)
    try:
        # Reads the work order first, as the answer below does (another warehouse's id: 404 before
        # anything else): the view reads it once, after the write, for the thread it shows.
        comment_service.add_comment(actor, work_order_id, data)  # Forbidden/NotFound: the error page or toast
    except ValidationFailed as exc:
        return _answer("comments", get_work_order(actor, work_order_id), status=422,
                       comment_errors=_errors_of(exc), **kept)
    wo = get_work_order(actor, work_order_id)
    if not wants_fragment():
        flash("Comment added.", "success")
        return redirect(url_for("web.work_order_comments", work_order_id=wo.id), 303)
    return _answer("comments", wo, added="Comment added.")


@web.get("/work-orders/<work_order_id>/attachments")
@login_required
def work_order_attachments(work_order_id: str):
    wo = get_work_order(_actor(), work_order_id)
    return _answer("attachments", wo)


@web.post("/work-orders/<work_order_id>/attachments")
@body_limit("UPLOAD_MAX_BYTES")
@login_required
@live_poll.answers_own_change
def add_work_order_attachment(work_order_id: str):
    actor = _actor()
    wo = get_work_order(actor, work_order_id)
    upload = request.files.get("file")
    try:
        attachment_service.add_attachment(actor, wo.id, upload.read() if upload else None,
                                          upload.filename if upload else None)
    except (ValidationFailed, attachment_service.PayloadTooLarge) as exc:
        return _answer("attachments", wo, status=422, photo_errors=_errors_of(exc))
    if not wants_fragment():
        flash("Photo attached.", "success")
        return redirect(url_for("web.work_order_attachments", work_order_id=wo.id), 303)
    return _answer("attachments", wo, added="Photo attached.")


@web.get("/work-orders/<work_order_id>/attachments/<attachment_id>")
@login_required
def work_order_attachment_file(work_order_id: str, attachment_id: str):
    size = request.args.get("size", "full")
    query = form_model(AttachmentFileQuery, request.args)
    if isinstance(query, dict):
        raise ValidationFailed(f"Unknown size {size!r}: use full or thumb")
    stored = attachment_service.open_attachment(_actor(), work_order_id, attachment_id, thumb=query.size == "thumb")
    return send_stored(stored)
