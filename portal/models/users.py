from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.enums import ROLE
from portal.models.tenancy import Warehouse
from portal.models.types import UTCDateTime, id_column, utcnow
from portal.platform.extensions import db

ROLES = ROLE.values


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), index=True)
    totp_secret: Mapped[str] = mapped_column(String(64))
    # Highest TOTP time step accepted so far: a code is never accepted twice.
    last_totp_step: Mapped[int | None] = mapped_column(BigInteger)
    # Set once the user proved their authenticator works; None = enrol at the next portal login.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What an hour of this person's work costs (set by an admin): labor entries keep the cost of
    # their time at booking, as part consumptions keep the unit cost of the moment.
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Hours a week this person is planned for (the weekly plan's capacity, before absences).
    weekly_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("40"), server_default="40")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    warehouse: Mapped[Warehouse] = relationship(lazy="joined")


class AuthSession(db.Model):
    """One login: its access and refresh tokens carry this id and die with it."""

    __tablename__ = "auth_sessions"
    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EnrolmentCode(db.Model):
    """A one-time code an admin's MFA reset hands over: with it (and their password) the user enrols a
    new authenticator. Only the SHA-256 of the code is stored; the code is shown once, at the reset."""

    __tablename__ = "enrolment_codes"
    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The admin whose reset issued it (audit).
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when an authenticator was enrolled with it; revoked_at when a later reset replaced it.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
