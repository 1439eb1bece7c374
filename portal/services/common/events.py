"""The one path every domain event takes: recorded in the transaction of the change."""
from __future__ import annotations

from datetime import datetime

from portal.models import EVENT_TYPES, DomainEvent
from portal.models.types import new_id, utcnow
from portal.platform.extensions import db
from portal.schemas.common import iso
from portal.services.common.actor import Actor
from portal.services.common.signals import event_recorded


def record_event(
    event: str,
    *,
    entity: str,
    entity_id: str,
    warehouse_id: str,
    payload: dict,
    actor: Actor | None = None,
    now: datetime | None = None,
) -> DomainEvent:
    """Record a domain event; must run inside unit_of_work() so it commits with the change."""
    if event not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event}")
    row = DomainEvent(
        id=new_id(),
        warehouse_id=warehouse_id,
        event=event,
        entity=entity,
        entity_id=entity_id,
        actor_id=actor.id if actor else None,
        payload=payload,
        created_at=now or utcnow(),
    )
    session = db.session
    session.add(row)
    session.info.setdefault("pending_event_ids", []).append(row.id)
    event_recorded.send(row)  # inside the transaction (the webhook outbox writes its rows here)
    return row


def envelope(row: DomainEvent) -> dict:
    """The contract's "Webhook Payload Structure" for one event."""
    return {
        "id": row.id,
        "event": row.event,
        "timestamp": iso(row.created_at),
        "data": {
            "entity": row.entity,
            "entityId": row.entity_id,
            "warehouseId": row.warehouse_id,
            "payload": row.payload,
        },
    }
