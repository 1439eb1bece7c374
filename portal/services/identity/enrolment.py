"""One-time enrolment codes: after an admin resets a user's MFA, their password alone no longer
enrols a new authenticator. The reset gives the admin a code (and a link carrying it) to hand over;
it works once, for ENROLMENT_CODE_TTL_HOURS, and a later reset replaces it. Only its SHA-256 is
stored: the code has 100 random bits, so a fast hash is enough (nothing to guess from it).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import AuthSession, EnrolmentCode, User
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.services.common.errors import DomainError, field_error

# Crockford's base32: digits and letters without I, L, O and U, so nothing reads as something else;
# 20 characters (100 bits) typed in five groups of four.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_CHARS = 5, 4
CODE_CHARS = GROUPS * GROUP_CHARS
# What people type for the characters the alphabet leaves out.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_WELL_FORMED = re.compile(f"[{ALPHABET}]{{{CODE_CHARS}}}")

FIELD = "enrolmentCode"
INVALID = ("That enrolment code is not valid. Check it against the one your admin gave you, "
           "or ask them for a new one.")
USED = ("That enrolment code has already been used. If that was not you, "
        "ask your admin to reset your authenticator again.")
REPLACED = "That enrolment code was replaced by a newer one. Use the latest code your admin gave you."
EXPIRED = ("That enrolment code has expired (a code works for {hours} hours). "
           "Ask your admin to reset your authenticator again for a new one.")
MISSING = "Your admin reset your authenticator: enter the enrolment code they gave you."


@dataclass(frozen=True)
class IssuedCode:
    """A code as the reset hands it over: the only time the code itself exists outside the user's hands."""

    id: str
    code: str
    expires_at: datetime


def _hash(normalized: str) -> str:
    return hashlib.sha256(normalized.encode()).hexdigest()


def normalize(code: str) -> str:
    """What the user typed or the link carried, as stored: upper case, without spaces or dashes."""
    return re.sub(r"[\s-]+", "", code.upper()).translate(_READ_AS)


def group(text: str, size: int = GROUP_CHARS, sep: str = "-") -> str:
    """ABCDEFGH -> ABCD-EFGH: easier to read out and type."""
    return sep.join(text[i:i + size] for i in range(0, len(text), size))


def ttl_hours() -> int:
    return current_app.config["ENROLMENT_CODE_TTL_HOURS"]


def issue(s: Session, user_id: str, created_by: str | None, now: datetime) -> IssuedCode:
    """A new code for `user_id` in the caller's transaction; the user's earlier unused codes stop working."""
    s.execute(update(EnrolmentCode)
              .where(EnrolmentCode.user_id == user_id, EnrolmentCode.used_at.is_(None), EnrolmentCode.revoked_at.is_(None))
              .values(revoked_at=now))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))
    row = EnrolmentCode(user_id=user_id, code_hash=_hash(code), created_by=created_by or user_id,
                        created_at=now, expires_at=now + timedelta(hours=ttl_hours()))
    s.add(row)
    s.flush()
    return IssuedCode(row.id, group(code), row.expires_at)


def required(user: User) -> bool:
    """Does enrolling need a code? Yes after an MFA reset: the user was given a code, or had logged in
    before (a reset made before codes existed). A new user enrols with the initial password alone."""
    if user.totp_confirmed_at is not None:
        return False
    given = db.session.scalar(select(EnrolmentCode.id).where(EnrolmentCode.user_id == user.id).limit(1))
    if given is not None:
        return True
    return db.session.scalar(select(AuthSession.id).where(AuthSession.user_id == user.id).limit(1)) is not None


def _why_not(row: EnrolmentCode, now: datetime) -> str | None:
    if row.used_at is not None:
        return USED
    if row.revoked_at is not None:
        return REPLACED
    if row.expires_at <= now:
        return EXPIRED.format(hours=ttl_hours())
    return None


def check(code: str, *, user_id: str | None = None, now: datetime | None = None) -> EnrolmentCode:
    """The usable code row for `code` (of `user_id` when given), else a field error saying why not.

    Another user's code reads as not valid: it tells nothing about whose it is."""
    now = now or utcnow()
    text = normalize(code)
    row = None
    if _WELL_FORMED.fullmatch(text):
        row = db.session.scalar(select(EnrolmentCode).where(EnrolmentCode.code_hash == _hash(text)))
    if row is None or (user_id is not None and row.user_id != user_id):
        raise field_error(FIELD, INVALID)
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        raise field_error(FIELD, INVALID)
    problem = _why_not(row, now)
    if problem:
        raise field_error(FIELD, problem)
    return row


def held(code_id: str | None, user_id: str, *, now: datetime | None = None) -> DomainError | None:
    """Is the code the user's browser holds (by id, after check()) still usable for them? None if so,
    else the error to show (the code was used, replaced or expired meanwhile)."""
    row = db.session.get(EnrolmentCode, code_id) if code_id else None
    if row is None or row.user_id != user_id:
        return field_error(FIELD, MISSING)
    problem = _why_not(row, now or utcnow())
    return field_error(FIELD, problem) if problem else None


def claim(s: Session, code_id: str | None, user_id: str, now: datetime) -> None:
    """Spend the code in the caller's transaction: once, by one request, even when two race."""
    claimed = s.execute(update(EnrolmentCode)
                        .where(EnrolmentCode.id == (code_id or ""), EnrolmentCode.user_id == user_id,
                               EnrolmentCode.used_at.is_(None), EnrolmentCode.revoked_at.is_(None),
                               EnrolmentCode.expires_at > now)
                        .values(used_at=now))
    if claimed.rowcount != 1:
        s.expire_all()
        raise held(code_id, user_id, now=now) or field_error(FIELD, USED)
