"""One-time enrolment codes (services/identity/enrolment.py): after an admin resets a user's MFA, the
password alone no longer enrols an authenticator; the code the reset gave does, once, until it expires."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
import pytest
from conftest import PASSWORD
from sqlalchemy import select

from portal.models import AuthSession, EnrolmentCode, User
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.errors import DomainError, Unauthorized
from portal.services.identity import auth as auth_service
from portal.services.identity import enrolment
from portal.services.identity import users as user_service


def _message(exc: DomainError) -> str:
    assert exc.errors and exc.errors[0]["field"] in (enrolment.FIELD, "code"), exc.errors
    return exc.errors[0]["message"]


def _reset(users, who="technician", now=None):
    tech = users["north"][who]
    issued = auth_service.reset_mfa(users.actor("north", "admin"), tech.id, now=now)
    db.session.expire_all()
    return db.session.get(User, tech.id), issued


def _enrol(user, issued, now):
    """Check the code as the page does, then confirm with the authenticator's code at `now`."""
    row = enrolment.check(issued.code, user_id=user.id, now=now)
    return auth_service.confirm_enrolment(user.id, pyotp.TOTP(user.totp_secret).at(now), enrolment_code_id=row.id, now=now)


def test_reset_issues_a_grouped_code_and_keeps_only_its_hash(users):
    now = utcnow()
    user, issued = _reset(users, now=now)
    groups = issued.code.split("-")
    assert len(groups) == 5 and all(len(g) == 4 and set(g) <= set(enrolment.ALPHABET) for g in groups)
    row = db.session.get(EnrolmentCode, issued.id)
    assert row.code_hash == hashlib.sha256(issued.code.replace("-", "").encode()).hexdigest()
    assert issued.code.replace("-", "") not in {row.id, row.code_hash, row.user_id}
    assert (row.user_id, row.created_by) == (user.id, users["north"]["admin"].id)
    assert row.expires_at == issued.expires_at == now + timedelta(hours=72)  # the default setting
    assert (row.used_at, row.revoked_at, user.totp_confirmed_at) == (None, None, None)


def test_the_lifetime_is_a_setting(app, users):
    app.config["ENROLMENT_CODE_TTL_HOURS"] = 4
    now = utcnow()
    _, issued = _reset(users, now=now)
    assert issued.expires_at == now + timedelta(hours=4)
    with pytest.raises(DomainError) as exc:
        enrolment.check(issued.code, now=now + timedelta(hours=4))
    assert _message(exc.value) == enrolment.EXPIRED.format(hours=4)
    assert "4 hours" in _message(exc.value)


def test_a_password_alone_no_longer_enrols_after_a_reset(users):
    now = utcnow()
    user, _ = _reset(users, now=now)
    assert enrolment.required(user)
    with pytest.raises(DomainError) as exc:
        auth_service.confirm_enrolment(user.id, pyotp.TOTP(user.totp_secret).at(now), now=now)
    assert _message(exc.value) == enrolment.MISSING
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is None


def test_a_new_user_enrols_with_the_initial_password(users):
    user = auth_service.create_user("new@north.example.com", PASSWORD, "technician", "North Plant", mfa_confirmed=False)
    assert not enrolment.required(user)
    now = utcnow()
    confirmed, session = auth_service.confirm_enrolment(user.id, pyotp.TOTP(user.totp_secret).at(now), now=now)
    assert confirmed.totp_confirmed_at == now and session.user_id == user.id


def test_a_reset_made_before_codes_existed_still_needs_one(users):
    """Unconfirmed, no code row, but logged in before: their MFA was reset; the admin resets again."""
    tech = users["north"]["technician"]
    db.session.add(AuthSession(user_id=tech.id, expires_at=utcnow() + timedelta(hours=1)))
    db.session.get(User, tech.id).totp_confirmed_at = None
    db.session.commit()
    assert enrolment.required(db.session.get(User, tech.id))


def test_the_code_enrols_once(users):
    now = utcnow()
    user, issued = _reset(users, now=now)
    # Typed loosely: lower case, spaces for dashes, O for zero and I or L for one all read the same.
    loose = issued.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert enrolment.check(loose, user_id=user.id, now=now).id == issued.id
    confirmed, session = _enrol(user, issued, now)
    assert confirmed.totp_confirmed_at == now and session.user_id == user.id
    assert db.session.get(EnrolmentCode, issued.id).used_at == now
    with pytest.raises(DomainError) as exc:
        enrolment.check(issued.code, now=now + timedelta(minutes=1))
    assert _message(exc.value) == enrolment.USED


def test_a_spent_code_cannot_be_claimed_again(users):
    """Two browsers of the same user checked the code; the first enrolment spends it, the second is refused."""
    now = utcnow()
    user, issued = _reset(users, now=now)
    row = enrolment.check(issued.code, user_id=user.id, now=now)
    later = now + timedelta(seconds=30)
    with unit_of_work() as s:
        enrolment.claim(s, row.id, user.id, now)
    with pytest.raises(DomainError) as exc, unit_of_work() as s:
        enrolment.claim(s, row.id, user.id, later)
    assert _message(exc.value) == enrolment.USED


def test_a_wrong_authenticator_code_does_not_spend_it(users):
    now = utcnow()
    user, issued = _reset(users, now=now)
    row = enrolment.check(issued.code, user_id=user.id, now=now)
    wrong = "000000" if pyotp.TOTP(user.totp_secret).at(now) != "000000" else "111111"
    with pytest.raises(DomainError) as exc:
        auth_service.confirm_enrolment(user.id, wrong, enrolment_code_id=row.id, now=now)
    assert exc.value.errors[0]["field"] == "code"
    db.session.expire_all()
    assert db.session.get(EnrolmentCode, issued.id).used_at is None
    _enrol(db.session.get(User, user.id), issued, now)  # still works


def test_refused_after_expiry_even_when_checked_before(users):
    now = utcnow()
    user, issued = _reset(users, now=now)
    row = enrolment.check(issued.code, user_id=user.id, now=now + timedelta(hours=71))
    after = issued.expires_at + timedelta(seconds=1)
    with pytest.raises(DomainError) as exc:
        auth_service.confirm_enrolment(user.id, pyotp.TOTP(user.totp_secret).at(after), enrolment_code_id=row.id, now=after)
    assert _message(exc.value) == enrolment.EXPIRED.format(hours=72)
    assert enrolment.held(row.id, user.id, now=after).errors[0]["message"] == enrolment.EXPIRED.format(hours=72)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is None
    assert db.session.get(EnrolmentCode, issued.id).used_at is None


def test_a_new_reset_replaces_the_old_code(users):
    now = utcnow()
    _, first = _reset(users, now=now)
    user, second = _reset(users, now=now + timedelta(minutes=5))
    with pytest.raises(DomainError) as exc:
        enrolment.check(first.code, user_id=user.id, now=now + timedelta(minutes=6))
    assert _message(exc.value) == enrolment.REPLACED
    assert db.session.get(EnrolmentCode, first.id).revoked_at == now + timedelta(minutes=5)
    _enrol(user, second, now + timedelta(minutes=6))


def test_unknown_malformed_or_someone_elses_code_reads_as_not_valid(users):
    now = utcnow()
    _, issued = _reset(users, now=now)
    manager = users["north"]["manager"]
    for code in ("", "ABCD", "U" * 20, "0000-0000-0000-0000-0000", issued.code + "0"):
        with pytest.raises(DomainError) as exc:
            enrolment.check(code, now=now)
        assert _message(exc.value) == enrolment.INVALID, code
    with pytest.raises(DomainError) as exc:
        enrolment.check(issued.code, user_id=manager.id, now=now)
    assert _message(exc.value) == enrolment.INVALID
    # Nor can another user's held code id be spent for this one.
    with pytest.raises(DomainError):
        auth_service.confirm_enrolment(manager.id, "123456", enrolment_code_id=issued.id, now=now)


def test_a_deactivated_users_code_is_not_valid(users):
    now = utcnow()
    user, issued = _reset(users, now=now)
    db.session.get(User, user.id).active = False
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        enrolment.check(issued.code, now=now)
    assert _message(exc.value) == enrolment.INVALID
    with pytest.raises(Unauthorized):
        auth_service.confirm_enrolment(user.id, pyotp.TOTP(user.totp_secret).at(now), enrolment_code_id=issued.id, now=now)


def test_the_users_service_answers_the_row_and_the_code(users):
    tech = users["north"]["technician"]
    row, issued = user_service.reset_mfa(users.actor("north", "admin"), tech.id)
    assert row.id == tech.id and row.mfa_enrolled is False
    assert db.session.scalars(select(EnrolmentCode.id).where(EnrolmentCode.user_id == tech.id)).all() == [issued.id]
