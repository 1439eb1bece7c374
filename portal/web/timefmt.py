"""Times shown in the warehouse's zone, the way a shift talks about them; the API stays UTC."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.models.types import utcnow


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(value: datetime | None, tz: ZoneInfo, now: datetime | None = None) -> str:
    """"today 14:30", "tomorrow 08:00", "yesterday 17:00", else "Mon 12 Jan" (+ year if not this one)."""
    if value is None:
        return "—"
    now = (now or utcnow()).astimezone(tz)
    local = value.astimezone(tz)
    days = (local.date() - now.date()).days
    if days == 0:
        return f"today {local:%H:%M}"
    if days == 1:
        return f"tomorrow {local:%H:%M}"
    if days == -1:
        return f"yesterday {local:%H:%M}"
    text = f"{local:%a} {local.day} {local:%b}"
    return text if local.year == now.year else f"{text} {local.year}"


def due_state(value: datetime | None, tz: ZoneInfo, now: datetime | None = None) -> str:
    """"3 days overdue", "1 day overdue", "overdue" (earlier today), "" when not overdue."""
    now = now or utcnow()
    if value is None or value >= now:
        return ""
    days = (now.astimezone(tz).date() - value.astimezone(tz).date()).days
    if days <= 0:
        return "overdue"
    return f"{days} day{'s' if days != 1 else ''} overdue"


def local_input(value: datetime | None, tz: ZoneInfo) -> str:
    """A UTC time as a datetime-local input's value in the warehouse's zone ("" for none)."""
    return f"{value.astimezone(tz):%Y-%m-%dT%H:%M}" if value else ""


def from_local_input(text: str, tz: ZoneInfo) -> str:
    """A datetime-local input's value (warehouse time) as ISO-8601 with its offset, for the API's
    schemas; text that is not such a value is passed on unchanged so the schema names the error."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    return local.isoformat()
