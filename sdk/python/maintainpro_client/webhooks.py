"""Verify a webhook delivery: the contract's body signature, and the timestamped one that also
refuses replays. Both are hex HMAC-SHA256 with the endpoint's secret, as the server signs them."""
from __future__ import annotations

import hashlib
import hmac
import time

DEFAULT_TOLERANCE_SECONDS = 300


def _body(raw_body: bytes | str) -> bytes:
    return raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body


def _matches(secret: str, message: bytes, signature: str) -> bool:
    expected = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def verify_webhook(raw_body: bytes | str, signature: str | None, secret: str) -> bool:
    """True when ``signature`` (the X-MaintainPro-Signature header: hex HMAC-SHA256 of the raw body
    with the endpoint's secret) is right. Compare the body exactly as received, before parsing it;
    the comparison takes the same time whatever the signature."""
    if not signature or not secret:
        return False
    return _matches(secret, _body(raw_body), signature)


def verify_timestamped_webhook(raw_body: bytes | str, timestamp: str | None, signature: str | None, secret: str,
                               *, tolerance: float = DEFAULT_TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """True when ``signature`` (X-MaintainPro-Timestamp-Signature: hex HMAC-SHA256 of
    ``"<timestamp>." + raw body``) is right and ``timestamp`` (X-MaintainPro-Timestamp, Unix seconds)
    is within ``tolerance`` seconds of ``now`` (default: this machine's clock). A captured delivery
    replayed later fails: its timestamp is too old, and changing it breaks the signature."""
    if not signature or not secret or not timestamp or not timestamp.strip().isdigit():
        return False
    text = timestamp.strip()
    sent = int(text)
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return _matches(secret, text.encode("ascii") + b"." + _body(raw_body), signature)
