"""User administration within a warehouse: list, create, change role, deactivate, reset MFA.

The portal's /admin/users and the API's /api/users both call these. Users are not part of the
contract's webhook events, so changes are logged (audit line) rather than recorded as events.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from portal.models import AuthSession, User, Warehouse
from portal.models.types import utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.schemas.users import UserCreate, UserQuery, UserUpdate
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, NotFound, field_error
from portal.services.common.querying import Page, paginate, text_filter
from portal.services.identity import auth, enrolment
from portal.services.identity.permissions import require

log = logging.getLogger(__name__)

SELF_DEACTIVATE = "You cannot deactivate your own account; ask another admin"
SELF_DEMOTE = "You cannot change your own role; ask another admin"
LAST_ADMIN = "This is the last active admin of the warehouse; make another user admin first"


@dataclass
class UserRow:
    """A user as the admin sees them: the row plus when their last session started."""

    user: User
    last_login_at: datetime | None

    def __getattr__(self, name: str):
        return getattr(self.user, name)

    @property
    def mfa_enrolled(self) -> bool:
        return self.user.totp_confirmed_at is not None


def _last_logins(user_ids: list[str]) -> dict[str, datetime]:
    """One grouped query for a page of users (never one per row)."""
    if not user_ids:
        return {}
    rows = db.session.execute(select(AuthSession.user_id, func.max(AuthSession.created_at))
                              .where(AuthSession.user_id.in_(user_ids)).group_by(AuthSession.user_id))
    return {user_id: at for user_id, at in rows}


def _rows(users: list[User]) -> list[UserRow]:
    logins = _last_logins([u.id for u in users])
    return [UserRow(u, logins.get(u.id)) for u in users]


def list_users(actor: Actor, query: UserQuery) -> Page:
    """Users of the actor's warehouse by email; items are UserRow (with their last login)."""
    require(actor, "users.manage")
    stmt = select(User).where(User.warehouse_id == actor.warehouse_id)
    if query.q:
        stmt = stmt.where(text_filter(query.q, User.email, User.name))
    if query.active is not None:
        stmt = stmt.where(User.active.is_(query.active))
    stmt = stmt.order_by(User.email, User.id)
    page = paginate(stmt, query.page, query.limit)
    page.items = _rows(page.items)
    return page


def _user_in_warehouse(actor: Actor, user_id: str, *, lock: bool = False) -> User:
    if not user_id or "\x00" in str(user_id):
        raise NotFound("User not found")
    stmt = select(User).where(User.id == str(user_id), User.warehouse_id == actor.warehouse_id)
    # of=User: the joined-loaded warehouse is an outer join, which PostgreSQL cannot lock.
    user = db.session.scalars(stmt.with_for_update(of=User) if lock else stmt).first()
    if user is None:
        raise NotFound("User not found")
    return user


def get_user(actor: Actor, user_id: str) -> UserRow:
    require(actor, "users.manage")
    return _rows([_user_in_warehouse(actor, user_id)])[0]


def create_user(actor: Actor, data: UserCreate) -> UserRow:
    """A user of the admin's warehouse with an initial password; no authenticator yet, so their
    first portal login enrols one (auth.needs_enrolment), and the API refuses them until then."""
    require(actor, "users.manage")
    warehouse = db.session.get(Warehouse, actor.warehouse_id)
    user = auth.create_user(data.email, data.password, data.role, warehouse.name, name=data.name,
                            actor=actor, mfa_confirmed=False)
    if data.hourly_rate is not None:
        with unit_of_work():
            user.hourly_rate = data.hourly_rate
    log.info("user %s created by %s with role %s", user.email, actor.email, user.role)
    return UserRow(user, None)


def _refused(field: str, message: str) -> Conflict:
    """409 whose message says why (the page shows it next to the control, the API in both places)."""
    return Conflict(message, [{"field": field, "message": message}])


def _end_sessions(session, user_id: str) -> None:
    session.execute(update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
                    .values(revoked_at=utcnow()))


def _other_active_admins(session, actor: Actor, user_id: str) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.warehouse_id == actor.warehouse_id, User.role == "admin", User.active.is_(True), User.id != user_id)) or 0


def update_user(actor: Actor, user_id: str, data: UserUpdate) -> UserRow:
    """Change name, role or active. Deactivating ends every session (tokens and portal) at once."""
    require(actor, "users.manage")
    given = data.model_fields_set
    for name in ("role", "active"):
        if name in given and getattr(data, name) is None:
            raise field_error(name, "May not be null")
    with unit_of_work() as s:
        user = _user_in_warehouse(actor, user_id, lock=True)
        is_self = user.id == actor.id
        demoted = data.role is not None and data.role != user.role and user.role == "admin"
        deactivated = data.active is False and user.active
        if is_self and deactivated:
            raise _refused("active", SELF_DEACTIVATE)
        if is_self and data.role is not None and data.role != user.role:
            raise _refused("role", SELF_DEMOTE)
        if (demoted or deactivated) and user.role == "admin" and user.active:
            # Lock the warehouse's admins so two admins cannot demote each other at the same time.
            s.execute(select(User.id).where(User.warehouse_id == actor.warehouse_id, User.role == "admin")
                      .with_for_update())
            if not _other_active_admins(s, actor, user.id):
                raise _refused("role" if demoted else "active", LAST_ADMIN)
        if "name" in given:
            user.name = data.name.strip() if data.name and data.name.strip() else None
        if data.role is not None:
            user.role = data.role
        if data.active is not None:
            user.active = data.active
        if "hourly_rate" in given:
            user.hourly_rate = data.hourly_rate
        if deactivated:
            # Portal cookies and API tokens name the same AuthSession rows: both end here, at once.
            # (A role change needs no such step: every request reads the role from the users row.)
            _end_sessions(s, user.id)
        s.flush()
        log.info("user %s updated by %s: %s", user.email, actor.email, sorted(given))
        user_id = user.id
    return get_user(actor, user_id)


def reset_mfa(actor: Actor, user_id: str) -> tuple[UserRow, enrolment.IssuedCode]:
    """New secret, not enrolled, every session ends; the answer carries the one-time enrolment code
    the admin hands over (shown once: only its hash is kept)."""
    require(actor, "users.manage")
    _user_in_warehouse(actor, user_id)
    issued = auth.reset_mfa(actor, user_id)
    log.info("MFA of user %s reset by %s (enrolment code until %s)", user_id, actor.email, issued.expires_at.isoformat())
    return get_user(actor, user_id), issued
