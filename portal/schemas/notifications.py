"""A person's notifications and their choice of how to hear of each kind (/api/notifications,
/api/me/notification-preferences)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.models.notifications import NOTIFICATION_CHANNEL, NOTIFICATION_KIND
from portal.schemas.common import Out, PageQuery, Payload, UtcOut

Kind = Literal[NOTIFICATION_KIND.values]  # type: ignore[valid-type]
Channel = Literal[NOTIFICATION_CHANNEL.values]  # type: ignore[valid-type]
CHANNEL_TEXT = ("portal: the portal's list only; email: the list and an e-mail at once; digest: the list and the "
                "daily e-mail digest; off: nothing")


class NotificationQuery(PageQuery):
    """Newest first."""

    unread: bool | None = Field(None, description="true: only the unread ones; false: only the read ones")


class NotificationOut(Out):
    id: str
    kind: Kind
    title: str
    detail: str | None
    entity: str = Field(description="What it is about: work_order, part or reorder_request")
    entity_id: str
    link: str = Field(description="The record's page in the portal (a path)")
    event_id: str = Field(description="The domain event it came from (the webhook envelope's id)")
    created_at: UtcOut
    read_at: UtcOut | None


class ReadAllOut(Out):
    marked: int = Field(description="Notifications marked read by this call")


class PreferenceOut(Out):
    kind: Kind
    label: str
    audience: str = Field(description="Who is told of this kind, in words")
    channel: Channel = Field(description=CHANNEL_TEXT)
    default_channel: Channel


class PreferencesOut(Out):
    preferences: list[PreferenceOut] = Field(description="Every kind, in the portal's order")


class PreferenceIn(Payload):
    kind: Kind
    channel: Channel = Field(description=CHANNEL_TEXT)


class PreferencesUpdate(Payload):
    preferences: list[PreferenceIn] = Field(max_length=len(NOTIFICATION_KIND.values), description=(
        "The kinds to change, each once; kinds left out keep their setting"))

