"""Hold reasons: the warehouse's list of why work waits ("Waiting for parts"), picked when a work
order is put on hold and edited by managers and admins.

A reason's `code` is made once from its first label and never changes: the API's holdReasonCode,
the history and the work_order.updated event's changes carry it. Renaming changes the label only;
removing a reason retires it (active false), so an older hold still reads with its label.
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select

from portal.models import HoldReason, Warehouse
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.work_orders import HoldReasonCreate, HoldReasonUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, field_error
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require

# Every warehouse starts with these (migration 0022 for the existing ones, warehouse_created for new).
DEFAULTS: tuple[tuple[str, str], ...] = (
    ("waiting_parts", "Waiting for parts"),
    ("waiting_access", "Waiting for production/access"),
    ("waiting_trade", "Waiting for another trade"),
    ("safety_permit", "Safety/permit"),
    ("other", "Other"),
)
# The reason that says nothing by itself: the portal asks for a few words with it.
OTHER = "other"
# More would not fit a phone's screen of choices; a list this long is a sign of reasons nobody picks.
MAX_ACTIVE = 12


def seed_defaults(warehouse_id: str) -> None:
    """The default reasons for a warehouse that has none, inside the caller's transaction."""
    s = db.session
    if s.scalar(select(func.count()).select_from(HoldReason).where(HoldReason.warehouse_id == warehouse_id)):
        return
    s.add_all(HoldReason(warehouse_id=warehouse_id, code=code, label=label, position=n)
              for n, (code, label) in enumerate(DEFAULTS))


def warehouse_created(warehouse: Warehouse, **_: object) -> None:
    """Receiver of warehouse_created (wiring.py): a new warehouse starts with the default reasons."""
    db.session.flush()  # the warehouse's id, for the reasons' foreign key
    seed_defaults(warehouse.id)


def list_reasons(actor: Actor, *, retired: bool = False) -> list[HoldReason]:
    """The warehouse's reasons in their order; the retired ones too with `retired`."""
    stmt = select(HoldReason).where(HoldReason.warehouse_id == actor.warehouse_id)
    if not retired:
        stmt = stmt.where(HoldReason.active.is_(True))
    return list(db.session.scalars(stmt.order_by(HoldReason.active.desc(), HoldReason.position, HoldReason.label)))


def labels(warehouse_id: str) -> dict[str, str]:
    """code -> label of every reason of the warehouse, retired ones included (for the history)."""
    rows = db.session.execute(select(HoldReason.code, HoldReason.label).where(HoldReason.warehouse_id == warehouse_id))
    return {code: label for code, label in rows}


def check_code(warehouse_id: str, code: str) -> None:
    """An API client's or a form's holdReasonCode: one of the warehouse's active reasons."""
    found = db.session.scalar(select(HoldReason.id).where(
        HoldReason.warehouse_id == warehouse_id, HoldReason.code == code, HoldReason.active.is_(True)))
    if found is None:
        raise field_error("holdReasonCode", "Not one of the hold reasons offered: pick another")


def _code_for(label: str, taken: set[str]) -> str:
    """"Waiting for paint!" -> "waiting_for_paint" (ASCII, 40 characters at most), numbered if taken."""
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")[:36] or "reason"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _label_free(actor: Actor, label: str, except_id: str | None = None) -> None:
    stmt = select(HoldReason.id).where(HoldReason.warehouse_id == actor.warehouse_id,
                                       func.lower(HoldReason.label) == label.lower(), HoldReason.active.is_(True))
    if except_id:
        stmt = stmt.where(HoldReason.id != except_id)
    if db.session.scalar(stmt):
        raise field_error("label", "There is already a hold reason with this name", Conflict)


def _room_for_one_more(actor: Actor) -> None:
    active = db.session.scalar(select(func.count()).select_from(HoldReason).where(
        HoldReason.warehouse_id == actor.warehouse_id, HoldReason.active.is_(True)))
    if active >= MAX_ACTIVE:
        raise field_error("label", f"At most {MAX_ACTIVE} hold reasons: remove one first", Conflict)


def add_reason(actor: Actor, data: HoldReasonCreate) -> HoldReason:
    require(actor, "hold_reasons.manage")
    label = data.label.strip()
    if not label:
        raise field_error("label", "Enter the reason's name")
    with unit_of_work() as s:
        s.scalar(select(Warehouse.id).where(Warehouse.id == actor.warehouse_id).with_for_update())  # one editor at a time
        _label_free(actor, label)
        _room_for_one_more(actor)
        taken = set(s.scalars(select(HoldReason.code).where(HoldReason.warehouse_id == actor.warehouse_id)))
        last = s.scalar(select(func.max(HoldReason.position)).where(HoldReason.warehouse_id == actor.warehouse_id))
        reason = HoldReason(warehouse_id=actor.warehouse_id, code=_code_for(label, taken), label=label,
                            position=(last if last is not None else -1) + 1)
        s.add(reason)
        s.flush()
        return reason


def update_reason(actor: Actor, reason_id: str, data: HoldReasonUpdate) -> HoldReason:
    """Rename, retire or bring back one reason of the actor's warehouse (another's is a 404)."""
    require(actor, "hold_reasons.manage")
    with unit_of_work() as s:
        s.scalar(select(Warehouse.id).where(Warehouse.id == actor.warehouse_id).with_for_update())
        reason = get_in_warehouse(HoldReason, reason_id, actor, what="Hold reason", lock=True)
        if data.label is not None:
            label = data.label.strip()
            if not label:
                raise field_error("label", "Enter the reason's name")
            if label != reason.label:
                _label_free(actor, label, except_id=reason.id)
                reason.label = label
        if data.active is not None and data.active != reason.active:
            if data.active:
                _label_free(actor, reason.label, except_id=reason.id)
                _room_for_one_more(actor)
            reason.active = data.active
        s.flush()
        return reason
