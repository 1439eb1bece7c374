from __future__ import annotations

import hashlib
import hmac


def verify_webhook(raw_body: bytes | str, signature: str | None, secret: str) -> bool:
    """True when ``signature`` (the X-MaintainPro-Signature header: hex HMAC-SHA256 of the raw body
    with the endpoint's secret) is right. Compare the body exactly as received, before parsing it;
    the comparison takes the same time whatever the signature."""
    if not signature or not secret:
        return False
    body = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())
