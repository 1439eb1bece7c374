"""/api/notifications and /api/me/notification-preferences: the caller's own notifications and their
choice of how to hear of each kind (services/notifications/). Another person's notification is a 404."""
from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args
from portal.schemas.notifications import (
    NotificationOut,
    NotificationQuery,
    PreferencesOut,
    PreferencesUpdate,
    ReadAllOut,
)
from portal.services.notifications import inbox, preferences
from portal.services.notifications.rules import link

_DESCRIPTION = ("What the portal's bell lists for the caller (an API key: for its creator), newest first. "
                "Which events notify whom: docs/portal.md, \"Notifications\".")


def _dump(note) -> dict:
    fields = {name: getattr(note, name) for name in NotificationOut.model_fields if name != "link"}
    return NotificationOut.model_validate({**fields, "link": link(note.entity, note.entity_id)}).model_dump(
        mode="json", by_alias=True)


@api.get("/notifications")
@documented(summary="The caller's notifications, newest first (X-Unread-Count: how many are unread)",
            query=NotificationQuery, response=list[NotificationOut], description=_DESCRIPTION)
def list_notifications():
    q = query_args(NotificationQuery)
    me = actor()
    page = inbox.list_notifications(me, unread=q.unread, page=q.page, limit=q.limit)
    resp = page_response(page, [_dump(n) for n in page.items])
    resp.headers["X-Unread-Count"] = str(inbox.unread_count(me))
    return resp


@api.post("/notifications/<notification_id>/read")
@documented(summary="Mark one of the caller's notifications read (again: no change)", response=NotificationOut)
def read_notification(notification_id: str):
    return jsonify(_dump(inbox.mark_read(actor(), notification_id)))


@api.post("/notifications/read-all")
@documented(summary="Mark all the caller's notifications read", response=ReadAllOut)
def read_all_notifications():
    return jsonify(ReadAllOut(marked=inbox.mark_all_read(actor())).model_dump(by_alias=True))


@api.get("/me/notification-preferences")
@documented(summary="How the caller hears of each kind of notification", response=PreferencesOut)
def get_notification_preferences():
    return jsonify(PreferencesOut.model_validate({"preferences": preferences.preferences(actor())})
                   .model_dump(mode="json", by_alias=True))


@api.put("/me/notification-preferences")
@documented(summary="Choose how to hear of some kinds (the others keep theirs); answers every kind",
            body=PreferencesUpdate, response=PreferencesOut)
def put_notification_preferences():
    body = json_body(PreferencesUpdate)
    return jsonify(PreferencesOut.model_validate({"preferences": preferences.update_preferences(actor(), body)})
                   .model_dump(mode="json", by_alias=True))
