"""Live updates: a version counter in Redis per warehouse and per work order.

Open boards and work order pages poll "has anything changed since version N?" every few seconds.
Answering that must cost next to nothing (50 tablets on a 2-worker site), so it is one Redis GET,
not a query: every committed write of a work order or of a row hanging off one (history,
comments, photos, checklist, parts, part requests, labor) bumps its warehouse's counter and the work order's own.
The bumps come from the app session's events (attached by portal/wiring.py), like the cache's
generations (portal/platform/cache.py), so no service, job or CLI command that writes through the ORM can forget one; a deletion is seen
the same way. Bulk UPDATE statements are not seen: the only ones on work_orders either come with a
row insert that is (labor) or change nothing a page shows (the PM overdue notice flag).

The values this request's own bumps returned are kept in the request (own_bumps()): INCR is atomic,
so a work order's counter that went from the page's version `since` to since + k by this request's
k bumps alone was moved by nobody else, and a step's answer may hand the page the new version
(portal/web/live_poll.py, own_change).

A person's notifications (the bell in the header, the notifications page) have a counter of their
own per user: touch_user() notes the person in the transaction that adds or reads their
notifications (services/notifications/), and the same after-commit listener bumps it.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy.orm import Session

from portal.platform.redis import get_redis

log = logging.getLogger(__name__)
PREFIX = "mp:live"
# Rows whose change shows on a board or a work order page; all but work_orders carry work_order_id.
TRACKED_TABLES = frozenset({
    "work_orders", "work_order_history", "work_order_comments", "work_order_attachments",
    "work_order_checklist_items", "part_consumptions", "labor_entries", "reorder_requests",
})
WORK_ORDER_KEY_TTL = 30 * 24 * 3600  # an untouched work order's counter may go; a missing key reads "0"
OWN_BUMPS = "maintainpro.live_own_bumps"


def warehouse_key(warehouse_id: str) -> str:
    return f"{PREFIX}:{warehouse_id}"


def work_order_key(warehouse_id: str, work_order_id: str) -> str:
    return f"{PREFIX}:{warehouse_id}:{work_order_id}"


def user_key(user_id: str) -> str:
    return f"{PREFIX}:user:{user_id}"


def user_version(user_id: str) -> str | None:
    """The version of a person's notifications ("0" before any), or None when Redis is down."""
    return read(user_key(user_id))


def touch_user(session: Session, user_id: str) -> None:
    """Note, inside a transaction, that `user_id`'s notifications change: bumped after the commit."""
    session.info.setdefault("live_users", set()).add(user_id)


def version(warehouse_id: str, work_order_id: str | None = None) -> str | None:
    """The current version (a counter as text, "0" before any change), or None when Redis is down."""
    return read(work_order_key(warehouse_id, work_order_id) if work_order_id else warehouse_key(warehouse_id))


def read(key: str, app: Any = None) -> str | None:
    """The counter at `key` ("0" when missing), or None when Redis is down. `app`: outside an app
    context (the quiet poll's answer before Flask, portal/web/live_poll.py)."""
    try:
        raw = get_redis(app).get(key)
    except Exception as exc:
        log.warning("live: version not read (%s)", exc)
        return None
    return raw.decode() if raw else "0"


def _pending(session: Session) -> set[tuple[str, str]]:
    return session.info.setdefault("live_touched", set())


def _work_order_of(session: Session, obj: Any) -> tuple[str | None, str | None]:
    """(warehouse id, work order id) of a tracked row."""
    from portal.models import WorkOrder

    if isinstance(obj, WorkOrder):
        return obj.warehouse_id, obj.id
    wo_id = getattr(obj, "work_order_id", None)
    if wo_id is None:
        return None, None
    warehouse_id = getattr(obj, "warehouse_id", None)
    if warehouse_id is None:
        with session.no_autoflush:  # the parent is nearly always in the identity map already
            parent = session.get(WorkOrder, wo_id)
        warehouse_id = parent.warehouse_id if parent is not None else None
    return warehouse_id, wo_id


# The three session listeners below are attached to the app's session (db.session) by
# portal/wiring.py, never to SQLAlchemy's Session class.

def collect(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: note the work orders (and their warehouses) whose rows are about to change."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) not in TRACKED_TABLES:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue  # only touched, nothing written
        warehouse_id, wo_id = _work_order_of(session, obj)
        if warehouse_id and wo_id:
            _pending(session).add((warehouse_id, wo_id))


def bump_committed(session: Session) -> None:
    """after_commit: bump the versions of the warehouses and work orders the transaction changed."""
    touched = session.info.pop("live_touched", None) or set()
    users = session.info.pop("live_users", None) or set()
    if not touched and not users:
        return
    if not has_app_context():  # no app (a bare script): nobody polls through it either
        return
    app = current_app
    try:
        pipe = get_redis(app).pipeline(transaction=False)
        for warehouse_id in sorted({w for w, _ in touched}):
            pipe.incr(warehouse_key(warehouse_id))
        work_order_keys = [work_order_key(w, o) for w, o in sorted(touched)]
        for key in work_order_keys:
            pipe.incr(key)
            pipe.expire(key, WORK_ORDER_KEY_TTL)
        for user_id in sorted(users):
            pipe.incr(user_key(user_id))
        results = pipe.execute()
    except Exception as exc:  # the write is committed; open pages see it at the next change
        log.warning("live: version bump not sent (%s)", exc)
        return
    if has_request_context():
        # The work orders' INCR answers: after the warehouses' (one each), every other one (EXPIRE between).
        start = len({w for w, _ in touched})
        kept = request.environ.setdefault(OWN_BUMPS, {})
        for key, value in zip(work_order_keys, results[start:start + 2 * len(work_order_keys):2], strict=True):
            kept.setdefault(key, []).append(int(value))


def own_bumps() -> dict[str, list[int]]:
    """{work order key: the versions this request's own committed bumps made, in order}. Kept in
    request.environ, not on g: an app context may outlive a request (the tests keep one open)."""
    return request.environ.get(OWN_BUMPS, {}) if has_request_context() else {}


def forget_rolled_back(session: Session) -> None:
    """after_rollback: what was rolled back changed nothing."""
    session.info.pop("live_touched", None)
    session.info.pop("live_users", None)
