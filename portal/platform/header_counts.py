"""The two counts every full page's header shows (the bell's unread notifications, the nav's
requests waiting in the inbox), kept in Redis under the version they were counted at.

A full page used to spend two SQL statements on them. Each count is now stored as
"<version>|<count>" next to a counter that every committed change of what it counts bumps: the
person's notification counter (platform/live.py, user_key) for the bell, and a per-warehouse
counter of work requests (below) for the inbox. A page reads the counter and the stored count in
one MGET; when the stored version is the counter's, the count is current and no SQL runs. The
counter is read before counting, so a change committed meanwhile leaves a stored version that is
already behind: the next page counts again; and the count is read from a snapshot taken after the
counter (database.reads_from_now: on SQLite a request's transaction may have begun before). Redis
down: the page counts in SQL as before.

The requests' counter is bumped from the app session's events (attached by portal/wiring.py) for
any committed insert, change or deletion of a work request, and any change of a warehouse (its
request routing decides whether the inbox shows), so no write path can forget it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from portal.platform.database import reads_from_now
from portal.platform.redis import get_redis, incr_committed

log = logging.getLogger(__name__)
PREFIX = "mp:header"
KEEP_SECONDS = 7 * 24 * 3600  # a stored count nobody reads for a week may go; the next page counts
NONE = "-"  # a count of None (no badge to show) stored as such


def requests_key(warehouse_id: str) -> str:
    """The counter of a warehouse's work requests (and its routing)."""
    return f"{PREFIX}:requests:{warehouse_id}"


def cached(version_key: str, count_key: str, count: Callable[[], int | None]) -> tuple[str | None, int | None]:
    """(the counter's version, the count): the stored count when it was made at this version,
    else count() (stored under the version read before it, and read from what was committed by
    then: database.reads_from_now). Version None: Redis is down."""
    try:
        version, stored = get_redis().mget(version_key, count_key)
    except Exception as exc:
        log.warning("header counts: not read (%s)", exc)
        return None, count()
    version_text = version.decode() if version else "0"
    if stored:
        at, _, value = stored.decode().partition("|")
        if at == version_text:
            return version_text, None if value == NONE else int(value)
    reads_from_now()
    fresh = count()
    try:
        get_redis().set(count_key, f"{version_text}|{NONE if fresh is None else fresh}", ex=KEEP_SECONDS)
    except Exception as exc:
        log.warning("header counts: not kept (%s)", exc)
    return version_text, fresh


# The three session listeners below are attached to the app's session by portal/wiring.py.

def collect(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: note the warehouses whose work requests (or routing) are about to change."""
    touched = session.info.setdefault("header_requests", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "work_requests":
            touched.add(obj.warehouse_id)
        elif table == "warehouses" and obj not in session.new and session.is_modified(obj, include_collections=False):
            touched.add(obj.id)
    touched.discard(None)


def bump_committed(session: Session) -> None:
    """after_commit: bump the requests' counter of every warehouse the transaction changed (a stale
    badge lasts until the next change if Redis misses it)."""
    touched = session.info.pop("header_requests", None) or ()
    incr_committed([requests_key(warehouse_id) for warehouse_id in touched], "header counts")


def forget_rolled_back(session: Session) -> None:
    session.info.pop("header_requests", None)
