"""API keys: create (shown once), list, revoke; authenticate a request that carries one.

A key reads ``mp_live_<id>_<secret>``: the id finds the row with one primary-key lookup, the secret
(192 random bits) is compared by its SHA-256, so a stolen database gives no usable key. A key acts
as the admin who created it, inside that admin's warehouse, with the key's role, capped at use time
by the creator's current role (a demoted or disabled creator takes their keys down with them).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.models import ApiKey, User
from portal.models.types import new_id, utcnow
from portal.platform.database import unit_of_work
from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import Forbidden, field_error
from portal.services.common.querying import Page, paginate
from portal.services.common.tenancy import get_in_warehouse
from portal.services.identity.permissions import require

KEY_PREFIX = "mp_live_"
# Higher number, more rights. "system" is never a key's role.
ROLE_RANK = {"requester": 1, "technician": 2, "manager": 3, "admin": 4}
# last_used_at is written at most this often per key: a busy integration costs one UPDATE a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def create_key(actor: Actor, name: str, role: str, *, now: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key and its full text (the only time it exists outside the caller)."""
    require(actor, "api_keys.manage")
    if role not in ROLE_RANK:
        raise field_error("role", f"Must be one of {', '.join(ROLE_RANK)}")
    if ROLE_RANK[role] > ROLE_RANK.get(actor.role, 0):
        raise field_error("role", f"A key's role cannot be higher than your own ({actor.role})", Forbidden)
    secret = secrets.token_hex(24)
    with unit_of_work() as session:
        key = ApiKey(warehouse_id=actor.warehouse_id, name=name, role=role, secret_hash=_hash(secret),
                     created_by=actor.id, created_at=now or utcnow())
        key.id = new_id()
        key.prefix = f"{KEY_PREFIX}{key.id[:8]}"
        session.add(key)
    return key, f"{KEY_PREFIX}{key.id}_{secret}"


def list_keys(actor: Actor, page: int, limit: int) -> Page:
    require(actor, "api_keys.manage")
    stmt = select(ApiKey).where(ApiKey.warehouse_id == actor.warehouse_id) \
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    return paginate(stmt, page, limit)


def get_key(actor: Actor, key_id: str) -> ApiKey:
    require(actor, "api_keys.manage")
    return get_in_warehouse(ApiKey, key_id, actor, what="API key")


def revoke_key(actor: Actor, key_id: str, *, now: datetime | None = None) -> ApiKey:
    """Revoked at once: the next request with the key gets 401. Revoking twice keeps the first time."""
    require(actor, "api_keys.manage")
    with unit_of_work():
        key = get_in_warehouse(ApiKey, key_id, actor, what="API key", lock=True)
        if key.revoked_at is None:
            key.revoked_at = now or utcnow()
    return key


@dataclass(frozen=True)
class KeyPrincipal:
    """What a request authenticated by a key acts as: the shape of a User that Actor.of() reads."""

    id: str
    role: str
    warehouse_id: str
    email: str
    api_key_id: str
    active: bool = True


def well_formed(token: str) -> bool:
    """mp_live_<36-character id>_<secret>: whether the text can be a key at all."""
    key_id, sep, secret = token.removeprefix(KEY_PREFIX).rpartition("_")
    return token.startswith(KEY_PREFIX) and bool(sep) and len(key_id) == 36 and bool(secret) and "\x00" not in token


def authenticate(token: str, *, now: datetime | None = None) -> KeyPrincipal | None:
    """The principal of a valid, unrevoked key whose creator is still active; None otherwise."""
    if not well_formed(token):
        return None
    key_id, _, secret = token[len(KEY_PREFIX):].rpartition("_")
    key = db.session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    creator = db.session.get(User, key.created_by)
    if creator is None or not creator.active or creator.warehouse_id != key.warehouse_id:
        return None
    role = min(key.role, creator.role, key=lambda r: ROLE_RANK.get(r, 0))
    if ROLE_RANK.get(role, 0) == 0:
        return None
    principal = KeyPrincipal(id=creator.id, role=role, warehouse_id=key.warehouse_id,
                             email=f"api-key:{key.prefix}", api_key_id=key.id)
    now = now or utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        _touch(key.id, now)
    return principal


def _touch(key_id: str, now: datetime) -> None:
    # Conditional, so concurrent requests of one key write once per minute between them.
    with unit_of_work() as session:
        session.execute(update(ApiKey).where(
            ApiKey.id == key_id,
            (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at <= now - LAST_USED_RESOLUTION),
        ).values(last_used_at=now))
