"""The `webhooks` section of the OpenAPI document: every event with its envelope, payload schema
and signature headers (what portal/services/integrations/signing.py sends), and how to verify them.

The verification examples below are run against real deliveries by tests/test_webhooks_events.py.
"""
from __future__ import annotations

from typing import Any

from portal.schemas.events import EVENTS
from portal.services.integrations.signing import USER_AGENT

TOLERANCE_TEXT = ("refuse a timestamp more than a few minutes (300 s here) away from your clock, and a captured "
                  "request cannot be replayed later")

VERIFY_PYTHON = '''\
import hashlib
import hmac
import time


def verify_signature(raw_body: bytes, signature: str, secret: str) -> bool:
    """X-MaintainPro-Signature: hex HMAC-SHA256 of the raw body bytes."""
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def verify_timestamped(raw_body: bytes, timestamp: str, signature: str, secret: str,
                       tolerance: int = 300) -> bool:
    """X-MaintainPro-Timestamp-Signature: hex HMAC-SHA256 of "<timestamp>.<raw body>",
    with X-MaintainPro-Timestamp (Unix seconds) at most `tolerance` seconds from now."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old (or too far ahead): possibly a replayed request
    signed = timestamp.encode() + b"." + raw_body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


# In a Flask view: body = request.get_data(); h = request.headers
# ok = verify_timestamped(body, h["X-MaintainPro-Timestamp"],
#                         h["X-MaintainPro-Timestamp-Signature"], SECRET)
'''

VERIFY_JS = '''\
const crypto = require('crypto');

function safeEqual(expected, given) {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(String(given || ''), 'utf8');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// X-MaintainPro-Signature: hex HMAC-SHA256 of the raw body bytes.
function verifySignature(rawBody, signature, secret) {
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
  return safeEqual(expected, signature);
}

// X-MaintainPro-Timestamp-Signature: hex HMAC-SHA256 of "<timestamp>.<raw body>", with
// X-MaintainPro-Timestamp (Unix seconds) at most toleranceSeconds from now.
function verifyTimestamped(rawBody, timestamp, signature, secret, toleranceSeconds = 300) {
  if (!/^[0-9]+$/.test(String(timestamp || ''))) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) {
    return false; // too old (or too far ahead): possibly a replayed request
  }
  const expected = crypto.createHmac('sha256', secret)
    .update(`${timestamp}.`).update(rawBody).digest('hex');
  return safeEqual(expected, signature);
}

// With Express: app.post('/hooks', express.raw({ type: 'application/json' }), (req, res) => {
//   const ok = verifyTimestamped(req.body, req.headers['x-maintainpro-timestamp'],
//     req.headers['x-maintainpro-timestamp-signature'], SECRET); ... });
'''

VERIFICATION_INTRO = (
    "Verify before you parse: compute the HMAC over the raw body bytes as received (the body is printed "
    "exactly as JavaScript's JSON.stringify prints it, so JSON.stringify(req.body) after a body parser gives "
    "the same bytes). Prefer X-MaintainPro-Timestamp-Signature and " + TOLERANCE_TEXT + "; "
    "X-MaintainPro-Signature (the body alone) is the contract's and is always sent too. Compare in constant "
    "time. The SDKs have helpers for both (docs/integrating.md, \"The SDKs\").")
VERIFICATION = (
    VERIFICATION_INTRO + "\n\nPython:\n\n```python\n" + VERIFY_PYTHON + "```\n\nJavaScript (Node.js):\n\n```js\n" + VERIFY_JS + "```"
)

# Components: the headers every delivery carries (portal/services/integrations/signing.py headers_for).
HEADERS: dict[str, dict[str, Any]] = {
    "WebhookEvent": {
        "name": "X-MaintainPro-Event", "in": "header", "required": True, "schema": {"type": "string"},
        "description": "The event name (the body's event)."},
    "WebhookDelivery": {
        "name": "X-MaintainPro-Delivery", "in": "header", "required": True, "schema": {"type": "string"},
        "description": "The delivery id: the same on every retry of this delivery, so de-duplicate on it."},
    "WebhookTimestamp": {
        "name": "X-MaintainPro-Timestamp", "in": "header", "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "description": "When this attempt was sent, in Unix seconds (each retry has its own). "
                       "It is covered by X-MaintainPro-Timestamp-Signature: " + TOLERANCE_TEXT + "."},
    "WebhookSignature": {
        "name": "X-MaintainPro-Signature", "in": "header", "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "description": "Hex HMAC-SHA256 of the exact body bytes, keyed with the endpoint's secret (the "
                       "contract's signature; it does not cover the time, so prefer the timestamp signature).\n\n"
                       + VERIFICATION},
    "WebhookTimestampSignature": {
        "name": "X-MaintainPro-Timestamp-Signature", "in": "header", "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "description": "Hex HMAC-SHA256 of \"<X-MaintainPro-Timestamp>.<body bytes>\" (the timestamp's digits, "
                       "a dot, then the body), keyed with the endpoint's secret.\n\n" + VERIFICATION},
    "WebhookUserAgent": {
        "name": "User-Agent", "in": "header", "required": True, "schema": {"type": "string", "const": USER_AGENT},
        "description": "Who is calling."},
}

RESPONSES = {
    "2XX": {"description": "Received: the delivery is done. Answer quickly (within WEBHOOK_TIMEOUT, default "
                           "10 s) and do the work afterwards."},
    "410": {"description": "Gone: the delivery fails at once and the endpoint is deactivated."},
    "default": {"description": (
        "Anything else (or no answer in time, or a redirect: never followed) is retried after WEBHOOK_RETRY_DELAYS "
        "(default 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, with jitter), honouring Retry-After on 429 and 503; then the "
        "delivery is failed. A test ping is never retried.")},
}

ENVELOPE_TEXT = ("The contract's webhook payload structure: {id, event, timestamp, data: {entity, entityId, "
                 "warehouseId, payload}}.")


def envelope_schema(event: str, payload_ref: dict) -> dict:
    """The body of one event's delivery: the envelope around its payload (events.envelope())."""
    doc = EVENTS[event]
    return {
        "type": "object", "title": f"{event} delivery", "description": ENVELOPE_TEXT,
        "required": ["id", "event", "timestamp", "data"], "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "description": "The event's id (the test ping: the delivery's id)"},
            "event": {"type": "string", "const": event},
            "timestamp": {"type": "string", "format": "date-time",
                          "description": "When the event happened: ISO-8601 UTC with milliseconds"},
            "data": {
                "type": "object", "required": ["entity", "entityId", "warehouseId", "payload"],
                "additionalProperties": False,
                "properties": {
                    "entity": {"type": "string", "const": doc.entity},
                    "entityId": {"type": "string", "description": f"The {doc.entity.replace('_', ' ')}'s id"},
                    "warehouseId": {"type": "string", "description": "The warehouse it happened in"},
                    "payload": payload_ref,
                },
            },
        },
    }


def webhooks_section(refs: dict) -> dict:
    """OpenAPI 3.1 `webhooks`: one POST per event; `refs` maps (payload model, mode) to its $ref."""
    section = {}
    for event, doc in EVENTS.items():
        section[event] = {"post": {
            "operationId": "event_" + event.replace(".", "_"),
            "summary": doc.summary,
            "description": (f"`{event}`: {doc.summary}. Sent as a signed POST to every active endpoint of the "
                            f"warehouse subscribed to it (or to `*`), at least once: de-duplicate on "
                            f"X-MaintainPro-Delivery. Verify X-MaintainPro-Timestamp-Signature (examples in "
                            f"its description, and in docs/integrating.md) before trusting the body."),
            "tags": ["events"],
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in HEADERS],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": envelope_schema(event, refs[(doc.payload, "serialization")])}}},
            "responses": RESPONSES,
        }}
    return section
