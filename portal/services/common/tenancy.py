"""Lookups within the acting user's warehouse: another warehouse's row is simply not found."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.platform.extensions import db
from portal.services.common.actor import Actor
from portal.services.common.errors import Conflict, NotFound, field_error


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
