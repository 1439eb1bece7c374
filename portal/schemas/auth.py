from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from portal.schemas.common import Out, Payload


class LoginRequest(Payload):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    # Any text up to 64 characters reaches the login check: a missing, short or non-digit code answers
    # the same 401 as a wrong password, never a different status that would confirm the password.
    mfa_token: str = Field("", max_length=64, description="Current TOTP code: six ASCII digits")

    @field_validator("mfa_token", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        # Clients send the code as a JSON number too; 012345 then arrives as 12345.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000:
            return f"{value:06d}"
        return value


class RefreshRequest(Payload):
    refresh_token: str | None = Field(None, description="Or send it as the Bearer token")


class UserOut(Out):
    id: str
    email: str
    role: str
    warehouse_id: str
    name: str | None = None


class LoginResponse(Out):
    user: UserOut
    token: str
    refresh_token: str
    session_id: str


class TokenResponse(Out):
    token: str
