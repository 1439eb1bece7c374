"""The admin console: /admin/users, /admin/webhooks, /admin/performance (admins only).

Thin views on services/identity/users.py, services/integrations/webhooks.py and services/reporting/performance.py, the services
behind /api/users, /api/webhooks and /api/admin/performance/summary. A service's refusal of a
row action (409 in the API: your own account, the last admin) is shown next to the control with
a 422, the status htmx swaps (static/js/portal.js).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from functools import wraps
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pydantic import ValidationError as PydanticError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.models import TEST_EVENT
from portal.models.enums import DELIVERY_STATE, ROLE
from portal.models.events import EVENT_TYPES
from portal.platform.http.urls import absolute_url
from portal.schemas.events import EVENTS as EVENT_DOCS
from portal.schemas.messages import people_errors
from portal.schemas.users import UserCreate, UserQuery, UserUpdate
from portal.schemas.webhooks import DeliveryQuery, WebhookCreate, WebhookUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, ValidationFailed
from portal.services.identity import users as user_service
from portal.services.identity.permissions import require
from portal.services.integrations import attempts as attempts_service
from portal.services.integrations import webhooks as webhook_service
from portal.services.integrations.attempts import Attempt
from portal.services.reporting import performance as performance_service
from portal.web.blueprint import web
from portal.web.forms import form_model
from portal.web.login import qr_svg
from portal.web.rendering import render, wants_fragment

USERS_PER_PAGE = 50
DELIVERIES_PER_PAGE = 25


def _actor() -> Actor:
    return Actor.of(current_user.user)


def admin_only(view: Callable) -> Callable:
    """Logged in, and an admin (403 for other roles, from the same permission table as the API)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        require(_actor(), "admin_console.use")
        return view(*args, **kwargs)

    return login_required(wrapper)


def _errors(exc: ValidationFailed | Conflict) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in exc.errors:
        errors.setdefault(err["field"], err["message"])
    return errors or {"form": exc.message}


def _validate(model: type, data: dict) -> Any:
    """model from python values already converted from the form, or {field: message}."""
    try:
        return model.model_validate(data, by_alias=True, by_name=True)
    except PydanticError as exc:
        errors: dict[str, str] = {}
        for err in people_errors(exc, model):
            errors.setdefault(err["field"], err["message"])
        return errors


def _yes_no(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get(value or "")


# --- users ------------------------------------------------------------------------------------
@web.get("/admin")
@admin_only
def admin_home() -> Response:
    return redirect(url_for("web.admin_users"))


def _users_page(errors: dict[str, str] | None = None, form: MultiDict | None = None, status: int = 200):
    query = form_model(UserQuery, MultiDict({**request.args.to_dict(), "limit": str(USERS_PER_PAGE)}))
    if isinstance(query, dict):
        query = UserQuery(limit=USERS_PER_PAGE)
    page = user_service.list_users(_actor(), query)
    return render("admin/users.html", block="results", status=status, page=page, query=query, roles=ROLE.options,
                  errors=errors or {}, form=form or MultiDict(), me=current_user.user.id)


@web.get("/admin/users")
@admin_only
def admin_users():
    return _users_page()


@web.post("/admin/users")
@admin_only
def admin_create_user():
    form = form_model(UserCreate, request.form)
    if not isinstance(form, dict):
        try:
            user = user_service.create_user(_actor(), form)
        except (ValidationFailed, Conflict) as exc:
            form = _errors(exc)
        else:
            flash(f"{user.email} created. Hand them the initial password: at their first login they set up "
                  "their authenticator.", "success")
            return redirect(url_for("web.admin_users"), 303)
    return _users_page(errors=form, form=request.form, status=422)


def _user_row(row: user_service.UserRow, errors: dict[str, str] | None = None, status: int = 200,
              notice: str | None = None) -> Response:
    body = render_template("admin/_user_row.html", u=row, roles=ROLE.options, errors=errors or {},
                           me=current_user.user.id, notice=notice)
    if not wants_fragment():  # a plain form post (no JavaScript): back to the list
        if errors:
            flash(next(iter(errors.values())), "error")
        elif notice:
            flash(notice, "success")
        return redirect(url_for("web.admin_users"), 303)
    resp = Response(body, status, content_type="text/html; charset=utf-8")
    resp.vary.add("HX-Request")
    return resp


@web.post("/admin/users/<user_id>")
@admin_only
def admin_update_user(user_id: str):
    row = user_service.get_user(_actor(), user_id)  # 404 for another warehouse's user, before anything
    data: dict[str, Any] = {}
    if request.form.get("role"):
        data["role"] = request.form["role"]
    if "active" in request.form:
        active = _yes_no(request.form.get("active"))
        data["active"] = active if active is not None else request.form.get("active")
    update = _validate(UserUpdate, data)
    if isinstance(update, dict):
        return _user_row(row, update, 422)
    try:
        row = user_service.update_user(_actor(), user_id, update)
    except (ValidationFailed, Conflict) as exc:
        return _user_row(row, _errors(exc), 422)
    if update.active is False:
        notice = "Deactivated: every session ended."
    elif update.active is True:
        notice = "Reactivated."
    else:
        notice = f"Role changed to {ROLE.label(row.role)}."
    return _user_row(row, notice=notice)


@web.post("/admin/users/<user_id>/reset-mfa")
@admin_only
def admin_reset_mfa(user_id: str):
    """The one time the enrolment code is shown (only its hash is kept): a page of its own, kept out of
    htmx's history cache (hx-history="false" in the template) and off the address bar."""
    row, issued = user_service.reset_mfa(_actor(), user_id)
    link = absolute_url(url_for("web.enrol_link", code=issued.code))
    resp = render("admin/mfa_reset.html", u=row, code=issued.code, link=link, link_qr=qr_svg(link),
                  expires_at=issued.expires_at)
    resp.headers["HX-Push-Url"] = "false"
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- webhooks ---------------------------------------------------------------------------------
# The form groups the catalogue by what an event is about (the name's prefix); an event added later
# lands in its prefix's group, or in a group of its own named after the prefix.
EVENT_GROUPS = {"work_order": "Work orders", "equipment": "Assets", "inventory": "Stock and parts",
                "parts": "Stock and parts", "pm": "Preventive maintenance", "checklist": "Checklists"}
# Ticked on a new webhook: what most receivers (an ERP, a chat channel) start with.
DEFAULT_EVENTS = ("work_order.created", "work_order.completed", "equipment.status_changed",
                  "inventory.low_stock", "pm.overdue")


def event_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group, [(event, what it means)])] in the catalogue's order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in EVENT_TYPES:
        prefix = name.split(".", 1)[0]
        doc = EVENT_DOCS.get(name)
        # The catalogue's first clause is for people; what follows ";" is for integrators (entityId...).
        meaning = doc.summary.split(";")[0] if doc else ""
        meaning += ")" * (meaning.count("(") - meaning.count(")"))  # "(once per dip; ..." closed
        groups.setdefault(EVENT_GROUPS.get(prefix, prefix.replace("_", " ").capitalize()), []).append((name, meaning))
    return list(groups.items())


def _webhook_form(form: MultiDict, model: type) -> Any:
    data: dict[str, Any] = {}
    for name in ("url", "secret"):
        if form.get(name, "").strip():
            data[name] = form[name].strip()
    events = [e for e in form.getlist("events") if e]
    if events or model is WebhookCreate:
        data["events"] = events
    if "active" in form:
        active = _yes_no(form.get("active"))
        data["active"] = active if active is not None else form.get("active")
    return _validate(model, data)


@web.get("/admin/webhooks")
@admin_only
def admin_webhooks():
    return _webhooks_page()


def _webhooks_page(errors: dict[str, str] | None = None, form: MultiDict | None = None, status: int = 200):
    page = webhook_service.list_webhooks(_actor(), 1, 500)
    chosen = form.getlist("events") if form is not None else list(DEFAULT_EVENTS)
    return render("admin/webhooks.html", status=status, webhooks=page.items, total=page.total,
                  event_groups=event_groups(), chosen=chosen, errors=errors or {}, form=form or MultiDict())


@web.post("/admin/webhooks")
@admin_only
def admin_create_webhook():
    data = _webhook_form(request.form, WebhookCreate)
    if not isinstance(data, dict):
        try:
            endpoint = webhook_service.create_webhook(_actor(), data)
        except (ValidationFailed, Conflict) as exc:
            data = _errors(exc)
        else:
            flash("Webhook registered. Copy its secret now: it is not shown again.", "success")
            resp = _webhook_page(endpoint.id, new_secret=endpoint.secret, status=201)
            resp.headers["HX-Push-Url"] = url_for("web.admin_webhook", webhook_id=endpoint.id)
            return resp
    return _webhooks_page(errors=_event_errors(data), form=request.form, status=422)


URL_EXAMPLE = "Enter a web address such as https://hooks.example.com/maintainpro"


def _url_words(message: str) -> str:
    """The address guard's refusals (net_guard.py, worded for the API) in an admin's words."""
    if message.startswith("Invalid URL") or message == "The URL has no host":
        return URL_EXAMPLE
    if "private or reserved" in message or "does not resolve" in message:
        return ("This address is inside a private network (or cannot be looked up): webhooks go to an address "
                "the internet can reach, unless the operator allows private ones (WEBHOOK_ALLOW_PRIVATE_TARGETS)")
    return message


def _event_errors(errors: dict[str, str]) -> dict[str, str]:
    """events[3] -> events: the checkboxes share one error line; the URL's refusals in plain words."""
    out: dict[str, str] = {}
    for field, message in errors.items():
        out.setdefault(field.split("[")[0], _url_words(message) if field == "url" else message)
    return out


def _answer_words(status_code: int | None, duration_ms: int | None, error: str | None) -> list[str]:
    """"HTTP 500 · 9 ms", "Timed out · 10,000 ms": the stored error of an HTTP failure is "HTTP 500"
    again, said once (issue 22); what follows it (" (redirects are not followed)") is kept."""
    parts = [f"HTTP {status_code}"] if status_code else []
    if duration_ms is not None:
        parts.append(f"{duration_ms:,} ms")
    error = (error or "").strip()
    if status_code and error.startswith(f"HTTP {status_code}"):
        error = error[len(f"HTTP {status_code}"):].strip()
    if error:
        parts.append(error)
    return parts


def attempt_parts(a: Attempt, tz: tzinfo) -> list[str]:
    """One line of the delivery log, in parts joined by " · " (each kept whole when the line
    wraps on a phone): "Attempt 2 · 12:04:31 · HTTP 500 · 9 ms · retry at 12:09"."""
    started = a.started_at.astimezone(tz)
    parts = [f"Attempt {a.attempt}", started.strftime("%H:%M:%S"),
             *_answer_words(a.status_code, a.duration_ms, a.error)]
    if a.next_retry_at is not None:
        retry = a.next_retry_at.astimezone(tz)
        same_day = retry.date() == started.date()
        parts.append("retry at " + retry.strftime("%H:%M" if same_day else "%-d %b %H:%M"))
    return parts


def delivery_answer(d: Any) -> str:
    """A delivery with no attempt to show: not tried yet, or given up without sending."""
    parts = _answer_words(d.last_status_code, d.last_duration_ms, d.last_error)
    return " · ".join(parts) if parts else ("Not tried yet" if d.state == "pending" else "–")


def _deliveries_query() -> DeliveryQuery | dict[str, str]:
    args = {k: v for k, v in request.args.items() if v != ""}
    args["limit"] = str(DELIVERIES_PER_PAGE)
    try:
        return DeliveryQuery.model_validate(args)
    except PydanticError as exc:
        return {e["field"]: e["message"] for e in people_errors(exc, DeliveryQuery)}


def _webhook_page(webhook_id: str, *, new_secret: str | None = None, errors: dict[str, str] | None = None,
                  status: int = 200, block: str = "content") -> Response:
    actor = _actor()
    endpoint = webhook_service.get_webhook(actor, webhook_id)
    query = _deliveries_query()
    filter_errors = query if isinstance(query, dict) else {}
    if isinstance(query, dict):
        query = DeliveryQuery(limit=DELIVERIES_PER_PAGE)
    deliveries = webhook_service.list_deliveries(actor, webhook_id, query)
    args = {k: v for k, v in request.args.items() if v != "" and k != "page"} if request.method == "GET" else {}
    return render("admin/webhook.html", block=block, status=status, hook=endpoint, new_secret=new_secret,
                  stats=webhook_service.webhook_stats(actor, webhook_id), deliveries=deliveries, query=query,
                  filter_args=args, filter_errors=filter_errors, event_types=EVENT_TYPES, event_groups=event_groups(),
                  states=DELIVERY_STATE.options, errors=errors or {}, answer=delivery_answer,
                  attempts=attempts_service.attempts_of(deliveries.items), attempt_parts=attempt_parts)


@web.get("/admin/webhooks/<webhook_id>")
@admin_only
def admin_webhook(webhook_id: str):
    # The log's filters and pager ask for the results block only.
    return _webhook_page(webhook_id, block="results")


@web.post("/admin/webhooks/<webhook_id>")
@admin_only
def admin_update_webhook(webhook_id: str):
    webhook_service.get_webhook(_actor(), webhook_id)
    data = _webhook_form(request.form, WebhookUpdate)
    if not isinstance(data, dict):
        try:
            webhook_service.update_webhook(_actor(), webhook_id, data)
        except (ValidationFailed, Conflict) as exc:
            data = _errors(exc)
        else:
            flash("Webhook saved.", "success")
            return redirect(url_for("web.admin_webhook", webhook_id=webhook_id), 303)
    return _webhook_page(webhook_id, errors=_event_errors(data), status=422)


@web.post("/admin/webhooks/<webhook_id>/rotate")
@admin_only
def admin_rotate_secret(webhook_id: str):
    rotate = WebhookUpdate.model_validate({"rotateSecret": True})
    endpoint, _ = webhook_service.update_webhook(_actor(), webhook_id, rotate)
    flash("New secret generated. Copy it now: it is not shown again. The old one no longer signs deliveries.",
          "success")
    return _webhook_page(webhook_id, new_secret=endpoint.secret)


@web.post("/admin/webhooks/<webhook_id>/test")
@admin_only
def admin_test_webhook(webhook_id: str):
    outcome = webhook_service.send_test(_actor(), webhook_id)
    if outcome.state == "delivered":
        flash(f"Test delivered: HTTP {outcome.status_code} in {outcome.duration_ms} ms.", "success")
    else:
        detail = f"HTTP {outcome.status_code}" if outcome.status_code else (outcome.error or "no answer")
        flash(f"Test failed: {detail}.", "error")
    return redirect(url_for("web.admin_webhook", webhook_id=webhook_id), 303)


@web.post("/admin/webhooks/deliveries/<delivery_id>/redeliver")
@admin_only
def admin_redeliver(delivery_id: str):
    try:
        copy = webhook_service.redeliver(_actor(), delivery_id)
    except Conflict as exc:
        flash(exc.message, "error")
        target = request.form.get("webhook_id", "")
        webhook_service.get_webhook(_actor(), target)  # only back to a page of this warehouse
        return redirect(url_for("web.admin_webhook", webhook_id=target), 303)
    flash("Sent again as a new ping: its answer is in the log below." if copy.event == TEST_EVENT
          else "Queued again as a new delivery.", "success")
    return redirect(url_for("web.admin_webhook", webhook_id=copy.webhook_id), 303)


# --- performance ------------------------------------------------------------------------------
@web.get("/admin/performance")
@admin_only
def admin_performance():
    # htmx polls this every 10 s and gets only the cards (one summary, no per-item queries).
    return render("admin/performance.html", block="cards", perf=performance_service.summary(_actor()))
