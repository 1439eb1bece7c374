"""Each person's choice, per kind, of how to hear of it: portal, email, digest or off."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from portal.models import NotificationPreference
from portal.models.notifications import NOTIFICATION_KIND
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.notifications import PreferencesUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import ValidationFailed
from portal.services.notifications.rules import AUDIENCE, DEFAULTS


def channels_for(user_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    """(user id, kind) -> channel for the choices these people made (defaults are not stored)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(NotificationPreference.user_id, NotificationPreference.kind,
                                     NotificationPreference.channel)
                              .where(NotificationPreference.user_id.in_(ids)))
    return {(user_id, kind): channel for user_id, kind, channel in rows}


def _require_person(actor: Actor) -> str:
    if actor.id is None:  # the system has no inbox
        raise ValidationFailed("Only a person has notification preferences")
    return actor.id


def preferences(actor: Actor) -> list[dict]:
    """Every kind with the person's channel (or the default), in the portal's order."""
    user_id = _require_person(actor)
    chosen = channels_for([user_id])
    return [{"kind": kind, "label": NOTIFICATION_KIND.label(kind), "audience": AUDIENCE[kind],
             "channel": chosen.get((user_id, kind), DEFAULTS[kind]), "default_channel": DEFAULTS[kind]}
            for kind in NOTIFICATION_KIND.values]


def update_preferences(actor: Actor, data: PreferencesUpdate) -> list[dict]:
    """Set the channels given (each kind once); the others keep theirs."""
    user_id = _require_person(actor)
    seen: set[str] = set()
    errors = []
    for i, item in enumerate(data.preferences):
        if item.kind in seen:
            errors.append({"field": f"preferences[{i}].kind", "message": f"{item.kind} is given twice"})
        seen.add(item.kind)
    if errors:
        raise ValidationFailed("Validation failed", errors)
    with unit_of_work() as s:
        rows = {row.kind: row for row in s.scalars(select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind.in_(seen)))}
        for item in data.preferences:
            row = rows.get(item.kind)
            if row is None:
                s.add(NotificationPreference(user_id=user_id, kind=item.kind, channel=item.channel))
            else:
                row.channel = item.channel
    return preferences(actor)
