"""A version counter per warehouse of its people, in Redis: what a list of them kept in a process
(the board's assignees, services/work_orders/reads.py) is checked against.

Every committed insert, change or deletion of a user through the app's session bumps the counter
of the user's warehouse (its events, attached by portal/wiring.py), so no service, job or CLI
command can forget it: objects flushed, and bulk INSERTs by the warehouse ids they carry. A bulk
UPDATE or DELETE counts for the warehouse its WHERE names; the only one the app sends claims a
login's TOTP step by user id, which no list shows. A list is kept a minute at most besides, so a
write no event saw (a script's own SQL) shows within that minute.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from portal.platform import live
from portal.platform.cache import warehouse_in
from portal.platform.redis import incr_committed

PREFIX = "mp:people"


def key(warehouse_id: str) -> str:
    return f"{PREFIX}:{warehouse_id}"


def version(warehouse_id: str) -> str | None:
    """The warehouse's people version ("0" before any change), or None when Redis is down."""
    return live.read(key(warehouse_id))


# The three session listeners below are attached to the app's session by portal/wiring.py.

def collect(session: Session, _context: Any, _instances: Any) -> None:
    """before_flush: note the warehouses whose users are about to be added, changed or deleted."""
    touched = session.info.setdefault("people_touched", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) != "users":
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        touched.add(obj.warehouse_id)
        # A person moved to another warehouse leaves the old one's lists too.
        touched.update(inspect(obj).attrs.warehouse_id.history.deleted or ())
    touched.discard(None)


def collect_bulk(state: Any) -> None:
    """do_orm_execute: note the warehouses of a bulk INSERT of users (its rows' warehouse ids), or
    of a bulk UPDATE or DELETE whose WHERE names one."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if getattr(getattr(state.statement, "table", None), "name", None) != "users":
        return
    touched = state.session.info.setdefault("people_touched", set())
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        touched.update(row.get("warehouse_id") for row in rows)
        touched.discard(None)
    elif warehouse_id := warehouse_in(state.statement.whereclause):
        touched.add(warehouse_id)


def bump_committed(session: Session) -> None:
    """after_commit: bump the people version of every warehouse the transaction changed (a kept list
    lasts its minute at most if Redis misses it)."""
    touched = session.info.pop("people_touched", None) or ()
    incr_committed([key(warehouse_id) for warehouse_id in touched], "people")


def forget_rolled_back(session: Session) -> None:
    session.info.pop("people_touched", None)
