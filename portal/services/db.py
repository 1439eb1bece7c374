"""Transactions. Every write goes through unit_of_work(): one commit, events included."""
from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..extensions import db, sqlite_immediate
from .actor import Actor
from .errors import Conflict, NotFound, field_error

log = logging.getLogger(__name__)
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("uow_depth", default=0)

# Called with the committed session's list of event ids, after commit (e.g. enqueue deliveries).
after_commit_hooks: list[Callable[[list[str]], None]] = []


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run a write as one transaction. Nested calls join the outer one.

    On SQLite the transaction starts with BEGIN IMMEDIATE, so any read in it already holds
    the write lock; an open read transaction is ended first for the same reason.
    """
    session = db.session()  # the scoped session's current Session
    depth = _depth.get()
    if depth:
        token = _depth.set(depth + 1)
        try:
            yield session
        finally:
            _depth.reset(token)
        return
    if session.in_transaction():
        session.rollback()
    token = _depth.set(1)
    imm = sqlite_immediate.set(True)
    try:
        yield session
        session.flush()
        event_ids = list(session.info.pop("pending_event_ids", []))
        session.commit()
    except BaseException:
        session.info.pop("pending_event_ids", None)
        session.rollback()
        raise
    finally:
        sqlite_immediate.reset(imm)
        _depth.reset(token)
    for hook in after_commit_hooks:
        try:
            hook(event_ids)
        except Exception:  # the sweeper catches up whatever a hook could not do now
            log.exception("after-commit hook %r failed", hook)


def get_in_warehouse(model, object_id: str | None, actor: Actor, *, what: str | None = None, lock: bool = False):
    """Fetch one row of the actor's warehouse; another warehouse's id is simply not found."""
    label = what or model.__name__
    # A NUL can never be in an id, and PostgreSQL would refuse the query itself: simply not found.
    if not object_id or "\x00" in str(object_id):
        raise NotFound(f"{label} not found")
    stmt = select(model).where(model.id == str(object_id), model.warehouse_id == actor.warehouse_id)
    if lock:
        stmt = stmt.with_for_update()
    obj = db.session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"{label} not found")
    return obj


def assert_unique_in_warehouse(column, value: str, actor: Actor, *, field: str, message: str,
                               except_id: str | None = None) -> None:
    """409 when another row of the actor's warehouse already has `value` in `column`
    (asset tags, part numbers); the unique constraint backs this up under races."""
    model = column.class_
    stmt = select(func.count()).select_from(model).where(model.warehouse_id == actor.warehouse_id, column == value)
    if except_id:
        stmt = stmt.where(model.id != except_id)
    if db.session.scalar(stmt):
        raise field_error(field, message, Conflict)


@contextmanager
def unique_violation_as_conflict(column, *, field: str, message: str) -> Iterator[None]:
    """Wrap the flush of a row whose `column` is unique: when a concurrent transaction won the race
    past assert_unique_in_warehouse (PostgreSQL), the constraint's error becomes the same 409."""
    try:
        yield
    except IntegrityError as exc:
        # SQLite names the columns, PostgreSQL the constraint (uq_<table>_warehouse_id_<column>).
        if column.expression.name not in str(exc.orig):
            raise
        raise field_error(field, message, Conflict) from None
