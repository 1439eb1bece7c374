from __future__ import annotations

import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ..models.enums import DELIVERY_STATE
from .common import Out, PageQuery, Payload, UtcOut, csv_of, not_null

DeliveryState = Literal[DELIVERY_STATE.values]  # type: ignore[valid-type]
# One DNS label: letters, digits and inner hyphens, 1..63 characters (RFC 1035 / 1123).
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
URL_TEXT = ("http(s) URL whose host is an IP address or a valid host name (labels of 1..63 letters, digits "
            "and inner hyphens; no spaces or percent-escapes)")


def check_webhook_url(url: str | None) -> str | None:
    """Refuse URLs whose host is not a valid host name or IP address, at registration (400)."""
    if url is None:
        return url
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValueError("The URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"Invalid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("Only http and https URLs are allowed")
    host = parts.hostname or ""
    if not host:
        raise ValueError("The URL has no host")
    try:
        ipaddress.ip_address(host)
        return url
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    try:
        ascii_name = name.encode("idna").decode("ascii")  # internationalised names as punycode
    except UnicodeError:
        raise ValueError(f"The host {host!r} is not a valid host name") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"The host {host!r} is not a valid host name")
    return url


def mask_secret(secret: str) -> str:
    """Lists and reads show only the last 4 characters; the full secret is shown once."""
    return "****" + secret[-4:] if len(secret) > 8 else "****"


class WebhookCreate(Payload):
    url: str = Field(min_length=1, max_length=2000, description=URL_TEXT)
    events: list[str] = Field(min_length=1, max_length=20,
                              description="Event types of the contract, or '*' for all of them")
    secret: str | None = Field(None, min_length=16, max_length=200,
                               description="HMAC key; 32 random bytes (hex) are generated when omitted")
    active: bool = True

    _url = field_validator("url")(check_webhook_url)


class WebhookUpdate(Payload):
    url: str | None = Field(None, min_length=1, max_length=2000, description=URL_TEXT, json_schema_extra=not_null)
    events: list[str] | None = Field(None, min_length=1, max_length=20, json_schema_extra=not_null)
    active: bool | None = Field(None, description="true re-enables a deactivated endpoint (failure count reset)",
                                json_schema_extra=not_null)
    secret: str | None = Field(None, min_length=16, max_length=200, description="Replace the secret")
    rotate_secret: bool = Field(False, description="Generate a new secret; the response shows it once")

    _url = field_validator("url")(check_webhook_url)


class WebhookOut(Out):
    id: str
    url: str
    events: list[str]
    active: bool
    secret: str = Field(description="Masked except in the responses that create or rotate it")
    created_at: UtcOut
    updated_at: UtcOut
    warehouse_id: str
    consecutive_failures: int
    disabled_at: UtcOut | None
    disabled_reason: str | None

    @field_validator("secret", mode="before")
    @classmethod
    def _masked(cls, value: str) -> str:
        return mask_secret(value)


class WebhookStatsOut(Out):
    total: int
    delivered: int
    failed: int
    pending: int
    success_rate: float = Field(description="delivered / (delivered + failed) in %, 2 decimals; 0 when "
                                            "no delivery has finished yet")


class DeliveryQuery(PageQuery):
    state: csv_of(DeliveryState) | None = None
    event: str | None = Field(None, max_length=40)


class DeliveryOut(Out):
    id: str = Field(description="Also the X-MaintainPro-Delivery header, the same on every attempt")
    webhook_id: str
    event_id: str | None
    event: str
    state: DeliveryState
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    last_attempt_at: UtcOut | None
    next_attempt_at: UtcOut | None
    delivered_at: UtcOut | None
    redelivery_of: str | None
    created_at: UtcOut


class PingResultOut(Out):
    delivery_id: str
    event: str
    success: bool
    status_code: int | None
    duration_ms: int | None
    error: str | None
