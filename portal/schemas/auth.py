from __future__ import annotations

from pydantic import Field

from .common import Out, Payload


class LoginRequest(Payload):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    mfa_token: str = Field(min_length=6, max_length=10, description="Current TOTP code")


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
