"""Small helpers for list endpoints: paging and text search, the same for every resource."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import Select

from portal.models.search import search_text
from portal.models.types import utcnow
from portal.platform.extensions import db
from portal.schemas.common import SyncCursor, SyncQuery, encode_cursor


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    limit: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.limit))


def paginate(stmt: Select, page: int, limit: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(limit).offset((page - 1) * limit)))
    return Page(items=items, total=total, page=page, limit=limit)


def first_page(stmt: Select, limit: int) -> Page:
    """The first `limit` rows of an ORM statement and how many there are in all, in one statement
    (a window count, computed before the LIMIT): for partials that show the start of a list."""
    rows = db.session.execute(stmt.add_columns(func.count().over().label("_total")).limit(limit)).unique().all()
    return Page(items=[row[0] for row in rows], total=rows[0][-1] if rows else 0, page=1, limit=limit)


def like_pattern(q: str) -> str:
    """The ILIKE pattern (escape character backslash) matching q anywhere; % and _ match themselves."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_filter(q: str, *columns) -> Any:
    """Case-insensitive substring match over several columns; % and _ in q match themselves.

    One ILIKE over the columns joined (portal/models/search.py), not one per column: on
    PostgreSQL the work order, equipment and part searches are answered from a trigram index on
    that same expression (bench/README.md, "Search at scale")."""
    return search_text(*columns).ilike(like_pattern(q), escape="\\")


# --- Incremental sync ----------------------------------------------------------------------------

@dataclass
class SyncPage:
    """One page of a sync read (cursor paging): the records after a position, oldest change first."""

    items: list[Any]
    remaining: int        # records from the position on, this page's included
    next_cursor: str      # where the next read starts: after this page's last record
    more: bool            # whether records beyond this page were there when it was read


def sync_filters(stmt: Select, model: Any, query: SyncQuery) -> Select:
    """The change and creation windows of a SyncQuery (updatedSince, createdAfter, createdBefore)."""
    if query.updated_since is not None:
        stmt = stmt.where(model.updated_at >= query.updated_since)
    if query.created_after is not None:
        stmt = stmt.where(model.created_at >= query.created_after)
    if query.created_before is not None:
        stmt = stmt.where(model.created_at < query.created_before)
    return stmt


def sync_statement(stmt: Select, model: Any, position: SyncCursor | None, settled_before: datetime) -> Select:
    """A filtered statement as a sync read: after `position` in (updated_at, id) order, and only
    records changed before `settled_before`.

    Why the horizon: a write stamps updated_at when its transaction runs and becomes visible when
    it commits. A record stamped a moment before another but committed after it would land behind
    a cursor that has already passed that time, and be skipped for good. Reads stop short of the
    last SYNC_SETTLE_SECONDS, longer than any write transaction of ours (imports commit every
    IMPORT_BATCH_ROWS rows), so every record behind a cursor was committed when it was read."""
    stmt = stmt.order_by(None).where(model.updated_at < settled_before)
    if position is not None:
        stmt = stmt.where(or_(model.updated_at > position.at,
                              and_(model.updated_at == position.at, model.id > position.id)))
    return stmt.order_by(model.updated_at, model.id)


def sync_page(stmt: Select, model: Any, query: SyncQuery,
              row: Callable[[Any], Any] = lambda record: record) -> SyncPage:
    """One page of a sync read of an ORM statement (its filters applied, its order replaced)."""
    position = query.position
    ordered = sync_statement(stmt, model, position, sync_horizon())
    remaining = db.session.scalar(select(func.count()).select_from(ordered.order_by(None).subquery())) or 0
    records = list(db.session.scalars(ordered.limit(query.limit + 1)))
    more, records = len(records) > query.limit, records[:query.limit]
    last = records[-1] if records else None
    after = SyncCursor(last.updated_at, last.id) if last is not None else position
    return SyncPage(items=[row(r) for r in records], remaining=remaining, next_cursor=encode_cursor(after), more=more)


def sync_horizon(now: datetime | None = None) -> datetime:
    """Changes up to this moment are returned by a sync read (see sync_statement)."""
    return (now or utcnow()) - timedelta(seconds=current_app.config["SYNC_SETTLE_SECONDS"])
