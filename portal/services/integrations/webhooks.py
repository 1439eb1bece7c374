"""Webhook endpoints per warehouse, the outbox fan-out, stats, redelivery and the test ping."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.models import EVENT_TYPES, TEST_EVENT, DomainEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from portal.models.types import new_id, utcnow
from portal.platform.database import kept_with_transaction, unit_of_work
from portal.platform.extensions import db
from portal.platform.net_guard import BlockedTarget, check_url
from portal.schemas.webhooks import DeliveryQuery, WebhookCreate, WebhookUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, NotFound, ValidationFailed, field_error
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require
from portal.services.integrations import delivery as sender
from portal.services.integrations import sending

ALL_EVENTS = "*"
OUTBOX_KEY = "webhook_outbox"


def generate_secret() -> str:
    return secrets.token_hex(32)  # 32 random bytes


def _clean_events(events_given: list[str]) -> list[str]:
    errors = [{"field": f"events[{i}]", "message": f"Unknown event type '{name}'"}
              for i, name in enumerate(events_given) if name != ALL_EVENTS and name not in EVENT_TYPES]
    if errors:
        raise ValidationFailed("Unknown event types", errors)
    return [ALL_EVENTS] if ALL_EVENTS in events_given else list(dict.fromkeys(events_given))


def _check_target(url: str) -> None:
    try:
        check_url(url, allow_private=sending.allow_private(), unresolvable_ok=True)
    except BlockedTarget as exc:
        raise field_error("url", str(exc)) from None


# --- endpoints --------------------------------------------------------------------------------
def list_webhooks(actor: Actor, page: int = 1, limit: int = 100) -> Page:
    require(actor, "webhooks.read")
    stmt = (select(WebhookEndpoint).where(WebhookEndpoint.warehouse_id == actor.warehouse_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
    return paginate(stmt, page, limit)


def get_webhook(actor: Actor, webhook_id: str) -> WebhookEndpoint:
    require(actor, "webhooks.read")
    return get_in_warehouse(WebhookEndpoint, webhook_id, actor, what="Webhook")


def create_webhook(actor: Actor, data: WebhookCreate, *, now: datetime | None = None) -> WebhookEndpoint:
    require(actor, "webhooks.manage")
    now = now or utcnow()
    subscribed = _clean_events(data.events)
    _check_target(data.url)
    with unit_of_work() as s:
        endpoint = WebhookEndpoint(
            warehouse_id=actor.warehouse_id, url=data.url, events=subscribed, active=data.active,
            secret=data.secret or generate_secret(), created_by=actor.id, created_at=now, updated_at=now,
        )
        s.add(endpoint)
        s.flush()
        return endpoint


def update_webhook(actor: Actor, webhook_id: str, data: WebhookUpdate, *,
                   now: datetime | None = None) -> tuple[WebhookEndpoint, bool]:
    """Change url, events, active, or the secret; returns (endpoint, whether the secret changed)."""
    require(actor, "webhooks.manage")
    now = now or utcnow()
    given = data.model_fields_set
    for name in ("url", "events", "active"):
        if name in given and getattr(data, name) is None:
            raise field_error(name, "May not be null")
    if data.secret is not None and data.rotate_secret:
        raise field_error("rotateSecret", "Give either a new secret or rotateSecret, not both")
    with unit_of_work():
        endpoint = get_in_warehouse(WebhookEndpoint, webhook_id, actor, what="Webhook", lock=True)
        if data.url is not None and data.url != endpoint.url:
            _check_target(data.url)
            endpoint.url = data.url
        if data.events is not None:
            endpoint.events = _clean_events(data.events)
        if data.active is not None and data.active != endpoint.active:
            endpoint.active = data.active
            if data.active:  # an operator re-enables it: start counting failures afresh
                endpoint.consecutive_failures = 0
                endpoint.disabled_at = None
                endpoint.disabled_reason = None
            else:
                endpoint.disabled_at = now
                endpoint.disabled_reason = "Deactivated by a user"
        rotated = data.rotate_secret or (data.secret is not None and data.secret != endpoint.secret)
        if rotated:
            endpoint.secret = data.secret or generate_secret()
        endpoint.updated_at = now
        db.session.flush()
        return endpoint, rotated


def delete_webhook(actor: Actor, webhook_id: str) -> None:
    """Delete the endpoint and its delivery log; queued jobs for it then find nothing to send."""
    require(actor, "webhooks.manage")
    with unit_of_work() as s:
        endpoint = get_in_warehouse(WebhookEndpoint, webhook_id, actor, what="Webhook", lock=True)
        # Attempts first: the foreign keys cascade too, but a database need not enforce them.
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.webhook_id == endpoint.id)
        s.execute(WebhookDeliveryAttempt.__table__.delete().where(WebhookDeliveryAttempt.delivery_id.in_(deliveries)))
        s.execute(WebhookDelivery.__table__.delete().where(WebhookDelivery.webhook_id == endpoint.id))
        s.delete(endpoint)


def webhook_stats(actor: Actor, webhook_id: str) -> dict:
    endpoint = get_webhook(actor, webhook_id)
    state = WebhookDelivery.state
    row = db.session.execute(
        select(func.count(),
               func.coalesce(func.sum(case((state == "delivered", 1), else_=0)), 0),
               func.coalesce(func.sum(case((state == "failed", 1), else_=0)), 0),
               func.coalesce(func.sum(case((state == "pending", 1), else_=0)), 0))
        .where(WebhookDelivery.webhook_id == endpoint.id)
    ).one()
    total, delivered, failed, pending = (int(v) for v in row)
    finished = delivered + failed
    rate = round(delivered * 100 / finished, 2) if finished else 0.0
    return {"total": total, "delivered": delivered, "failed": failed, "pending": pending, "success_rate": rate}


def list_deliveries(actor: Actor, webhook_id: str, query: DeliveryQuery) -> Page:
    endpoint = get_webhook(actor, webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == endpoint.id)
    if query.state:
        stmt = stmt.where(WebhookDelivery.state.in_(query.state))
    if query.event:
        stmt = stmt.where(WebhookDelivery.event == query.event)
    if query.since:
        stmt = stmt.where(WebhookDelivery.created_at >= datetime.combine(query.since, time.min, UTC))
    if query.until:
        next_day = datetime.combine(query.until + timedelta(days=1), time.min, UTC)
        stmt = stmt.where(WebhookDelivery.created_at < next_day)
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return paginate(stmt, query.page, query.limit)


def redeliver(actor: Actor, delivery_id: str, *, now: datetime | None = None) -> WebhookDelivery:
    """Send a finished delivery's event again, as a new delivery (new delivery id, same event id). A
    test ping is sent again as a new ping (the receiver's fix is checked the same way as an event's)."""
    require(actor, "webhooks.manage")
    now = now or utcnow()
    with unit_of_work() as s:
        original = get_in_warehouse(WebhookDelivery, delivery_id, actor, what="Delivery")
        if original.state == "pending":
            raise Conflict("This delivery is still pending; it will be attempted again on its own")
        endpoint = s.get(WebhookEndpoint, original.webhook_id)
        if not endpoint.active:
            raise Conflict("The endpoint is deactivated; re-enable it first (PATCH active=true)")
        copy = WebhookDelivery(
            id=new_id(), webhook_id=endpoint.id, warehouse_id=endpoint.warehouse_id, event_id=original.event_id,
            event=original.event, state="pending", next_attempt_at=now, redelivery_of=original.id, created_at=now,
        )
        s.add(copy)
        s.flush()
        copy_id = copy.id
    sender.enqueue([copy_id])
    return copy


def send_test(actor: Actor, webhook_id: str, *, now: datetime | None = None) -> sender.Outcome:
    """Send a signed ping now, in this request, and report how it went (never retried)."""
    require(actor, "webhooks.manage")
    now = now or utcnow()
    with unit_of_work() as s:
        endpoint = get_in_warehouse(WebhookEndpoint, webhook_id, actor, what="Webhook")
        ping = WebhookDelivery(id=new_id(), webhook_id=endpoint.id, warehouse_id=endpoint.warehouse_id,
                               event=TEST_EVENT, state="pending", next_attempt_at=now, created_at=now)
        s.add(ping)
        ping_id = ping.id
    outcome = sender.attempt(ping_id, now=now)
    if not outcome.sent and outcome.error is None:
        raise NotFound("Webhook not found")
    return outcome


# --- the outbox -------------------------------------------------------------------------------
def fan_out(event: DomainEvent) -> None:
    """Receives event_recorded, inside the event's transaction: one pending delivery per active endpoint
    of the event's warehouse that subscribes to it. Committed with the change, or not at all."""
    session = db.session()  # the scoped session's current Session (its transaction is asked for)
    endpoints = _active_endpoints(session, event.warehouse_id)
    now = utcnow()  # wall-clock: a job simulating another date must not postpone delivery
    outbox = session.info.setdefault(OUTBOX_KEY, {})
    for endpoint in endpoints:
        if ALL_EVENTS not in endpoint.events and event.event not in endpoint.events:
            continue
        delivery = WebhookDelivery(id=new_id(), webhook_id=endpoint.id, warehouse_id=event.warehouse_id,
                                   event_id=event.id, event=event.event, state="pending",
                                   next_attempt_at=now, created_at=now)
        session.add(delivery)
        outbox.setdefault(event.id, []).append(delivery.id)


ENDPOINTS_KEY = "webhook_endpoints_of_transaction"


def _active_endpoints(session: Session, warehouse_id: str) -> list[WebhookEndpoint]:
    """The warehouse's active endpoints, read once per transaction: a change that records several
    events (completing records two, a bulk change one per work order) fans them out to the same
    endpoints, read by its first event. Kept with the transaction they were read in, so the next
    transaction reads them again (an endpoint added or disabled since counts from then on)."""
    def read() -> list[WebhookEndpoint]:
        return list(session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.warehouse_id == warehouse_id,
                                                                  WebhookEndpoint.active.is_(True))))

    kept = kept_with_transaction(session, ENDPOINTS_KEY)
    if kept is None:
        return read()
    if warehouse_id not in kept:
        kept[warehouse_id] = read()
    return kept[warehouse_id]


def enqueue_committed(session: Session, *, event_ids: list[str]) -> None:
    """Receives committed (after commit): enqueue the deliveries of the events just committed.
    Entries left by a rolled-back transaction name events that never committed and are dropped here."""
    outbox = session.info.pop(OUTBOX_KEY, {})
    ids = [delivery_id for event_id in event_ids for delivery_id in outbox.get(event_id, ())]
    sender.enqueue(ids)
