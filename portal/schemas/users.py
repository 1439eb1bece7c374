"""Admin user management: /api/users (issue 9, "Admins")."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from portal.models.enums import ROLE
from portal.schemas.common import MoneyIn, MoneyOut, Out, PageQuery, Payload, UtcOut, not_null

Role = Literal[ROLE.values]  # type: ignore[valid-type]


class UserCreate(Payload):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$",
                       description="Login name; stored lower-case, unique across the site.")
    name: str | None = Field(None, max_length=120, description="Shown in lists and on work orders.")
    role: Role = Field(description="admin, manager, technician or requester (README: Roles).")
    hourly_rate: MoneyIn | None = Field(None, description=(
        "What an hour of their work costs; labor they book from now on is costed at it (null: no cost)."))
    password: str = Field(min_length=8, max_length=1024,
                          description="Initial password, set by the admin and handed over in person. The first "
                                      "login at /login then enrols the user's authenticator app.")


class UserUpdate(Payload):
    name: str | None = Field(None, max_length=120)
    role: Role | None = Field(None, json_schema_extra=not_null,
                              description="An admin cannot change their own role; the last active admin stays.")
    active: bool | None = Field(None, json_schema_extra=not_null,
                                description="false deactivates: every session (API tokens and portal logins) "
                                            "ends at once. An admin cannot deactivate themselves.")
    hourly_rate: MoneyIn | None = Field(None, description=(
        "What an hour of their work costs; changes the cost of labor booked from now on, never of labor "
        "already booked (null: no cost)."))


class UserQuery(PageQuery):
    q: str | None = Field(None, max_length=100, description="Substring of the email or name.")
    active: bool | None = Field(None, description="Only active (true) or deactivated (false) users.")


class UserAdminOut(Out):
    id: str
    email: str
    name: str | None
    role: str
    warehouse_id: str
    active: bool
    hourly_rate: MoneyOut | None = None
    mfa_enrolled: bool = Field(description="The user has confirmed an authenticator; false after creation or an "
                                           "MFA reset until their next portal login enrols one.")
    last_login_at: UtcOut | None = Field(description="When their most recent session (portal or API) started; "
                                                     "null if they never logged in.")
    created_at: UtcOut


class UserMfaResetOut(UserAdminOut):
    """The reset's answer: the user, and the one-time enrolment code to hand over (shown only here)."""

    enrolment_code: str = Field(description="One-time code (20 characters in groups of four) the user enters, with "
                                            "their password, to enrol a new authenticator at the portal. Only its "
                                            "hash is kept: it is not shown again. A later reset replaces it.")
    enrolment_url: str = Field(description="The portal's enrolment link carrying the same code (open it on the "
                                           "user's phone, or send it): it asks for their password, then shows the "
                                           "QR code.")
    enrolment_expires_at: UtcOut = Field(description="When the code stops working (ENROLMENT_CODE_TTL_HOURS after "
                                                     "the reset, 72 h by default).")
