"""Times shown in the warehouse's zone, the way a shift talks about them; the API stays UTC."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models.types import utcnow


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
