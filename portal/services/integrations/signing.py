"""What a webhook delivery sends: the exact body bytes, the headers, and their HMAC signatures.

A delivery goes out as the exact JSON bytes of the contract's payload structure, signed with
HMAC-SHA256 over those bytes. The delivery id is the X-MaintainPro-Delivery header on every
attempt (and the queue's job id), so receivers can de-duplicate.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime

from portal.models import TEST_EVENT
from portal.platform.js_json import stringify_bytes
from portal.schemas.common import iso

USER_AGENT = "MaintainPro-Webhooks/1.0"


def sign(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body: what the contract's verifyWebhook recomputes."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def ping_envelope(delivery_id: str, webhook_id: str, warehouse_id: str, created_at: datetime) -> dict:
    """The test ping's body: the payload structure, with no domain event behind it."""
    return {
        "id": delivery_id,
        "event": TEST_EVENT,
        "timestamp": iso(created_at),
        "data": {"entity": "webhook", "entityId": webhook_id, "warehouseId": warehouse_id,
                 "payload": {"message": "Test delivery from MaintainPro", "timestamp": iso(created_at)}},
    }


def body_bytes(payload: dict) -> bytes:
    """The request body exactly as JSON.stringify prints it (UTF-8), so a receiver verifying over
    JSON.stringify(JSON.parse(body)) computes the same signature as one verifying the raw bytes."""
    return stringify_bytes(payload)


def headers_for(delivery_id: str, event: str, secret: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-MaintainPro-Event": event,
        "X-MaintainPro-Delivery": delivery_id,
        "X-MaintainPro-Timestamp": timestamp,
        "X-MaintainPro-Signature": sign(secret, body),
        # The contract's signature covers the body only, so a captured request could be replayed
        # later. This one also covers the timestamp (as Stripe does): a receiver that checks it
        # and refuses old timestamps is safe from replays.
        "X-MaintainPro-Timestamp-Signature": sign(secret, timestamp.encode("ascii") + b"." + body),
    }
