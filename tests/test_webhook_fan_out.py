"""The outbox fan-out reads the warehouse's active endpoints once per transaction
(services/integrations/webhooks.py _active_endpoints): every event of the transaction gets its
deliveries, and an endpoint added since counts from the next transaction on."""
from __future__ import annotations

from sqlalchemy import event, select

from portal.models import WebhookDelivery
from portal.models.types import new_id
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.webhooks import WebhookCreate
from portal.services.common.events import record_event
from portal.services.integrations import webhooks as webhook_service


def hook(users, url: str):
    return webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
        {"url": url, "events": ["*"]}))


def updated(users, work_order_id: str) -> str:
    actor = users.actor("north", "manager")
    return record_event("work_order.updated", entity="work_order", entity_id=work_order_id,
                        warehouse_id=actor.warehouse_id, payload={"id": work_order_id}, actor=actor).id


def deliveries_of(event_id: str) -> set[str]:
    return set(db.session.scalars(select(WebhookDelivery.webhook_id).where(WebhookDelivery.event_id == event_id)))


def test_endpoints_are_read_once_per_transaction_and_again_in_the_next(app, users):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    first = hook(users, "http://127.0.0.1:9/first")
    reads: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "FROM webhook_endpoints" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with unit_of_work():
            one, two = updated(users, new_id()), updated(users, new_id())
        assert len(reads) == 1
        assert deliveries_of(one) == deliveries_of(two) == {first.id}
        second = hook(users, "http://127.0.0.1:9/second")
        reads.clear()
        with unit_of_work():
            three = updated(users, new_id())
        assert len(reads) == 1
        assert deliveries_of(three) == {first.id, second.id}
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
