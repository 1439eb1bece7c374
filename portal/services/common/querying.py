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
    # False: `total` is a lower bound (a capped count stopped there: count_window); more follow.
    exact: bool = True

    @property
    def last_page(self) -> int:
        """The last page `total` covers (with an inexact total, the last one known of)."""
        return max(1, -(-self.total // self.limit))

    @property
    def has_next(self) -> bool:
        return self.page < self.last_page or not self.exact

    @property
    def pages_text(self) -> str:
        """The number of pages as people read it: "2+" when counting stopped (a next page exists)."""
        return str(self.last_page) if self.exact else f"{max(self.last_page, self.page + 1):,}+"

    @property
    def total_text(self) -> str:
        """The total as people read it: "10,000+" when counting stopped at the cap."""
        return str(self.total) if self.exact else f"{self.total:,}+"


def count_window(page: int, limit: int, exact: bool, search: bool = False) -> int | None:
    """How many rows a list's count needs to read: None for all of them (an exact count); else
    LIST_COUNT_CAP (SEARCH_COUNT_CAP, if lower, for a `q=` search), or up to the end of the asked
    page when that lies beyond the cap.

    Counting every match of a filter over a million work orders costs 150-500 ms (2 s for a common
    search term) while the page itself costs a millisecond (bench/README.md); past the cap a list
    says "at least this many" (X-Total-Count-Exact: false) and a client asks for ?count=exact when
    it really needs the number. A search's count checks each candidate row's text (the trigram
    index only narrows them down), so it stops sooner: 1,000 matches by default."""
    if exact:
        return None
    cap = int(current_app.config["LIST_COUNT_CAP"])
    if search:
        cap = min(cap, int(current_app.config["SEARCH_COUNT_CAP"]))
    return max(cap, page * limit)


def capped_count(stmt: Select, window: int | None) -> Select:
    """SELECT count(*) of the statement's rows, reading at most window + 1 of them (all when None):
    more than `window` means "at least window" (see settle_count)."""
    rows = stmt.order_by(None)
    if window is not None:
        rows = rows.limit(window + 1)
    return select(func.count()).select_from(rows.subquery())


def settle_count(counted: int, window: int | None) -> tuple[int, bool]:
    """(total, exact) from a capped count: past the window the total is the window, a lower bound."""
    if window is not None and counted > window:
        return window, False
    return counted, True


def paginate(stmt: Select, page: int, limit: int, *, exact: bool = False, search: bool = False) -> Page:
    """One page of an ORM statement and its total: exact up to LIST_COUNT_CAP (SEARCH_COUNT_CAP when
    `search`: the statement filters by `q=`) or the end of this page, a lower bound beyond unless
    `exact` (count_window)."""
    window = count_window(page, limit, exact, search)
    total, is_exact = settle_count(db.session.scalar(capped_count(stmt, window)) or 0, window)
    items = list(db.session.scalars(stmt.limit(limit).offset((page - 1) * limit)))
    return Page(items=items, total=total, page=page, limit=limit, exact=is_exact)


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
    exact: bool = True    # False: `remaining` is a lower bound (count_window)


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
              row: Callable[[Any], Any] = lambda record: record, *, search: bool = False) -> SyncPage:
    """One page of a sync read of an ORM statement (its filters applied, its order replaced);
    `search`: the statement filters by `q=` (its count stops at SEARCH_COUNT_CAP)."""
    position = query.position
    ordered = sync_statement(stmt, model, position, sync_horizon())
    window = count_window(1, query.limit, query.exact_count, search)
    remaining, exact = settle_count(db.session.scalar(capped_count(ordered, window)) or 0, window)
    records = list(db.session.scalars(ordered.limit(query.limit + 1)))
    more, records = len(records) > query.limit, records[:query.limit]
    last = records[-1] if records else None
    after = SyncCursor(last.updated_at, last.id) if last is not None else position
    return SyncPage(items=[row(r) for r in records], remaining=remaining, next_cursor=encode_cursor(after), more=more,
                    exact=exact)


def sync_horizon(now: datetime | None = None) -> datetime:
    """Changes up to this moment are returned by a sync read (see sync_statement)."""
    return (now or utcnow()) - timedelta(seconds=current_app.config["SYNC_SETTLE_SECONDS"])
