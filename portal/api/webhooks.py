from __future__ import annotations

from flask import jsonify

from portal.api.blueprint import api
from portal.api.common import actor, documented, json_body, page_response, query_args
from portal.models import TEST_EVENT
from portal.schemas.common import PageQuery
from portal.schemas.webhooks import (
    DeliveryAttemptOut,
    DeliveryOut,
    DeliveryQuery,
    PingResultOut,
    WebhookCreate,
    WebhookOut,
    WebhookStatsOut,
    WebhookUpdate,
)
from portal.services.integrations import attempts as attempts_service
from portal.services.integrations import webhooks as service


@api.get("/webhooks")
@documented(summary="List webhook endpoints (secrets masked)", query=PageQuery, response=list[WebhookOut],
            permission="webhooks.read")
def list_webhooks():
    q = query_args(PageQuery)
    page = service.list_webhooks(actor(), q.page, q.limit)
    return page_response(page, WebhookOut.dump_many(page.items))


@api.post("/webhooks")
@documented(summary="Register a webhook endpoint", body=WebhookCreate, response=WebhookOut, status=201,
            permission="webhooks.manage",
            description="The secret is shown in full only in this response (and when rotated). The URL must be "
                        "http(s) to a public address.")
def create_webhook():
    endpoint = service.create_webhook(actor(), json_body(WebhookCreate))
    return jsonify(WebhookOut.dump(endpoint, secret=endpoint.secret)), 201


@api.get("/webhooks/<webhook_id>")
@documented(summary="One webhook endpoint (secret masked)", response=WebhookOut, permission="webhooks.read")
def get_webhook(webhook_id: str):
    return jsonify(WebhookOut.dump(service.get_webhook(actor(), webhook_id)))


@api.patch("/webhooks/<webhook_id>")
@documented(summary="Change url, events, active; replace or rotate the secret", body=WebhookUpdate,
            response=WebhookOut, permission="webhooks.manage",
            description="A new secret (given or rotateSecret) is shown in full in this response only.")
def update_webhook(webhook_id: str):
    endpoint, rotated = service.update_webhook(actor(), webhook_id, json_body(WebhookUpdate))
    body = WebhookOut.dump(endpoint, secret=endpoint.secret) if rotated else WebhookOut.dump(endpoint)
    return jsonify(body)


@api.delete("/webhooks/<webhook_id>")
@documented(summary="Delete a webhook endpoint and its delivery log", status=204, permission="webhooks.manage")
def delete_webhook(webhook_id: str):
    service.delete_webhook(actor(), webhook_id)
    return "", 204


@api.get("/webhooks/<webhook_id>/stats")
@documented(summary="Delivery statistics", response=WebhookStatsOut, permission="webhooks.read")
def webhook_stats(webhook_id: str):
    return jsonify(WebhookStatsOut.dump(service.webhook_stats(actor(), webhook_id)))


@api.post("/webhooks/<webhook_id>/test")
@documented(summary="Send a signed test delivery now and report the outcome", response=PingResultOut,
            permission="webhooks.manage")
def test_webhook(webhook_id: str):
    outcome = service.send_test(actor(), webhook_id)
    return jsonify(PingResultOut.dump({
        "delivery_id": outcome.delivery_id, "event": TEST_EVENT, "success": outcome.state == "delivered",
        "status_code": outcome.status_code, "duration_ms": outcome.duration_ms, "error": outcome.error,
    }))


@api.get("/webhooks/<webhook_id>/deliveries")
@documented(summary="Deliveries of an endpoint, newest first", query=DeliveryQuery, response=list[DeliveryOut],
            permission="webhooks.read")
def list_deliveries(webhook_id: str):
    page = service.list_deliveries(actor(), webhook_id, query_args(DeliveryQuery))
    return page_response(page, _with_attempts(page.items))


@api.post("/webhooks/deliveries/<delivery_id>/redeliver")
@documented(summary="Send a finished delivery's event again", response=DeliveryOut, status=201,
            permission="webhooks.manage",
            description="Creates a new delivery (new X-MaintainPro-Delivery id, same event id) and queues it.")
def redeliver(delivery_id: str):
    return jsonify(_with_attempts([service.redeliver(actor(), delivery_id)])[0]), 201


def _with_attempts(deliveries: list) -> list[dict]:
    log = attempts_service.attempts_of(deliveries)
    return [DeliveryOut.dump(d, attemptLog=DeliveryAttemptOut.dump_many(log[d.id])) for d in deliveries]
