"""GET /api/webhooks/{id}/deliveries?since=&until=: the delivery log by day (UTC), as the admin page uses it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.models import WebhookDelivery
from portal.platform.extensions import db
from portal.schemas.webhooks import WebhookCreate
from portal.services.integrations import webhooks as webhook_service


def test_deliveries_filtered_by_day(app, client, auth, users):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    hook = webhook_service.create_webhook(users.actor("north", "admin"), WebhookCreate.model_validate(
        {"url": "http://127.0.0.1:9/hook", "events": ["*"]}))
    noon = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for hours in (-36, -13, 0, 11, 13, 40):  # 9 Mar 00:00 and 23:00, 10 Mar 12:00 and 23:00, 11 Mar 01:00, 12 Mar 04:00
        db.session.add(WebhookDelivery(webhook_id=hook.id, warehouse_id=hook.warehouse_id, event="pm.overdue",
                                       state="delivered", created_at=noon + timedelta(hours=hours)))
    db.session.commit()
    headers = auth("north", "admin")
    url = f"/api/webhooks/{hook.id}/deliveries"

    def count(query: str) -> int:
        resp = client.get(f"{url}?{query}", headers=headers)
        assert resp.status_code == 200, resp.json
        return len(resp.json)

    assert count("since=2026-03-10&until=2026-03-10") == 2
    assert count("since=2026-03-10") == 4
    assert count("until=2026-03-09") == 2
    assert count("") == 6
    bad = client.get(f"{url}?since=yesterday", headers=headers)
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "since"
