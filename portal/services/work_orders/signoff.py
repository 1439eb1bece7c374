"""Sign-off: the signature of the person who accepts the work (an operator, a production lead), drawn
on the technician's screen, required to complete a work order that asks for it.

- A work order requires it when its `requires_signature` is set: by a manager (API or portal), or
  inherited from the PM template it was generated from (services/pm/scheduler.py).
- The signature is a PNG drawn on a canvas, judged by attachments.check_signature() (a PNG by its
  bytes, bounded in bytes and pixels, not blank) and stored as an attachment of kind "signature"
  with the signer's name; `uploaded_by` is who captured it, `created_at` when.
- One signature per work order: a new one replaces the old (row and files) while the work order is
  open; once it is completed (or cancelled) the signature is read-only.
- Who may sign: who may record work on it (staff, or its technician), as for the checklist.
- Completion gate (work_order_completing, connected in portal/wiring.py after the checklist's):
  a work order that requires a signature and has none is not completed (409, field `signature`).
- Event: work_order.signed, with the signature, in the same transaction.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal.models import WorkOrder, WorkOrderAttachment, WorkOrderHistory
from portal.models.types import utcnow
from portal.models.work_orders import CLOSED_STATUSES
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.attachments import SignatureCreate, SignatureOut
from portal.schemas.common import iso
from portal.schemas.work_orders import WorkOrderOut
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, DomainError, NotFound, field_error
from portal.services.common.events import record_event
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.work_orders import attachments
from portal.services.work_orders.checklists import check_work_rights
from portal.services.work_orders.lifecycle import get_work_order

SIGNATURE_MISSING = "A signature is required to complete this work order"
SIGNATURE_MISSING_DETAIL = "The person accepting the work signs before it is completed"


def _signature_of(work_order_id: str) -> WorkOrderAttachment | None:
    return db.session.scalars(
        select(WorkOrderAttachment).where(WorkOrderAttachment.work_order_id == work_order_id,
                                          WorkOrderAttachment.kind == "signature")
        .order_by(WorkOrderAttachment.created_at.desc()).limit(1)).first()


def get_signature(actor: Actor, work_order_id: str) -> WorkOrderAttachment | None:
    """The signature of a work order of the actor's warehouse, or None (404 for the work order)."""
    wo = get_work_order(actor, work_order_id)
    return _signature_of(wo.id)


def signature_on_page(actor: Actor, wo: WorkOrder | WorkOrderOut) -> WorkOrderAttachment | None:
    """The signature of a work order just read in the actor's warehouse (the work order page's), in
    one statement instead of a second lookup and one."""
    require(actor, "work_orders.read")
    if wo.warehouse_id != actor.warehouse_id:
        raise NotFound("Work order not found")
    return _signature_of(wo.id)


def require_signature(actor: Actor, work_order_id: str) -> WorkOrderAttachment:
    """As get_signature(), 404 when the work order has no signature yet."""
    row = get_signature(actor, work_order_id)
    if row is None:
        raise NotFound("This work order has no signature yet")
    return row


def can_sign(actor: Actor, wo: WorkOrder | WorkOrderOut) -> bool:
    """Whether the sign-off pad is offered (sign() decides again)."""
    if wo.status in CLOSED_STATUSES:
        return False
    try:
        check_work_rights(actor, wo)  # type: ignore[arg-type]  # reads status and assigned_to only
    except DomainError:
        return False
    return True


def sign(actor: Actor, work_order_id: str, data: SignatureCreate, png: bytes | None, *,
         now: datetime | None = None) -> WorkOrderAttachment:
    """Record the signature of an open work order: replaces the one it had. 400 on field `file`
    for a drawing that is not a PNG, too large or blank; 409 once the work order is closed."""
    now = now or utcnow()
    signer = " ".join(data.signer_name.split())
    if not signer:
        raise field_error("signerName", "Write the name of who signs")
    # Rights and the work order first: a refused user learns nothing from how the drawing is judged.
    wo = get_work_order(actor, work_order_id)
    check_work_rights(actor, wo)
    _check_open(wo)
    judged = attachments.check_signature(png)
    with unit_of_work():
        wo = get_in_warehouse(WorkOrder, work_order_id, actor, what="Work order", lock=True)
        check_work_rights(actor, wo)
        _check_open(wo)  # completed meanwhile: the signature it was completed with stays
        old = _signature_of(wo.id)
        if old is not None:
            db.session.delete(old)
            db.session.flush()
        row = attachments.store_photo(actor, wo.id, judged, f"signature-{wo.fo_number}", now=now,
                                      kind="signature", signer_name=signer)
        db.session.add(WorkOrderHistory(
            work_order_id=wo.id, user_id=actor.id, action="signed", at=now,
            changes={"signature": {"from": old.signer_name if old else None, "to": signer}}))
        record_event(
            "work_order.signed", entity="work_order", entity_id=wo.id, warehouse_id=wo.warehouse_id,
            payload={"workOrder": WorkOrderOut.dump(wo), "signature": SignatureOut.dump(row),
                     "replaced": old is not None, "signedBy": actor.id, "timestamp": iso(now)},
            actor=actor, now=now,
        )
    if old is not None:
        attachments.remove_files(old)  # after the commit: a rollback keeps the old one whole
    return row


def _check_open(wo: WorkOrder) -> None:
    if wo.status in CLOSED_STATUSES:
        raise Conflict(f"A {wo.status} work order's signature can no longer change",
                       [{"field": "signature", "message": "Signed work orders are read-only once closed"}])


def signature_given(wo: WorkOrder, *, actor: Actor, now: datetime) -> None:
    """Completion gate (work_order_completing): a work order that requires a signature has one (409
    on field `signature` otherwise)."""
    if wo.requires_signature and _signature_of(wo.id) is None:
        raise Conflict(SIGNATURE_MISSING, [{"field": "signature", "message": SIGNATURE_MISSING_DETAIL}])
