"""The person's notifications: the bell in the header (its live count), the notifications page,
the preferences page, and the admins' mail outbox (/admin/mail).

Thin views on services/notifications/ (the services behind /api/notifications and
/api/me/notification-preferences). The bell and the page stay live the way boards do: they poll a
cheap "changed since" check (the person's counter in platform/live.py, one Redis GET) and fetch
only when something changed; a poll token makes the quiet answer cheaper still (web/live_poll.py).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal.models.notifications import MAIL_STATE, NOTIFICATION_CHANNEL, NOTIFICATION_KIND
from portal.platform import header_counts, live
from portal.platform.database import reads_from_now
from portal.platform.extensions import db
from portal.schemas.notifications import NotificationQuery, PreferencesUpdate
from portal.services.common.actor import Actor
from portal.services.notifications import inbox, mail, preferences
from portal.services.notifications.rules import link
from portal.web import live_poll
from portal.web.blueprint import web
from portal.web.forms import form_model, validate_model
from portal.web.rendering import render, wants_fragment

PER_PAGE = 25


def _actor() -> Actor:
    return Actor.of(current_user.user)


def bell_context(actor: Actor) -> dict:
    """What the header's bell shows: the unread count and the version it was read at."""
    # Counted in SQL only when the person's notifications changed since it was last counted.
    version, unread = header_counts.cached(live.user_key(actor.id), f"{header_counts.PREFIX}:unread:{actor.id}",
                                           lambda: inbox.unread_count(actor))
    return {"unread": unread or 0, "bell_version": version or ""}


def header_bell() -> dict:
    """The bell of a full page. An error page (the database failing, say) still draws, without a count."""
    try:
        return bell_context(_actor())
    except SQLAlchemyError:
        db.session.rollback()
        return {"unread": 0, "bell_version": ""}




def _changed(current: str | None) -> bool:
    # Redis down (None): nothing changed, as the board's check says; polling resumes when it is back.
    return current is not None and request.args.get("since", "") != current


def _when_changed(actor: Actor, template: str, block: str, ctx: Callable[[], dict]) -> Response:
    """204 when the person's notifications did not change since `since`; else `block` of
    `template` anew, with the version it shows (X-Live-Version, as the board's check answers)."""
    current = live.user_version(actor.id)
    if not _changed(current):
        resp = live_poll.nothing_changed()
    else:
        resp = render(template, block=block, **ctx())
        resp.headers["X-Live-Version"] = current
        resp.headers["Cache-Control"] = "no-store"
    # With a poll token: the next checks answer "nothing changed" without the login's SQL (live_poll.py).
    return live_poll.issue(resp, user_id=actor.id, warehouse_id=actor.warehouse_id)


@web.get("/notifications/bell")
@login_required
def notification_bell() -> Response:
    """The header's bell, when the person's notifications changed."""
    actor = _actor()
    return _when_changed(actor, "notifications/_bell.html", "bell", lambda: bell_context(actor))


def _list_context(actor: Actor) -> dict:
    args = request.args.copy()
    args.pop("since", None)
    args.setdefault("limit", str(PER_PAGE))
    query = form_model(NotificationQuery, args)
    if isinstance(query, dict):
        query = NotificationQuery(limit=PER_PAGE)
    # The version before the list (web/work_orders.py, detail_context says why).
    version = live.user_version(actor.id) or ""
    reads_from_now()
    page = inbox.list_notifications(actor, unread=query.unread, page=query.page, limit=query.limit)
    return {"page": page, "query": query, "args": {"unread": "true"} if query.unread else {},
            "links": {n.id: link(n.entity, n.entity_id) for n in page.items},
            "kinds": NOTIFICATION_KIND, "live_version": version,
            **bell_context(actor)}


@web.get("/notifications")
@login_required
def notifications() -> Response:
    return render("notifications/index.html", block="results", **_list_context(_actor()))


@web.get("/notifications/changes")
@login_required
def notification_changes() -> Response:
    """The page's live check: 204, or its list for the same filters."""
    actor = _actor()
    return _when_changed(actor, "notifications/index.html", "results", lambda: _list_context(actor))


def _back() -> Response:
    target = request.form.get("next", "")
    # Only our own page back (with its filters), never another site.
    if not target.startswith("/notifications") or "//" in target:
        target = url_for("web.notifications")
    return redirect(target, 303)


@web.post("/notifications/<notification_id>/read")
@login_required
def notification_read(notification_id: str) -> Response:
    actor = _actor()
    note = inbox.mark_read(actor, notification_id)
    if not wants_fragment():
        return _back()
    return render("notifications/_row.html", block="row", n=note, links={note.id: link(note.entity, note.entity_id)},
                  kinds=NOTIFICATION_KIND, oob_bell=True, **bell_context(actor))


@web.post("/notifications/read-all")
@login_required
def notifications_read_all() -> Response:
    marked = inbox.mark_all_read(_actor())
    flash(f"{marked} notification{'s' if marked != 1 else ''} marked read." if marked else "Nothing was unread.",
          "success")
    return _back()


@web.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def notification_settings() -> Response:
    actor = _actor()
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = {kind: "Choose one of the ways offered" for kind in NOTIFICATION_KIND.values
                  if request.form.get(kind) and request.form[kind] not in NOTIFICATION_CHANNEL}
        chosen = [{"kind": kind, "channel": request.form[kind]} for kind in NOTIFICATION_KIND.values
                  if request.form.get(kind) and kind not in errors]
        body = validate_model(PreferencesUpdate, {"preferences": chosen})
        if not errors and not isinstance(body, dict):
            preferences.update_preferences(actor, body)
            flash("Notification settings saved.", "success")
            return redirect(url_for("web.notification_settings"), 303)
    return render("notifications/settings.html", status=422 if errors else 200, errors=errors,
                  prefs=preferences.preferences(actor), channels=NOTIFICATION_CHANNEL.options,
                  smtp=mail.smtp_configured())


@web.get("/admin/mail")
@login_required
def admin_mail() -> Response:
    actor = _actor()
    try:
        number = max(1, min(1_000_000, int(request.args.get("page", "1"))))
    except ValueError:
        number = 1
    page = mail.list_mails(actor, number, PER_PAGE)
    return render("admin/mail.html", block="results", page=page, states=MAIL_STATE, smtp=mail.smtp_configured())
