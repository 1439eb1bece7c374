from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.schemas.common import Out, Payload, UtcOut

KeyRole = Literal["admin", "manager", "technician", "requester"]


class ApiKeyCreate(Payload):
    name: str = Field(min_length=1, max_length=100, description="What the key is for, e.g. 'ERP sync'.")
    role: KeyRole = Field(description="The key acts with this role; it cannot be higher than the creator's "
                                      "role (403), and is capped at use time by the creator's current role.")


class ApiKeyOut(Out):
    id: str
    name: str
    role: KeyRole
    prefix: str = Field(description="The key's first characters (mp_live_ and 8 of its id), to recognise it.")
    warehouse_id: str
    created_by: str
    created_at: UtcOut
    last_used_at: UtcOut | None = Field(description="Last request made with the key, to the minute (written at "
                                                    "most once a minute).")
    revoked_at: UtcOut | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The full key, mp_live_<id>_<secret>: shown in this response only, stored "
                                 "hashed. Send it as 'Authorization: Bearer <key>'.")
