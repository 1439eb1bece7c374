"""Users, passwords, TOTP and login sessions."""
from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.models import ROLES, AuthSession, User, Warehouse
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, NotFound, Unauthorized, ValidationFailed, field_error
from portal.services.common.signals import warehouse_created
from portal.services.identity import enrolment
from portal.services.identity.permissions import require

LOGIN_FAILED = "Invalid email, password or MFA code"
ENROL_FIRST = "Set up your authenticator in the portal first (log in at /login)"
# A TOTP code is exactly six ASCII digits; anything else (full-width digits, "é23456") never matches.
_TOTP_CODE = re.compile(r"[0-9]{6}")
# Checked against when the email is unknown, so that answer costs the same as a wrong password.
_DUMMY_TOTP_SECRET = "A" * 32
# RFC 4226 requires at least 128 bits (26 base32 characters) and recommends 160 (32 characters).
MIN_TOTP_SECRET_CHARS = 26
TOTP_SECRET_CHARS = 32


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_KIB"], parallelism=1)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1).hash("not a password")


def _verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if password_hash is None:
        # Spend the same time on an unknown email as on a wrong password: the same verification,
        # against a hash with the same parameters.
        cfg = current_app.config
        password_hash = _dummy_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_KIB"])
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(password_hash, password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def totp_secret_error(secret: str) -> str | None:
    """Why `secret` cannot be a TOTP secret, or None. At least 128 bits, valid base32."""
    text = secret.strip().upper()
    if not re.fullmatch(r"[A-Z2-7]+=*", text):
        return "Must be a base32 secret (letters A-Z and digits 2-7)"
    if len(text.rstrip("=")) < MIN_TOTP_SECRET_CHARS:
        return (f"Too short: at least {MIN_TOTP_SECRET_CHARS} base32 characters (128 bits) are required; "
                f"omit it to have a {TOTP_SECRET_CHARS}-character (160-bit) secret generated")
    try:
        base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return "Not a whole number of base32 bytes: check that no character is missing"
    return None


def get_or_create_warehouse(name: str, *, is_demo: bool = False) -> Warehouse:
    with unit_of_work() as s:
        find = select(Warehouse).where(Warehouse.name == name)
        wh = s.scalars(find).first()
        if wh is None:
            try:
                with s.begin_nested():
                    wh = Warehouse(name=name, is_demo=is_demo)
                    s.add(wh)
                    warehouse_created.send(wh)  # its starting lists (hold reasons), wired in wiring.py
            except IntegrityError:  # created by a concurrent transaction (PostgreSQL): use theirs
                wh = s.scalars(find).one()
        return wh


def create_user(
    email: str,
    password: str,
    role: str,
    warehouse_name: str,
    *,
    name: str | None = None,
    totp_secret: str | None = None,
    actor: Actor | None = None,
    is_demo: bool = False,
    mfa_confirmed: bool = True,
) -> User:
    """Create a user (and its warehouse when new). actor None means the operator's CLI.

    mfa_confirmed: the operator hands the secret over with the account (CLI, demo), so it counts
    as enrolled; False makes the user enrol an authenticator at their first portal login.
    """
    if actor is not None:
        require(actor, "users.manage")
    email = email.strip().lower()
    errors = []
    if "@" not in email or len(email) > 254:
        errors.append({"field": "email", "message": "Must be an email address"})
    if role not in ROLES:
        errors.append({"field": "role", "message": f"Must be one of {', '.join(ROLES)}"})
    if len(password) < 8:
        errors.append({"field": "password", "message": "Must be at least 8 characters"})
    if totp_secret is not None:
        problem = totp_secret_error(totp_secret)
        if problem:
            errors.append({"field": "totpSecret", "message": problem})
        totp_secret = totp_secret.strip().upper()
    if errors:
        raise ValidationFailed(None, errors)
    password_hash = hash_password(password)  # slow on purpose: done before the write lock is taken
    with unit_of_work() as s:
        if s.scalar(select(func.count()).select_from(User).where(User.email == email)):
            raise field_error("email", f"A user with email {email} already exists", Conflict)
        # Same transaction as the user: a refused user leaves no new, empty warehouse behind.
        warehouse = get_or_create_warehouse(warehouse_name, is_demo=is_demo)
        user = User(
            email=email,
            name=name,
            password_hash=password_hash,
            role=role,
            warehouse_id=warehouse.id,
            totp_secret=totp_secret or pyotp.random_base32(length=TOTP_SECRET_CHARS),
            totp_confirmed_at=utcnow() if mfa_confirmed else None,
        )
        s.add(user)
        s.flush()
        return user


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="MaintainPro")


def _matching_totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The step (previous, current or next) whose code is `code`, or None.

    The three codes are computed and compared whatever `code` is, so the time spent does not
    depend on it; `code` only counts when it is exactly six ASCII digits.
    """
    well_formed = _TOTP_CODE.fullmatch(code) is not None
    candidate = code if well_formed else "------"
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), candidate) and found is None:
            found = step
    return found if well_formed else None


def _claim_totp_step(user: User, step: int) -> bool:
    """A code is accepted once: the step is claimed atomically."""
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.last_totp_step.is_(None), User.last_totp_step < step))
        .values(last_totp_step=step)
    )
    return claimed.rowcount == 1


def _open_session(user: User, now: datetime) -> AuthSession:
    session = AuthSession(
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["JWT_REFRESH_TTL"]),
    )
    db.session.add(session)
    db.session.flush()
    return session


def login(email: str, password: str, mfa_token: str, *, now: datetime | None = None) -> tuple[User, AuthSession]:
    """Check all three factors; every failure looks the same to the caller and costs the same time.

    The password is verified (against a dummy hash for an unknown email) and the code compared
    whatever the other factors gave, so neither the answer nor its time tells which one was wrong.
    A user without a confirmed authenticator has no working code yet: after a correct password
    they get a 401 telling them to enrol in the portal.
    """
    now = now or utcnow()
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    password_ok = _verify_password(user.password_hash if user else None, password)
    step = _matching_totp_step(user.totp_secret if user else _DUMMY_TOTP_SECRET, mfa_token.strip(), now)
    if not password_ok or user is None or not user.active:
        raise Unauthorized(LOGIN_FAILED)
    if user.totp_confirmed_at is None:
        raise Unauthorized(ENROL_FIRST)
    if step is None:
        raise Unauthorized(LOGIN_FAILED)
    with unit_of_work():
        if not _claim_totp_step(user, step):
            raise Unauthorized(LOGIN_FAILED)
        return user, _open_session(user, now)


def needs_enrolment(user: User) -> bool:
    return user.totp_confirmed_at is None


def confirm_enrolment(user_id: str, code: str, *, enrolment_code_id: str | None = None,
                      now: datetime | None = None) -> tuple[User, AuthSession]:
    """First code from a newly set-up authenticator: marks it confirmed and opens a session.

    After an MFA reset the enrolment code the user gave (enrolment.check, its id kept by the caller)
    is spent in the same transaction: once, and only when the authenticator's code was right.
    """
    now = now or utcnow()
    with unit_of_work() as s:
        user = s.get(User, user_id)
        if user is None or not user.active or user.totp_confirmed_at is not None:
            raise Unauthorized(LOGIN_FAILED)
        code_required = enrolment.required(user)
        step = _matching_totp_step(user.totp_secret, code.strip(), now)
        if step is None or not _claim_totp_step(user, step):
            raise field_error("code", "That code does not match; check the time on your phone and try the next one")
        if code_required:
            enrolment.claim(s, enrolment_code_id, user.id, now)
        user.totp_confirmed_at = now
        return user, _open_session(user, now)


def reset_mfa(actor: Actor, user_id: str, *, now: datetime | None = None) -> enrolment.IssuedCode:
    """An admin's "reset MFA": new secret, their sessions end, and a one-time enrolment code (the
    only way to enrol again: the password alone no longer does) for the admin to hand over."""
    require(actor, "users.manage")
    now = now or utcnow()
    with unit_of_work() as s:
        user = s.get(User, user_id)
        if user is None or user.warehouse_id != actor.warehouse_id:
            raise NotFound("User not found")
        user.totp_secret = pyotp.random_base32(length=TOTP_SECRET_CHARS)
        user.totp_confirmed_at = None
        user.last_totp_step = None
        s.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                  .values(revoked_at=now))
        return enrolment.issue(s, user.id, actor.id, now)


def revoke_session(session_id: str, *, now: datetime | None = None) -> None:
    """Logout: the session's access and refresh tokens stop working at once in every process.

    The revocation lives in the database, not only in Redis: a Redis restart (ours keeps
    nothing on disk) must not bring revoked tokens back to life.
    """
    with unit_of_work() as s:
        row = s.get(AuthSession, session_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = now or utcnow()


def active_session(session_id: str, *, now: datetime | None = None) -> AuthSession | None:
    row = db.session.get(AuthSession, session_id)
    if row is None or row.revoked_at is not None or row.expires_at <= (now or utcnow()):
        return None
    return row


@dataclass(frozen=True)
class TokenUser:
    """The user behind a bearer token as the API reads it (Actor.of, UserOut, new access tokens):
    plain values read with the token check, so no ORM object is built on every API request."""

    id: str
    email: str
    name: str | None
    role: str
    warehouse_id: str
    active: bool


_TOKEN_USER_COLUMNS = tuple(f.name for f in fields(TokenUser))


@lru_cache(maxsize=1)
def _token_check() -> Select:
    # Built once: building and hashing the statement cost more than running it. Plain table
    # columns: the three the check reads of the session, what TokenUser holds of the user.
    sessions, users = AuthSession.__table__.c, User.__table__.c
    return (select(*(users[name] for name in _TOKEN_USER_COLUMNS),
                   sessions.revoked_at, sessions.expires_at, sessions.user_id)
            .select_from(AuthSession.__table__).outerjoin(User.__table__, users.id == sessions.user_id)
            .where(sessions.id == bindparam("session_id")))


def token_session(session_id: str, user_id: str, *, now: datetime | None = None) -> tuple[bool, TokenUser | None]:
    """A token's check in one query: (is its session live, its user if still active).

    Every API request runs this; a session and a user fetched one after the other cost two round
    trips (bench/README.md). A revoked session is seen at once: nothing is cached between requests.
    """
    row = db.session.connection().execute(_token_check(), {"session_id": session_id}).first()
    if row is None:
        return False, None
    *user_values, revoked_at, expires_at, session_user_id = row
    live = revoked_at is None and expires_at > (now or utcnow()) and session_user_id == user_id
    user = TokenUser(*user_values) if user_values[0] is not None else None
    return live, (user if user is not None and user.active else None)


def session_user(session_id: str, *, now: datetime | None = None) -> User | None:
    """The user behind a live session (portal cookie): revoked, expired or deactivated -> None.

    One query for both rows: every page request runs this, and the live-update polls of open
    boards (portal/web/board.py) are otherwise free of SQL.
    """
    row = db.session.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id).where(AuthSession.id == session_id)
    ).first()
    if row is None:
        return None
    session, user = row
    if session.revoked_at is not None or session.expires_at <= (now or utcnow()):
        return None
    return user if user.active else None


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def demo_code(email: str, *, now: datetime | None = None) -> str:
    """Current TOTP code of a demo user, so a newcomer can log in without a phone.

    Refused for users outside a demo warehouse and whenever MAINTAINPRO_ENV=production.
    """
    if current_app.config["ENV_NAME"] == "production":
        raise ValidationFailed("Demo codes are disabled in production")
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.warehouse.is_demo:
        raise ValidationFailed(f"{email} is not a demo user")
    return pyotp.TOTP(user.totp_secret).at(now or utcnow())
