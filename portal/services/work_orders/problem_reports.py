"""Problem reports without an account: a label's /report/<token> page creates a `new` corrective
work order (or a request in the manager's inbox: services/work_orders/requests.py). Off unless an
admin turned it on for the warehouse; an asset's token is rotatable."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.models import Equipment, Warehouse, WorkOrder
from portal.models.assets import new_report_token
from portal.models.requests import WorkRequest
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.warehouse import ProblemReportCreate
from portal.schemas.work_orders import WorkOrderCreate
from portal.services.common.actor import Actor
from portal.services.common.errors import NotFound
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.work_orders import attachments, report_status, requests
from portal.services.work_orders.lifecycle import create_work_order

TITLE_LENGTH = 80


def asset_for_report(token: str) -> Equipment:
    """The asset a report token names, when its warehouse takes reports; else 404 (never a hint why)."""
    if not token or len(token) > 64 or "\x00" in token:
        raise NotFound("Page not found")
    eq = db.session.scalars(
        select(Equipment).join(Warehouse, Warehouse.id == Equipment.warehouse_id)
        .where(Equipment.report_token == token, Warehouse.problem_reports_enabled.is_(True))
    ).first()
    if eq is None:
        raise NotFound("Page not found")
    return eq


def asset_for_label(equipment_id: str, token: str) -> tuple[Equipment, bool]:
    """The asset whose label a logged-out phone scanned (the asset page URL carries the label's
    token), and whether its warehouse takes problem reports; else 404. Without the token, or with a
    wrong one, nothing tells an existing asset from a missing one."""
    if not token or not equipment_id or len(token) > 64 or "\x00" in token + equipment_id:
        raise NotFound("Page not found")
    row = db.session.execute(
        select(Equipment, Warehouse.problem_reports_enabled).join(Warehouse, Warehouse.id == Equipment.warehouse_id)
        .where(Equipment.report_token == token)
    ).first()
    if row is None or row[0].id != equipment_id:
        raise NotFound("Page not found")
    return row[0], bool(row[1])


def report_title(eq: Equipment, description: str) -> str:
    """A title a planner can scan: the asset tag and the first line of what the reporter wrote."""
    first = description.strip().splitlines()[0].strip() if description.strip() else "Problem reported"
    title = f"{eq.asset_tag}: {first}"
    return title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1].rstrip() + "…"


@dataclass(frozen=True)
class SubmittedReport:
    """A report as the thank-you page shows it: the only time the status token exists outside the
    reporter's hands (only its SHA-256 is stored). Either its work order (straight to a work order)
    or its request (through the inbox: services/work_orders/requests.py)."""

    work_order: WorkOrder | None
    status_token: str
    request: WorkRequest | None = None


def submit_report(token: str, data: ProblemReportCreate, *, photo: bytes | None = None,
                  photo_name: str | None = None, now: datetime | None = None) -> SubmittedReport:
    """Create the `new` corrective work order through the work order service (history, foNumber,
    work_order.created webhook), as the warehouse's system actor: requestedBy stays null. When the
    warehouse takes reports through the inbox, a pending request instead (request.created), which a
    manager approves, merges or declines.

    An optional photo goes through the work order photo service within the public form's stricter
    bound (REPORT_PHOTO_MAX_MEGAPIXELS); it is judged and decoded once, before the work order is
    created, so a refused photo leaves nothing behind, and what is stored is what was judged.
    The reporter gets a private status link (services/work_orders/report_status.py); their optional
    e-mail gets the "it is done" notice when the work order is completed (services/notifications/outbox.py).
    """
    eq = asset_for_report(token)
    actor = Actor.system(eq.warehouse_id)
    judged = attachments.check_photo(photo, public=True) if photo else None
    status_token, status_token_hash = report_status.new_token()
    if requests.routing(eq.warehouse_id) == "inbox":
        req = requests.receive_report(
            eq, title=report_title(eq, data.description), description=data.description,
            reporter_name=data.reporter_name, reporter_contact=data.reporter_contact,
            reporter_email=data.reporter_email, status_token_hash=status_token_hash, photo=judged,
            photo_name=photo_name, now=now)
        return SubmittedReport(None, status_token, req)
    body = WorkOrderCreate(title=report_title(eq, data.description), description=data.description,
                           type="corrective", priority="medium", equipmentId=eq.id)
    wo = create_work_order(actor, body, now=now, reporter_name=data.reporter_name,
                           reporter_contact=data.reporter_contact, reporter_email=data.reporter_email,
                           status_token_hash=status_token_hash)
    if judged is not None:
        attachments.store_photo(actor, wo.id, judged, photo_name, now=now)
    return SubmittedReport(wo, status_token)


def reporter_email(actor: Actor, work_order_id: str) -> str | None:
    """The e-mail a reporter left to be told when the work is done, for the team's page of the
    work order (not in the API's WorkOrder: the contract's object stays as it is)."""
    require(actor, "work_orders.read")
    return db.session.scalar(select(WorkOrder.reporter_email).where(
        WorkOrder.id == work_order_id, WorkOrder.warehouse_id == actor.warehouse_id))


def rotate_report_token(actor: Actor, equipment_id: str, *, now: datetime | None = None) -> Equipment:
    """A new token for the asset's label; the old one answers 404 from the moment this commits."""
    require(actor, "warehouse.manage")
    with unit_of_work():
        eq = get_in_warehouse(Equipment, equipment_id, actor, what="Equipment", lock=True)
        eq.report_token = new_report_token()
        eq.updated_at = now or utcnow()
        return eq


MAX_LABELS = 100


def labels(actor: Actor, equipment_ids: list[str]) -> tuple[list[Equipment], bool]:
    """Assets to print labels for (the actor's warehouse only, in asset-tag order), and whether
    the labels carry the problem-report QR code (the warehouse takes reports without an account)."""
    require(actor, "equipment.read")
    ids = list(dict.fromkeys(i for i in equipment_ids if i and "\x00" not in i))[:MAX_LABELS]
    assets = list(db.session.scalars(
        select(Equipment).where(Equipment.warehouse_id == actor.warehouse_id, Equipment.id.in_(ids))
        .order_by(Equipment.asset_tag, Equipment.id))) if ids else []
    enabled = bool(db.session.scalar(select(Warehouse.problem_reports_enabled)
                                     .where(Warehouse.id == actor.warehouse_id)))
    return assets, enabled
