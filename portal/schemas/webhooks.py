from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .common import Out, PageQuery, Payload, UtcOut, csv_of

DeliveryState = Literal["pending", "delivered", "failed"]


def mask_secret(secret: str) -> str:
    """Lists and reads show only the last 4 characters; the full secret is shown once."""
    return "****" + secret[-4:] if len(secret) > 8 else "****"


class WebhookCreate(Payload):
    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=20,
                              description="Event types of the contract, or '*' for all of them")
    secret: str | None = Field(None, min_length=16, max_length=200,
                               description="HMAC key; 32 random bytes (hex) are generated when omitted")
    active: bool = True


class WebhookUpdate(Payload):
    url: str | None = Field(None, min_length=1, max_length=2000)
    events: list[str] | None = Field(None, min_length=1, max_length=20)
    active: bool | None = Field(None, description="true re-enables a deactivated endpoint (failure count reset)")
    secret: str | None = Field(None, min_length=16, max_length=200, description="Replace the secret")
    rotate_secret: bool = Field(False, description="Generate a new secret; the response shows it once")


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
