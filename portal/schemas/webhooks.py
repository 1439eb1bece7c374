from __future__ import annotations

import re
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator

from portal.models.enums import DELIVERY_STATE
from portal.models.events import EVENT_TYPES
from portal.schemas.common import Out, PageQuery, Payload, UtcOut, csv_of, not_null

DeliveryState = Literal[DELIVERY_STATE.values]  # type: ignore[valid-type]
# The URL syntax, checked by the server and published as the field's pattern: http(s), a host name
# of DNS labels (1..63 letters, digits and inner hyphens; internationalised names as xn-- punycode)
# or an IPv4 address, an optional port, then a path/query without spaces. No user:password@.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_PATTERN = (rf"^[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(?:\.{_LABEL})*\.?(?::{_PORT})?"
               r"(?:[/?#][^\u0000-\u0020\u007f]*)?$")
_URL = re.compile(URL_PATTERN)
URL_TEXT = ("http(s) URL whose host is a valid host name (labels of 1..63 letters, digits and inner hyphens, "
            "at most 253 characters; xn-- punycode for international names) or an IPv4 address; no spaces, "
            "percent-escapes or credentials in the host part. At registration the host must not resolve to a "
            "private or reserved address.")


def check_webhook_url(url: str | None) -> str | None:
    """Refuse URLs whose host is not a valid host name or IP address, at registration (400)."""
    if url is None:
        return url
    if not _URL.fullmatch(url):
        raise ValueError("Must be an http(s) URL with a valid host name, e.g. https://hooks.example.com/maintainpro")
    host = urlsplit(url).hostname or ""
    if len(host.rstrip(".")) > 253:
        raise ValueError(f"The host {host!r} is not a valid host name")
    return url


def _event_names(schema: dict) -> None:
    """events: the contract's event types or '*' (the service checks them and names the bad ones)."""
    names = ["*", *EVENT_TYPES]
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "array":
            branch["items"] = {"type": "string", "enum": names}


def _events_not_null(schema: dict) -> None:
    not_null(schema)
    _event_names(schema)


# A new secret and rotateSecret: true together are refused.
_UPDATE_RULES = {"if": {"properties": {"rotateSecret": {"const": True}}, "required": ["rotateSecret"]},
                 "then": {"properties": {"secret": {"type": "null"}}}}


def mask_secret(secret: str) -> str:
    """Lists and reads show only the last 4 characters; the full secret is shown once."""
    return "****" + secret[-4:] if len(secret) > 8 else "****"


class WebhookCreate(Payload):
    url: str = Field(min_length=1, max_length=2000, description=URL_TEXT, pattern=URL_PATTERN)
    events: list[str] = Field(min_length=1, max_length=20, json_schema_extra=_event_names,
                              description="Event types of the contract, or '*' for all of them")
    secret: str | None = Field(None, min_length=16, max_length=200,
                               description="HMAC key; 32 random bytes (hex) are generated when omitted")
    active: bool = True

    _url = field_validator("url")(check_webhook_url)


class WebhookUpdate(Payload):
    model_config = ConfigDict(json_schema_extra=_UPDATE_RULES)

    url: str | None = Field(None, min_length=1, max_length=2000, description=URL_TEXT, pattern=URL_PATTERN,
                            json_schema_extra=not_null)
    events: list[str] | None = Field(None, min_length=1, max_length=20, json_schema_extra=_events_not_null)
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
    since: date | None = Field(None, description="Only deliveries created on or after this day (UTC, YYYY-MM-DD).")
    until: date | None = Field(None, description="Only deliveries created on or before this day (UTC, YYYY-MM-DD).")


class DeliveryAttemptOut(Out):
    attempt: int = Field(description="1 for the first POST of the delivery, 2 for its first retry, ...")
    started_at: UtcOut
    duration_ms: int | None
    status_code: int | None = Field(description="The receiver's answer; null when none came (timeout, refused)")
    error: str | None = Field(description="Why the attempt failed, at most 300 characters; null when delivered")
    next_retry_at: UtcOut | None = Field(description="When the delivery was to be tried again after this "
                                                     "attempt; null when it was not")


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
    attempt_log: list[DeliveryAttemptOut] = Field(
        default_factory=list,
        description="One entry per attempt, first to last (`attempts` stays their count). A delivery "
                    "made before attempts were kept lists its last attempt only.")


class PingResultOut(Out):
    delivery_id: str
    event: str
    success: bool
    status_code: int | None
    duration_ms: int | None
    error: str | None
