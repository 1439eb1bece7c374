"""The permission matrix (README: "Roles"). Enforced here, never in views."""
from __future__ import annotations

from portal.services.common.actor import Actor
from portal.services.common.errors import Forbidden

ALL = frozenset({"admin", "manager", "technician", "requester", "system"})
STAFF = frozenset({"admin", "manager", "system"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "work_orders.read": ALL,
    "work_orders.create": ALL,
    # Technicians only on work orders assigned to them, and only some fields (services/work_orders/lifecycle.py).
    "work_orders.update": STAFF | {"technician"},
    "work_orders.assign": STAFF,
    # Adding checklist items to an ad-hoc work order (typed in, or a PM template's copied).
    "work_orders.checklist": STAFF,
    # Comments and photos: staff and technicians on any work order of their warehouse, requesters on
    # the ones they requested (services/work_orders/comments.py, services/work_orders/attachments.py). Not the system.
    "work_orders.comment": frozenset({"admin", "manager", "technician", "requester"}),
    # "system": the photo of a problem report made without an account (services/work_orders/problem_reports.py).
    "work_orders.attach": frozenset({"admin", "manager", "technician", "requester", "system"}),
    "equipment.read": ALL,
    "equipment.write": STAFF,
    # Technicians find and fix breakdowns: they may mark an asset down and back up.
    "equipment.status": STAFF | {"technician"},
    "parts.read": ALL,
    "parts.write": STAFF,
    "parts.consume": STAFF | {"technician"},
    # Receiving goods is storeroom routine; adjustments and counts (parts.write) change the books.
    "parts.receive": STAFF | {"technician"},
    # Asking the storeroom for a part a work order needs (on the work orders one may work on).
    "parts.request": STAFF | {"technician"},
    # CSV imports of assets and parts (they create and change both): staff only.
    "imports.manage": STAFF,
    # The warehouse's list of hold reasons ("Waiting for parts"...): everyone picks, staff edit it.
    "hold_reasons.manage": STAFF,
    # The failure catalogue (modes, causes, remedies) and whether closing a repair needs them: staff.
    "failure_codes.manage": STAFF,
    "pm.read": ALL,
    "pm.write": STAFF,
    "kpis.read": STAFF,
    # The weekly plan: technicians see it (their week), managers make and freeze it and keep the
    # crew's weekly hours and absences.
    "schedules.read": STAFF | {"technician"},
    "schedules.manage": STAFF,
    "users.manage": frozenset({"admin", "system"}),
    "api_keys.manage": frozenset({"admin"}),
    "webhooks.read": STAFF,
    "webhooks.manage": frozenset({"admin", "system"}),
    "performance.read": frozenset({"admin", "system"}),
    # Warehouse settings (problem reports without an account, time zone) and label report tokens.
    "warehouse.manage": frozenset({"admin", "system"}),
    # The requests inbox (services/work_orders/requests.py): approve, merge or decline what was reported.
    "requests.review": STAFF,
    # Sending a request to the inbox (a requester's, or anyone's with an account; reports without an
    # account go through /report/<token>).
    "requests.submit": frozenset({"admin", "manager", "technician", "requester"}),
    # The portal's admin console (/admin/users, /admin/webhooks, /admin/performance).
    "admin_console.use": frozenset({"admin"}),
    # The mail outbox (/admin/mail): every e-mail the warehouse's notifications wrote, sent or kept.
    "mail.read": frozenset({"admin"}),
}


# What each permission lets a role do, in words: the refusal reads "Technicians cannot manage webhooks".
ACTIONS: dict[str, str] = {
    "work_orders.read": "see work orders",
    "work_orders.create": "create work orders",
    "work_orders.update": "change work orders",
    "work_orders.assign": "assign work orders",
    "work_orders.checklist": "add checklists to work orders",
    "work_orders.comment": "comment on work orders",
    "work_orders.attach": "attach photos or files to work orders",
    "equipment.read": "see equipment",
    "equipment.write": "add or change equipment",
    "equipment.status": "change the status of equipment",
    "parts.read": "see parts",
    "parts.write": "add or change parts or adjust their stock",
    "parts.consume": "use parts on work orders",
    "parts.receive": "receive parts into stock",
    "parts.request": "request parts for work orders",
    "imports.manage": "import equipment or parts",
    "pm.read": "see preventive maintenance",
    "pm.write": "plan preventive maintenance",
    "kpis.read": "see the KPIs",
    "schedules.read": "see the weekly plan",
    "schedules.manage": "plan the week or change the crew's hours and absences",
    "users.manage": "manage users",
    "api_keys.manage": "manage API keys",
    "webhooks.read": "see webhooks",
    "webhooks.manage": "manage webhooks",
    "performance.read": "see the performance summary",
    "warehouse.manage": "change the warehouse settings",
    "hold_reasons.manage": "edit the hold reasons",
    "failure_codes.manage": "edit the failure codes",
    "admin_console.use": "use the admin console",
    "requests.review": "review requests",
    "requests.submit": "send requests",
    "mail.read": "read the mail outbox",
}
ROLES_IN_WORDS = {"admin": "Administrators", "manager": "Managers", "technician": "Technicians",
                  "requester": "Requesters", "system": "The system"}


def can(actor: Actor, permission: str) -> bool:
    return actor.role in PERMISSIONS[permission]


def refusal(role: str, permission: str) -> str:
    """ "Technicians cannot manage webhooks"."""
    who = ROLES_IN_WORDS.get(role, f"The role {role}")
    return f"{who} cannot {ACTIONS[permission]}"


def require(actor: Actor, permission: str) -> None:
    if not can(actor, permission):
        raise Forbidden(refusal(actor.role, permission))
