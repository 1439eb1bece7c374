"""Who is told what, of which domain event: one table, RULES, read top to bottom.

A rule names an event of the catalogue (portal/schemas/events.py), the kind of notification it makes
(each person chooses per kind how to hear of it: services/notifications/preferences.py), a test of
the event (`when`), who is told (user ids, from the event's payload and the warehouse's people) and
the words (title, detail, and the record it links to). Nobody is told of what they did themselves,
and a person hears of one event once, by the first rule that names them.

To notify of a new event (the requests inbox's `request.created`, say): add one Rule line below,
with its recipients and words; a new kind also needs its line in NOTIFICATION_KIND
(portal/models/notifications.py) and its default in DEFAULTS.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from portal.models import DomainEvent, User
from portal.platform.extensions import db

# How a kind is delivered until the person chooses (NOTIFICATION_CHANNEL's values).
DEFAULTS: dict[str, str] = {
    "assigned": "email",
    "commented": "portal",
    "overdue": "email",
    "problem_reported": "email",
    "part_requested": "portal",
    "stock_low": "digest",
    "pm_generated": "digest",
}
# Who a kind is for, in words: the preferences page says it next to each kind.
AUDIENCE: dict[str, str] = {
    "assigned": "You, when a work order is assigned to you (by a person, a PM template or an escalation)",
    "commented": "The assignee and the person who asked for the work order",
    "overdue": "The assignee and the warehouse's managers, when urgent work or a PM goes past its due date",
    "problem_reported": ("The warehouse's managers, when someone reports a problem from an asset's label "
                         "(or a request waits in the requests inbox)"),
    "part_requested": "The warehouse's managers, when a part is asked for from a work order",
    "stock_low": "The warehouse's managers, when a part falls to its reorder point",
    "pm_generated": "The warehouse's managers, when a PM template creates its work order",
}


@dataclass(frozen=True)
class Message:
    """What a notification says and what it links to."""

    title: str
    detail: str | None
    entity: str  # work_order, part, reorder_request, request
    entity_id: str


@dataclass(frozen=True)
class Rule:
    event: str
    kind: str
    recipients: Callable[[DomainEvent], Iterable[str | None]]
    message: Callable[[DomainEvent], Message]
    when: Callable[[DomainEvent], bool] = lambda _event: True


# --- who -----------------------------------------------------------------------------------------
def managers(event: DomainEvent) -> list[str]:
    """The warehouse's active managers."""
    return list(db.session.scalars(
        select(User.id).where(User.warehouse_id == event.warehouse_id, User.role == "manager",
                              User.active.is_(True)).order_by(User.created_at, User.id)))


def _wo(event: DomainEvent) -> dict:
    return event.payload.get("workOrder") or {}


def _changed_to(event: DomainEvent, field: str) -> str | None:
    change = (event.payload.get("changes") or {}).get(field)
    return change.get("to") if isinstance(change, dict) else None


def created_assignee(event: DomainEvent) -> list[str | None]:
    return [_wo(event).get("assignedTo")]


def new_assignee(event: DomainEvent) -> list[str | None]:
    return [_changed_to(event, "assignedTo")]


def assignee_and_requester(event: DomainEvent) -> list[str | None]:
    return [event.payload.get("assignedTo"), event.payload.get("requestedBy")]


def overdue_people(event: DomainEvent) -> list[str | None]:
    """Whoever had it (before an escalation took it to a manager), whoever has it, the managers."""
    return [event.payload.get("previousAssignee"), _wo(event).get("assignedTo"), *managers(event)]


# --- words ---------------------------------------------------------------------------------------
def _about(event: DomainEvent) -> str:
    wo = _wo(event)
    return f"{wo.get('foNumber', '')} {wo.get('title', '')}".strip()


def _work_order_message(title: str, detail: Callable[[DomainEvent], str | None] = lambda _e: None
                        ) -> Callable[[DomainEvent], Message]:
    def message(event: DomainEvent) -> Message:
        return Message(title.format(about=_about(event)), detail(event), "work_order", event.entity_id)

    return message


def _description(event: DomainEvent) -> str | None:
    return _wo(event).get("description")


def _commented(event: DomainEvent) -> Message:
    p = event.payload
    body = p["comment"]["body"]
    return Message(f"New comment on {p['foNumber']} {p['title']}",
                   body if len(body) <= 300 else body[:299] + "…", "work_order", p["workOrderId"])


def _reported(event: DomainEvent) -> Message:
    wo = _wo(event)
    return Message(f"Problem reported: {_about(event)}",
                   f"Reported by {wo.get('reporterName')}. {wo.get('description') or ''}".strip(),
                   "work_order", event.entity_id)


def _request_waiting(event: DomainEvent) -> Message:
    req = event.payload["request"]
    who = req.get("reporterName") or "a requester"
    return Message(f"Request waiting: {req.get('title', '')}".strip(),
                   f"From {who}. {req.get('description') or ''}".strip(), "request", event.entity_id)


def _part_requested(event: DomainEvent) -> Message:
    p = event.payload
    return Message(f"Part requested for {p['foNumber']}: {p['quantity']} × {p['part']['partNumber']}",
                   p["part"].get("description"), "work_order", p["workOrderId"])


def _stock_low(event: DomainEvent) -> Message:
    p = event.payload
    return Message(f"Stock low: {p['part']['partNumber']} ({p['stockLevel']} left)",
                   f"Reorder point {p['reorderPoint']}. {p['part'].get('description') or ''}".strip(),
                   "part", p["part"]["id"])


def _pm_generated(event: DomainEvent) -> Message:
    p = event.payload
    return Message(f"PM work order created: {_about(event)}", f"From the PM template {p['templateName']}",
                   "work_order", event.entity_id)


def _overdue_detail(event: DomainEvent) -> str | None:
    p = event.payload
    return p.get("reason") or f"{p.get('hoursOverdue')} h past its due date"


# --- the table -----------------------------------------------------------------------------------
RULES: list[Rule] = [
    Rule("work_order.created", "assigned", created_assignee,
         _work_order_message("Assigned to you: {about}", _description),
         when=lambda e: bool(_wo(e).get("assignedTo"))),
    Rule("work_order.updated", "assigned", new_assignee,
         _work_order_message("Assigned to you: {about}", _description),
         when=lambda e: bool(_changed_to(e, "assignedTo"))),
    Rule("work_order.commented", "commented", assignee_and_requester, _commented),
    Rule("work_order.escalated", "overdue", overdue_people,
         _work_order_message("Overdue: {about}", _overdue_detail)),
    Rule("pm.overdue", "overdue", overdue_people, _work_order_message("PM overdue: {about}", _overdue_detail)),
    # A problem reported from an asset's label (/report/<token>): a work order with a reporter.
    # Straight to a work order: made by the system actor. A work order a manager made by approving an
    # inbox request (actor_id set) was told already, as the request below.
    Rule("work_order.created", "problem_reported", managers, _reported,
         when=lambda e: bool(_wo(e).get("reporterName")) and e.actor_id is None),
    # Through the requests inbox (services/work_orders/requests.py): the request waits for a manager.
    Rule("request.created", "problem_reported", managers, _request_waiting),
    Rule("parts.requested", "part_requested", lambda e: managers(e), _part_requested),
    Rule("inventory.low_stock", "stock_low", lambda e: managers(e), _stock_low),
    Rule("pm.scheduled", "pm_generated", lambda e: managers(e), _pm_generated),
]

BY_EVENT: dict[str, list[Rule]] = {}
for _rule in RULES:
    BY_EVENT.setdefault(_rule.event, []).append(_rule)

# Where a notification's record opens in the portal.
LINKS: dict[str, str] = {
    "work_order": "/work-orders/{id}",
    "part": "/parts/{id}",
    "reorder_request": "/parts/reorders",
    "request": "/requests",
}


def link(entity: str, entity_id: str) -> str:
    return LINKS.get(entity, "/notifications").format(id=entity_id)
